"""Shape metrics of paired representations (procrustes_distance,
shape_distance, knn_jaccard) against independent re-implementations of
ReSi's and netrep's formulas, their invariances, the metric axioms and the
input checks."""

import numpy as np
import pytest

from sklearn_imd import knn_jaccard, procrustes_distance, shape_distance
from sklearn_imd.metrics import _shape

# Values computed from the same float64 data by the same formula, with sums in
# another order (blocks of rows here, one product in the references): they
# agree to a few hundred eps; sqrt and arccos are well conditioned away from 0.
RTOL = 1e-10
# A distance that is 0 in exact arithmetic: the residual of the alignment is
# recomputed from the aligned rows, so it is the data's rounding (~1e-16
# relative) times a few, not its square root.
ZERO = 1e-12


def _rotation(rng, d):
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return Q


def _related(rng, n=120, d1=6, d2=6, noise=0.5):
    """X and a noisy linear image of it (distances well away from 0 and pi/2)."""
    X = rng.normal(size=(n, d1)) * np.linspace(1.0, 3.0, d1)
    Y = X @ rng.normal(size=(d1, d2)) + noise * rng.normal(size=(n, d2))
    return X, Y + 2.0


# ---------------------------------------------------------------- references


def _pad(R, Rp):
    """ReSi's adjust_dimensionality and netrep's zero_pad: zero columns to the larger width."""
    d = max(R.shape[1], Rp.shape[1])
    return (np.hstack([R, np.zeros((R.shape[0], d - R.shape[1]))]),
            np.hstack([Rp, np.zeros((Rp.shape[0], d - Rp.shape[1]))]))


def resi_procrustes(R, Rp, normalized=True):
    """ReSi: orthogonal_procrustes_centered_and_normalized (or
    procrustes_size_and_shape_distance): centre, normalise, pad, then
    sqrt(|R|^2 + |Rp|^2 - 2 ||R^T Rp||_*)."""
    R, Rp = R - R.mean(axis=0), Rp - Rp.mean(axis=0)
    if normalized:
        R, Rp = R / np.linalg.norm(R), Rp / np.linalg.norm(Rp)
    R, Rp = _pad(R, Rp)
    nuc = np.linalg.svd(R.T @ Rp, compute_uv=False).sum()
    return np.sqrt(max(np.linalg.norm(R) ** 2 + np.linalg.norm(Rp) ** 2 - 2 * nuc, 0.0))


def netrep_whiten(X, alpha, eigval_tol=1e-7):
    """netrep.utils.whiten(X, alpha, preserve_variance=True): X @ Z."""
    if alpha > 1 - eigval_tol:
        return X
    lam, V = np.linalg.eigh(X.T @ X)
    lam = np.maximum(lam, eigval_tol)
    d = alpha + (1 - alpha) * lam ** (-1 / 2)
    new_var = np.sum(alpha**2 * lam + 2 * alpha * (1 - alpha) * lam**0.5 + (1 - alpha) ** 2)
    d *= np.sqrt(np.sum(lam) / new_var)
    return X @ ((V * d[None, :]) @ V.T)


def netrep_linear(X, Y, alpha, score, pad_first=True):
    """netrep's LinearMetric(alpha, center_columns=True, zero_pad=True,
    score_method=score).fit_score(X, Y).  ``pad_first=False`` whitens each
    representation before padding (the convention of shape_distance)."""
    if pad_first:
        X, Y = _pad(X, Y)
    Xw = netrep_whiten(X - X.mean(axis=0), alpha)
    Yw = netrep_whiten(Y - Y.mean(axis=0), alpha)
    if not pad_first:
        Xw, Yw = _pad(Xw, Yw)
    U, _, Vt = np.linalg.svd(Xw.T @ Yw)
    tX, tY = Xw @ U, Yw @ Vt.T
    if score == "angular":
        corr = np.sum(tX * tY) / (np.linalg.norm(tX) * np.linalg.norm(tY))
        return np.arccos(np.clip(corr, -1.0, 1.0))
    return np.linalg.norm(tX - tY)


def mean_canonical_correlation(X, Y):
    """Canonical correlations from orthonormal bases of the centred columns."""
    Qx, _ = np.linalg.qr(X - X.mean(axis=0))
    Qy, _ = np.linalg.qr(Y - Y.mean(axis=0))
    return np.linalg.svd(Qx.T @ Qy, compute_uv=False).mean()


