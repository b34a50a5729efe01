"""The Vendi score: the diversity of one sample (Friedman and Dieng, 2023)."""

import numbers
import warnings

import numpy as np
from scipy.linalg import eigvalsh

from .._utils.chunking import BLOCK_ENTRIES, row_blocks
from .._utils.validation import _describe, check_cloud, check_int, one_number_kernel
from ._kernels import _check_kernel, _check_kernel_params

# Entries of X cast to float64 at once: BLOCK_ENTRIES (32 MiB). The Gram matrix
# of the cosine and linear kernels is accumulated block by block, so memory
# stays about the size of X plus the smaller Gram matrix.
# Kernels computed through the smaller of the n x n and d x d Gram matrices.
_GRAM_KERNELS = ("cosine", "linear")
# Most negative eigenvalue of K / n, relative to the largest, accepted as
# rounding without a warning.
_NEGATIVE_TOLERANCE = 1e-6


def _check_q(q):
    """The order ``q`` as a float in ``[0, inf]`` (``"inf"`` is ``np.inf``)."""
    if isinstance(q, str):
        if q == "inf":
            return np.inf
        raise ValueError(f"q must be a number >= 0 or 'inf'; got the string {q!r}.")
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, numbers.Real):
        raise TypeError(
            f"q must be a real number >= 0 or 'inf', got {q!r} ({_describe(q)})."
        )
    q = float(q)
    if np.isnan(q):
        raise ValueError("q must be a number >= 0 or 'inf'; got NaN.")
    if q < 0:
        raise ValueError(f"q must be >= 0 (the order of a Renyi entropy); got {q:g}.")
    return q


def _row_divisors(X, kernel):
    """Two divisors per row (float64, ``None`` for none) that turn the rows of
    ``X`` into ones whose Gram matrix is the kernel matrix up to a constant,
    and the indices of the zero rows.

    Cosine: the row's largest absolute value, then the norm of the row divided
    by it (in ``[1, sqrt(d)]``), so that neither overflows nor underflows; a
    zero row is divided by 1 and stays 0 (its similarities are added apart,
    see ``vendi_score``).
    Linear: the power of two just above the largest absolute value of ``X``
    (an exact scaling under which the squared norms cannot overflow); the
    constant goes in the trace normalisation.
    """
    n, d = X.shape
    peak = np.empty(n)
    for rows in row_blocks(n, d, BLOCK_ENTRIES):
        peak[rows] = np.abs(X[rows]).max(axis=1)
    zero = np.flatnonzero(peak == 0)
    if kernel == "linear":
        top = float(peak.max())
        if top == 0:
            raise ValueError(
                "X is all zeros; the linear kernel matrix is 0 and has no Vendi score."
            )
        return (np.full(n, np.ldexp(1.0, int(np.frexp(top)[1]))), None), zero
    peak[zero] = 1.0
    norm = np.empty(n)
    for rows in row_blocks(n, d, BLOCK_ENTRIES):
        B = X[rows].astype(np.float64)
        B /= peak[rows, None]
        norm[rows] = np.sqrt(np.einsum("ij,ij->i", B, B))
    norm[zero] = 1.0
    return (peak, norm), zero


def _scaled(block, first, second):
    """A block of ``X`` cast to float64 and divided row by row."""
    B = block.astype(np.float64)
    B /= first[:, None]
    if second is not None:
        B /= second[:, None]
    return B


def _gram(X, first, second):
    """The smaller of ``Z Z^T`` (n x n) and ``Z^T Z`` (d x d), ``Z`` the rows of
    ``X`` divided by ``first`` and ``second``, accumulated in float64 over
    blocks of rows (n > d) or columns (n <= d); they have the same nonzero
    eigenvalues."""
    n, d = X.shape
    if n > d:
        G = np.zeros((d, d))
        for rows in row_blocks(n, d, BLOCK_ENTRIES):
            B = _scaled(X[rows], first[rows], None if second is None else second[rows])
            G += B.T @ B
        return G
    G = np.zeros((n, n))
    for cols in row_blocks(d, n, BLOCK_ENTRIES):
        B = _scaled(X[:, cols], first, second)
        G += B @ B.T
    return G


def _unit_diagonal(K, name, rows="row"):
    """``K`` (float64, written in place) scaled to unit diagonal,
    ``K_ij / sqrt(K_ii K_jj)``; refused if a diagonal entry is not positive."""
    diag = K.diagonal().copy()
    bad = np.flatnonzero(diag <= 0)
    if bad.size:
        raise ValueError(
            f"kernel={name!r} gives k(x, x) = {diag[bad[0]]:g} <= 0 for {rows} {bad[0]} of X; "
            "the Vendi score scales the kernel to k(x, x) = 1, which needs k(x, x) > 0."
        )
    if not (diag == 1).all():
        root = np.sqrt(diag)
        K /= root[:, None]
        K /= root[None, :]
    return K


