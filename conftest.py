"""pytest's configuration of the repository root: skip the doctests of
``sklearn_imd/models`` when its optional extra (JAX, optax) is missing."""

import importlib.util

collect_ignore_glob = []
if importlib.util.find_spec("jax") is None or importlib.util.find_spec("optax") is None:
    collect_ignore_glob.append("sklearn_imd/models/*")