def brute_neighbours(X, k, metric):
    """Each row's k nearest other rows from the full n x n distance matrix;
    equal distances to the lower index (a stable sort)."""
    X = np.asarray(X, dtype=np.float64)
    if metric == "cosine":
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        D = 1.0 - U @ U.T
    else:
        D = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(D, np.inf)
    return np.argsort(D, axis=1, kind="stable")[:, :k]


def brute_jaccard(X, Y, k, metric):
    """ReSi's jaccard_similarity: mean over rows of |A & B| / |A | B|."""
    NX, NY = brute_neighbours(X, k, metric), brute_neighbours(Y, k, metric)
    return float(np.mean([len(set(a) & set(b)) / len(set(a) | set(b)) for a, b in zip(NX, NY)]))


# ---------------------------------------------------------------- procrustes


@pytest.mark.parametrize("widths", [(6, 6), (5, 8), (8, 3)])
@pytest.mark.parametrize("normalized", [True, False])
def test_procrustes_matches_resi(widths, normalized):
    X, Y = _related(np.random.default_rng(0), d1=widths[0], d2=widths[1])
    got = procrustes_distance(X, Y, normalize=normalized)
    assert got == pytest.approx(resi_procrustes(X, Y, normalized), rel=RTOL)
    assert got > 0.1  # the comparison is away from the degenerate case


def test_procrustes_invariances():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 7))
    Y = 2.5 * X @ _rotation(rng, 7) - 3.0
    assert procrustes_distance(X, Y) < ZERO
    assert procrustes_distance(X, X @ _rotation(rng, 7) + 1.0, normalize=False) < ZERO * 10
    # without normalisation the scale shows: |(s - 1) X_c|
    Xc = X - X.mean(axis=0)
    assert procrustes_distance(X, 2.5 * X, normalize=False) == pytest.approx(
        1.5 * np.linalg.norm(Xc), rel=RTOL)


def test_procrustes_zero_across_widths():
    """A representation and an isometric embedding of it into more
    dimensions are at distance 0, whichever is passed first (the padded
    alignment, including the part of the wider one outside the narrow span)."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 5))
    P = np.linalg.qr(rng.normal(size=(9, 5)))[0].T  # 5 x 9, orthonormal rows
    assert procrustes_distance(X, X @ P) < ZERO
    assert procrustes_distance(X @ P, X) < ZERO
    assert shape_distance(X @ P, X, score="euclidean") < ZERO * 100  # data units ~ 10


def test_procrustes_near_zero_is_accurate():
    """At distances where sqrt(2 - 2 ||X^T Y||_*) has lost half its digits,
    the value matches the residual of the optimal rotation computed from the
    rows."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 6))
    Y = X @ _rotation(rng, 6) + 1e-9 * rng.normal(size=(200, 6))
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    Xc, Yc = Xc / np.linalg.norm(Xc), Yc / np.linalg.norm(Yc)
    U, _, Vt = np.linalg.svd(Xc.T @ Yc)
    expected = np.linalg.norm(Xc @ U @ Vt - Yc)
    # 1e-6: the residual (~1e-10) is the difference of numbers of size 1/sqrt(n d),
    # each rounded to ~1e-17
    assert procrustes_distance(X, Y) == pytest.approx(expected, rel=1e-6)
    assert 1e-11 < expected < 1e-9


def test_procrustes_symmetric_and_triangle():
    rng = np.random.default_rng(4)
    for _ in range(10):
        X, Y = _related(rng, n=40, d1=4, d2=5, noise=1.0)
        Z = Y @ rng.normal(size=(5, 3)) + rng.normal(size=(40, 3))
        for normalized in (True, False):
            d = lambda A, B: procrustes_distance(A, B, normalize=normalized)  # noqa: E731
            assert d(X, Y) == pytest.approx(d(Y, X), rel=RTOL)
            assert d(X, Z) <= d(X, Y) + d(Y, Z) + ZERO


def test_procrustes_constant_unnormalised_is_the_other_norm():
    rng = np.random.default_rng(5)
    Y = rng.normal(size=(30, 4))
    expected = np.linalg.norm(Y - Y.mean(axis=0))
    assert procrustes_distance(np.ones((30, 2)), Y, normalize=False) == pytest.approx(
        expected, rel=RTOL)


