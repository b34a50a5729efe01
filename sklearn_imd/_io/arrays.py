"""Reading ``.npy`` arrays and ``.npz`` archives without unpickling, every header
checked before the data is read."""

import lzma
import math
import struct
import warnings
import zipfile
import zlib

import numpy as np

from .files import _check_memory

_NPY_MAGIC = b"\x93NUMPY"


def _is_bfloat16_file(dtype):
    """Whether a .npy header's dtype is that of a saved bfloat16 array: numpy
    writes ml_dtypes' bfloat16 as an unstructured 2-byte void (``'<V2'``),
    the only 2-byte type that it writes so."""
    return dtype.kind == "V" and dtype.itemsize == 2 and dtype.names is None \
        and dtype.subdtype is None


def _bfloat16_to_float32(raw):
    """bfloat16 values given as their bits (uint16) widened to float32, exactly:
    a bfloat16 is the upper half of a float32 (no ml_dtypes needed)."""
    return (raw.astype(np.uint32) << 16).view(np.float32)


def _read_npy(f, size, where, stacklevel, points=True, mmap_path=None):
    """The array of the .npy stream ``f`` of ``size`` bytes, checked before its data is read.

    A 3-D or 4-D array of images is flattened to 2-D with a warning (``stacklevel``
    pointing at the caller of :func:`load_points`).  With ``points=False``
    (the members of a statistics file) any shape is read, and strings too.
    A bfloat16 array (``'<V2'``) is read as float32, exactly.  With
    ``mmap_path`` (the file of ``f``) the checked array is memory-mapped
    read-only in its stored dtype, not read (bfloat16 as ml_dtypes', or read
    as float32 without ml_dtypes).
    """
    if f.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
        raise ValueError(
            f"{where} is not a valid .npy file (it does not start with the .npy signature)."
        )
    f.seek(0)
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported format version {version[0]}.{version[1]}")
    except ValueError as exc:
        raise ValueError(f"{where} is not a valid .npy file ({exc}).") from None
    if dtype.hasobject:
        raise ValueError(
            f"{where} holds Python objects (dtype {dtype}), which are not loaded: "
            "unpickling them could run arbitrary code. Save an array of numbers."
        )
    bfloat16 = points and _is_bfloat16_file(dtype)
    if dtype.kind not in ("biuf" if points else "biufU") and not bfloat16:
        raise ValueError(
            f"{where} holds an array of dtype {dtype}; a point cloud needs real numbers."
        )
    n_bytes = math.prod(shape) * dtype.itemsize
    if size - f.tell() < n_bytes:
        raise ValueError(
            f"{where} is truncated: its header announces a {shape} array of {dtype} "
            f"({n_bytes} bytes) but only {size - f.tell()} bytes follow."
        )
    if mmap_path is None:  # a memory map is paged in by the system, not held
        _check_memory(n_bytes * (2 if bfloat16 else 1), where)  # bfloat16 read as float32
    if not points:
        f.seek(0)
        return np.lib.format.read_array(f, allow_pickle=False)
    if len(shape) not in (2, 3, 4):
        hint = {
            1: " Save a single feature as x.reshape(-1, 1).",
            5: " Flatten each sample first, e.g. X.reshape(len(X), -1).",
        }.get(min(len(shape), 5), "")
        raise ValueError(
            f"{where} holds a {len(shape)}-D array of shape {shape}; a point cloud is a "
            f"2-D array of shape (n_points, n_features) (3-D and 4-D arrays are read as "
            f"images and flattened).{hint}"
        )
    if 0 in shape:
        raise ValueError(f"{where} holds an empty array of shape {shape}.")
    if mmap_path is not None:
        X = _map_npy(mmap_path, f.tell(), shape, fortran, dtype, bfloat16, where)
    elif bfloat16:
        count = math.prod(shape)
        # ml_dtypes writes the bits in the machine's order: little-endian
        raw = np.frombuffer(f.read(2 * count), dtype="<u2", count=count)
        X = _bfloat16_to_float32(raw).reshape(shape, order="F" if fortran else "C")
    else:
        f.seek(0)
        X = np.lib.format.read_array(f, allow_pickle=False)
    if X.ndim > 2:
        flat = (shape[0], math.prod(shape[1:]))
        images = "image" if shape[0] == 1 else "images"
        warnings.warn(
            f"{where} holds an array of shape {shape}: read as {shape[0]} {images}, "
            f"flattened to {flat}.",
            stacklevel=stacklevel,
        )
        X = X.reshape(flat)  # a copy in C order if X is in Fortran order
    return X


