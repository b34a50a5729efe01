"""compare and ReferenceStats: the table equals the standalone metrics."""

import sys

import numpy as np
import pandas as pd
import pytest

from sklearn_imd import (
    ReferenceStats,
    compare,
    fid_score,
    imd_score,
    kid_score,
    prdc_score,
    vendi_score,
)
from sklearn_imd._compare import METRICS as ALL_METRICS, compare_records

# the default table without train (fid_inf, cmmd, sw and mind are opt-in; ct,
# authenticity need train)
METRICS = tuple(m for m in ALL_METRICS
                if m not in ("fid_inf", "cmmd", "sw", "mind", "ct", "authenticity"))

IMD = {"nv": 10}
KID = {"n_subsets": 5, "subset_size": 100}
PRDC = ("precision", "recall", "density", "coverage")
FAST = dict(imd_params=IMD, kid_params=KID)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20240601)
    ref = rng.normal(size=(240, 4))
    gens = {"good": rng.normal(size=(200, 4)),
            "shifted": 0.6 * rng.normal(size=(200, 4)) + 0.4}
    return ref, gens


@pytest.fixture(scope="module")
def table(data):
    ref, gens = data
    return compare(ref, gens, random_state=0, **FAST)


def assert_same_table(a, b, fid_rel=0.0):
    assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
    for col in a.columns:
        if col.startswith("fid") and fid_rel:
            np.testing.assert_allclose(a[col], b[col], rtol=fid_rel, atol=0)
        else:
            np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy(), err_msg=col)


# ----------------------------------------------------------------------------- the table


def test_table_layout(table):
    assert isinstance(table, pd.DataFrame)
    assert list(table.index) == ["good", "shifted"]
    assert table.index.name == "generated"
    assert list(table.columns) == list(METRICS)
    assert list(ALL_METRICS) == ["imd", "imd_excess", "fid", "fid_inf", "kid", "cmmd", "sw",
                                 "mind", "precision", "recall", "density", "coverage", "ct",
                                 "authenticity", "vendi"]
    assert all(table[c].dtype == np.float64 for c in table.columns)
    assert np.isfinite(table.to_numpy()).all()


def test_each_row_equals_the_standalone_metrics(data, table):
    ref, gens = data
    for name, Y in gens.items():
        row = table.loc[name]
        assert row["imd"] == imd_score(ref, Y, random_state=0, **IMD)
        assert row["fid"] == pytest.approx(fid_score(ref, Y), rel=1e-12, abs=0)
        assert row["kid"] == kid_score(ref, Y, random_state=0, **KID)
        res = prdc_score(ref, Y)
        for m in PRDC:
            assert row[m] == getattr(res, m)
        assert row["vendi"] == vendi_score(Y)
        assert row["imd_excess"] < row["imd"]  # its floor is positive
    # the shifted, shrunk sample is the worse one
    assert table.loc["good", "fid"] < table.loc["shifted", "fid"]
    assert table.loc["good", "recall"] > table.loc["shifted", "recall"]


def test_k_and_another_seed(data):
    ref, gens = data
    Y = gens["shifted"]
    tab = compare(ref, {"s": Y}, k=3, random_state=7, metrics="imd,kid,precision,density",
                  **FAST)
    assert list(tab.columns) == ["imd", "kid", "precision", "density"]
    assert tab.loc["s", "imd"] == imd_score(ref, Y, random_state=7, **IMD)
    assert tab.loc["s", "kid"] == kid_score(ref, Y, random_state=7, **KID)
    res = prdc_score(ref, Y, k=3)
    assert tab.loc["s", "precision"] == res.precision
    assert tab.loc["s", "density"] == res.density


def test_imd_params_reach_imd(data):
    ref, gens = data
    Y = gens["good"]
    params = {"nv": 8, "k": 4, "m": 6, "t": np.logspace(-1, 1, 50)}
    tab = compare(ref, [Y], metrics=["imd"], imd_params=params, random_state=3)
    assert tab.loc["Y[0]", "imd"] == imd_score(ref, Y, random_state=3, **params)


def test_metrics_as_list_or_string_in_table_order(data, table):
    ref, gens = data
    a = compare(ref, gens, metrics=["vendi", "fid", "coverage"], random_state=0, **FAST)
    b = compare(ref, gens, metrics=" coverage , vendi,fid,", random_state=0, **FAST)
    assert list(a.columns) == ["fid", "coverage", "vendi"]
    assert_same_table(a, b)
    assert_same_table(a, table[["fid", "coverage", "vendi"]])
    c = compare(ref, gens, metrics="fid, kid", random_state=0, **FAST)
    assert list(c.columns) == ["fid", "kid"]
    assert_same_table(c, table[["fid", "kid"]])
    d = compare(ref, gens, metrics=("kid",), random_state=0, **FAST)
    assert_same_table(d, table[["kid"]])