# ---------------------------------------------------------------- shape metrics


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.5, 1.0])
@pytest.mark.parametrize("score", ["angular", "euclidean"])
def test_shape_matches_netrep_equal_widths(alpha, score):
    X, Y = _related(np.random.default_rng(6), d1=6, d2=6)
    got = shape_distance(X, Y, alpha=alpha, score=score)
    assert got == pytest.approx(netrep_linear(X, Y, alpha, score), rel=RTOL)
    assert got > 0.05


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("widths", [(4, 7), (7, 4)])
def test_shape_matches_netrep_different_widths(alpha, widths):
    X, Y = _related(np.random.default_rng(7), d1=widths[0], d2=widths[1])
    # angular: netrep's padding changes nothing, whatever alpha
    assert shape_distance(X, Y, alpha=alpha) == pytest.approx(
        netrep_linear(X, Y, alpha, "angular"), rel=RTOL)
    # Euclidean: netrep whitens the padded matrix; here each is whitened, then
    # padded (the same at alpha = 1, a constant factor apart otherwise; docstring)
    got = shape_distance(X, Y, alpha=alpha, score="euclidean")
    assert got == pytest.approx(netrep_linear(X, Y, alpha, "euclidean", pad_first=False),
                                rel=RTOL)
    if alpha == 1.0:
        assert got == pytest.approx(netrep_linear(X, Y, alpha, "euclidean"), rel=RTOL)


def test_shape_alpha_one_is_procrustes():
    X, Y = _related(np.random.default_rng(8), d1=5, d2=7)
    theta = shape_distance(X, Y)
    assert procrustes_distance(X, Y) == pytest.approx(2 * np.sin(theta / 2), rel=RTOL)
    assert procrustes_distance(X, Y, normalize=False) == pytest.approx(
        shape_distance(X, Y, score="euclidean"), rel=RTOL)


def test_shape_alpha_zero_is_mean_canonical_correlation():
    X, Y = _related(np.random.default_rng(9), d1=5, d2=5, noise=2.0)
    theta = shape_distance(X, Y, alpha=0.0)
    assert np.cos(theta) == pytest.approx(mean_canonical_correlation(X, Y), rel=RTOL)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_shape_invariances(alpha):
    rng = np.random.default_rng(10)
    X = rng.normal(size=(150, 6)) * np.linspace(1.0, 4.0, 6)
    Y = X @ _rotation(rng, 6) + 5.0  # rotation and translation: every alpha
    assert shape_distance(X, Y, alpha=alpha) < ZERO
    assert shape_distance(X, Y, alpha=alpha, score="euclidean") < ZERO * 100  # units ~ 30
    if alpha in (0.0, 1.0):  # isotropic scaling (0 < alpha < 1 mixes scales: docstring)
        assert shape_distance(X, 3.0 * X, alpha=alpha) < ZERO
    if alpha == 0.0:  # any invertible linear map
        A = rng.normal(size=(6, 6))
        assert shape_distance(X, X @ A - 1.0, alpha=0.0) < ZERO
    else:  # ... and not otherwise
        assert shape_distance(X, X @ np.diag(np.linspace(1, 3, 6)), alpha=alpha) > 0.01


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("score", ["angular", "euclidean"])
def test_shape_is_a_metric(alpha, score):
    """Symmetry and the triangle inequality on random triples of different widths."""
    rng = np.random.default_rng(11)
    d = lambda A, B: shape_distance(A, B, alpha=alpha, score=score)  # noqa: E731
    for _ in range(15):
        X = rng.normal(size=(30, 3)) * rng.uniform(0.5, 3.0, size=3)
        Y = X @ rng.normal(size=(3, 4)) + rng.uniform(0.2, 2.0) * rng.normal(size=(30, 4))
        Z = Y @ rng.normal(size=(4, 5)) + rng.uniform(0.2, 2.0) * rng.normal(size=(30, 5))
        assert d(X, Y) == pytest.approx(d(Y, X), rel=RTOL)
        for a, b, c in ((X, Y, Z), (Y, Z, X), (Z, X, Y)):
            assert d(a, c) <= d(a, b) + d(b, c) + ZERO
    if score == "angular":
        assert 0.0 <= d(X, Z) <= np.pi / 2


def test_shape_drops_null_directions():
    """A constant feature (zero variance) is left out of the whitening rather
    than amplified: the distance is that of the other features."""
    rng = np.random.default_rng(12)
    X, Y = _related(rng, d1=4, d2=4)
    X5 = np.hstack([X, np.full((X.shape[0], 1), 7.0)])
    for alpha in (0.0, 0.5):
        assert shape_distance(X5, Y, alpha=alpha) == pytest.approx(
            shape_distance(X, Y, alpha=alpha), rel=RTOL)


