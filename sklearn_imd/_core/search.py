"""Neighbour searches of a point cloud: exact (blocked BLAS products merged by
the ``_kernels.select`` kernels, or NumPy for small clouds) and approximate
(NN-descent), and the checks of their accuracy.

Each search works on a rescaled, centred copy of the cloud
(:func:`_prepare`); the graph itself ranks its candidates by distances
computed directly from the coordinates (``graph._neighbour_lists``).
"""

import numpy as np

from .._utils.chunking import SEARCH_ENTRIES, row_blocks, rows_per_block
from .._utils.validation import binary_exponent


# The exact search cuts the upper triangle of X X^T into tiles of
# _PANEL_ROWS x _TILE_COLUMNS (4 MiB in float64), small enough to stay in
# cache between the product and the merges.
_PANEL_ROWS = 256
_TILE_COLUMNS = 2048
# Neighbours NN-descent searches for (at least k), self excluded.
_APPROX_NEIGHBORS = 20
# Points whose exact neighbours check an approximate graph, and the recall
# below which a warning is given: a recall of 0.999 moves the signature by
# a few hundredths of an IMD unit, 0.98 by about 0.4, 0.5 by tens
# (asv_bench/graph_bias.py).
_RECALL_SAMPLE = 256
_MIN_RECALL = 0.99
# Relative tolerance of equal squared distances (ties of the k-th neighbour).
_TIE_RTOL = 1e-9


def _scale_exponent(X):
    """``-e`` with ``max |X|`` in ``[2^(e-1), 2^e)``: scaling by ``2^-e`` is exact
    (no rounding), so it keeps ties, and brings coordinates into [-1, 1]."""
    return -binary_exponent(X)


def _scaled64(X):
    """``X`` in float64, scaled exactly into [-1, 1] (distances in the units of
    :func:`_prepare` and of the direct-distance kernels)."""
    return np.ldexp(X.astype(np.float64), _scale_exponent(X))


def _integer_valued(X):
    """Whether every value of ``X`` is an integer (pixels, counts, a lattice),
    checked in blocks of rows so that no copy of ``X`` is made."""
    return all(np.array_equal(X[rows], np.round(X[rows]))
               for rows in row_blocks(X.shape[0], X.shape[1], SEARCH_ENTRIES))


def _integer_centring(X):
    """For integer-valued ``X`` (pixels, counts, a lattice): ``(Xc, dtype,
    exact)``, ``Xc`` the float64 copy centred on the rounded mean (an integer,
    so ``Xc`` stays integer-valued), ``dtype`` the one :func:`_prepare`
    computes in and ``exact`` whether the distance expansion is then exact.
    None for other data.

    Each value of the expansion ``sq[j] - 2 <x_i, x_j>`` and each of its
    partial sums is then an integer (times the exact power of two of the
    rescaling) below ``3 d max|x|^2``.  Below ``2**24`` in float32 and
    ``2**53`` in float64 all are exact, whatever the order in which a BLAS
    kernel adds them: float32 data beyond the first bound is computed in
    float64.
    """
    # (every float from 2**53 on is an integer: such data is left to the float path)
    if not (float(np.abs(X).max()) < 2.0**53 and _integer_valued(X)):
        return None
    Xc = X.astype(np.float64) - np.round(X.mean(axis=0, dtype=np.float64))
    bound = 3.0 * X.shape[1] * float(np.abs(Xc).max()) ** 2
    if bound < 2.0 ** (np.finfo(X.dtype).nmant + 1):
        return Xc, X.dtype, True
    return (Xc, np.dtype(np.float64), True) if bound < 2.0**53 else (Xc, X.dtype, False)


def _prepare(X):
    """Rescale and centre a copy of X: kNN is invariant to both, and they keep
    the squared norms of the distance expansion small and free of overflow
    (rescaling first, so no intermediate can overflow).

    Integer-valued data is centred on its rounded mean and may be computed in
    float64 (:func:`_integer_centring`): its distances are then exact, so
    tied distances are equal on every route, thread count and machine, and
    go to the lower index.
    """
    plan = _integer_centring(X)
    if plan is not None:
        Xc, dtype, _ = plan
        return np.ldexp(Xc, _scale_exponent(Xc)).astype(dtype, copy=False)
    Xc = np.ldexp(X, _scale_exponent(X)).astype(X.dtype, copy=False)
    Xc -= Xc.mean(axis=0, dtype=np.float64).astype(X.dtype)
    return Xc


