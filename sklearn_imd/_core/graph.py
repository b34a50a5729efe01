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

from ..exceptions import ApproximateGraphWarning, DuplicatePointsWarning, ExactSearchWarning
from .plan import _MAX_TIE_EDGES, plan_search
from .search import (
    _MIN_RECALL, _RECALL_SAMPLE, _TIE_RTOL, _direct_distances, _scale_exponent, approx_knn,
    exact_knn, expansion_error, sample_recall,
)

# Candidates of a point whose ties go beyond its list: this many times more
# at each widening of the search.
_WIDEN = 4


def _warn(notes, message, category):
    """Warn, or append ``(category, message)`` to ``notes`` when given (the
    caller reissues them: see ``compute._reissue``)."""
    if notes is None:
        warnings.warn(message, category, stacklevel=3)
    else:
        notes.append((category, message))


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


def _neighbour_lists(X, cand, k, notes=None, *, jit, slack=0.0):
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
    jit : bool
        The Numba kernels or NumPy, as in :func:`exact_knn`.
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
        # more candidates may hold nearer points than the first k + 1 did (the
        # expansion's rounding misplaced them): the k-th distance is then smaller
        radius[rows] = np.minimum(radius[rows], dist[:, k - 1] * (1.0 + _TIE_RTOL))
        guard[rows] = radius[rows] + 2.0 * slack
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
                cand, exact = exact_knn(X, width, jit=True), True
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
