"""FID, KID, MMD (score, test, witness, scaled) and Geometry Score against closed
forms and independent formulas."""

import sys
import warnings

import numpy as np
import pytest
from scipy.linalg import sqrtm
from sklearn.metrics.pairwise import polynomial_kernel, rbf_kernel

from sklearn_imd import (
    fid_score, geometry_score, imd_score, kid_score, mmd_score, mmd_test, mmd_witness,
    scaled_mmd,
)
from sklearn_imd.metrics import _kernels, _mmd
from sklearn_imd.metrics._geometry_score import _relative_living_times


def _unbiased_mmd2(Kxx, Kyy, Kxy):
    m, n = Kxx.shape[0], Kyy.shape[0]
    return ((Kxx.sum() - np.trace(Kxx)) / (m * (m - 1)) + (Kyy.sum() - np.trace(Kyy)) / (n * (n - 1))
            - 2 * Kxy.mean())


def _whiten(Z):
    """Mean 0 and covariance exactly I (ddof=1)."""
    Z = Z - Z.mean(axis=0)
    return Z @ np.linalg.inv(np.linalg.cholesky(np.cov(Z, rowvar=False)).T)


# ----------------------------------------------------------------------------- FID


@pytest.mark.parametrize("n, m, d", [(300, 200, 5), (1000, 1500, 12)])
def test_fid_matches_the_textbook_formula(rng, n, m, d):
    X = rng.normal(size=(n, d))
    Y = rng.normal(size=(m, d)) @ rng.normal(size=(d, d)) * 0.5 + 0.3
    S1, S2 = np.cov(X, rowvar=False), np.cov(Y, rowvar=False)
    expected = np.sum((X.mean(0) - Y.mean(0)) ** 2) + np.trace(S1 + S2 - 2 * sqrtm(S1 @ S2).real)
    assert fid_score(X, Y) == pytest.approx(expected, rel=1e-9)
    assert fid_score(Y, X) == pytest.approx(expected, rel=1e-9)


def test_fid_of_a_shift_is_its_squared_length_and_never_negative(rng):
    X = rng.normal(size=(500, 6))
    shift = np.arange(6) / 10
    assert fid_score(X, X + shift) == pytest.approx(np.sum(shift**2), abs=1e-10)
    assert fid_score(X, X) >= 0.0
    assert fid_score(X, X[::-1]) >= 0.0
    # float32 input gives the float64 result
    assert fid_score(X.astype(np.float32), X) == pytest.approx(0.0, abs=1e-5)


def test_fid_with_fewer_samples_than_features_warns_and_stays_finite(rng):
    X, Y = rng.normal(size=(20, 50)), rng.normal(size=(30, 50))
    with pytest.warns(UserWarning, match="X and Y have fewer samples than the 50 features"):
        value = fid_score(X, Y)
    S1, S2 = np.cov(X, rowvar=False), np.cov(Y, rowvar=False)
    # sqrtm is inaccurate on these singular products; compare loosely
    expected = np.sum((X.mean(0) - Y.mean(0)) ** 2) + np.trace(S1 + S2 - 2 * sqrtm(S1 @ S2).real)
    assert np.isfinite(value) and value >= 0
    assert value == pytest.approx(expected, rel=1e-3)


# ----------------------------------------------------------------------------- KID


def test_kid_on_one_full_subset_is_the_unbiased_cubic_mmd(rng):
    X, Y = rng.normal(size=(80, 7)), rng.normal(0.2, 1.1, size=(60, 7))
    params = dict(degree=3, gamma=1 / 7, coef0=1)
    expected = _unbiased_mmd2(polynomial_kernel(X, **params), polynomial_kernel(Y, **params),
                              polynomial_kernel(X, Y, **params))
    with pytest.warns(UserWarning, match=r"X has 80 points and Y has 60 points, at most "
                      r"subset_size = 1000: every subset is the whole sample, so the standard "
                      r"deviation of the subset estimates is 0 and means nothing"):
        kid, std = kid_score(X, Y, n_subsets=3, subset_size=1000, random_state=0,
                             return_std=True)
    assert kid == pytest.approx(expected, rel=1e-10)
    assert std == 0.0  # one estimate, computed once
    assert mmd_score(X, Y, kernel="polynomial", **params) == pytest.approx(expected, rel=1e-10)


