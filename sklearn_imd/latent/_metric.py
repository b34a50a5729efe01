"""The pull-back metric and what it says at each latent point: magnification
factor, Jacobian condition number, and the transformer that returns both."""

import copy

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .._utils.validation import check_real
from ._generator import _check_generator, _check_jacobian, _check_latent
from ._jacobian import _jacobians


def _check_arguments(generator, Z, jacobian, smoothing, name="Z"):
    """The door of the metric functions and of ``GeneratorGeometry.fit``:
    returns the validated latent points and smoothing."""
    Z = _check_latent(Z, name)
    _check_generator(generator, Z.shape[1])
    _check_jacobian(jacobian)
    return Z, check_real(smoothing, "smoothing", minimum=0)


def _smooth(s, smoothing):
    """The smoothing of singular values ``s -> s^3 / (s^2 + smoothing)``."""
    return s**3 / (s**2 + smoothing) if smoothing > 0 else s


def _log_singular_values(J, smoothing):
    """Logs of the singular values of each Jacobian, descending, smoothed by
    ``s -> s^3 / (s^2 + smoothing)`` when ``smoothing > 0``; ``-inf`` for
    collapsed directions, including the ``d_z - d_x`` directions a generator
    with fewer outputs than latent dimensions must collapse."""
    s = _smooth(np.linalg.svd(J, compute_uv=False), smoothing)
    with np.errstate(divide="ignore"):
        logs = np.log(s)
    missing = J.shape[2] - J.shape[1]
    if missing > 0:
        logs = np.hstack([logs, np.full((J.shape[0], missing), -np.inf)])
    return logs


def _log_condition(logs):
    """``log(s_max / s_min)`` from :func:`_log_singular_values`; ``inf`` where
    a direction collapses."""
    out = np.full(logs.shape[0], np.inf)
    ok = np.isfinite(logs[:, -1])
    out[ok] = logs[ok, 0] - logs[ok, -1]
    return out


def pullback_metric(generator, Z, *, jacobian=None, smoothing=0.0):
    """Pull-back metric ``G(z) = J(z)^T J(z)`` of the generator at latent points.

    Parameters
    ----------
    generator : callable or fitted MLPRegressor
        Maps an (n, d_z) array to n outputs (flattened to (n, d_x)).
    Z : array-like of shape (n_points, latent_dim)
    jacobian : callable, default=None
        Returns the (n, d_x, d_z) Jacobians; by default exact for an
        MLPRegressor, else central finite differences, each point stepped by
        ``eps^(1/3) max(1, |z_j|)`` in coordinate ``j``, so that a point's
        result does not depend on the other points of ``Z``.
    smoothing : float, default=0.0
        ``lambda >= 0``: replace each singular value ``s`` of ``J`` by
        ``s^3 / (s^2 + lambda)``, which damps directions where the generator
        barely moves (the smoothed metric of "Metrics for deep generative
        models").

    Returns
    -------
    G : ndarray of shape (n_points, latent_dim, latent_dim)
        Symmetric positive semi-definite.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.latent import pullback_metric
    >>> A = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> pullback_metric(lambda Z: Z @ A.T, np.zeros((1, 2))).round(6)[0]
    array([[2., 1.],
           [1., 5.]])
    """
    Z, smoothing = _check_arguments(generator, Z, jacobian, smoothing)
    J = _jacobians(generator, Z, jacobian)
    if smoothing == 0:
        return np.einsum("nij,nik->njk", J, J)
    _, s, Vt = np.linalg.svd(J, full_matrices=False)
    s = _smooth(s, smoothing)
    return np.einsum("nij,nj,njk->nik", Vt.transpose(0, 2, 1), s**2, Vt)


def magnification_factor(generator, Z, *, jacobian=None, log=False, smoothing=0.0):
    """Magnification factor ``sqrt(det G(z))``: how much the generator scales volume.

    Computed as the product of the singular values of ``J`` (their log-sum
    with ``log=True``), never as the determinant of a badly scaled matrix.
    It is zero where the generator collapses a direction (``-inf`` in log),
    and zero whenever ``d_x < d_z``.

    Parameters
    ----------
    generator, Z, jacobian, smoothing
        As in :func:`pullback_metric`.
    log : bool, default=False
        Return ``log sqrt(det G)``, finite for factors far beyond the
        floating-point range.

    Returns
    -------
    mf : ndarray of shape (n_points,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.latent import magnification_factor
    >>> A = np.array([[3.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    >>> magnification_factor(lambda Z: Z @ A.T, np.ones((2, 2))).round(6)
    array([6., 6.])
    """
    Z, smoothing = _check_arguments(generator, Z, jacobian, smoothing)
    logmf = _log_singular_values(_jacobians(generator, Z, jacobian), smoothing).sum(axis=1)
    return logmf if log else np.exp(logmf)


