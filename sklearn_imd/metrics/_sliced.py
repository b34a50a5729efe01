"""The sliced Wasserstein distance (Rabin et al. 2011; Bonneel et al. 2015):
the Wasserstein distance of the samples' projections on random directions,
exact per direction (sorted samples), and MIND, torch-fidelity's scaling of
its square."""

import math

import numpy as np

from .._utils.chunking import BLOCK_ENTRIES
from .._utils.validation import check_int, check_real, check_sample_pair, check_seed

# torch-fidelity's mind_num_projections (and a Monte-Carlo error of about 3%
# of SW_2^2 in high dimension: sqrt(2 / n_projections)).
_N_PROJECTIONS = 1000


def _quantile_steps(m, n):
    """The 1-D Wasserstein distance of samples of ``m`` and ``n`` points as a
    sum over the steps of their quantile functions: ``W_p^p = sum_k w_k
    |x_(i_k) - y_(j_k)|^p`` for sorted samples, the steps ``(a_k, b_k]`` of
    ``(0, 1]`` cut at every ``i / m`` and ``j / n`` (at most ``m + n - 1``).
    Returns ``(i, j, w)``; counted in units of ``1 / (m n)``, exactly."""
    if m == n:
        return np.arange(m), np.arange(n), np.full(m, 1.0 / m)
    cuts = np.union1d(np.arange(m + 1) * n, np.arange(n + 1) * m)  # integers in [0, m n]
    start = cuts[:-1]
    # on (a, b], the quantile function of the sample of m points is its point
    # ceil(u m) - 1 = a // n (0-based), constant there: every multiple of n is a cut
    return start // n, start // m, np.diff(cuts) / (m * n)


def _directions(rng, n_projections, d):
    """``n_projections`` directions uniform on the unit sphere of R^d
    (normalised Gaussian vectors)."""
    theta = rng.standard_normal((n_projections, d))
    norms = np.linalg.norm(theta, axis=1, keepdims=True)
    while (norms == 0).any():  # probability 0; redraw rather than divide by it
        zero = norms[:, 0] == 0
        theta[zero] = rng.standard_normal((int(zero.sum()), d))
        norms = np.linalg.norm(theta, axis=1, keepdims=True)
    return theta / norms


