"""float16, bfloat16 and memory-mapped feature inputs: computed in float64,
memory maps read where they are."""

import subprocess
import sys

import numpy as np
import pytest

from sklearn_imd import ReferenceStats, fid_score
from sklearn_imd._io.arrays import _bfloat16_to_float32
from sklearn_imd._reference import _is_mapped
from sklearn_imd._utils.validation import check_cloud
from sklearn_imd.io import load_points

ml_dtypes = pytest.importorskip("ml_dtypes")


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(300, 5))


@pytest.mark.parametrize("narrow", [np.float16, "bfloat16"])
def test_narrow_floats_are_computed_in_float64(X, narrow):
    dtype = ml_dtypes.bfloat16 if narrow == "bfloat16" else narrow
    Xn, Y = X.astype(dtype), X[::-1] + 0.5
    checked = check_cloud(Xn)
    wide = Xn.astype(np.float64)  # exact: every narrow value is a float64
    assert checked.dtype == np.float64 and np.array_equal(checked, wide)
    assert fid_score(Xn, Y) == fid_score(wide, Y)
    ref = ReferenceStats.from_samples(Xn, random_state=0)
    assert np.array_equal(ref.mean, ReferenceStats.from_samples(wide, random_state=0).mean)


def test_bfloat16_is_not_imported_for_other_arrays():
    # ml_dtypes is optional: checking float32 features must not load it
    code = ("import sys, numpy as np; from sklearn_imd._utils.validation import check_cloud;"
            "check_cloud(np.ones((3, 2), np.float32)); print('ml_dtypes' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_bfloat16_npy_file(tmp_path, X):
    Xb = X.astype(ml_dtypes.bfloat16)
    path = tmp_path / "bf16.npy"
    np.save(path, Xb)  # written as '<V2', which np.load cannot read back as numbers
    got = load_points(path)
    assert got.dtype == np.float32 and np.array_equal(got, Xb.astype(np.float32))
    mapped = load_points(path, mmap=True)
    assert mapped.dtype == ml_dtypes.bfloat16 and np.array_equal(
        mapped.astype(np.float32), got)
    # the bit trick against ml_dtypes' own widening, on every bfloat16 value
    bits = np.arange(1 << 16, dtype=np.uint16)
    ours = _bfloat16_to_float32(bits)
    theirs = bits.view(ml_dtypes.bfloat16).astype(np.float32)
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    assert same.all()
    # Fortran order kept; in a .npz archive too
    np.save(tmp_path / "f.npy", np.asfortranarray(Xb))
    assert np.array_equal(load_points(tmp_path / "f.npy"), got)
    np.savez(tmp_path / "b.npz", X=Xb)
    assert np.array_equal(load_points(tmp_path / "b.npz"), got)


def test_bfloat16_map_without_ml_dtypes(tmp_path, X, monkeypatch):
    Xb = X.astype(ml_dtypes.bfloat16)
    np.save(tmp_path / "bf16.npy", Xb)
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # as if not installed
    got = load_points(tmp_path / "bf16.npy", mmap=True)
    assert got.dtype == np.float32 and np.array_equal(got, Xb.astype(np.float32))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_memory_maps_are_not_copied(tmp_path, X, dtype):
    path = tmp_path / "x.npy"
    np.save(path, X.astype(dtype))
    mapped = load_points(path, mmap=True)
    assert isinstance(mapped, np.memmap) and not mapped.flags.writeable
    checked = check_cloud(mapped)
    assert np.shares_memory(checked, mapped)
    ref = ReferenceStats.from_samples(mapped, random_state=0)
    assert _is_mapped(ref.features)  # kept as the map, not a copy in memory
    same = ReferenceStats.from_samples(X.astype(dtype), random_state=0)
    assert np.array_equal(ref.covariance, same.covariance)
    assert np.array_equal(ref.radii, same.radii)
    # np.load's own map and an np.memmap, as users make them
    for other in (np.load(path, mmap_mode="r"),
                  np.memmap(path, dtype=dtype, mode="r", offset=128, shape=X.shape)):
        assert _is_mapped(check_cloud(other))
        assert np.array_equal(check_cloud(other), X.astype(dtype))


def test_non_finite_found_in_a_later_block(X):
    big = np.zeros((40000, 2))
    big[35000, 1] = np.inf
    with pytest.raises(ValueError, match="infinite values \\(first at row 35000, column 1\\)"):
        check_cloud(big)


def test_mmap_option_refusals(tmp_path, X):
    np.savez(tmp_path / "a.npz", X=X)
    with pytest.raises(ValueError, match="mmap applies only to .npy files"):
        load_points(tmp_path / "a.npz", mmap=True)
    with pytest.raises(TypeError, match="mmap must be True or False"):
        load_points(tmp_path / "a.npz", mmap="r")
    np.save(tmp_path / "o.npy", np.array([[1, None]], dtype=object))
    with pytest.raises(ValueError, match="Python objects"):
        load_points(tmp_path / "o.npy", mmap=True)  # header checked before mapping


def test_images_are_flattened_as_views(tmp_path):
    imgs = np.random.default_rng(1).integers(0, 255, size=(6, 4, 4, 3), dtype=np.uint8)
    np.save(tmp_path / "imgs.npy", imgs)
    with pytest.warns(UserWarning, match="flattened"):
        mapped = load_points(tmp_path / "imgs.npy", mmap=True)
    assert mapped.shape == (6, 48) and _is_mapped(mapped)
    assert np.array_equal(mapped, imgs.reshape(6, 48))


def test_command_line_maps_npy_inputs(tmp_path, X, capsys):
    import json

    from sklearn_imd.__main__ import main

    Xb, Y = X.astype(ml_dtypes.bfloat16), X[::-1] * 1.2
    np.save(tmp_path / "ref.npy", Xb)
    np.save(tmp_path / "gen.npy", Y.astype(np.float16))
    assert main(["compare", str(tmp_path / "ref.npy"), str(tmp_path / "gen.npy"),
                 "--metrics", "fid", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    fid = [row["fid"] for row in out.values()]  # {GEN: {metric: value}}
    want = fid_score(Xb.astype(np.float64), Y.astype(np.float16).astype(np.float64))
    # the same widened values, the same computation
    assert fid and np.isclose(fid[0], want, rtol=1e-12)


def test_a_writable_map_is_copied(tmp_path, X):
    """Statistics keep a read-only map as it is, but copy a writable one: the
    user's later writes to it must not change the stored features."""
    path = tmp_path / "w.npy"
    np.save(path, X)
    W = np.load(path, mmap_mode="r+")
    mean, cov = X.mean(axis=0), np.cov(X, rowvar=False)
    stats = ReferenceStats(mean=mean, covariance=cov, n_samples=X.shape[0], features=W)
    W[0] += 1.0
    np.testing.assert_array_equal(stats.features, X)
