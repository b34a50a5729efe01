"""Dask arrays for the metrics: moments blockwise, exact kNN searches as tasks
over pairs of row blocks (issue 26, "Past one machine").

Private: :func:`~sklearn_imd.fid_score`, :func:`~sklearn_imd.kid_score`,
:func:`~sklearn_imd.prdc_score` and :meth:`ReferenceStats.from_samples`
dispatch here when given a ``dask.array`` (recognised by its type's module,
so dask is imported only when one is given).  Everything runs on the current
scheduler: the ``distributed`` client in use, else dask's default.

- Moments: each row block's float64 :func:`~._utils.moments.part_moments`,
  merged on the cluster in the balanced tree of
  :func:`~._utils.moments.merge_all` (the same pairs, in the same order), so
  no worker holds more than two blocks' moments.
- Exact kNN: a task per pair of row blocks ``(A, B)`` finds, for each row of
  ``A``, its ``width`` nearest candidates in ``B`` by float32 BLAS products
  (the ``_kernels.select`` merge kernel), recomputes their squared distances
  directly from the coordinates in float64 (``_kernels.select.direct_distances``,
  the values the in-memory code ranks by) and bounds from below the direct
  distance of every other point of ``B`` (the ``floor``, from the products'
  rounding bound ``_utils.blas.product_tolerance``).  The lists of one row block
  are merged in a tree by (distance, index), as the in-memory code orders
  them, into its global top lists.  A row whose ``k``-th distance (or tie
  radius) is not below its floor (rare: ties, or clusters far from the mean)
  is searched again against every point, directly.  So the radii of PRDC and
  the edges of the IMD graph are those of direct distances, as in memory: the
  same numbers, the same edges.
"""

import numpy as np

from ._utils.moments import merge_moments, part_moments

# Rows x columns of the float32 products inside a pair task (as the in-memory
# search's tiles: a few MiB, in cache between the product and the merge).
_PANEL_ROWS = 256
_TILE_COLUMNS = 2048
_CROSS_ROWS = 128
_CROSS_COLUMNS = 1024
# Rows searched at once against a block when their lists were not certain.
_BRUTE_ROWS = 64
# Rows of a NumPy input per chunk when it is mixed with a dask one.
_NUMPY_CHUNK_ENTRIES = 1 << 22
# Subset entries (rows x features) gathered per compute by KID.
_KID_BATCH_ENTRIES = 1 << 24
_NO_POINT = np.iinfo(np.int64).max


def is_dask_array(x):
    """Whether ``x`` is a ``dask.array.Array``, without importing dask."""
    module = getattr(type(x), "__module__", None) or ""
    return module == "dask.array" or module.startswith("dask.array.")


def any_dask(*arrays):
    """Whether any of ``arrays`` is a dask array."""
    return any(is_dask_array(a) for a in arrays)


# --------------------------------------------------------------------------
# Validation


def check_cloud(X, *, min_points=2, name="X", purpose=None, float64=False):
    """A dask array of shape (n, d) ready for the blockwise routines.

    As :func:`._utils.validation.check_cloud`, checked lazily: float32 stays
    float32 (float64 with ``float64``), any other real dtype (float16 and
    bfloat16 too) becomes float64;
    several column chunks are merged into one (``rechunk``: a row block holds
    whole points); row chunks of unknown size are refused.  A NumPy input
    (mixed with a dask one) is validated in memory and cut into row chunks.
    NaN and infinite values are found by the first pass over the data
    (:func:`scan`, :func:`moments`), which raises then.
    """
    import dask.array as da

    from ._utils.validation import check_cloud as check_numpy

    if not is_dask_array(X):
        arr = check_numpy(X, min_points=min_points, name=name, purpose=purpose)
        if float64:
            arr = arr.astype(np.float64, copy=False)
        rows = max(1, _NUMPY_CHUNK_ENTRIES // arr.shape[1])
        return da.from_array(arr, chunks=(rows, -1))
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_points, n_features); got a "
            f"{X.ndim}-D dask array of shape {X.shape}."
            + (" Reshape a single feature with x.reshape(-1, 1)." if X.ndim == 1 else ""))
    if any(np.isnan(c) for c in X.chunks[0]) or any(np.isnan(c) for c in X.chunks[1]):
        raise ValueError(
            f"{name} is a dask array whose chunk sizes are unknown (NaN, e.g. after boolean "
            f"indexing); call {name}.compute_chunk_sizes() first.")
    from ._utils.validation import check_cloud_shape, is_bfloat16

    check_cloud_shape(X.shape, min_points, name, purpose)

    if X.dtype.kind not in "biuf" and not is_bfloat16(X.dtype):
        raise ValueError(f"{name} must hold real numbers; got a dask array of dtype "
                         f"{X.dtype}.")
    if X.dtype != np.float32 or float64:
        X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:  # a block must hold whole points
        X = X.rechunk({1: -1})
    return X


