import numpy as np
import pytest
import scipy.sparse as sp
from _neighbours import assert_same_neighbours
from scipy.spatial.distance import cdist

from sklearn_imd._core.graph import knn_adjacency, normalized_laplacian
from sklearn_imd._core.plan import choose_knn
from sklearn_imd._core.search import approx_knn, exact_knn


def brute_force_adjacency(X, k):
    """The definition, written out: k nearest (self excluded), OR-symmetrised, weights 1."""
    D = cdist(X, X)
    np.fill_diagonal(D, np.inf)
    n = len(X)
    A = np.zeros((n, n))
    for i in range(n):
        A[i, np.argsort(D[i])[:k]] = 1
    return np.maximum(A, A.T)


@pytest.mark.parametrize("k", [1, 5, 12])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exact_graph_matches_brute_force(rng, k, dtype):
    X = rng.normal(size=(257, 7)).astype(dtype)
    A = knn_adjacency(X, k, "exact")
    assert sp.issparse(A) and A.format == "csr"
    np.testing.assert_array_equal(A.toarray(), brute_force_adjacency(X.astype(np.float64), k))


def test_graph_properties(rng):
    X = rng.uniform(size=(500, 3))
    A = knn_adjacency(X, 5, "exact")
    dense = A.toarray()
    np.testing.assert_array_equal(dense, dense.T)
    assert set(np.unique(A.data)) == {1.0}
    assert np.all(np.diag(dense) == 0)
    assert dense.sum(axis=1).min() >= 5
    # the OR graph has at least n k / 2 and at most n k edges
    assert 500 * 5 / 2 <= A.nnz / 2 <= 500 * 5


def _sorted_neighbours(X, k):
    """k nearest by increasing distance, ties to the lower index, self excluded."""
    D = cdist(X, X, "sqeuclidean")
    np.fill_diagonal(D, np.inf)
    return np.argsort(D, axis=1, kind="stable")[:, :k]


def _count_tiles(monkeypatch):
    """A list that grows by one at each call of the Numba tile kernel."""
    import sklearn_imd._kernels.select as select

    calls, real = [], select.merge_tile
    monkeypatch.setattr(select, "merge_tile", lambda *a: calls.append(1) or real(*a))
    return calls


