"""Fréchet distance between the Gaussians fitted to two samples (FID)."""

import warnings

import numpy as np

from .._utils.validation import binary_exponent, check_sample_pair


def _covariance_factor(X):
    """``F`` with ``F^T F = cov(X)`` (ddof=1) and as few rows as possible.

    The centred, scaled data itself when there are no more points than
    features, else the symmetric square root of the covariance (eigenvalues
    clipped at zero).
    """
    n, d = X.shape
    A = (X - X.mean(axis=0)) / np.sqrt(n - 1)
    if n <= d:
        return A
    return _symmetric_sqrt(A.T @ A)


def _symmetric_sqrt(S):
    """The symmetric square root of a covariance matrix (eigenvalues clipped at 0)."""
    lam, V = np.linalg.eigh(S)
    return (V * np.sqrt(np.clip(lam, 0.0, None))) @ V.T


def _frechet(mu_X, F_X, mu_Y, F_Y, shift):
    """FID of means and covariance factors of features divided by ``2**shift``,
    in the units of the features."""
    mean_term = float(np.sum((mu_X - mu_Y) ** 2))
    trace_term = np.sum(F_X * F_X) + np.sum(F_Y * F_Y)
    cross = np.linalg.svd(F_X @ F_Y.T, compute_uv=False).sum()
    with np.errstate(over="ignore"):
        return np.ldexp(max(0.0, mean_term + float(trace_term - 2.0 * cross)), 2 * shift)


def scaled_moments(X):
    """``(mean, covariance, e)``: the mean and covariance (``ddof=1``) of the
    validated features ``X / 2**e``, ``e = binary_exponent(X)`` (an exact
    scaling, which no covariance can overflow or underflow in)."""
    shift = binary_exponent(X)
    Xs = np.ldexp(X.astype(np.float64, copy=False), -shift)
    cov = np.cov(Xs, rowvar=False, ddof=1).reshape(X.shape[1], X.shape[1])
    return Xs.mean(axis=0), cov, shift


def fid_moments(X):
    """Mean and covariance (``ddof=1``) of validated features, the statistics
    FID keeps of a sample (pytorch-fid's ``mu`` and ``sigma``), in the
    features' units (the covariance overflows beyond values of about 1e154)."""
    mean, cov, shift = scaled_moments(X)
    return np.ldexp(mean, shift), np.ldexp(cov, 2 * shift)


def reference_factors(mu_X, sigma_X, Y, exponent=0, cache=None):
    """The first sample's moments ready for :func:`scaled_fid`, and ``Y`` with them.

    ``(mu, F, shift, Ys)``: with ``s = exponent + shift``, ``mu`` is the
    mean of the features divided by ``2**s``, ``F`` the symmetric square root
    of their covariance (ddof=1) so divided, and ``Ys`` a new array of the
    validated features ``Y / 2**s``, its rows and any subset of them within
    1 in absolute value.  ``(mu_X, sigma_X)`` are the moments of the features
    divided by ``2**exponent`` (:func:`scaled_moments`).  ``cache``: a dict
    that keeps ``(mu, F)`` by ``shift``, so that samples scored against one
    reference share its square root (the same numbers, computed once).
    """
    Y = np.ldexp(Y.astype(np.float64, copy=False), -exponent)
    shift = binary_exponent(mu_X, Y, np.sqrt(np.abs(np.diag(sigma_X))))
    cache = {} if cache is None else cache
    if shift not in cache:
        cache[shift] = (np.ldexp(mu_X, -shift), _symmetric_sqrt(np.ldexp(sigma_X, -2 * shift)))
    return (*cache[shift], shift + exponent, np.ldexp(Y, -shift))


def scaled_fid(mu, F, shift, Ys):
    """FID between the moments ``(mu, F)`` and the features ``Ys``, all of
    :func:`reference_factors` (``Ys`` may be a subset of its rows), in the
    features' own units; a ValueError if it overflows float64."""
    score = _frechet(mu, F, Ys.mean(axis=0), _covariance_factor(Ys), shift)
    if np.isinf(score):
        raise ValueError(
            "The FID overflows float64: the features' squared distances are beyond "
            "1.8e308 (values of about 1e154 and more); rescale the features."
        )
    return float(score)


def fid_from_moments(mu_X, sigma_X, Y, exponent=0, cache=None):
    """FID between features summarised by ``(mu_X, sigma_X)`` and validated
    features ``Y``: :func:`fid_score` with the first sample's statistics.

    ``exponent``: the moments are those of the features divided by
    ``2**exponent`` (:func:`scaled_moments`).  The FID is that of the
    features' own units; a ValueError if it overflows float64.  ``cache``:
    as in :func:`reference_factors`.
    """
    return scaled_fid(*reference_factors(mu_X, sigma_X, Y, exponent, cache))


