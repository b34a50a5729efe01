"""The subcommands of the command line (``score``, ``compare``, ``stats``, ``demo``),
each run on the parsed arguments, and the printer of the library's warnings."""

import sys

from .._utils.validation import IMD_DEFAULTS
from .files import _check_key, _Images, _is_stats_file, _pixels_note, _read
from .texts import _CI_LEVEL, _COMPARE_RESAMPLES, _N_RESAMPLES, _RANK_RESAMPLES, PROG


def _imd_params(args):
    return {name: getattr(args, name) for name in IMD_DEFAULTS}


def _verbose(args):
    if args.progress is None:
        return int(sys.stderr.isatty())
    return int(args.progress)


def _sample_size(text):
    """--sample-size: 'min', 'all' (None) or an int."""
    if text in ("min", "all"):
        return None if text == "all" else text
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"--sample-size must be min, all or an integer, got {text!r}.") \
            from None


def _run_compare(args):
    from .._compare import ReferenceStats, compare_run
    from .._utils.validation import check_seed
    from ..metrics._resampling import check_confidence

    check_seed(args.seed, "--seed")
    if args.rank:
        args.ci = True
        if len(args.GEN) < 2:
            raise ValueError("--rank compares models: give two GEN or more.")
        if args.n_resamples is not None and args.n_resamples < 3:
            raise ValueError(f"--rank needs --n-resamples >= 3, got {args.n_resamples}.")
        # checked before any work, not after the table is computed
        alpha = check_confidence(0.05 if args.alpha is None else args.alpha, "--alpha")
    elif args.alpha is not None:
        raise ValueError("--alpha applies only with --rank.")
    if not args.ci:
        _refuse_ci_options(args)
    level = _CI_LEVEL if args.ci_level is None else args.ci_level
    _check_key(args.key, [args.REF, *args.GEN] + ([args.train] if args.train else []),
               "no input is one")
    if len(set(args.GEN)) != len(args.GEN):
        raise ValueError("a GEN is given twice; the output is keyed by each GEN.")
    args.verbose = _verbose(args)
    ref_is_stats = _is_stats_file(args.REF)
    images = _Images(args, [None if ref_is_stats else args.REF, *args.GEN, args.train])
    space = args.feature_space if args.feature_space is not None else images.space()
    ref = (ReferenceStats.load(args.REF) if ref_is_stats else images.read(args.REF, args.key))
    if ref_is_stats and args.feature_space is None and images.space() is not None \
            and ref.feature_space not in (None, images.space()):
        how = (f"features of {args.features}" if images.net is not None
               else "raw pixels of image folders, without --features")
        raise ValueError(
            f"{args.REF} holds statistics of {ref.feature_space!r} features, and the samples "
            f"are {images.space()!r} features ({how}): statistics of one feature space do "
            "not compare with samples of another. Give the network the statistics were "
            "made with (--features NET.onnx --preset ...).")
    generated = {path: images.read(path, args.key) for path in args.GEN}
    train = None if args.train is None else images.read(args.train, args.key)
    run = compare_run(
        ref, generated, metrics=args.metrics, k=args.k,
        interval="subsample" if args.ci else None,
        n_resamples=((_RANK_RESAMPLES if args.rank else _COMPARE_RESAMPLES)
                     if args.n_resamples is None else args.n_resamples),
        confidence=level, sample_size=_sample_size(args.sample_size),
        n_permutations=10 if args.n_permutations is None else args.n_permutations,
        imd_params=_imd_params(args), train=train, random_state=args.seed, n_jobs=args.n_jobs,
        verbose=_verbose(args), reference_name=args.REF, file_names=True,
        train_name=args.train or "train",
        kid_params={name: value for name, value in (("n_subsets", args.kid_subsets),
                                                    ("subset_size", args.kid_subset_size))
                    if value is not None},
        feature_space=space,
    )
    _pixels_note(images, run.feature_space)
    from .._compare_checks import renamed

    # the rows keyed by the columns' names (the feature space's); the
    # metrics keep theirs for what follows
    names, metrics, columns = run.names, run.metrics, run.columns
    rows = [renamed(row, columns) for row in run.rows]
    ranking = None
    if args.rank:
        from .._ranking import _rank

        ranking = _rank(run, alpha, level)
    if args.json:
        import json
        import math

        # NaN and infinities are not JSON: an empty cell is null
        def finite(v):
            return v if not isinstance(v, float) or math.isfinite(v) else None

        clean = {name: {m: finite(v) for m, v in row.items()}
                 for name, row in zip(names, rows)}
        if ranking is not None:
            clean["ranking"] = {
                m: {"ranks": {name: finite(float(r)) for name, r
                              in zip(names, ranking.ranks[a])},
                    "pairs": [{key: finite(v) for key, v in pair.items() if key != "metric"}
                              for pair in ranking.pairs(m)]}
                for a, m in enumerate(metrics)}
            clean["ranking"] = {columns[m]: value for m, value in clean["ranking"].items()}
        print(json.dumps(clean, indent=2, allow_nan=False))
        return 0
    _print_table(["generated"] + [columns[m] for m in metrics],
                 [[name] + [_cell(row, columns[m], args.ci) for m in metrics]
                  for name, row in zip(names, rows)])
    if ranking is not None:
        _print_ranking(ranking, columns)
    if "authenticity" in metrics and run.settings.train is not None:
        from .._utils.validation import check_cloud
        from ..metrics._copying import _authenticity

        X = ref.features if isinstance(ref, ReferenceStats) else ref
        if X is not None:  # the value of held-out data, which a model's is read beside
            X = check_cloud(X, name=args.REF).astype(float, copy=False)  # checked: as run
            train = run.settings.train
            source = args.train or f"the training set {args.REF} holds"
            print(f"{PROG}: note: authenticity of {args.REF} itself (held out from "
                  f"{source}): {_authenticity(train.T, X, train.radii):.4g}.",
                  file=sys.stderr)
    if args.ci:
        print(f"{PROG}: note: [low, high] are {100 * level:g}% subsampling intervals.",
              file=sys.stderr)
    return 0


