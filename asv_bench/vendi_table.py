"""Time vendi_score (cosine kernel) through the d x d problem, against the n x n route.

    python asv_bench/vendi_table.py             # 10,000 and 100,000 x 2,048 (a few minutes)
    python asv_bench/vendi_table.py --no-direct # without the 10,000 x 10,000 eigvalsh
    python asv_bench/vendi_table.py --quick     # 2,000 and 20,000 x 256 (seconds)

Random standard normal float32 features.  "vendi_score" forms X^T X
(d x d, accumulated in float64) and takes its eigenvalues; "direct n x n"
forms the n x n cosine matrix in float64 and calls numpy.linalg.eigvalsh on it,
as the definition reads (about 0.8 GB and the bulk of the time at n = 10,000).
Both print the Vendi score (q = 1), which must agree.
"""

import argparse
import time

import numpy as np

from sklearn_imd.metrics._vendi import vendi_score


def direct(X):
    """The definition on the n x n matrix: eigenvalues of K / n, exp of their entropy."""
    Z = X.astype(np.float64)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    lam = np.linalg.eigvalsh(Z @ Z.T / Z.shape[0])
    lam = lam[lam > Z.shape[0] * np.finfo(np.float64).eps * lam[-1]]
    return float(np.exp(-np.sum(lam * np.log(lam))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 x 256")
    parser.add_argument("--no-direct", action="store_true", help="skip the n x n route")
    args = parser.parse_args()
    d = 256 if args.quick else 2048
    small, large = (2_000, 20_000) if args.quick else (10_000, 100_000)
    rows = [(small, "vendi_score", vendi_score)]
    if not args.no_direct:
        rows.append((small, "direct n x n", direct))
    rows.append((large, "vendi_score", vendi_score))

    vendi_score(np.eye(3, dtype=np.float32))  # imports and BLAS start-up out of the timings
    print(f"{'n x d (float32)':<18} {'route':<14} {'seconds':>8} {'Vendi score':>14}")
    for n, label, func in rows:
        X = np.random.default_rng(n).standard_normal((n, d), dtype=np.float32)
        t0 = time.perf_counter()
        score = func(X)
        seconds = time.perf_counter() - t0
        print(f"{f'{n:,} x {d:,}':<18} {label:<14} {seconds:>8.2f} {score:>14.6f}", flush=True)


if __name__ == "__main__":
    main()