def check_pair(X, Y, *, min_points, purpose, float64=False, what="This metric"):
    """:func:`check_cloud` of two samples of one feature space."""
    X = check_cloud(X, min_points=min_points, name="X", purpose=purpose, float64=float64)
    Y = check_cloud(Y, min_points=min_points, name="Y", purpose=purpose, float64=float64)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features; got {X.shape[1]} and "
            f"{Y.shape[1]}. {what} compares points in one feature space; "
            "imd_score compares clouds of different dimensions.")
    return X, Y


def _blocks(X):
    """``[(delayed block, first row)]`` of the row blocks of ``X`` (one column chunk)."""
    starts = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(np.int64)
    return [(b, int(s)) for b, s in zip(X.to_delayed().ravel(), starts)]


def _first_bad(B):
    """``(row, column, kind)`` of the first non-finite value of a block, or None."""
    finite = np.isfinite(B)
    if finite.all():
        return None
    row, col = np.argwhere(~finite)[0]
    return int(row), int(col), "NaN" if np.isnan(B[row, col]) else "infinite values"


def _raise_bad(name, found, starts):
    for bad, start in zip(found, starts):
        if bad is not None:
            raise ValueError(
                f"{name} contains {bad[2]} (first at row {start + bad[0]}, column {bad[1]}); "
                "remove or impute them first.")


def _block_summary(B):
    """Row count, largest and smallest value, float64 column sums and the
    first non-finite value of one block."""
    B = np.asarray(B)
    if B.shape[0] == 0:
        return 0, 0.0, 0.0, np.zeros(B.shape[1]), None
    return (B.shape[0], float(B.max()), float(B.min()), B.sum(axis=0, dtype=np.float64),
            _first_bad(B))


class Summary:
    """What the searches need of a whole sample: ``n``, the largest absolute
    value (as ``binary_exponent``) and the float64 mean."""

    def __init__(self, parts):
        self.n = sum(p[0] for p in parts)
        self.largest = max(max(p[1], -p[2]) for p in parts)
        self.mean = sum(p[3] for p in parts) / self.n


def scan(*named):
    """:class:`Summary` of each ``(name, X)``, in one pass over the data; a
    ValueError naming the first NaN or infinite value."""
    import dask

    blocks = [_blocks(X) for _, X in named]
    tasks = [[dask.delayed(_block_summary)(b) for b, _ in bl] for bl in blocks]
    results = dask.compute(*tasks)
    out = []
    for (name, _), bl, parts in zip(named, blocks, results):
        _raise_bad(name, [p[4] for p in parts], [s for _, s in bl])
        out.append(Summary(parts))
    return out


def exponent_of(*summaries):
    """``binary_exponent`` of the samples summarised."""
    largest = max(s.largest for s in summaries)
    return int(np.frexp(largest)[1])


# --------------------------------------------------------------------------
# Moments


def _moments_and_check(B):
    """The block's :func:`part_moments` (those of no rows if it holds a NaN or
    an infinite value) and its first such value."""
    B = np.asarray(B)
    bad = _first_bad(B)
    return part_moments(B if bad is None else B[:0]), bad


def _first(pair):
    return pair[0]


