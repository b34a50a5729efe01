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
    "feature_space a number": ({"feature_space": lambda a: np.array(3.0)},
                               "feature_space must be a single string"),
    "feature_space an array": ({"feature_space": lambda a: np.array(["clip", "dinov2"])},
                               "feature_space must be a single string"),
    "feature_space not a name": ({"feature_space": lambda a: np.array("dino v2")},
                                 "feature_space must be a name of 1 to 64 letters"),
    "feature_space empty": ({"feature_space": lambda a: np.array("")},
                            "feature_space must be a name"),
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
    with pytest.raises(ValueError, match="ReferenceStats: feature_space must be a string"):
        ReferenceStats(**kw, feature_space=["clip"])
    assert ReferenceStats(**kw, feature_space=" CLIP ").feature_space == "clip"
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
    456 files): every malformed file is a clear error or still valid."""
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


# ------------------------------------------------------------------- the training set


@pytest.fixture(scope="module")
def with_train(tmp_path_factory):
    """A file with a training set of 70 features: the cells project on 64
    principal components, so every field of the cells is there."""
    rng = np.random.default_rng(2)
    X, train = rng.normal(size=(200, 70)), rng.normal(size=(300, 70))
    path = tmp_path_factory.mktemp("train") / "ref.npz"
    ReferenceStats.from_samples(X, train=train, random_state=0).save(path)
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def _ct_params(text):
    return lambda a: np.array(text)


BAD_TRAIN = {
    "train NaN": ({"train": lambda a: a["train"] * np.nan}, "train holds NaN"),
    "train other width": ({"train": lambda a: a["train"][:, :3]}, "train must hold"),
    "train one row": ({"train": lambda a: a["train"][:1]}, "train must hold at least 2"),
    "train strings": ({"train": lambda a: a["train"].astype(str)}, "train must be a matrix"),
    "radii missing": ({"train_radii": None}, "train_radii is missing"),
    "radii without train": ({"train": None, "ct_centres": None, "ct_train_labels": None,
                             "ct_test_labels": None, "ct_pca_mean": None,
                             "ct_pca_components": None, "ct_params": None},
                            "train_radii needs the training set"),
    "radii negative": ({"train_radii": lambda a: -a["train_radii"]}, "negative"),
    "radii short": ({"train_radii": lambda a: a["train_radii"][:-1]}, "one radius per"),
    "radii inf": ({"train_radii": lambda a: a["train_radii"] * np.inf}, "infinite"),
    "radii stale": ({"train_radii": lambda a: a["train_radii"][::-1]},
                    "not the 1-NN radii of the stored training set"),
    "cells without train": ({"train": None, "train_radii": None},
                            "cells needs the training set"),
    "cells without features": ({"features": None, "prdc_k": None, "prdc_radii": None,
                                "n_samples": None}, "cells need the features"),
    "centres missing": ({"ct_centres": None}, "ct_centres .* is missing"),
    "centres NaN": ({"ct_centres": lambda a: a["ct_centres"] * np.nan}, "ct_centres .* NaN"),
    "centres other width": ({"ct_centres": lambda a: a["ct_centres"][:, :5]},
                            "ct_centres .* 64 coordinates"),
    "more centres than points": ({"ct_centres": lambda a: np.zeros((301, 64))},
                                 "ct_centres .* 1 to 300 centres"),
    "labels missing": ({"ct_test_labels": None}, "ct_test_labels .* is missing"),
    "labels floats": ({"ct_train_labels": lambda a: a["ct_train_labels"] + 0.0},
                      "ct_train_labels .* integer cell per training point"),
    "labels short": ({"ct_test_labels": lambda a: a["ct_test_labels"][:-1]},
                     "ct_test_labels .* one integer cell per test point \\(200\\)"),
    "labels out of range": ({"ct_train_labels": lambda a: a["ct_train_labels"] + 3},
                            "ct_train_labels .* cells from 0 to 2"),
    "labels negative": ({"ct_test_labels": lambda a: a["ct_test_labels"] - 1},
                        "ct_test_labels .* cells from 0 to 2"),
    "labels leave a cell empty": ({"ct_test_labels": lambda a: 0 * a["ct_test_labels"]},
                                  "ct_test_labels .* without a test point"),
    "labels stale": ({"ct_train_labels": lambda a: (a["ct_train_labels"] + 1) % 3},
                     "ct_train_labels .* not the cells of the stored training points"),
    "pca mean missing": ({"ct_pca_mean": None}, "ct_pca_mean .* is missing"),
    "pca components missing": ({"ct_pca_components": None},
                               "ct_pca_components .* is missing"),
    "pca mean other": ({"ct_pca_mean": lambda a: a["ct_pca_mean"] + 1},
                       "ct_pca_mean .* not the mean of the stored training set"),
    "pca mean short": ({"ct_pca_mean": lambda a: a["ct_pca_mean"][:-1]},
                       "ct_pca_mean .* must hold 70 values"),
    "pca components scaled": ({"ct_pca_components": lambda a: 2 * a["ct_pca_components"]},
                              "ct_pca_components .* not orthonormal"),
    "pca components other width": ({"ct_pca_components": lambda a: a["ct_pca_components"][
        :, :-1]}, "ct_pca_components .* of 70 features"),
    "ct_params missing": ({"ct_params": None}, "ct_params is missing"),
    "ct_params not JSON": ({"ct_params": _ct_params("{seed")}, "ct_params is not valid JSON"),
    "ct_params a list": ({"ct_params": _ct_params("[0]")}, "ct_params must be a mapping"),
    "ct_params other keys": ({"ct_params": _ct_params('{"random_state": 0, "n": 3}')},
                             "ct_params must be a mapping"),
    "ct_params bad seed": ({"ct_params": _ct_params('{"random_state": -4}')},
                           "ct_params .* random_state must be an integer seed"),
    "ct_params only": ({key: None for key in ("ct_centres", "ct_train_labels",
                                              "ct_test_labels", "ct_pca_mean",
                                              "ct_pca_components")},
                       "ct_centres .* is missing"),
}


@pytest.mark.parametrize("case", list(BAD_TRAIN))
def test_a_bad_training_set_field_is_named(tmp_path, with_train, case):
    changes, match = BAD_TRAIN[case]
    arrays = dict(with_train)
    for key, change in changes.items():
        if change is None:
            arrays.pop(key)
        else:
            arrays[key] = change(arrays)
    path = write(tmp_path, arrays)
    with pytest.raises(ValueError, match=match) as info:
        ReferenceStats.load(path)
    assert str(path) in str(info.value)


def test_the_training_set_round_trips(tmp_path, with_train):
    """Every field of the training set comes back as saved (float32 kept as
    float32, as the features), and the file without it still loads."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(250, 5))
    train = rng.normal(size=(400, 5)).astype(np.float32)
    stats = ReferenceStats.from_samples(X, train=train, n_cells=4, random_state=7)
    assert "train, cells" in repr(stats)
    assert stats.train.dtype == np.float32 and stats.cells["pca_components"] is None
    assert stats.cells["centres"].shape == (4, 5) and stats.cells["random_state"] == 7
    from sklearn_imd.metrics._prdc import real_radii

    np.testing.assert_array_equal(stats.train_radii, real_radii(train.astype(float), 1))
    loaded = ReferenceStats.load(stats.save(tmp_path / "t.npz"))
    np.testing.assert_array_equal(loaded.train, train)
    assert loaded.train.dtype == np.float32
    np.testing.assert_array_equal(loaded.train_radii, stats.train_radii)
    assert loaded.cells.keys() == stats.cells.keys()
    for key, value in stats.cells.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(loaded.cells[key], value)
        else:
            assert loaded.cells[key] == value
    # with a projection, loaded and saved again: the same arrays
    again = ReferenceStats.load(write(tmp_path, with_train, "p.npz")).save(tmp_path / "q.npz")
    with np.load(again) as data:
        assert set(data.files) == set(with_train)
        for key in with_train:
            np.testing.assert_array_equal(data[key], with_train[key])
    # without features: the training set and its radii, no cells
    bare = ReferenceStats.from_samples(X, train=train, keep_features=False, random_state=0)
    assert bare.cells is None and bare.train is not None
    bare = ReferenceStats.load(bare.save(tmp_path / "bare.npz"))
    assert bare.cells is None and "train" in repr(bare) and "cells" not in repr(bare)
    plain = ReferenceStats.from_samples(X, random_state=0)
    assert plain.train is None and plain.train_radii is None and plain.cells is None
    with np.load(plain.save(tmp_path / "plain.npz")) as data:
        assert not {key for key in data.files if "train" in key or key.startswith("ct_")}


