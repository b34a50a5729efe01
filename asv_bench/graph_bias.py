"""What an approximate kNN graph does to the signature, against the exact graph.

    python asv_bench/graph_bias.py                    # n = 100,000 (about 3 minutes)
    python asv_bench/graph_bias.py --n 20000 --data manifold64

For each kind of cloud it prints, with the default parameters (k=5, m=10,
nv=100):

* floor: IMD between two signatures of the same exact graph, only the probe
  seed changed (the estimator's own noise);
* for each approximate search (``knn="approx"``, ours, and
  ``knn="pynndescent"``): the recall of the 5 true nearest neighbours, and the
  IMD between its signature and the exact graph's signature with the same
  probe seed (the bias the approximate graph adds);
* IMD between two independent draws of the same distribution, exact graphs:
  the smallest difference a user could want to resolve.

Clouds: ``gauss10`` is N(0, I_10), ``manifold64`` a smooth 10-dimensional
manifold in 64 dimensions (tanh of a linear map of N(0, I_10)), ``gauss64``
is N(0, I_64), where neighbour search is hardest.
"""

import argparse
import time

import numpy as np

from sklearn_imd import IMDSignature, imd_distance
from sklearn_imd._core.search import approx_knn, exact_knn


def cloud(kind, n, seed):
    rng = np.random.default_rng(seed)
    if kind == "gauss10":
        return rng.standard_normal((n, 10)).astype(np.float32)
    if kind == "gauss64":
        return rng.standard_normal((n, 64)).astype(np.float32)
    W = np.random.default_rng(10**6).standard_normal((10, 64)) / np.sqrt(10)
    return np.tanh(rng.standard_normal((n, 10)) @ W).astype(np.float32)


def signature(X, knn, seed):
    start = time.perf_counter()
    s = IMDSignature(knn=knn, method="slq", random_state=seed).fit_transform([X])[0]
    return s, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--data", nargs="+", default=["gauss10", "manifold64", "gauss64"])
    parser.add_argument("--backends", nargs="+", default=["approx", "pynndescent"])
    args = parser.parse_args()
    IMDSignature(nv=2, method="slq", random_state=0).fit_transform([np.random.rand(64, 3)])
    print(f"# n = {args.n:,}, k=5, m=10, nv=100; IMD values, times in seconds")
    print(f"{'data':<11}{'graph':<12}{'recall@5':>9}{'IMD to exact':>13}{'floor':>8}"
          f"{'IMD(x0,x1)':>11}{'time':>7}")
    for kind in args.data:
        x0, x1 = cloud(kind, args.n, 1), cloud(kind, args.n, 2)
        exact0, t_exact = signature(x0, "exact", 0)
        floor = imd_distance(exact0, signature(x0, "exact", 1)[0])
        between = imd_distance(exact0, signature(x1, "exact", 0)[0])
        print(f"{kind:<11}{'exact':<12}{1.0:>9.3f}{0.0:>13.4f}{floor:>8.4f}{between:>11.4f}"
              f"{t_exact:>7.1f}", flush=True)
        truth = exact_knn(x0, 5, jit=True)
        for knn in args.backends:
            sig, t = signature(x0, knn, 0)
            found = approx_knn(x0, 5, random_state=0, backend=knn)[:, :5]
            recall = np.mean([np.intersect1d(a, b).size / 5 for a, b in zip(found, truth)])
            print(f"{kind:<11}{knn:<12}{recall:>9.3f}{imd_distance(sig, exact0):>13.4f}"
                  f"{'':>8}{'':>11}{t:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
