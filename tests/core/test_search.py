"""The neighbour searches of ``_core/search.py``: exact (tiles, ties, threads) and
NN-descent, and their checks."""

import numpy as np
import pytest
from _neighbours import assert_same_neighbours
from scipy.spatial.distance import cdist

from sklearn_imd._core.graph import knn_adjacency
from sklearn_imd._core.search import approx_knn, exact_knn


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
