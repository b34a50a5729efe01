"""Score generated samples against one reference with every metric: a results table.

:func:`compare` scores any number of generated samples against a reference
(its sample, or its :class:`ReferenceStats` of ``_reference``), with
subsampling or bootstrap intervals.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ._compare_checks import (
    _FEATURE_SPACE, _PRDC, _TRAIN, METRICS, _check_generated, _check_kid_params,
    _check_metrics, column_names, renamed,
)
from ._reference import _IMD_KEYS, ReferenceStats, _imd_seeds, _imd_setup
from ._reference_checks import check_feature_space
from ._utils.validation import check_choice, check_cloud, check_int, check_seed, draw_seeds
from .exceptions import MetricWarning
from .metrics._resampling import basic_interval, check_confidence, excess_bounds

# ReferenceStats and MetricWarning are importable from here, as before
__all__ = ["METRICS", "MetricWarning", "ReferenceStats", "compare"]

# Range of each metric: intervals are clipped to it.
_RANGE = {"imd": (0, math.inf), "imd_excess": (-math.inf, math.inf), "fid": (0, math.inf),
          "fid_inf": (-math.inf, math.inf), "kid": (-math.inf, math.inf),
          "cmmd": (0, math.inf), "sw": (0, math.inf), "mind": (0, math.inf),
          "precision": (0, 1), "recall": (0, 1), "density": (0, math.inf), "coverage": (0, 1),
          "ct": (-math.inf, math.inf), "authenticity": (0, 1), "vendi": (1, math.inf)}


@dataclass(frozen=True)
class _Settings:
    """What one call of :func:`compare_records` computes, checked once: the
    metrics, the kNN metrics' ``k``, the IMD parameters and times, KID's
    parameters, the workers, the interval (``None`` for none) and the
    re-splits of IMD's floor (``imd_excess``)."""

    metrics: tuple
    k: int
    params: dict
    t: np.ndarray
    kid_params: dict
    n_jobs: object
    interval: object = None
    n_resamples: int = 0
    confidence: float = 0.95
    n_permutations: int = 10
    train: object = None  # a _TrainSet with train=...


class _TrainSet:
    """What the memorisation metrics keep of the training set ``T`` (float64)
    for every sample of one call: its k-means cells and the reference's (the
    held-out test set of ``ct``) and its nearest-other distances ``(R, e)``
    (``authenticity``): computed from ``train=``, or those of reference
    statistics that hold them."""

    def __init__(self, T, cells, radii):
        self.T, self.cells, self.radii = T, cells, radii

    @classmethod
    def fitted(cls, T, X, metrics, seed):
        """The cells and radii of ``T``, computed, the cells seeded by ``seed``."""
        from .metrics._copying import _Cells, _default_cells
        from .metrics._prdc import scaled_radii

        return cls(T, _Cells(T, X, _default_cells(X.shape[0]), 64, seed)
                   if "ct" in metrics else None,
                   scaled_radii(T, 1) if "authenticity" in metrics else None)

    @classmethod
    def stored(cls, ref, X, metrics, seed, seeded):
        """The training set that the statistics ``ref`` hold, with its radii and
        cells as stored; the cells are refitted (their number kept) when the
        call is ``seeded`` with another seed than theirs, as compare(X, train=T,
        random_state=seed) would fit them, or when the statistics hold none."""
        from .metrics._copying import _Cells, _default_cells

        T = ref.train.astype(np.float64, copy=False)  # as train= is used
        cells = None
        if "ct" in metrics:
            c = ref.cells
            if c is not None and (not seeded or c["random_state"] == int(seed)):
                cells = _Cells.from_arrays(T, X, **{name: c[name] for name in c
                                                    if name != "random_state"})
            else:
                cells = _Cells(T, X, _default_cells(X.shape[0]) if c is None
                               else c["centres"].shape[0], 64, seed)
        return cls(T, cells, (ref.train_radii, ref.scale_exponent))


