"""MMD GAN with the scaled MMD (SMMD) or gradient-constrained MMD (GCMMD) critic.

Arbel, Sutherland, Bińkowski & Gretton, "On gradient regularizers for MMD
GANs", NeurIPS 2018.  The critic is a feature map ``phi`` (an MLP) under a
Gaussian kernel of bandwidth ``sigma``; the loss is a kernel distance between
the features of the data and of the generator's samples:

* ``"smmd"``: the scaled MMD of :func:`sklearn_imd.scaled_mmd`,
  ``MMD^2_u(phi(X), phi(G(z))) / (lam + 1 + E_X |J_phi(x)|_F^2 / sigma^2)``
  (one definition: :func:`_critic_objective` equals ``scaled_mmd`` on the
  same features and Jacobians);
* ``"gcmmd"``: the gradient-constrained MMD, the supremum of
  ``E_P f - E_Q f`` over ``f`` in the kernel's RKHS with
  ``E_mu f(x)^2 + E_mu |grad f(x)|^2 + lam |f|_H^2 <= 1``, ``mu`` the real
  batch, in the paper's closed form;
* ``"mmd"``: the unregularised MMD^2 (the paper's failure case).

The critic maximises the loss for ``n_critic`` Adam steps, then the generator
minimises it for one step (the paper's schedule).
"""

import functools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from .._utils.validation import check_choice, check_cloud, check_int, check_real, check_seed
from ._networks import LatentGeneratorMixin, check_layer_sizes, init_mlp, mlp, to_jax, to_numpy
from ._training import adam_step, check_schedule, minibatches, run_epochs, set_fitted

CRITICS = ("smmd", "gcmmd", "mmd")
# Hidden activation of both networks: ELU is C^1, so the generator's Jacobian
# is continuous and the critic's Jacobian (in the SMMD / GCMMD scaling) has a
# gradient in the critic's weights.
_ACTIVATION = "elu"

# What fit calls a collapsed critic: |critic objective| below this over the
# last epoch.  Kernel values lie in (0, 1], so a minibatch MMD^2 that still
# tells the samples from the data is of the order of 1 / batch_size or more;
# 1e-9 means all features lie within ~3e-5 sigma of each other, where the
# generator's gradient (the objective's) vanishes with it.
_COLLAPSED = 1e-9
# A generator moved less than this (relative change of its weights over the
# last epoch) is frozen: below float32's resolution of its own weights.
_FROZEN = 1e-7
# Spread of the generator's samples (RMS distance to their mean) over the
# data's: outside these bounds training diverged (wider) or never reached the
# data's scale (narrower).
_SPREAD = (1e-3, 10.0)


def _relative_change(before, after):
    """``|after - before| / |before|`` over all the weights of an MLP."""
    num = sum(float(np.sum((np.asarray(a) - np.asarray(b)) ** 2))
              for pa, pb in zip(after, before) for a, b in zip(pa, pb))
    den = sum(float(np.sum(np.asarray(b) ** 2)) for pb in before for b in pb)
    return np.sqrt(num / den) if den > 0 else np.sqrt(num)


def _spread(X):
    """RMS distance of the rows of ``X`` to their mean."""
    return float(np.sqrt(np.mean(np.sum((X - X.mean(axis=0)) ** 2, axis=1))))


def _advice(lr):
    """What to change when training failed."""
    return (f"Lower learning_rate (now {lr:g}; the default is 1e-4) and standardise the data "
            "(e.g. sklearn.preprocessing.StandardScaler).")


def _diagnosis(objective, moved, spread_ratio, lr):
    """The problems of a finished fit, in the user's terms (empty when healthy)."""
    problems = []
    if abs(objective) < _COLLAPSED:
        problems.append(
            f"the critic collapsed: its objective over the last epoch is {objective:.3g} "
            "(its features no longer tell the samples from the data, so the generator "
            "gets no gradient)")
    if moved < _FROZEN:
        problems.append(f"the generator is frozen: its weights changed by {moved:.3g} "
                        "(relative) over the last epoch")
    if spread_ratio > _SPREAD[1]:
        problems.append(f"training diverged: the generator's samples spread "
                        f"{spread_ratio:.3g} times wider than the data")
    elif spread_ratio < _SPREAD[0]:
        problems.append(f"the generator's samples spread {spread_ratio:.3g} times the "
                        "data's: it never reached the data's scale")
    if not problems:
        return None
    return f"MMDGAN training failed: {'; '.join(problems)}. {_advice(lr)}"


