"""sliced_wasserstein_distance and mind_score: exact in one dimension (scipy,
and a replicated-sample formula for unequal sizes), the closed form of a
translation, the Monte-Carlo error and its 1 / sqrt(n_projections) decay."""

import math

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

from sklearn_imd import mind_score, sliced_wasserstein_distance as swd


def replicated_wp(x, y, p):
    """W_p^p of two 1-D samples of sizes m, n, independently of quantile steps:
    each point repeated lcm / m (lcm / n) times gives two samples of one size
    whose sorted values pair up."""
    L = math.lcm(x.size, y.size)
    xs = np.sort(np.repeat(x, L // x.size))
    ys = np.sort(np.repeat(y, L // y.size))
    return np.mean(np.abs(xs - ys) ** p)


@pytest.mark.parametrize("m, n", [(200, 200), (300, 170), (7, 13)])
def test_one_dimension_is_scipy_for_p1(m, n):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=m), rng.exponential(size=n)
    # two exact formulas (CDFs there, quantiles here): float64 rounding of
    # sums of m + n terms
    assert swd(x[:, None], y[:, None], p=1) == pytest.approx(wasserstein_distance(x, y),
                                                             rel=1e-12)


@pytest.mark.parametrize("p", [1, 2, 3.5])
def test_one_dimension_is_exact_for_any_p(p):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=30), rng.standard_t(3, size=45)
    sw, std = swd(x[:, None], y[:, None], p=p, random_state=0, return_std=True)
    # the same sum in another grouping: float64 rounding
    assert sw == pytest.approx(replicated_wp(x, y, p) ** (1 / p), rel=1e-12)
    assert std == 0.0
    # no random directions in one dimension: the seed does not matter
    assert swd(x[:, None], y[:, None], p=p, random_state=5) == sw


def test_translation_closed_form():
    """For Y = X + c every direction sees W_2^2 = (c.theta)^2, whose mean over
    the sphere is |c|^2 / d and whose variance |c|^4 2 (d - 1) / (d^2 (d + 2))
    (E theta_1^4 = 3 / (d (d + 2)))."""
    rng = np.random.default_rng(2)
    d, M = 6, 4000
    X = rng.normal(size=(300, d))
    c = rng.normal(size=d)
    c2 = float(c @ c)
    sw, std = swd(X, X + c, n_projections=M, random_state=0, return_std=True)
    # the estimate of SW_2^2 is within 4 of its standard errors of the truth
    se_power = c2 * math.sqrt(2 * (d - 1) / (d**2 * (d + 2)) / M)
    assert abs(sw**2 - c2 / d) < 4 * se_power
    # the reported error is the theory's, through the square root (delta
    # method); the sample standard deviation of 4000 values is within about
    # 3% of the true one (its relative error ~ sqrt(kurtosis / (4 M)))
    assert std == pytest.approx(se_power / (2 * math.sqrt(c2 / d)), rel=0.1)
    mind, mind_std = mind_score(X, X + c, n_projections=M, random_state=0, return_std=True)
    # the same directions: MIND is 3 d SW_2^2 exactly up to rounding
    assert mind == pytest.approx(3 * d * sw**2, rel=1e-12)
    assert mind_std == pytest.approx(3 * d * 2 * sw * std, rel=1e-12)
    assert abs(mind - 3 * c2) < 4 * mind_std


def test_error_shrinks_like_one_over_sqrt_projections():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(150, 5)), rng.normal(size=(150, 5)) * 1.5 + 0.3
    small = [swd(X, Y, n_projections=25, random_state=s, return_std=True) for s in range(40)]
    large = [swd(X, Y, n_projections=400, random_state=s, return_std=True) for s in range(40)]
    # 16 times the directions: a 4 times smaller spread over seeds; the spread
    # of 40 draws is known to about 11% (1 / sqrt(2 * 39)), so 4 within 25%
    ratio = np.std([v for v, _ in small]) / np.std([v for v, _ in large])
    assert 3.0 < ratio < 5.3
    # and the reported error says as much, and is the spread it reports
    assert np.mean([s for _, s in small]) / np.mean([s for _, s in large]) == pytest.approx(
        4, rel=0.15)
    assert np.mean([s for _, s in large]) == pytest.approx(np.std([v for v, _ in large]),
                                                           rel=0.3)


def test_seeded_and_deterministic():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(100, 4)), rng.normal(size=(80, 4)) + 0.2
    assert swd(X, Y, random_state=0) == swd(X, Y, random_state=0)
    assert swd(X, Y, random_state=0) != swd(X, Y, random_state=1)
    assert swd(X, Y, random_state=np.random.RandomState(7)) == swd(X, Y, random_state=7)


def test_identical_samples_and_blocks(monkeypatch):
    from sklearn_imd.metrics import _sliced

    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(60, 3)), rng.normal(size=(45, 3))
    assert swd(X, X, random_state=0, return_std=True) == (0.0, 0.0)
    whole = swd(X, Y, n_projections=50, p=3, random_state=0)
    monkeypatch.setattr(_sliced, "BLOCK_ENTRIES", 500)  # a few directions a block
    assert swd(X, Y, n_projections=50, p=3, random_state=0) == pytest.approx(whole, rel=1e-14)


def test_float32_and_inputs_left_alone():
    rng = np.random.default_rng(6)
    X, Y = (rng.normal(size=(50, 3)).astype(np.float32) for _ in range(2))
    X0 = X.copy()
    got = swd(X, Y, random_state=0)
    assert isinstance(got, float)
    assert got == swd(X.astype(np.float64), Y.astype(np.float64), random_state=0)
    np.testing.assert_array_equal(X, X0)


def test_bad_input():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(10, 3))
    with pytest.raises(ValueError, match="p must be >= 1"):
        swd(X, X, p=0.5)
    with pytest.raises(ValueError, match="n_projections must be >= 2"):
        swd(X, X, n_projections=1)
    with pytest.raises(TypeError, match="n_projections must be an integer"):
        mind_score(X, X, n_projections=2.5)
    with pytest.raises(ValueError, match="same number of features"):
        swd(X, rng.normal(size=(10, 2)))
    with pytest.raises(ValueError, match="not finite"):
        swd(np.full((4, 2), 1e300), X[:4, :2], p=3)
