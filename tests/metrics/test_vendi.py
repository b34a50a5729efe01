"""vendi_score against the definition computed directly on the n x n matrix."""

import numpy as np
import pytest
import scipy.sparse

from sklearn_imd.metrics import _vendi
from sklearn_imd.metrics._vendi import vendi_score

QS = (0, 0.5, 1, 2, np.inf)


def _kernel(X, kernel, gamma=None):
    """The n x n kernel matrix with unit diagonal, written out by hand."""
    X = np.asarray(X, dtype=np.float64)
    if kernel == "cosine":
        Z = X / np.linalg.norm(X, axis=1, keepdims=True)
        return Z @ Z.T
    if kernel == "linear":
        K = X @ X.T
        return K / (np.trace(K) / X.shape[0])
    if kernel == "rbf":
        sq = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)
        return np.exp(-gamma * sq)
    if kernel == "poly2":  # (x.y + 1)^2, scaled to unit diagonal
        K = (X @ X.T + 1.0) ** 2
        s = np.sqrt(np.diag(K))
        return K / np.outer(s, s)
    raise AssertionError(kernel)


def _reference(K, q):
    """Vendi score of a kernel matrix from numpy's eigenvalues of K / n."""
    lam = np.linalg.eigvalsh(K / K.shape[0])
    # rounding leaves eigenvalues of order 1e-16 where the exact ones are 0
    lam = lam[lam > 1e-10 * lam.max()]
    if q == 0:
        return float(lam.size)
    if q == 1:
        return float(np.exp(-np.sum(lam * np.log(lam))))
    if q == np.inf:
        return float(1.0 / lam.max())
    return float(np.sum(lam**q) ** (1.0 / (1.0 - q)))


def _low_rank(n, d, rank, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, rank)) @ rng.normal(size=(rank, d))


