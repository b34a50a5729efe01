"""Paired representation similarity: the same ``n`` inputs seen by two
networks (or two layers, or two epochs), one row per input in both.

Centred kernel alignment (CKA; Kornblith et al., ICML 2019), linear and with
any kernel, biased or with the unbiased HSIC of Song et al. (JMLR 2012);
representational similarity analysis (RSA: the correlation of the two
matrices of pairwise distances); a permutation test of either (the rows of
``Y`` shuffled against those of ``X``); and the matrix of one measure over a
list of representations.

Every measure goes through one registry, :data:`MEASURES`, ``name ->
(function, kind)``: ``function(X, Y, **params) -> float`` and ``kind`` either
``"similarity"`` (larger is closer, 1 for identical representations) or
``"distance"`` (smaller is closer, 0 for identical ones).  Registering a
measure there (one line) makes it usable by :func:`representation_test` and
:func:`pairwise_representations`.  CKA and RSA also have private "prepared"
forms here, which compute what a representation contributes on its own (its
centring, its HSIC with itself, its ranks) once, not once per pair or per
permutation.
"""

import numbers
from dataclasses import dataclass

import numpy as np

from .._utils.chunking import BLOCK_ENTRIES, row_blocks
from .._utils.validation import (
    binary_exponent, check_choice, check_cloud, check_int, check_n_jobs, check_seed,
    draw_seeds,
)
from ._resampling import permutation_pvalue
from ._shape import knn_jaccard, procrustes_distance, shape_distance

__all__ = ["MEASURES", "RepresentationTestResult", "cka", "pairwise_representations",
           "representation_test", "rsa"]

# Rows of the subset over which the median-heuristic bandwidth of "rbf" and
# "laplacian" is taken (all rows up to this many; a random subset above).
_MEDIAN_POINTS = 1000
# The kernels whose bandwidth is a fraction of the median distance between
# rows unless a gamma is given: the pdist metric whose median is taken, and
# the power of the bandwidth in gamma (rbf: gamma = 1 / (2 sigma^2) with sigma
# in the units of the Euclidean distance; laplacian: gamma = 1 / sigma in
# those of the L1 distance).
_MEDIAN_KERNELS = {"rbf": "sqeuclidean", "laplacian": "cityblock"}
#: Largest number of pairs ``n (n - 1) / 2`` that ``rsa(method="spearman")``
#: ranks (2**24, n = 5,793 rows): it holds the condensed distances and ranks of
#: both representations at once, about 0.6 GiB at this size.
SPEARMAN_MAX_PAIRS = 1 << 24
RSA_METHODS = ("pearson", "spearman")
# Metrics homogeneous in the data's scale (d(c x, c y) = |c|^p d(x, y)), on
# which rsa evaluates the representation divided by a power of two (which
# leaves every correlation unchanged), and those also invariant to a
# translation, on which it centres the columns first.
_SCALE_FREE_METRICS = {"euclidean", "sqeuclidean", "l2", "cityblock", "manhattan", "l1",
                       "chebyshev", "minkowski", "cosine", "correlation", "braycurtis",
                       "canberra"}
_TRANSLATION_FREE_METRICS = {"euclidean", "sqeuclidean", "l2", "cityblock", "manhattan",
                             "l1", "chebyshev", "minkowski"}
# A centred kernel matrix whose norm is below this fraction of the kernel
# matrix's own is constant to rounding (each centred entry carries an error of
# a few ulps of the largest entry).
_CENTRED_FLOOR = 1e-10
# Distances whose standard deviation is below this fraction of their root mean
# square are taken as all equal: the distances computed from the Gram
# expansion (Euclidean) carry relative errors of ~1e-16 / (their relative
# size), so a smaller spread is rounding, whose correlation means nothing.
_EQUAL_SPREAD = 1e-8


# ----------------------------------------------------------------------------- validation


def _check_representation(X, name, min_points, purpose):
    """A 2-D array of finite numbers with ``min_points`` rows, as float64,
    whose rows are not all equal."""
    X = check_cloud(X, min_points=min_points, name=name, purpose=purpose)
    X = X.astype(np.float64, copy=False)
    if not np.ptp(X, axis=0).any():
        raise ValueError(
            f"{name} is constant: its {X.shape[0]} rows are all equal, so its centred "
            f"representation is 0 and {purpose} is undefined (0 / 0). "
            "Check that the layer's activations were recorded."
        )
    return X


def _check_same_rows(arrays, names):
    n = arrays[0].shape[0]
    for A, name in zip(arrays[1:], names[1:]):
        if A.shape[0] != n:
            raise ValueError(
                f"{names[0]} and {name} must hold the same inputs in the same order (one "
                f"row per input); got {n} and {A.shape[0]} rows. Paired measures compare "
                "two views of the same inputs; imd_score compares unpaired samples."
            )


def _check_pair(X, Y, min_points, purpose):
    X = _check_representation(X, "X", min_points, purpose)
    Y = _check_representation(Y, "Y", min_points, purpose)
    _check_same_rows([X, Y], ["X", "Y"])
    return X, Y


# ----------------------------------------------------------------------------- linear CKA


