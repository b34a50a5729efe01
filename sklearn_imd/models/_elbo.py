"""The VAE's computations in JAX, for :class:`~sklearn_imd.models.VAE`.

The encoder and the decoder, the log-likelihoods of the Bernoulli and the
Gaussian decoder, the negative ELBO, the LC-VAE looseness penalty, the jitted
training epoch (Adam steps and the encoder's weight clipping) and the jitted
posterior and decoder means.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._networks import mlp
from ._training import adam_step, clip_params

_LOG_2PI = float(np.log(2.0 * np.pi))


def _encode(enc, X, activation, latent_dim):
    """Posterior means and log-variances, each ``(n, latent_dim)``."""
    out = mlp(enc, X, activation)
    return out[:, :latent_dim], out[:, latent_dim:]


def _decode(dec, Z, activation):
    """Decoder outputs: Bernoulli logits or Gaussian means, ``(n, n_features)``."""
    return mlp(dec, Z, activation)


def _log_likelihood(out, X, likelihood, log_var, var_floor):
    """``log p(x | z)`` per row, from the decoder outputs ``out``."""
    if likelihood == "bernoulli":
        # x log sigmoid(l) + (1 - x) log sigmoid(-l), stable in the logits l
        return jnp.sum(X * out - jax.nn.softplus(out), axis=1)
    var = var_floor + jnp.exp(log_var)
    return -0.5 * jnp.sum((X - out) ** 2 / var + jnp.log(var) + _LOG_2PI, axis=1)


def _neg_elbo(enc, dec, log_var, X, eps, *, activation, latent_dim, likelihood, var_floor):
    """Negative ELBO per row, one reparameterised draw ``z = mu + sigma * eps``
    per row (``eps`` of shape ``(n, latent_dim)``), KL in closed form."""
    mu, logv = _encode(enc, X, activation, latent_dim)
    z = mu + jnp.exp(0.5 * logv) * eps
    rec = _log_likelihood(_decode(dec, z, activation), X, likelihood, log_var, var_floor)
    kl = 0.5 * jnp.sum(jnp.exp(logv) + mu**2 - 1.0 - logv, axis=1)
    return kl - rec


def _looseness(mu, X):
    """The LC-VAE penalty ``sum_{i=1}^{n} ||f(I_i) - f(I_{i+n})||^2 / ||I_i - I_{i+n}||^2``
    over the ``n = len(X) // 2`` pairs of the first and second half of the rows
    (identical inputs, of zero distance, are left out of the sum)."""
    n = X.shape[0] // 2
    if n == 0:
        return jnp.zeros((), mu.dtype)
    num = jnp.sum((mu[:n] - mu[n:2 * n]) ** 2, axis=1)
    den = jnp.sum((X[:n] - X[n:2 * n]) ** 2, axis=1)
    safe = jnp.where(den > 0, den, 1.0)
    return jnp.sum(jnp.where(den > 0, num / safe, 0.0))


@partial(jax.jit, static_argnums=(6,))
def _epoch(carry, Xd, idx, eps, floor, lam, config):
    """One epoch of Adam steps on the minibatches ``Xd[idx[s]]`` (a ``lax.scan``),
    jitted once per ``config`` and shapes (fits of one configuration share it)."""
    activation, latent_dim, likelihood, clip, penalised, lr = config
    opt = optax.adam(lr)
    B = idx.shape[1]

    def loss_fn(params, Xb, e):
        enc, dec, log_var = params
        loss = jnp.mean(_neg_elbo(enc, dec, log_var, Xb, e, activation=activation,
                                  latent_dim=latent_dim, likelihood=likelihood,
                                  var_floor=floor))
        if penalised:
            mu, _ = _encode(enc, Xb, activation, latent_dim)
            loss = loss + lam * _looseness(mu, Xb) / B
        return loss

    def step(carry, inputs):
        params, state = carry
        i, e = inputs
        value, params, state = adam_step(opt, loss_fn, params, state, Xd[i], e)
        if clip is not None:
            enc, dec, log_var = params
            params = (clip_params(enc, clip), dec, log_var)
        return (params, state), value

    carry, values = jax.lax.scan(step, carry, (idx, eps))
    return carry, jnp.mean(values)


@partial(jax.jit, static_argnums=(6,))
def _elbo_draws(enc, dec, log_var, X, eps, floor, config):
    """ELBO per row of ``X``, averaged over the draws ``eps[k]``."""
    activation, latent_dim, likelihood = config
    neg = jax.vmap(lambda e: _neg_elbo(enc, dec, log_var, X, e, activation=activation,
                                       latent_dim=latent_dim, likelihood=likelihood,
                                       var_floor=floor))(eps)
    return -jnp.mean(neg, axis=0)


@partial(jax.jit, static_argnums=(2, 3))
def _posterior_mean(enc, X, activation, latent_dim):
    return _encode(enc, X, activation, latent_dim)[0]


@partial(jax.jit, static_argnums=(2, 3))
def _decoder_mean(dec, Z, activation, likelihood):
    out = _decode(dec, Z, activation)
    return jax.nn.sigmoid(out) if likelihood == "bernoulli" else out
