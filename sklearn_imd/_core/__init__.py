"""The IMD pipeline: the signature of a cloud (``compute``), its kNN graph
and Laplacian (``graph``) and its heat trace (``heat``), on the kernels of
``_kernels`` or on NumPy for small clouds."""