@pytest.mark.parametrize("panel_rows, tile_columns", [(7, 300), (50, 60), (64, 64), (16, 7)])
def test_exact_knn_tiles_agree(rng, monkeypatch, panel_rows, tile_columns):
    """Panels and tiles of the upper triangle (row and column passes) change nothing,
    and every query, whole or a subset, gets the definition's neighbours in order,
    on both routes (the Numba kernels forced with jit=True: 300 points would
    take the NumPy route)."""
    import sklearn_imd._core.search as g

    X = rng.normal(size=(300, 4))
    expected = _sorted_neighbours(X, 6)
    monkeypatch.setattr(g, "_PANEL_ROWS", panel_rows)
    monkeypatch.setattr(g, "_TILE_COLUMNS", tile_columns)
    monkeypatch.setattr(g, "SEARCH_ENTRIES", 300 * 3)
    tiles = _count_tiles(monkeypatch)
    rows = np.array([299, 0, 150, 7])
    for jit in (True, False):
        assert_same_neighbours(X, g.exact_knn(X, 6, jit=jit), expected)
        assert_same_neighbours(X, g.exact_knn(X, 6, rows=rows, jit=jit), expected[rows],
                               rows=rows)
    # the patched panels reached the kernels: one call per tile of the triangle
    assert len(tiles) == sum(-(-(300 - r0) // tile_columns)
                             for r0 in range(0, 300, panel_rows))


@pytest.mark.parametrize("jit", [True, False])
def test_exact_knn_ties_go_to_the_lower_index(monkeypatch, jit):
    """Duplicated points: the order does not depend on which tile saw a pair
    first.  Integer coordinates make the distance expansion exact, so the
    copies' distances are equal on any BLAS kernel, and ties are real ties."""
    import sklearn_imd._core.search as g

    X = np.repeat(np.random.default_rng(0).integers(-50, 50, size=(20, 3)), 3, axis=0)
    X = X.astype(np.float64)
    monkeypatch.setattr(g, "_PANEL_ROWS", 8)
    monkeypatch.setattr(g, "_TILE_COLUMNS", 16)
    ind = g.exact_knn(X, 2, jit=jit)
    assert not (ind == np.arange(60)[:, None]).any()
    # each point's two copies, lower index first
    copies = np.array([[j for j in range(3 * (i // 3), 3 * (i // 3) + 3) if j != i]
                       for i in range(60)])
    np.testing.assert_array_equal(ind, copies)
    # with more neighbours than copies: the next group's points, lower index first
    wide = g.exact_knn(X, 5, jit=jit)
    np.testing.assert_array_equal(wide[:, :2], copies)
    np.testing.assert_array_equal(np.diff(wide[:, 2:], axis=1), 1)


def test_exact_knn_is_the_same_for_any_number_of_threads(rng, monkeypatch):
    """Panels shared among threads, each with its own column buffers, give the
    single-threaded result, bit for bit (each tile is the same product on one
    BLAS thread, whichever thread takes it)."""
    import numba

    import sklearn_imd._core.search as g

    X = rng.normal(size=(600, 5)).astype(np.float32)
    monkeypatch.setattr(g, "_PANEL_ROWS", 16)
    monkeypatch.setattr(g, "_TILE_COLUMNS", 40)
    tiles = _count_tiles(monkeypatch)
    out = {}
    for threads in (1, 2, 5):
        # exact_knn sizes its pool of Python threads by numba.get_num_threads():
        # patched, so that the test needs no NUMBA_NUM_THREADS >= 2
        monkeypatch.setattr(numba, "get_num_threads", lambda threads=threads: threads)
        out[threads] = g.exact_knn(X, 7, jit=True)
    assert tiles
    np.testing.assert_array_equal(out[1], out[2])
    np.testing.assert_array_equal(out[1], out[5])
    # float32 expansion: rounding about d * eps32 (5 * 6e-8) of the squared norms
    assert_same_neighbours(X, out[1], _sorted_neighbours(X.astype(np.float64), 7), rtol=1e-5)


def test_graph_survives_large_offsets_and_scales(rng):
    """Centring and rescaling keep the distance expansion accurate and finite."""
    X = rng.normal(size=(200, 3))
    A = knn_adjacency(X, 5, "exact").toarray()
    for Y in (X * 1e150, X + 1e6, X * 1e-150):
        np.testing.assert_array_equal(knn_adjacency(Y, 5, "exact").toarray(), A)


def test_duplicate_points_and_constant_columns(rng):
    X = rng.normal(size=(100, 3))
    X = np.vstack([X, X[:30]])  # 30 exact duplicates
    X = np.hstack([X, np.ones((130, 1))])
    A = knn_adjacency(X, 5, "exact")
    assert A.diagonal().sum() == 0
    assert np.asarray(A.sum(axis=1)).min() >= 5


def test_all_points_identical():
    A = knn_adjacency(np.zeros((20, 2)), 3, "exact")
    assert A.diagonal().sum() == 0
    assert np.asarray(A.sum(axis=1)).min() >= 3


@pytest.mark.parametrize("backend", ["approx", "pynndescent"])
def test_approximate_graph_is_close_to_exact(rng, backend):
    X = rng.normal(size=(1500, 8))
    ind = approx_knn(X, 5, random_state=0, backend=backend)[:, :5]
    assert ind.shape == (1500, 5)
    assert not np.any(ind == np.arange(1500)[:, None])
    exact = exact_knn(X, 5, jit=True)
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(ind, exact)])
    assert recall > 0.95
    A = knn_adjacency(X, 5, backend, random_state=0)
    assert np.asarray(A.sum(axis=1)).min() >= 5
    np.testing.assert_array_equal(A.toarray(), A.toarray().T)


def test_nn_descent_is_reproducible_for_any_thread_count(rng):
    """Same seed, same lists, whatever the number of threads and parts; another
    seed gives another start (random-projection trees)."""
    import numba

    from sklearn_imd._kernels.nndescent import nn_descent

    X = rng.normal(size=(3000, 12)).astype(np.float32)
    kw = dict(n_trees=4, leaf_size=12, n_candidates=10, max_iter=4, delta=0.0)
    ref, dist = nn_descent(X, 10, seed=3, nparts=1, **kw)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one, _ = nn_descent(X, 10, seed=3, nparts=3, **kw)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, ref)
    assert not np.array_equal(nn_descent(X, 10, seed=4, nparts=1, **kw)[0], ref)
    # lists are sorted by distance and hold true squared distances
    assert np.all(np.diff(dist, axis=1) >= 0)
    rows = np.arange(3000)[:, None]
    np.testing.assert_allclose(dist, ((X[rows] - X[ref]) ** 2).sum(-1), rtol=1e-5)


def test_nn_descent_on_duplicates_and_tiny_clouds():
    """All points equal (every split degenerate), and fewer points than a leaf."""
    X = np.zeros((50, 3))
    ind = approx_knn(X, 4, random_state=0)[:, :4]
    assert ind.shape == (50, 4) and not np.any(ind == np.arange(50)[:, None])
    assert ind.min() >= 0
    ind = approx_knn(np.random.default_rng(0).normal(size=(7, 2)), 3, random_state=0)[:, :3]
    np.testing.assert_array_equal(np.sort(ind, 1), np.sort(exact_knn(
        np.random.default_rng(0).normal(size=(7, 2)), 3, jit=False), 1))


def test_auto_choice():
    assert choose_knn(1000, 64, "auto") == "exact"
    assert choose_knn(10**7, 64, "auto") == "approx"
    assert choose_knn(10**7, 64, "exact") == "exact"
    # the exact search's cost grows with the features, NN-descent's hardly
    switch = [min(n for n in np.geomspace(1e3, 1e7, 400).astype(int)
                  if choose_knn(n, d, "auto") == "approx") for d in (2, 64, 2048)]
    assert switch[0] > switch[1] > switch[2]


def test_normalized_laplacian(rng):
    A = knn_adjacency(rng.normal(size=(150, 2)), 4, "exact")
    L = normalized_laplacian(A)
    deg = A.toarray().sum(axis=1)
    expected = np.eye(150) - A.toarray() / np.sqrt(np.outer(deg, deg))
    np.testing.assert_allclose(L.toarray(), expected, atol=1e-15)
    assert L.trace() == pytest.approx(150)
    lam = np.linalg.eigvalsh(L.toarray())
    assert lam.min() > -1e-12 and lam.max() < 2 + 1e-12
    assert abs(lam.min()) < 1e-12  # connected graph: one zero eigenvalue


def test_input_not_modified(rng):
    X = rng.normal(size=(100, 3)).astype(np.float32)
    before = X.copy()
    knn_adjacency(X, 5, "exact")
    np.testing.assert_array_equal(X, before)


def test_approximate_graph_with_low_recall_warns(rng):
    """NN-descent on a 64-d Gaussian misses true neighbours, and says so; on a
    low-dimensional cloud it finds them all and stays silent."""
    import warnings

    from sklearn_imd import ApproximateGraphWarning
    from sklearn_imd._core.search import exact_knn, sample_recall

    hard = rng.normal(size=(3000, 64)).astype(np.float32)
    with pytest.warns(ApproximateGraphWarning, match=r"holds only \d+% of the true 5 nearest"):
        knn_adjacency(hard, 5, "approx", random_state=0)
    easy = rng.normal(size=(3000, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        knn_adjacency(easy, 5, "approx", random_state=0)
    # the sampled recall of the exact lists is 1, ties included
    ties = np.repeat(easy[:500], 2, axis=0)
    assert sample_recall(ties, exact_knn(ties, 5, jit=False), 5, random_state=0) == 1.0
    shuffled = exact_knn(easy, 5, jit=True)[np.random.default_rng(0).permutation(3000)]
    assert sample_recall(easy, shuffled, 5, random_state=0) < 0.05


def _permuted(A, perm):
    return A[perm][:, perm]


@pytest.mark.parametrize(
    "cloud",
    [np.arange(300.0)[:, None],
     np.array([(i, j) for i in range(20) for j in range(15)], dtype=float),
     0.1 * np.array([(i, j) for i in range(20) for j in range(15)])],
    ids=["integer line", "grid", "grid of tenths"],
)
def test_ties_do_not_depend_on_the_order_of_the_points(cloud):
    """Every point tied at the k-th distance is a neighbour, so permuting the
    points permutes the graph (an integer line scored 173.5, permuted 188.5)."""
    perm = np.random.default_rng(0).permutation(len(cloud))
    A = knn_adjacency(cloud, 5, "exact")
    B = knn_adjacency(cloud[perm], 5, "exact")
    assert (_permuted(A, perm) != B).nnz == 0
    # on the line, the 5th and 6th nearest of an inner point are tied
    deg = np.diff(A.indptr)
    assert deg.max() > 5


def test_all_neighbours_tied_at_the_kth_distance():
    """The centre of a 5 x 5 grid has 4 points at distance 1 and 4 at sqrt 2:
    with k = 5 all 8 are its neighbours."""
    grid = np.array([(i, j) for i in range(5) for j in range(5)], dtype=float)
    A = knn_adjacency(grid, 5, "exact").toarray()
    centre = 12
    assert sorted(np.flatnonzero(A[centre])) == [6, 7, 8, 11, 13, 16, 17, 18]


def test_heavily_duplicated_points_warn():
    from sklearn_imd import DuplicatePointsWarning

    X = np.random.default_rng(0).normal(size=(10, 3))[np.arange(1000) % 10]
    with pytest.warns(DuplicatePointsWarning, match=r"1000 of its 1000 points .*10 distinct"):
        A = knn_adjacency(X, 5, "exact")
    # ten cliques of 100 identical points, whatever their order
    assert np.all(np.diff(A.indptr) == 99)


def test_ties_that_would_explode_the_graph_are_refused_before_the_search(monkeypatch):
    """10^5 copies of 10 points would make 10^9 edges: refused from a sample of
    the points, before any neighbour search (which would be slow)."""
    from sklearn_imd._core import graph as g

    def no_search(*args, **kwargs):
        raise AssertionError("searched")

    monkeypatch.setattr(g, "exact_knn", no_search)
    monkeypatch.setattr(g, "approx_knn", no_search)
    X = np.random.default_rng(0).normal(size=(10, 3))[np.arange(10**5) % 10]
    for knn in ("exact", "approx", "auto"):
        with pytest.raises(ValueError, match="groups of identical points .* 10 distinct"):
            knn_adjacency(X, 5, knn)


def test_points_in_groups_of_k_plus_one_warn_but_twins_do_not(rng):
    from sklearn_imd import DuplicatePointsWarning

    base = rng.normal(size=(200, 2))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        knn_adjacency(np.vstack([base, base]), 5, "exact")
    with pytest.warns(DuplicatePointsWarning, match="the largest holds 6"):
        knn_adjacency(np.vstack([base] + [base[:1]] * 5), 5, "exact")


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300])
def test_graph_is_the_same_at_any_scale(rng, scale):
    X = rng.normal(size=(400, 3))
    A = knn_adjacency(X, 5, "exact")
    assert (knn_adjacency(X * scale, 5, "exact") != A).nnz == 0


def test_auto_falls_back_to_the_exact_graph(rng, monkeypatch):
    """When the approximate graph misses neighbours, knn='auto' says so and
    returns the exact graph; knn='approx' keeps its warning and its graph."""
    from sklearn_imd import ApproximateGraphWarning, ExactSearchWarning
    from sklearn_imd._core import plan

    monkeypatch.setattr(plan, "_APPROX_POINT_SECONDS", (0.0, 0.0))  # auto picks NN-descent
    monkeypatch.setattr(plan, "_MAX_APPROX_DIMENSION", np.inf)  # whatever the dimension
    hard = rng.normal(size=(3000, 64))
    assert plan.choose_knn(3000, 64, "auto") == "approx"
    with pytest.warns(ExactSearchWarning, match="uses the exact graph instead"):
        A = knn_adjacency(hard, 5, "auto", random_state=0)
    assert (A != knn_adjacency(hard, 5, "exact")).nnz == 0
    with pytest.warns(ApproximateGraphWarning, match="Use knn='exact'"):
        B = knn_adjacency(hard, 5, "approx", random_state=0)
    assert (B != A).nnz > 0


def test_auto_skips_nn_descent_on_clouds_of_high_intrinsic_dimension(rng, monkeypatch):
    """The pilot estimate of the intrinsic dimension sends a 64-d Gaussian to
    the exact search without trying NN-descent, and a 3-d one to NN-descent."""
    import warnings

    from sklearn_imd._core import graph as g
    from sklearn_imd._core import plan

    monkeypatch.setattr(plan, "_APPROX_POINT_SECONDS", (0.0, 0.0))
    tried = []
    real = g.approx_knn
    monkeypatch.setattr(g, "approx_knn", lambda *a, **kw: tried.append(1) or real(*a, **kw))
    assert plan.intrinsic_dimension(rng.normal(size=(3000, 64)), 0) > 20
    assert 2 < plan.intrinsic_dimension(rng.normal(size=(3000, 3)), 0) < 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        knn_adjacency(rng.normal(size=(3000, 64)), 5, "auto", random_state=0)
        assert not tried
        knn_adjacency(rng.normal(size=(3000, 3)), 5, "auto", random_state=0)
        assert tried
    # duplicates are left out of the estimate, and a cloud of one point repeated has none
    assert plan.intrinsic_dimension(np.zeros((50, 3)), 0) == 0.0


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_recall_check_and_pilot_at_any_scale(rng, monkeypatch, scale):
    """The recall check and the intrinsic-dimension pilot see the same cloud
    at any scale (squared distances of 1e200 overflowed: recall 1.0, dimension 0)."""
    from sklearn_imd._core import plan, search

    X = rng.normal(size=(3000, 64))
    shuffled = search.exact_knn(X, 5, jit=True)[np.random.default_rng(0).permutation(3000)]
    assert (search.sample_recall(X * scale, shuffled, 5, 0)
            == search.sample_recall(X, shuffled, 5, 0) < 0.05)
    assert plan.intrinsic_dimension(X * scale, 0) == pytest.approx(plan.intrinsic_dimension(X, 0))


def test_slow_exact_search_is_announced_before_the_work(rng, monkeypatch):
    """A cloud sent to the exact search by its intrinsic dimension, predicted
    slow, is announced when planned, before any signature is computed."""
    from sklearn_imd import ExactSearchWarning
    from sklearn_imd._core import compute as _compute
    from sklearn_imd._core import graph as g
    from sklearn_imd._core import plan

    monkeypatch.setattr(plan, "_APPROX_POINT_SECONDS", (0.0, 0.0))
    monkeypatch.setattr(plan, "_SLOW_EXACT_SECONDS", 0.0)
    order = []
    real = _compute._cloud_signature
    monkeypatch.setattr(_compute, "_cloud_signature",
                        lambda *a: order.append("work") or real(*a))
    monkeypatch.setattr(_compute, "_reissue",
                        lambda caught, name: order.extend(c for c, _ in caught))
    from sklearn_imd import imd_score

    imd_score(rng.normal(size=(600, 64)), rng.normal(size=(600, 3)), nv=5, random_state=0)
    assert order[0] is ExactSearchWarning and order[1] == "work"
    with pytest.warns(ExactSearchWarning, match="intrinsic dimension is about"):
        g.knn_adjacency(rng.normal(size=(600, 64)), 5, "auto", random_state=0)


@pytest.mark.parametrize("stored_zeros", [False, True])
def test_normalized_laplacian_is_the_formula(rng, stored_zeros):
    A = knn_adjacency(rng.normal(size=(300, 3)), 5, "exact")
    if stored_zeros:  # explicit zero diagonal entries take the general route
        C = A.tocoo()
        every = np.arange(300)
        A = sp.csr_matrix((np.r_[C.data, np.zeros(300)], (np.r_[C.row, every],
                                                           np.r_[C.col, every])))
        assert A.nnz == C.nnz + 300
    L = normalized_laplacian(A)
    dense = A.toarray()
    s = 1.0 / np.sqrt(dense.sum(axis=1))
    np.testing.assert_allclose(L.toarray(), np.eye(300) - s[:, None] * dense * s, atol=1e-15)
    assert L.has_canonical_format


def test_ties_hidden_by_the_expansions_rounding_are_found():
    """Another BLAS kernel may round the distance expansion so that a point
    just beyond the k-th distance comes before one tied with it, which then
    misses the k + 1 candidates.  Within the expansion's error bound of the
    tie, the search goes on, and the graph is that of the direct distances."""
    import sklearn_imd._core.graph as g

    # point 0 at the origin: four at distance 1, a and p tied at 2, q at 2 (1 + 1e-7)
    near = [[1, 0], [0, 1], [-1, 0], [0, -1]]
    a, p, q = [2, 0], [0, 2], [-2 * np.sqrt(1 + 1e-7), 0]
    far = np.random.default_rng(0).normal(size=(40, 2)) + 50
    X = np.vstack([[[0, 0]], near, [a, p, q], far])
    k = 5
    D = cdist(X, X, "sqeuclidean")
    np.fill_diagonal(D, np.inf)
    cand = np.argsort(D, axis=1, kind="stable")[:, : k + 1]
    # as that kernel would: q (7) ahead of p (6), which falls out of the list
    cand[0] = [1, 2, 3, 4, 5, 7]
    rows, cols = g._neighbour_lists(X, cand, k, jit=False, slack=0.0)
    assert sorted(cols[rows == 0]) == [1, 2, 3, 4, 5]  # p lost without the bound
    # a bound of the expansion's error wider than the gap of q and the tie (4e-7)
    rows, cols = g._neighbour_lists(X, cand, k, jit=False, slack=1e-6)
    assert sorted(cols[rows == 0]) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.skipif(np.finfo(np.longdouble).eps == np.finfo(np.float64).eps,
                    reason="no extended precision for the reference (long double is double)")
def test_expansion_error_bounds_the_kernels_rounding(rng, dtype):
    """The bound holds the rounding actually seen, and is 0 for integer data."""
    import sklearn_imd._core.search as g

    X = (rng.normal(size=(300, 8)) + 3).astype(dtype)
    Xp = g._prepare(X)
    sq = np.einsum("ij,ij->i", Xp, Xp)
    computed = sq[None, :] - 2 * (Xp @ Xp.T)  # in the dtype of X, as the kernels
    Xs = g._scaled64(X)
    # the reference in extended precision (eps 1e-19 on x86-64), uncentred: it
    # differs from the centred values by a constant per row (2 <x_i, c> - |c|^2)
    Xs = Xs.astype(np.longdouble)
    exact = np.einsum("ij,ij->i", Xs, Xs)[None, :] - 2 * (Xs @ Xs.T)
    error = (computed - exact).astype(np.float64)
    # each error less its row's median (within the bound too): at most twice the bound
    diff = error - np.median(error, axis=1, keepdims=True)
    assert np.abs(diff).max() <= 2 * g.expansion_error(X)
    assert g.expansion_error(np.round(X * 10)) == 0.0
