"""The data-copying test and authenticity against re-implementations of the
reference code's formulas, and on synthetic copiers with known answers."""

import math

import numpy as np
import pytest
from scipy.stats import mannwhitneyu
from sklearn.neighbors import NearestNeighbors

from sklearn_imd import authenticity_score, data_copying_test
from sklearn_imd.metrics._copying import _c_t


def reference_c_t(Pn, Pn_cells, Qm, Qm_cells, T, T_cells, tau):
    """casey-meehan/data-copying's C_T (as copied into dgm-eval's ct.py),
    re-written: per cell, the Z-scored Mann-Whitney U of the generated and
    test distances to the cell's training points."""
    k = T_cells.max() + 1
    m, n = Qm.shape[0], Pn.shape[0]
    z = np.zeros(k)
    for i in range(k):
        P, Q, Tc = Pn[Pn_cells == i], Qm[Qm_cells == i], T[T_cells == i]
        if len(Q) == 0:
            continue
        nn = NearestNeighbors(n_neighbors=1).fit(Tc)
        LQ, _ = nn.kneighbors(Q, n_neighbors=1)
        LP, _ = nn.kneighbors(P, n_neighbors=1)
        u, _ = mannwhitneyu(LQ, LP, alternative="less")
        mm, nn_ = len(Q), len(P)
        z[i] = ((u - (nn_ * mm / 2 - 0.5)) / np.sqrt(nn_ * mm * (nn_ + mm + 1) / 12))[0]
    q_frac = np.bincount(Qm_cells, minlength=k) / m
    p_frac = np.bincount(Pn_cells, minlength=k) / n
    used = q_frac > tau
    return p_frac[used] @ z[used] / p_frac[used].sum(), z


def reference_authenticity(train, gen):
    """dgm-eval's authpct.py (full distance matrices), as a fraction."""
    real = np.sqrt(((train[:, None] - train[None]) ** 2).sum(-1))
    np.fill_diagonal(real, np.inf)
    cross = np.sqrt(((train[:, None] - gen[None]) ** 2).sum(-1))
    idx, d = cross.argmin(axis=0), cross.min(axis=0)
    return np.mean(real.min(axis=0)[idx] < d), idx, d


@pytest.fixture
def samples():
    rng = np.random.default_rng(0)
    train, test = rng.normal(size=(600, 3)), rng.normal(size=(300, 3))
    fresh = rng.normal(size=(300, 3))
    copies = train[:300] + 0.01 * rng.normal(size=(300, 3))
    return train, test, fresh, copies


