"""Dask arrays against the in-memory path: time, peak memory per worker, values.

    python asv_bench/dask_table.py                  # full sizes (see below; tens of minutes)
    python asv_bench/dask_table.py --quick          # 20,000 x 64 and 4,000 x 64 (a minute)
    python asv_bench/dask_table.py --n 200000 --knn-n 40000 --workers 4 --memory-limit 8GiB

Sizes: FID and KID on ``--n x --d`` (default 100,000 x 2,048: 1.6 GB per
sample in float64); precision/recall/density/coverage and the IMD graph
(``ReferenceStats.from_samples(keep_features=False)``: moments, exact kNN
graph, Lanczos) on ``--knn-n x --knn-d`` (default 20,000 x 2,048: their exact
searches cost about 4 n^2 d flops, about 3e12, a few minutes on 2 cores).
Every sample is cut into ``--chunks`` row chunks (default 8).

The data are standard normal features (real) and 1.05 N(0, I) + 0.02
(generated), made a chunk at a time by ``numpy.random.default_rng((seed,
chunk))``: on the workers for the Dask path (``dask.array.from_delayed``),
and in a fresh process for the in-memory path, which stacks the same chunks
into one NumPy array and calls the same function.  So both paths see the
same numbers, and the table says whether the results are equal (FID to
1e-10 relative, the others exactly).

Dask path: a ``distributed.LocalCluster`` of ``--workers`` processes of
``--threads`` threads and ``--memory-limit`` each.  Before each metric the
workers are restarted (so that each one's maximum resident set is that of
this metric's call), warmed up on a tiny input (imports and Numba's kernels
not timed), then the call is timed from this process.  "peak GB" is the
largest worker's maximum resident set size during its life (its start-up
included), "call GB" the largest growth of a worker's maximum over its
resident size just before the call.  In-memory path: one process per
metric, after the same warm-up; "peak GB" is its maximum resident set size,
"call GB" its growth during the call.  Single runs on a possibly shared
machine: the load average is printed before and after; compare rows of one
run, not runs on different machines.
"""

import argparse
import json
import os
import subprocess
import sys
import time

SEED_X, SEED_Y = 0, 1
SCALE, SHIFT = 1.05, 0.02


def _chunk(seed, index, rows, d, generated):
    import numpy as np

    A = np.random.default_rng((seed, index)).standard_normal((rows, d))
    if generated:
        A *= SCALE
        A += SHIFT
    return A


def _rows(n, chunks):
    base, extra = divmod(n, chunks)
    return [base + (i < extra) for i in range(chunks)]


def numpy_sample(n, d, chunks, seed, generated):
    import numpy as np

    return np.vstack([_chunk(seed, i, r, d, generated) for i, r in enumerate(_rows(n, chunks))])


def dask_sample(n, d, chunks, seed, generated):
    import dask
    import dask.array as da
    import numpy as np

    return da.concatenate([
        da.from_delayed(dask.delayed(_chunk)(seed, i, r, d, generated), (r, d), np.float64)
        for i, r in enumerate(_rows(n, chunks))])


def _metric(name):
    """``run(X, Y) -> float or dict`` of the metric ``name``."""
    from sklearn_imd import ReferenceStats, fid_score, kid_score, prdc_score

    if name == "fid":
        return fid_score
    if name == "kid":
        return lambda X, Y: kid_score(X, Y, random_state=0)
    if name == "prdc":
        return lambda X, Y: prdc_score(X, Y).as_dict()

    def graph(X, Y):
        ref = ReferenceStats.from_samples(X, keep_features=False, random_state=0,
                                          imd_params={"knn": "exact"})
        return {"imd_signature[0]": float(ref.imd_signature[0]),
                "imd_signature[-1]": float(ref.imd_signature[-1])}

    return graph


def _warm(run, make):
    """A call on a tiny input: imports, Numba's kernels and thread pools."""
    run(make(400, 8, 4, 5, False), make(300, 8, 4, 6, True))


