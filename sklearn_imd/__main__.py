"""Command line of sklearn-imd: ``sklearn-imd`` or ``python -m sklearn_imd``.

Four subcommands:

``score A B``
    IMD between the point clouds stored in the files ``A`` and ``B``
    (``.npy``, ``.npz``, ``.csv`` or a folder of images, read by
    :func:`sklearn_imd.io.load_points`), printed as a bare number; with
    ``--ci``, followed by a subsampling confidence interval.
``compare REF GEN [GEN ...]``
    Every metric of each generated sample against the reference (IMD, FID,
    KID, precision, recall, density, coverage; the Vendi score of each
    sample), as a table or JSON (:func:`sklearn_imd.compare`).
``stats REF -o FILE``
    The reference's statistics, saved once (:class:`sklearn_imd.ReferenceStats`)
    and accepted by ``compare`` in place of ``REF``.
``demo``
    IMD between a few comparisons built from scikit-learn's bundled digits
    data set, printed as a table.  Needs no network.

Errors (unreadable file, malformed data, invalid parameter) print one line
``sklearn-imd: error: <message>`` on stderr and exit with status 2.  Warnings
print one line each, ``sklearn-imd: warning: <message>``, on stderr.
"""

import argparse
import os
import sys
import warnings

from ._utils.validation import HEAT_METHODS, IMD_DEFAULTS, KNN_METHODS, NORMALIZATIONS

PROG = "sklearn-imd"

_DESCRIPTION = """\
IMD, the intrinsic multi-scale distance (Tsitsulin et al., ICLR 2020), compares
two point clouds through the heat-kernel traces of their k-nearest-neighbour
graphs.  The clouds may differ in size and dimension; 0 means identical
multi-scale geometry, larger means more different.

subcommands:
  score A B           print the IMD between the point clouds in files A and B
                      (.npy, .npz, .csv: one point per row; or a folder of
                      PNG/JPEG images) as a bare number, with --ci followed
                      by a confidence interval
  compare REF GEN...  score generated samples against a reference with every
                      metric (IMD, FID, KID, precision, recall, density,
                      coverage, Vendi): a table, or JSON with --json
  stats REF -o FILE   save a reference's statistics once, for compare
  demo                print a table of IMDs between variants of scikit-learn's
                      bundled digits data set (no download needed)

Run 'sklearn-imd COMMAND --help' for the options of a subcommand."""

_EPILOG = """\
examples:
  sklearn-imd score real.npy generated.npy
  sklearn-imd score real.csv generated.npz --key features --seed 0
  sklearn-imd score real.npy generated.npy --ci --seed 0
  score=$(sklearn-imd score a.npy b.npy --nv 200 --seed 0)
  sklearn-imd stats real_images/ -o real.npz --seed 0
  sklearn-imd compare real.npz gan.npy vae.npy --seed 0 --json
  python -m sklearn_imd demo --seed 1

Errors print 'sklearn-imd: error: <message>' on stderr and exit with status 2;
warnings print 'sklearn-imd: warning: <message>' on stderr."""

_SCORE_DESCRIPTION = """\
Print the IMD between the point clouds stored in files A and B as a bare
number (6 significant digits) on stdout, for use in scripts.  With --ci the
number is followed on the same line by a confidence interval, e.g.
  12.3456  95% CI [9.87, 15.2]

Each input is a regular file (symbolic links are followed) holding one 2-D
array of shape (n_points, n_features), or a folder of images:
  .npy    a single array of numbers (arrays of Python objects are refused);
          an array of images, (N, H, W) or (N, H, W, C), is flattened to
          one row per image, with a note
  .npz    an archive; its only array, or the one named by --key
  .csv    comma-separated numbers, one point per row; a first row that is
          not numeric is taken as a header and skipped; '#' starts a comment.
          Leading columns with no name in the header, as in the index that
          pandas writes by default, are dropped with a warning if they hold
          integers (best: df.to_csv(path, index=False))
  folder  PNG and JPEG images (needs Pillow: pip install "sklearn-imd[images]"),
          one row per image in file-name order, pixels scaled to [0, 1];
          all of one size

A and B may differ in their number of points and of features.  IMD is a
randomised estimate: pass --seed for a reproducible value."""

