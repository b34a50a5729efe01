"""What ``compare --rank`` costs beside ``compare``: 3 models on 10,000 x 2,048.

Runs, side by side in one process, ``compare`` of three generated samples
against one reference with every default metric, then ``rank_models`` (the
same table, plus the shared half-size redraws), and prints both times and
their ratio.  Run alone on the machine: it times.

    python asv_bench/rank_overhead.py              # 10,000 x 2,048, about 25 min on 2 cores
    python asv_bench/rank_overhead.py --n 2000 --d 256
"""

import argparse
import time
import warnings

import numpy as np

from sklearn_imd import compare, rank_models


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="points per sample")
    parser.add_argument("--d", type=int, default=2048, help="features")
    parser.add_argument("--n-jobs", type=int, default=None)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    # features with a decaying spectrum, as network features have
    scales = 1.0 / np.sqrt(1.0 + np.arange(args.d))

    def sample(shift=0.0):
        return (rng.normal(size=(args.n, args.d)) * scales + shift).astype(np.float32)

    reference = sample()
    models = {"A": sample(), "B": sample(0.01), "C": sample(0.03)}
    print(f"compare of 3 models, {args.n:,} x {args.d:,} features, default metrics")
    warnings.simplefilter("ignore")
    # compile the kernels and warm the caches before timing
    rank_models(reference[:300], {k: v[:300] for k, v in models.items()}, n_resamples=3,
                random_state=0)
    t0 = time.perf_counter()
    compare(reference, models, random_state=0, n_jobs=args.n_jobs)
    plain = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = rank_models(reference, models, random_state=0, n_jobs=args.n_jobs)
    ranked = time.perf_counter() - t0
    print("| run | seconds | ratio |\n|---|---|---|")
    print(f"| compare | {plain:.0f} | 1.00 |")
    print(f"| rank_models (n_resamples={res.n_resamples}) | {ranked:.0f} | "
          f"{ranked / plain:.2f} |")
    for m in res.metrics:
        print(m, res.order(m), res.ranks[res.metrics.index(m)].tolist())


if __name__ == "__main__":
    main()
