"""Calibration of IMD's floor, of the half-sample intervals and of rank_models' tests.

    python asv_bench/calibration_table.py                # the three tables (minutes)
    python asv_bench/calibration_table.py --quick        # smaller sizes, fewer reps (seconds)
    python asv_bench/calibration_table.py --tables 3 --n 10000 --reps 2   # table 3 at 10,000

(1) Floors at unequal sizes.  Pairs of samples of one distribution (8-d
standard Gaussian against another sample of it) and of two (Gaussian against
Student-t with 3 degrees of freedom), at several pairs of sizes: mean and
standard error over ``--reps`` repetitions (8) of the raw IMD (``imd_score``),
IMD beyond its permutation floor (``imd_test(..., n_permutations=10,
n_resamples=0).excess``), an IMD-infinity (each cloud's signature at sizes n,
n/2 and n/4 of one seeded shuffle, a least-squares line in 1/size per time t,
its intercept the extrapolated signature; IMD between the two by
``imd_distance``, the library's weighted sup-distance on the default grid),
FID and FD-infinity (``fid_infinity_score``; X whole, Y subsampled).  A
calibrated statistic has the same mean across sizes for samples of one
distribution (the excess: 0), and stays clearly above that for two.

(2) Interval coverage.  FID of two 2-d Gaussians, N(0, I) against
N((0.5, 0.5), I), population FID 0.5, n = 1,000 each: how often the nominal
95% ``compare(..., interval="subsample", n_resamples=20)`` interval holds 0.5
under the current rule (half-sample redraws unscaled, ``basic_interval``)
and under the old one, which scaled the redraws' deviations by sqrt(1/2)
(recomputed from the same redraws of ``compare_run``).

(3) Level and power of ``rank_models``.  A reference and models A and B of an
8-d standard Gaussian, model C the same shifted by s along the first axis
(``--change tails``: a Student-t with 1/s degrees of freedom, a change of
shape, which IMD's kNN graphs see, where a shift is not), n points each
(``--n``); per metric, how often the Holm-adjusted test (alpha =
0.05, n_resamples = 20) rejects A = B (level: at most 0.05 plus noise; pooled
over the shifts, with the raw p-value's rate beside it) and A = C, B = C
(power, per shift; at s = 0 this is a level too), over ``--reps`` repetitions
per shift (6).  IMD's floors (``imd_excess``) cost most of its time.

Every draw is seeded (numpy Generators keyed by table, case and repetition;
the library's random_state likewise), so a run is reproducible on one machine.
The script prints its command line and no times: the numbers do not depend
on the machine's speed.  Rates are given with their binomial standard error.
"""

import argparse
import math
import sys
import warnings

import numpy as np

D = 8  # dimension of tables 1 and 3
ALPHA = 0.05
FULL_SIZES = [(1000, 1000), (2000, 2000), (1000, 4000), (500, 2000)]
QUICK_SIZES = [(250, 250), (500, 500), (250, 1000)]
RANK_METRICS = ("imd", "imd_excess", "fid", "kid", "precision", "recall", "coverage")
SHIFTS = (0.0, 0.1, 0.2, 0.3)
QUICK_SHIFTS = (0.0, 0.3)
TAILS = (0.0, 0.05, 0.1, 0.2)  # 1/s = 20, 10, 5 degrees of freedom
COVERAGE_SHIFT = 0.5  # in both coordinates: population FID 2 * 0.5**2 = 0.5
COVERAGE_N = 1000


def seed_of(*key):
    """A 32-bit int seed for the library's ``random_state``, fixed by ``key``."""
    return int(np.random.default_rng(list(key)).integers(2**31))


def mean_se(values):
    """``"mean ± se"`` of ``values`` (se = sd / sqrt(count))."""
    v = np.asarray(values, dtype=float)
    se = v.std(ddof=1) / math.sqrt(v.size) if v.size > 1 else math.nan
    return f"{v.mean():.4g} ± {se:.2g}"


def rate(hits):
    """``"rate (± se)"`` of a list of booleans."""
    h = np.asarray(hits, dtype=float)
    p = h.mean()
    return f"{p:.3f} ± {math.sqrt(p * (1 - p) / h.size):.3f}"


