"""pytest's configuration of the repository root: skip the doctests of
``sklearn_imd/models`` when its optional extra (JAX, optax) is missing, and
those of ``sklearn_imd/features`` without onnx and onnxruntime (its example
builds a network with onnx)."""

import importlib.util

collect_ignore_glob = []
if importlib.util.find_spec("jax") is None or importlib.util.find_spec("optax") is None:
    collect_ignore_glob.append("sklearn_imd/models/*")
if importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None:
    collect_ignore_glob.append("sklearn_imd/features/*")
