"""sklearn-imd: compare data distributions by their intrinsic, multi-scale geometry.

The public names load lazily, so that ``import sklearn_imd`` stays fast and
Numba compiles nothing until a signature is computed.
"""

import importlib

__version__ = "0.1.0"

_LAZY = {
    "IMDSignature": "sklearn_imd.signature",
    "imd_score": "sklearn_imd.metrics",
    "imd_signature": "sklearn_imd.metrics",
    "imd_distance": "sklearn_imd.metrics",
    "pairwise_imd": "sklearn_imd.metrics",
    "imd_test": "sklearn_imd.metrics",
    "fid_score": "sklearn_imd.metrics",
    "fid_infinity_score": "sklearn_imd.metrics",
    "kid_score": "sklearn_imd.metrics",
    "cmmd_score": "sklearn_imd.metrics",
    "sliced_wasserstein_distance": "sklearn_imd.metrics",
    "mind_score": "sklearn_imd.metrics",
    "mmd_score": "sklearn_imd.metrics",
    "mmd_test": "sklearn_imd.metrics",
    "mmd_witness": "sklearn_imd.metrics",
    "relative_mmd_test": "sklearn_imd.metrics",
    "scaled_mmd": "sklearn_imd.metrics",
    "geometry_score": "sklearn_imd.metrics",
    "prdc_score": "sklearn_imd.metrics",
    "vendi_score": "sklearn_imd.metrics",
    "sample_diagnostics": "sklearn_imd.metrics",
    "data_copying_test": "sklearn_imd.metrics",
    "authenticity_score": "sklearn_imd.metrics",
    "cka": "sklearn_imd.metrics",
    "rsa": "sklearn_imd.metrics",
    "representation_test": "sklearn_imd.metrics",
    "pairwise_representations": "sklearn_imd.metrics",
    "procrustes_distance": "sklearn_imd.metrics",
    "shape_distance": "sklearn_imd.metrics",
    "knn_jaccard": "sklearn_imd.metrics",
    "compare": "sklearn_imd._compare",
    "rank_models": "sklearn_imd._ranking",
    "RankingResult": "sklearn_imd._ranking",
    "ReferenceStats": "sklearn_imd._reference",
    "MetricWarning": "sklearn_imd.exceptions",
    "ApproximateGraphWarning": "sklearn_imd.exceptions",
    "DuplicatePointsWarning": "sklearn_imd.exceptions",
    "ExactSearchWarning": "sklearn_imd.exceptions",
    "CacheDirWarning": "sklearn_imd.exceptions",
}

__all__ = sorted(_LAZY)


# Submodules reachable as attributes of the package, loaded on first use.
_SUBMODULES = ("features", "io", "latent", "metrics", "plotting")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"sklearn_imd.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sklearn_imd' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
