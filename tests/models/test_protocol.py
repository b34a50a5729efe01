"""The generator protocol of sklearn_imd.latent and jax_generator (the ``models`` extra)."""

import subprocess
import sys

import numpy as np
import pytest

from sklearn_imd.latent import (
    GeneratorGeometry, geodesic, jacobian_condition_number, magnification_factor,
    pullback_metric,
)

jnp = pytest.importorskip("jax.numpy")
models = pytest.importorskip("sklearn_imd.models")


def surface(z):
    return jnp.stack([jnp.sin(z[:, 0]), jnp.cos(z[:, 1]), z[:, 0] * z[:, 1]], axis=1)


def surface_np(z):
    return np.stack([np.sin(z[:, 0]), np.cos(z[:, 1]), z[:, 0] * z[:, 1]], axis=1)


def exact_jacobian(z):
    J = np.zeros((len(z), 3, 2))
    J[:, 0, 0] = np.cos(z[:, 0])
    J[:, 1, 1] = -np.sin(z[:, 1])
    J[:, 2, 0], J[:, 2, 1] = z[:, 1], z[:, 0]
    return J


@pytest.fixture
def Z():
    return np.random.default_rng(0).normal(size=(7, 2))


def test_jax_generator_gives_exact_outputs_and_jacobians(Z):
    g = models.jax_generator(surface)
    np.testing.assert_allclose(g.generate(Z), surface_np(Z), rtol=1e-14)
    np.testing.assert_allclose(g.jacobian(Z), exact_jacobian(Z), rtol=1e-14, atol=1e-15)
    assert g.jacobian(Z).dtype == np.float64


def test_latent_tools_read_the_protocol(Z):
    g = models.jax_generator(surface)
    J = exact_jacobian(Z)
    G = np.einsum("nij,nik->njk", J, J)
    np.testing.assert_allclose(pullback_metric(g, Z), G, rtol=1e-12)
    np.testing.assert_allclose(magnification_factor(g, Z), np.sqrt(np.linalg.det(G)),
                               rtol=1e-10)
    s = np.linalg.svd(J, compute_uv=False)
    np.testing.assert_allclose(jacobian_condition_number(g, Z), s[:, 0] / s[:, -1],
                               rtol=1e-10)
    # the same numbers as the plain function with its Jacobian given
    np.testing.assert_allclose(magnification_factor(g, Z),
                               magnification_factor(surface_np, Z, jacobian=exact_jacobian),
                               rtol=1e-12)
    geo = GeneratorGeometry(g).fit(Z)
    np.testing.assert_allclose(geo.transform(Z)[:, 0], np.log(magnification_factor(g, Z)),
                               rtol=1e-10)
    res = geodesic(g, Z[0], Z[1], n_nodes=8, random_state=0)
    assert res.length <= res.straight_length * (1 + 1e-9)


def test_protocol_objects_need_both_methods(Z):
    class OnlyGenerate:
        def generate(self, Z):
            return surface_np(Z)

    with pytest.raises(TypeError, match="generate\\(Z\\) and jacobian\\(Z\\)"):
        magnification_factor(OnlyGenerate(), Z)


def test_latent_dim_of_a_protocol_object_is_checked(Z):
    g = models.jax_generator(surface)
    g.latent_dim_ = 3
    with pytest.raises(ValueError, match="takes 3 latent dimensions; got latent points of 2"):
        magnification_factor(g, Z)


def test_bad_function():
    with pytest.raises(TypeError, match="fn must be a callable"):
        models.jax_generator(3)


def test_library_does_not_import_jax():
    code = ("import sys, numpy as np, sklearn_imd\n"
            "from sklearn_imd import imd_score, latent\n"
            "assert 'jax' not in sys.modules, 'jax imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_extra_names_the_install_command():
    code = ("import sys\nsys.modules['jax'] = None\n"
            "try:\n    import sklearn_imd.models\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    assert 'pip install "sklearn-imd[models]"' in out
