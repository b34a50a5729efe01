"""The IMD signature transformer: one heat-trace signature per point cloud."""

import os
import sys
import warnings

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._graph import knn_adjacency, normalized_laplacian
from ._heat import heat_trace, normalize_trace
from ._validation import (
    check_imd_params, check_n_jobs, check_point_clouds, check_seed, check_times,
)


def _cloud_signature(X, t, k, m, nv, method, normalization, knn, seed, numba_threads, caller):
    """Signature, its standard error and the warnings raised, for one validated cloud.

    The data flow of DESIGN.md.  The library's warnings are returned, not
    shown, so that they reach the caller from joblib workers too (see
    :func:`_reissue`); in a worker process (``caller`` is the pid of the
    caller's), so are all others.  (``warnings.catch_warnings`` is not safe
    in threads, which the caller's process may run.)  ``numba_threads`` caps
    the threads of the Numba kernels during the call, so that joblib
    workers running side by side do not oversubscribe the cores; the kernels
    give the same result for any number of threads.
    """
    notes = []
    if os.getpid() != caller:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = _cloud_signature(X, t, k, m, nv, method, normalization, knn, seed,
                                      numba_threads, os.getpid())
        return result[:2] + (result[2] + [(w.category, str(w.message)) for w in caught],)
    if numba_threads is not None:
        import numba

        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(numba_threads, numba.config.NUMBA_NUM_THREADS)))
    try:
        L = normalized_laplacian(knn_adjacency(X, k, knn, random_state=seed, notes=notes))
        # a Krylov space of an n-node graph has at most n dimensions
        trace, std_err = heat_trace(L, t, method, min(m, L.shape[0]), nv,
                                    np.random.default_rng(seed))
    finally:
        if numba_threads is not None:
            numba.set_num_threads(previous)
    with np.errstate(divide="ignore", invalid="ignore"):  # checked by compute_signatures
        trace = normalize_trace(trace, t, X.shape[0], k, normalization)
        std_err = normalize_trace(std_err, t, X.shape[0], k, normalization)
    return trace, std_err, notes


def _caller_frame():
    """The innermost frame outside this library, scikit-learn and joblib: the user's call."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] in (
        "sklearn_imd", "sklearn", "joblib",
    ):
        frame = frame.f_back
    return frame


def _reissue(caught, name):
    """Issue the warnings recorded for cloud ``name`` again, pointing at the user's call.

    The ``module`` given to the filters is ``sklearn_imd``, where they arose,
    and each message names its cloud, so the default filter shows each once
    per cloud.
    """
    if not caught:
        return
    frame = _caller_frame()
    registry = frame.f_globals.setdefault("__warningregistry__", {})
    for category, message in caught:
        warnings.warn_explicit(
            f"{name}: {message}", category, frame.f_code.co_filename, frame.f_lineno,
            module="sklearn_imd", registry=registry,
        )


def compute_signatures(clouds, t, params, random_state, n_jobs, names=None):
    """Signatures and standard errors of validated clouds, shape (n_clouds, n_times) each.

    The one place where signatures are computed: :class:`IMDSignature`,
    :func:`~sklearn_imd.imd_score`, :func:`~sklearn_imd.pairwise_imd` and
    :func:`~sklearn_imd.imd_test` validate their input once at the door and
    call this.  ``params`` holds the checked ``k, m, nv, method,
    normalization, knn``; each cloud's seed is drawn from ``random_state``
    before any work starts, so an int gives the same output for any
    ``n_jobs``.  ``names`` label the clouds in the warnings (default
    ``X[i]``).
    """
    rs = check_seed(random_state)
    seeds = rs.randint(np.iinfo(np.int32).max, size=len(clouds))
    workers = check_n_jobs(n_jobs, work=len(clouds))
    threads = max(1, (os.cpu_count() or 1) // workers) if workers > 1 else None
    results = Parallel(n_jobs=workers)(
        delayed(_cloud_signature)(
            cloud, t, params["k"], params["m"], params["nv"], params["method"],
            params["normalization"], params["knn"], int(seed), threads, os.getpid(),
        )
        for cloud, seed in zip(clouds, seeds)
    )
    if names is None:
        names = [f"X[{i}]" for i in range(len(clouds))]
    for name, result in zip(names, results):
        _reissue(result[2], name)
    S = np.vstack([r[0] for r in results])
    bad = ~np.isfinite(S).all(axis=0)
    if bad.any():
        raise ValueError(
            f"The signatures are not finite at t = {t[bad].min():g} and above: the null "
            f"trace of normalization={params['normalization']!r} underflows there. Use "
            "smaller diffusion times (IMD's weight exp(-2 (t + 1/t)) is below 1e-300 "
            "beyond t = 350 anyway) or another normalization."
        )
    return S, np.vstack([r[1] for r in results])


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
        check_n_jobs(self.n_jobs)
        check_seed(self.random_state)
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
        return compute_signatures(clouds, self.t_, self._params, self.random_state, self.n_jobs)

    @property
    def _n_features_out(self):
        return len(self.t_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        return tags
