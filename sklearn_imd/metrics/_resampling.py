"""What the resampling tests and intervals share: the permutation p-value of
:func:`mmd_test` and :func:`imd_test`, and the check of the confidence level
and the basic interval of :func:`imd_test` and :func:`compare`."""

import numbers

import numpy as np


def check_confidence(confidence):
    """``confidence`` if it is a real number in (0, 1), else a ValueError."""
    if isinstance(confidence, (bool, np.bool_)) or not isinstance(confidence, numbers.Real) \
            or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number in (0, 1), got {confidence!r}.")
    return confidence


def basic_interval(statistic, resampled, confidence, scale, bounds=(-np.inf, np.inf)):
    """The basic (reverse-percentile) interval ``(low, high)`` of ``statistic``
    from the values of its ``resampled`` estimates, their spread times
    ``scale`` (``sqrt(1/2)`` for half-size subsamples: Politis, Romano & Wolf
    1999), clipped to ``bounds``."""
    alpha = 1.0 - confidence
    q_lo, q_hi = np.quantile(resampled - resampled.mean(), [alpha / 2, 1 - alpha / 2])
    lo, hi = bounds
    return (float(min(max(statistic - scale * q_hi, lo), hi)),
            float(min(max(statistic - scale * q_lo, lo), hi)))


def permutation_pvalue(statistic, null):
    """The permutation p-value ``(1 + #{null >= statistic}) / (len(null) + 1)``
    of ``statistic`` against the values ``null`` of its random re-splits (the
    observed split counts as one: never 0, and at most ``alpha`` at level
    ``alpha`` under the null hypothesis)."""
    return float((1.0 + np.count_nonzero(null >= statistic)) / (null.size + 1.0))
