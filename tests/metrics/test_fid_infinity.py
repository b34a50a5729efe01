"""fid_infinity_score (FD-infinity) against the reference protocol written out here,
the population FID of Gaussians, and its input checks."""

import numpy as np
import pytest
from scipy.linalg import sqrtm

from sklearn_imd import fid_infinity_score, fid_score
from sklearn_imd.metrics import FIDInfinityFit


def _reference_fid(mu1, sigma1, mu2, sigma2):
    """mchong6/FID_IS_infinity's numpy_calculate_frechet_distance (without its
    eps retry, which these well-conditioned covariances never take)."""
    covmean = sqrtm(sigma1 @ sigma2)
    assert np.isfinite(covmean).all()
    diff = mu1 - mu2
    return diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean.real)


def _reference_fid_infinity(X, Y, sizes, seed):
    """calculate_FID_infinity_path's loop: for each size, shuffle (a copy of)
    the generated activations in place and take the first N, FID against the
    real mean and covariance, least squares of FID on 1/N read at 0."""
    real_m, real_s = X.mean(axis=0), np.cov(X, rowvar=False)
    act = Y.copy()
    rs = np.random.RandomState(seed)
    fids = []
    for size in sizes:
        rs.shuffle(act)
        sub = act[:size]
        fids.append(_reference_fid(sub.mean(axis=0), np.cov(sub, rowvar=False), real_m, real_s))
    fids = np.array(fids)
    A = np.column_stack([1.0 / np.asarray(sizes), np.ones(len(sizes))])
    (slope, intercept), *_ = np.linalg.lstsq(A, fids, rcond=None)
    return intercept, slope, fids


def _gaussians(n_x, n_y, d, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d)) / np.sqrt(d)
    X = rng.normal(size=(n_x, d)) @ A + 0.2
    Y = rng.normal(size=(n_y, d)) @ (1.2 * A + 0.1 * np.eye(d)) + 0.3
    return X, Y


# ------------------------------------------------------------ the reference protocol


@pytest.mark.parametrize("n_x, n_y, d, min_size, n_points", [
    (1500, 600, 6, None, 15), (800, 900, 10, 150, 7), (400, 300, 3, 40, 2),
])
def test_matches_the_reference_protocol_on_the_same_subsamples(n_x, n_y, d, min_size, n_points):
    X, Y = _gaussians(n_x, n_y, d, seed=d)
    score, fit = fid_infinity_score(X, Y, min_size=min_size, n_points=n_points,
                                    random_state=7, return_fit=True)
    expected_min = min(max(n_y // 10, 5 * d), 5000) if min_size is None else min_size
    sizes = np.linspace(expected_min, n_y, n_points).astype("int32")
    np.testing.assert_array_equal(fit.sizes, sizes)
    intercept, slope, fids = _reference_fid_infinity(X, Y, sizes, seed=7)
    # sqrtm of the product against singular values of the factors' product:
    # both accurate to ~1e-13 relative on covariances this well conditioned
    np.testing.assert_allclose(fit.fids, fids, rtol=1e-9)
    # the line amplifies the FIDs' rounding by at most the lever arm (< 1e2)
    assert fit.slope == pytest.approx(slope, rel=1e-7)
    assert score == pytest.approx(intercept, rel=1e-7, abs=1e-9)
    assert score == fit.intercept
    assert isinstance(score, float) and isinstance(fit, FIDInfinityFit)


def test_the_largest_size_is_all_of_Y_and_its_fid_is_fid_score(rng):
    X, Y = rng.normal(size=(700, 5)), rng.normal(0.1, 1.2, size=(500, 5))
    _, fit = fid_infinity_score(X, Y, random_state=0, return_fit=True)
    assert fit.sizes[-1] == 500
    # the same FID by another route (X's factor from its data, not its covariance)
    assert fit.fids[-1] == pytest.approx(fid_score(X, Y), rel=1e-9)


@pytest.mark.parametrize("n, d, expected", [
    (50000, 2, 5000),    # both references: np.linspace(5000, 50000, 15)
    (20000, 4, 2000),    # dgm-eval: min(5000, max(n // 10, 2))
    (1000, 32, 160),     # 5 * n_features, above dgm-eval's n // 10 = 100
    (12000, 3000, 6000),  # beyond 2,500 features the cap is 2 * n_features
])
def test_default_smallest_size(n, d, expected):
    from sklearn_imd.metrics._fid_infinity import _default_min_size

    assert _default_min_size(n, d) == expected


def test_default_sizes_of_a_large_sample_are_the_references():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(200, 2)), rng.normal(size=(50000, 2))
    _, fit = fid_infinity_score(X, Y, random_state=0, return_fit=True)
    np.testing.assert_array_equal(fit.sizes, np.linspace(5000, 50000, 15).astype("int32"))


# ----------------------------------------------------------- the population FID


def _whiten(Z):
    """Mean 0 and covariance exactly I (ddof=1)."""
    Z = Z - Z.mean(axis=0)
    return Z @ np.linalg.inv(np.linalg.cholesky(np.cov(Z, rowvar=False)).T)


def _population_fid(m1, S1, m2, S2):
    r = sqrtm(S1).real
    return float(np.sum((m1 - m2) ** 2) + np.trace(S1 + S2 - 2 * sqrtm(r @ S2 @ r).real))


@pytest.mark.parametrize("x_moments", ["exact", "sampled"])
def test_closer_to_the_population_fid_than_fid(x_moments):
    # d = 48 features, 2,000 generated points: FID's bias (about d^2 / (4 n)
    # plus the mean's Tr S2 / n) is 0.44 here, several standard deviations
    # (0.09) of FID; FD-infinity removes the part due to Y's size.  X has
    # the population's moments exactly (all of the bias is Y's) or is a
    # sample of 10,000 points (its own, smaller, bias stays).
    d, n_y = 48, 2000
    rng = np.random.default_rng(1)
    A = rng.normal(size=(d, d)) / np.sqrt(d)
    S1, m1 = A @ A.T + 0.5 * np.eye(d), 0.3 * rng.normal(size=d)
    S2, m2 = 1.3 * S1, m1 + 0.1
    pop = _population_fid(m1, S1, m2, S2)
    L1, L2 = np.linalg.cholesky(S1), np.linalg.cholesky(S2)
    err_fid, err_inf = [], []
    for seed in range(6):
        r = np.random.default_rng(100 + seed)
        Z = _whiten(r.normal(size=(4000, d))) if x_moments == "exact" else \
            r.normal(size=(10000, d))
        X, Y = Z @ L1.T + m1, r.normal(size=(n_y, d)) @ L2.T + m2
        err_fid.append(fid_score(X, Y) - pop)
        err_inf.append(fid_infinity_score(X, Y, random_state=seed) - pop)
    err_fid, err_inf = np.abs(err_fid), np.abs(err_inf)
    # measured over 20 seeds: FD-infinity closer in 20 of 20, its mean
    # absolute error 0.18 (exact) and 0.21 (sampled) of FID's (0.14 and 0.15
    # over these 6 seeds)
    assert (err_inf < err_fid).all()
    assert err_inf.mean() < 0.4 * err_fid.mean()


# ------------------------------------------------------------------- bad input


def test_bad_input_is_refused_by_name():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(300, 4)), rng.normal(size=(200, 4))
    with pytest.raises(ValueError, match="Y has 1 point; a covariance estimate needs at least 2"):
        fid_infinity_score(X, Y[:1])
    with pytest.raises(ValueError, match="Y has 30 points, too few for FD-infinity's default "
                       "sizes with 4 features: the smallest subsample has 20 points .* so Y "
                       "needs at least 40 points"):
        fid_infinity_score(X, Y[:30])
    with pytest.raises(ValueError, match="same number of features; got 4 and 3"):
        fid_infinity_score(X, Y[:, :3])
    with pytest.raises(ValueError, match="n_points must be >= 2, got 1"):
        fid_infinity_score(X, Y, n_points=1)
    with pytest.raises(TypeError, match="n_points must be an integer"):
        fid_infinity_score(X, Y, n_points=5.0)
    with pytest.raises(ValueError, match="min_size must be >= 2, got 1"):
        fid_infinity_score(X, Y, min_size=1)
    with pytest.raises(ValueError, match="min_size must be smaller than the 200 points of Y"):
        fid_infinity_score(X, Y, min_size=200)
    with pytest.raises(TypeError, match="min_size must be an integer"):
        fid_infinity_score(X, Y, min_size=50.5)
    with pytest.raises(ValueError, match="random_state must be in"):
        fid_infinity_score(X, Y, random_state=-1)
    with pytest.raises(ValueError, match="X contains NaN"):
        fid_infinity_score(np.where(X > 2, np.nan, X), Y)


