"""Approximate kNN by NN-descent (Dong, Charikar & Li, 2011), compiled once.

The same algorithm as pynndescent (a random-projection forest to start, then
local joins of each point's new and old candidates), written so that Numba
can cache every kernel on disk: a fresh process pays no compilation, where
pynndescent compiles for about 30 s in every new process.  It is also
deterministic for a seed whatever the number of threads:

- every random choice is a hash of the seed and the indices involved;
- the neighbour lists are sets ordered by (distance, index), so the order in
  which candidates arrive does not change them;
- work is split by the point whose list is written, never shared.

The points are renumbered leaf after leaf of a first random-projection tree
before the search (and back after it), so that neighbours lie close in
memory: at 10^6 points, reading random rows costs more than the arithmetic.
"""

import numpy as np
from numba import prange

from .buffers import beats_last, holds, sorted_insert
from .jit import njit

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)


@njit(inline="always")
def _hash(a, b, c):  # pragma: no cover (jitted)
    """A 64-bit hash of three integers (splitmix64 finaliser)."""
    x = np.uint64(a) * _M1 ^ np.uint64(b) * _M2 ^ np.uint64(c) * _M3
    x ^= x >> np.uint64(30)
    x *= _M2
    x ^= x >> np.uint64(27)
    x *= _M3
    x ^= x >> np.uint64(31)
    return x


@njit(inline="always", fastmath=True)
def _sqdist(X, a, b):  # pragma: no cover (jitted)
    s = X.dtype.type(0.0)
    for t in range(X.shape[1]):
        diff = X[a, t] - X[b, t]
        s += diff * diff
    return s


@njit(inline="always")
def _push(dist, idx, flag, i, v, j):  # pragma: no cover (jitted)
    """Insert neighbour ``j`` at distance ``v`` into the sorted list of ``i``
    (flagged new) unless it is there already or not among the best; returns
    its place plus one if inserted, else 0."""
    if not beats_last(dist, idx, i, v, j) or holds(idx, i, j):
        return 0
    pos = sorted_insert(dist, idx, i, v, j)
    for s in range(dist.shape[1] - 1, pos, -1):  # the flags move with their entries
        flag[i, s] = flag[i, s - 1]
    flag[i, pos] = True
    return pos + 1


@njit(parallel=True, cache=True, fastmath=True)
def rp_forest(X, n_trees, leaf_size, seed):  # pragma: no cover (jitted)
    """Leaves of ``n_trees`` random-projection trees.

    Each node splits its points by the hyperplane equidistant from two of
    them drawn at random (in half, arbitrarily, when all fall on one side).

    Returns
    -------
    order : ndarray of shape (n_trees, n), int32
        The points of each tree, leaf after leaf.
    starts : ndarray of shape (n_trees, n + 1), int64
        Where each leaf begins in ``order``; ``n_leaves[t] + 1`` entries used.
    n_leaves : ndarray of shape (n_trees,), int64
    """
    n, d = X.shape
    order = np.empty((n_trees, n), dtype=np.int32)
    starts = np.zeros((n_trees, n + 1), dtype=np.int64)
    n_leaves = np.zeros(n_trees, dtype=np.int64)
    for t in prange(n_trees):
        perm = order[t]
        for i in range(n):
            perm[i] = i
        stack_lo = np.empty(n + 1, dtype=np.int64)
        stack_hi = np.empty(n + 1, dtype=np.int64)
        normal = np.empty(d, dtype=X.dtype)
        top = 1
        stack_lo[0] = 0
        stack_hi[0] = n
        leaves = 0
        node = 0
        while top > 0:
            top -= 1
            lo = stack_lo[top]
            hi = stack_hi[top]
            size = hi - lo
            if size <= leaf_size:
                starts[t, leaves] = lo
                leaves += 1
                continue
            node += 1
            h = _hash(seed, t, node)
            a = perm[lo + np.int64(h % np.uint64(size))]
            b = perm[lo + np.int64((h >> np.uint64(32)) % np.uint64(size - 1))]
            if b == a:
                b = perm[hi - 1]
            offset = 0.0
            for c in range(d):
                normal[c] = X[a, c] - X[b, c]
                offset += normal[c] * 0.5 * (X[a, c] + X[b, c])
            i = lo
            j = hi - 1
            while i <= j:
                m = -offset
                p = perm[i]
                for c in range(d):
                    m += normal[c] * X[p, c]
                if m < 0.0:
                    i += 1
                else:
                    perm[i] = perm[j]
                    perm[j] = p
                    j -= 1
            mid = i
            if mid == lo or mid == hi:
                mid = lo + size // 2
            # right pushed first: leaves come out in increasing order
            stack_lo[top] = mid
            stack_hi[top] = hi
            stack_lo[top + 1] = lo
            stack_hi[top + 1] = mid
            top += 2
        starts[t, leaves] = n
        n_leaves[t] = leaves
    return order, starts, n_leaves


