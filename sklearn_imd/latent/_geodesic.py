"""Geodesics: shortest decoded paths between two latent points."""

from dataclasses import dataclass

import numpy as np

from .._utils.validation import _as_numeric_array, check_choice, check_int, check_real, check_seed
from ._generator import _check_generator, _check_jacobian, _check_latent, _evaluate
from ._jacobian import _jacobians


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
    _check_generator(generator, z0.shape[1])
    _check_jacobian(jacobian)
    n_nodes = check_int(n_nodes, "n_nodes", 3)
    max_iter = check_int(max_iter, "max_iter", 1)
    n_graph_samples = check_int(n_graph_samples, "n_graph_samples", 1)
    tol = check_real(tol, "tol", minimum=0, strict=True)
    init = check_choice(init, "init", ("graph", "line"))
    rng = check_seed(random_state)
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
        path = _graph_path(generator, z0, z1, n_nodes, n_graph_samples, rng)
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
