"""Numba's ``njit`` with its on-disk cache kept outside the installed package.

Numba writes the cache of a ``cache=True`` kernel into the ``__pycache__``
folder beside its source when that folder is writable.  Inside
``site-packages`` those files outlive the package: ``pip uninstall`` does
not know them, and the folder left behind turns ``sklearn_imd`` into a
namespace package that shadows a later (editable) install.  So the kernels'
cache goes to a per-user folder instead: ``$SKLEARN_IMD_CACHE_DIR``, else
``$XDG_CACHE_HOME/sklearn-imd/numba``, else ``~/.cache/sklearn-imd/numba``
(or, where none can be written, one in the temporary directory).
A ``NUMBA_CACHE_DIR`` set by the user takes precedence, as in Numba.  Only
our kernels are affected: Numba's setting is restored after each decoration.
"""

import functools
import os
import tempfile

import numba


@functools.lru_cache(maxsize=None)
def cache_dir():
    """Folder of the kernels' on-disk cache (created if need be).

    If the per-user folder cannot be written (a read-only home, as in some
    containers), a folder of the system's temporary directory is used:
    Numba would otherwise fall back to the package's own folder.
    """
    path = os.environ.get("SKLEARN_IMD_CACHE_DIR")
    if not path:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "sklearn-imd", "numba")
    try:
        os.makedirs(path, exist_ok=True)
        if os.access(path, os.W_OK):
            return path
    except OSError:
        pass
    path = os.path.join(tempfile.gettempdir(), "sklearn-imd-numba")
    os.makedirs(path, exist_ok=True)
    return path


def njit(**options):
    """``numba.njit(**options)``; with ``cache=True``, cached in :func:`cache_dir`.

    Numba chooses a function's cache folder when the function is decorated,
    from ``numba.config.CACHE_DIR``: it is set for that moment only.
    """
    jit = numba.njit(**options)
    if not options.get("cache") or numba.config.CACHE_DIR:
        return jit

    def decorate(func):
        previous = numba.config.CACHE_DIR
        numba.config.CACHE_DIR = cache_dir()
        try:
            return jit(func)
        finally:
            numba.config.CACHE_DIR = previous

    return decorate
