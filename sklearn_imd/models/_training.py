"""Training plumbing shared by the models of this package.

The checks of the training schedule (``epochs``, ``batch_size``,
``learning_rate``), the minibatches of an epoch, Adam's initial state and
step, weight clipping, the epoch loop (loss curve, ``verbose`` lines, the
error when the loss stops being finite) and the fitted attributes every model
sets.  The step and the clipping are traced inside the models' jitted epochs.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._utils.validation import check_int, check_real


def check_schedule(estimator, min_batch_size=1):
    """``epochs``, ``batch_size`` (at least ``min_batch_size``) and ``learning_rate``
    (as ``"lr"``) of ``estimator``, checked, in this order."""
    return {
        "epochs": check_int(estimator.epochs, "epochs", 1),
        "batch_size": check_int(estimator.batch_size, "batch_size", min_batch_size),
        "lr": check_real(estimator.learning_rate, "learning_rate", minimum=0, strict=True),
    }


def minibatches(batch_size, n):
    """Minibatch size ``B`` (``batch_size`` capped at ``n`` samples) and the steps
    of an epoch, ``max(1, n // B)``."""
    B = min(batch_size, n)
    return B, max(1, n // B)


@partial(jax.jit, static_argnums=(1,))
def adam_init(params, lr):
    """Initial state of ``optax.adam(lr)`` for ``params``."""
    return optax.adam(lr).init(params)


def adam_step(opt, loss_fn, params, state, *args):
    """One step of the optax optimiser ``opt`` on ``loss_fn(params, *args)``:
    ``(loss value, new params, new state)``."""
    value, grads = jax.value_and_grad(loss_fn)(params, *args)
    updates, state = opt.update(grads, state, params)
    return value, optax.apply_updates(params, updates), state


def clip_params(params, c):
    """Every parameter clipped to ``[-c, c]`` (weight clipping)."""
    return jax.tree_util.tree_map(lambda a: jnp.clip(a, -c, c), params)


def run_epochs(epoch, carry, n_epochs, verbose, what, diverged):
    """``n_epochs`` epochs of training, ``carry, value = epoch(carry)`` each.

    Prints ``what`` and the value of each epoch if ``verbose``; raises
    ``FloatingPointError(diverged(value, e))`` at the first value that is not
    finite, ``e`` the epoch (from 1).  Returns the last carry, the carry before
    the last epoch and the values (the loss curve) as a float64 array.
    """
    curve = []
    for e in range(n_epochs):
        before = carry
        carry, value = epoch(carry)
        value = float(value)
        curve.append(value)
        if verbose:
            print(f"epoch {e + 1}/{n_epochs}: {what} {value:.6g}")
        if not np.isfinite(value):
            raise FloatingPointError(diverged(value, e + 1))
    return carry, before, np.asarray(curve, dtype=np.float64)


def set_fitted(estimator, loss_curve, latent_dim, n_features, n_iter):
    """The fitted attributes of every model: ``loss_curve_``, ``latent_dim_``,
    ``n_features_in_`` and ``n_iter_``."""
    estimator.loss_curve_ = loss_curve
    estimator.latent_dim_ = latent_dim
    estimator.n_features_in_ = n_features
    estimator.n_iter_ = n_iter