def _second(pair):
    return pair[1]


def moments(*named):
    """The :class:`~._utils.moments.Moments` of each ``(name, X)``: each row
    block's :func:`part_moments` on its worker, merged in
    :func:`~._utils.moments.merge_all`'s balanced tree on the cluster; a
    ValueError naming the first NaN or infinite value."""
    import dask

    roots, checks, starts = [], [], []
    for _, X in named:
        bl = _blocks(X)
        pairs = [dask.delayed(_moments_and_check)(b) for b, _ in bl]
        parts = [dask.delayed(_first)(p) for p in pairs]
        while len(parts) > 1:  # merge_all's tree: (0, 1), (2, 3), ... level by level
            parts = [dask.delayed(merge_moments)(parts[i], parts[i + 1])
                     if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
        roots.append(parts[0])
        checks.append([dask.delayed(_second)(p) for p in pairs])
        starts.append([s for _, s in bl])
    found_roots, found_checks = dask.compute(roots, checks)
    for (name, _), found, st in zip(named, found_checks, starts):
        _raise_bad(name, found, st)
    return list(found_roots)


def scaled_moments(X):
    """``(mean, covariance, e)`` of a checked dask ``X``, as
    ``metrics._fid.scaled_moments``: of ``X / 2**e``, ``e`` its binary exponent."""
    (m,) = moments(("X", X))
    return m.mean, m.covariance(), m.exponent


# --------------------------------------------------------------------------
# KID


def kid_subsets(X, Y):
    """For ``metrics._kid``'s estimates of checked dask samples ``X`` and ``Y``:
    ``gather(pairs)``, which yields the rows ``(X[ix], Y[iy])`` of each
    pair of index arrays as float64 NumPy arrays, in the order given,
    gathered a few subsets at a time (``_KID_BATCH_ENTRIES`` values)."""
    import dask

    def gather(pairs):
        pairs = list(pairs)
        if not pairs:
            return
        per = max(1, _KID_BATCH_ENTRIES // ((pairs[0][0].size + pairs[0][1].size)
                                            * X.shape[1]))
        for start in range(0, len(pairs), per):
            batch = pairs[start : start + per]
            # the batch's rows of each sample by one sorted take per chunk, then
            # each subset's rows in its own order (copies of the same values)
            ux = np.unique(np.concatenate([ix for ix, _ in batch]))
            uy = np.unique(np.concatenate([iy for _, iy in batch]))
            gx, gy = dask.compute(X[ux], Y[uy])
            for ix, iy in batch:
                yield (gx[np.searchsorted(ux, ix)].astype(np.float64, copy=False),
                       gy[np.searchsorted(uy, iy)].astype(np.float64, copy=False))

    return gather


# --------------------------------------------------------------------------
# Exact kNN over pairs of row blocks


def _float32(B, scale, centre):
    return (np.asarray(B) * scale - centre).astype(np.float32)


def _finish(A, B, b0, same, best, idx, scale, sqA, sqB, factor):
    """Rows of ``A``'s candidates ``idx`` in ``B`` (``best`` their products'
    values) as ``(dist, index, floor)``: the squared direct distances (``X *
    scale``, float64, as the in-memory code), the global indices, sorted by
    (distance, index), and a lower bound on the direct distance of every
    other point of ``B``."""
    from ._kernels.select import direct_distances

    nA, nB = A.shape[0], B.shape[0]
    valid = idx < nB
    both = A if same else np.concatenate([A, B])
    dist = direct_distances(both, scale, np.arange(nA, dtype=np.int64),
                            np.where(valid, idx, 0) + (0 if same else nA))
    dist[~valid] = np.inf
    gidx = np.where(valid, idx + b0, _NO_POINT)
    order = np.lexsort((gidx, dist), axis=1)
    dist, gidx = np.take_along_axis(dist, order, axis=1), np.take_along_axis(gidx, order, axis=1)
    # every other point of B lies no nearer than the farthest candidate less
    # twice the products' rounding bound (as metrics._prdc._certified_radii)
    floor = np.max(np.where(valid, dist, -np.inf), axis=1) - factor * (sqA + sqB.max())
    # a block whose points are all candidates has no other point
    floor[valid.sum(axis=1) >= nB - (1 if same else 0)] = np.inf
    return dist, gidx, floor


