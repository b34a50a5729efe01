"""What the resampling tests and intervals share: the permutation p-value of
:func:`mmd_test` and :func:`imd_test`, the check of the confidence level, the
basic interval of :func:`imd_test` and :func:`compare`, and the interval of
IMD beyond its permutation floor."""

import numbers

import numpy as np


def check_confidence(confidence, name="confidence"):
    """``confidence`` if it is a real number in (0, 1), else a ValueError
    naming it ``name`` (a confidence level or a test's level ``alpha``)."""
    if isinstance(confidence, (bool, np.bool_)) or not isinstance(confidence, numbers.Real) \
            or not 0 < confidence < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {confidence!r}.")
    return confidence


def basic_interval(statistic, resampled, confidence, bounds=(-np.inf, np.inf)):
    """The basic (reverse-percentile) interval ``(low, high)`` of ``statistic``
    from the values of its ``resampled`` estimates, clipped to ``bounds``.

    The resampled values are bootstrap samples, or estimates on half-size
    subsamples drawn without replacement, whose spread about the full-sample
    value is already that of the full-sample estimate: a subsample of
    ``r = n/2`` of the ``n`` points leaves out ``d = n/2``, and the delete-d
    jackknife's variance factor ``r / d`` (Shao & Wu 1989) is 1; for a mean,
    ``var(mean_r - mean_n) = sigma^2 (1/r - 1/n) = sigma^2 / n``.  (The
    ``sqrt(r/n)`` of subsampling theory holds for ``r/n -> 0``: at ``r = n/2``
    it halves the variance.  Nominal 95% intervals of FID from 20 redraws
    (2-d Gaussians, n = 1,000, 200 repetitions, table 2 of
    ``asv_bench/calibration_table.py``) covered 68.5% of the time scaled and
    86.5% unscaled; the rest of the shortfall is the redraws' spread, 0.87
    times the estimate's, and the tails of 20 values.)
    """
    alpha = 1.0 - confidence
    q_lo, q_hi = np.quantile(resampled - resampled.mean(), [alpha / 2, 1 - alpha / 2])
    lo, hi = bounds
    return (float(min(max(statistic - q_hi, lo), hi)),
            float(min(max(statistic - q_lo, lo), hi)))


def permutation_pvalue(statistic, null):
    """The permutation p-value ``(1 + #{null >= statistic}) / (len(null) + 1)``
    of ``statistic`` against the values ``null`` of its random re-splits (the
    observed split counts as one: never 0, and at most ``alpha`` at level
    ``alpha`` under the null hypothesis)."""
    return float((1.0 + np.count_nonzero(null >= statistic)) / (null.size + 1.0))


def excess_bounds(excess, resampled, null, confidence):
    """``(low, high)`` of IMD's ``excess`` over the mean of its permutation
    ``null``: the basic interval of its ``resampled`` values (resampled IMDs
    less the null mean), each side widened in quadrature by the normal
    quantile times the null mean's standard error ``std(null) /
    sqrt(len(null))`` (the two are independent draws)."""
    from scipy.stats import norm

    se = float(np.std(null, ddof=1)) / np.sqrt(null.size) if null.size > 1 else 0.0
    z_se = float(norm.ppf(0.5 + confidence / 2)) * se
    low, high = basic_interval(excess, resampled, confidence)
    return (excess - float(np.hypot(excess - low, z_se)),
            excess + float(np.hypot(high - excess, z_se)))