def _print_ranking(ranking, columns):
    """Per metric (named by its column, ``columns``), the models from best to
    worst with their ranks, then each pair's difference with its interval and
    Holm-adjusted p-value."""
    import math

    print()
    rows = []
    for a, m in enumerate(ranking.metrics):
        if ranking.better[m] is None:
            order = "(no direction to rank by: differences only)"
        else:
            order = "  ".join(f"{ranking.ranks[a, ranking.names.index(n)]:.0f}. {n}"
                              for n in ranking.order(m))
        rows.append([columns[m], f"({ranking.better[m]} is better)" if ranking.better[m] else "",
                     order])
    _print_table(["metric", "", "rank (ties: not significantly different)"], rows)
    print()
    pairs = []
    for pair in ranking.pairs():
        interval = (f"[{pair['low']:.3g}, {pair['high']:.3g}]"
                    if math.isfinite(pair["low"]) else "[-]")
        p = pair["pvalue_adjusted"]
        pairs.append([columns[pair["metric"]], pair["a"], pair["b"], f"{pair['difference']:.4g}",
                      interval, "-" if not math.isfinite(p) else f"{p:.3g}",
                      "*" if pair["significant"] else ""])
    _print_table(["metric", "a", "b", "a - b", "interval", "p (Holm)", ""], pairs)
    print(f"{PROG}: note: * marks a difference significant at alpha = {ranking.alpha:g} "
          f"after Holm's adjustment over each metric's pairs; intervals are "
          f"{100 * ranking.confidence:g}%, from {ranking.n_resamples} shared redraws.",
          file=sys.stderr)


