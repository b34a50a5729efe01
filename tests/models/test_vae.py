"""The VAE and LC-VAE of sklearn_imd.models (the ``models`` extra)."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError

from sklearn_imd.latent import magnification_factor

pytest.importorskip("jax")
models = pytest.importorskip("sklearn_imd.models")

VAE = models.VAE
SMALL = {"hidden_layer_sizes": (32,), "epochs": 8, "batch_size": 50, "random_state": 0}


@pytest.fixture(scope="module")
def X():
    return load_digits().data[:300] / 16


@pytest.fixture(scope="module")
def vae(X):
    return VAE(**SMALL).fit(X)


def test_fit_attributes_and_loss_decreases(vae, X):
    assert vae.likelihood_ == "bernoulli"
    assert vae.latent_dim_ == 2 and vae.n_features_in_ == 64
    assert vae.loss_curve_.shape == (8,)
    assert vae.loss_curve_[-1] < vae.loss_curve_[0]
    assert vae.n_iter_ == 8 * 6
    assert vae.transform(X).shape == (300, 2)
    assert vae.inverse_transform(np.zeros((3, 2))).shape == (3, 64)
    S = vae.sample(5, random_state=1)
    assert S.shape == (5, 64) and (S >= 0).all() and (S <= 1).all()
    np.testing.assert_array_equal(S, vae.sample(5, random_state=1))
    assert all(isinstance(W, np.ndarray) for W, _ in vae.encoder_params_ + vae.decoder_params_)


def test_score_is_a_deterministic_mean_elbo(vae, X):
    s = vae.score(X)
    assert np.isfinite(s) and s < 0  # a Bernoulli log-likelihood bound
    assert s == vae.score(X)
    np.testing.assert_allclose(s, vae.score_samples(X).mean())
    # training improves the bound over an untrained-like model
    short = VAE(**{**SMALL, "epochs": 1}).fit(X)
    assert vae.score(X) > short.score(X)


def test_fixed_random_state_gives_identical_models(vae, X):
    other = VAE(**SMALL).fit(X)
    for (W1, b1), (W2, b2) in zip(vae.encoder_params_ + vae.decoder_params_,
                                  other.encoder_params_ + other.decoder_params_):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)
    np.testing.assert_array_equal(vae.loss_curve_, other.loss_curve_)
    np.testing.assert_array_equal(vae.transform(X), other.transform(X))


def test_clone_get_params_and_pickle(vae, X):
    params = vae.get_params()
    assert params["hidden_layer_sizes"] == (32,) and params["weight_clip"] is None
    c = clone(vae)
    assert c.get_params() == params and not hasattr(c, "encoder_params_")
    back = pickle.loads(pickle.dumps(vae))
    np.testing.assert_array_equal(back.transform(X), vae.transform(X))
    np.testing.assert_array_equal(back.jacobian(np.ones((2, 2))), vae.jacobian(np.ones((2, 2))))


def test_jacobian_matches_finite_differences(vae):
    Z = np.random.default_rng(0).normal(size=(4, 2))
    J = vae.jacobian(Z)
    assert J.shape == (4, 64, 2) and J.dtype == np.float64
    h = 1e-5
    fd = np.stack([(vae.inverse_transform(Z + h * e) - vae.inverse_transform(Z - h * e)) / (2 * h)
                   for e in np.eye(2)], axis=2)
    np.testing.assert_allclose(J, fd, rtol=1e-5, atol=1e-9)


def test_protocol_with_the_latent_tools(vae, X):
    Z = vae.transform(X[:5])
    m = magnification_factor(vae, Z)
    J = vae.jacobian(Z)
    np.testing.assert_allclose(m, np.sqrt(np.linalg.det(np.einsum("nij,nik->njk", J, J))),
                               rtol=1e-8)
    with pytest.raises(ValueError, match="latent"):
        magnification_factor(vae, np.zeros((2, 3)))


def test_lc_vae_is_tighter_and_clipped(X):
    kw = dict(SMALL, epochs=5)
    plain = VAE(**kw).fit(X)
    lc = VAE(weight_clip=0.3, looseness=30.0, **kw).fit(X)
    assert lc.looseness_penalty(X) < plain.looseness_penalty(X)
    for W, b in lc.encoder_params_:
        assert np.abs(W).max() <= 0.3 and np.abs(b).max() <= 0.3


def test_looseness_penalty_is_the_papers_formula(vae, X):
    mu = vae.transform(X[:10])
    expected = sum(np.sum((mu[i] - mu[i + 5]) ** 2) / np.sum((X[i] - X[i + 5]) ** 2)
                   for i in range(5))
    np.testing.assert_allclose(vae.looseness_penalty(X[:10]), expected, rtol=1e-10)
    # an odd last row is unpaired: pairs (i, i + 5), i < 5, as for 10 rows.
    # The encoder's product has 11 rows, not 10: XLA may take another kernel,
    # which rounds differently (one ulp seen on an AMD EPYC), hence rtol.
    np.testing.assert_allclose(vae.looseness_penalty(X[:11]), vae.looseness_penalty(X[:10]),
                               rtol=1e-12)


def test_gaussian_likelihood():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)) * [1.0, 5.0, 0.1]
    g = VAE(hidden_layer_sizes=(16,), epochs=5, batch_size=40, random_state=0).fit(X)
    assert g.likelihood_ == "gaussian"
    assert g.decoder_log_var_.shape == (3,)
    assert g.loss_curve_[-1] < g.loss_curve_[0]
    assert np.isfinite(g.score(X))
    # no range check for the Gaussian decoder
    assert g.transform(X * 10).shape == (120, 2)


def test_bad_inputs(vae, X):
    Xn = X[:20].copy()
    Xn[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        VAE(**SMALL).fit(Xn)
    Xi = X[:20].copy()
    Xi[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        vae.transform(Xi)
    with pytest.raises(ValueError, match="X has 3 features, but VAE is expecting 64"):
        vae.transform(X[:, :3])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        VAE(likelihood="bernoulli", **SMALL).fit(X * 2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        vae.score(X * 2)
    with pytest.raises(NotFittedError):
        VAE().transform(X)
    with pytest.raises(ValueError, match="at least 2"):
        VAE().fit(X[:1])


@pytest.mark.parametrize("params, error", [
    ({"latent_dim": 0}, ValueError),
    ({"latent_dim": 1.5}, TypeError),
    ({"hidden_layer_sizes": (8, 0)}, ValueError),
    ({"hidden_layer_sizes": "big"}, ValueError),
    ({"activation": "swish"}, ValueError),
    ({"likelihood": "poisson"}, ValueError),
    ({"epochs": 0}, ValueError),
    ({"batch_size": 0}, ValueError),
    ({"learning_rate": 0.0}, ValueError),
    ({"weight_clip": 0.0}, ValueError),
    ({"weight_clip": "0.3"}, TypeError),
    ({"looseness": -1.0}, ValueError),
    ({"random_state": "seed"}, TypeError),
])
def test_bad_params(params, error, X):
    with pytest.raises(error):
        VAE(**params).fit(X[:10])
