"""Command line of sklearn-imd: ``sklearn-imd`` or ``python -m sklearn_imd``.

Two subcommands:

``score A B``
    IMD between the point clouds stored in the files ``A`` and ``B``
    (``.npy``, ``.npz`` or ``.csv``), printed as a bare number.
``demo``
    IMD between a few comparisons built from scikit-learn's bundled digits
    data set, printed as a table.  Needs no network.

Errors (unreadable file, malformed data, invalid parameter) print one line
``sklearn-imd: error: <message>`` on stderr and exit with status 2.
"""

import argparse
import os
import sys
import time
import warnings

from ._validation import HEAT_METHODS, KNN_METHODS, NORMALIZATIONS

PROG = "sklearn-imd"
_EXTENSIONS = (".npy", ".npz", ".csv")

_DESCRIPTION = """\
IMD, the intrinsic multi-scale distance (Tsitsulin et al., ICLR 2020), compares
two point clouds through the heat-kernel traces of their k-nearest-neighbour
graphs.  The clouds may differ in size and dimension; 0 means identical
multi-scale geometry, larger means more different.

subcommands:
  score A B   print the IMD between the point clouds in files A and B
              (.npy, .npz or .csv; one point per row) as a bare number
  demo        print a table of IMDs between variants of scikit-learn's
              bundled digits data set (no download needed)

Run 'sklearn-imd COMMAND --help' for the options of a subcommand."""

_EPILOG = """\
examples:
  sklearn-imd score real.npy generated.npy
  sklearn-imd score real.csv generated.npz --key features --seed 0
  score=$(sklearn-imd score a.npy b.npy --nv 200 --seed 0)
  python -m sklearn_imd demo --seed 1

Errors print 'sklearn-imd: error: <message>' on stderr and exit with status 2."""

_SCORE_DESCRIPTION = """\
Print the IMD between the point clouds stored in files A and B as a bare
number (6 significant digits) on stdout, for use in scripts.

Each file holds one 2-D array of shape (n_points, n_features):
  .npy  a single array (loaded with allow_pickle=False)
  .npz  an archive; its only array, or the one named by --key
  .csv  comma-separated numbers, one point per row; a first row that is not
        numeric is taken as a header and skipped; '#' starts a comment
        (from pandas: df.to_csv(path, index=False))

A and B may differ in their number of points and of features.  IMD is a
randomised estimate: pass --seed for a reproducible value."""

_SCORE_EPILOG = """\
examples:
  sklearn-imd score real.npy generated.npy
  sklearn-imd score a.npz b.npz --key embeddings --seed 0
  sklearn-imd score a.csv b.csv --k 10 --nv 500"""

