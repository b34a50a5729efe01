"""Permutation test of IMD, with a subsampling confidence interval."""

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from .._utils.chunking import RESAMPLE_ENTRIES, rows_per_block
from .._utils.progress import check_verbose, progress_bar
from .._utils.validation import (
    check_cloud,
    check_imd_params,
    check_int,
    check_seed,
    draw_seeds,
    check_times,
)
from .._core.distance import imd_pairs, weighted_times
from ._resampling import basic_interval, check_confidence, excess_bounds, permutation_pvalue

ConfidenceInterval = namedtuple("ConfidenceInterval", ["low", "high"])
ConfidenceInterval.__doc__ = """Lower and upper bounds of a confidence interval, ``(low, high)``."""
ConfidenceInterval.low.__doc__ = "Lower bound."
ConfidenceInterval.high.__doc__ = "Upper bound."


@dataclass
class IMDTestResult:
    """Result of :func:`imd_test`.

    Attributes
    ----------
    statistic : float
        The IMD between ``X`` and ``Y``.
    pvalue : float
        Permutation p-value of the null hypothesis that ``X`` and ``Y`` are
        samples of one distribution: ``(1 + #{null >= statistic}) /
        (n_permutations + 1)``.
    confidence_interval : ConfidenceInterval or None
        ``(low, high)`` subsampling interval of the IMD between the two
        distributions at these sample sizes; ``None`` when ``n_resamples=0``.
    null_distribution : ndarray of shape (n_permutations,)
        The IMD of each random re-split of the pooled points.
    null_mean : float
        Mean of ``null_distribution``: the IMD expected between two samples
        of one distribution at these two sizes (IMD's floor).
    excess : float
        ``statistic - null_mean``: IMD beyond its floor, 0 on average for
        samples of one distribution whatever their sizes.
    excess_interval : ConfidenceInterval or None
        ``confidence_interval`` (not clipped at 0) minus ``null_mean``, each
        side widened in quadrature by the normal quantile times the null
        mean's standard error ``std(null) / sqrt(n_permutations)``; ``None``
        when ``n_resamples=0``.
    """

    statistic: float
    pvalue: float
    confidence_interval: ConfidenceInterval | None
    null_distribution: np.ndarray
    null_mean: float
    excess: float
    excess_interval: ConfidenceInterval | None


def _pair_imds(pairs, n_pairs, batch, t, params, seed, n_jobs, notes, progress):
    """IMD of each (X, Y) pair yielded by ``pairs``, ``batch`` pairs at a time.

    The clouds are drawn from validated ones, so they are not checked again.
    Each batch draws its clouds' probe seeds from the same ``seed``; warnings
    go to ``notes``.
    """
    from .._core.compute import compute_signatures

    out = np.empty(n_pairs)
    done = 0
    while done < n_pairs:
        clouds = []
        for _ in range(min(batch, n_pairs - done)):
            clouds.extend(next(pairs))
        S, _ = compute_signatures(clouds, t, params, seed, n_jobs, notes=notes,
                                  progress=progress)
        b = len(clouds) // 2
        out[done : done + b] = imd_pairs(S[0::2], S[1::2], t)
        done += b
    return out


def permutation_null(X, Y, n_permutations, t, params, rng, seed, n_jobs, notes, progress):
    """IMDs of ``n_permutations`` random re-splits of the pooled validated
    clouds ``X`` and ``Y`` into clouds of their sizes, the re-splits drawn
    from the Generator or RandomState ``rng`` and the probes from ``seed``:
    the null distribution of :func:`imd_test`, whose mean is IMD's floor at
    these sizes (``imd_excess`` of :func:`compare`)."""
    nx, ny = X.shape[0], Y.shape[0]
    pooled = np.concatenate([X, Y])
    # pairs of clouds materialised at once (RESAMPLE_ENTRIES coordinates in all);
    # imd_test's subsampled half-size pairs go twice as many at a time
    batch = rows_per_block((nx + ny) * X.shape[1], RESAMPLE_ENTRIES)

    def permuted():
        while True:
            perm = rng.permutation(nx + ny)
            yield pooled[perm[:nx]], pooled[perm[nx:]]

    return _pair_imds(permuted(), n_permutations, batch, t, params, seed, n_jobs, notes,
                      progress)


