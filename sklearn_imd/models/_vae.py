"""Variational autoencoder on MLPs, with the LC-VAE options of "Looser is worse".

The VAE of Kingma & Welling (2014): a Gaussian encoder ``q(z | x) =
N(mu(x), diag sigma^2(x))``, a standard-normal prior and a decoder
``p(x | z)`` (Bernoulli or Gaussian), trained by maximising the evidence
lower bound (ELBO) with the reparameterisation trick.  ``weight_clip`` and
``looseness`` give the Lipschitz-constrained VAE (LC-VAE) of "Looser is
Worse: On the Coding Space of Deep Generative Models" (section 4): encoder
weights clipped to ``[-c, c]`` after each step and the penalty

``sum_{i=1}^{n} omega(I_i, I_{i+n})``,
``omega(I_1, I_2) = ||f(I_1) - f(I_2)||_2^2 / ||I_1 - I_2||_2^2``

over a batch of ``b = 2n`` inputs, ``f`` the encoder, with weight ``lambda``.
"""

import numbers

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._utils.validation import check_choice, check_cloud, check_int, check_real, check_seed
from ._elbo import _decoder_mean, _elbo_draws, _epoch, _looseness, _posterior_mean
from ._networks import (
    ACTIVATIONS,
    LatentGeneratorMixin,
    check_layer_sizes,
    evaluate64,
    init_mlp_numpy,
    to_jax,
    to_numpy,
)
from ._training import adam_init, check_schedule, clip_params, minibatches, run_epochs, set_fitted

LIKELIHOODS = ("auto", "bernoulli", "gaussian")
# Floor of the Gaussian decoder's variance, relative to the mean feature
# variance of the training data: a constant feature (a blank pixel) would
# otherwise drive its variance, and the likelihood, to infinity.
_VAR_FLOOR = 1e-4


