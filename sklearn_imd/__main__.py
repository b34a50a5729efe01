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

Image folders are read as raw pixels (feature space ``pixels``), or, with
``--features NET.onnx [--preset inception|dinov2|clip]``, through the user's
network (:class:`sklearn_imd.features.OnnxFeatures`).
``demo``
    IMD between a few comparisons built from scikit-learn's bundled digits
    data set, printed as a table.  Needs no network.

Errors (unreadable file, malformed data, invalid parameter) print one line
``sklearn-imd: error: <message>`` on stderr and exit with status 2.  Warnings
print one line each, ``sklearn-imd: warning: <message>``, on stderr.
"""

import sys
import warnings

from ._cli.commands import _imd_params, _warning_printer
from ._cli.parser import _build_parser
from ._cli.texts import PROG

# main is the entry point; tests/test_layers.py reads the parser and _imd_params here.
__all__ = ["main", "PROG", "_build_parser", "_imd_params"]


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
