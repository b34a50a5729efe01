"""Plots of heat-trace signatures and of IMD matrices (needs matplotlib).

The displays follow scikit-learn's convention (as
:class:`sklearn.metrics.ConfusionMatrixDisplay`): build one from the data with
a ``from_*`` class method, which computes what is needed and plots it, or
construct it from precomputed values and call :meth:`plot`.  The figure and
its parts are kept as attributes (``figure_``, ``ax_``, ...) for further
styling.

matplotlib is an optional dependency (``pip install "sklearn-imd[plot]"``),
imported only when a plot is drawn: importing this module does not need it.
"""

import numpy as np

from ._core.distance import imd_weights
from ._utils.validation import _as_numeric_array, check_times

__all__ = ["HeatTraceDisplay", "IMDMatrixDisplay"]

# Largest number of rows that annotate="auto" writes the values of.
_AUTO_ANNOTATE_MAX = 30


def _check_matplotlib(caller):
    """Import matplotlib, or raise an ImportError that says how to install it."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{caller} needs matplotlib, an optional dependency of sklearn-imd; install "
            'it with: pip install "sklearn-imd[plot]"'
        ) from None


def _new_axes(ax, **figure_kwargs):
    """``ax``, or the axes of a new figure."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(**figure_kwargs)
    return ax


def _check_labels(labels, n, name):
    """``n`` strings: the given labels, or "cloud 0", "cloud 1", ..."""
    if labels is None:
        return [f"cloud {i}" for i in range(n)]
    if isinstance(labels, str) or not hasattr(labels, "__len__"):
        raise TypeError(f"labels must be a sequence of {n} names, got {labels!r}.")
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries, but {name} has {n}.")
    return [str(label) for label in labels]


def _check_matrix_values(arr, name):
    """A non-empty, finite float64 copy-free view of a 2-D numeric array."""
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array; got a {arr.ndim}-D array of shape "
                         f"{arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}).")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return arr


