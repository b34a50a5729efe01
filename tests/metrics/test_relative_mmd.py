"""The relative MMD test (Bounliphone et al., ICLR 2016) against an independent
dense formula, against values of the authors' code, and its invariances and
input checks."""

import numpy as np
import pytest
from scipy.spatial.distance import pdist
from scipy.stats import norm

from sklearn_imd import relative_mmd_test
from sklearn_imd.metrics import RelativeMMDTestResult, _kernels, _relative_mmd


# ----------------------------------------------------------------------------- the formula


def _rbf(A, B, gamma):
    sq = ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)
    return np.exp(-gamma * sq)


def _kid_kernel(A, B):
    return (A @ B.T / A.shape[1] + 1.0) ** 3


def _relative_test(X, Y, Z, k):
    """Bounliphone et al. (2016, Theorem 2 and appendix) on dense kernel matrices.

    D = MMD^2_u(X, Y) - MMD^2_u(X, Z).  Its first-order (Hoeffding) part is
    (1/n) sum_j h_Y(y_j) + (1/m) sum_i h_X(x_i) + (1/r) sum_k h_Z(z_k) with
    h_Y(y) = 2 E k(y, y') - 2 E k(x, y), h_X(x) = 2 E k(x, z) - 2 E k(x, y),
    h_Z(z) = 2 E k(x, z) - 2 E k(z, z').  The variance of each h / 2 is estimated as
    in the authors' code: the projections from row sums of the kernel matrices
    divided by the sample size (so the diagonal-free k(y, y') sums are divided
    by n, not n - 1), centred at the U-statistics; Var(h) / s = 4 Var(h / 2) / s
    is then taken in its finite-sample form 4 (s - 2) / (s (s - 1)) Var(h / 2)
    for a sample of s points.
    Returns (D, standard error, mmd2_xy, mmd2_xz).
    """
    m, n, r = len(X), len(Y), len(Z)
    Kxx, Kyy, Kzz = k(X, X), k(Y, Y), k(Z, Z)
    Kxy, Kxz = k(X, Y), k(X, Z)
    for K in (Kxx, Kyy, Kzz):
        np.fill_diagonal(K, 0.0)
    u_xx, u_yy, u_zz = Kxx.sum() / (m * (m - 1)), Kyy.sum() / (n * (n - 1)), \
        Kzz.sum() / (r * (r - 1))
    u_xy, u_xz = Kxy.mean(), Kxz.mean()

    def cov(f, mf, g, mg):  # E[f g] - (centre of f)(centre of g), over one sample
        return np.mean(f * g) - mf * mg

    # projections, each point's average kernel against the other sample
    yy, xy_y = Kyy.sum(axis=1) / n, Kxy.sum(axis=0) / m      # on the points of Y
    zz, xz_z = Kzz.sum(axis=1) / r, Kxz.sum(axis=0) / m      # on the points of Z
    xy_x, xz_x = Kxy.sum(axis=1) / n, Kxz.sum(axis=1) / r    # on the points of X
    var_y = cov(yy, u_yy, yy, u_yy) + cov(xy_y, u_xy, xy_y, u_xy) - 2 * cov(yy, u_yy, xy_y, u_xy)
    var_z = cov(zz, u_zz, zz, u_zz) + cov(xz_z, u_xz, xz_z, u_xz) - 2 * cov(zz, u_zz, xz_z, u_xz)
    var_x = cov(xy_x, u_xy, xy_x, u_xy) + cov(xz_x, u_xz, xz_x, u_xz) \
        - 2 * cov(xy_x, u_xy, xz_x, u_xz)
    variance = sum(4 * (s - 2) / (s * (s - 1)) * v for s, v in ((m, var_x), (n, var_y),
                                                                 (r, var_z)))
    mmd2_xy, mmd2_xz = u_xx + u_yy - 2 * u_xy, u_xx + u_zz - 2 * u_xz
    return mmd2_xy - mmd2_xz, np.sqrt(variance), mmd2_xy, mmd2_xz


def _samples(rng, m=60, n=60, r=60, d=3, shift=0.2):
    return (rng.normal(size=(m, d)), 1.1 * rng.normal(size=(n, d)),
            rng.normal(size=(r, d)) + shift)


# Tolerance: the library sums the same kernel values in another order (row
# blocks, dot products of row sums) than the dense formula (full matrices,
# elementwise means).  Each sum of O(n^2) terms of size <= 1 carries a
# relative error of order 1e-16 * log n; the variance subtracts squares of the
# U-statistics (up to ~1) to leave ~1e-3, amplifying that by ~1e3.  1e-10
# relative leaves three orders of margin; atol covers a statistic near 0.
RTOL, ATOL = 1e-10, 1e-14


