import numpy as np
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import cdist

from sklearn_imd._graph import (
    approx_knn, choose_knn, exact_knn, knn_adjacency, normalized_laplacian,
)


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


def test_exact_knn_blocks_agree(rng, monkeypatch):
    """Blocking rows through the distance computation changes nothing."""
    import sklearn_imd._graph as g

    X = rng.normal(size=(300, 4))
    whole = np.sort(exact_knn(X, 6), axis=1)
    monkeypatch.setattr(g, "_BLOCK_ENTRIES", 300 * 7)  # 7 rows per block
    np.testing.assert_array_equal(np.sort(g.exact_knn(X, 6), axis=1), whole)


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


def test_approximate_graph_is_close_to_exact(rng):
    X = rng.normal(size=(1500, 8))
    ind = approx_knn(X, 5, random_state=0)
    assert ind.shape == (1500, 5)
    assert not np.any(ind == np.arange(1500)[:, None])
    exact = exact_knn(X, 5)
    recall = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(ind, exact)])
    assert recall > 0.95
    A = knn_adjacency(X, 5, "approx", random_state=0)
    assert np.asarray(A.sum(axis=1)).min() >= 5
    np.testing.assert_array_equal(A.toarray(), A.toarray().T)


def test_auto_choice():
    assert choose_knn(1000, "auto") == "exact"
    assert choose_knn(10**7, "auto") == "approx"
    assert choose_knn(10**7, "exact") == "exact"


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


def test_smallest_k_kernel_skips_self_and_sorts():
    from sklearn_imd._select import smallest_k

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    sq = (X**2).sum(1)
    own = np.arange(40)
    ind = smallest_k(X @ X.T, sq, own, 6)
    D = ((X[:, None] - X[None]) ** 2).sum(-1)
    np.fill_diagonal(D, np.inf)
    np.testing.assert_array_equal(ind, np.argsort(D, axis=1, kind="stable")[:, :6])
    # ties (duplicate points) go to the lower index; the query itself never appears
    Y = np.repeat(X[:5], 3, axis=0)
    ind = smallest_k(Y @ Y.T, (Y**2).sum(1), np.arange(15), 2)
    assert not (ind == np.arange(15)[:, None]).any()
    np.testing.assert_array_equal(ind[0], [1, 2])
    np.testing.assert_array_equal(ind[2], [0, 1])
