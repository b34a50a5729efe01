"""What the displays share: matplotlib imported with an install hint, new axes,
and the checks of labels and of 2-D arrays of values."""

import numpy as np


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
