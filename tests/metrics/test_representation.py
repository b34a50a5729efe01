"""CKA, RSA, their permutation test and the pairwise matrix, against
straightforward n x n re-implementations of the formulas (centred Gram
matrices, HSIC, the unbiased HSIC of Song et al. from its definition,
Kornblith et al.'s RBF bandwidth, ReSi's RSA), their invariances and input
checks."""

import itertools

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from scipy.stats import kstest, pearsonr, spearmanr

from sklearn_imd import cka, pairwise_representations, representation_test, rsa
from sklearn_imd._utils import chunking
from sklearn_imd._utils.validation import draw_seeds
from sklearn_imd.metrics import RepresentationTestResult, _representation

# Sums of n^2 products in float64 in different orders (BLAS blocks, feature
# space against Gram matrices) agree to ~n eps relative; 1e-10 leaves a wide
# margin at n <= 300 and still catches any wrong term (which moves CKA by
# 1e-3 or more).
RTOL = 1e-10


# ----------------------------------------------------------------------------- references


def _centre(K):
    """H K H with H = I - 11'/n: rows and columns of K centred."""
    return K - K.mean(axis=0)[None, :] - K.mean(axis=1)[:, None] + K.mean()


def _hsic(K, L):
    """The biased HSIC, tr(K H L H) / (n - 1)^2 = <HKH, HLH>_F / (n - 1)^2."""
    return np.sum(_centre(K) * _centre(L)) / (K.shape[0] - 1) ** 2


def _cka_dense(K, L):
    return _hsic(K, L) / np.sqrt(_hsic(K, K) * _hsic(L, L))


def _hsic_unbiased(K, L):
    """Song et al. (2012), eq. (5): K~, L~ the Gram matrices with zero diagonals,
    [tr(K~L~) + 1'K~1 1'L~1 / ((n-1)(n-2)) - 2/(n-2) 1'K~L~1] / (n(n-3))."""
    n = K.shape[0]
    Kt, Lt = K.copy(), L.copy()
    np.fill_diagonal(Kt, 0.0)
    np.fill_diagonal(Lt, 0.0)
    one = np.ones(n)
    return (np.trace(Kt @ Lt) + (one @ Kt @ one) * (one @ Lt @ one) / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * one @ Kt @ Lt @ one) / (n * (n - 3))


def _hsic_u_statistic(K, L):
    """HSIC = E k_ij l_ij + E k_ij E l_qr - 2 E k_ij l_iq, each expectation the
    average over tuples of distinct indices (the U-statistic, by brute force)."""
    n = K.shape[0]
    t2 = np.mean([K[i, j] * L[i, j] for i, j in itertools.permutations(range(n), 2)])
    t4 = np.mean([K[i, j] * L[q, r] for i, j, q, r in itertools.permutations(range(n), 4)])
    t3 = np.mean([K[i, j] * L[i, q] for i, j, q in itertools.permutations(range(n), 3)])
    return t2 + t4 - 2.0 * t3


def _cka_debiased_dense(K, L):
    return _hsic_unbiased(K, L) / np.sqrt(_hsic_unbiased(K, K) * _hsic_unbiased(L, L))


def _gram_rbf(X, threshold=1.0):
    """Kornblith et al.'s RBF Gram matrix: sigma = threshold times the median
    of the full matrix of distances (zeros of the diagonal included)."""
    sq = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)
    return np.exp(-sq / (2.0 * threshold**2 * np.median(sq)))


def _rsa_resi(R, Rp):
    """ReSi's default RSA: inner "correlation" (1 - the cosine distance of the
    row-centred representation), outer Spearman, on the lower triangles."""
    from scipy.spatial.distance import squareform
    from sklearn.metrics import pairwise_distances

    R, Rp = R - R.mean(axis=1, keepdims=True), Rp - Rp.mean(axis=1, keepdims=True)
    S = squareform(1 - pairwise_distances(R, metric="cosine"), checks=False)
    Sp = squareform(1 - pairwise_distances(Rp, metric="cosine"), checks=False)
    return spearmanr(S, Sp).statistic


