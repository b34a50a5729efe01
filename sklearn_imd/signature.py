"""The IMD signature transformer: one heat-trace signature per point cloud."""

import os

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._graph import knn_adjacency, normalized_laplacian
from ._heat import SIGNATURE_SCALE, heat_trace, null_trace
from ._validation import check_imd_params, check_point_clouds, check_times


def _cloud_signature(X, t, k, m, nv, method, normalization, knn, seed, numba_threads=None):
    """Signature and its standard error for one validated cloud (the data flow of DESIGN.md).

    ``numba_threads`` caps the threads of the Numba kernels during the call,
    so that joblib workers running side by side do not oversubscribe the
    cores; the kernels give the same result for any number of threads.
    """
    if numba_threads is not None:
        import numba

        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(numba_threads, numba.config.NUMBA_NUM_THREADS)))
        try:
            return _cloud_signature(X, t, k, m, nv, method, normalization, knn, seed)
        finally:
            numba.set_num_threads(previous)
    L = normalized_laplacian(knn_adjacency(X, k, knn, random_state=seed))
    trace, std_err = heat_trace(L, t, method, m, nv, np.random.default_rng(seed))
    scale = SIGNATURE_SCALE / null_trace(t, X.shape[0], k, normalization)
    return trace * scale, std_err * scale


