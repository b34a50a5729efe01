"""The targets of the ``models`` extra: a VAE on the digits, MMD GANs on a ring of Gaussians.

    pip install -e ".[models]"
    python asv_bench/models_table.py            # a few minutes on 2 cores
    python asv_bench/models_table.py --quick    # fewer epochs, seconds

Rows:

- ``VAE`` with its defaults on scikit-learn's digits (1,797 x 64, pixels / 16):
  seconds to fit (compilation included, a fresh process), the reconstruction
  mean squared error of ``inverse_transform(transform(X))`` against the data's
  mean per-pixel variance.
- ``MMDGAN`` with the SMMD critic and with the unregularised one on a ring of
  8 Gaussians in 2-D (radius 2, sd 0.05, 4,000 points), learning rate 1e-3
  and 130 epochs: seconds, and the modes covered by 2,000 samples (a mode is
  covered when at least 1% of the samples fall within 3 sd of its centre),
  with the share of samples within 3 sd of some centre.

Each row is one fit in this process, one after the other; the load average is
printed before and after.
"""

import argparse
import os
import time

import numpy as np


def vae_row(epochs):
    from sklearn.datasets import load_digits

    from sklearn_imd.models import VAE

    X = load_digits().data / 16
    start = time.perf_counter()
    vae = VAE(epochs=epochs, random_state=0).fit(X)
    seconds = time.perf_counter() - start
    mse = float(np.mean((vae.inverse_transform(vae.transform(X)) - X) ** 2))
    variance = float(X.var(axis=0).mean())
    return f"| VAE, digits 1,797 x 64, {epochs} epochs | {seconds:.1f} | reconstruction MSE " \
           f"{mse:.4f} against variance {variance:.4f} |"


def ring(seed=0, n=4000, sd=0.05):
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(8) / 8
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return centres, centres[rng.integers(0, 8, n)] + sd * rng.normal(size=(n, 2)), sd


def gan_row(critic, epochs):
    from sklearn_imd.models import MMDGAN

    centres, X, sd = ring()
    start = time.perf_counter()
    gan = MMDGAN(critic=critic, epochs=epochs, learning_rate=1e-3, random_state=0).fit(X)
    seconds = time.perf_counter() - start
    S = gan.sample(2000, random_state=1)
    near = np.linalg.norm(S[:, None, :] - centres[None], axis=-1) < 3 * sd
    modes = int((near.sum(axis=0) >= 0.01 * len(S)).sum())
    return f"| MMDGAN critic={critic!r}, ring of 8 Gaussians, {epochs} epochs | " \
           f"{seconds:.1f} | {modes}/8 modes covered, {near.any(axis=1).mean():.3f} of " \
           "the samples within 3 sd of a mode |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few epochs: a check, not a measurement")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print("| model | seconds | result |")
    print("| --- | ---: | --- |")
    print(vae_row(5 if args.quick else 100), flush=True)
    for critic in ("smmd", "mmd"):
        print(gan_row(critic, 5 if args.quick else 130), flush=True)
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
