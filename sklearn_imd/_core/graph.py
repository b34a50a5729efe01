"""kNN graph of a point cloud and its normalized Laplacian.

Definitions (they fix the published numbers): each point's ``k`` nearest
neighbours in Euclidean distance, itself excluded; an edge i-j when either
point is among the other's ``k`` nearest (OR-construction); all weights 1;
``L = I - D^-1/2 A D^-1/2``.

Ties: every point at the same distance as the ``k``-th nearest is a
neighbour too, so the graph does not depend on the order of the points (on
a grid or among duplicates, a point may then have more than ``k``).  Equal
means equal to a relative 1e-9 in squared distances computed directly from
the coordinates.
"""

import warnings

import numpy as np

from .._utils.validation import JIT_MIN_POINTS, binary_exponent
from ..exceptions import ApproximateGraphWarning, DuplicatePointsWarning, ExactSearchWarning

# The exact search cuts the upper triangle of X X^T into tiles of
# _PANEL_ROWS x _TILE_COLUMNS (4 MiB in float64), small enough to stay in
# cache between the product and the merges.
_PANEL_ROWS = 256
_TILE_COLUMNS = 2048
# Entries of each block of inner products of a subset query (64 MiB in
# float64), so memory stays linear in n.
_BLOCK_ENTRIES = 1 << 23
# Cost models of knn="auto", in seconds, measured on 2 cores
# (asv_bench/knn_crossover.py): the exact search costs half a product of X
# with itself plus a merge per pair, NN-descent a cost per point and feature.
_EXACT_PAIR_SECONDS = (3.3e-11, 2.6e-9)  # (per pair and feature, per pair)
_APPROX_POINT_SECONDS = (1.7e-7, 2.1e-5)  # (per point and feature, per point)
# NN-descent is taken only when predicted this many times faster: even at
# 99.9% recall its graph moves the IMD by a few hundredths.
_APPROX_ADVANTAGE = 2.0
# Neighbours NN-descent searches for (at least k), self excluded.
_APPROX_NEIGHBORS = 20
# Points whose exact neighbours check an approximate graph, and the recall
# below which a warning is given: a recall of 0.999 moves the signature by
# a few hundredths of an IMD unit, 0.98 by about 0.4, 0.5 by tens
# (asv_bench/graph_bias.py).
_RECALL_SAMPLE = 256
_MIN_RECALL = 0.99
# knn="auto" first estimates the intrinsic dimension on a subsample: above
# _MAX_APPROX_DIMENSION (Levina-Bickel, 10 neighbours among 2,000 points),
# NN-descent misses true neighbours (recall@5 at 60,000 points in 64-d:
# Gaussians of dimension 16, estimated 12.9: 0.997; 24, estimated 16.5:
# 0.963), so the exact search is taken without trying it.
_PILOT_POINTS = 2000
_PILOT_NEIGHBORS = 10
_MAX_APPROX_DIMENSION = 14.0
# Predicted seconds of an exact search above which knn="auto" says it takes it.
_SLOW_EXACT_SECONDS = 60.0
# Candidates of a point whose ties go beyond its list: this many times more
# at each widening of the search.
_WIDEN = 4
# Relative tolerance of equal squared distances (ties of the k-th neighbour).
_TIE_RTOL = 1e-9
# Edges the ties may add, at most (beyond this the cloud is mostly duplicates).
_MAX_TIE_EDGES = 1 << 24


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
    step = max(1, _BLOCK_ENTRIES // max(1, X.shape[1]))
    return all(np.array_equal(B, np.round(B)) for B in
               (X[start : start + step] for start in range(0, X.shape[0], step)))


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
    step = max(1, _BLOCK_ENTRIES // max(1, X.shape[1]))
    norm = max(float(np.einsum("ij,ij->i", D, D).max()) for D in
               (X[start : start + step] * scale - mean * scale
                for start in range(0, X.shape[0], step)))
    return 4.0 * (X.shape[1] + 2) * eps * norm


def exact_knn(X, k, rows=None, jit=None):
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
    jit : bool, optional
        Use the Numba kernels (default: from ``JIT_MIN_POINTS`` points), else
        :func:`_exact_knn_numpy`: the same values, the same order.

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
    if not (n >= JIT_MIN_POINTS if jit is None else jit):
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
        width = max(_PANEL_ROWS, _BLOCK_ENTRIES // step)
        for start in range(0, rows.size, step):
            part = slice(start, start + step)
            Q = Xp[rows[part]]
            for c0 in range(0, n, width):
                merge_rows(Q @ Xp[c0 : c0 + width].T, sq, rows[part], c0, best[part], ind[part])
        return ind

    import threading
    from concurrent.futures import ThreadPoolExecutor

    import numba

    from .._utils.blas import single_blas_thread

    best, ind = buffers(n)
    panels = iter(range(0, n, _PANEL_ROWS))
    lock = threading.Lock()

    def work():
        # Takes row panels until none is left; returns its column buffers.
        col_best, col_ind = buffers(n)
        while True:
            with lock:
                r0 = next(panels, None)
            if r0 is None:
                return col_best, col_ind
            r1 = min(n, r0 + _PANEL_ROWS)
            for c0 in range(r0, n, _TILE_COLUMNS):
                G = Xp[r0:r1] @ Xp[c0 : c0 + _TILE_COLUMNS].T
                # columns inside the row panel are covered by the rows
                merge_tile(G, sq, r0, c0, max(0, r1 - c0), best[r0:r1], ind[r0:r1],
                           col_best, col_ind)

    n_threads = max(1, min(numba.get_num_threads(), -(-n // _PANEL_ROWS)))
    with single_blas_thread(), ThreadPoolExecutor(n_threads) as pool:
        columns = [f.result() for f in [pool.submit(work) for _ in range(n_threads)]]
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
    step = max(1, min(rows.size, _BLOCK_ENTRIES // n))
    for start in range(0, rows.size, step):
        part = rows[start : start + step]
        V = sq - two * (Xp[part] @ Xp.T)
        V[np.arange(part.size), part] = np.inf
        near = np.argpartition(V, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(V, near, axis=1)
        order = np.lexsort((near, values), axis=1)
        ind[start : start + part.size] = np.take_along_axis(near, order, axis=1)
        # ties at the k-th value: the partition's pick among them is arbitrary
        kth = values.max(axis=1, keepdims=True)
        for a in np.flatnonzero((V <= kth).sum(axis=1) > k):
            tied = np.flatnonzero(V[a] <= kth[a])
            ind[start + a] = tied[np.lexsort((tied, V[a, tied]))[:k]]
    return ind


def _direct_distances(X, scale, rows, ind, jit=None):
    """Squared distances of points ``rows[a]`` and ``ind[a, b]`` of ``X * scale``,
    in float64 from the coordinates (``_kernels.select.direct_distances``, or NumPy:
    ``jit`` as in :func:`exact_knn`)."""
    if X.shape[0] >= JIT_MIN_POINTS if jit is None else jit:
        from .._kernels.select import direct_distances

        return direct_distances(X, scale, rows, ind)
    out = np.empty(ind.shape)
    step = max(1, _BLOCK_ENTRIES // max(1, ind.shape[1] * X.shape[1]))
    for start in range(0, len(rows), step):
        part = slice(start, start + step)
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
        out[missing] = exact_knn(X, n_search, rows=missing)
    return out


def sample_recall(X, ind, k, random_state=None):
    """Fraction of the ``k`` neighbours in ``ind`` that are among the true ``k``
    nearest, on ``_RECALL_SAMPLE`` random points (exact search for those).

    A neighbour counts as true when it is no farther than the true ``k``-th
    nearest, so that ties do not count as misses.  Distances are direct, on
    the exactly rescaled coordinates, so the answer is the same at any scale.
    """
    n = X.shape[0]
    rows = np.random.default_rng(random_state).choice(n, min(n, _RECALL_SAMPLE), replace=False)
    scale = float(np.ldexp(1.0, _scale_exponent(X)))
    kth = _direct_distances(X, scale, rows, exact_knn(X, k, rows=rows)[:, -1:])
    found = _direct_distances(X, scale, rows, ind[rows])
    return float(np.mean(found <= kth * (1 + _TIE_RTOL)))


def choose_knn(n_points, n_features, knn):
    """Resolve ``knn="auto"``: the search the cost models predict to be faster.

    The exact search costs about ``n^2 / 2`` pairs, NN-descent about ``n``
    points (times a cost per feature each); the constants were measured on
    2 cores by ``asv_bench/knn_crossover.py``.  NN-descent is taken when
    predicted ``_APPROX_ADVANTAGE`` times faster: for 64 features, from about
    27,000 points.
    """
    if knn != "auto":
        return knn
    exact = 0.5 * n_points**2 * (_EXACT_PAIR_SECONDS[0] * n_features + _EXACT_PAIR_SECONDS[1])
    approx = n_points * (_APPROX_POINT_SECONDS[0] * n_features + _APPROX_POINT_SECONDS[1])
    return "approx" if exact > _APPROX_ADVANTAGE * approx else "exact"


def intrinsic_dimension(X, random_state=None):
    """Levina-Bickel estimate of the intrinsic dimension of ``X`` on a random subsample.

    The maximum-likelihood estimate from the distances ``T_1 <= ... <= T_K``
    of each point's ``K = _PILOT_NEIGHBORS`` nearest among ``_PILOT_POINTS``
    random points, averaged as MacKay and Ghahramani propose (the inverse of
    the mean inverse).  Points with a duplicate are left out.
    """
    n = X.shape[0]
    rng = np.random.default_rng(random_state)
    S = _scaled64(X[rng.choice(n, min(n, _PILOT_POINTS), replace=False)])
    K = min(_PILOT_NEIGHBORS, S.shape[0] - 1)
    if K < 2:
        return 0.0
    ind = exact_knn(S, K)
    T = np.sqrt(np.einsum("ijl,ijl->ij", S[ind] - S[:, None, :], S[ind] - S[:, None, :]))
    T = T[T[:, 0] > 0]
    if T.size == 0:
        return 0.0
    inverse = np.log(T[:, -1:] / T[:, :-1]).mean(axis=1)
    return float(1.0 / inverse.mean()) if inverse.mean() > 0 else 0.0


def _warn(notes, message, category):
    """Warn, or append ``(category, message)`` to ``notes`` when given (the
    caller reissues them: see ``compute._reissue``)."""
    if notes is None:
        warnings.warn(message, category, stacklevel=3)
    else:
        notes.append((category, message))


def plan_search(X, k, knn, random_state=None):
    """The neighbour search for ``X``: ``(method, fallback, note)``.

    First refuses a cloud whose groups of identical points would make too
    large a graph (:func:`_refuse_heavy_duplicates`), before any search.

    ``knn="auto"`` takes NN-descent where the cost models predict it to be
    ``_APPROX_ADVANTAGE`` times faster (:func:`choose_knn`) and the cloud's
    estimated intrinsic dimension is at most ``_MAX_APPROX_DIMENSION``; then
    ``fallback`` is true: an approximate graph of low recall is replaced by
    the exact one.  ``note`` is a message for the user, given before the
    work starts, when the exact search is taken and predicted to be slow.
    """
    _refuse_heavy_duplicates(X, k, random_state)
    n, d = X.shape
    method = choose_knn(n, d, knn)
    if knn != "auto" or method == "exact":
        return method, False, None
    dimension = intrinsic_dimension(X, random_state)
    if dimension <= _MAX_APPROX_DIMENSION:
        return method, True, None
    seconds = 0.5 * n**2 * (_EXACT_PAIR_SECONDS[0] * d + _EXACT_PAIR_SECONDS[1])
    note = None
    if seconds > _SLOW_EXACT_SECONDS:
        note = (f"The cloud's intrinsic dimension is about {dimension:.0f}, too high for an "
                "approximate kNN graph to find the true neighbours: knn='auto' takes the exact "
                f"search, about {seconds:.0f} s on 2 cores. knn='approx' is faster but changes "
                "the signature.")
    return "exact", False, note


def _refuse_heavy_duplicates(X, k, random_state=None):
    """Refuse, before any search, a cloud whose groups of identical points would
    give more than ``_MAX_TIE_EDGES`` edges (estimated from the identical pairs
    among ``_PILOT_POINTS`` random points, then counted)."""
    n = X.shape[0]
    budget = max(_MAX_TIE_EDGES, 4 * n * k)
    if n * n <= budget:
        return
    sample = X[np.random.default_rng(random_state).choice(n, min(n, _PILOT_POINTS), False)]
    # identical rows have equal fingerprints (a fixed random projection, the
    # same sums in the same order), distinct rows almost never: a collision
    # can only overestimate, and then the exact count below decides
    direction = np.random.default_rng(0).standard_normal(X.shape[1])
    counts = np.unique(_scaled64(sample) @ direction, return_counts=True)[1]
    m = sample.shape[0]
    if n * n * (counts * (counts - 1)).sum() / (m * (m - 1)) <= budget / 2:
        return
    counts = np.unique(X, axis=0, return_counts=True)[1]
    edges = int((counts * (counts - 1))[counts > k].sum())
    if edges > budget:
        raise ValueError(
            f"The cloud's groups of identical points would give its kNN graph {edges} edges "
            f"(k = {k}, {n} points, {counts.size} distinct; the largest group holds "
            f"{counts.max()}): ties decide such a graph, each group becoming a clique. Remove "
            "duplicates (np.unique(X, axis=0)) or add a little noise."
        )


def _duplicate_groups(X, rows, k, budget, notes):
    """Edges from each of ``rows`` (points with more than ``k`` identical
    copies) to its copies, after a warning; refused above ``budget`` edges."""
    _, inverse, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    edges = int((counts[inverse[rows]] - 1).sum())
    in_groups = int(counts[counts > k].sum())
    _warn(
        notes,
        f"{in_groups} of its {X.shape[0]} points lie in groups of more than k = {k} identical "
        f"points (the largest holds {counts.max()}; {counts.size} distinct "
        f"point{'s' if counts.size > 1 else ''} in all): "
        "ties decide the kNN graph, each group becoming a clique, so the signature describes "
        "the duplication more than the shape of the data. Remove duplicates "
        "(np.unique(X, axis=0)) if they are an artefact.",
        DuplicatePointsWarning,
    )
    if edges > budget:  # the sampled estimate of _refuse_heavy_duplicates fell short
        raise ValueError(
            f"The cloud's groups of identical points would give its kNN graph {edges} edges "
            f"(k = {k}, {X.shape[0]} points). Remove duplicates (np.unique(X, axis=0)) or add "
            "a little noise."
        )
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    group = inverse[rows]
    sizes = counts[group]
    src = np.repeat(rows, sizes)
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    dst = order[np.repeat(starts[group], sizes) + offsets]
    keep = dst != src
    return src[keep], dst[keep]


def _neighbour_lists(X, cand, k, notes=None, jit=None, slack=0.0):
    """Each point's ``k`` nearest, with every point tied at the ``k``-th distance.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        The validated cloud.
    cand : ndarray of shape (n, c), int64
        Each point's ``c > k`` nearest (exact or approximate), self excluded,
        sorted by distance; ``c = n - 1`` when ``n = k + 1``.  The first
        ``k + 1`` decide, the others are searched first for more ties.
    k : int
    notes : list, optional
        Where warnings go (see :func:`knn_adjacency`).
    jit : bool, optional
        As in :func:`exact_knn`.
    slack : float, default=0.0
        For candidates of :func:`exact_knn`: its :func:`expansion_error`
        ``delta``.  A point not among the candidates is then at most
        ``2 delta`` nearer than the last candidate, so the ties are complete
        only where the last candidate lies beyond the tie radius by more:
        elsewhere the search goes on.  The graph is then that of the direct
        distances, whatever order the expansion's rounding gave the
        candidates on this machine.

    Returns
    -------
    rows, cols : ndarray of int64
        The directed edges ``rows[e] -> cols[e]``, at least ``k`` per point.

    Notes
    -----
    Distances are computed directly from the exactly rescaled coordinates, in
    a fixed order, so equal distances (a grid, duplicates) are bit-equal.  A
    point whose candidates are all tied may have more ties beyond them: a
    group of identical points takes its copies from ``np.unique``; others
    search again with ``_WIDEN`` times more candidates (exact search of those
    rows) until the last one lies beyond the tie.
    """
    n = X.shape[0]
    scale = float(np.ldexp(1.0, _scale_exponent(X)))
    everyone = np.arange(n)

    def sorted_lists(rows, cand):
        dist = _direct_distances(X, scale, rows, cand, jit)
        order = np.lexsort((cand, dist), axis=1)  # by distance, then by index
        return np.take_along_axis(dist, order, axis=1), np.take_along_axis(cand, order, axis=1)

    spare = cand  # NN-descent's longer lists: the first place to look for more ties
    dist, cand = sorted_lists(everyone, cand[:, : k + 1])
    radius = dist[:, k - 1] * (1.0 + _TIE_RTOL)
    guard = radius + 2.0 * slack
    within = dist <= radius[:, None]
    # the last candidate within the guard (and not all other points): the
    # ties may go on beyond the candidates
    open_ = (dist[:, -1] <= guard) & (cand.shape[1] < n - 1)
    done = ~open_
    src = [np.repeat(everyone[done], within[done].sum(axis=1))]
    dst = [cand[done][within[done]]]
    budget = max(_MAX_TIE_EDGES, 4 * n * k)
    # groups of more than k identical points (a warning); the points with more
    # than k identical copies take them from np.unique
    duplicates = open_ & within[:, -1] & (radius == 0)
    if (radius == 0).any():
        pair = _duplicate_groups(X, np.flatnonzero(duplicates), k, budget, notes)
        src.append(pair[0])
        dst.append(pair[1])
    rows = np.flatnonzero(open_ & ~duplicates)
    width = cand.shape[1]
    while rows.size:
        if width < spare.shape[1]:
            width = spare.shape[1]
            wider = spare[rows]
        else:
            width = min(n - 1, _WIDEN * width)
            # many rows (a lattice): one search of all points, each pair once
            wider = (exact_knn(X, width, jit=jit)[rows] if 8 * rows.size > n
                     else exact_knn(X, width, rows=rows, jit=jit))
        dist, cand = sorted_lists(rows, wider)
        within = dist <= radius[rows, None]
        still = (dist[:, -1] <= guard[rows]) & (width < n - 1)
        src.append(np.repeat(rows[~still], within[~still].sum(axis=1)))
        dst.append(cand[~still][within[~still]])
        rows = rows[still]
        if sum(e.size for e in dst) + rows.size * width > budget:
            raise ValueError(
                f"Ties at the k-th distance would give the cloud's kNN graph more than "
                f"{budget} edges (k = {k}, {n} points): most points have very many others at "
                "exactly the same distance. Add a little noise."
            )
    return np.concatenate(src), np.concatenate(dst)


def knn_adjacency(X, k, knn="auto", random_state=None, notes=None, plan=None, dense=False):
    """Unweighted, OR-symmetrised kNN adjacency matrix as CSR (float64).

    Every point tied at the distance of the ``k``-th nearest is a neighbour
    too (see the module's docstring).  With ``knn="auto"``, an approximate
    graph whose sampled recall falls below 99% is replaced by the exact one,
    with an :class:`ExactSearchWarning`; with ``knn="approx"`` or
    ``"pynndescent"`` it is kept, with an :class:`ApproximateGraphWarning`.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        A validated cloud with n > k.
    k : int
        Number of neighbours.
    knn : {"auto", "exact", "approx", "pynndescent"}
        Neighbour search.
    random_state : int or None
        Seed of the approximate search and of the samples that check it.
    notes : list, optional
        Warnings are appended to it as ``(category, message)`` instead of
        being issued (from threads, where ``warnings.catch_warnings`` is not
        safe).
    plan : tuple, optional
        :func:`plan_search` of ``X`` made beforehand (its note given); by
        default made here.
    dense : bool, default=False
        Return a dense array, found without Numba and SciPy (small clouds).

    Returns
    -------
    A : scipy.sparse.csr_matrix or ndarray of shape (n, n)
        Symmetric, zero diagonal, every degree at least ``k``.
    """
    n = X.shape[0]
    # (integer values, as pixels, have common ties: _prepare computes their
    # distance expansion exactly, in float64 where float32 cannot)
    if plan is None:
        plan = plan_search(X, k, knn, random_state)
        if plan[2] is not None:
            _warn(notes, plan[2], ExactSearchWarning)
    method, fallback, _ = plan
    width = min(k + 1, n - 1)  # one more than k, to see ties
    exact = method == "exact"
    if exact:
        cand = exact_knn(X, width, jit=not dense)
    else:
        cand = approx_knn(X, width, random_state, method)
        recall = sample_recall(X, cand[:, :k], k, random_state)
        if recall < _MIN_RECALL:
            found = (f"The approximate kNN graph holds only {recall:.0%} of the true {k} "
                     f"nearest neighbours (measured on {min(n, _RECALL_SAMPLE)} points); such "
                     "a graph changes the signature by far more than the estimator's noise.")
            if fallback:
                _warn(notes, f"{found} knn='auto' uses the exact graph instead (its time "
                      "grows as n^2).", ExactSearchWarning)
                cand, exact = exact_knn(X, width), True
            else:
                _warn(notes, f"{found} Use knn='exact' or 'auto' for accurate values (the exact "
                      "search's time grows as n^2).", ApproximateGraphWarning)
    rows, cols = _neighbour_lists(X, cand, k, notes, jit=not dense,
                                  slack=expansion_error(X) if exact else 0.0)
    if dense:
        A = np.zeros((n, n))
        A[rows, cols] = 1.0
        return np.maximum(A, A.T)
    import scipy.sparse as sp

    A = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    A = A.maximum(A.T).tocsr()
    A.sort_indices()
    return A


def normalized_laplacian(A):
    """``L = I - D^-1/2 A D^-1/2`` of an adjacency matrix without isolated nodes.

    Returns
    -------
    L : scipy.sparse.csr_matrix, or ndarray for a dense ``A``
        Symmetric with unit diagonal, so ``Tr L = n``; spectrum in [0, 2].
    """
    if isinstance(A, np.ndarray):
        s = 1.0 / np.sqrt(A.sum(axis=1))
        L = -(s[:, None] * A) * s  # the entries of the sparse route, bit for bit
        np.fill_diagonal(L, 1.0)
        return L
    import scipy.sparse as sp

    A = A.tocsr()
    A.sort_indices()
    n = A.shape[0]
    deg = np.asarray(A.sum(axis=1)).ravel()
    s = 1.0 / np.sqrt(deg)
    rows = np.repeat(np.arange(n), np.diff(A.indptr))
    if (A.indices == rows).any():  # stored diagonal entries (not from knn_adjacency)
        L = (sp.identity(n, format="csr") - sp.diags(s) @ A @ sp.diags(s)).tocsr()
        L.sort_indices()
        return L
    # the arrays of L directly: each row's entries with the diagonal inserted
    # in column order (A has none), every other entry -s_i a_ij s_j
    indptr = A.indptr + np.arange(n + 1)
    position = np.arange(rows.size) + rows + (A.indices > rows)
    diagonal = indptr[:-1] + np.bincount(rows[A.indices < rows], minlength=n)
    data = np.empty(rows.size + n)
    indices = np.empty(rows.size + n, dtype=A.indices.dtype)
    data[position] = -(s[rows] * A.data) * s[A.indices]
    indices[position] = A.indices
    data[diagonal] = 1.0
    indices[diagonal] = np.arange(n)
    return sp.csr_matrix((data, indices, indptr), shape=(n, n))