class IMDSignature(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Heat-kernel trace signatures of point clouds, the features behind IMD.

    Each sample of ``X`` is a whole point cloud.  For each cloud the
    transformer builds the unweighted, OR-symmetrised graph of its ``k``
    nearest neighbours, estimates the heat-kernel trace ``Tr exp(-t L)`` of the
    normalized Laplacian ``L`` on the grid ``t`` (from the full spectrum for
    small clouds, else by stochastic Lanczos quadrature: ``nv`` probe vectors,
    ``m`` Lanczos steps, a polynomial control variate built on exact traces of
    powers of ``L``), and divides it by a null model.  The output row is 10^6
    times that normalised trace, the scale of the published IMD.

    The IMD between two clouds is ``max_t exp(-2 (t + 1/t)) |s_X(t) - s_Y(t)|``
    of their signatures: see :func:`sklearn_imd.imd_distance`.  Signatures do
    not depend on the dimension of the clouds, so clouds in spaces of different
    dimension can be compared.

    Parameters
    ----------
    k : int, default=5
        Number of nearest neighbours of the graph.  Each cloud needs at least
        ``k + 1`` points.
    m : int, default=10
        Lanczos steps per probe vector (nodes of each Gauss quadrature), >= 2.
    nv : int, default=100
        Number of random probe vectors of the Hutchinson estimator, >= 1.
    t : array-like of shape (n_times,), default=None
        Positive diffusion times.  ``None`` uses the published grid of 256
        log-spaced times from 0.1 to 10.
    method : {"auto", "exact", "slq"}, default="auto"
        Heat trace: ``"exact"`` from all eigenvalues (dense ``eigvalsh``,
        O(n^3) time and O(n^2) memory, no randomness), ``"slq"`` stochastic
        Lanczos quadrature (linear in the graph size), ``"auto"`` exact up to
        500 points, where it is the cheaper.  The SLQ control variate
        uses the exact traces of ``(L - I)^j`` for ``j <= 6`` (``j <= 4`` or
        ``2`` on graphs too large or hub-heavy for that walk), which makes its
        error on the IMD a few thousandths at the defaults (against about 2
        with the paper's first-order control variate at 1,000 points).
    normalization : {"empty", "complete", "er", "none"}, default="empty"
        Null model the trace is divided by: the empty graph (``h / n``), the
        complete graph, the expected Erdos-Renyi spectrum of degree ``k``, or
        no normalisation.
    knn : {"auto", "exact", "approx", "pynndescent"}, default="auto"
        Neighbour search: exact blocked brute force (memory linear in the
        number of points), approximate NN-descent (ours, cached on disk, or
        pynndescent's, which compiles in every new process), or exact up to
        50,000 points and approximate above.  An approximate graph is checked
        against the exact neighbours of 256 random points, and an
        :class:`~sklearn_imd.ApproximateGraphWarning` is given when it holds
        fewer than 99% of them: the signature is sensitive to missed
        neighbours (about 0.4 IMD at 98% recall), and on clouds of high
        intrinsic dimension NN-descent finds far fewer.
    random_state : int, RandomState instance or None, default=None
        Seeds the probe vectors (and the approximate neighbour search).  Each
        cloud receives its own seed, drawn before any work starts, so that an
        int gives the same output for any ``n_jobs``.
    n_jobs : int, default=None
        Clouds processed in parallel by joblib.  ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; -1 uses all processors.

    Attributes
    ----------
    t_ : ndarray of shape (n_times,)
        The diffusion times of the output columns.

    See Also
    --------
    sklearn_imd.imd_score : IMD between two point clouds.
    sklearn_imd.pairwise_imd : IMD between every pair of clouds of collections.
    sklearn_imd.imd_distance : IMD between two signatures, a metric for
        :func:`sklearn.metrics.pairwise_distances`.

    References
    ----------
    A. Tsitsulin, M. Munkhoeva, D. Mottin, P. Karras, A. Bronstein,
    I. Oseledets, E. Mueller.  "The Shape of Data: Intrinsic Distance for Data
    Distributions", ICLR 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import IMDSignature
    >>> rng = np.random.default_rng(0)
    >>> clouds = [rng.normal(size=(300, 3)), rng.uniform(size=(200, 5))]
    >>> sig = IMDSignature(nv=20, random_state=0).fit_transform(clouds)
    >>> sig.shape
    (2, 256)
    """

    def __init__(
        self,
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
        self.k = k
        self.m = m
        self.nv = nv
        self.t = t
        self.method = method
        self.normalization = normalization
        self.knn = knn
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check_params(self):
        params = check_imd_params(
            k=self.k, m=self.m, nv=self.nv, method=self.method,
            normalization=self.normalization, knn=self.knn,
        )
        return params, check_times(self.t)

    def fit(self, X, y=None):
        """Validate the parameters and ``X``, and fix the time grid ``t_``.

        Nothing is learned from ``X``: each cloud's signature depends on that
        cloud alone.

        Parameters
        ----------
        X : list of array-like of shape (n_points_i, n_features_i) or ndarray \
of shape (n_clouds, n_points, n_features)
            Point clouds.
        y : None
            Ignored.

        Returns
        -------
        self : IMDSignature
        """
        params, self.t_ = self._check_params()
        check_point_clouds(X, min_points=params["k"] + 1)
        return self

    def transform(self, X, return_std=False):
        """Signature of each point cloud.

        Parameters
        ----------
        X : list of array-like of shape (n_points_i, n_features_i) or ndarray \
of shape (n_clouds, n_points, n_features)
            Point clouds, each with more than ``k`` points.
        return_std : bool, default=False
            Also return the standard error of each entry: the Monte Carlo
            error of the stochastic estimate, at the signature's scale (zero
            where the exact spectrum is used).  The IMD of two signatures is
            uncertain by about ``max_t w(t) (std_X(t) + std_Y(t))``.

        Returns
        -------
        signatures : ndarray of shape (n_clouds, n_times), float64
            Row ``i`` is the normalised heat-trace signature of cloud ``i`` on
            the grid ``t_``.
        std : ndarray of shape (n_clouds, n_times), float64
            Standard errors of ``signatures``; only with ``return_std=True``.
        """
        signatures, std = self._signatures(X)
        return (signatures, std) if return_std else signatures

    def _signatures(self, X):
        """Signatures and their standard errors, shape (n_clouds, n_times) each."""
        check_is_fitted(self, "t_")
        params, _ = self._check_params()
        clouds = check_point_clouds(X, min_points=params["k"] + 1)
        rs = check_random_state(self.random_state)
        seeds = rs.randint(np.iinfo(np.int32).max, size=len(clouds))
        workers = min(len(clouds), effective_n_jobs(self.n_jobs))
        threads = max(1, (os.cpu_count() or 1) // workers) if workers > 1 else None
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_cloud_signature)(
                cloud, self.t_, params["k"], params["m"], params["nv"], params["method"],
                params["normalization"], params["knn"], int(seed), threads,
            )
            for cloud, seed in zip(clouds, seeds)
        )
        signatures = np.vstack([r[0] for r in results])
        std_errs = np.vstack([r[1] for r in results])
        return signatures, std_errs

    @property
    def _n_features_out(self):
        return len(self.t_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        return tags