SHAPES = {
    "n<d": lambda: np.random.default_rng(1).normal(size=(20, 50)),
    "n>d": lambda: np.random.default_rng(2).normal(size=(200, 8)),
    "n=d": lambda: np.random.default_rng(3).normal(size=(12, 12)),
    "n<d, rank 5": lambda: _low_rank(30, 60, 5, 4),
    "n>d, rank 5": lambda: _low_rank(150, 10, 5, 5),
    "uneven norms": lambda: np.random.default_rng(6).normal(size=(80, 6))
    * np.random.default_rng(7).uniform(0.1, 10.0, size=(80, 1)),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kernel", ["cosine", "linear"])
@pytest.mark.parametrize("q", QS)
def test_gram_kernels_match_definition(shape, kernel, q):
    X = SHAPES[shape]()
    expected = _reference(_kernel(X, kernel), q)
    assert vendi_score(X, kernel=kernel, q=q) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("shape", ["n<d", "n>d", "n>d, rank 5"])
@pytest.mark.parametrize("q", QS)
def test_rbf_matches_definition(shape, q):
    X = SHAPES[shape]()
    gamma = 1.0 / (2.0 * X.shape[1])
    expected = _reference(_kernel(X, "rbf", gamma), q)
    assert vendi_score(X, kernel="rbf", q=q, gamma=gamma) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("q", QS)
def test_kernels_without_unit_diagonal_are_normalised(q):
    X = SHAPES["n>d"]()[:60]
    expected = _reference(_kernel(X, "poly2"), q)
    got = vendi_score(X, kernel="polynomial", q=q, degree=2, gamma=1.0, coef0=1.0)
    assert got == pytest.approx(expected, rel=1e-8)
    got = vendi_score(X, kernel=lambda a, b: (a @ b + 1.0) ** 2, q=q)
    assert got == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("shape", ["n<d", "n>d"])
def test_blocked_products_match(monkeypatch, shape):
    """Many small blocks (rows for n > d, columns for n <= d) give the same score."""
    X = SHAPES[shape]()
    expected = {(k, q): vendi_score(X, kernel=k, q=q) for k in ("cosine", "linear") for q in QS}
    monkeypatch.setattr(_vendi, "BLOCK_ENTRIES", 64)
    for (k, q), value in expected.items():
        assert vendi_score(X, kernel=k, q=q) == pytest.approx(value, rel=1e-10)


def test_q_orders():
    X = SHAPES["n>d"]()
    scores = [vendi_score(X, q=q) for q in (0, 0.25, 0.5, 1, 1.5, 2, 5, 100, np.inf)]
    assert (np.diff(scores) <= 0).all()
    assert vendi_score(X, q="inf") == vendi_score(X, q=np.inf)
    assert vendi_score(X, q=1e6) == pytest.approx(vendi_score(X, q=np.inf), rel=1e-4)
    for eps in (1e-12, 1e-7):  # continuous at q = 1 (no cancellation)
        assert vendi_score(X, q=1 - eps) == pytest.approx(vendi_score(X), rel=1e-6)
        assert vendi_score(X, q=1 + eps) == pytest.approx(vendi_score(X), rel=1e-6)
    assert vendi_score(X, q=np.float32(2)) == vendi_score(X, q=2)


@pytest.mark.parametrize("kernel", ["cosine", "linear", "rbf"])
@pytest.mark.parametrize("shape", ["n<d", "n>d"])
def test_row_order_does_not_matter(kernel, shape):
    X = SHAPES[shape]()
    perm = np.random.default_rng(0).permutation(X.shape[0])
    for q in QS:
        assert vendi_score(X[perm], kernel=kernel, q=q) == pytest.approx(
            vendi_score(X, kernel=kernel, q=q), rel=1e-9)


@pytest.mark.parametrize("shape", ["n<d", "n>d"])
def test_cosine_ignores_row_scales_and_rotations(shape):
    X = SHAPES[shape]()
    rng = np.random.default_rng(0)
    scale = rng.uniform(1e-3, 1e3, size=(X.shape[0], 1)) * rng.choice([-1, 1], (X.shape[0], 1))
    Q, _ = np.linalg.qr(rng.normal(size=(X.shape[1], X.shape[1])))
    for q in QS:
        ref = vendi_score(X, q=q)
        assert vendi_score(X * scale, q=q) == pytest.approx(ref, rel=1e-9)
        assert vendi_score(X @ Q, q=q) == pytest.approx(ref, rel=1e-9)
        assert vendi_score(X * 3.0, kernel="linear", q=q) == pytest.approx(
            vendi_score(X, kernel="linear", q=q), rel=1e-9)


@pytest.mark.parametrize("scale", [1e-300, 1e-150, 1e150, 1e300])
def test_extreme_scales(scale):
    X = SHAPES["n>d"]()
    for kernel in ("cosine", "linear"):
        assert vendi_score(X * scale, kernel=kernel) == pytest.approx(
            vendi_score(X, kernel=kernel), rel=1e-9)


def test_linear_equals_cosine_for_equal_norms():
    X = SHAPES["n<d"]()
    X = 7.0 * X / np.linalg.norm(X, axis=1, keepdims=True)
    for q in QS:
        assert vendi_score(X, kernel="linear", q=q) == pytest.approx(vendi_score(X, q=q), rel=1e-10)


@pytest.mark.parametrize("kernel", ["cosine", "linear", "rbf"])
@pytest.mark.parametrize("q", QS)
def test_identical_rows_score_one(kernel, q):
    for shape in ((6, 40), (60, 4)):
        X = np.tile(np.random.default_rng(0).normal(size=(1, shape[1])), (shape[0], 1))
        assert vendi_score(X, kernel=kernel, q=q) == pytest.approx(1.0, abs=1e-12)
    assert vendi_score(np.ones((1, 3)), kernel=kernel, q=q) == 1.0


@pytest.mark.parametrize("kernel", ["cosine", "linear"])
@pytest.mark.parametrize("q", QS)
def test_orthonormal_rows_score_n(kernel, q):
    assert vendi_score(np.eye(7), kernel=kernel, q=q) == pytest.approx(7.0, rel=1e-12)
    Q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(30, 9)))
    assert vendi_score(Q.T, kernel=kernel, q=q) == pytest.approx(9.0, rel=1e-12)  # n < d
    # far apart points under rbf: K = I to rounding
    assert vendi_score(100.0 * np.eye(5), kernel="rbf", q=q, gamma=1.0) == pytest.approx(5.0)


@pytest.mark.parametrize("q", QS)
def test_two_equal_clusters_score_two(q):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=6), rng.normal(size=6)
    b -= (a @ b) / (a @ a) * a  # orthogonal to a
    X = np.vstack([np.tile(a, (25, 1)), np.tile(b, (25, 1))])[rng.permutation(50)]
    assert vendi_score(X, q=q) == pytest.approx(2.0, rel=1e-10)
    assert vendi_score(np.repeat(np.eye(2), 25, axis=0), q=q) == pytest.approx(2.0, rel=1e-12)
    far = np.repeat([[0.0, 0.0], [100.0, 0.0]], 10, axis=0)
    assert vendi_score(far, kernel="rbf", q=q, gamma=1.0) == pytest.approx(2.0, rel=1e-12)


