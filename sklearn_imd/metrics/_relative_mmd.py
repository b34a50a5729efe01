"""The test of relative similarity (Bounliphone et al., ICLR 2016): which of
two samples ``Y`` and ``Z`` is closer to a reference ``X`` in MMD, from the
joint asymptotic normal of the two unbiased MMD^2 U-statistics."""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .._utils.chunking import BLOCK_ENTRIES, row_blocks
from .._utils.validation import check_choice, check_cloud, check_sample_pair, check_seed
from ._kernels import (
    _block_sums, _check_finite, _check_kernel, _check_kernel_params, _data_units, _kernel,
    _kernel_params, unbiased_mmd2,
)

__all__ = ["RelativeMMDTestResult", "relative_mmd_test"]

ALTERNATIVES = ("greater", "less", "two-sided")
_PURPOSE = "a relative MMD test"
# Smallest sample: the first-order variance scales each sample's part by
# 4 (s - 2) / (s (s - 1)), which is 0 for s = 2.
_MIN_POINTS = 3


@dataclass
class RelativeMMDTestResult:
    """Result of :func:`relative_mmd_test`.

    Attributes
    ----------
    statistic : float
        ``mmd2_xy - mmd2_xz``: negative when ``Y`` is the closer to ``X``,
        positive when ``Z`` is.
    pvalue : float
        The p-value of the normal approximation, for the ``alternative``
        chosen (``"greater"``: the null hypothesis ``MMD^2(X, Y) <=
        MMD^2(X, Z)`` against ``Z`` being closer, as Bounliphone et al.).
    zscore : float
        ``statistic / standard_error``.
    standard_error : float
        The square root of the estimated variance of ``statistic``.
    mmd2_xy, mmd2_xz : float
        The unbiased MMD^2 of ``X`` and ``Y``, and of ``X`` and ``Z``.
    closer : {"Y", "Z"} or None
        The sample whose estimated MMD^2 to ``X`` is the smaller; ``None``
        when the two estimates are equal.
    alternative : str
        The alternative hypothesis the p-value is for.
    kernel_params : dict
        The kernel parameters used (with the median-heuristic ``gamma``, in
        the samples' units).
    """

    statistic: float
    pvalue: float
    zscore: float
    standard_error: float
    mmd2_xy: float
    mmd2_xz: float
    closer: Optional[str]
    alternative: str
    kernel_params: dict


def _margins(A, B, kernel, params, same):
    """Row and column sums of ``k(A, B)`` (its diagonal left out if ``same``:
    ``A is B``), computed ``BLOCK_ENTRIES`` entries at a time."""
    rows_sum = np.empty(A.shape[0])
    cols_sum = np.zeros(B.shape[0])
    for rows in row_blocks(A.shape[0], B.shape[0], BLOCK_ENTRIES):
        K = _kernel(A[rows], B, kernel, params)
        if same:
            b = K.shape[0]
            K[np.arange(b), rows.start + np.arange(b)] = 0.0
        rows_sum[rows] = K.sum(axis=1)
        cols_sum += K.sum(axis=0)
    return rows_sum, cols_sum