def test_kid_subsets_are_drawn_without_replacement_and_averaged(rng):
    X, Y = rng.normal(size=(500, 4)), rng.normal(size=(400, 4)) * 1.3
    kid, std = kid_score(X, Y, n_subsets=20, subset_size=100, random_state=3, return_std=True)
    # the same draws, by hand
    gen = np.random.RandomState(3)
    values = []
    for _ in range(20):
        x = X[gen.choice(500, 100, replace=False)]
        y = Y[gen.choice(400, 100, replace=False)]
        p = dict(degree=3, gamma=0.25, coef0=1)
        values.append(_unbiased_mmd2(polynomial_kernel(x, **p), polynomial_kernel(y, **p),
                                     polynomial_kernel(x, y, **p)))
    assert kid == pytest.approx(np.mean(values), rel=1e-10)
    # ddof=0, torch-fidelity's np.std(mmds)
    assert std == pytest.approx(np.std(values), rel=1e-10)
    assert std != pytest.approx(np.std(values, ddof=1), rel=1e-3)  # 20 subsets: 2.6% apart
    assert kid_score(X, Y, n_subsets=20, subset_size=100, random_state=3) == kid


def _torch_fidelity_kid(f1, f2, kid_subsets, kid_subset_size, rng_seed, degree=3, coef0=1):
    """torch_fidelity/metric_kid.py ``kid_features_to_metric`` with its
    ``kernel_poly`` and ``mmd2(..., mmd_est="unbiased")``, on NumPy arrays."""
    n1, n2 = len(f1), len(f2)
    assert n1 >= kid_subset_size and n2 >= kid_subset_size  # it refuses smaller samples
    mmds = np.zeros(kid_subsets)
    rng = np.random.RandomState(rng_seed)
    for i in range(kid_subsets):
        a = f1[rng.choice(n1, kid_subset_size, replace=False)]
        b = f2[rng.choice(n2, kid_subset_size, replace=False)]
        k = lambda u, v: (u @ v.T / u.shape[1] + coef0) ** degree  # noqa: E731
        K_XX, K_YY, K_XY = k(a, a), k(b, b), k(a, b)
        m = kid_subset_size
        mmds[i] = ((K_XX.sum() - np.trace(K_XX) + K_YY.sum() - np.trace(K_YY)) / (m * (m - 1))
                   - 2 * K_XY.sum() / (m * m))
    return float(np.mean(mmds)), float(np.std(mmds))


def test_kid_mean_and_std_are_torch_fidelitys(rng):
    X, Y = rng.normal(size=(300, 6)), rng.normal(0.1, 1.2, size=(250, 6))
    ref_mean, ref_std = _torch_fidelity_kid(X, Y, 30, 120, rng_seed=11)
    kid, std = kid_score(X, Y, n_subsets=30, subset_size=120, random_state=11, return_std=True)
    # the same subsets; sums in another order (BLAS, ** vs products)
    assert kid == pytest.approx(ref_mean, rel=1e-10)
    assert std == pytest.approx(ref_std, rel=1e-8)  # differences of ~equal terms


