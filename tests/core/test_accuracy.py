"""Accuracy of the heat trace: control variates, exact moments, method selection."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_imd import IMDSignature, imd_distance
from sklearn_imd._core.graph import knn_adjacency, normalized_laplacian
from sklearn_imd._core.heat import (
    AUTO_EXACT_MAX_NODES, SIGNATURE_SCALE, choose_method, exact_heat_trace, heat_polynomials,
    heat_trace, laplacian_moments, slq_heat_trace,
)
import sklearn_imd._core.heat as heat_module
from sklearn_imd._core.distance import imd_weights
from sklearn_imd._utils.validation import default_times

T = default_times()


def laplacian_of(X, k=5):
    return normalized_laplacian(knn_adjacency(X, k, "exact"))


@pytest.mark.parametrize("hops", [1, 2, 3, 4])
def test_moments_equal_dense_traces(rng, hops):
    L = laplacian_of(rng.normal(size=(150, 3)), k=4)
    M = L.toarray() - np.eye(150)
    expected = [np.trace(np.linalg.matrix_power(M, j)) for j in range(2 * hops + 1)]
    np.testing.assert_allclose(laplacian_moments(L, hops), expected, rtol=1e-11, atol=1e-9)


@pytest.mark.parametrize("graph", ["complete", "star"])
def test_moments_when_one_hop_reaches_every_node(graph):
    """Neighbourhoods as large as the graph (the workspaces fill up completely)."""
    n = 7
    A = np.ones((n, n)) - np.eye(n)
    if graph == "star":
        A[1:, 1:] = 0
    L = normalized_laplacian(sp.csr_matrix(A))
    M = L.toarray() - np.eye(n)
    for hops in (1, 2, 3):
        expected = [np.trace(np.linalg.matrix_power(M, j)) for j in range(2 * hops + 1)]
        np.testing.assert_allclose(laplacian_moments(L, hops), expected, rtol=1e-11, atol=1e-9)


def test_moment_work_bounds_the_visits_and_sets_the_hops(rng, monkeypatch):
    L = laplacian_of(rng.normal(size=(200, 3)), k=4)
    A = L.toarray() != 0
    deg = A.sum(axis=1)
    within = [np.eye(200, dtype=bool)]  # within[l][i, u]: u at most l hops from i
    for _ in range(2):
        within.append((within[-1].astype(int) @ A.astype(int)) > 0)
    for hops in (1, 2, 3):
        # entries visited: those of every node within l < hops hops, twice at the last level
        visits = sum((2 if l == hops - 1 else 1) * (within[l] @ deg).sum() for l in range(hops))
        bound = heat_module.moment_work(L, hops)
        assert visits <= bound <= 4 * visits
    t = default_times()
    assert heat_module.choose_hops(L, t, 100) == 3
    monkeypatch.setattr(heat_module, "_MOMENT_WORK_PER_NODE", 0)
    monkeypatch.setattr(heat_module, "_MOMENT_WORK", heat_module.moment_work(L, 3) - 1)
    assert heat_module.choose_hops(L, t, 100) == 2
    monkeypatch.setattr(heat_module, "_MOMENT_WORK", 0)
    assert heat_module.choose_hops(L, t, 100) == 1


def test_fewer_hops_where_their_error_bound_is_small_enough(rng):
    L = normalized_laplacian(knn_adjacency(rng.normal(size=(300, 3)), 5, "exact"))
    t = default_times()
    bound = [heat_module.cv_error_bound(10**6, t, 100, hops) for hops in (1, 2, 3)]
    assert bound[0] > bound[1] > bound[2]
    assert bound[1] < heat_module._CV_ERROR < bound[0]
    # at 10^4 nodes, two hops are not enough: 1/sqrt(n) times larger
    assert heat_module.cv_error_bound(10**4, t, 100, 2) == pytest.approx(10 * bound[1])
    assert heat_module.choose_hops(L, t, 100) == 3
    assert heat_module.choose_hops(L, t, 10**6) == 2  # as many probes as 10^6 nodes
    # the bound holds: two hops' standard error on this graph is below it
    _, err = slq_heat_trace(L, t, 10, 200, np.random.default_rng(0), hops=2)
    n = L.shape[0]
    measured = (imd_weights(t) * err * heat_module.SIGNATURE_SCALE / n).max()
    assert measured <= heat_module.cv_error_bound(n, t, 200, 2)


def test_local_order_is_a_renumbering(rng, monkeypatch):
    L = laplacian_of(rng.normal(size=(300, 3)))
    monkeypatch.setattr(heat_module, "_REORDER_MIN_NODES", 0)
    R = heat_module._local_order(L)
    assert R is not L and (R != L).nnz > 0
    np.testing.assert_allclose(np.linalg.eigvalsh(R.toarray()), np.linalg.eigvalsh(L.toarray()),
                               atol=1e-12)
    np.testing.assert_allclose(laplacian_moments(R, 3), laplacian_moments(L, 3), rtol=1e-12)
    # the estimate after renumbering is still within its standard error of the exact trace
    est, se = slq_heat_trace(L, T, 10, 50, np.random.default_rng(0))
    assert np.all(np.abs(est - exact_heat_trace(L, T)) <= 4 * se + 1e-9)


def test_moments_of_a_graph_with_several_components():
    # two disjoint triangles and an edge: every hop stays inside its component
    A = sp.block_diag([np.ones((3, 3)) - np.eye(3)] * 2 + [np.array([[0, 1], [1, 0]])])
    L = normalized_laplacian(sp.csr_matrix(A))
    M = L.toarray() - np.eye(8)
    expected = [np.trace(np.linalg.matrix_power(M, j)) for j in range(7)]
    np.testing.assert_allclose(laplacian_moments(L, 3), expected, atol=1e-12)


@pytest.mark.parametrize("degree", [1, 4, 6, 9])
def test_heat_polynomials_interpolate_the_heat_kernel(degree):
    t = np.array([0.1, 1.0, 3.0])
    coef = heat_polynomials(t, degree)
    x = np.cos((2 * np.arange(degree + 1) + 1) * np.pi / (2 * degree + 2))  # Chebyshev points
    p = np.array([np.polyval(c[::-1], x) for c in coef])
    np.testing.assert_allclose(p, np.exp(-np.outer(t, 1 + x)), rtol=1e-10)


def test_degree_six_interpolant_error_bound():
    """The bound the estimator's variance rests on: |e^{-t lambda} - p_t| on [0, 2]."""
    t = np.array([0.3, 1.0, 3.0])
    x = np.linspace(-1, 1, 2001)
    coef = heat_polynomials(t, 6)
    err = np.abs(np.array([np.polyval(c[::-1], x) for c in coef]) - np.exp(-np.outer(t, 1 + x)))
    assert np.all(err.max(axis=1) < [1e-8, 2e-6, 1e-3])