def _relative_moments(X, Y, Z, kernel, params):
    """``mmd2_xy, mmd2_xz`` and the variance of their difference.

    The variance is the first-order term of Bounliphone et al. (2016,
    Theorem 2 and its appendix), as ``eugenium/mmd``'s ``MMD_Diff_Var``
    computes it: with ``a = (K_YY - diag) 1``, ``c_XY = K_XY' 1`` (a sum over
    ``X`` for each point of ``Y``) and ``r_XY = K_XY 1`` (over ``Y`` for each
    point of ``X``), and likewise for ``Z``, each sample contributes the
    variance of its points' projections, e.g. for ``Y``

        a.a / n^3 - u_YY^2 + c_XY.c_XY / (n m^2) - u_XY^2
        - 2 (a.c_XY / (n^2 m) - u_YY u_XY),

    scaled by ``4 (s - 2) / (s (s - 1))`` for a sample of ``s`` points.  Only
    these row and column sums are needed, so the kernel matrices are
    summed in row blocks (memory linear in the sample sizes).
    """
    m, n, r = X.shape[0], Y.shape[0], Z.shape[0]
    a_y, _ = _margins(Y, Y, kernel, params, same=True)
    a_z, _ = _margins(Z, Z, kernel, params, same=True)
    r_xy, c_xy = _margins(X, Y, kernel, params, same=False)
    r_xz, c_xz = _margins(X, Z, kernel, params, same=False)
    sxx, dxx = _block_sums(X, X, kernel, params, same=True)
    s_yy, s_zz, s_xy, s_xz = a_y.sum(), a_z.sum(), r_xy.sum(), r_xz.sum()
    # the diagonals are already out of a_y and a_z
    mmd2_xy = unbiased_mmd2(sxx, dxx, s_yy, 0.0, s_xy, m, n)
    mmd2_xz = unbiased_mmd2(sxx, dxx, s_zz, 0.0, s_xz, m, r)
    u_yy, u_zz = s_yy / (n * (n - 1)), s_zz / (r * (r - 1))
    u_xy, u_xz = s_xy / (m * n), s_xz / (m * r)
    part_y = (a_y @ a_y / n**3 - u_yy**2 + c_xy @ c_xy / (n * m**2) - u_xy**2
              - 2.0 * (a_y @ c_xy / (n**2 * m) - u_yy * u_xy))
    part_z = (a_z @ a_z / r**3 - u_zz**2 + c_xz @ c_xz / (r * m**2) - u_xz**2
              - 2.0 * (a_z @ c_xz / (r**2 * m) - u_zz * u_xz))
    part_x = (r_xy @ r_xy / (n**2 * m) - u_xy**2 + r_xz @ r_xz / (r**2 * m) - u_xz**2
              - 2.0 * (r_xy @ r_xz / (n * m * r) - u_xy * u_xz))

    def scale(s):
        return 4.0 * (s - 2) / (s * (s - 1))

    variance = scale(m) * part_x + scale(n) * part_y + scale(r) * part_z
    return float(mmd2_xy), float(mmd2_xz), float(variance)


def _pvalue(z, alternative):
    from scipy.special import ndtr

    if alternative == "greater":
        return float(ndtr(-z))
    if alternative == "less":
        return float(ndtr(z))
    return float(min(1.0, 2.0 * ndtr(-abs(z))))


