"""Numba kernels of the exact kNN search: the k smallest entries of each row.

The squared distance of query ``i`` to point ``j``, less the constant
``|x_i|^2`` of the query, is ``sq[j] - 2 <x_i, x_j>``.  The kernels merge tiles
of inner products into running buffers of the ``k`` best per point (sorted
insertion), so the distance matrix is never stored.  They compute in the
dtype of the inner products, and a branch-free scan of each run of entries
(vectorised) comes before the rare insertions.

The merge kernels are serial and release the GIL: the search runs them in a pool of
Python threads, each with single-threaded BLAS, on tiles small enough to stay
in cache.  (Numba's parallel loops and multi-threaded BLAS calls, alternated
tile after tile, spend much of their time waiting for each other's threads.)
"""

import numpy as np
from numba import prange

from .buffers import beats_last, sorted_insert
from .jit import njit


@njit(inline="always")
def _push(best, idx, r, v, j):  # pragma: no cover (jitted)
    """Insert ``(v, j)`` into the sorted row ``r`` of the buffers if it beats
    the row's last entry; return the row's new last value.

    Entries are ordered by ``v`` then by ``j``, so the buffers end up the same
    whatever order the candidates arrive in.  Callers test ``v <= last`` first
    (kept in a register) and call this only then.
    """
    if beats_last(best, idx, r, v, j):
        sorted_insert(best, idx, r, v, j)
    return best[r, best.shape[1] - 1]


# Entries scanned without branching before candidates are inserted.
_SCAN = 64


@njit(nogil=True, cache=True)
def merge_rows(G, sq, rows, c0, best, idx):  # pragma: no cover (jitted)
    """Merge inner products into the buffers of their rows.

    Parameters
    ----------
    G : ndarray of shape (n_rows, n_cols), float32 or float64
        ``G[a, b]`` is the inner product of point ``rows[a]`` with point ``c0 + b``.
    sq : ndarray of shape (n,), dtype of ``G``
        Squared norms of all points.
    rows : ndarray of shape (n_rows,), int64
        Point of each row of ``G``; a row skips its own point.
    c0 : int
        Point of the first column of ``G``.
    best : ndarray of shape (n_rows, k), dtype of ``G``
        Running smallest values of each row, sorted; updated in place.
    idx : ndarray of shape (n_rows, k), int64
        Their points (ties go to the lower index); updated in place.
    """
    n_rows, n_cols = G.shape
    two = G.dtype.type(2.0)
    for a in range(n_rows):
        i = rows[a]
        thr = best[a, -1]
        for lo in range(0, n_cols, _SCAN):
            hi = min(n_cols, lo + _SCAN)
            hit = False
            for b in range(lo, hi):
                hit |= sq[c0 + b] - two * G[a, b] <= thr
            if not hit:
                continue
            for b in range(lo, hi):
                j = c0 + b
                v = sq[j] - two * G[a, b]
                if v <= thr and j != i:
                    thr = _push(best, idx, a, v, j)


@njit(nogil=True, cache=True)
def merge_buffers(best, idx, other, other_idx):  # pragma: no cover (jitted)
    """Merge the buffers ``other``, ``other_idx`` (same shape) into ``best``, ``idx``."""
    n, k = best.shape
    for i in range(n):
        thr = best[i, -1]
        for q in range(k):
            if other[i, q] <= thr:
                thr = _push(best, idx, i, other[i, q], other_idx[i, q])


# Direct distances, for the ties of the k-th neighbour: computed from the
# coordinates themselves (scaled by a power of two, which is exact), in a fixed
# order, so that points at equal distances, as on a grid or among duplicates,
# get bit-equal values whatever their numbering.


@njit(inline="always")
def direct_pair(X, i, Y, j, scale):  # pragma: no cover (jitted)
    """Squared distance of ``X[i] * scale`` and ``Y[j] * scale`` in float64."""
    s = 0.0
    for col in range(X.shape[1]):
        diff = np.float64(X[i, col]) * scale - np.float64(Y[j, col]) * scale
        s += diff * diff
    return s


@njit(inline="always")
def _direct(X, scale, i, j):  # pragma: no cover (jitted)
    return direct_pair(X, i, X, j, scale)


@njit(parallel=True, cache=True)
def direct_distances(X, scale, rows, ind):  # pragma: no cover (jitted)
    """``out[a, b]``: squared distance of points ``rows[a]`` and ``ind[a, b]`` of ``X * scale``."""
    r, c = ind.shape
    out = np.empty((r, c))
    for a in prange(r):
        for b in range(c):
            out[a, b] = _direct(X, scale, rows[a], ind[a, b])
    return out


@njit(nogil=True, cache=True)
def merge_tile(G, sq, r0, c0, first, best, idx, col_best, col_idx):  # pragma: no cover (jitted)
    """Merge a tile of ``X X^T`` on or above the block diagonal into the
    buffers of its rows and of its columns, in one pass over the tile.

    ``G[a, b]`` is the inner product of points ``r0 + a`` and ``c0 + b``.  The
    rows' buffers are ``best[a]``, ``idx[a]`` (as :func:`merge_rows`, each row
    skipping its own point); the columns' (of all points) are ``col_best``,
    ``col_idx``, merged from column ``first`` on (those columns must hold no
    point of the rows).  Each run of entries is tested for both at once.
    """
    n_rows, n_cols = G.shape
    two = G.dtype.type(2.0)
    thr = np.empty(n_cols, dtype=G.dtype)
    for b in range(first, n_cols):
        thr[b] = col_best[c0 + b, -1]
    for a in range(n_rows):
        i = r0 + a
        v0 = sq[i]
        row_thr = best[a, -1]
        for lo in range(0, n_cols, _SCAN):
            hi = min(n_cols, lo + _SCAN)
            hit = False
            for b in range(lo, hi):
                g = two * G[a, b]
                hit |= (sq[c0 + b] - g <= row_thr) | ((b >= first) & (v0 - g <= thr[b]))
            if not hit:
                continue
            for b in range(lo, hi):
                j = c0 + b
                g = two * G[a, b]
                v = sq[j] - g
                if v <= row_thr and j != i:
                    row_thr = _push(best, idx, a, v, j)
                if b >= first:
                    v = v0 - g
                    if v <= thr[b]:
                        thr[b] = _push(col_best, col_idx, j, v, i)
