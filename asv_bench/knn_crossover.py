"""Measure the cost models behind knn="auto" and print the constants of ``sklearn_imd._core.plan``.

    python asv_bench/knn_crossover.py            # about two minutes on 2 cores
    python asv_bench/knn_crossover.py --quick    # smaller clouds

knn="auto" takes NN-descent when the two cost models predict it to be
``_APPROX_ADVANTAGE`` times faster than the exact search:

    exact  = n^2 / 2 * (a * d + b)    (half a product of X with itself, merges per pair)
    approx = n * (c * d + e)          (NN-descent, its recall check included)

This script times both searches, warm, on clouds of a smooth 8-dimensional
manifold (where NN-descent finds the true neighbours, so its time is the
one that counts), fits (a, b) and (c, e) by least squares on the relative
error, and prints each measurement beside the prediction of the fitted and
of the current constants.  Run it on an idle machine (it prints the load
average) and copy the fitted constants into ``_EXACT_PAIR_SECONDS`` and
``_APPROX_POINT_SECONDS``.
"""

import argparse
import os
import time

import numpy as np

from sklearn_imd._core import plan as _plan
from sklearn_imd._core import search as _search


def manifold(n, d, seed=0):
    rng = np.random.default_rng(seed)
    W = np.random.default_rng(1).standard_normal((8, d)) / np.sqrt(8)
    return np.tanh(rng.standard_normal((n, 8)) @ W)


def best_of(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def fit(rows, scale):
    """Least squares of time / scale(n) = p d + q, weighted to relative error."""
    A = np.array([[d, 1.0] for n, d, _ in rows])
    y = np.array([sec / scale(n) for n, d, sec in rows])
    w = 1.0 / y
    return np.linalg.lstsq(A * w[:, None], y * w, rcond=None)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    k = 6  # the graph searches k + 1 = 6 neighbours at the default k = 5
    exact_shapes = [(n, d) for n in ((4000, 8000) if args.quick else (10_000, 20_000))
                    for d in (8, 64, 512)]
    approx_shapes = [(n, d) for n in ((20_000,) if args.quick else (50_000, 100_000))
                     for d in (8, 64, 512)]
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    manifold(1000, 8)
    _search.exact_knn(manifold(2000, 8), k, jit=True)  # load the cached kernels
    _search.approx_knn(manifold(2000, 8), k, 0)

    exact, approx = [], []
    for n, d in exact_shapes:
        X = manifold(n, d)
        exact.append((n, d, best_of(lambda: _search.exact_knn(X, k, jit=True), 2)))
    for n, d in approx_shapes:
        X = manifold(n, d)

        def search():
            ind = _search.approx_knn(X, k, 0)
            return _search.sample_recall(X, ind[:, :5], 5, 0)

        approx.append((n, d, best_of(search, 1)))
    a, b = fit(exact, lambda n: n * n / 2)
    c, e = fit(approx, lambda n: n)
    old_a, old_b = _plan._EXACT_PAIR_SECONDS
    old_c, old_e = _plan._APPROX_POINT_SECONDS
    print(f"\n{'search':<8} {'n':>8} {'d':>5} {'seconds':>8} {'fitted':>8} {'current':>8}")
    for n, d, sec in exact:
        print(f"{'exact':<8} {n:>8} {d:>5} {sec:>8.3f} {n * n / 2 * (a * d + b):>8.3f} "
              f"{n * n / 2 * (old_a * d + old_b):>8.3f}")
    for n, d, sec in approx:
        print(f"{'approx':<8} {n:>8} {d:>5} {sec:>8.3f} {n * (c * d + e):>8.3f} "
              f"{n * (old_c * d + old_e):>8.3f}")
    print(f"\n_EXACT_PAIR_SECONDS = ({a:.2g}, {b:.2g})    # current ({old_a:.2g}, {old_b:.2g})")
    print(f"_APPROX_POINT_SECONDS = ({c:.2g}, {e:.2g})  # current ({old_c:.2g}, {old_e:.2g})")
    for d in (2, 64, 2048):
        switch = 2 * _plan._APPROX_ADVANTAGE * (c * d + e) / (a * d + b)
        print(f"switch to NN-descent at d = {d}: n > {switch:,.0f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