def _cross_sq(A, B):
    """``||A' B||_F^2 = <A A', B B'>_F`` for ``A`` (n, p) and ``B`` (n, q), in
    blocks: of columns of ``B`` (the p x q product, ``O(n p q)`` time) or,
    when cheaper (``n (p + q) < p q``), of rows of the Gram matrices
    (``O(n^2 (p + q))``); memory a block either way, never n x n."""
    n, p = A.shape
    q = B.shape[1]
    total = 0.0
    if n * (p + q) < p * q:
        for rows in row_blocks(n, n):
            total += np.einsum("ij,ij->", A[rows] @ A.T, B[rows] @ B.T)
    else:
        for cols in row_blocks(q, p):
            C = A.T @ B[:, cols]
            total += np.einsum("ij,ij->", C, C)
    return float(total)


class _LinearSide:
    """One representation in linear CKA: its columns centred (after division
    by a power of two, exact, which CKA does not see), and what the HSIC
    estimators need of it alone.

    With ``K = Z Z'`` and ``K~`` its diagonal set to 0: ``r`` the diagonal
    (row norms squared), ``a = K~ 1 = Z (Z' 1) - r``, ``s = 1' K~ 1``; all in
    O(n d).
    """

    def __init__(self, X, debiased, Z=None, owned=False):
        if Z is None:
            constant = np.ptp(X, axis=0) == 0
            # ``owned``: X is a private copy (of a float32 or non-array input),
            # scaled and centred in place instead of copied once more
            Z = np.ldexp(X, -binary_exponent(X), out=X if owned else None)
            Z -= Z.mean(axis=0)
            Z[:, constant] = 0.0   # constant columns exactly 0
        self.Z = Z
        self.debiased = debiased
        self.n = Z.shape[0]
        if debiased:
            self.r = np.einsum("ij,ij->i", Z, Z)
            c = Z.sum(axis=0)
            self.a = Z @ c - self.r
            self.s = float(c @ c - self.r.sum())
        self.self_term = self.hsic(self)

    def hsic(self, other):
        """``n(n - 3)`` times the unbiased HSIC (debiased) or the squared
        Frobenius inner product of the centred Gram matrices (biased): the
        constant factors cancel in CKA."""
        t = _cross_sq(self.Z, other.Z)
        if not self.debiased:
            return t
        n = self.n
        # Song et al. (2012): tr(K~ L~) + 1'K~1 1'L~1 / ((n-1)(n-2)) - 2/(n-2) 1'K~L~1
        return (t - float(self.r @ other.r) + self.s * other.s / ((n - 1) * (n - 2))
                - 2.0 / (n - 2) * float(self.a @ other.a))

    def permuted(self, perm):
        out = object.__new__(_LinearSide)
        out.Z, out.debiased, out.n, out.self_term = self.Z[perm], self.debiased, self.n, \
            self.self_term
        if self.debiased:
            out.r, out.a, out.s = self.r[perm], self.a[perm], self.s
        return out


# ----------------------------------------------------------------------------- kernel CKA


def _median_bandwidth(Z, metric, subset):
    """Median of the matrix of pairwise distances of ``Z`` (squared Euclidean
    or L1), its diagonal of zeros included, as the authors' ``gram_rbf``
    takes it; over the rows ``subset`` (None: all)."""
    from scipy.spatial.distance import pdist

    if subset is not None:
        Z = Z[subset]
    d = pdist(Z, metric)
    m = Z.shape[0]
    # each pair twice and the m zeros of the diagonal, as in the full matrix
    return float(np.median(np.concatenate([d, d, np.zeros(m)])))


def _resolve_kernel(X, name, kernel, kernel_params, subset):
    """``(Z, kernel, params)``: the data the kernel is evaluated on and its
    parameters, with the median-heuristic bandwidth of ``"rbf"`` or
    ``"laplacian"`` set (on ``X`` divided by a power of two, which that
    kernel does not see)."""
    from ._kernels import _check_kernel_params

    params = dict(kernel_params)
    fraction = params.pop("median_fraction", None)
    median = isinstance(kernel, str) and kernel in _MEDIAN_KERNELS and "gamma" not in params
    if fraction is not None and not median:
        raise ValueError(
            "kernel_params['median_fraction'] sets the bandwidth of kernel='rbf' or "
            "'laplacian' without a gamma; it cannot be combined with "
            + ("a gamma." if "gamma" in params else f"kernel={kernel!r}.")
        )
    _check_kernel_params(kernel, params)
    if not median:
        return X, kernel, params
    from .._utils.validation import check_real

    fraction = 1.0 if fraction is None else check_real(
        fraction, "kernel_params['median_fraction']", minimum=0, strict=True)
    Z = np.ldexp(X, -binary_exponent(X))
    med = _median_bandwidth(Z, _MEDIAN_KERNELS[kernel], subset)
    if not med > 0:
        raise ValueError(
            f"The median distance between the rows of {name} is 0 (at least half of the "
            f"pairs of rows are equal), so the median-heuristic bandwidth of "
            f"kernel={kernel!r} is 0; pass kernel_params={{'gamma': ...}}."
        )
    if kernel == "rbf":  # sigma = fraction * sqrt(median squared distance)
        params["gamma"] = 1.0 / (2.0 * fraction**2 * med)
    else:
        params["gamma"] = 1.0 / (fraction * med)
    return Z, kernel, params


