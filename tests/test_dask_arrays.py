"""Dask arrays in fid_score, kid_score, prdc_score and ReferenceStats.from_samples
(sklearn_imd._dask): the in-memory numbers, computed on a cluster whose workers
each see a few row blocks at a time."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from sklearn_imd import ReferenceStats, compare, fid_score, kid_score, prdc_score  # noqa: E402
from sklearn_imd import _dask, _dask_compare  # noqa: E402
from sklearn_imd._core.graph import knn_adjacency  # noqa: E402

# Bytes per worker (process RSS), enforced by its nanny, which restarts a
# worker beyond 95%.  At rest, after the warm-up, a worker takes about 290 MB
# here (Python, NumPy, dask, Numba's kernels and LLVM), an amount that varies
# with the machine and the libraries' versions, so the limit leaves room for it
# and the test checks what matters: each worker's growth above its RSS at rest
# stays below the whole array's size (no worker held the array).  Pausing is
# off, so that a worker near its limit with nothing to spill cannot stall the test.
_LIMIT = 1024 * 2**20


def _start_sampling(dask_worker):
    """Record this worker's largest RSS from now on, every 5 ms, in a thread.
    (Not ``ru_maxrss``: Linux keeps it across the fork and exec that start a
    worker, so it may be the RSS of the process that started the cluster.)"""
    import threading
    import time

    import psutil

    process = psutil.Process()
    state = {"rest": process.memory_info().rss, "stop": threading.Event()}
    state["peak"] = state["rest"]

    def sample():
        while not state["stop"].is_set():
            state["peak"] = max(state["peak"], process.memory_info().rss)
            time.sleep(0.005)

    state["thread"] = threading.Thread(target=sample, daemon=True)
    state["thread"].start()
    dask_worker._rss_sampling = state


def _stop_sampling(dask_worker):
    """(RSS when the sampling started, largest RSS sampled since)."""
    state = dask_worker._rss_sampling
    state["stop"].set()
    state["thread"].join()
    return state["rest"], state["peak"]


@pytest.fixture(scope="module")
def client():
    with dask.config.set({"distributed.worker.memory.pause": False,
                          "distributed.worker.memory.spill": False,
                          "distributed.worker.memory.target": False}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  memory_limit=_LIMIT, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        # the workers load sklearn_imd and the Numba kernels once
        rng = np.random.default_rng(0)
        small = da.from_array(rng.normal(size=(400, 4)), chunks=100)
        prdc_score(small, small + 0.1)
        fid_score(small, small)
        yield c


def _gaussians(n, chunks, seed):
    """Two samples of n x 64 generated on the workers (fixed seed), in 8 row chunks."""
    rng = da.random.default_rng(seed)
    X = rng.normal(size=(n, 64), chunks=(chunks, 64))
    Y = rng.normal(size=(n, 64), chunks=(chunks, 64)) * 1.05 + 0.02
    return X, Y


def _gathered(X):
    return np.vstack([X.blocks[i].compute() for i in range(X.numblocks[0])])


def test_fid_of_200000_points_within_the_workers_memory(client):
    X, Y = _gaussians(200_000, 25_000, 0)
    assert X.numblocks == (8, 1) and X.nbytes == 102_400_000
    workers = set(client.scheduler_info()["workers"])
    client.run(_start_sampling)
    score = fid_score(X, Y)
    sampled = client.run(_stop_sampling)
    # no worker was restarted (a nanny restarts one beyond 95% of its limit,
    # under a new address)
    assert set(client.scheduler_info()["workers"]) == workers
    # Each worker's largest RSS during the call stayed less than the array's
    # 102 MB above its RSS before it: no worker held the array (about 50 MB
    # were measured: a few 12.8 MB chunks and their float64 copies in
    # part_moments; the moments take 33 KB).
    for rest, peak in sampled.values():
        assert peak - rest < X.nbytes, sampled
    # the NumPy copies a chunk at a time (X.compute() would concatenate the
    # whole array on a worker first)
    Xn, Yn = _gathered(X), _gathered(Y)
    # Chan's pairwise update and np.cov round differently: about 1e-15 relative
    # in each covariance entry, which the eigendecompositions and the
    # cancellation of FID (here 0.2 from traces of 135: a factor of about 700)
    # amplify to around 1e-12 at most
    assert score == pytest.approx(fid_score(Xn, Yn), rel=1e-10)


@pytest.fixture(scope="module")
def clouds(client):
    """12,000 x 64 in 8 chunks of 1,500 rows: each exact search is 36 tasks over
    pairs of chunks, seconds on 2 cores.  200,000 points, as the FID test,
    would take 10 to 15 minutes there (36 s were measured for PRDC at 40,000
    points; the searches grow as n^2), too long for the suite."""
    X, Y = _gaussians(12_000, 1_500, 1)
    return X, Y, X.compute(), Y.compute()


def test_prdc_on_the_cluster_equals_numpy_exactly(client, clouds):
    X, Y, Xn, Yn = clouds
    assert prdc_score(X, Y, k=5) == prdc_score(Xn, Yn, k=5)


def test_knn_graph_and_reference_stats_equal_numpy(client, clouds):
    X, _, Xn, _ = clouds
    A = _dask.knn_adjacency(_dask.check_cloud(X), 5)
    B = knn_adjacency(Xn, 5, knn="exact")
    assert A.shape == B.shape and (A != B).nnz == 0 and A.nnz == B.nnz
    ref = ReferenceStats.from_samples(X, random_state=0)
    mem = ReferenceStats.from_samples(Xn, random_state=0, imd_params={"knn": "exact"})
    np.testing.assert_array_equal(ref.radii, mem.radii)
    np.testing.assert_array_equal(ref.features, mem.features)
    # the same graph and probes: the Lanczos runs as in memory, on a matrix
    # whose entries are stored in the same order, so to rounding
    np.testing.assert_allclose(ref.imd_signature, mem.imd_signature, rtol=1e-12)
    # float64 moments of chunks merged by Chan's update against np.cov: rounding
    np.testing.assert_allclose(ref.mean, mem.mean, rtol=0, atol=1e-15)
    np.testing.assert_allclose(ref.covariance, mem.covariance, rtol=0, atol=1e-14)


def test_kid_gathers_the_same_subsets(client, clouds):
    X, Y, Xn, Yn = clouds
    got = kid_score(X, Y, n_subsets=10, subset_size=300, random_state=3, return_std=True)
    assert got == kid_score(Xn, Yn, n_subsets=10, subset_size=300, random_state=3,
                            return_std=True)


# ---------------------------------------------------------------------------
# Edge cases, on dask's synchronous scheduler (fast)


@pytest.fixture
def sync():
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture
def pair():
    rng = np.random.default_rng(7)
    return rng.normal(size=(1500, 6)), 1.1 * rng.normal(size=(1300, 6)) + 0.1


@pytest.mark.parametrize("chunks", [(1500, 6), ((200, 1100, 7, 193), (6,)), (400, (2, 4))],
                         ids=["one chunk", "uneven rows", "chunked columns"])
def test_any_chunks_give_the_numpy_numbers(sync, pair, chunks):
    X, Y = pair
    Xd = da.from_array(X, chunks=chunks)
    Yd = da.from_array(Y, chunks=(333, 6))
    # rounding of the blockwise moments (see the 200,000-point test)
    assert fid_score(Xd, Yd) == pytest.approx(fid_score(X, Y), rel=1e-10)
    assert prdc_score(Xd, Yd) == prdc_score(X, Y)
    assert prdc_score(X, Yd) == prdc_score(X, Y)
    assert (kid_score(Xd, Y, n_subsets=5, subset_size=300, random_state=0)
            == kid_score(X, Y, n_subsets=5, subset_size=300, random_state=0))
    assert (_dask.knn_adjacency(_dask.check_cloud(Xd), 4)
            != knn_adjacency(X, 4, knn="exact")).nnz == 0


def test_ties_of_a_lattice_give_the_same_graph(sync):
    # every inner point of the grid has 4 neighbours at the same distance: the
    # k-th distance's ties are all in the graph, on both paths
    G = np.stack(np.meshgrid(np.arange(45), np.arange(40)), -1).reshape(-1, 2).astype(float)
    A = _dask.knn_adjacency(_dask.check_cloud(da.from_array(G, chunks=300)), 5)
    assert (A != knn_adjacency(G, 5, knn="exact")).nnz == 0
    assert A.sum(axis=1).min() >= 5
    S = G[::3] + 0.5
    assert prdc_score(da.from_array(G, chunks=500), S) == prdc_score(G, S)


def test_float32_stays_float32_and_float16_is_computed_in_float64(sync, pair):
    X, Y = (A.astype(np.float32) for A in pair)
    assert prdc_score(da.from_array(X, chunks=500), Y) == prdc_score(X, Y)
    X, Y = (A.astype(np.float16) for A in pair)
    assert prdc_score(da.from_array(X, chunks=500), Y) == prdc_score(X, Y)
    # float16 values are exact in float64: the rounding of the moments only
    assert fid_score(da.from_array(X, chunks=500), Y) == pytest.approx(fid_score(X, Y),
                                                                       rel=1e-10)


def test_nan_in_a_dask_array_is_named(sync, pair):
    X, Y = pair
    X = X.copy()
    X[1234, 2] = np.nan
    Xd = da.from_array(X, chunks=500)
    message = r"X contains NaN \(first at row 1234, column 2\)"
    for call in (lambda: fid_score(Xd, Y), lambda: prdc_score(Xd, Y),
                 lambda: kid_score(Xd, Y), lambda: ReferenceStats.from_samples(Xd)):
        with pytest.raises(ValueError, match=message):
            call()
    Y = Y.copy()
    Y[5, 0] = np.inf
    with pytest.raises(ValueError, match=r"Y contains infinite values \(first at row 5,"):
        fid_score(da.from_array(X[:1000], chunks=500) * 0, da.from_array(Y, chunks=400))


def test_bad_dask_inputs_are_refused_clearly(sync, pair):
    X, Y = pair
    Xd = da.from_array(X, chunks=500)
    with pytest.raises(ValueError, match="chunk sizes are unknown.*compute_chunk_sizes"):
        fid_score(Xd[Xd[:, 0] > 0], Y)
    with pytest.raises(ValueError, match="must be a 2-D array.*1-D dask array"):
        prdc_score(Xd[:, 0], Y)
    with pytest.raises(ValueError, match="same number of features; got 6 and 5"):
        fid_score(Xd, Y[:, :5])
    with pytest.raises(ValueError, match="X has 5 points; a 5-NN radius needs at least 6"):
        prdc_score(Xd[:5], Y)
    with pytest.raises(ValueError, match="no train="):
        ReferenceStats.from_samples(Xd, train=Y)
    with pytest.raises(ValueError, match="searched exactly"):
        ReferenceStats.from_samples(Xd, imd_params={"knn": "approx"})


def test_the_dispatch_looks_at_the_type(pair):
    # the dispatch looks at the type's module: NumPy and lists are not dask arrays
    X, _ = pair
    assert not _dask.any_dask(X, X.tolist(), None, 3.0)
    assert _dask.any_dask(X, da.from_array(X))


def test_compare_on_dask_arrays_gives_the_numpy_table(sync, pair):
    X, Y = pair
    metrics = "imd,fid,kid,precision,recall,density,coverage"
    kid = {"n_subsets": 5, "subset_size": 300}
    with pytest.warns(UserWarning, match="different sizes"):  # 1,500 and 1,300 points
        mem = compare(X, {"a": Y, "b": X[:1400] + 0.3}, metrics=metrics, random_state=0,
                      kid_params=kid, imd_params={"knn": "exact"})
    with pytest.warns(UserWarning, match="different sizes"):
        got = compare(da.from_array(X, chunks=400),
                      {"a": da.from_array(Y, chunks=500), "b": X[:1400] + 0.3},
                      metrics=metrics, random_state=0, kid_params=kid)
    assert list(got.columns) == list(mem.columns) and list(got.index) == list(mem.index)
    # the FID column to the rounding of the blockwise moments; all others exactly
    np.testing.assert_allclose(got["fid"], mem["fid"], rtol=1e-10)
    assert got.drop(columns="fid").equals(mem.drop(columns="fid"))
    # from statistics made on the cluster: the metrics it computes by default
    ref = ReferenceStats.from_samples(da.from_array(X, chunks=400), random_state=0)
    table = compare(ref, {"a": da.from_array(Y, chunks=500)}, random_state=0, kid_params=kid)
    assert list(table.columns) == list(_dask_compare.COMPARE_METRICS)
    with pytest.raises(ValueError, match="not vendi, which need the samples in memory"):
        compare(ref, {"a": da.from_array(Y, chunks=500)}, metrics="fid,vendi")
    with pytest.raises(ValueError, match="no interval"):
        compare(ref, {"a": da.from_array(Y, chunks=500)}, interval="bootstrap")


def test_duplicates_warn_and_numpy_never_imports_dask(sync):
    import subprocess
    import sys

    from sklearn_imd.exceptions import DuplicatePointsWarning

    rng = np.random.default_rng(0)
    X = np.repeat(rng.normal(size=(100, 3)), 7, axis=0)  # groups of 7 > k = 5 copies
    with pytest.warns(DuplicatePointsWarning, match="700 of its 700 points"):
        A = _dask.knn_adjacency(_dask.check_cloud(da.from_array(X, chunks=200)), 5)
    with pytest.warns(DuplicatePointsWarning):
        assert (A != knn_adjacency(X, 5, knn="exact")).nnz == 0
    code = ("import sys, numpy as np; from sklearn_imd import fid_score, prdc_score; "
            "X = np.random.default_rng(0).normal(size=(60, 3)); fid_score(X, X + 1); "
            "prdc_score(X, X + 1); print('dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
