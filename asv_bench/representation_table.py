"""Linear CKA (biased and debiased) and the Procrustes distance at 50,000 x 2,048:
time and peak memory, beside the straightforward implementations.

    python asv_bench/representation_table.py            # 10,000 and 50,000 x 2,048 (~10 min)
    python asv_bench/representation_table.py --quick    # 2,000 and 5,000 x 256 (seconds)

The pair: X standard normal (float32), Y = tanh(X W) with W a random 2,048 x
2,048 matrix of variance 1 / 2,048: two representations of the same inputs
that are related but not linearly.  Each row is one call in a fresh Python
process after a warm-up call on a tiny input; "call GB" is the growth of the
resident set during the call (the inputs are made before).

The straightforward routes, as the papers' code computes them:

- ``dense`` CKA: the n x n Gram matrices K = X X^T and L = Y Y^T (float64),
  centred (H K H) for the biased HSIC, or with zero diagonals and Song et
  al.'s formula for the debiased one; ReSi and Kornblith et al.'s notebook
  do this.  It needs about 4 n x n float64 matrices: 80 GB at 50,000, so it
  is run at the smaller size only, and its memory at the larger printed.
- ``ReSi`` Procrustes: centre, divide by the Frobenius norms, nuclear norm of
  X^T Y by ``numpy.linalg.norm(..., "nuc")`` on float64 copies (memory
  linear in n already: the comparison is of time and copies).

"value" is the measure; "difference" the largest absolute difference between
the library's value and the straightforward one, where both ran.
"""

import argparse
import json
import os
import subprocess
import sys

from prdc_table import _load, environment, measure_call

FULL = [(10_000, 2_048), (50_000, 2_048)]
QUICK = [(2_000, 256), (5_000, 256)]
DENSE_MAX = 10_000  # largest n for the n x n route (4 matrices of 0.8 GB at 10,000)
ROUTES = [("cka", "library"), ("cka", "dense"), ("cka_debiased", "library"),
          ("cka_debiased", "dense"), ("procrustes", "library"), ("procrustes", "ReSi")]


def pair(n, d):
    """The two representations, the same in every process."""
    import numpy as np

    X = np.random.default_rng(0).standard_normal((n, d), dtype=np.float32)
    W = np.random.default_rng(1).standard_normal((d, d), dtype=np.float32)
    W /= np.float32(np.sqrt(d))
    return X, np.tanh(X @ W)


def _dense_cka(X, Y, debiased):
    import numpy as np

    K = X.astype(np.float64) @ X.T.astype(np.float64)
    L = Y.astype(np.float64) @ Y.T.astype(np.float64)
    n = K.shape[0]
    if not debiased:
        def centred(G):
            G -= G.mean(axis=0)
            G -= G.mean(axis=1)[:, None]
            return G

        K, L = centred(K), centred(L)
        return float((K * L).sum() / np.sqrt((K * K).sum() * (L * L).sum()))

    def hsic(A, B):
        return ((A * B).sum() + A.sum() * B.sum() / ((n - 1) * (n - 2))
                - 2 / (n - 2) * A.sum(axis=0) @ B.sum(axis=0)) / (n * (n - 3))

    np.fill_diagonal(K, 0.0)
    np.fill_diagonal(L, 0.0)
    return float(hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L)))


def _resi_procrustes(X, Y):
    import numpy as np

    X = X.astype(np.float64) - X.mean(axis=0)
    Y = Y.astype(np.float64) - Y.mean(axis=0)
    X /= np.linalg.norm(X)
    Y /= np.linalg.norm(Y)
    return float(np.sqrt(max(0.0, 2 - 2 * np.linalg.norm(X.T @ Y, ord="nuc"))))


def worker(spec):
    from sklearn_imd import cka, procrustes_distance

    measure, route = spec["measure"], spec["route"]
    if route == "library":
        run = {"cka": cka, "cka_debiased": lambda A, B: cka(A, B, debiased=True),
               "procrustes": procrustes_distance}[measure]
    elif measure == "procrustes":
        run = _resi_procrustes
    else:
        def run(A, B):
            return _dense_cka(A, B, debiased=measure == "cka_debiased")

    value, measured = measure_call(run, *pair(spec["n"], spec["d"]))
    print(json.dumps({**measured, "value": value}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 5,000 x 256")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    print(f"load average at start: {_load()}")
    for line in environment():
        print(line)
    print("\n| n x d (float32) | measure | route | seconds | peak GB | call GB | value "
          "| difference |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |", flush=True)
    for n, d in QUICK if args.quick else FULL:
        library = {}
        for measure, route in ROUTES:
            label = f"| {n:,} x {d:,} | {measure} | {route} |"
            if route == "dense" and n > DENSE_MAX:
                print(f"{label} not run (4 n x n float64: {32 * n * n / 1e9:.0f} GB) | | | | |",
                      flush=True)
                continue
            spec = json.dumps({"n": n, "d": d, "measure": measure, "route": route})
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", spec],
                                  capture_output=True, text=True, check=False)
            if proc.returncode:
                tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                print(f"{label} failed: {tail} | | | | |", flush=True)
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            if route == "library":
                library[measure] = r["value"]
                diff = ""
            else:
                diff = f"{abs(r['value'] - library[measure]):.1e}" if measure in library else ""
            print(f"{label} {r['seconds']:.2f} | {r['peak_gb']:.2f} | {r['call_gb']:.2f} | "
                  f"{r['value']:.6f} | {diff} |", flush=True)
    print(f"\nload average at end: {_load()}")


if __name__ == "__main__":
    main()
