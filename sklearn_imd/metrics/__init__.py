"""Distances between point clouds and between their signatures, the
extrinsic baselines IMD is compared with (FID, FD-infinity, KID, MMD,
CMMD, sliced Wasserstein, Geometry Score), and the kNN and diversity metrics
reported beside them (precision, recall, density, coverage, Vendi score), per
sample too; and the paired similarity of two representations of the same
inputs (CKA, RSA, Procrustes, the shape metrics of Williams et al.,
kNN-Jaccard).

The names load lazily, so that a script computing IMD does not import
scikit-learn's pairwise kernels (for MMD) or the Geometry Score's code.
"""

import importlib

_LAZY = {
    "AuthenticitySamples": "._copying",
    "ConfidenceInterval": "._imd_test",
    "DataCopyingResult": "._copying",
    "FIDInfinityFit": "._fid_infinity",
    "IMDTestResult": "._imd_test",
    "MMDTestResult": "._mmd",
    "MMDWitness": "._mmd",
    "PRDCResult": "._prdc",
    "RelativeMMDTestResult": "._relative_mmd",
    "RepresentationTestResult": "._representation",
    "SampleDiagnostics": "._per_sample",
    "authenticity_score": "._copying",
    "cka": "._representation",
    "cmmd_score": "._cmmd",
    "data_copying_test": "._copying",
    "fid_infinity_score": "._fid_infinity",
    "fid_score": "._fid",
    "geometry_score": "._geometry_score",
    "imd_distance": "._imd",
    "imd_score": "._imd",
    "imd_signature": "._imd",
    "imd_test": "._imd_test",
    "kid_score": "._kid",
    "knn_jaccard": "._shape",
    "mind_score": "._sliced",
    "mmd_score": "._mmd",
    "mmd_test": "._mmd",
    "mmd_witness": "._mmd",
    "pairwise_imd": "._imd",
    "pairwise_representations": "._representation",
    "prdc_score": "._prdc",
    "procrustes_distance": "._shape",
    "relative_mmd_test": "._relative_mmd",
    "representation_test": "._representation",
    "rsa": "._representation",
    "sample_diagnostics": "._per_sample",
    "scaled_mmd": "._scaled_mmd",
    "shape_distance": "._shape",
    "sliced_wasserstein_distance": "._sliced",
    "vendi_score": "._vendi",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sklearn_imd.metrics' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
