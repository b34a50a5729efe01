"""The checks of a statistics file that :meth:`ReferenceStats.load` reads:
each field must be what :meth:`ReferenceStats.from_features` would have
written (a covariance, the stored features' moments and radii, a heat-trace
signature, valid IMD parameters); ``fail(field, problem)`` raises the error
that names the file and the field."""

import numpy as np

from ._utils.validation import IMD_DEFAULTS, binary_exponent

# The IMD parameters a stored signature records (with its random_state).
_IMD_KEYS = tuple(IMD_DEFAULTS)

# Tolerances of the checks of ReferenceStats: a covariance is symmetric and
# positive semi-definite to a relative 1e-6 of its largest variance (float32
# features accumulate rounding of about 1e-7 times it; a matrix that is not a
# covariance is off by far more), and its diagonal and the mean agree with
# the stored features to the same relative 1e-6.
_STATS_RTOL = 1e-6
# Radii checked against the features, recomputed directly (a stale file's
# radii are wrong almost everywhere).
_RADII_CHECKED = 8


def _lossless(A, e):
    """Whether ``A * 2**e`` holds ``A`` exactly: no overflow, no digit lost to underflow."""
    with np.errstate(over="ignore", under="ignore"):
        return bool(np.array_equal(np.ldexp(np.ldexp(A, e), -e), A))


def _check_covariance(C, fail):
    """Refuse a matrix that is not symmetric positive semi-definite (to a tolerance)."""
    top = float(np.abs(np.diag(C)).max()) if C.size else 0.0
    if (np.diag(C) < 0).any():
        fail("sigma (covariance)", "has negative variances on its diagonal")
    if np.abs(C - C.T).max() > _STATS_RTOL * top:
        fail("sigma (covariance)", "is not symmetric")
    if top == 0:
        return
    try:  # positive semi-definite: C + tol I has a Cholesky factor (cheaper than eigvalsh)
        np.linalg.cholesky(C + (_STATS_RTOL * top) * np.eye(C.shape[0]))
    except np.linalg.LinAlgError:
        fail("sigma (covariance)", "has negative eigenvalues: it is not a covariance matrix")


def _scaled_blocks(features, shift, rows=1 << 14):
    """The features divided by ``2**shift`` (exact), in float64, a block of rows
    at a time: the checks never copy all of them."""
    for start in range(0, features.shape[0], rows):
        yield np.ldexp(features[start : start + rows].astype(np.float64), -shift)


def _check_moments(features, mean, covariance, e, fail):
    """Refuse moments (of the features divided by ``2**e``) that are not those of
    the stored features (mean, variances), compared in the features' units
    divided by a power of two (``|x| < 1``)."""
    n = features.shape[0]
    shift = binary_exponent(features)
    mu = sum(B.sum(axis=0) for B in _scaled_blocks(features, shift)) / n
    if np.abs(np.ldexp(mean, e - shift) - mu).max() > _STATS_RTOL:
        fail("mu (mean)", "is not the mean of the stored features (statistics and features "
             "from different samples?)")
    var = sum(((B - mu) ** 2).sum(axis=0) for B in _scaled_blocks(features, shift)) / (n - 1)
    if np.abs(np.ldexp(np.diag(covariance), 2 * (e - shift)) - var).max() > _STATS_RTOL:
        fail("sigma (covariance)", "does not hold the variances of the stored features "
             "(statistics and features from different samples?)")


def _check_radii(features, k, radii, e, fail):
    """Refuse radii that are not the stored features' (a few rows recomputed
    directly, in float64)."""
    n = features.shape[0]
    rows = np.sort(np.random.default_rng(0).choice(n, min(n, _RADII_CHECKED), replace=False))
    shift = binary_exponent(features)
    Q = np.ldexp(features[rows].astype(np.float64), -shift)
    d2 = np.concatenate([np.einsum("rij,rij->ri", B[None] - Q[:, None], B[None] - Q[:, None])
                         for B in _scaled_blocks(features, shift, 1 << 8)], axis=1)
    d2[np.arange(rows.size), rows] = np.inf  # itself
    expected = np.partition(d2, k - 1, axis=1)[:, k - 1]
    got = np.ldexp(radii[rows], 2 * (e - shift))
    bad = np.abs(got - expected) > _STATS_RTOL * np.maximum(expected, np.finfo(float).tiny)
    if bad.any():
        i = int(rows[np.argmax(bad)])
        fail("prdc_radii (radii)", f"are not the {k}-NN radii of the stored features "
             f"(row {i}: {radii[i]:.6g}, where its features give "
             f"{float(np.ldexp(expected[np.argmax(bad)], 2 * (shift - e))):.6g})")


def _check_signature_range(signature, t, params, n_samples, fail):
    """Refuse a signature outside the range of any heat trace: ``Tr exp(-tL) / n``
    lies in ``[exp(-2t), 1]`` (the spectrum of L in [0, 2]), times 1e6 (and n for
    ``normalization="none"``); 5% of slack for the estimator's noise (a few
    thousandths).  The other normalizations divide by a null model: only
    non-negative there."""
    if (signature < 0).any():
        fail("imd_signature", "holds negative values; a heat trace is positive")
    scale = {"empty": 1.0, "none": float(n_samples)}.get(params["normalization"])
    if scale is None or (params["normalization"] == "none" and n_samples == 0):
        return
    low, high = 0.95e6 * scale * np.exp(-2.0 * t), 1.05e6 * scale
    if ((signature < low) | (signature > high)).any():
        fail("imd_signature", f"is not a heat-trace signature of normalization="
             f"{params['normalization']!r}: its values must lie between 1e6 exp(-2t) and "
             "1e6 (times n_samples for 'none'): the spectrum of a normalized Laplacian "
             "is in [0, 2]")


def _checked_imd_params(imd_params, fail):
    """The IMD parameters of a stored signature, checked: a mapping of the keys
    ``_IMD_KEYS`` (valid values) and ``random_state`` (an int or None)."""
    from ._utils.validation import check_imd_params

    if not isinstance(imd_params, dict):
        fail("imd_params", f"must be a mapping of IMD parameters; got "
             f"{type(imd_params).__name__}")
    missing = [key for key in _IMD_KEYS if key not in imd_params]
    if missing:
        fail("imd_params", f"lacks {', '.join(missing)}")
    try:
        params = check_imd_params(**{key: imd_params[key] for key in _IMD_KEYS})
    except (TypeError, ValueError) as exc:
        fail("imd_params", f"holds an invalid value ({exc})")
    seed = imd_params.get("random_state")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                             or not 0 <= seed < 2**32):
        fail("imd_params", f"random_state must be an integer seed or null; got {seed!r}")
    return {**params, "random_state": seed}