def test_kid_warns_when_a_sample_is_used_whole_and_a_std_is_asked(rng):
    X, Y = rng.normal(size=(50, 3)), rng.normal(size=(200, 3))
    with pytest.warns(UserWarning, match=r"^X has 50 points, at most subset_size = 50: every "
                      r"subset of X is the whole sample, so the standard deviation of the "
                      r"subset estimates reflects Y's subsets alone and understates KID's "
                      r"uncertainty; pass a subset_size below the sample sizes\.$"):
        kid, std = kid_score(X, Y, n_subsets=10, subset_size=50, random_state=0,
                             return_std=True)
    assert std > 0  # Y's subsets still vary
    with pytest.warns(UserWarning, match=r"^Y has 200 points, at most subset_size = 300: every "
                      r"subset of Y is the whole sample, .* reflects X's subsets alone"):
        kid_score(rng.normal(size=(400, 3)), Y, n_subsets=3, subset_size=300, random_state=0,
                  return_std=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # no std asked: the mean of whole-sample estimates is the unbiased KID
        assert kid_score(X, Y, n_subsets=10, subset_size=50, random_state=0) == kid
        kid_score(X, Y, n_subsets=10, subset_size=49, random_state=0, return_std=True)


# ----------------------------------------------------------------------------- MMD


def test_mmd_estimators_match_explicit_kernel_matrices(rng, monkeypatch):
    X, Y = rng.normal(size=(70, 3)), rng.normal(0.3, 1.0, size=(50, 3))
    Kxx, Kyy, Kxy = rbf_kernel(X, gamma=0.4), rbf_kernel(Y, gamma=0.4), rbf_kernel(X, Y, gamma=0.4)
    unbiased = _unbiased_mmd2(Kxx, Kyy, Kxy)
    biased = Kxx.mean() + Kyy.mean() - 2 * Kxy.mean()
    h = 25
    x1, x2, y1, y2 = X[0:50:2], X[1:50:2], Y[0:50:2], Y[1:50:2]
    k = lambda a, b: np.exp(-0.4 * np.sum((a - b) ** 2, axis=1))  # noqa: E731
    linear = np.mean(k(x1, x2) + k(y1, y2) - k(x1, y2) - k(x2, y1))
    assert x1.shape[0] == h
    for block in (1 << 22, 7):  # whole matrices, and blocks of a few entries
        monkeypatch.setattr(_kernels, "BLOCK_ENTRIES", block)
        assert mmd_score(X, Y, gamma=0.4) == pytest.approx(unbiased, rel=1e-12)
        assert mmd_score(X, Y, gamma=0.4, estimator="biased") == pytest.approx(biased, rel=1e-12)
        assert mmd_score(X, Y, gamma=0.4, estimator="linear") == pytest.approx(linear, rel=1e-12)


def test_mmd_median_heuristic_and_callable_kernels(rng):
    X, Y = rng.normal(size=(40, 2)), rng.normal(size=(30, 2))
    Z = np.vstack([X, Y])
    D = ((Z[:, None] - Z[None]) ** 2).sum(-1)[np.triu_indices(70, 1)]
    gamma = 0.5 / np.median(D)
    assert mmd_score(X, Y) == pytest.approx(mmd_score(X, Y, gamma=gamma), rel=1e-12)
    assert mmd_witness(X, Y).kernel_params == {"gamma": pytest.approx(gamma)}
    gauss = lambda a, b: np.exp(-gamma * np.sum((a - b) ** 2))  # noqa: E731
    assert mmd_score(X, Y, kernel=gauss) == pytest.approx(mmd_score(X, Y), rel=1e-10)


def test_a_callable_kernel_may_return_one_number_in_an_array(rng):
    # np.exp(-np.abs(a - b)) on rows of one feature is a shape-(1,) array, which
    # scikit-learn's pairwise_kernels cannot store ("setting an array element
    # with a sequence"); it is that one number, as in vendi_score.
    X, Y = rng.normal(size=(30, 1)), rng.normal(1.0, size=(20, 1))
    in_array = lambda a, b: np.exp(-np.abs(a - b))  # noqa: E731
    scalar = lambda a, b: float(np.exp(-np.abs(a - b))[0])  # noqa: E731
    assert mmd_score(X, Y, kernel=in_array) == mmd_score(X, Y, kernel=scalar)
    assert mmd_score(X, Y, kernel=in_array) == pytest.approx(
        mmd_score(X, Y, kernel="laplacian", gamma=1.0), rel=1e-12)  # same kernel, other route
    with pytest.raises(ValueError, match=r"returned an array of shape \(2,\) for two rows"):
        mmd_score(np.c_[X, X], np.c_[Y, Y], kernel=in_array)
    with pytest.raises(TypeError, match="must return a real number"):
        mmd_score(X, Y, kernel=lambda a, b: "near")


def test_mmd_linear_kernel_biased_is_the_squared_mean_difference(rng):
    X, Y = rng.normal(size=(100, 5)), rng.normal(size=(80, 5)) + 2
    expected = np.sum((X.mean(0) - Y.mean(0)) ** 2)
    assert mmd_score(X, Y, kernel="linear", estimator="biased") == pytest.approx(expected)


def test_witness_integrates_to_the_biased_mmd(rng):
    X, Y = rng.normal(size=(90, 2)), rng.normal(0.5, 0.8, size=(60, 2))
    for kernel, params in (("rbf", {}), ("laplacian", {}), ("polynomial", {"degree": 2})):
        f = mmd_witness(X, Y, kernel=kernel, **params)
        expected = mmd_score(X, Y, kernel=kernel, estimator="biased", **params)
        assert f(X).mean() - f(Y).mean() == pytest.approx(expected, rel=1e-10)
    with pytest.raises(ValueError, match="T must have the samples' 2 features; got 3"):
        f(np.zeros((4, 3)))


def test_split_statistics_match_mmd_on_each_split(rng, monkeypatch):
    Z = rng.normal(size=(30, 2))
    labels = np.zeros((30, 5), dtype=bool)
    for j in range(5):
        labels[rng.permutation(30)[:12], j] = True
    monkeypatch.setattr(_mmd, "BLOCK_ENTRIES", 50)  # blocks of one row
    got = _mmd._split_statistics(Z, 12, labels, "rbf", {"gamma": 0.7})
    for j in range(5):
        assert got[j] == pytest.approx(
            mmd_score(Z[labels[:, j]], Z[~labels[:, j]], gamma=0.7), rel=1e-10)


def test_mmd_test_statistic_pvalue_and_power(rng):
    X, Y = rng.normal(size=(60, 2)), rng.normal(0.8, 1.0, size=(50, 2))
    res = mmd_test(X, Y, n_permutations=199, random_state=0)
    assert res.statistic == pytest.approx(mmd_score(X, Y), rel=1e-10)
    assert res.null_distribution.shape == (199,)
    assert res.pvalue == (1 + np.sum(res.null_distribution >= res.statistic)) / 200
    assert res.pvalue == 1 / 200
    again = mmd_test(X, Y, n_permutations=199, random_state=0)
    np.testing.assert_array_equal(again.null_distribution, res.null_distribution)


def test_mmd_test_rejection_rate_under_the_null_is_the_level():
    """200 tests at level 0.05 on samples of one distribution: the number of
    rejections is Binomial(200, <= 0.05); 3..19 holds with probability > 0.99."""
    rng = np.random.default_rng(12345)
    rejections = sum(
        mmd_test(rng.normal(size=(20, 2)), rng.normal(size=(25, 2)), n_permutations=99,
                 random_state=i).pvalue <= 0.05
        for i in range(200)
    )
    assert 3 <= rejections <= 19


# ----------------------------------------------------------------------------- scaled MMD


def test_scaled_mmd_is_the_mmd_over_the_gradient_bound(rng):
    X, Y = rng.normal(size=(80, 3)), rng.normal(0.4, 1.0, size=(70, 3))
    sigma, lam = 1.5, 0.5
    mmd2 = mmd_score(X, Y, gamma=0.5 / sigma**2)
    assert scaled_mmd(X, Y, sigma=sigma, lam=lam) == pytest.approx(
        mmd2 / (lam + 1 + 3 / sigma**2), rel=1e-12)
    # the identity feature map, given explicitly, changes nothing; a map
    # scaled by 2 has four times the squared gradient
    eye = np.broadcast_to(np.eye(3), (80, 3, 3))
    assert scaled_mmd(X, Y, sigma=sigma, lam=lam, jacobians=eye) == pytest.approx(
        scaled_mmd(X, Y, sigma=sigma, lam=lam), rel=1e-12)
    assert scaled_mmd(X, Y, sigma=sigma, lam=lam, jacobians=2 * eye[:, :, :2]) == pytest.approx(
        mmd2 / (lam + 1 + 4 * 2 / sigma**2), rel=1e-12)
    # default bandwidth: the median distance of the pooled sample
    Z = np.vstack([X, Y])
    med = np.sqrt(np.median(((Z[:, None] - Z[None]) ** 2).sum(-1)[np.triu_indices(150, 1)]))
    assert scaled_mmd(X, Y) == pytest.approx(scaled_mmd(X, Y, sigma=med), rel=1e-12)
    with pytest.raises(ValueError, match=r"jacobians must have shape \(n_samples_X, n_features"):
        scaled_mmd(X, Y, jacobians=np.ones((80, 2, 3)))


# ----------------------------------------------------------------------------- Geometry Score


def test_relative_living_times_closed_form():
    rlt = _relative_living_times([[0.0, 0.5], [0.25, np.inf]], 1.0, 4)
    np.testing.assert_allclose(rlt, [0.0, 0.75, 0.25, 0.0])
    np.testing.assert_array_equal(_relative_living_times([], 2.0, 3), [1.0, 0.0, 0.0])
    # more holes than i_max are not counted
    np.testing.assert_allclose(_relative_living_times([[0, 1], [0, 1]], 2.0, 2), [0.5, 0.0])


def test_geometry_score_sees_a_hole(rng):
    pytest.importorskip("gudhi")
    angle = rng.uniform(0, 2 * np.pi, 400)
    circle = np.column_stack([np.cos(angle), np.sin(angle)]) + rng.normal(0, 0.02, (400, 2))
    blob, blob2 = rng.normal(size=(400, 2)), rng.normal(size=(400, 2))
    kw = dict(n_landmarks=32, gamma=0.1, n_iterations=15, random_state=0)
    score, mrlt_circle, mrlt_blob = geometry_score(circle, blob, return_mrlt=True, **kw)
    assert mrlt_circle.shape == (100,) and mrlt_circle.sum() == pytest.approx(1.0)
    assert np.argmax(mrlt_circle) == 1 and np.argmax(mrlt_blob) == 0
    assert score > 10 * geometry_score(blob, blob2, **kw)


def test_geometry_score_names_the_missing_extra(rng, monkeypatch):
    monkeypatch.setitem(sys.modules, "gudhi", None)
    with pytest.raises(ImportError, match=r'pip install "sklearn-imd\[tda\]"'):
        geometry_score(rng.normal(size=(100, 2)), rng.normal(size=(100, 2)))


# ----------------------------------------------------------------------------- the paper's claim


def test_fid_and_kid_are_blind_to_structure_that_imd_sees():
    """A circle and a Gaussian with the same mean and covariance (and zero third
    moments): FID and KID are near zero, as for two Gaussians, while IMD
    separates them by far more than its own noise (IMD paper, Sec. 4)."""
    rng = np.random.default_rng(0)
    angle = rng.uniform(0, 2 * np.pi, 2000)
    circle = _whiten(np.column_stack([np.cos(angle), np.sin(angle)]))
    gauss, gauss2 = _whiten(rng.normal(size=(2000, 2))), _whiten(rng.normal(size=(2000, 2)))
    assert fid_score(circle, gauss) < 1e-10  # equal means and covariances
    kid, std = kid_score(circle, gauss, random_state=0, return_std=True)
    assert abs(kid) < 3 * std and abs(kid) < 0.01
    imd_structure = imd_score(circle, gauss, random_state=0)
    imd_noise = imd_score(gauss2, gauss, random_state=0)
    assert imd_structure > 10 * imd_noise and imd_structure > 50


# ----------------------------------------------------------------------------- input checks


@pytest.mark.parametrize("fn", [fid_score, kid_score, mmd_score, mmd_test, mmd_witness,
                                scaled_mmd])
def test_baselines_validate_their_input(rng, fn):
    X = rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="same number of features; got 3 and 2"):
        fn(X, rng.normal(size=(20, 2)))
    bad = X.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"Y contains NaN \(first at row 4, column 1\)"):
        fn(X, bad)
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        fn(X[:, 0], X)
    if fn is not mmd_witness:
        with pytest.raises(ValueError, match="X has 1 point; .* needs at least 2 points"):
            fn(X[:1], X)
    before = X.copy()
    fn(X, X + 1)
    np.testing.assert_array_equal(X, before)