def _pair_lists(A, B, a0, b0, scale, centre, width, factor):
    """The ``width`` nearest points of block ``B`` of each row of block ``A``
    (first rows ``a0``, ``b0``; a row skips itself) and, for another block,
    those of ``A`` of each row of ``B``, from one product of the two: the
    lists of :func:`_finish`, ``(lists of A,)`` or ``(lists of A, lists of B)``."""
    from ._kernels.select import merge_rows
    from ._utils.blas import single_blas_thread

    with single_blas_thread():  # small products, one per worker thread
        return _pair_lists_in(merge_rows, A, B, a0, b0, scale, centre, width, factor)


def _pair_lists_in(merge_rows, A, B, a0, b0, scale, centre, width, factor):
    A, B = np.asarray(A), np.asarray(B)
    same = a0 == b0
    nA, nB = A.shape[0], B.shape[0]
    ZA = _float32(A, scale, centre)
    ZB = ZA if same else _float32(B, scale, centre)
    sqA32, sqB32 = np.einsum("ij,ij->i", ZA, ZA), np.einsum("ij,ij->i", ZB, ZB)

    def buffers(size, other):
        return (np.full((size, width), np.inf, dtype=np.float32),
                np.full((size, width), other, dtype=np.int64))

    best, idx = buffers(nA, nB)
    col_best, col_idx = buffers(nB, nA)
    own = np.arange(nA, dtype=np.int64) if same else np.full(nA, -1, dtype=np.int64)
    none = np.full(nB, -1, dtype=np.int64)
    for r0 in range(0, nA, _PANEL_ROWS):
        part = slice(r0, r0 + _PANEL_ROWS)
        for c0 in range(0, nB, _TILE_COLUMNS):
            cols = slice(c0, c0 + _TILE_COLUMNS)
            G = ZA[part] @ ZB[cols].T
            merge_rows(G, sqB32, own[part], c0, best[part], idx[part])
            if not same:
                merge_rows(np.ascontiguousarray(G.T), sqA32, none[cols], r0, col_best[cols],
                           col_idx[cols])
    sqA = np.einsum("ij,ij->i", ZA, ZA, dtype=np.float64)
    sqB = sqA if same else np.einsum("ij,ij->i", ZB, ZB, dtype=np.float64)
    rows = _finish(A, B, b0, same, best, idx, scale, sqA, sqB, factor)
    if same:
        return (rows,)
    return rows, _finish(B, A, a0, False, col_best, col_idx, scale, sqB, sqA, factor)


def _merge_lists(a, b):
    """Two rows' lists of :func:`_pair_lists` merged into the best ``width``."""
    width = a[0].shape[1]
    dist, gidx = np.hstack([a[0], b[0]]), np.hstack([a[1], b[1]])
    order = np.lexsort((gidx, dist), axis=1)
    dist, gidx = np.take_along_axis(dist, order, axis=1), np.take_along_axis(gidx, order, axis=1)
    return dist[:, :width], gidx[:, :width], np.minimum(np.minimum(a[2], b[2]), dist[:, width])


def _brute(Q, rows, B, b0, scale, limit):
    """For query points ``Q`` (global indices ``rows``), every point of block
    ``B`` within the squared direct distance ``limit`` (a row skips itself):
    ``(query, point, distance)`` arrays."""
    from ._kernels.select import direct_distances

    Q, B = np.asarray(Q), np.asarray(B)
    nQ, nB = Q.shape[0], B.shape[0]
    both = np.concatenate([Q, B])
    d2 = direct_distances(both, scale, np.arange(nQ, dtype=np.int64),
                          np.broadcast_to(np.arange(nQ, nQ + nB, dtype=np.int64), (nQ, nB)))
    d2[rows[:, None] == np.arange(b0, b0 + nB)[None, :]] = np.inf
    a, j = np.nonzero(d2 <= limit[:, None])
    return a, j + b0, d2[a, j]