def _kernel_matrix(X, kernel, params, max_samples):
    """The n x n matrix of a scikit-learn or callable kernel, scaled to unit
    diagonal."""
    from sklearn.metrics.pairwise import pairwise_kernels

    n = X.shape[0]
    name = kernel if isinstance(kernel, str) else getattr(kernel, "__name__", "a callable")
    if n > max_samples:
        gb = 8.0 * n * n / 1e9
        raise ValueError(
            f"kernel={name!r} needs the {n:,} x {n:,} kernel matrix ({gb:.1f} GB in float64, "
            f"and as much again for its eigenvalues); max_samples={max_samples:,}. Use "
            "kernel='cosine' or kernel='linear' (computed through the n_features x "
            "n_features problem), subsample X, or raise max_samples."
        )
    metric = kernel if isinstance(kernel, str) else one_number_kernel(kernel, name)
    with np.errstate(over="ignore", invalid="ignore"):  # reported just below
        K = np.asarray(pairwise_kernels(X.astype(np.float64), metric=metric, **params),
                       dtype=np.float64)
    if not np.isfinite(K).all():
        raise ValueError(
            f"The kernel matrix of kernel={name!r} is not finite (NaN or overflow); "
            "rescale X or check the kernel and its parameters."
        )
    return _unit_diagonal(K, name)


def _precomputed(K):
    """A float64 copy of the similarity matrix ``K`` (already checked finite),
    symmetric and with unit diagonal."""
    n, m = K.shape
    if n != m:
        raise ValueError(
            f"kernel='precomputed' takes X as the square n x n similarity matrix of the "
            f"samples; got shape {K.shape}."
        )
    K = np.array(K, dtype=np.float64)  # a copy: scaled and diagonalised in place
    # rounding in a computed kernel matrix leaves asymmetries of a few ulps;
    # sqrt(eps) of the largest entry is far above them and far below a
    # matrix that is not symmetric (eigvalsh would read its lower half only)
    gap = np.abs(K - K.T)
    i, j = np.unravel_index(np.argmax(gap), gap.shape)
    if gap[i, j] > np.sqrt(np.finfo(np.float64).eps) * np.abs(K).max():
        raise ValueError(
            f"kernel='precomputed' needs a symmetric similarity matrix; X[{i}, {j}] = "
            f"{K[i, j]:g} and X[{j}, {i}] = {K[j, i]:g} differ."
        )
    K *= 0.5  # halved first: the sum cannot overflow
    K += K.T  # NumPy buffers the overlapping transpose
    return _unit_diagonal(K, "precomputed", rows="sample")


def _entropy(p, q):
    """Renyi entropy of order ``q`` of the probabilities ``p > 0`` (summing to 1)."""
    if q == 0:
        return float(np.log(p.size))
    if q == 1:
        return float(-np.sum(p * np.log(p)))
    if q == np.inf:
        return float(-np.log(p.max()))
    if q < 2:
        # log(sum p^q) = log1p(sum p (p^(q-1) - 1)): accurate as q -> 1, where
        # both log(sum p^q) and 1 - q vanish; sum p^q >= 1/n cannot underflow.
        return float(np.log1p(np.sum(p * np.expm1((q - 1.0) * np.log(p)))) / (1.0 - q))
    # factor out max p so that sum p^q cannot underflow at large q
    top = p.max()
    return float((q * np.log(top) + np.log(np.sum((p / top) ** q))) / (1.0 - q))