_SCORE_EPILOG = """\
confidence interval (--ci):
  The interval shows how much the score would move with other samples of
  the same sizes from the same two distributions.  It is computed by
  sklearn_imd.imd_test from the IMDs of --n-resamples pairs of half-size
  subsamples (drawn without replacement), their spread scaled to the full
  sizes.  It needs A and B with the same number of features and at least
  2 (k + 1) points each, and costs about 2 (n_resamples + 2) signatures
  instead of 2.  No permutation p-value is computed (imd_test in Python
  gives one).

examples:
  sklearn-imd score real.npy generated.npy
  sklearn-imd score a.npz b.npz --key embeddings --seed 0
  sklearn-imd score a.csv b.csv --k 10 --nv 500
  sklearn-imd score a.npy b.npy --ci --ci-level 0.9 --n-jobs -1 --seed 0"""

_DEMO_DESCRIPTION = """\
Compare variants of scikit-learn's bundled digits data set (1797 images of
8x8 pixels, i.e. 1797 points in 64 dimensions) and print a table of their
IMDs and the time each took: two random halves of the data (same
distribution), digits 0-4 against digits 5-9, the digits against copies with
Gaussian pixel noise or blurred by a 3x3 mean filter, and the digits against
uniform random noise.  The output is reproducible for a given --seed."""

_CI_LEVEL, _N_RESAMPLES = 0.95, 99
_COMPARE_RESAMPLES = 20


_COMPARE_DESCRIPTION = """\
Score each generated sample GEN against the reference REF with every metric
that applies, and print one row per GEN: IMD, FID, KID, precision, recall,
density and coverage against REF, and the Vendi score (diversity) of GEN
itself.  The inputs are read as by 'score' (.npy, .npz, .csv or a folder of
images); REF may also be a statistics file written by 'sklearn-imd stats'
(or pytorch-fid's --save-stats file: FID only).  Samples of another number
of features than REF get IMD and Vendi only.

With --json the output is one JSON object keyed by each GEN as given on the
command line, each a mapping metric name -> value (names: imd, fid, kid,
precision, recall, density, coverage, vendi; with --ci also <name>_low and
<name>_high).  The numbers equal those of sklearn_imd.compare in Python for
the same --seed."""

_COMPARE_EPILOG = """\
metrics:
  imd        intrinsic multi-scale distance of the kNN graphs (0 = same shape)
  fid        Frechet distance of the Gaussians fitted to the features
  kid        kernel inception distance (unbiased, cubic polynomial kernel)
  precision  share of GEN inside REF's kNN balls (fidelity)
  recall     share of REF inside GEN's kNN balls (diversity)
  density    REF balls around each GEN point / k (fidelity, about 1 if alike)
  coverage   share of REF balls holding a GEN point (diversity)
  vendi      effective number of distinct samples of GEN (cosine kernel)

examples:
  sklearn-imd compare real.npy gan.npy vae.npy --seed 0
  sklearn-imd compare real.npz gan.npy --metrics imd,fid,precision,recall --json
  sklearn-imd compare real_images/ samples_a/ samples_b/ --ci --seed 0 --n-jobs -1
  sklearn-imd stats real.npy -o real.npz --seed 0 && \\
      sklearn-imd compare real.npz gen.npy --seed 0"""

_STATS_DESCRIPTION = """\
Compute a reference sample's statistics once and save them to a .npz file:
its mean and covariance (FID; pytorch-fid's 'mu' and 'sigma'), its IMD
signature, its k-NN radii and, unless --no-features, the features themselves
(KID and the kNN metrics compare points).  'sklearn-imd compare FILE GEN...'
then reuses them.  The signature is reused when compare runs with the same
IMD parameters and --seed; otherwise it is recomputed from the features."""