def test_from_samples_checks_the_training_set():
    rng = np.random.default_rng(4)
    X, train = rng.normal(size=(200, 3)), rng.normal(size=(300, 3))
    before = train.copy()
    with pytest.raises(ValueError, match="train has 2 features and X 3"):
        ReferenceStats.from_samples(X, train=train[:, :2])
    with pytest.raises(ValueError, match="train has 1 point"):
        ReferenceStats.from_samples(X, train=train[:1])
    with pytest.raises(ValueError, match="train contains NaN"):
        ReferenceStats.from_samples(X, train=np.where(train > 2, np.nan, train))
    with pytest.raises(ValueError, match="n_cells=301 is more than the 300 training"):
        ReferenceStats.from_samples(X, train=train, n_cells=301)
    with pytest.raises(ValueError, match="hold no test point"):
        ReferenceStats.from_samples(X[:12], train=train, n_cells=40, random_state=0)
    with pytest.raises(ValueError, match="n_cells applies .* need train"):
        ReferenceStats.from_samples(X, n_cells=3)
    with pytest.raises(ValueError, match="n_cells applies .* keep_features=True"):
        ReferenceStats.from_samples(X, train=train, n_cells=3, keep_features=False)
    with pytest.raises(TypeError, match="n_cells must be an integer"):
        ReferenceStats.from_samples(X, train=train, n_cells=2.5)
    with pytest.raises(ValueError, match="scales too far apart"):
        ReferenceStats.from_samples(X, train=train * 1e200, keep_features=False)
    np.testing.assert_array_equal(train, before)  # not modified