class _KernelSide:
    """One representation in kernel CKA: the data and kernel, the centring
    offsets ``m`` (the centred matrix is ``K_ij - m_i - m_j``, its diagonal
    0 if debiased) and its squared Frobenius norm.

    Biased: ``H K H`` with ``m_i = (K 1)_i / n - 1'K1 / (2 n^2)``.  Debiased:
    the U-centred ``K~`` of Székely & Rizzo (2014), whose inner product with
    another is ``n(n - 3)`` times the unbiased HSIC of Song et al. (2012),
    with ``m_i = (K~ 1)_i / (n - 2) - 1'K~1 / (2 (n - 1)(n - 2))``.  Two
    passes over the kernel matrix in row blocks: its row sums, then its
    centred norm.
    """

    def __init__(self, X, name, kernel, kernel_params, debiased, subset):
        self.Z, self.kernel, self.params = _resolve_kernel(X, name, kernel, kernel_params,
                                                           subset)
        self.debiased = debiased
        with np.errstate(over="ignore", invalid="ignore"):
            self._prepare(X, name, kernel)

    def _prepare(self, X, name, kernel):
        debiased = self.debiased
        n = self.n = X.shape[0]
        r = np.empty(n)
        for rows in row_blocks(n, n):
            r[rows] = self._block(rows, centred=False).sum(axis=1)
        if debiased:
            m = r / (n - 2)
            m -= m.sum() / (2.0 * (n - 1))
        else:
            m = r / n - r.sum() / (2.0 * n * n)
        self.m = m
        centred = total = 0.0
        for rows in row_blocks(n, n):
            K = self._block(rows, centred=False)
            total += np.einsum("ij,ij->", K, K)
            self._centre(K, rows)
            centred += np.einsum("ij,ij->", K, K)
        if not (np.isfinite(total) and np.isfinite(centred)):
            raise ValueError(
                f"The kernel matrix of {name} is not finite: with kernel={kernel!r} and "
                f"{self.params}, {name}'s values (up to {np.abs(X).max():.1e}) overflow "
                "float64; rescale the representation or change the kernel's parameters."
            )
        if not centred > _CENTRED_FLOOR * total:
            raise ValueError(
                f"The centred kernel matrix of {name} is 0 to rounding (kernel={kernel!r}, "
                f"{self.params}): the kernel does not tell its rows apart, so CKA is "
                "undefined. Choose a bandwidth on the scale of the data."
            )
        self.self_term = float(centred)

    def _block(self, rows, centred=True):
        from ._kernels import _kernel

        K = np.asarray(_kernel(self.Z[rows], self.Z, self.kernel, self.params),
                       dtype=np.float64)
        if self.debiased:
            b = K.shape[0]
            K[np.arange(b), rows.start + np.arange(b)] = 0.0
        if centred:
            self._centre(K, rows)
        return K

    def _centre(self, K, rows):
        K -= self.m[rows, None]
        K -= self.m[None, :]
        if self.debiased:
            b = K.shape[0]
            K[np.arange(b), rows.start + np.arange(b)] = 0.0

    def hsic(self, other):
        """``<C_K, C_L>_F`` of the two centred matrices, one pass over both."""
        total = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for rows in row_blocks(self.n, self.n, BLOCK_ENTRIES // 2):
                total += np.einsum("ij,ij->", self._block(rows), other._block(rows))
        return float(total)

    def permuted(self, perm):
        out = object.__new__(_KernelSide)
        out.__dict__.update(self.__dict__)
        out.Z, out.m = self.Z[perm], self.m[perm]
        return out


def _check_cka_params(kernel, kernel_params, debiased):
    from ._kernels import _check_kernel

    if not isinstance(debiased, (bool, np.bool_)):
        raise TypeError(f"debiased must be True or False, got {debiased!r}.")
    kernel = _check_kernel(kernel)
    if kernel_params is None:
        kernel_params = {}
    elif not isinstance(kernel_params, dict):
        raise TypeError(f"kernel_params must be a dict or None, got {kernel_params!r}.")
    if isinstance(kernel, str) and kernel == "linear" and kernel_params:
        raise ValueError(
            f"kernel='linear' takes no parameters; got kernel_params={kernel_params!r}."
        )
    return kernel, dict(kernel_params), bool(debiased)


class _CKA:
    """CKA prepared: ``side(X, name)`` for each representation, then
    ``value(a, b)`` for each pair."""

    kind = "similarity"

    def __init__(self, kernel="linear", kernel_params=None, debiased=False):
        self.kernel, self.kernel_params, self.debiased = _check_cka_params(
            kernel, kernel_params, debiased)
        self.min_points = 4 if self.debiased else 2
        self.purpose = "debiased CKA" if self.debiased else "CKA"
        self.subset = None

    def draw(self, n, rng):
        """The rows of the median heuristic's subset, drawn once for all."""
        if self.kernel in _MEDIAN_KERNELS and "gamma" not in self.kernel_params \
                and n > _MEDIAN_POINTS:
            self.subset = np.sort(check_seed(rng).choice(n, _MEDIAN_POINTS, replace=False))

    def side(self, X, name):
        if isinstance(self.kernel, str) and self.kernel == "linear":
            return _LinearSide(X, self.debiased)
        return _KernelSide(X, name, self.kernel, self.kernel_params, self.debiased,
                           self.subset)

    def value(self, a, b, names=("X", "Y")):
        for side, name in ((a, names[0]), (b, names[1])):
            if not side.self_term > 0:
                raise ValueError(
                    f"The {'unbiased ' if self.debiased else ''}HSIC of {name} with itself "
                    f"is {side.self_term:.3g}, not positive, so CKA is undefined."
                )
        value = a.hsic(b) / np.sqrt(a.self_term * b.self_term)
        if not np.isfinite(value):
            raise ValueError(f"CKA of {names[0]} and {names[1]} is not finite ({value}).")
        # |CKA| <= 1 by Cauchy-Schwarz; rounding may overstep it by an ulp
        return float(min(1.0, max(-1.0, value)))


def cka(X, Y, *, kernel="linear", kernel_params=None, debiased=False, random_state=None):
    """Centred kernel alignment between two representations of the same inputs.

    ``CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))`` with ``K`` and ``L``
    the kernel (Gram) matrices of the rows of ``X`` and of ``Y`` (Kornblith
    et al., "Similarity of neural network representations revisited", ICML
    2019): the cosine between the two centred Gram matrices, in [0, 1] for
    a positive definite kernel, 1 when ``Y`` is an orthogonal transform of
    ``X`` up to a translation and an isotropic scaling (linear kernel).
    The two representations may have different widths.

    With the linear kernel it is computed in feature space,
    ``||Y' X||_F^2 / (||X' X||_F ||Y' Y||_F)`` on centred columns, in float64
    (each representation first divided by a power of two, exact, so that any
    scale float64 holds gives the same value), in memory ``O(n d)`` and time
    ``O(n d_X d_Y)`` (or by blocks of rows of the Gram matrices,
    ``O(n^2 (d_X + d_Y))``, when that is cheaper); an n x n matrix is never
    held.  With other kernels the kernel matrices are evaluated in row
    blocks (memory ``O(n * block)``): two passes over each for its centring
    and norm, one over both for their inner product.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features_X)
    Y : array-like of shape (n_inputs, n_features_Y)
        The two representations, row ``i`` of each for input ``i``.
    kernel : str or callable, default="linear"
        ``"linear"``, ``"rbf"``, any other name of
        :func:`sklearn.metrics.pairwise.pairwise_kernels` (``"laplacian"``,
        ``"polynomial"``, ``"cosine"``, ...) or a callable of two 1-D arrays.
    kernel_params : dict, default=None
        Passed to the kernel (``gamma``, ``degree``, ``coef0``, ...).  For
        ``"rbf"`` without a ``gamma``, each representation gets its own
        bandwidth ``sigma = median_fraction * median |x_i - x_j|``
        (``gamma = 1 / (2 sigma^2)``), the median taken over the whole
        matrix of distances, zeros of its diagonal included, as the authors'
        code (``gram_rbf`` of google-research ``representation_similarity``)
        does; ``median_fraction`` (default 1.0, that code's default
        ``threshold``; its demonstration uses 0.5) may be given here.
        ``"laplacian"`` likewise with ``gamma = 1 / (median_fraction *
        median |x_i - x_j|_1)``.
    debiased : bool, default=False
        Use the unbiased HSIC estimator of Song et al. (JMLR 2012), as
        Nguyen, Raghu & Kornblith (ICLR 2021) do: its expectation is 0 for
        independent representations, while the biased CKA of independent
        representations is positive and grows with their width relative to
        ``n``.  The debiased CKA may be negative; it needs ``n >= 4``.
    random_state : int, RandomState instance or None, default=None
        Picks the subset of 1,000 rows over which the median-heuristic
        bandwidth is taken when ``n`` is larger (else unused).

    Returns
    -------
    cka : float
        In [-1, 1]; 1 for identical representations.

    Raises
    ------
    ValueError
        If ``X`` and ``Y`` have different numbers of rows, fewer than 2 (4
        if debiased), NaN or infinite values, if a representation is constant
        (CKA is 0 / 0), or if a kernel matrix is not finite or constant to
        rounding.

    See Also
    --------
    rsa : Correlation of the two matrices of pairwise distances.
    representation_test : Permutation test of CKA against shuffled rows.
    pairwise_representations : CKA between every pair of a list of representations.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import cka
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 20))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(20, 20)))   # an orthogonal matrix
    >>> round(cka(X, 3.0 * X @ Q + 1.0), 6)
    1.0
    >>> noise = rng.normal(size=(500, 30))
    >>> round(cka(X, noise), 2), round(cka(X, noise, debiased=True), 2)
    (0.05, 0.0)
    >>> bool(cka(X, np.tanh(X), kernel="rbf") > 0.9)
    True
    """
    measure = _CKA(kernel, kernel_params, debiased)
    A, B = _check_pair(X, Y, measure.min_points, measure.purpose)
    if isinstance(measure.kernel, str) and measure.kernel == "linear":
        # the validated arrays that are copies (float32 inputs) are the sides' own
        sides = [_LinearSide(C, measure.debiased, owned=not np.shares_memory(C, given))
                 for C, given in ((A, X), (B, Y))]
        return measure.value(*sides)
    measure.draw(A.shape[0], random_state)
    return measure.value(measure.side(A, "X"), measure.side(B, "Y"))


# ----------------------------------------------------------------------------- RSA


def _check_metric(metric):
    if callable(metric):
        return metric
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a string or a callable, got {metric!r}.")
    from sklearn.metrics.pairwise import pairwise_distances

    try:
        pairwise_distances(np.array([[0.0, 1.0], [1.0, 3.0]]), metric=metric)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"metric={metric!r} is not a metric of sklearn.metrics.pairwise_distances "
            f"or scipy.spatial.distance ({exc})."
        ) from None
    return metric


