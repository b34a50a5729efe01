"""Distances between point clouds and between their signatures, the
extrinsic baselines IMD is compared with (FID, KID, MMD, Geometry Score), and
the kNN and diversity metrics reported beside them (precision, recall,
density, coverage, Vendi score)."""

from ._fid import fid_score
from ._geometry_score import geometry_score
from ._imd import imd_distance, imd_score, pairwise_imd
from ._imd_test import ConfidenceInterval, IMDTestResult, imd_test
from ._mmd import (
    MMDTestResult,
    MMDWitness,
    kid_score,
    mmd_score,
    mmd_test,
    mmd_witness,
    scaled_mmd,
)
from ._prdc import PRDCResult, prdc_score
from ._vendi import vendi_score

__all__ = [
    "ConfidenceInterval", "IMDTestResult", "MMDTestResult", "MMDWitness", "fid_score",
    "geometry_score", "imd_distance", "imd_score", "imd_test", "kid_score", "mmd_score",
    "mmd_test", "mmd_witness", "pairwise_imd", "prdc_score", "PRDCResult", "scaled_mmd",
    "vendi_score",
]