def expansion_error(X):
    """A bound on the rounding error of the values ``sq[j] - 2 <x_i, x_j>`` that
    :func:`exact_knn` computes for ``X``, in the units of :func:`_scaled64`.

    0 where they are exact (integer-valued data, :func:`_integer_centring`).
    Otherwise ``4 (d + 2) eps max_i |x_i - mean|^2``: an inner product or a
    squared norm of ``d`` terms is off by at most ``d eps`` times the largest
    squared norm (Higham's bound, in whatever order the BLAS kernel sums),
    and the subtraction by ``3 eps`` times it.
    """
    plan = _integer_centring(X)
    if plan is not None and plan[2]:
        return 0.0
    eps = float(np.finfo(X.dtype if plan is None else plan[1]).eps)
    mean = X.mean(axis=0, dtype=np.float64)
    scale = float(np.ldexp(1.0, _scale_exponent(X)))
    norm = max(float(np.einsum("ij,ij->i", D, D).max()) for D in
               (X[rows] * scale - mean * scale
                for rows in row_blocks(X.shape[0], X.shape[1], SEARCH_ENTRIES)))
    return 4.0 * (X.shape[1] + 2) * eps * norm


def exact_knn(X, k, rows=None, *, jit):
    """Indices of the ``k`` nearest neighbours (self excluded) by blocked BLAS.

    Each pair of points is computed once: the tiles of ``X X^T`` on and above
    the block diagonal update the running neighbour buffers of both their
    rows and their columns (``_kernels.select``), so the search costs half a product
    of ``X`` with itself, and memory stays linear in ``n``.  Row panels go to
    ``numba.get_num_threads()`` threads, each with single-threaded BLAS and its
    own buffers for the columns, merged at the end: the result does not depend
    on the number of threads.

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64
        A validated cloud with n > k.
    k : int
        Number of neighbours.
    rows : ndarray of int, optional
        Query only these points (default: all).
    jit : bool
        Use the Numba kernels, else :func:`_exact_knn_numpy`: the same values,
        the same order.  Decided by the caller (``compute_signatures`` for a
        signature: the small-call route of ``JIT_MIN_POINTS``).

    Returns
    -------
    ind : ndarray of shape (len(rows), k), int64
        Sorted by increasing distance; ties go to the lower index.  The
        distances are those of the expansion ``|x_j|^2 - 2 <x_i, x_j>``: exact
        for integer-valued data (:func:`_prepare`), so that its ties and their
        order are the same on every route and machine.  For other data, two
        neighbours whose distances differ by less than the expansion's
        rounding (about ``d * eps * max |x|^2``) may swap places with another
        BLAS kernel or tile shape; the graph does not depend on it
        (:func:`_neighbour_lists` ranks candidates by direct distances).
    """
    Xp = _prepare(X)
    n = Xp.shape[0]
    sq = np.einsum("ij,ij->i", Xp, Xp)
    if not jit:
        return _exact_knn_numpy(Xp, sq, k, np.arange(n) if rows is None else rows)

    from .._kernels.select import merge_buffers, merge_rows, merge_tile

    def buffers(size):
        return np.full((size, k), np.inf, dtype=Xp.dtype), np.full((size, k), n, dtype=np.int64)

    if rows is not None:
        rows = np.asarray(rows, dtype=np.int64)
        best, ind = buffers(rows.size)
        # blocks of rows against tiles of columns: few rows still make products
        # of matrices (the recall check: 256 rows of 10^6 points)
        step = min(rows.size, _PANEL_ROWS)
        width = max(_PANEL_ROWS, rows_per_block(step, SEARCH_ENTRIES))
        for start in range(0, rows.size, step):
            part = slice(start, start + step)
            Q = Xp[rows[part]]
            for c0 in range(0, n, width):
                merge_rows(Q @ Xp[c0 : c0 + width].T, sq, rows[part], c0, best[part], ind[part])
        return ind

    from .._utils.panels import over_row_panels

    best, ind = buffers(n)

    def task(r0, r1, columns):
        # columns inside the row panel are covered by the rows
        for c0 in range(r0, n, _TILE_COLUMNS):
            G = Xp[r0:r1] @ Xp[c0 : c0 + _TILE_COLUMNS].T
            merge_tile(G, sq, r0, c0, max(0, r1 - c0), best[r0:r1], ind[r0:r1], *columns)

    columns = over_row_panels(n, _PANEL_ROWS, task, lambda: buffers(n))
    for col_best, col_ind in columns:
        merge_buffers(best, ind, col_best, col_ind)
    return ind


