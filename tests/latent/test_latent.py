"""Generator geometry against closed forms: linear maps, the sphere chart, an
MLPRegressor's exact Jacobian, and the lattice classifier of "Looser is worse"."""

import numpy as np
import pytest
from sklearn.neural_network import MLPRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_imd.latent import (
    GeneratorGeometry, class_radius, class_radius_bound, collision_probability, geodesic,
    jacobian_condition_number, magnification_factor, pullback_metric,
)
from sklearn_imd.latent._jacobian import _finite_difference_jacobian, _jacobians


@pytest.fixture
def linear(rng):
    A = rng.normal(size=(5, 3))
    return A, (lambda Z: Z @ A.T)


def sphere(Z):
    """The spherical chart (theta, phi) -> unit sphere in R^3."""
    th, ph = Z[:, 0], Z[:, 1]
    return np.column_stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)])


def test_linear_generator_closed_forms(rng, linear):
    A, g = linear
    Z = rng.normal(size=(4, 3))
    G = pullback_metric(g, Z)
    np.testing.assert_allclose(G, np.broadcast_to(A.T @ A, (4, 3, 3)), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(magnification_factor(g, Z), np.sqrt(np.linalg.det(A.T @ A)),
                               rtol=1e-7)
    np.testing.assert_allclose(magnification_factor(g, Z, log=True),
                               0.5 * np.linalg.slogdet(A.T @ A)[1], rtol=1e-7)
    np.testing.assert_allclose(jacobian_condition_number(g, Z), np.linalg.cond(A), rtol=1e-6)
    # the exact Jacobian, given, gives the same
    jac = lambda Z: np.broadcast_to(A, (Z.shape[0], 5, 3))  # noqa: E731
    np.testing.assert_allclose(pullback_metric(g, Z, jacobian=jac), G, rtol=1e-7, atol=1e-9)


def test_smoothing_maps_singular_values(rng):
    A = np.diag([2.0, 0.1])
    g = lambda Z: Z @ A.T  # noqa: E731
    lam = 0.5
    s = np.array([2.0, 0.1])
    smooth = s**3 / (s**2 + lam)
    np.testing.assert_allclose(pullback_metric(g, np.zeros((1, 2)), smoothing=lam)[0],
                               np.diag(smooth**2), atol=1e-9)
    np.testing.assert_allclose(magnification_factor(g, np.zeros((1, 2)), smoothing=lam),
                               np.prod(smooth), rtol=1e-7)
    np.testing.assert_allclose(jacobian_condition_number(g, np.zeros((1, 2)), smoothing=lam),
                               smooth[0] / smooth[1], rtol=1e-6)


def test_log_magnification_survives_huge_scales(rng):
    d = 40
    g = lambda Z: 1e20 * Z  # noqa: E731  det G = 1e(40 * 40), far beyond float64
    logmf = magnification_factor(g, rng.normal(size=(2, d)), log=True)
    np.testing.assert_allclose(logmf, d * np.log(1e20), rtol=1e-7)
    collapsed = lambda Z: np.column_stack([Z[:, 0], 0 * Z[:, 1]])  # noqa: E731
    assert magnification_factor(collapsed, np.ones((1, 2)))[0] == pytest.approx(0, abs=1e-8)
    assert jacobian_condition_number(lambda Z: Z[:, :1], np.ones((1, 2)))[0] == np.inf


def test_geodesic_of_a_linear_generator_is_the_straight_line(linear):
    A, g = linear
    z0, z1 = np.array([0.0, 1.0, -1.0]), np.array([2.0, -1.0, 0.5])
    res = geodesic(g, z0, z1, n_nodes=12)
    straight = np.linalg.norm(A @ (z1 - z0))
    assert res.length == pytest.approx(straight, rel=1e-8)
    assert res.straight_length == pytest.approx(straight, rel=1e-10)
    np.testing.assert_allclose(res.curve, z0 + np.linspace(0, 1, 12)[:, None] * (z1 - z0),
                               atol=1e-5)
    np.testing.assert_array_equal(res.curve[[0, -1]], [z0, z1])


def test_geodesic_on_the_sphere_is_the_great_circle():
    """Between two points at polar angle 60 degrees, 120 degrees of longitude
    apart, the chart's straight line follows a parallel; the geodesic is the
    great circle, shorter."""
    th = np.pi / 3
    z0, z1 = np.array([th, 0.0]), np.array([th, 2 * np.pi / 3])
    p0, p1 = sphere(z0[None])[0], sphere(z1[None])[0]
    great_circle = np.arccos(p0 @ p1)
    res = geodesic(sphere, z0, z1, n_nodes=64)
    assert res.success
    assert res.length == pytest.approx(great_circle, rel=1e-3)
    parallel = np.sin(th) * 2 * np.pi / 3
    assert res.straight_length == pytest.approx(parallel, rel=1e-3)
    assert res.length < res.straight_length - 0.05


def test_geodesic_goes_around_a_wall_that_the_straight_line_climbs():
    """A tall bump on the straight line: by symmetry the line is a critical
    point of the energy, so only the graph initialisation finds the way round."""
    def bump(Z):
        return np.column_stack([Z, 10.0 * np.exp(-np.sum(Z**2, axis=1) / 0.02)])

    z0, z1 = [-1.0, 0.0], [1.0, 0.0]
    from_line = geodesic(bump, z0, z1, init="line", n_nodes=24)
    around = geodesic(bump, z0, z1, n_nodes=24, random_state=0)
    # the optimised line's nodes straddle the bump; its decoded length says so
    assert from_line.straight_length > 19 and from_line.length > 19
    assert around.length < 2.6  # a detour of radius about 0.3 around the bump
    assert np.abs(around.curve[:, 1]).max() > 0.15


def test_mlp_regressor_exact_jacobian_matches_finite_differences(rng):
    Z = rng.normal(size=(200, 2))
    Y = np.column_stack([np.sin(Z[:, 0]), Z[:, 0] * Z[:, 1], np.cos(Z[:, 1]), Z[:, 1] ** 2])
    for activation, loss in [("tanh", "squared_error"), ("relu", "squared_error"),
                             ("logistic", "squared_error"), ("identity", "squared_error"),
                             ("tanh", "poisson")]:
        mlp = MLPRegressor(loss=loss, hidden_layer_sizes=(16, 8), activation=activation,
                           max_iter=50, random_state=0)
        with pytest.warns(Warning):  # not converged, irrelevant here
            mlp.fit(Z, Y if loss == "squared_error" else np.exp(Y))
        Zt = rng.normal(size=(6, 2)) + 0.01
        exact = _jacobians(mlp, Zt, None)
        assert exact.shape == (6, 4, 2)
        fd = _finite_difference_jacobian(mlp.predict, Zt)
        np.testing.assert_allclose(exact, fd, rtol=1e-5, atol=1e-7)
    # the public functions take the MLP directly
    assert magnification_factor(mlp, Zt).shape == (6,)


def test_generator_geometry_transformer(linear, rng):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    A, g = linear
    Z = rng.normal(size=(5, 3))
    est = GeneratorGeometry(g)
    F = est.fit_transform(Z)
    s = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(F, np.tile([np.log(s).sum(), np.log(s[0] / s[-1])], (5, 1)),
                               rtol=1e-6)
    assert list(est.get_feature_names_out()) == ["log_magnification", "log_condition_number"]
    assert make_pipeline(GeneratorGeometry(g), StandardScaler()).fit_transform(Z).shape == (5, 2)
    with pytest.raises(ValueError, match="X has 2 features, but GeneratorGeometry is "
                                         "expecting 3 features as input"):
        est.transform(Z[:, :2])


def _lattice_classifier(X):
    """Nearest point of the lattice {-4, -2, 0, 2, 4}^2, as a class number."""
    idx = np.clip(np.round(X / 2), -2, 2).astype(int) + 2
    return idx[:, 0] * 5 + idx[:, 1]


def test_class_radius_of_the_lattice_classifier():
    """Identity generator, nearest-lattice-point classes: r(z) is the distance
    to the nearest cell boundary (the lines x = +-1, +-3 in each coordinate)."""
    res = class_radius(lambda Z: Z, _lattice_classifier, latent_dim=2, n_samples=300,
                       random_state=0)
    bounds = np.array([-3.0, -1.0, 1.0, 3.0])
    exact = np.abs(res.latent[:, :, None] - bounds).min(axis=(1, 2))
    np.testing.assert_allclose(res.radii, exact, rtol=2e-3, atol=1e-6)
    # the same expectation by plain Monte Carlo over many more z
    z = np.random.default_rng(1).standard_normal((200_000, 2))
    expected = np.abs(z[:, :, None] - bounds).min(axis=(1, 2)).mean()
    assert res.mean == pytest.approx(expected, abs=3 * res.std_err + 1e-3)


def test_collision_probability_and_bound():
    assert collision_probability([1, 1, 1, 1]) == 1.0
    assert collision_probability(np.arange(8)) == pytest.approx(1 / 8)
    p = np.full(10, 0.1)
    c = np.log(10)
    assert class_radius_bound(p) == pytest.approx(np.log(4 * np.pi * c) / np.sqrt(2 * c))
    skewed = np.array([0.2, 0.2, 0.2, 0.15, 0.15, 0.1])
    assert class_radius_bound(skewed) > class_radius_bound(np.full(6, 1 / 6))  # uniform is best
    with pytest.raises(ValueError, match="every p_i <= 1/5; the largest is 0.5"):
        class_radius_bound([0.5, 0.5])
    with pytest.raises(ValueError, match="p must sum to 1"):
        class_radius_bound([0.1] * 5)
    with pytest.raises(ValueError, match="non-negative"):
        class_radius_bound([-0.1] + [0.11] * 10)


def test_bad_generators_and_inputs_get_clear_errors(rng):
    Z = rng.normal(size=(3, 2))
    with pytest.raises(ValueError, match=r"one output per latent point: \d+ rows expected"):
        pullback_metric(lambda Z: Z[:2], Z)
    with pytest.raises(ValueError, match="the generator returned NaN"):
        magnification_factor(lambda Z: np.where(Z > 0, np.nan, Z), Z)
    with pytest.raises(ValueError, match=r"Z must be a 2-D array of latent points"):
        pullback_metric(lambda Z: Z, np.zeros(2))
    with pytest.raises(ValueError, match="jacobian must return an array of shape"):
        pullback_metric(lambda Z: Z, Z, jacobian=lambda Z: np.zeros((3, 2)))
    with pytest.raises(TypeError, match="generator must be a callable mapping"):
        pullback_metric("decoder", Z)
    with pytest.raises(ValueError, match="z0 and z1 must be two latent points"):
        geodesic(lambda Z: Z, [0.0, 1.0], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="the classifier must return one label per output"):
        class_radius(lambda Z: Z, lambda X: np.zeros(1), latent_dim=2, n_samples=2)
    before = Z.copy()
    pullback_metric(lambda Z: np.tanh(Z), Z)
    np.testing.assert_array_equal(Z, before)


class _TanhAndSquare:
    """A generator of any latent dimension, defined at module level so that an
    estimator holding it pickles, with a repr that keeps the test ids stable."""

    def __call__(self, Z):
        return np.hstack([np.tanh(Z), 0.5 * Z**2])

    def __repr__(self):
        return "tanh_and_square"


def _wavy(Z):
    """Elementwise, no BLAS: each row's output depends on that row alone, bit for bit."""
    return np.column_stack([np.sin(Z[:, 0]) + Z[:, 1] ** 2, np.tanh(Z[:, 0] * Z[:, 1]), Z[:, 0]])


class _Holder:
    def decode(self, Z):
        return np.tanh(Z)


@pytest.fixture(scope="module")
def fitted_mlp():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    Z = np.random.default_rng(0).normal(size=(100, 2))
    Y = np.column_stack([np.sin(Z[:, 0]), Z[:, 0] * Z[:, 1], np.cos(Z[:, 1])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0).fit(Z, Y)


def test_clone_keeps_the_fitted_generator(fitted_mlp, rng):
    from sklearn.base import clone

    Z = rng.normal(size=(6, 2))
    est = GeneratorGeometry(fitted_mlp, smoothing=0.1)
    copy = clone(est)
    assert copy.get_params()["generator"] is fitted_mlp
    assert copy.smoothing == 0.1
    np.testing.assert_array_equal(copy.fit_transform(Z), est.fit_transform(Z))
    assert not hasattr(clone(est), "n_features_in_")  # fitted state is not carried over
    framed = clone(GeneratorGeometry(fitted_mlp).set_output(transform="pandas"))  # kept
    assert list(framed.fit_transform(Z).columns) == ["log_magnification", "log_condition_number"]
    # a bound method's object is shared, not deep-copied (a whole network, for a decoder)
    holder = _Holder()
    assert clone(GeneratorGeometry(holder.decode)).generator.__self__ is holder
    # set_params cannot reach into the user's model and change it in place
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(generator__alpha=1.0)
    assert fitted_mlp.alpha == 1e-4


def test_generator_geometry_in_grid_search_and_cross_validate(fitted_mlp, rng):
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV, cross_validate
    from sklearn.pipeline import make_pipeline

    Z = rng.normal(size=(30, 2))
    y = GeneratorGeometry(fitted_mlp).fit_transform(Z) @ [1.0, -0.5] + 0.01 * rng.normal(size=30)
    pipe = make_pipeline(GeneratorGeometry(fitted_mlp), Ridge())
    search = GridSearchCV(pipe, {"generatorgeometry__smoothing": [0.0, 0.1],
                                 "ridge__alpha": [1e-3, 1.0]}, cv=3).fit(Z, y)
    assert search.best_estimator_[0].generator is fitted_mlp
    assert search.best_score_ > 0.9
    scores = cross_validate(pipe, Z, y, cv=3)["test_score"]
    assert np.isfinite(scores).all()


def test_generator_geometry_validates_its_parameters_in_fit(rng):
    Z = rng.normal(size=(3, 2))
    est = GeneratorGeometry(np.tanh, smoothing=-1.0)  # __init__ only stores
    with pytest.raises(ValueError, match="smoothing must be >= 0, got -1"):
        est.fit(Z)
    with pytest.raises(TypeError, match="smoothing must be a real number"):
        GeneratorGeometry(np.tanh, smoothing="0.1").fit(Z)
    with pytest.raises(TypeError, match=r"generator must be a callable .*; got 3 \(int\)"):
        GeneratorGeometry(3).fit(Z)
    with pytest.raises(TypeError, match=r"jacobian must be None or a callable.*; got 'exact'"):
        GeneratorGeometry(np.tanh, jacobian="exact").fit(Z)


def test_non_callable_arguments_are_named(rng):
    from sklearn.linear_model import Ridge

    Z = rng.normal(size=(3, 2))
    gen = (r"generator must be a callable mapping \(n, latent_dim\) latent points to .*; "
           r"got 3 \(int\)")
    for call in (lambda: pullback_metric(3, Z), lambda: magnification_factor(3, Z),
                 lambda: jacobian_condition_number(3, Z), lambda: geodesic(3, [0, 0], [1, 1]),
                 lambda: class_radius(3, np.sign, latent_dim=2, n_samples=2)):
        with pytest.raises(TypeError, match=gen):
            call()
    with pytest.raises(TypeError, match=r"jacobian must be None or a callable.*; got 3 \(int\)"):
        pullback_metric(np.tanh, Z, jacobian=3)
    with pytest.raises(TypeError, match=r"jacobian must be None or a callable.*; got 3 \(int\)"):
        geodesic(np.tanh, [0, 0], [1, 1], jacobian=3)
    with pytest.raises(TypeError, match=r"classifier must be a callable or an object with a "
                                        r"predict method.*; got 3 \(int\)"):
        class_radius(np.tanh, 3, latent_dim=2, n_samples=2)
    regressor = Ridge().fit(Z, Z)  # not callable
    with pytest.raises(TypeError, match=r"pass its predict method"):
        magnification_factor(regressor, Z)


def test_random_state_is_validated(rng):
    with pytest.raises(TypeError, match="random_state must be None, an integer"):
        class_radius(np.tanh, np.sign, latent_dim=2, n_samples=2, random_state="0")
    with pytest.raises(ValueError, match=r"random_state must be in \[0, 2\*\*32\)"):
        geodesic(np.tanh, [0.0, 0.0], [1.0, 1.0], random_state=-1)


def test_latent_quantities_of_a_point_do_not_depend_on_its_batch():
    """Finite differences step each point by its own scale, not the batch's."""
    z = np.array([[0.3, -0.7]])
    batch = np.vstack([z, [[1e6, 2.0]], [[-3.0, 1e-8]]])
    for f in (magnification_factor, jacobian_condition_number, pullback_metric):
        np.testing.assert_allclose(f(_wavy, batch)[:1], f(_wavy, z), rtol=1e-13, atol=0)
    th, ph = 0.3, -0.7
    J = np.array([[np.cos(th), 2 * ph], [ph / np.cosh(th * ph) ** 2, th / np.cosh(th * ph) ** 2],
                  [1.0, 0.0]])
    exact = np.sqrt(np.linalg.det(J.T @ J))
    assert magnification_factor(_wavy, batch)[0] == pytest.approx(exact, rel=1e-8)


def test_no_private_scikit_learn_imports():
    import re
    from pathlib import Path

    from sklearn_imd import latent

    path = Path(latent.__file__)
    files = sorted(path.parent.glob("*.py")) if path.name == "__init__.py" else [path]
    private = [(f.name, m) for f in files
               for m in re.findall(r"sklearn(?:\.[a-z]\w*)*\._\w+", f.read_text())]
    assert private == []


def test_inputs_are_not_modified(rng, fitted_mlp):
    Z = rng.normal(size=(4, 2))
    z0, z1, p, labels = np.zeros(2), np.ones(2), np.full(10, 0.1), np.array([0, 1, 1])
    before = [a.copy() for a in (Z, z0, z1, p, labels)]
    coefs = [W.copy() for W in fitted_mlp.coefs_]
    magnification_factor(fitted_mlp, Z)
    GeneratorGeometry(fitted_mlp).fit_transform(Z)
    geodesic(np.tanh, z0, z1, n_nodes=4, random_state=0)
    class_radius_bound(p)
    collision_probability(labels)
    for a, b in zip((Z, z0, z1, p, labels), before):
        np.testing.assert_array_equal(a, b)
    for W, b in zip(fitted_mlp.coefs_, coefs):
        np.testing.assert_array_equal(W, b)


# Checks of scikit-learn's exact error type or wording, where sklearn-imd's
# shared input checks (_validation._as_numeric_array, used by every function of
# the library) deliberately differ; both still reject the input, with a message
# naming the argument.
_NOT_APPLICABLE = {
    # it wants a ValueError; the library raises TypeError for complex input
    # (the wrong kind of number, not an unusable value of the right kind)
    "check_complex_data": "complex input raises TypeError, as everywhere in sklearn-imd",
    # it wants numpy's "argument must be a string or a number" for an object
    # array holding a dict; the library raises its own TypeError
    "check_dtype_object": "an object array of non-numbers raises sklearn-imd's own TypeError",
}


@parametrize_with_checks([GeneratorGeometry(_TanhAndSquare())],
                         expected_failed_checks=lambda est: _NOT_APPLICABLE)
def test_generator_geometry_passes_the_scikit_learn_checks(estimator, check):
    """All of scikit-learn's checks, with a generator of any latent dimension
    (a fitted MLPRegressor would fix it, which the checks vary)."""
    check(estimator)