def test_baseline_parameters_are_checked(rng):
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="estimator must be one of 'unbiased', 'biased'"):
        mmd_score(X, Y, estimator="fast")
    with pytest.raises(ValueError, match="kernel must be a callable or one of"):
        mmd_score(X, Y, kernel="gaussian")
    with pytest.raises(ValueError, match="n_subsets must be >= 1"):
        kid_score(X, Y, n_subsets=0)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        scaled_mmd(X, Y, sigma=0.0)
    with pytest.raises(TypeError, match="n_permutations must be an integer"):
        mmd_test(X, Y, n_permutations=9.5)
    with pytest.raises(ValueError, match="X has 0 points; a witness complex needs at least one"):
        geometry_score(X[:0], Y)
    with pytest.raises(ValueError, match="n_landmarks must be >= 3"):
        geometry_score(X, Y, n_landmarks=2)


# ----------------------------------------------------------------------------- odd inputs

SCALES = [1e-200, 1e-100, 1.0, 1e100, 1e200]


@pytest.mark.parametrize("gamma, match", [
    (np.nan, "gamma must be finite, got nan"), (np.inf, "gamma must be finite, got inf"),
    (-1.0, "gamma must be > 0, got -1"), (0.0, "gamma must be > 0, got 0"),
])
def test_every_gamma_is_finite_and_positive(rng, gamma, match):
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    calls = [lambda fn=fn, kernel=kernel: fn(X, Y, kernel=kernel, gamma=gamma)
             for fn in (mmd_score, mmd_test, mmd_witness)
             for kernel in ("rbf", "laplacian", "polynomial")]
    calls += [lambda: kid_score(X, Y, gamma=gamma),
              lambda: geometry_score(X, Y, n_landmarks=8, gamma=gamma)]
    for call in calls:
        with pytest.raises(ValueError, match=match):
            call()


