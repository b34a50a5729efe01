"""RankingDisplay: one metric of :func:`~sklearn_imd.rank_models`, as a forest
plot of the models' scores and a heatmap of the pairs' adjusted p-values."""

import numpy as np

from ._common import _check_matplotlib
from .matrix import _contrasting_text_color

# The marks of a significant cell: an arrow to the label of the better model
# (the row's, on the left; the column's, below), or a star without a direction.
_ROW_BETTER, _COLUMN_BETTER, _NO_DIRECTION = "\u2190", "\u2193", "*"


def _format_p(p):
    return "<0.001" if p < 0.001 else f"{p:.2g}"


def _check_result(result, metric, caller):
    """The index of ``metric`` in ``result``, a RankingResult whose arrays fit."""
    from .._ranking import RankingResult

    if not isinstance(result, RankingResult):
        raise TypeError(f"{caller} needs the RankingResult of rank_models; got "
                        f"{type(result).__name__}.")
    n, M = len(result.names), len(result.metrics)
    if len(set(result.names)) != n:
        raise ValueError(f"result.names has duplicate names: {result.names}.")
    for name in ("scores", "low", "high", "ranks", "differences", "pvalues_adjusted"):
        shape = np.shape(getattr(result, name))
        want = (M, n) if name in ("scores", "low", "high", "ranks") else (M, n, n)
        if shape != want:
            raise ValueError(f"result.{name} has shape {shape}; {M} metrics and {n} models "
                             f"need {want}.")
    if metric is None:
        if M != 1:
            raise ValueError(f"result has {M} metrics ({', '.join(result.metrics)}); "
                             "choose one with metric=.")
        metric = result.metrics[0]
    if metric not in result.metrics:
        raise ValueError(f"metric {metric!r} is not in this result; it has "
                         f"{', '.join(result.metrics)}.")
    if result.better.get(metric, "") not in ("lower", "higher", None):
        raise ValueError(f"result.better[{metric!r}] must be 'lower', 'higher' or None; got "
                         f"{result.better.get(metric, 'no entry')!r}.")
    return metric, result.metrics.index(metric)


def _check_axes(axes):
    from matplotlib.axes import Axes

    if axes is None:
        return None
    axes = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(axes) != 2 or not all(isinstance(ax, Axes) for ax in axes):
        raise TypeError("axes must be two matplotlib Axes (the forest plot's and the "
                        f"heatmap's); got {axes!r}.")
    return axes


