"""Every bad input gets a clear, early error; valid corner cases pass."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_imd import IMDSignature, imd_distance, imd_score, pairwise_imd


@pytest.fixture
def good(rng):
    return rng.normal(size=(50, 3))


BAD_CLOUDS = [
    (lambda g: np.where(np.arange(150).reshape(50, 3) == 7, np.nan, g), ValueError, "NaN"),
    (lambda g: np.where(np.arange(150).reshape(50, 3) == 7, np.inf, g), ValueError, "infinite"),
    (lambda g: g[:5], ValueError, "at least k \\+ 1 = 6 points"),
    (lambda g: g[:, 0], ValueError, "2-D array"),
    (lambda g: g.reshape(1, 1, 50, 3), ValueError, "2-D array"),
    (lambda g: g[:, :0], ValueError, "0 features"),
    (lambda g: g.astype(complex), TypeError, "complex"),
    (lambda g: g.astype(str), TypeError, "numbers"),
    (lambda g: np.array([["a", 1]] * 10, dtype=object), TypeError, "numbers"),
    (lambda g: [[1.0, 2.0], [3.0]] * 5, ValueError, "rectangular"),
    (lambda g: sp.csr_matrix(g), TypeError, "sparse"),
    (lambda g: None, TypeError, "None"),
    (lambda g: "points.npy", TypeError, "str"),
]


@pytest.mark.parametrize("make, exc, match", BAD_CLOUDS)
def test_imd_score_bad_cloud(good, make, exc, match):
    bad = make(good)
    with pytest.raises(exc, match=match):
        imd_score(bad, good)
    with pytest.raises(exc, match=match):
        imd_score(good, bad)


@pytest.mark.parametrize("make, exc, match", BAD_CLOUDS)
def test_transform_bad_cloud_in_collection(good, make, exc, match):
    bad = make(good)
    if bad is None or isinstance(bad, str):
        pytest.skip("not a cloud inside a collection")
    with pytest.raises(exc, match=match):
        IMDSignature().fit_transform([good, bad])
    with pytest.raises(exc, match=match):
        pairwise_imd([good, bad])


def test_error_names_the_argument(good):
    bad = good.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"^Y contains NaN \(first at row 3, column 1\)"):
        imd_score(good, bad)
    with pytest.raises(ValueError, match=r"^X\[1\] contains NaN"):
        IMDSignature().fit([good, bad])
    with pytest.raises(ValueError, match=r"^Y\[0\] contains NaN"):
        pairwise_imd([good], [bad])


@pytest.mark.parametrize(
    "X, exc, match",
    [
        ([], ValueError, "empty collection"),
        (np.zeros((0, 10, 3)), ValueError, "empty collection"),
        (np.zeros((50, 3)), ValueError, "collection of point clouds.*pass \\[X\\]"),
        (np.zeros(50), ValueError, "1-D array"),
        (np.zeros((2, 2, 50, 3)), ValueError, "4-D array"),
        (None, TypeError, "None"),
        (5, TypeError, "int"),
        ({"a": 1}, TypeError, "dict"),
    ],
)
def test_bad_collections(X, exc, match):
    with pytest.raises(exc, match=match):
        IMDSignature().fit_transform(X)
    with pytest.raises(exc, match=match):
        pairwise_imd(X)


@pytest.mark.parametrize(
    "params, exc, match",
    [
        (dict(k=0), ValueError, "k must be >= 1"),
        (dict(k=2.5), TypeError, "k must be an integer"),
        (dict(k=True), TypeError, "k must be an integer"),
        (dict(m=1), ValueError, "m must be >= 2"),
        (dict(nv=0), ValueError, "nv must be >= 1"),
        (dict(nv="100"), TypeError, "nv must be an integer"),
        (dict(t=[]), ValueError, "t is empty"),
        (dict(t=[0.1, 0.0, 1.0]), ValueError, "positive"),
        (dict(t=[-1.0]), ValueError, "positive"),
        (dict(t=[[0.1, 1.0]]), ValueError, "1-D"),
        (dict(t=1.0), ValueError, "1-D"),
        (dict(t=[0.1, np.nan]), ValueError, "NaN"),
        (dict(t=["a"]), TypeError, "numbers"),
        (dict(normalization="l2"), ValueError, "normalization must be one of"),
        (dict(normalization=None), ValueError, "normalization must be one of"),
        (dict(knn="kgraph"), ValueError, "knn must be one of"),
        (dict(random_state="seed"), TypeError, "random_state|RandomState"),
    ],
)
def test_bad_parameters(good, params, exc, match):
    with pytest.raises(exc, match=match):
        IMDSignature(**params).fit_transform([good])
    with pytest.raises(exc, match=match):
        imd_score(good, good, **params)
    with pytest.raises(exc, match=match):
        pairwise_imd([good], **params)


def test_signatures_near_the_largest_float():
    """IMD of signatures near 1.7e308 is their weighted difference, not NaN."""
    t = np.logspace(-1, 1, 256)
    w = np.exp(-2 * (t + 1 / t)).max()
    big = np.full(256, 1.7e308)
    assert imd_distance(big, -big) == pytest.approx(2 * w * 1.7e308, rel=1e-12)
    assert imd_distance(big, 0.5 * big) == pytest.approx(w * 0.85e308, rel=1e-12)


def test_large_times_give_no_nan(rng):
    """t = 1e20 or 1e300 gave NaN (exp(-t lambda) overflowing for rounding-negative
    eigenvalues); times of zero weight add nothing."""
    X, Y = rng.normal(size=(300, 3)), rng.uniform(size=(300, 3))
    assert imd_score(X, Y, t=[1.0, 1e20]) == imd_score(X, Y, t=[1.0])
    assert imd_score(X, Y, t=[1.0, 1e300], k=1, normalization="er") == imd_score(
        X, Y, t=[1.0], k=1, normalization="er")
    # skipped by the score; a signature there is not a number, which is an error
    assert imd_score(X, Y, t=[1.0, 1e300], normalization="er") == imd_score(
        X, Y, t=[1.0], normalization="er")
    with pytest.raises(ValueError, match="not finite at t = 1e\\+300"):
        IMDSignature(t=[1.0, 1e300], normalization="er").fit_transform([X])
    with pytest.raises(ValueError, match="weight .* of 0"):
        imd_score(X, Y, t=[1e-4, 1e3])


def test_bad_signatures():
    t = np.logspace(-1, 1, 256)
    with pytest.raises(ValueError, match="same length"):
        imd_distance(np.zeros(10), np.zeros(10))
    with pytest.raises(ValueError, match="same length"):
        imd_distance(np.zeros(256), np.zeros(255))
    with pytest.raises(ValueError, match="1-D"):
        imd_distance(np.zeros((2, 256)), np.zeros(256))
    with pytest.raises(ValueError, match="NaN"):
        imd_distance(np.full(256, np.nan), np.zeros(256))
    with pytest.raises(ValueError, match="positive"):
        imd_distance(np.zeros(256), np.zeros(256), t=-t)


def test_valid_corner_cases(rng):
    """Odd but valid clouds give finite scores; those whose graph is the
    base's (a constant column, float32, a list) score exactly 0, as 60 points
    take the exact spectrum."""
    from sklearn_imd import DuplicatePointsWarning

    base = rng.normal(size=(60, 3))
    const = np.hstack([base, np.full((60, 1), 3.0)])
    for X in (const, base.astype(np.float32), base.tolist()):
        assert imd_score(X, base, random_state=0) == 0.0
    twins = np.vstack([base, base[:20]])
    assert imd_score(twins, base, random_state=0) > 1.0
    groups = np.repeat(base[:10], 7, axis=0)  # groups of 7 > k identical points
    with pytest.warns(DuplicatePointsWarning, match="groups of more than k = 5"):
        assert imd_score(groups, base, random_state=0) > 1.0
    ints = rng.integers(0, 5, size=(60, 3))
    assert imd_score(ints, base, random_state=0) > 1.0
    assert imd_score(base[:6], base, random_state=0) > 1.0  # n = k + 1: a complete graph
