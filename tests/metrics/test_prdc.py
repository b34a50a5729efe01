"""Precision, recall, density and coverage against a brute-force formula.

The reference below is the definition of Naeem et al. (2020) as the ``prdc``
package computes it: full distance matrices, radii from sorting, strict
inequalities.  The counts are exact, so the values must be equal, not close.
"""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from sklearn_imd import prdc_score
from sklearn_imd._core import search as _search
from sklearn_imd.metrics import _prdc as prdc_module
from sklearn_imd.metrics._prdc import PRDCResult, _prdc, real_radii

KEYS = ("precision", "recall", "density", "coverage")


def brute_prdc(X, Y, k):
    """The definitions, with dense distance matrices (float64)."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    n, m = X.shape[0], Y.shape[0]
    # column 0 of each sorted row is the point itself (distance 0); duplicates
    # are other points and count
    r = np.sort(cdist(X, X), axis=1)[:, k]
    s = np.sort(cdist(Y, Y), axis=1)[:, k]
    D = cdist(X, Y)
    in_real = D < r[:, None]  # y_j strictly inside the ball of x_i
    in_fake = D < s[None, :]  # x_i strictly inside the ball of y_j
    return {
        "precision": int(in_real.any(axis=0).sum()) / m,
        "recall": int(in_fake.any(axis=1).sum()) / n,
        "density": int(in_real.sum()) / (k * m),
        "coverage": int(in_real.any(axis=1).sum()) / n,
    }


def brute_radii(X, k):
    """Squared distance of each point to its k-th nearest neighbour."""
    X = np.asarray(X, dtype=np.float64)
    return np.sort(cdist(X, X, "sqeuclidean"), axis=1)[:, k]


def assert_exact(X, Y, k):
    got = prdc_score(X, Y, k=k)
    assert isinstance(got, PRDCResult)
    assert got.as_dict() == brute_prdc(X, Y, k)
    for key in KEYS:
        assert type(getattr(got, key)) is float
    return got


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("d", [2, 7, 300])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_gaussian_samples_match_the_definition(dtype, d, k):
    rng = np.random.default_rng(100 + d)
    X = rng.normal(size=(300, d)).astype(dtype)
    # many generated points near the real ones so that every metric is
    # neither 0 nor 1 even in 300 dimensions
    Y = np.vstack([X[:120] + 0.3 * rng.normal(size=(120, d)),
                   1.2 * rng.normal(size=(130, d)) + 0.1]).astype(dtype)
    res = assert_exact(X, Y, k)
    assert 0 <= res.precision <= 1 and 0 <= res.recall <= 1 and 0 <= res.coverage <= 1
    assert res.density >= 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("eps", [1e-3, 1e-6])
def test_near_ties_in_300_dimensions_are_decided_exactly(dtype, eps):
    # Y a tiny perturbation of X: each x_i is about as far from y_j as from
    # x_j, so many real-generated distances lie within float32 rounding of a
    # radius and are decided by the float64 distances.
    rng = np.random.default_rng(7)
    X = rng.normal(size=(250, 300)).astype(dtype)
    Y = (X[:200] + eps * rng.normal(size=(200, 300))).astype(dtype)
    for k in (1, 3, 5):
        assert_exact(X, Y, k)


@pytest.mark.parametrize("d", [2, 3, 200])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_integer_data_with_many_exact_ties(d, k):
    rng = np.random.default_rng(d)
    X = rng.integers(0, 4, size=(300, d))
    Y = rng.integers(0, 4, size=(220, d))
    Y[:60] = X[:60]  # and exact copies of real points
    assert_exact(X, Y, k)
    # the same as floats of either precision
    assert_exact(X.astype(np.float64), Y.astype(np.float64), k)
    assert_exact(X.astype(np.float32), Y.astype(np.float32), k)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_generated_copies_of_real_points_sit_on_ball_boundaries(dtype, k):
    # A copy of x_j is exactly as far from x_i as x_j is: when x_j is the
    # k-th neighbour of x_i, the copy lies on the boundary of x_i's ball and
    # is not inside it.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 5)).astype(dtype)
    Y = np.vstack([X[::2], rng.normal(size=(40, 5)).astype(dtype)])
    assert_exact(X, Y, k)
    assert_exact(Y, X, k)
    # identical samples: every point is inside its own ball (distance 0)
    same = assert_exact(X, X.copy(), k)
    assert same.precision == same.recall == same.coverage == 1.0


def test_points_repeated_more_than_k_times_have_empty_balls():
    rng = np.random.default_rng(5)
    base = rng.normal(size=(20, 4))
    X = np.repeat(base, 7, axis=0)  # 7 copies each
    Y = np.vstack([base[:10], rng.normal(size=(50, 4))])
    for k in (1, 3, 5):
        res = assert_exact(X, Y, k)
        np.testing.assert_array_equal(real_radii(X, k), 0.0)
        # radius 0: nothing is strictly inside a real ball, not even a copy
        assert res.precision == res.density == res.coverage == 0.0
        assert res.recall > 0
    # exactly k + 1 copies still give radius 0, k copies do not
    X3 = np.repeat(base, 3, axis=0)
    assert np.all(real_radii(X3, 2) == 0) and np.all(real_radii(X3, 3) > 0)
    assert_exact(X3, Y, 2)
    assert_exact(X3, Y, 3)


def test_some_duplicates_mixed_with_distinct_points():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(150, 3))
    X[10:16] = X[9]  # 7 copies of one point
    X[40:42] = X[39]  # 3 copies of another
    Y = np.vstack([X[:50] + 0.05 * rng.normal(size=(50, 3)), X[5:45]])
    Y[60:68] = Y[59]
    for k in (1, 3, 5):
        assert_exact(X, Y, k)


def test_distances_equal_to_radii_on_a_grid_are_not_inside():
    # Integer grid: every radius is an exact distance to other grid points,
    # and generated points on the grid or at half steps hit radii exactly.
    g = np.stack(np.meshgrid(np.arange(10), np.arange(10)), -1).reshape(-1, 2).astype(float)
    for k in (1, 3, 5):
        np.testing.assert_array_equal(real_radii(g, k), brute_radii(g, k))
    # grid points shifted by one: each lies at distance 1 = the 1-NN radius
    # of its neighbours, and at the centre of a real ball unless off the grid
    shifted = g[::3] + [1.0, 0.0]
    res = assert_exact(g, shifted, 1)
    inside_grid = shifted[:, 0] <= 9
    assert 0 < inside_grid.sum() < len(shifted)
    # a shifted point on the grid is inside its own copy's ball only (distance 0)
    assert res.density == pytest.approx(inside_grid.sum() / len(shifted))
    for k in (1, 3, 5):
        assert_exact(g, g[::3] + 0.5, k)
        assert_exact(g, np.vstack([g[::7], g[::5] + [1, 0], g[::4] + [0.5, 1.0]]), k)
    # k = 1 on a unit grid: radius 1, so generated points at distance exactly
    # 1 from the nearest real point are in no ball
    res = prdc_score(g, np.array([[-1.0, 0.0], [0.0, -1.0], [10.0, 5.0], [5.0, 10.0]]), k=1)
    assert res.precision == 0.0 and res.density == 0.0 and res.coverage == 0.0


@pytest.mark.parametrize("n, m", [(40, 400), (400, 40), (7, 300), (300, 7)])
def test_different_sample_sizes(n, m):
    rng = np.random.default_rng(n * m)
    X = rng.normal(size=(n, 3))
    Y = rng.normal(size=(m, 3)) * 0.8
    for k in (1, 3, 5):
        assert_exact(X, Y, k)


def test_many_row_panels_and_column_tiles(monkeypatch):
    # small tiles: several panels of real rows (threads) and several tiles of
    # generated columns, ragged at the ends; the radii's searches take the
    # Numba kernels (these clouds would take the NumPy route), so the panels reach them
    monkeypatch.setattr(prdc_module, "JIT_MIN_POINTS", 0)
    monkeypatch.setattr(_search, "_PANEL_ROWS", 64)
    monkeypatch.setattr(_search, "_TILE_COLUMNS", 128)
    monkeypatch.setattr(prdc_module, "_CROSS_ROWS", 64)
    monkeypatch.setattr(prdc_module, "_CROSS_COLUMNS", 128)
    rng = np.random.default_rng(9)
    X = rng.normal(size=(501, 6))
    Y = np.vstack([rng.normal(size=(400, 6)), X[:53]])
    for k in (1, 5):
        assert_exact(X, Y, k)
    Xi, Yi = rng.integers(0, 4, size=(333, 3)), rng.integers(0, 4, size=(300, 3))
    assert_exact(Xi, Yi, 3)


def test_large_common_offset_in_float32():
    rng = np.random.default_rng(11)
    X = (rng.normal(size=(300, 40)) + 1000).astype(np.float32)
    Y = (rng.normal(size=(250, 40)) * 1.1 + 1000).astype(np.float32)
    for k in (1, 5):
        assert_exact(X, Y, k)


# ----------------------------------------------------------------------------- invariances


def _sample_pair(seed=12):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(250, 5))
    Y = np.vstack([1.3 * rng.normal(size=(150, 5)) + 0.2, X[:60]])  # with exact copies
    return X, Y


@pytest.mark.parametrize("k", [1, 3, 5])
def test_invariant_to_translation_and_scaling(k):
    X, Y = _sample_pair()
    ref = prdc_score(X, Y, k=k)
    c = np.array([3.0, -1e3, 0.25, 17.0, 1e5])
    assert prdc_score(X + c, Y + c, k=k) == ref
    for factor in (2.0**-600, 2.0**-3, 2.0**5, 2.0**600, 3.0):
        # 2**600 and 2**-600: squared distances would overflow or underflow
        # float64 without the library's rescaling
        assert prdc_score(X * factor, Y * factor, k=k) == ref
    # the integer grid shifted and scaled by 3 stays exact
    rng = np.random.default_rng(13)
    Xi, Yi = rng.integers(0, 4, size=(200, 3)), rng.integers(0, 4, size=(150, 3))
    ref = prdc_score(Xi, Yi, k=k)
    assert ref.as_dict() == brute_prdc(Xi, Yi, k)
    assert prdc_score(3.0 * Xi + 5, 3.0 * Yi + 5, k=k) == ref
    assert prdc_score(Xi * 2.0**-40, Yi * 2.0**-40, k=k) == ref


def test_invariant_to_row_order():
    X, Y = _sample_pair(14)
    rng = np.random.default_rng(14)
    for k in (1, 5):
        ref = prdc_score(X, Y, k=k)
        assert prdc_score(X[rng.permutation(len(X))], Y[rng.permutation(len(Y))], k=k) == ref
        assert prdc_score(X[::-1], Y[::-1], k=k) == ref


def test_precision_and_recall_swap_with_the_samples():
    X, Y = _sample_pair(15)
    for k in (1, 3):
        a, b = prdc_score(X, Y, k=k), prdc_score(Y, X, k=k)
        assert a.precision == b.recall and a.recall == b.precision


def test_inputs_are_not_modified_and_read_only_inputs_work():
    X, Y = _sample_pair(16)
    X32 = X.astype(np.float32)
    copies = [A.copy() for A in (X, Y, X32)]
    for A in (X, Y, X32):
        A.setflags(write=False)
    ref = prdc_score(X.copy(), Y.copy(), k=3)
    assert prdc_score(X, Y, k=3) == ref
    prdc_score(X32, Y.astype(np.float32), k=3)
    real_radii(X, 3)
    for A, B in zip((X, Y, X32), copies):
        np.testing.assert_array_equal(A, B)
        assert A.dtype == B.dtype
    # non-contiguous views and lists of lists
    big = np.random.default_rng(16).normal(size=(200, 10))
    Xs, Ys = big[::2, ::2], big[1::2, 1::2]
    assert prdc_score(Xs, Ys, k=2) == prdc_score(np.ascontiguousarray(Xs),
                                                 np.ascontiguousarray(Ys), k=2)
    assert prdc_score(Xs.tolist(), Ys.tolist(), k=2) == prdc_score(Xs, Ys, k=2)


def test_mixed_dtypes():
    rng = np.random.default_rng(17)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    Y = rng.normal(size=(150, 4))
    # float32 X against float64 Y: the float32 values, compared exactly
    assert prdc_score(X, Y, k=3).as_dict() == brute_prdc(X, Y, 3)
    assert prdc_score(Y, X, k=3).as_dict() == brute_prdc(Y, X, 3)


def test_as_dict():
    X, Y = _sample_pair(18)
    res = prdc_score(X, Y)
    d = res.as_dict()
    assert list(d) == list(KEYS)
    assert d == {key: getattr(res, key) for key in KEYS}
    assert d == brute_prdc(X, Y, 5)  # default k=5


# ----------------------------------------------------------------------------- stored radii


@pytest.mark.parametrize("k", [1, 3, 5])
def test_real_radii_and_private_prdc_match_prdc_score(k):
    rng = np.random.default_rng(19)
    X = rng.normal(size=(200, 6))
    for Y in (rng.normal(size=(150, 6)),
              8.0 * rng.normal(size=(150, 6)) + 20,  # Y sets the shared scale
              np.vstack([X[:40], 0.01 * rng.normal(size=(30, 6))])):
        R = real_radii(X, k)
        assert R.shape == (200,) and R.dtype == np.float64
        np.testing.assert_allclose(R, brute_radii(X, k), rtol=1e-13)
        assert _prdc(X, Y, k, R) == prdc_score(X, Y, k=k)
        assert _prdc(X, Y, k) == prdc_score(X, Y, k=k)
    X32 = X.astype(np.float32)
    Y32 = rng.normal(size=(120, 6)).astype(np.float32)
    R32 = real_radii(X32, k)
    np.testing.assert_allclose(R32, brute_radii(X32, k), rtol=1e-13)
    assert _prdc(X32, Y32, k, R32) == prdc_score(X32, Y32, k=k)


def test_real_radii_of_integer_data_are_exact():
    rng = np.random.default_rng(20)
    X = rng.integers(0, 4, size=(300, 5)).astype(np.float64)
    for k in (1, 3, 5):
        np.testing.assert_array_equal(real_radii(X, k), brute_radii(X, k))
        np.testing.assert_array_equal(real_radii(X * 2.0**-30, k),
                                      brute_radii(X, k) * 2.0**-60)


# ----------------------------------------------------------------------------- errors


def test_errors():
    rng = np.random.default_rng(21)
    X, Y = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    with pytest.raises(ValueError, match="same number of features; got 3 and 4"):
        prdc_score(X, rng.normal(size=(30, 4)))
    with pytest.raises(ValueError, match="X has 5 points; a 5-NN radius needs at least 6"):
        prdc_score(X[:5], Y)
    with pytest.raises(ValueError, match="Y has 3 points; a 3-NN radius needs at least 4"):
        prdc_score(X, Y[:3], k=3)
    prdc_score(X[:6], Y[:6])  # k + 1 points are enough
    bad = X.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        prdc_score(bad, Y)
    with pytest.raises(ValueError, match="Y contains NaN"):
        prdc_score(X, bad)
    bad[4, 1] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        prdc_score(bad, Y)
    for k in (2.0, "5", None, True):
        with pytest.raises(TypeError, match="k must be an integer"):
            prdc_score(X, Y, k=k)
    for k in (0, -1):
        with pytest.raises(ValueError, match="k must be >= 1"):
            prdc_score(X, Y, k=k)
    assert prdc_score(X, Y, k=np.int64(3)) == prdc_score(X, Y, k=3)
    with pytest.raises(ValueError, match="2-D array"):
        prdc_score(X[None], Y)
    with pytest.raises(ValueError, match="2-D array"):
        prdc_score(X, Y[:, :, None])
    with pytest.raises(ValueError, match="2-D array"):
        prdc_score(X[:, 0], Y[:, 0])
    with pytest.raises(TypeError):
        prdc_score(X, Y, 5)  # k is keyword-only


# ----------------------------------------------------------------------------- far from the mean


@pytest.mark.parametrize("case", ["tight clusters in 64-D", "two far clusters"])
def test_radii_of_tight_clusters_far_from_the_mean(case):
    rng = np.random.default_rng(0)
    if case == "tight clusters in 64-D":
        X = np.repeat(rng.normal(size=(10, 64)), 30, axis=0) + 1e-3 * rng.normal(size=(300, 64))
        Y = X + 1e-3 * rng.normal(size=X.shape)
    else:
        X = np.r_[0.1 * rng.normal(size=(150, 3)), 0.1 * rng.normal(size=(150, 3)) + 1e4]
        Y = np.r_[0.1 * rng.normal(size=(100, 3)), 0.1 * rng.normal(size=(100, 3)) + 1e4]
    np.testing.assert_allclose(real_radii(X, 5), brute_radii(X, 5), rtol=1e-12)
    assert prdc_score(X, Y).as_dict() == brute_prdc(X, Y, 5)
