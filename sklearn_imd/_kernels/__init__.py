"""The Numba kernels (the lowest layer): exact kNN (``select``), NN-descent,
Lanczos and the exact moments (``lanczos``), PRDC's cross pass (``cross``), and
the private on-disk cache they compile into (``jit``).  They import nothing
of the library but ``_utils`` and ``exceptions``."""

# Shared with the NumPy twins of the kernels (``_core.heat``); this package's
# __init__ imports no Numba, so the small-cloud route can read it without it.

# A residual norm below this ends a probe's Krylov space (exact breakdown).
BREAKDOWN = 1e-10
