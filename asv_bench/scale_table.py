"""Time the workloads of the speed issue, each in a fresh process, then warm.

    python asv_bench/scale_table.py                  # all rows (several minutes)
    python asv_bench/scale_table.py --skip-million   # without 1,000,000 x 64
    python asv_bench/scale_table.py --only-million   # only those

Clouds are standard Gaussian (the hardest case for neighbour search), or a
smooth 10-dimensional manifold where marked.  "fresh" is one call in a new
Python process (imports and on-disk Numba caches
included, the data generated beforehand); "warm" is a second call in the same
process.  The split columns are the kNN graph and the heat trace of the warm
call.  Peak memory is the child's maximum resident set size.
"""

import argparse
import json
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
start_import = time.perf_counter()
import numpy as np
spec = json.loads(sys.argv[1])
def cloud(i):
    rng = np.random.default_rng(i)
    if spec.get("data") == "manifold":
        # a smooth 10-dimensional manifold in d dimensions, like learned features
        W = np.random.default_rng(10**6).standard_normal((10, spec["d"])) / np.sqrt(10)
        return np.tanh(rng.standard_normal((spec["n"], 10)) @ W).astype(np.float32)
    return rng.standard_normal((spec["n"], spec["d"])).astype(np.float32)
clouds = [cloud(i) for i in range(spec["clouds"])]
t0 = time.perf_counter()
from sklearn_imd import IMDSignature, pairwise_imd
def run():
    if spec["clouds"] > 1:
        pairwise_imd(clouds, random_state=0, n_jobs=spec["n_jobs"])
    else:
        IMDSignature(random_state=0, knn=spec.get("knn", "auto")).fit_transform(clouds)
run()
fresh = time.perf_counter() - t0
out = {"fresh": fresh}
if spec["warm"]:
    t0 = time.perf_counter(); run(); out["warm"] = time.perf_counter() - t0
    from sklearn_imd._graph import knn_adjacency, normalized_laplacian
    from sklearn_imd._heat import heat_trace
    from sklearn_imd._validation import default_times
    t0 = time.perf_counter(); A = knn_adjacency(clouds[0], 5, "auto", random_state=0)
    out["graph"] = time.perf_counter() - t0
    L = normalized_laplacian(A)
    t0 = time.perf_counter()
    heat_trace(L, default_times(), "auto", 10, 100, np.random.default_rng(0))
    out["heat"] = time.perf_counter() - t0
out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps(out))
"""

ROWS = [
    ("10,000 x 2,048 float32, one signature", dict(n=10_000, d=2048, clouds=1, warm=True)),
    ("10,000 x 64, one signature", dict(n=10_000, d=64, clouds=1, warm=True)),
    ("pairwise_imd, 100 clouds of 2,000 x 64, n_jobs=2",
     dict(n=2_000, d=64, clouds=100, n_jobs=2, warm=False)),
    ("100,000 x 10, knn='approx' (ours)",
     dict(n=100_000, d=10, clouds=1, warm=False, knn="approx")),
    ("100,000 x 10, knn='pynndescent'",
     dict(n=100_000, d=10, clouds=1, warm=False, knn="pynndescent")),
    ("1,000,000 x 64 (10-d manifold), one signature",
     dict(n=1_000_000, d=64, clouds=1, warm=False, data="manifold")),
    # knn="auto" takes the exact search here (intrinsic dimension 64, where
    # NN-descent finds 20% of the neighbours), which takes far longer; this row
    # times the approximate graph, whose signature is wrong (it warns).
    ("1,000,000 x 64, knn='approx', one signature",
     dict(n=1_000_000, d=64, clouds=1, warm=False, knn="approx")),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--only-million", action="store_true")
    args = parser.parse_args()
    print(f"{'workload':<52} {'fresh':>7} {'warm':>7} {'graph':>7} {'heat':>7} {'peak GB':>8}")
    for label, spec in ROWS:
        if (args.skip_million and spec["n"] >= 1_000_000) or (
            args.only_million and spec["n"] < 1_000_000
        ):
            continue
        spec.setdefault("n_jobs", None)
        out = json.loads(subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(spec)],
            check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1])
        cell = lambda key: f"{out[key]:>7.2f}" if key in out else f"{'-':>7}"  # noqa: E731
        print(f"{label:<52} {cell('fresh')} {cell('warm')} {cell('graph')} {cell('heat')} "
              f"{out['peak_gb']:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
