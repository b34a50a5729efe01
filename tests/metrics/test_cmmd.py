"""cmmd_score against an independent re-implementation of the formula of
sayakpaul/cmmd-pytorch's distance.py (n x n kernel matrices, in NumPy)."""

import numpy as np
import pytest

from sklearn_imd import cmmd_score, mmd_score

SIGMA, SCALE = 10, 1000  # distance.py's _SIGMA and _SCALE


def reference_cmmd(x, y):
    """distance.mmd, line by line: the squared norms from the diagonals of the
    Gram matrices, ``exp(-gamma (-2 x.y + |x|^2 + |y|^2))`` and the plain means
    (diagonals included), in the dtype of the inputs (float32 as its main.py)."""
    x_sq = np.diag(x @ x.T)
    y_sq = np.diag(y @ y.T)
    gamma = x.dtype.type(1 / (2 * SIGMA**2))

    def mean_kernel(a, b, a_sq, b_sq):
        return np.mean(np.exp(-gamma * (-2 * (a @ b.T) + a_sq[:, None] + b_sq[None, :])))

    k_xx = mean_kernel(x, x, x_sq, x_sq)
    k_xy = mean_kernel(x, y, x_sq, y_sq)
    k_yy = mean_kernel(y, y, y_sq, y_sq)
    return SCALE * (k_xx + k_yy - 2 * k_xy)


def unit(A):
    """Rows of unit norm, as CLIP embeddings are (embedding.py normalises them)."""
    return A / np.linalg.norm(A, axis=1, keepdims=True)


@pytest.fixture
def clip_like():
    rng = np.random.default_rng(0)
    X = unit(rng.normal(size=(300, 64)))
    Y = unit(rng.normal(size=(250, 64)) + 0.3 * rng.normal(size=64))
    return X, Y


def test_matches_the_reference_formula_in_float64(clip_like):
    X, Y = clip_like
    # the same sums in another order (blocks, sklearn's distances): a few
    # float64 roundings of terms about 1, times 1000
    assert cmmd_score(X, Y) == pytest.approx(reference_cmmd(X, Y), rel=1e-9, abs=1e-9)


def test_matches_the_float32_reference_to_its_rounding(clip_like):
    X, Y = (A.astype(np.float32) for A in clip_like)
    ref = float(reference_cmmd(X, Y))
    # distance.py in float32: each mean of ~1e5 kernel values about 0.99 is
    # summed pairwise, with a relative error up to about eps32 * log2(n^2)
    # (eps32 = 1.2e-7, log2 = 16) each, 4 eps32 for the three means together,
    # and k_xx + k_yy - 2 k_xy loses a few ulps of 2 (8 eps32): 1000 * (4 *
    # 1.2e-7 * 16 + 8 * 1.2e-7) = 9e-3 at worst (5e-5 seen); the value is 0.94
    eps = np.finfo(np.float32).eps
    bound = SCALE * (4 * eps * np.log2(X.shape[0] * Y.shape[0]) + 8 * eps)
    ours = cmmd_score(X, Y)
    assert abs(ours - ref) <= bound
    assert ours > 100 * bound  # the comparison is not of noise


def test_is_mmd_score_biased_times_1000(clip_like):
    X, Y = clip_like
    # the same kernel sums: identical up to the product by 1000
    assert cmmd_score(X, Y) == pytest.approx(
        1000 * mmd_score(X, Y, kernel="rbf", gamma=1 / 200, estimator="biased"), rel=1e-12)


def test_zero_for_identical_samples_and_symmetric(clip_like):
    X, Y = clip_like
    assert cmmd_score(X, X) == 0.0
    # k(x, y) sums over the transposed matrix: the same numbers, other blocks
    assert cmmd_score(X, Y) == pytest.approx(cmmd_score(Y, X), rel=1e-12)


def test_float32_input_is_read_exactly_and_left_alone(clip_like):
    X, Y = (A.astype(np.float32) for A in clip_like)
    X0, Y0 = X.copy(), Y.copy()
    got = cmmd_score(X, Y)
    assert isinstance(got, float)
    # float32 widens to float64 exactly: the same numbers as float64 input
    assert got == cmmd_score(X.astype(np.float64), Y.astype(np.float64))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_blocked_sums_match_the_whole_matrix(clip_like, monkeypatch):
    """Row blocks of a few entries give the whole-matrix value: memory O(n * block)."""
    from sklearn_imd.metrics import _kernels

    X, Y = clip_like
    whole = cmmd_score(X, Y)
    seen = []
    real = _kernels._kernel

    def spy(A, B, kernel, params):
        seen.append(A.shape[0] * B.shape[0])
        return real(A, B, kernel, params)

    monkeypatch.setattr(_kernels, "BLOCK_ENTRIES", 5000)
    monkeypatch.setattr(_kernels, "_kernel", spy)
    # other partial sums, same terms: float64 rounding of ~1e5 terms about 1
    assert cmmd_score(X, Y) == pytest.approx(whole, rel=1e-9)
    assert max(seen) <= 5000


def test_grows_with_the_shift():
    rng = np.random.default_rng(1)
    X = unit(rng.normal(size=(400, 16)))
    direction = rng.normal(size=16)
    values = [cmmd_score(X, unit(rng.normal(size=(400, 16)) + s * direction))
              for s in (0.0, 0.2, 0.5)]
    assert values[0] < values[1] < values[2]


def test_bad_input():
    rng = np.random.default_rng(2)
    with pytest.raises(ValueError, match="same number of features"):
        cmmd_score(rng.normal(size=(10, 3)), rng.normal(size=(10, 4)))
    with pytest.raises(ValueError, match="not finite"):
        cmmd_score(np.full((5, 2), 1e200), rng.normal(size=(5, 2)))