def warn_few_samples(samples, d, stacklevel=3):
    """The warning of :func:`fid_score` for the named samples ``(name, n)``
    with fewer points than the ``d`` features (none: no warning)."""
    small = [name for name, n in samples if n < d]
    if small:
        warnings.warn(
            f"{' and '.join(small)} {'has' if len(small) == 1 else 'have'} fewer samples than "
            f"the {d} features: the covariance is singular and the FID estimate is "
            "unreliable (strongly biased). Use many more samples than features.",
            UserWarning,
            stacklevel=stacklevel,
        )


def fid_score(X, Y):
    """Fréchet distance between Gaussians fitted to two samples (FID).

    ``||mu_X - mu_Y||^2 + Tr(S_X + S_Y - 2 (S_X S_Y)^(1/2))`` with the sample
    means and covariances (``ddof=1``) of the given features, the Fréchet
    Inception Distance of Heusel et al. (2017) when the features are Inception
    activations.

    The cross term is computed without a matrix square root of the
    non-symmetric ``S_X S_Y``: with factors ``S_X = F_X^T F_X`` and
    ``S_Y = F_Y^T F_Y``, ``Tr (S_X S_Y)^(1/2)`` is the sum of the singular
    values of ``F_X F_Y^T``.  It is therefore always real and non-negative,
    and the score is never negative (rounding below zero is clipped).  FID is
    homogeneous of degree 2 in the features, so it is computed on both samples
    divided by a power of two (exactly) and scaled back: it is right at any
    scale where its value fits in float64.

    Parameters
    ----------
    X : array-like or dask array of shape (n_samples_X, n_features)
        Features of the first sample (e.g. real images).  With a
        ``dask.array`` (either sample), the moments are computed blockwise on
        the current Dask scheduler and merged by Chan's update (the same FID
        to rounding, well within 1e-10 relative; user guide, "Evaluating at
        scale").
    Y : array-like of shape (n_samples_Y, n_features)
        Features of the second sample, in the same feature space.

    Returns
    -------
    score : float
        0 for identical means and covariances.

    Raises
    ------
    ValueError
        If the FID overflows float64 (features of order 1e154 and beyond).

    Warns
    -----
    UserWarning
        When a sample has fewer points than features: its covariance is then
        singular and the estimate is strongly biased (the FID literature asks
        for well over ``n_features`` samples, e.g. 10,000 for Inception's
        2,048 features).

    See Also
    --------
    kid_score : An unbiased kernel alternative.
    imd_score : Intrinsic, multi-scale comparison of the samples' geometry.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import fid_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 4))
    >>> round(fid_score(X, X + 1.0), 6)  # a shift of 1 in 4 coordinates
    4.0
    >>> fid_score(X, rng.normal(size=(2000, 4))) < 0.05
    True
    """
    from .._dask import any_dask

    if any_dask(X, Y):  # moments blockwise on the cluster (sklearn_imd._dask)
        return _dask_fid_score(X, Y)
    X, Y = check_sample_pair(X, Y, min_points=2, purpose="a covariance estimate")
    warn_few_samples((("X", X.shape[0]), ("Y", Y.shape[0])), X.shape[1])
    shift = binary_exponent(X, Y)
    X, Y = np.ldexp(X, -shift), np.ldexp(Y, -shift)
    score = _frechet(X.mean(axis=0), _covariance_factor(X), Y.mean(axis=0),
                     _covariance_factor(Y), shift)
    if np.isinf(score):
        top = np.ldexp(max(np.abs(X).max(), np.abs(Y).max()), shift)
        raise ValueError(
            f"The FID overflows float64: X and Y hold values up to {top:.1e}, whose squared "
            "distances overflow float64; rescale the features."
        )
    return float(score)


def _dask_fid_score(X, Y):
    """:func:`~sklearn_imd.fid_score` of samples of which one at least is a dask array."""
    from .._dask import check_pair, moments

    X, Y = check_pair(X, Y, min_points=2, purpose="a covariance estimate", float64=True,
                      what="This metric")
    warn_few_samples((("X", X.shape[0]), ("Y", Y.shape[0])), X.shape[1], stacklevel=4)
    mX, mY = moments(("X", X), ("Y", Y))
    shift = max(mX.exponent, mY.exponent)

    def factors(m):
        return (np.ldexp(m.mean, m.exponent - shift),
                _symmetric_sqrt(np.ldexp(m.covariance(), 2 * (m.exponent - shift))))

    score = _frechet(*factors(mX), *factors(mY), shift)
    if np.isinf(score):
        raise ValueError(
            f"The FID overflows float64: X and Y hold values up to about 2**{shift}, whose "
            "squared distances overflow float64; rescale the features.")
    return float(score)
