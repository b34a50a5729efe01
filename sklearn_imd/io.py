"""Reading point clouds from files.

:func:`load_points` reads one point cloud, an array of shape ``(n_points,
n_features)``, from a ``.npy``, ``.npz`` or ``.csv`` file.  The command line
``sklearn-imd score`` reads its inputs with it.
"""

import itertools
import math
import os
import re
import stat
import warnings
import zipfile
import zlib

import numpy as np

__all__ = ["load_points"]

EXTENSIONS = (".npy", ".npz", ".csv")

# Longest CSV line read, in characters: it bounds the memory one line can take
# (2**24 characters hold about 700,000 numbers of 17 digits).
_MAX_LINE = 1 << 24
_NPY_MAGIC = b"\x93NUMPY"
# A header field that pandas leaves for an index without a name: empty when it
# writes the file, "Unnamed: 0" once such a file is read and written again.
_UNNAMED = re.compile(r"(Unnamed: \d+)?")
_FILE_KINDS = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)


def load_points(path, key=None):
    """Read a point cloud from a ``.npy``, ``.npz`` or ``.csv`` file.

    Parameters
    ----------
    path : str or os.PathLike
        A regular file (symbolic links are followed; pipes and devices are
        refused) whose extension gives its format:

        - ``.npy``: one array, as written by :func:`numpy.save`.  Arrays of
          Python objects are refused: loading them would unpickle, which can
          run arbitrary code.
        - ``.npz``: an archive written by :func:`numpy.savez`; its only
          array, or the one named ``key``.
        - ``.csv``: comma-separated numbers in UTF-8, one point per row.
          Blank lines are skipped, ``#`` starts a comment and fields may be
          quoted.  A first row holding a field that is not a number is a
          header; so is a first row ``0,1,...,d-1`` (the column names
          pandas gives an array), with a warning.  Leading columns without a
          name in the header (the index :meth:`pandas.DataFrame.to_csv`
          writes unless ``index=False``: header ``,x,y``) are dropped with a
          warning when they hold integers, and refused otherwise.  Lines
          longer than 2**24 characters are refused.
    key : str, default=None
        Name of the array to read from a ``.npz`` archive holding several;
        only for ``.npz`` files.

    Returns
    -------
    X : ndarray of shape (n_points, n_features)
        At least one point and one feature.  float32 data stays float32;
        other numbers become float64.  NaN and infinite values are returned
        as they are (:func:`~sklearn_imd.imd_score` refuses them).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    IsADirectoryError
        If ``path`` is a directory.
    ValueError
        If the file is not a regular file, has another extension, or does not
        hold a non-empty 2-D array of real numbers.  The message names the
        file and, for a CSV file, the line.

    Warns
    -----
    UserWarning
        When a CSV file's index columns are dropped, or its first row
        ``0,1,...,d-1`` is read as column names.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_imd.io import load_points
    >>> tmp = tempfile.TemporaryDirectory()
    >>> csv = os.path.join(tmp.name, "points.csv")
    >>> with open(csv, "w") as f:
    ...     _ = f.write("x,y\\n0.5,1\\n2,3.25\\n")
    >>> load_points(csv)
    array([[0.5 , 1.  ],
           [2.  , 3.25]])
    >>> npz = os.path.join(tmp.name, "clouds.npz")
    >>> np.savez(npz, real=np.zeros((100, 3)), fake=np.ones((80, 3)))
    >>> load_points(npz, key="fake").shape
    (80, 3)
    >>> tmp.cleanup()
    """
    path = os.fsdecode(path)
    ext = _check_file(path)
    if key is not None and ext != ".npz":
        raise ValueError(f"key applies only to .npz files, and {path} is a {ext} file.")
    if ext == ".csv":
        return _load_csv(path)
    if ext == ".npz":
        X = _load_npz(path, key)
    else:
        with open(path, "rb") as f:
            X = _read_npy(f, os.fstat(f.fileno()).st_size, path)
    return X if X.dtype == np.float32 else X.astype(np.float64, copy=False)