class VAE(LatentGeneratorMixin, TransformerMixin, BaseEstimator):
    """Variational autoencoder, with the Lipschitz-constrained LC-VAE as an option.

    An MLP encoder maps ``x`` to the mean ``mu(x)`` and log-variance of a
    Gaussian posterior ``q(z | x)`` over ``latent_dim`` coordinates; an MLP
    decoder (the encoder's hidden layers in reverse) maps ``z`` to the
    parameters of ``p(x | z)``; the prior is ``N(0, I)``.  :meth:`fit`
    maximises the evidence lower bound (ELBO)

    ``E_q[log p(x | z)] - KL(q(z | x) || N(0, I))``

    with one reparameterised draw ``z = mu + sigma * eps`` per point and the
    KL term in closed form, by Adam on minibatches.

    **LC-VAE** ("Looser is Worse: On the Coding Space of Deep Generative
    Models", section 4).  With ``weight_clip=c`` every encoder parameter
    (weights and biases, as in the weight clipping of Wasserstein GANs that
    the paper follows) is clipped to ``[-c, c]`` after each optimiser step.
    With ``looseness=lambda`` the loss gains the paper's regulariser: with
    ``f`` the encoder (here its posterior mean ``mu``),

    ``omega(I_1, I_2) = ||f(I_1) - f(I_2)||_2^2 / ||I_1 - I_2||_2^2``

    and, "for a given batch when the batch size is b = 2n",

    ``sum_{i=1}^{n} omega(I_i, I_{i+n})``

    (pairs of identical inputs are left out; an odd last row is unpaired).
    The paper adds ``lambda`` times this sum to the VAE loss of the batch, a
    sum over its ``b`` points; this class minimises the same objective
    divided by ``b``: the mean negative ELBO plus
    ``lambda * sum_i omega(I_i, I_{i+n}) / b``.  The paper's values are
    ``weight_clip=0.3`` and ``looseness=30``.

    The fitted model follows the generator protocol of
    :mod:`sklearn_imd.latent` (``generate``, ``jacobian``, ``latent_dim_``),
    the generator being the decoder mean.

    Parameters
    ----------
    latent_dim : int, default=2
        Dimension of the latent space.
    hidden_layer_sizes : tuple of int, default=(128, 128)
        Hidden layer widths of the encoder; the decoder has them in reverse.
    activation : {"relu", "tanh", "elu", "leaky_relu", "sigmoid", "identity"}, default="relu"
        Hidden activation of both networks.
    likelihood : {"auto", "bernoulli", "gaussian"}, default="auto"
        The decoder's distribution ``p(x | z)``:

        * ``"bernoulli"``: independent Bernoulli with means
          ``sigmoid(decoder(z))``, the log-likelihood
          ``sum_j x_j log p_j + (1 - x_j) log(1 - p_j)`` (the binary
          cross-entropy, also used for grey levels in ``[0, 1]``); the data
          must lie in ``[0, 1]``;
        * ``"gaussian"``: ``N(decoder(z), diag v)`` with a learned
          per-feature variance ``v_j = v_min + exp(s_j)`` (``s`` trained with
          the networks, started at the log of the feature variances;
          ``v_min = 1e-4`` times the mean feature variance of the training
          data keeps constant features from driving the likelihood to
          infinity);
        * ``"auto"``: ``"bernoulli"`` if all the training data lie in
          ``[0, 1]``, else ``"gaussian"``.
    epochs : int, default=100
        Passes over the data; an epoch is ``max(1, n_samples // batch_size)``
        steps on disjoint minibatches of a fresh shuffle.
    batch_size : int, default=128
        Minibatch size (capped at n_samples).
    learning_rate : float, default=1e-3
        Adam learning rate.
    weight_clip : float or None, default=None
        The LC-VAE constant ``c > 0``: clip the encoder's parameters to
        ``[-c, c]`` after each step.  None: no clipping.
    looseness : float, default=0.0
        The LC-VAE weight ``lambda >= 0`` of the looseness penalty.
    random_state : int, RandomState instance or None, default=None
        Initialisation, minibatches and reparameterisation draws: a fixed
        integer gives identical models.
    verbose : int, default=0
        Print the loss every epoch if > 0.

    Attributes
    ----------
    encoder_params_ : list of (ndarray, ndarray)
        Encoder weights and biases; the last layer has ``2 * latent_dim``
        outputs, the posterior means then log-variances.
    decoder_params_ : list of (ndarray, ndarray)
        Decoder weights and biases.
    decoder_log_var_ : ndarray of shape (n_features,) or None
        The parameters ``s`` of the Gaussian decoder's variance
        ``v_min + exp(s)`` (None for the Bernoulli decoder).
    decoder_var_floor_ : float
        ``v_min`` of the Gaussian decoder (0 for the Bernoulli decoder).
    likelihood_ : {"bernoulli", "gaussian"}
        The decoder's distribution.
    loss_curve_ : ndarray of shape (epochs,)
        Mean loss (negative ELBO plus the looseness term) per epoch.
    latent_dim_ : int
        Latent dimension (the generator protocol).
    n_features : int
        Number of features of the data.
    n_iter_ : int
        Optimiser steps taken.

    See Also
    --------
    sklearn_imd.latent.class_radius : The looseness measure of the paper.
    sklearn_imd.latent.magnification_factor : Volume change of the decoder.

    References
    ----------
    D. P. Kingma and M. Welling, "Auto-encoding variational Bayes", ICLR 2014.

    "Looser is Worse: On the Coding Space of Deep Generative Models"
    (the LC-VAE, section 4).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_imd.models import VAE
    >>> X = load_digits().data[:200] / 16
    >>> vae = VAE(hidden_layer_sizes=(32,), epochs=5, batch_size=50,
    ...           random_state=0).fit(X)
    >>> vae.likelihood_
    'bernoulli'
    >>> vae.transform(X).shape  # posterior means
    (200, 2)
    >>> vae.jacobian(vae.transform(X[:3])).shape  # (n, n_features, latent_dim)
    (3, 64, 2)
    >>> vae.sample(4, random_state=0).shape
    (4, 64)
    >>> lc = VAE(hidden_layer_sizes=(32,), epochs=5, batch_size=50, weight_clip=0.3,
    ...          looseness=30.0, random_state=0).fit(X)
    >>> bool(abs(lc.encoder_params_[0][0]).max() <= 0.3)
    True
    """

    _fitted_attribute = "decoder_params_"
    _generator_role = "decoder"

    def __init__(self, latent_dim=2, hidden_layer_sizes=(128, 128), activation="relu",
                 likelihood="auto", epochs=100, batch_size=128, learning_rate=1e-3,
                 weight_clip=None, looseness=0.0, random_state=None, verbose=0):
        self.latent_dim = latent_dim
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.likelihood = likelihood
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_clip = weight_clip
        self.looseness = looseness
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        p = {
            "latent_dim": check_int(self.latent_dim, "latent_dim", 1),
            "sizes": check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes"),
            "activation": check_choice(self.activation, "activation", tuple(ACTIVATIONS)),
            "likelihood": check_choice(self.likelihood, "likelihood", LIKELIHOODS),
            **check_schedule(self),
            "looseness": check_real(self.looseness, "looseness", minimum=0),
            "verbose": check_int(self.verbose, "verbose", 0),
        }
        clip = self.weight_clip
        if clip is not None:
            if isinstance(clip, (bool, np.bool_)) or not isinstance(clip, numbers.Real):
                raise TypeError(
                    f"weight_clip must be None or a positive real number, got {clip!r}."
                )
            clip = check_real(clip, "weight_clip", minimum=0, strict=True)
        p["clip"] = clip
        return p

    @staticmethod
    def _check_unit_interval(X, what):
        lo, hi = float(X.min()), float(X.max())
        if lo < 0 or hi > 1:
            raise ValueError(
                f"the Bernoulli likelihood needs {what} in [0, 1]; got values in "
                f"[{lo:g}, {hi:g}]. Rescale the data (e.g. MinMaxScaler) or use "
                "likelihood='gaussian'."
            )

    def fit(self, X, y=None):
        """Train the encoder and the decoder on the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (at least 2 points, finite; in ``[0, 1]`` for the
            Bernoulli likelihood).
        y : ignored

        Returns
        -------
        self : VAE
        """
        p = self._check_params()
        X = check_cloud(X, min_points=2, name="X", purpose="training a VAE")
        n, d = X.shape
        likelihood = p["likelihood"]
        if likelihood == "auto":
            likelihood = "bernoulli" if X.min() >= 0 and X.max() <= 1 else "gaussian"
        elif likelihood == "bernoulli":
            self._check_unit_interval(X, "the training data")
        latent_dim, act, clip, lam = p["latent_dim"], p["activation"], p["clip"], p["looseness"]

        rng = check_seed(self.random_state)
        enc = init_mlp_numpy(rng, (d, *p["sizes"], 2 * latent_dim))
        dec = init_mlp_numpy(rng, (latent_dim, *p["sizes"][::-1], d))
        if likelihood == "gaussian":
            fvar = X.var(axis=0).astype(np.float64)
            floor = _VAR_FLOOR * max(float(fvar.mean()), np.finfo(np.float32).tiny)
            log_var = np.log(np.maximum(fvar - floor, floor)).astype(np.float32)
        else:
            floor, log_var = 0.0, np.zeros(d, np.float32)
        params = (enc, dec, log_var)
        if clip is not None:
            params = (clip_params(enc, clip), dec, log_var)

        B, steps = minibatches(p["batch_size"], n)
        config = (act, latent_dim, likelihood, clip, lam > 0, p["lr"])
        Xd = jnp.asarray(X, dtype=jnp.float32)
        carry = (params, adam_init(params, p["lr"]))
        floor32, lam32 = jnp.float32(floor), jnp.float32(lam)

        def epoch(carry):
            idx = rng.permutation(n)[:steps * B].reshape(steps, B)
            eps = rng.standard_normal((steps, B, latent_dim)).astype(np.float32)
            return _epoch(carry, Xd, idx, eps, floor32, lam32, config)

        carry, _, curve = run_epochs(
            epoch, carry, p["epochs"], p["verbose"], "loss",
            lambda value, e: f"the VAE loss became {value} at epoch {e}; lower learning_rate "
                             "or rescale the data.")
        enc, dec, log_var = carry[0]
        self.encoder_params_ = to_numpy(enc)
        self.decoder_params_ = to_numpy(dec)
        self.decoder_log_var_ = np.asarray(log_var) if likelihood == "gaussian" else None
        self.decoder_var_floor_ = float(floor)
        self.likelihood_ = likelihood
        set_fitted(self, curve, latent_dim, d, p["epochs"] * steps)
        return self

    # -- checks and the networks at a given dtype ---------------------------------

    def _check_X(self, X, name="X"):
        check_is_fitted(self, "encoder_params_")
        X = check_cloud(X, min_points=1, name=name, purpose="the encoder")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{name} has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def _act(self):
        return self.activation

    def _mean_fn(self, x):
        enc = to_jax(self.encoder_params_, x.dtype)
        return _posterior_mean(enc, x, self._act(), self.latent_dim_)

    def _generator_fn(self, z):
        dec = to_jax(self.decoder_params_, z.dtype)
        return _decoder_mean(dec, z, self._act(), self.likelihood_)

    # -- public methods ------------------------------------------------------------

    def transform(self, X):
        """Posterior means ``mu(x)`` of the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, n_features)

        Returns
        -------
        Z : ndarray of shape (n, latent_dim), float64
        """
        return evaluate64(self._mean_fn, self._check_X(X))

    def inverse_transform(self, Z):
        """Decoder means at latent points: ``sigmoid(decoder(z))`` (Bernoulli) or
        ``decoder(z)`` (Gaussian).

        Parameters
        ----------
        Z : array-like of shape (n, latent_dim)

        Returns
        -------
        X : ndarray of shape (n, n_features), float64
        """
        return self.generate(Z)

    def score_samples(self, X, n_draws=16):
        """ELBO of each row of ``X`` (a lower bound of ``log p(x)``; higher is better).

        The expectation over ``q(z | x)`` is estimated with ``n_draws``
        reparameterised draws per row from a fixed seed, so the value is
        deterministic; the KL term is exact.

        Parameters
        ----------
        X : array-like of shape (n, n_features)
        n_draws : int, default=16

        Returns
        -------
        elbo : ndarray of shape (n,), float64
        """
        X = self._check_X(X)
        n_draws = check_int(n_draws, "n_draws", 1)
        if self.likelihood_ == "bernoulli":
            self._check_unit_interval(X, "X")
        eps = np.random.RandomState(0).standard_normal((n_draws, len(X), self.latent_dim_))
        log_var = (np.zeros(self.n_features_in_) if self.decoder_log_var_ is None
                   else self.decoder_log_var_)

        with jax.enable_x64(True):
            elbo = _elbo_draws(
                to_jax(self.encoder_params_, jnp.float64),
                to_jax(self.decoder_params_, jnp.float64), jnp.asarray(log_var, jnp.float64),
                jnp.asarray(X, jnp.float64), jnp.asarray(eps, jnp.float64), self.decoder_var_floor_,
                (self.activation, self.latent_dim_, self.likelihood_))
            return np.asarray(elbo, dtype=np.float64)

    def score(self, X, y=None):
        """Mean ELBO per row of ``X`` (higher is better); see :meth:`score_samples`.

        Parameters
        ----------
        X : array-like of shape (n, n_features)
        y : ignored

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def looseness_penalty(self, X):
        """The LC-VAE looseness penalty of the paper on the rows of ``X`` as one batch.

        ``sum_{i=1}^{n} ||f(I_i) - f(I_{i+n})||_2^2 / ||I_i - I_{i+n}||_2^2``
        with ``n = len(X) // 2``, ``I_i`` the rows of ``X`` and ``f`` the
        posterior mean (pairs of identical rows are left out).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            At least 2 rows.

        Returns
        -------
        penalty : float
        """
        X = self._check_X(X)
        if len(X) < 2:
            raise ValueError(f"X has {len(X)} point; the looseness penalty needs pairs "
                             "(at least 2 points).")
        mu = self.transform(X)
        X = X.astype(np.float64)
        with jax.enable_x64(True):
            return float(_looseness(jnp.asarray(mu), jnp.asarray(X)))
