"""SampleDisplay: the samples the per-sample diagnostics single out, as
pictures when they are images and as a scatter of a 2-D embedding otherwise."""

import numpy as np

from ._common import _check_matplotlib, _new_axes

# Rows of the picture grid, top to bottom, and their titles.
_TITLES = {
    "least_realistic": "least realistic generated",
    "most_copied": "generated nearest to a training point",
    "copied_from": "... and that training point",
    "uncovered": "reference points no generated sample covers",
}


def _as_points(A, name, image_shape):
    """``(points, image_shape)``: the rows of ``A`` as flat float64 vectors, and
    the shape of one picture (``None`` for plain features)."""
    A = np.asarray(A)
    if A.ndim >= 3:
        shape = A.shape[1:]
        if image_shape is not None and tuple(image_shape) != shape:
            raise ValueError(f"{name} holds images of shape {shape}, but image_shape is "
                             f"{tuple(image_shape)}.")
        image_shape = shape
        A = A.reshape(A.shape[0], -1)
    elif A.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of features or an array of images "
                         f"(n, height, width[, channels]); got shape {A.shape}.")
    if image_shape is not None:
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) not in (2, 3) or (len(image_shape) == 3
                                              and image_shape[2] not in (1, 3, 4)):
            raise ValueError("image_shape must be (height, width) or (height, width, "
                             f"channels) with 1, 3 or 4 channels; got {image_shape}.")
        if int(np.prod(image_shape)) != A.shape[1]:
            raise ValueError(f"{name} has {A.shape[1]} features per sample, which do not "
                             f"make images of shape {image_shape} "
                             f"({int(np.prod(image_shape))} values).")
    return A, image_shape


def _check_length(array, n, what, name):
    if np.shape(array)[0] != n:
        raise ValueError(f"the diagnostics hold {np.shape(array)[0]} {what}, but {name} has "
                         f"{n} samples: pass the samples they were computed on.")