def _features(params, X):
    """Critic features ``phi(X)``, shape ``(n, n_critic_features)``."""
    return mlp(params, X, _ACTIVATION)


def _feature_jacobians(params, X):
    """``(n, n_critic_features, n_features)`` Jacobians of ``phi`` at the rows of ``X``."""
    single = lambda x: _features(params, x[None, :])[0]  # noqa: E731
    return jax.vmap(jax.jacfwd(single))(X)


def _gaussian(A, B, sigma):
    """Gaussian kernel matrix ``exp(-|a - b|^2 / (2 sigma^2))`` and the differences."""
    U = A[:, None, :] - B[None, :, :]
    return jnp.exp(-jnp.sum(U * U, axis=-1) / (2.0 * sigma**2)), U


def _mmd2(Kxx, Kyy, Kxy, unbiased=True):
    """MMD^2 from kernel matrices: the unbiased U-statistic or the biased V-statistic."""
    if not unbiased:
        return jnp.mean(Kxx) + jnp.mean(Kyy) - 2.0 * jnp.mean(Kxy)
    m, n = Kxx.shape[0], Kyy.shape[0]
    xx = (jnp.sum(Kxx) - jnp.trace(Kxx)) / (m * (m - 1))
    yy = (jnp.sum(Kyy) - jnp.trace(Kyy)) / (n * (n - 1))
    return xx + yy - 2.0 * jnp.mean(Kxy)


def _gcmmd2(FX, FY, J, sigma, lam):
    """Squared gradient-constrained MMD of Arbel et al. (2018), closed form.

    With ``mu`` the empirical measure of the ``M`` real points ``X_m`` and
    ``eta = E_P k(., x) - E_Q k(., x)`` the (unnormalised) witness function,

    ``GCMMD^2 = (MMD^2 - eta_bar^T (A + M lam I)^(-1) eta_bar) / lam``,

    where ``eta_bar`` stacks ``eta(X_m)`` and ``d_i eta(X_m)`` (``M + M d``
    entries) and ``A`` is the Gram matrix of these evaluation and derivative
    functionals: ``k(X_m, X_m')``, ``d_(j+d) k(X_m, X_m')`` and
    ``d_i d_(j+d) k(X_m, X_m')``, the derivatives taken in the inputs of the
    kernel ``k(x, y) = K(phi(x), phi(y))``.  The MMD^2 is the biased
    (V-statistic) estimate, the squared RKHS norm of the plug-in ``eta``, so
    the value is >= 0.  ``FX``/``FY`` are the features of the real/generated
    points, ``J`` the ``(M, n_critic_features, d)`` Jacobians at the real points.
    """
    M, d = J.shape[0], J.shape[2]
    s2 = sigma**2
    Kxx, U = _gaussian(FX, FX, sigma)          # U[m, m'] = phi(X_m) - phi(X_m')
    Kyy, _ = _gaussian(FY, FY, sigma)
    Kyx, V = _gaussian(FY, FX, sigma)          # V[j, m] = phi(Y_j) - phi(X_m)
    mmd2 = _mmd2(Kxx, Kyy, Kyx, unbiased=False)
    # d/dx_i of k(a, x) at x = X_m: k(a, x) (phi(a) - phi(x)) . J_m[:, i] / sigma^2
    eta = jnp.mean(Kxx, axis=0) - jnp.mean(Kyx, axis=0)
    grad_eta = (jnp.einsum("am,amk,mki->mi", Kxx, U, J) / M
                - jnp.einsum("jm,jmk,mki->mi", Kyx, V, J) / FY.shape[0]) / s2
    eta_bar = jnp.concatenate([eta, grad_eta.reshape(-1)])
    UJy = jnp.einsum("abk,bkj->abj", U, J)     # (phi(X_a) - phi(X_b)) . J_b[:, j]
    UJx = jnp.einsum("abk,aki->abi", U, J)     # (phi(X_a) - phi(X_b)) . J_a[:, i]
    G = (Kxx[:, :, None] * UJy / s2).reshape(M, M * d)
    JJ = jnp.einsum("aki,bkj->abij", J, J)
    H = Kxx[:, :, None, None] * (JJ / s2 - UJx[:, :, :, None] * UJy[:, :, None, :] / s2**2)
    H = H.transpose(0, 2, 1, 3).reshape(M * d, M * d)
    A = jnp.block([[Kxx, G], [G.T, H]])
    A = 0.5 * (A + A.T) + M * lam * jnp.eye(M * (d + 1), dtype=A.dtype)
    chol = jax.scipy.linalg.cho_factor(A)
    penalty = eta_bar @ jax.scipy.linalg.cho_solve(chol, eta_bar)
    return (mmd2 - penalty) / lam


