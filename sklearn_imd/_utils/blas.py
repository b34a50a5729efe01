"""One BLAS thread for a block of code, and the rounding bound of a distance
expanded into BLAS products."""

import functools

import numpy as np


@functools.cache
def _controller():
    """The process's BLAS/OpenMP pools, found once (the search reads /proc)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def single_blas_thread():
    """Context manager that limits the BLAS libraries to one thread."""
    return _controller().limit(limits=1, user_api="blas")


def product_tolerance(d, dtype):
    """``c`` with ``|d2 - (|a|^2 + |b|^2 - 2 <a, b>)| <= c (|a|^2 + |b|^2)`` for the
    squared distance ``d2`` of two points whose centred coordinates ``a``,
    ``b`` were rounded to ``dtype`` and multiplied by BLAS in ``dtype``:
    ``d u`` from the product (any summation order), ``4 u`` from rounding the
    coordinates, a few ``u`` more for recentring and the rest; 5% margin."""
    return 1.05 * (d + 16) * float(np.finfo(dtype).eps) / 2
