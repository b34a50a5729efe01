"""FID extrapolated to an infinite generated sample, FD-infinity (Chong & Forsyth, CVPR 2020)."""

import warnings
from dataclasses import dataclass

import numpy as np

from .._utils.validation import check_int, check_sample_pair, check_seed
from ._fid import reference_factors, scaled_fid, scaled_moments, warn_few_samples

# The references' smallest subsample (mchong6/FID_IS_infinity's min_fake,
# dgm-eval's cap); the default never goes above it.
REFERENCE_MIN_SIZE = 5000


@dataclass(frozen=True)
class FIDInfinityFit:
    """The line :func:`fid_infinity_score` extrapolates (``return_fit=True``).

    Attributes
    ----------
    sizes : ndarray of shape (n_points,)
        The subsample sizes ``N`` of ``Y``, in the order they were drawn
        (increasing; repeated when there are fewer distinct sizes than points).
    fids : ndarray of shape (n_points,)
        FID of each subsample against all of ``X``.
    slope : float
        Least-squares slope of ``fids`` on ``1 / sizes``: FID's estimated bias
        is ``slope / N`` at a generated sample of ``N`` points.
    intercept : float
        The line at ``1 / N = 0``: the FD-infinity score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import fid_infinity_score
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(2000, 8)), rng.normal(size=(1000, 8))
    >>> score, fit = fid_infinity_score(X, Y, random_state=0, return_fit=True)
    >>> fit.sizes[[0, -1]].tolist(), len(fit.fids), bool(fit.slope > 0)
    ([100, 1000], 15, True)
    >>> score == fit.intercept
    True
    """

    sizes: np.ndarray
    fids: np.ndarray
    slope: float
    intercept: float


