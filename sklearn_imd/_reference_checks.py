"""The checks of a statistics file that :meth:`ReferenceStats.load` reads:
each field must be what :meth:`ReferenceStats.from_samples` would have
written (a covariance, the stored features' moments and radii, a heat-trace
signature, valid IMD parameters, the training set's radii and cells);
``fail(field, problem)`` raises the error that names the file and the field."""

import re

import numpy as np

from ._utils.validation import IMD_DEFAULTS, binary_exponent, draw_seeds

# The IMD parameters a stored signature records (with its random_state).
_IMD_KEYS = tuple(IMD_DEFAULTS)

# Tolerances of the checks of ReferenceStats: a covariance is symmetric and
# positive semi-definite to a relative 1e-6 of its largest variance (float32
# features accumulate rounding of about 1e-7 times it; a matrix that is not a
# covariance is off by far more), and its diagonal and the mean agree with
# the stored features to the same relative 1e-6.
_STATS_RTOL = 1e-6
# Radii checked against the features, recomputed directly (a stale file's
# radii are wrong almost everywhere).
_RADII_CHECKED = 8


# A feature-space label: a short name of letters, digits, "-" and "_"
# (lower-cased: "DINOv2" is "dinov2"), as it becomes part of column names.
_FEATURE_SPACE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def check_feature_space(label, name="feature_space"):
    """``None``, or a feature-space label lower-cased (``"inception"``,
    ``"dinov2"``, ``"clip"``); a ValueError naming ``name`` otherwise."""
    if label is None:
        return None
    if not isinstance(label, str):
        raise TypeError(f"{name} must be a string such as 'inception', 'dinov2' or 'clip', or "
                        f"None; got {label!r} ({type(label).__name__}).")
    text = label.strip().lower()
    if not _FEATURE_SPACE_PATTERN.fullmatch(text):
        raise ValueError(f"{name} must be a name of 1 to 64 letters, digits, '-' and '_' "
                         f"(it names the columns, e.g. 'dinov2'); got {label!r}.")
    return text


def _lossless(A, e):
    """Whether ``A * 2**e`` holds ``A`` exactly: no overflow, no digit lost to underflow."""
    with np.errstate(over="ignore", under="ignore"):
        return bool(np.array_equal(np.ldexp(np.ldexp(A, e), -e), A))


def _check_covariance(C, fail):
    """Refuse a matrix that is not symmetric positive semi-definite (to a tolerance)."""
    top = float(np.abs(np.diag(C)).max()) if C.size else 0.0
    if (np.diag(C) < 0).any():
        fail("sigma (covariance)", "has negative variances on its diagonal")
    if np.abs(C - C.T).max() > _STATS_RTOL * top:
        fail("sigma (covariance)", "is not symmetric")
    if top == 0:
        return
    try:  # positive semi-definite: C + tol I has a Cholesky factor (cheaper than eigvalsh)
        np.linalg.cholesky(C + (_STATS_RTOL * top) * np.eye(C.shape[0]))
    except np.linalg.LinAlgError:
        fail("sigma (covariance)", "has negative eigenvalues: it is not a covariance matrix")


def _scaled_blocks(features, shift, rows=1 << 14):
    """The features divided by ``2**shift`` (exact), in float64, a block of rows
    at a time: the checks never copy all of them."""
    for start in range(0, features.shape[0], rows):
        yield np.ldexp(features[start : start + rows].astype(np.float64), -shift)


def _check_moments(features, mean, covariance, e, fail):
    """Refuse moments (of the features divided by ``2**e``) that are not those of
    the stored features (mean, variances), compared in the features' units
    divided by a power of two (``|x| < 1``)."""
    n = features.shape[0]
    shift = binary_exponent(features)
    mu = sum(B.sum(axis=0) for B in _scaled_blocks(features, shift)) / n
    if np.abs(np.ldexp(mean, e - shift) - mu).max() > _STATS_RTOL:
        fail("mu (mean)", "is not the mean of the stored features (statistics and features "
             "from different samples?)")
    var = sum(((B - mu) ** 2).sum(axis=0) for B in _scaled_blocks(features, shift)) / (n - 1)
    if np.abs(np.ldexp(np.diag(covariance), 2 * (e - shift)) - var).max() > _STATS_RTOL:
        fail("sigma (covariance)", "does not hold the variances of the stored features "
             "(statistics and features from different samples?)")


