"""The permutation test of IMD and its confidence interval."""

import numpy as np
import pytest

from sklearn_imd import imd_score, imd_test
from sklearn_imd.metrics import ConfidenceInterval, IMDTestResult


def test_result_fields(rng):
    X, Y = rng.normal(size=(120, 3)), rng.normal(size=(100, 3))
    res = imd_test(X, Y, n_permutations=9, n_resamples=9, random_state=0)
    assert isinstance(res, IMDTestResult)
    assert res.statistic == pytest.approx(imd_score(X, Y, random_state=0))
    assert res.null_distribution.shape == (9,)
    assert np.all(res.null_distribution >= 0)
    assert 0.1 <= res.pvalue <= 1.0
    assert res.pvalue == (1 + np.sum(res.null_distribution >= res.statistic)) / 10
    assert isinstance(res.confidence_interval, ConfidenceInterval)
    low, high = res.confidence_interval
    assert 0 <= low <= res.statistic <= high


def test_excess_over_the_null_mean(rng):
    """The floor is the null distribution's mean; the excess interval is the
    IMD interval moved by it and widened in quadrature by its standard error
    (both written out here)."""
    from scipy.stats import norm

    X, Y = rng.normal(size=(120, 3)), rng.beta(0.5, 0.5, size=(200, 3))
    res = imd_test(X, Y, n_permutations=9, n_resamples=9, confidence=0.9, random_state=0)
    null = res.null_distribution
    assert res.null_mean == pytest.approx(np.sum(null) / 9, rel=1e-12)  # summation order
    assert res.excess == pytest.approx(res.statistic - res.null_mean, rel=1e-12, abs=1e-12)
    z_se = norm.ppf(0.95) * np.sqrt(np.sum((null - null.mean()) ** 2) / 8 / 9)
    low, high = res.confidence_interval
    assert low > 0  # not clipped, so the IMD interval is the excess' moved back
    assert res.excess_interval.low == pytest.approx(
        res.excess - np.sqrt((res.statistic - low) ** 2 + z_se**2), rel=1e-12)
    assert res.excess_interval.high == pytest.approx(
        res.excess + np.sqrt((high - res.statistic) ** 2 + z_se**2), rel=1e-12)
    assert imd_test(X, Y, n_permutations=3, n_resamples=0,
                    random_state=0).excess_interval is None


def test_excess_is_centred_where_raw_imd_is_not():
    """Two samples of one distribution at unequal sizes: the raw IMD sits well
    above 0 (its floor grows with the size mismatch), the excess averages 0
    within its noise; a different distribution keeps a clearly positive
    excess."""
    rng = np.random.default_rng(5)
    same, excess = [], []
    for seed in range(6):
        X, Y = rng.normal(size=(150, 4)), rng.normal(size=(600, 4))
        res = imd_test(X, Y, n_permutations=19, n_resamples=0, method="exact",
                       random_state=seed)
        same.append(res.statistic)
        excess.append(res.excess)
    same, excess = np.asarray(same), np.asarray(excess)
    # the excess' mean lies within 3 standard errors of 0 (a false alarm
    # under 0.3%) and is well below the raw IMD's
    assert abs(excess.mean()) < 3 * excess.std(ddof=1) / np.sqrt(6)
    assert abs(excess.mean()) < same.mean() / 2
    X, Y = rng.normal(size=(600, 4)), rng.beta(0.5, 0.5, size=(600, 4))
    far = imd_test(X, Y, n_permutations=19, n_resamples=0, method="exact", random_state=0)
    assert far.excess > 3 * far.null_distribution.std(ddof=1)


def test_statistic_is_imd_score_in_the_slq_regime(rng):
    """Above 500 points the heat trace is random: the test's statistic still is
    imd_score's number for the same random_state."""
    X, Y = rng.normal(size=(700, 3)), rng.uniform(size=(650, 3))
    res = imd_test(X, Y, n_permutations=1, n_resamples=0, nv=10, random_state=7)
    assert res.statistic == imd_score(X, Y, nv=10, random_state=7)


