"""Geometry of a generator's latent space.

A *generator* is any callable mapping latent points ``Z`` of shape
``(n, d_z)`` to outputs of shape ``(n, ...)`` (flattened to ``(n, d_x)``), or
a fitted :class:`sklearn.neural_network.MLPRegressor` (its exact Jacobian is
computed from its weights).  Its Jacobian ``J(z)`` of shape ``(d_x, d_z)``
comes from a ``jacobian`` callable when one is given, else from batched
central finite differences.

- the pull-back metric ``G(z) = J^T J`` makes the latent space a Riemannian
  manifold (Chen, Klushyn, Kurle et al., "Metrics for deep generative
  models"); its magnification factor ``sqrt(det G)`` is the local change of
  volume, and geodesics are the shortest decoded paths;
- the condition number of ``J`` measures how anisotropic the generator is
  (Ramirez, Gallego & Puerta, "On the geometry of deep generative models");
- the class radius ``E[r(z)]`` is the expected distance from ``z ~ N(0, I)``
  to the nearest latent point whose output is classified differently, bounded
  by the collision probability of the generated classes (Manoj, "Looser is
  worse").
"""

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state

from ._validation import _as_numeric_array, check_int, check_real

__all__ = [
    "ClassRadiusResult", "GeneratorGeometry", "GeodesicResult", "class_radius",
    "class_radius_bound", "collision_probability", "geodesic", "jacobian_condition_number",
    "magnification_factor", "pullback_metric",
]

# Latent points per batched generator call of the finite differences.
_FD_BATCH = 4096


def _check_latent(Z, name="Z"):
    Z = _as_numeric_array(Z, name)
    if Z.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of latent points of shape (n_points, latent_dim); "
            f"got a {Z.ndim}-D array of shape {Z.shape}."
            + (f" Use {name}.reshape(1, -1) for a single point." if Z.ndim == 1 else "")
        )
    if Z.shape[0] == 0 or Z.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {Z.shape}.")
    Z = Z.astype(np.float64)
    if not np.isfinite(Z).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return Z


def _is_mlp(generator):
    from sklearn.neural_network import MLPRegressor

    return isinstance(generator, MLPRegressor)


def _evaluate(generator, Z):
    """Outputs of the generator at the rows of Z, as a finite (n, d_x) float64 array."""
    if _is_mlp(generator):
        out = generator.predict(Z)
    else:
        out = generator(Z)
    out = _as_numeric_array(out, "the generator's output")
    if out.ndim == 0 or out.shape[0] != Z.shape[0]:
        raise ValueError(
            f"the generator must return one output per latent point: {Z.shape[0]} rows "
            f"expected, got an array of shape {out.shape}."
        )
    out = out.reshape(Z.shape[0], -1).astype(np.float64)
    if not np.isfinite(out).all():
        raise ValueError("the generator returned NaN or infinite values.")
    return out


_ACTIVATIONS = {
    # derivative of each scikit-learn activation from its output value
    "identity": lambda a: np.ones_like(a),
    "logistic": lambda a: a * (1.0 - a),
    "tanh": lambda a: 1.0 - a * a,
    "relu": lambda a: (a > 0).astype(np.float64),
    "exp": lambda a: a,  # the output activation of loss="poisson"
}


