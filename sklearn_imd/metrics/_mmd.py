"""Kernel two-sample statistics: MMD^2 between two samples, its permutation
test and the witness function (the kernels and estimators are in ``_kernels``;
KID and the scaled MMD, in ``_kid`` and ``_scaled_mmd``, are importable from
here too)."""

from dataclasses import dataclass

import numpy as np

from .._utils.chunking import BLOCK_ENTRIES, row_blocks, rows_per_block
from .._utils.validation import check_choice, check_int, check_sample_pair, check_seed
from ._kernels import (
    MMD_ESTIMATORS, _check_finite, _check_kernel, _check_kernel_params, _data_units, _kernel,
    _kernel_params, _mmd2, unbiased_mmd2,
)
from ._kid import kid_score
from ._resampling import permutation_pvalue
from ._scaled_mmd import scaled_mmd

__all__ = ["MMD_ESTIMATORS", "MMDTestResult", "MMDWitness", "kid_score", "mmd_score", "mmd_test",
           "mmd_witness", "scaled_mmd"]


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
    for rows in row_blocks(N, N, BLOCK_ENTRIES):
        K = _kernel(Z[rows], Z, kernel, params)
        KU[rows] = K @ U
        r[rows] = K.sum(axis=1)
        b = K.shape[0]
        d[rows] = K[np.arange(b), rows.start + np.arange(b)]
    uKu = np.einsum("ip,ip->p", U, KU)
    ur = r @ U
    ud = d @ U
    # S_XX - D_XX, S_YY - D_YY and S_XY of every split
    return unbiased_mmd2(uKu, ud, r.sum() - 2.0 * ur + uKu, d.sum() - ud, ur - uKu, m, n)


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
    per_pass = min(n_permutations + 1, rows_per_block(N, BLOCK_ENTRIES))
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
    return MMDTestResult(statistic, permutation_pvalue(statistic, null), null,
                         _data_units(kernel, params, shift))


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
        width = max(self._X.shape[0], self._Y.shape[0])
        with np.errstate(over="ignore", invalid="ignore"):
            for rows in row_blocks(T.shape[0], width, BLOCK_ENTRIES):
                Tb = T[rows]
                out[rows] = (
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
