"""Small multilayer perceptrons in JAX, and the generator protocol.

Parameters are lists of ``(W, b)`` pairs; :func:`mlp` applies them with an
activation between layers and an optional one at the output.  The models of
this package keep their parameters as NumPy arrays once fitted (so that they
pickle and clone like any scikit-learn estimator) and turn them into JAX
arrays for each computation.
"""

import itertools
import numbers

import jax
import jax.numpy as jnp
import numpy as np

ACTIVATIONS = {
    "relu": jax.nn.relu,
    "tanh": jnp.tanh,
    "elu": jax.nn.elu,
    "leaky_relu": lambda x: jax.nn.leaky_relu(x, 0.2),
    "sigmoid": jax.nn.sigmoid,
    "identity": lambda x: x,
}


def check_layer_sizes(sizes, name):
    """A tuple of positive ints (an int is one layer)."""
    if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise TypeError(
            f"{name} must be a tuple of positive integers, got {sizes!r}."
        ) from None
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral) or s < 1:
            raise ValueError(f"{name} must be a tuple of positive integers, got {sizes!r}.")
    return tuple(int(s) for s in sizes)


def _glorot_limit(n_in, n_out):
    """Bound of the Glorot-uniform weights of a layer with ``n_in`` inputs and ``n_out`` outputs."""
    return np.sqrt(6.0 / (n_in + n_out))


def init_mlp(key, sizes, dtype=jnp.float32):
    """Glorot-uniform weights and zero biases of an MLP with layer ``sizes``."""
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        limit = _glorot_limit(n_in, n_out)
        params.append((jax.random.uniform(sub, (n_in, n_out), dtype, -limit, limit),
                       jnp.zeros(n_out, dtype)))
    return params


def init_mlp_numpy(rng, sizes):
    """Glorot-uniform weights and zero biases (float32, as :func:`init_mlp`), drawn
    from the NumPy ``RandomState`` ``rng``."""
    params = []
    for n_in, n_out in itertools.pairwise(sizes):
        limit = _glorot_limit(n_in, n_out)
        params.append((rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32),
                       np.zeros(n_out, np.float32)))
    return params


def mlp(params, x, activation="relu", out_activation="identity"):
    """Apply the MLP ``params`` to ``x`` (rows are samples)."""
    act, out = ACTIVATIONS[activation], ACTIVATIONS[out_activation]
    for W, b in params[:-1]:
        x = act(x @ W + b)
    W, b = params[-1]
    return out(x @ W + b)


def to_numpy(params):
    """JAX parameters as NumPy arrays (picklable, clonable)."""
    return jax.tree_util.tree_map(lambda a: np.asarray(a), params)


def to_jax(params, dtype):
    """Parameters (NumPy or JAX arrays) as JAX arrays of ``dtype``."""
    return jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype), params)


def batch_jacobian(fn, Z):
    """``(n, d_out, d_in)`` float64 Jacobians of a row-wise function ``fn`` at the
    rows of ``Z``, by forward-mode automatic differentiation (exact to
    rounding), as a NumPy array.  JAX computes in float64 for the call only
    (its global setting is left alone)."""
    single = lambda z: fn(z[None, :])[0]  # noqa: E731
    with jax.enable_x64(True):
        J = jax.vmap(jax.jacfwd(single))(jnp.asarray(Z, dtype=jnp.float64))
        return np.asarray(J, dtype=np.float64)


def evaluate64(fn, Z):
    """``fn`` at the rows of ``Z``, computed by JAX in float64, as a NumPy array."""
    with jax.enable_x64(True):
        return np.asarray(fn(jnp.asarray(Z, dtype=jnp.float64)), dtype=np.float64)


