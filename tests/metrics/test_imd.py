import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import pairwise_distances

from sklearn_imd import IMDSignature, imd_distance, imd_score, pairwise_imd
from sklearn_imd._core.distance import imd_weights

FAST = dict(nv=30, random_state=0)


def circle(rng, n=250):
    """A noisy circle in 3-D: intrinsically one-dimensional."""
    a = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(a), np.sin(a), np.zeros(n)] + 0.01 * rng.normal(size=(n, 3))


def collection(rng):
    """Three Gaussian clouds, then three circles."""
    return [rng.normal(size=(250, 3)) for _ in range(3)] + [circle(rng) for _ in range(3)]


def test_imd_distance_formula(rng):
    t = np.logspace(-1, 1, 256)
    u, v = rng.normal(size=(2, 256)) * 1e5
    assert imd_distance(u, v) == pytest.approx(np.max(np.exp(-2 * (t + 1 / t)) * np.abs(u - v)))
    t3 = np.array([0.5, 1.0, 2.0])
    assert imd_distance([0, 0, 0], [1, 2, 4], t=t3) == pytest.approx(np.max(imd_weights(t3) * [1, 2, 4]))


signatures = arrays(np.float64, 256, elements=st.floats(-1e6, 1e6))


@settings(max_examples=50, deadline=None)
@given(signatures, signatures, signatures)
def test_imd_distance_is_a_metric(u, v, w):
    assert imd_distance(u, u) == 0
    assert imd_distance(u, v) == imd_distance(v, u) >= 0
    assert imd_distance(u, w) <= imd_distance(u, v) + imd_distance(v, w) + 1e-9


def test_pairwise_distances_equals_pairwise_imd(rng):
    clouds = collection(rng)
    S = IMDSignature(**FAST).fit_transform(clouds)
    np.testing.assert_allclose(pairwise_distances(S, metric=imd_distance), pairwise_imd(clouds, **FAST))
    t = np.logspace(-0.5, 0.5, 20)
    S = IMDSignature(t=t, **FAST).fit_transform(clouds)
    np.testing.assert_allclose(
        pairwise_distances(S, metric=imd_distance, t=t), pairwise_imd(clouds, t=t, **FAST)
    )


def test_pairwise_imd_shapes_and_symmetry(rng):
    clouds = collection(rng)
    D = pairwise_imd(clouds, **FAST)
    assert D.shape == (6, 6)
    np.testing.assert_array_equal(D, D.T)
    assert np.all(np.diag(D) == 0)
    D2 = pairwise_imd(clouds[:2], clouds[2:], **FAST)
    assert D2.shape == (2, 4)
    S = IMDSignature(**FAST).fit_transform(clouds)  # same seeds: one collection
    np.testing.assert_allclose(D2, pairwise_distances(S[:2], S[2:], metric=imd_distance))


def test_pairwise_matrix_clusters_models(rng):
    D = pairwise_imd(collection(rng), **FAST)
    labels = AgglomerativeClustering(n_clusters=2, metric="precomputed", linkage="average").fit_predict(D)
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]


def test_imd_score_separates_distributions(rng):
    X = rng.normal(size=(1000, 10))
    X2 = rng.normal(size=(1000, 10))
    Y = rng.beta(0.5, 0.5, size=(1000, 10))
    far = imd_score(X, Y, random_state=0)
    near = imd_score(X, X2, random_state=0)
    assert far > 50 and far > 5 * near


def test_imd_score_different_sizes_and_dimensions(rng):
    score = imd_score(rng.normal(size=(300, 2)), rng.normal(size=(500, 30)), **FAST)
    assert np.isfinite(score) and score > 0


def test_imd_score_matches_pairwise(rng):
    X, Y = rng.normal(size=(200, 3)), rng.uniform(size=(220, 3))
    assert imd_score(X, Y, **FAST) == pytest.approx(pairwise_imd([X], [Y], **FAST)[0, 0])


def test_imd_score_reproducible(rng):
    X, Y = rng.normal(size=(200, 3)), rng.uniform(size=(220, 3))
    assert imd_score(X, Y, **FAST) == imd_score(X, Y, **FAST)
    assert imd_score(X, Y, **FAST) == imd_score(X, Y, n_jobs=2, **FAST)