def _reference_signature(ref, X, params, t, s_ref, random_state, n_jobs):
    """The reference's signature: the stored one when it was made with these
    parameters (and seed), else computed from the features; ``None`` when it
    cannot be had (with the reason)."""
    from ._core.compute import compute_signatures

    stored = ref.imd_params if ref is not None else None
    if stored is not None:
        same = (all(stored.get(key) == params[key] for key in _IMD_KEYS)
                and np.array_equal(ref.imd_t, t))
        seeded = isinstance(random_state, (int, np.integer))
        if same and (not seeded or stored.get("random_state") == int(random_state)):
            return ref.imd_signature, None
        if X is None:
            if same:
                return ref.imd_signature, None  # another seed: still an IMD sample
            changed = [key for key in _IMD_KEYS if stored.get(key) != params[key]]
            return None, (
                "the reference statistics hold a signature made with other IMD parameters ("
                + (", ".join(f"{key}={stored.get(key)!r}" for key in changed) or "t")
                + ") and no features to make another"
            )
    if X is None:
        return None, "the reference statistics hold neither an IMD signature nor features"
    S, _ = compute_signatures([X], t, params, None, n_jobs, ["reference"], seeds=[s_ref])
    return S[0], None


def _imd_floor(X, Y, settings, seeds):
    """IMD's floor between the reference's features ``X`` and a sample ``Y``
    at their sizes: the IMDs of ``settings.n_permutations`` re-splits of
    their pooled points (:func:`imd_test`'s null distribution), re-split by
    a generator of the call's seed, so that samples of one size share the
    re-splits."""
    from ._utils.progress import progress_bar
    from .metrics._imd_test import _summarise, permutation_null

    notes = []
    try:
        return permutation_null(X, Y, settings.n_permutations, settings.t, settings.params,
                                np.random.default_rng(seeds[2]), seeds[1], settings.n_jobs,
                                notes, progress_bar(0, "", 0))
    finally:
        _summarise(notes, 2 * settings.n_permutations)


def _round_scores(X, stats, Ys, settings, sig_ref, seeds, bar, failures=None, nulls=None,
                  new_floors=True):
    """One row of scores per generated sample in ``Ys`` against the reference:
    its features ``X`` (or None) and its ``ReferenceStats`` (or None), with
    the :class:`_Settings` of the call.  A metric that cannot be computed for
    a sample is NaN, and ``(sample index, metric names, reason)`` is appended
    to ``failures`` when given.  ``nulls`` maps a sample's index to IMD's
    floor (the IMDs of its re-splits with the reference): missing ones are
    computed and added, unless ``new_floors`` is false (a redraw, which
    reuses the full samples' floor)."""
    from ._core.compute import compute_signatures, fingerprint
    from .metrics._fid import fid_from_moments, scaled_moments
    from .metrics._fid_infinity import fid_infinity_score
    from ._core.distance import imd_pairs
    from .metrics._copying import _authenticity
    from .metrics._cmmd import cmmd_score
    from .metrics._kid import kid_score
    from .metrics._prdc import _prdc, scaled_radii
    from .metrics._sliced import mind_score, sliced_wasserstein_distance
    from .metrics._vendi import vendi_score

    metrics, k, params, t, n_jobs = (settings.metrics, settings.k, settings.params, settings.t,
                                     settings.n_jobs)
    rows = [{} for _ in Ys]
    if "imd" in metrics:
        S, _ = compute_signatures(Ys, t, params, None, n_jobs,
                                  [f"generated[{i}]" for i in range(len(Ys))],
                                  seeds=[seeds[1]] * len(Ys))
        if sig_ref is None:
            sig_ref = compute_signatures([X], t, params, None, n_jobs, ["reference"],
                                         seeds=[seeds[0]])[0][0]
        if X is not None:  # a copy of the reference gets its probes: IMD 0, as imd_score
            own = fingerprint(X)
            S[[i for i, Y in enumerate(Ys) if fingerprint(Y) == own]] = sig_ref
        for row, value in zip(rows, imd_pairs(sig_ref[None, :], S, t)):
            row["imd"] = float(value)
    mean = cov = radii = None
    fid_cache = {}  # the reference's square root, shared by the samples
    if "fid" in metrics:
        mean, cov, e_fid = ((stats.mean, stats.covariance, stats.scale_exponent)
                            if stats is not None else scaled_moments(X))
    if any(m in metrics for m in _PRDC):
        radii, e_radii = ((stats.radii, stats.scale_exponent)
                          if stats is not None and stats.radii is not None and stats.k == k
                          else scaled_radii(X, k))
    d = X.shape[1] if X is not None else stats.n_features
    for i, (row, Y) in enumerate(zip(rows, Ys)):
        def cell(names, compute):
            # one metric that cannot be computed for one sample leaves its
            # cell empty (NaN), with the reason, and the rest of the table
            if Y.shape[1] != d and names[0] in _FEATURE_SPACE:
                # another feature space: compare_records said so
                row.update({name: math.nan for name in names})
                return
            try:
                values = compute()
            except (ValueError, FloatingPointError, ArithmeticError, np.linalg.LinAlgError) as exc:
                if failures is not None:
                    failures.append((i, names, " ".join(str(exc).split())))
                values = {name: math.nan for name in names}
            row.update(values)

        if "imd_excess" in metrics:
            def excess():
                if i not in nulls:
                    if not new_floors:
                        raise ValueError("its floor could not be had on the full samples")
                    nulls[i] = _imd_floor(X, Y, settings, seeds)
                return {"imd_excess": row["imd"] - float(nulls[i].mean())}

            cell(["imd_excess"], excess)
        if "fid" in metrics:
            cell(["fid"], lambda: {"fid": fid_from_moments(mean, cov, Y, e_fid, fid_cache)})
        if "fid_inf" in metrics:
            cell(["fid_inf"], lambda: {"fid_inf": fid_infinity_score(X, Y,
                                                                     random_state=seeds[2])})
        if "kid" in metrics:
            cell(["kid"], lambda: {"kid": kid_score(X, Y, random_state=seeds[2],
                                                    **settings.kid_params)})
        if "cmmd" in metrics:
            cell(["cmmd"], lambda: {"cmmd": cmmd_score(X, Y)})
        if "sw" in metrics:  # as the functions with random_state=seed: one set of directions
            cell(["sw"], lambda: {"sw": sliced_wasserstein_distance(X, Y,
                                                                    random_state=seeds[2])})
        if "mind" in metrics:
            cell(["mind"], lambda: {"mind": mind_score(X, Y, random_state=seeds[2])})
        if radii is not None:
            chosen = [m for m in _PRDC if m in metrics]
            def prdc_cells():
                scores = _prdc(X, Y, k, radii, e_radii).as_dict()  # once for all four
                return {m: scores[m] for m in chosen}

            cell(chosen, prdc_cells)
        if "ct" in metrics:
            if new_floors:  # no interval: C_T is a Z-score, its spread grows with n
                cell(["ct"], lambda: {"ct": settings.train.cells.test(Y).statistic})
            else:
                row["ct"] = math.nan
        if "authenticity" in metrics:
            cell(["authenticity"], lambda: {"authenticity": _authenticity(
                settings.train.T, Y, settings.train.radii)})
        if "vendi" in metrics:
            cell(["vendi"], lambda: {"vendi": vendi_score(Y)})
        bar.update()
    return rows


