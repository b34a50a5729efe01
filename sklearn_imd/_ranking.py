"""Model against model: paired differences of every metric of :func:`compare`,
their p-values adjusted across pairs, and a ranking that ties what is not
significantly different."""

import math
from dataclasses import dataclass, field

import numpy as np

from ._compare import compare_run

__all__ = ["RankingResult", "rank_models"]

# Which way each metric is better; None: no direction to rank by (density
# is best near 1, and diversity is not closeness to the reference).
BETTER = {"imd": "lower", "imd_excess": "lower", "fid": "lower", "fid_inf": "lower",
          "kid": "lower", "cmmd": "lower", "sw": "lower", "mind": "lower",
          "precision": "higher", "recall": "higher", "density": None,
          "coverage": "higher", "ct": None, "authenticity": "higher", "vendi": None}


@dataclass
class RankingResult:
    """Result of :func:`rank_models`: every model's score, every pair's
    difference with its interval and p-value, and the ranking, per metric.

    Arrays are indexed ``[metric, model]`` and ``[metric, model, model]``
    in the order of ``metrics`` and ``names``.

    Attributes
    ----------
    names : list of str
        The models (the generated samples), in the order given.
    metrics : list of str
        The metrics, in :func:`compare`'s column order.
    scores : ndarray of shape (n_metrics, n_models)
        Each model's score, :func:`compare`'s number for the same arguments.
    low, high : ndarray of shape (n_metrics, n_models)
        Each score's interval, as :func:`compare` gives it.
    differences : ndarray of shape (n_metrics, n_models, n_models)
        ``differences[m, i, j] = scores[m, i] - scores[m, j]``.
    difference_low, difference_high : ndarray of shape (n_metrics, n_models, n_models)
        The ``confidence`` interval of each difference, ``difference ± t *
        se`` (``t`` the Student quantile with ``n_resamples - 1`` degrees of
        freedom); not adjusted for the number of pairs.
    pvalues : ndarray of shape (n_metrics, n_models, n_models)
        Two-sided p-value of "no difference" for each pair (NaN on the
        diagonal and where a score could not be computed).
    pvalues_adjusted : ndarray of shape (n_metrics, n_models, n_models)
        ``pvalues`` adjusted by Holm's step-down method over the pairs of
        each metric: rejecting where it is at most ``alpha`` makes any false
        rejection among a metric's pairs at most ``alpha`` likely.
    ranks : ndarray of shape (n_metrics, n_models)
        ``1 +`` the number of models significantly better (adjusted p-value
        at most ``alpha``, difference in the metric's better direction): the
        models no other beats share rank 1.  NaN for a metric without a
        direction (``better[metric] is None``).
    better : dict of str to {"lower", "higher", None}
        Which way each metric is better.
    alpha : float
        Level of the adjusted tests behind ``ranks``.
    confidence : float
        Level of the intervals.
    n_resamples : int
        Half-size redraws the standard errors come from.
    sizes : list of int
        The size each model was scored at (:func:`compare`'s ``sample_size``).
    """

    names: list
    metrics: list
    scores: np.ndarray
    low: np.ndarray
    high: np.ndarray
    differences: np.ndarray
    difference_low: np.ndarray
    difference_high: np.ndarray
    pvalues: np.ndarray
    pvalues_adjusted: np.ndarray
    ranks: np.ndarray
    better: dict
    alpha: float
    confidence: float
    n_resamples: int
    sizes: list = field(default_factory=list)

    def order(self, metric):
        """The models' names from best to worst by ``metric``: by rank, then
        by score (a metric without a direction: as given)."""
        m = self._index(metric)
        if self.better[metric] is None:
            return list(self.names)
        sign = 1.0 if self.better[metric] == "lower" else -1.0
        keys = sorted(range(len(self.names)),
                      key=lambda i: (self.ranks[m, i], sign * self.scores[m, i]))
        return [self.names[i] for i in keys]

    def pairs(self, metric=None):
        """One record per metric and pair ``(a, b)``, ``a`` before ``b`` in
        ``names``: ``metric, a, b, difference, low, high, pvalue,
        pvalue_adjusted, significant`` (the difference is ``a``'s score less
        ``b``'s).  ``metric=None``: every metric."""
        chosen = self.metrics if metric is None else [metric]
        out = []
        for name in chosen:
            m = self._index(name)
            for i in range(len(self.names)):
                for j in range(i + 1, len(self.names)):
                    q = self.pvalues_adjusted[m, i, j]
                    out.append({
                        "metric": name, "a": self.names[i], "b": self.names[j],
                        "difference": float(self.differences[m, i, j]),
                        "low": float(self.difference_low[m, i, j]),
                        "high": float(self.difference_high[m, i, j]),
                        "pvalue": float(self.pvalues[m, i, j]),
                        "pvalue_adjusted": float(q),
                        "significant": bool(q <= self.alpha),
                    })
        return out

    def to_frame(self):
        """:meth:`pairs` of every metric as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.pairs())

    def _index(self, metric):
        if metric not in self.metrics:
            raise ValueError(f"metric {metric!r} is not in this result; it has "
                             f"{', '.join(self.metrics)}.")
        return self.metrics.index(metric)


def holm(pvalues):
    """Holm's step-down adjustment of a 1-D array of p-values (NaN ones are
    left NaN and not counted)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite], kind="stable")]
    K = order.size
    running = 0.0
    for rank, idx in enumerate(order):
        running = max(running, min(1.0, (K - rank) * p[idx]))
        out[idx] = running
    return out


