"""Benchmarks of the IMD pipeline: kNN graph, heat trace, signature, pairwise IMD.

Every input is drawn from a fixed seed.  Each ``setup`` first runs the whole
pipeline once on a tiny cloud, so that loading or compiling the Numba Lanczos
kernel (and starting its thread pool) is never part of a measured time.
"""

import numpy as np

from sklearn_imd import IMDSignature, pairwise_imd
from sklearn_imd._core.graph import knn_adjacency, normalized_laplacian
from sklearn_imd._core.heat import slq_heat_trace
from sklearn_imd._utils.validation import default_times

K = 5
SEED = 0


def _cloud(n_points, n_features, seed=SEED, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_points, n_features)).astype(dtype, copy=False)


def _warm_numba(n_jobs=None):
    """One signature of a tiny cloud: compiles (or loads from cache) the kernel."""
    IMDSignature(nv=2, random_state=SEED, n_jobs=n_jobs).fit_transform(
        [_cloud(64, 3, seed=1), _cloud(64, 3, seed=2)]
    )


class GraphConstruction:
    """Exact kNN adjacency (blocked BLAS brute force, OR-symmetrised) of d = 64 clouds."""

    params = [2_000, 10_000]
    param_names = ["n_points"]
    timeout = 120

    def setup(self, n_points):
        knn_adjacency(_cloud(64, 3), K, knn="exact")  # load the kernels first
        self.X = _cloud(n_points, 64)

    def time_knn_adjacency_exact(self, n_points):
        knn_adjacency(self.X, K, knn="exact")

    def peakmem_knn_adjacency_exact(self, n_points):
        knn_adjacency(self.X, K, knn="exact")


class ApproximateGraph:
    """NN-descent kNN adjacency (``knn="approx"``) of a 100,000 x 10 cloud; the
    kernels are compiled (or loaded from cache) in ``setup``."""

    timeout = 300

    def setup(self):
        knn_adjacency(_cloud(500, 10), K, knn="approx", random_state=SEED)
        self.X = _cloud(100_000, 10, dtype=np.float32)

    def time_knn_adjacency_approx(self):
        knn_adjacency(self.X, K, knn="approx", random_state=SEED)


class NormalizedLaplacian:
    """``I - D^-1/2 A D^-1/2`` of a 10,000-point kNN graph."""

    timeout = 120

    def setup_cache(self):
        return knn_adjacency(_cloud(10_000, 64), K, knn="exact")

    def time_normalized_laplacian(self, A):
        normalized_laplacian(A)


class HeatTrace:
    """SLQ heat trace of the Laplacian of a 10,000-point graph on the default 256-time grid."""

    params = [[10, 100], [10]]
    param_names = ["nv", "m"]
    timeout = 120

    def setup_cache(self):
        # Built once for all parameters and repeats (it takes seconds).
        return normalized_laplacian(knn_adjacency(_cloud(10_000, 64), K, knn="exact"))

    def setup(self, L, nv, m):
        _warm_numba()
        self.t = default_times()

    def time_slq_heat_trace(self, L, nv, m):
        slq_heat_trace(L, self.t, m, nv, np.random.default_rng(SEED))


class Signature:
    """End to end: ``IMDSignature(random_state=0).fit_transform([X])`` with the defaults."""

    params = ["1000x10", "10000x64"]
    param_names = ["shape"]
    timeout = 180

    def setup(self, shape):
        n_points, n_features = map(int, shape.split("x"))
        self.X = _cloud(n_points, n_features)
        _warm_numba()

    def time_fit_transform(self, shape):
        IMDSignature(random_state=0).fit_transform([self.X])

    def peakmem_fit_transform(self, shape):
        IMDSignature(random_state=0).fit_transform([self.X])


class PairwiseIMD:
    """``pairwise_imd`` over 10 clouds of 1,000 x 16 points (45 pairs, 10 signatures)."""

    params = [1, 2]
    param_names = ["n_jobs"]
    timeout = 180

    def setup(self, n_jobs):
        self.clouds = [_cloud(1_000, 16, seed=SEED + i) for i in range(10)]
        # With n_jobs=2 this also starts joblib's workers and warms their kernel.
        _warm_numba(n_jobs=n_jobs)

    def time_pairwise_imd(self, n_jobs):
        pairwise_imd(self.clouds, random_state=0, n_jobs=n_jobs)
