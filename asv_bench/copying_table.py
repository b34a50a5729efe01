"""Which copiers the data-copying test and authenticity catch: synthetic models
with known answers, and the smallest fraction of copies each detects.

    python asv_bench/copying_table.py            # n = 2,000 and 10,000 (a minute or two)
    python asv_bench/copying_table.py --quick    # n = 1,000 only

The data: a mixture of 5 Gaussians in 16 dimensions (centres 3 standard
deviations apart on average).  For each n, a training set of 2n points, a
held-out test set (the reference) of n points, and generated samples of n
points:

- fresh: an independent sample of the training distribution (no copying);
- copies: n training points exactly;
- near copies, noise s: n training points plus N(0, s^2 I) (s = 0.03, 0.1,
  0.3, 1: at s = 1 the "copy" is as far from its source as a fresh point's
  scale);
- 20% copies: 0.2 n exact copies, the rest fresh;
- mode dropped: fresh points of 4 of the 5 modes (not copying: C_T should
  stay near 0 or go positive, authenticity stay at the fresh value);

then fresh samples with a fraction f of exact copies, f = 0, 1%, 2%, 5%, 10%,
20%: the smallest f where C_T's one-sided p-value falls below 0.01, and
where authenticity falls below the fresh sample's by more than 3 binomial
standard errors.  Every draw is seeded ("--reps" repetitions, default 3;
means and the range are printed).  No times: the numbers do not depend on
the machine.
"""

import argparse
import math

import numpy as np

D, MODES = 16, 5
FRACTIONS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2)
NOISES = (0.03, 0.1, 0.3, 1.0)


def mixture(rng, centres, n, modes=MODES):
    label = rng.integers(modes, size=n)
    return centres[label] + rng.normal(size=(n, D))


def cases(rng, centres, train, n):
    fresh = mixture(rng, centres, n)
    out = {"fresh": fresh, "copies": train[:n].copy()}
    for s in NOISES:
        out[f"near copies, noise {s:g}"] = train[:n] + s * rng.normal(size=(n, D))
    k = int(0.2 * n)
    out["20% copies"] = np.vstack([train[n : n + k], mixture(rng, centres, n - k)])
    out["mode dropped"] = mixture(rng, centres, n, modes=MODES - 1)
    return out


def with_copies(rng, centres, train, n, f):
    k = int(round(f * n))
    return np.vstack([train[rng.choice(train.shape[0], k, replace=False)],
                      mixture(rng, centres, n - k)])


def spread(values, fmt):
    v = np.asarray(values, dtype=float)
    return f"{fmt.format(v.mean())} [{fmt.format(v.min())}, {fmt.format(v.max())}]"


def main(argv=None):
    from sklearn_imd import authenticity_score, data_copying_test

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 1,000 only")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    args = parser.parse_args(argv)
    sizes = [1000] if args.quick else [2000, 10000]
    for n in sizes:
        results, sweep = {}, {f: [] for f in FRACTIONS}
        for rep in range(args.reps):
            rng = np.random.default_rng([n, rep])
            centres = 3 * rng.normal(size=(MODES, D)) / math.sqrt(2)
            train, test = mixture(rng, centres, 2 * n), mixture(rng, centres, n)
            for name, Y in cases(rng, centres, train, n).items():
                res = data_copying_test(train, test, Y, random_state=rep)
                results.setdefault(name, []).append(
                    (res.statistic, res.pvalue, authenticity_score(train, Y)))
            for f in FRACTIONS:
                Y = with_copies(rng, centres, train, n, f)
                res = data_copying_test(train, test, Y, random_state=rep)
                sweep[f].append((res.statistic, res.pvalue, authenticity_score(train, Y)))
        print(f"### n = {n} generated and test points, {2 * n} training points, {D}-d "
              f"mixture of {MODES} Gaussians, {args.reps} reps (mean [min, max])\n")
        print("| model | C_T | p-value (copying) | authenticity |")
        print("| --- | ---: | ---: | ---: |")
        for name, rows in results.items():
            ct, p, a = zip(*rows)
            print(f"| {name} | {spread(ct, '{:.2f}')} | {spread(p, '{:.2g}')} | "
                  f"{spread(a, '{:.3f}')} |")
        fresh_auth = np.mean([a for _, _, a in sweep[0.0]])
        se = math.sqrt(fresh_auth * (1 - fresh_auth) / n)
        print(f"\n| copies | C_T | p-value | authenticity | C_T p < 0.01 | "
              f"authenticity < {fresh_auth:.3f} - 3 se |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: |")
        for f, rows in sweep.items():
            ct, p, a = zip(*rows)
            print(f"| {100 * f:g}% | {spread(ct, '{:.2f}')} | {spread(p, '{:.2g}')} | "
                  f"{spread(a, '{:.3f}')} | {sum(q < 0.01 for q in p)} of {len(p)} | "
                  f"{sum(x < fresh_auth - 3 * se for x in a)} of {len(a)} |")
        print()


if __name__ == "__main__":
    main()
