"""The Numba kernels (the lowest layer): exact kNN (``select``), NN-descent,
Lanczos (``lanczos``), the exact moments of the control variate (``moments``), PRDC's cross pass (``cross``), and
the private on-disk cache they compile into (``jit``).  They import nothing
of the library but ``_utils`` and ``exceptions``."""

# Constants shared with the NumPy twins of the kernels (``_core.heat``): this
# __init__ imports no Numba, so the small-cloud route reads them without it.

# A residual norm below this ends a probe's Krylov space (exact breakdown).
BREAKDOWN = 1e-10
# Rows per parallel chunk of the Lanczos and moment kernels; fixed so that
# reductions are summed in the same order whatever the number of threads.
CHUNK = 512