def vendi_score(X, *, kernel="cosine", q=1, max_samples=20000, **kernel_params):
    """Vendi score: the effective number of distinct samples in X.

    ``VS_q = exp(H_q(lambda))``, the exponential of the Renyi entropy of order
    ``q`` of the eigenvalues ``lambda`` of ``K / n``, where ``K`` is the
    n x n similarity matrix of the samples under a positive semidefinite
    kernel with ``k(x, x) = 1`` (Friedman and Dieng, TMLR 2023).  It ranges
    from 1 (all samples identical) to ``n`` (all samples mutually orthogonal),
    and is ``m`` for ``m`` equally large groups of identical samples, the
    groups orthogonal to each other.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The sample (e.g. features of generated images).  Not modified.
    kernel : str or callable, default="cosine"
        ``"cosine"``: ``k(x, y) = x.y / (|x| |y|)``.  A zero row (e.g. the
        features of a blank image) has no direction: zero rows count as one
        group of identical samples, ``k(0, 0) = 1``, dissimilar to every other
        row, ``k(0, y) = 0``, so a sample with zero rows still has a score.
        ``"linear"``: ``k(x, y) = x.y``, the kernel matrix divided by its
        mean diagonal (``trace(K) / n``) so that the eigenvalues of ``K / n``
        sum to 1; equal to ``"cosine"`` when all rows have the same norm.
        Both are computed through the smaller of the n x n and
        n_features x n_features problems (see Notes), for any ``n``.
        Any other name of :func:`sklearn.metrics.pairwise.pairwise_kernels`
        (``"rbf"``, ``"laplacian"``, ``"polynomial"``, ...) or a callable of
        two 1-D arrays: the n x n kernel matrix is computed (in float64),
        with scikit-learn's default parameters unless given (e.g.
        ``gamma = 1 / n_features`` for ``"rbf"``), and scaled to unit
        diagonal, ``K_ij / sqrt(K_ii K_jj)``, if its diagonal is not 1.  A
        callable gets two rows of X, 1-D arrays of shape (n_features,), and
        must return one number (a result holding one number, such as the
        shape-(1,) array of an element-wise formula on one feature, counts).
        ``"precomputed"``: X is the n x n similarity matrix ``K`` itself,
        finite and symmetric (to ``sqrt(eps)`` of its largest entry, then
        symmetrised), with a positive diagonal, scaled to unit diagonal as
        above: the score of the ``vendi_score`` package's ``score_K(K, q)``
        when the diagonal is 1 (``score_K(K, q, normalize=True)`` otherwise).
    q : float or "inf", default=1
        Order of the Renyi entropy, ``>= 0``; ``np.inf`` or ``"inf"`` for the
        min-entropy.  ``q = 1`` is the Shannon entropy (the score of the
        paper); small ``q`` weighs rare directions more, large ``q`` the
        dominant ones.  ``VS_q`` decreases with ``q``.
    max_samples : int, default=20000
        Largest ``n`` for which the n x n kernel matrix of a kernel other than
        ``"cosine"`` and ``"linear"`` is built (8 n^2 bytes: 3.2 GB at
        20,000); larger samples are refused.  Unused by those two kernels and
        by ``"precomputed"``.
    **kernel_params
        Passed to the kernel (``gamma``, ``degree``, ``coef0``, ...); not
        accepted by ``"cosine"``, ``"linear"`` and ``"precomputed"``.

    Returns
    -------
    score : float
        In ``[1, n_samples]``.

    Raises
    ------
    ValueError
        For all-zero ``X`` with ``kernel="linear"``, a kernel with
        ``k(x, x) <= 0`` or non-finite values, a callable returning more than
        one number, ``n_samples > max_samples`` with an n x n kernel, a
        precomputed matrix that is not square or not symmetric, or ``q``
        negative, NaN or a string other than ``"inf"``.
    TypeError
        For ``q`` or ``max_samples`` of the wrong type, a callable returning
        something other than a real number, or kernel parameters given to
        ``"cosine"``, ``"linear"`` or ``"precomputed"``.

    Warns
    -----
    UserWarning
        When the kernel matrix is clearly not positive semidefinite (an
        eigenvalue of ``K / n`` below ``-1e-6`` times the largest, e.g. with
        ``kernel="sigmoid"``): its negative eigenvalues are set to 0, as the
        reference implementation does, and the score is no longer that of
        the paper.

    See Also
    --------
    kid_score : Compares two samples through a polynomial kernel.
    fid_score : Compares the means and covariances of two samples.
    imd_score : Intrinsic, multi-scale comparison of two samples' geometry.

    Notes
    -----
    With ``lambda_i`` the eigenvalues of ``K / n`` (non-negative, summing to
    1), the Renyi entropy of order ``q`` is ``-sum lambda_i log lambda_i``
    for ``q = 1`` (with ``0 log 0 = 0``), ``-log max lambda_i`` for
    ``q = inf``, the log of the number of nonzero eigenvalues (the rank) for
    ``q = 0``, and ``log(sum lambda_i^q) / (1 - q)`` otherwise.

    Eigenvalues below ``max(n_samples, n_features) * eps * max lambda``
    (``eps`` the float64 machine epsilon, the rank tolerance of
    :func:`numpy.linalg.matrix_rank`), and the slightly negative ones that
    rounding produces, count as 0 for every ``q``, and the remaining ones are
    rescaled to sum to 1.  Only rank (``q = 0``) and small ``q`` are sensitive
    to this: it makes them independent of rounding noise and of the route
    below.  The score is finally clipped to ``[1, n_samples]``.

    For ``"cosine"`` and ``"linear"``, ``K = Z Z^T`` with ``Z`` the rows of X
    (normalised, or scaled), and ``Z^T Z`` (n_features x n_features) has the
    same nonzero eigenvalues; under ``"cosine"`` the ``m`` zero rows stay 0
    in ``Z`` and their block of ones in ``K`` adds the one eigenvalue ``m``.
    The smaller of the two is formed, in float64 whatever the input's dtype, accumulated over blocks of rows or columns
    so that memory stays about the size of X plus that matrix: the cost is
    ``O(n d min(n, d))`` for the product and ``O(min(n, d)^3)`` for its
    eigenvalues, e.g. seconds for 100,000 x 2,048.  Other kernels cost
    ``O(n^2 d)`` to build and ``O(n^3)`` to diagonalise the n x n matrix,
    with ``8 n^2`` bytes of memory.

    References
    ----------
    D. Friedman and A. B. Dieng, "The Vendi Score: A Diversity Evaluation
    Metric for Machine Learning", Transactions on Machine Learning Research,
    2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import vendi_score
    >>> vendi_score(np.ones((5, 3)))  # five copies of one sample
    1.0
    >>> vendi_score(np.eye(4))  # four orthogonal samples
    4.0
    >>> vendi_score(np.repeat(np.eye(2), 3, axis=0))  # two groups of three copies
    2.0
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 16))
    >>> 1.0 < vendi_score(X, q=2) < vendi_score(X) < vendi_score(X, q=0) == 16.0
    True
    >>> vendi_score(X, kernel="rbf", gamma=1.0 / 16) > 100  # local similarity only
    True

    A precomputed similarity matrix, and a callable kernel on one feature:

    >>> K = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> round(vendi_score(K, kernel="precomputed"), 4)
    2.1573
    >>> samples = np.array([[0.0], [0.0], [10.0], [10.0], [20.0], [20.0]])
    >>> round(vendi_score(samples, kernel=lambda a, b: np.exp(-np.abs(a - b))), 4)
    3.0
    """
    q = _check_q(q)
    max_samples = check_int(max_samples, "max_samples", 1)
    X = check_cloud(X, min_points=0, name="X")
    n, d = X.shape
    if n == 0:
        raise ValueError("X has 0 samples; the Vendi score needs at least one.")
    named = isinstance(kernel, str) and kernel in _GRAM_KERNELS + ("precomputed",)
    if named and kernel_params:
        raise TypeError(
            f"kernel={kernel!r} takes no parameters; got {', '.join(sorted(kernel_params))}."
        )
    zero = ()
    if named and kernel == "precomputed":
        G = _precomputed(X)
    elif named:
        divisors, zero = _row_divisors(X, kernel)
        G = _gram(X, *divisors)
    else:
        kernel = _check_kernel(kernel)
        _check_kernel_params(kernel, kernel_params)
        G = _kernel_matrix(X, kernel, kernel_params, max_samples)
    lam = eigvalsh(G, overwrite_a=True, check_finite=False)
    if kernel == "cosine" and len(zero):
        # The zero rows, left 0 in G, are all the same point, the origin,
        # which has no direction: similar (1) to each other and (0) to every
        # other row, as if mapped to one unit vector orthogonal to all rows.
        # Their block of ones in K adds the one eigenvalue len(zero).
        lam = np.sort(np.append(lam, float(len(zero))))
    top = lam[-1]
    if top <= 0:  # unreachable for a unit diagonal or a nonzero Gram matrix
        raise ValueError("The kernel matrix has no positive eigenvalue.")
    if lam[0] < -_NEGATIVE_TOLERANCE * top:
        warnings.warn(
            f"The kernel matrix is not positive semidefinite (eigenvalues of K / n from "
            f"{lam[0] / n:.3g} to {top / n:.3g}); its negative eigenvalues were set to 0 "
            "and the score is not the Vendi score of the paper. Use a positive "
            "semidefinite kernel.",
            UserWarning,
            stacklevel=2,
        )
    p = lam[lam > max(n, d) * np.finfo(np.float64).eps * top]
    p = p / p.sum()
    score = float(p.size) if q == 0 else float(np.exp(_entropy(p, q)))
    return min(max(score, 1.0), float(n))