def test_c_t_matches_the_reference_formula(samples):
    """Given the same cells, C_T and every cell's Z-score equal the reference's
    (sklearn neighbours, scipy's U) to rounding: the U statistics are counts,
    and the Z-scores differ only by the order of float operations."""
    train, test, fresh, copies = samples
    cut = np.array([-0.5, 0.4])  # three cells along the first coordinate
    cells = [np.searchsorted(cut, A[:, 0]) for A in (train, test)]
    for gen in (fresh, copies, np.vstack([fresh[:240], copies[:60]])):
        labels = [*cells, np.searchsorted(cut, gen[:, 0])]
        res = _c_t(train, test, gen, labels, 3)
        ref, z = reference_c_t(test, labels[1], gen, labels[2], train, labels[0],
                               tau=20 / len(gen))
        assert res.statistic == pytest.approx(ref, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(res.cell_statistics, z, rtol=1e-12, atol=1e-12)
        # nearest training points of the cell, distances as sklearn's
        for c in range(3):
            Tc = train[labels[0] == c]
            d, j = NearestNeighbors(n_neighbors=1).fit(Tc).kneighbors(gen[labels[2] == c])
            np.testing.assert_allclose(res.generated_distance[labels[2] == c], d[:, 0],
                                       rtol=1e-9, atol=1e-12)  # sklearn: expansion formula
            np.testing.assert_array_equal(res.generated_nearest[labels[2] == c],
                                          np.flatnonzero(labels[0] == c)[j[:, 0]])


def test_copies_are_flagged_and_fresh_samples_are_not(samples):
    train, test, fresh, copies = samples
    ok = data_copying_test(train, test, fresh, random_state=0)
    bad = data_copying_test(train, test, copies, random_state=0)
    assert ok.n_cells == 3 and ok.cell_used.all()
    assert abs(ok.statistic) < 2.5 and ok.pvalue > 0.01
    assert bad.statistic < -8 and bad.pvalue < 1e-12
    assert (bad.cell_statistics < -3).all()
    # a cell the generated sample never reaches is left out of C_T
    half = copies[copies[:, 0] < 0]
    res = data_copying_test(train, test, half, n_cells=4, random_state=0)
    assert not res.cell_used.all() and res.statistic < -5
    assert np.isnan(res.cell_statistics[res.cell_generated_fraction == 0]).all()


def test_the_p_value_is_the_normal_tail_of_c_t():
    """pvalue = Phi(C_T sum(w) / sqrt(sum w^2)), w the used cells' test fractions."""
    from scipy.stats import norm

    rng = np.random.default_rng(1)
    train, test, gen = (rng.normal(size=(s, 2)) for s in (400, 200, 200))
    res = data_copying_test(train, test, gen, n_cells=3, random_state=1)
    w = res.cell_test_fraction[res.cell_used]
    assert res.pvalue == pytest.approx(norm.cdf(res.statistic * w.sum() / math.sqrt(w @ w)),
                                       rel=1e-12)


def test_features_beyond_64_dimensions_are_projected():
    rng = np.random.default_rng(2)
    train, test = rng.normal(size=(300, 80)), rng.normal(size=(200, 80))
    copies = train[:200] + 1e-3
    res = data_copying_test(train, test, copies, random_state=0)
    assert res.statistic < -5
    raw = data_copying_test(train, test, copies, n_components=None, random_state=0)
    assert raw.statistic < -5
    assert not np.allclose(res.test_distance, raw.test_distance)  # other spaces


def test_authenticity_matches_dgm_eval(samples):
    train, test, fresh, copies = samples
    dup = np.vstack([train, train[:5]])  # duplicated training points: distance 0
    for T, gen in ((train, fresh), (train, copies), (dup, fresh), (dup, train[:10])):
        score, s = authenticity_score(T, gen, return_samples=True)
        ref, idx, d = reference_authenticity(T, gen)
        assert score == pytest.approx(ref, abs=1e-15)  # both count booleans
        np.testing.assert_allclose(s.distance, d, rtol=1e-12, atol=1e-12)
        ok = ~np.isin(np.arange(len(gen)), np.flatnonzero(np.isclose(d, 0)))
        np.testing.assert_array_equal(s.nearest_train[ok], idx[ok])
    assert authenticity_score(train, copies) == 0.0
    # fresh 3-d samples: 0.3-0.7 (the value depends on the dimension; see the docstring)
    assert 0.3 < authenticity_score(train, fresh) < 0.7
    exact = authenticity_score(train, train[:50], return_samples=True)[1]
    assert (exact.distance == 0).all() and not exact.authentic.any()


def test_inputs_are_checked_and_left_alone(samples):
    train, test, fresh, _ = samples
    before = [A.copy() for A in (train, test, fresh)]
    data_copying_test(train, test, fresh, random_state=0)
    authenticity_score(train, fresh, return_samples=True)
    for A, B in zip((train, test, fresh), before):
        np.testing.assert_array_equal(A, B)
    with pytest.raises(ValueError, match="train and generated must have the same number"):
        authenticity_score(train, fresh[:, :2])
    with pytest.raises(ValueError, match="train and test must have the same number"):
        data_copying_test(train, test[:, :2], fresh)
    with pytest.raises(ValueError, match="generated contains NaN"):
        data_copying_test(train, test, np.where(fresh > 2, np.nan, fresh))
    with pytest.raises(ValueError, match="hold no test point"):
        data_copying_test(train, test[:2], fresh, n_cells=5, random_state=0)
    with pytest.raises(ValueError, match="no cell holds more than 20"):
        data_copying_test(train, test, fresh[:30], n_cells=3, random_state=0)
    with pytest.raises(TypeError, match="n_cells must be an integer"):
        data_copying_test(train, test, fresh, n_cells=2.5)
    with pytest.raises(ValueError, match="n_cells=700 is more than the 600"):
        data_copying_test(train, test, fresh, n_cells=700)
    with pytest.raises(ValueError, match="train has 1 point"):
        authenticity_score(train[:1], fresh)


def test_float32_reference_beside_a_float64_training_set():
    """Images load as float32; compare's training set, cast to float64, once
    crashed inside scikit-learn's k-means (it predicts only in the dtype it
    was fitted in)."""
    from sklearn_imd import compare

    rng = np.random.default_rng(4)
    train, test = rng.normal(size=(600, 3)), rng.normal(size=(600, 3)).astype(np.float32)
    generated = rng.normal(size=(300, 3)).astype(np.float32)
    table = compare(test, {"model": generated}, train=train, metrics=["ct"], random_state=0)
    want = data_copying_test(train, test.astype(np.float64), generated.astype(np.float64),
                             n_cells=3, random_state=0)
    # float32 inputs are exact in float64: the same cells, ranks and statistic
    np.testing.assert_allclose(table.loc["model", "ct"], want.statistic, rtol=1e-12)


@pytest.mark.parametrize("d", [3, 80])
def test_the_cells_are_k_means_and_rebuild_from_their_arrays(d):
    """The cells' labels are KMeans.predict's (nearest centre) for the training,
    test and new points, the projection is the PCA's, and cells rebuilt from
    their arrays (as a statistics file keeps them) give the same C_T."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    from sklearn_imd._utils.validation import check_seed
    from sklearn_imd.metrics._copying import _Cells, _nearest_centre

    rng = np.random.default_rng(3)
    train, test = rng.normal(size=(600, d)), rng.normal(size=(300, d))
    gen = np.vstack([train[:150] + 0.05 * rng.normal(size=(150, d)),
                     rng.normal(size=(150, d))])
    cells = _Cells(train, test, 4, 64, 0)
    seeds = np.random.default_rng(check_seed(0))  # the cells' draws, in order
    if d > 64:
        pca = PCA(n_components=64, random_state=int(seeds.integers(2**31))).fit(train)
        np.testing.assert_array_equal(cells.pca_components, pca.components_)
        # (A - mean) @ C.T against PCA.transform's A @ C.T - mean @ C.T: rounding
        np.testing.assert_allclose(cells.project(gen), pca.transform(gen), atol=1e-12)
    else:
        assert cells.pca_mean is None and cells.project(gen) is gen
    km = KMeans(n_clusters=4, n_init=10, random_state=int(seeds.integers(2**31)))
    km.fit(cells.T)
    np.testing.assert_array_equal(cells.centres, km.cluster_centers_)
    for A, labels in ((cells.T, cells.cells[0]), (cells.P, cells.cells[1]),
                      (cells.project(gen), None)):
        expected = km.predict(A)
        np.testing.assert_array_equal(_nearest_centre(A, cells.centres), expected)
        if labels is not None:
            np.testing.assert_array_equal(labels, expected)
    rebuilt = _Cells.from_arrays(train, test, **cells.arrays())
    a, b = cells.test(gen), rebuilt.test(gen)
    assert a.statistic == b.statistic  # one code route: equal, not close
    for field in ("cell_statistics", "generated_cell", "generated_distance", "test_distance"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_nearest_centre_across_blocks_and_ties():
    """Blocks of rows give the labels of one pass; a point equidistant from two
    centres takes the first (as numpy's argmin and KMeans.predict)."""
    from sklearn_imd.metrics import _copying

    rng = np.random.default_rng(4)
    A, centres = rng.normal(size=(5000, 3)), rng.normal(size=(7, 3))
    whole = np.argmin(((A[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(_copying._nearest_centre(A, centres), whole)
    assert _copying._CENTRE_ROWS < 5000  # more than one block
    tie = np.array([[0.0, 0.0]])
    assert _copying._nearest_centre(tie, np.array([[1.0, 0.0], [-1.0, 0.0]])).tolist() == [0]