def _exact_knn_numpy(Xp, sq, k, rows):
    """:func:`exact_knn` of the prepared cloud ``Xp`` (squared norms ``sq``) in NumPy.

    The kernels' values ``sq[j] - 2 <x_i, x_j>`` in the dtype of ``Xp``, and
    their order: by value, then by index.
    """
    n = Xp.shape[0]
    rows = np.asarray(rows, dtype=np.int64)
    ind = np.empty((rows.size, k), dtype=np.int64)
    two = Xp.dtype.type(2.0)
    for block in row_blocks(rows.size, n, SEARCH_ENTRIES):
        part = rows[block]
        V = sq - two * (Xp[part] @ Xp.T)
        V[np.arange(part.size), part] = np.inf
        near = np.argpartition(V, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(V, near, axis=1)
        order = np.lexsort((near, values), axis=1)
        ind[block] = np.take_along_axis(near, order, axis=1)
        # ties at the k-th value: the partition's pick among them is arbitrary
        kth = values.max(axis=1, keepdims=True)
        for a in np.flatnonzero((V <= kth).sum(axis=1) > k):
            tied = np.flatnonzero(V[a] <= kth[a])
            ind[block.start + a] = tied[np.lexsort((tied, V[a, tied]))[:k]]
    return ind


def _direct_distances(X, scale, rows, ind, jit):
    """Squared distances of points ``rows[a]`` and ``ind[a, b]`` of ``X * scale``,
    in float64 from the coordinates (``_kernels.select.direct_distances``, or NumPy:
    ``jit`` as in :func:`exact_knn`)."""
    if jit:
        from .._kernels.select import direct_distances

        return direct_distances(X, scale, rows, ind)
    out = np.empty(ind.shape)
    for part in row_blocks(len(rows), ind.shape[1] * X.shape[1], SEARCH_ENTRIES):
        diff = (X[ind[part]].astype(np.float64) * scale
                - X[rows[part], None, :].astype(np.float64) * scale)
        out[part] = np.einsum("rcd,rcd->rc", diff, diff)
    return out


def approx_knn(X, k, random_state=None, backend="approx"):
    """Approximate neighbour indices from NN-descent, self excluded.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        A validated cloud with n > k.
    k : int
    random_state : int or None
    backend : {"approx", "pynndescent"}
        Our NN-descent (``_kernels.nndescent``: cached on disk, the same result for
        any number of threads) or pynndescent's (compiles for about 30 s in
        each new process).

    Returns
    -------
    ind : ndarray of shape (n, max(k, 20)) (at most n - 1 columns), int64
        Sorted by distance; the lists NN-descent searched, of which the
        first ``k`` are the ``k`` nearest.
    """
    n = X.shape[0]
    # NN-descent finds the nearest few far better when it looks for more:
    # recall@5 of 0.89 with 6 neighbours, 0.999 with 20 (n = 1e5, d = 10).
    n_search = min(n - 1, max(k, _APPROX_NEIGHBORS))
    seed = (
        int(np.random.default_rng().integers(2**31)) if random_state is None
        else int(random_state)
    )
    if backend == "approx":
        import numba

        from .._kernels.nndescent import nn_descent

        out, _ = nn_descent(
            np.ascontiguousarray(_prepare(X)), n_search,
            # the defaults of pynndescent, with fewer trees
            n_trees=min(8, 5 + int(round(n**0.25 / 2))), leaf_size=max(10, n_search),
            n_candidates=n_search, max_iter=max(5, int(round(np.log2(n)))), delta=0.001,
            seed=seed, nparts=numba.get_num_threads(), top=k,
        )
        out = out.astype(np.int64)
    else:
        from pynndescent import NNDescent

        index = NNDescent(
            _prepare(X), n_neighbors=n_search + 1, metric="euclidean", random_state=seed,
            compressed=True,
        )
        ind, _ = index.neighbor_graph  # sorted by distance
        ind = np.asarray(ind, dtype=np.int64)
        own = ind == np.arange(n)[:, None]
        # Drop the point itself where NN-descent returned it, then keep the k nearest.
        kept = np.where(own.any(axis=1, keepdims=True), ~own, np.arange(n_search + 1) < n_search)
        out = ind[kept].reshape(n, n_search)
    # NN-descent may leave slots unfilled (-1) for heavily duplicated points.
    missing = np.flatnonzero((out < 0).any(axis=1))
    if missing.size:
        out[missing] = exact_knn(X, n_search, rows=missing, jit=True)
    return out


def sample_recall(X, ind, k, random_state=None):
    """Fraction of the ``k`` neighbours in ``ind`` that are among the true ``k``
    nearest, on ``_RECALL_SAMPLE`` random points (exact search for those).

    A neighbour counts as true when it is no farther than the true ``k``-th
    nearest, so that ties do not count as misses.  Distances are direct, on
    the exactly rescaled coordinates, so the answer is the same at any scale.
    It checks NN-descent, a Numba kernel, so it runs on the kernels too.
    """
    n = X.shape[0]
    rows = np.random.default_rng(random_state).choice(n, min(n, _RECALL_SAMPLE), replace=False)
    scale = float(np.ldexp(1.0, _scale_exponent(X)))
    kth = _direct_distances(X, scale, rows, exact_knn(X, k, rows=rows, jit=True)[:, -1:], True)
    found = _direct_distances(X, scale, rows, ind[rows], True)
    return float(np.mean(found <= kth * (1 + _TIE_RTOL)))