def _pair(n=120, d1=8, d2=5, seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d1))
    Y = np.tanh(X @ rng.normal(size=(d1, d2))) + noise * rng.normal(size=(n, d2))
    return X, Y


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 7 rows (or columns), so that every blocked sum has several."""
    monkeypatch.setattr(_representation, "row_blocks",
                        lambda n, width, budget=None: chunking.row_blocks(n, width, 7 * width))


# ----------------------------------------------------------------------------- CKA


@pytest.mark.parametrize("shape", [(120, 8, 5), (40, 60, 90), (30, 3, 200)])
def test_linear_cka_matches_dense(shape, small_blocks):
    # d >> n takes the Gram-block route of _cross_sq, d << n the feature-space one
    n, d1, d2 = shape
    X, Y = _pair(n, d1, d2)
    K, L = X @ X.T, Y @ Y.T
    assert cka(X, Y) == pytest.approx(_cka_dense(K, L), rel=RTOL)
    assert cka(X, Y, debiased=True) == pytest.approx(_cka_debiased_dense(K, L), rel=RTOL)


def test_cross_sq_routes_agree():
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(20, 50)), rng.normal(size=(20, 70))
    # n (p + q) < p q: the Gram route; against the feature-space product directly
    assert _representation._cross_sq(A, B) == pytest.approx(np.sum((A.T @ B) ** 2), rel=RTOL)
    A, B = A[:, :3], B[:, :4]
    assert _representation._cross_sq(A, B) == pytest.approx(
        np.sum((A @ A.T) * (B @ B.T)), rel=RTOL)


def test_song_formula_is_the_u_statistic():
    # the closed form the dense reference uses, against its definition by brute force
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    K, L = np.exp(-pdist_sq(X) / 4), Y @ Y.T
    assert _hsic_unbiased(K, L) == pytest.approx(_hsic_u_statistic(K, L), rel=1e-12)


def pdist_sq(X):
    return ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)


@pytest.mark.parametrize("debiased", [False, True])
@pytest.mark.parametrize("fraction", [None, 0.5])
def test_rbf_cka_matches_kornblith(debiased, fraction, small_blocks):
    X, Y = _pair(90, 6, 4, seed=3)
    params = None if fraction is None else {"median_fraction": fraction}
    t = 1.0 if fraction is None else fraction
    K, L = _gram_rbf(X, t), _gram_rbf(Y, t)
    ref = _cka_debiased_dense(K, L) if debiased else _cka_dense(K, L)
    assert cka(X, Y, kernel="rbf", kernel_params=params, debiased=debiased) == \
        pytest.approx(ref, rel=RTOL)


def test_other_kernels_match_dense(small_blocks):
    from sklearn.metrics.pairwise import laplacian_kernel, polynomial_kernel

    X, Y = _pair(60, 5, 3, seed=4)
    # laplacian: gamma = 1 / median L1 distance (diagonal included), each its own
    gx = 1 / np.median(np.abs(X[:, None] - X[None]).sum(-1))
    gy = 1 / np.median(np.abs(Y[:, None] - Y[None]).sum(-1))
    ref = _cka_dense(laplacian_kernel(X, gamma=gx), laplacian_kernel(Y, gamma=gy))
    assert cka(X, Y, kernel="laplacian") == pytest.approx(ref, rel=RTOL)
    ref = _cka_debiased_dense(polynomial_kernel(X, degree=2, coef0=1),
                              polynomial_kernel(Y, degree=2, coef0=1))
    got = cka(X, Y, kernel="polynomial", kernel_params={"degree": 2, "coef0": 1},
              debiased=True)
    assert got == pytest.approx(ref, rel=RTOL)
    # a fixed gamma is used as given, for both representations
    ref = _cka_dense(np.exp(-0.3 * pdist_sq(X)), np.exp(-0.3 * pdist_sq(Y)))
    assert cka(X, Y, kernel="rbf", kernel_params={"gamma": 0.3}) == pytest.approx(ref,
                                                                                  rel=RTOL)


def test_callable_linear_kernel_equals_feature_space():
    X, Y = _pair(50, 4, 6, seed=5)
    for debiased in (False, True):
        assert cka(X, Y, kernel=lambda a, b: float(a @ b), debiased=debiased) == \
            pytest.approx(cka(X, Y, debiased=debiased), rel=RTOL)


def test_rbf_median_on_a_subset_above_1000_rows():
    # the subset is drawn once from random_state and is the same rows of X and Y
    X, Y = _pair(1100, 3, 2, seed=6)
    a = cka(X, Y, kernel="rbf", random_state=0)
    assert a == cka(X, Y, kernel="rbf", random_state=0)
    rows = np.sort(np.random.RandomState(0).choice(1100, 1000, replace=False))

    def gamma(Z):
        d = pdist(Z[rows], "sqeuclidean")
        return 1 / (2 * np.median(np.r_[d, d, np.zeros(1000)]))

    from sklearn.metrics.pairwise import rbf_kernel

    ref = _cka_dense(rbf_kernel(X, gamma=gamma(X)), rbf_kernel(Y, gamma=gamma(Y)))
    assert a == pytest.approx(ref, rel=RTOL)


def test_linear_cka_invariances():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 12))
    Q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    Y = np.tanh(X[:, :7]) + 0.5 * rng.normal(size=(200, 7))
    for debiased in (False, True):
        # orthogonal transforms, isotropic scalings, translations: 1 to rounding
        assert cka(X, X @ Q, debiased=debiased) == pytest.approx(1.0, abs=1e-12)
        assert cka(X, -4.5 * X + 3.0, debiased=debiased) == pytest.approx(1.0, abs=1e-12)
        base = cka(X, Y, debiased=debiased)
        assert cka(2.5 * X @ Q - 7.0, 1e-3 * Y + 1.0, debiased=debiased) == pytest.approx(
            base, rel=RTOL)
        # any scale float64 holds gives the same value (powers of two are exact)
        for scale in (1e-150, 1e150, 1e300):
            assert cka(scale * X, Y, debiased=debiased) == pytest.approx(base, rel=RTOL)
    # and the kernel CKA with its median bandwidth does not see the scale either
    assert cka(1e200 * X, Y, kernel="rbf") == pytest.approx(cka(X, Y, kernel="rbf"), rel=RTOL)
    assert cka(X, Y) == pytest.approx(cka(Y, X), rel=RTOL)


def test_debiased_cka_of_independent_noise_is_near_zero():
    # 40 independent pairs, n = 100, widths 50 and 80 (wider than n / 2): the
    # biased CKA of noise is far from 0 here, the debiased one has mean 0; its
    # mean over the seeds lies within 4 standard errors of 0 (measured
    # spread), and the biased values all sit above 0.3
    debiased, biased = [], []
    for seed in range(40):
        rng = np.random.default_rng(100 + seed)
        X, Y = rng.normal(size=(100, 50)), rng.normal(size=(100, 80))
        debiased.append(cka(X, Y, debiased=True))
        biased.append(cka(X, Y))
    debiased = np.array(debiased)
    se = debiased.std(ddof=1) / np.sqrt(debiased.size)
    assert abs(debiased.mean()) < 4 * se
    assert debiased.std() < 0.02 < min(biased) - 0.3


def test_feature_space_needs_no_n_by_n_matrix():
    # 300,000 rows: an n x n float64 matrix would take 720 GB
    rng = np.random.default_rng(8)
    X = rng.normal(size=(300_000, 2))
    Y = X @ np.array([[0.0, 1.0], [-1.0, 0.0]])
    assert cka(X, Y) == pytest.approx(1.0, abs=1e-12)
    assert cka(X, Y, debiased=True) == pytest.approx(1.0, abs=1e-12)


def test_float32_inputs():
    X, Y = _pair(80, 6, 4, seed=9)
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    # float32 values are converted to float64 exactly: the same value as their float64 copy
    for kw in ({}, {"debiased": True}, {"kernel": "rbf"}):
        assert cka(X32, Y32, **kw) == pytest.approx(
            cka(X32.astype(np.float64), Y32.astype(np.float64), **kw), rel=RTOL)
    assert rsa(X32, Y32) == pytest.approx(rsa(X32.astype(np.float64), Y32.astype(np.float64)),
                                          rel=RTOL)


def test_inputs_are_not_modified():
    X, Y = _pair(60, 5, 3, seed=10)
    X0, Y0 = X.copy(), Y.copy()
    cka(X, Y, debiased=True)
    cka(X, Y, kernel="rbf", debiased=True)
    rsa(X, Y, method="spearman")
    representation_test(X, Y, n_permutations=5, random_state=0)
    pairwise_representations([X, Y], measure="rsa")
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    # linear CKA scales and centres its own float64 copies in place (of float32
    # or list inputs), never the caller's float64 arrays: the same value by all
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    X32_0 = X32.copy()
    want = cka(X32.astype(np.float64), Y32.astype(np.float64))
    assert cka(X32, Y32) == cka(X32.tolist(), Y32) == want  # one code route: equal
    np.testing.assert_array_equal(X32, X32_0)
    np.testing.assert_array_equal(X, X0)


# ----------------------------------------------------------------------------- RSA


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "cityblock", "cosine",
                                    "correlation"])
def test_rsa_matches_pdist(metric, small_blocks):
    X, Y = _pair(70, 6, 4, seed=11)
    dx, dy = pdist(X, metric), pdist(Y, metric)
    assert rsa(X, Y, metric=metric) == pytest.approx(pearsonr(dx, dy).statistic, rel=1e-9)
    assert rsa(X, Y, metric=metric, method="spearman") == pytest.approx(
        spearmanr(dx, dy).statistic, rel=1e-9)


def test_rsa_matches_resi_default():
    X, Y = _pair(80, 7, 5, seed=12)
    assert rsa(X, Y, metric="correlation", method="spearman") == pytest.approx(
        _rsa_resi(X, Y), rel=1e-9)


def test_rsa_callable_metric_and_invariances():
    X, Y = _pair(40, 3, 3, seed=13)
    ref = pearsonr(pdist(X, "chebyshev"), pdist(Y, "chebyshev")).statistic
    assert rsa(X, Y, metric=lambda a, b: np.max(np.abs(a - b))) == pytest.approx(ref,
                                                                                 rel=1e-9)
    Q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    base = rsa(X, Y)
    assert rsa(1e200 * X @ Q + 5.0, Y) == pytest.approx(base, rel=1e-9)
    assert rsa(X, X) == pytest.approx(1.0, abs=1e-12)


def test_spearman_size_limit(monkeypatch):
    monkeypatch.setattr(_representation, "SPEARMAN_MAX_PAIRS", 100)
    X, Y = _pair(15, 2, 2)   # 105 pairs
    with pytest.raises(ValueError, match=r"SPEARMAN_MAX_PAIRS = 100 .*more than 14\b"):
        rsa(X, Y, method="spearman")
    assert np.isfinite(rsa(X, Y))   # the blocked Pearson has no limit
    assert np.isfinite(rsa(X[:14], Y[:14], method="spearman"))


# ----------------------------------------------------------------------------- test


@pytest.mark.parametrize("measure, params", [
    ("cka", {}), ("cka", {"debiased": True}), ("cka", {"kernel": "rbf", "debiased": True}),
    ("rsa", {}), ("rsa", {"method": "spearman", "metric": "cosine"}),
])
def test_null_is_the_measure_on_permuted_rows(measure, params, small_blocks):
    # the prepared forms permute what they hold of Y; the null must be the measure
    # of X against Y with its rows permuted, by the permutations the seeds give
    X, Y = _pair(30, 4, 3, seed=14)
    res = representation_test(X, Y, measure=measure, n_permutations=6, random_state=3,
                              **params)
    function = {"cka": cka, "rsa": rsa}[measure]
    assert res.statistic == pytest.approx(function(X, Y, **params), rel=RTOL)
    seeds = draw_seeds(np.random.RandomState(3), 6)
    expected = [function(X, Y[np.random.RandomState(s).permutation(30)], **params)
                for s in seeds]
    np.testing.assert_allclose(res.null_distribution, expected, rtol=RTOL)


def test_permutation_test_related_and_independent():
    X, Y = _pair(60, 5, 4, seed=15, noise=1.0)
    res = representation_test(X, Y, n_permutations=199, random_state=0)
    assert isinstance(res, RepresentationTestResult)
    assert res.kind == "similarity" and res.measure == "cka"
    assert res.pvalue == 1 / 200   # no permutation reaches the related pairing
    # independent pairs: p-values uniform on {1/100, ..., 1}; 30 seeds, KS test
    pvalues = []
    for seed in range(30):
        rng = np.random.default_rng(200 + seed)
        X, Y = rng.normal(size=(40, 5)), rng.normal(size=(40, 4))
        pvalues.append(representation_test(X, Y, n_permutations=99,
                                           random_state=seed).pvalue)
    assert kstest(pvalues, "uniform").pvalue > 0.01
    assert 0.3 < np.mean(pvalues) < 0.7


def test_permutation_test_is_seeded_and_independent_of_n_jobs():
    X, Y = _pair(40, 4, 4, seed=16)
    a = representation_test(X, Y, measure="rsa", n_permutations=30, random_state=5)
    b = representation_test(X, Y, measure="rsa", n_permutations=30, random_state=5, n_jobs=2)
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
    assert a.pvalue == b.pvalue
    c = representation_test(X, Y, measure="rsa", n_permutations=30, random_state=6)
    assert not np.array_equal(a.null_distribution, c.null_distribution)


def test_distance_measures_count_the_other_tail():
    # 1 - CKA as a distance: the same test, the tail flipped
    X, Y = _pair(40, 4, 4, seed=17, noise=3.0)

    def one_minus(A, B):
        return 1.0 - cka(A, B)

    sim = representation_test(X, Y, n_permutations=99, random_state=1)
    dist = representation_test(X, Y, measure=(one_minus, "distance"), n_permutations=99,
                               random_state=1)
    assert dist.kind == "distance" and dist.measure == "one_minus"
    np.testing.assert_allclose(dist.null_distribution, 1 - sim.null_distribution, atol=1e-12)
    assert dist.pvalue == sim.pvalue


# ----------------------------------------------------------------------------- matrix


@pytest.mark.parametrize("measure, params", [
    ("cka", {}), ("cka", {"debiased": True}), ("cka", {"kernel": "rbf"}),
    ("rsa", {"method": "spearman"}),
])
def test_pairwise_equals_pair_function(measure, params):
    rng = np.random.default_rng(18)
    X = rng.normal(size=(50, 6))
    reps = [X, np.tanh(X @ rng.normal(size=(6, 9))), X[:, :3] ** 2, rng.normal(size=(50, 4))]
    M = pairwise_representations(reps, measure=measure, **params)
    function = {"cka": cka, "rsa": rsa}[measure]
    for i, j in itertools.combinations(range(4), 2):
        assert M[i, j] == M[j, i] == pytest.approx(function(reps[i], reps[j], **params),
                                                   rel=RTOL)
    np.testing.assert_array_equal(np.diag(M), 1.0)
    D = pairwise_representations(reps, measure=measure, as_distance=True, n_jobs=2, **params)
    np.testing.assert_array_equal(np.diag(D), 0.0)
    np.testing.assert_allclose(D, np.arccos(M), atol=1e-12)


def test_angular_cka_obeys_the_triangle_inequality():
    rng = np.random.default_rng(19)
    reps = [rng.normal(size=(30, 3)) for _ in range(4)]
    reps += [reps[0] + 0.3 * rng.normal(size=(30, 3)), np.sin(reps[1])]
    D = pairwise_representations(reps, as_distance=True)
    for i, j, k in itertools.permutations(range(len(reps)), 3):
        assert D[i, j] <= D[i, k] + D[k, j] + 1e-12


def test_pairwise_generic_distance_and_3d_array():
    rng = np.random.default_rng(20)
    reps = rng.normal(size=(3, 25, 4))

    def mean_gap(A, B):
        return float(np.abs(A - B).mean())

    D = pairwise_representations(reps, measure=(mean_gap, "distance"))
    np.testing.assert_array_equal(np.diag(D), 0.0)
    assert D[0, 2] == D[2, 0] == pytest.approx(mean_gap(reps[0], reps[2]))
    # as_distance leaves a distance as it is
    np.testing.assert_array_equal(
        pairwise_representations(reps, measure=(mean_gap, "distance"), as_distance=True), D)
    np.testing.assert_array_equal(pairwise_representations([reps[0]]), [[1.0]])


def test_registry_adds_a_measure_with_one_line(monkeypatch):
    def shape_gap(A, B):
        return float(abs(A.shape[1] - B.shape[1]))

    monkeypatch.setitem(_representation.MEASURES, "shape_gap", (shape_gap, "distance"))
    reps = [np.random.default_rng(0).normal(size=(10, d)) for d in (2, 5)]
    np.testing.assert_array_equal(pairwise_representations(reps, measure="shape_gap"),
                                  [[0.0, 3.0], [3.0, 0.0]])
    assert representation_test(*reps, measure="shape_gap", n_permutations=3).pvalue == 1.0


@pytest.mark.parametrize("measure, params", [
    ("procrustes", {}), ("shape", {"alpha": 0.5, "score": "euclidean"}),
    ("knn_jaccard", {"k": 5}),
])
def test_the_shape_measures_in_the_matrix_and_the_test(measure, params):
    """The measures of _shape.py through the registry: the matrix holds the
    pair function's values (one code route: equal), a related pair is found
    by the permutation test (a distance counted on its lower tail)."""
    from sklearn_imd import knn_jaccard, procrustes_distance, shape_distance

    function = {"procrustes": procrustes_distance, "shape": shape_distance,
                "knn_jaccard": knn_jaccard}[measure]
    rng = np.random.default_rng(23)
    X = rng.normal(size=(60, 5))
    reps = [X, X @ rng.normal(size=(5, 7)) + 0.1 * rng.normal(size=(60, 7)),
            rng.normal(size=(60, 4))]
    M = pairwise_representations(reps, measure=measure, **params)
    for i, j in itertools.combinations(range(3), 2):
        assert M[i, j] == M[j, i] == function(reps[i], reps[j], **params)
    similarity = measure == "knn_jaccard"
    np.testing.assert_array_equal(np.diag(M), 1.0 if similarity else 0.0)
    D = pairwise_representations(reps, measure=measure, as_distance=True, **params)
    # a distance stays as it is; the Jaccard similarity becomes 1 - J
    np.testing.assert_allclose(D, 1.0 - M if similarity else M, atol=0)
    related = representation_test(reps[0], reps[1], measure=measure, n_permutations=49,
                                  random_state=0, **params)
    assert related.kind == ("similarity" if similarity else "distance")
    assert related.pvalue == 1 / 50  # no permutation comes as close
    unrelated = representation_test(reps[0], reps[2], measure=measure, n_permutations=49,
                                    random_state=0, **params)
    assert unrelated.pvalue > 0.05


# ----------------------------------------------------------------------------- errors


def test_bad_inputs():
    X, Y = _pair(20, 3, 2)
    with pytest.raises(ValueError, match="same inputs in the same order.*20 and 19 rows"):
        cka(X, Y[:-1])
    with pytest.raises(ValueError, match="debiased CKA needs at least 4 points"):
        cka(X[:3], Y[:3], debiased=True)
    with pytest.raises(ValueError, match="RSA needs at least 3 points"):
        rsa(X[:2], Y[:2])
    bad = X.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN \(first at row 4, column 1\)"):
        cka(bad, Y)
    bad[4, 1] = np.inf
    with pytest.raises(ValueError, match="Y contains infinite values"):
        rsa(X, bad)
    with pytest.raises(ValueError, match="2-D array.*reshape"):
        cka(X[:, 0], Y)
    constant = np.ones((20, 3))
    for f in (cka, rsa):
        with pytest.raises(ValueError, match="Y is constant.*undefined"):
            f(X, constant)
    with pytest.raises(ValueError, match=r"representations\[1\] is constant"):
        pairwise_representations([X, constant])
    with pytest.raises(ValueError, match=r"representations\[0\] and representations\[1\]"):
        pairwise_representations([X, Y[:-1]])


def test_degenerate_kernels_and_distances():
    X, Y = _pair(20, 3, 2)
    # 16 equal rows of 20: 2 * 120 + 20 zeros of the 400 distances, more than half
    half = np.r_[np.zeros((16, 2)), np.random.default_rng(0).normal(size=(4, 2))]
    with pytest.raises(ValueError, match="median distance between the rows of Y is 0"):
        cka(X, half, kernel="rbf")
    with pytest.raises(ValueError, match="centred kernel matrix of X is 0 to rounding"):
        cka(X, Y, kernel="rbf", kernel_params={"gamma": 1e-30})
    with pytest.raises(ValueError, match="kernel matrix of X is not finite"):
        cka(1e200 * X, Y, kernel="polynomial")
    simplex = np.eye(5)   # all distances equal: their correlation is undefined
    other = np.random.default_rng(0).normal(size=(5, 2))
    for method in ("pearson", "spearman"):   # equal to rounding: refused, not ranked
        with pytest.raises(ValueError, match="distances between the rows of X are all equal"):
            rsa(simplex, other, method=method)


def test_bad_parameters():
    X, Y = _pair(20, 3, 2)
    with pytest.raises(ValueError, match="kernel must be a callable or one of"):
        cka(X, Y, kernel="gaussian")
    with pytest.raises(ValueError, match="kernel='linear' takes no parameters"):
        cka(X, Y, kernel_params={"gamma": 1.0})
    with pytest.raises(ValueError, match="median_fraction.*a gamma"):
        cka(X, Y, kernel="rbf", kernel_params={"gamma": 1.0, "median_fraction": 0.5})
    with pytest.raises(ValueError, match="median_fraction'\\] must be > 0"):
        cka(X, Y, kernel="rbf", kernel_params={"median_fraction": 0.0})
    with pytest.raises(ValueError, match="gamma must be > 0"):
        cka(X, Y, kernel="rbf", kernel_params={"gamma": -1.0})
    with pytest.raises(TypeError, match="debiased must be True or False"):
        cka(X, Y, debiased="yes")
    with pytest.raises(TypeError, match="kernel_params must be a dict"):
        cka(X, Y, kernel="rbf", kernel_params=0.5)
    with pytest.raises(ValueError, match="method must be one of 'pearson', 'spearman'"):
        rsa(X, Y, method="kendall")
    with pytest.raises(ValueError, match="metric='nope' is not a metric"):
        rsa(X, Y, metric="nope")
    with pytest.raises(ValueError, match="measure must be one of 'cka', 'knn_jaccard', 'procrustes', 'rsa', 'shape' or"):
        representation_test(X, Y, measure="svcca")
    with pytest.raises(TypeError, match="measure=.cka.: .*unexpected keyword.*metric"):
        representation_test(X, Y, metric="cosine")
    with pytest.raises(ValueError, match="n_permutations must be >= 1"):
        representation_test(X, Y, n_permutations=0)
    with pytest.raises(ValueError, match="kind must be one of 'similarity', 'distance'"):
        pairwise_representations([X, Y], measure=(cka, "score"))
    with pytest.raises(ValueError, match="must return a finite real number"):
        pairwise_representations([X, Y], measure=(lambda A, B: np.nan, "distance"))
    with pytest.raises(TypeError, match="as_distance must be True or False"):
        pairwise_representations([X, Y], as_distance="arccos")
    with pytest.raises(TypeError, match="list of 2-D arrays"):
        pairwise_representations(X)
    with pytest.raises(ValueError, match="representations is empty"):
        pairwise_representations([])
