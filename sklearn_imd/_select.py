"""Numba kernel of the exact kNN search: the k smallest entries of each row."""

import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def smallest_k(G, sq, own, k):  # pragma: no cover (jitted)
    """The ``k`` nearest columns of each row from a block of inner products.

    The squared distance of query ``i`` to point ``j`` is, up to a constant
    per row, ``D[i, j] = sq[j] - 2 G[i, j]``; column ``own[i]`` (the query
    itself) is skipped.  One pass per row keeps a sorted buffer of the ``k``
    best (insertion sort): ``O(n_cols)`` comparisons per row when ``k`` is
    small, and ``D`` is never stored.  Ties go to the lower column index.

    Parameters
    ----------
    G : ndarray of shape (n_rows, n_cols), float32 or float64
        Inner products of the queries with all points.
    sq : ndarray of shape (n_cols,)
        Squared norms of the points.
    own : ndarray of shape (n_rows,), int64
        Column of each query itself (skipped).
    k : int
        At most ``n_cols - 1``.

    Returns
    -------
    ind : ndarray of shape (n_rows, k), int64
        Sorted by increasing value.
    """
    n_rows, n_cols = G.shape
    out = np.empty((n_rows, k), dtype=np.int64)
    for i in prange(n_rows):
        best = np.full(k, np.inf)
        idx = np.zeros(k, dtype=np.int64)
        for j in range(n_cols):
            v = sq[j] - 2.0 * G[i, j]
            if v < best[k - 1] and j != own[i]:
                pos = k - 1
                while pos > 0 and best[pos - 1] > v:
                    best[pos] = best[pos - 1]
                    idx[pos] = idx[pos - 1]
                    pos -= 1
                best[pos] = v
                idx[pos] = j
        out[i] = idx
    return out
