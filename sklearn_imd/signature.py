"""The IMD signature transformer: one heat-trace signature per point cloud."""

from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._core.compute import compute_signatures
from ._utils.progress import check_verbose, progress_bar
from ._utils.validation import (
    check_imd_params, check_n_jobs, check_point_clouds, check_seed, check_times,
)


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
        ``k + 1`` points.  Every point tied at the distance of the ``k``-th
        nearest is a neighbour too, so the graph does not depend on the order
        of the points (equal to a relative 1e-9 in squared distances).
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
        pynndescent's, which compiles in every new process), or ``"auto"``,
        which never keeps a graph that changes the answer: NN-descent only
        where a cost model predicts it twice as fast as the exact search (for
        64 features, from about 27,000 points) and the cloud's estimated
        intrinsic dimension is at most 14; an approximate graph is checked
        against the exact neighbours of 256 random points and, below 99%
        recall, replaced by the exact one (an
        :class:`~sklearn_imd.ExactSearchWarning` says so).  With ``"approx"``
        or ``"pynndescent"`` such a graph is kept, with an
        :class:`~sklearn_imd.ApproximateGraphWarning`: the signature is
        sensitive to missed neighbours (about 0.4 IMD at 98% recall).
    random_state : int, RandomState instance or None, default=None
        Seeds the probe vectors (and the approximate neighbour search).  Each
        cloud receives its own seed, drawn before any work starts, so that an
        int gives the same output for any ``n_jobs``.
    n_jobs : int, default=None
        Clouds processed in parallel by joblib.  ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; -1 uses all processors.
    verbose : int, default=0
        With a positive value, :meth:`transform` shows a progress bar on
        stderr, one step per cloud (tqdm's when it is installed, the
        ``progress`` extra; else a line a second).

    Attributes
    ----------
    t_ : ndarray of shape (n_times,)
        The diffusion times of the output columns.

    Warns
    -----
    DuplicatePointsWarning
        When a cloud holds groups of more than ``k`` identical points (each
        becomes a clique of the graph).
    ExactSearchWarning, ApproximateGraphWarning
        About the neighbour search (see ``knn``).  Warnings raised while the
        signatures are computed reach the caller once per cloud, labelled
        ``X[i]``, for any ``n_jobs`` and joblib backend.

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
        verbose=0,
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
        self.verbose = verbose

    def _check_params(self):
        params = check_imd_params(
            k=self.k, m=self.m, nv=self.nv, method=self.method,
            normalization=self.normalization, knn=self.knn,
        )
        check_n_jobs(self.n_jobs)
        check_seed(self.random_state)
        check_verbose(self.verbose)
        return params, check_times(self.t)

    def fit(self, X, y=None):
        """Validate the parameters and ``X``, and fix the time grid ``t_``.

        Nothing is learned from ``X``: each cloud's signature depends on that
        cloud alone.  The parameters are read here: as in scikit-learn, a
        change by ``set_params`` takes effect at the next ``fit``.

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
        self._fit(X)
        return self

    def _fit(self, X):
        """Fit; return the validated clouds."""
        self._params, self.t_ = self._check_params()
        return check_point_clouds(X, min_points=self._params["k"] + 1)

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then return the signature of each point cloud (``X`` is read once).

        Parameters
        ----------
        X : list of array-like of shape (n_points_i, n_features_i) or ndarray \
of shape (n_clouds, n_points, n_features)
            Point clouds, each with more than ``k`` points.
        y : None
            Ignored.

        Returns
        -------
        signatures : ndarray of shape (n_clouds, n_times), float64
            As :meth:`transform`.
        """
        return self._signatures(self._fit(X))[0]

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
        check_is_fitted(self, "t_")
        clouds = check_point_clouds(X, min_points=self._params["k"] + 1)
        signatures, std = self._signatures(clouds)
        return (signatures, std) if return_std else signatures

    def _signatures(self, clouds):
        bar = progress_bar(len(clouds), "IMD signatures", self.verbose)
        try:
            return compute_signatures(clouds, self.t_, self._params, self.random_state,
                                      self.n_jobs, progress=bar)
        finally:
            bar.close()

    @property
    def _n_features_out(self):
        return len(self.t_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        return tags
