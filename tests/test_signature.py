import pickle

import numpy as np
import pytest
from scipy.stats import special_ortho_group
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline

from sklearn_imd import IMDSignature
from sklearn_imd._utils.validation import default_times

FAST = dict(nv=30, random_state=0)


def clouds3(rng):
    return [rng.normal(size=(300, 4)), rng.uniform(size=(250, 2)), rng.normal(size=(200, 9))]


def test_output_shape_dtype_and_default_grid(rng):
    est = IMDSignature(**FAST).fit(clouds3(rng))
    np.testing.assert_allclose(est.t_, np.logspace(-1, 1, 256))
    S = est.transform(clouds3(rng))
    assert S.shape == (3, 256) and S.dtype == np.float64 and np.isfinite(S).all()
    # empty normalisation: h(t)/n in (0, 1], times 10^6, decreasing in t
    assert np.all(S > 0) and np.all(S <= 1e6 * 1.01)
    assert np.all(np.diff(S, axis=1) < 0)


def test_custom_grid_and_three_d_input(rng):
    X = rng.normal(size=(4, 120, 3))
    S = IMDSignature(t=[0.5, 1.0, 2.0], **FAST).fit_transform(X)
    assert S.shape == (4, 3)


@pytest.mark.parametrize("kernels", [False, True])
@pytest.mark.parametrize("method", ["slq", "exact"])
def test_same_random_state_same_output_for_any_n_jobs(rng, monkeypatch, method, kernels):
    """Bit for bit: the Numba kernels give the same result for any number of
    threads, and the dense route of these small clouds runs on one BLAS thread
    in the caller and in joblib's workers alike (OpenBLAS rounds differently
    with its thread count).  ``kernels`` forces the Numba route."""
    import sklearn_imd._core.compute

    if kernels:
        monkeypatch.setattr(sklearn_imd._core.compute, "JIT_MIN_POINTS", 0)
    clouds = clouds3(rng)
    params = dict(FAST, method=method)
    S1 = IMDSignature(n_jobs=1, **params).fit_transform(clouds)
    S2 = IMDSignature(n_jobs=2, **params).fit_transform(clouds)
    np.testing.assert_array_equal(S1, S2)
    S3 = IMDSignature(**dict(params, random_state=1)).fit_transform(clouds)
    # the exact spectrum involves no randomness
    assert np.array_equal(S1, S3) == (method == "exact")


def test_signature_close_to_exact_spectrum(rng):
    from sklearn_imd._core.graph import knn_adjacency, normalized_laplacian
    from sklearn_imd._core.heat import exact_heat_trace

    X = rng.normal(size=(400, 5))
    est = IMDSignature(method="slq", random_state=0).fit([X])
    S, SE = est.transform(return_std=True, X=[X])
    assert np.all(SE > 0)
    exact = 1e6 * exact_heat_trace(normalized_laplacian(knn_adjacency(X, 5, "exact")), est.t_) / 400
    assert np.all(np.abs(S[0] - exact) <= 4 * SE[0])


@pytest.mark.parametrize(
    "transform",
    [
        lambda X, rng: X @ special_ortho_group.rvs(X.shape[1], random_state=0),
        lambda X, rng: X + np.array([3.0, -1e3, 7.0, 0.5]),
        lambda X, rng: 17.0 * X,
    ],
    ids=["rotation", "translation", "scaling"],
)
def test_invariance_same_graph(rng, transform):
    """Rigid motions and uniform scaling leave the kNN graph, hence the signature,
    unchanged (300 points take the exact spectrum: no probes involved)."""
    X = rng.normal(size=(300, 4))
    est = IMDSignature(**FAST).fit([X])
    np.testing.assert_allclose(est.transform([transform(X, rng)]), est.transform([X]), rtol=1e-9)


def test_invariance_under_permutation(rng):
    """Permuting the points permutes the graph; the estimates agree within their
    standard errors."""
    X = rng.normal(size=(400, 4))
    est = IMDSignature(method="slq", random_state=0).fit([X])
    S, SE = est.transform(return_std=True, X=[X, X[rng.permutation(400)]])
    assert np.all(np.abs(S[0] - S[1]) <= 4 * np.hypot(SE[0], SE[1]))


@pytest.mark.parametrize("dtype", [np.float32, np.int64, bool])
def test_other_dtypes_are_valid(rng, dtype):
    X = (rng.normal(size=(200, 6)) * 10).astype(dtype)
    S = IMDSignature(**FAST).fit_transform([X])
    assert np.isfinite(S).all()


def test_float32_and_float64_agree(rng):
    X = rng.normal(size=(300, 4))
    est = IMDSignature(**FAST).fit([X])
    np.testing.assert_allclose(est.transform([X.astype(np.float32)]), est.transform([X]), rtol=1e-9)


def test_inputs_are_not_modified(rng):
    clouds = clouds3(rng)
    copies = [c.copy() for c in clouds]
    X3 = rng.normal(size=(2, 100, 3)).astype(np.float32)
    X3c = X3.copy()
    IMDSignature(**FAST).fit_transform(clouds)
    IMDSignature(**FAST).fit_transform(X3)
    for c, cc in zip(clouds, copies):
        np.testing.assert_array_equal(c, cc)
    np.testing.assert_array_equal(X3, X3c)


def test_sklearn_conventions(rng):
    est = IMDSignature(k=7, nv=30, random_state=0)
    assert est.get_params()["k"] == 7
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        est.transform(clouds3(rng))
    est.set_params(k=4)
    assert est.k == 4
    # __init__ stores parameters only; bad values fail in fit
    bad = IMDSignature(k=-1)
    with pytest.raises(ValueError, match="k must be >= 1"):
        bad.fit(clouds3(rng))


