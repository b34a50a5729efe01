"""Numba kernel of stochastic Lanczos quadrature.

``lanczos_tridiagonal`` runs ``m`` Lanczos steps from a block of start vectors
at once: one pass over the sparse matrix serves every vector of the block
(sparse times dense), and the rows are split into fixed chunks processed in
parallel, so results do not depend on the number of threads.

No reorthogonalisation is done: for the few steps used here the Lanczos
quadrature of a smooth function is stable in finite precision (Knizhnerman
1996; Musco, Musco & Sidford, SODA 2018), and skipping it keeps memory at three
vectors per probe instead of ``m``.
"""

import numpy as np
from numba import prange

from . import BREAKDOWN as _BREAKDOWN
from .jit import njit

# Rows per parallel chunk; fixed so that reductions are summed in the same order
# whatever the number of threads.
_CHUNK = 512


@njit(parallel=True, cache=True)
def lanczos_tridiagonal(indptr, indices, data, V0, m):  # pragma: no cover (jitted)
    """Lanczos coefficients for each column of ``V0``.

    Parameters
    ----------
    indptr, indices, data : CSR arrays of a symmetric (n, n) matrix (float64 data).
    V0 : ndarray of shape (n, b), C-contiguous float64
        Unit-norm start vectors in columns; not modified.
    m : int
        Number of Lanczos steps.

    Returns
    -------
    alpha : ndarray of shape (b, m)
        Diagonals of the tridiagonal matrices.
    beta : ndarray of shape (b, m - 1)
        Off-diagonals; zero after a breakdown, which leaves the remaining
        block decoupled from the first basis vector (zero quadrature weight).
    """
    n, b = V0.shape
    nchunks = (n + _CHUNK - 1) // _CHUNK
    alpha = np.zeros((b, m))
    beta = np.zeros((b, m - 1))
    # The Lanczos vectors are kept unscaled, v_j = sv * V and v_{j-1} = sp * P
    # (per probe), and the three arrays rotate instead of being copied: two
    # passes over memory per step instead of three.
    V = V0.copy()
    P = np.zeros((n, b))
    W = np.empty((n, b))
    sv = np.ones(b)
    sp = np.zeros(b)
    part = np.zeros((nchunks, b))
    beta_prev = np.zeros(b)
    coef = np.empty(b)
    for j in range(m):
        # w = L v_j - beta_{j-1} v_{j-1};  alpha_j = <w, v_j>
        for p in range(b):
            coef[p] = beta_prev[p] * sp[p]
        for c in prange(nchunks):
            lo = c * _CHUNK
            hi = min(n, lo + _CHUNK)
            for p in range(b):
                part[c, p] = 0.0
            for i in range(lo, hi):
                for p in range(b):
                    W[i, p] = 0.0
                for jj in range(indptr[i], indptr[i + 1]):
                    col = indices[jj]
                    a = data[jj]
                    for p in range(b):
                        W[i, p] += a * V[col, p]
                for p in range(b):
                    x = sv[p] * W[i, p] - coef[p] * P[i, p]
                    W[i, p] = x
                    part[c, p] += x * V[i, p]
        for p in range(b):
            s = 0.0
            for c in range(nchunks):
                s += part[c, p]
            alpha[p, j] = sv[p] * s
        if j == m - 1:
            break
        # w -= alpha_j v_j;  beta_j = |w|
        for p in range(b):
            coef[p] = alpha[p, j] * sv[p]
        for c in prange(nchunks):
            lo = c * _CHUNK
            hi = min(n, lo + _CHUNK)
            for p in range(b):
                part[c, p] = 0.0
            for i in range(lo, hi):
                for p in range(b):
                    x = W[i, p] - coef[p] * V[i, p]
                    W[i, p] = x
                    part[c, p] += x * x
        for p in range(b):
            s = 0.0
            for c in range(nchunks):
                s += part[c, p]
            nrm = np.sqrt(s)
            sp[p] = sv[p]
            if nrm > _BREAKDOWN:
                beta[p, j] = nrm
                beta_prev[p] = nrm
                sv[p] = 1.0 / nrm
            else:
                # Krylov space exhausted: the next vectors are zero, so every
                # later alpha and beta of this probe is zero too.
                beta_prev[p] = 0.0
                sv[p] = 0.0
        # v_{j+1} = w / beta_j, v_{j-1} = v_j: rotate the arrays
        P, V, W = V, W, P
    return alpha, beta


