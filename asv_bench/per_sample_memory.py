"""sample_diagnostics at 100,000 x 2,048: time and peak memory, linear in n.

    python asv_bench/per_sample_memory.py            # 10,000, 30,000, 100,000 x 2,048 (~45 min)
    python asv_bench/per_sample_memory.py --quick    # 2,000, 6,000, 20,000 x 256 (a minute)

Real features are standard normal, generated ones 1.02 * N(0, I) + 0.05
(float32, as ``prdc_table.py``'s), n of each; k = 5.  Each row is one call of
``sample_diagnostics`` in a fresh Python process, after a warm-up call on a
tiny input (Numba compilation not timed).  "input GB" is the two samples as
given, "peak GB" the process's maximum resident set size, "call GB" its growth
during the call, "per point" the call's growth divided by 2 n: constant when
memory is linear in n.  A dense implementation (the reference codes of the
realism and rarity scores hold an n x n float64 distance matrix, the rarity
code two) would need 8 n^2 bytes for one: printed for comparison.  Single runs
on a possibly shared machine; the load average is printed.
"""

import argparse
import json
import os
import subprocess
import sys

from prdc_table import _load, environment, measure_call, samples

FULL = [(10_000, 2_048), (30_000, 2_048), (100_000, 2_048)]
QUICK = [(2_000, 256), (6_000, 256), (20_000, 256)]


def worker(n, d):
    import numpy as np

    from sklearn_imd import sample_diagnostics

    X, Y = samples(n, d)
    diag, measured = measure_call(lambda A, B: sample_diagnostics(A, B, k=5), X, Y)
    print(json.dumps({**measured, "input_gb": (X.nbytes + Y.nbytes) / 1e9,
                      "precision": diag.precision, "coverage": diag.coverage,
                      "median_realism": float(np.median(diag.realism))}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 to 20,000 x 256")
    parser.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    print(f"load average at start: {_load()}")
    for line in environment():
        print(line)
    print("\n| n x d (float32) | seconds | input GB | peak GB | call GB | per point KB "
          "| dense n x n GB | precision | coverage | median realism |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", flush=True)
    for n, d in QUICK if args.quick else FULL:
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", str(n),
                               str(d)], capture_output=True, text=True, check=False)
        if proc.returncode:
            print(f"| {n:,} x {d:,} | failed: {proc.stderr.strip().splitlines()[-1:]} |")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"| {n:,} x {d:,} | {r['seconds']:.1f} | {r['input_gb']:.2f} | "
              f"{r['peak_gb']:.2f} | {r['call_gb']:.2f} | {r['call_gb'] * 1e6 / (2 * n):.1f} | "
              f"{8 * n * n / 1e9:.1f} | {r['precision']:.4f} | {r['coverage']:.4f} | "
              f"{r['median_realism']:.3f} |", flush=True)
    print(f"\nload average at end: {_load()}")


if __name__ == "__main__":
    main()
