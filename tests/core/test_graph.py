"""The kNN graph and Laplacian of ``_core/graph.py``: the definition, ties, duplicates,
scales."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist

from sklearn_imd._core.graph import knn_adjacency, normalized_laplacian


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


def _tie_aware_brute_force(X, k):
    """The definition with ties: every point within the k-th squared distance
    (relative 1e-9, the graph's tie tolerance), OR-symmetrised."""
    D = cdist(X, X, "sqeuclidean")
    np.fill_diagonal(D, np.inf)
    kth = np.sort(D, axis=1)[:, k - 1 : k]
    A = (D <= kth * (1 + 1e-9)).astype(float)
    return np.maximum(A, A.T)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tight_cluster_far_from_the_mean(dtype):
    """A cluster 1e-3 wide at 100 beside one of unit width: the distance
    expansion's rounding (float32: about 1e-6 of the squared norms) is far
    larger than the tight cluster's distances, so its first candidates are
    nearly random and the search widens; the k-th distance must then be
    recomputed from the wider lists (a regression: it was kept from the first
    k + 1 candidates, and such a point had hundreds of neighbours)."""
    rng = np.random.default_rng(0)
    X = np.vstack([100 + 1e-3 * rng.normal(size=(300, 4)),
                   rng.normal(size=(400, 4))]).astype(dtype)
    A = knn_adjacency(X, 5, "exact")
    np.testing.assert_array_equal(A.toarray(), _tie_aware_brute_force(X.astype(np.float64), 5))
