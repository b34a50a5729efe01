"""The checks of :func:`compare`'s input: the metrics it may compute (in the
table's order), KID's parameters and the generated samples, checked before any
work so that a wrong one is an error, not an empty column."""

# Every metric, in the order of the table's columns.
METRICS = ("imd", "imd_excess", "fid", "fid_inf", "kid", "cmmd", "sw", "mind", "precision",
           "recall", "density", "coverage", "ct", "authenticity", "vendi")
# The memorisation metrics, which need the training set (compare's train).
_TRAIN = ("ct", "authenticity")
# Computed only when asked for: fid_inf costs n_points FIDs a sample, cmmd
# sums the full n x n kernel matrices (and its bandwidth is CLIP's), sw and
# mind project on 1,000 random directions.
_OPT_IN = ("fid_inf", "cmmd", "sw", "mind")
_PRDC = ("precision", "recall", "density", "coverage")
# The metrics that read the reference's features (not only its summaries);
# imd_excess pools them with each sample's.
_NEED_FEATURES = ("imd_excess", "fid_inf", "kid", "cmmd", "sw", "mind", "ct") + _PRDC
# The metrics that compare points in one feature space (the reference's)
_FEATURE_SPACE = ("imd_excess", "fid", "fid_inf", "kid", "cmmd", "sw", "mind") + _PRDC + _TRAIN
# The feature spaces whose columns keep the metrics' names: Inception's, in
# which FID and KID are defined (and None: unnamed).
_DEFAULT_SPACES = (None, "inception")
# The Frechet and kernel distances computed in another space than
# Inception's are FD and KD (dgm-eval's names: Stein et al., NeurIPS 2023).
_OUTSIDE_INCEPTION = {"fid": "fd", "fid_inf": "fd_inf", "kid": "kd"}


def column_names(metrics, feature_space):
    """``metric -> column`` of the table: the metrics' names for Inception's
    features and unnamed ones; otherwise each metric suffixed with the
    feature space, FID and KID as FD and KD (``fid -> fd_dinov2``,
    ``kid -> kd_dinov2``, ``precision -> precision_dinov2``)."""
    if feature_space in _DEFAULT_SPACES:
        return {m: m for m in metrics}
    return {m: f"{_OUTSIDE_INCEPTION.get(m, m)}_{feature_space}" for m in metrics}


def renamed(row, names):
    """A row of scores keyed by its columns: ``names`` maps each metric to its
    column, and ``metric_low``, ``metric_high`` follow."""
    out = {}
    for key, value in row.items():
        for suffix in ("", "_low", "_high"):
            metric = key[: len(key) - len(suffix)] if suffix else key
            if key.endswith(suffix) and metric in names:
                out[names[metric] + suffix] = value
                break
        else:
            out[key] = value
    return out


def _check_kid_params(kid_params):
    """KID's parameters checked before any work (as :func:`kid_score` checks
    them), so that a wrong one is an error, not an empty column."""
    from .metrics._kid import _check_kid_params as check

    kid_params = dict(kid_params or {})
    if "random_state" in kid_params:
        raise TypeError("kid_params must not hold random_state: compare seeds KID itself.")
    known = check()
    unknown = set(kid_params) - set(known)
    if unknown:
        raise TypeError(f"kid_params got unexpected parameters {sorted(unknown)}; expected some "
                        f"of {', '.join(known)}.")
    checked = check(**kid_params)
    return {name: checked[name] for name in kid_params}


def _check_metrics(metrics, ref, any_same, has_train=False):
    """The metrics to compute, in table order; ``None``: all that apply."""
    available = {name: None for name in METRICS}
    if not has_train:
        for name in _TRAIN:
            available[name] = ("it needs the training set (train=..., --train TRAIN, or "
                               "statistics saved with it)")
    if ref is not None and ref.features is None:
        for name in _NEED_FEATURES:
            available[name] = "the reference statistics hold no features"
    if ref is not None and ref.imd_signature is None and ref.features is None:
        available["imd"] = "the reference statistics hold no IMD signature"
    if not any_same:
        for name in _FEATURE_SPACE:
            available[name] = "no sample has the reference's number of features"
    if metrics is None:
        return [name for name in METRICS if available[name] is None and name not in _OPT_IN]
    if isinstance(metrics, str):
        metrics = [m.strip() for m in metrics.split(",") if m.strip()]
    metrics = list(metrics)
    if not metrics:
        raise ValueError("metrics is empty; choose some of " + ", ".join(METRICS) + ".")
    for name in metrics:
        if name not in available:
            raise ValueError(f"Unknown metric {name!r}; choose from {', '.join(METRICS)}.")
        if available[name] is not None:
            raise ValueError(f"Metric {name!r} cannot be computed: {available[name]}.")
    if "imd_excess" in metrics:
        metrics.append("imd")  # the excess is IMD less its floor: both are shown
    return [name for name in METRICS if name in metrics]


def _check_generated(generated):
    """``(names, samples)`` of a dict, a list or tuple of samples, or one sample."""
    if isinstance(generated, dict):
        if not generated:
            raise ValueError("generated is an empty dict; it needs at least one sample.")
        return [str(name) for name in generated], list(generated.values())
    if isinstance(generated, (list, tuple)):
        if not generated:
            raise ValueError("generated is empty; it needs at least one sample.")
        return [f"Y[{i}]" for i in range(len(generated))], list(generated)
    if generated is None or isinstance(generated, (str, bytes, set)):
        raise TypeError(
            "generated must be a dict {name: array}, a list of arrays or one 2-D array; got "
            f"{type(generated).__name__}."
        )
    return ["Y"], [generated]