def test_the_constructor_checks_the_training_set(with_train):
    a = with_train
    cells = {"centres": a["ct_centres"], "train_labels": a["ct_train_labels"],
             "test_labels": a["ct_test_labels"], "pca_mean": a["ct_pca_mean"],
             "pca_components": a["ct_pca_components"], "random_state": 0}
    kw = dict(mean=a["mu"], covariance=a["sigma"], n_samples=200, features=a["features"],
              k=5, radii=a["prdc_radii"], train=a["train"], train_radii=a["train_radii"],
              cells=cells)
    assert ReferenceStats(**kw).cells["random_state"] == 0
    with pytest.raises(ValueError, match="ReferenceStats: cells must be a mapping"):
        ReferenceStats(**{**kw, "cells": [1, 2]})
    with pytest.raises(ValueError, match="ReferenceStats: cells has unknown entries"):
        ReferenceStats(**{**kw, "cells": {**cells, "n_cells": 3}})
    with pytest.raises(ValueError, match="ReferenceStats: train_radii is missing"):
        ReferenceStats(**{**kw, "train_radii": None})
    with pytest.raises(ValueError, match="random_state must be an integer seed"):
        ReferenceStats(**{**kw, "cells": {**cells, "random_state": 1.5}})
    # a stored cell that ties with the nearest centre is accepted (a tie that
    # another projection's rounding may break either way): with two centres
    # 1e-12 of their scale apart (well inside the tie tolerance of 1e-9 of the
    # squared distances; equal centres are refused), the points of both
    # labelled the first, but one point of each set labelled the second
    from sklearn_imd.metrics._copying import _Cells, _nearest_centre

    centres = cells["centres"].copy()
    centres[1] = centres[0] + 1e-12 * np.abs(centres[0]).max()
    project = _Cells.from_arrays(a["train"], a["features"], **{
        key: value for key, value in cells.items() if key != "random_state"}).project
    tied = {}
    for key, points in (("train_labels", a["train"]), ("test_labels", a["features"])):
        labels = _nearest_centre(project(points), centres)
        labels[labels == 1] = 0
        labels[np.flatnonzero(labels == 0)[0]] = 1
        tied[key] = labels
    ReferenceStats(**{**kw, "cells": {**cells, "centres": centres, **tied}})
    with pytest.raises(ValueError, match="ct_centres .* are not distinct"):
        ReferenceStats(**{**kw, "cells": {**cells, "centres": np.repeat(centres[:1], len(
            centres), axis=0)}})
    wrong = tied["train_labels"].copy()
    wrong[np.flatnonzero(wrong == 2)[::2]] = 0  # not ties: refused (half of a cell)
    with pytest.raises(ValueError, match="not the cells of the stored training points"):
        ReferenceStats(**{**kw, "cells": {**cells, "centres": centres, **tied,
                                          "train_labels": wrong}})


def test_stored_training_points_that_overflow_are_refused(with_train):
    """Found by asv_bench/malformed_sweep.py: a training set replaced by equal
    rows of 1e300 kept its radii (scaled to the rows' range they underflowed to
    the 0 of equal rows) and its cells (every distance to a centre overflowed
    to a tie)."""
    a = with_train
    cells = {"centres": a["ct_centres"], "train_labels": a["ct_train_labels"],
             "test_labels": a["ct_test_labels"], "pca_mean": a["ct_pca_mean"],
             "pca_components": a["ct_pca_components"], "random_state": 0}
    kw = dict(mean=a["mu"], covariance=a["sigma"], n_samples=200, features=a["features"],
              k=5, radii=a["prdc_radii"], train=np.full_like(a["train"], 1e300),
              train_radii=a["train_radii"])
    with pytest.raises(ValueError, match="train_radii are not the 1-NN radii"):
        ReferenceStats(**kw)
    kw["train_radii"] = np.zeros_like(a["train_radii"])  # now the radii of those rows
    with pytest.raises(ValueError, match="cannot be checked: the distances .* overflow"):
        # cells without a projection (whose mean would be refused first), centres
        # in the features' space
        ReferenceStats(**kw, cells={**cells, "centres": a["features"][:3], "pca_mean": None,
                                    "pca_components": None})
