"""The numbers of every public metric on fixed cases, to the bit: before and after a refactor.

    python asv_bench/same_numbers.py --save before.json   # on the old tree
    python asv_bench/same_numbers.py --check before.json  # on the new tree

Each case prints its values as ``float.hex``, so "identical" means bit for bit
(on the same machine and thread counts: BLAS kernels may round differently
elsewhere).  ``--check`` lists every case whose numbers changed and exits 1 if
any did.  Cases that need an optional extra (gudhi, JAX) are skipped without
it.
"""

import argparse
import json
import sys

import numpy as np


def _floats(value):
    """Every number of ``value`` (a float, an array, a named tuple, a DataFrame, a
    dataclass) as a flat list of ``float.hex`` strings."""
    if hasattr(value, "to_numpy"):  # a DataFrame
        value = value.to_numpy(dtype=float)
    elif hasattr(value, "_asdict"):
        value = list(value._asdict().values())
    elif hasattr(value, "__dataclass_fields__"):
        value = [getattr(value, f) for f in value.__dataclass_fields__]
    out = []
    for v in np.atleast_1d(np.asarray(value, dtype=object)).ravel():
        if isinstance(v, (list, tuple)) or hasattr(v, "__dataclass_fields__") or (
                isinstance(v, np.ndarray) and v.ndim):
            out.extend(_floats(v))
        elif isinstance(v, dict):
            out.extend(_floats([v[key] for key in sorted(v)]))
        elif v is None or isinstance(v, str):
            out.append(str(v))
        else:
            out.append(float(v).hex())
    return out


def cases():
    """``name -> thunk`` of the fixed cases."""
    from sklearn_imd import (
        IMDSignature, ReferenceStats, compare, fid_score, imd_score, imd_signature, imd_test,
        kid_score, mmd_score, mmd_test, mmd_witness, pairwise_imd, prdc_score, scaled_mmd,
        vendi_score,
    )

    rng = np.random.default_rng(20261203)
    A = rng.normal(size=(1500, 6))
    B = rng.standard_t(3, size=(1200, 6))
    a, b = A[:300], B[:250]
    small = [rng.normal(size=(200, 3)) for _ in range(3)]
    grid = np.indices((12, 12)).reshape(2, -1).T.astype(float)  # integer ties
    out = {
        "imd_score, slq, 1500 x 1200": lambda: imd_score(A, B, random_state=0),
        "imd_score, exact, 300 x 250": lambda: imd_score(a, b, method="exact"),
        "imd_score, integer grid, float32": lambda: imd_score(
            grid.astype(np.float32), grid + 0.5 * (grid % 2), random_state=1),
        "imd_signature, 1500": lambda: imd_signature(A, random_state=2),
        "IMDSignature, three clouds, return_std": lambda: IMDSignature(random_state=3).fit(
            small).transform(small, return_std=True),
        "pairwise_imd, three clouds": lambda: pairwise_imd(small, random_state=4),
        "imd_test, 300 x 250": lambda: imd_test(a, b, n_permutations=19, n_resamples=9,
                                               random_state=5),
        "fid_score": lambda: fid_score(A, B),
        "kid_score, return_std": lambda: kid_score(A, B, random_state=6, return_std=True),
        "mmd_score, rbf unbiased": lambda: mmd_score(a, b),
        "mmd_score, laplacian biased": lambda: mmd_score(a, b, kernel="laplacian",
                                                         estimator="biased"),
        "mmd_score, linear-time": lambda: mmd_score(A, B, estimator="linear", random_state=7),
        "mmd_test": lambda: mmd_test(a, b, n_permutations=99, random_state=8),
        "mmd_witness": lambda: mmd_witness(a, b)(A[:20]),
        "scaled_mmd": lambda: scaled_mmd(a, b, sigma=2.0),
        "prdc_score, k=5": lambda: prdc_score(A, B),
        "vendi_score, cosine and rbf": lambda: (vendi_score(A), vendi_score(a, kernel="rbf")),
        "ReferenceStats": lambda: (lambda s: (s.mean, s.covariance, s.radii, s.imd_signature))(
            ReferenceStats.from_samples(A, random_state=9)),
        "compare, interval": lambda: compare(A, {"B": B, "a": a}, interval="subsample",
                                             n_resamples=3, random_state=10),
        # NN-descent and its recall check; small clouds on the kernels' route
        "imd_signature, NN-descent, 3000": lambda: imd_signature(
            np.vstack([A, A[:, ::-1]]), knn="approx", random_state=13),
        "pairwise_imd, twelve clouds of 200": lambda: pairwise_imd(
            [B[200 * (i % 6) : 200 * (i % 6) + 200] * (1 + i) for i in range(12)], nv=20,
            random_state=14),
    }
    try:
        import gudhi  # noqa: F401

        from sklearn_imd import geometry_score

        out["geometry_score"] = lambda: geometry_score(a, b, n_iterations=20, random_state=11)
    except ImportError:
        pass
    try:
        import jax  # noqa: F401

        from sklearn_imd.latent import magnification_factor
        from sklearn_imd.models import VAE

        def latent():
            vae = VAE(latent_dim=2, epochs=2, random_state=12).fit(small[0])
            return magnification_factor(vae, small[1][:5, :2])

        out["VAE, magnification_factor"] = latent
    except ImportError:
        pass
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", metavar="FILE", help="write the numbers to FILE (JSON)")
    group.add_argument("--check", metavar="FILE", help="compare with the numbers in FILE")
    args = parser.parse_args(argv)
    import warnings

    numbers = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, thunk in cases().items():
            numbers[name] = _floats(thunk())
            print(f"{name}: {len(numbers[name])} numbers")
    if args.save:
        with open(args.save, "w") as f:
            json.dump(numbers, f, indent=1)
        print(f"wrote {len(numbers)} cases to {args.save}")
        return 0
    with open(args.check) as f:
        before = json.load(f)
    changed = [name for name in before if numbers.get(name) != before[name]]
    missing = sorted(set(before) - set(numbers))
    print(f"{len(before) - len(changed)} of {len(before)} cases identical, bit for bit")
    for name in changed:
        print(f"CHANGED: {name}" + (" (not run)" if name in missing else ""))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