def test_nan_producing_kernel_parameters_are_refused(rng):
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="coef0 must be finite, got nan"):
        mmd_test(X, Y, kernel="polynomial", coef0=np.nan)
    with pytest.raises(ValueError, match="degree must be finite, got inf"):
        mmd_score(X, Y, kernel="polynomial", degree=np.inf)


def test_a_test_never_reports_significance_for_a_nan_statistic(rng):
    X, Y = rng.normal(size=(20, 2)), rng.normal(2.0, 1.0, size=(20, 2))
    with pytest.raises(ValueError, match=r"MMD\^2 is not finite"):
        mmd_test(X, Y, kernel=lambda a, b: np.nan, n_permutations=9, random_state=0)
    with pytest.raises(ValueError, match=r"MMD\^2 is not finite: X and Y hold values up to"):
        mmd_test(1e200 * X, 1e200 * Y, gamma=1.0, n_permutations=9, random_state=0)


def test_scale_dependent_metrics_say_when_values_overflow(rng):
    X, Y = rng.normal(size=(30, 3)), rng.normal(0.5, 1.0, size=(30, 3))
    top = max(np.abs(X).max(), np.abs(Y).max())

    def overflows(c, names="X and Y"):
        return pytest.raises(ValueError, match=(
            rf"{names} hold values up to {c * top:.1e}, whose .*overflow float64; "
            "rescale the features").replace("+", r"\+"))

    with overflows(1e200):
        fid_score(1e200 * X, 1e200 * Y)
    with overflows(1e60):
        kid_score(1e60 * X, 1e60 * Y, n_subsets=2, random_state=0)
    with overflows(1e200):
        mmd_score(1e200 * X, 1e200 * Y, gamma=1.0)
    with overflows(1e200):
        scaled_mmd(1e200 * X, 1e200 * Y, sigma=1.0)
    witness = mmd_witness(1e200 * X, 1e200 * Y, gamma=1.0)
    with overflows(1e200, names="X, Y and T"):
        witness(1e200 * X)
    # FID is homogeneous of degree 2: right wherever its value fits in a float
    fid = fid_score(X, Y)
    assert fid_score(1e150 * X, 1e150 * Y) == pytest.approx(1e300 * fid, rel=1e-9)
    assert fid_score(1e-150 * X, 1e-150 * Y) == pytest.approx(1e-300 * fid, rel=1e-9)


