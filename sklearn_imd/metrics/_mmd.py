"""Kernel two-sample statistics: MMD and its estimators, a permutation test,
the witness function, KID and the scaled MMD."""

import numbers
from dataclasses import dataclass

import numpy as np
from sklearn.metrics.pairwise import pairwise_kernels

from .._utils.validation import (
    binary_exponent, check_choice, check_int, check_real, check_sample_pair, check_seed,
    one_number_kernel,
)

# Kernel entries computed at once (32 MiB in float64): memory stays
# O(n * block) however large the samples.
_BLOCK_ENTRIES = 1 << 22
# Points of the pooled sample the median heuristic looks at (a random subset
# above this).
_MEDIAN_POINTS = 1000
MMD_ESTIMATORS = ("unbiased", "biased", "linear")
# The kernels whose missing gamma the median heuristic sets: the pdist metric
# whose median it takes, the numerator of gamma, and the power of the data's
# scale in that metric.
_MEDIAN_HEURISTIC = {"rbf": ("sqeuclidean", 0.5, 2), "laplacian": ("cityblock", 1.0, 1)}


def _median_distance(Z, metric, rng):
    """Median of the pairwise distances of a :func:`scipy.spatial.distance.pdist`
    ``metric`` (``"sqeuclidean"``, ``"cityblock"``) over distinct points of
    ``Z`` (a random subset of at most ``_MEDIAN_POINTS`` of them)."""
    from scipy.spatial.distance import pdist

    if Z.shape[0] > _MEDIAN_POINTS:
        Z = Z[rng.choice(Z.shape[0], _MEDIAN_POINTS, replace=False)]
    d = pdist(Z, metric)
    d = d[d > 0]
    return float(np.median(d)) if d.size else 1.0


def _kernel_params(X, Y, kernel, kernel_params, rng):
    """The samples and parameters to evaluate the kernel with.

    Where ``"rbf"`` or ``"laplacian"`` has no ``gamma``, the median heuristic
    sets it over the pooled sample: ``gamma = 1 / (2 median |x - y|^2)`` for
    ``"rbf"`` (the Gaussian kernel of bandwidth the median distance),
    ``gamma = 1 / median |x - y|_1`` for ``"laplacian"``.  That kernel does
    not depend on the samples' scale, so it is evaluated on both samples
    divided by ``2**shift`` (``_utils.validation.binary_exponent``), which keeps the
    squared distances within float64 at any scale.  Returns ``X, Y, params,
    shift``; ``shift = 0`` and the samples as given otherwise.
    """
    params = dict(kernel_params)
    if not isinstance(kernel, str) or kernel not in _MEDIAN_HEURISTIC or "gamma" in params:
        return X, Y, params, 0
    metric, numerator, _ = _MEDIAN_HEURISTIC[kernel]
    shift = binary_exponent(X, Y)
    X, Y = np.ldexp(X, -shift), np.ldexp(Y, -shift)
    params["gamma"] = numerator / _median_distance(np.vstack([X, Y]), metric, rng)
    return X, Y, params, shift


def _data_units(kernel, params, shift):
    """``params`` of a kernel evaluated on samples divided by ``2**shift``, in
    the samples' own units (a gamma of 0 or inf where those overflow)."""
    if not shift:
        return dict(params)
    power = _MEDIAN_HEURISTIC[kernel][2]
    with np.errstate(over="ignore"):
        return {**params, "gamma": float(np.ldexp(params["gamma"], -power * shift))}


def _check_kernel_params(kernel, kernel_params):
    """Refuse the parameters that make the kernel NaN or meaningless: numbers
    that are not finite, and a ``gamma <= 0`` of a scikit-learn kernel."""
    for name, value in kernel_params.items():
        if name == "gamma" and isinstance(kernel, str) and value is not None:
            check_real(value, name, minimum=0, strict=True)
        elif isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
            check_real(value, name)


def _check_finite(value, what, arrays, shift=0, names="X and Y"):
    """``value`` if it is finite; else a ValueError that blames the scale of
    ``arrays`` (as evaluated, divided by ``2**shift``)."""
    if np.isfinite(value).all():
        return value
    top = np.ldexp(max(np.abs(A).max() for A in arrays), shift)
    raise ValueError(
        f"The {what} is not finite: {names} hold values up to {top:.1e}, whose squared "
        "distances or kernel values overflow float64; rescale the features, or check the "
        "kernel and its parameters."
    )


