"""MMDGAN of sklearn_imd.models (the ``models`` extra): SMMD / GCMMD / MMD critics."""

import pickle
import warnings

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
models = pytest.importorskip("sklearn_imd.models")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sklearn_imd import scaled_mmd  # noqa: E402
from sklearn_imd.latent import magnification_factor  # noqa: E402
from sklearn_imd.models import MMDGAN  # noqa: E402
from sklearn_imd.models._mmdgan import (  # noqa: E402
    _critic_objective, _diagnosis, _features, _gcmmd2, _mmd2, _gaussian,
)
from sklearn_imd.models._networks import batch_jacobian, init_mlp  # noqa: E402

SMALL = dict(generator_layer_sizes=(8,), critic_layer_sizes=(8,), n_critic_features=4,
             epochs=3, batch_size=32, n_critic=2, learning_rate=1e-2)


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).normal(size=(64, 2))


@pytest.fixture(scope="module")
def gan(X):
    return MMDGAN(random_state=0, **SMALL).fit(X)


def _critic64(seed=0, sizes=(2, 8, 8, 3)):
    with jax.enable_x64(True):
        params = init_mlp(jax.random.PRNGKey(seed), sizes, dtype=jnp.float64)
        return [(np.asarray(W), np.asarray(b)) for W, b in params]


@pytest.mark.parametrize("sigma, lam", [(1.0, 1.0), (0.7, 0.1)])
def test_smmd_critic_objective_equals_scaled_mmd(sigma, lam):
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(20, 2)), rng.normal(0.5, 1.2, size=(15, 2))
    params = _critic64()
    phi = lambda x: _features([(jnp.asarray(W), jnp.asarray(b)) for W, b in params], x)  # noqa: E731
    with jax.enable_x64(True):
        jp = [(jnp.asarray(W), jnp.asarray(b)) for W, b in params]
        value = float(jax.jit(_critic_objective, static_argnames="critic")(
            jp, jnp.asarray(X), jnp.asarray(Y), sigma=sigma, lam=lam, critic="smmd"))
        FX = np.asarray(phi(jnp.asarray(X)))
        FY = np.asarray(phi(jnp.asarray(Y)))
    J = batch_jacobian(phi, X)
    assert J.shape == (20, 3, 2)
    expected = scaled_mmd(FX, FY, sigma=sigma, lam=lam, jacobians=J)
    assert value == pytest.approx(expected, rel=1e-6)
    assert expected != pytest.approx(scaled_mmd(FX, FY, sigma=sigma, lam=lam), rel=1e-3)


def test_gcmmd_closed_form_matches_autodiff_and_limits():
    """The Gram blocks by autodiff of k(x, y) = K(phi(x), phi(y)); lam * GCMMD^2
    tends to the biased MMD^2 as lam grows; GCMMD^2 >= 0."""
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(6, 2)), rng.normal(1.0, 1.0, size=(5, 2))
    params = _critic64(sizes=(2, 5, 3))
    sigma, lam = 0.8, 0.5
    with jax.enable_x64(True):
        jp = [(jnp.asarray(W), jnp.asarray(b)) for W, b in params]
        phi = lambda x: _features(jp, x[None, :])[0]  # noqa: E731
        k = lambda x, y: jnp.exp(-jnp.sum((phi(x) - phi(y)) ** 2) / (2 * sigma**2))  # noqa: E731
        Xj, Yj = jnp.asarray(X), jnp.asarray(Y)
        M, d = X.shape
        # Gram of the functionals f -> f(X_m), f -> d_i f(X_m)
        pairs = lambda f: jax.jit(jax.vmap(lambda a: jax.vmap(lambda b: f(a, b))(Xj)))(Xj)  # noqa: E731
        Kmat, G, H = pairs(k), pairs(jax.grad(k, 1)), pairs(jax.jacfwd(jax.grad(k, 1), 0))
        A = np.block([[np.asarray(Kmat), np.asarray(G).reshape(M, M * d)],
                      [np.asarray(G).reshape(M, M * d).T,
                       np.asarray(H).transpose(0, 3, 1, 2).reshape(M * d, M * d)]])
        eta = lambda x: (jnp.mean(jax.vmap(lambda a: k(a, x))(Xj))  # noqa: E731
                         - jnp.mean(jax.vmap(lambda a: k(a, x))(Yj)))
        eta_bar = np.concatenate([np.asarray(jax.jit(jax.vmap(eta))(Xj)),
                                  np.asarray(jax.jit(jax.vmap(jax.grad(eta)))(Xj)).reshape(-1)])
        FX, FY = _features(jp, Xj), _features(jp, Yj)
        J = jax.vmap(jax.jacfwd(phi))(Xj)
        mmd2_b = float(_mmd2(_gaussian(FX, FX, sigma)[0], _gaussian(FY, FY, sigma)[0],
                             _gaussian(FX, FY, sigma)[0], unbiased=False))
        expected = (mmd2_b - eta_bar @ np.linalg.solve(A + M * lam * np.eye(len(A)), eta_bar)) / lam
        gc = jax.jit(_gcmmd2)
        value, big = float(gc(FX, FY, J, sigma, lam)), float(gc(FX, FY, J, sigma, 1e8))
        via_objective = float(jax.jit(_critic_objective, static_argnames="critic")(
            jp, Xj, Yj, sigma=sigma, lam=lam, critic="gcmmd"))
    assert value == pytest.approx(expected, rel=1e-8)
    assert via_objective == pytest.approx(value, rel=1e-12)
    assert value > 0
    assert 1e8 * big == pytest.approx(mmd2_b, rel=1e-5)