class RankingDisplay:
    """Forest plot of the models' scores and heatmap of the pairwise tests, for one metric.

    Left, one row per model from best to worst (:meth:`RankingResult.order`),
    its score as a point, its interval as a horizontal bar and its rank
    before its name; the axis label says which way is better.  Right, the
    Holm-adjusted p-value of each pair, the models in the same order, as a
    heatmap (dark is small) whose cells are written with their p-value; a
    cell at most ``alpha`` is bold and marked with an arrow to the label of
    the better model of the pair (``←`` the row's, ``↓`` the column's).  The
    diagonal is blank.  A metric without a direction (``better`` None, such
    as density) has no ranks: its models are shown as given, and its
    significant cells are marked ``*``.

    Build one with :meth:`from_result`; constructing it directly stores the
    result and the metric, and :meth:`plot` draws them.  matplotlib is needed
    to plot.

    Parameters
    ----------
    result : RankingResult
        The output of :func:`~sklearn_imd.rank_models`.
    metric : str, default=None
        One of ``result.metrics``; ``None`` if there is only one.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the forest plot.
    matrix_ax_ : matplotlib Axes
        The axes of the heatmap.
    figure_ : matplotlib Figure
        The figure of ``ax_``.
    order_ : ndarray of shape (n_models,)
        The models' indices in ``result.names``, from the top row down.
    points_ : matplotlib Line2D
        The scores, at ``y = 0, 1, ...`` from the top row down.
    intervals_ : matplotlib LineCollection
        The intervals, one segment ``[(low, y), (high, y)]`` per row.
    im_ : matplotlib AxesImage
        The heatmap; ``im_.get_array()`` is the adjusted p-values in
        ``order_``, the diagonal masked.
    significant_ : ndarray of shape (n_models, n_models) of bool
        The pairs whose adjusted p-value is at most ``alpha``, in ``order_``.
    text_ : ndarray of shape (n_models, n_models) of matplotlib Text, or None
        The annotations, in ``order_``; ``None`` on the diagonal, in cells
        without a p-value and everywhere without annotations.
    colorbar_ : matplotlib Colorbar or None
        The colour bar (a line at ``alpha``), ``None`` without ``colorbar``.

    See Also
    --------
    sklearn_imd.rank_models : Computes the result.
    IMDMatrixDisplay : Heatmap of the IMDs between clouds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # draw without a window
    >>> import numpy as np
    >>> from sklearn_imd import rank_models
    >>> from sklearn_imd.plotting import RankingDisplay
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(300, 3))
    >>> models = {"close": rng.normal(size=(300, 3)),
    ...           "shifted": rng.normal(size=(300, 3)) + 1.0}
    >>> res = rank_models(real, models, metrics="fid", n_resamples=5, random_state=0)
    >>> disp = RankingDisplay.from_result(res, metric="fid")
    >>> [label.get_text() for label in disp.ax_.get_yticklabels()]
    ['1. close', '2. shifted']
    >>> disp.ax_.get_xlabel()
    'fid (lower is better)'
    >>> disp.significant_
    array([[False,  True],
           [ True, False]])
    >>> import matplotlib.pyplot as plt
    >>> plt.close(disp.figure_)
    """

    def __init__(self, result, *, metric=None):
        self.result = result
        self.metric = metric

    @classmethod
    def from_result(cls, result, *, metric=None, axes=None, annotate=True, cmap="Blues_r",
                    colorbar=True):
        """Plot one metric of a :class:`~sklearn_imd.RankingResult`.

        Parameters
        ----------
        result : RankingResult
            The output of :func:`~sklearn_imd.rank_models`.
        metric : str, default=None
            One of ``result.metrics``; ``None`` if there is only one.
        axes : pair of matplotlib Axes, default=None
            The axes of the forest plot and of the heatmap; ``None`` creates
            a figure with both.
        annotate, cmap, colorbar
            As in :meth:`plot`.

        Returns
        -------
        display : RankingDisplay
        """
        _check_matplotlib(f"{cls.__name__}.from_result")
        return cls(result, metric=metric).plot(axes, annotate=annotate, cmap=cmap,
                                               colorbar=colorbar)

    def plot(self, axes=None, *, annotate=True, cmap="Blues_r", colorbar=True):
        """Draw the forest plot and the heatmap.

        Parameters
        ----------
        axes : pair of matplotlib Axes, default=None
            The axes of the forest plot and of the heatmap; ``None`` creates
            a figure with both.
        annotate : bool, default=True
            Write the adjusted p-value (and the significance mark) in every
            cell of the heatmap.
        cmap : str or matplotlib Colormap, default="Blues_r"
            Colour map of the p-values, from 0 to 1.
        colorbar : bool, default=True
            Draw a colour bar, with a line at ``alpha``.

        Returns
        -------
        display : RankingDisplay
        """
        _check_matplotlib(f"{type(self).__name__}.plot")
        res = self.result
        metric, m = _check_result(res, self.metric, f"{type(self).__name__}")
        axes = _check_axes(axes)
        if not isinstance(annotate, (bool, np.bool_)):
            raise TypeError(f"annotate must be True or False; got {annotate!r}.")
        better = res.better.get(metric)
        names = res.order(metric)
        order = np.array([res.names.index(name) for name in names])
        n = order.size
        if axes is None:
            import matplotlib.pyplot as plt

            _, axes = plt.subplots(1, 2, figsize=(10, 1.5 + 0.45 * n), layout="constrained")
        ax, mat = axes
        rows = np.arange(n)

        # forest plot: row r at y = r, the best on top (as the heatmap's rows)
        scores = np.asarray(res.scores, dtype=float)[m, order]
        low = np.asarray(res.low, dtype=float)[m, order]
        high = np.asarray(res.high, dtype=float)[m, order]
        self.intervals_ = ax.hlines(rows, low, high, color="C0", lw=2)
        (self.points_,) = ax.plot(scores, rows, "o", color="C0", mec="white", zorder=3)
        if better is None:
            labels = names
            ax.set_xlabel(metric)
        else:
            ranks = np.asarray(res.ranks, dtype=float)[m, order]
            labels = [f"{r:.0f}. {name}" if np.isfinite(r) else name
                      for r, name in zip(ranks, names)]
            ax.set_xlabel(f"{metric} ({better} is better)")
        ax.set_yticks(rows, labels)
        ax.set_ylim(n - 0.5, -0.5)
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(f"{100 * res.confidence:g}% intervals")

        # heatmap of the adjusted p-values, the diagonal blank
        p = np.asarray(res.pvalues_adjusted, dtype=float)[m][np.ix_(order, order)]
        p[rows, rows] = np.nan
        self.im_ = mat.imshow(np.ma.masked_invalid(p), cmap=cmap, vmin=0, vmax=1,
                               aspect="auto", interpolation="nearest")
        mat.set_xticks(rows, names)
        mat.set_yticks(rows, names)
        if max(map(len, names)) > 3:
            mat.tick_params(axis="x", labelrotation=45)
            for label in mat.get_xticklabels():
                label.set_ha("right")
                label.set_rotation_mode("anchor")
        with np.errstate(invalid="ignore"):
            self.significant_ = p <= res.alpha
        if better is None:
            marks = np.where(self.significant_, _NO_DIRECTION, "")
            mat.set_title(f"Holm-adjusted p ({_NO_DIRECTION}: at most {res.alpha:g})")
        else:
            sign = 1.0 if better == "lower" else -1.0
            diff = np.asarray(res.differences, dtype=float)[m][np.ix_(order, order)]
            marks = np.where(sign * diff < 0, _ROW_BETTER, _COLUMN_BETTER)
            marks = np.where(self.significant_, marks, "")
            mat.set_title(f"Holm-adjusted p (at most {res.alpha:g}: arrow to the better)")

        self.text_ = None
        if annotate:
            self.text_ = np.full((n, n), None, dtype=object)
            size = max(5.0, min(9.0, 100.0 / n))
            for i, j in zip(*np.nonzero(np.isfinite(p))):
                color = _contrasting_text_color(self.im_.cmap(self.im_.norm(p[i, j])))
                text = _format_p(p[i, j]) + (f" {marks[i, j]}" if marks[i, j] else "")
                self.text_[i, j] = mat.text(
                    j, i, text, ha="center", va="center", color=color, fontsize=size,
                    fontweight="bold" if self.significant_[i, j] else "normal")

        self.colorbar_ = None
        if colorbar:
            self.colorbar_ = mat.figure.colorbar(self.im_, ax=mat,
                                                  label="Holm-adjusted p-value")
            self.colorbar_.ax.axhline(res.alpha, color="black", lw=1)

        self.order_ = order
        self.ax_, self.matrix_ax_ = ax, mat
        self.figure_ = ax.figure
        return self