def _mlp_jacobian(mlp, Z):
    """Exact Jacobian of a fitted MLPRegressor's prediction: the chain rule
    through its layers, ``diag(f'(a_l)) W_l^T`` (n, d_x, d_z)."""
    from sklearn.neural_network._base import ACTIVATIONS

    a = Z
    J = np.broadcast_to(np.eye(Z.shape[1]), (Z.shape[0], Z.shape[1], Z.shape[1]))
    last = len(mlp.coefs_) - 1
    for i, (W, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        act = mlp.out_activation_ if i == last else mlp.activation
        a = a @ W + b
        ACTIVATIONS[act](a)  # in place, as scikit-learn does
        J = _ACTIVATIONS[act](a)[:, :, None] * np.einsum("ij,njk->nik", W.T, J)
    return J


def _finite_difference_jacobian(generator, Z):
    """Central differences, all coordinates of a batch in one generator call.

    The step of coordinate ``j`` is ``eps^(1/3)`` times the scale of the
    latent points in that coordinate (their largest magnitude, at least 1),
    the step that balances truncation and rounding errors.
    """
    n, d = Z.shape
    h = np.finfo(np.float64).eps ** (1 / 3) * np.maximum(1.0, np.abs(Z).max(axis=0))
    rows = max(1, _FD_BATCH // (2 * d))
    blocks = []
    for start in range(0, n, rows):
        Zb = Z[start : start + rows]
        b = Zb.shape[0]
        steps = np.zeros((2, d, 1, d))
        steps[0, np.arange(d), 0, np.arange(d)] = h
        steps[1] = -steps[0]
        shifted = (Zb[None, None] + steps).reshape(-1, d)  # (2, d, b, d) -> rows
        out = _evaluate(generator, shifted).reshape(2, d, b, -1)
        blocks.append(((out[0] - out[1]) / (2 * h[:, None, None])).transpose(1, 2, 0))
    return np.concatenate(blocks)


def _jacobians(generator, Z, jacobian):
    """(n, d_x, d_z) Jacobians at the rows of a validated Z."""
    if jacobian is not None:
        J = _as_numeric_array(jacobian(Z), "the jacobian's output")
        if J.ndim < 3 or J.shape[0] != Z.shape[0] or J.shape[-1] != Z.shape[1]:
            raise ValueError(
                f"jacobian must return an array of shape (n_points, output_dim, latent_dim) "
                f"= ({Z.shape[0]}, output_dim, {Z.shape[1]}); got {J.shape}."
            )
        J = J.reshape(Z.shape[0], -1, Z.shape[1]).astype(np.float64)
        if not np.isfinite(J).all():
            raise ValueError("the jacobian returned NaN or infinite values.")
        return J
    if _is_mlp(generator):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(generator)
        if Z.shape[1] != generator.n_features_in_:
            raise ValueError(
                f"Z has {Z.shape[1]} latent dimensions; the MLPRegressor expects "
                f"{generator.n_features_in_}."
            )
        return _mlp_jacobian(generator, Z)
    if not callable(generator):
        raise TypeError(
            f"generator must be a callable or a fitted MLPRegressor, got {type(generator)!r}."
        )
    return _finite_difference_jacobian(generator, Z)


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


def _check_smoothing(smoothing):
    return check_real(smoothing, "smoothing", minimum=0)


def pullback_metric(generator, Z, *, jacobian=None, smoothing=0.0):
    """Pull-back metric ``G(z) = J(z)^T J(z)`` of the generator at latent points.

    Parameters
    ----------
    generator : callable or fitted MLPRegressor
        Maps an (n, d_z) array to n outputs (flattened to (n, d_x)).
    Z : array-like of shape (n_points, latent_dim)
    jacobian : callable, default=None
        Returns the (n, d_x, d_z) Jacobians; by default exact for an
        MLPRegressor, else central finite differences.
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
    Z = _check_latent(Z)
    smoothing = _check_smoothing(smoothing)
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
    Z = _check_latent(Z)
    smoothing = _check_smoothing(smoothing)
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
    Z = _check_latent(Z)
    smoothing = _check_smoothing(smoothing)
    return np.exp(_log_condition(_log_singular_values(_jacobians(generator, Z, jacobian),
                                                      smoothing)))


@dataclass
class GeodesicResult:
    """Result of :func:`geodesic`.

    Attributes
    ----------
    curve : ndarray of shape (n_nodes, latent_dim)
        The latent curve, from ``z0`` to ``z1``.
    length : float
        Length of the decoded curve: the latent polyline through the nodes,
        decoded at 8 points per segment.
    straight_length : float
        Length of the decoded straight latent line, measured alike.
    energy : float
        Discretised curve energy ``(n_nodes - 1) * sum |g(z_(i+1)) - g(z_i)|^2``.
    success : bool
        Whether the optimiser reported convergence.
    n_iterations : int
    message : str
    """

    curve: np.ndarray
    length: float
    straight_length: float
    energy: float
    success: bool
    n_iterations: int
    message: str


# Points per segment of a latent curve at which its decoded length is measured.
_REFINE = 8


def _decoded_length(generator, curve):
    """Length of the decoded latent polyline, measured at ``_REFINE`` points
    per segment: a coarse curve whose nodes straddle a wall of the generator
    is not credited with the short chord between them."""
    s = np.linspace(0.0, 1.0, _REFINE, endpoint=False)
    fine = (curve[:-1, None] + s[:, None] * (curve[1:] - curve[:-1])[:, None]).reshape(
        -1, curve.shape[1])
    out = _evaluate(generator, np.vstack([fine, curve[-1:]]))
    return float(np.linalg.norm(np.diff(out, axis=0), axis=1).sum())


def _graph_path(generator, z0, z1, n_nodes, n_samples, rng):
    """A shortest path from ``z0`` to ``z1`` in a kNN graph over random latent
    points around the segment, edges weighted by the distance of their
    outputs, resampled to ``n_nodes`` nodes evenly spaced along it; ``None``
    if the graph does not connect the end points."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra
    from sklearn.neighbors import NearestNeighbors

    d = z0.shape[1]
    span = float(np.linalg.norm(z1 - z0))
    centre = 0.5 * (z0 + z1)
    S = np.vstack([z0, z1, centre + span * rng.uniform(-1.0, 1.0, (n_samples, d))])
    out = _evaluate(generator, S)
    k = min(10, S.shape[0] - 1)
    ind = NearestNeighbors(n_neighbors=k + 1).fit(S).kneighbors(S, return_distance=False)
    rows, cols = np.repeat(np.arange(S.shape[0]), k), ind[:, 1:].ravel()
    # a tiny floor keeps edges where the generator is constant
    w = np.linalg.norm(out[rows] - out[cols], axis=1) + 1e-12 * (1.0 + span)
    W = sp.csr_matrix((w, (rows, cols)), shape=(S.shape[0],) * 2)
    dist, pred = dijkstra(W.maximum(W.T), indices=0, return_predecessors=True)
    if not np.isfinite(dist[1]):
        return None
    path = [1]
    while path[-1] != 0:
        path.append(pred[path[-1]])
    P = S[path[::-1]]
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(P, axis=0), axis=1))])
    at = np.linspace(0.0, arc[-1], n_nodes)
    curve = np.column_stack([np.interp(at, arc, P[:, j]) for j in range(d)])
    curve[0], curve[-1] = z0[0], z1[0]
    return curve