def _add_imd_options(parser, k_help):
    group = parser.add_argument_group("parameters")
    group.add_argument("--k", type=int, default=IMD_DEFAULTS["k"], metavar="INT", help=k_help)
    group.add_argument("--nv", type=int, default=IMD_DEFAULTS["nv"], metavar="INT",
                       help="IMD: random probe vectors, >= 1 (default: %(default)s)")
    group.add_argument("--m", type=int, default=IMD_DEFAULTS["m"], metavar="INT",
                       help="IMD: Lanczos steps per probe vector, >= 2 (default: %(default)s)")
    group.add_argument("--method", choices=HEAT_METHODS, default=IMD_DEFAULTS["method"],
                       help="IMD: heat trace, exact spectrum, stochastic Lanczos quadrature "
                       "or chosen by cloud size (default: %(default)s)")
    group.add_argument("--normalization", choices=NORMALIZATIONS,
                       default=IMD_DEFAULTS["normalization"],
                       help="IMD: null model the heat trace is divided by (default: "
                       "%(default)s)")
    group.add_argument("--knn", choices=KNN_METHODS, default=IMD_DEFAULTS["knn"],
                       help="IMD: neighbour search (default: %(default)s)")
    group.add_argument("--seed", type=int, default=None, metavar="INT",
                       help="random seed of IMD and KID, for reproducible numbers "
                       "(default: none)")
    group.add_argument("--n-jobs", type=int, default=None, metavar="INT",
                       help="processes computing the IMD signatures, -1 for all "
                       "processors (default: 1)")
    group.add_argument("--key", metavar="NAME",
                       help="array to use from .npz inputs holding several arrays")
    return group


def _add_progress_options(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--progress", dest="progress", action="store_true", default=None,
                       help="show progress on stderr (default: only when stderr is a "
                       "terminal)")
    group.add_argument("--no-progress", dest="progress", action="store_false",
                       help="never show progress")


def _add_compare_parser(sub, formatter):
    compare = sub.add_parser(
        "compare", prog=f"{PROG} compare",
        help="score generated samples against a reference with every metric",
        description=_COMPARE_DESCRIPTION, epilog=_COMPARE_EPILOG, formatter_class=formatter,
    )
    compare.add_argument("REF", help="reference sample (file or image folder) or statistics "
                         "file from 'sklearn-imd stats'")
    compare.add_argument("GEN", nargs="+", help="generated samples (files or image folders)")
    compare.add_argument("--metrics", metavar="LIST", default=None,
                         help="comma-separated metrics, e.g. imd,fid,precision (default: all "
                         "that apply)")
    compare.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _add_imd_options(compare, "neighbours of the IMD graphs and of the kNN radii of "
                     "precision, recall, density and coverage (default: %(default)s)")
    kid = compare.add_argument_group("KID")
    kid.add_argument("--kid-subsets", type=int, default=None, metavar="INT",
                     help="random subsets KID averages over (default: 100, as "
                     "sklearn_imd.kid_score)")
    kid.add_argument("--kid-subset-size", type=int, default=None, metavar="INT",
                     help="points of each KID subset; a sample no larger is used whole "
                     "(default: 1000)")
    ci = compare.add_argument_group("intervals")
    ci.add_argument("--ci", action="store_true",
                    help="add a subsampling interval to every metric (half-size subsamples "
                    "without replacement, spread scaled to the full sizes)")
    ci.add_argument("--ci-level", type=float, default=None, metavar="FLOAT",
                    help=f"confidence level of --ci (default: {_CI_LEVEL})")
    ci.add_argument("--n-resamples", type=int, default=None, metavar="INT",
                    help=f"subsample pairs of --ci, >= 2 (default: {_COMPARE_RESAMPLES})")
    _add_progress_options(compare)
    compare.set_defaults(func=_run_compare)


def _add_stats_parser(sub, formatter):
    stats = sub.add_parser(
        "stats", prog=f"{PROG} stats",
        help="save a reference's statistics once, for compare",
        description=_STATS_DESCRIPTION,
        epilog="examples:\n  sklearn-imd stats real.npy -o real.npz --seed 0\n"
        "  sklearn-imd stats real_images/ -o real.npz --no-features",
        formatter_class=formatter,
    )
    stats.add_argument("REF", help="reference sample: a .npy, .npz, .csv file or image folder")
    stats.add_argument("-o", "--output", required=True, metavar="FILE",
                       help="the .npz file to write")
    _add_imd_options(stats, "neighbours of the IMD graph and of the kNN radii "
                     "(default: %(default)s)")
    stats.add_argument("--no-features", action="store_true",
                       help="do not store the features: a smaller file, but compare can "
                       "then give only IMD, FID and Vendi")
    stats.set_defaults(func=_run_stats)