def jacobian_condition_number(generator, Z, *, jacobian=None, smoothing=0.0):
    """Condition number ``s_max / s_min`` of the generator's Jacobian.

    1 for a conformal generator (it scales every direction alike), large
    where it stretches some directions far more than others, ``inf`` where it
    collapses one (or whenever ``d_x < d_z``).

    Parameters
    ----------
    generator, Z, jacobian, smoothing
        As in :func:`pullback_metric`.

    Returns
    -------
    cond : ndarray of shape (n_points,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.latent import jacobian_condition_number
    >>> A = np.array([[3.0, 0.0], [0.0, 0.5]])
    >>> jacobian_condition_number(lambda Z: Z @ A.T, np.zeros((1, 2))).round(6)
    array([6.])
    """
    Z, smoothing = _check_arguments(generator, Z, jacobian, smoothing)
    logs = _log_singular_values(_jacobians(generator, Z, jacobian), smoothing)
    return np.exp(_log_condition(logs))


class GeneratorGeometry(TransformerMixin, BaseEstimator):
    """Per-point geometry of a generator, as features of its latent points.

    Maps latent points to the log magnification factor and the log condition
    number of the generator's Jacobian there: columns for plots (colour a
    latent grid by them) and for Pipelines.

    Parameters
    ----------
    generator : callable or fitted MLPRegressor
        As in :func:`pullback_metric`.  It is the fixed map being measured,
        not a sub-estimator: :func:`sklearn.base.clone` (hence
        ``GridSearchCV``, ``cross_validate``) shares it with the clone, so a
        fitted MLPRegressor stays fitted, and ``get_params`` does not list
        its own parameters, so ``set_params`` cannot change it.
    jacobian : callable, default=None
        As in :func:`pullback_metric`; shared by clones alike.
    smoothing : float, default=0.0
        As in :func:`pullback_metric`.

    Attributes
    ----------
    n_features_in_ : int
        Latent dimension seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.latent import GeneratorGeometry
    >>> A = np.diag([2.0, 1.0])
    >>> GeneratorGeometry(lambda Z: Z @ A.T).fit_transform(np.zeros((1, 2))).round(6)
    array([[0.693147, 0.693147]])
    """

    def __init__(self, generator, jacobian=None, smoothing=0.0):
        self.generator = generator
        self.jacobian = jacobian
        self.smoothing = smoothing

    def fit(self, X, y=None):
        """Validate the parameters and the latent dimension; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_points, latent_dim)
            Latent points.
        y : None
            Ignored.

        Returns
        -------
        self : GeneratorGeometry
        """
        X, _ = _check_arguments(self.generator, X, self.jacobian, self.smoothing, "X")
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        """Log magnification factor and log condition number at each latent point.

        Parameters
        ----------
        X : array-like of shape (n_points, latent_dim)
            Latent points.

        Returns
        -------
        features : ndarray of shape (n_points, 2)
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _check_latent(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (the latent dimension seen in fit)."
            )
        logs = _log_singular_values(_jacobians(self.generator, X, self.jacobian),
                                    self.smoothing)
        return np.column_stack([logs.sum(axis=1), _log_condition(logs)])

    def get_feature_names_out(self, input_features=None):
        """``["log_magnification", "log_condition_number"]``."""
        return np.array(["log_magnification", "log_condition_number"], dtype=object)

    def get_params(self, deep=True):
        """Parameters of this estimator, ``deep`` or not: the generator is not
        a sub-estimator, so its own parameters are not listed."""
        return super().get_params(deep=False)

    def set_params(self, **params):
        """Set the parameters of this estimator; not the generator's own, which
        would change the user's model in place without refitting it."""
        for key in params:
            if "__" in key:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {type(self).__name__}: the "
                    "generator is the fixed map being measured, not a sub-estimator; "
                    "change and refit it yourself, then pass it as generator."
                )
        return super().set_params(**params)

    def __sklearn_clone__(self):
        # scikit-learn's clone clones every parameter: an unfitted copy of a
        # fitted MLPRegressor, a deep copy of the object behind a bound method
        # (a whole network).  Clone the rest as it does; share these two.
        stand_in = copy.copy(self)
        stand_in.generator = stand_in.jacobian = None
        new = super(GeneratorGeometry, stand_in).__sklearn_clone__()
        new.generator, new.jacobian = self.generator, self.jacobian
        return new
