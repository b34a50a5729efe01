"""Size and power of relative_mmd_test by simulation (a table, not a benchmark).

    python asv_bench/relative_mmd_calibration.py            # 500 repetitions (~2-3 minutes)
    python asv_bench/relative_mmd_calibration.py --reps 100 # quicker, noisier

Each row draws ``reps`` independent triples of ``n`` points in ``d``
dimensions (half as many for the power rows), ``X ~ N(0, I)`` the reference,
and tests them with the default kernel (Gaussian, median heuristic) and, at
n = 200 and d = 10, KID's cubic kernel (``kernel="polynomial"``).  The
scenarios, with ``e1`` the first axis:

- ``null, Y = Z = P``: ``Y, Z ~ N(0, I)``, the distribution of ``X``.  Both
  MMDs are 0 and the statistic's first-order variance vanishes (a degenerate
  U-statistic), so the normal approximation is at its worst here.
- ``null, Y = Z = Q``: ``Y, Z ~ N(0.5 e1, I)``, one model, not ``X``'s
  distribution: the null hypothesis's boundary MMD(X, Y) = MMD(X, Z) where the
  normal approximation is meant to hold.
- ``power, Z closer``: ``Y ~ N(0.6 e1, I)``, ``Z ~ N(0.3 e1, I)``.

Rejection rates at alpha = 0.05 for the published one-sided test
(``alternative="greater"``, the null hypothesis that ``Y`` is at least as
close) and for the two-sided one; under a null both should be near 0.05 (the
Monte-Carlo standard error of a rate of 0.05 over 500 repetitions is 0.010).
Every call passes ``random_state=0`` (the median heuristic's subset of the
pooled 1,500 points at n = 500), and each cell its own seed: the table is
the same on every run.
"""

import argparse

import numpy as np

from sklearn_imd import relative_mmd_test

ALPHA = 0.05
SCENARIOS = {
    "null, Y = Z = P": (0.0, 0.0),
    "null, Y = Z = Q": (0.5, 0.5),
    "power, Z closer": (0.6, 0.3),
}


def rates(n, d, shifts, kernel, reps, seed):
    """Rejection rates (one-sided, two-sided) over ``reps`` triples."""
    rng = np.random.default_rng(seed)
    e1 = np.zeros(d)
    e1[0] = 1.0
    one = two = 0
    for _ in range(reps):
        X = rng.normal(size=(n, d))
        Y = rng.normal(size=(n, d)) + shifts[0] * e1
        Z = rng.normal(size=(n, d)) + shifts[1] * e1
        res = relative_mmd_test(X, Y, Z, kernel=kernel, random_state=0)
        one += res.pvalue < ALPHA
        # the two-sided p-value from the one-sided one (no second pass)
        two += 2 * min(res.pvalue, 1 - res.pvalue) < ALPHA
    return one / reps, two / reps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=500, help="repetitions per row")
    args = parser.parse_args()
    rows = [(200, 2, "rbf"), (200, 10, "rbf"), (500, 2, "rbf"), (500, 10, "rbf"),
            (200, 10, "polynomial")]
    print(f"relative_mmd_test, {args.reps} repetitions per null cell, {args.reps // 2} per "
          f"power cell, alpha = {ALPHA}; "
          f"Monte-Carlo s.e. at 0.05: {np.sqrt(ALPHA * (1 - ALPHA) / args.reps):.3f}\n")
    print("| n | d | kernel | scenario | reject, greater | reject, two-sided |")
    print("| ---: | ---: | --- | --- | ---: | ---: |")
    for i, (n, d, kernel) in enumerate(rows):
        for j, (name, shifts) in enumerate(SCENARIOS.items()):
            reps = args.reps if name.startswith("null") else max(1, args.reps // 2)
            one, two = rates(n, d, shifts, kernel, reps, seed=1000 * i + j)
            print(f"| {n} | {d} | {kernel} | {name} | {one:.3f} | {two:.3f} |", flush=True)


if __name__ == "__main__":
    main()