_DEMO_DESCRIPTION = """\
Compare variants of scikit-learn's bundled digits data set (1797 images of
8x8 pixels, i.e. 1797 points in 64 dimensions) and print a table of their
IMDs and the time each took: two random halves of the data (same
distribution), digits 0-4 against digits 5-9, the digits against copies with
Gaussian pixel noise or blurred by a 3x3 mean filter, and the digits against
uniform random noise.  The output is reproducible for a given --seed."""


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
        "pynndescent's) or chosen by cloud size (default: %(default)s)",
    )
    params.add_argument(
        "--seed", type=int, default=None, metavar="INT",
        help="random seed (random_state) for a reproducible score (default: none)",
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


# --------------------------------------------------------------------------- loading


def _load_cloud(path, key=None):
    """Read the 2-D array stored in ``path`` (.npy, .npz or .csv)."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in _EXTENSIONS:
        shown = f"'{ext}'" if ext else "no extension"
        raise ValueError(
            f"{path}: unknown file type ({shown}); use a .npy, .npz or .csv file."
        )
    if not os.path.exists(path):
        raise ValueError(f"{path}: no such file.")
    if os.path.isdir(path):
        raise ValueError(f"{path} is a directory, not a file.")
    if ext == ".csv":
        return _load_csv(path)
    return _load_numpy(path, key)


def _load_numpy(path, key):
    import numpy as np

    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(
            f"{path} could not be read as a NumPy .npy/.npz file ({exc})."
        ) from None
    if isinstance(data, np.ndarray):
        return data
    with data:  # an NpzFile
        keys = list(data.files)
        if key is not None:
            if key not in keys:
                raise ValueError(
                    f"{path} has no array named {key!r}; available keys: "
                    f"{', '.join(keys) if keys else '(none)'}."
                )
        elif len(keys) == 1:
            key = keys[0]
        elif not keys:
            raise ValueError(f"{path} holds no arrays.")
        else:
            raise ValueError(
                f"{path} holds {len(keys)} arrays; choose one with --key NAME. "
                f"Available keys: {', '.join(keys)}."
            )
        try:
            return data[key]
        except (ValueError, OSError, EOFError) as exc:
            raise ValueError(f"{path}: array {key!r} could not be read ({exc}).") from None


def _csv_fields(line):
    return [f.strip().strip('"').strip() for f in line.split(",")]


def _is_number(field):
    try:
        float(field)
    except ValueError:
        return False
    return True


def _data_line(line):
    """The line without its '#' comment, or None if nothing remains."""
    line = line.split("#", 1)[0]
    return line if line.strip() else None


def _load_csv(path):
    import numpy as np

    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text CSV file (it is not valid UTF-8).") from None
    data_idx = [i for i, line in enumerate(lines) if _data_line(line) is not None]
    if data_idx:
        first = _csv_fields(_data_line(lines[data_idx[0]]))
        if any(f and not _is_number(f) for f in first):  # a header row
            lines[data_idx[0]] = ""
            data_idx = data_idx[1:]
    if not data_idx:
        raise ValueError(f"{path} contains no data rows.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.loadtxt(lines, delimiter=",", ndmin=2, quotechar='"', dtype=np.float64)
    except ValueError as exc:
        raise ValueError(_csv_problem(path, lines, data_idx) or f"{path}: {exc}") from None


def _csv_problem(path, lines, data_idx):
    """Describe the first malformed row of a CSV file, with its line number."""
    n_cols = None
    for i in data_idx:
        fields = _csv_fields(_data_line(lines[i]))
        for j, field in enumerate(fields):
            if not _is_number(field):
                what = "an empty value" if not field else f"{field!r}, which is not a number"
                return (
                    f"{path}, line {i + 1}, column {j + 1}: {what}; expected "
                    "comma-separated numbers."
                )
        if n_cols is None:
            n_cols, first_line = len(fields), i + 1
        elif len(fields) != n_cols:
            return (
                f"{path}, line {i + 1}: {len(fields)} values, but line {first_line} has "
                f"{n_cols}; every row must have the same number of values."
            )
    return None


# --------------------------------------------------------------------------- commands


def _check_seed(seed):
    if seed is not None and not 0 <= seed < 2**32:
        raise ValueError(f"--seed must be between 0 and 2**32 - 1, got {seed}.")


def _run_score(args):
    from ._validation import check_cloud, check_imd_params
    from .metrics import imd_score

    params = check_imd_params(
        k=args.k, m=args.m, nv=args.nv, method=args.method,
        normalization=args.normalization, knn=args.knn,
    )
    _check_seed(args.seed)
    if args.key is not None and not any(
        os.path.splitext(p)[1].lower() == ".npz" for p in (args.A, args.B)
    ):
        raise ValueError("--key applies only to .npz files, and neither A nor B is one.")
    clouds = []
    for path in (args.A, args.B):
        arr = _load_cloud(path, args.key)
        clouds.append(check_cloud(arr, min_points=params["k"] + 1, name=path))
    score = imd_score(*clouds, random_state=args.seed, **params)
    print(f"{score:.6g}")
    return 0


def _blur(images):
    """Mean over each pixel's 3x3 neighbourhood (edges repeated), per image."""
    import numpy as np

    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)), mode="edge")
    out = np.zeros_like(images)
    for di in range(3):
        for dj in range(3):
            out += padded[:, di : di + images.shape[1], dj : dj + images.shape[2]]
    return out / 9.0


def _demo_comparisons(seed):
    """(label, X, Y) triples of the demo, generated from ``seed``."""
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data.astype(np.float64), digits.target
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(X))
    half = len(X) // 2
    noisy = X + rng.normal(scale=2.0, size=X.shape)
    blurred = _blur(digits.images.astype(np.float64)).reshape(len(X), -1)
    uniform = rng.uniform(0.0, 16.0, size=X.shape)
    return [
        ("digits: random half vs other half", X[perm[:half]], X[perm[half:]]),
        ("digits 0-4 vs digits 5-9", X[y < 5], X[y >= 5]),
        ("digits vs digits blurred (3x3 mean)", X, blurred),
        ("digits vs digits + Gaussian noise (sd 2)", X, noisy),
        ("digits vs uniform noise (same shape)", X, uniform),
    ]


def _run_demo(args):
    import numpy as np

    from .metrics import imd_score

    _check_seed(args.seed)
    print(
        "IMD (intrinsic multi-scale distance) compares the multi-scale geometry of two "
        "point clouds via the heat traces of their kNN graphs; 0 = identical."
    )
    # Warm-up on a tiny cloud so that Numba compilation is not charged to row 1.
    warm = np.random.default_rng(0).normal(size=(50, 2))
    imd_score(warm, warm, nv=2, method="slq", random_state=0)

    rows = []
    for label, X, Y in _demo_comparisons(args.seed):
        start = time.perf_counter()
        score = imd_score(X, Y, random_state=args.seed)
        rows.append((label, f"{score:.2f}", f"{time.perf_counter() - start:.2f}"))

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
        :mod:`argparse` program.

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
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