class LatentGeneratorMixin:
    """``generate``, ``jacobian`` and ``sample`` of a fitted model: the generator
    protocol of :mod:`sklearn_imd.latent`, from the model's ``_generator_fn``
    (a JAX function of latent points) once ``_fitted_attribute`` is set."""

    _fitted_attribute = None  # the fitted parameters the generator needs
    _generator_role = "generator"  # what maps latent points to outputs

    def _check_latent(self, Z):
        from sklearn.utils.validation import check_is_fitted

        from .._utils.validation import check_cloud

        check_is_fitted(self, self._fitted_attribute)
        Z = check_cloud(Z, min_points=1, name="Z", purpose=f"the {self._generator_role}")
        if Z.shape[1] != self.latent_dim_:
            raise ValueError(
                f"Z has {Z.shape[1]} columns, but {type(self).__name__} is expecting "
                f"{self.latent_dim_} latent dimensions (latent_dim_) as input."
            )
        return Z

    def generate(self, Z):
        """Outputs at latent points (the generator protocol of :mod:`sklearn_imd.latent`).

        Parameters
        ----------
        Z : array-like of shape (n, latent_dim)

        Returns
        -------
        X : ndarray of shape (n, n_features), float64
        """
        return evaluate64(self._generator_fn, self._check_latent(Z))

    def jacobian(self, Z):
        """Exact Jacobians of :meth:`generate` (forward-mode autodiff, float64).

        Parameters
        ----------
        Z : array-like of shape (n, latent_dim)

        Returns
        -------
        J : ndarray of shape (n, n_features, latent_dim)
        """
        Z = self._check_latent(Z)
        return batch_jacobian(self._generator_fn, Z).reshape(
            len(Z), self.n_features_in_, self.latent_dim_)

    def sample(self, n_samples=1, random_state=None):
        """:meth:`generate` at ``n_samples`` standard-normal latent points.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Seed of the latent draws (a fixed seed gives the same samples).

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        """
        from sklearn.utils.validation import check_is_fitted

        from .._utils.validation import check_int, check_seed

        check_is_fitted(self, self._fitted_attribute)
        n_samples = check_int(n_samples, "n_samples", 1)
        rng = check_seed(random_state)
        return self.generate(rng.standard_normal((n_samples, self.latent_dim_)))


class JaxGenerator:
    """A JAX-traceable function of latent points as a generator of :mod:`sklearn_imd.latent`.

    The latent tools (:func:`~sklearn_imd.latent.pullback_metric`,
    :func:`~sklearn_imd.latent.magnification_factor`, ...) read any object
    with the two methods of the generator protocol: ``generate(Z)``, the
    outputs at the rows of ``Z``, and ``jacobian(Z)``, their ``(n, n_outputs,
    latent_dim)`` Jacobians.  This class gives both for a function written in
    JAX, the Jacobian exact by automatic differentiation.

    Parameters
    ----------
    fn : callable
        Maps a JAX array of shape ``(n, latent_dim)`` to ``(n, n_outputs)``,
        row by row, with ``jax.numpy`` operations.

    Examples
    --------
    >>> import numpy as np
    >>> import jax.numpy as jnp
    >>> from sklearn_imd.latent import magnification_factor
    >>> from sklearn_imd.models import JaxGenerator
    >>> g = JaxGenerator(lambda z: jnp.stack([z[:, 0], z[:, 1], z[:, 0] * z[:, 1]], axis=1))
    >>> g.jacobian(np.array([[1.0, 2.0]]))[0]
    array([[1., 0.],
           [0., 1.],
           [2., 1.]])
    >>> magnification_factor(g, np.array([[0.0, 0.0]]))  # sqrt(det J^T J) of the identity
    array([1.])
    """

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"fn must be a callable, got {type(fn).__name__}.")
        self.fn = fn

    def generate(self, Z):
        """Outputs at the rows of ``Z``, a float64 NumPy array."""
        return evaluate64(self.fn, Z)

    def jacobian(self, Z):
        """``(n, n_outputs, latent_dim)`` exact Jacobians at the rows of ``Z``."""
        return batch_jacobian(self.fn, Z).reshape(len(Z), -1, np.shape(Z)[1])


def jax_generator(fn):
    """:class:`JaxGenerator` of ``fn``: a JAX function of latent points for the latent tools.

    Parameters
    ----------
    fn : callable
        Maps ``(n, latent_dim)`` latent points to ``(n, n_outputs)`` outputs
        with ``jax.numpy`` operations.

    Returns
    -------
    generator : JaxGenerator

    Examples
    --------
    >>> import numpy as np
    >>> import jax.numpy as jnp
    >>> from sklearn_imd.latent import pullback_metric
    >>> from sklearn_imd.models import jax_generator
    >>> g = jax_generator(lambda z: 3.0 * z)
    >>> pullback_metric(g, np.zeros((1, 2)))[0]  # J^T J = 9 I
    array([[9., 0.],
           [0., 9.]])
    """
    return JaxGenerator(fn)