def test_polynomial_control_variate_beats_the_papers(rng):
    X = rng.normal(size=(800, 6))
    L = laplacian_of(X)
    exact = exact_heat_trace(L, T)
    err = {}
    for hops in (0, 3):
        est, se = slq_heat_trace(L, T, 10, 50, np.random.default_rng(0), hops=hops)
        err[hops] = imd_distance(SIGNATURE_SCALE * est / 800, SIGNATURE_SCALE * exact / 800)
    assert err[3] < err[0] / 100


def test_signature_error_target_at_1000_points(rng):
    """Issue 3's target: mean signature error <= 0.05 at the defaults, n = 1000."""
    X = rng.normal(size=(1000, 10))
    exact = SIGNATURE_SCALE * exact_heat_trace(laplacian_of(X), T) / 1000
    est = IMDSignature(method="slq")
    errors = [
        imd_distance(est.set_params(random_state=s).fit_transform([X])[0], exact)
        for s in range(3)
    ]
    assert np.mean(errors) <= 0.05, errors


def test_method_exact_is_the_spectrum(rng):
    X = rng.normal(size=(700, 3))
    S, std = IMDSignature(method="exact").fit([X]).transform([X], return_std=True)
    expected = SIGNATURE_SCALE * exact_heat_trace(laplacian_of(X), T) / 700
    np.testing.assert_allclose(S[0], expected, rtol=1e-12)
    assert np.all(std == 0)


def test_auto_method_by_size(rng):
    assert choose_method(AUTO_EXACT_MAX_NODES, "auto") == "exact"
    assert choose_method(AUTO_EXACT_MAX_NODES + 1, "auto") == "slq"
    assert choose_method(10, "slq") == "slq"
    small = laplacian_of(rng.normal(size=(AUTO_EXACT_MAX_NODES, 3)))
    _, std = heat_trace(small, T, "auto", 10, 20, np.random.default_rng(0), jit=True)
    assert np.all(std == 0)
    large = laplacian_of(rng.normal(size=(AUTO_EXACT_MAX_NODES + 1, 3)))
    _, std = heat_trace(large, T, "auto", 10, 20, np.random.default_rng(0), jit=True)
    assert np.all(std > 0)


def test_return_std_with_pandas_output(rng):
    pytest.importorskip("pandas")
    clouds = [rng.normal(size=(600, 3)) for _ in range(2)]
    est = IMDSignature(method="slq", nv=20, random_state=0).set_output(transform="pandas")
    S, std = est.fit(clouds).transform(clouds, return_std=True)
    assert S.shape == std.shape == (2, 256)
    assert list(S.columns)[:2] == ["imdsignature0", "imdsignature1"]
    np.testing.assert_array_equal(S.to_numpy(), est.transform(clouds).to_numpy())
    assert np.all(std > 0)


def test_unknown_method_is_rejected(rng):
    with pytest.raises(ValueError, match="method"):
        IMDSignature(method="lanczos").fit([rng.normal(size=(50, 2))])