@pytest.mark.parametrize("c", SCALES)
def test_median_heuristic_mmd_is_scale_free(c):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 2)), rng.normal(0.8, 1.0, size=(30, 2))
    Y0 = rng.normal(size=(25, 2))
    T = rng.normal(size=(5, 2))
    before = X.copy()
    for kernel in ("rbf", "laplacian"):
        for B, p in ((Y, 0.01), (Y0, None)):
            ref = mmd_test(X, B, kernel=kernel, n_permutations=99, random_state=0)
            got = mmd_test(c * X, c * B, kernel=kernel, n_permutations=99, random_state=0)
            assert (ref.pvalue == p) if p else (ref.pvalue > 0.1)  # the check can fail
            assert got.statistic == pytest.approx(ref.statistic, rel=1e-9)
            assert got.pvalue == ref.pvalue
        assert mmd_score(c * X, c * Y, kernel=kernel, estimator="biased") == pytest.approx(
            mmd_score(X, Y, kernel=kernel, estimator="biased"), rel=1e-9)
        np.testing.assert_allclose(mmd_witness(c * X, c * Y, kernel=kernel)(c * T),
                                   mmd_witness(X, Y, kernel=kernel)(T), rtol=1e-9)
    np.testing.assert_array_equal(X, before)


def test_scaled_mmd_default_bandwidth_at_extreme_scales(rng):
    X, Y = rng.normal(size=(40, 3)), rng.normal(0.5, 1.0, size=(40, 3))
    mmd2 = mmd_score(X, Y)
    # n_features / sigma^2 is negligible beside lam + 1 when sigma is huge ...
    for c in (1e100, 1e200):
        assert scaled_mmd(c * X, c * Y, lam=0.5) == pytest.approx(mmd2 / 1.5, rel=1e-9)
    # ... and drives the factor to 0 when sigma is tiny
    assert scaled_mmd(1e-200 * X, 1e-200 * Y) == 0.0