@dataclass
class _Run:
    """What one :func:`compare_run` computed: the samples' names, the metrics,
    one row of scores per sample, the settings, the redraws' values (per
    sample, a dict ``metric -> array``; None without an interval), IMD's
    floor of each sample (index -> null IMDs), the sizes it was scored at,
    and the feature space (its label or None) with each metric's column."""

    names: list
    metrics: list
    rows: list
    settings: _Settings
    resamples: list | None
    nulls: dict
    sizes: list
    feature_space: str | None = None
    columns: dict | None = None


def _check_sample_size(sample_size, min_points):
    """``None``, ``"min"`` or an int of at least ``min_points``."""
    if sample_size is None or (isinstance(sample_size, str) and sample_size == "min"):
        return sample_size
    if isinstance(sample_size, str):
        raise ValueError(f"sample_size must be 'min', None or an int, got {sample_size!r}.")
    return check_int(sample_size, "sample_size", min_points)


def _equal_sizes(Ys, names, sample_size, seed, file_names):
    """The samples at one size: each larger one subsampled without
    replacement (its rows kept in order) to the smallest size
    (``sample_size="min"``) or to ``sample_size``, by a generator of the
    call's ``seed``, with a warning that says so; ``None`` keeps them as
    given, with a warning when their sizes differ."""
    sizes = [Y.shape[0] for Y in Ys]
    label = [name if file_names else repr(name) for name in names]
    listed = ", ".join(f"{name}: {n}" for name, n in zip(label, sizes))
    # the CLI passes file_names: its users set --sample-size, not sample_size
    as_given, option = ("--sample-size all", "--sample-size") if file_names else (
        "sample_size=None", "sample_size")
    if sample_size is None:
        if len(set(sizes)) > 1:
            warnings.warn(
                f"The generated samples have different sizes ({listed}) and {as_given} "
                "scores them as given: IMD, FID and the kNN metrics depend on the sample "
                "size, so their rows are not comparable.", UserWarning, stacklevel=5)
        return Ys
    n = min(sizes) if sample_size == "min" else sample_size
    small = [f"{name} ({m})" for name, m in zip(label, sizes) if m < n]
    if small:
        raise ValueError(f"{option}={n}, but {', '.join(small)} "
                         f"{'has' if len(small) == 1 else 'have'} fewer points.")
    if all(m == n for m in sizes):
        return Ys
    if sample_size == "min":
        warnings.warn(
            f"The generated samples have different sizes ({listed}); each is scored on a "
            f"seeded subsample of {n} points, so that their rows compare (IMD, FID and the "
            f"kNN metrics depend on the sample size). {as_given} scores them as given.",
            UserWarning, stacklevel=5)
    rng = np.random.default_rng(seed)
    return [Y if Y.shape[0] == n else Y[np.sort(rng.choice(Y.shape[0], n, replace=False))]
            for Y in Ys]


