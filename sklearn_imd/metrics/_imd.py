"""IMD between point clouds and between their signatures."""

import numpy as np

from .._core.distance import imd_matrix, imd_pairs, weighted_times
from .._utils.validation import _as_numeric_array, check_cloud, check_imd_params, check_times

def _check_signature(u, name, n_times=None):
    arr = _as_numeric_array(u, name)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D signature (one row of IMDSignature output); got a "
            f"{arr.ndim}-D array of shape {arr.shape}."
        )
    if arr.size == 0:
        raise ValueError(f"{name} is an empty signature.")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return arr.astype(np.float64, copy=False)


def imd_signature(
    X,
    *,
    k=5,
    m=10,
    nv=100,
    t=None,
    method="auto",
    normalization="empty",
    knn="auto",
    random_state=None,
    return_std=False,
):
    """Heat-trace signature of one point cloud, without an estimator.

    The row :class:`~sklearn_imd.IMDSignature` gives for this cloud, with the
    same parameters and seed.  For a script that computes a few signatures
    this function is the lighter path: it does not import scikit-learn, whose
    estimator machinery (``sklearn.base`` brings in SciPy's statistics) takes
    longer to import than a signature of 10,000 points takes to compute.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        The point cloud, with more than ``k`` points.
    k, m, nv, t, method, normalization, knn, random_state
        As in :class:`~sklearn_imd.IMDSignature`.
    return_std : bool, default=False
        Also return the standard error of each entry (zero where the exact
        spectrum is used), as :meth:`IMDSignature.transform
        <sklearn_imd.IMDSignature.transform>`.

    Returns
    -------
    signature : ndarray of shape (n_times,), float64
        The normalised heat trace on the grid ``t`` (default: the published
        256 times from 0.1 to 10).
    std : ndarray of shape (n_times,), float64
        Its standard errors; only with ``return_std=True``.

    See Also
    --------
    sklearn_imd.IMDSignature : The same signatures as a scikit-learn transformer.
    sklearn_imd.imd_distance : IMD between two signatures.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import imd_distance, imd_score, imd_signature
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(1000, 10)), rng.uniform(size=(1000, 10))
    >>> u = imd_signature(X, random_state=0)
    >>> u.shape
    (256,)
    >>> float(np.round(imd_distance(u, imd_signature(Y, random_state=1)), 6)) > 0
    True
    """
    from .._core.compute import compute_signatures

    params = check_imd_params(
        k=k, m=m, nv=nv, method=method, normalization=normalization, knn=knn
    )
    t = check_times(t)
    X = check_cloud(X, min_points=params["k"] + 1, name="X")
    S, E = compute_signatures([X], t, params, random_state, None, ["X"])
    return (S[0], E[0]) if return_std else S[0]


def imd_distance(u, v, t=None):
    """IMD between two signatures: ``max_t exp(-2 (t + 1/t)) |u(t) - v(t)|``.

    A metric on the rows of :class:`~sklearn_imd.IMDSignature` output, usable
    as ``metric`` of :func:`sklearn.metrics.pairwise_distances` and of
    scikit-learn estimators that accept callables.

    Parameters
    ----------
    u, v : array-like of shape (n_times,)
        Two signatures on the same time grid.
    t : array-like of shape (n_times,), default=None
        The grid of the signatures; ``None`` is the default grid of 256
        log-spaced times from 0.1 to 10.

    Returns
    -------
    distance : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import pairwise_distances
    >>> from sklearn_imd import IMDSignature, imd_distance
    >>> rng = np.random.default_rng(0)
    >>> clouds = [rng.normal(size=(200, 3)) for _ in range(3)]
    >>> S = IMDSignature(nv=10, random_state=0).fit_transform(clouds)
    >>> D = pairwise_distances(S, metric=imd_distance)
    >>> D.shape, bool(np.all(np.diag(D) == 0))
    ((3, 3), True)
    """
    t = check_times(t)
    u = _check_signature(u, "u")
    v = _check_signature(v, "v")
    if u.shape != v.shape or u.size != t.size:
        raise ValueError(
            f"u, v and t must have the same length; got {u.size}, {v.size} and {t.size}"
            + (" (t=None is the default grid of 256 times)." if u.size != t.size else ".")
        )
    return float(imd_pairs(u[None, :], v[None, :], t)[0])