def _distances(A, B, metric):
    from sklearn.metrics.pairwise import euclidean_distances, pairwise_distances

    if isinstance(metric, str) and metric in ("euclidean", "l2", "sqeuclidean"):
        return euclidean_distances(A, B, squared=metric == "sqeuclidean")
    return pairwise_distances(A, B, metric=metric)


def _upper_blocks(Z, metric):
    """The strict upper triangle of the distance matrix of ``Z``, row-block by
    row-block, in the order of :func:`scipy.spatial.distance.pdist`."""
    n = Z.shape[0]
    for rows in row_blocks(n, n):
        a, b = rows.start, rows.stop
        D = _distances(Z[a:b], Z[a:], metric)
        yield D[np.arange(n - a)[None, :] > np.arange(b - a)[:, None]]


def _merge(state, u, v):
    """Chan et al.'s update of ``[count, mean_u, mean_v, Suu, Svv, Suv]``
    (centred sums of squares and products) by a block of pairs ``u, v``."""
    c = u.size
    if c == 0:
        return state
    mu, mv = u.mean(), v.mean()
    du, dv = u - mu, v - mv
    block = [c, mu, mv, du @ du, dv @ dv, du @ dv]
    n0 = state[0]
    if n0 == 0:
        return block
    n = n0 + c
    eu, ev = mu - state[1], mv - state[2]
    w = n0 * c / n
    return [n, state[1] + eu * c / n, state[2] + ev * c / n, state[3] + block[3] + w * eu * eu,
            state[4] + block[4] + w * ev * ev, state[5] + block[5] + w * eu * ev]