def test_generated_as_list_or_one_array(data, table):
    ref, gens = data
    Y0, Y1 = gens.values()
    lst = compare(ref, [Y0, Y1], random_state=0, **FAST)
    assert list(lst.index) == ["Y[0]", "Y[1]"]
    np.testing.assert_array_equal(lst.to_numpy(), table.to_numpy())
    one = compare(ref, Y1, random_state=0, **FAST)
    assert list(one.index) == ["Y"]
    np.testing.assert_array_equal(one.to_numpy(), table.loc[["shifted"]].to_numpy())
    tup = compare(ref, (Y1,), metrics="fid", random_state=0)
    assert list(tup.index) == ["Y[0]"]
    # names are strings
    named = compare(ref, {1: Y0, "b": Y1}, metrics="fid", random_state=0)
    assert list(named.index) == ["1", "b"]


def test_compare_records_is_the_table(data, table):
    ref, gens = data
    names, metrics, rows = compare_records(ref, gens, random_state=0, **FAST)
    assert names == ["good", "shifted"]
    assert metrics == list(METRICS)
    assert [list(row) for row in rows] == [list(METRICS)] * 2
    for name, row in zip(names, rows):
        assert all(type(v) is float for v in row.values())
        assert row == table.loc[name].to_dict()


def test_a_deterministic_table(data, table):
    ref, gens = data
    assert_same_table(compare(ref, gens, random_state=0, **FAST), table)
    rs = compare(ref, gens, random_state=np.random.RandomState(5), metrics="imd,kid", **FAST)
    assert_same_table(compare(ref, gens, random_state=np.random.RandomState(5),
                              metrics="imd,kid", **FAST), rs)


def test_inputs_are_not_modified(data):
    ref, gens = data
    ref_ro = ref.copy()
    gens_ro = {name: Y.astype(np.float32) for name, Y in gens.items()}
    copies = [ref_ro.copy()] + [Y.copy() for Y in gens_ro.values()]
    for A in [ref_ro, *gens_ro.values()]:
        A.setflags(write=False)
    compare(ref_ro, gens_ro, random_state=0, interval="subsample", n_resamples=2, **FAST)
    for A, B in zip([ref_ro, *gens_ro.values()], copies):
        np.testing.assert_array_equal(A, B)
        assert A.dtype == B.dtype
    assert list(gens_ro) == ["good", "shifted"]


# ----------------------------------------------------------------------------- ReferenceStats


def test_stats_round_trip_gives_the_same_table(tmp_path, data, table):
    ref, gens = data
    stats = ReferenceStats.from_samples(ref, random_state=0, imd_params=IMD)
    assert stats.n_samples == 240 and stats.n_features == 4 and stats.k == 5
    assert stats.imd_params["random_state"] == 0 and stats.imd_params["nv"] == 10
    path = tmp_path / "ref.npz"
    stats.save(path)
    loaded = ReferenceStats.load(path)
    for name in ("mean", "covariance", "features", "radii", "imd_signature", "imd_t"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(stats, name))
    assert loaded.k == 5 and loaded.n_samples == 240 and loaded.imd_params == stats.imd_params
    assert "features" in repr(loaded) and "imd_signature" in repr(loaded)
    for reference in (stats, loaded):
        assert_same_table(compare(reference, gens, random_state=0, **FAST), table,
                          fid_rel=1e-12)
    # another seed or another k: the signature and radii are recomputed from the
    # features, as from the raw reference
    other = compare(ref, gens, random_state=1, k=3, **FAST)
    assert_same_table(compare(loaded, gens, random_state=1, k=3, **FAST), other, fid_rel=1e-12)
    # save appends .npz like numpy
    stats.save(tmp_path / "bare")
    assert (tmp_path / "bare.npz").exists()


def test_stats_with_intervals_equal_the_raw_reference(tmp_path, data):
    ref, gens = data
    stats = ReferenceStats.from_samples(ref, random_state=0, imd_params=IMD)
    stats.save(tmp_path / "ref.npz")
    kw = dict(random_state=0, interval="subsample", n_resamples=3, metrics="imd,fid,recall",
              **FAST)
    assert_same_table(compare(ReferenceStats.load(tmp_path / "ref.npz"), gens, **kw),
                      compare(ref, gens, **kw), fid_rel=1e-12)