def test_scaled_mmd_refuses_a_bandwidth_float64_cannot_square(rng):
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match=r"sigma = 1e-200 is too small: 1 / \(2 sigma\^2\) "
                                         "overflows float64"):
        scaled_mmd(X, Y, sigma=1e-200)


@pytest.mark.parametrize("fn", [mmd_score, mmd_test, mmd_witness, scaled_mmd, kid_score,
                                geometry_score])
def test_random_state_is_checked(rng, fn):
    X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    kw = {"n_landmarks": 8} if fn is geometry_score else {}
    with pytest.raises(TypeError, match="random_state must be None, an integer or a "
                                        "numpy.random.RandomState, got 'abc'"):
        fn(X, Y, random_state="abc", **kw)


def _reference_rlts(X, L_0, gamma, i_max, n, rs):
    """The authors' Algorithm 1 as written in KhrulkovV/geometry-score
    (gs/geom_score.py ``rlt``/``rlts``, gs/utils.py ``random_landmarks``,
    ``lmrk_table``, ``witness``, ``relative``), on the RandomState ``rs``."""
    import gudhi
    from scipy.spatial.distance import cdist

    N = X.shape[0]
    if gamma is None:
        gamma = 1.0 / 128 * N / 5000
    out = np.zeros((n, i_max))
    for it in range(n):
        L = X[rs.choice(N, L_0)]
        a = cdist(X, L)
        idx = np.argsort(a)
        table = np.dstack([idx, a[np.arange(N)[:, None], idx]])
        alpha_max = a.max() * gamma
        st = gudhi.WitnessComplex(table).create_simplex_tree(max_alpha_square=alpha_max,
                                                             limit_dimension=2)
        st.persistence(homology_coeff_field=2)
        intervals = [[b, alpha_max if np.isinf(d) else d]
                     for b, d in st.persistence_intervals_in_dimension(1)]
        if not intervals:
            out[it, 0] = 1.0
            continue
        switch = np.unique(np.array(intervals + [[0, alpha_max]]).ravel())
        for lo, hi in zip(switch[:-1], switch[1:]):
            s = sum(b <= (lo + hi) / 2 < d for b, d in intervals)
            if s < i_max:
                out[it, s] += hi - lo
        out[it] /= alpha_max
    return out


def _circle_and_blob(rng, n=120):
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([np.cos(angle), np.sin(angle)]), rng.normal(size=(n, 2))