class SampleDisplay:
    """The samples behind the per-sample diagnostics: the least realistic
    generated samples, those nearest to a training point beside it, and the
    reference points no generated sample covers.

    For images, a grid of pictures, one row per group (the copies over their
    training neighbours, so that a copy reads as two equal pictures one above
    the other).  For other features, one scatter plot in two dimensions (the
    features themselves when there are two, else the reference's first two
    principal components): the reference in grey, the generated samples in
    blue, the least realistic ringed in orange, every uncovered reference
    point as a red cross (so that the regions the model misses show) and each
    copy joined to its training neighbour by a purple segment.

    Build one with :meth:`from_samples` (computes the diagnostics) or
    :meth:`from_diagnostics` (reuses them); :meth:`plot` draws.  matplotlib
    is needed to plot.

    Parameters
    ----------
    diagnostics : SampleDiagnostics
        From :func:`~sklearn_imd.sample_diagnostics` of ``real`` and
        ``generated``.
    real, generated : array-like
        The reference and generated samples, as 2-D arrays of features or as
        arrays of images of shape ``(n, height, width[, channels])``.
    train : array-like, default=None
        The model's training set (as ``real``), to show the copies.
    copies : AuthenticitySamples, default=None
        From :func:`~sklearn_imd.authenticity_score` of ``train`` and
        ``generated`` with ``return_samples=True``; needed with ``train``.
    image_shape : tuple of int, default=None
        Shape of one picture when the samples are flat rows of pixels (e.g.
        ``(8, 8)`` for scikit-learn's digits); ``None`` shows images only when
        the arrays are images already, and a scatter otherwise.

    Attributes
    ----------
    indices_ : dict of str to ndarray of int
        The rows shown, by group: ``"least_realistic"`` (of ``generated``,
        lowest realism first), ``"uncovered"`` (of ``real``: reference points
        whose ball holds no generated sample, the smallest balls first: the
        densest regions the model misses), and with a training set
        ``"most_copied"`` (of ``generated``, nearest to a training point
        first) and ``"copied_from"`` (their training points).
    axes_ : dict of str to ndarray of matplotlib Axes, or matplotlib Axes
        For images, the row of axes of each group, by the names of
        ``indices_``; for a scatter, the one axes.
    figure_ : matplotlib Figure

    See Also
    --------
    sklearn_imd.sample_diagnostics : The per-sample scores.
    sklearn_imd.authenticity_score : Each generated sample's nearest training
        point.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")  # draw without a window
    >>> import numpy as np
    >>> from sklearn_imd.plotting import SampleDisplay
    >>> rng = np.random.default_rng(0)
    >>> train, real = rng.normal(size=(400, 2)), rng.normal(size=(400, 2))
    >>> generated = np.vstack([train[:50] + 1e-3, rng.normal(size=(300, 2))])
    >>> disp = SampleDisplay.from_samples(real, generated, train=train, n_show=5)
    >>> disp.indices_["most_copied"].tolist() == disp.indices_["copied_from"].tolist()
    True
    >>> bool(np.all(disp.indices_["most_copied"] < 50))  # the copies
    True
    >>> import matplotlib.pyplot as plt
    >>> plt.close(disp.figure_)
    """

    def __init__(self, diagnostics, real, generated, *, train=None, copies=None,
                 image_shape=None):
        self.diagnostics = diagnostics
        self.real, self.generated, self.train = real, generated, train
        self.copies = copies
        self.image_shape = image_shape

    @classmethod
    def from_samples(cls, real, generated, *, train=None, k=5, image_shape=None, n_show=8,
                     cmap="gray", figure=None):
        """Compute the diagnostics (and the copies, with ``train``) and plot them.

        Parameters
        ----------
        real, generated, train, image_shape
            As in the class.
        k : int, default=5
            Neighbour of the kNN radii (:func:`~sklearn_imd.sample_diagnostics`).
        n_show, cmap, figure
            As in :meth:`plot`.

        Returns
        -------
        display : SampleDisplay
        """
        from ..metrics import authenticity_score, sample_diagnostics

        _check_matplotlib(f"{cls.__name__}.from_samples")
        X, shape = _as_points(real, "real", image_shape)
        Y, _ = _as_points(generated, "generated", shape)
        copies = None
        if train is not None:
            T, _ = _as_points(train, "train", shape)
            copies = authenticity_score(T, Y, return_samples=True)[1]
        return cls(sample_diagnostics(X, Y, k=k), real, generated, train=train,
                   copies=copies, image_shape=image_shape).plot(n_show=n_show, cmap=cmap,
                                                                figure=figure)

    @classmethod
    def from_diagnostics(cls, diagnostics, real, generated, *, train=None, copies=None,
                         image_shape=None, n_show=8, cmap="gray", figure=None):
        """Plot diagnostics computed already.

        Parameters
        ----------
        diagnostics, real, generated, train, copies, image_shape
            As in the class.
        n_show, cmap, figure
            As in :meth:`plot`.

        Returns
        -------
        display : SampleDisplay
        """
        _check_matplotlib(f"{cls.__name__}.from_diagnostics")
        return cls(diagnostics, real, generated, train=train, copies=copies,
                   image_shape=image_shape).plot(n_show=n_show, cmap=cmap, figure=figure)

    def _checked(self, n_show):
        from ..metrics import AuthenticitySamples, SampleDiagnostics

        diag = self.diagnostics
        if not isinstance(diag, SampleDiagnostics):
            raise TypeError("diagnostics must be the SampleDiagnostics of sample_diagnostics; "
                            f"got {type(diag).__name__}.")
        if isinstance(n_show, (bool, np.bool_)) or not isinstance(n_show, (int, np.integer)) \
                or n_show < 1:
            raise ValueError(f"n_show must be a positive integer; got {n_show!r}.")
        X, shape = _as_points(self.real, "real", self.image_shape)
        Y, _ = _as_points(self.generated, "generated", shape)
        _check_length(diag.realism, Y.shape[0], "generated samples", "generated")
        _check_length(diag.covered, X.shape[0], "reference points", "real")
        T = None
        if (self.train is None) != (self.copies is None):
            raise ValueError("train and copies go together: copies is the AuthenticitySamples "
                             "of authenticity_score(train, generated, return_samples=True).")
        if self.train is not None:
            if not isinstance(self.copies, AuthenticitySamples):
                raise TypeError("copies must be the AuthenticitySamples of authenticity_score"
                                f"(..., return_samples=True); got {type(self.copies).__name__}.")
            T, _ = _as_points(self.train, "train", shape)
            _check_length(self.copies.nearest_train, Y.shape[0], "generated samples",
                          "generated")
            if self.copies.nearest_train.max(initial=0) >= T.shape[0]:
                raise ValueError("copies points to rows beyond train: pass the training set "
                                 "it was computed on.")
        indices = {"least_realistic": np.argsort(diag.realism, kind="stable")[:n_show]}
        if T is not None:
            nearest = np.argsort(self.copies.distance, kind="stable")[:n_show]
            indices["most_copied"] = nearest
            indices["copied_from"] = self.copies.nearest_train[nearest]
        missed = np.flatnonzero(~diag.covered)
        indices["uncovered"] = missed[np.argsort(diag.radius[missed], kind="stable")][:n_show]
        return X, Y, T, shape, indices

    def plot(self, *, n_show=8, cmap="gray", figure=None):
        """Draw the pictures or the scatter.

        Parameters
        ----------
        n_show : int, default=8
            Samples shown per group.
        cmap : str or matplotlib Colormap, default="gray"
            Colour map of one-channel pictures (unused for a scatter).
        figure : matplotlib Figure, default=None
            Where to draw; ``None`` creates one.

        Returns
        -------
        display : SampleDisplay
        """
        _check_matplotlib(f"{type(self).__name__}.plot")
        X, Y, T, shape, self.indices_ = self._checked(n_show)
        if shape is None:
            self._scatter(X, Y, T, figure)
        else:
            self._pictures(X, Y, T, shape, n_show, cmap, figure)
        return self

    def _pictures(self, X, Y, T, shape, n_show, cmap, figure):
        import matplotlib.pyplot as plt

        source = {"least_realistic": Y, "most_copied": Y, "copied_from": T, "uncovered": X}
        groups = list(self.indices_)
        shown = [source[g][self.indices_[g]] for g in groups]
        low = min(float(np.min(s)) for s in shown if s.size)
        high = max(float(np.max(s)) for s in shown if s.size)
        high = high if high > low else low + 1.0
        if figure is None:
            figure = plt.figure(figsize=(1.1 * n_show + 0.4, 1.45 * len(groups)))
        axes = figure.subplots(len(groups), n_show, squeeze=False)
        diag = self.diagnostics
        for row, (group, pictures) in enumerate(zip(groups, shown)):
            for col, ax in enumerate(axes[row]):
                ax.set_axis_off()
                if col >= len(pictures):
                    continue
                image = pictures[col].reshape(shape)
                if image.ndim == 3 and image.shape[2] == 1:
                    image = image[:, :, 0]
                if image.ndim == 2:
                    ax.imshow(image, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
                else:
                    ax.imshow((image - low) / (high - low), interpolation="nearest")
                i = self.indices_[group][col]
                if group == "least_realistic":
                    label = f"realism {diag.realism[i]:.2f}"
                elif group == "most_copied":
                    label = f"d = {self.copies.distance[i]:.3g}"
                else:
                    label = f"{'train' if group == 'copied_from' else 'ref'} {i}"
                ax.set_title(label, fontsize=7)
            axes[row][0].text(0.0, 1.32, _TITLES[group], transform=axes[row][0].transAxes,
                              fontsize=9, ha="left", va="bottom")
        figure.subplots_adjust(hspace=0.7, wspace=0.1)
        self.axes_ = {group: axes[row] for row, group in enumerate(groups)}
        self.figure_ = figure

    def _scatter(self, X, Y, T, figure):
        if X.shape[1] == 2:
            def embed(A):
                return A
            labels = ("feature 0", "feature 1")
        else:
            from sklearn.decomposition import PCA

            pca = PCA(n_components=2, svd_solver="full").fit(X)
            embed = pca.transform
            labels = ("PC 1 of the reference", "PC 2 of the reference")
        ax = figure.add_subplot() if figure is not None else _new_axes(None, figsize=(6, 5))
        E, F = embed(X), embed(Y)
        ax.scatter(E[:, 0], E[:, 1], s=6, c="0.7", label="reference")
        ax.scatter(F[:, 0], F[:, 1], s=6, c="tab:blue", alpha=0.6, label="generated")
        worst = F[self.indices_["least_realistic"]]
        ax.scatter(worst[:, 0], worst[:, 1], s=60, facecolors="none", edgecolors="tab:orange",
                   linewidths=1.5, label="least realistic")
        missed = E[~self.diagnostics.covered]  # all of them: the regions missed
        ax.scatter(missed[:, 0], missed[:, 1], s=30, c="tab:red", marker="x",
                   linewidths=1, label="uncovered reference")
        if T is not None:
            from matplotlib.collections import LineCollection

            a = F[self.indices_["most_copied"]]
            b = embed(T[self.indices_["copied_from"]])
            ax.add_collection(LineCollection(np.stack([a, b], axis=1), colors="tab:purple",
                                             linewidths=1.5))
            ax.scatter(b[:, 0], b[:, 1], s=30, c="tab:purple", marker="s",
                       label="training point nearest to a generated one")
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        ax.legend(fontsize=8, loc="best")
        self.axes_ = ax
        self.figure_ = ax.figure
