"""Distances between point clouds and between their signatures."""

from ._imd import imd_distance, imd_score, pairwise_imd
from ._imd_test import ConfidenceInterval, IMDTestResult, imd_test

__all__ = [
    "ConfidenceInterval", "IMDTestResult", "imd_distance", "imd_score", "imd_test",
    "pairwise_imd",
]