@pytest.mark.parametrize("sizes", [(60, 60, 60), (50, 70, 40), (3, 4, 5)])
@pytest.mark.parametrize("kernel", ["rbf", "polynomial", "laplacian"])
def test_matches_the_dense_formula(rng, sizes, kernel):
    X, Y, Z = _samples(rng, *sizes)
    gamma = 0.3
    ks = {"rbf": lambda A, B: _rbf(A, B, gamma), "polynomial": _kid_kernel,
          "laplacian": lambda A, B: np.exp(-gamma * np.abs(A[:, None] - B[None]).sum(-1))}
    params = {} if kernel == "polynomial" else {"gamma": gamma}
    for alternative in ("greater", "less", "two-sided"):
        res = relative_mmd_test(X, Y, Z, kernel=kernel, alternative=alternative, **params)
        D, se, xy, xz = _relative_test(X, Y, Z, ks[kernel])
        z = D / se
        p = {"greater": norm.sf(z), "less": norm.cdf(z),
             "two-sided": 2 * norm.sf(abs(z))}[alternative]
        np.testing.assert_allclose(
            [res.statistic, res.standard_error, res.zscore, res.mmd2_xy, res.mmd2_xz],
            [D, se, z, xy, xz], rtol=RTOL, atol=ATOL)
        # the p-value's relative error is |z phi(z) / p| times z's: at most a few times it here
        np.testing.assert_allclose(res.pvalue, p, rtol=10 * RTOL, atol=ATOL)
        assert res.closer == ("Y" if D < 0 else "Z")
        assert res.alternative == alternative
        assert res.kernel_params == params


def test_the_median_heuristic_is_mmd_tests_over_the_pooled_samples(rng):
    X, Y, Z = _samples(rng, 40, 50, 30)
    res = relative_mmd_test(X, Y, Z)
    gamma = 1.0 / (2.0 * np.median(pdist(np.vstack([X, Y, Z]), "sqeuclidean")))
    assert res.kernel_params["gamma"] == pytest.approx(gamma, rel=1e-12)  # one median, rounding
    D, se, _, _ = _relative_test(X, Y, Z, lambda A, B: _rbf(A, B, gamma))
    np.testing.assert_allclose([res.statistic, res.standard_error], [D, se], rtol=RTOL)


# ----------------------------------------------------------------------------- the authors' code

# Reference values from the authors' code, computed with
#     cd /tmp/ref_eugenium && python make_refs.py
# eugenium/mmd itself is not reachable from this machine; its mmd.py was taken
# from the copy in datamllab/tods at f01aba8a72c7578b81d7d49ae39384ccfeaf32a6,
# tods/detection_algorithm/core/mad_gan/eugenium_mmd.py ("Code taken from
# https://github.com/eugenium/mmd", its MMD_3_Sample_Test and MMD_Diff_Var
# unchanged), with two Python 3 fixes: `import scipy.stats` (for sp.stats) and
# siz//3 in the unused SelectSigma=False branch.  numpy 2.4.6, scipy 1.17.1,
# scikit-learn 1.9.1.  The inputs are those of _reference_samples; the calls:
#     MMD_3_Sample_Test(X, Y, Z, computeMMDs=True)            -> REF_DEFAULT
#     MMD_3_Sample_Test(X, Y, Z, sigma=2.0, computeMMDs=True) -> REF_SIGMA2
#     MMD_3_Sample_Test(X, Z, Y, sigma=2.0, computeMMDs=True) -> REF_SWAPPED
# each (pvalue, tstat, sigma, MMDXY, MMDXZ); and for KID's kernel
# (sklearn's polynomial_kernel, (x.y / 4 + 1)^3), MMD_Diff_Var(Kyy, Kzz, Kxy,
# Kxz)[0] with t = u_yy - 2 u_xy - (u_zz - 2 u_xz) as MMD_3_Sample_Test forms
# it, norm.cdf(-t / sqrt(var)) -> REF_POLY (pvalue, tstat, t, var).
REF_DEFAULT = (0.846269283292852, -1.020563197090816, 1.872170461423029,
               0.004126174828327667, 0.015342335139505558)
REF_SIGMA2 = (0.8593778560909683, -1.0775283603098773, 2.0,
              0.003643653921750478, 0.015425337971261999)
REF_SWAPPED = (0.14062214390903172, 1.0775283603098773, 2.0,
               0.015425337971261999, 0.003643653921750478)
