"""The parser of the command line: the options shared by the subcommands, each
subcommand's parser, and the program's parser that ties them to their commands."""

import argparse
import sys

from .._utils.validation import HEAT_METHODS, IMD_DEFAULTS, KNN_METHODS, NORMALIZATIONS
from .commands import _run_compare, _run_demo, _run_score, _run_stats
from .texts import (
    _CI_LEVEL, _COMPARE_DESCRIPTION, _COMPARE_EPILOG, _COMPARE_RESAMPLES, _DEMO_DESCRIPTION,
    _RANK_RESAMPLES,
    _DESCRIPTION, _EPILOG, _N_RESAMPLES, _SCORE_DESCRIPTION, _SCORE_EPILOG, _STATS_DESCRIPTION,
    PROG,
)


def _add_imd_options(parser, title, k_help, seed_help, n_jobs_help):
    """Every IMD parameter of ``IMD_DEFAULTS`` as an option (each command's
    ``k``, seed and workers described in its own words), in a group ``title``."""
    group = parser.add_argument_group(title)
    group.add_argument("--k", type=int, default=IMD_DEFAULTS["k"], metavar="INT", help=k_help)
    group.add_argument("--m", type=int, default=IMD_DEFAULTS["m"], metavar="INT",
                       help="Lanczos steps per probe vector, >= 2 (default: %(default)s)")
    group.add_argument("--nv", type=int, default=IMD_DEFAULTS["nv"], metavar="INT",
                       help="number of random probe vectors, >= 1; more is slower and less "
                       "noisy (default: %(default)s)")
    group.add_argument("--method", choices=HEAT_METHODS, default=IMD_DEFAULTS["method"],
                       help="heat trace: exact spectrum, stochastic Lanczos quadrature, or "
                       "chosen by cloud size (default: %(default)s)")
    group.add_argument("--normalization", choices=NORMALIZATIONS,
                       default=IMD_DEFAULTS["normalization"],
                       help="null model the heat trace is divided by (default: %(default)s)")
    group.add_argument("--knn", choices=KNN_METHODS, default=IMD_DEFAULTS["knn"],
                       help="neighbour search: exact, approximate NN-descent (approx, or "
                       "pynndescent's) or auto: the faster one by a cost model, never keeping "
                       "an approximate graph that misses neighbours (default: %(default)s)")
    group.add_argument("--seed", type=int, default=None, metavar="INT", help=seed_help)
    group.add_argument("--n-jobs", type=int, default=None, metavar="INT", help=n_jobs_help)
    return group


def _add_key_option(parser):
    parser.add_argument("--key", metavar="NAME",
                        help="array to use from .npz files holding several arrays (applies "
                        "to every .npz input)")


def _add_progress_options(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--progress", dest="progress", action="store_true", default=None,
                       help="show progress on stderr (default: only when stderr is a "
                       "terminal)")
    group.add_argument("--no-progress", dest="progress", action="store_false",
                       help="never show progress")


