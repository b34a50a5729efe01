"""Numba kernel of the exact moments ``Tr (L - I)^j`` of a sparse Laplacian,
the control variate of stochastic Lanczos quadrature (``_core.heat``)."""

import numpy as np
from numba import prange

from . import CHUNK as _CHUNK
from .jit import njit


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