def pairwise_imd(
    X,
    Y=None,
    *,
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
    """IMD between every pair of point clouds, each signature computed once.

    Parameters
    ----------
    X : list of array-like of shape (n_points_i, n_features_i) or ndarray of \
shape (n_clouds_X, n_points, n_features)
        Point clouds.
    Y : same as X, default=None
        Second collection; ``None`` compares ``X`` with itself and returns a
        symmetric matrix with a zero diagonal.
    k, m, nv, t, method, normalization, knn, random_state, n_jobs, verbose
        As in :class:`~sklearn_imd.IMDSignature` (``verbose``: a progress bar
        on stderr, one step per cloud).

    Returns
    -------
    D : ndarray of shape (n_clouds_X, n_clouds_Y)
        ``D[i, j]`` is the IMD between ``X[i]`` and ``Y[j]``.  With ``Y=None``
        it equals ``pairwise_distances(IMDSignature(...).fit_transform(X),
        metric=imd_distance)`` for the same parameters.

    Warns
    -----
    DuplicatePointsWarning, ExactSearchWarning, ApproximateGraphWarning
        As in :class:`~sklearn_imd.IMDSignature`, once per cloud.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.cluster import AgglomerativeClustering
    >>> from sklearn_imd import pairwise_imd
    >>> rng = np.random.default_rng(0)
    >>> def circle(n=300):  # a noisy circle in 3-D: intrinsically one-dimensional
    ...     a = rng.uniform(0, 2 * np.pi, n)
    ...     return np.c_[np.cos(a), np.sin(a), 0.01 * rng.normal(size=n)]
    >>> clouds = [rng.normal(size=(300, 3)) for _ in range(3)]
    >>> clouds += [circle() for _ in range(3)]
    >>> D = pairwise_imd(clouds, nv=50, random_state=0)
    >>> D.shape
    (6, 6)
    >>> labels = AgglomerativeClustering(
    ...     n_clusters=2, metric="precomputed", linkage="average").fit_predict(D)
    >>> bool(labels[0] == labels[1] == labels[2] != labels[3] == labels[4] == labels[5])
    True
    """
    from .._core.compute import compute_signatures
    from .._utils.progress import check_verbose, progress_bar
    from .._utils.validation import check_point_clouds

    params = check_imd_params(
        k=k, m=m, nv=nv, method=method, normalization=normalization, knn=knn
    )
    verbose = check_verbose(verbose)
    t = weighted_times(check_times(t))
    clouds = check_point_clouds(X, min_points=params["k"] + 1, name="X")
    names = [f"X[{i}]" for i in range(len(clouds))]
    n_X = len(clouds)
    if Y is not None:
        clouds_Y = check_point_clouds(Y, min_points=params["k"] + 1, name="Y")
        names += [f"Y[{i}]" for i in range(len(clouds_Y))]
        clouds = clouds + clouds_Y
    bar = progress_bar(len(clouds), "IMD signatures", verbose)
    try:
        S, _ = compute_signatures(clouds, t, params, random_state, n_jobs, names, progress=bar)
    finally:
        bar.close()
    if Y is None:
        D = imd_matrix(S, S, t)
        return np.maximum(D, D.T)
    return imd_matrix(S[:n_X], S[n_X:], t)


def imd_score(
    X,
    Y,
    *,
    k=5,
    m=10,
    nv=100,
    t=None,
    method="auto",
    normalization="empty",
    knn="auto",
    random_state=None,
    n_jobs=None,
):
    """IMD, the intrinsic multi-scale distance, between two point clouds.

    The clouds may differ in their number of points and in their dimension:
    IMD compares the heat-kernel traces of their kNN graphs, a lower bound of
    the spectral Gromov-Wasserstein distance between the underlying manifolds
    (Tsitsulin et al., ICLR 2020).

    Parameters
    ----------
    X : array-like of shape (n_points_X, n_features_X)
        First point cloud.
    Y : array-like of shape (n_points_Y, n_features_Y)
        Second point cloud.
    k, m, nv, t, method, normalization, knn, random_state, n_jobs
        As in :class:`~sklearn_imd.IMDSignature`; ``n_jobs=2`` computes both
        signatures at once.

    Returns
    -------
    score : float
        The IMD; 0 means indistinguishable heat traces.

    Warns
    -----
    DuplicatePointsWarning, ExactSearchWarning, ApproximateGraphWarning
        As in :class:`~sklearn_imd.IMDSignature`, once per cloud.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import imd_score
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 10))
    >>> Y = rng.beta(0.5, 0.5, size=(1000, 10))
    >>> imd_score(X, Y, random_state=0) > 10 * imd_score(X, rng.normal(size=(1000, 10)), random_state=0)
    True
    """
    from .._core.compute import compute_signatures

    params = check_imd_params(
        k=k, m=m, nv=nv, method=method, normalization=normalization, knn=knn
    )
    t = weighted_times(check_times(t))
    X = check_cloud(X, min_points=params["k"] + 1, name="X")
    Y = check_cloud(Y, min_points=params["k"] + 1, name="Y")
    S, _ = compute_signatures([X, Y], t, params, random_state, n_jobs, ["X", "Y"])
    return float(imd_pairs(S[:1], S[1:], t)[0])
