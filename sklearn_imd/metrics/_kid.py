"""Kernel Inception Distance (Bińkowski et al., ICLR 2018): the unbiased MMD^2
with a polynomial kernel, averaged over random subsets."""

import numpy as np

from .._utils.validation import check_int, check_real, check_sample_pair, check_seed
from ._kernels import _check_finite, unbiased_mmd2


def _check_kid_params(n_subsets=100, subset_size=1000, degree=3, gamma=None, coef0=1):
    """:func:`kid_score`'s parameters, checked, as a dict in signature order
    (``gamma`` stays None: it then depends on the data)."""
    return {
        "n_subsets": check_int(n_subsets, "n_subsets", 1),
        "subset_size": check_int(subset_size, "subset_size", 2),
        "degree": check_int(degree, "degree", 1),
        "gamma": None if gamma is None else check_real(gamma, "gamma", minimum=0, strict=True),
        "coef0": check_real(coef0, "coef0"),
    }


def kid_score(X, Y, *, n_subsets=100, subset_size=1000, degree=3, gamma=None, coef0=1,
              random_state=None, return_std=False):
    """Kernel Inception Distance: unbiased MMD^2 with a polynomial kernel, over subsets.

    The kernel is ``k(x, y) = (gamma x.y + coef0)^degree``, by default
    ``(x.y / n_features + 1)^3`` (Bińkowski et al., ICLR 2018), which matches
    the first three moments of the features.  The unbiased MMD^2 is averaged
    over ``n_subsets`` pairs of random subsets of ``subset_size`` points of
    each sample, drawn without replacement, as in the reference
    implementations: with samples of at least ``subset_size`` points, the
    mean and the standard deviation are torch-fidelity's
    (``kid_features_to_metric``, whose ``rng_seed`` draws the subsets as
    ``random_state`` does here).

    A sample of at most ``subset_size`` points is used whole in every subset
    (torch-fidelity refuses ``subset_size`` larger than a sample; Bińkowski's
    estimate is unbiased at any size, so the whole sample gives the same
    expected KID with less noise).  Its subsets then do not vary: when both
    samples are used whole the one estimate is computed once and the standard
    deviation is 0, and when one is, the standard deviation reflects the
    other sample's subsets alone.  ``return_std=True`` warns in both cases.

    Parameters
    ----------
    X : array-like or dask array of shape (n_samples_X, n_features)
    Y : array-like or dask array of shape (n_samples_Y, n_features)
        With a ``dask.array``, the subsets are gathered from it by index
        (the same subsets, the same numbers).
    n_subsets : int, default=100
    subset_size : int, default=1000
    degree : int, default=3
    gamma : float, default=None
        ``None`` is ``1 / n_features``.
    coef0 : float, default=1
    random_state : int, RandomState instance or None, default=None
        Seeds the subsets.
    return_std : bool, default=False
        Also return the standard deviation of the ``n_subsets`` subset
        estimates, with ``ddof=0`` (``np.std``) as torch-fidelity's
        ``kernel_inception_distance_std``; 0 for a single subset.  It is the
        spread of single-subset estimates, not a standard error of ``kid``.

    Returns
    -------
    kid : float
        Mean of the subset estimates; may be slightly negative when the two
        distributions are equal.
    std : float
        Only with ``return_std=True``.

    Raises
    ------
    ValueError
        If the estimate is not finite: the kernel grows as the values to the
        power ``2 * degree``, so values of order 1e50 and beyond overflow
        float64 (KID depends on the features' scale; rescale them).

    Warns
    -----
    UserWarning
        With ``return_std=True``, if a sample has at most ``subset_size``
        points: its subsets are all the whole sample, so the standard
        deviation is 0 or understated.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import kid_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(2000, 16))
    >>> kid, std = kid_score(X, rng.normal(size=(2000, 16)), random_state=0, return_std=True)
    >>> bool(abs(kid) < 3 * std)
    True
    >>> bool(kid_score(X, 1.5 * rng.normal(size=(2000, 16)), random_state=0) > 10 * std)
    True
    """
    n_subsets, subset_size, degree, gamma, coef0 = _check_kid_params(
        n_subsets, subset_size, degree, gamma, coef0).values()
    from .._dask import any_dask

    gather = None
    if any_dask(X, Y):  # the subsets gathered from the cluster (sklearn_imd._dask)
        from .._dask import check_pair, kid_subsets, scan

        X, Y = check_pair(X, Y, min_points=2, purpose="an unbiased MMD estimate",
                          float64=True)
        scan(("X", X), ("Y", Y))  # NaN and infinite values
        gather = kid_subsets(X, Y)
    else:
        X, Y = check_sample_pair(X, Y, min_points=2, purpose="an unbiased MMD estimate")
    if gamma is None:
        gamma = 1.0 / X.shape[1]
    rng = check_seed(random_state)
    m, n = min(subset_size, X.shape[0]), min(subset_size, Y.shape[0])
    small = [(name, size) for name, size in (("X", X.shape[0]), ("Y", Y.shape[0]))
             if size <= subset_size]
    if return_std and small:
        # torch-fidelity raises when subset_size exceeds a sample; the mean of
        # whole-sample estimates is still the unbiased KID (and what a sample
        # of exactly subset_size points gives there), so it is computed, but
        # the spread of subsets that cannot vary is no uncertainty: say so
        import warnings

        sizes = " and ".join(f"{name} has {size} point{'s' if size != 1 else ''}"
                             for name, size in small)
        if len(small) == 2:
            what = ("every subset is the whole sample, so the standard deviation of the "
                    "subset estimates is 0 and means nothing")
        else:
            name, other = small[0][0], "Y" if small[0][0] == "X" else "X"
            what = (f"every subset of {name} is the whole sample, so the standard deviation "
                    f"of the subset estimates reflects {other}'s subsets alone and "
                    "understates KID's uncertainty")
        warnings.warn(f"{sizes}, at most subset_size = {subset_size}: {what}; pass a "
                      "subset_size below the sample sizes.", UserWarning, stacklevel=2)

    def kernel(a, b):
        base = a @ b.T
        base *= gamma
        base += coef0
        out = base.copy()
        for _ in range(degree - 1):  # integer power by products: far cheaper than pow
            out *= base
        return out

    estimates = np.empty(n_subsets)
    # subsets as large as the samples are the samples themselves, in another
    # order, which the estimate does not depend on: compute it once
    whole = m == X.shape[0] and n == Y.shape[0]
    # the draws come first (the same ones as drawn subset by subset), so that
    # a dask sample's subsets are gathered a few at a time
    draws = [(np.arange(X.shape[0]), np.arange(Y.shape[0]))] if whole else [
        (rng.choice(X.shape[0], m, replace=False), rng.choice(Y.shape[0], n, replace=False))
        for _ in range(n_subsets)]
    if gather is None:
        subsets = ((X, Y) if whole else (X[ix], Y[iy]) for ix, iy in draws)
    else:
        subsets = gather(draws)
    with np.errstate(over="ignore", invalid="ignore"):
        for s, (x, y) in enumerate(subsets):
            kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
            estimates[s] = unbiased_mmd2(kxx.sum(), np.trace(kxx), kyy.sum(), np.trace(kyy),
                                         kxy.sum(), m, n)
    if whole:
        estimates[1:] = estimates[0]
    _check_finite(estimates, "KID", (X, Y))
    kid = float(estimates.mean())
    if return_std:
        # ddof=0, as torch-fidelity's np.std(mmds); one estimate has no spread
        return kid, 0.0 if whole else float(estimates.std())
    return kid

