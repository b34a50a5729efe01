"""Per-sample diagnostics against the papers' formulas, re-implemented here
with dense float64 distance matrices.

Ball memberships are decided on exact distances, so the counts, the coverage
flags, the rarity (a radius) and the nearest real point must be equal to the
brute force's; the realism's ball is chosen on float32 products, so it is
compared to a relative tolerance (see ``test_realism_is_the_papers``).
"""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from sklearn_imd import prdc_score, sample_diagnostics


def brute(X, Y, k):
    """The definitions: radii and memberships of Naeem et al. (strict), the
    realism of Kynkaanniemi et al. (Euclidean distances, balls up to the
    median radius), the rarity as ``hichoe95/Rarity-Score`` computes it (with
    NaN where it writes 0)."""
    r = np.sort(cdist(X, X), axis=1)[:, k]  # column 0 is the point itself
    s = np.sort(cdist(Y, Y), axis=1)[:, k]
    D = cdist(X, Y)
    inside = D < r[:, None]
    keep = r <= np.percentile(r, 50)
    with np.errstate(divide="ignore"):
        realism = np.max(np.where(keep[:, None], r[:, None] / D, 0.0), axis=0)
    rarity = np.where(inside, r[:, None], np.inf).min(axis=0)
    rarity[np.isinf(rarity)] = np.nan
    return dict(n_balls=inside.sum(axis=0), covered=inside.any(axis=1),
                recalled=(D < s[None, :]).any(axis=1), radius=r, realism=realism,
                rarity=rarity, nearest_real=D.argmin(axis=0),
                nearest_real_distance=D.min(axis=0))


CASES = [  # (n_real, n_generated, n_features, generated scale, k)
    (300, 200, 2, 1.0, 5),
    (600, 800, 16, 1.3, 3),
    (500, 400, 100, 0.8, 5),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n, m, d, spread, k", CASES)
def test_against_the_definitions(n, m, d, spread, k, dtype):
    rng = np.random.default_rng(n + d)
    X = rng.normal(size=(n, d)).astype(dtype)
    Y = (spread * rng.normal(size=(m, d)) + 0.2).astype(dtype)
    Y[:7] = X[10:17]  # exact copies: realism inf, distance 0
    Y[7] = [40.0] * d  # far outside every ball: rarity undefined
    X0, Y0 = X.copy(), Y.copy()
    got = sample_diagnostics(X, Y, k=k)
    want = brute(X.astype(np.float64), Y.astype(np.float64), k)  # the same values, exactly
    assert np.array_equal(X, X0) and np.array_equal(Y, Y0)  # inputs untouched
    for key in ("n_balls", "covered", "recalled", "nearest_real"):
        assert np.array_equal(getattr(got, key), want[key]), key
    # radii and distances: float64 from the coordinates both ways, summed in
    # another order than cdist's (rounding ~ d * 1e-16 relative)
    for key in ("radius", "rarity", "nearest_real_distance"):
        np.testing.assert_allclose(getattr(got, key), want[key], rtol=1e-12, atol=0,
                                   err_msg=key)
    assert np.all(got.nearest_real_distance[:7] == 0) and np.isnan(got.rarity[7])
    kept = want["radius"][10:17] <= np.percentile(want["radius"], 50)
    assert np.array_equal(np.isinf(got.realism[:7]), kept)  # a copy of a kept ball's centre
    assert got.realism[7] < 0.1


@pytest.mark.parametrize("n, m, d, spread, k", CASES)
def test_realism_is_the_papers(n, m, d, spread, k):
    rng = np.random.default_rng(7 * n + d)
    X = rng.normal(size=(n, d))
    Y = spread * rng.normal(size=(m, d))
    got = sample_diagnostics(X, Y, k=k).realism
    want = brute(X, Y, k)["realism"]
    # the ball is picked on float32 products (relative error ~ d * 6e-8 on a
    # squared distance), its distance then recomputed in float64: two balls
    # whose ratios differ by less than that may be taken one for the other
    np.testing.assert_allclose(got, want, rtol=d * 1e-7)
    # the definition's consequence: realism >= 1 exactly inside a kept ball
    r = np.sort(cdist(X, X), axis=1)[:, k]
    keep = r <= np.median(r)
    inside_kept = (cdist(X, Y) < r[:, None])[keep].any(axis=0)
    assert np.array_equal(got[~inside_kept] <= 1 + d * 1e-7, np.ones(m, bool)[~inside_kept])
    assert np.all(got[inside_kept] > 1 - d * 1e-7)


def test_the_authors_realism_is_its_square():
    """The authors' code (``ManifoldEstimator`` with ``clamp_to_percentile=50``)
    divides squared radii by squared distances plus ``1e-5``."""
    rng = np.random.default_rng(3)
    X, Y = 100 * rng.normal(size=(400, 5)), 100 * rng.normal(size=(300, 5))
    D2 = cdist(X, X, "sqeuclidean")
    radii = np.sort(D2, axis=1)[:, 3]
    radii[radii > np.percentile(radii, 50)] = 0
    theirs = np.max(radii[:, None] / (cdist(X, Y, "sqeuclidean") + 1e-5), axis=0)
    ours = sample_diagnostics(X, Y, k=3).realism
    # squared distances here are ~ 1e4 (the nearest > 10): the 1e-5 moves the
    # ratios by < 1e-6 relative
    np.testing.assert_allclose(ours**2, theirs, rtol=1e-6)


def test_the_totals_are_prdc_scores():
    rng = np.random.default_rng(11)
    X, Y = rng.normal(size=(900, 8)), rng.standard_t(4, size=(700, 8))
    diag, prdc = sample_diagnostics(X, Y), prdc_score(X, Y)
    # the same exact counts divided the same way
    assert (diag.precision, diag.recall, diag.density, diag.coverage) == (
        prdc.precision, prdc.recall, prdc.density, prdc.coverage)


def test_a_missed_mode_is_the_uncovered_points_and_an_outlier_the_least_realistic():
    rng = np.random.default_rng(5)
    centres = np.array([[0.0, 0.0], [12.0, 0.0]])
    X = np.vstack([c + rng.normal(size=(500, 2)) for c in centres])
    Y = np.vstack([centres[0] + rng.normal(size=(499, 2)), [[6.0, 9.0]]])
    diag = sample_diagnostics(X, Y)
    assert np.all(~diag.covered[500:])  # the dropped mode
    assert diag.covered[:500].mean() > 0.8
    assert np.argmin(diag.realism) == 499 and diag.n_balls[499] == 0


def test_ties_go_to_the_lower_real_index():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 5.0], [5.0, 5.0], [9.0, 9.0], [9.0, 0.0],
                  [0.0, 9.0]])
    Y = np.array([[1.0, 0.0], [1.0, 0.5], [5.0, 6.0], [8.0, 8.0], [4.0, 4.0], [3.0, 3.0]])
    diag = sample_diagnostics(X, Y, k=1)
    assert diag.nearest_real[0] == 0  # equidistant from rows 0 and 1


def test_bad_input_is_named():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="same number of features"):
        sample_diagnostics(X, rng.normal(size=(20, 4)))
    with pytest.raises(ValueError, match="Y"):
        sample_diagnostics(X, X[:4])  # fewer than k + 1 points
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN|finite"):
        sample_diagnostics(bad, X)
    with pytest.raises(ValueError, match="k"):
        sample_diagnostics(X, X, k=0)