def _check_kernel(kernel):
    from sklearn.metrics.pairwise import PAIRWISE_KERNEL_FUNCTIONS

    if callable(kernel):
        return kernel
    if not isinstance(kernel, str) or kernel not in PAIRWISE_KERNEL_FUNCTIONS:
        raise ValueError(
            f"kernel must be a callable or one of scikit-learn's pairwise kernels "
            f"({', '.join(repr(k) for k in sorted(PAIRWISE_KERNEL_FUNCTIONS))}); got {kernel!r}."
        )
    return kernel


def _kernel(A, B, kernel, params):
    if callable(kernel):  # a one-number array is that number, anything else a clear error
        kernel = one_number_kernel(kernel, getattr(kernel, "__name__", "a callable"))
    return pairwise_kernels(A, B, metric=kernel, **params)


def _block_sums(A, B, kernel, params, same):
    """Sum of the entries of ``k(A, B)`` and, if ``A is B``, of its diagonal,
    computed ``_BLOCK_ENTRIES`` entries at a time."""
    total = 0.0
    diag = 0.0
    rows = max(1, _BLOCK_ENTRIES // max(1, B.shape[0]))
    for start in range(0, A.shape[0], rows):
        K = _kernel(A[start : start + rows], B, kernel, params)
        total += K.sum()
        if same:
            b = K.shape[0]
            diag += K[np.arange(b), start + np.arange(b)].sum()
    return total, diag


def _paired_kernel(A, B, kernel, params):
    """``k(A[i], B[i])`` for every ``i``, in blocks (linear in the sample size)."""
    out = np.empty(A.shape[0])
    rows = 256
    for start in range(0, A.shape[0], rows):
        K = _kernel(A[start : start + rows], B[start : start + rows], kernel, params)
        out[start : start + rows] = np.diagonal(K)
    return out


def _mmd2(X, Y, kernel, params, estimator):
    """MMD^2 of two validated samples with resolved kernel parameters."""
    m, n = X.shape[0], Y.shape[0]
    if estimator == "linear":
        # Gretton et al. (2012, Lemma 14): disjoint pairs of points
        h = min(m, n) // 2
        x1, x2, y1, y2 = X[0 : 2 * h : 2], X[1 : 2 * h : 2], Y[0 : 2 * h : 2], Y[1 : 2 * h : 2]
        terms = (_paired_kernel(x1, x2, kernel, params) + _paired_kernel(y1, y2, kernel, params)
                 - _paired_kernel(x1, y2, kernel, params)
                 - _paired_kernel(x2, y1, kernel, params))
        return float(terms.mean())
    sxx, dxx = _block_sums(X, X, kernel, params, same=True)
    syy, dyy = _block_sums(Y, Y, kernel, params, same=True)
    sxy, _ = _block_sums(X, Y, kernel, params, same=False)
    if estimator == "biased":
        return float(sxx / m**2 + syy / n**2 - 2.0 * sxy / (m * n))
    return float((sxx - dxx) / (m * (m - 1)) + (syy - dyy) / (n * (n - 1)) - 2.0 * sxy / (m * n))


def _prepare(X, Y, kernel, kernel_params, rng, *, min_points=2,
             purpose="an unbiased MMD estimate"):
    """Validated samples and kernel, then :func:`_kernel_params`: returns
    ``X, Y, kernel, params, shift``."""
    X, Y = check_sample_pair(X, Y, min_points=min_points, purpose=purpose)
    kernel = _check_kernel(kernel)
    _check_kernel_params(kernel, kernel_params)
    X, Y, params, shift = _kernel_params(X, Y, kernel, kernel_params, rng)
    return X, Y, kernel, params, shift


def mmd_score(X, Y, *, kernel="rbf", estimator="unbiased", random_state=None, **kernel_params):
    """Squared maximum mean discrepancy (MMD^2) between two samples.

    ``MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y)`` for ``x, x' ~ P`` and
    ``y, y' ~ Q`` (Gretton et al., JMLR 2012), with any scikit-learn pairwise
    kernel.  The kernel matrices are never held whole: they are summed in
    blocks, so memory stays linear in the sample sizes.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features)
    kernel : str or callable, default="rbf"
        A name of :func:`sklearn.metrics.pairwise.pairwise_kernels`
        (``"rbf"``, ``"laplacian"``, ``"polynomial"``, ``"linear"``, ...) or
        a callable of two 1-D arrays.  Without a ``gamma``, ``"rbf"`` uses the
        median heuristic ``gamma = 1 / (2 median |x - y|^2)`` (a Gaussian of
        bandwidth the median distance) and ``"laplacian"``
        ``gamma = 1 / median |x - y|_1``, both over the pooled sample; the
        statistic is then the same for the samples at any scale float64
        holds (the kernel is evaluated on both divided by a power of two).
    estimator : {"unbiased", "biased", "linear"}, default="unbiased"
        ``"unbiased"``: the U-statistic (diagonals excluded; may be slightly
        negative when P = Q).  ``"biased"``: the V-statistic (diagonals
        included; never negative for a positive definite kernel).
        ``"linear"``: the linear-time estimator of Gretton et al. (2012,
        Lemma 14) on consecutive pairs of points taken in the given order
        (shuffle ordered data first), using ``2 * (min(n_X, n_Y) // 2)``
        points of each sample.
    random_state : int, RandomState instance or None, default=None
        Picks the subset of 1,000 points for the median heuristic when the
        pooled sample is larger (else unused).
    **kernel_params
        Passed to the kernel (``gamma``, ``degree``, ``coef0``, ...).  Numbers
        must be finite, and a ``gamma`` positive.

    Returns
    -------
    mmd2 : float

    Raises
    ------
    ValueError
        If the statistic is not finite: with a fixed bandwidth or a
        scale-dependent kernel, values of order 1e154 and beyond overflow
        float64 in the squared distances or kernel values.

    See Also
    --------
    mmd_test : Permutation test of P = Q with this statistic.
    mmd_witness : Where the two distributions differ.
    kid_score : MMD^2 with the cubic polynomial kernel, averaged over subsets.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import mmd_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 2))
    >>> same = mmd_score(X, rng.normal(size=(500, 2)))
    >>> shifted = mmd_score(X, rng.normal(0.5, 1.0, size=(500, 2)))
    >>> bool(abs(same) < 0.01 < shifted)
    True
    >>> round(mmd_score(X, X + 1, kernel="linear", estimator="biased"), 6)  # |mean shift|^2
    2.0
    """
    check_choice(estimator, "estimator", MMD_ESTIMATORS)
    rng = check_seed(random_state)
    X, Y, kernel, params, shift = _prepare(X, Y, kernel, kernel_params, rng)
    with np.errstate(over="ignore", invalid="ignore"):
        mmd2 = _mmd2(X, Y, kernel, params, estimator)
    return _check_finite(mmd2, "MMD^2", (X, Y), shift)


@dataclass
class MMDTestResult:
    """Result of :func:`mmd_test`.

    Attributes
    ----------
    statistic : float
        The unbiased MMD^2 between ``X`` and ``Y``.
    pvalue : float
        Permutation p-value of the null hypothesis that ``X`` and ``Y`` are
        samples of one distribution: ``(1 + #{null >= statistic}) /
        (n_permutations + 1)``.
    null_distribution : ndarray of shape (n_permutations,)
        The statistic of each random re-split of the pooled sample.
    kernel_params : dict
        The kernel parameters used (with the median-heuristic ``gamma``, in
        the samples' units: 0 or inf at scales whose squared distances
        overflow or underflow float64).
    """

    statistic: float
    pvalue: float
    null_distribution: np.ndarray
    kernel_params: dict


def _split_statistics(Z, m, labels, kernel, params):
    """Unbiased MMD^2 of each split of the pooled sample ``Z``.

    ``labels`` (N, P) holds 1 for the points of the first sample of each of
    the P splits.  With ``u`` a column, ``r = K 1`` and ``d = diag K``:
    ``S_XX = u'Ku``, ``S_XY = u'r - u'Ku``, ``S_YY = 1'r - 2 u'r + u'Ku``; one
    pass over ``K`` in row blocks serves every split (``K U`` by BLAS).
    """
    N = Z.shape[0]
    n = N - m
    U = labels.astype(np.float64)
    KU = np.empty_like(U)
    r = np.empty(N)
    d = np.empty(N)
    rows = max(1, _BLOCK_ENTRIES // N)
    for start in range(0, N, rows):
        K = _kernel(Z[start : start + rows], Z, kernel, params)
        KU[start : start + rows] = K @ U
        r[start : start + rows] = K.sum(axis=1)
        b = K.shape[0]
        d[start : start + rows] = K[np.arange(b), start + np.arange(b)]
    uKu = np.einsum("ip,ip->p", U, KU)
    ur = r @ U
    ud = d @ U
    sxx = uKu - ud
    syy = r.sum() - 2.0 * ur + uKu - (d.sum() - ud)
    sxy = ur - uKu
    return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2.0 * sxy / (m * n)


def mmd_test(X, Y, *, kernel="rbf", n_permutations=999, random_state=None, **kernel_params):
    """Permutation two-sample test of P = Q with the unbiased MMD^2.

    The pooled sample is re-split at random ``n_permutations`` times into
    samples of the original sizes; the p-value is the fraction of splits
    whose MMD^2 reaches the observed one (counting the observed split), so
    that under P = Q the test rejects at level ``alpha`` with probability at
    most ``alpha``.  The kernel (and its median-heuristic bandwidth) is fixed
    on the pooled sample before any split, so it is the same for all.  One
    pass over the pooled kernel matrix, in row blocks, serves many splits at
    once (``O(N^2 (d + n_permutations))`` time for ``N`` pooled points, and
    memory within a few blocks of 2^22 entries).

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features)
    kernel : str or callable, default="rbf"
        As in :func:`mmd_score`.
    n_permutations : int, default=999
        Random splits of the null distribution.
    random_state : int, RandomState instance or None, default=None
        Seeds the splits (and the subset of the median heuristic).
    **kernel_params
        Passed to the kernel.

    Returns
    -------
    result : MMDTestResult
        ``statistic``, ``pvalue``, ``null_distribution`` and
        ``kernel_params``, in the manner of :mod:`scipy.stats` results.

    Raises
    ------
    ValueError
        If a statistic is not finite (see :func:`mmd_score`): a p-value is
        never computed from NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import mmd_test
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> res = mmd_test(X, rng.normal(0.4, 1.0, size=(200, 3)), random_state=0)
    >>> bool(res.pvalue < 0.01)
    True
    >>> bool(mmd_test(X, rng.normal(size=(200, 3)), random_state=0).pvalue > 0.05)
    True
    """
    n_permutations = check_int(n_permutations, "n_permutations", 1)
    rng = check_seed(random_state)
    X, Y, kernel, params, shift = _prepare(X, Y, kernel, kernel_params, rng)
    Z = np.vstack([X, Y])
    m, N = X.shape[0], Z.shape[0]
    # as many splits per pass as keep the label matrix within a block
    per_pass = max(1, min(n_permutations + 1, _BLOCK_ENTRIES // N))
    stats = np.empty(n_permutations + 1)
    done = 0
    while done < n_permutations + 1:
        p = min(per_pass, n_permutations + 1 - done)
        labels = np.zeros((N, p), dtype=bool)
        for j in range(p):
            # column 0 of the first pass is the observed split
            chosen = np.arange(m) if done + j == 0 else rng.permutation(N)[:m]
            labels[chosen, j] = True
        with np.errstate(over="ignore", invalid="ignore"):
            stats[done : done + p] = _split_statistics(Z, m, labels, kernel, params)
        done += p
    _check_finite(stats, "MMD^2", (X, Y), shift)
    statistic, null = float(stats[0]), stats[1:]
    pvalue = (1.0 + np.count_nonzero(null >= statistic)) / (n_permutations + 1.0)
    return MMDTestResult(statistic, float(pvalue), null, _data_units(kernel, params, shift))


class MMDWitness:
    """The MMD witness function ``f(T) = mean_i k(X_i, T) - mean_j k(Y_j, T)``.

    Positive where the first sample is denser than the second (in the
    kernel's sense), negative where it is sparser; ``mean f(X) - mean f(Y)``
    is the biased MMD^2.  Built by :func:`mmd_witness`.

    Attributes
    ----------
    kernel : str or callable
    kernel_params : dict
        The kernel parameters (with the median-heuristic ``gamma``, in the
        samples' units).
    """

    def __init__(self, X, Y, kernel, kernel_params, shift=0):
        # the kernel is evaluated on X, Y (and T) divided by 2**shift
        self._X, self._Y, self._params, self._shift = X, Y, kernel_params, shift
        self.kernel = kernel
        self.kernel_params = _data_units(kernel, kernel_params, shift)

    def __call__(self, T):
        """Evaluate the witness at the rows of ``T`` (n_points, n_features)."""
        from .._utils.validation import check_cloud

        T = check_cloud(T, min_points=1, name="T", purpose="the witness").astype(np.float64)
        if T.shape[1] != self._X.shape[1]:
            raise ValueError(
                f"T must have the samples' {self._X.shape[1]} features; got {T.shape[1]}."
            )
        T = np.ldexp(T, -self._shift)
        out = np.empty(T.shape[0])
        rows = max(1, _BLOCK_ENTRIES // max(self._X.shape[0], self._Y.shape[0]))
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, T.shape[0], rows):
                Tb = T[start : start + rows]
                out[start : start + rows] = (
                    _kernel(Tb, self._X, self.kernel, self._params).mean(axis=1)
                    - _kernel(Tb, self._Y, self.kernel, self._params).mean(axis=1)
                )
        return _check_finite(out, "witness", (self._X, self._Y, T), self._shift,
                             names="X, Y and T")


def mmd_witness(X, Y, *, kernel="rbf", random_state=None, **kernel_params):
    """The witness function of the MMD between two samples, to show where they differ.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features)
    kernel : str or callable, default="rbf"
        As in :func:`mmd_score` (same median heuristic).
    random_state : int, RandomState instance or None, default=None
        Subset of the median heuristic on large samples.
    **kernel_params
        Passed to the kernel.

    Returns
    -------
    witness : MMDWitness
        A callable: ``witness(T)`` is ``mean_i k(X_i, T) - mean_j k(Y_j, T)``
        for each row of ``T`` (computed in blocks).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import mmd_witness
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(-1.0, 0.5, size=(300, 1))
    >>> Y = rng.normal(1.0, 0.5, size=(300, 1))
    >>> f = mmd_witness(X, Y)
    >>> bool(f([[-1.0]])[0] > 0 > f([[1.0]])[0])
    True
    """
    X, Y, kernel, params, shift = _prepare(X, Y, kernel, kernel_params, check_seed(random_state),
                                           min_points=1, purpose="a witness function")
    return MMDWitness(X.copy(), Y.copy(), kernel, params, shift)


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
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features)
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
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(1 if whole else n_subsets):
            x = X if whole else X[rng.choice(X.shape[0], m, replace=False)]
            y = Y if whole else Y[rng.choice(Y.shape[0], n, replace=False)]
            kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
            estimates[s] = ((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
                            + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2.0 * kxy.mean())
    if whole:
        estimates[1:] = estimates[0]
    _check_finite(estimates, "KID", (X, Y))
    kid = float(estimates.mean())
    if return_std:
        # ddof=0, as torch-fidelity's np.std(mmds); one estimate has no spread
        return kid, 0.0 if whole else float(estimates.std())
    return kid


def scaled_mmd(X, Y, *, sigma=None, lam=1.0, jacobians=None, estimator="unbiased",
               random_state=None):
    """Scaled MMD^2 of Arbel, Sutherland, Bińkowski & Gretton (NeurIPS 2018).

    For the Gaussian kernel ``K(a, b) = exp(-|a - b|^2 / (2 sigma^2))`` on
    features ``a = phi(x)``, the scaled MMD multiplies the MMD by

    ``s = (lam + E_mu[K(phi(x), phi(x))]
    + E_mu[sum_i d_i d_(i+d) K(phi(x), phi(x))])^(-1/2)``,

    the derivatives taken in each input coordinate of the first and of the
    second argument, ``mu`` the distribution of ``X`` (the data).  For the
    Gaussian kernel ``K(a, a) = 1`` and the derivative term is
    ``|J_phi(x)|_F^2 / sigma^2``, so

    ``SMMD^2 = MMD^2 / (lam + 1 + E_X |J_phi(x)|_F^2 / sigma^2)``.

    Without ``jacobians`` the features are the inputs (``phi`` the identity,
    ``|J|_F^2 = n_features``); with the Jacobians of a differentiable feature
    map at the points of ``X``, their mean squared Frobenius norm is used.
    This bounds the witness function's expected squared gradient by 1, the
    reason for the scaling.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        Features of the data (the sample of ``mu``).
    Y : array-like of shape (n_samples_Y, n_features)
        Features of the model's samples.
    sigma : float, default=None
        Bandwidth of the Gaussian kernel; ``None`` is the median distance of
        the pooled sample (the kernel is then evaluated on the samples divided
        by a power of two, so at any scale float64 holds).  A given ``sigma``
        must leave ``1 / (2 sigma^2)`` finite (``sigma > 5e-155``).
    lam : float, default=1.0
        The regulariser ``lambda`` (>= 0).
    jacobians : array-like of shape (n_samples_X, n_features, n_inputs), default=None
        Jacobians of the feature map at the points of ``X``.
    estimator : {"unbiased", "biased", "linear"}, default="unbiased"
        MMD^2 estimator, as in :func:`mmd_score`.
    random_state : int, RandomState instance or None, default=None
        Subset of the median heuristic on large samples.

    Returns
    -------
    smmd2 : float
        ``s^2 MMD^2``.

    Raises
    ------
    ValueError
        If the MMD^2 is not finite: with a given ``sigma``, values of order
        1e154 and beyond overflow float64 in the squared distances.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import mmd_score, scaled_mmd
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(300, 2)), rng.normal(0.5, 1.0, size=(300, 2))
    >>> s2 = scaled_mmd(X, Y, sigma=1.0)
    >>> mmd2 = mmd_score(X, Y, gamma=0.5)  # the same Gaussian kernel
    >>> round(s2 / mmd2, 6)  # 1 / (lam + 1 + n_features / sigma^2)
    0.25
    """
    check_choice(estimator, "estimator", MMD_ESTIMATORS)
    lam = check_real(lam, "lam", minimum=0)
    rng = check_seed(random_state)
    X, Y = check_sample_pair(X, Y, min_points=2, purpose="an unbiased MMD estimate")
    if sigma is None:
        X, Y, params, shift = _kernel_params(X, Y, "rbf", {}, rng)
        sigma = np.ldexp(np.sqrt(0.5 / params["gamma"]), shift)
    else:
        sigma = np.float64(check_real(sigma, "sigma", minimum=0, strict=True))
        with np.errstate(over="ignore", divide="ignore"):
            params, shift = {"gamma": 0.5 / sigma**2}, 0
        if np.isinf(params["gamma"]):
            raise ValueError(
                f"sigma = {sigma:g} is too small: 1 / (2 sigma^2) overflows float64; "
                "rescale the features and sigma by one factor."
            )
    if jacobians is None:
        grad_term = X.shape[1]
    else:
        from .._utils.validation import _as_numeric_array

        J = _as_numeric_array(jacobians, "jacobians")
        if J.ndim != 3 or J.shape[:2] != X.shape:
            raise ValueError(
                f"jacobians must have shape (n_samples_X, n_features, n_inputs) = "
                f"({X.shape[0]}, {X.shape[1]}, n_inputs); got {J.shape}."
            )
        if not np.isfinite(J).all():
            raise ValueError("jacobians contains NaN or infinite values.")
        grad_term = float(np.mean(np.einsum("nij,nij->n", J, J, dtype=np.float64)))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # a tiny sigma drives the factor to 0, a huge one leaves 1 / (lam + 1)
        scale = 1.0 / (lam + 1.0 + (np.sqrt(grad_term) / sigma) ** 2)
        mmd2 = _mmd2(X, Y, "rbf", params, estimator)
    return float(scale * _check_finite(mmd2, "MMD^2", (X, Y), shift))
