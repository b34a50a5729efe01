"""Measure the timings that examples/08_scaling.ipynb plots, and save them.

    python asv_bench/scaling_times.py                  # writes examples/scaling_times.json
    python asv_bench/scaling_times.py --repeat 3 --threads 2 --output /tmp/times.json

The notebook reads the committed file instead of timing at build time, which on
a busy machine gives noise (a run with 10 probe vectors costing more than one
with 300).  Two measurements, all in one run so that they compare side by side:

* the time of one score, IMD, FID and KID (defaults), for two Gaussian
  samples of n points in 64 dimensions;
* the time of one signature of a 2,000 x 10 Gaussian cloud by stochastic
  Lanczos quadrature, for each ``m`` and ``nv`` of the notebook's accuracy
  grid.

Each time is the minimum over ``--repeat`` runs, taken in turn across the
configurations (the minimum is the run least disturbed by other processes),
after a warm-up that compiles (or loads from cache) the Numba kernels.  By
default everything runs on one thread (Numba and BLAS): on a shared machine,
parallel regions wait for their slowest thread, and timings on 2 threads
were not even monotone in the sample size.
"""

import argparse
import datetime
import json
import os
import platform
import re
import time
from pathlib import Path

import numba
import numpy as np
from threadpoolctl import threadpool_limits

import sklearn_imd
from sklearn_imd import IMDSignature, fid_score, imd_score, kid_score

ROOT = Path(__file__).resolve().parent.parent
SIZES = [500, 1000, 2000, 5000, 10000]
MS = [5, 10, 20]
NVS = [10, 30, 100, 300]


def _min_times(jobs, repeat):
    """The minimum wall-clock time of each job, the jobs run in turn ``repeat`` times."""
    best = [np.inf] * len(jobs)
    for _ in range(repeat):
        for i, job in enumerate(jobs):
            start = time.perf_counter()
            job()
            best[i] = min(best[i], time.perf_counter() - start)
    return [float(f"{t:.4g}") for t in best]


def score_times(repeat):
    rng = np.random.default_rng(0)
    jobs, keys = [], []
    for n in SIZES:
        X, Y = rng.normal(size=(n, 64)), rng.normal(size=(n, 64))
        jobs += [
            lambda X=X, Y=Y: imd_score(X, Y, random_state=0),
            lambda X=X, Y=Y: fid_score(X, Y),
            lambda X=X, Y=Y: kid_score(X, Y, random_state=0),
        ]
        keys += [("IMD", n), ("FID", n), ("KID", n)]
    best = dict(zip(keys, _min_times(jobs, repeat)))
    return {name: [best[name, n] for n in SIZES] for name in ("IMD", "FID", "KID")}


def signature_times(repeat):
    X = np.random.default_rng(0).normal(size=(2000, 10))
    jobs = [
        lambda m=m, nv=nv: IMDSignature(method="slq", m=m, nv=nv, random_state=0).fit_transform([X])
        for m in MS
        for nv in NVS
    ]
    best = _min_times(jobs, repeat)
    return [best[i * len(NVS) : (i + 1) * len(NVS)] for i in range(len(MS))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="Numba and BLAS threads")
    parser.add_argument("--output", type=Path, default=ROOT / "examples" / "scaling_times.json")
    args = parser.parse_args()

    numba.set_num_threads(args.threads)
    with threadpool_limits(args.threads):
        rng = np.random.default_rng(0)
        X, Y = rng.normal(size=(600, 8)), rng.normal(size=(600, 8))
        imd_score(X, Y, random_state=0), fid_score(X, Y), kid_score(X, Y)  # warm-up
        score = score_times(args.repeat)
        signature = signature_times(args.repeat)
    command = "python asv_bench/scaling_times.py"
    if args.repeat != 5 or args.threads != 1:
        command += f" --repeat {args.repeat} --threads {args.threads}"
    result = {
        "command": command,
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"{args.threads} thread{'s' if args.threads > 1 else ''} used",
        "versions": {"sklearn_imd": sklearn_imd.__version__, "numpy": np.__version__},
        "statistic": f"minimum of {args.repeat} runs, seconds",
        "score": {"n_features": 64, "sizes": SIZES, "seconds": score},
        "signature": {"shape": [2000, 10], "m": MS, "nv": NVS, "seconds": signature},
    }
    # One line per list of numbers.
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]",
                  json.dumps(result, indent=1))
    args.output.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