def _critic_objective(params, X, Y, sigma=1.0, lam=1.0, critic="smmd"):
    """The loss the critic maximises and the generator minimises, in JAX.

    Parameters
    ----------
    params : list of (W, b)
        Critic MLP parameters (the feature map ``phi``).
    X, Y : jax arrays of shape (n, n_features)
        Real points and generated points.
    sigma, lam : float
        Gaussian kernel bandwidth on the features, and the regulariser.
    critic : {"smmd", "gcmmd", "mmd"}

    Returns
    -------
    value : scalar jax array
        For ``"smmd"`` exactly :func:`sklearn_imd.scaled_mmd` of
        ``phi(X), phi(Y)`` with ``jacobians = J_phi(X)`` (unbiased MMD^2).
    """
    FX, FY = _features(params, X), _features(params, Y)
    if critic == "gcmmd":
        return _gcmmd2(FX, FY, _feature_jacobians(params, X), sigma, lam)
    Kxx, _ = _gaussian(FX, FX, sigma)
    Kyy, _ = _gaussian(FY, FY, sigma)
    Kxy, _ = _gaussian(FX, FY, sigma)
    mmd2 = _mmd2(Kxx, Kyy, Kxy)
    if critic == "mmd":
        return mmd2
    J = _feature_jacobians(params, X)
    grad_term = jnp.mean(jnp.sum(J * J, axis=(1, 2)))
    return mmd2 / (lam + 1.0 + grad_term / sigma**2)


@functools.lru_cache(maxsize=16)
def _training_epoch(latent_dim, critic, sigma, lam, n_critic, lr, B, steps, n):
    """The optimiser and a jitted epoch ``(carry, key, X) -> (carry, mean critic
    objective)`` of ``steps`` generator steps, each after ``n_critic`` critic
    steps; cached, so refitting one configuration compiles once."""
    opt = optax.adam(lr, b1=0.5, b2=0.9)
    objective = lambda c, Xb, Yb: _critic_objective(  # noqa: E731
        c, Xb, Yb, sigma=sigma, lam=lam, critic=critic)

    @jax.jit
    def epoch(carry, key, Xd):
        def draw(key, g):
            k1, k2 = jax.random.split(key)
            Xb = Xd[jax.random.randint(k1, (B,), 0, n)]
            Yb = mlp(g, jax.random.normal(k2, (B, latent_dim)), _ACTIVATION)
            return Xb, Yb

        def critic_step(carry, key):
            g, c, c_state = carry
            Xb, Yb = draw(key, g)
            Yb = jax.lax.stop_gradient(Yb)
            value, c, c_state = adam_step(opt, lambda c_: -objective(c_, Xb, Yb), c, c_state)
            return (g, c, c_state), -value

        def generator_step(carry, key):
            g, c, g_state, c_state = carry
            keys = jax.random.split(key, n_critic + 1)
            (g, c, c_state), values = jax.lax.scan(critic_step, (g, c, c_state), keys[:-1])
            k1, k2 = jax.random.split(keys[-1])
            Xb = Xd[jax.random.randint(k1, (B,), 0, n)]
            zb = jax.random.normal(k2, (B, latent_dim))
            _, g, g_state = adam_step(
                opt, lambda g_: objective(c, Xb, mlp(g_, zb, _ACTIVATION)), g, g_state)
            return (g, c, g_state, c_state), jnp.mean(values)

        carry, values = jax.lax.scan(generator_step, carry, jax.random.split(key, steps))
        return carry, jnp.mean(values)

    return opt, epoch