REF_POLY = (0.8294979560275964, -0.9521831835988618, -0.1393705321202512,
            0.021424016888680546)


def _reference_samples():
    rng = np.random.default_rng(2016)
    X = rng.normal(size=(150, 4))
    Y = rng.normal(size=(150, 4)) * 1.1
    Z = rng.normal(size=(150, 4)) + 0.15
    return X, Y, Z


@pytest.mark.parametrize("ref, swap", [(REF_DEFAULT, False), (REF_SIGMA2, False),
                                       (REF_SWAPPED, True)])
def test_pvalues_are_the_authors_code(ref, swap):
    X, Y, Z = _reference_samples()
    if swap:
        Y, Z = Z, Y
    pvalue, tstat, sigma, mmd_xy, mmd_xz = ref
    # its Gaussian exp(-|x - y|^2 / (2 sigma^2)); its default sigma is its own
    # heuristic, reproduced here by passing the gamma it chose
    res = relative_mmd_test(X, Y, Z, gamma=1.0 / (2.0 * sigma**2))
    # 16 printed digits; the same sums in another order (see RTOL)
    np.testing.assert_allclose([res.pvalue, res.zscore, res.mmd2_xy, res.mmd2_xz],
                               [pvalue, tstat, mmd_xy, mmd_xz], rtol=RTOL)


def test_kid_kernel_pvalue_is_the_authors_variance():
    X, Y, Z = _reference_samples()
    pvalue, tstat, t, var = REF_POLY
    res = relative_mmd_test(X, Y, Z, kernel="polynomial")
    np.testing.assert_allclose([res.pvalue, res.zscore, res.statistic, res.standard_error**2],
                               [pvalue, tstat, t, var], rtol=RTOL)
    # degree 3, gamma 1 / n_features, coef0 1 spelled out: the same kernel
    spelled = relative_mmd_test(X, Y, Z, kernel="polynomial", degree=3, gamma=0.25, coef0=1)
    np.testing.assert_allclose(spelled.pvalue, res.pvalue, rtol=1e-12)


# ----------------------------------------------------------------------------- invariances


@pytest.mark.parametrize("kernel", ["rbf", "polynomial"])
def test_swapping_y_and_z_flips_the_sign_and_the_closer(rng, kernel):
    X, Y, Z = _samples(rng, 50, 45, 55)
    a = relative_mmd_test(X, Y, Z, kernel=kernel)
    b = relative_mmd_test(X, Z, Y, kernel=kernel)
    # the same two MMD^2 (same sums), subtracted the other way; the variance
    # adds the same three parts in another order (rounding)
    assert b.statistic == -a.statistic
    assert (a.mmd2_xy, a.mmd2_xz) == (b.mmd2_xz, b.mmd2_xy)
    assert b.standard_error == pytest.approx(a.standard_error, rel=1e-14)
    assert {a.closer, b.closer} == {"Y", "Z"}
    assert a.pvalue + b.pvalue == pytest.approx(1.0, abs=1e-14)
    less = relative_mmd_test(X, Z, Y, kernel=kernel, alternative="less")
    assert less.pvalue == pytest.approx(a.pvalue, rel=1e-12, abs=1e-15)
    two = [relative_mmd_test(X, *S, kernel=kernel, alternative="two-sided").pvalue
           for S in ((Y, Z), (Z, Y))]
    assert two[0] == pytest.approx(two[1], rel=1e-12)
    assert two[0] == pytest.approx(2 * min(a.pvalue, b.pvalue), rel=1e-12)


def test_identical_models_tie(rng):
    X, Y, _ = _samples(rng)
    res = relative_mmd_test(X, Y, Y.copy(), alternative="two-sided")
    assert res.statistic == 0.0 and res.zscore == 0.0  # the same sums, subtracted
    assert res.closer is None and res.pvalue == 1.0


def test_the_closer_model_is_found(rng):
    X = rng.normal(size=(200, 2))
    good, bad = rng.normal(size=(200, 2)), rng.normal(0.6, 1.0, size=(200, 2))
    for kernel in ("rbf", "polynomial"):
        res = relative_mmd_test(X, bad, good, kernel=kernel)
        assert res.closer == "Z" and res.pvalue < 1e-3 and res.mmd2_xz < res.mmd2_xy