def compare_records(reference, generated, **kwargs):
    """:func:`compare` as ``(names, metric names, rows)``: each row a dict
    ``metric -> value`` (and ``metric_low``, ``metric_high`` with an interval).
    The command line prints these (its errors name the reference
    ``reference_name`` and, with ``file_names``, each sample by its name
    alone); :func:`compare` makes them a DataFrame.  The keywords are
    :func:`compare_run`'s."""
    run = compare_run(reference, generated, **kwargs)
    return run.names, run.metrics, run.rows


def compare_run(reference, generated, *, metrics=None, k=5, interval=None, n_resamples=20,
                confidence=0.95, sample_size="min", n_permutations=10, imd_params=None,
                kid_params=None, train=None, random_state=None, n_jobs=None, verbose=0,
                reference_name="reference", file_names=False, train_name="train",
                feature_space=None):
    """:func:`compare`'s computation: a :class:`_Run` (the rows, and what
    :func:`rank_models` reads of the redraws)."""
    from ._utils.progress import check_verbose, progress_bar
    from ._utils.validation import check_n_jobs

    verbose = check_verbose(verbose)
    n_permutations = check_int(n_permutations, "n_permutations", 2)
    k = check_int(k, "k", 1)
    check_n_jobs(n_jobs)
    if interval is True or interval is False:
        interval = "subsample" if interval else None
    if interval is not None:
        check_choice(interval, "interval", ("subsample", "bootstrap"))
        n_resamples = check_int(n_resamples, "n_resamples", 2)
        check_confidence(confidence)
    params, t = _imd_setup(imd_params)
    kid_params = _check_kid_params(kid_params)
    names, samples = _check_generated(generated)
    halves = 2 if interval == "subsample" else 1
    sample_size = _check_sample_size(sample_size, halves * (max(k, params["k"]) + 1))

    feature_space = check_feature_space(feature_space,
                                        "--feature-space" if file_names else "feature_space")
    if isinstance(reference, ReferenceStats):
        reference.finalize()  # a stream (ReferenceStats.streaming): its radii and signature
        ref, X = reference, reference.features
        feature_space = _stored_space(ref, feature_space, reference_name, file_names)
    else:
        ref, X = None, reference
    # each sample needs more points than the kNN metrics' and the graph's k,
    # twice that for half-size subsamples
    kk = max(k, params["k"])
    min_points = halves * (kk + 1)
    purpose = (f"an interval from half-size subsamples (k = {kk})" if halves == 2
               else f"a graph of k = {kk} neighbours")
    from ._dask import any_dask

    dask_input = any_dask(X, *samples)  # computed on the cluster (sklearn_imd._dask)
    if dask_input:
        from ._dask import check_cloud as check  # dask arrays, checked lazily
    else:
        check = check_cloud
    if X is not None:
        X = check(X, min_points=min_points, name=reference_name, purpose=purpose)
    Ys = [check(Y, min_points=min_points, purpose=purpose,
                      name=name if file_names or name.startswith("Y") else f"generated[{name!r}]")
          for name, Y in zip(names, samples)]
    d = ref.n_features if ref is not None else X.shape[1]
    # the metrics that compare points in one feature space need the reference's
    # dimension: a sample of another gets empty cells there, the others theirs
    other = [f"{name if file_names else repr(name)} ({Y.shape[1]})"
             for name, Y in zip(names, Ys) if Y.shape[1] != d]
    any_same = len(other) < len(Ys)
    held = ref is not None and ref.train is not None  # statistics of the training set
    asked, metrics = metrics, tuple(_check_metrics(metrics, ref, any_same,
                                                   train is not None or held))
    if dask_input:
        from ._dask_compare import compare_metrics

        metrics = compare_metrics(metrics, asked, interval, train)
    if train is not None:
        train = check_cloud(train, min_points=2, name=train_name,
                            purpose="a nearest other training point").astype(np.float64,
                                                                            copy=False)
        if train.shape[1] != d:
            raise ValueError(
                f"{train_name} has {train.shape[1]} features and the reference {d}: the "
                "training set, the reference and the samples share one feature space.")
    if other and any(m in metrics for m in _FEATURE_SPACE):
        warnings.warn(
            f"{', '.join(other)}: another number of features than the reference's {d}, so "
            f"{'its' if len(other) == 1 else 'their'} "
            f"{', '.join(m for m in metrics if m in _FEATURE_SPACE)}, which compare points "
            "in one feature space, are left empty (NaN).", UserWarning, stacklevel=4)
    elif other and asked is None:  # none has the dimension: those metrics are dropped
        warnings.warn(
            f"{', '.join(other)}: another number of features than the reference's {d}, so "
            "FID, KID, precision, recall, density and coverage, which compare points in one "
            "feature space, are left out; the table has IMD and Vendi only.",
            UserWarning, stacklevel=4)
    if interval is not None and X is None:
        raise ValueError(
            "An interval resamples the reference, and the reference statistics hold no "
            "features; save them without --no-features, or pass the reference sample."
        )

    rng = check_seed(random_state)
    seeded = isinstance(random_state, (int, np.integer))
    if not seeded:
        random_state = draw_seeds(rng)  # one draw, then reproducible
    s_ref, s_gen = _imd_seeds(random_state)
    seeds = (s_ref, s_gen, random_state)
    Ys = _equal_sizes(Ys, names, sample_size, random_state, file_names)
    if any(m in metrics for m in _TRAIN):
        # an explicit train= wins over the one the statistics hold
        train = (_TrainSet.fitted(train, X, metrics, random_state) if train is not None
                 else _TrainSet.stored(ref, X, metrics, random_state, seeded))
    else:
        train = None
    settings = _Settings(metrics, k, params, t, kid_params, n_jobs, interval, n_resamples,
                         confidence, n_permutations, train)
    sig_ref = None
    if "imd" in metrics and dask_input:
        # the stored signature where it fits, else one computed on the cluster
        sig_ref, reason = (_reference_signature(ref, None, params, t, s_ref, random_state,
                                                None) if ref is not None else (None, None))
        if sig_ref is None and X is not None:
            from ._dask import cloud_signature

            sig_ref, reason = cloud_signature(X, t, params, s_ref), None
        if reason is not None:
            raise ValueError(f"Metric 'imd' cannot be computed: {reason}.")
    elif "imd" in metrics:
        sig_ref, reason = _reference_signature(ref, X, params, t, s_ref, random_state, n_jobs)
        if reason is not None:
            raise ValueError(f"Metric 'imd' cannot be computed: {reason}.")

    bar = progress_bar(len(Ys) * (1 + (n_resamples if interval else 0)), "compare", verbose)
    try:
        def sample(i):
            return names[i] if file_names else f"generated[{names[i]!r}]"

        failures, nulls, resamples = [], {}, None
        if dask_input:
            from ._dask_compare import round_scores

            rows = round_scores(X, ref, Ys, settings, sig_ref, seeds, bar)
        else:
            rows = _round_scores(X, ref, Ys, settings, sig_ref, seeds, bar, failures, nulls)
        for i, failed, reason in failures:
            warnings.warn(
                f"{sample(i)}: {', '.join(failed)} could not be computed, so "
                f"{'its cell is' if len(failed) == 1 else 'their cells are'} empty (NaN): "
                f"{reason}", MetricWarning, stacklevel=4)
        if interval is not None:
            failures = []
            resamples = _add_intervals(rows, X, Ys, settings, bar, np.random.RandomState(s_gen),
                                       failures, nulls)
            first = {}  # (sample, metrics) -> the first redraw's reason
            for i, failed, reason in failures:
                failed = tuple(m for m in failed if math.isfinite(rows[i][m]))
                if failed:
                    first.setdefault((i, failed), reason)
            for (i, failed), reason in first.items():
                warnings.warn(
                    f"{sample(i)}: no interval for {', '.join(failed)} (NaN bounds): "
                    f"{'it' if len(failed) == 1 else 'they'} could not be computed on a "
                    f"resample: {reason}", MetricWarning, stacklevel=4)
    finally:
        bar.close()
    return _Run(names, list(metrics), rows, settings, resamples, nulls,
                [Y.shape[0] for Y in Ys], feature_space, column_names(metrics, feature_space))


