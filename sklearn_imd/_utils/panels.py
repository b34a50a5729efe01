"""Row panels shared by a pool of Python threads, each with single-threaded BLAS.

The exact kNN search and PRDC's cross pass alternate BLAS products of small
tiles with serial Numba kernels that release the GIL; a pool of
``numba.get_num_threads()`` Python threads, each taking the next panel of
rows until none is left, keeps both busy.  (Numba's parallel loops and
multi-threaded BLAS, alternated tile after tile, spend much of their time
waiting for each other's threads.)
"""


def over_row_panels(n, rows, task, state):
    """Run ``task(r0, r1, own)`` on the panels ``[r0, r1)`` of ``rows`` rows of
    ``0..n`` by a pool of threads; ``own`` is the thread's own ``state()``
    (buffers it alone writes).  Returns the states, one per thread, in the
    order the threads were started; which thread took which panel is left to
    the scheduler, so callers merge them in a way that does not depend on it.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import numba

    from .blas import single_blas_thread

    panels = iter(range(0, n, rows))
    lock = threading.Lock()

    def work():
        own = state()
        while True:
            with lock:
                r0 = next(panels, None)
            if r0 is None:
                return own
            task(r0, min(n, r0 + rows), own)

    n_threads = max(1, min(numba.get_num_threads(), -(-n // rows)))
    with single_blas_thread(), ThreadPoolExecutor(n_threads) as pool:
        return [f.result() for f in [pool.submit(work) for _ in range(n_threads)]]
