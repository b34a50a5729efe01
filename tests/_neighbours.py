"""Comparing neighbour lists whose order may differ where distances tie to rounding."""

import numpy as np

import sklearn_imd._core.search as search


def direct(X, rows, ind):
    """Squared distances of ``X[rows[a]]`` and ``X[ind[a, b]]``, from the coordinates."""
    scale = float(np.ldexp(1.0, search._scale_exponent(X)))
    return search._direct_distances(X, scale, np.asarray(rows), np.asarray(ind), jit=False)


def assert_same_neighbours(X, a, b, rows=None, rtol=1e-9):
    """``a`` and ``b`` list the same nearest neighbours of ``X[rows]``, in order,
    except that neighbours at distances equal to ``rtol`` may swap places.

    Two searches compute the distance expansion with other BLAS calls (tile
    shapes, kernels), so for non-integer data their order among near-ties is
    not defined beyond rounding: ``rtol`` 1e-9 is the graph's own tie tolerance
    (``search._TIE_RTOL``), far above the float64 expansion's rounding (about
    ``d * eps``, 1e-15 here) and far below the gaps of random data (1e-7 at
    least in these tests).  Float32 expansions round at about ``d * 6e-8``:
    callers pass a wider ``rtol`` for them.
    """
    rows = np.arange(len(X)) if rows is None else np.asarray(rows)
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    da, db = direct(X, rows, a), direct(X, rows, b)
    # distance by distance: the same sorted lists of distances
    np.testing.assert_allclose(da, db, rtol=rtol, atol=0)
    # the neighbours nearer than the last one by more than rtol are the same points
    inner = da < da[:, -1:] * (1 - rtol)
    for r in range(len(rows)):
        assert set(a[r, inner[r]]) == set(b[r, inner[r]]), rows[r]
    # and each list is sorted by distance
    assert (np.diff(da, axis=1) >= -rtol * da[:, 1:]).all()