def _sliced_values(X, Y, n_projections, p, rng):
    """``W_p^p`` of the projections of validated samples on each of
    ``n_projections`` random directions (one exact value in one dimension),
    a block of directions at a time (memory ``O((m + n) * block)``)."""
    m, n, d = X.shape[0], Y.shape[0], X.shape[1]
    i, j, w = _quantile_steps(m, n)
    if d == 1:
        theta = np.ones((1, 1))
    else:
        theta = _directions(rng, n_projections, d)
    out = np.empty(theta.shape[0])
    block = max(1, BLOCK_ENTRIES // (m + n + i.size))
    with np.errstate(over="ignore", invalid="ignore"):  # _finite says why
        for start in range(0, theta.shape[0], block):
            _project_block(X, Y, theta[start : start + block], i, j, w, p,
                           out[start : start + block])
    return out


def _project_block(X, Y, theta, i, j, w, p, out):
    """``W_p^p`` of the projections on the directions ``theta``, into ``out``."""
    px = np.sort(X @ theta.T, axis=0)  # (m, b): each column a sorted projection
    py = np.sort(Y @ theta.T, axis=0)
    gap = np.abs(px[i] - py[j])
    out[:] = w @ (gap * gap if p == 2 else gap**p)


def _check_sliced(X, Y, n_projections, p):
    n_projections = check_int(n_projections, "n_projections", 2)
    p = check_real(p, "p", minimum=1)
    X, Y = check_sample_pair(X, Y, min_points=1, purpose=None)
    return X, Y, n_projections, p


def _finite(values, X, Y, what):
    if not np.isfinite(values).all():
        top = max(np.abs(X).max(), np.abs(Y).max())
        raise ValueError(f"The {what} is not finite: X and Y hold values up to {top:.1e}, "
                         "whose projections' differences to the power p overflow float64; "
                         "rescale the features.")
    return values


def sliced_wasserstein_distance(X, Y, *, n_projections=_N_PROJECTIONS, p=2, random_state=None,
                                return_std=False):
    """Sliced Wasserstein distance: the Wasserstein-p distance of random 1-D projections.

    ``SW_p(X, Y) = (E_theta W_p^p(theta.X, theta.Y))^(1/p)`` for directions
    ``theta`` uniform on the unit sphere (Rabin et al. 2011; Bonneel et al.
    2015), estimated by the mean over ``n_projections`` random directions.
    Each ``W_p^p`` is exact: that of the empirical distributions of the
    projected samples, from their sorted values, the quantile functions
    ``W_p^p = int_0^1 |F^-1(u) - G^-1(u)|^p du`` when the sizes differ (so
    in one dimension it is :func:`scipy.stats.wasserstein_distance` for
    ``p=1``).  In one dimension there is one direction and no Monte-Carlo
    error.  Its cost is ``n_projections`` sorts of each sample, its memory
    linear in the sample sizes.

    ``SW_2`` is at most the Wasserstein-2 distance and shrinks like
    ``1 / sqrt(n_features)`` for a given shift: for ``Y = X + c``,
    ``SW_2^2 = |c|^2 / n_features`` (each direction sees ``(c.theta)^2``).

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features)
        The sizes may differ.
    n_projections : int, default=1000
        Random directions, >= 2; the Monte-Carlo error shrinks like
        ``1 / sqrt(n_projections)``.  Unused in one dimension.
    p : float, default=2
        Order of the Wasserstein distance, >= 1.
    random_state : int, RandomState instance or None, default=None
        Seeds the directions.
    return_std : bool, default=False
        Also return the Monte-Carlo standard error of the distance: the
        standard deviation (``ddof=1``) of the ``n_projections`` values of
        ``W_p^p`` over ``sqrt(n_projections)``, through the ``p``-th root by
        the delta method (``se / (p SW_p^(p-1))``; 0 when every projection
        gives 0, and in one dimension).  It is the error of the directions
        alone, for these samples; the samples' own noise is not in it.

    Returns
    -------
    sw : float
        Non-negative, 0 for identical samples.
    std : float
        Only with ``return_std=True``.

    Raises
    ------
    ValueError
        If the samples have different numbers of features, or values whose
        differences to the power ``p`` overflow float64.

    See Also
    --------
    mind_score : torch-fidelity's MIND, ``3 n_features SW_2^2``.
    fid_score : The Wasserstein-2 distance of Gaussians fitted to the samples.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import sliced_wasserstein_distance
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 8))
    >>> c = np.full(8, 0.5)                       # |c|^2 / 8 = 0.25: SW_2 = 0.5
    >>> sw, std = sliced_wasserstein_distance(X, X + c, random_state=0, return_std=True)
    >>> bool(abs(sw - 0.5) < 4 * std), bool(std < 0.02)
    (True, True)

    In one dimension it is exact, scipy's for ``p=1``:

    >>> from scipy.stats import wasserstein_distance
    >>> x, y = rng.normal(size=300), rng.exponential(size=200)
    >>> bool(np.isclose(sliced_wasserstein_distance(x[:, None], y[:, None], p=1),
    ...                 wasserstein_distance(x, y)))
    True
    """
    X, Y, n_projections, p = _check_sliced(X, Y, n_projections, p)
    values = _finite(_sliced_values(X, Y, n_projections, p, check_seed(random_state)), X, Y,
                     "sliced Wasserstein distance")
    power = float(values.mean())
    sw = power ** (1.0 / p)
    if not return_std:
        return sw
    if values.size == 1 or sw == 0:
        return sw, 0.0
    se = float(values.std(ddof=1)) / math.sqrt(values.size)
    return sw, se / (p * sw ** (p - 1))


def mind_score(X, Y, *, n_projections=_N_PROJECTIONS, random_state=None, return_std=False):
    """MIND (Monge Inception Distance): ``3 n_features SW_2^2``, torch-fidelity's scaling.

    The squared sliced Wasserstein-2 distance of
    :func:`sliced_wasserstein_distance` times ``alpha = 3 n_features``, as
    torch-fidelity's ``mind_features_to_metric`` computes it (Berthet et
    al., "MIND: Monge Inception Distance for Generative Models Evaluation",
    arXiv:2605.06797): the mean over ``n_projections`` random unit
    directions (1000 there) of the mean squared difference of the sorted
    projections.  With samples of one size the estimator is theirs, up to
    the random directions.  Where the sizes differ, torch-fidelity
    subsamples the larger sample to the smaller size; here each direction's
    distance is that of the whole samples (their quantile functions), so
    every point counts.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features)
    n_projections : int, default=1000
        Random directions, >= 2.
    random_state : int, RandomState instance or None, default=None
        Seeds the directions (not torch-fidelity's generator: the values
        agree to the Monte-Carlo error, not digit for digit).
    return_std : bool, default=False
        Also return the Monte-Carlo standard error: ``3 n_features`` times
        the standard deviation (``ddof=1``) of the directions' ``W_2^2`` over
        ``sqrt(n_projections)``; 0 in one dimension.

    Returns
    -------
    mind : float
        Non-negative, 0 for identical samples; lower is better.
    std : float
        Only with ``return_std=True``.

    See Also
    --------
    sliced_wasserstein_distance : ``SW_p`` itself, with any ``p``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import mind_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 8))
    >>> mind, std = mind_score(X, X + 0.5, random_state=0, return_std=True)
    >>> bool(abs(mind - 3 * 8 * 0.25) < 4 * std)     # 3 d |c|^2 / d = 3 |c|^2 = 6
    True
    """
    X, Y, n_projections, _ = _check_sliced(X, Y, n_projections, 2)
    values = _finite(_sliced_values(X, Y, n_projections, 2, check_seed(random_state)), X, Y,
                     "MIND")
    alpha = 3.0 * X.shape[1]
    mind = alpha * float(values.mean())
    if not return_std:
        return mind
    if values.size == 1:
        return mind, 0.0
    return mind, alpha * float(values.std(ddof=1)) / math.sqrt(values.size)
