import numpy as np
import pytest
import scipy.sparse as sp
from scipy.linalg import expm

from sklearn_imd._core.graph import knn_adjacency, normalized_laplacian
from sklearn_imd._core.heat import (
    SIGNATURE_SCALE, _csr_arrays, exact_heat_trace, normalize_trace, null_trace,
    slq_heat_trace,
)
from sklearn_imd._core.heat import gauss_quadrature
from sklearn_imd._core.distance import imd_weights
from sklearn_imd._kernels.lanczos import lanczos_tridiagonal
from sklearn_imd._utils.validation import default_times

T = default_times()


def laplacian_of(X, k=5):
    return normalized_laplacian(knn_adjacency(X, k, "exact"))


def reference_lanczos(L, q, m):
    """Textbook Lanczos with full reorthogonalisation, in NumPy."""
    Q = [q]
    alpha, beta = [], []
    for j in range(m):
        w = L @ Q[j]
        alpha.append(Q[j] @ w)
        w = w - sum((Qi @ w) * Qi for Qi in Q)
        if j < m - 1:
            beta.append(np.linalg.norm(w))
            Q.append(w / beta[-1])
    return np.array(alpha), np.array(beta)


def test_lanczos_kernel_matches_reference(rng):
    L = laplacian_of(rng.normal(size=(400, 3)))
    Z = rng.choice([-1.0, 1.0], size=(400, 3)) / 20.0
    alpha, beta = lanczos_tridiagonal(*_csr_arrays(L), Z, 8)
    for p in range(3):
        a_ref, b_ref = reference_lanczos(L, Z[:, p], 8)
        np.testing.assert_allclose(alpha[p], a_ref, atol=1e-10)
        np.testing.assert_allclose(beta[p], b_ref, atol=1e-10)


def test_quadrature_exact_after_breakdown():
    """The complete graph K6 has two distinct eigenvalues: Lanczos stops after two
    steps, and the quadrature of every probe is then exact (no NaN from the rest)."""
    A = sp.csr_matrix(np.ones((6, 6)) - np.eye(6))
    L = normalized_laplacian(A)
    q = np.array([[1.0, -1, 1, 1, -1, 1], [1.0, 1, 1, 1, 1, 1]]).T / np.sqrt(6)
    alpha, beta = lanczos_tridiagonal(*_csr_arrays(L), q, 10)
    assert np.isfinite(alpha).all() and np.isfinite(beta).all()
    nodes, weights = gauss_quadrature(alpha, beta)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    for t in (0.1, 1.0, 10.0):
        quad = (weights * np.exp(-t * nodes)).sum(axis=1)
        exact = np.einsum("ip,ij,jp->p", q, expm(-t * L.toarray()), q)
        np.testing.assert_allclose(quad, exact, rtol=1e-12)


def test_exact_trace_of_complete_graph():
    """K_n: eigenvalues 0 and n/(n-1) (n-1 times), which is the "complete" null model."""
    n = 9
    L = normalized_laplacian(sp.csr_matrix(np.ones((n, n)) - np.eye(n)))
    h = exact_heat_trace(L, T)
    np.testing.assert_allclose(h, 1 + (n - 1) * np.exp(-T * n / (n - 1)), rtol=1e-12)
    np.testing.assert_allclose(normalize_trace(h, T, n, n - 1, "complete"), SIGNATURE_SCALE)


@pytest.mark.parametrize("hops", [0, 1, 3])
def test_slq_within_its_standard_error(rng, hops):
    L = laplacian_of(rng.normal(size=(600, 4)))
    exact = exact_heat_trace(L, T)
    est, se = slq_heat_trace(L, T, 10, 200, np.random.default_rng(0), hops=hops)
    assert np.all(se > 0)
    assert np.all(np.abs(est - exact) <= 4 * se)


@pytest.mark.parametrize("hops", [0, 3])
def test_slq_standard_error_is_calibrated(rng, hops):
    """Across independent runs the z-scores have unit variance (not an over- or
    under-statement of the error)."""
    L = laplacian_of(rng.normal(size=(400, 3)))
    t = np.array([0.3, 1.0, 3.0])
    exact = exact_heat_trace(L, t)
    z = []
    for seed in range(40):
        est, se = slq_heat_trace(L, t, 10, 30, np.random.default_rng(seed), hops=hops)
        z.append((est - exact) / se)
    var = np.mean(np.square(z), axis=0)
    assert np.all((var > 0.4) & (var < 2.0)), var


def test_slq_converges_with_more_probes(rng):
    L = laplacian_of(rng.normal(size=(500, 3)))
    exact = exact_heat_trace(L, T)
    errs = []
    for nv in (10, 1000):
        est, _ = slq_heat_trace(L, T, 10, nv, np.random.default_rng(1))
        errs.append(np.max(np.abs(est - exact)))
    assert errs[1] < errs[0] / 3