def _all_equal(name, what):
    return ValueError(
        f"The {what} between the rows of {name} are all equal (to rounding), so their "
        "correlation (RSA) is undefined."
    )


def _check_spread(centred_ss, count, mean, name, what):
    """Refuse values whose spread about their mean is below ``_EQUAL_SPREAD``
    of their root mean square: equal values up to the rounding of the
    distances (the distances of a regular simplex, say)."""
    if not centred_ss > _EQUAL_SPREAD**2 * (centred_ss + count * mean * mean):
        raise _all_equal(name, what)


def _correlation(suu, svv, suv):
    return float(min(1.0, max(-1.0, suv / np.sqrt(suu * svv))))


class _RSASide:
    """One representation in RSA: the data the distances are computed on
    (centred and divided by a power of two for metrics that do not see it),
    and for Spearman its centred ranks of the condensed distances."""

    def __init__(self, X, name, metric, method):
        Z = X
        if isinstance(metric, str) and metric in _SCALE_FREE_METRICS:
            Z = np.ldexp(X, -binary_exponent(X))
            if metric in _TRANSLATION_FREE_METRICS:
                Z -= Z.mean(axis=0)
        self.Z, self.metric, self.method, self.name = Z, metric, method, name
        self.n = n = X.shape[0]
        if method == "spearman":
            pairs = n * (n - 1) // 2
            if pairs > SPEARMAN_MAX_PAIRS:
                n_max = int((1 + np.sqrt(1 + 8 * SPEARMAN_MAX_PAIRS)) // 2)
                raise ValueError(
                    f"rsa(method='spearman') ranks all n (n - 1) / 2 = {pairs:,} distances "
                    f"of {name} at once, above SPEARMAN_MAX_PAIRS = {SPEARMAN_MAX_PAIRS:,} "
                    f"(n = {n:,} rows, more than {n_max:,}). Use method='pearson', which "
                    "works in blocks at any n, or a subset of the rows."
                )
            from scipy.stats import rankdata

            d = np.concatenate(list(_upper_blocks(Z, metric)))
            if not np.isfinite(d).all():
                raise ValueError(f"The distances of {name} with metric={metric!r} are not "
                                 "finite; check the metric.")
            mean = d.mean()
            _check_spread(float(np.sum((d - mean) ** 2)), d.size, mean, name, "distances")
            ranks = rankdata(d)
            del d
            ranks -= ranks.mean()
            self.ranks, self.ss = ranks, float(ranks @ ranks)

    def permuted(self, perm):
        out = object.__new__(_RSASide)
        out.__dict__.update(self.__dict__)
        out.Z = self.Z[perm]
        if self.method == "spearman":  # the pair (i, j) of Z[perm] is (perm_i, perm_j)
            n = self.n
            i, j = np.triu_indices(n, 1)
            a, b = perm[i], perm[j]
            lo, hi = np.minimum(a, b), np.maximum(a, b)
            out.ranks = self.ranks[lo * n - lo * (lo + 1) // 2 + hi - lo - 1]
        return out


class _RSA:
    kind = "similarity"
    min_points = 3
    purpose = "RSA"

    def __init__(self, metric="euclidean", method="pearson"):
        self.metric = _check_metric(metric)
        self.method = check_choice(method, "method", RSA_METHODS)

    def draw(self, n, rng):
        pass

    def side(self, X, name):
        return _RSASide(X, name, self.metric, self.method)

    def value(self, a, b, names=("X", "Y")):
        if self.method == "spearman":  # the distances' spread was checked by side()
            return _correlation(a.ss, b.ss, float(a.ranks @ b.ranks))
        state = [0, 0.0, 0.0, 0.0, 0.0, 0.0]
        with np.errstate(over="ignore", invalid="ignore"):
            for u, v in zip(_upper_blocks(a.Z, a.metric), _upper_blocks(b.Z, b.metric)):
                state = _merge(state, u, v)
        if not np.isfinite(state[3:]).all():
            raise ValueError(
                f"The distances of {names[0]} or {names[1]} with metric={self.metric!r} "
                "are not finite; check the metric."
            )
        count, mu, mv, suu, svv, suv = state
        _check_spread(suu, count, mu, names[0], "distances")
        _check_spread(svv, count, mv, names[1], "distances")
        return _correlation(suu, svv, suv)


def rsa(X, Y, *, metric="euclidean", method="pearson"):
    """Representational similarity analysis: the correlation of the two
    representations' matrices of pairwise distances.

    The ``n (n - 1) / 2`` distances between the rows of ``X`` (one per pair
    of inputs, the upper triangle of the distance matrix) are correlated
    with those between the rows of ``Y`` (Kriegeskorte et al., 2008; ReSi's
    ``representational_similarity_analysis``, whose default is
    ``metric="correlation", method="spearman"``).  Invariant to orthogonal
    transforms, isotropic scalings and translations of either
    representation (with the Euclidean metric); the widths may differ.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features_X)
    Y : array-like of shape (n_inputs, n_features_Y)
        The two representations, row ``i`` of each for input ``i``.
    metric : str or callable, default="euclidean"
        The distance between rows: a metric of
        :func:`sklearn.metrics.pairwise_distances` or of
        :mod:`scipy.spatial.distance` (``"euclidean"``, ``"sqeuclidean"``,
        ``"cosine"``, ``"correlation"``, ``"cityblock"``, ...), or a
        callable of two 1-D arrays.
    method : {"pearson", "spearman"}, default="pearson"
        ``"pearson"``: the linear correlation of the distances, accumulated
        over row blocks of the distance matrices (memory ``O(n * block)``,
        any ``n``; the default for that reason).  ``"spearman"``: the
        correlation of their ranks (ties averaged), robust to monotone
        changes of the metric; it ranks all the distances at once, so it
        holds both condensed vectors and refuses above
        ``SPEARMAN_MAX_PAIRS`` = 2**24 pairs (``n`` > 5,793).

    Returns
    -------
    rsa : float
        In [-1, 1]; 1 for identical representations.

    Raises
    ------
    ValueError
        If ``X`` and ``Y`` have different numbers of rows, fewer than 3, NaN
        or infinite values, if a representation is constant or all its
        distances are equal (the correlation is undefined), or if
        ``method="spearman"`` is asked of too many rows.

    See Also
    --------
    cka : Centred kernel alignment.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import rsa
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    >>> round(rsa(X, 2.0 * X @ Q - 3.0), 6)
    1.0
    >>> bool(abs(rsa(X, rng.normal(size=(200, 5)), method="spearman")) < 0.1)
    True
    """
    measure = _RSA(metric, method)
    X, Y = _check_pair(X, Y, measure.min_points, measure.purpose)
    return measure.value(measure.side(X, "X"), measure.side(Y, "Y"))


# ----------------------------------------------------------------------------- registry


#: The measures of :func:`representation_test` and
#: :func:`pairwise_representations`: ``name -> (function, kind)``, with
#: ``function(X, Y, **params) -> float`` and ``kind`` ``"similarity"`` or
#: ``"distance"``.  Add a measure with one line.
MEASURES = {
    "cka": (cka, "similarity"),
    "rsa": (rsa, "similarity"),
    "procrustes": (procrustes_distance, "distance"),
    "shape": (shape_distance, "distance"),
    "knn_jaccard": (knn_jaccard, "similarity"),
}
# Similarities whose distance (``as_distance=True``) is not the angle
# arccos(s): the Jaccard distance 1 - J is a metric on sets, and so is its mean
# over the inputs.
_TO_DISTANCE = {"knn_jaccard": lambda S: 1.0 - S}
# The measures with a prepared form here (what a representation contributes on
# its own computed once): name -> factory(**params).
_PREPARED = {"cka": _CKA, "rsa": _RSA}
_KINDS = ("similarity", "distance")


class _Generic:
    """A measure of :data:`MEASURES` without a prepared form: the function
    called on each pair (it validates its inputs itself)."""

    min_points = 2
    purpose = "this measure"

    def __init__(self, function, kind, **params):
        self.function, self.kind, self.params = function, kind, params

    def draw(self, n, rng):
        if "random_state" in self.params:
            return
        import inspect

        try:
            takes_seed = "random_state" in inspect.signature(self.function).parameters
        except (TypeError, ValueError):
            takes_seed = False
        if takes_seed:  # one seed for every pair and permutation
            self.params["random_state"] = draw_seeds(rng)

    def side(self, X, name):
        return _GenericSide(X)

    def value(self, a, b, names=("X", "Y")):
        value = self.function(a.Z, b.Z, **self.params)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
                or not np.isfinite(value):
            raise ValueError(
                f"The measure returned {value!r} for {names[0]} and {names[1]}; it must "
                "return a finite real number."
            )
        return float(value)


class _GenericSide:
    def __init__(self, Z):
        self.Z = Z

    def permuted(self, perm):
        return _GenericSide(self.Z[perm])


def _measure(measure, params):
    """The measure object of a name of :data:`MEASURES` or a pair
    ``(function, kind)``, with its parameters."""
    if isinstance(measure, str):
        if measure not in MEASURES:
            raise ValueError(
                f"measure must be one of {', '.join(repr(m) for m in sorted(MEASURES))} or "
                f"a pair (function, kind); got {measure!r}."
            )
        if measure in _PREPARED:
            try:
                return _PREPARED[measure](**params)
            except TypeError as exc:
                raise TypeError(f"measure={measure!r}: {exc}") from None
        function, kind = MEASURES[measure]
    elif isinstance(measure, tuple) and len(measure) == 2 and callable(measure[0]):
        function, kind = measure
    else:
        raise TypeError(
            "measure must be a name of sklearn_imd.metrics._representation.MEASURES or a "
            f"pair (function, kind); got {measure!r}."
        )
    check_choice(kind, "the measure's kind", _KINDS)
    return _Generic(function, kind, **params)


# ----------------------------------------------------------------------------- test


@dataclass
class RepresentationTestResult:
    """Result of :func:`representation_test`.

    Attributes
    ----------
    statistic : float
        The measure between ``X`` and ``Y``, rows paired as given.
    pvalue : float
        Permutation p-value of the null hypothesis that the rows of ``Y`` are
        unrelated to those of ``X``: ``(1 + #{null at least as close as the
        statistic}) / (n_permutations + 1)``, "at least as close" meaning
        ``>=`` for a similarity, ``<=`` for a distance.
    null_distribution : ndarray of shape (n_permutations,)
        The measure between ``X`` and each random permutation of the rows of
        ``Y``.
    measure : str
        The measure's name (or its function's name).
    kind : {"similarity", "distance"}
        Whether larger or smaller values are closer.
    """

    statistic: float
    pvalue: float
    null_distribution: np.ndarray
    measure: str
    kind: str


def _null_chunk(measure, a, b, n, seeds):
    return [measure.value(a, b.permuted(np.random.RandomState(s).permutation(n)))
            for s in seeds]


def representation_test(X, Y, *, measure="cka", n_permutations=999, random_state=None,
                        n_jobs=None, **params):
    """Permutation test of a paired representation measure: are the rows of
    ``Y`` related to those of ``X`` beyond chance?

    The measure is recomputed with the rows of ``Y`` shuffled against those
    of ``X`` ``n_permutations`` times: this breaks the pairing (row ``i`` of
    both is input ``i``) and keeps everything else about each
    representation, so the null distribution is that of two unrelated
    representations of these shapes and spectra.  The p-value counts the
    permutations at least as close as the observed pairing, and the
    observed pairing itself (never 0; at most ``alpha`` at level ``alpha``
    under the null hypothesis).  What a representation contributes on its
    own (centring, HSIC with itself, median bandwidth, ranks) is computed
    once, and each permutation reuses it.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features_X)
    Y : array-like of shape (n_inputs, n_features_Y)
        The two representations, row ``i`` of each for input ``i``.
    measure : str or (callable, kind), default="cka"
        A name of ``sklearn_imd.metrics._representation.MEASURES``
        (``"cka"``, ``"rsa"``, ``"procrustes"``, ``"shape"``, ``"knn_jaccard"``;
        their parameters go in ``**params``), or a pair ``(function, kind)`` of a
        function ``f(X, Y, **params) -> float`` and ``"similarity"`` or
        ``"distance"``.
    n_permutations : int, default=999
        Random permutations of the rows of ``Y``.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations (each from its own seed, so the result does
        not depend on ``n_jobs``), and the subset of the median heuristic.
    n_jobs : int or None, default=None
        Threads over the permutations (joblib's convention: -1 all).
    **params
        Passed to the measure (``kernel``, ``kernel_params``, ``debiased``
        of :func:`cka`; ``metric``, ``method`` of :func:`rsa`).

    Returns
    -------
    result : RepresentationTestResult
        ``statistic``, ``pvalue``, ``null_distribution``, ``measure`` and
        ``kind``, in the manner of :mod:`scipy.stats` results.

    Raises
    ------
    ValueError
        As the measure, and for an unknown measure or ``n_permutations < 1``.

    See Also
    --------
    cka, rsa : The measures.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import representation_test
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 10))
    >>> related = np.tanh(X @ rng.normal(size=(10, 8))) + rng.normal(size=(100, 8))
    >>> res = representation_test(X, related, n_permutations=199, random_state=0)
    >>> bool(res.pvalue < 0.01), res.null_distribution.shape
    (True, (199,))
    >>> res = representation_test(X, rng.normal(size=(100, 8)), debiased=True,
    ...                           n_permutations=199, random_state=0)
    >>> bool(res.pvalue > 0.05)
    True
    """
    n_permutations = check_int(n_permutations, "n_permutations", 1)
    rng = check_seed(random_state)
    m = _measure(measure, params)
    X, Y = _check_pair(X, Y, m.min_points, m.purpose)
    m.draw(X.shape[0], rng)
    a, b = m.side(X, "X"), m.side(Y, "Y")
    statistic = m.value(a, b)
    seeds = draw_seeds(rng, n_permutations)
    n = X.shape[0]
    workers = check_n_jobs(n_jobs, work=n_permutations)
    if workers == 1:
        null = _null_chunk(m, a, b, n, seeds)
    else:
        from joblib import Parallel, delayed

        chunks = np.array_split(np.arange(n_permutations), workers)
        parts = Parallel(n_jobs=workers, prefer="threads")(
            delayed(_null_chunk)(m, a, b, n, [seeds[i] for i in c]) for c in chunks)
        null = [v for part in parts for v in part]
    null = np.asarray(null, dtype=np.float64)
    sign = 1.0 if m.kind == "similarity" else -1.0
    pvalue = permutation_pvalue(sign * statistic, sign * null)
    name = measure if isinstance(measure, str) else getattr(measure[0], "__name__",
                                                            repr(measure[0]))
    return RepresentationTestResult(statistic, pvalue, null, name, m.kind)


# ----------------------------------------------------------------------------- matrix


def pairwise_representations(representations, *, measure="cka", as_distance=False,
                             random_state=None, n_jobs=None, **params):
    """A representation measure between every pair of a list of
    representations of the same inputs (layers x epochs, networks).

    Each representation's own part (its centring and HSIC with itself for
    CKA, its ranks for Spearman RSA) is computed once, then each pair once:
    the matrix is symmetric by construction, and its diagonal is exact (1
    for a similarity, 0 for a distance), not computed.

    Parameters
    ----------
    representations : list of array-like of shape (n_inputs, n_features_i)
        Representations of the same ``n_inputs`` inputs in the same order;
        the widths may differ.
    measure : str or (callable, kind), default="cka"
        As in :func:`representation_test`.
    as_distance : bool, default=False
        ``False``: the measure as it is (a similarity for ``"cka"`` and
        ``"rsa"``: larger is closer).  ``True``: a similarity ``s`` becomes
        the angle ``arccos(s)`` in ``[0, pi]``, and a distance stays as it
        is.  CKA (biased or debiased, any kernel) and the Pearson and
        Spearman RSA are each the cosine between two vectors (the centred or
        U-centred Gram matrices, the centred distances or ranks), so
        ``arccos`` of them is the angle between those vectors, which obeys
        the triangle inequality: a pseudometric that clustering, MDS or
        nearest-neighbour methods can take as ``metric="precomputed"``
        (Williams et al., NeurIPS 2021, use this angular form for their
        shape metrics).  ``1 - CKA`` is not: it breaks the triangle
        inequality.  For ``"knn_jaccard"``, the Jaccard distance ``1 - J`` (a metric
        on neighbour sets, and so its mean over the inputs).
    random_state : int, RandomState instance or None, default=None
        As in :func:`cka` (one subset of rows for every representation), or
        passed to a measure that takes one.
    n_jobs : int or None, default=None
        Threads over the pairs (joblib's convention: -1 all).
    **params
        Passed to the measure.

    Returns
    -------
    M : ndarray of shape (n_representations, n_representations)
        ``M[i, j]`` is the measure (or its angle) between
        ``representations[i]`` and ``representations[j]``, equal to the
        pair function's value (e.g. ``cka(R[i], R[j], **params)``).

    Raises
    ------
    ValueError
        If the representations do not all have the same number of rows, or
        as the measure.

    See Also
    --------
    cka, rsa : The measures.
    pairwise_imd : IMD between every pair of (unpaired) point clouds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import pairwise_representations
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 10))
    >>> layers = [X, np.tanh(X @ rng.normal(size=(10, 12))), rng.normal(size=(300, 6))]
    >>> S = pairwise_representations(layers)
    >>> S.shape, float(S[0, 0]), bool(S[0, 1] > S[0, 2])
    ((3, 3), 1.0, True)
    >>> D = pairwise_representations(layers, as_distance=True)   # arccos(CKA)
    >>> bool(np.allclose(D, np.arccos(S)) and D[0, 0] == 0.0)
    True
    """
    if not isinstance(as_distance, (bool, np.bool_)):
        raise TypeError(f"as_distance must be True or False, got {as_distance!r}.")
    if isinstance(representations, np.ndarray) and representations.ndim == 3:
        representations = list(representations)
    if not isinstance(representations, (list, tuple)):
        raise TypeError(
            "representations must be a list of 2-D arrays (one per layer or network), "
            f"got {type(representations).__name__}."
        )
    if len(representations) == 0:
        raise ValueError("representations is empty; it needs at least one representation.")
    rng = check_seed(random_state)
    m = _measure(measure, params)
    names = [f"representations[{i}]" for i in range(len(representations))]
    arrays = [_check_representation(R, name, m.min_points, m.purpose)
              for R, name in zip(representations, names)]
    _check_same_rows(arrays, names)
    m.draw(arrays[0].shape[0], rng)
    k = len(arrays)
    sides = [m.side(A, name) for A, name in zip(arrays, names)]
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]

    def one(i, j):
        return m.value(sides[i], sides[j], (names[i], names[j]))

    workers = check_n_jobs(n_jobs, work=max(1, len(pairs)))
    if workers == 1:
        values = [one(i, j) for i, j in pairs]
    else:
        from joblib import Parallel, delayed

        values = Parallel(n_jobs=workers, prefer="threads")(
            delayed(one)(i, j) for i, j in pairs)
    similarity = m.kind == "similarity"
    M = np.full((k, k), 1.0 if similarity else 0.0)
    for (i, j), v in zip(pairs, values):
        M[i, j] = M[j, i] = v
    if as_distance and similarity:
        to_distance = _TO_DISTANCE.get(measure if isinstance(measure, str) else None)
        M = (to_distance(M) if to_distance is not None
             else np.arccos(np.clip(M, -1.0, 1.0)))
        np.fill_diagonal(M, 0.0)
    return M
