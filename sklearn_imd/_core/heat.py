"""Heat-kernel traces ``h(t) = Tr exp(-t L)`` and their normalisations."""

import numpy as np

from .._kernels import BREAKDOWN
from .._utils.blas import single_blas_thread
from .distance import imd_weights

# The published signatures are 10^6 times the normalised trace.
SIGNATURE_SCALE = 1e6
# Memory budget of the Lanczos work arrays (four n-by-block float64 arrays):
# large blocks pass over the matrix fewer times (1e6 nodes: 37 s per 100
# probes in blocks of 8, 17 s in blocks of 32, 10 s in one block of 100).
_LANCZOS_BYTES = 1 << 31
# Hops of the exact moments behind the control variate of slq_heat_trace: its
# polynomial has degree 2 * CV_HOPS.
CV_HOPS = 3
# Work budget of those moments, in visits of matrix entries: the larger of a
# fixed amount (about 0.5 s on 2 cores) and an amount per node comparable to
# the Lanczos work per node at the defaults.  Graphs whose CV_HOPS-hop
# neighbourhoods cost more (hundreds of thousands of nodes, or hubs) use
# fewer hops.
_MOMENT_WORK = 3e8
_MOMENT_WORK_PER_NODE = 5000
# Bound on the standard error of a signature, in IMD units, below which
# fewer hops are enough: the bound falls as 1/sqrt(n nv), so from about
# 800,000 nodes (nv = 100) two hops keep it below this, at a fraction of the
# moments' cost (1e6 nodes: 7.4 s for three hops, 0.3 s for two).
_CV_ERROR = 0.004
# Graphs from this size are renumbered for locality before the trace.
_REORDER_MIN_NODES = 50_000
# Dense spectra up to this size are computed on one BLAS thread (reproducible).
_SINGLE_THREAD_EIGH = 2048
# Largest graph whose heat trace method="auto" takes from the dense spectrum.
AUTO_EXACT_MAX_NODES = 500


def _dense(L):
    """``L`` as a dense array (a sparse ``L`` converted)."""
    return L.toarray() if hasattr(L, "toarray") else np.asarray(L)


def exact_heat_trace(L, t):
    """``sum_i exp(-t lambda_i)`` from the full spectrum of ``L`` (dense ``eigvalsh``)."""
    dense = _dense(L)
    if dense.shape[0] <= _SINGLE_THREAD_EIGH:
        # Multithreaded LAPACK changes the last bits with the thread count
        # (joblib workers get fewer threads); small problems gain nothing from
        # threads, so they run on one and give the same result in any process.
        with single_blas_thread():
            lam = np.linalg.eigvalsh(dense)
    else:
        lam = np.linalg.eigvalsh(dense)
    # the spectrum lies in [0, 2]; rounding must not make exp(-t lambda) overflow
    return np.exp(-np.outer(t, np.clip(lam, 0.0, 2.0))).sum(axis=1)


def _chebyshev_to_monomial(degree):
    """Matrix whose column j holds the monomial coefficients of T_j."""
    from numpy.polynomial import chebyshev

    P = np.zeros((degree + 1, degree + 1))
    for j in range(degree + 1):
        P[: j + 1, j] = chebyshev.cheb2poly(np.eye(degree + 1)[j])[: j + 1]
    return P


def heat_polynomials(t, degree):
    """Chebyshev interpolants of ``exp(-t lambda)`` on the spectrum [0, 2] of ``L``.

    Returns
    -------
    coef : ndarray of shape (n_times, degree + 1)
        Row ``i`` holds the monomial coefficients, in ``x = lambda - 1``, of
        the degree-``degree`` interpolant of ``exp(-t_i (1 + x))`` at the
        Chebyshev points of [-1, 1].
    """
    from numpy.polynomial import chebyshev

    x = chebyshev.chebpts1(degree + 1)
    V = chebyshev.chebvander(x, degree)
    c = np.exp(-np.outer(t, 1.0 + x)) @ V
    c[:, 0] /= degree + 1
    c[:, 1:] /= 0.5 * (degree + 1)
    return c @ _chebyshev_to_monomial(degree).T