def _map_npy(path, offset, shape, fortran, dtype, bfloat16, where):
    """The checked .npy file ``path`` memory-mapped read-only from ``offset``."""
    if bfloat16:
        try:
            import ml_dtypes
        except ImportError:  # no bfloat16 dtype to map it as: read, widened to float32
            raw = np.memmap(path, dtype="<u2", mode="r", offset=offset, shape=tuple(shape),
                            order="F" if fortran else "C")
            _check_memory(2 * raw.nbytes, where)
            return _bfloat16_to_float32(raw)
        dtype = np.dtype(ml_dtypes.bfloat16)
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=tuple(shape),
                     order="F" if fortran else "C")


# What reading a zip member can raise besides our ValueError: an encrypted
# member (RuntimeError), an unknown compression method (NotImplementedError),
# corrupt data of each method.
_ZIP_ERRORS = (RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error, EOFError,
               OSError, lzma.LZMAError, struct.error)


def _open_zip(path):
    """``(archive, members)``: the open archive and its ``.npy`` members by name."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, struct.error) as exc:
        raise ValueError(f"{path} is not a valid .npz file ({exc}).") from None
    try:
        members = {n[: -len(".npy")]: n for n in archive.namelist() if n.endswith(".npy")}
    except Exception:
        archive.close()
        raise
    return archive, members


def _read_member(archive, member, where, stacklevel, points):
    """One ``.npy`` member of an open archive, read as :func:`_read_npy` does."""
    info = archive.getinfo(member)
    if info.flag_bits & 0x1:
        raise ValueError(f"{where} is encrypted; sklearn-imd reads only unencrypted .npz files.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(
            f"{where} uses zip compression method {info.compress_type}; numpy writes "
            "stored (np.savez) or deflated (np.savez_compressed) members only."
        )
    try:
        with archive.open(info) as f:
            return _read_npy(f, info.file_size, where, stacklevel=stacklevel + 1, points=points)
    except _ZIP_ERRORS as exc:
        raise ValueError(f"{where} could not be read: the archive is corrupt ({exc}).") from None


def _read_npz_members(path, what="a .npz file", names=None):
    """Every ``.npy`` member of the archive ``path`` (a dict name -> array), checked
    as :func:`load_points` checks its arrays, but of any shape and dtype of numbers
    or strings (never objects).  The members' sizes together are checked against
    :func:`memory_limit` before any is read.  ``names``: only these members
    (each must be there), the others neither read nor counted."""
    archive, members = _open_zip(path)
    with archive:
        if not members:
            raise ValueError(f"{path} holds no arrays (no .npy members); it is not {what}.")
        if names is not None:
            missing = [name for name in names if name not in members]
            if missing:
                raise ValueError(f"{path} has no array named {missing[0]!r}; it is not {what}.")
            members = {name: members[name] for name in names}
        _check_memory(sum(archive.getinfo(m).file_size for m in members.values()), path)
        # points=False: no warning, so no stack level to point with
        return {name: _read_member(archive, member, f"{path}, array {name!r},", 1, False)
                for name, member in members.items()}


def _load_npz(path, key):
    archive, members = _open_zip(path)
    with archive:
        keys = ", ".join(members) or "(none)"
        if key is not None:
            if key not in members:
                raise ValueError(f"{path} has no array named {key!r}; available keys: {keys}.")
        elif len(members) == 1:
            (key,) = members
        elif not members:
            raise ValueError(f"{path} holds no arrays (no .npy members).")
        else:
            raise ValueError(
                f"{path} holds {len(members)} arrays; choose one with key=NAME "
                f"(--key NAME on the command line). Available keys: {keys}."
            )
        # _read_npy <- _read_member <- _load_npz <- load_points <- its caller
        return _read_member(archive, members[key], f"{path}, array {key!r},", 4, True)
