"""The kernel plumbing of the MMD statistics: the median-heuristic bandwidth,
the checks of kernels and their parameters, kernel sums in row blocks, and the
MMD^2 estimators, whose unbiased form MMD, its permutation test and KID share."""

import numbers

import numpy as np
from sklearn.metrics.pairwise import pairwise_kernels

from .._utils.chunking import BLOCK_ENTRIES, row_blocks
from .._utils.validation import binary_exponent, check_real, one_number_kernel

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
    computed ``BLOCK_ENTRIES`` entries at a time (memory O(n * block) however
    large the samples)."""
    total = 0.0
    diag = 0.0
    for rows in row_blocks(A.shape[0], B.shape[0], BLOCK_ENTRIES):
        K = _kernel(A[rows], B, kernel, params)
        total += K.sum()
        if same:
            b = K.shape[0]
            diag += K[np.arange(b), rows.start + np.arange(b)].sum()
    return total, diag


def _paired_kernel(A, B, kernel, params):
    """``k(A[i], B[i])`` for every ``i``, in blocks (linear in the sample size)."""
    out = np.empty(A.shape[0])
    rows = 256
    for start in range(0, A.shape[0], rows):
        K = _kernel(A[start : start + rows], B[start : start + rows], kernel, params)
        out[start : start + rows] = np.diagonal(K)
    return out


def unbiased_mmd2(sxx, dxx, syy, dyy, sxy, m, n):
    """The unbiased MMD^2 (U-statistic) of samples of ``m`` and ``n`` points
    from the sums of their kernel matrices: ``sxx``, ``syy`` of all entries of
    ``k(X, X)``, ``k(Y, Y)``, ``dxx``, ``dyy`` of their diagonals, ``sxy`` of
    ``k(X, Y)`` (numbers, or arrays of them for many splits at once)."""
    return (sxx - dxx) / (m * (m - 1)) + (syy - dyy) / (n * (n - 1)) - 2.0 * sxy / (m * n)


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
    return float(unbiased_mmd2(sxx, dxx, syy, dyy, sxy, m, n))
