"""The moments of a sample given in parts (sklearn_imd._utils.moments)."""

import numpy as np
import pytest

from sklearn_imd._utils.moments import merge_all, merge_moments, part_moments
from sklearn_imd.metrics._fid import scaled_moments


def _relative(A, B):
    return np.max(np.abs(A - B)) / np.max(np.abs(B))


@pytest.mark.parametrize("scale", [1e-200, 1.0, 1e5, 1e200])
def test_parts_give_the_one_shot_moments(scale):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(1000, 7)) + 3.0) * scale
    mean, cov, e = scaled_moments(X)
    sizes = [1, 2, 150, 333, 14, 500]
    parts = np.split(X, np.cumsum(sizes)[:-1])
    m = merge_all(part_moments(P) for P in parts)
    assert m.n == 1000
    # Chan's update and a one-shot covariance differ by rounding: a few units
    # of 1e-16 times log2(parts) and the condition of the centring; 1e-12 is
    # far below any FID difference and far above float64 rounding here
    got_mean = np.ldexp(m.mean, m.exponent - e)
    got_cov = np.ldexp(m.covariance(), 2 * (m.exponent - e))
    assert _relative(got_mean, mean) < 1e-12
    assert _relative(got_cov, cov) < 1e-12


def test_parts_of_different_scales_and_empty_parts():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(50, 3)) * 1e-3, rng.normal(size=(60, 3)) * 1e3])
    mean, cov, e = scaled_moments(X)
    m = merge_moments(merge_moments(part_moments(X[:50]), part_moments(X[:0])),
                      part_moments(X[50:]))
    # as above: rounding of two parts' merge
    assert _relative(np.ldexp(m.covariance(), 2 * (m.exponent - e)), cov) < 1e-12
    assert _relative(np.ldexp(m.mean, m.exponent - e), mean) < 1e-12


def test_float16_parts_are_computed_in_float64():
    X16 = np.random.default_rng(2).normal(size=(400, 5)).astype(np.float16)
    mean, cov, e = scaled_moments(X16.astype(np.float64))
    m = merge_all([part_moments(X16[:123]), part_moments(X16[123:])])
    # float16 inputs are exact in float64: only the merge's rounding differs
    assert _relative(np.ldexp(m.covariance(), 2 * (m.exponent - e)), cov) < 1e-12


def test_merge_all_refuses_nothing():
    with pytest.raises(ValueError, match="no parts"):
        merge_all([])
