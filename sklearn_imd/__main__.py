"""Command line of sklearn-imd: ``sklearn-imd`` or ``python -m sklearn_imd``.

Two subcommands:

``score A B``
    IMD between the point clouds stored in the files ``A`` and ``B``
    (``.npy``, ``.npz`` or ``.csv``, read by :func:`sklearn_imd.io.load_points`),
    printed as a bare number; with ``--ci``, followed by a subsampling
    confidence interval.
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

from ._validation import HEAT_METHODS, KNN_METHODS, NORMALIZATIONS

PROG = "sklearn-imd"

_DESCRIPTION = """\
IMD, the intrinsic multi-scale distance (Tsitsulin et al., ICLR 2020), compares
two point clouds through the heat-kernel traces of their k-nearest-neighbour
graphs.  The clouds may differ in size and dimension; 0 means identical
multi-scale geometry, larger means more different.

subcommands:
  score A B   print the IMD between the point clouds in files A and B
              (.npy, .npz or .csv; one point per row) as a bare number,
              with --ci followed by a confidence interval
  demo        print a table of IMDs between variants of scikit-learn's
              bundled digits data set (no download needed)

Run 'sklearn-imd COMMAND --help' for the options of a subcommand."""

_EPILOG = """\
examples:
  sklearn-imd score real.npy generated.npy
  sklearn-imd score real.csv generated.npz --key features --seed 0
  sklearn-imd score real.npy generated.npy --ci --seed 0
  score=$(sklearn-imd score a.npy b.npy --nv 200 --seed 0)
  python -m sklearn_imd demo --seed 1

Errors print 'sklearn-imd: error: <message>' on stderr and exit with status 2;
warnings print 'sklearn-imd: warning: <message>' on stderr."""

_SCORE_DESCRIPTION = """\
Print the IMD between the point clouds stored in files A and B as a bare
number (6 significant digits) on stdout, for use in scripts.  With --ci the
number is followed on the same line by a confidence interval, e.g.
  12.3456  95% CI [9.87, 15.2]

Each file is a regular file (symbolic links are followed) holding one 2-D
array of shape (n_points, n_features):
  .npy  a single array of numbers (arrays of Python objects are refused)
  .npz  an archive; its only array, or the one named by --key
  .csv  comma-separated numbers, one point per row; a first row that is not
        numeric is taken as a header and skipped; '#' starts a comment.
        Leading columns with no name in the header, as in the index that
        pandas writes by default, are dropped with a warning if they hold
        integers (best: df.to_csv(path, index=False))

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
        "--k", type=int, default=5, metavar="INT",
        help="number of nearest neighbours of the graphs; each cloud needs more "
        "than k points (default: %(default)s)",
    )
    params.add_argument(
        "--m", type=int, default=10, metavar="INT",
        help="Lanczos steps per probe vector, >= 2 (default: %(default)s)",
    )
    params.add_argument(
        "--nv", type=int, default=100, metavar="INT",
        help="number of random probe vectors, >= 1; more is slower and less noisy "
        "(default: %(default)s)",
    )
    params.add_argument(
        "--method", choices=HEAT_METHODS, default="auto",
        help="heat trace: exact spectrum, stochastic Lanczos quadrature, or "
        "chosen by cloud size (default: %(default)s)",
    )
    params.add_argument(
        "--normalization", choices=NORMALIZATIONS, default="empty",
        help="null model the heat trace is divided by (default: %(default)s)",
    )
    params.add_argument(
        "--knn", choices=KNN_METHODS, default="auto",
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
    score.set_defaults(func=_run_score)

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
    from ._validation import check_int

    n_resamples = check_int(
        _N_RESAMPLES if args.n_resamples is None else args.n_resamples, "--n-resamples", 1
    )
    return level, n_resamples


def _run_score(args):
    from ._validation import check_cloud, check_imd_params, check_n_jobs, check_seed
    from .io import load_points

    params = check_imd_params(
        k=args.k, m=args.m, nv=args.nv, method=args.method,
        normalization=args.normalization, knn=args.knn,
    )
    check_seed(args.seed, "--seed")
    check_n_jobs(args.n_jobs, "--n-jobs")
    level, n_resamples = _check_ci_options(args)
    paths = (args.A, args.B)
    is_npz = [os.path.splitext(p)[1].lower() == ".npz" for p in paths]
    if args.key is not None and not any(is_npz):
        raise ValueError("--key applies only to .npz files, and neither A nor B is one.")
    if args.ci:
        min_points, purpose = 2 * (args.k + 1), f"--ci (half-size subsamples, k = {args.k})"
    else:
        min_points, purpose = args.k + 1, None
    A, B = (
        check_cloud(load_points(p, args.key if npz else None), min_points=min_points,
                    name=p, purpose=purpose)
        for p, npz in zip(paths, is_npz)
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
        random_state=args.seed, n_jobs=args.n_jobs, **params,
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
    from ._demo import run_demo
    from ._validation import check_seed

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
    labels = {"X": args.A, "Y": args.B} if args.command == "score" else {}
    with warnings.catch_warnings():
        warnings.showwarning = _warning_printer(labels)
        try:
            return args.func(args)
        except (ValueError, TypeError, OSError, MemoryError) as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            print(f"{PROG}: error: {message}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
