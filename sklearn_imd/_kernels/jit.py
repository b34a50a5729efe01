"""Numba's ``njit`` with its on-disk cache kept outside the installed package.

Numba writes the cache of a ``cache=True`` kernel into the ``__pycache__``
folder beside its source when that folder is writable.  Inside
``site-packages`` those files outlive the package: ``pip uninstall`` does
not know them, and the folder left behind turns ``sklearn_imd`` into a
namespace package that shadows a later (editable) install.  So the kernels'
cache goes to a per-user folder instead: ``$SKLEARN_IMD_CACHE_DIR``, else
``$XDG_CACHE_HOME/sklearn-imd/numba``, else ``~/.cache/sklearn-imd/numba``;
where that folder cannot be created or written (a read-only home, as in some
containers), ``<temporary directory>/sklearn-imd-numba-<uid>``.

The cache must be private: Numba's index files are pickles, so whoever can
write the folder can make the next ``imd_score`` run their code.  On POSIX,
every folder created here is created with mode ``0o700``, and the folder is
checked each time a kernel is given it: it must be a real directory (not a
symbolic link, checked with ``os.lstat``), owned by the current user and not
writable by group or others, and each folder above it must be owned by the
user or by root and not writable by group or others unless it has the
sticky bit (as ``/tmp`` has).  A folder that exists but fails these checks
(``SKLEARN_IMD_CACHE_DIR`` naming a file, a symbolic link, someone else's
folder or a group- or world-writable one, or such a folder planted at the
temporary fallback) is refused, never replaced by a shared one.  The private
per-user temporary folder is then used instead (when the refused folder was
the first choice and the fallback passes the same checks); otherwise the
kernels are compiled without a cache for the rest of the process (slower
start-up, same results).  Either way one :class:`CacheDirWarning` says which
path failed, why, what is used instead, and to set ``SKLEARN_IMD_CACHE_DIR``
to a private folder.  Refusing with a warning, rather than raising, keeps
every computation working.  The kernels are set up (and the folder chosen)
at their first use, a signature of 1,024 points or more, not at ``import
sklearn_imd``.

On Windows (no ``os.getuid``) there are no owners and modes to check: the
folder is used if it can be written, as before, and the fallback is
``<temporary directory>/sklearn-imd-numba`` (the temporary directory is
per user there).

A ``NUMBA_CACHE_DIR`` set by the user takes precedence, as in Numba; it is
Numba's own setting and is not checked here: its safety is the user's.  Only
our kernels are affected: Numba's setting is restored after each decoration.
"""

import functools
import os
import stat
import tempfile
import warnings

import numba

from .._utils.callers import LIBRARY, caller_frame
from ..exceptions import CacheDirWarning

_PRIVATE_MODE = 0o700
_FIX = ("To fix it, set SKLEARN_IMD_CACHE_DIR to a folder that only you can write "
        "(e.g. `mkdir -m 700 ~/.sklearn-imd-cache`), or delete a folder that sklearn_imd "
        "made (it is made again, private).")
_warned = False


class _Unsafe(Exception):
    """A cache folder that exists but may be written by someone else (``risk``),
    or is no folder at all."""

    def __init__(self, problem, risk=True):
        super().__init__(problem)
        self.risk = risk


def _posix():
    return getattr(os, "getuid", None) is not None


def _make_private(path):
    """Create the missing folders of ``path``, each with mode 0o700.

    ``os.makedirs`` would give the intermediate folders the default mode.
    Raises ``OSError`` if a folder cannot be created.
    """
    missing = []
    head = path
    while not os.path.lexists(head):
        missing.append(head)
        parent = os.path.dirname(head)
        if parent == head:
            break
        head = parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, _PRIVATE_MODE)
        except FileExistsError:
            continue  # created meanwhile (another process): checked below like any folder
        os.chmod(folder, _PRIVATE_MODE)  # the umask may have taken owner bits away


