"""Checks of the paths sklearn_imd.io reads and writes, and of the memory an input takes.

A path to read must be a regular file of a known type (or a folder of images), a
path to write must end in its suffix in a folder that can be written, and an
input is refused before it is decoded when it would take more than
:func:`sklearn_imd.io.memory_limit` bytes.
"""

import os
import re
import stat

EXTENSIONS = (".npy", ".npz", ".csv")
_FILE_KINDS = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)


# -------------------------------------------------------------------- Paths


def _check_file(path):
    """The extension of ``path``, after checking that it is a regular file of a known type.

    None if ``path`` is a directory.
    """
    if not _check_regular(path, folder_ok=True,
                          hint="; give a .npy, .npz or .csv file, or a folder of images"):
        return None
    ext = os.path.splitext(path)[1].lower()
    if ext not in EXTENSIONS:
        shown = f"'{ext}'" if ext else "no extension"
        raise ValueError(f"{path}: unknown file type ({shown}); use a .npy, .npz or .csv file.")
    return ext


def _check_regular(path, folder_ok=False, hint=""):
    """Refuse a missing path, a special file (FIFO, device, socket: reading one
    could block) and, unless ``folder_ok``, a folder; ``True`` for a regular
    file, ``False`` for an accepted folder.  ``hint`` ends the messages."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file.") from None
    if stat.S_ISDIR(mode):
        if folder_ok:
            return False
        raise ValueError(f"{path} is a folder, not a file{hint}.")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "special file")
        raise ValueError(f"{path} is not a regular file (it is a {kind}){hint}.")
    return True


def _check_output_path(path, suffix=".npz"):
    """The path a file will be written to, checked before any work: it ends in
    ``suffix`` (in any case; appended when the name has no extension), is not
    a folder, and its folder exists and can be written."""
    path = os.fsdecode(path)
    if os.path.isdir(path):
        raise ValueError(f"{path} is a folder; give the path of the {suffix} file to write.")
    ext = os.path.splitext(path)[1]
    if not ext:
        path += suffix
    elif ext.lower() != suffix:
        raise ValueError(f"{path}: the file to write must end in {suffix}.")
    if os.path.isdir(path):
        raise ValueError(f"{path} is a folder; give the path of the {suffix} file to write.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"{path}: the folder {folder} cannot be written.")
    if os.path.exists(path) and not os.path.isfile(path):
        raise ValueError(f"{path} exists and is not a regular file.")
    return path


# -------------------------------------------------------------------- Memory


def _memory_limit():
    """The limit of :func:`sklearn_imd.io.memory_limit`, in bytes (its docstring says how)."""
    text = os.environ.get("SKLEARN_IMD_MEMORY_LIMIT", "").strip()
    if text:
        match = re.fullmatch(r"(\d+(?:\.\d*)?)\s*([KMGT]?)i?B?", text, flags=re.I)
        if not match:
            raise ValueError(
                f"SKLEARN_IMD_MEMORY_LIMIT={text!r} is not a size; give bytes or a number "
                "with K, M, G or T, e.g. 16G."
            )
        power = " KMGT".index(match.group(2).upper() or " ")
        return int(float(match.group(1)) * 1024**power)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows): 8 GiB
        return 8 << 30


def _size_text(n_bytes):
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{n_bytes} bytes"


def _check_memory(n_bytes, where):
    """Refuse an input that would take more than :func:`memory_limit` bytes decoded."""
    limit = _memory_limit()
    if n_bytes > limit:
        raise MemoryError(
            f"{where} would take {_size_text(n_bytes)} in memory once decoded, more than the "
            f"limit of {_size_text(limit)} (half of this machine's memory unless "
            "SKLEARN_IMD_MEMORY_LIMIT says otherwise); set SKLEARN_IMD_MEMORY_LIMIT=SIZE "
            "(e.g. 64G) to raise it."
        )
