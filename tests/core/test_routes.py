"""Small calls take a route without Numba and SciPy (``JIT_MIN_POINTS``): a
dense graph and Laplacian.  It must give the graph of the Numba kernels and
their heat traces to rounding, and a script that takes it must not import
Numba, SciPy, joblib or scikit-learn."""

import json
import subprocess
import sys

import numpy as np
import pytest
from _neighbours import assert_same_neighbours

import sklearn_imd._core.graph as graph
import sklearn_imd._core.heat as heat
import sklearn_imd._core.search as search
from sklearn_imd import IMDSignature, imd_distance, imd_score, imd_signature
from sklearn_imd._utils.validation import JIT_MIN_POINTS, default_times


def clouds():
    rng = np.random.default_rng(5)
    return {
        "float64": rng.standard_normal((700, 6)),
        "float32": rng.standard_normal((600, 40)).astype(np.float32),
        # a lattice: ties at the k-th distance everywhere
        "grid": np.stack(np.meshgrid(np.arange(20.0), np.arange(15.0)), -1).reshape(-1, 2),
        # integers with duplicates
        "integers": rng.integers(0, 6, size=(500, 3)).astype(np.float64),
    }


@pytest.mark.parametrize("name", list(clouds()))
def test_exact_knn_routes_agree(name):
    X = clouds()[name]
    rows = np.array([0, 7, 3, len(X) - 1])
    for args in ((X, 9), (X, 4, rows)):
        a, b = search.exact_knn(*args, jit=False), search.exact_knn(*args, jit=True)
        if name in ("grid", "integers"):
            # integer values: the expansion is exact on both routes, so ties
            # are equal and both give them to the lower index, bit for bit
            np.testing.assert_array_equal(a, b)
        else:
            # the routes' products have other shapes (one block against tiles),
            # so neighbours tied to rounding may swap; float32 rounds at about
            # d * eps32 = 40 * 6e-8 of the squared norms
            assert_same_neighbours(X, a, b, rows=None if len(args) == 2 else rows,
                                   rtol=1e-5 if X.dtype == np.float32 else 1e-9)


@pytest.mark.filterwarnings("ignore::sklearn_imd.DuplicatePointsWarning")
@pytest.mark.parametrize("name", list(clouds()))
def test_graph_routes_agree(name):
    X = clouds()[name]
    A = graph.knn_adjacency(X, 5, "exact")
    dense = graph.knn_adjacency(X, 5, "exact", dense=True)
    assert isinstance(dense, np.ndarray)
    np.testing.assert_array_equal(dense, A.toarray())
    # the Laplacians' entries too, bit for bit
    np.testing.assert_array_equal(graph.normalized_laplacian(dense),
                                  graph.normalized_laplacian(A).toarray())


def test_numpy_route_orders_ties_by_index():
    # six points at the same distance from point 0 (integers: exact ties),
    # numbered out of order: the lower indices win
    X = np.zeros((8, 2))
    X[1:7] = [[2, 1], [1, 2], [-1, 2], [2, -1], [-2, 1], [1, -2]]
    X[7] = [9, 9]
    np.testing.assert_array_equal(search.exact_knn(X, 3, rows=[0], jit=False), [[1, 2, 3]])
    np.testing.assert_array_equal(search.exact_knn(X, 6, rows=[0], jit=False), [[1, 2, 3, 4, 5, 6]])


def laplacian(n=900, seed=2):
    X = np.random.default_rng(seed).standard_normal((n, 5))
    return graph.normalized_laplacian(graph.knn_adjacency(X, 5, "exact"))


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_moment_routes_agree(hops):
    L = laplacian()
    np.testing.assert_allclose(heat.laplacian_moments(L.toarray(), hops, jit=False),
                               heat.laplacian_moments(L, hops), rtol=1e-11, atol=1e-9)


def test_lanczos_routes_agree():
    L = laplacian()
    Z = np.where(np.random.default_rng(0).random((L.shape[0], 7)) < 0.5, -1.0, 1.0)
    Z /= np.sqrt(L.shape[0])
    a = heat.lanczos_tridiagonal(L.toarray(), Z, 10, jit=False)
    b = heat.lanczos_tridiagonal(L, Z, 10)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-10, atol=1e-12)


