"""The comparisons of ``sklearn-imd demo``, on scikit-learn's bundled digits data set."""

import time

import numpy as np


def _blur(images):
    """Mean over each pixel's 3x3 neighbourhood (edges repeated), per image."""
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)), mode="edge")
    out = np.zeros_like(images)
    for di in range(3):
        for dj in range(3):
            out += padded[:, di : di + images.shape[1], dj : dj + images.shape[2]]
    return out / 9.0


def comparisons(seed):
    """(label, X, Y) triples of the demo, generated from ``seed``."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data.astype(np.float64), digits.target
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(X))
    half = len(X) // 2
    noisy = X + rng.normal(scale=2.0, size=X.shape)
    blurred = _blur(digits.images.astype(np.float64)).reshape(len(X), -1)
    uniform = rng.uniform(0.0, 16.0, size=X.shape)
    return [
        ("digits: random half vs other half", X[perm[:half]], X[perm[half:]]),
        ("digits 0-4 vs digits 5-9", X[y < 5], X[y >= 5]),
        ("digits vs digits blurred (3x3 mean)", X, blurred),
        ("digits vs digits + Gaussian noise (sd 2)", X, noisy),
        ("digits vs uniform noise (same shape)", X, uniform),
    ]


def run_demo(seed):
    """(label, IMD, seconds) of each comparison, with ``random_state=seed``."""
    from ..metrics import imd_score

    # Warm-up on a tiny cloud so that Numba compilation is not charged to row 1.
    warm = np.random.default_rng(0).normal(size=(50, 2))
    imd_score(warm, warm, nv=2, method="slq", random_state=0)
    rows = []
    for label, X, Y in comparisons(seed):
        start = time.perf_counter()
        score = imd_score(X, Y, random_state=seed)
        rows.append((label, score, time.perf_counter() - start))
    return rows