def _print_table(header, rows):
    """Print ``rows`` of texts under ``header`` and a rule of dashes: the first column
    flush left, the others flush right, two spaces apart (compare's table, the demo's)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join([row[0].ljust(widths[0])]
                        + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]).rstrip())


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
    from .._reference import ReferenceStats
    from .._utils.validation import check_seed

    check_seed(args.seed, "--seed")
    _check_key(args.key, [args.REF] + ([args.train] if args.train else []),
               "no input is one")
    from .._io.files import _check_output_path

    output = _check_output_path(args.output)  # before any work
    args.verbose = _verbose(args)
    images = _Images(args, [args.REF, args.train])
    space = args.feature_space if args.feature_space is not None else images.space()
    X = images.read(args.REF, args.key)
    train = None
    if args.train is not None:
        from .._utils.validation import check_cloud

        # checked here to be named by its file (from_samples calls it train)
        train = check_cloud(images.read(args.train, args.key), min_points=2, name=args.train,
                            purpose="a nearest other training point")
        if train.shape[1] != X.shape[1]:
            raise ValueError(
                f"{args.train} has {train.shape[1]} features and {args.REF} {X.shape[1]}: "
                "the training set, the reference and the samples share one feature space.")
    stats = ReferenceStats.from_samples(
        X, k=args.k, imd_params=_imd_params(args), random_state=args.seed,
        keep_features=not args.no_features, n_jobs=args.n_jobs, train=train,
        feature_space=space,
    )
    _pixels_note(images, stats.feature_space)
    output = stats.save(output)
    held = "mean, covariance, IMD signature" + (
        "" if args.no_features else f", {args.k}-NN radii, features")
    if train is not None:
        held += (f", training set of {train.shape[0]} points with its nearest-neighbour "
                 "distances" + ("" if args.no_features else " and the cells of ct"))
    space = "" if stats.feature_space is None else f" ({stats.feature_space})"
    print(f"wrote {output}: {stats.n_samples} samples x {stats.n_features} features{space}; "
          f"{held}")
    return 0


def _refuse_ci_options(args):
    """Refuse --ci-level and --n-resamples, which apply only with --ci."""
    for option, value in (("--ci-level", args.ci_level), ("--n-resamples", args.n_resamples)):
        if value is not None:
            raise ValueError(f"{option} applies only with --ci.")


def _check_ci_options(args):
    """(level, n_resamples) of --ci, after checking that they come with it."""
    if not args.ci:
        _refuse_ci_options(args)
        return None, None
    level = _CI_LEVEL if args.ci_level is None else args.ci_level
    if not 0 < level < 1:
        raise ValueError(f"--ci-level must be between 0 and 1, e.g. 0.95; got {level}.")
    from .._utils.validation import check_int

    n_resamples = check_int(
        _N_RESAMPLES if args.n_resamples is None else args.n_resamples, "--n-resamples", 1
    )
    return level, n_resamples


def _run_score(args):
    from .._utils.validation import check_cloud, check_imd_params, check_n_jobs, check_seed

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
    from ..metrics import imd_score

    score = imd_score(A, B, random_state=args.seed, n_jobs=args.n_jobs, **params)
    print(f"{score:.6g}")
    _score_pixels_note(args)
    return 0


def _score_pixels_note(args):
    import os

    folders = [p for p in (args.A, args.B) if os.path.isdir(p)]
    if folders:
        print(f"{PROG}: note: {', '.join(folders)}: image folders read as raw pixels; for a "
              "network's features, compute them first (sklearn_imd.features.OnnxFeatures, "
              "or 'compare --features NET.onnx').", file=sys.stderr)


def _score_with_ci(A, B, args, params, level, n_resamples):
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"--ci pools the points of A and B, so they need the same number of features; "
            f"{args.A} has {A.shape[1]} and {args.B} has {B.shape[1]}. Without --ci, "
            "score compares clouds of different dimensions."
        )
    from ..metrics import imd_test

    res = imd_test(
        A, B, n_permutations=1, n_resamples=n_resamples, confidence=level,
        random_state=args.seed, n_jobs=args.n_jobs, verbose=_verbose(args), **params,
    )
    low, high = res.confidence_interval
    print(f"{res.statistic:.6g}  {100 * level:g}% CI [{low:.4g}, {high:.4g}]")
    _score_pixels_note(args)
    print(
        f"{PROG}: note: the {100 * level:g}% interval, from {n_resamples} pairs of half-size "
        "subsamples, shows how much the score would move with other samples of the same sizes.",
        file=sys.stderr,
    )
    return 0


def _run_demo(args):
    from .demo import run_demo
    from .._utils.validation import check_seed

    check_seed(args.seed, "--seed")
    print(
        "IMD (intrinsic multi-scale distance) compares the multi-scale geometry of two "
        "point clouds via the heat traces of their kNN graphs; 0 = identical."
    )
    rows = [(label, f"{score:.2f}", f"{seconds:.2f}") for label, score, seconds
            in run_demo(args.seed)]
    print()
    _print_table(("comparison", "IMD", "seconds"), rows)
    print()
    print(
        "How to read it: the random-halves row is the noise floor of two samples of one "
        "distribution; larger IMDs mean more different shapes."
    )
    return 0


def _warning_printer(labels):
    """A ``warnings.showwarning`` printing one line, the clouds ``labels`` call X, Y by name."""

    def show(message, category, filename, lineno, file=None, line=None):
        text = " ".join(str(message).split())
        label, sep, rest = text.partition(": ")
        if sep and label in labels:
            text = f"{labels[label]}: {rest}"
        print(f"{PROG}: warning: {text}", file=sys.stderr)

    return show
