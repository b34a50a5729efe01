"""Jacobians of a generator: given, exact for an MLPRegressor, or central
finite differences.  The callers have validated the generator and the points."""

import numpy as np
from scipy.special import expit

from .._utils.validation import _as_numeric_array
from ._generator import _evaluate, _is_mlp, _is_protocol

# Latent points per batched generator call of the finite differences.
_FD_BATCH = 4096

# Relative step of the central differences: it balances their truncation
# error (h^2) against rounding (eps / h).
_FD_STEP = np.finfo(np.float64).eps ** (1 / 3)

# The activations of an MLPRegressor, each with its derivative written as a
# function of the activation's output.
_ACTIVATIONS = {
    "identity": (lambda x: x, np.ones_like),
    "logistic": (expit, lambda a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
    "relu": (lambda x: np.maximum(x, 0.0), lambda a: (a > 0).astype(np.float64)),
    "exp": (np.exp, lambda a: a),  # the output activation of loss="poisson"
}


def _mlp_jacobian(mlp, Z):
    """Exact Jacobian of a fitted MLPRegressor's prediction: the chain rule
    through its layers, ``diag(f'(a_l)) W_l^T`` (n, d_x, d_z)."""
    a, J = Z, None
    last = len(mlp.coefs_) - 1
    for i, (W, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        f, df = _ACTIVATIONS[mlp.out_activation_ if i == last else mlp.activation]
        a = f(a @ W + b)
        WJ = W.T[None] if J is None else np.einsum("ij,njk->nik", W.T, J)
        J = df(a)[:, :, None] * WJ
    return J


def _finite_difference_jacobian(generator, Z):
    """Central differences, all coordinates of a batch in one generator call.

    Coordinate ``j`` of point ``i`` is stepped by ``eps^(1/3) max(1, |z_ij|)``,
    at that point's own scale, so a point's Jacobian does not depend on the
    other points of ``Z``; the difference is divided by the distance actually
    stepped, ``(z + h) - (z - h)`` in floating point.
    """
    n, d = Z.shape
    rows = max(1, _FD_BATCH // (2 * d))
    eye = np.eye(d)
    blocks = []
    for start in range(0, n, rows):
        Zb = Z[start : start + rows]
        h = _FD_STEP * np.maximum(1.0, np.abs(Zb))  # (b, d)
        steps = h.T[:, :, None] * eye[:, None, :]  # (d, b, d): coordinate j of point i
        shifted = np.concatenate([Zb + steps, Zb - steps]).reshape(-1, d)
        out = _evaluate(generator, shifted).reshape(2, d, Zb.shape[0], -1)
        width = ((Zb + h) - (Zb - h)).T  # (d, b)
        blocks.append(((out[0] - out[1]) / width[:, :, None]).transpose(1, 2, 0))
    return np.concatenate(blocks)


def _jacobians(generator, Z, jacobian):
    """(n, d_x, d_z) Jacobians at the rows of a validated Z: from ``jacobian``,
    the generator's own ``jacobian`` method (the generator protocol), exact for
    an MLPRegressor, else by finite differences."""
    if jacobian is None and _is_protocol(generator):
        jacobian = generator.jacobian
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
        return _mlp_jacobian(generator, Z)
    return _finite_difference_jacobian(generator, Z)
