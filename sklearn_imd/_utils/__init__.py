"""Utilities of every layer: input validation, BLAS threads, progress bars."""
