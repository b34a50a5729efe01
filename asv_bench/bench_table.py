"""Print a table of IMD scores and of the time per signature, measured in one run.

    python asv_bench/bench_table.py            # all shapes (about a minute)
    python asv_bench/bench_table.py --quick    # small shapes only

Times are wall-clock medians over ``--repeat`` runs, after one warm-up that
compiles (or loads from cache) the Numba kernel; each is split into the kNN
graph, the Laplacian and the SLQ heat trace.  Compare the rows with each other,
not with another machine's numbers.
"""

import argparse
import os
import platform
import time

import numpy as np

from sklearn_imd import IMDSignature, imd_score
from sklearn_imd._core.graph import knn_adjacency, normalized_laplacian
from sklearn_imd._core.heat import slq_heat_trace
from sklearn_imd._utils.validation import default_times

SHAPES = [(1_000, 10), (10_000, 64), (10_000, 2_048)]
QUICK_SHAPES = [(1_000, 10), (5_000, 64)]


def _median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def signature_times(n, d, repeat, dtype=np.float32):
    X = np.random.default_rng(0).standard_normal((n, d)).astype(dtype)
    t = default_times()
    A = knn_adjacency(X, 5, knn="auto")
    L = normalized_laplacian(A)
    return {
        "graph": _median_time(lambda: knn_adjacency(X, 5, knn="auto"), repeat),
        "laplacian": _median_time(lambda: normalized_laplacian(A), repeat),
        "heat": _median_time(
            lambda: slq_heat_trace(L, t, 10, 100, np.random.default_rng(0)), repeat
        ),
        "total": _median_time(
            lambda: IMDSignature(random_state=0).fit_transform([X]), repeat
        ),
    }


def score_table(seeds):
    rows = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(1000, 10))
        Y = rng.beta(0.5, 0.5, size=(1000, 10))
        X2 = rng.normal(size=(1000, 10))
        rows.append(
            (seed, imd_score(X, Y, random_state=seed), imd_score(X, X2, random_state=seed))
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small shapes only")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numpy {np.__version__}")
    IMDSignature(nv=2, random_state=0).fit_transform([np.random.rand(64, 3)])  # warm-up

    print("\nIMD, 1000 x 10 clouds (k=5, m=10, nv=100, defaults)")
    print(f"{'seed':>4} {'N(0,1) vs Beta(.5,.5)':>22} {'N(0,1) vs N(0,1)':>17}")
    rows = score_table(range(args.seeds))
    for seed, diff, same in rows:
        print(f"{seed:>4} {diff:>22.2f} {same:>17.2f}")
    diff, same = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    print(f"{'mean':>4} {diff.mean():>22.2f} {same.mean():>17.2f}")
    print(f"{'std':>4} {diff.std(ddof=1):>22.2f} {same.std(ddof=1):>17.2f}")

    print(f"\nTime per signature, float32 Gaussian cloud, seconds (median of {args.repeat})")
    print(f"{'shape':>12} {'graph':>8} {'laplacian':>10} {'heat':>8} {'total':>8}")
    for n, d in QUICK_SHAPES if args.quick else SHAPES:
        r = signature_times(n, d, args.repeat)
        print(f"{f'{n}x{d}':>12} {r['graph']:>8.3f} {r['laplacian']:>10.3f} "
              f"{r['heat']:>8.3f} {r['total']:>8.3f}")


if __name__ == "__main__":
    main()