# ---------------------------------------------------------------- kNN Jaccard


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("k", [1, 5, 10])
def test_knn_jaccard_matches_brute_force(metric, k):
    X, Y = _related(np.random.default_rng(13), n=200, d1=5, d2=7, noise=1.0)
    got = knn_jaccard(X, Y, k=k, metric=metric)
    # the same per-row fractions, averaged in another order
    assert got == pytest.approx(brute_jaccard(X, Y, k, metric), rel=1e-12)
    assert 0.05 < got < 0.95


def test_knn_jaccard_ties_go_to_the_lower_index():
    """On a small lattice most distances tie (and points repeat); the sets
    are those of a stable sort of the exact distances, in both the NumPy
    route and the Numba kernels' (n >= JIT_MIN_POINTS)."""
    rng = np.random.default_rng(14)
    for n in (150, 1100):
        X = rng.integers(0, 4, size=(n, 3))
        Y = rng.integers(0, 4, size=(n, 2))
        got = knn_jaccard(X, Y, k=6, metric="euclidean")
        assert got == pytest.approx(brute_jaccard(X, Y, 6, "euclidean"), rel=1e-12)
        assert np.array_equal(_shape._neighbours(X.astype(np.float64), 6),
                              brute_neighbours(X, 6, "euclidean"))


def test_knn_jaccard_repeated_points():
    """Continuous points each repeated three times: a point's copies are its
    nearest neighbours (at distance 0, itself excluded), and the k-th falls
    among three equally near copies of another point, taken by lower index."""
    rng = np.random.default_rng(23)
    for n in (50, 370):  # 150 and 1110 rows: the NumPy route and the kernels'
        X = np.repeat(rng.normal(size=(n, 4)), 3, axis=0)[rng.permutation(3 * n)]
        Y = np.repeat(rng.normal(size=(n, 3)), 3, axis=0)[rng.permutation(3 * n)]
        assert np.array_equal(_shape._neighbours(X, 4), brute_neighbours(X, 4, "euclidean"))
        for metric in ("euclidean", "cosine"):
            assert knn_jaccard(X, Y, k=4, metric=metric) == pytest.approx(
                brute_jaccard(X, Y, 4, metric), rel=1e-12)


def test_knn_jaccard_uncertain_rows_are_compared_with_everyone(monkeypatch):
    """Two tight clusters far apart: neither the float32 nor the float64
    search resolves the neighbours within a cluster, whose rows fall back to
    direct distances to every point; the neighbours are still exact."""
    rng = np.random.default_rng(15)
    X = rng.normal(scale=1e-6, size=(60, 3))
    X[30:] += 1e6
    calls = []
    brute = _shape._brute_neighbours
    monkeypatch.setattr(_shape, "_brute_neighbours",
                        lambda *a: calls.append(a[2].size) or brute(*a))
    assert np.array_equal(_shape._neighbours(X, 3), brute_neighbours(X, 3, "euclidean"))
    assert sum(calls) > 0


def test_knn_jaccard_invariances_and_symmetry():
    rng = np.random.default_rng(16)
    X = rng.normal(size=(300, 8))
    Q = _rotation(rng, 8)
    assert knn_jaccard(X, 2.0 * X @ Q) == 1.0
    assert knn_jaccard(X, 0.5 * X @ Q + 3.0, metric="euclidean") == 1.0
    Y = X @ rng.normal(size=(8, 4)) + rng.normal(size=(300, 4))
    for metric in ("cosine", "euclidean"):
        assert knn_jaccard(X, Y, metric=metric) == knn_jaccard(Y, X, metric=metric)
    # cosine ignores each row's length, Euclidean does not
    lengths = rng.uniform(0.5, 2.0, size=(300, 1))
    assert knn_jaccard(X, lengths * X) == 1.0
    assert knn_jaccard(X, lengths * X, metric="euclidean") < 0.9


# ---------------------------------------------------------------- dtypes, inputs


def test_float32_inputs():
    X, Y = _related(np.random.default_rng(17), d1=5, d2=6)
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    X64, Y64 = X32.astype(np.float64), Y32.astype(np.float64)
    # the same values, computed in float64 either way
    assert procrustes_distance(X32, Y32) == pytest.approx(procrustes_distance(X64, Y64), rel=RTOL)
    for alpha in (0.0, 0.5, 1.0):
        for score in ("angular", "euclidean"):
            assert shape_distance(X32, Y32, alpha=alpha, score=score) == pytest.approx(
                shape_distance(X64, Y64, alpha=alpha, score=score), rel=RTOL)
    for metric in ("cosine", "euclidean"):
        assert knn_jaccard(X32, Y32, metric=metric) == knn_jaccard(X64, Y64, metric=metric)