def laplacian_moments(L, hops, jit=True):
    """Exact ``Tr (L - I)^j`` for ``j = 0 .. 2 hops``.

    With ``jit``, row by row with Numba (``_kernels.moments.shifted_moments``,
    ``L`` in CSR); else (small graphs: see ``compute_signatures``) from the
    dense powers ``M^l``, ``l <= hops``, of the symmetric ``M = L - I``:
    ``Tr M^j = <M^(j // 2), M^(j - j // 2)>_F``.
    """
    n = L.shape[0]
    if jit:
        import numba

        from .._kernels.moments import shifted_moments

        return shifted_moments(*_csr_arrays(L), hops, numba.get_num_threads())
    M = _dense(L) - np.eye(n)
    powers = [None, M]
    for level in range(2, hops + 1):
        # an even power as M^i (M^i)^T: numpy's syrk, half a product
        half = powers[level // 2]
        powers.append(half @ half.T if level % 2 == 0 else M @ powers[-1])
    mu = [float(n), float(np.trace(M))]
    for j in range(2, 2 * hops + 1):
        mu.append(float(np.einsum("ij,ij->", powers[j // 2], powers[j - j // 2])))
    return np.array(mu)


def lanczos_tridiagonal(L, V0, m, jit=True):
    """Lanczos coefficients of each column of ``V0`` (see ``_kernels.lanczos``).

    With ``jit`` the Numba kernel (``L`` in CSR), else the same recurrence in
    NumPy.

    Returns
    -------
    alpha : ndarray of shape (b, m)
    beta : ndarray of shape (b, m - 1)
    """
    if jit:
        from .._kernels.lanczos import lanczos_tridiagonal

        return lanczos_tridiagonal(*_csr_arrays(L), V0, m)
    L = _dense(L)
    b = V0.shape[1]
    alpha = np.zeros((b, m))
    beta = np.zeros((b, m - 1))
    V, P = V0, np.zeros_like(V0)
    for j in range(m):
        W = L @ V
        if j:
            W -= beta[:, j - 1] * P
        alpha[:, j] = np.einsum("ip,ip->p", W, V)
        if j == m - 1:
            break
        W -= alpha[:, j] * V
        norm = np.sqrt(np.einsum("ip,ip->p", W, W))
        # past a breakdown the vectors are zero, and so are later coefficients
        alive = norm > BREAKDOWN
        beta[:, j] = np.where(alive, norm, 0.0)
        P, V = V, W * np.where(alive, 1.0 / np.where(alive, norm, 1.0), 0.0)
    return alpha, beta


def gauss_quadrature(alpha, beta):
    """Nodes and weights of the Gauss rule of each Lanczos tridiagonal matrix.

    Parameters
    ----------
    alpha : ndarray of shape (b, m)
    beta : ndarray of shape (b, m - 1)

    Returns
    -------
    nodes : ndarray of shape (b, m)
        Eigenvalues of each tridiagonal matrix (Ritz values).
    weights : ndarray of shape (b, m)
        Squared first components of its eigenvectors; each row sums to 1.
    """
    b, m = alpha.shape
    T = np.zeros((b, m, m))
    idx = np.arange(m)
    T[:, idx, idx] = alpha
    T[:, idx[:-1], idx[1:]] = beta
    T[:, idx[1:], idx[:-1]] = beta
    nodes, vecs = np.linalg.eigh(T)
    return nodes, vecs[:, 0, :] ** 2




def moment_work(L, hops):
    """Upper bound on the matrix entries :func:`laplacian_moments` visits.

    Row ``i`` visits the entries of every node ``u`` within ``l < hops`` hops
    (twice at the last level), and node ``u`` lies within ``l`` hops of at
    most ``(P^l 1)_u`` rows, ``P`` the sparsity pattern of ``L`` (a walk
    count, so an upper bound).
    """
    if isinstance(L, np.ndarray):
        P = (L != 0).astype(np.float64)
    else:
        P = L.copy()
        P.data = np.ones_like(P.data)
    deg = P @ np.ones(L.shape[0])
    reach = np.ones(L.shape[0])
    work = 0.0
    for level in range(hops):
        work += (2.0 if level == hops - 1 else 1.0) * (deg @ reach)
        reach = P @ reach
    return work


def cv_error_bound(n, t, nv, hops):
    """Bound on the standard error of an SLQ signature, in IMD units.

    Each probe's error is at most ``sqrt(2 n) max |e^{-t lambda} - p_t(lambda)|``
    over [0, 2] (see :func:`slq_heat_trace`), so the signature's standard
    error at ``t`` is at most ``SIGNATURE_SCALE sqrt(2 / (n nv))`` times that
    maximum; the IMD weighs it by ``exp(-2 (t + 1/t))``.
    """
    lam = np.linspace(0.0, 2.0, 401)
    coef = heat_polynomials(t, 2 * hops)
    p = np.polynomial.polynomial.polyval(lam - 1.0, coef.T)
    gap = np.abs(np.exp(-np.outer(t, lam)) - p).max(axis=1)
    return SIGNATURE_SCALE * np.sqrt(2.0 / (n * nv)) * float((imd_weights(t) * gap).max())


def choose_hops(L, t, nv):
    """Hops of the control variate: the fewest, up to CV_HOPS, whose
    :func:`cv_error_bound` is below ``_CV_ERROR`` (else CV_HOPS), then fewer
    while their moments exceed the work budget (at least 1)."""
    hops = next((h for h in range(1, CV_HOPS) if cv_error_bound(L.shape[0], t, nv, h)
                 <= _CV_ERROR), CV_HOPS)
    budget = max(_MOMENT_WORK, _MOMENT_WORK_PER_NODE * L.shape[0])
    while hops > 1 and moment_work(L, hops) > budget:
        hops -= 1
    return hops


def _local_order(L):
    """``L`` with its nodes renumbered so that neighbours lie close in memory.

    The trace does not depend on the numbering, but the kernels' random
    accesses do: on large graphs, reverse Cuthill-McKee numbering cuts the
    moments' time threefold and the Lanczos' by a third (1e6 nodes).  Small
    graphs fit in cache and are left as they are.
    """
    if L.shape[0] < _REORDER_MIN_NODES:
        return L
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    perm = reverse_cuthill_mckee(L, symmetric_mode=True)
    L = L[perm][:, perm].tocsr()
    L.sort_indices()
    return L


def _csr_arrays(L):
    """CSR arrays in the types the kernels are compiled for (column indices
    in int32: graphs of fewer than 2^31 nodes), copied only where the type
    differs (they are taken once per block of Lanczos probes)."""
    return (L.indptr.astype(np.int64, copy=False), L.indices.astype(np.int32, copy=False),
            L.data.astype(np.float64, copy=False))


def slq_heat_trace(L, t, m, nv, rng, hops=None, jit=True):
    """Stochastic Lanczos quadrature of ``Tr exp(-t L)`` with a polynomial control variate.

    Each Rademacher probe ``z`` (scaled to unit norm ``q``) gives a Gauss
    quadrature ``sum_k w_k f(theta_k)`` of ``q^T f(L) q`` from ``m`` Lanczos
    steps.  The control variate generalises the first-order one of Tsitsulin
    et al. (2020, App. B): ``p_t``, the Chebyshev interpolant of degree
    ``2 hops`` of ``exp(-t lambda)`` on [0, 2], has an exactly known trace
    ``sum_j c_j Tr (L - I)^j`` (from :func:`laplacian_moments`), and Gauss
    quadrature integrates it exactly (degree ``<= 2m - 1``), so each probe
    estimates ``Tr p_t(L) + n q^T (e^{-tL} - p_t(L)) q``.  Its variance is at
    most ``2 n max |e^{-t lambda} - p_t(lambda)|^2`` whatever the graph: below
    ``1e-6 n`` at ``t = 3`` and ``4e-12 n`` at ``t = 1`` for ``hops = 3``,
    against ``0.03 n`` at ``t = 1`` for the paper's first-order one.

    Parameters
    ----------
    L : scipy.sparse.csr_matrix or ndarray of shape (n, n)
        Normalized Laplacian.
    t : ndarray of shape (n_times,)
    m : int
        Lanczos steps (quadrature nodes) per probe.
    nv : int
        Number of probe vectors.
    rng : numpy.random.Generator
    hops : int, optional
        Degree ``2 hops`` of the control variate; 0 uses the paper's
        first-order control variate ``1 - e^{-t} t lambda`` (no moments).
        By default, :func:`choose_hops`: ``CV_HOPS``, or fewer where they
        keep the signature's standard error below ``_CV_ERROR`` IMD units
        (about 800,000 nodes and more, at nv = 100) or where the moments
        would exceed their work budget (graphs with hubs).
    jit : bool, default=True
        The Numba kernels (``L`` in CSR), else NumPy (small graphs, dense
        ``L``: see ``compute_signatures``).

    Returns
    -------
    trace : ndarray of shape (n_times,)
        The estimate (mean over probes).
    std_err : ndarray of shape (n_times,)
        Its standard error (standard deviation over probes / sqrt(nv)); zero
        when ``nv == 1``.
    """
    n = L.shape[0]
    L = _local_order(L)
    if hops is None:
        hops = choose_hops(L, t, nv)
    if hops > 0:
        # Gauss quadrature with m nodes integrates degree <= 2m - 1 exactly
        degree = min(2 * hops, 2 * m - 1)
        coef = heat_polynomials(t, degree)
        cv_trace = coef @ laplacian_moments(L, (degree + 1) // 2, jit)[: degree + 1]
    else:
        # 1 - a t lambda = (1 - a t) - a t x, with a = e^{-t}, x = lambda - 1
        a_t = np.exp(-t) * t
        coef = np.column_stack([1.0 - a_t, -a_t])
        cv_trace = n * (1.0 - a_t)
    block = int(min(nv, max(1, _LANCZOS_BYTES // (32 * n))))
    block = -(-nv // -(-nv // block))  # blocks of equal size: no pass for a last few
    per_probe = np.empty((nv, t.size))
    for start in range(0, nv, block):
        b = min(block, nv - start)
        # probe by probe from the stream, so blocking does not change the draws
        Z = np.where(rng.random((b, n)) < 0.5, -1.0, 1.0).T / np.sqrt(n)
        Z = np.ascontiguousarray(Z)
        alpha, beta = lanczos_tridiagonal(L, Z, m, jit)
        nodes, weights = gauss_quadrature(alpha, beta)
        # Ritz values lie in the spectrum, [0, 2], up to rounding that must
        # not make exp(-t theta) overflow at large t
        np.clip(nodes, 0.0, 2.0, out=nodes)
        # f - p_t at the nodes, (n_times, b, m); p_t by Horner in x = node - 1
        x = nodes - 1.0
        resid = np.zeros((t.size,) + x.shape)
        for j in range(coef.shape[1] - 1, -1, -1):
            resid *= x
            resid += coef[:, j, None, None]
        np.subtract(np.exp(-t[:, None, None] * nodes), resid, out=resid)
        per_probe[start : start + b] = n * np.einsum("pk,tpk->pt", weights, resid)
    per_probe += cv_trace
    trace = per_probe.mean(axis=0)
    if nv > 1:
        std_err = per_probe.std(axis=0, ddof=1) / np.sqrt(nv)
    else:
        std_err = np.zeros_like(trace)
    return trace, std_err


def choose_method(n_nodes, method):
    """Resolve ``method="auto"``: the exact spectrum where it is the cheaper one."""
    if method != "auto":
        return method
    return "exact" if n_nodes <= AUTO_EXACT_MAX_NODES else "slq"


def heat_trace(L, t, method, m, nv, rng, *, jit):
    """``Tr exp(-t L)`` and its standard error by ``method`` ("auto", "exact", "slq"),
    on the Numba kernels or in NumPy (``jit``, decided by ``compute_signatures``)."""
    if choose_method(L.shape[0], method) == "exact":
        return exact_heat_trace(L, t), np.zeros(t.size)
    return slq_heat_trace(L, t, m, nv, rng, jit=jit)


def null_trace(t, n, k, normalization):
    """Heat trace of the null model that a normalisation divides by.

    ``"empty"``: the empty graph, ``n``.  ``"complete"``: the complete graph,
    ``1 + (n - 1) exp(-(1 + 1/(n-1)) t)``.  ``"er"``: ``sum_j exp(-t mu_j)`` with
    ``mu_j`` evenly spaced over ``n`` points from ``1 - 2/sqrt(k)`` to
    ``1 + 2/sqrt(k)`` (expected spectrum of a random graph of degree ``k``),
    summed in closed form as a geometric series.  ``"none"``: 1.
    """
    t = np.asarray(t, dtype=np.float64)
    if normalization == "none":
        return np.ones_like(t)
    if normalization == "empty":
        return np.full_like(t, float(n))
    if normalization == "complete":
        return 1.0 + (n - 1) * np.exp(-(1.0 + 1.0 / (n - 1)) * t)
    if normalization == "er":
        lo = 1.0 - 2.0 / np.sqrt(k)
        if n == 1:
            return np.exp(-t * lo)
        step = 4.0 / np.sqrt(k) / (n - 1)
        # sum_{j<n} r^j = expm1(-t step n) / expm1(-t step), r = exp(-t step)
        with np.errstate(over="ignore"):  # lo < 0 (k < 4) at large t: inf, a signature of 0
            return np.exp(-t * lo) * np.expm1(-t * step * n) / np.expm1(-t * step)
    raise ValueError(f"unknown normalization {normalization!r}")


def normalize_trace(h, t, n, k, normalization):
    """Signature at the published scale: ``10^6 h(t) / null(t)``."""
    return SIGNATURE_SCALE * h / null_trace(t, n, k, normalization)