def _is_stats_file(path):
    """Whether ``path`` is an .npz archive of reference statistics: ``mu`` and
    ``sigma`` (pytorch-fid's) and no arrays but those a statistics file holds.
    Another archive that holds arrays named so (say a VAE's ``z``, ``mu``,
    ``sigma``) is a file of arrays like any other."""
    from .io import _open_zip

    if os.path.splitext(path)[1].lower() != ".npz" or not os.path.isfile(path):
        return False
    try:
        archive, members = _open_zip(path)
    except ValueError:
        return False  # load_points gives the error
    archive.close()
    names = set(members)
    if not {"mu", "sigma"} <= names:
        return False
    from ._reference import _STATS_KEYS

    return names <= _STATS_KEYS


def _is_npz(path):
    return os.path.splitext(path)[1].lower() == ".npz"


def _check_key(key, paths, none_is):
    """Refuse --key when no input is an .npz file (``none_is`` says so for the message)."""
    if key is not None and not any(_is_npz(p) for p in paths):
        raise ValueError(f"--key applies only to .npz files, and {none_is}.")


def _read(path, key):
    """load_points with --key only for .npz inputs; a statistics file gives its
    stored features (never its mean, covariance or radii as points)."""
    from .io import load_points

    if _is_stats_file(path):
        return _stats_features(path, key)
    return load_points(path, key if _is_npz(path) else None)


def _stats_features(path, key):
    """The features a statistics file holds, as a point cloud."""
    from ._reference import ReferenceStats

    if key not in (None, "features"):
        raise ValueError(
            f"{path} is a statistics file (sklearn-imd stats or pytorch-fid): its {key!r} "
            "is a summary, not a point cloud. A point cloud is its 'features', if it holds "
            f"them; for FID from its mean and covariance use `{PROG} compare {path} GEN`."
        )
    stats = ReferenceStats.load(path)
    if stats.features is None:
        raise ValueError(
            f"{path} is a statistics file without features (only their mean and covariance"
            f"{' and IMD signature' if stats.imd_signature is not None else ''}): score needs "
            f"points. Use `{PROG} compare {path} GEN`, which scores FID (and IMD, from a "
            "stored signature) against it."
        )
    return stats.features


def _imd_params(args):
    return {name: getattr(args, name) for name in IMD_DEFAULTS}


def _verbose(args):
    if args.progress is None:
        return int(sys.stderr.isatty())
    return int(args.progress)


def _run_compare(args):
    from ._compare import ReferenceStats, compare_records
    from ._utils.validation import check_seed

    check_seed(args.seed, "--seed")
    if not args.ci:
        for option, value in (("--ci-level", args.ci_level), ("--n-resamples", args.n_resamples)):
            if value is not None:
                raise ValueError(f"{option} applies only with --ci.")
    _check_key(args.key, [args.REF, *args.GEN], "no input is one")
    if len(set(args.GEN)) != len(args.GEN):
        raise ValueError("a GEN is given twice; the output is keyed by each GEN.")
    ref = (ReferenceStats.load(args.REF) if _is_stats_file(args.REF)
           else _read(args.REF, args.key))
    generated = {path: _read(path, args.key) for path in args.GEN}
    names, metrics, rows = compare_records(
        ref, generated, metrics=args.metrics, k=args.k,
        interval="subsample" if args.ci else None,
        n_resamples=_COMPARE_RESAMPLES if args.n_resamples is None else args.n_resamples,
        confidence=_CI_LEVEL if args.ci_level is None else args.ci_level,
        imd_params=_imd_params(args), random_state=args.seed, n_jobs=args.n_jobs,
        verbose=_verbose(args), reference_name=args.REF, file_names=True,
        kid_params={name: value for name, value in (("n_subsets", args.kid_subsets),
                                                    ("subset_size", args.kid_subset_size))
                    if value is not None},
    )
    if args.json:
        import json
        import math

        # NaN and infinities are not JSON: an empty cell is null
        clean = {name: {m: (v if math.isfinite(v) else None) for m, v in row.items()}
                 for name, row in zip(names, rows)}
        print(json.dumps(clean, indent=2, allow_nan=False))
        return 0
    cells = [[name] + [_cell(row, m, args.ci) for m in metrics]
             for name, row in zip(names, rows)]
    header = ["generated"] + metrics
    widths = [max(len(r[i]) for r in cells + [header]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths]] + cells:
        print("  ".join([row[0].ljust(widths[0])]
                        + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]).rstrip())
    if args.ci:
        level = _CI_LEVEL if args.ci_level is None else args.ci_level
        print(f"{PROG}: note: [low, high] are {100 * level:g}% subsampling intervals.",
              file=sys.stderr)
    return 0