def test_singular_covariances_warn():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(300, 8)), rng.normal(size=(200, 8))
    with pytest.warns(UserWarning, match="min_size=8 is at most the 8 features"):
        assert np.isfinite(fid_infinity_score(X, Y, min_size=8, random_state=0))
    with pytest.warns(UserWarning, match="X has fewer samples than the 8 features"):
        fid_infinity_score(X[:5], Y, random_state=0)


# -------------------------------------------------------- determinism, input


def test_deterministic_for_a_seed_and_input_untouched():
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(400, 3)), rng.normal(0.2, 1.0, size=(300, 3))
    X0, Y0 = X.copy(), Y.copy()
    X.setflags(write=False)
    Y.setflags(write=False)
    a, fit_a = fid_infinity_score(X, Y, random_state=11, return_fit=True)
    b, fit_b = fid_infinity_score(X, Y, random_state=11, return_fit=True)
    c = fid_infinity_score(X, Y, random_state=np.random.RandomState(11))
    assert a == b == c  # one route, the same subsamples
    np.testing.assert_array_equal(fit_a.fids, fit_b.fids)
    assert fid_infinity_score(X, Y, random_state=12) != a
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    # lists, and float32 input: the same values in float64, the same route
    assert fid_infinity_score(X.tolist(), Y.tolist(), random_state=11) == a
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    assert fid_infinity_score(X32, Y32, random_state=11) == fid_infinity_score(
        X32.astype(np.float64), Y32.astype(np.float64), random_state=11)


def test_homogeneous_of_degree_two_at_extreme_scales():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(300, 3)), rng.normal(0.3, 1.1, size=(250, 3))
    base = fid_infinity_score(X, Y, random_state=0)
    # the scaling is exact in powers of two, so only the rounding of 1e150 differs
    assert fid_infinity_score(1e150 * X, 1e150 * Y, random_state=0) == pytest.approx(
        1e300 * base, rel=1e-9)
    assert fid_infinity_score(1e-150 * X, 1e-150 * Y, random_state=0) == pytest.approx(
        1e-300 * base, rel=1e-9)