def _check_private(path):
    """Raise :class:`_Unsafe` unless ``path`` is a private folder of the user."""
    uid = os.getuid()
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise _Unsafe(f"cannot be inspected ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise _Unsafe("is a symbolic link")
    if not stat.S_ISDIR(st.st_mode):
        raise _Unsafe("is not a directory", risk=False)
    if st.st_uid != uid:
        raise _Unsafe(f"is owned by uid {st.st_uid}, not by you (uid {uid})")
    if st.st_mode & 0o022:
        raise _Unsafe(f"is writable by group or others (mode {stat.S_IMODE(st.st_mode):#o})")
    # A folder above that someone else can write lets them rename ours away and
    # put theirs in its place; the sticky bit (/tmp) forbids that.
    above = set()
    for start in (os.path.dirname(path), os.path.realpath(os.path.dirname(path))):
        while True:
            above.add(start)
            parent = os.path.dirname(start)
            if parent == start:
                break
            start = parent
    for folder in sorted(above, key=len, reverse=True):
        try:
            st = os.stat(folder)
        except OSError as exc:
            raise _Unsafe(f"lies in {folder}, which cannot be inspected ({exc.strerror})") from None
        if st.st_uid not in (uid, 0):
            raise _Unsafe(f"lies in {folder}, owned by uid {st.st_uid} (neither you nor root)")
        if st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX:
            raise _Unsafe(f"lies in {folder}, which is writable by group or others "
                          f"(mode {stat.S_IMODE(st.st_mode):#o}) without the sticky bit")


def _usable(path):
    """``path`` created if need be and writable; ``False`` if it cannot be
    (then the next candidate is tried).  On POSIX, raises :class:`_Unsafe`
    for a folder that is not private."""
    if not _posix():
        try:
            os.makedirs(path, exist_ok=True)
        except OSError:
            return False
        return os.access(path, os.W_OK)
    try:
        _make_private(path)
    except OSError:
        if not os.path.lexists(path):
            return False  # cannot be created (a read-only home): not a threat
    _check_private(path)
    return os.access(path, os.W_OK | os.X_OK)


def _refuse(path, problem, risk=True, instead=None):
    """Warn, once per process, that ``path`` is not used, and what is used
    ``instead`` (a folder, or ``None``: no cache)."""
    global _warned
    if _warned:
        return
    _warned = True
    risk = " (whoever can write it could make sklearn_imd run their code)" if risk else ""
    used = (f"the kernels are cached in {instead} instead" if instead is not None else
            "the kernels are compiled without an on-disk cache in this process (a slower "
            "start, the same results)")
    # point at the user's code, past the imports and Numba's frames
    frame = caller_frame(LIBRARY + ("importlib", "numba"))
    warnings.warn_explicit(
        f"sklearn_imd: the Numba cache folder {path} {problem}; it is not used{risk}, and "
        f"{used}. {_FIX}", CacheDirWarning, frame.f_code.co_filename, frame.f_lineno,
        module="sklearn_imd", registry=frame.f_globals.setdefault("__warningregistry__", {}))


@functools.lru_cache(maxsize=None)
def cache_dir():
    """Folder of the kernels' on-disk cache (created if need be), or ``None``.

    If the per-user folder cannot be created or written (a read-only home,
    as in some containers), a per-user folder of the system's temporary
    directory is used: Numba would otherwise fall back to the package's own
    folder, and so is it when the per-user folder exists but is not private
    to the user (see the module's docstring), with one
    :class:`CacheDirWarning`.  ``None`` (with that warning) when no candidate
    is both private and writable: the kernels are then not cached.
    """
    path = os.environ.get("SKLEARN_IMD_CACHE_DIR")
    if not path:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "sklearn-imd", "numba")
    name = f"sklearn-imd-numba-{os.getuid()}" if _posix() else "sklearn-imd-numba"
    candidates = (os.path.abspath(path), os.path.join(tempfile.gettempdir(), name))
    refused = None  # (folder, problem, risk): the first choice, not private
    for candidate in candidates:
        try:
            if _usable(candidate):
                if refused is not None:
                    _refuse(*refused, instead=candidate)
                return candidate
        except _Unsafe as exc:
            if refused is not None:  # the fallback too: no cache
                _refuse(candidate, f"{exc} (and {refused[0]} {refused[1]})", exc.risk)
                return None
            refused = (candidate, str(exc), exc.risk)
    if refused is not None:  # the fallback cannot be created or written
        _refuse(*refused)
    else:
        _refuse(candidates[-1], f"cannot be created or written, nor can {candidates[0]}",
                risk=False)
    return None


def _checked_cache_dir():
    """:func:`cache_dir`, checked again as it is handed to a kernel (it may
    have changed since it was chosen); ``None`` if caching is off."""
    path = cache_dir()
    if path is not None and _posix():
        try:
            _check_private(path)
        except _Unsafe as exc:
            _refuse(path, str(exc), exc.risk)
            return None
    return path


def njit(**options):
    """``numba.njit(**options)``; with ``cache=True``, cached in :func:`cache_dir`.

    Numba chooses a function's cache folder when the function is decorated,
    from ``numba.config.CACHE_DIR``: it is set for that moment only.  Without
    a private folder the kernel is compiled with ``cache=False``.
    """
    if not options.get("cache") or numba.config.CACHE_DIR:
        return numba.njit(**options)

    def decorate(func):
        path = _checked_cache_dir()
        if path is None:
            return numba.njit(**{**options, "cache": False})(func)
        previous = numba.config.CACHE_DIR
        numba.config.CACHE_DIR = path
        try:
            return numba.njit(**options)(func)
        finally:
            numba.config.CACHE_DIR = previous

    return decorate