@njit(parallel=True, cache=True, fastmath=True)
def join_leaves(X, order, starts, n_leaves, dist, idx, flag):  # pragma: no cover (jitted)
    """Every pair of points sharing a leaf, merged into both lists.

    The leaves of one tree are disjoint, so they run in parallel; the trees
    run one after the other.
    """
    for t in range(order.shape[0]):
        for leaf in prange(n_leaves[t]):
            lo = starts[t, leaf]
            hi = starts[t, leaf + 1]
            for u in range(lo, hi):
                p = order[t, u]
                for w in range(u + 1, hi):
                    q = order[t, w]
                    v = _sqdist(X, p, q)
                    _push(dist, idx, flag, p, v, q)
                    _push(dist, idx, flag, q, v, p)


@njit(inline="always")
def _offer(cand, prio, i, j, h):  # pragma: no cover (jitted)
    """Keep ``j`` among the candidates of ``i`` if its priority ``h`` is
    among the lowest (a sample without replacement, independent of order)."""
    if beats_last(prio, cand, i, h, j) and not holds(cand, i, j):
        sorted_insert(prio, cand, i, h, j)


@njit(parallel=True, cache=True)
def sample_candidates(idx, flag, n_candidates, seed, nparts):  # pragma: no cover (jitted)
    """New and old candidates of each point: its neighbours and the points
    that list it (reverse neighbours), at most ``n_candidates`` of each kind,
    drawn by hashed priorities.  Sampled new neighbours are then flagged old.

    Part ``s`` of ``nparts`` writes only the lists of its own points.
    """
    n, K = idx.shape
    empty = np.uint64(0xFFFFFFFFFFFFFFFF)
    new_c = np.full((n, n_candidates), -1, dtype=np.int32)
    old_c = np.full((n, n_candidates), -1, dtype=np.int32)
    new_p = np.full((n, n_candidates), empty, dtype=np.uint64)
    old_p = np.full((n, n_candidates), empty, dtype=np.uint64)
    for s in prange(nparts):
        lo = s * n // nparts
        hi = (s + 1) * n // nparts
        for i in range(n):
            for r in range(K):
                j = idx[i, r]
                if j < 0:
                    continue
                if lo <= i < hi:
                    if flag[i, r]:
                        _offer(new_c, new_p, i, j, _hash(seed, i, j))
                    else:
                        _offer(old_c, old_p, i, j, _hash(seed, i, j))
                if lo <= j < hi:
                    if flag[i, r]:
                        _offer(new_c, new_p, j, i, _hash(seed, j, i))
                    else:
                        _offer(old_c, old_p, j, i, _hash(seed, j, i))
    for i in prange(n):
        for r in range(K):
            if flag[i, r]:
                j = idx[i, r]
                for s in range(n_candidates):
                    if new_c[i, s] == j:
                        flag[i, r] = False
                        break
    return new_c, old_c


@njit(parallel=True, cache=True, fastmath=True)
def local_join(X, dist, new_c, old_c, lo, hi, pair_a, pair_b, pair_d, counts):  # pragma: no cover
    """Candidate pairs of points ``lo .. hi - 1`` that may improve a list.

    For each point, every pair of its new candidates and every new-old pair
    is measured; pairs closer than the worst neighbour of either end are
    written to the point's row of ``pair_*`` (``counts`` of them).  Lists are
    only read here.
    """
    C = new_c.shape[1]
    last = dist.shape[1] - 1
    for p in prange(lo, hi):
        row = p - lo
        # the candidates and their worst distances, read once per point
        # rather than once per pair (random reads of the lists dominate)
        cand = np.empty(2 * C, dtype=np.int32)
        thr = np.empty(2 * C, dtype=dist.dtype)
        for w in range(2 * C):
            b = new_c[p, w] if w < C else old_c[p, w - C]
            cand[w] = b
            if b >= 0:
                thr[w] = dist[b, last]
        c = 0
        for u in range(C):
            a = cand[u]
            if a < 0:
                continue
            for w in range(u + 1, C + C):
                b = cand[w]
                if b < 0 or b == a:
                    continue
                v = _sqdist(X, a, b)
                if v <= thr[u] or v <= thr[w]:
                    pair_a[row, c] = a
                    pair_b[row, c] = b
                    pair_d[row, c] = v
                    c += 1
        counts[row] = c