def _check_radii(features, k, radii, e, fail, field="prdc_radii (radii)"):
    """Refuse radii that are not the stored features' (a few rows recomputed
    directly, in float64); ``field`` names them in the error."""
    n = features.shape[0]
    rows = np.sort(np.random.default_rng(0).choice(n, min(n, _RADII_CHECKED), replace=False))
    shift = binary_exponent(features)
    Q = np.ldexp(features[rows].astype(np.float64), -shift)
    d2 = np.concatenate([np.einsum("rij,rij->ri", B[None] - Q[:, None], B[None] - Q[:, None])
                         for B in _scaled_blocks(features, shift, 1 << 8)], axis=1)
    d2[np.arange(rows.size), rows] = np.inf  # itself
    expected = np.partition(d2, k - 1, axis=1)[:, k - 1]
    got = np.ldexp(radii[rows], 2 * (e - shift))
    tiny = np.finfo(float).tiny
    bad = np.abs(got - expected) > _STATS_RTOL * np.maximum(expected, tiny)
    # and in the stored units, where a radius scaled to the features' range
    # can underflow to the 0 of identical rows
    want = np.ldexp(expected, 2 * (shift - e))
    bad |= np.abs(radii[rows] - want) > _STATS_RTOL * np.maximum(want, tiny)
    if bad.any():
        i = int(rows[np.argmax(bad)])
        what = "features" if field.startswith("prdc") else "training set"
        fail(field, f"are not the {k}-NN radii of the stored {what} "
             f"(row {i}: {radii[i]:.6g}, where its features give "
             f"{float(np.ldexp(expected[np.argmax(bad)], 2 * (shift - e))):.6g})")


def _check_signature_range(signature, t, params, n_samples, fail):
    """Refuse a signature outside the range of any heat trace: ``Tr exp(-tL) / n``
    lies in ``[exp(-2t), 1]`` (the spectrum of L in [0, 2]), times 1e6 (and n for
    ``normalization="none"``); 5% of slack for the estimator's noise (a few
    thousandths).  The other normalizations divide by a null model: only
    non-negative there."""
    if (signature < 0).any():
        fail("imd_signature", "holds negative values; a heat trace is positive")
    scale = {"empty": 1.0, "none": float(n_samples)}.get(params["normalization"])
    if scale is None or (params["normalization"] == "none" and n_samples == 0):
        return
    low, high = 0.95e6 * scale * np.exp(-2.0 * t), 1.05e6 * scale
    if ((signature < low) | (signature > high)).any():
        fail("imd_signature", f"is not a heat-trace signature of normalization="
             f"{params['normalization']!r}: its values must lie between 1e6 exp(-2t) and "
             "1e6 (times n_samples for 'none'): the spectrum of a normalized Laplacian "
             "is in [0, 2]")


def _checked_imd_params(imd_params, fail):
    """The IMD parameters of a stored signature, checked: a mapping of the keys
    ``_IMD_KEYS`` (valid values) and ``random_state`` (an int or None)."""
    from ._utils.validation import check_imd_params

    if not isinstance(imd_params, dict):
        fail("imd_params", f"must be a mapping of IMD parameters; got "
             f"{type(imd_params).__name__}")
    missing = [key for key in _IMD_KEYS if key not in imd_params]
    if missing:
        fail("imd_params", f"lacks {', '.join(missing)}")
    try:
        params = check_imd_params(**{key: imd_params[key] for key in _IMD_KEYS})
    except (TypeError, ValueError) as exc:
        fail("imd_params", f"holds an invalid value ({exc})")
    seed = _checked_seed(imd_params.get("random_state"), "imd_params", fail)
    return {**params, "random_state": seed}


# The arrays of the data-copying test's cells (ReferenceStats.cells, as
# _Cells.from_arrays takes them) and the keys of a statistics file that hold them.
_CELL_KEYS = {"centres": "ct_centres", "train_labels": "ct_train_labels",
              "test_labels": "ct_test_labels", "pca_mean": "ct_pca_mean",
              "pca_components": "ct_pca_components"}
# Rows of the training set and of the test set whose stored cells are checked
# against their nearest centre (a stale file's cells are wrong almost everywhere).
_CELLS_CHECKED = 64
# A stored cell may be a centre whose squared distance exceeds the nearest's by
# 1e-9 of the point's squared norm and that distance: a tie, which the
# rounding of another projection (BLAS blocks) may break the other way (1e-15
# of those); another centre is farther by far more.
_CELL_TIE_RTOL = 1e-9