@pytest.mark.parametrize("shape", ["n<d", "n>d"])
@pytest.mark.parametrize("kernel", ["cosine", "linear", "rbf"])
def test_float32_matches_float64(shape, kernel):
    X64 = SHAPES[shape]()
    X32 = X64.astype(np.float32)
    for q in QS:
        got = vendi_score(X32, kernel=kernel, q=q)
        # the same values: accumulated in float64 either way
        assert got == pytest.approx(vendi_score(X32.astype(np.float64), kernel=kernel, q=q),
                                    rel=1e-10)
        assert got == pytest.approx(vendi_score(X64, kernel=kernel, q=q), rel=1e-6)


def test_other_inputs():
    X = SHAPES["n>d"]()
    ref = vendi_score(X)
    assert vendi_score(X.tolist()) == pytest.approx(ref, rel=1e-12)
    assert vendi_score(np.asfortranarray(X)) == pytest.approx(ref, rel=1e-12)
    assert vendi_score(X[::2]) == pytest.approx(vendi_score(X[::2].copy()), rel=1e-12)
    ints = np.random.default_rng(0).integers(-5, 6, size=(40, 7))
    ints[ints[:, 0] == 0, 0] = 1
    assert vendi_score(ints) == pytest.approx(vendi_score(ints.astype(float)), rel=1e-12)
    assert isinstance(vendi_score(X), float)
    assert isinstance(vendi_score(X, kernel="rbf", q=0), float)


@pytest.mark.parametrize("kernel", ["cosine", "linear", "rbf"])
def test_input_not_modified(kernel):
    for shape in ("n<d", "n>d"):
        for dtype in (np.float64, np.float32):
            X = SHAPES[shape]().astype(dtype)
            before = X.copy()
            X.flags.writeable = False  # would raise on any write
            vendi_score(X, kernel=kernel)
            np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize(
    "q, error, match",
    [
        (-1, ValueError, r"q must be >= 0"),
        (-np.inf, ValueError, r"q must be >= 0"),
        (np.nan, ValueError, r"got NaN"),
        (True, TypeError, r"q must be a real number"),
        (None, TypeError, r"q must be a real number"),
        (1j, TypeError, r"q must be a real number"),
        ("infinity", ValueError, r"or 'inf'; got the string 'infinity'"),
        ("1", ValueError, r"got the string '1'"),
    ],
)
def test_bad_q(q, error, match):
    with pytest.raises(error, match=match):
        vendi_score(np.eye(3), q=q)


@pytest.mark.parametrize(
    "value, error, match",
    [(0, ValueError, r"max_samples must be >= 1"), (1.5, TypeError, "max_samples must be an"),
     (True, TypeError, "max_samples must be an"), (None, TypeError, "max_samples must be an")],
)
def test_bad_max_samples(value, error, match):
    with pytest.raises(error, match=match):
        vendi_score(np.eye(3), max_samples=value)


def test_max_samples_refuses_large_kernel_matrices():
    X = np.random.default_rng(0).normal(size=(50, 3))
    with pytest.raises(ValueError, match=r"50 x 50 kernel matrix \(0\.0 GB") as info:
        vendi_score(X, kernel="rbf", max_samples=49)
    assert "kernel='cosine'" in str(info.value) and "subsample" in str(info.value)
    with pytest.raises(ValueError, match=r"30,000 x 30,000 kernel matrix \(7\.2 GB"):
        vendi_score(np.zeros((30_000, 1)), kernel="laplacian")
    vendi_score(X, kernel="rbf", max_samples=50)
    vendi_score(X, max_samples=1)  # not needed by the cosine kernel
    vendi_score(X, kernel="linear", max_samples=1)


def _cosine_with_zero_rows(X):
    """The cosine kernel matrix written out, with k(0, 0) = 1 and k(0, y) = 0."""
    X = np.asarray(X, dtype=np.float64)
    norm = np.linalg.norm(X, axis=1)
    zero = norm == 0
    Z = X / np.where(zero, 1.0, norm)[:, None]
    K = Z @ Z.T
    K[np.ix_(zero, zero)] = 1.0
    return K


@pytest.mark.parametrize("q", QS)
def test_cosine_zero_rows_are_one_sample_unlike_all_others(q):
    X = np.eye(5)
    X[3] = 0.0
    # four orthonormal rows and the origin: five distinct samples
    assert vendi_score(X, q=q) == pytest.approx(5.0, rel=1e-12)
    X[1] = 0.0
    # three orthonormal rows and two copies of the origin: eigenvalues (1, 1, 1, 2) / 5
    lam = np.array([1, 1, 1, 2]) / 5
    if q in (0, 1, np.inf):
        expected = {0: 4.0, 1: np.exp(-np.sum(lam * np.log(lam))), np.inf: 2.5}[q]
    else:
        expected = np.sum(lam**q) ** (1 / (1 - q))
    assert vendi_score(X, q=q) == pytest.approx(expected, rel=1e-12)
    assert vendi_score(np.zeros((4, 3)), q=q) == 1.0  # all the origin
    assert vendi_score(np.zeros((1, 3)), q=q) == 1.0