@pytest.mark.parametrize("gamma", [None, 0.1])
def test_geometry_score_is_the_authors_algorithm(rng, gamma):
    """Same seed, same landmarks (drawn with replacement), same gamma (None:
    1/128 * n / 5000 per sample, so X and Y of different sizes differ), same
    MRLTs as the reference code; Y repeats points and has fewer distinct
    points than landmarks."""
    pytest.importorskip("gudhi")
    circle, _ = _circle_and_blob(rng, 150)
    few = rng.normal(size=(12, 2))[rng.integers(0, 12, 90)]
    kw = dict(n_landmarks=16, i_max=20)
    got = geometry_score(circle, few, gamma=gamma, n_iterations=6, random_state=5,
                         return_mrlt=True, **kw)
    rs = np.random.RandomState(5)
    ref = [_reference_rlts(S, 16, gamma, 20, 6, rs).mean(axis=0) for S in (circle, few)]
    assert np.unique(few, axis=0).shape[0] == 12 < 16
    assert ref[0].sum() == pytest.approx(1.0) and ref[0][1] > 0  # the check can fail
    # the RLTs sum the same segment lengths, by a loop here and np.add.at there
    np.testing.assert_allclose(got[1], ref[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got[2], ref[1], rtol=1e-12, atol=1e-15)
    assert got[0] == pytest.approx(np.sum((ref[0] - ref[1]) ** 2), rel=1e-10, abs=1e-15)


def test_geometry_score_default_gamma_is_per_sample(rng):
    pytest.importorskip("gudhi")
    circle, _ = _circle_and_blob(rng, 200)
    blob = rng.normal(size=(2000, 2))
    kw = dict(n_landmarks=16, n_iterations=4, random_state=2, return_mrlt=True)
    default = geometry_score(circle, blob, **kw)
    # each sample's MRLT depends on its own gamma only (the draws do not)
    small = geometry_score(circle, blob, gamma=1 / 128 * 200 / 5000, **kw)
    large = geometry_score(circle, blob, gamma=1 / 128 * 2000 / 5000, **kw)
    # the same float gamma, computed as 1.0 / 128 * n / 5000 inside: the
    # complexes are equal and only the score's sum may round differently
    np.testing.assert_allclose(default[1], small[1], rtol=1e-12)
    np.testing.assert_allclose(default[2], large[2], rtol=1e-12)
    # ... and they are not the ones of the other sample's gamma, nor of 1/128
    assert not np.allclose(default[1], large[1]) and not np.allclose(default[2], small[2])
    old = geometry_score(circle, blob, gamma=1 / 128, **kw)
    assert not np.allclose(default[1], old[1]) and not np.allclose(default[2], old[2])


def test_geometry_score_of_one_repeated_point_has_no_hole(rng):
    """alpha_max = 0, no interval: RLT(0) = 1, as the reference finds, at the
    default 1000 landmark sets without building their complexes."""
    pytest.importorskip("gudhi")
    circle, _ = _circle_and_blob(rng, 100)
    score, one, also_one = geometry_score(np.full((5000, 3), 2.5), [[1.0, -1.0]],
                                          return_mrlt=True, random_state=0)
    expected = np.eye(1, 100)[0]
    np.testing.assert_array_equal(one, expected)
    np.testing.assert_array_equal(also_one, expected)
    assert score == 0.0
    # beside a circle, its landmark draws are still taken: Y's are the reference's
    got = geometry_score(np.zeros((30, 2)), circle, n_landmarks=8, gamma=0.2, n_iterations=3,
                         random_state=4, return_mrlt=True)
    rs = np.random.RandomState(4)
    ref = [_reference_rlts(S, 8, 0.2, 100, 3, rs).mean(axis=0)
           for S in (np.zeros((30, 2)), circle)]
    np.testing.assert_array_equal(ref[0], expected)
    # see test_geometry_score_is_the_authors_algorithm for the tolerance
    np.testing.assert_allclose(got[2], ref[1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("c", SCALES)
def test_geometry_score_is_scale_free(rng, c):
    pytest.importorskip("gudhi")
    circle, blob = _circle_and_blob(rng)
    kw = {"n_landmarks": 16, "gamma": 0.1, "n_iterations": 3, "random_state": 0,
          "return_mrlt": True}
    ref = geometry_score(circle, blob, **kw)
    assert np.argmax(ref[1]) == 1  # one hole
    got = geometry_score(c * circle, blob / c, **kw)
    assert got[0] == pytest.approx(ref[0], rel=1e-9)
    np.testing.assert_allclose(got[1], ref[1], atol=1e-12)
    np.testing.assert_allclose(got[2], ref[2], atol=1e-12)