def _maxrss():
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak * (1 if sys.platform == "darwin" else 1024)


def _rss():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return _maxrss()


def in_memory(spec):
    """One metric in this process (``--worker`` mode): JSON on stdout."""
    import gc

    run = _metric(spec["metric"])
    _warm(run, numpy_sample)
    n, d, c = spec["n"], spec["d"], spec["chunks"]
    X, Y = numpy_sample(n, d, c, SEED_X, False), numpy_sample(n, d, c, SEED_Y, True)
    gc.collect()
    before = _rss()
    t0 = time.perf_counter()
    value = run(X, Y)
    seconds = time.perf_counter() - t0
    peak = _maxrss()
    print(json.dumps({"value": value, "seconds": seconds, "peak_gb": peak / 1e9,
                      "call_gb": max(0, peak - before) / 1e9}))


def on_cluster(client, metric, n, d, chunks):
    run = _metric(metric)
    client.restart()
    _warm(run, dask_sample)
    rest = client.run(_rss)
    X, Y = dask_sample(n, d, chunks, SEED_X, False), dask_sample(n, d, chunks, SEED_Y, True)
    t0 = time.perf_counter()
    value = run(X, Y)
    seconds = time.perf_counter() - t0
    peak = client.run(_maxrss)
    return {"value": value, "seconds": seconds, "peak_gb": max(peak.values()) / 1e9,
            "call_gb": max(max(0, peak[w] - rest[w]) for w in peak) / 1e9}


def _equal(metric, a, b):
    if metric == "fid":
        return abs(a - b) <= 1e-10 * abs(b)
    if metric == "graph":  # the same graph and seed: the signature to rounding
        return all(abs(a[key] - b[key]) <= 1e-12 * abs(b[key]) for key in b)
    return a == b


def _load():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="rows of FID and KID")
    parser.add_argument("--d", type=int, default=2_048, help="features of FID and KID")
    parser.add_argument("--knn-n", type=int, default=20_000,
                        help="rows of PRDC and the IMD graph")
    parser.add_argument("--knn-d", type=int, default=2_048,
                        help="features of PRDC and the IMD graph")
    parser.add_argument("--chunks", type=int, default=8, help="row chunks of each sample")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--memory-limit", default="4GiB", help="per worker")
    parser.add_argument("--metrics", default="fid,kid,prdc,graph")
    parser.add_argument("--quick", action="store_true",
                        help="20,000 x 64 and 4,000 x 64: checks that the script runs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        in_memory(json.loads(args.worker))
        return
    if args.quick:
        args.n, args.d, args.knn_n, args.knn_d = 20_000, 64, 4_000, 64
        args.memory_limit = "1GiB"

    import distributed

    print(f"load average before: {_load()}")
    print(f"cluster: {args.workers} workers x {args.threads} threads, "
          f"{args.memory_limit} each; {args.chunks} row chunks per sample")
    header = (f"{'metric':<7} {'size':>14} {'path':<9} {'seconds':>8} {'peak GB':>8} "
              f"{'call GB':>8}  equal  value")
    print(header)
    print("-" * len(header))
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=args.threads,
                                  memory_limit=args.memory_limit, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        for metric in args.metrics.split(","):
            n, d = (args.n, args.d) if metric in ("fid", "kid") else (args.knn_n, args.knn_d)
            spec = {"metric": metric, "n": n, "d": d, "chunks": args.chunks}
            out = subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)],
                                 capture_output=True, text=True, check=True)
            mem = json.loads(out.stdout.strip().splitlines()[-1])
            dsk = on_cluster(client, metric, n, d, args.chunks)
            same = _equal(metric, dsk["value"], mem["value"])
            for path, row in (("in memory", mem), ("dask", dsk)):
                print(f"{metric:<7} {f'{n:,} x {d:,}':>14} {path:<9} {row['seconds']:8.2f} "
                      f"{row['peak_gb']:8.3f} {row['call_gb']:8.3f}  "
                      f"{'yes' if same else 'NO':<5}  {row['value']}", flush=True)
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
