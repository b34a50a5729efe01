"""rank_models: paired differences, Holm-adjusted p-values, ranks with ties."""

import numpy as np
import pytest
from scipy import stats

from sklearn_imd import RankingResult, compare, rank_models
from sklearn_imd._compare import compare_run
from sklearn_imd._ranking import holm

IMD = {"nv": 10}


@pytest.fixture(scope="module")
def models():
    rng = np.random.default_rng(11)
    ref = rng.normal(size=(300, 3))
    gens = {"a": rng.normal(size=(300, 3)), "b": rng.normal(size=(300, 3)),
            "far": rng.uniform(-2, 2, size=(300, 3)) + 0.5}
    return ref, gens


@pytest.fixture(scope="module")
def result(models):
    ref, gens = models
    return rank_models(ref, gens, metrics="imd,fid,kid,coverage,density", n_resamples=8,
                       random_state=0, imd_params=IMD, kid_params={"subset_size": 100})


def test_holm_against_its_definition():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 with K = 4: 4*0.01, max(., 3*0.03), max(., 2*0.04), 0.5
    np.testing.assert_allclose(holm(p), [0.04, 0.09, 0.09, np.nan, 0.5], rtol=1e-12)
    assert holm([0.9, 0.8])[0] == 1.0


def test_scores_are_compare_and_differences_paired(models, result):
    """Scores are compare's; each pair's interval and p-value come from the
    redraws' paired differences through a Student t (written out here)."""
    ref, gens = models
    assert isinstance(result, RankingResult)
    assert result.names == ["a", "b", "far"]
    assert result.metrics == ["imd", "fid", "kid", "density", "coverage"]
    table = compare(ref, gens, metrics=result.metrics, interval="subsample", n_resamples=8,
                    random_state=0, imd_params=IMD, kid_params={"subset_size": 100})
    for a, m in enumerate(result.metrics):
        np.testing.assert_array_equal(result.scores[a], table[m].to_numpy())
        np.testing.assert_array_equal(result.low[a], table[f"{m}_low"].to_numpy())
    run = compare_run(ref, gens, metrics=result.metrics, interval="subsample",
                      n_resamples=8, random_state=0, imd_params=IMD,
                      kid_params={"subset_size": 100})
    a = result.metrics.index("fid")
    d = result.scores[a, 0] - result.scores[a, 2]
    r = run.resamples[0]["fid"] - run.resamples[2]["fid"]
    se = np.sqrt(np.sum((r - r.mean()) ** 2) / 7)
    assert result.differences[a, 0, 2] == d
    assert result.pvalues[a, 0, 2] == pytest.approx(2 * stats.t.sf(abs(d) / se, 7), rel=1e-9)
    half = stats.t.ppf(0.975, 7) * se
    assert result.difference_low[a, 0, 2] == pytest.approx(d - half, rel=1e-9)
    assert result.difference_high[a, 2, 0] == pytest.approx(-(d - half), rel=1e-9)
    pairs = [result.pvalues[a, 0, 1], result.pvalues[a, 0, 2], result.pvalues[a, 1, 2]]
    np.testing.assert_allclose(result.pvalues_adjusted[a][np.triu_indices(3, 1)],
                               holm(pairs), rtol=1e-12)
    assert np.isnan(result.pvalues[a].diagonal()).all()


def test_paired_difference_is_narrower_than_the_separate_intervals():
    """Two models equally far from the data share the reference's redraws:
    their difference moves less than the two scores would if they moved
    independently (the reference's own noise cancels)."""
    rng = np.random.default_rng(2)
    ref = rng.normal(size=(400, 3))
    gens = [rng.normal(size=(400, 3)) + 0.7, rng.normal(size=(400, 3)) + 0.7]
    run = compare_run(ref, gens, metrics="fid,kid", interval="subsample", n_resamples=10,
                      random_state=0, kid_params={"subset_size": 100})
    # FID's redraws move with the reference's (the shared means and
    # covariances); KID's move mostly with its own random subsets
    for m, share in (("fid", 0.5), ("kid", 1.0)):
        a, b = run.resamples[0][m], run.resamples[1][m]
        assert np.var(a - b, ddof=1) < share * (np.var(a, ddof=1) + np.var(b, ddof=1)), m


def test_ranks_tie_the_close_models_and_put_the_far_one_last(result):
    for m in ("imd", "fid", "kid", "coverage"):
        a = result.metrics.index(m)
        assert result.ranks[a, 2] == 3, m
        assert result.ranks[a, 0] == result.ranks[a, 1] == 1, m
        assert result.order(m)[-1] == "far"
        assert result.pvalues_adjusted[a, 0, 1] > result.alpha
    assert np.isnan(result.ranks[result.metrics.index("density")]).all()
    assert result.better["density"] is None and result.better["coverage"] == "higher"
    rows = result.pairs("fid")
    assert [(r["a"], r["b"]) for r in rows] == [("a", "b"), ("a", "far"), ("b", "far")]
    assert [r["significant"] for r in rows] == [False, True, True]
    frame = result.to_frame()
    assert len(frame) == 3 * len(result.metrics)
    with pytest.raises(ValueError, match="metric 'vendi' is not in this result"):
        result.order("vendi")


def test_bad_arguments(models):
    ref, gens = models
    with pytest.raises(ValueError, match="alpha"):
        rank_models(ref, gens, alpha=1.5)
    with pytest.raises(ValueError, match="n_resamples"):
        rank_models(ref, gens, n_resamples=2)
    with pytest.raises(ValueError, match="two samples or more"):
        rank_models(ref, {"a": gens["a"]})
    with pytest.raises(ValueError, match="two samples or more"):
        rank_models(ref, gens["a"])
