"""The warnings of sklearn-imd, one module as ``sklearn.exceptions`` is.

Each is a :class:`UserWarning` that names what happened and what to do; all
are importable from ``sklearn_imd`` too, and can be filtered by category.

Examples
--------
>>> import warnings
>>> from sklearn_imd.exceptions import DuplicatePointsWarning
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", DuplicatePointsWarning)  # duplicates expected
"""

__all__ = ["ApproximateGraphWarning", "CacheDirWarning", "DuplicatePointsWarning",
           "ExactSearchWarning", "MetricWarning"]


class ApproximateGraphWarning(UserWarning):
    """An approximate kNN graph misses enough true neighbours to bias the signature.

    Given by ``knn="approx"`` and ``knn="pynndescent"`` when the sampled
    recall is below 99%; ``knn="auto"`` never keeps such a graph (it says so
    with an :class:`ExactSearchWarning`).
    """


class ExactSearchWarning(UserWarning):
    """``knn="auto"`` took the exact kNN search where NN-descent would miss neighbours.

    The graph, hence the signature, is the exact one; the warning says why
    it took longer than an approximate search: the approximate graph's
    sampled recall was below 99%, or the cloud's intrinsic dimension is too
    high for NN-descent and the exact search is predicted to be slow.
    """


class DuplicatePointsWarning(UserWarning):
    """Groups of more than ``k`` identical points: ties decide the kNN graph.

    Every point at the distance of the ``k``-th nearest is a neighbour, so a
    group of more than ``k`` identical points becomes a clique: the signature
    then describes the duplication, not the shape of the data.
    """


class MetricWarning(UserWarning):
    """A metric of :func:`compare` could not be computed for one sample.

    Its cell of the table is empty (NaN; ``null`` in the command line's
    JSON) and the warning says why (e.g. an FID beyond float64's range); the
    other cells are computed as usual.  A metric computed for the sample but
    not for one of its resamples leaves its interval's bounds NaN, with this
    warning too.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn_imd import MetricWarning, compare
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(200, 3))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     table = compare(real * 1e160, {"far": rng.normal(size=(200, 3)) * 1e-160},
    ...                     metrics="fid,recall", random_state=0)
    >>> bool(np.isnan(table.loc["far", "fid"]))  # beyond float64: no FID
    True
    >>> [w.category.__name__ for w in caught if issubclass(w.category, MetricWarning)]
    ['MetricWarning']
    """


class CacheDirWarning(UserWarning):
    """The chosen folder of the Numba kernels' on-disk cache is not private.

    Issued once per process, at the first use of the kernels (a signature of
    1,024 points or more).  The message names the folder that was refused,
    why, and what is used instead: the per-user temporary folder, or no
    on-disk cache (the kernels still run, compiled anew in each process).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn_imd import CacheDirWarning, imd_score
    >>> issubclass(CacheDirWarning, UserWarning)
    True
    >>> X = np.random.default_rng(0).normal(size=(1100, 3))
    >>> with warnings.catch_warnings():  # set before the kernels' first use
    ...     warnings.simplefilter("ignore", CacheDirWarning)  # e.g. in a sandbox
    ...     imd_score(X, X + 1, random_state=0) >= 0
    True
    """