def test_lanczos_numpy_route_breakdown():
    # a graph of 4 disjoint edges has 2 distinct eigenvalues: the Krylov space
    # ends after 2 steps, and the later coefficients are zero
    import scipy.sparse as sp

    A = sp.block_diag([np.array([[0.0, 1.0], [1.0, 0.0]])] * 4, format="csr")
    L = graph.normalized_laplacian(A).toarray()
    Z = np.tile([1.0, 2.0], 4)[:, None] / np.sqrt(20.0)
    alpha, beta = heat.lanczos_tridiagonal(L, Z, 5, jit=False)
    assert beta[0, 0] > 0 and np.all(beta[0, 1:] == 0) and np.all(alpha[0, 2:] == 0)
    nodes, weights = heat.gauss_quadrature(alpha, beta)
    # the quadrature is exact for any function of this graph's spectrum {0, 2}
    np.testing.assert_allclose(
        (weights * np.exp(-nodes)).sum(), Z[:, 0] @ _expm(L) @ Z[:, 0], rtol=1e-12)


def _expm(M):
    lam, U = np.linalg.eigh(M)
    return (U * np.exp(-lam)) @ U.T


def test_slq_routes_agree():
    L = laplacian(1000)
    t = default_times()
    a, b = (heat.slq_heat_trace(M, t, 10, 30, np.random.default_rng(3), jit=jit)
            for M, jit in ((L.toarray(), False), (L, True)))
    np.testing.assert_allclose(a[0], b[0], rtol=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-7, atol=1e-12)


def test_imd_signature_is_the_transformer_row():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((800, 4))
    u, std = imd_signature(X, random_state=3, return_std=True)
    S, E = IMDSignature(random_state=3).fit([X]).transform([X], return_std=True)
    np.testing.assert_array_equal(u, S[0])
    np.testing.assert_array_equal(std, E[0])
    assert u.shape == (256,) and (std > 0).all()
    t = np.array([0.5, 1.0, 2.0])
    np.testing.assert_array_equal(
        imd_signature(X, t=t, k=4, nv=20, random_state=3),
        IMDSignature(t=t, k=4, nv=20, random_state=3).fit_transform([X])[0])


def test_imd_signature_gives_imd_score():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((300, 3)), rng.uniform(size=(400, 3))
    # below 500 points the trace is exact, so the seeds do not matter
    assert imd_distance(imd_signature(X), imd_signature(Y)) == pytest.approx(
        imd_score(X, Y), rel=1e-12)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(X=np.zeros((5, 2))), ValueError, r"at least k \+ 1"),
    (dict(X=[[1.0, np.nan]] * 10), ValueError, "NaN"),
    (dict(X=np.zeros((10, 2)), k=0), ValueError, "k"),
    (dict(X=np.zeros((10, 2)), random_state="a"), TypeError, "random_state"),
    (dict(X=np.zeros((10, 2)), t=[-1.0]), ValueError, "t"),
])
def test_imd_signature_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        imd_signature(**kwargs)


def test_imd_signature_does_not_modify_its_input():
    X = np.random.default_rng(0).standard_normal((100, 3)).astype(np.float32)
    before = X.copy()
    imd_signature(X, random_state=0)
    np.testing.assert_array_equal(X, before)


SCRIPT = """
import json, sys
import numpy as np
from sklearn_imd import NAME
rng = np.random.default_rng(0)
X = rng.standard_normal((N, 6))
CALL
print(json.dumps(sorted(m for m in ("numba", "scipy.sparse", "joblib", "sklearn", "scipy.stats",
                                    "pynndescent") if m in sys.modules)))
"""


@pytest.mark.parametrize("n, call, expected", [
    (1000, "imd_signature(X, random_state=0)", []),
    (1000, "imd_score(X, rng.standard_normal((N, 6)), random_state=0)", []),
    # many small clouds, or a large one: the kernels, which are then faster
    (1000, "pairwise_imd([X, X[:900], X[:800]], random_state=0)",
     ["numba", "scipy.sparse"]),
    (JIT_MIN_POINTS, "imd_signature(X, random_state=0)",
     ["numba", "scipy.sparse"]),
])
def test_scripts_import_only_what_they_use(n, call, expected):
    code = SCRIPT.replace("NAME", call.split("(")[0]).replace("CALL", call).replace("N", str(n))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == expected