def test_no_pvalue_for_a_statistic_that_is_not_a_number(rng):
    """t = 1e300 gave a NaN statistic with the smallest p-value."""
    X, Y = rng.normal(size=(100, 2)), rng.uniform(size=(100, 2))
    res = imd_test(X, Y, t=[1.0, 1e300], n_permutations=9, n_resamples=0, random_state=0)
    assert np.isfinite(res.statistic) and np.isfinite(res.null_distribution).all()
    assert res.statistic == imd_score(X, Y, t=[1.0], random_state=0)
    res = imd_test(X, Y, t=[1.0, 1e300], normalization="er", n_permutations=9, n_resamples=0,
                   random_state=0)
    assert res.statistic == imd_score(X, Y, t=[1.0], normalization="er", random_state=0)


def test_reproducible_and_inputs_untouched(rng):
    X, Y = rng.normal(size=(80, 2)), rng.uniform(size=(90, 2))
    X0, Y0 = X.copy(), Y.copy()
    a = imd_test(X, Y, n_permutations=5, n_resamples=5, random_state=3)
    b = imd_test(X, Y, n_permutations=5, n_resamples=5, random_state=3, n_jobs=2)
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
    assert a.confidence_interval == b.confidence_interval
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_clearly_different_distributions_are_rejected(rng):
    """Issue 3: N(0, 1) vs Beta(0.5, 0.5), n = 1000, gives p < 0.01."""
    X = rng.normal(size=(1000, 10))
    Y = rng.beta(0.5, 0.5, size=(1000, 10))
    res = imd_test(X, Y, n_permutations=100, n_resamples=0, random_state=0)
    assert res.pvalue < 0.01
    assert res.statistic > 5 * res.null_distribution.max()
    assert res.confidence_interval is None


def test_level_under_the_null(rng):
    """Same-distribution samples are rejected at about the nominal rate, and
    the p-values spread over (0, 1]."""
    pvalues = [
        imd_test(rng.normal(size=(100, 2)), rng.normal(size=(100, 2)),
                 n_permutations=19, n_resamples=0, random_state=i).pvalue
        for i in range(40)
    ]
    assert np.sum(np.asarray(pvalues) <= 0.05) <= 5  # binomial(40, 0.05): P(> 5) < 0.02
    assert 0.35 < np.mean(pvalues) < 0.65


def test_interval_narrows_with_more_points():
    rng = np.random.default_rng(1)
    widths = []
    for n in (150, 1200):
        X, Y = rng.normal(size=(n, 3)), rng.standard_t(4, size=(n, 3))
        lo, hi = imd_test(X, Y, n_permutations=1, n_resamples=30, random_state=0,
                          method="exact").confidence_interval
        widths.append(hi - lo)
    assert widths[1] < widths[0]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_permutations=0), "n_permutations"),
        (dict(n_resamples=-1), "n_resamples"),
        (dict(confidence=1.0), "confidence"),
        (dict(confidence="high"), "confidence"),
        (dict(k=0), "k"),
        (dict(method="dense"), "method"),
    ],
)
def test_bad_parameters(rng, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        imd_test(rng.normal(size=(50, 2)), rng.normal(size=(50, 2)), **kwargs)


def test_different_dimensions_cannot_be_pooled(rng):
    with pytest.raises(ValueError, match="same number of features"):
        imd_test(rng.normal(size=(50, 2)), rng.normal(size=(50, 3)))


def test_resampling_needs_twice_k_plus_one_points(rng):
    X, Y = rng.normal(size=(10, 2)), rng.normal(size=(40, 2))
    with pytest.raises(ValueError, match="12"):
        imd_test(X, Y, n_permutations=3)
    imd_test(X, Y, n_permutations=3, n_resamples=0)  # enough points without resampling
