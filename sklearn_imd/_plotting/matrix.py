"""IMDMatrixDisplay: the heatmap of the IMDs between point clouds, optionally
clustered, its cells annotated in a contrasting colour."""

import numpy as np

from .._utils.validation import _as_numeric_array
from ._common import _check_labels, _check_matplotlib, _check_matrix_values, _new_axes

# Largest number of rows that annotate="auto" writes the values of.
_AUTO_ANNOTATE_MAX = 30


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
        from ..metrics import pairwise_imd

        matrix = pairwise_imd(clouds, **imd_params)
        return cls.from_matrix(matrix, labels=labels, ax=ax, dendrogram=dendrogram,
                               annotate=annotate, cmap=cmap, values_format=values_format,
                               colorbar=colorbar)

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