def _summarise(notes, n_clouds):
    """Issue the warnings of the re-split and subsampled clouds once per kind,
    with how many clouds gave one (the first cloud's message as example)."""
    from .._core.compute import _reissue

    kinds = {}  # category -> (the clouds that gave one, the first message)
    for category, message, name in notes:
        kinds.setdefault(category, (set(), message))[0].add(name)
    for category, (names, message) in kinds.items():
        _reissue([(category, message)],
                 f"{len(names)} of the {n_clouds} permuted or subsampled clouds, e.g.")


def imd_test(
    X,
    Y,
    *,
    n_permutations=199,
    n_resamples=99,
    confidence=0.95,
    k=5,
    m=10,
    nv=100,
    t=None,
    method="auto",
    normalization="empty",
    knn="auto",
    random_state=None,
    n_jobs=None,
    verbose=0,
):
    """Permutation test of whether two point clouds come from one distribution, by IMD.

    The statistic is :func:`imd_score` of ``X`` and ``Y``, the same number
    for the same arguments and integer ``random_state``.  Under the null
    hypothesis the points are exchangeable: the test pools them, re-splits
    them at random into clouds of the original sizes ``n_permutations`` times
    and recomputes the IMD, like :func:`scipy.stats.permutation_test`.  The
    confidence interval comes from half-sampling: IMDs of ``n_resamples``
    pairs of half-size subsamples drawn without replacement, whose spread
    about the full-sample value is that of the full-size estimate (the
    delete-d jackknife with ``d = n/2``: Shao & Wu 1989), centred on the
    statistic (the basic interval, clipped at 0).  Resampling *with*
    replacement would duplicate points, which changes the kNN graph and
    biases the IMD.

    IMD is not 0 between two samples of one distribution: its floor depends
    on the two sample sizes (most when they differ).  The mean of the null
    distribution is that floor at these sizes, and ``excess``, the statistic
    minus it, averages 0 over pairs of samples of one distribution whatever
    their sizes (the points are exchangeable under the null hypothesis), so
    it compares across sample sizes where the raw IMD does not.

    Parameters
    ----------
    X : array-like of shape (n_points_X, n_features)
        First point cloud.
    Y : array-like of shape (n_points_Y, n_features)
        Second point cloud, in the same space as ``X`` (the points are pooled).
    n_permutations : int, default=199
        Random re-splits; the smallest p-value is ``1 / (n_permutations + 1)``.
    n_resamples : int, default=99
        Subsample pairs of the confidence interval; 0 skips it.  Each cloud
        then needs at least ``2 (k + 1)`` points.
    confidence : float, default=0.95
        Level of the confidence interval, in (0, 1).
    k, m, nv, t, method, normalization, knn, random_state, n_jobs
        As in :class:`~sklearn_imd.IMDSignature`; ``n_jobs`` computes the
        signatures of many re-splits in parallel.
    verbose : int, default=0
        With a positive value, a progress bar on stderr, one step per
        signature.

    Returns
    -------
    result : IMDTestResult
        With ``statistic``, ``pvalue``, ``confidence_interval``,
        ``null_distribution``, and IMD beyond its floor at these sizes:
        ``null_mean``, ``excess`` and ``excess_interval``.

    Notes
    -----
    Each permutation and each resample costs two signatures, so the test costs
    about ``2 (n_permutations + n_resamples + 1)`` signatures, computed in
    batches through the Numba kernels.  With the defaults, on 2 cores with a
    warm kernel cache (``python asv_bench/first_number.py`` measures it), two
    clouds of 1,000 points in 10 dimensions take about 11 s (35 times one
    :func:`imd_score`) and two of 5,000 points about 40 s; ``verbose=1``
    shows the progress, and fewer ``n_permutations`` (99 still resolve
    p = 0.01) or ``n_resamples=0`` (no interval) cost proportionally less.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import imd_test
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3))
    >>> Y = rng.beta(0.5, 0.5, size=(300, 3))
    >>> res = imd_test(X, Y, n_permutations=49, n_resamples=19, random_state=0)
    >>> float(res.pvalue)
    0.02
    >>> res.confidence_interval.low < res.statistic < res.confidence_interval.high
    True
    >>> imd_test(X, rng.normal(size=(300, 3)), n_permutations=49, n_resamples=0,
    ...          random_state=0).pvalue > 0.05
    True
    """
    params = check_imd_params(
        k=k, m=m, nv=nv, method=method, normalization=normalization, knn=knn
    )
    n_permutations = check_int(n_permutations, "n_permutations", 1)
    n_resamples = check_int(n_resamples, "n_resamples", 0)
    check_confidence(confidence)
    verbose = check_verbose(verbose)
    t = weighted_times(check_times(t))
    min_points = 2 * (params["k"] + 1) if n_resamples else params["k"] + 1
    X = check_cloud(X, min_points=min_points, name="X")
    Y = check_cloud(Y, min_points=min_points, name="Y")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            "imd_test pools the points of X and Y, so they need the same number of "
            f"features; got {X.shape[1]} and {Y.shape[1]}.  imd_score compares clouds "
            "of different dimensions."
        )
    bar = progress_bar(2 * (n_permutations + n_resamples + 1), "imd_test signatures", verbose)
    try:
        return _imd_test(X, Y, n_permutations, n_resamples, confidence, t, params,
                         random_state, n_jobs, bar)
    finally:
        bar.close()


