"""The statistics files of other tools, written with NumPy as each tool's code
writes them (clean-fid, guided-diffusion, dgm-eval, torch-fidelity), read by
ReferenceStats.load and the command line."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest

from sklearn_imd import ReferenceStats, compare, fid_score
from sklearn_imd.__main__ import main


@pytest.fixture
def XY():
    rng = np.random.default_rng(0)
    return rng.normal(size=(400, 6)), rng.normal(size=(300, 6)) * 1.1 + 0.2


def _moments(X):
    # as each tool computes them: np.mean, np.cov (ddof=1)
    return X.mean(axis=0), np.cov(X, rowvar=False)


def _fid(ref, Y):
    return compare(ref, {"gen": Y}, metrics="fid", random_state=0).loc["gen", "fid"]


# FID from loaded moments against fid_score on the features: the moments are
# numpy's in both (the same numbers) or ours by Chan's update (rounding of
# 1e-16 relative); the FID's square root of a product of covariances keeps
# that below 1e-9 relative
RTOL = 1e-9


def test_clean_fid_custom_stats(tmp_path, XY):
    X, Y = XY
    mu, sigma = _moments(X)
    # cleanfid/fid.py make_custom_stats
    path = tmp_path / "ref_clean_custom_na.npz"
    np.savez_compressed(path, mu=mu, sigma=sigma)
    ref = ReferenceStats.load(path)
    assert ref.n_samples == 0 and ref.features is None
    assert np.isclose(_fid(ref, Y), fid_score(X, Y), rtol=RTOL)
    # and its KID file beside it: the features
    kid = tmp_path / "ref_clean_custom_na_kid.npz"
    np.savez_compressed(kid, feats=X)
    ref = ReferenceStats.load(kid)
    assert ref.n_samples == 400 and np.array_equal(ref.features, X)
    assert np.isclose(_fid(ref, Y), fid_score(X, Y), rtol=RTOL)


def test_guided_diffusion_reference_batch(tmp_path, XY, monkeypatch):
    X, Y = XY
    mu, sigma = _moments(X)
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(20, 64, 64, 3), dtype=np.uint8)
    spatial = rng.normal(size=(50, 9))
    # the keys evaluations/evaluator.py reads: arr_0 (images), mu, sigma,
    # mu_s, sigma_s; the labelled batches add arr_1
    path = tmp_path / "VIRTUAL_imagenet64_labeled.npz"
    np.savez(path, arr_0=images, arr_1=np.arange(20), mu=mu, sigma=sigma,
             mu_s=spatial.mean(0), sigma_s=np.cov(spatial, rowvar=False))
    # the images are never read: a limit below their size does not matter
    monkeypatch.setenv("SKLEARN_IMD_MEMORY_LIMIT", str(images.nbytes // 2))
    ref = ReferenceStats.load(path)
    assert ref.n_features == 6 and np.array_equal(ref.covariance, sigma)
    monkeypatch.delenv("SKLEARN_IMD_MEMORY_LIMIT")
    assert np.isclose(_fid(ref, Y), fid_score(X, Y), rtol=RTOL)


def test_dgm_eval_representations(tmp_path, XY):
    X, Y = XY
    # dgm_eval/representations.py save_outputs: np.savez(model=, reps=, hparams=)
    path = tmp_path / "reps_cifar10_dinov2_nimage-400_test.npz"
    np.savez(path, model="dinov2", reps=X, hparams={"batch_size": 50, "num_workers": 0})
    ref = ReferenceStats.load(path)  # hparams (pickled) is not unpickled
    assert ref.feature_space == "dinov2" and np.array_equal(ref.features, X)
    assert np.allclose(ref.covariance, np.cov(X, rowvar=False), rtol=1e-12, atol=0)
    table = compare(ref, {"gen": Y}, metrics="fid", random_state=0)
    assert np.isclose(table.iloc[0, 0], fid_score(X, Y), rtol=RTOL)


def _torch_save(obj, path):
    """What torch.save writes for an object without tensors: a zip of
    ``archive/data.pkl`` (a protocol-2 pickle), ``archive/byteorder`` and
    ``archive/version`` (torch/serialization.py, _save)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle.dumps(obj, protocol=2))
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")


def test_torch_fidelity_cached_statistics(tmp_path, XY):
    X, Y = XY
    mu, sigma = _moments(X)
    # torch_fidelity/metric_fid.py: {"mu": mu, "sigma": sigma}, cached by
    # torch_atomic_save (torch.save) as .pt
    path = tmp_path / "cifar10-train-inception-v3-compat-stat-fid-2048.pt"
    _torch_save({"mu": mu, "sigma": sigma}, path)
    ref = ReferenceStats.load(path)
    assert np.array_equal(ref.mean, mu) and np.array_equal(ref.covariance, sigma)
    assert np.isclose(_fid(ref, Y), fid_score(X, Y), rtol=RTOL)


class _Evil:
    def __reduce__(self):
        return (print, ("ran",))


def test_torch_files_refused_safely(tmp_path, capsys):
    evil = tmp_path / "evil.pt"
    _torch_save({"mu": np.zeros(2), "sigma": _Evil()}, evil)
    with pytest.raises(ValueError, match="pickles a (__builtin__|builtins).print, which is not loaded"):
        ReferenceStats.load(evil)
    assert "ran" not in capsys.readouterr().out

    class _Tensorish:  # a persistent id, as torch pickles a tensor's storage
        pass

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=2)
    pickler.persistent_id = lambda obj: ("storage",) if isinstance(obj, _Tensorish) else None
    pickler.dump({"mu": _Tensorish()})
    with zipfile.ZipFile(tmp_path / "t.pt", "w") as z:
        z.writestr("archive/data.pkl", buffer.getvalue())
    with pytest.raises(ValueError, match="holds torch tensors.*np.savez"):
        ReferenceStats.load(tmp_path / "t.pt")
    _torch_save({"features": np.zeros((3, 2))}, tmp_path / "feats.pt")
    with pytest.raises(ValueError, match="holds no FID statistics"):
        ReferenceStats.load(tmp_path / "feats.pt")
    with zipfile.ZipFile(tmp_path / "cut.pt", "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"mu": np.zeros(3)}, protocol=2)[:-9])
    with pytest.raises(ValueError, match="could not be unpickled"):
        ReferenceStats.load(tmp_path / "cut.pt")


def test_command_line_reads_them(tmp_path, XY, capsys):
    X, Y = XY
    mu, sigma = _moments(X)
    np.save(tmp_path / "gen.npy", Y)
    _torch_save({"mu": mu, "sigma": sigma}, tmp_path / "ref.pt")
    np.savez(tmp_path / "adm.npz", arr_0=np.zeros((2, 4, 4, 3), np.uint8), mu=mu, sigma=sigma,
             mu_s=mu[:2], sigma_s=sigma[:2, :2])
    np.savez(tmp_path / "dgm.npz", model="inception", reps=X, hparams={"a": 1})
    want = fid_score(X, Y)
    for ref in ("ref.pt", "adm.npz", "dgm.npz"):
        assert main(["compare", str(tmp_path / ref), str(tmp_path / "gen.npy"),
                     "--metrics", "fid", "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)
        fid = list(_values(rows, "fid"))
        assert len(fid) == 1 and np.isclose(fid[0], want, rtol=RTOL), ref


def _values(obj, key):
    """Every value under ``key`` in a JSON document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k.startswith(key) and isinstance(v, (int, float)):
                yield v
            else:
                yield from _values(v, key)
    elif isinstance(obj, list):
        for v in obj:
            yield from _values(v, key)
