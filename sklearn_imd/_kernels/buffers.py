"""Sorted neighbour buffers: the insertion that the exact search and NN-descent
share (inlined into their kernels).

Each row ``r`` of ``keys`` (distances or priorities) and ``idx`` (points) is
kept sorted by key, then by point, so a buffer ends up the same whatever
order its candidates arrive in.

Numba's cache checks the source file of each kernel, not the files it
inlines: after editing this module, touch the kernel modules that use it
(``select``, ``nndescent``) or clear the cache.
"""

from .jit import njit


@njit(inline="always")
def beats_last(keys, idx, r, v, j):  # pragma: no cover (jitted)
    """Whether ``(v, j)`` comes before the last entry of row ``r``."""
    last = keys.shape[1] - 1
    return v < keys[r, last] or (v == keys[r, last] and j < idx[r, last])


@njit(inline="always")
def holds(idx, r, j):  # pragma: no cover (jitted)
    """Whether point ``j`` is in row ``r`` already."""
    for s in range(idx.shape[1]):
        if idx[r, s] == j:
            return True
    return False


@njit(inline="always")
def sorted_insert(keys, idx, r, v, j):  # pragma: no cover (jitted)
    """Insert ``(v, j)`` into row ``r``, which it must beat (:func:`beats_last`),
    dropping the row's last entry; return the place it took."""
    pos = keys.shape[1] - 1
    while pos > 0 and (keys[r, pos - 1] > v or (keys[r, pos - 1] == v and idx[r, pos - 1] > j)):
        keys[r, pos] = keys[r, pos - 1]
        idx[r, pos] = idx[r, pos - 1]
        pos -= 1
    keys[r, pos] = v
    idx[r, pos] = j
    return pos