def geodesic(generator, z0, z1, *, n_nodes=32, jacobian=None, init="graph",
             n_graph_samples=500, max_iter=500, tol=1e-9, random_state=None):
    """Shortest path between two latent points under the pull-back metric.

    The curve's interior nodes minimise the discretised energy
    ``E = (N - 1) sum_i |g(z_(i+1)) - g(z_i)|^2`` with fixed end points
    (L-BFGS, with the analytic gradient
    ``dE/dz_i = 2 (N - 1) J(z_i)^T (2 g(z_i) - g(z_(i-1)) - g(z_(i+1)))``).
    A curve of minimal energy has constant speed and is a shortest path, so
    its decoded length is the geodesic distance (up to the discretisation:
    use enough nodes that consecutive outputs are close, or the nodes may
    straddle a steep region that the reported length, measured between them
    too, then reveals).
    The energy has local minima (the straight line is often one, by
    symmetry), so by default the optimisation starts from a shortest path in
    a kNN graph over random latent points around the segment, whose edges
    are weighted by the distance between their outputs; the result is kept
    only if its decoded curve is shorter than the optimised straight line's.

    Parameters
    ----------
    generator, jacobian
        As in :func:`pullback_metric`.
    z0, z1 : array-like of shape (latent_dim,)
        End points.
    n_nodes : int, default=32
        Nodes of the discretised curve, end points included (>= 3).
    init : {"graph", "line"}, default="graph"
        Start from the graph's shortest path (and from the straight line,
        keeping the shorter result), or from the straight line only.
    n_graph_samples : int, default=500
        Random latent points of the graph, drawn uniformly in the cube of
        half-side ``|z1 - z0|`` centred between the end points.
    max_iter : int, default=500
    tol : float, default=1e-9
        Relative tolerance on the energy.
    random_state : int, RandomState instance or None, default=None
        Seeds the graph's latent points.

    Returns
    -------
    result : GeodesicResult

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.latent import geodesic
    >>> A = np.array([[1.0, 0.0], [0.0, 3.0]])
    >>> res = geodesic(lambda Z: Z @ A.T, [0.0, 0.0], [1.0, 1.0], n_nodes=8, random_state=0)
    >>> round(res.length, 6), round(float(np.sqrt(10)), 6)  # a linear map: the straight line
    (3.162278, 3.162278)
    """
    from scipy.optimize import minimize

    z0 = _check_latent(np.atleast_2d(_as_numeric_array(z0, "z0")), "z0")
    z1 = _check_latent(np.atleast_2d(_as_numeric_array(z1, "z1")), "z1")
    if z0.shape != z1.shape or z0.shape[0] != 1:
        raise ValueError(
            f"z0 and z1 must be two latent points of the same dimension; got shapes "
            f"{z0.shape} and {z1.shape}."
        )
    n_nodes = check_int(n_nodes, "n_nodes", 3)
    max_iter = check_int(max_iter, "max_iter", 1)
    n_graph_samples = check_int(n_graph_samples, "n_graph_samples", 1)
    tol = check_real(tol, "tol", minimum=0, strict=True)
    if init not in ("graph", "line"):
        raise ValueError(f"init must be 'graph' or 'line'; got {init!r}.")
    d = z0.shape[1]
    line = z0 + np.linspace(0.0, 1.0, n_nodes)[:, None] * (z1 - z0)
    g0, g1 = _evaluate(generator, z0), _evaluate(generator, z1)
    scale = n_nodes - 1

    def energy(x):
        inner = x.reshape(n_nodes - 2, d)
        out = np.vstack([g0, _evaluate(generator, inner), g1])
        diff = np.diff(out, axis=0)
        J = _jacobians(generator, inner, jacobian)
        resid = 2.0 * out[1:-1] - out[:-2] - out[2:]
        grad = 2.0 * scale * np.einsum("nij,ni->nj", J, resid)
        return scale * float(np.sum(diff**2)), grad.ravel()

    starts = [line]
    if init == "graph":
        path = _graph_path(generator, z0, z1, n_nodes, n_graph_samples,
                           check_random_state(random_state))
        if path is not None:
            starts.insert(0, path)
    best = None
    for start in starts:
        res = minimize(energy, start[1:-1].ravel(), jac=True, method="L-BFGS-B",
                       options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-10})
        curve = np.vstack([z0, res.x.reshape(n_nodes - 2, d), z1])
        length = _decoded_length(generator, curve)
        if best is None or length < best[0]:
            best = length, curve, res
    length, curve, best = best
    return GeodesicResult(
        curve=curve,
        length=length,
        straight_length=_decoded_length(generator, line),
        energy=float(best.fun),
        success=bool(best.success),
        n_iterations=int(best.nit),
        message=str(best.message),
    )