def relative_mmd_test(X, Y, Z, *, kernel="rbf", alternative="greater", random_state=None,
                      **kernel_params):
    """Test of relative similarity: is ``Y`` or ``Z`` the closer to ``X`` in MMD?

    The statistic is the difference ``MMD^2(X, Y) - MMD^2(X, Z)`` of the two
    unbiased MMD^2 U-statistics; their joint asymptotic normal gives its
    variance from row and column sums of the kernel matrices, and the
    p-value is the normal one (Bounliphone et al., "A test of relative
    similarity for model selection in generative models", ICLR 2016).
    ``X`` is the reference (held-out data), ``Y`` and ``Z`` the samples of
    two models; Bińkowski et al. (ICLR 2018) compare models' KID this way,
    with the cubic polynomial kernel (``kernel="polynomial"``).  Unlike a
    permutation test, nothing is resampled: the cost is five passes over
    kernel matrices, summed in row blocks, so memory stays linear in the
    sample sizes.

    With samples of equal sizes the variance is that of the authors' code
    (``eugenium/mmd``, ``MMD_3_Sample_Test``) to rounding; with unequal sizes
    each sample's part of it is scaled by its own size (that code scales all
    of them by the size of ``X``).

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        The reference sample.
    Y : array-like of shape (n_samples_Y, n_features)
    Z : array-like of shape (n_samples_Z, n_features)
        The two samples compared with ``X``.
    kernel : str or callable, default="rbf"
        As in :func:`mmd_score`.  Without a ``gamma``, ``"rbf"`` uses the
        median heuristic ``gamma = 1 / (2 median |x - y|^2)`` over the pooled
        ``X``, ``Y`` and ``Z`` (that of :func:`mmd_test`; the authors' code
        takes ``gamma = 1 / median`` from an average of bandwidths over
        ``X``-``Y`` and ``X``-``Z`` pairs: pass ``gamma`` to reproduce it).
        ``"polynomial"`` without parameters is KID's kernel
        ``(x.y / n_features + 1)^3``.
    alternative : {"greater", "less", "two-sided"}, default="greater"
        The alternative hypothesis about ``MMD^2(X, Y) - MMD^2(X, Z)``.
        ``"greater"`` (the published test): ``Z`` is closer, against the null
        hypothesis that ``Y`` is at least as close; a small p-value says
        ``Z`` is the better model.  ``"less"``: ``Y`` is closer.
        ``"two-sided"``: they differ.
    random_state : int, RandomState instance or None, default=None
        Picks the subset of 1,000 points for the median heuristic when the
        pooled sample is larger (else unused: the test is deterministic).
    **kernel_params
        Passed to the kernel (``gamma``, ``degree``, ``coef0``, ...).

    Returns
    -------
    result : RelativeMMDTestResult
        ``statistic``, ``pvalue``, ``zscore``, ``standard_error``,
        ``mmd2_xy``, ``mmd2_xz``, ``closer``, ``alternative`` and
        ``kernel_params``, in the manner of :mod:`scipy.stats` results.

    Raises
    ------
    ValueError
        If a sample has fewer than 3 points or other features than ``X``, if
        a kernel value is not finite (see :func:`mmd_score`), or if the
        estimated variance is not positive (degenerate samples, e.g. all
        points equal): a p-value is never computed from it.

    See Also
    --------
    mmd_test : Permutation test of whether two samples share a distribution.
    kid_score : KID, the unbiased MMD^2 with the cubic polynomial kernel.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import relative_mmd_test
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2))
    >>> good = rng.normal(size=(300, 2))
    >>> bad = rng.normal(0.5, 1.0, size=(300, 2))
    >>> res = relative_mmd_test(X, bad, good)
    >>> res.closer, bool(res.pvalue < 0.01)
    ('Z', True)
    >>> swapped = relative_mmd_test(X, good, bad)
    >>> swapped.closer, bool(swapped.pvalue > 0.99)
    ('Y', True)
    >>> kid = relative_mmd_test(X, bad, good, kernel="polynomial")  # KID's kernel
    >>> kid.closer
    'Z'
    """
    check_choice(alternative, "alternative", ALTERNATIVES)
    rng = check_seed(random_state)
    X, Y = check_sample_pair(X, Y, min_points=_MIN_POINTS, purpose=_PURPOSE)
    Z = check_cloud(Z, min_points=_MIN_POINTS, name="Z", purpose=_PURPOSE)
    if Z.shape[1] != X.shape[1]:
        raise ValueError(
            f"X and Z must have the same number of features; got {X.shape[1]} and "
            f"{Z.shape[1]}. This test compares points in one feature space."
        )
    Z = Z.astype(np.float64, copy=False)
    kernel = _check_kernel(kernel)
    _check_kernel_params(kernel, kernel_params)
    n = Y.shape[0]
    # the median heuristic (and the scaling by a power of two) over X, Y and Z pooled
    X, YZ, params, shift = _kernel_params(X, np.vstack([Y, Z]), kernel, kernel_params, rng)
    Y, Z = YZ[:n], YZ[n:]
    with np.errstate(over="ignore", invalid="ignore"):
        mmd2_xy, mmd2_xz, variance = _relative_moments(X, Y, Z, kernel, params)
    _check_finite(np.array([mmd2_xy, mmd2_xz, variance]), "relative MMD statistic",
                  (X, Y, Z), shift, names="X, Y and Z")
    if not variance > 0:
        raise ValueError(
            f"The estimated variance of MMD^2(X, Y) - MMD^2(X, Z) is {variance:.3g}, not "
            "positive, so no normal p-value can be computed: the samples are too small or "
            "degenerate (e.g. all points equal), or the kernel too wide or too narrow for them."
        )
    statistic = mmd2_xy - mmd2_xz
    se = float(np.sqrt(variance))
    z = statistic / se
    closer = "Y" if statistic < 0 else "Z" if statistic > 0 else None
    return RelativeMMDTestResult(
        statistic=statistic, pvalue=_pvalue(z, alternative), zscore=z, standard_error=se,
        mmd2_xy=mmd2_xy, mmd2_xz=mmd2_xz, closer=closer, alternative=alternative,
        kernel_params=_data_units(kernel, params, shift),
    )
