"""RankingDisplay: one metric of :func:`~sklearn_imd.rank_models` as a forest
plot of the models' scores and a matrix of the pairs' adjusted p-values."""

import numpy as np

from ._common import _check_matplotlib


class RankingDisplay:
    """Forest plot of the models' scores and matrix of the pairwise tests, for one metric.

    Left, one row per model from best to worst (:meth:`RankingResult.order`):
    its score as a point, its interval as a bar and its rank in the label.
    Right, the Holm-adjusted p-value of each pair in the same order, as a
    heatmap (dark is significant), each cell written with its p-value, a
    ``*`` where it is at most ``alpha`` and, in a significant cell, an
    arrow to the better model of the pair (``<`` the row's, ``^`` the
    column's).

    Build one with :meth:`from_result`; constructing it directly stores the
    result and the metric, and :meth:`plot` draws them.  matplotlib is needed
    to plot.

    Parameters
    ----------
    result : RankingResult
        The output of :func:`~sklearn_imd.rank_models`.
    metric : str
        One of ``result.metrics``.

    Attributes
    ----------
    forest_ax_, matrix_ax_ : matplotlib Axes
        The axes of the forest plot and of the matrix.
    figure_ : matplotlib Figure
        Their figure.
    errorbar_ : matplotlib ErrorbarContainer
        The points and bars of the forest plot, from the top row down.
    im_ : matplotlib AxesImage
        The matrix; ``im_.get_array()`` is the adjusted p-values in
        ``order_`` (the diagonal masked).
    order_ : list of int
        The models' indices in ``result.names``, from the top row down.

    See Also
    --------
    sklearn_imd.rank_models : Computes the result.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # draw without a window
    >>> import numpy as np
    >>> from sklearn_imd import rank_models
    >>> from sklearn_imd.plotting import RankingDisplay
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(400, 3))
    >>> models = {"a": rng.normal(size=(400, 3)), "b": rng.normal(size=(400, 3)) + 0.5,
    ...           "c": rng.normal(size=(400, 3)) + 1.0}
    >>> res = rank_models(real, models, metrics="fid", n_resamples=5, random_state=0)
    >>> disp = RankingDisplay.from_result(res, metric="fid")
    >>> [res.names[i] for i in disp.order_]
    ['a', 'b', 'c']
    """

    def __init__(self, result, metric):
        from .._ranking import RankingResult

        if not isinstance(result, RankingResult):
            raise TypeError("result must be the RankingResult of rank_models, got "
                            f"{type(result).__name__}.")
        result._index(metric)  # a clear error for a metric it does not hold
        self.result = result
        self.metric = metric

    @classmethod
    def from_result(cls, result, *, metric, axes=None, cmap="Blues_r"):
        """Plot one metric of a :class:`~sklearn_imd.RankingResult`.

        Parameters
        ----------
        result : RankingResult
            The output of :func:`~sklearn_imd.rank_models`.
        metric : str
            One of ``result.metrics``.
        axes : pair of matplotlib Axes, default=None
            The axes of the forest plot and of the matrix; ``None`` makes a
            new figure with both.
        cmap : str, default="Blues_r"
            Colour map of the p-values (from 0 to 1).

        Returns
        -------
        display : RankingDisplay
        """
        return cls(result, metric).plot(axes, cmap=cmap)

    def plot(self, axes=None, *, cmap="Blues_r"):
        """Draw the forest plot and the matrix.

        Parameters
        ----------
        axes : pair of matplotlib Axes, default=None
            As in :meth:`from_result`.
        cmap : str, default="Blues_r"
            As in :meth:`from_result`.

        Returns
        -------
        self : RankingDisplay
        """
        _check_matplotlib("RankingDisplay")
        import matplotlib.pyplot as plt

        res, metric = self.result, self.metric
        if axes is None:
            n = len(res.names)
            fig, axes = plt.subplots(1, 2, figsize=(10, 1.2 + 0.5 * n),
                                     gridspec_kw={"width_ratios": [3, 2]})
        if len(axes) != 2:
            raise ValueError(f"axes must be two Axes (forest plot, matrix); got {len(axes)}.")
        forest, matrix = axes
        m = res._index(metric)
        order = [res.names.index(name) for name in res.order(metric)]
        scores, low, high = res.scores[m, order], res.low[m, order], res.high[m, order]
        y = np.arange(len(order))[::-1]  # the best on top
        # no bar where an interval could not be had (NaN bounds)
        err = np.nan_to_num(np.clip(np.vstack([scores - low, high - scores]), 0, None))
        self.errorbar_ = forest.errorbar(scores, y, xerr=err, fmt="o", capsize=4)
        ranked = res.better[metric] is not None
        forest.set_yticks(y)
        forest.set_yticklabels([f"{res.ranks[m, i]:.0f}. {res.names[i]}" if ranked
                                else res.names[i] for i in order])
        forest.set_xlabel(f"{metric} ({res.better[metric]} is better)" if ranked else metric)
        forest.set_title(f"{100 * res.confidence:g}% intervals")

        p = res.pvalues_adjusted[m][np.ix_(order, order)]
        shown = np.ma.masked_invalid(np.where(np.eye(len(order), dtype=bool), np.nan, p))
        self.im_ = matrix.imshow(shown, cmap=cmap, vmin=0, vmax=1)
        names = [res.names[i] for i in order]
        matrix.set_xticks(range(len(order)))
        matrix.set_xticklabels(names, rotation=45, ha="right")
        matrix.set_yticks(range(len(order)))
        matrix.set_yticklabels(names)
        sign = 1.0 if res.better[metric] == "lower" else -1.0
        diff = res.differences[m][np.ix_(order, order)]
        for r in range(len(order)):
            for c in range(len(order)):
                if r == c or not np.isfinite(p[r, c]):
                    continue
                text = f"{p[r, c]:.2g}"
                if p[r, c] <= res.alpha:
                    text += "*"
                    if ranked:
                        text += " <" if sign * diff[r, c] < 0 else " ^"
                matrix.text(c, r, text, ha="center", va="center", fontsize=8,
                            color="white" if p[r, c] < 0.3 else "black")
        matrix.set_title(f"Holm-adjusted p (* at most {res.alpha:g})")
        self.forest_ax_, self.matrix_ax_ = forest, matrix
        self.figure_ = forest.figure
        self.order_ = order
        return self