def _default_min_size(n, d):
    """``min(max(n // 10, 5 d), max(5000, 2 d))`` (see :func:`fid_infinity_score`'s
    Notes), or a ValueError when that leaves less than a factor 2 up to all
    ``n`` points."""
    size = min(max(n // 10, 5 * d), max(REFERENCE_MIN_SIZE, 2 * d))
    if 2 * size > n:
        raise ValueError(
            f"Y has {n} points, too few for FD-infinity's default sizes with {d} features: "
            f"the smallest subsample has {size} points ({size / d:g} * n_features: FID's "
            "bias follows its 1/N law only well above n_features points) and the sizes "
            f"must span a factor 2 or more up to all of Y, so Y needs at least {2 * size} "
            "points. Pass more points, or a smaller min_size at the cost of a biased "
            "extrapolation."
        )
    return size


def fid_infinity_score(X, Y, *, min_size=None, n_points=15, random_state=None,
                       return_fit=False):
    """FD-infinity: FID extrapolated to an infinitely large generated sample.

    FID is biased upwards by an amount that shrinks as ``1 / N`` with the
    number ``N`` of generated points, at a rate that depends on the model, so
    FIDs of samples of one size rank models unreliably (Chong & Forsyth,
    "Effectively Unbiased FID and Inception Score and where to find them",
    CVPR 2020).  FD-infinity computes the FID of subsamples of ``Y`` of
    ``n_points`` sizes ``N`` evenly spaced from ``min_size`` to all of ``Y``,
    each against the mean and covariance of all of ``X``, fits a
    least-squares line to these FIDs as a function of ``1 / N`` and returns
    its value at ``1 / N = 0``.  Each FID is :func:`fid_score`'s.

    Only ``Y`` (the generated sample) is subsampled, as in the references:
    the bias due to the finite size of ``X`` (the real sample) is not
    removed.  Give ``X`` as many points as possible (the references use the
    whole training set's statistics): on Gaussians with ``X`` as large as
    ``Y`` about half of FID's bias remains, with ``X`` five times larger a
    fifth to a quarter.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        Features of the reference (real) sample, used whole.
    Y : array-like of shape (n_samples_Y, n_features)
        Features of the generated sample, subsampled.
    min_size : int, default=None
        The smallest subsample; an integer in ``[2, n_samples_Y)`` (the
        largest is all of ``Y``).  ``None`` is ``max(n_samples_Y // 10, 5 *
        n_features)`` capped at 5,000 (or at ``2 * n_features`` beyond 2,500
        features), and is refused when ``Y`` has fewer than twice that many
        points (``10 * n_features`` below the cap; see Notes).
    n_points : int, default=15
        Number of subsample sizes (at least 2), the references' default.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsamples.
    return_fit : bool, default=False
        Also return the fitted line, a :class:`~sklearn_imd.metrics.FIDInfinityFit`
        holding the sizes, their FIDs, the slope and the intercept.

    Returns
    -------
    score : float
        The intercept of the line; an extrapolation, so it may be slightly
        negative when the two distributions are equal (it is not clipped).
    fit : FIDInfinityFit
        Only with ``return_fit=True``.

    Raises
    ------
    ValueError
        If ``Y`` is too small for the sizes (``min_size`` not below its
        number of points, or, by default, fewer than twice the default
        ``min_size``), or an FID overflows float64 (features of order 1e154).

    Warns
    -----
    UserWarning
        When ``X`` has fewer points than features, or ``min_size`` is at most
        ``n_features``: those covariances are singular, and subsample FIDs
        so far from their ``1 / N`` law bias the extrapolation.

    See Also
    --------
    fid_score : The FID of the two samples as they are.
    kid_score : An unbiased kernel alternative.

    Notes
    -----
    The protocol is that of the reference implementations,
    ``calculate_FID_infinity`` of ``mchong6/FID_IS_infinity``
    (``score_infinity.py``) and ``compute_FD_infinity`` of dgm-eval
    (``layer6ai-labs/dgm-eval``, ``dgm_eval/metrics/fd.py``): the sizes are
    ``np.linspace(min_size, n_samples_Y, n_points)`` truncated to integers
    (so they repeat when there are fewer than ``n_points`` integers in the
    range, and the largest is all of ``Y``); for each size, in increasing
    order, a copy of ``Y`` is shuffled in place by ``random_state``'s
    ``shuffle`` and its first ``N`` rows are the subsample (a uniformly
    random subset without replacement, drawn afresh for each size; the
    reference's comment says "with replacement", its code does not); the
    line is the ordinary least-squares fit of the FIDs on ``1 / N`` with an
    intercept (the references' ``sklearn.linear_model.LinearRegression``),
    read at 0.  Given the same subsamples, the result is theirs to rounding.

    Where this function differs from them:

    - ``min_size``.  mchong6 fixes 5,000 (and asserts more generated points
      than that); dgm-eval takes ``min(5000, max(n // 10, 2))``.  Below
      50,000 points a fixed 5,000 leaves a short range of ``1 / N`` or none,
      and ``n // 10`` can fall to or below the number of features, where the
      covariance is singular.  FID's bias is ``c / N`` only to first order
      in ``n_features / N`` (the spread of a sample covariance's eigenvalues,
      Marchenko-Pastur): the FIDs of subsamples of a few times
      ``n_features`` points lie above the line, and the extrapolation
      over-corrects.  Measured on Gaussians (32 and 64 features, flat and
      decaying spectra, the 15-point protocol on the expected FIDs), a fit
      from ``2 * n_features`` points leaves 12-22% of FID's bias
      (over-corrected), from ``3 *`` 5-12%, from ``5 *`` 3-6%.  The default
      is dgm-eval's rule with its floor of 2 points raised to ``5 *
      n_features``: ``min(max(n // 10, 5 * n_features), max(5000, 2 *
      n_features))``.  From 50,000 points on it is both references' 5,000
      for up to 2,500 features (Inception's 2,048 included, where 5,000 is
      only 2.4 times the features); below, dgm-eval's ``n // 10`` while that
      is at least ``5 * n_features``, else ``5 * n_features`` up to the same
      cap.  It is refused
      when it leaves less than a factor 2 between the smallest size and all
      of ``Y``, where the extrapolation from so short a range of ``1 / N``
      magnifies the noise of the FIDs; an explicit ``min_size`` is used as
      given.
    - The subsamples are seeded by ``random_state`` (the references draw
      from numpy's unseeded global or default generator), and the caller's
      array is never shuffled (mchong6's ``calculate_FID_infinity``
      shuffles its activations in place).  The draws are not the
      references' draws: with other subsamples the score agrees with theirs
      in distribution, not to rounding.
    - Each FID is :func:`fid_score`'s: the trace of the square root from the
      singular values of the product of the covariances' factors, not
      ``scipy.linalg.sqrtm`` of ``sigma_X sigma_Y`` with its retry with
      ``1e-6`` added to the diagonals, so it is real and never negative;
      the two agree to rounding where ``sqrtm`` is accurate.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import fid_score, fid_infinity_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20000, 16))
    >>> Y = rng.normal(size=(2000, 16))  # the same distribution: FID 0
    >>> fid, fid_inf = fid_score(X, Y), fid_infinity_score(X, Y, random_state=0)
    >>> bool(abs(fid_inf) < fid)  # most of FID's bias removed
    True
    """
    n_points = check_int(n_points, "n_points", 2)
    X, Y = check_sample_pair(X, Y, min_points=2, purpose="a covariance estimate")
    n, d = Y.shape
    if min_size is None:
        min_size = _default_min_size(n, d)
    else:
        min_size = check_int(min_size, "min_size", 2)
        if min_size >= n:
            raise ValueError(
                f"min_size must be smaller than the {n} points of Y (the largest subsample "
                f"is all of Y, and a line needs two sizes); got min_size={min_size}."
            )
    rng = check_seed(random_state)
    warn_few_samples((("X", X.shape[0]),), d)
    if min_size <= d:
        warnings.warn(
            f"min_size={min_size} is at most the {d} features: the smallest subsamples have "
            "singular covariances and FIDs far from the 1/N law, which biases the "
            "extrapolation. Use a min_size well above n_features.",
            UserWarning,
            stacklevel=2,
        )
    sizes = np.linspace(min_size, n, n_points).astype(np.int64)
    mean, cov, e = scaled_moments(X)
    mu, F, shift, Ys = reference_factors(mean, cov, Y, e)  # Ys: our own copy
    fids = np.empty(n_points)
    for i, size in enumerate(sizes):
        rng.shuffle(Ys)
        fids[i] = scaled_fid(mu, F, shift, Ys[:size])
    x = 1.0 / sizes
    dx = x - x.mean()
    slope = float(dx @ (fids - fids.mean()) / (dx @ dx))
    score = float(fids.mean() - slope * x.mean())
    if return_fit:
        return score, FIDInfinityFit(sizes=sizes, fids=fids, slope=slope, intercept=score)
    return score