def _add_image_options(parser):
    """How image folders are read: through a network (--features), or as pixels."""
    group = parser.add_argument_group(
        "image folders (default: raw pixels, feature space 'pixels'; with --features, "
        "the network's features)")
    group.add_argument("--features", metavar="NET.onnx", default=None,
                       help="run image folders through this ONNX network (onnxruntime; "
                       "sklearn_imd.features.OnnxFeatures) and use its features; the "
                       "feature space is --preset, else the file's name")
    group.add_argument("--preset", choices=("inception", "dinov2", "clip"), default=None,
                       help="the network's preprocessing: inception (pytorch-fid's, 299x299, "
                       "[0, 1]), dinov2 or clip (224x224, their mean and std); default: "
                       "none (the network's input size, [0, 1])")
    group.add_argument("--size", metavar="WxH", default=None,
                       help="resize every image to width x height (e.g. 64x64, or 299 for "
                       "a square): Pillow's bicubic; with --features, the network's input "
                       "size (default: the preset's or the network's)")
    group.add_argument("--resize", choices=("bicubic-pil", "bicubic-pil-uint8", "bilinear-torch",
                                            "bilinear-tf"), default=None,
                       help="with --features, how images are resized to the network's input: "
                       "bicubic-pil (clean-fid's, the default), bilinear-torch (pytorch-fid's "
                       "own, to reproduce its numbers), bilinear-tf (TensorFlow FID's), "
                       "bicubic-pil-uint8; recorded in the feature space unless the default")
    group.add_argument("--recursive", action="store_true",
                       help="also read the images of the folders' subfolders (class "
                       "folders); without it they are skipped, with a warning")
    group.add_argument("--batch-size", type=int, default=None, metavar="INT",
                       help="images run through --features at once (default: 64)")


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
    compare.add_argument("--feature-space", metavar="NAME", default=None,
                         help="name of the features' space (e.g. inception, dinov2, clip): "
                         "names the columns, fid -> fd_NAME, kid -> kd_NAME, other -> "
                         "other_NAME (inception keeps the names); must be that of a REF "
                         "statistics file that stores one (default: REF's, else none)")
    compare.add_argument("--train", metavar="TRAIN", default=None,
                         help="the models' training set (file or image folder; REF must be "
                         "held out from it): adds ct (data-copying test, strongly negative "
                         "for a copier) and authenticity (0 for copies); not needed when REF "
                         "is a statistics file saved with 'stats --train' (a TRAIN given "
                         "wins over the stored one)")
    _add_key_option(compare)
    _add_imd_options(
        compare, "parameters (IMD's as in sklearn_imd.imd_score)",
        "neighbours of the IMD graphs and of the kNN radii of precision, recall, density and "
        "coverage (default: %(default)s)",
        "random seed of IMD and KID, for reproducible numbers (default: none)",
        "processes computing the IMD signatures, -1 for all processors (default: 1)")
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
                    "without replacement)")
    ci.add_argument("--ci-level", type=float, default=None, metavar="FLOAT",
                    help=f"confidence level of --ci (default: {_CI_LEVEL})")
    ci.add_argument("--n-resamples", type=int, default=None, metavar="INT",
                    help=f"subsample pairs of --ci, >= 2 (default: {_COMPARE_RESAMPLES}; "
                    f"with --rank >= 3, default {_RANK_RESAMPLES})")
    ci.add_argument("--rank", action="store_true",
                    help="rank the models per metric: paired differences on shared "
                    "redraws, Holm-adjusted p-values, ties where not significant "
                    "(implies --ci)")
    ci.add_argument("--alpha", type=float, default=None, metavar="FLOAT",
                    help="level of --rank's adjusted tests (default: 0.05)")
    size = compare.add_argument_group("sample size")
    size.add_argument("--sample-size", default="min", metavar="min|all|INT",
                      help="size every GEN is scored at: 'min' subsamples each to the "
                      "smallest one's size, 'all' scores them as given (default: min)")
    size.add_argument("--n-permutations", type=int, default=None, metavar="INT",
                      help="re-splits that estimate imd_excess's floor, >= 2 (default: 10)")
    _add_image_options(compare)
    _add_progress_options(compare)
    compare.set_defaults(func=_run_compare)


def _add_stats_parser(sub, formatter):
    stats = sub.add_parser(
        "stats", prog=f"{PROG} stats",
        help="save a reference's statistics once, for compare",
        description=_STATS_DESCRIPTION,
        epilog="examples:\n  sklearn-imd stats real.npy -o real.npz --seed 0\n"
        "  sklearn-imd stats real_images/ -o real.npz --features inception.onnx "
        "--preset inception\n"
        "  sklearn-imd stats real_images/ -o real.npz --no-features  (raw pixels)\n"
        "  sklearn-imd stats test.npy -o test.npz --train train.npy --seed 0",
        formatter_class=formatter,
    )
    stats.add_argument("REF", help="reference sample: a .npy, .npz, .csv file or image folder")
    stats.add_argument("-o", "--output", required=True, metavar="FILE",
                       help="the .npz file to write")
    _add_key_option(stats)
    _add_imd_options(
        stats, "parameters (IMD's as in sklearn_imd.imd_score)",
        "neighbours of the IMD graph and of the kNN radii (default: %(default)s)",
        "random seed of the IMD signature, for reproducible numbers (default: none)",
        "processes computing the IMD signature, -1 for all processors (default: 1)")
    stats.add_argument("--no-features", action="store_true",
                       help="do not store the features: a smaller file, but compare can "
                       "then give only IMD, FID and Vendi (and authenticity with --train)")
    stats.add_argument("--train", metavar="TRAIN", default=None,
                       help="the models' training set (file or image folder; REF must be "
                       "held out from it): store it, its nearest-neighbour distances and "
                       "the k-means cells of ct, so that 'compare FILE GEN...' adds ct and "
                       "authenticity without --train")
    stats.add_argument("--feature-space", metavar="NAME", default=None,
                       help="name of REF's feature space (e.g. inception, dinov2, clip), "
                       "stored: compare names its columns by it and refuses another "
                       "--feature-space (default: none, unknown)")
    _add_image_options(stats)
    _add_progress_options(stats)
    stats.set_defaults(func=_run_stats)



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
    from .. import __version__

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
    _add_key_option(score)
    _add_imd_options(
        score, "IMD parameters (as in sklearn_imd.imd_score)",
        "number of nearest neighbours of the graphs; each cloud needs more than k points "
        "(default: %(default)s)",
        "random seed (random_state), 0 to 2**32 - 1, for a reproducible score (default: none)",
        "processes computing the signatures, -1 for all processors; the score does not "
        "depend on it (default: 1)")
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