def _cell(row, metric, ci):
    import math

    if not math.isfinite(row[metric]):
        return "-"  # could not be computed (a warning said why)
    text = f"{row[metric]:.4g}"
    if ci:
        low, high = row[metric + "_low"], row[metric + "_high"]
        text += (f" [{low:.3g}, {high:.3g}]" if math.isfinite(low) and math.isfinite(high)
                 else " [-]")
    return text


def _run_stats(args):
    from ._reference import ReferenceStats
    from ._utils.validation import check_seed

    check_seed(args.seed, "--seed")
    _check_key(args.key, [args.REF], "REF is not one")
    from .io import _check_output_path

    output = _check_output_path(args.output)  # before any work
    X = _read(args.REF, args.key)
    stats = ReferenceStats.from_samples(
        X, k=args.k, imd_params=_imd_params(args), random_state=args.seed,
        keep_features=not args.no_features, n_jobs=args.n_jobs,
    )
    output = stats.save(output)
    held = "mean, covariance, IMD signature" + (
        "" if args.no_features else f", {args.k}-NN radii, features")
    print(f"wrote {output}: {stats.n_samples} samples x {stats.n_features} features; "
          f"{held}")
    return 0


class _ArgumentParser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors name the program like our other errors."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{PROG}: error: {message}\n")


