"""The statistics files of other evaluation tools that :meth:`ReferenceStats.load`
reads, each as its tool writes it (read from their source):

- pytorch-fid ``--save-stats`` and clean-fid's ``make_custom_stats``:
  ``np.savez(path, mu=mu, sigma=sigma)`` (clean-fid: ``np.savez_compressed``),
  read by the loader of sklearn-imd's own files.  clean-fid's KID file beside
  it, ``np.savez_compressed(path, feats=features)``, holds the features.
- guided-diffusion's (ADM) reference batches (``evaluations/evaluator.py``):
  ``arr_0`` images (uint8, ``(n, height, width, 3)``, not features), ``mu`` and
  ``sigma`` of Inception's pool_3 features over the whole dataset, ``mu_s`` and
  ``sigma_s`` of its spatial features (sFID); the labelled ones add ``arr_1``
  (class labels).  Read: ``mu`` and ``sigma``, never the images.
- dgm-eval's saved representations (``dgm_eval/representations.py``,
  ``save_outputs``): ``np.savez(path, model=name, reps=features,
  hparams=dict)``.  Read: ``reps`` (the features) and ``model`` (the feature
  space); ``hparams`` is a pickled dict and is never unpickled.
- torch-fidelity's cached FID statistics (``utils.py``,
  ``cache_lookup_one_recompute_on_miss``): ``torch.save({"mu": mu, "sigma":
  sigma}, path)`` with NumPy arrays, a zip holding ``<name>/data.pkl``, a
  protocol-2 pickle.  Read without torch by an unpickler that builds NumPy
  arrays of numbers and plain containers only (any other object, and torch
  tensors, are refused with a way to convert the file).
"""

import io
import pickle
import zipfile

import numpy as np

# The members of guided-diffusion's reference batches
_ADM_STATS = frozenset({"mu", "sigma", "mu_s", "sigma_s"})
_ADM_KEYS = _ADM_STATS | {"arr_0", "arr_1"}
_DGM_KEYS = frozenset({"reps", "model", "hparams"})


def peer_format(names):
    """The tool whose statistics file holds the ``.npy`` members ``names`` (a
    set), or None for sklearn-imd's and pytorch-fid's (and anything else)."""
    if _ADM_STATS <= names <= _ADM_KEYS:
        return "guided-diffusion"
    if {"reps", "model"} <= names <= _DGM_KEYS:
        return "dgm-eval"
    if names == {"feats"}:
        return "clean-fid"
    return None


def is_torch_file(path):
    """Whether ``path`` is a zip written by ``torch.save`` (a ``data.pkl`` record)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.endswith("/data.pkl") for n in archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False


def peer_fields(path, members):
    """The fields of :meth:`ReferenceStats._set` from the statistics file ``path``
    of another tool (its ``.npy`` member names ``members``), or None when it is
    sklearn-imd's or pytorch-fid's own format."""
    from ._io.arrays import _read_npz_members

    tool = peer_format(set(members))
    if tool is None:
        return None
    if tool == "guided-diffusion":
        arrays = _read_npz_members(path, what="a statistics file", names=("mu", "sigma"))
        return _moments_fields(arrays["mu"], arrays["sigma"])
    if tool == "clean-fid":
        arrays = _read_npz_members(path, what="a statistics file", names=("feats",))
        return _features_fields(arrays["feats"], f"{path}, array 'feats',", None)
    arrays = _read_npz_members(path, what="a statistics file", names=("reps",))
    try:  # the model's name names the space; anything else saved as 'model' is left
        model = _read_npz_members(path, what="a statistics file", names=("model",))["model"]
    except (ValueError, KeyError):
        model = np.array(None, dtype=object)
    space = None
    if model.shape == () and model.dtype.kind == "U":
        from ._reference_checks import check_feature_space

        try:
            space = check_feature_space(str(model))
        except ValueError:
            space = None  # a name that cannot label columns: unknown
    return _features_fields(arrays["reps"], f"{path}, array 'reps',", space)


def _moments_fields(mean, covariance, space=None):
    return {"mean": mean, "covariance": covariance, "n_samples": 0, "features": None,
            "k": None, "radii": None, "imd_signature": None, "imd_t": None,
            "imd_params": None, "scale_exponent": 0, "train": None, "train_radii": None,
            "cells": None, "feature_space": space}


def _features_fields(features, where, space):
    """The fields of statistics of stored features: their moments (float64,
    Chan's update over blocks of rows), in their units unless lossy there."""
    from ._reference_checks import _lossless
    from ._utils.moments import merge_all, part_moments
    from ._utils.validation import check_cloud

    X = check_cloud(features, min_points=2, name=where.rstrip(","),
                    purpose="a covariance estimate")
    m = merge_all(part_moments(X[start : start + (1 << 14)])
                  for start in range(0, X.shape[0], 1 << 14))
    mean, covariance, e = m.mean, m.covariance(), m.exponent
    if _lossless(mean, e) and _lossless(covariance, 2 * e):
        mean, covariance, e = np.ldexp(mean, e), np.ldexp(covariance, 2 * e), 0
    fields = _moments_fields(mean, covariance, space)
    fields.update(n_samples=X.shape[0], features=X, scale_exponent=e)
    return fields


# What a torch.save of NumPy arrays pickles (numpy 1 and 2 name the module
# differently), and the containers it may hold them in.
_SAFE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    ("collections", "OrderedDict"),
}
_CONVERT = ("convert it where torch is installed: python -c \"import numpy as np, torch; "
            "s = torch.load('FILE.pt', weights_only=False); np.savez('FILE.npz', "
            "mu=np.asarray(s['mu']), sigma=np.asarray(s['sigma']))\"")