def test_loss_curve_changes_and_training_is_deterministic(X, gan):
    assert gan.loss_curve_.shape == (3,)
    assert np.all(np.isfinite(gan.loss_curve_))
    assert np.ptp(gan.loss_curve_) > 0
    again = MMDGAN(random_state=0, **SMALL).fit(X)
    np.testing.assert_array_equal(again.loss_curve_, gan.loss_curve_)
    for (W1, b1), (W2, b2) in zip(again.generator_params_, gan.generator_params_):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)
    assert gan.latent_dim_ == 2 and gan.n_features_in_ == 2 and gan.n_iter_ == 3 * 2


@pytest.mark.parametrize("critic", ["gcmmd", "mmd"])
def test_other_critics_train(X, critic):
    gan = MMDGAN(random_state=0, critic=critic, **{**SMALL, "epochs": 2}).fit(X)
    assert gan.loss_curve_.shape == (2,) and np.all(np.isfinite(gan.loss_curve_))
    assert gan.sample(4, random_state=0).shape == (4, 2)


def test_clone_get_params_pickle(gan):
    params = gan.get_params()
    assert params["critic"] == "smmd" and params["n_critic"] == 2
    fresh = clone(gan)
    assert not hasattr(fresh, "generator_params_")
    assert fresh.get_params() == params
    assert isinstance(gan.generator_params_[0][0], np.ndarray)
    assert isinstance(gan.critic_params_[0][0], np.ndarray)
    loaded = pickle.loads(pickle.dumps(gan))
    np.testing.assert_array_equal(loaded.sample(5, random_state=3), gan.sample(5, random_state=3))


def test_sample_shape_and_determinism(gan):
    a = gan.sample(7, random_state=1)
    assert a.shape == (7, 2) and a.dtype == np.float64
    np.testing.assert_array_equal(a, gan.sample(7, random_state=1))
    assert not np.array_equal(a, gan.sample(7, random_state=2))
    Z = np.random.RandomState(1).standard_normal((7, 2))
    np.testing.assert_allclose(gan.generate(Z), a)


def test_jacobian_matches_central_differences(gan):
    Z = np.random.default_rng(4).normal(size=(5, 2))
    J = gan.jacobian(Z)
    assert J.shape == (5, 2, 2)
    h = 1e-6
    fd = np.stack([(gan.generate(Z + h * e) - gan.generate(Z - h * e)) / (2 * h)
                   for e in np.eye(2)], axis=-1)
    np.testing.assert_allclose(J, fd, rtol=1e-5, atol=1e-7)


