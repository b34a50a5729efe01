"""Calibration of the scores and tests that decide between models.

    python asv_bench/calibration_table.py            # about 6 minutes on 2 cores
    python asv_bench/calibration_table.py --reps 20  # steadier, proportionally longer

Prints three tables (markdown), every number a mean over seeded repetitions:

1. Samples of one 8-d Gaussian at several pairs of sizes, and a Gaussian
   against a Student-t(3): raw IMD, IMD beyond its permutation floor
   (``imd_test(...).excess``), IMD between signatures extrapolated to
   infinite size (each cloud's signature at n, n/2 and n/4 points fitted
   linearly in 1/n, read at 0: the FD-infinity idea applied to IMD), FID and
   FD-infinity, as mean ± standard error.
2. Coverage of 95% half-sample intervals of FID (2-d Gaussians, known
   population FID 0.5) with the spread unscaled (now) and scaled by
   ``sqrt(1/2)`` (before), from the same redraws.
3. ``rank_models``: how often the Holm-adjusted test rejects at 0.05 between
   two models of the reference's distribution (A vs B: the level) and
   between those and a model shifted by ``s`` along every axis (power).
"""

import argparse
import sys
import time
import warnings

import numpy as np

from sklearn_imd import fid_infinity_score, fid_score, imd_test
from sklearn_imd._compare import compare_run
from sklearn_imd._ranking import rank_models
from sklearn_imd.metrics import imd_signature
from sklearn_imd.metrics._imd import imd_distance


def mean_se(values):
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.2f} ± {v.std(ddof=1) / np.sqrt(v.size):.2f}"


def imd_infinity(X, Y, rng, seed):
    """IMD between the two clouds' signatures extrapolated to infinite size."""
    def extrapolated(A):
        sizes = [A.shape[0], A.shape[0] // 2, A.shape[0] // 4]
        S = np.array([imd_signature(A[rng.choice(A.shape[0], n, replace=False)],
                                    random_state=seed) for n in sizes])
        design = np.column_stack([np.ones(3), 1.0 / np.asarray(sizes)])
        coef, *_ = np.linalg.lstsq(design, S, rcond=None)
        return coef[0]

    return imd_distance(extrapolated(X), extrapolated(Y))


def table_sizes(reps):
    print("## 1. Same distribution at several sizes (8-d Gaussian), and a different one\n")
    print("| pair | sizes | IMD | IMD excess | IMD∞ (extrapolated) | FID | FD∞ |")
    print("|---|---|---|---|---|---|---|")
    cases = [("same", 1000, 1000), ("same", 2000, 2000), ("same", 1000, 4000),
             ("same", 500, 2000), ("t(3)", 1000, 1000), ("t(3)", 1000, 4000)]
    for kind, nx, ny in cases:
        cols = {c: [] for c in ("imd", "excess", "inf", "fid", "fdinf")}
        for r in range(reps):
            rng = np.random.default_rng([nx, ny, r, kind == "same"])
            X = rng.normal(size=(nx, 8))
            Y = rng.normal(size=(ny, 8)) if kind == "same" else rng.standard_t(3, (ny, 8))
            res = imd_test(X, Y, n_permutations=10, n_resamples=0, random_state=r)
            cols["imd"].append(res.statistic)
            cols["excess"].append(res.excess)
            cols["inf"].append(imd_infinity(X, Y, rng, r))
            cols["fid"].append(fid_score(X, Y))
            cols["fdinf"].append(fid_infinity_score(X, Y, random_state=r))
        print(f"| {kind} | {nx:,} v {ny:,} | " + " | ".join(mean_se(cols[c]) for c in cols)
              + " |", flush=True)
    print()


def table_coverage(reps):
    print("## 2. Coverage of 95% half-sample intervals of FID (population FID 0.5)\n")
    hits_now = hits_old = 0
    for r in range(reps):
        rng = np.random.default_rng([7, r])
        X, Y = rng.normal(size=(1000, 2)), rng.normal(size=(1000, 2)) + 0.5
        run = compare_run(X, {"Y": Y}, metrics="fid", interval="subsample", n_resamples=20,
                          random_state=r)
        row, v = run.rows[0], run.resamples[0]["fid"]
        hits_now += row["fid_low"] <= 0.5 <= row["fid_high"]
        q_lo, q_hi = np.quantile(v - v.mean(), [0.025, 0.975])
        s = np.sqrt(0.5)
        hits_old += max(row["fid"] - s * q_hi, 0) <= 0.5 <= row["fid"] - s * q_lo
    print("| spread | coverage |\n|---|---|")
    print(f"| unscaled (now) | {hits_now / reps:.2f} |")
    print(f"| scaled by sqrt(1/2) (before) | {hits_old / reps:.2f} |")
    print(f"\n({reps} repetitions: a standard error of about "
          f"{np.sqrt(0.95 * 0.05 / reps):.2f} at 0.95)\n")


def table_ranking(reps, n, shifts):
    metrics = "imd,fid,kid,precision,recall,coverage"
    print(f"## 3. rank_models at n = {n:,} (8-d Gaussian; C shifted by s on every axis)\n")
    level = {m: [] for m in metrics.split(",")}
    power = {s: {m: [] for m in metrics.split(",")} for s in shifts}
    for s in shifts:
        for r in range(reps):
            rng = np.random.default_rng([n, r, int(1000 * s)])
            ref = rng.normal(size=(n, 8))
            models = {"A": rng.normal(size=(n, 8)), "B": rng.normal(size=(n, 8)),
                      "C": rng.normal(size=(n, 8)) + s}
            res = rank_models(ref, models, metrics=metrics, random_state=r)
            for a, m in enumerate(res.metrics):
                q = res.pvalues_adjusted[a]
                level[m].append(q[0, 1] <= 0.05)
                power[s][m].append((q[0, 2] <= 0.05) + (q[1, 2] <= 0.05))
    cols = metrics.split(",")
    print("| test | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    print(f"| A vs B rejected (level 0.05; {len(level[cols[0]])} tests) | "
          + " | ".join(f"{np.mean(level[m]):.3f}" for m in cols) + " |")
    for s in shifts:
        print(f"| A, B vs C rejected, s = {s} | "
              + " | ".join(f"{np.mean(power[s][m]) / 2:.2f}" for m in cols) + " |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=6, help="repetitions of tables 1 and 3")
    parser.add_argument("--coverage-reps", type=int, default=200)
    parser.add_argument("--n", type=int, default=1000, help="sample size of table 3")
    parser.add_argument("--shifts", default="0.05,0.1,0.2", help="shifts of table 3")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print("$ python " + " ".join(sys.argv) + "\n")
    t0 = time.perf_counter()
    table_sizes(args.reps)
    table_coverage(args.coverage_reps)
    table_ranking(args.reps, args.n, [float(s) for s in args.shifts.split(",")])
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