def test_inputs_are_not_modified():
    X, Y = _related(np.random.default_rng(18), n=50, d1=4, d2=3)
    X32 = X.astype(np.float32)
    before = X.copy(), Y.copy(), X32.copy()
    for A in (X, Y, X32):
        A.setflags(write=False)  # a write in place would raise
    procrustes_distance(X, Y)
    procrustes_distance(X32, Y, normalize=False)
    for alpha in (0.0, 0.5, 1.0):
        shape_distance(X, Y, alpha=alpha)
        shape_distance(X32, Y, alpha=alpha, score="euclidean")
    knn_jaccard(X, Y, k=3)
    knn_jaccard(X32, Y, k=3, metric="euclidean")
    for A, B in zip((X, Y, X32), before):
        assert np.array_equal(A, B)


FUNCTIONS = [procrustes_distance, shape_distance, knn_jaccard]


@pytest.mark.parametrize("f", FUNCTIONS)
def test_bad_arrays(f):
    rng = np.random.default_rng(19)
    X = rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="same inputs.*20 rows in X and 19 in Y"):
        f(X, X[:19])
    with pytest.raises(ValueError, match="2-D"):
        f(X[:, 0], X)
    bad = X.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match="Y contains NaN"):
        f(X, bad)
    bad[4, 1] = np.inf
    with pytest.raises(ValueError, match="X contains infinite"):
        f(bad, X)
    with pytest.raises(ValueError, match="X has 1 point"):
        f(X[:1], X[:1])
    with pytest.raises(ValueError, match="X is constant"):
        f(np.ones((20, 2)), X)
    with pytest.raises(ValueError, match="Y is constant"):
        f(X, np.zeros((20, 4)) + 3.0)


def test_bad_parameters():
    rng = np.random.default_rng(20)
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 5))
    for alpha in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
            shape_distance(X, Y, alpha=alpha)
    with pytest.raises(ValueError, match="alpha must be finite"):
        shape_distance(X, Y, alpha=np.nan)
    with pytest.raises(TypeError, match="alpha must be a real number"):
        shape_distance(X, Y, alpha=True)
    with pytest.raises(ValueError, match="score must be one of 'angular', 'euclidean'"):
        shape_distance(X, Y, score="cosine")
    with pytest.raises(TypeError, match="normalize must be True or False"):
        procrustes_distance(X, Y, normalize="yes")
    with pytest.raises(ValueError, match="metric must be one of 'cosine', 'euclidean'"):
        knn_jaccard(X, Y, metric="manhattan")
    with pytest.raises(ValueError, match="k must be >= 1"):
        knn_jaccard(X, Y, k=0)
    with pytest.raises(ValueError, match="X has 20 points; a search of 20 neighbours"):
        knn_jaccard(X, Y, k=20)
    assert knn_jaccard(X, Y, k=19) == 1.0  # every other input is a neighbour


def test_whitening_needs_more_inputs_than_features():
    rng = np.random.default_rng(21)
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=(10, 12))
    for alpha in (0.0, 0.5):
        with pytest.raises(ValueError, match=r"whitens the covariance of Y.*n - 1 = 9 below "
                                             r"its 12 features"):
            shape_distance(X, Y, alpha=alpha)
    assert shape_distance(X, Y, alpha=1.0) > 0  # no whitening: any width


def test_degenerate_rows():
    rng = np.random.default_rng(22)
    X = rng.normal(size=(20, 3))
    Z = X.copy()
    Z[7] = 0.0
    with pytest.raises(ValueError, match="row 7 of Y is zero.*metric='euclidean'"):
        knn_jaccard(X, Z, k=3)
    assert 0 < knn_jaccard(X, Z, k=3, metric="euclidean") <= 1
    parallel = np.outer(rng.uniform(1, 2, size=20), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="X is constant.*parallel"):
        knn_jaccard(parallel, X, k=3)


def test_variation_underflowing_beside_the_other_representation():
    rng = np.random.default_rng(24)
    X, Y = 1e-300 * rng.normal(size=(20, 3)), 1e100 * rng.normal(size=(20, 2))
    with pytest.raises(ValueError, match="underflows in float64"):
        procrustes_distance(X, Y)
    with pytest.raises(ValueError, match="underflows in float64"):
        shape_distance(X, Y, alpha=0.5, score="euclidean")
    # the Euclidean distance itself is fine: X is 0 at the scale of Y
    assert procrustes_distance(X, Y, normalize=False) == pytest.approx(
        np.linalg.norm(Y - Y.mean(axis=0)), rel=RTOL)