@pytest.mark.parametrize("shape", ["n<d", "n>d", "n>d, rank 5"])
@pytest.mark.parametrize("n_zero", [1, 3])
def test_cosine_zero_rows_match_the_matrix_written_out(monkeypatch, shape, n_zero):
    X = SHAPES[shape]().copy()
    rows = np.random.default_rng(n_zero).choice(X.shape[0], n_zero, replace=False)
    X[rows] = 0.0
    for q in QS:
        expected = _reference(_cosine_with_zero_rows(X), q)
        assert vendi_score(X, q=q) == pytest.approx(expected, rel=1e-8)
        # row scales still do not matter; the zero rows stay zero
        scale = np.random.default_rng(0).uniform(1e-3, 1e3, size=(X.shape[0], 1))
        assert vendi_score(X * scale, q=q) == pytest.approx(expected, rel=1e-8)
    ref = vendi_score(X)
    monkeypatch.setattr(_vendi, "BLOCK_ENTRIES", 64)  # many blocks of rows or columns
    assert vendi_score(X) == pytest.approx(ref, rel=1e-10)


def test_linear_kernel_zero_rows():
    X = np.eye(5)
    X[[1, 3]] = 0.0
    assert vendi_score(X, kernel="linear") == pytest.approx(3.0)  # zero rows add nothing
    with pytest.raises(ValueError, match=r"X is all zeros; the linear kernel"):
        vendi_score(np.zeros((4, 2)), kernel="linear")


@pytest.mark.parametrize("q", QS)
def test_precomputed_matches_the_definition(q):
    X = SHAPES["n>d"]()[:60]
    gamma = 1.0 / 16
    for K in (_kernel(X, "cosine"), _kernel(X, "rbf", gamma), _kernel(X, "poly2")):
        assert vendi_score(K, kernel="precomputed", q=q) == pytest.approx(_reference(K, q),
                                                                          rel=1e-8)
    # the same as the kernel computed from X
    assert vendi_score(_kernel(X, "rbf", gamma), kernel="precomputed", q=q) == pytest.approx(
        vendi_score(X, kernel="rbf", gamma=gamma, q=q), rel=1e-10)
    # a diagonal other than 1 is scaled to 1, as for the other kernels
    raw = (X @ X.T + 1.0) ** 2
    assert vendi_score(raw, kernel="precomputed", q=q) == pytest.approx(
        _reference(_kernel(X, "poly2"), q), rel=1e-8)


def test_precomputed_reproduces_the_vendi_score_readme():
    """The vendi_score package's README: score_K of this matrix is 2.1573."""
    K = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    lam = np.array([1.9, 0.1, 1.0]) / 3  # eigenvalues of the 2 x 2 block, and 1
    expected = np.exp(-np.sum(lam * np.log(lam)))
    assert round(expected, 4) == 2.1573
    assert vendi_score(K, kernel="precomputed") == pytest.approx(expected, rel=1e-12)
    assert vendi_score(K.astype(np.float32), kernel="precomputed") == pytest.approx(
        expected, rel=1e-6)  # float32 entries: 0.9 to 3e-8


def test_precomputed_is_checked_and_not_modified():
    X = SHAPES["n<d"]()
    K = _kernel(X, "cosine")
    noisy = K + 1e-13 * np.random.default_rng(0).normal(size=K.shape)  # rounding-sized
    assert vendi_score(noisy, kernel="precomputed") == pytest.approx(
        vendi_score(K, kernel="precomputed"), rel=1e-9)
    before = K.copy()
    K.flags.writeable = False  # would raise on any write
    vendi_score(K, kernel="precomputed")
    np.testing.assert_array_equal(K, before)
    with pytest.raises(ValueError, match=r"kernel='precomputed' takes X as the square n x n "
                                         r"similarity matrix of the samples; got shape \(20, 50\)"):
        vendi_score(X, kernel="precomputed")
    bad = before.copy()
    bad[2, 5] += 1e-3
    with pytest.raises(ValueError, match=r"needs a symmetric similarity matrix; X\[2, 5\] = "):
        vendi_score(bad, kernel="precomputed")
    bad = before.copy()
    bad[7, 7] = 0.0
    with pytest.raises(ValueError, match=r"kernel='precomputed' gives k\(x, x\) = 0 <= 0 for "
                                         r"sample 7"):
        vendi_score(bad, kernel="precomputed")
    bad[7, 7] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN \(first at row 7, column 7\)"):
        vendi_score(bad, kernel="precomputed")
    with pytest.raises(TypeError, match=r"kernel='precomputed' takes no parameters; got gamma"):
        vendi_score(before, kernel="precomputed", gamma=1.0)


