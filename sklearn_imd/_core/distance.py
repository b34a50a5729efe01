"""The IMD between signatures: the weight of each diffusion time and the
weighted sup-distance, for pairs of rows and for every pair of rows."""

import numpy as np

from .._utils.chunking import row_blocks


def imd_weights(t):
    """The IMD weight ``exp(-2 (t + 1/t))``, largest at t = 1."""
    t = np.asarray(t, dtype=np.float64)
    return np.exp(-2.0 * (t + 1.0 / t))


def weighted_times(t):
    """The times of ``t`` whose IMD weight ``exp(-2 (t + 1/t))`` is not 0 in
    float64 (roughly 0.0027 < t < 370): the others add nothing to any IMD,
    and need not be computed."""
    kept = t[imd_weights(t) > 0]
    if kept.size == 0:
        raise ValueError(
            "Every diffusion time of t has an IMD weight exp(-2 (t + 1/t)) of 0 in float64 "
            f"(t from {t.min():g} to {t.max():g}; weights are nonzero for roughly "
            "0.0027 < t < 370), so every IMD would be 0."
        )
    return kept


def _weighted_halves(SX, SY, t):
    """``SX / 2``, ``SY / 2`` and ``2 w(t)``: subtracting halves and doubling the
    weight (both exact) cannot overflow, as the weight is at most exp(-4) < 1/2.
    Signatures are finite (checked where they are made or given), so a weight
    that underflows to 0 contributes 0."""
    return 0.5 * SX, 0.5 * SY, 2.0 * imd_weights(t)


def imd_pairs(SX, SY, t):
    """Weighted sup-distance between row ``i`` of SX and row ``i`` of SY."""
    HX, HY, w = _weighted_halves(SX, SY, t)
    return (np.abs(HX - HY) * w).max(axis=1)


def imd_matrix(SX, SY, t):
    """Weighted sup-distance between every row of SX and every row of SY."""
    HX, HY, w = _weighted_halves(SX, SY, t)
    D = np.empty((SX.shape[0], SY.shape[0]))
    for rows in row_blocks(SX.shape[0], HY.size):  # (rows, n_Y, n_times) at once
        diff = np.abs(HX[rows, None, :] - HY[None, :, :])
        diff *= w
        D[rows] = diff.max(axis=2)
    return D