class GeneratorGeometry(TransformerMixin, BaseEstimator):
    """Per-point geometry of a generator, as features of its latent points.

    Maps latent points to the log magnification factor and the log condition
    number of the generator's Jacobian there: columns for plots (colour a
    latent grid by them) and for Pipelines.

    Parameters
    ----------
    generator : callable or fitted MLPRegressor
        As in :func:`pullback_metric`.
    jacobian : callable, default=None
    smoothing : float, default=0.0

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

    def fit(self, Z, y=None):
        """Check the latent points' dimension; nothing is learned."""
        self.n_features_in_ = _check_latent(Z).shape[1]
        return self

    def transform(self, Z):
        """(n_points, 2): log magnification factor, log condition number."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        Z = _check_latent(Z)
        if Z.shape[1] != self.n_features_in_:
            raise ValueError(
                f"Z has {Z.shape[1]} latent dimensions; fit saw {self.n_features_in_}."
            )
        smoothing = _check_smoothing(self.smoothing)
        logs = _log_singular_values(_jacobians(self.generator, Z, self.jacobian), smoothing)
        return np.column_stack([logs.sum(axis=1), _log_condition(logs)])

    def get_feature_names_out(self, input_features=None):
        """``["log_magnification", "log_condition_number"]``."""
        return np.array(["log_magnification", "log_condition_number"], dtype=object)


@dataclass
class ClassRadiusResult:
    """Result of :func:`class_radius`.

    Attributes
    ----------
    mean : float
        Estimate of the class radius ``E[r(z)]``, ``z ~ N(0, I)``.
    std_err : float
        Its Monte Carlo standard error (NaN when some ray search found no
        class change within ``max_radius``).
    radii : ndarray of shape (n_samples,)
        ``r(z)`` of each sampled latent point (``inf`` where no class change
        was found within ``max_radius``).
    latent : ndarray of shape (n_samples, latent_dim)
        The sampled latent points.
    """

    mean: float
    std_err: float
    radii: np.ndarray
    latent: np.ndarray


def _predict(classifier, X):
    labels = classifier.predict(X) if hasattr(classifier, "predict") else classifier(X)
    labels = np.asarray(labels)
    if labels.shape[:1] != (X.shape[0],):
        raise ValueError(
            f"the classifier must return one label per output: {X.shape[0]} expected, got "
            f"shape {labels.shape}."
        )
    return labels.reshape(X.shape[0], -1)


def class_radius(generator, classifier, *, latent_dim, n_samples=200, n_directions=256,
                 max_radius=None, n_steps=64, n_bisections=30, random_state=None):
    """Class radius: expected distance from ``z ~ N(0, I)`` to the nearest class change.

    ``r(z)`` is the distance from ``z`` to the nearest latent point whose
    output the classifier labels differently (Manoj, "Looser is worse").  It
    is estimated along ``n_directions`` random unit directions from each of
    ``n_samples`` latent samples: each ray is marched in ``n_steps`` steps up
    to ``max_radius`` until the label changes, the crossing refined by
    bisection, and ``r(z)`` is the nearest crossing over the rays (an upper
    bound that tightens as directions are added).

    Parameters
    ----------
    generator : callable or fitted MLPRegressor
        As in :func:`pullback_metric`.
    classifier : callable or estimator with ``predict``
        Labels the generator's (flattened) outputs.
    latent_dim : int
    n_samples : int, default=200
    n_directions : int, default=256
    max_radius : float, default=None
        How far each ray is searched; ``None`` is ``2 sqrt(latent_dim) + 4``.
    n_steps : int, default=64
        Steps of the march along each ray (a change of class between two
        steps and back is missed).
    n_bisections : int, default=30
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    result : ClassRadiusResult

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.latent import class_radius
    >>> half_planes = lambda X: (X[:, 0] > 0).astype(int)  # boundary x = 0
    >>> res = class_radius(lambda Z: Z, half_planes, latent_dim=2, n_samples=400,
    ...                    random_state=0)
    >>> round(res.mean, 1)  # E|z_1| = sqrt(2 / pi) = 0.80
    0.8
    """
    latent_dim = check_int(latent_dim, "latent_dim", 1)
    n_samples = check_int(n_samples, "n_samples", 1)
    n_directions = check_int(n_directions, "n_directions", 1)
    n_steps = check_int(n_steps, "n_steps", 1)
    n_bisections = check_int(n_bisections, "n_bisections", 0)
    max_radius = (2.0 * np.sqrt(latent_dim) + 4.0 if max_radius is None
                  else check_real(max_radius, "max_radius", minimum=0, strict=True))
    rng = check_random_state(random_state)
    Z = rng.standard_normal((n_samples, latent_dim))
    U = rng.standard_normal((n_directions, latent_dim))
    U /= np.linalg.norm(U, axis=1, keepdims=True)

    def labels(points):
        return _predict(classifier, _evaluate(generator, points))

    radii = np.empty(n_samples)
    steps = max_radius * np.arange(1, n_steps + 1) / n_steps
    for s in range(n_samples):
        z = Z[s]
        base = labels(z[None])[0]
        # march every ray at once: (n_steps, n_directions) labels
        pts = z + steps[:, None, None] * U[None]
        changed = (labels(pts.reshape(-1, latent_dim)).reshape(n_steps, n_directions, -1)
                   != base).any(axis=2)
        hit = changed.any(axis=0)
        if not hit.any():
            radii[s] = np.inf
            continue
        first = changed[:, hit].argmax(axis=0)
        lo = np.where(first > 0, steps[np.maximum(first - 1, 0)], 0.0)
        hi = steps[first]
        dirs = U[hit]
        for _ in range(n_bisections):
            mid = 0.5 * (lo + hi)
            moved = (labels(z + mid[:, None] * dirs) != base).any(axis=1)
            hi = np.where(moved, mid, hi)
            lo = np.where(moved, lo, mid)
        radii[s] = hi.min()
    if not np.isfinite(radii).all():
        std_err = float("nan")  # the mean is infinite: max_radius was too small
    else:
        std_err = float(radii.std(ddof=1) / np.sqrt(n_samples)) if n_samples > 1 else 0.0
    mean = float(radii.mean())
    return ClassRadiusResult(mean=mean, std_err=std_err, radii=radii, latent=Z)


def collision_probability(labels):
    """Collision probability ``|p|^2 = sum_i p_i^2`` of the classes of generated samples.

    The probability that two independent samples fall in the same class;
    ``-log`` of it is the collision (Rényi-2) entropy, a measure of diversity.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Class of each generated sample.

    Returns
    -------
    p2 : float
        In ``[1/K, 1]`` for ``K`` classes seen.

    Examples
    --------
    >>> from sklearn_imd.latent import collision_probability
    >>> collision_probability([0, 0, 1, 2])
    0.375
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(
            f"labels must be a non-empty 1-D array of classes; got shape {labels.shape}."
        )
    _, counts = np.unique(labels, return_counts=True)
    p = counts / labels.size
    return float(np.sum(p**2))