def test_magnification_factor_reads_the_protocol(gan):
    Z = np.random.default_rng(5).normal(size=(4, 2))
    mf = magnification_factor(gan, Z)
    J = gan.jacobian(Z)
    np.testing.assert_allclose(mf, np.abs(np.linalg.det(J)), rtol=1e-8)
    with pytest.raises(ValueError, match="latent"):
        magnification_factor(gan, np.zeros((2, 3)))


def test_bad_input(X, gan):
    with pytest.raises(ValueError, match="NaN"):
        MMDGAN(**SMALL).fit(np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="2-D"):
        MMDGAN(**SMALL).fit(np.zeros(10))
    with pytest.raises(ValueError, match="critic must be one of"):
        MMDGAN(critic="wgan").fit(X)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        MMDGAN(sigma=0.0).fit(X)
    with pytest.raises(ValueError, match="lam must be > 0"):
        MMDGAN(critic="gcmmd", lam=0.0).fit(X)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        MMDGAN(lam=-1.0).fit(X)
    with pytest.raises(ValueError, match="n_critic must be >= 1"):
        MMDGAN(n_critic=0).fit(X)
    with pytest.raises(ValueError, match="batch_size must be >= 2"):
        MMDGAN(batch_size=1).fit(X)
    with pytest.raises(ValueError, match="generator_layer_sizes"):
        MMDGAN(generator_layer_sizes=(8, 0)).fit(X)
    with pytest.raises(TypeError, match="latent_dim must be an integer"):
        MMDGAN(latent_dim=2.5).fit(X)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        MMDGAN(learning_rate=-1e-3).fit(X)
    with pytest.raises(ValueError, match="columns"):
        gan.generate(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="NaN"):
        gan.jacobian(np.array([[np.nan, 0.0]]))
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        MMDGAN().sample(3)


def test_a_healthy_fit_warns_nothing(X):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MMDGAN(random_state=0, **SMALL).fit(X)


def test_a_nan_objective_is_an_error_naming_the_epoch(X):
    # Adam steps of 1e20 overflow the float32 weights at once.
    with pytest.raises(FloatingPointError, match=r"became nan at epoch 1\. Lower learning_rate"
                       r" \(now 1e\+20"):
        MMDGAN(random_state=0, **{**SMALL, "learning_rate": 1e20}).fit(X)


@pytest.mark.parametrize("kwargs, scale, problem", [
    # steps of 1e3 saturate the critic's ELUs: features equal, objective ~1e-17,
    # and the generator's gradient vanishes with it
    ({"learning_rate": 1e3}, 1.0, r"the critic collapsed: its objective over the last epoch "
                                  r"is .*e-1\d.*the generator is frozen"),
    # steps of 1 throw the generator's samples tens of times wider than the data
    ({"learning_rate": 1.0}, 1.0, r"training diverged: the generator's samples spread .* "
                                  r"times wider than the data"),
    # data at 1e30: the generator's outputs stay of order 1
    ({}, 1e30, r"the generator.s samples spread .*e-\d\d times the data's: it never "
               r"reached the data's scale"),
])
def test_a_failed_fit_warns_what_failed_and_what_to_change(X, kwargs, scale, problem):
    with pytest.warns(ConvergenceWarning, match="MMDGAN training failed: " + problem) as record:
        MMDGAN(random_state=0, **{**SMALL, **kwargs}).fit(X * scale)
    assert "Lower learning_rate (now" in str(record[0].message)
    assert "standardise the data" in str(record[0].message)
    assert record[0].filename == __file__


def test_diagnosis_thresholds():
    assert _diagnosis(1e-3, 1e-3, 1.0, 1e-4) is None
    assert _diagnosis(-1e-3, 1e-3, 0.2, 1e-4) is None  # unbiased MMD^2 < 0; partly trained
    assert "critic collapsed" in _diagnosis(-1e-10, 1e-3, 1.0, 1e-4)
    assert "generator is frozen: its weights changed by 0 " in _diagnosis(1e-3, 0.0, 1.0, 1e-4)
    assert "times wider" in _diagnosis(1e-3, 1e-3, 11.0, 1e-4)
    assert "never reached" in _diagnosis(1e-3, 1e-3, 1e-4, 1e-4)
    assert "wider" in _diagnosis(1e-3, 1e-3, np.inf, 1e-4)