def test_stats_without_features(tmp_path, data, table):
    ref, gens = data
    stats = ReferenceStats.from_samples(ref, random_state=0, imd_params=IMD,
                                        keep_features=False)
    assert stats.features is None and stats.radii is None and stats.k is None
    stats.save(tmp_path / "nf.npz")
    loaded = ReferenceStats.load(tmp_path / "nf.npz")
    assert loaded.features is None and loaded.radii is None
    assert repr(loaded) == ("ReferenceStats(n_samples=240, n_features=4, holds mean, "
                            "covariance, imd_signature)")
    for reference in (stats, loaded):
        tab = compare(reference, gens, random_state=0, **FAST)
        assert list(tab.columns) == ["imd", "fid", "vendi"]
        assert_same_table(tab, table[["imd", "fid", "vendi"]], fid_rel=1e-12)
        for m in ("kid", "precision", "recall", "density", "coverage"):
            with pytest.raises(ValueError, match=f"Metric '{m}' cannot be computed: the "
                               "reference statistics hold no features"):
                compare(reference, gens, metrics=["fid", m], random_state=0, **FAST)
        with pytest.raises(ValueError, match="An interval resamples the reference"):
            compare(reference, gens, metrics="fid", interval="bootstrap", random_state=0)
        with pytest.raises(ValueError, match="An interval resamples the reference"):
            compare(reference, gens, metrics="fid", interval="subsample", random_state=0)
    # another seed, same parameters: the stored signature is still used
    other_seed = compare(loaded, gens, metrics="imd", random_state=5, **FAST)
    assert np.isfinite(other_seed["imd"]).all()


def test_stats_with_other_imd_params_and_no_features(tmp_path, data):
    ref, gens = data
    ReferenceStats.from_samples(ref, random_state=0, imd_params=IMD,
                                keep_features=False).save(tmp_path / "nf.npz")
    stats = ReferenceStats.load(tmp_path / "nf.npz")
    for metrics in (None, "imd", ["imd", "fid"]):
        with pytest.raises(ValueError, match=r"Metric 'imd' cannot be computed: .*other IMD "
                           r"parameters \(nv=10\) and no features"):
            compare(stats, gens, metrics=metrics, imd_params={"nv": 12}, random_state=0)
    with pytest.raises(ValueError, match=r"other IMD parameters \(k=5, m=10\)"):
        compare(stats, gens, metrics="imd", imd_params={"nv": 10, "k": 4, "m": 8})
    # FID alone is fine
    tab = compare(stats, gens, metrics="fid", imd_params={"nv": 12})
    assert list(tab.columns) == ["fid"]


def test_pytorch_fid_stats(tmp_path, data):
    ref, gens = data
    path = tmp_path / "fid_stats.npz"
    np.savez(path, mu=ref.mean(axis=0), sigma=np.cov(ref, rowvar=False))
    stats = ReferenceStats.load(path)
    assert stats.features is None and stats.imd_signature is None and stats.radii is None
    assert stats.n_features == 4
    tab = compare(stats, gens, random_state=0)
    assert list(tab.columns) == ["fid", "vendi"]
    for name, Y in gens.items():
        assert tab.loc[name, "fid"] == pytest.approx(fid_score(ref, Y), rel=1e-9, abs=0)
        assert tab.loc[name, "vendi"] == vendi_score(Y)
    # the file written in float32, as pytorch-fid may
    np.savez(path, mu=ref.mean(axis=0).astype(np.float32),
             sigma=np.cov(ref, rowvar=False).astype(np.float32))
    tab32 = compare(ReferenceStats.load(path), gens, metrics="fid")
    np.testing.assert_allclose(tab32["fid"], tab["fid"], rtol=1e-4)
    with pytest.raises(ValueError, match="Metric 'imd' cannot be computed: the reference "
                       "statistics hold no IMD signature"):
        compare(stats, gens, metrics="imd")
    with pytest.raises(ValueError, match="Metric 'kid' cannot be computed"):
        compare(stats, gens, metrics="kid")