class HeatTraceDisplay:
    """Heat-trace signatures of point clouds against the diffusion time.

    One line per cloud on a logarithmic time axis; with standard errors, a
    translucent band of +-2 standard errors around each line estimated by
    stochastic Lanczos quadrature; and, on a second y axis, the IMD weight
    ``exp(-2 (t + 1/t))``, which shows the times that decide the IMD (its
    maximum is at ``t = 1``, and almost all of its mass lies between 0.3 and
    3).

    Build one with :meth:`from_clouds` (which computes the signatures) or
    :meth:`from_signatures`; constructing it directly stores the data, and
    :meth:`plot` draws it.  matplotlib is needed to plot.

    Parameters
    ----------
    signatures : array-like of shape (n_clouds, n_times)
        Signatures, rows of :class:`~sklearn_imd.IMDSignature` output.
    t : array-like of shape (n_times,) or None
        Their diffusion times (the estimator's ``t_``); ``None`` is the
        default grid of 256 log-spaced times from 0.1 to 10.
    std : array-like of shape (n_clouds, n_times), default=None
        Standard errors of the signatures (``transform(X, return_std=True)``).
    labels : list of str of length n_clouds, default=None
        Legend entries; ``None`` gives "cloud 0", "cloud 1", ...

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the signatures.
    figure_ : matplotlib Figure
        The figure of ``ax_``.
    lines_ : list of matplotlib Line2D
        One line per signature.
    bands_ : list of (matplotlib PolyCollection or None)
        The +-2 standard error band of each signature; ``None`` where no
        standard error is given or it is zero (an exact spectrum).
    weight_ax_ : matplotlib Axes or None
        The twin axes of the IMD weight, ``None`` without ``show_weight``.
        Drawn over ``ax_``, it holds the legend when shown.
    weight_line_ : matplotlib Line2D or None
        The curve of the IMD weight.

    See Also
    --------
    IMDMatrixDisplay : Heatmap of the IMDs between clouds.
    sklearn_imd.IMDSignature : Computes the signatures.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # draw without a window
    >>> import numpy as np
    >>> from sklearn_imd.plotting import HeatTraceDisplay
    >>> rng = np.random.default_rng(0)
    >>> clouds = [rng.normal(size=(200, 3)), rng.uniform(size=(200, 2))]
    >>> disp = HeatTraceDisplay.from_clouds(
    ...     clouds, labels=["normal", "uniform"], nv=10, random_state=0)
    >>> len(disp.lines_), disp.ax_.get_xscale()
    (2, 'log')
    >>> disp.signatures.shape
    (2, 256)
    >>> import matplotlib.pyplot as plt
    >>> plt.close(disp.figure_)
    """

    def __init__(self, signatures, t, *, std=None, labels=None):
        self.signatures = signatures
        self.t = t
        self.std = std
        self.labels = labels

    @classmethod
    def from_clouds(cls, clouds, *, labels=None, ax=None, show_weight=True,
                    **signature_params):
        """Compute the signatures of point clouds and plot them.

        Parameters
        ----------
        clouds : list of array-like of shape (n_points_i, n_features_i) or \
ndarray of shape (n_clouds, n_points, n_features)
            Point clouds.
        labels : list of str of length n_clouds, default=None
            Legend entries; ``None`` gives "cloud 0", "cloud 1", ...
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        show_weight : bool, default=True
            Draw the IMD weight on a twin y axis.
        **signature_params
            Parameters of :class:`~sklearn_imd.IMDSignature` (``k``, ``nv``,
            ``t``, ``random_state``, ...).

        Returns
        -------
        display : HeatTraceDisplay
            With the computed ``signatures``, ``std`` (standard errors) and
            ``t``.
        """
        _check_matplotlib(f"{cls.__name__}.from_clouds")
        from .signature import IMDSignature

        est = IMDSignature(**signature_params).fit(clouds)  # fit computes nothing
        signatures, std = est.transform(clouds, return_std=True)
        disp = cls(signatures, est.t_, std=std, labels=labels)
        return disp.plot(ax=ax, show_weight=show_weight)

    @classmethod
    def from_signatures(cls, signatures, *, t=None, std=None, labels=None, ax=None,
                        show_weight=True):
        """Plot precomputed signatures.

        Parameters
        ----------
        signatures : array-like of shape (n_clouds, n_times)
            Rows of :class:`~sklearn_imd.IMDSignature` output.
        t : array-like of shape (n_times,), default=None
            Their diffusion times (the estimator's ``t_``); ``None`` is the
            default grid of 256 log-spaced times from 0.1 to 10.
        std : array-like of shape (n_clouds, n_times), default=None
            Standard errors of the signatures, drawn as +-2 standard error
            bands.
        labels : list of str of length n_clouds, default=None
            Legend entries; ``None`` gives "cloud 0", "cloud 1", ...
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        show_weight : bool, default=True
            Draw the IMD weight on a twin y axis.

        Returns
        -------
        display : HeatTraceDisplay
        """
        _check_matplotlib(f"{cls.__name__}.from_signatures")
        disp = cls(signatures, t, std=std, labels=labels)
        return disp.plot(ax=ax, show_weight=show_weight)

    def _validated(self):
        """The signatures, times, standard errors (or None) and labels, checked."""
        S = _check_matrix_values(_as_numeric_array(self.signatures, "signatures"), "signatures")
        t = check_times(self.t)
        if t.size != S.shape[1]:
            raise ValueError(
                f"t has {t.size} diffusion times but signatures has {S.shape[1]} columns"
                + (" (t=None is the default grid of 256 times)." if self.t is None else ".")
            )
        std = self.std
        if std is not None:
            std = _as_numeric_array(std, "std")
            if std.shape != S.shape:
                raise ValueError(
                    f"std must have the shape of signatures {S.shape}; got {std.shape}."
                )
            std = _check_matrix_values(std, "std")
            if (std < 0).any():
                raise ValueError("std holds negative standard errors.")
        labels = _check_labels(self.labels, S.shape[0], "signatures")
        return S, t, std, labels

    def plot(self, ax=None, *, show_weight=True, **line_kwargs):
        """Draw the signatures.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        show_weight : bool, default=True
            Draw the IMD weight ``exp(-2 (t + 1/t))`` (grey, dashed) on a twin
            y axis.
        **line_kwargs
            Passed to :meth:`matplotlib.axes.Axes.plot` for every signature
            (``lw``, ``alpha``, ...); the labels come from ``labels``.

        Returns
        -------
        display : HeatTraceDisplay
        """
        _check_matplotlib(f"{type(self).__name__}.plot")
        if "label" in line_kwargs:
            raise TypeError("plot() takes the legend entries from labels, not label=.")
        S, t, std, labels = self._validated()
        # a constrained layout keeps the label of the twin axis inside the figure
        ax = _new_axes(ax, layout="constrained")
        order = np.argsort(t, kind="stable")
        t = t[order]

        self.lines_, self.bands_ = [], []
        for i, (row, label) in enumerate(zip(S[:, order], labels)):
            (line,) = ax.plot(t, row, label=label, **line_kwargs)
            self.lines_.append(line)
            band = None
            if std is not None and (std[i] > 0).any():
                err = 2.0 * std[i, order]
                band = ax.fill_between(t, row - err, row + err, color=line.get_color(),
                                       alpha=0.25, linewidth=0)
            self.bands_.append(band)
        ax.set_xscale("log")
        if t.size > 1:
            ax.set_xlim(t[0], t[-1])
        ax.set_xlabel("diffusion time t")
        ax.set_ylabel("heat-trace signature")

        handles = list(self.lines_)
        self.weight_ax_ = self.weight_line_ = None
        if show_weight:
            self.weight_ax_ = ax.twinx()
            (self.weight_line_,) = self.weight_ax_.plot(
                t, imd_weights(t), color="grey", ls="--", lw=1, alpha=0.6,
                label="IMD weight exp(-2(t + 1/t))",
            )
            self.weight_ax_.set_ylim(bottom=0)
            self.weight_ax_.set_ylabel("IMD weight", color="grey")
            self.weight_ax_.tick_params(axis="y", colors="grey")
            handles.append(self.weight_line_)
        # on the top axes: the twin axes, drawn over ax, would cross a legend of ax
        legend_ax = self.weight_ax_ if show_weight else ax
        legend_ax.legend(handles=handles, fontsize="small")

        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def _default_format(values):
    """Fixed-point format showing the largest value to three significant
    digits (so 1234 -> '1234', 56.78 -> '56.8', 0.01234 -> '0.0123'), or
    three significant digits for values too large or too small for that."""
    vmax = float(np.abs(values).max())
    if vmax == 0:
        return ".0f"
    if not 1e-3 <= vmax < 1e5:
        return ".3g"
    return f".{max(0, 2 - int(np.floor(np.log10(vmax))))}f"