def _paired(d, redraws, extra_var, confidence):
    """``(low, high, pvalue)`` of a difference ``d`` whose half-sample redraws
    are ``redraws`` (their spread is that of the full-sample difference:
    :func:`basic_interval`), its variance plus ``extra_var``: a Student t
    with ``len(redraws) - 1`` degrees of freedom."""
    from scipy.stats import t as student

    if not (math.isfinite(d) and np.isfinite(redraws).all()):
        return math.nan, math.nan, math.nan
    dof = redraws.size - 1
    se = math.sqrt(float(np.var(redraws, ddof=1)) + extra_var)
    half = float(student.ppf(0.5 + confidence / 2, dof)) * se
    if se == 0.0:
        return d, d, 1.0 if d == 0.0 else 0.0
    return d - half, d + half, float(2.0 * student.sf(abs(d) / se, dof))


def rank_models(reference, generated, *, metrics=None, alpha=0.05, k=5, n_resamples=10,
                confidence=0.95, sample_size="min", n_permutations=10, imd_params=None,
                kid_params=None, random_state=None, n_jobs=None, verbose=0):
    """Which model is closer to the data: paired differences of every metric,
    tested, adjusted across pairs, and a ranking with ties.

    Every model is scored against the same reference as in :func:`compare`,
    at one sample size.  Then, ``n_resamples`` times, one half-size subsample
    of the reference is drawn and every model's half-size subsample is
    scored against that same one: the difference between two models moves
    much less over these redraws than either score does (the reference's
    own sampling noise is shared and cancels), so the interval of a
    difference is much narrower than two separate intervals suggest.  The
    redraws' spread about the full-sample difference is that of the
    full-sample estimate (the delete-d jackknife with ``d = n/2``, Shao & Wu
    1989); ``difference / se`` is referred to a Student t with
    ``n_resamples - 1`` degrees of freedom.  The p-values of each metric's
    ``n_models (n_models - 1) / 2`` pairs are adjusted by Holm's method, and
    a model's rank is one plus the number of models significantly better
    than it, so models whose differences are not significant tie.

    Parameters
    ----------
    reference : array-like of shape (n_samples, n_features) or ReferenceStats
        The real sample, or its statistics with their features (the
        redraws subsample the reference).
    generated : dict of str to array-like or list of array-like
        Two or more models' samples, as in :func:`compare`.
    metrics : list of str or str, default=None
        As in :func:`compare`.  Density (best near 1) and Vendi (diversity,
        not closeness) get differences and p-values but no rank.
    alpha : float, default=0.05
        Level of the Holm-adjusted tests behind the ranks, in (0, 1).
    k, sample_size, n_permutations, imd_params, kid_params, n_jobs, verbose
        As in :func:`compare`.
    n_resamples : int, default=10
        Half-size redraws, >= 3; each costs a fraction of the main
        computation (a quarter for IMD's graphs and the kNN metrics, about
        all of it for KID's fixed-size subsets).  More make the standard
        errors, and so the tests, steadier; the t quantile accounts for
        their number.
    confidence : float, default=0.95
        Level of the intervals (of the scores and of the differences).
    random_state : int, RandomState instance or None, default=None
        With an int, the scores are ``compare``'s for the same int.

    Returns
    -------
    result : RankingResult
        Scores, differences, p-values and ranks, with ``order(metric)``,
        ``pairs()`` and ``to_frame()``.

    See Also
    --------
    compare : The results table.
    relative_mmd_test : The test of relative similarity of two models by MMD.

    Notes
    -----
    The tests' level and power are measured by ``asv_bench/calibration_table.py``
    (two models of one distribution, and models shifted by a little): it
    prints, per metric, how often the adjusted tests reject.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import rank_models
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(600, 4))
    >>> models = {"close": rng.normal(size=(600, 4)),
    ...           "also close": rng.normal(size=(600, 4)),
    ...           "shifted": rng.normal(size=(600, 4)) + 0.5}
    >>> res = rank_models(real, models, metrics="fid,coverage", n_resamples=10,
    ...                   random_state=0)
    >>> res.order("fid")[-1]
    'shifted'
    >>> [int(r) for r in res.ranks[res.metrics.index("fid")]]
    [1, 1, 3]
    """
    from ._utils.validation import check_int
    from .metrics._resampling import check_confidence

    check_confidence(alpha, "alpha")
    n_resamples = check_int(n_resamples, "n_resamples", 3)
    check_confidence(confidence)
    if not isinstance(generated, (dict, list, tuple)) or len(generated) < 2:
        raise ValueError("rank_models compares models: generated needs two samples or more "
                         "(a dict {name: array} or a list of arrays).")
    run = compare_run(reference, generated, metrics=metrics, k=k, interval="subsample",
                      n_resamples=n_resamples, confidence=confidence,
                      sample_size=sample_size, n_permutations=n_permutations,
                      imd_params=imd_params, kid_params=kid_params,
                      random_state=random_state, n_jobs=n_jobs, verbose=verbose)
    return _rank(run, alpha, confidence)