class MMDGAN(LatentGeneratorMixin, BaseEstimator):
    """MMD GAN with a scaled (SMMD) or gradient-constrained (GCMMD) MMD critic.

    The generator ``G`` maps standard-normal latent points ``z`` to data
    space through an MLP; the critic is a feature map ``phi`` (an MLP with
    ``n_critic_features`` outputs) under the Gaussian kernel
    ``K(a, b) = exp(-|a - b|^2 / (2 sigma^2))``.  Following Arbel,
    Sutherland, Bińkowski & Gretton (NeurIPS 2018), the critic maximises,
    for ``n_critic`` Adam steps, and the generator then minimises, for one
    step, on minibatches:

    * ``critic="smmd"``: the scaled MMD (the library's
      :func:`~sklearn_imd.scaled_mmd`)
      ``MMD^2_u(phi(X), phi(G(z))) / (lam + 1 + E_X |J_phi(x)|_F^2 / sigma^2)``;
    * ``critic="gcmmd"``: the gradient-constrained MMD^2, the squared
      supremum of ``E_P f - E_Q f`` over RKHS functions ``f`` with
      ``E_X f(x)^2 + E_X |grad_x f(x)|^2 + lam |f|_H^2 <= 1`` over the real
      batch, computed in the paper's closed form (a linear system of size
      ``batch_size * (n_features + 1)``, so meant for low-dimensional data);
    * ``critic="mmd"``: the unregularised MMD^2 (the paper's failure case).

    The fitted model follows the generator protocol of
    :mod:`sklearn_imd.latent` (``generate``, ``jacobian``, ``latent_dim_``).

    Parameters
    ----------
    latent_dim : int, default=2
        Dimension of the standard-normal latent space.
    generator_layer_sizes : tuple of int, default=(64, 64)
        Hidden layer widths of the generator (ELU activations).
    critic_layer_sizes : tuple of int, default=(64, 64)
        Hidden layer widths of the critic's feature map (ELU activations).
    n_critic_features : int, default=16
        Number of critic features (the output width of ``phi``).
    critic : {"smmd", "gcmmd", "mmd"}, default="smmd"
        The critic's loss (see above).
    lam : float, default=1.0
        Regulariser ``lambda`` of SMMD (>= 0) and GCMMD (> 0).
    sigma : float, default=1.0
        Bandwidth of the Gaussian kernel on the critic features (a single
        Gaussian, the kernel of :func:`~sklearn_imd.scaled_mmd`).
    n_critic : int, default=5
        Critic steps per generator step.
    epochs : int, default=50
        Training epochs; an epoch is ``max(1, n_samples // batch_size)``
        generator steps, each after ``n_critic`` critic steps.
    batch_size : int, default=128
        Minibatch size of real and of generated points (capped at n_samples).
    learning_rate : float, default=1e-4
        Adam learning rate of both networks (betas 0.5 and 0.9, as in the
        MMD GAN papers).
    random_state : int, RandomState instance or None, default=None
        Initialisation, minibatches and latent draws.
    verbose : int, default=0
        Print the critic objective every epoch if > 0.

    Attributes
    ----------
    generator_params_ : list of (ndarray, ndarray)
        Generator weights and biases.
    critic_params_ : list of (ndarray, ndarray)
        Critic (feature map) weights and biases.
    loss_curve_ : ndarray of shape (epochs,)
        Mean critic objective over the critic steps of each epoch.
    latent_dim_ : int
        Latent dimension (the generator protocol).
    n_features : int
        Number of features of the data.
    n_iter_ : int
        Generator steps taken.

    References
    ----------
    M. Arbel, D. J. Sutherland, M. Bińkowski and A. Gretton, "On gradient
    regularizers for MMD GANs", NeurIPS 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.models import MMDGAN
    >>> X = np.random.default_rng(0).normal(size=(64, 2))
    >>> gan = MMDGAN(generator_layer_sizes=(8,), critic_layer_sizes=(8,),
    ...              n_critic_features=4, epochs=2, batch_size=32,
    ...              random_state=0).fit(X)
    >>> gan.sample(5, random_state=0).shape
    (5, 2)
    >>> gan.jacobian(np.zeros((3, 2))).shape  # (n, n_features, latent_dim)
    (3, 2, 2)
    >>> gan.loss_curve_.shape
    (2,)
    """

    _fitted_attribute = "generator_params_"
    _generator_role = "generator"

    def __init__(self, latent_dim=2, generator_layer_sizes=(64, 64), critic_layer_sizes=(64, 64),
                 n_critic_features=16, critic="smmd", lam=1.0, sigma=1.0, n_critic=5,
                 epochs=50, batch_size=128, learning_rate=1e-4, random_state=None, verbose=0):
        self.latent_dim = latent_dim
        self.generator_layer_sizes = generator_layer_sizes
        self.critic_layer_sizes = critic_layer_sizes
        self.n_critic_features = n_critic_features
        self.critic = critic
        self.lam = lam
        self.sigma = sigma
        self.n_critic = n_critic
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        p = dict(
            latent_dim=check_int(self.latent_dim, "latent_dim", 1),
            gen_sizes=check_layer_sizes(self.generator_layer_sizes, "generator_layer_sizes"),
            critic_sizes=check_layer_sizes(self.critic_layer_sizes, "critic_layer_sizes"),
            n_feat=check_int(self.n_critic_features, "n_critic_features", 1),
            critic=check_choice(self.critic, "critic", CRITICS),
            sigma=check_real(self.sigma, "sigma", minimum=0, strict=True),
            n_critic=check_int(self.n_critic, "n_critic", 1),
            **check_schedule(self, min_batch_size=2),
            verbose=check_int(self.verbose, "verbose", 0),
        )
        p["lam"] = check_real(self.lam, "lam", minimum=0, strict=self.critic == "gcmmd")
        return p

    def fit(self, X, y=None):
        """Train the generator and the critic on the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (at least 2 points, finite).
        y : ignored

        Returns
        -------
        self : MMDGAN

        Raises
        ------
        FloatingPointError
            When the critic objective becomes NaN or infinite (training
            diverged), naming the epoch.

        Warns
        -----
        sklearn.exceptions.ConvergenceWarning
            When training failed without a NaN: the critic collapsed (its
            objective over the last epoch below 1e-9 in absolute value, so the
            generator gets no gradient), the generator is frozen (its weights
            changed by less than 1e-7, relative, over the last epoch), or its
            samples spread more than 10 times wider, or less than 1e-3 times
            as wide, as the data (RMS distance to the mean, on 1,000 samples at
            most).  The message says which, and what to change.
        """
        p = self._check_params()
        X = check_cloud(X, min_points=2, name="X", purpose="training an MMD GAN")
        n, d = X.shape
        rng = check_seed(self.random_state)
        key = jax.random.PRNGKey(rng.randint(2**31 - 1))
        key, kg, kc = jax.random.split(key, 3)
        g_params = init_mlp(kg, (p["latent_dim"], *p["gen_sizes"], d))
        c_params = init_mlp(kc, (d, *p["critic_sizes"], p["n_feat"]))
        B, steps = minibatches(p["batch_size"], n)
        opt, epoch = _training_epoch(p["latent_dim"], p["critic"], p["sigma"], p["lam"],
                                     p["n_critic"], p["lr"], B, steps, n)
        Xd = jnp.asarray(X, dtype=jnp.float32)
        carry = (g_params, c_params, opt.init(g_params), opt.init(c_params))

        def keyed_epoch(state):
            key, carry = state
            key, sub = jax.random.split(key)
            carry, value = epoch(carry, sub, Xd)
            return (key, carry), value

        (_, carry), (_, before), curve = run_epochs(
            keyed_epoch, (key, carry), p["epochs"], p["verbose"], "critic objective",
            lambda value, e: f"MMDGAN training diverged: the critic objective became {value} "
                             f"at epoch {e}. {_advice(p['lr'])}")
        moved = _relative_change(before[0], carry[0])
        self.generator_params_ = to_numpy(carry[0])
        self.critic_params_ = to_numpy(carry[1])
        set_fitted(self, curve, p["latent_dim"], d, p["epochs"] * steps)
        with np.errstate(over="ignore", invalid="ignore"):
            S = self.sample(min(n, 1000), random_state=0)
            spread_ratio = _spread(S) / max(_spread(X), np.finfo(np.float64).tiny)
        if not np.isfinite(spread_ratio):  # samples that overflow: diverged
            spread_ratio = np.inf
        message = _diagnosis(float(curve[-1]), moved, spread_ratio, p["lr"])
        if message is not None:
            warnings.warn(message, ConvergenceWarning, stacklevel=2)
        return self

    def _generator_fn(self, z):
        return mlp(to_jax(self.generator_params_, z.dtype), z, _ACTIVATION)

