"""The plan of a neighbour search: exact or NN-descent (``knn="auto"``), from
cost models measured on 2 cores and the cloud's estimated intrinsic
dimension, made before any search, with the refusal of clouds whose
duplicates would make too large a graph."""

import numpy as np

from .search import _scaled64, exact_knn

# Cost models of knn="auto", in seconds, measured on 2 cores
# (asv_bench/knn_crossover.py): the exact search costs half a product of X
# with itself plus a merge per pair, NN-descent a cost per point and feature.
_EXACT_PAIR_SECONDS = (3.3e-11, 2.6e-9)  # (per pair and feature, per pair)
_APPROX_POINT_SECONDS = (1.7e-7, 2.1e-5)  # (per point and feature, per point)
# NN-descent is taken only when predicted this many times faster: even at
# 99.9% recall its graph moves the IMD by a few hundredths.
_APPROX_ADVANTAGE = 2.0
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
# Edges the ties may add, at most (beyond this the cloud is mostly duplicates).
_MAX_TIE_EDGES = 1 << 24


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
    ind = exact_knn(S, K, jit=True)  # (only for clouds NN-descent may search)
    T = np.sqrt(np.einsum("ijl,ijl->ij", S[ind] - S[:, None, :], S[ind] - S[:, None, :]))
    T = T[T[:, 0] > 0]
    if T.size == 0:
        return 0.0
    inverse = np.log(T[:, -1:] / T[:, :-1]).mean(axis=1)
    return float(1.0 / inverse.mean()) if inverse.mean() > 0 else 0.0


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