def _rank(run, alpha, confidence):
    """The :class:`RankingResult` of a :func:`compare_run` with redraws."""
    names, metrics, rows = run.names, run.metrics, run.rows
    n, M = len(names), len(metrics)
    scores = np.array([[row[m] for row in rows] for m in metrics], dtype=float)
    low = np.array([[row[f"{m}_low"] for row in rows] for m in metrics], dtype=float)
    high = np.array([[row[f"{m}_high"] for row in rows] for m in metrics], dtype=float)
    diff = scores[:, :, None] - scores[:, None, :]
    d_low, d_high, pv, adj = (np.full((M, n, n), np.nan) for _ in range(4))
    ranks = np.full((M, n), np.nan)
    for a, m in enumerate(metrics):
        floor_var = [_floor_var(run.nulls.get(i)) if m == "imd_excess" else 0.0
                     for i in range(n)]
        iu = [(i, j) for i in range(n) for j in range(i + 1, n)]
        for i, j in iu:
            redraws = run.resamples[i][m] - run.resamples[j][m]
            lo, hi, p = _paired(diff[a, i, j], redraws, floor_var[i] + floor_var[j],
                                confidence)
            d_low[a, i, j], d_high[a, i, j], pv[a, i, j] = lo, hi, p
            d_low[a, j, i], d_high[a, j, i], pv[a, j, i] = -hi, -lo, p
        adjusted = holm([pv[a, i, j] for i, j in iu])
        for (i, j), q in zip(iu, adjusted):
            adj[a, i, j] = adj[a, j, i] = q
        if BETTER.get(m) is not None:
            sign = 1.0 if BETTER[m] == "lower" else -1.0
            beaten = (adj[a] <= alpha) & (sign * diff[a] > 0)  # [i, j]: j beats i
            ranks[a] = 1 + beaten.sum(axis=1)
    return RankingResult(names, metrics, scores, low, high, diff, d_low, d_high, pv, adj,
                         ranks, {m: BETTER.get(m) for m in metrics}, float(alpha),
                         float(confidence), run.settings.n_resamples, list(run.sizes))


def _floor_var(null):
    """The variance of IMD's floor estimate (the mean of ``null``): 0 without one."""
    if null is None or null.size < 2:
        return 0.0
    return float(np.var(null, ddof=1)) / null.size