def _check_file(path):
    """The extension of ``path``, after checking that it is a regular file of a known type."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file.") from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path} is a directory; give a .npy, .npz or .csv file.")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "special file")
        raise ValueError(
            f"{path} is not a regular file (it is a {kind}); give a .npy, .npz or .csv file."
        )
    ext = os.path.splitext(path)[1].lower()
    if ext not in EXTENSIONS:
        shown = f"'{ext}'" if ext else "no extension"
        raise ValueError(f"{path}: unknown file type ({shown}); use a .npy, .npz or .csv file.")
    return ext


# --------------------------------------------------------------------- NumPy


def _read_npy(f, size, where):
    """The array of the .npy stream ``f`` of ``size`` bytes, checked before its data is read."""
    if f.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
        raise ValueError(
            f"{where} is not a valid .npy file (it does not start with the .npy signature)."
        )
    f.seek(0)
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported format version {version[0]}.{version[1]}")
    except ValueError as exc:
        raise ValueError(f"{where} is not a valid .npy file ({exc}).") from None
    if dtype.hasobject:
        raise ValueError(
            f"{where} holds Python objects (dtype {dtype}), which are not loaded: "
            "unpickling them could run arbitrary code. Save an array of numbers."
        )
    if dtype.kind not in "biuf":
        raise ValueError(
            f"{where} holds an array of dtype {dtype}; a point cloud needs real numbers."
        )
    if len(shape) != 2:
        hint = {
            1: " Save a single feature as x.reshape(-1, 1).",
            3: " Flatten each sample first, e.g. X.reshape(len(X), -1).",
        }.get(min(len(shape), 3), "")
        raise ValueError(
            f"{where} holds a {len(shape)}-D array of shape {shape}; a point cloud is a "
            f"2-D array of shape (n_points, n_features).{hint}"
        )
    if 0 in shape:
        raise ValueError(f"{where} holds an empty array of shape {shape}.")
    n_bytes = math.prod(shape) * dtype.itemsize
    if size - f.tell() < n_bytes:
        raise ValueError(
            f"{where} is truncated: its header announces a {shape} array of {dtype} "
            f"({n_bytes} bytes) but only {size - f.tell()} bytes follow."
        )
    f.seek(0)
    return np.lib.format.read_array(f, allow_pickle=False)


def _load_npz(path, key):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise ValueError(f"{path} is not a valid .npz file ({exc}).") from None
    with archive:
        members = {n[: -len(".npy")]: n for n in archive.namelist() if n.endswith(".npy")}
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
        where = f"{path}, array {key!r},"
        info = archive.getinfo(members[key])
        try:
            with archive.open(info) as f:
                return _read_npy(f, info.file_size, where)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ValueError(
                f"{where} could not be read: the archive is corrupt ({exc})."
            ) from None


# ----------------------------------------------------------------------- CSV


class _NotText(ValueError):
    """A CSV file that is not text: no need to look for its first malformed row."""


def _csv_lines(path):
    """(line number, text before any '#') of each non-blank line, read a line at a time."""
    with open(path, encoding="utf-8-sig") as f:
        for number in itertools.count(1):
            try:
                line = f.readline(_MAX_LINE + 1)
            except UnicodeDecodeError:
                raise _NotText(
                    f"{path} is not a text CSV file (not valid UTF-8 near line {number})."
                ) from None
            if not line:
                return
            if "\x00" in line:
                raise _NotText(
                    f"{path} is not a text CSV file (binary data: a NUL byte on line {number})."
                )
            if len(line.rstrip("\n")) > _MAX_LINE:
                raise _NotText(
                    f"{path}, line {number}: longer than {_MAX_LINE} characters; is it a "
                    "CSV file of points?"
                )
            line = line.split("#", 1)[0]
            if line.strip():
                yield number, line


def _csv_fields(line):
    return [f.strip().strip('"').strip() for f in line.split(",")]


def _is_number(field):
    try:
        float(field)
    except ValueError:
        return False
    return True


def _is_header(fields, path):
    """Whether the first non-blank row ``fields`` names the columns rather than holds a point."""
    if any(f and not _is_number(f) for f in fields):
        return True
    if len(fields) > 1 and not fields[0] and fields[1:] == [str(i) for i in range(len(fields) - 1)]:
        return True  # ",0,1,...": pandas' index and default column names
    # (",1.5,2.5" is a point with a missing first value: an error later, not a header)
    if len(fields) > 1 and fields == [str(i) for i in range(len(fields))]:
        warnings.warn(
            f"{path}: took the first row, {','.join(fields[:3])},..., for pandas' default "
            "column names, not a point.",
            stacklevel=4,
        )
        return True
    return False


def _load_csv(path):
    lines = _csv_lines(path)
    first = next(lines, None)
    header = None
    if first is not None and _is_header(fields := _csv_fields(first[1]), path):
        header = fields
        first = next(lines, None)
    if first is None:
        raise ValueError(f"{path} contains no data rows.")
    n_index = 0  # leading columns unnamed in the header: a pandas index
    if header is not None:
        while n_index < len(header) - 1 and _UNNAMED.fullmatch(header[n_index]):
            n_index += 1
    try:
        X = np.loadtxt(
            (text for _, text in itertools.chain([first], lines)),
            delimiter=",", ndmin=2, quotechar='"', dtype=np.float64,
        )
    except _NotText:
        raise
    except ValueError as exc:
        problem = _csv_problem(path, header is not None, n_index)
        raise ValueError(problem or f"{path}: {exc}") from None
    if header is not None and len(header) != X.shape[1]:
        raise ValueError(
            f"{path}: the header names {len(header)} columns but the rows hold "
            f"{X.shape[1]} values."
        )
    if n_index:
        index = X[:, :n_index]
        bad = ~np.all(index == np.round(index), axis=0)
        if bad.any():
            raise ValueError(
                f"{path}: column {np.argmax(bad) + 1} has no name in the header, like the "
                "index pandas writes, but holds values that are not integers. Save the "
                "file with DataFrame.to_csv(path, index=False), or name the column."
            )
        columns = "column 1" if n_index == 1 else f"columns 1-{n_index}"
        warnings.warn(
            f"{path}: dropped {columns}, without a name in the header and holding "
            "integers: the index that DataFrame.to_csv writes unless index=False.",
            stacklevel=3,
        )
        X = np.ascontiguousarray(X[:, n_index:])
    return X


def _csv_problem(path, has_header, n_index):
    """Describe the first malformed row of a CSV file, with its line number."""
    n_cols = None
    rows = _csv_lines(path)
    if has_header:
        next(rows)
    for number, text in rows:
        fields = _csv_fields(text)
        for j, field in enumerate(fields):
            if not _is_number(field):
                what = "an empty value" if not field else f"{field!r}, which is not a number"
                if j < n_index:
                    hint = (f"column {j + 1} has no name in the header, like the index pandas "
                            "writes: save the file with DataFrame.to_csv(path, index=False)")
                else:
                    hint = "expected comma-separated numbers"
                return f"{path}, line {number}, column {j + 1}: {what}; {hint}."
        if n_cols is None:
            n_cols, first_line = len(fields), number
        elif len(fields) != n_cols:
            return (
                f"{path}, line {number}: {len(fields)} values, but line {first_line} has "
                f"{n_cols}; every row must have the same number of values."
            )
    return None