@njit(parallel=True, cache=True)
def apply_pairs(dist, idx, flag, pair_a, pair_b, pair_d, counts, nparts, top):  # pragma: no cover
    """Merge the pairs of :func:`local_join` into both ends' lists; part
    ``s`` of ``nparts`` updates only its own points.  Returns the number of
    insertions among the first ``top`` places of the lists."""
    n = dist.shape[0]
    changed = np.zeros(nparts, dtype=np.int64)
    for s in prange(nparts):
        lo = s * n // nparts
        hi = (s + 1) * n // nparts
        for row in range(counts.size):
            for c in range(counts[row]):
                a = pair_a[row, c]
                b = pair_b[row, c]
                v = pair_d[row, c]
                if lo <= a < hi:
                    place = _push(dist, idx, flag, a, v, b)
                    changed[s] += 0 < place <= top
                if lo <= b < hi:
                    place = _push(dist, idx, flag, b, v, a)
                    changed[s] += 0 < place <= top
    return changed.sum()


# Points whose local joins are buffered before their pairs are merged.
_JOIN_BLOCK = 16384


def nn_descent(X, n_neighbors, *, n_trees, leaf_size, n_candidates, max_iter, delta, seed,
               nparts, top=None):
    """Approximate ``n_neighbors`` nearest neighbours of every point.

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64, C-contiguous
    n_neighbors : int
        Length of the lists searched (self excluded).
    n_trees, leaf_size : int
        Random-projection forest of the start.
    n_candidates : int
        New (and old) candidates sampled per point and iteration.
    max_iter : int
    delta : float
        Stop when an iteration inserts fewer than ``delta * n * top`` points
        among the first ``top`` places of the lists.
    seed : int
    nparts : int
        Parallel parts of the merges (e.g. the number of threads); does not
        change the result.
    top : int, optional
        The places whose convergence ends the search (default: all): the
        caller's nearest few settle iterations before the whole lists do,
        which are searched longer only to find those few.

    Returns
    -------
    idx : ndarray of shape (n, n_neighbors), int32
        Sorted by distance, ties to the lower index; -1 where nothing was found.
    dist : ndarray of shape (n, n_neighbors)
        Squared distances.
    """
    n = X.shape[0]
    top = n_neighbors if top is None else min(top, n_neighbors)
    # Renumber the points leaf after leaf of a first tree, so that close
    # points lie close in memory: every later step reads the rows of
    # neighbours, and at 1e6 points random rows cost more than the arithmetic.
    first, first_starts, first_leaves = rp_forest(X, 1, leaf_size, seed)
    perm = first[0]
    X = X[perm]
    order, starts, n_leaves = rp_forest(X, n_trees - 1, leaf_size, seed + 1)
    order = np.vstack([np.arange(n, dtype=np.int32)[None, :], order])
    starts = np.vstack([first_starts, starts])
    n_leaves = np.concatenate([first_leaves, n_leaves])
    del first, first_starts
    dist = np.full((n, n_neighbors), np.inf, dtype=X.dtype)
    idx = np.full((n, n_neighbors), -1, dtype=np.int32)
    flag = np.zeros((n, n_neighbors), dtype=np.bool_)
    join_leaves(X, order, starts, n_leaves, dist, idx, flag)
    del order, starts
    block = min(n, _JOIN_BLOCK)
    width = n_candidates * (3 * n_candidates - 1) // 2
    pair_a = np.empty((block, width), dtype=np.int32)
    pair_b = np.empty((block, width), dtype=np.int32)
    pair_d = np.empty((block, width), dtype=X.dtype)
    counts = np.zeros(block, dtype=np.int64)
    for it in range(max_iter):
        new_c, old_c = sample_candidates(idx, flag, n_candidates, seed + it + 1, nparts)
        changed = 0
        for lo in range(0, n, block):
            hi = min(n, lo + block)
            local_join(X, dist, new_c, old_c, lo, hi, pair_a, pair_b, pair_d, counts)
            changed += apply_pairs(dist, idx, flag, pair_a, pair_b, pair_d, counts[: hi - lo],
                                   nparts, top)
        if changed <= delta * n * top:
            break
    return _original_numbering(idx, dist, perm)


@njit(cache=True)
def _original_numbering(idx, dist, perm):  # pragma: no cover (jitted)
    """The lists of points ``perm[i]`` in the original numbering, each sorted
    again by (distance, original index)."""
    n, K = idx.shape
    out_idx = np.empty_like(idx)
    out_dist = np.empty_like(dist)
    for i in range(n):
        p = perm[i]
        for r in range(K):
            j = idx[i, r]
            out_idx[p, r] = perm[j] if j >= 0 else -1
            out_dist[p, r] = dist[i, r]
        # insertion sort: only runs of equal distances move
        for r in range(1, K):
            v = out_dist[p, r]
            j = out_idx[p, r]
            pos = r
            while pos > 0 and out_dist[p, pos - 1] == v and out_idx[p, pos - 1] > j:
                out_dist[p, pos] = out_dist[p, pos - 1]
                out_idx[p, pos] = out_idx[p, pos - 1]
                pos -= 1
            out_dist[p, pos] = v
            out_idx[p, pos] = j
    return out_idx, out_dist