def class_radius_bound(p):
    """Upper bound on the class radius from the generated class distribution.

    Theorem 3.1 of Manoj ("Looser is worse"): if ``0 < p_i <= 1/5`` for every
    class, ``E[r(z)] <= log(4 pi c) / sqrt(2 c)`` with ``c = log(1 / |p|^2)``,
    the collision entropy.  The bound is smallest for uniform ``p``.

    Parameters
    ----------
    p : array-like of shape (n_classes,)
        Class probabilities: non-negative, summing to 1, each at most 1/5
        (classes of probability 0 are ignored).

    Returns
    -------
    bound : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.latent import class_radius_bound
    >>> K = 10
    >>> round(class_radius_bound(np.full(K, 1 / K)), 4)  # log(4 pi log K) / sqrt(2 log K)
    1.5681
    """
    p = _as_numeric_array(p, "p").astype(np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"p must be a non-empty 1-D array of probabilities; got shape {p.shape}.")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ValueError("p must hold finite, non-negative probabilities.")
    if not np.isclose(p.sum(), 1.0, rtol=0, atol=1e-8):
        raise ValueError(f"p must sum to 1 (a distribution); it sums to {p.sum():.6g}.")
    if p.max() > 0.2 + 1e-12:
        raise ValueError(
            f"the bound holds only when every p_i <= 1/5; the largest is {p.max():.4g}."
        )
    c = np.log(1.0 / np.sum(p**2))
    return float(np.log(4 * np.pi * c) / np.sqrt(2 * c))