def test_callable_kernel_of_one_feature_as_in_the_vendi_score_readme():
    """The vendi_score package's README kernel, lambda a, b: np.exp(-np.abs(a - b)),
    gives shape-(1,) arrays on rows of one feature; its score there is 2.9999."""
    samples = np.array([0, 0, 10, 10, 20, 20], dtype=float)[:, None]
    got = vendi_score(samples, kernel=lambda a, b: np.exp(-np.abs(a - b)))
    expected = _reference(np.exp(-np.abs(samples - samples.T)), 1)
    assert expected == pytest.approx(2.9999, abs=1e-4)
    assert got == pytest.approx(expected, rel=1e-10)
    X = SHAPES["n>d"]()[:10]
    with pytest.raises(ValueError, match=r"kernel='<lambda>' returned an array of shape \(8,\) "
                                         r"for two rows \(1-D arrays of shape \(8,\)\); a "
                                         "kernel callable must return one number"):
        vendi_score(X, kernel=lambda a, b: np.exp(-np.abs(a - b)))
    with pytest.raises(TypeError, match=r"kernel='<lambda>' returned None for two rows"):
        vendi_score(X, kernel=lambda a, b: None)
    with pytest.raises(TypeError, match=r"returned 1j .*must return a real number"):
        vendi_score(X, kernel=lambda a, b: 1j)
    # a 0-d array or a NumPy scalar is one number
    assert vendi_score(X, kernel=lambda a, b: np.asarray(np.exp(-np.sum((a - b) ** 2)))) == (
        pytest.approx(vendi_score(X, kernel="rbf", gamma=1.0), rel=1e-10))


def test_bad_kernels():
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match=r"kernel must be a callable or one of"):
        vendi_score(X, kernel="gaussian")
    with pytest.raises(ValueError, match=r"kernel must be a callable or one of"):
        vendi_score(X, kernel=3)
    with pytest.raises(TypeError, match=r"kernel='cosine' takes no parameters; got gamma"):
        vendi_score(X, gamma=1.0)
    with pytest.raises(TypeError, match=r"kernel='linear' takes no parameters"):
        vendi_score(X, kernel="linear", degree=2)
    with pytest.raises(ValueError, match=r"gamma must be > 0"):
        vendi_score(X, kernel="rbf", gamma=0.0)
    with pytest.raises(ValueError, match=r"gamma must be finite"):
        vendi_score(X, kernel="rbf", gamma=np.inf)
    Z = X.copy()
    Z[4] = 0.0
    with pytest.raises(ValueError, match=r"gives k\(x, x\) = 0 <= 0 for row 4 of X"):
        vendi_score(Z, kernel=lambda a, b: a @ b)
    with pytest.raises(ValueError, match=r"kernel matrix of kernel='polynomial' is not finite"):
        vendi_score(1e200 * X, kernel="polynomial")


def test_indefinite_kernel_warns():
    X = np.random.default_rng(0).normal(size=(40, 3))
    with pytest.warns(UserWarning, match=r"not positive semidefinite"):
        score = vendi_score(X, kernel="sigmoid", gamma=1.0, coef0=3.0)
    assert 1.0 <= score <= 40.0


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, r"X contains NaN \(first at row 0"),
        (np.array([[1.0, 0.0], [np.inf, 1.0]]), ValueError, r"X contains infinite values"),
        (np.ones(3), ValueError, r"X must be a 2-D array.*Reshape"),
        (np.ones((2, 2, 2)), ValueError, r"X must be a 2-D array"),
        (np.ones((3, 2)) * 1j, TypeError, r"X contains complex numbers"),
        (scipy.sparse.eye(3, format="csr"), TypeError, r"X is a sparse matrix"),
        (np.ones((0, 3)), ValueError, r"X has 0 samples; the Vendi score needs at least one"),
        (np.ones((3, 0)), ValueError, r"X has 0 features"),
        ("abc", TypeError, r"X must be an array of numbers"),
        (None, TypeError, r"X must be an array of numbers, got None"),
        ([[1.0, 2.0], [3.0]], ValueError, r"rectangular"),
    ],
)
def test_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        vendi_score(X)
