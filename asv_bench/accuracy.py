"""Accuracy and noise of the IMD estimate, against the exact spectrum, with its cost.

    python asv_bench/accuracy.py                 # n = 1e3, 1e4, 1e5 (about 10 minutes)
    python asv_bench/accuracy.py --sizes 1000    # one size

For x0, x1 two independent draws of n points from N(0, I_10) and the default
parameters (k=5, m=10, nv=100), it prints per n:

* signature error: mean over seeds of ``imd_distance(estimate, exact)`` for
  the graph of x0 (exact: all eigenvalues by dense ``eigvalsh``; skipped above
  ``--max-exact`` points), for our SLQ and for the same SLQ with only the
  paper's first-order control variate (``hops=0``), side by side;
* noise floor: mean and max over seed pairs of IMD(x0, x0) with only
  ``random_state`` changed (where knn="auto" takes the approximate search, it
  is seeded too, so its randomness is included);
* IMD(x0, x1): mean over seeds of the estimate, and the exact value;
* time split of one signature of x0: kNN graph, exact moments of the control
  variate, Lanczos and quadrature.
"""

import argparse
import itertools
import time

import numpy as np

from sklearn_imd import IMDSignature, imd_distance
from sklearn_imd._core.graph import knn_adjacency, normalized_laplacian
from sklearn_imd._core.heat import (
    CV_HOPS, SIGNATURE_SCALE, exact_heat_trace, laplacian_moments, slq_heat_trace,
)
from sklearn_imd._utils.validation import default_times

T = default_times()


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def run(n, seeds, max_exact):
    x0, x1 = (np.random.default_rng(100 + i).standard_normal((n, 10)) for i in range(2))
    est = IMDSignature(method="slq")
    sig = {}  # (cloud, seed) -> signature
    for name, X in (("x0", x0), ("x1", x1)):
        for s in seeds:
            sig[name, s] = est.set_params(random_state=s).fit_transform([X])[0]
    row = {"n": n}
    pairs = list(itertools.combinations(seeds, 2))
    floor = [imd_distance(sig["x0", a], sig["x0", b]) for a, b in pairs]
    row["floor_mean"], row["floor_max"] = np.mean(floor), np.max(floor)
    row["imd01"] = np.mean([imd_distance(sig["x0", s], sig["x1", s]) for s in seeds])

    # time split, and the error against the exact spectrum, on the graph of x0
    A, row["t_graph"] = _timed(lambda: knn_adjacency(x0, 5, "auto", random_state=0))
    L = normalized_laplacian(A)
    _, row["t_moments"] = _timed(lambda: laplacian_moments(L, CV_HOPS))
    _, t_total = _timed(lambda: slq_heat_trace(L, T, 10, 100, np.random.default_rng(0)))
    row["t_lanczos"] = t_total - row["t_moments"]
    if n <= max_exact:
        exact = [
            SIGNATURE_SCALE * exact_heat_trace(
                normalized_laplacian(knn_adjacency(X, 5, "exact")), T) / n
            for X in (x0, x1)
        ]
        row["imd01_exact"] = imd_distance(exact[0], exact[1])
        for hops, key in ((CV_HOPS, "err"), (0, "err_paper")):
            row[key] = np.mean([
                imd_distance(
                    SIGNATURE_SCALE * slq_heat_trace(
                        L, T, 10, 100, np.random.default_rng(s), hops=hops)[0] / n,
                    exact[0])
                for s in seeds
            ])
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-exact", type=int, default=10_000,
                        help="largest n with an exact spectrum (10,000 takes ~2 min)")
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    IMDSignature(nv=2, method="slq", random_state=0).fit_transform([np.random.rand(64, 3)])

    cols = [("n", "{:>8d}"), ("err", "{:>9.4f}"), ("err_paper", "{:>9.3f}"),
            ("floor_mean", "{:>10.4f}"), ("floor_max", "{:>9.4f}"),
            ("imd01", "{:>8.3f}"), ("imd01_exact", "{:>11.3f}"),
            ("t_graph", "{:>8.3f}"), ("t_moments", "{:>9.3f}"), ("t_lanczos", "{:>9.3f}")]
    print(f"# N(0, I_10), k=5, m=10, nv=100, {len(seeds)} seeds; times in seconds")
    print(" ".join(f"{c:>{len(f.format(0 if 'd' in f else 0.0))}}" for c, f in cols))
    for n in args.sizes:
        row = run(n, seeds, args.max_exact)
        print(" ".join(f.format(row[c]) if c in row else
                       f"{'-':>{len(f.format(0 if 'd' in f else 0.0))}}" for c, f in cols),
              flush=True)


if __name__ == "__main__":
    main()