class _NumpyUnpickler(pickle.Unpickler):
    """An unpickler that builds NumPy arrays and plain containers, nothing else."""

    def __init__(self, file, where):
        super().__init__(file)
        self.where = where

    def find_class(self, module, name):
        if (module, name) in _SAFE_GLOBALS:
            if module == "_codecs":
                import codecs

                return codecs.encode
            if name == "_reconstruct":
                return _reconstruct
            if name == "OrderedDict":
                import collections

                return collections.OrderedDict
            return {"ndarray": np.ndarray, "dtype": np.dtype}[name]
        raise ValueError(
            f"{self.where} pickles a {module}.{name}, which is not loaded: unpickling "
            f"objects other than NumPy arrays could run arbitrary code; {_CONVERT}.")

    def persistent_load(self, pid):
        raise ValueError(
            f"{self.where} holds torch tensors, which are read only by torch (this reads "
            f"torch-fidelity's FID statistics, NumPy arrays mu and sigma); {_CONVERT}.")


def _reconstruct(cls, shape, typecode):
    """numpy's ``_reconstruct`` for plain ndarrays only."""
    if cls is not np.ndarray:
        raise ValueError("not a plain ndarray")
    return np.ndarray.__new__(np.ndarray, shape, typecode)


def read_torch_fidelity(path):
    """The fields of torch-fidelity's cached FID statistics ``path``."""
    from ._io.files import _check_memory

    where = f"{path} (a torch.save file)"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"{where} is not a valid zip archive ({exc}).") from None
    with archive:
        records = [n for n in archive.namelist() if n.endswith("/data.pkl")]
        if len(records) != 1:
            raise ValueError(f"{where} holds {len(records)} data.pkl records; torch.save "
                             "writes one.")
        info = archive.getinfo(records[0])
        _check_memory(info.file_size, path)
        try:
            data = archive.read(info)
        except Exception as exc:  # corrupt or encrypted members
            raise ValueError(f"{where} could not be read: the archive is corrupt "
                             f"({exc}).") from None
    try:
        obj = _NumpyUnpickler(io.BytesIO(data), where).load()
    except ValueError as exc:
        if str(exc).startswith(where):
            raise
        raise ValueError(f"{where} could not be unpickled ({exc}).") from None
    except Exception as exc:  # truncated or malformed pickles
        raise ValueError(f"{where} could not be unpickled ({type(exc).__name__}: "
                         f"{exc}).") from None
    if not isinstance(obj, dict) or not {"mu", "sigma"} <= set(obj):
        raise ValueError(
            f"{where} holds no FID statistics (a dict of NumPy arrays 'mu' and 'sigma', "
            "as torch-fidelity caches them); its caches of features hold torch tensors: "
            "save them with np.save('FILE.npy', torch.load('FILE.pt').numpy()).")
    for key in ("mu", "sigma"):
        if not isinstance(obj[key], np.ndarray) or obj[key].dtype.kind not in "biuf":
            raise ValueError(f"{where}: {key} must be a NumPy array of numbers; got "
                             f"{type(obj[key]).__name__}.")
    return _moments_fields(obj["mu"], obj["sigma"])