def _build_parser():
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _ArgumentParser(
        prog=PROG,
        usage="%(prog)s [-h] [--version] COMMAND ...",
        description=_DESCRIPTION, epilog=_EPILOG, formatter_class=formatter
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    # The subcommands are described in _DESCRIPTION; hide argparse's terser duplicate list.
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_ArgumentParser, help=argparse.SUPPRESS
    )
    sub.required = True

    score = sub.add_parser(
        "score",
        prog=f"{PROG} score",
        help="print the IMD between the point clouds in two files",
        description=_SCORE_DESCRIPTION,
        epilog=_SCORE_EPILOG,
        formatter_class=formatter,
    )
    score.add_argument("A", help="first point cloud: a .npy, .npz or .csv file")
    score.add_argument("B", help="second point cloud: a .npy, .npz or .csv file")
    score.add_argument(
        "--key", metavar="NAME",
        help="array to use from .npz files holding several arrays (applies to every .npz input)",
    )
    params = score.add_argument_group("IMD parameters (as in sklearn_imd.imd_score)")
    params.add_argument(
        "--k", type=int, default=IMD_DEFAULTS["k"], metavar="INT",
        help="number of nearest neighbours of the graphs; each cloud needs more "
        "than k points (default: %(default)s)",
    )
    params.add_argument(
        "--m", type=int, default=IMD_DEFAULTS["m"], metavar="INT",
        help="Lanczos steps per probe vector, >= 2 (default: %(default)s)",
    )
    params.add_argument(
        "--nv", type=int, default=IMD_DEFAULTS["nv"], metavar="INT",
        help="number of random probe vectors, >= 1; more is slower and less noisy "
        "(default: %(default)s)",
    )
    params.add_argument(
        "--method", choices=HEAT_METHODS, default=IMD_DEFAULTS["method"],
        help="heat trace: exact spectrum, stochastic Lanczos quadrature, or "
        "chosen by cloud size (default: %(default)s)",
    )
    params.add_argument(
        "--normalization", choices=NORMALIZATIONS, default=IMD_DEFAULTS["normalization"],
        help="null model the heat trace is divided by (default: %(default)s)",
    )
    params.add_argument(
        "--knn", choices=KNN_METHODS, default=IMD_DEFAULTS["knn"],
        help="neighbour search: exact, approximate NN-descent (approx, or "
        "pynndescent's) or auto: the faster one by a cost model, never keeping an "
        "approximate graph that misses neighbours (default: %(default)s)",
    )
    params.add_argument(
        "--seed", type=int, default=None, metavar="INT",
        help="random seed (random_state), 0 to 2**32 - 1, for a reproducible score "
        "(default: none)",
    )
    params.add_argument(
        "--n-jobs", type=int, default=None, metavar="INT",
        help="processes computing the signatures, -1 for all processors; the "
        "score does not depend on it (default: 1)",
    )
    ci = score.add_argument_group("confidence interval (as in sklearn_imd.imd_test)")
    ci.add_argument(
        "--ci", action="store_true",
        help="also print a subsampling confidence interval of the score (see below)",
    )
    ci.add_argument(
        "--ci-level", type=float, default=None, metavar="FLOAT",
        help=f"confidence level of --ci, in (0, 1) (default: {_CI_LEVEL})",
    )
    ci.add_argument(
        "--n-resamples", type=int, default=None, metavar="INT",
        help=f"subsample pairs of --ci, >= 1; more is slower and steadier "
        f"(default: {_N_RESAMPLES})",
    )
    _add_progress_options(score)
    score.set_defaults(func=_run_score)

    _add_compare_parser(sub, formatter)
    _add_stats_parser(sub, formatter)

    demo = sub.add_parser(
        "demo",
        prog=f"{PROG} demo",
        help="print a table of IMDs on the bundled digits data set",
        description=_DEMO_DESCRIPTION,
        epilog="example:\n  sklearn-imd demo --seed 1",
        formatter_class=formatter,
    )
    demo.add_argument(
        "--seed", type=int, default=0, metavar="INT",
        help="seed of the random splits, noise and IMD estimates (default: %(default)s)",
    )
    demo.set_defaults(func=_run_demo)
    return parser


# --------------------------------------------------------------------------- commands


def _check_ci_options(args):
    """(level, n_resamples) of --ci, after checking that they come with it."""
    if not args.ci:
        for option, value in (("--ci-level", args.ci_level), ("--n-resamples", args.n_resamples)):
            if value is not None:
                raise ValueError(f"{option} applies only with --ci.")
        return None, None
    level = _CI_LEVEL if args.ci_level is None else args.ci_level
    if not 0 < level < 1:
        raise ValueError(f"--ci-level must be between 0 and 1, e.g. 0.95; got {level}.")
    from ._utils.validation import check_int

    n_resamples = check_int(
        _N_RESAMPLES if args.n_resamples is None else args.n_resamples, "--n-resamples", 1
    )
    return level, n_resamples


def _run_score(args):
    from ._utils.validation import check_cloud, check_imd_params, check_n_jobs, check_seed

    params = check_imd_params(
        k=args.k, m=args.m, nv=args.nv, method=args.method,
        normalization=args.normalization, knn=args.knn,
    )
    check_seed(args.seed, "--seed")
    check_n_jobs(args.n_jobs, "--n-jobs")
    level, n_resamples = _check_ci_options(args)
    _check_key(args.key, (args.A, args.B), "neither A nor B is one")
    if args.ci:
        min_points, purpose = 2 * (args.k + 1), f"--ci (half-size subsamples, k = {args.k})"
    else:
        min_points, purpose = args.k + 1, None
    A, B = (
        check_cloud(_read(p, args.key), min_points=min_points, name=p, purpose=purpose)
        for p in (args.A, args.B)
    )
    if args.ci:
        return _score_with_ci(A, B, args, params, level, n_resamples)
    from .metrics import imd_score

    score = imd_score(A, B, random_state=args.seed, n_jobs=args.n_jobs, **params)
    print(f"{score:.6g}")
    return 0