def _contrasting_text_color(rgba):
    """Black on light colours, white on dark ones (WCAG relative luminance)."""
    rgb = np.asarray(rgba[:3], dtype=np.float64)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    # the luminance at which black and white text have the same contrast ratio
    return "black" if luminance > 0.179 else "white"


class IMDMatrixDisplay:
    """Heatmap of the IMDs between point clouds, optionally clustered.

    Each cell of the heatmap shows the IMD between two clouds, with its value
    written in it.  With ``dendrogram=True`` the clouds are reordered by
    average-linkage hierarchical clustering of the matrix, whose dendrogram is
    drawn above the heatmap, so that similar clouds sit next to each other.

    Build one with :meth:`from_clouds` (which computes the IMDs with
    :func:`~sklearn_imd.pairwise_imd`) or :meth:`from_matrix`; constructing it
    directly stores the matrix, and :meth:`plot` draws it.  matplotlib is
    needed to plot.

    Parameters
    ----------
    matrix : array-like of shape (n_clouds, n_clouds)
        Non-negative distances, such as the output of
        :func:`~sklearn_imd.pairwise_imd`.
    labels : list of str of length n_clouds, default=None
        Names of the clouds; ``None`` gives "cloud 0", "cloud 1", ...

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the heatmap.
    figure_ : matplotlib Figure
        The figure of ``ax_``.
    im_ : matplotlib AxesImage
        The heatmap; ``im_.get_array()`` is ``matrix[order_][:, order_]``.
    text_ : ndarray of shape (n_clouds, n_clouds) of matplotlib Text, or None
        The annotations, in the order shown; ``None`` without annotations.
    order_ : ndarray of shape (n_clouds,)
        The clouds in the order of the rows (and columns) shown.
    dendrogram_ax_ : matplotlib Axes or None
        The axes of the dendrogram, ``None`` without ``dendrogram``.
    colorbar_ : matplotlib Colorbar or None
        The colour bar, ``None`` without ``colorbar``.

    See Also
    --------
    HeatTraceDisplay : The signatures behind the IMDs.
    sklearn_imd.pairwise_imd : Computes the matrix.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # draw without a window
    >>> import numpy as np
    >>> from sklearn_imd.plotting import IMDMatrixDisplay
    >>> rng = np.random.default_rng(0)
    >>> clouds = [rng.normal(size=(200, 3)) for _ in range(2)]
    >>> clouds += [rng.uniform(size=(200, 3)) for _ in range(2)]
    >>> disp = IMDMatrixDisplay.from_clouds(
    ...     clouds, labels=["normal", "normal", "uniform", "uniform"],
    ...     dendrogram=True, nv=10, random_state=0)
    >>> disp.matrix.shape, disp.text_.shape
    ((4, 4), (4, 4))
    >>> sorted(disp.order_[:2].tolist()) in ([0, 1], [2, 3])
    True
    >>> import matplotlib.pyplot as plt
    >>> plt.close(disp.figure_)
    """

    def __init__(self, matrix, *, labels=None):
        self.matrix = matrix
        self.labels = labels

    @classmethod
    def from_clouds(cls, clouds, *, labels=None, ax=None, dendrogram=False, annotate=True,
                    cmap="viridis", values_format=None, colorbar=True, **imd_params):
        """Compute the IMD between every pair of point clouds and plot the matrix.

        Parameters
        ----------
        clouds : list of array-like of shape (n_points_i, n_features_i) or \
ndarray of shape (n_clouds, n_points, n_features)
            Point clouds.
        labels : list of str of length n_clouds, default=None
            Names of the clouds; ``None`` gives "cloud 0", "cloud 1", ...
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        dendrogram, annotate, cmap, values_format, colorbar
            As in :meth:`plot`.
        **imd_params
            Parameters of :func:`~sklearn_imd.pairwise_imd` (``k``, ``nv``,
            ``random_state``, ...).

        Returns
        -------
        display : IMDMatrixDisplay
            With the computed ``matrix``.
        """
        _check_matplotlib(f"{cls.__name__}.from_clouds")
        if "Y" in imd_params:
            raise TypeError(
                "from_clouds compares one collection of clouds with itself; plot the IMDs "
                "between two collections with from_matrix(pairwise_imd(X, Y))."
            )
        from .metrics import pairwise_imd

        matrix = pairwise_imd(clouds, **imd_params)
        disp = cls(matrix, labels=labels)
        return disp.plot(ax=ax, dendrogram=dendrogram, annotate=annotate, cmap=cmap,
                         values_format=values_format, colorbar=colorbar)

    @classmethod
    def from_matrix(cls, matrix, *, labels=None, ax=None, dendrogram=False, annotate=True,
                    cmap="viridis", values_format=None, colorbar=True):
        """Plot a precomputed matrix of IMDs (or of other distances).

        Parameters
        ----------
        matrix : array-like of shape (n_clouds, n_clouds)
            Non-negative distances, such as the output of
            :func:`~sklearn_imd.pairwise_imd`.
        labels : list of str of length n_clouds, default=None
            Names of the clouds; ``None`` gives "cloud 0", "cloud 1", ...
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        dendrogram, annotate, cmap, values_format, colorbar
            As in :meth:`plot`.

        Returns
        -------
        display : IMDMatrixDisplay
        """
        _check_matplotlib(f"{cls.__name__}.from_matrix")
        disp = cls(matrix, labels=labels)
        return disp.plot(ax=ax, dendrogram=dendrogram, annotate=annotate, cmap=cmap,
                         values_format=values_format, colorbar=colorbar)

    def _validated(self, dendrogram, annotate, values_format):
        M = _check_matrix_values(_as_numeric_array(self.matrix, "matrix"), "matrix")
        if M.shape[0] != M.shape[1]:
            raise ValueError(
                f"matrix must be square (the distances between the clouds of one "
                f"collection); got shape {M.shape}."
            )
        if (M < 0).any():
            raise ValueError(f"matrix holds negative values (min {M.min():g}); IMDs are >= 0.")
        labels = _check_labels(self.labels, M.shape[0], "matrix")
        if isinstance(annotate, str):
            if annotate != "auto":
                raise ValueError(f"annotate must be True, False or 'auto'; got {annotate!r}.")
            annotate = M.shape[0] <= _AUTO_ANNOTATE_MAX
        elif not isinstance(annotate, (bool, np.bool_)):
            raise TypeError(f"annotate must be True, False or 'auto'; got {annotate!r}.")
        if values_format is not None:
            try:
                format(1.0, values_format)
            except (TypeError, ValueError):
                raise ValueError(
                    f"values_format must be a format spec for floats such as '.2f'; got "
                    f"{values_format!r}."
                ) from None
        if dendrogram:
            if M.shape[0] < 2:
                raise ValueError("dendrogram=True needs at least 2 clouds.")
            if not np.allclose(M, M.T, rtol=1e-7, atol=1e-12 * M.max()):
                raise ValueError(
                    "dendrogram=True needs a symmetric matrix (the clustering reads "
                    f"distances); the largest |matrix - matrix.T| is "
                    f"{np.abs(M - M.T).max():g}."
                )
        return M, labels, bool(annotate)

    def plot(self, ax=None, *, dendrogram=False, annotate=True, cmap="viridis",
             values_format=None, colorbar=True):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; ``None`` creates a figure.
        dendrogram : bool, default=False
            Order the clouds by average-linkage hierarchical clustering
            (:func:`scipy.cluster.hierarchy.linkage` of the matrix) and draw
            the dendrogram above the heatmap.  Needs a symmetric matrix.
        annotate : bool or "auto", default=True
            Write the value in every cell, in black or white, whichever
            contrasts with the cell's colour.  ``"auto"`` writes them up to
            30 clouds only.
        cmap : str or matplotlib Colormap, default="viridis"
            Colour map of the heatmap.
        values_format : str, default=None
            Format spec of the annotations (as ``format(value, spec)``, e.g.
            ``".2f"``); ``None`` shows the largest value to three significant
            digits, with as many decimals in every cell.
        colorbar : bool, default=True
            Draw a colour bar.

        Returns
        -------
        display : IMDMatrixDisplay
        """
        _check_matplotlib(f"{type(self).__name__}.plot")
        M, labels, annotate = self._validated(dendrogram, annotate, values_format)
        from mpl_toolkits.axes_grid1 import make_axes_locatable

        ax = _new_axes(ax)
        fig = ax.figure
        n = M.shape[0]
        divider = None

        self.order_ = np.arange(n)
        self.dendrogram_ax_ = None
        if dendrogram:
            from scipy.cluster.hierarchy import dendrogram as draw_dendrogram
            from scipy.cluster.hierarchy import linkage
            from scipy.spatial.distance import squareform

            Z = linkage(squareform(0.5 * (M + M.T), checks=False), method="average")
            divider = make_axes_locatable(ax)
            dax = divider.append_axes("top", size="20%", pad=0.05)
            tree = draw_dendrogram(Z, ax=dax, no_labels=True,
                                   link_color_func=lambda _: "0.3")
            self.order_ = np.asarray(tree["leaves"])
            # scipy puts leaf i at x = 10 i + 5; the heatmap's cells at x = i
            dax.set_xlim(0, 10 * n)
            dax.set_axis_off()
            self.dendrogram_ax_ = dax

        shown = M[np.ix_(self.order_, self.order_)]
        names = [labels[i] for i in self.order_]
        self.im_ = ax.imshow(shown, cmap=cmap, interpolation="nearest", vmin=0)
        ax.set_xticks(np.arange(n), names)
        ax.set_yticks(np.arange(n), names)
        if n > 20:  # smaller tick labels, so that neighbours do not overlap
            ax.tick_params(labelsize=max(4.0, 200.0 / n))
        if max(map(len, names)) > 3:
            ax.tick_params(axis="x", labelrotation=45)
            for label in ax.get_xticklabels():
                label.set_ha("right")
                label.set_rotation_mode("anchor")

        self.colorbar_ = None
        if colorbar:
            if divider is None:
                divider = make_axes_locatable(ax)
            cax = divider.append_axes("right", size="5%", pad=0.1)
            self.colorbar_ = fig.colorbar(self.im_, cax=cax, label="IMD")

        self.text_ = None
        if annotate:
            fmt = _default_format(M) if values_format is None else values_format
            size = max(5.0, min(10.0, 120.0 / n))
            self.text_ = np.empty((n, n), dtype=object)
            for i in range(n):
                for j in range(n):
                    color = _contrasting_text_color(self.im_.cmap(self.im_.norm(shown[i, j])))
                    self.text_[i, j] = ax.text(j, i, format(shown[i, j], fmt), ha="center",
                                               va="center", color=color, fontsize=size)

        self.ax_ = ax
        self.figure_ = fig
        return self
