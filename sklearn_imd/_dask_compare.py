"""Dask arrays in :meth:`ReferenceStats.from_samples` and :func:`compare`: the
metrics of the reference's statistics and of each sample's row computed on the
cluster by :mod:`._dask` (which the metrics themselves dispatch to, so these
live above them)."""

import numpy as np


def reference_from_samples(cls, X, *, k, imd_params, random_state, keep_features, n_jobs,
                           train, n_cells, feature_space):
    """:meth:`ReferenceStats.from_samples` of a dask ``X``: the moments, the
    radii and the IMD signature (exact graph) computed on the cluster; the
    features, when kept, gathered into this process (a statistics file holds
    them)."""
    from ._dask import NeighbourLists, _signature_of, check_cloud, moments
    from ._reference_checks import _imd_seeds, _imd_setup, _lossless, check_feature_space
    from ._utils.validation import check_int

    del n_jobs  # the cluster's workers do the work
    params, t = _imd_setup(imd_params)
    k = check_int(k, "k", 1)
    feature_space = check_feature_space(feature_space)
    if train is not None or n_cells is not None:
        raise ValueError(
            "ReferenceStats.from_samples takes no train= (nor n_cells=) with a dask X: the "
            "training set's statistics (ct, authenticity) are computed in memory; pass "
            "X.compute() and train as NumPy arrays, or leave train out.")
    X = check_cloud(X, min_points=max(k, params["k"]) + 1, name="X")
    seed = random_state if isinstance(random_state, (int, np.integer)) else None
    s_ref = _imd_seeds(random_state)[0]
    (m,) = moments(("X", X))  # raises on NaN and infinite values
    e = m.exponent
    scale = float(np.ldexp(1.0, -e))
    kk = max(k, params["k"]) if keep_features else params["k"]
    # one search for the graph and the radii: both in the units X / 2**e
    lists = NeighbourLists(X, scale, m.mean, kk + max(4, kk))
    signature = _signature_of(lists, t, params, s_ref)
    mean, covariance = m.mean, m.covariance()
    radii = lists.radii(k) if keep_features else None
    if all(_lossless(A, p * e) for A, p in ((mean, 1), (covariance, 2), (radii, 2))
           if A is not None):
        mean, covariance = np.ldexp(mean, e), np.ldexp(covariance, 2 * e)
        radii = None if radii is None else np.ldexp(radii, 2 * e)
        e = 0
    return cls(mean=mean, covariance=covariance, n_samples=X.shape[0],
               features=np.asarray(X.compute()) if keep_features else None,
               k=k if keep_features else None, radii=radii,
               imd_signature=signature, imd_t=t,
               imd_params={**params, "random_state": None if seed is None else int(seed)},
               scale_exponent=e, feature_space=feature_space)




COMPARE_METRICS = ("imd", "fid", "kid", "precision", "recall", "density", "coverage")


def compare_metrics(metrics, asked, interval, train):
    """The metrics of a :func:`~sklearn_imd.compare` on dask arrays: those asked
    (a ValueError for others), or the default ones that it computes."""
    if interval is not None:
        raise ValueError("compare on dask arrays computes no interval (interval=None): "
                         "an interval redraws the samples in memory.")
    if train is not None:
        raise ValueError("compare on dask arrays takes no train= (ct and authenticity "
                         "are computed in memory).")
    other = [m for m in metrics if m not in COMPARE_METRICS]
    if other and asked is not None:
        raise ValueError(
            f"compare on dask arrays computes {', '.join(COMPARE_METRICS)}; not "
            f"{', '.join(other)}, which need the samples in memory (pass NumPy arrays).")
    return tuple(m for m in metrics if m in COMPARE_METRICS)


def round_scores(X, stats, Ys, settings, sig_ref, seeds, bar):
    """``_compare._round_scores`` of checked dask samples, for
    :data:`COMPARE_METRICS`: one row per sample."""
    from ._core.distance import imd_pairs
    from ._dask import _prdc, cloud_signature, moments, scaled_moments, scaled_radii
    from .metrics._fid import _frechet, _symmetric_sqrt
    from .metrics._kid import kid_score

    metrics, k, params, t = settings.metrics, settings.k, settings.params, settings.t
    rows = [{} for _ in Ys]
    if "imd" in metrics:
        for row, Y in zip(rows, Ys):
            # a copy of the reference (the same dask graph) gets its probes: IMD 0
            S = (sig_ref if X is not None and Y.name == X.name
                 else cloud_signature(Y, t, params, seeds[1]))
            row["imd"] = float(imd_pairs(sig_ref[None, :], S[None, :], t)[0])
    if "fid" in metrics:
        if stats is not None:
            mean, cov, e = stats.mean, stats.covariance, stats.scale_exponent
        else:
            mean, cov, e = scaled_moments(X)
        for row, m in zip(rows, moments(*[(f"generated[{i}]", Y) for i, Y in enumerate(Ys)])):
            # both in units of 2**e, then of 2**(e + shift) where all fit
            mu_Y = np.ldexp(m.mean, m.exponent - e)
            cov_Y = np.ldexp(m.covariance(), 2 * (m.exponent - e))
            shift = int(np.frexp(max(np.abs(mean).max(), np.abs(mu_Y).max(),
                                     np.sqrt(np.abs(np.diag(cov)).max()),
                                     np.sqrt(np.abs(np.diag(cov_Y)).max())))[1])
            score = _frechet(np.ldexp(mean, -shift), _symmetric_sqrt(np.ldexp(cov, -2 * shift)),
                             np.ldexp(mu_Y, -shift),
                             _symmetric_sqrt(np.ldexp(cov_Y, -2 * shift)), shift + e)
            row["fid"] = float(score)
    if "kid" in metrics:
        for row, Y in zip(rows, Ys):
            row["kid"] = kid_score(X, Y, random_state=seeds[2], **settings.kid_params)
    chosen = [m for m in ("precision", "recall", "density", "coverage") if m in metrics]
    if chosen:
        R, e_R = ((stats.radii, stats.scale_exponent)
                  if stats is not None and stats.radii is not None and stats.k == k
                  else scaled_radii(X, k))
        for row, Y in zip(rows, Ys):
            scores = _prdc(X, Y, k, R, e_R)
            row.update({m: scores[m] for m in chosen})
    for _ in Ys:
        bar.update()
    return rows