def _score_with_ci(A, B, args, params, level, n_resamples):
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"--ci pools the points of A and B, so they need the same number of features; "
            f"{args.A} has {A.shape[1]} and {args.B} has {B.shape[1]}. Without --ci, "
            "score compares clouds of different dimensions."
        )
    from .metrics import imd_test

    res = imd_test(
        A, B, n_permutations=1, n_resamples=n_resamples, confidence=level,
        random_state=args.seed, n_jobs=args.n_jobs, verbose=_verbose(args), **params,
    )
    low, high = res.confidence_interval
    print(f"{res.statistic:.6g}  {100 * level:g}% CI [{low:.4g}, {high:.4g}]")
    print(
        f"{PROG}: note: the {100 * level:g}% interval, from {n_resamples} pairs of half-size "
        "subsamples, shows how much the score would move with other samples of the same sizes.",
        file=sys.stderr,
    )
    return 0


def _run_demo(args):
    from ._cli.demo import run_demo
    from ._utils.validation import check_seed

    check_seed(args.seed, "--seed")
    print(
        "IMD (intrinsic multi-scale distance) compares the multi-scale geometry of two "
        "point clouds via the heat traces of their kNN graphs; 0 = identical."
    )
    rows = [(label, f"{score:.2f}", f"{seconds:.2f}") for label, score, seconds
            in run_demo(args.seed)]
    header = ("comparison", "IMD", "seconds")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(3)]

    def fmt(row):
        return (
            f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}"
        )

    print()
    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(fmt(row))
    print()
    print(
        "How to read it: the random-halves row is the noise floor of two samples of one "
        "distribution; larger IMDs mean more different shapes."
    )
    return 0


# --------------------------------------------------------------------------- entry point


def _warning_printer(labels):
    """A ``warnings.showwarning`` printing one line, the clouds ``labels`` call X, Y by name."""

    def show(message, category, filename, lineno, file=None, line=None):
        text = " ".join(str(message).split())
        label, sep, rest = text.partition(": ")
        if sep and label in labels:
            text = f"{labels[label]}: {rest}"
        print(f"{PROG}: warning: {text}", file=sys.stderr)

    return show


def main(argv=None):
    """Run the ``sklearn-imd`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program name; ``None`` reads
        ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 if an input or a parameter is invalid (after printing
        ``sklearn-imd: error: <message>`` on stderr).  Malformed command lines
        and ``--help`` exit through :class:`SystemExit` as with any
        :mod:`argparse` program.  Warnings raised meanwhile are printed on
        stderr, one line each: ``sklearn-imd: warning: <message>``.

    Examples
    --------
    Score two point clouds saved as ``.npy`` files; the number printed on
    stdout is the IMD (``python -m sklearn_imd score a.npy b.npy --seed 0``
    from a shell):

    >>> import contextlib, io, os, tempfile
    >>> import numpy as np
    >>> from sklearn_imd.__main__ import main
    >>> rng = np.random.default_rng(0)
    >>> out = io.StringIO()
    >>> with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(out):
    ...     a, b = os.path.join(tmp, "a.npy"), os.path.join(tmp, "b.npy")
    ...     np.save(a, rng.normal(size=(200, 3)))
    ...     np.save(b, rng.uniform(size=(200, 3)))
    ...     rc = main(["score", a, b, "--nv", "10", "--seed", "0"])
    >>> rc, float(out.getvalue()) > 0
    (0, True)

    Invalid input gives status 2 and a one-line message on stderr:

    >>> main(["score", "missing.npy", "other.npy"])
    2
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    # The library's warnings (e.g. a graph or an input to doubt) are shown as
    # the filters say, each on one line naming the file rather than "X" or "Y".
    if args.command == "score":
        labels = {"X": args.A, "Y": args.B}
    elif args.command in ("compare", "stats"):
        labels = {"reference": args.REF}
        labels.update({f"generated[{i}]": path for i, path in enumerate(getattr(args, "GEN", []))})
    else:
        labels = {}
    with warnings.catch_warnings():
        warnings.showwarning = _warning_printer(labels)
        try:
            return args.func(args)
        except (ValueError, TypeError, OSError, MemoryError, ImportError) as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            print(f"{PROG}: error: {message}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