def markdown(header, rows, left=1):
    """A markdown table; the first ``left`` columns left-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(" --- " if i < left else " ---: " for i in range(len(header)))
             + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# (1) floors at unequal sizes

def imd_infinity_signature(X, seed):
    """The signature of ``X`` extrapolated to an infinite sample: signatures of
    the first n, n/2 and n/4 points of one seeded shuffle, and per time the
    intercept of their least-squares line in 1/size."""
    from sklearn_imd.metrics import imd_signature

    rng = np.random.default_rng(seed)
    order = rng.permutation(X.shape[0])
    sizes = np.array([X.shape[0], X.shape[0] // 2, X.shape[0] // 4])
    S = np.array([imd_signature(X[order[:m]], random_state=seed_of(seed, j))
                  for j, m in enumerate(sizes)])
    design = np.column_stack([np.ones(sizes.size), 1.0 / sizes])
    coef, *_ = np.linalg.lstsq(design, S, rcond=None)
    return coef[0]


def floor_values(X, Y, seed):
    """The five statistics of table 1 for one pair of clouds."""
    from sklearn_imd.metrics import fid_infinity_score, fid_score, imd_distance, imd_test

    res = imd_test(X, Y, n_permutations=10, n_resamples=0, random_state=seed)
    u = imd_infinity_signature(X, seed_of(seed, 1))
    v = imd_infinity_signature(Y, seed_of(seed, 2))
    return {"IMD": res.statistic, "IMD excess": res.excess, "IMD-inf": imd_distance(u, v),
            "FID": fid_score(X, Y), "FD-inf": fid_infinity_score(X, Y, random_state=seed)}


def table_floors(sizes, reps):
    names = ["IMD", "IMD excess", "IMD-inf", "FID", "FD-inf"]
    pairs = [("N(0, I) v N(0, I)", lambda rng, n: rng.standard_normal((n, D))),
             ("N(0, I) v t3", lambda rng, n: rng.standard_t(3, size=(n, D)))]
    values = {}  # (pair, sizes) -> metric -> list over reps
    rows = []
    for p, (label, draw_y) in enumerate(pairs):
        for c, (nx, ny) in enumerate(sizes):
            acc = {name: [] for name in names}
            for rep in range(reps):
                rng = np.random.default_rng([1, p, c, rep])
                X = rng.standard_normal((nx, D))
                Y = draw_y(rng, ny)
                for name, value in floor_values(X, Y, seed_of(1, p, c, rep)).items():
                    acc[name].append(value)
            values[p, c] = acc
            rows.append([label, f"{nx} v {ny}", *[mean_se(acc[name]) for name in names]])
            print(f"  table 1: {label}, {nx} v {ny} done", file=sys.stderr, flush=True)
    print(f"### (1) Floors: {D}-d, mean ± se over {reps} reps\n")
    print(markdown(["X v Y", "sizes", *names], rows, left=2))
    # how far the two distributions stand above the floor, in units of the
    # floor's own spread over reps
    sep = []
    for c, (nx, ny) in enumerate(sizes):
        cells = []
        for name in names:
            same, other = np.array(values[0, c][name]), np.array(values[1, c][name])
            sd = same.std(ddof=1)
            cells.append(f"{(other.mean() - same.mean()) / sd:.1f}" if sd > 0 else "-")
        sep.append([f"{nx} v {ny}", *cells])
    print("\nSeparation: (mean for t3 - mean for N(0, I)) / sd over reps for N(0, I)\n")
    print(markdown(["sizes", *names], sep))
    print()


# ---------------------------------------------------------------------------------------
# (2) interval coverage

def table_coverage(reps, n_resamples=20):
    from sklearn_imd._compare import compare_run
    from sklearn_imd.metrics._resampling import basic_interval

    truth = 2 * COVERAGE_SHIFT**2
    n, conf = COVERAGE_N, 0.95
    hits = {"unscaled (current)": [], "sqrt(1/2) (old)": []}
    below = {key: [] for key in hits}
    widths = {key: [] for key in hits}
    fids, spreads, mismatch = [], [], 0
    for rep in range(reps):
        rng = np.random.default_rng([2, rep])
        X = rng.standard_normal((n, 2))
        Y = rng.standard_normal((n, 2)) + COVERAGE_SHIFT
        run = compare_run(X, {"Y": Y}, metrics=["fid"], interval="subsample",
                          n_resamples=n_resamples,
                          confidence=conf, random_state=seed_of(2, rep))
        row, redraws = run.rows[0], run.resamples[0]["fid"]
        value = row["fid"]
        # the current interval, recomputed: it must be compare's
        lo, hi = basic_interval(value, redraws, conf, (0.0, math.inf))
        mismatch += not (math.isclose(lo, row["fid_low"], rel_tol=1e-12, abs_tol=1e-15)
                         and math.isclose(hi, row["fid_high"], rel_tol=1e-12, abs_tol=1e-15))
        q_lo, q_hi = np.quantile(redraws - redraws.mean(), [(1 - conf) / 2, (1 + conf) / 2])
        s = math.sqrt(0.5)
        old = (max(value - s * q_hi, 0.0), max(value - s * q_lo, 0.0))
        for key, (a, b) in zip(hits, [(row["fid_low"], row["fid_high"]), old]):
            hits[key].append(a <= truth <= b)
            below[key].append(b < truth)
            widths[key].append(b - a)
        fids.append(value)
        spreads.append(redraws.std(ddof=1))
    sd_fid = np.std(fids, ddof=1)
    print(f"### (2) Coverage of nominal 95% FID intervals: 2-d N(0, I) v N(({COVERAGE_SHIFT}, "
          f"{COVERAGE_SHIFT}), I), n = {n} each, population FID {truth:g}, compare(..., "
          f"interval='subsample', n_resamples={n_resamples}), {reps} reps\n")
    rows = [[key, rate(hits[key]), rate(below[key]),
             rate([not h and not b for h, b in zip(hits[key], below[key])]),
             f"{np.mean(widths[key]):.4f}"] for key in hits]
    print(markdown(["interval", "coverage", "miss: interval below", "miss: interval above",
                    "mean width"], rows))
    print(f"\nFID over reps: mean {np.mean(fids):.4f} (population {truth:g}), sd {sd_fid:.4f}; "
          f"mean sd of the {n_resamples} half-sample redraws {np.mean(spreads):.4f} "
          f"(ratio {np.mean(spreads) / sd_fid:.2f}; the sqrt(1/2) rule assumed "
          f"{math.sqrt(2):.2f}). 'interval below': its upper bound is below "
          f"{truth:g}.  compare's bounds == basic_interval recomputed: "
          f"{reps - mismatch} of {reps}\n")


# ---------------------------------------------------------------------------------------
# (3) level and power of rank_models

def changed(rng, n, s, change):
    """Model C: n points of the 8-d standard Gaussian moved by ``s`` (``"shift"``:
    along the first axis), or of a multivariate Student-t with 1/s degrees of
    freedom (``"tails"``: the Gaussian at s = 0; heavier tails, a shape a kNN
    graph sees, as s grows)."""
    C = rng.standard_normal((n, D))
    if change == "shift":
        C[:, 0] += s
    elif s > 0:
        C /= np.sqrt(rng.chisquare(1 / s, size=(n, 1)) * s)
    return C


def table_ranking(n, reps, shifts, change="shift", metrics=RANK_METRICS):
    try:
        from sklearn_imd import rank_models
    except ImportError:
        from sklearn_imd._ranking import rank_models

    level = {m: [] for m in metrics}
    level_raw = {m: [] for m in metrics}
    power = {m: {s: [] for s in shifts} for m in metrics}
    for a, s in enumerate(shifts):
        for rep in range(reps):
            rng = np.random.default_rng([3, a, rep])
            X, A, B = (rng.standard_normal((n, D)) for _ in range(3))
            C = changed(rng, n, s, change)
            res = rank_models(X, {"A": A, "B": B, "C": C}, metrics=list(metrics),
                              n_resamples=20, alpha=ALPHA, random_state=seed_of(3, a, rep))
            for m in metrics:
                i = res.metrics.index(m)
                q, p = res.pvalues_adjusted[i], res.pvalues[i]
                level[m].append(q[0, 1] <= ALPHA)
                level_raw[m].append(p[0, 1] <= ALPHA)
                power[m][s] += [q[0, 2] <= ALPHA, q[1, 2] <= ALPHA]
        print(f"  table 3: shift {s:g} done", file=sys.stderr, flush=True)
    what = ("shifted by s along one axis" if change == "shift"
            else "Student-t with 1/s degrees of freedom")
    print(f"### (3) rank_models: {D}-d N(0, I) reference, A and B from it, C {what}, "
          f"n = {n} each, n_resamples = 20, Holm-adjusted at {ALPHA}; "
          f"{reps} reps per shift\n")
    rows = [[m, rate(level[m]), rate(level_raw[m]), *[rate(power[m][s]) for s in shifts]]
            for m in metrics]
    print(markdown(["metric", f"A v B adjusted ({reps * len(shifts)})",
                    f"A v B raw p ({reps * len(shifts)})",
                    *[f"A, B v C at s = {s:g} ({2 * reps})" for s in shifts]], rows))
    print("\nRejection rates (± binomial se), test counts in the headers.  A v B is the "
          "level, pooled over the shifts; at s = 0 the C columns are a level too.\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes, fewer reps and shifts (seconds)")
    parser.add_argument("--reps", type=int, default=None,
                        help="repetitions of tables 1 and 3, per case and per shift "
                        "(default 8 and 6; 2 with --quick)")
    parser.add_argument("--coverage-reps", type=int, default=None,
                        help="repetitions of table 2 (default 200; 20 with --quick)")
    parser.add_argument("--coverage-resamples", type=int, default=20,
                        help="half-sample redraws per interval in table 2 (default 20)")
    parser.add_argument("--n", type=int, default=None,
                        help="sample size of table 3 (default 1000; 300 with --quick)")
    parser.add_argument("--change", choices=("shift", "tails"), default="shift",
                        help="model C of table 3: the Gaussian shifted by s along one axis "
                        "(default), or a Student-t with 1/s degrees of freedom")
    parser.add_argument("--metrics", default=",".join(RANK_METRICS),
                        help="metrics of table 3 (default: all seven; imd_excess's floors "
                        "cost most of the time at large n)")
    parser.add_argument("--shifts", default=None,
                        help="values of s in table 3, e.g. 0,0.05,0.1")
    parser.add_argument("--tables", default="1,2,3", help="which tables, e.g. 1,3")
    args = parser.parse_args(argv)
    if args.reps is not None:
        reps = rank_reps = args.reps
    else:
        reps, rank_reps = (2, 2) if args.quick else (8, 6)
    cov_reps = args.coverage_reps if args.coverage_reps is not None else (
        20 if args.quick else 200)
    n = args.n if args.n is not None else (300 if args.quick else 1000)
    tables = {int(x) for x in args.tables.split(",") if x.strip()}
    if reps < 2 or cov_reps < 2 or args.coverage_resamples < 3 or not tables <= {1, 2, 3}:
        parser.error("--reps and --coverage-reps need 2 or more, --coverage-resamples 3; --tables takes 1, 2, 3")

    import sklearn_imd

    argv = sys.argv[1:] if argv is None else argv
    print("command: python asv_bench/calibration_table.py " + " ".join(argv))
    print(f"sklearn_imd {getattr(sklearn_imd, '__version__', '?')}, numpy {np.__version__}\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if 1 in tables:
            table_floors(QUICK_SIZES if args.quick else FULL_SIZES, reps)
        if 2 in tables:
            table_coverage(cov_reps, args.coverage_resamples)
        if 3 in tables:
            shifts = QUICK_SHIFTS if args.quick else SHIFTS if args.change == "shift" else TAILS
            if args.shifts:
                shifts = tuple(float(x) for x in args.shifts.split(","))
            table_ranking(n, rank_reps, shifts, args.change,
                          tuple(m.strip() for m in args.metrics.split(",") if m.strip()))
    kinds = {}
    for w in caught:
        key = (w.category.__name__, str(w.message).split(".")[0][:160])
        kinds[key] = kinds.get(key, 0) + 1
    for (category, message), count in kinds.items():
        print(f"warning ({count}x) {category}: {message}")


if __name__ == "__main__":
    main()