def test_load_errors(tmp_path):
    np.savez(tmp_path / "x.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="holds no reference statistics"):
        ReferenceStats.load(tmp_path / "x.npz")
    np.savez(tmp_path / "bad.npz", mu=np.zeros(3), sigma=np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"bad.npz: sigma \(covariance\) must be a 3 x 3"):
        ReferenceStats.load(tmp_path / "bad.npz")
    np.save(tmp_path / "y.npy", np.zeros(3))
    with pytest.raises(ValueError, match="not a .npy array"):
        ReferenceStats.load(tmp_path / "y.npy")
    (tmp_path / "z.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="z.npz is not a valid .npz file"):
        ReferenceStats.load(tmp_path / "z.npz")


# ----------------------------------------------------------------------------- intervals


# bootstrap samples repeat points: IMD warns about the duplicates
@pytest.mark.filterwarnings("ignore::sklearn_imd.DuplicatePointsWarning")
@pytest.mark.parametrize("interval", ["subsample", "bootstrap", True])
def test_intervals_bound_the_values(data, interval):
    ref, gens = data
    kw = dict(interval=interval, n_resamples=4, random_state=0, **FAST)
    tab = compare(ref, gens, **kw)
    expected = [c for m in METRICS for c in (m, f"{m}_low", f"{m}_high")]
    assert list(tab.columns) == expected
    base = compare(ref, gens, random_state=0, **FAST)
    for m in METRICS:
        # the values are those without an interval
        np.testing.assert_array_equal(tab[m].to_numpy(), base[m].to_numpy())
        assert (tab[f"{m}_low"] <= tab[m]).all(), m
        assert (tab[m] <= tab[f"{m}_high"]).all(), m
    for m in ("precision", "recall", "coverage"):
        assert (tab[f"{m}_low"] >= 0).all() and (tab[f"{m}_high"] <= 1).all()
    for m in ("imd", "fid", "density"):
        assert (tab[f"{m}_low"] >= 0).all()
    assert (tab["vendi_low"] >= 1).all()
    # deterministic for a fixed seed
    assert_same_table(compare(ref, gens, **kw), tab)
    if interval is True:
        assert_same_table(tab, compare(ref, gens, **{**kw, "interval": "subsample"}))


def test_interval_confidence_and_clipping(data):
    ref, gens = data
    # a generated sample inside the reference's balls: precision 1, clipped at 1
    Y = ref[:150] + 1e-3 * np.random.default_rng(1).normal(size=(150, 4))
    kw = dict(metrics="fid,precision,density", interval="subsample", n_resamples=6,
              random_state=0)
    wide = compare(ref, {"near": Y, **gens}, confidence=0.99, **kw)
    narrow = compare(ref, {"near": Y, **gens}, confidence=0.5, **kw)
    assert wide.loc["near", "precision"] == 1.0
    assert wide.loc["near", "precision_high"] == 1.0
    for m in ("fid", "density"):
        assert (wide[f"{m}_low"] <= narrow[f"{m}_low"]).all()
        assert (narrow[f"{m}_high"] <= wide[f"{m}_high"]).all()
    a = compare(ref, gens, metrics="fid", interval="subsample", n_resamples=3, random_state=1)
    b = compare(ref, gens, metrics="fid", interval="subsample", n_resamples=3, random_state=2)
    assert (a["fid_low"] != b["fid_low"]).any()


# ----------------------------------------------------------------------------- samples of another dimension


def test_samples_of_another_dimension(data):
    ref, _ = data
    rng = np.random.default_rng(3)
    Y = rng.normal(size=(150, 2))
    with pytest.warns(UserWarning, match="'low' .2.: another number of features than the "
                      "reference's 4, so FID, KID, precision"):
        tab = compare(ref, {"low": Y}, random_state=0, imd_params=IMD)
    assert list(tab.columns) == ["imd", "vendi"]
    assert tab.loc["low", "imd"] == imd_score(ref, Y, random_state=0, **IMD)
    assert tab.loc["low", "vendi"] == vendi_score(Y)
    for m in ("fid", "kid", "precision", "coverage"):
        with pytest.raises(ValueError, match=f"Metric '{m}' cannot be computed: no sample "
                           "has the reference's number of features"):
            compare(ref, {"low": Y}, metrics=m)
    # one sample of another dimension among others: its cells of those metrics
    # are empty, the others' are computed
    same = rng.normal(size=(150, 4))
    with pytest.warns(UserWarning, match=r"'low' .2.: another number of features than the "
                      r"reference's 4, so its imd_excess, fid, kid, precision, recall, density, "
                      r"coverage, "
                      r"which compare points in one feature space, are left empty \(NaN\)"):
        tab = compare(ref, {"same": same, "low": Y}, random_state=0, imd_params=IMD)
    assert list(tab.columns) == ["imd", "imd_excess", "fid", "kid", "precision", "recall",
                                 "density", "coverage", "vendi"]
    alone = compare(ref, {"same": same}, random_state=0, imd_params=IMD)
    assert tab.loc["same"].to_dict() == alone.loc["same"].to_dict()
    assert tab.loc["low", ["fid", "kid", "precision", "coverage"]].isna().all()
    assert tab.loc["low", "imd"] == imd_score(ref, Y, random_state=0, **IMD)
    with pytest.warns(UserWarning, match="so its fid, which compare"):
        tab = compare(ref, {"same": same, "low": Y}, metrics="imd,fid", random_state=0,
                      imd_params=IMD, interval="subsample", n_resamples=3)
    assert tab.loc["low", ["fid", "fid_low", "fid_high"]].isna().all()
    assert tab.loc["same", ["fid", "fid_low", "fid_high"]].notna().all()


# ----------------------------------------------------------------------------- errors


def test_argument_errors(data):
    ref, gens = data
    with pytest.raises(ValueError, match="Unknown metric 'fdi'; choose from imd, imd_excess, fid"):
        compare(ref, gens, metrics="fdi")
    with pytest.raises(ValueError, match="Unknown metric 'FID'"):
        compare(ref, gens, metrics=["FID"])
    for empty in ([], "", " , "):
        with pytest.raises(ValueError, match="metrics is empty"):
            compare(ref, gens, metrics=empty)
    with pytest.raises(ValueError, match="interval must be one of 'subsample', 'bootstrap'"):
        compare(ref, gens, interval="jackknife")
    for n in (1, 0, -3):
        with pytest.raises(ValueError, match="n_resamples must be >= 2"):
            compare(ref, gens, interval="subsample", n_resamples=n)
    with pytest.raises(TypeError, match="n_resamples must be an integer"):
        compare(ref, gens, interval="bootstrap", n_resamples=2.0)
    for conf in (0, 1, 1.5, -0.1, "0.9", True):
        with pytest.raises(ValueError, match="confidence must be a number in"):
            compare(ref, gens, interval="subsample", confidence=conf)
    with pytest.raises(TypeError, match="kid_params must not hold random_state"):
        compare(ref, gens, kid_params={"random_state": 0})
    with pytest.raises(TypeError, match=r"imd_params got unexpected parameters \['bogus'\]"):
        compare(ref, gens, imd_params={"bogus": 1})
    with pytest.raises(TypeError, match="random_state and n_jobs are compare's own"):
        compare(ref, gens, imd_params={"random_state": 0})
    with pytest.raises(ValueError, match="generated is an empty dict"):
        compare(ref, {})
    with pytest.raises(ValueError, match="generated is empty"):
        compare(ref, [])
    for bad in ("Y.npy", None, {1, 2}):
        with pytest.raises(TypeError, match="generated must be a dict"):
            compare(ref, bad)
    # anything else is one sample, checked as such
    for bad in (3, np.zeros(10), np.zeros((2, 10, 3))):
        with pytest.raises(ValueError, match="Y must be a 2-D array"):
            compare(ref, bad)
    with pytest.raises(TypeError, match="k must be an integer"):
        compare(ref, gens, k=2.5)
    with pytest.raises(ValueError, match="k must be >= 1"):
        compare(ref, gens, k=0)
    with pytest.raises(ValueError, match="n_jobs must not be 0"):
        compare(ref, gens, n_jobs=0)


def test_too_few_points_and_bad_values(data):
    ref, gens = data
    rng = np.random.default_rng(4)
    with pytest.raises(ValueError, match=r"generated\['tiny'\] has 5 points"):
        compare(ref, {"tiny": rng.normal(size=(5, 4))})
    # half-size subsamples need twice as many points
    with pytest.raises(ValueError, match=r"'small'\] has 10 points; an interval from half-size "
                       r"subsamples \(k = 5\) needs at least 12 points"):
        compare(ref, {"small": rng.normal(size=(10, 4))}, interval="subsample")
    compare(ref, {"small": rng.normal(size=(10, 4))}, metrics="fid,precision",
            interval="bootstrap", n_resamples=2, random_state=0)
    bad = ref.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="reference contains NaN"):
        compare(bad, gens)
    with pytest.raises(ValueError, match=r"generated\['x'\] contains NaN"):
        compare(ref, {"x": bad})


def test_without_pandas(data, monkeypatch):
    ref, gens = data
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pandas"):
        compare(ref, gens, metrics="fid")
    # compare_records needs no pandas
    names, metrics, rows = compare_records(ref, gens, metrics="fid")
    assert names == ["good", "shifted"] and metrics == ["fid"]


# ------------------------------------------------------------------ one sample size


def test_samples_of_different_sizes_are_scored_at_one(data):
    """By default the larger sample is subsampled (seeded by random_state) to
    the smaller's size, and the warning says so; None scores them as given."""
    ref, gens = data
    uneven = {"good": gens["good"], "short": gens["shifted"][:150]}
    with pytest.warns(UserWarning, match=r"different sizes \('good': 200, 'short': 150\); "
                      "each is scored on a seeded subsample of 150 points"):
        tab = compare(ref, uneven, metrics="imd,fid", random_state=3, **FAST)
    idx = np.sort(np.random.default_rng(3).choice(200, 150, replace=False))
    Y = gens["good"][idx]
    assert tab.loc["good", "imd"] == imd_score(ref, Y, random_state=3, **IMD)
    assert tab.loc["good", "fid"] == pytest.approx(fid_score(ref, Y), rel=1e-12)
    assert tab.loc["short", "fid"] == pytest.approx(fid_score(ref, uneven["short"]), rel=1e-12)
    with pytest.warns(UserWarning, match="sample_size=None scores them as given"):
        given = compare(ref, uneven, metrics="fid", sample_size=None)
    assert given.loc["good", "fid"] == pytest.approx(fid_score(ref, gens["good"]), rel=1e-12)
    fixed = compare(ref, uneven, metrics="fid", sample_size=120, random_state=0)
    rng = np.random.default_rng(0)  # one generator, the samples in order
    rng.choice(200, 120, replace=False)
    idx = np.sort(rng.choice(150, 120, replace=False))
    assert fixed.loc["short", "fid"] == pytest.approx(
        fid_score(ref, uneven["short"][idx]), rel=1e-12)
    with pytest.raises(ValueError, match=r"sample_size=180, but 'short' \(150\) has fewer"):
        compare(ref, uneven, metrics="fid", sample_size=180)
    for bad in ("max", 3, 2.5):
        with pytest.raises((ValueError, TypeError), match="sample_size"):
            compare(ref, uneven, metrics="fid", sample_size=bad)


def test_imd_excess_is_imd_less_its_floor(data):
    """imd_excess is the IMD less the mean of the re-splits' IMDs; its
    interval is IMD's redraws less the floor, widened by the floor's error."""
    from scipy.stats import norm

    from sklearn_imd._compare import compare_run

    ref, gens = data
    run = compare_run(ref, gens, metrics="imd_excess", interval="subsample", n_resamples=4,
                      n_permutations=6, random_state=0, imd_params=IMD)
    assert run.metrics == ["imd", "imd_excess"]
    for i, row in enumerate(run.rows):
        null = run.nulls[i]
        assert null.shape == (6,) and (null >= 0).all()
        assert row["imd_excess"] == pytest.approx(row["imd"] - null.mean(), rel=1e-12,
                                                  abs=1e-12)
        v = run.resamples[i]["imd"] - null.mean()
        q_lo, q_hi = np.quantile(v - v.mean(), [0.025, 0.975])
        z_se = norm.ppf(0.975) * null.std(ddof=1) / np.sqrt(6)
        assert row["imd_excess_low"] == pytest.approx(
            row["imd_excess"] - np.hypot(q_hi, z_se), rel=1e-9)
        assert row["imd_excess_high"] == pytest.approx(
            row["imd_excess"] + np.hypot(q_lo, z_se), rel=1e-9)
    # the far sample stands above its floor; re-splits are seeded
    assert run.rows[1]["imd_excess"] > run.nulls[1].mean() > 0
    again = compare_run(ref, gens, metrics="imd_excess", n_permutations=6, random_state=0,
                        imd_params=IMD)
    np.testing.assert_array_equal(again.nulls[0], run.nulls[0])
    with pytest.raises(ValueError, match="n_permutations"):
        compare(ref, gens, metrics="imd_excess", n_permutations=1)


def test_fid_inf_is_asked_for_and_equals_the_standalone_score(data, table):
    from sklearn_imd import fid_infinity_score

    ref, gens = data
    assert "fid_inf" not in table.columns  # 15 FIDs a sample: only when asked
    tab = compare(ref, gens, metrics="fid,fid_inf", random_state=4)
    for name, Y in gens.items():
        assert tab.loc[name, "fid_inf"] == fid_infinity_score(ref, Y, random_state=4)


def test_train_adds_the_memorisation_columns():
    """With train, ct and authenticity are data_copying_test's statistic (the
    reference as the test set, the cells seeded by random_state) and
    authenticity_score; a near-copier is flagged, a fresh sample is not."""
    from sklearn_imd import authenticity_score
    from sklearn_imd.metrics._copying import _Cells, _default_cells

    rng = np.random.default_rng(5)
    train, ref = rng.normal(size=(900, 4)), rng.normal(size=(450, 4))
    gens = {"fresh": rng.normal(size=(300, 4)),
            "copier": train[:300] + 0.01 * rng.normal(size=(300, 4))}
    table = compare(ref, gens, train=train, metrics="fid,ct,authenticity", random_state=3)
    assert list(table.columns) == ["fid", "ct", "authenticity"]
    cells = _Cells(train, ref, _default_cells(450), 64, 3)
    for name, Y in gens.items():
        # one code route each (same cells, same search): equal to rounding only
        assert table.loc[name, "ct"] == pytest.approx(cells.test(Y).statistic, rel=1e-12)
        assert table.loc[name, "authenticity"] == authenticity_score(train, Y)  # a count
    assert table.loc["copier", "ct"] < -8 and table.loc["copier", "authenticity"] == 0
    assert abs(table.loc["fresh", "ct"]) < 3 and 0.3 < table.loc["fresh", "authenticity"] < 0.7
    assert {"ct", "authenticity"} <= set(compare(ref, gens, train=train, random_state=0))
    assert not {"ct", "authenticity"} & set(compare(ref, gens, metrics=None, random_state=0))
    ci = compare(ref, gens, train=train, metrics="ct,authenticity", interval="subsample",
                 n_resamples=3, random_state=0)
    assert ci["ct_low"].isna().all()  # a Z-score: no interval
    assert (ci["authenticity_low"] <= ci["authenticity"]).all()
    with pytest.raises(ValueError, match="it needs the training set"):
        compare(ref, gens, metrics="ct")
    with pytest.raises(ValueError, match="train has 3 features and the reference 4"):
        compare(ref, gens, train=train[:, :3])


@pytest.fixture(scope="module")
def copying():
    rng = np.random.default_rng(5)
    train, ref = rng.normal(size=(900, 4)), rng.normal(size=(450, 4))
    gens = {"fresh": rng.normal(size=(300, 4)),
            "copier": train[:300] + 0.01 * rng.normal(size=(300, 4))}
    return train, ref, gens


def test_train_held_by_the_stats_gives_the_same_columns(tmp_path, copying):
    """Statistics saved with train give compare the ct and authenticity of
    compare(ref, train=train) without train: the stored cells with the seed
    they were made with (or none), refitted with another; train= wins."""
    train, ref, gens = copying
    stats = ReferenceStats.from_samples(ref, train=train, random_state=3, imd_params=IMD)
    loaded = ReferenceStats.load(stats.save(tmp_path / "ref.npz"))
    kw = dict(metrics="fid,ct,authenticity")
    cols = ["ct", "authenticity"]
    direct = compare(ref, gens, train=train, random_state=3, **kw)
    for reference in (stats, loaded):
        # the cells are labelled and searched by one code route either way: equal
        assert_same_table(compare(reference, gens, random_state=3, **kw)[cols], direct[cols])
        assert_same_table(compare(reference, gens, **kw)[cols], direct[cols])  # unseeded
    assert direct.loc["copier", "ct"] < -8 and direct.loc["copier", "authenticity"] == 0
    other = compare(ref, gens, train=train, random_state=4, **kw)
    assert (other["ct"] != direct["ct"]).all()  # other cells
    assert_same_table(compare(loaded, gens, random_state=4, **kw)[cols], other[cols])
    assert {"ct", "authenticity"} <= set(compare(loaded, gens, random_state=3, **FAST))
    # an explicit train wins over the stored one
    part = train[::2]
    assert_same_table(compare(loaded, gens, train=part, random_state=3, **kw)[cols],
                      compare(ref, gens, train=part, random_state=3, **kw)[cols])
    # with intervals, as train= gives them
    ci = dict(metrics="ct,authenticity", interval="subsample", n_resamples=3, random_state=3)
    assert_same_table(compare(loaded, gens, **ci), compare(ref, gens, train=train, **ci))


def test_train_held_without_features_gives_authenticity(tmp_path, copying):
    train, ref, gens = copying
    bare = ReferenceStats.from_samples(ref, train=train, keep_features=False,
                                       random_state=3, imd_params=IMD)
    bare = ReferenceStats.load(bare.save(tmp_path / "bare.npz"))
    table = compare(bare, gens, random_state=3, **FAST)
    assert list(table.columns) == ["imd", "fid", "authenticity", "vendi"]
    from sklearn_imd import authenticity_score

    for name, Y in gens.items():
        assert table.loc[name, "authenticity"] == authenticity_score(train, Y)  # a count
    with pytest.raises(ValueError, match="'ct' cannot be computed: the reference statistics "
                       "hold no features"):
        compare(bare, gens, metrics="ct")


def test_train_held_at_a_scale_far_from_one(copying):
    """The training set's radii are kept in the statistics' units: authenticity
    is exact where the squared distances would overflow float64."""
    from sklearn_imd import authenticity_score

    train, ref, gens = copying
    big = 1e160
    stats = ReferenceStats.from_samples(ref * big, train=train * big, keep_features=False,
                                        random_state=0, imd_params=IMD)
    assert stats.scale_exponent != 0
    table = compare(stats, {n: Y * big for n, Y in gens.items()}, metrics="authenticity")
    for name, Y in gens.items():
        assert table.loc[name, "authenticity"] == authenticity_score(train, Y)  # a count


# ------------------------------------------------- CMMD, sliced Wasserstein, feature spaces


def test_cmmd_sw_mind_equal_the_standalone_metrics(data):
    from sklearn_imd import cmmd_score, mind_score, sliced_wasserstein_distance

    ref, gens = data
    tab = compare(ref, gens, metrics="mind,sw,cmmd", random_state=3)
    assert list(tab.columns) == ["cmmd", "sw", "mind"]  # table order
    for name, Y in gens.items():
        # one code path (the functions), one seed: the same numbers
        assert tab.loc[name, "cmmd"] == cmmd_score(ref, Y)
        assert tab.loc[name, "sw"] == sliced_wasserstein_distance(ref, Y, random_state=3)
        assert tab.loc[name, "mind"] == mind_score(ref, Y, random_state=3)
    assert (tab.loc["shifted"] > tab.loc["good"]).all()


def test_cmmd_sw_from_statistics_need_their_features(data):
    ref, gens = data
    full = ReferenceStats.from_samples(ref, random_state=0, imd_params=IMD)
    direct = compare(ref, gens, metrics="cmmd,sw", random_state=0)
    assert_same_table(compare(full, gens, metrics="cmmd,sw", random_state=0), direct)
    small = ReferenceStats.from_samples(ref, random_state=0, keep_features=False,
                                        imd_params=IMD)
    for metric in ("cmmd", "sw", "mind"):
        with pytest.raises(ValueError, match=f"'{metric}' cannot be computed: the reference "
                           "statistics hold no features"):
            compare(small, gens, metrics=metric)
    # and not in the default table, which stays as it was
    assert "cmmd" not in compare(ref, gens, metrics=None, random_state=0, **FAST).columns


def test_sw_interval_brackets_the_value(data):
    ref, gens = data
    tab = compare(ref, gens, metrics="sw", interval="subsample", n_resamples=4,
                  random_state=0)
    assert list(tab.columns) == ["sw", "sw_low", "sw_high"]
    assert ((tab["sw_low"] <= tab["sw"]) & (tab["sw"] <= tab["sw_high"])).all()
    assert (tab["sw_low"] >= 0).all()  # clipped to the metric's range


def test_feature_space_names_the_columns_only(data):
    ref, gens = data
    plain = compare(ref, gens, metrics="imd,fid,kid,sw,precision,vendi", random_state=0,
                    **FAST)
    for space in (None, "inception", "Inception"):
        same = compare(ref, gens, metrics="imd,fid,kid,sw,precision,vendi", random_state=0,
                       feature_space=space, **FAST)
        assert_same_table(same, plain)
    dino = compare(ref, gens, metrics="imd,fid,kid,sw,precision,vendi", random_state=0,
                   feature_space="DINOv2", **FAST)
    assert list(dino.columns) == ["imd_dinov2", "fd_dinov2", "kd_dinov2", "sw_dinov2",
                                  "precision_dinov2", "vendi_dinov2"]
    np.testing.assert_array_equal(dino.to_numpy(), plain.to_numpy())
    ci = compare(ref, gens, metrics="fid_inf,kid", interval="subsample", n_resamples=2,
                 random_state=0, feature_space="clip", kid_params=KID)
    assert list(ci.columns) == ["fd_inf_clip", "fd_inf_clip_low", "fd_inf_clip_high",
                                "kd_clip", "kd_clip_low", "kd_clip_high"]


@pytest.mark.parametrize("bad, error", [("dino v2", ValueError), ("", ValueError),
                                        ("x" * 65, ValueError), (3, TypeError)])
def test_bad_feature_space(data, bad, error):
    ref, gens = data
    with pytest.raises(error, match="feature_space must be"):
        compare(ref, gens, metrics="fid", feature_space=bad)
    with pytest.raises(error, match="feature_space must be"):
        ReferenceStats.from_samples(ref, feature_space=bad)


def test_statistics_keep_their_feature_space_and_refuse_another(data, tmp_path):
    ref, gens = data
    stats = ReferenceStats.from_samples(ref, random_state=0, imd_params=IMD,
                                        feature_space="DINOv2")
    assert stats.feature_space == "dinov2"
    assert "feature_space='dinov2'" in repr(stats)
    loaded = ReferenceStats.load(stats.save(tmp_path / "dino.npz"))
    assert loaded.feature_space == "dinov2"
    # None takes the statistics' own; the same one given is accepted
    for space in (None, "dinov2", "DINOV2"):
        tab = compare(loaded, gens, metrics="fid,kid", random_state=0, feature_space=space,
                      kid_params=KID)
        assert list(tab.columns) == ["fd_dinov2", "kd_dinov2"]
    with pytest.raises(ValueError, match="statistics are of 'dinov2' features, and "
                       "feature_space='clip'"):
        compare(loaded, gens, metrics="fid", feature_space="clip")
    with pytest.raises(ValueError, match="statistics are of 'dinov2' features, and "
                       "feature_space='inception'"):
        compare(loaded, gens, metrics="fid", feature_space="inception")


def test_statistics_without_a_feature_space_take_any(data, tmp_path):
    ref, gens = data
    old = ReferenceStats.from_samples(ref, random_state=0, imd_params=IMD)
    path = old.save(tmp_path / "old.npz")
    with np.load(path) as f:
        assert "feature_space" not in f.files  # files as before
    loaded = ReferenceStats.load(path)
    assert loaded.feature_space is None
    assert list(compare(loaded, gens, metrics="fid").columns) == ["fid"]
    assert list(compare(loaded, gens, metrics="fid", feature_space="clip").columns) == [
        "fd_clip"]
