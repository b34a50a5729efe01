"""Distances between point clouds and between their signatures."""

from ._imd import imd_distance, imd_score, pairwise_imd

__all__ = ["imd_distance", "imd_score", "pairwise_imd"]