class NeighbourLists:
    """The exact neighbour lists of a checked dask cloud ``X``, in the units
    ``X * scale``.

    Attributes ``dist``, ``index`` (n, width) and ``floor`` (n,): each
    point's ``width`` nearest (self excluded) by direct squared distances,
    sorted by (distance, index), and a lower bound on the distance of any
    other point.
    """

    def __init__(self, X, scale, centre, width):
        import dask

        from ._utils.blas import product_tolerance as _tolerance

        self.X, self.scale, self.n = X, scale, X.shape[0]
        self.blocks = _blocks(X)
        width = min(width, self.n - 1)
        # twice the in-memory margin: the float32 sums sq[j] - 2 <x_i, x_j> of
        # the merge kernel round once more than the bound counts
        factor = 4.0 * _tolerance(X.shape[1], np.float32)
        # one task per pair of blocks i <= j (each pair of points once), giving
        # the lists of both
        nb = len(self.blocks)
        pairs = {(i, j): dask.delayed(_pair_lists, nout=1 if i == j else 2)(
                     A, B, a0, b0, scale, centre, width, factor)
                 for i, (A, a0) in enumerate(self.blocks)
                 for j, (B, b0) in enumerate(self.blocks) if i <= j}
        rows = []
        for i in range(nb):
            lists = [pairs[i, j][0] for j in range(i, nb)] + [pairs[j, i][1] for j in range(i)]
            while len(lists) > 1:
                lists = [dask.delayed(_merge_lists)(lists[i], lists[i + 1])
                         if i + 1 < len(lists) else lists[i] for i in range(0, len(lists), 2)]
            rows.append(lists[0])
        found = dask.compute(*rows)
        self.dist = np.vstack([f[0] for f in found])
        self.index = np.vstack([f[1] for f in found])
        self.floor = np.concatenate([f[2] for f in found])

    def within(self, rows, limit):
        """Every point within the squared distance ``limit[a]`` of point
        ``rows[a]`` (itself excluded), searched directly against every block:
        ``(query position, point, distance)`` arrays."""
        import dask

        order = np.argsort(rows)
        rows, limit = rows[order], limit[order]
        Q = self.X[rows]
        tasks = []
        for start in range(0, rows.size, _BRUTE_ROWS):
            part = slice(start, start + _BRUTE_ROWS)
            q = Q[part].to_delayed().ravel()
            q = dask.delayed(np.vstack)(list(q)) if len(q) > 1 else q[0]
            tasks += [dask.delayed(_brute)(q, rows[part], B, b0, self.scale, limit[part])
                      for B, b0 in self.blocks]
        found = dask.compute(*tasks)
        per = len(self.blocks)
        a = [f[0] + (i // per) * _BRUTE_ROWS for i, f in enumerate(found)]
        out_a = np.concatenate(a) if a else np.zeros(0, np.int64)
        out_j = np.concatenate([f[1] for f in found]) if found else np.zeros(0, np.int64)
        out_d = np.concatenate([f[2] for f in found]) if found else np.zeros(0)
        return order[out_a], out_j, out_d

    def radii(self, k):
        """The squared distance of each point to its ``k``-th nearest, exact."""
        radii = self.dist[:, k - 1].copy()
        open_ = np.flatnonzero(~(self.floor >= radii))
        if open_.size:
            a, _, d = self.within(open_, radii[open_])
            for pos in range(open_.size):
                radii[open_[pos]] = np.partition(d[a == pos], k - 1)[k - 1]
        return radii

    def edges(self, k, tie_rtol):
        """The directed edges of the kNN graph: each point to its ``k`` nearest
        and every point tied at the ``k``-th distance (to ``tie_rtol``), as
        ``graph._neighbour_lists`` defines them."""
        radius = self.dist[:, k - 1] * (1.0 + tie_rtol)
        within = self.dist <= radius[:, None]
        done = self.floor > radius
        src = [np.repeat(np.flatnonzero(done), within[done].sum(axis=1))]
        dst = [self.index[done][within[done]]]
        open_ = np.flatnonzero(~done)
        if open_.size:
            # the listed k-th distance bounds the true one from above
            a, j, d = self.within(open_, radius[open_])
            true_radius = np.empty(open_.size)
            for pos in range(open_.size):
                true_radius[pos] = np.partition(d[a == pos], k - 1)[k - 1] * (1.0 + tie_rtol)
            keep = d <= true_radius[a]
            src.append(open_[a[keep]])
            dst.append(j[keep])
        from ._core.plan import _MAX_TIE_EDGES

        src, dst = np.concatenate(src), np.concatenate(dst)
        budget = max(_MAX_TIE_EDGES, 4 * self.n * k)
        if src.size > budget:  # as graph._neighbour_lists
            raise ValueError(
                f"Ties at the k-th distance would give the cloud's kNN graph more than "
                f"{budget} edges (k = {k}, {self.n} points): most points have very many others "
                "at exactly the same distance. Add a little noise.")
        copies = int(np.count_nonzero(self.dist[:, k - 1] == 0))
        if copies:
            import warnings

            from .exceptions import DuplicatePointsWarning

            warnings.warn(
                f"{copies} of its {self.n} points have more than k = {k} identical copies: "
                "ties decide the kNN graph, each group becoming a clique, so the signature "
                "describes the duplication more than the shape of the data. Remove duplicates "
                "if they are an artefact.", DuplicatePointsWarning, stacklevel=2)
        return src, dst


def _adjacency(lists, k):
    """The CSR adjacency of :meth:`NeighbourLists.edges`, as ``graph.knn_adjacency``
    builds it (OR-symmetrised, weights 1)."""
    import scipy.sparse as sp

    from ._core.search import _TIE_RTOL

    rows, cols = lists.edges(k, _TIE_RTOL)
    n = lists.n
    A = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    A = A.maximum(A.T).tocsr()
    A.sort_indices()
    return A


def knn_adjacency(X, k):
    """The exact kNN graph of a checked dask cloud as ``graph.knn_adjacency``
    makes it: the same edges, CSR."""
    (summary,) = scan(("X", X))
    scale = float(np.ldexp(1.0, -exponent_of(summary)))
    return _adjacency(NeighbourLists(X, scale, summary.mean * scale, k + max(4, k)), k)


def _signature_of(lists, t, params, seed):
    """The IMD signature of the cloud of ``lists`` (:class:`NeighbourLists` of
    at least ``params["k"] + 1`` entries), as ``compute._cloud_signature``
    computes it with the exact graph: its Laplacian and Lanczos in this
    process."""
    from ._core.graph import normalized_laplacian
    from ._core.heat import heat_trace, normalize_trace

    if params["knn"] not in ("auto", "exact"):
        raise ValueError(
            f"knn={params['knn']!r}: the kNN graph of a dask array is searched exactly "
            "(knn='exact' or 'auto').")
    n, k = lists.n, params["k"]
    L = normalized_laplacian(_adjacency(lists, k))
    trace, _ = heat_trace(L, t, params["method"], min(params["m"], n), params["nv"],
                          np.random.default_rng(seed), jit=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        trace = normalize_trace(trace, t, n, k, params["normalization"])
    if not np.isfinite(trace).all():
        raise ValueError(
            f"The signature is not finite at t = {t[~np.isfinite(trace)].min():g} and above: "
            f"the null trace of normalization={params['normalization']!r} underflows there. "
            "Use smaller diffusion times or another normalization.")
    return trace


# --------------------------------------------------------------------------
# PRDC


def _pair_cross(A, B, scale, centre, RA, SB):
    """``(counts, covered, recalled)`` of ``_kernels.cross.cross_tile`` over
    real block ``A`` and generated block ``B``."""
    from ._utils.blas import single_blas_thread

    with single_blas_thread():  # small products, one per worker thread
        return _pair_cross_in(A, B, scale, centre, RA, SB)


def _pair_cross_in(A, B, scale, centre, RA, SB):
    from ._kernels.cross import cross_tile
    from ._utils.blas import product_tolerance as _tolerance

    A, B = np.asarray(A), np.asarray(B)
    ZA, ZB = _float32(A, scale, centre), _float32(B, scale, centre)
    sqA = np.einsum("ij,ij->i", ZA, ZA, dtype=np.float64)
    sqB = np.einsum("ij,ij->i", ZB, ZB, dtype=np.float64)
    c = _tolerance(A.shape[1], np.float32)
    counts = np.zeros(B.shape[0], dtype=np.int64)
    covered = np.zeros(A.shape[0], dtype=bool)
    recalled = np.zeros(A.shape[0], dtype=bool)
    for r0 in range(0, A.shape[0], _CROSS_ROWS):
        panel = ZA[r0 : r0 + _CROSS_ROWS]
        for c0 in range(0, B.shape[0], _CROSS_COLUMNS):
            G = panel @ ZB[c0 : c0 + _CROSS_COLUMNS].T
            cross_tile(G, r0, c0, sqA, sqB, c, RA, SB, A, B, scale, counts, covered, recalled)
    return counts, covered, recalled


def scaled_radii(X, k):
    """``(R, e)`` of a checked dask ``X`` as ``metrics._prdc.scaled_radii``: the
    exact squared ``k``-NN radii of ``X / 2**e``, ``e`` its binary exponent."""
    (sx,) = scan(("X", X))
    e = exponent_of(sx)
    scale = float(np.ldexp(1.0, -e))
    return NeighbourLists(X, scale, sx.mean * scale, k + max(4, k)).radii(k), e


def _prdc(X, Y, k, R=None, R_exponent=0):
    """The four scores (a dict) of checked dask samples, as ``metrics._prdc._prdc``; ``R``:
    the real squared radii of ``X / 2**R_exponent``, if known."""
    import dask

    sx, sy = scan(("X", X), ("Y", Y))
    e = exponent_of(sx, sy)
    scale = float(np.ldexp(1.0, -e))
    centre = sx.mean * scale
    R = (NeighbourLists(X, scale, centre, k + max(4, k)).radii(k) if R is None
         else np.ldexp(R, 2 * (R_exponent - e)))
    S = NeighbourLists(Y, scale, sy.mean * scale, k + max(4, k)).radii(k)
    xb, yb = _blocks(X), _blocks(Y)
    ends_x = [s for _, s in xb[1:]] + [X.shape[0]]
    ends_y = [s for _, s in yb[1:]] + [Y.shape[0]]
    tasks = [[dask.delayed(_pair_cross)(A, B, scale, centre, R[a0:a1], S[b0:b1])
              for (B, b0), b1 in zip(yb, ends_y)] for (A, a0), a1 in zip(xb, ends_x)]
    found = dask.compute(*tasks)
    counts = np.concatenate([sum(found[a][b][0] for a in range(len(xb)))
                             for b in range(len(yb))])
    covered = np.concatenate([np.logical_or.reduce([f[1] for f in row]) for row in found])
    recalled = np.concatenate([np.logical_or.reduce([f[2] for f in row]) for row in found])
    return dict(
        precision=float(np.count_nonzero(counts) / counts.size),
        recall=float(recalled.mean()),
        density=float(counts.sum() / (k * counts.size)),
        coverage=float(covered.mean()),
    )


# --------------------------------------------------------------------------
# IMD


def cloud_signature(X, t, params, seed):
    """The IMD signature of a checked dask cloud (exact graph), as
    ``compute.compute_signatures`` of one cloud with the seed ``seed``."""
    (sx,) = scan(("X", X))
    scale = float(np.ldexp(1.0, -exponent_of(sx)))
    k = params["k"]
    return _signature_of(NeighbourLists(X, scale, sx.mean * scale, k + max(4, k)), t, params,
                         seed)


# --------------------------------------------------------------------------
# compare

# The metrics compare computes on dask arrays (the others need a sample in memory).