def _checked_seed(seed, field, fail):
    """An integer seed in [0, 2**32) or None (as a JSON file holds it)."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)
                             or not 0 <= seed < 2**32):
        fail(field, f"random_state must be an integer seed or null; got {seed!r}")
    return seed


def _checked_cells(cells, train, features, array, fail):
    """The data-copying test's cells of ``train`` and of the test set
    ``features`` (the reference), checked: a mapping of the arrays of
    ``_CELL_KEYS`` (the projection's mean and components both or neither)
    and ``random_state``; the projection that of the training set (its
    mean, orthonormal components), labels in range, every cell holding a
    training and a test point, and a sample of rows in the cell of their
    nearest centre.  ``array(value, field, ndim)`` checks an array of reals."""
    from .metrics._copying import _centre_d2

    def name(key):
        return f"{_CELL_KEYS[key]} (cells[{key!r}])"

    if not isinstance(cells, dict):
        fail("cells", f"must be a mapping of the arrays {', '.join(_CELL_KEYS)}; got "
             f"{type(cells).__name__}")
    unknown = set(cells) - set(_CELL_KEYS) - {"random_state"}
    if unknown:
        fail("cells", f"has unknown entries {sorted(unknown)}")
    for key in ("centres", "train_labels", "test_labels"):
        if cells.get(key) is None:
            fail(name(key), "is missing: the cells come with their centres and the training "
                 "and test sets' labels")
    n, d = train.shape
    mean, components = cells.get("pca_mean"), cells.get("pca_components")
    if (mean is None) != (components is None):
        fail(name("pca_mean" if mean is None else "pca_components"),
             "is missing: a projection comes with its mean and components")
    width = d
    if components is not None:
        components = array(components, name("pca_components"), 2)
        if not 1 <= components.shape[0] <= min(n, d) or components.shape[1] != d:
            fail(name("pca_components"), f"must be a matrix of 1 to {min(n, d)} rows of {d} "
                 f"features (the training set's principal axes); got shape "
                 f"{components.shape}")
        gram = components @ components.T
        if np.abs(gram - np.eye(gram.shape[0])).max() > _STATS_RTOL:
            fail(name("pca_components"), "are not orthonormal: not principal axes")
        mean = array(mean, name("pca_mean"), 1)
        if mean.shape != (d,):
            fail(name("pca_mean"), f"must hold {d} values, one per feature; got {mean.size}")
        shift = binary_exponent(train)
        mu = sum(B.sum(axis=0) for B in _scaled_blocks(train, shift)) / n
        if np.abs(np.ldexp(mean, -shift) - mu).max() > _STATS_RTOL:
            fail(name("pca_mean"), "is not the mean of the stored training set")
        width = components.shape[0]
    centres = array(cells["centres"], name("centres"), 2)
    if not 1 <= centres.shape[0] <= n or centres.shape[1] != width:
        space = "principal components" if components is not None else "features"
        fail(name("centres"), f"must be a matrix of 1 to {n} centres (at most one per "
             f"training point) of {width} coordinates ({space}); got shape {centres.shape}")
    n_cells = centres.shape[0]
    if np.unique(centres, axis=0).shape[0] < n_cells:
        # a duplicate's cell would be empty: the nearest-centre rule gives ties
        # to the first
        fail(name("centres"), "are not distinct: k-means gives each cell its own centre")
    checked = {}
    for key, points, what in (("train_labels", train, "training"),
                              ("test_labels", features, "test")):
        labels = np.asarray(cells[key])
        if labels.dtype.kind not in "iu" or labels.shape != (points.shape[0],):
            fail(name(key), f"must hold one integer cell per {what} point "
                 f"({points.shape[0]}); got an array of shape {labels.shape} and dtype "
                 f"{labels.dtype}")
        if labels.size and (labels.min() < 0 or labels.max() >= n_cells):
            fail(name(key), f"must be cells from 0 to {n_cells - 1}; got values from "
                 f"{labels.min()} to {labels.max()}")
        labels = labels.astype(np.int64)
        empty = np.flatnonzero(np.bincount(labels, minlength=n_cells) == 0)
        if empty.size:
            fail(name(key), f"leave cell {empty[0]} without a {what} point ({empty.size} of "
                 f"the {n_cells} cells); C_T needs every cell to hold both")
        rows = np.sort(np.random.default_rng(0).choice(
            points.shape[0], min(points.shape[0], _CELLS_CHECKED), replace=False))
        A = points[rows].astype(np.float64)
        if components is not None:
            A = (A - mean) @ components.T
        d2 = _centre_d2(A, centres)
        if not np.isfinite(d2).all():
            fail(name(key), f"cannot be checked: the distances of the stored {what} points "
                 "to the centres overflow")
        best = d2.min(axis=1)
        got = d2[np.arange(rows.size), labels[rows]]
        bad = got > best + _CELL_TIE_RTOL * (best + np.einsum("ij,ij->i", A, A))
        if bad.any():
            i = int(np.argmax(bad))
            fail(name(key), f"are not the cells of the stored {what} points (row "
                 f"{rows[i]}: cell {labels[rows[i]]}, where its nearest centre is "
                 f"{int(np.argmin(d2[i]))})")
        checked[key] = labels
    return {"centres": centres, **checked, "pca_mean": mean, "pca_components": components,
            "random_state": _checked_seed(cells.get("random_state"),
                                          "ct_params (cells['random_state'])", fail)}


def _imd_setup(imd_params):
    """Checked IMD parameters (as imd_score's keyword arguments) and time grid."""
    from ._utils.validation import check_imd_params, check_times
    from ._core.distance import weighted_times

    given = dict(imd_params or {})
    unknown = set(given) - set(_IMD_KEYS) - {"t"}
    if unknown:
        raise TypeError(
            f"imd_params got unexpected parameters {sorted(unknown)}; expected some of "
            f"{', '.join(_IMD_KEYS + ('t',))} (random_state and n_jobs are compare's own)."
        )
    params = check_imd_params(**{**IMD_DEFAULTS, **{key: given[key] for key in given
                                                    if key != "t"}})
    return params, weighted_times(check_times(given.get("t")))


def _imd_seeds(random_state):
    """The seeds imd_score(X, Y, random_state=random_state) gives X and Y."""
    return draw_seeds(random_state, 2)