def _imd_test(X, Y, n_permutations, n_resamples, confidence, t, params, random_state, n_jobs,
              bar):
    """imd_test of validated input, advancing ``bar`` by one per signature."""
    from .._core.compute import compute_signatures

    rng = check_seed(random_state)
    # the statistic is imd_score(X, Y, random_state=random_state): the same
    # draws from the same generator, then the generator goes on
    S, _ = compute_signatures([X, Y], t, params, rng, n_jobs, ["X", "Y"], progress=bar)
    statistic = float(imd_pairs(S[:1], S[1:], t)[0])
    seed = draw_seeds(rng)
    nx, ny = X.shape[0], Y.shape[0]
    # pairs of clouds materialised at once (RESAMPLE_ENTRIES coordinates in all)
    # while the permuted and subsampled pairs are transformed
    batch = rows_per_block((nx + ny) * X.shape[1], RESAMPLE_ENTRIES)

    def halves():
        while True:
            yield (X[rng.choice(nx, nx // 2, replace=False)],
                   Y[rng.choice(ny, ny // 2, replace=False)])

    # The re-split and subsampled clouds repeat the warnings of X and Y: one
    # warning per kind for all of them, not one per cloud.
    notes = []
    try:
        null = permutation_null(X, Y, n_permutations, t, params, rng, seed, n_jobs, notes,
                                bar)
        sub = (_pair_imds(halves(), n_resamples, 2 * batch, t, params, seed, n_jobs,
                          notes, bar)
               if n_resamples else None)
    finally:
        _summarise(notes, 2 * (n_permutations + n_resamples))

    null_mean = float(null.mean())
    interval = excess_interval = None
    if n_resamples:
        interval = ConfidenceInterval(*basic_interval(statistic, sub, confidence,
                                                      (0.0, np.inf)))
        excess_interval = ConfidenceInterval(*excess_bounds(
            statistic - null_mean, sub - null_mean, null, confidence))
    return IMDTestResult(
        statistic=statistic, pvalue=permutation_pvalue(statistic, null),
        confidence_interval=interval, null_distribution=null, null_mean=null_mean,
        excess=statistic - null_mean, excess_interval=excess_interval,
    )
