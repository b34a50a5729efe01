"""Working memory in blocks of rows: how many rows of a given width fit in one
block, and the slices that cut ``n`` rows into such blocks.

Each caller passes the entries it may hold at once (its ``budget``). The
budgets are named here, so the memory a computation takes is read in one place.
They differ on purpose, and changing one changes how sums are grouped, so
results could move in the last bits.
"""

#: Entries (float64: 32 MiB) of one block: kernel sums, Vendi, IMD matrices.
BLOCK_ENTRIES = 1 << 22
#: Entries of one block of squared distances in the exact kNN search (64 MiB).
SEARCH_ENTRIES = 1 << 23
#: Coordinates of the permuted clouds that imd_test builds at once (128 MiB).
RESAMPLE_ENTRIES = 1 << 24
#: float64 coordinates converted at once into PRDC's BLAS copy (8 MiB).
COPY_ENTRIES = 1 << 20


def rows_per_block(width, budget=BLOCK_ENTRIES):
    """Rows of ``width`` entries each that fit in ``budget`` entries, at least 1."""
    return max(1, budget // max(1, width))


def row_blocks(n, width, budget=BLOCK_ENTRIES):
    """Slices of consecutive rows of ``0..n`` holding at most ``budget`` entries
    each (one row at least)."""
    step = rows_per_block(width, budget)
    return [slice(start, min(n, start + step)) for start in range(0, n, step)]