def test_slq_probe_blocks_do_not_change_the_estimate(rng, monkeypatch):
    import sklearn_imd._core.heat as heat

    L = laplacian_of(rng.normal(size=(300, 3)))
    est, se = slq_heat_trace(L, T, 10, 40, np.random.default_rng(3))
    monkeypatch.setattr(heat, "_LANCZOS_BYTES", 32 * 300 * 7)  # blocks of 7 probes
    est2, se2 = heat.slq_heat_trace(L, T, 10, 40, np.random.default_rng(3))
    np.testing.assert_allclose(est2, est, rtol=1e-12)
    np.testing.assert_allclose(se2, se, rtol=1e-9)


def test_single_probe_has_zero_standard_error(rng):
    L = laplacian_of(rng.normal(size=(100, 3)))
    est, se = slq_heat_trace(L, T, 10, 1, np.random.default_rng(0))
    assert np.isfinite(est).all() and np.all(se == 0)


def test_null_models_against_their_formulas():
    n, k = 50, 5
    np.testing.assert_allclose(null_trace(T, n, k, "empty"), n)
    np.testing.assert_allclose(null_trace(T, n, k, "none"), 1.0)
    np.testing.assert_allclose(
        null_trace(T, n, k, "complete"), 1 + (n - 1) * np.exp(-(1 + 1 / (n - 1)) * T)
    )
    mu = np.linspace(1 - 2 / np.sqrt(k), 1 + 2 / np.sqrt(k), n)
    np.testing.assert_allclose(null_trace(T, n, k, "er"), np.exp(-np.outer(T, mu)).sum(axis=1), rtol=1e-12)


def test_er_null_is_accurate_for_large_n():
    n, k = 1_000_000, 5
    mu = np.linspace(1 - 2 / np.sqrt(k), 1 + 2 / np.sqrt(k), n)
    t = T[::32]
    direct = np.array([np.exp(-ti * mu).sum() for ti in t])
    np.testing.assert_allclose(null_trace(t, n, k, "er"), direct, rtol=1e-9)


@pytest.mark.parametrize("normalization", ["empty", "complete", "er", "none"])
def test_signature_is_the_normalised_trace(rng, normalization):
    """The transformer's output is 10^6 h / null of the exact trace of the graph."""
    from sklearn_imd import IMDSignature

    X = rng.normal(size=(40, 3))
    S = IMDSignature(method="exact", normalization=normalization).fit_transform([X])
    h = exact_heat_trace(laplacian_of(X), T)
    np.testing.assert_allclose(S[0], normalize_trace(h, T, 40, 5, normalization), rtol=1e-12)
    np.testing.assert_allclose(S[0] * null_trace(T, 40, 5, normalization), 1e6 * h, rtol=1e-12)


def test_imd_weights():
    w = imd_weights(T)
    assert T[np.argmax(w)] == pytest.approx(1.0, rel=0.02)
    np.testing.assert_allclose(imd_weights([1.0]), [np.exp(-4)])


def _with_threads(n, fn):
    import numba

    before = numba.get_num_threads()
    try:
        numba.set_num_threads(n)
        return fn()
    finally:
        numba.set_num_threads(before)


@pytest.mark.parametrize("threads", [1, 2])
def test_kernels_give_the_same_bits_for_any_thread_count_and_slots(rng, threads):
    """The kernels' promise: rows in fixed chunks of 512, partial sums added in
    chunk order, so the threads (and shifted_moments' workspaces) change
    nothing, bit for bit.  1,500 nodes make three chunks, so the parallel
    loops really split; equality is exact because the arithmetic is the same
    operations in the same order (no BLAS, no other route)."""
    import numba

    from sklearn_imd._kernels.moments import shifted_moments

    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}: no {threads} threads")
    L = laplacian_of(rng.normal(size=(1500, 4)))
    arrays = _csr_arrays(L)
    Z = rng.choice([-1.0, 1.0], size=(1500, 6))
    one = _with_threads(1, lambda: lanczos_tridiagonal(*arrays, Z, 10))
    got = _with_threads(threads, lambda: lanczos_tridiagonal(*arrays, Z, 10))
    np.testing.assert_array_equal(got[0], one[0])
    np.testing.assert_array_equal(got[1], one[1])
    ref = _with_threads(1, lambda: shifted_moments(*arrays, 2, 1))
    for nslots in (1, 2, 4):
        got = _with_threads(threads, lambda nslots=nslots: shifted_moments(*arrays, 2, nslots))
        np.testing.assert_array_equal(got, ref)
    # and they are the traces of the powers of M = L - I (dense products round
    # differently: equal to rounding, relative to the trace of M^0 = n)
    M = L.toarray() - np.eye(1500)
    dense = [np.trace(np.linalg.matrix_power(M, j)) for j in range(5)]
    np.testing.assert_allclose(ref, dense, rtol=0, atol=1e-9 * 1500)
