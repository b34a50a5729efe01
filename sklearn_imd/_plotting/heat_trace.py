"""HeatTraceDisplay: heat-trace signatures of point clouds against the diffusion time."""

import numpy as np

from .._core.distance import imd_weights
from .._utils.validation import _as_numeric_array, check_times
from ._common import _check_labels, _check_matplotlib, _check_matrix_values, _new_axes


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
        from ..signature import IMDSignature

        est = IMDSignature(**signature_params).fit(clouds)  # fit computes nothing
        signatures, std = est.transform(clouds, return_std=True)
        return cls.from_signatures(signatures, t=est.t_, std=std, labels=labels, ax=ax,
                                   show_weight=show_weight)

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
