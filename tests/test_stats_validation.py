"""ReferenceStats checks what it holds before any metric reads it: a clear error
naming the file and the field, never a KeyError or a silently wrong number."""

import json
import os
import zipfile

import numpy as np
import pytest

from sklearn_imd import ReferenceStats


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    X = np.random.default_rng(0).normal(size=(300, 4))
    path = tmp_path_factory.mktemp("stats") / "ref.npz"
    ReferenceStats.from_samples(X, random_state=0).save(path)
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def write(tmp_path, arrays, name="s.npz"):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def spd_with_negative_eigenvalue(d=4):
    """Symmetric with positive variances, but eigenvalues 3 and -1 in its first block."""
    A = np.eye(d)
    A[0, 1] = A[1, 0] = 2.0
    return A


BAD = {
    "mu NaN": ({"mu": lambda a: np.where(np.arange(4) == 1, np.nan, a["mu"])}, "mu"),
    "mu 2-D": ({"mu": lambda a: a["mu"][None]}, "mu"),
    "mu strings": ({"mu": lambda a: np.array(["a", "b", "c", "d"])}, "mu"),
    "sigma shape": ({"sigma": lambda a: a["sigma"][:3, :3]}, "sigma"),
    "sigma inf": ({"sigma": lambda a: a["sigma"] * np.inf}, "sigma"),
    "sigma asymmetric": ({"sigma": lambda a: a["sigma"] + np.triu(np.ones((4, 4)), 1)},
                         "not symmetric"),
    "sigma negative eigenvalue": ({"sigma": lambda a: spd_with_negative_eigenvalue(),
                                   "features": None, "prdc_k": None, "prdc_radii": None,
                                   "n_samples": None}, "negative eigenvalues"),
    "sigma negative variance": ({"sigma": lambda a: -a["sigma"]}, "negative variances"),
    "sigma other sample": ({"sigma": lambda a: 4 * a["sigma"]}, "variances"),
    "mu other sample": ({"mu": lambda a: a["mu"] + 1}, "not the mean"),
    "radii negative": ({"prdc_radii": lambda a: -a["prdc_radii"]}, "negative"),
    "radii short": ({"prdc_radii": lambda a: a["prdc_radii"][:-1]}, "one radius per"),
    "radii NaN": ({"prdc_radii": lambda a: a["prdc_radii"] * np.nan}, "NaN"),
    "radii stale": ({"prdc_radii": lambda a: a["prdc_radii"][::-1]}, "not the 5-NN radii"),
    "radii without k": ({"prdc_k": None}, "prdc_k"),
    "k without radii": ({"prdc_radii": None}, "prdc_radii"),
    "k zero": ({"prdc_k": lambda a: np.array(0)}, "prdc_k"),
    "k array": ({"prdc_k": lambda a: np.array([5, 5])}, "prdc_k"),
    "k too large": ({"prdc_k": lambda a: np.array(300)}, "prdc_k"),
    "radii without features": ({"features": None, "n_samples": None}, "needs the features"),
    "features short": ({"features": lambda a: a["features"][:, :3]}, "features"),
    "n_samples wrong": ({"n_samples": lambda a: np.array(7)}, "n_samples"),
    "n_samples negative": ({"n_samples": lambda a: np.array(-1)}, "n_samples"),
    "n_samples fractional": ({"n_samples": lambda a: np.array(300.5)}, "n_samples"),
    "k fractional": ({"prdc_k": lambda a: np.array(5.7)}, "prdc_k"),
    "scale_exponent text": ({"scale_exponent": lambda a: np.array("x"),
                             "version": lambda a: np.array(2)}, "scale_exponent"),
    "signature NaN": ({"imd_signature": lambda a: a["imd_signature"] * np.nan}, "NaN"),
    "signature short": ({"imd_signature": lambda a: a["imd_signature"][:-1]}, "one value per"),
    "signature zeros": ({"imd_signature": lambda a: 0 * a["imd_signature"]},
                        "not a heat-trace signature"),
    "signature huge": ({"imd_signature": lambda a: 10 * a["imd_signature"]},
                       "not a heat-trace signature"),
    "signature negative": ({"imd_signature": lambda a: -a["imd_signature"]}, "negative"),
    "version zero": ({"version": lambda a: np.array(0)}, "version must be a positive"),
    "t negative": ({"imd_t": lambda a: -a["imd_t"]}, "positive"),
    "t missing": ({"imd_t": None}, "imd_t"),
    "params missing": ({"imd_params": None}, "imd_params"),
    "params not JSON": ({"imd_params": lambda a: np.array("{k: 5")}, "JSON"),
    "params a list": ({"imd_params": lambda a: np.array("[5, 10]")}, "mapping"),
    "params lack k": ({"imd_params": lambda a: np.array(json.dumps(
        {key: v for key, v in json.loads(str(a["imd_params"])).items() if key != "k"}))},
                      "lacks k"),
    "params bad k": ({"imd_params": lambda a: np.array(json.dumps(
        {**json.loads(str(a["imd_params"])), "k": -3}))}, "invalid value"),
    "params bad seed": ({"imd_params": lambda a: np.array(json.dumps(
        {**json.loads(str(a["imd_params"])), "random_state": "zero"}))}, "random_state"),
    "version array": ({"version": lambda a: np.array([1, 2])}, "version"),
    "newer version": ({"version": lambda a: np.array(99)}, "newer sklearn-imd"),
    "format other": ({"format": lambda a: np.array("something else")}, "unknown statistics"),
    "mu missing": ({"mu": None}, "holds no reference statistics"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_field_is_named(tmp_path, good, case):
    changes, match = BAD[case]
    arrays = dict(good)
    for key, change in changes.items():
        if change is None:
            arrays.pop(key)
        else:
            arrays[key] = change(arrays)
    path = write(tmp_path, arrays)
    with pytest.raises(ValueError, match=match) as info:
        ReferenceStats.load(path)
    assert str(path) in str(info.value)


def test_the_constructor_checks_too(good):
    kw = dict(mean=good["mu"], covariance=good["sigma"], n_samples=300,
              features=good["features"], k=5, radii=good["prdc_radii"])
    ReferenceStats(**kw)
    with pytest.raises(ValueError, match="ReferenceStats: prdc_radii .* negative"):
        ReferenceStats(**{**kw, "radii": -good["prdc_radii"]})
    with pytest.raises(ValueError, match="ReferenceStats: prdc_radii .* one radius per"):
        ReferenceStats(**{**kw, "radii": good["prdc_radii"][:10]})
    with pytest.raises(ValueError, match="ReferenceStats: sigma .* negative eigenvalues"):
        ReferenceStats(**{**kw, "covariance": spd_with_negative_eigenvalue(), "features": None,
                          "k": None, "radii": None})
    with pytest.raises(ValueError, match="ReferenceStats: imd_t is missing"):
        ReferenceStats(**kw, imd_signature=np.zeros(3), imd_params={})
    # nothing given is modified
    radii = good["prdc_radii"].copy()
    ReferenceStats(**kw)
    np.testing.assert_array_equal(radii, good["prdc_radii"])


def test_pytorch_fid_files_still_load(tmp_path, good):
    path = write(tmp_path, {"mu": good["mu"], "sigma": good["sigma"]})
    stats = ReferenceStats.load(path)
    assert stats.features is None and stats.n_samples == 0


def test_not_statistics_files(tmp_path, good):
    np.save(tmp_path / "y.npy", np.zeros(3))
    with pytest.raises(ValueError, match="not a .npy array"):
        ReferenceStats.load(tmp_path / "y.npy")
    (tmp_path / "z.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="z.npz is not a valid .npz file"):
        ReferenceStats.load(tmp_path / "z.npz")
    with pytest.raises(ValueError, match="is a folder"):
        ReferenceStats.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        ReferenceStats.load(tmp_path / "missing.npz")
    # an array of Python objects: our message, not numpy's advice to allow pickles
    np.savez(tmp_path / "o.npz", mu=np.array([{}], dtype=object), sigma=np.eye(1))
    with pytest.raises(ValueError, match="Python objects") as info:
        ReferenceStats.load(tmp_path / "o.npz")
    assert "allow_pickle" not in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "stats.npz"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file .*FIFO"):
        ReferenceStats.load(fifo)


def _rewrite_member_header(path, member, flag_bits=None, compress_type=None):
    """Set the flags or the compression method of one member in both of the zip's
    headers: its local header and its central directory entry."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(member).header_offset
    central = data.find(b"PK\x01\x02", 0)
    name = member.encode()
    while central >= 0:  # find the member's central directory entry
        n = int.from_bytes(data[central + 28 : central + 30], "little")
        if bytes(data[central + 46 : central + 46 + n]) == name:
            break
        central = data.find(b"PK\x01\x02", central + 4)
    # (flags, method) sit at offsets 6 and 8 of the local header, 8 and 10 of the entry
    for flags_at in (local + 6, central + 8):
        if flag_bits is not None:
            data[flags_at : flags_at + 2] = flag_bits.to_bytes(2, "little")
        if compress_type is not None:
            data[flags_at + 2 : flags_at + 4] = compress_type.to_bytes(2, "little")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("change", [dict(flag_bits=1), dict(compress_type=99),
                                    dict(compress_type=12)])
def test_encrypted_or_unknown_compression_members(tmp_path, good, change):
    path = write(tmp_path, good)
    _rewrite_member_header(path, "mu.npy", **change)
    with pytest.raises(ValueError, match="mu.* (encrypted|compression method|corrupt)"):
        ReferenceStats.load(path)


def test_memory_before_work(tmp_path, good, monkeypatch):
    path = tmp_path / "big.npz"
    np.savez_compressed(path, mu=np.zeros(4), sigma=np.eye(4),
                        features=np.zeros((200_000, 4)))  # 6.4 MB decoded, a few KB on disk
    monkeypatch.setenv("SKLEARN_IMD_MEMORY_LIMIT", "1M")
    with pytest.raises(MemoryError, match="big.npz would take 6.1 MiB .* SKLEARN_IMD_MEMORY_LIMIT"):
        ReferenceStats.load(path)
    monkeypatch.setenv("SKLEARN_IMD_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="is not a size"):
        ReferenceStats.load(path)


def test_save_writes_exactly_its_path(tmp_path, good):
    stats = ReferenceStats.load(write(tmp_path, good))
    assert stats.save(tmp_path / "x.NPZ") == str(tmp_path / "x.NPZ")
    assert (tmp_path / "x.NPZ").is_file() and not (tmp_path / "x.NPZ.npz").exists()
    assert stats.save(tmp_path / "plain") == str(tmp_path / "plain.npz")
    with pytest.raises(ValueError, match="is a folder"):
        stats.save(tmp_path)
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(ValueError, match="is a folder"):
        stats.save(tmp_path / "dir.npz")
    with pytest.raises(ValueError, match="must end in .npz"):
        stats.save(tmp_path / "x.txt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        stats.save(tmp_path / "missing" / "x.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.npz", "plain.npz", "s.npz",
                                                         "x.NPZ"]


# ----------------------------------------------------------------------------- any scale


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(1)
    return rng.normal(size=(400, 4)), 1.2 * rng.normal(size=(350, 4))


@pytest.mark.parametrize("factor", [2.0**531, 2.0**-565, 1e160, 1e-170])
def test_stats_and_compare_are_scale_free(tmp_path, pair, factor):
    from sklearn_imd import compare

    X, Y = pair
    kw = dict(metrics="imd,precision,recall,density,coverage,vendi", random_state=0)
    base = compare(X, {"Y": Y}, **kw)
    stats = ReferenceStats.from_samples(X * factor, random_state=0)
    assert stats.scale_exponent != 0
    stats.save(tmp_path / "s.npz")
    loaded = ReferenceStats.load(tmp_path / "s.npz")
    assert loaded.scale_exponent == stats.scale_exponent
    for ref in (X * factor, loaded):
        got = compare(ref, {"Y": Y * factor}, **kw)
        # PRDC is computed in units of 2**e (the radii stored so): a power of
        # two scales the points exactly, so the counts are the same; 1e160
        # rounds each coordinate (relative 1e-16), which may move a point that
        # lies that close to a radius: at most one count
        exact = np.frexp(factor)[0] == 0.5
        for m, count in (("precision", 1 / len(Y)), ("recall", 1 / len(X)),
                         ("density", 1 / (5 * len(Y))), ("coverage", 1 / len(X))):
            assert abs(got.loc["Y", m] - base.loc["Y", m]) <= (0 if exact else count), m
        np.testing.assert_allclose(got.loc["Y", ["imd", "vendi"]].to_numpy(dtype=float),
                                   base.loc["Y", ["imd", "vendi"]].to_numpy(dtype=float),
                                   rtol=1e-9)  # Vendi's eigenvalues of rescaled rows


def test_unscaled_stats_keep_pytorch_fid_units(pair):
    X, _ = pair
    stats = ReferenceStats.from_samples(X, random_state=0)
    assert stats.scale_exponent == 0
    np.testing.assert_allclose(stats.covariance, np.cov(X, rowvar=False), rtol=1e-12)


def test_fid_scales_by_the_square_or_refuses(pair):
    from sklearn_imd import MetricWarning, compare

    X, Y = pair
    base = compare(X, {"Y": Y}, metrics="fid").loc["Y", "fid"]
    # a power of two scales every step exactly: the same digits
    small = compare(ReferenceStats.from_samples(np.ldexp(X, -500), random_state=0),
                    {"Y": np.ldexp(Y, -500)}, metrics="fid").loc["Y", "fid"]
    np.testing.assert_allclose(small, np.ldexp(base, -1000), rtol=1e-14)
    # beyond float64: that cell is empty, with the reason; the others are there
    with pytest.warns(MetricWarning, match="fid could not be computed.*overflows"):
        table = compare(ReferenceStats.from_samples(X * 1e160, random_state=0),
                        {"Y": Y * 1e160}, metrics="fid,precision")
    assert np.isnan(table.loc["Y", "fid"]) and table.loc["Y", "precision"] > 0


def test_cli_json_is_valid_whatever_the_numbers(tmp_path, pair, capsys):
    from sklearn_imd.__main__ import main

    X, Y = pair
    np.save(tmp_path / "x.npy", X * 1e160)
    np.save(tmp_path / "y.npy", Y * 1e160)
    rc = main(["compare", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), "--metrics",
               "fid,kid,precision", "--json", "--seed", "0"])
    out = capsys.readouterr()
    assert rc == 0
    data = json.loads(out.out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    row = data[str(tmp_path / "y.npy")]
    assert row["fid"] is None and row["kid"] is None and row["precision"] > 0
    assert "fid could not be computed" in out.err
    # the table shows an empty cell
    rc = main(["compare", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), "--metrics",
               "fid,precision", "--seed", "0"])
    assert rc == 0 and " - " in capsys.readouterr().out


def test_stats_then_compare_at_any_scale_by_the_cli(tmp_path, pair, capsys):
    from sklearn_imd.__main__ import main

    X, Y = pair
    for factor in (1e160, 1e-170):
        np.save(tmp_path / "x.npy", X * factor)
        np.save(tmp_path / "y.npy", Y * factor)
        assert main(["stats", str(tmp_path / "x.npy"), "-o", str(tmp_path / "r.npz"),
                     "--seed", "0"]) == 0
        assert main(["compare", str(tmp_path / "r.npz"), str(tmp_path / "y.npy"), "--metrics",
                     "precision,recall", "--json", "--seed", "0"]) == 0
        out = capsys.readouterr().out
        row = json.loads(out[out.index("{"):])[str(tmp_path / "y.npy")]
        assert 0.5 < row["precision"] <= 1 and 0.5 < row["recall"] <= 1


def test_the_malformed_sweep_finds_nothing_else():
    """A sample of the sweep of asv_bench/malformed_sweep.py (the whole one feeds
    346 files): every malformed file is a clear error or still valid."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "asv_bench" / "malformed_sweep.py"
    spec = importlib.util.spec_from_file_location("malformed_sweep", script)
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    counts, others = sweep.sweep(quick=True)
    assert others == []
    assert sum(c.get("clear error", 0) for c in counts.values()) > 40


def test_a_metric_that_fails_on_a_resample_says_so(pair, monkeypatch):
    """The sample's FID stands; a resample on which it fails leaves NaN bounds,
    with a warning that says why (once), not a silently empty interval."""
    from sklearn_imd import MetricWarning, compare
    from sklearn_imd.metrics import _fid

    X, Y = pair
    real = _fid.fid_from_moments

    def fails_on_halves(mu, sigma, Z, exponent=0, cache=None):
        if len(Z) < len(Y):
            raise ValueError("a made-up failure on a half-size resample")
        return real(mu, sigma, Z, exponent, cache)

    monkeypatch.setattr(_fid, "fid_from_moments", fails_on_halves)
    with pytest.warns(MetricWarning) as record:
        table = compare(X, {"Y": Y}, metrics="fid,precision", interval="subsample",
                        n_resamples=3, random_state=0)
    messages = [str(w.message) for w in record if w.category is MetricWarning]
    assert messages == ["generated['Y']: no interval for fid (NaN bounds): it could not be "
                        "computed on a resample: a made-up failure on a half-size resample"]
    row = table.loc["Y"]
    assert np.isfinite(row["fid"]) and np.isnan(row["fid_low"]) and np.isnan(row["fid_high"])
    assert row["precision_low"] <= row["precision"] <= row["precision_high"]