def _stored_space(ref, feature_space, reference_name, file_names):
    """The feature space of a call on the statistics ``ref``: the one given,
    which must be theirs when they know theirs, else theirs (None if unknown)."""
    stored = ref.feature_space
    if feature_space is None or stored is None:
        return stored if feature_space is None else feature_space
    if stored != feature_space:
        given, where = ((f"--feature-space {feature_space}", f"{reference_name} holds statistics")
                        if file_names else (f"feature_space={feature_space!r}",
                                            "The reference statistics are"))
        raise ValueError(
            f"{where} of {stored!r} features, and {given} names the samples' features: "
            "statistics of one feature space do not compare with samples of another. Give "
            f"the samples' feature space, or statistics of {feature_space!r} features.")
    return feature_space


def _add_intervals(rows, X, Ys, settings, bar, rng, failures, nulls):
    """Add ``metric_low``, ``metric_high`` to each row: basic intervals from
    half-size subsamples without replacement or from bootstrap samples
    (``imd_excess``'s widened by its floor's error, :func:`excess_bounds`).
    A metric that fails on a resample gets NaN bounds, and the failure goes
    to ``failures`` as in :func:`_round_scores`.  Returns the redraws'
    values: per sample, a dict ``metric -> array of shape (n_resamples,)``."""
    metrics, interval = settings.metrics, settings.interval

    def draw(A):
        n = A.shape[0]
        if interval == "subsample":
            return A[rng.choice(n, n // 2, replace=False)]
        return A[rng.choice(n, n, replace=True)]

    values = [{m: [] for m in metrics} for _ in rows]
    for _ in range(settings.n_resamples):
        seeds = tuple(draw_seeds(rng, 3))
        sub = _round_scores(draw(X), None, [draw(Y) for Y in Ys], settings, None, seeds, bar,
                            failures, nulls, new_floors=False)
        for acc, row in zip(values, sub):
            for m in metrics:
                acc[m].append(row[m])
    for i, (row, acc) in enumerate(zip(rows, values)):
        for m in metrics:
            v = acc[m] = np.asarray(acc[m])
            if not (np.isfinite(v).all() and math.isfinite(row[m])):
                # the metric failed on the sample or on a redraw: no interval
                row[f"{m}_low"] = row[f"{m}_high"] = math.nan
            elif m == "imd_excess":
                row[f"{m}_low"], row[f"{m}_high"] = excess_bounds(row[m], v, nulls[i],
                                                                  settings.confidence)
            else:
                row[f"{m}_low"], row[f"{m}_high"] = basic_interval(
                    row[m], v, settings.confidence, _RANGE[m])
        ordered = {c: row[c] for m in metrics for c in (m, f"{m}_low", f"{m}_high")}
        row.clear()
        row.update(ordered)
    return values


def compare(reference, generated, *, metrics=None, k=5, interval=None, n_resamples=20,
            confidence=0.95, sample_size="min", n_permutations=10, imd_params=None,
            kid_params=None, train=None, random_state=None, n_jobs=None, verbose=0,
            feature_space=None):
    """Score generated samples against one reference with every metric: a results table.

    One row per generated sample, one column per metric: IMD and IMD beyond
    its floor at these sample sizes (``imd_excess``), FID, KID, precision,
    recall, density and coverage against the reference, and the Vendi score
    (diversity) of the sample itself; with ``interval``, two more columns
    per metric bound it.  The way to build the results table of a paper or a
    model selection; :func:`rank_models` says which differences between the
    rows are significant.

    Every generated sample is scored at one size: IMD, FID and the kNN
    metrics depend on the sample size (FID's bias grows like
    ``n_features / n``; IMD's floor is highest between samples of different
    sizes), so rows scored on samples of different sizes do not compare.
    By default a larger sample is subsampled (seeded, without replacement)
    to the smallest one's size, with a warning that says so.

    Parameters
    ----------
    reference : array-like of shape (n_samples, n_features) or ReferenceStats
        The real sample, or its statistics (:meth:`ReferenceStats.load` of a
        file written by ``sklearn-imd stats``).
    generated : dict of str to array-like, list of array-like or array-like
        The generated samples, each of shape (n_i, n_features); a dict names
        the rows, else they are ``Y[0]``, ``Y[1]``, ...  Where the reference
        or a sample is a ``dask.array``, the metrics run on the current Dask
        scheduler ("Evaluating at scale" in the user guide): ``imd`` (exact
        graph), ``fid``, ``kid`` and the kNN metrics, by default those of
        them that apply; no interval and no ``train``.
    metrics : list of str or str, default=None
        Some of ``"imd", "imd_excess", "fid", "fid_inf", "kid", "cmmd",
        "sw", "mind", "precision", "recall", "density", "coverage", "ct",
        "authenticity", "vendi"`` (a list or a
        comma-separated string); ``None`` is every metric that applies but
        ``fid_inf``, ``cmmd``, ``sw`` and ``mind`` (no KID, kNN metrics or
        ``imd_excess`` from statistics
        saved without features).  ``fid_inf`` is :func:`fid_infinity_score`
        (FID extrapolated to infinitely many generated samples; it costs 15
        FIDs a sample), seeded by ``random_state``.  ``cmmd`` is
        :func:`cmmd_score` (its bandwidth is meant for unit-norm CLIP
        embeddings; it sums the full kernel matrices), ``sw``
        :func:`sliced_wasserstein_distance` (``p=2``, 1,000 directions)
        and ``mind`` :func:`mind_score`, both seeded by ``random_state``.
        ``imd_excess`` is the IMD less the mean IMD of ``n_permutations``
        random re-splits of the pooled reference and sample at their sizes
        (:func:`imd_test`'s null mean): 0 on average for a sample of the
        reference's distribution at any size, where the raw IMD is not; it
        brings the ``imd`` column with it.  ``ct`` and ``authenticity``
        need a training set (``train``, or statistics that hold one).  A
        sample of another dimension than the reference has empty cells (NaN)
        for FID, KID and the kNN metrics, with a warning; where no sample
        has the reference's dimension, those columns are left out.
    k : int, default=5
        Neighbour of the kNN radii of precision, recall, density and
        coverage (:func:`prdc_score`).
    interval : {None, "subsample", "bootstrap"}, default=None
        How each metric's interval is made, from ``n_resamples`` redraws of
        both samples: ``"subsample"`` (``True`` too) draws half of each
        without replacement, whose spread about the full-sample value is that
        of the full-size estimate (the delete-d jackknife with ``d = n/2``:
        Shao & Wu 1989), as :func:`imd_test` does;
        ``"bootstrap"`` draws full-size samples with replacement, whose
        repeated points bias the kNN metrics and IMD (a point repeated more
        than ``k`` times has a radius of 0), so prefer it for FID and KID
        only.  Both are basic intervals centred on the full-sample value,
        clipped to the metric's range.
    n_resamples : int, default=20
        Redraws of the interval, >= 2; each costs about half (subsample) or
        all (bootstrap) of the main computation.  ``imd_excess``'s interval
        is IMD's redraws less the floor, widened by the floor's standard
        error (:attr:`IMDTestResult.excess_interval`).
    confidence : float, default=0.95
        Level of the intervals.
    sample_size : "min", int or None, default="min"
        The size every generated sample is scored at: ``"min"`` subsamples
        each larger sample to the smallest one's size (with a warning when
        it does), an int subsamples every sample to that size (an error for
        a smaller one), ``None`` scores them as given (with a warning when
        their sizes differ).  The subsamples are drawn without replacement
        by a generator of ``random_state``.
    n_permutations : int, default=10
        Re-splits of the pooled reference and sample that estimate IMD's
        floor for ``imd_excess`` (each costs two signatures at the full
        sizes; the floor's standard error, about the null IMDs' spread over
        ``sqrt(n_permutations)``, enters the interval).
    imd_params : dict, default=None
        IMD parameters as :func:`imd_score` takes them (``k``, ``m``, ``nv``,
        ``t``, ``method``, ``normalization``, ``knn``).
    kid_params : dict, default=None
        Parameters of :func:`kid_score` (``n_subsets``, ``subset_size``,
        ``degree``, ``gamma``, ``coef0``).
    train : array-like of shape (n_train, n_features), default=None
        The samples the models were trained on; the reference must then be
        held out from them.  Adds ``ct``, the ``statistic`` of
        :func:`data_copying_test` with the reference as its test set (about
        0 for a model that generalises, strongly negative for one that
        copies; no interval: it is a Z-score, whose spread grows with the
        sample size), and ``authenticity``, :func:`authenticity_score`
        (0 for copies; for fresh samples a value that grows with the dimension, 0.4
        to 0.9: compare it with held-out data's).  The k-means cells are
        seeded by ``random_state`` and shared by the samples.  ``None``
        uses the training set that ``reference`` statistics hold
        (:meth:`ReferenceStats.from_samples` with ``train``, ``sklearn-imd
        stats --train``): its stored radii, and its stored cells unless
        ``random_state`` is an int other than theirs (then they are refitted,
        as ``train=`` would fit them); a ``train`` given wins over the stored
        one.
    random_state : int, RandomState instance or None, default=None
        With an int, each row's IMD and KID equal ``imd_score(reference, Y,
        random_state=random_state)`` and ``kid_score(...,
        random_state=random_state)``.
    n_jobs : int, default=None
        Signatures computed in parallel, as in :func:`pairwise_imd`.
    verbose : int, default=0
        With a positive value, a progress bar on stderr.
    feature_space : str, default=None
        The name of the features' space, e.g. ``"inception"``, ``"dinov2"``,
        ``"clip"`` (letters, digits, ``-`` and ``_``; lower-cased).  It
        changes no number, only the columns' names, as dgm-eval reports
        FID on DINOv2 features as FD-DINOv2: ``None`` and ``"inception"``
        keep the metrics' names; any other appends ``_<feature_space>`` to
        each, and FID, FD-infinity and KID, defined on Inception's
        features, become FD and KD (``fid -> fd_dinov2``, ``fid_inf ->
        fd_inf_dinov2``, ``kid -> kd_dinov2``, ``imd -> imd_dinov2``,
        ``precision -> precision_dinov2``, ...).  ``metrics`` still takes
        the metrics' names.  With ``reference`` statistics that know their
        feature space (:meth:`ReferenceStats.from_samples` with
        ``feature_space``), ``None`` is theirs, and another one is an
        error.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by the generated samples' names; columns are the metrics (and
        ``<metric>_low``, ``<metric>_high`` after each with an interval),
        named by ``feature_space``.

    Raises
    ------
    ImportError
        If pandas is not installed (``sklearn-imd compare`` prints the same
        table without it).

    See Also
    --------
    ReferenceStats : The reference's statistics, computed once.
    imd_score, fid_score, kid_score, prdc_score, vendi_score : The metrics.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import compare
    >>> rng = np.random.default_rng(0)
    >>> centres = 4 * rng.normal(size=(8, 8))        # a mixture of 8 modes
    >>> def sample(n, n_modes):                        # from the first n_modes
    ...     return centres[rng.integers(n_modes, size=n)] + rng.normal(size=(n, 8))
    >>> real = sample(600, 8)
    >>> models = {"good": sample(600, 8), "collapsed": sample(600, 2)}
    >>> table = compare(real, models, metrics="imd,fid,recall,coverage", random_state=0)
    >>> list(table.columns)
    ['imd', 'fid', 'recall', 'coverage']
    >>> worse = table.loc["collapsed"] - table.loc["good"]
    >>> bool(worse["imd"] > 0 and worse["fid"] > 0)
    True
    >>> bool(worse["recall"] < 0 and worse["coverage"] < 0)
    True

    The same on DINOv2 features, named as such:

    >>> table = compare(real, models, metrics="fid,kid,sw", random_state=0,
    ...                 feature_space="dinov2")
    >>> list(table.columns)
    ['fd_dinov2', 'kd_dinov2', 'sw_dinov2']
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "compare returns a pandas DataFrame: pip install pandas (or use the command "
            "line, `sklearn-imd compare REF GEN... --json`, which needs no pandas)."
        ) from None
    run = compare_run(
        reference, generated, metrics=metrics, k=k, interval=interval,
        n_resamples=n_resamples, confidence=confidence, sample_size=sample_size,
        n_permutations=n_permutations, imd_params=imd_params, kid_params=kid_params,
        train=train, random_state=random_state, n_jobs=n_jobs, verbose=verbose,
        feature_space=feature_space)
    names = run.columns
    columns = [names[m] + suffix for m in run.metrics
               for suffix in (("", "_low", "_high") if interval else ("",))]
    return pd.DataFrame([renamed(row, names) for row in run.rows],
                        index=pd.Index(run.names, name="generated"), columns=columns)