def test_pickle_round_trip(rng):
    clouds = clouds3(rng)
    est = IMDSignature(**FAST).fit(clouds)
    est2 = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est2.transform(clouds), est.transform(clouds))


def test_feature_names_and_pandas_output(rng):
    pd = pytest.importorskip("pandas")
    est = IMDSignature(t=[0.5, 1.0, 2.0], **FAST).fit(clouds3(rng))
    names = est.get_feature_names_out()
    np.testing.assert_array_equal(names, ["imdsignature0", "imdsignature1", "imdsignature2"])
    est.set_output(transform="pandas")
    df = est.transform(clouds3(rng))
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(names) and df.shape == (3, 3)


def test_in_a_pipeline(rng):
    pipe = Pipeline([("imd", IMDSignature(**FAST)), ("pca", PCA(n_components=2))])
    Z = pipe.fit_transform(clouds3(rng))
    assert Z.shape == (3, 2)
    assert clone(pipe).get_params()["imd__nv"] == 30


def test_default_times_are_published_grid():
    t = default_times()
    assert t.size == 256 and t[0] == pytest.approx(0.1) and t[-1] == pytest.approx(10.0)


def test_warnings_reach_the_caller_once_per_cloud_for_any_n_jobs(rng):
    """Warnings raised in joblib workers are reissued in the caller, each naming
    its cloud and pointing at the user's line."""
    import warnings

    from joblib import parallel_config

    from sklearn_imd import DuplicatePointsWarning

    dup = [rng.normal(size=(8, 2))[rng.integers(0, 8, 200)] for _ in range(3)]
    for n_jobs, backend in [(1, "sequential"), (2, "loky"), (2, "threading")]:
        with warnings.catch_warnings(record=True) as caught, parallel_config(backend=backend):
            warnings.simplefilter("default")
            IMDSignature(n_jobs=n_jobs, **FAST).fit_transform(dup)
        ours = [w for w in caught if issubclass(w.category, DuplicatePointsWarning)]
        assert sorted(str(w.message)[:5] for w in ours) == ["X[0]:", "X[1]:", "X[2]:"], n_jobs
        assert all(w.filename == __file__ for w in ours)


def test_parameters_take_effect_at_fit(rng):
    """set_params after fit changes nothing until the next fit: the grid t_ and
    every other parameter stay those of the fit."""
    clouds = clouds3(rng)
    est = IMDSignature(**FAST).fit(clouds)
    before = est.transform(clouds)
    est.set_params(t=[1.0, 2.0], k=9)
    np.testing.assert_array_equal(est.transform(clouds), before)
    assert est.fit(clouds).transform(clouds).shape == (3, 2)


def test_a_generator_of_clouds_is_read_once(rng):
    clouds = clouds3(rng)
    S = IMDSignature(**FAST).fit_transform(c for c in clouds)
    np.testing.assert_array_equal(S, IMDSignature(**FAST).fit_transform(clouds))


def test_lanczos_steps_capped_at_the_cloud_size(rng):
    """m beyond the Krylov dimension n adds nothing, and costs nothing."""
    X = rng.normal(size=(40, 3))
    big = IMDSignature(method="slq", m=10**6, **FAST).fit_transform([X])
    np.testing.assert_array_equal(big, IMDSignature(method="slq", m=40, **FAST).fit_transform([X]))


@pytest.mark.parametrize("n_jobs, exc", [(2.5, TypeError), ("2", TypeError), (0, ValueError)])
def test_bad_n_jobs(rng, n_jobs, exc):
    with pytest.raises(exc, match="n_jobs"):
        IMDSignature(n_jobs=n_jobs).fit(clouds3(rng))


def test_n_jobs_capped_at_the_clouds():
    from sklearn_imd._utils.validation import check_n_jobs

    assert check_n_jobs(1000, work=2) == 2 and check_n_jobs(-1, work=1) == 1


def test_masked_arrays_are_refused(rng):
    X = np.ma.masked_array(rng.normal(size=(50, 2)), mask=np.zeros((50, 2), bool))
    with pytest.raises(TypeError, match="masked"):
        IMDSignature().fit_transform([X])


def test_numba_cache_outside_the_package():
    """Numba's cache files in the installed package outlive pip uninstall and
    shadow a later install (issue 13): the kernels are cached per user."""
    import os

    import numba

    import sklearn_imd
    from sklearn_imd._kernels import jit as _jit
    from sklearn_imd._kernels import lanczos as _lanczos
    from sklearn_imd._kernels import nndescent as _nndescent
    from sklearn_imd._kernels import select as _select

    if numba.config.CACHE_DIR:
        pytest.skip("NUMBA_CACHE_DIR is set: Numba caches there, as the user asked")
    package = os.path.dirname(sklearn_imd.__file__)
    for kernel in (_lanczos.lanczos_tridiagonal, _select.merge_rows, _nndescent.rp_forest):
        path = kernel._cache._cache_path
        assert path.startswith(_jit.cache_dir()) and not path.startswith(package), path


def test_numba_cache_falls_back_to_a_writable_folder(tmp_path, monkeypatch):
    """A per-user folder that cannot be written gives a temporary one, never the package."""
    import os

    from sklearn_imd._kernels import jit as _jit

    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("SKLEARN_IMD_CACHE_DIR", str(blocked / "numba"))
    _jit.cache_dir.cache_clear()
    try:
        path = _jit.cache_dir()
        assert path != str(blocked / "numba") and os.access(path, os.W_OK)
    finally:
        monkeypatch.undo()
        _jit.cache_dir.cache_clear()
