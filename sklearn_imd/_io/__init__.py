"""The internals of :mod:`sklearn_imd.io`: path and memory checks, NumPy files, images, CSV."""
