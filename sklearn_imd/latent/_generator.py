"""The door of the latent tools: checks of latent points, of a generator and
of a jacobian callable, and the generator's outputs as a finite 2-D array."""

import reprlib

import numpy as np

from .._utils.validation import _as_numeric_array, _describe


def _shown(value):
    """``3 (int)``: a short repr and the type, for error messages."""
    return f"{reprlib.repr(value)} ({_describe(value)})"


def _check_latent(Z, name="Z"):
    """Latent points as a finite (n_points, latent_dim) float64 array, always a
    copy: a generator may write into what it is given, never into the user's array."""
    Z = _as_numeric_array(Z, name)
    if Z.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of latent points of shape (n_points, latent_dim); "
            f"got a {Z.ndim}-D array of shape {Z.shape}."
            + (f" Reshape your data: {name}.reshape(1, -1) for a single point."
               if Z.ndim == 1 else "")
        )
    if Z.shape[1] == 0:
        raise ValueError(
            f"{name} has 0 feature(s) (shape={Z.shape}) while a minimum of 1 is required: "
            "each latent point needs at least one coordinate."
        )
    if Z.shape[0] == 0:
        raise ValueError(f"{name} has no latent points (shape={Z.shape}).")
    Z = Z.astype(np.float64)
    if not np.isfinite(Z).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    return Z


def _is_mlp(generator):
    from sklearn.neural_network import MLPRegressor

    return isinstance(generator, MLPRegressor)


def _is_protocol(generator):
    """Whether ``generator`` follows the generator protocol: ``generate(Z)`` and
    ``jacobian(Z)`` methods (the models of :mod:`sklearn_imd.models`)."""
    return callable(getattr(generator, "generate", None)) and callable(
        getattr(generator, "jacobian", None))


def _check_generator(generator, latent_dim):
    """A callable, a fitted MLPRegressor taking ``latent_dim`` inputs, or an
    object of the generator protocol (``generate`` and ``jacobian``)."""
    if _is_protocol(generator):
        expected = getattr(generator, "latent_dim_", None)
        if expected is not None and expected != latent_dim:
            raise ValueError(
                f"the generator takes {expected} latent dimensions; got latent points of "
                f"{latent_dim}."
            )
    elif _is_mlp(generator):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(generator)
        if generator.n_features_in_ != latent_dim:
            raise ValueError(
                f"the generator, an MLPRegressor, takes {generator.n_features_in_} latent "
                f"dimensions; got latent points of {latent_dim}."
            )
    elif not callable(generator):
        hint = "; pass its predict method" if hasattr(generator, "predict") else ""
        raise TypeError(
            "generator must be a callable mapping (n, latent_dim) latent points to "
            "(n, n_features) outputs, a fitted MLPRegressor, or an object with generate(Z) "
            f"and jacobian(Z) methods (a fitted model of sklearn_imd.models); got "
            f"{_shown(generator)}{hint}."
        )
    return generator


def _check_jacobian(jacobian):
    """``None`` or a callable."""
    if jacobian is not None and not callable(jacobian):
        raise TypeError(
            "jacobian must be None or a callable mapping (n, latent_dim) latent points to "
            f"their (n, n_features, latent_dim) Jacobians; got {_shown(jacobian)}."
        )
    return jacobian


def _evaluate(generator, Z):
    """Outputs of the generator at the rows of Z, as a finite (n, d_x) float64 array."""
    if _is_protocol(generator):
        out = generator.generate(Z)
    else:
        out = generator.predict(Z) if _is_mlp(generator) else generator(Z)
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