@njit(parallel=True, cache=True)
def shifted_moments(indptr, indices, data, q, nslots):  # pragma: no cover (jitted)
    """Exact traces ``Tr(M^j)``, ``j = 0 .. 2q``, of ``M = L - I`` for a CSR ``L``.

    Row by row, the sparse vectors ``M^l e_i`` (l <= q) are propagated with a
    dense accumulator and a list of touched entries, and give
    ``e_i^T M^{2l} e_i = |M^l e_i|^2`` and
    ``e_i^T M^{2l-1} e_i = <M^{l-1} e_i, M^l e_i>``.  Work per row grows with
    the size of the ``q``-hop neighbourhood, never with ``n``; rows are split
    into fixed chunks and the per-row terms summed in row order, so the result
    does not depend on the number of threads.  The inner loops are free of
    data-dependent branches (a new entry is appended unconditionally and kept
    by advancing the list end only if unmarked; the last level keeps no list
    and zeroes each entry as it is summed), which halves the time on kNN
    graphs, where half the visits at the last level find a new entry.

    Parameters
    ----------
    indptr, indices, data : CSR arrays of a symmetric (n, n) matrix ``L``
        (``indptr`` int64, ``indices`` int32, ``data`` float64).
    q : int
        Number of hops (q >= 1).
    nslots : int
        Number of workspaces (q + 1 dense vectors each) processed in
        parallel, e.g. the number of threads; does not change the result.

    Returns
    -------
    mu : ndarray of shape (2 q + 1,)
    """
    n = indptr.size - 1
    nchunks = (n + _CHUNK - 1) // _CHUNK
    terms = np.zeros((n, 2 * q + 1))
    nslots = max(1, min(nchunks, nslots))
    for s in prange(nslots):
        vals = np.zeros((n, q + 1))
        marks = np.full(n, -1, dtype=np.int32)
        # one spare slot: an append happens before the check for a new entry
        support = np.empty(n + 1, dtype=np.int32)
        starts = np.zeros(q + 2, dtype=np.int64)
        for c in range(s, nchunks, nslots):
            for i in range(c * _CHUNK, min(n, (c + 1) * _CHUNK)):
                support[0] = i
                marks[i] = i
                vals[i, 0] = 1.0
                starts[0] = 0
                starts[1] = 1
                terms[i, 0] = 1.0
                for lev in range(1, q):
                    top = starts[lev]
                    for pos in range(starts[lev]):
                        u = support[pos]
                        x = vals[u, lev - 1]
                        vals[u, lev] -= x
                        for jj in range(indptr[u], indptr[u + 1]):
                            v = indices[jj]
                            # branch-free: append v, keep it only if new
                            support[top] = v
                            top += marks[v] != i
                            marks[v] = i
                            vals[v, lev] += data[jj] * x
                    starts[lev + 1] = top
                    even = 0.0
                    odd = 0.0
                    for pos in range(top):
                        u = support[pos]
                        y = vals[u, lev]
                        even += y * y
                        odd += vals[u, lev - 1] * y
                    terms[i, 2 * lev] = even
                    terms[i, 2 * lev - 1] = odd
                # last level: no support list; each entry is summed once and
                # zeroed, so repeated visits add nothing
                top = starts[q]
                for pos in range(top):
                    u = support[pos]
                    x = vals[u, q - 1]
                    vals[u, q] -= x
                    for jj in range(indptr[u], indptr[u + 1]):
                        vals[indices[jj], q] += data[jj] * x
                even = 0.0
                odd = 0.0
                for pos in range(top):
                    u = support[pos]
                    y = vals[u, q]
                    even += y * y
                    odd += vals[u, q - 1] * y
                    vals[u, q] = 0.0
                    for jj in range(indptr[u], indptr[u + 1]):
                        v = indices[jj]
                        y = vals[v, q]
                        even += y * y
                        odd += vals[v, q - 1] * y
                        vals[v, q] = 0.0
                terms[i, 2 * q] = even
                terms[i, 2 * q - 1] = odd
                for pos in range(starts[q]):
                    u = support[pos]
                    for lev in range(q):
                        vals[u, lev] = 0.0
    mu = np.zeros(2 * q + 1)
    for i in range(n):
        for j in range(2 * q + 1):
            mu[j] += terms[i, j]
    return mu
