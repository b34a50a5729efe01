"""One BLAS thread for a block of code."""

import functools


@functools.cache
def _controller():
    """The process's BLAS/OpenMP pools, found once (the search reads /proc)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def single_blas_thread():
    """Context manager that limits the BLAS libraries to one thread."""
    return _controller().limit(limits=1, user_api="blas")