def test_blocked_sums_are_the_whole_matrices(rng, monkeypatch):
    X, Y, Z = _samples(rng, 70, 50, 60)
    whole = relative_mmd_test(X, Y, Z, kernel="polynomial")
    monkeypatch.setattr(_relative_mmd, "BLOCK_ENTRIES", 200)  # blocks of 2 to 4 rows
    monkeypatch.setattr(_kernels, "BLOCK_ENTRIES", 200)
    blocked = relative_mmd_test(X, Y, Z, kernel="polynomial")
    # the same entries, summed block by block (see RTOL)
    np.testing.assert_allclose(
        [blocked.statistic, blocked.standard_error, blocked.pvalue],
        [whole.statistic, whole.standard_error, whole.pvalue], rtol=RTOL)


@pytest.mark.parametrize("c", [1e-200, 1e200])
def test_median_heuristic_test_is_scale_free(rng, c):
    X, Y, Z = _samples(rng, 40, 40, 40)
    ref = relative_mmd_test(X, Y, Z)
    got = relative_mmd_test(c * X, c * Y, c * Z)
    # the kernel is evaluated on the samples divided by a power of two: the
    # same squared distances up to one rounding each
    np.testing.assert_allclose([got.statistic, got.standard_error, got.pvalue],
                               [ref.statistic, ref.standard_error, ref.pvalue], rtol=1e-9)


def test_input_is_not_modified_and_results_are_deterministic(rng):
    X, Y, Z = _samples(rng, 400, 400, 400)  # 1,200 pooled: the median takes a random subset
    Y32 = Y.astype(np.float32)
    copies = [A.copy() for A in (X, Y32, Z)]
    for A in (X, Y32, Z):
        A.flags.writeable = False
    a = relative_mmd_test(X, Y32, Z, random_state=3)
    b = relative_mmd_test(X, Y32, Z, random_state=np.random.RandomState(3))
    for A, before in zip((X, Y32, Z), copies):
        np.testing.assert_array_equal(A, before)
    assert a == b  # one route, one seed: the same bits
    c = relative_mmd_test(X.tolist(), Y32, Z, kernel="polynomial")
    assert c == relative_mmd_test(X, Y32, Z, kernel="polynomial")
    assert isinstance(a, RelativeMMDTestResult)


# ----------------------------------------------------------------------------- bad input


def test_bad_input_is_refused_by_name(rng):
    X, Y, Z = _samples(rng, 10, 10, 10)
    with pytest.raises(ValueError, match="X and Y must have the same number of features; "
                                         "got 3 and 2"):
        relative_mmd_test(X, Y[:, :2], Z)
    with pytest.raises(ValueError, match="X and Z must have the same number of features; "
                                         "got 3 and 4"):
        relative_mmd_test(X, Y, np.hstack([Z, Z[:, :1]]))
    for args, name in (((X[:2], Y, Z), "X"), ((X, Y[:2], Z), "Y"), ((X, Y, Z[:2]), "Z")):
        with pytest.raises(ValueError, match=f"{name} has 2 points; a relative MMD test "
                                             "needs at least 3 points"):
            relative_mmd_test(*args)
    bad = Z.copy()
    bad[3, 2] = np.inf
    with pytest.raises(ValueError, match=r"Z contains infinite values \(first at row 3"):
        relative_mmd_test(X, Y, bad)
    with pytest.raises(ValueError, match="Z must be a 2-D array"):
        relative_mmd_test(X, Y, Z[:, 0])
    with pytest.raises(ValueError, match="kernel must be a callable or one of"):
        relative_mmd_test(X, Y, Z, kernel="gaussian")
    with pytest.raises(ValueError, match="alternative must be one of 'greater', 'less', "
                                         "'two-sided'; got 'two_sided'"):
        relative_mmd_test(X, Y, Z, alternative="two_sided")
    with pytest.raises(ValueError, match="gamma must be > 0, got 0"):
        relative_mmd_test(X, Y, Z, gamma=0.0)
    with pytest.raises(TypeError, match="random_state must be None, an integer"):
        relative_mmd_test(X, Y, Z, random_state="0")


def test_no_pvalue_from_a_degenerate_variance_or_an_overflow(rng):
    X, Y, Z = _samples(rng, 10, 10, 10)
    zeros = np.zeros((10, 3))  # every kernel value 0
    with pytest.raises(ValueError, match=r"variance of MMD\^2\(X, Y\) - MMD\^2\(X, Z\) is 0, "
                                         "not positive"):
        relative_mmd_test(zeros, zeros, zeros, kernel="linear")
    with pytest.raises(ValueError, match="relative MMD statistic is not finite: X, Y and Z "
                                         "hold values up to"):
        relative_mmd_test(1e60 * X, 1e60 * Y, 1e60 * Z, kernel="polynomial")
    with pytest.raises(ValueError, match="relative MMD statistic is not finite"):
        relative_mmd_test(X, Y, Z, kernel=lambda a, b: np.nan)
