"""Signatures on a Dask cluster through joblib's Dask backend."""

import numpy as np
import pytest

from sklearn_imd import IMDSignature, pairwise_imd


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def test_signatures_on_dask_equal_local(dask_client, rng):
    from joblib import parallel_config

    clouds = [rng.normal(size=(600 + 50 * i, 3)) for i in range(5)]
    est = IMDSignature(method="slq", nv=20, random_state=0, n_jobs=-1)
    local = est.fit_transform(clouds)
    from distributed import get_task_stream

    with parallel_config(backend="dask"), get_task_stream(dask_client) as tasks:
        remote = est.fit_transform(clouds)
        D = pairwise_imd(clouds, method="slq", nv=20, random_state=0, n_jobs=-1)
    np.testing.assert_array_equal(remote, local)
    np.testing.assert_array_equal(D, pairwise_imd(clouds, method="slq", nv=20, random_state=0))
    # the signatures really were computed as tasks of the cluster
    assert len(tasks.data) >= 2
