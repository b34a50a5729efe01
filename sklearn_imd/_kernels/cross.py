"""Numba kernel of the cross pass of precision, recall, density and coverage.

Each tile of inner products between real points (rows) and generated points
(columns) is compared with the squared kNN radii of both sides.  The inner
products come from float32 BLAS, whose error on a squared distance is
bounded by ``tol = c (|a|^2 + |b|^2)`` (see ``metrics._prdc``): an entry
further than ``tol`` from a radius is decided by the product, and an entry
within ``tol`` of one (rare, and every tie) by the squared distance computed
directly from the coordinates in float64, the definition the radii use too.
So the counts are those of exact distances, at the speed of float32 BLAS.
"""

import numpy as np

from .jit import njit
from .select import direct_pair

# Entries scanned without branching before the rare candidates are examined.
_SCAN = 64


@njit(nogil=True, cache=True)
def cross_tile(G, r0, c0, sqx, sqy, c, R, S, X, Y, scale, counts, covered, recalled):
    # pragma: no cover (jitted)
    """Merge one tile of real-generated inner products into the counts.

    Parameters
    ----------
    G : ndarray of shape (n_rows, n_cols), float32
        ``G[a, b]``: inner product of real point ``r0 + a`` and generated point
        ``c0 + b`` (centred, scaled float32 coordinates).
    sqx, sqy : ndarray of float64
        Squared norms of those float32 coordinates, of all real and all
        generated points.
    c : float
        Error coefficient: ``|d2 - (sqx + sqy - 2 G)| <= c (sqx + sqy)``.
    R, S : ndarray of float64
        Squared kNN radii of all real and all generated points.
    X, Y : ndarray
        The coordinates as given; ``scale`` brings them to the units of the
        radii.
    counts : ndarray of shape (n_generated,), int64
        Real balls containing each generated point (strictly inside);
        updated.
    covered, recalled : ndarray of shape (n_real,), bool
        Whether some generated point lies strictly inside the real point's
        ball, and whether the real point lies strictly inside some generated
        point's ball; updated.
    """
    n_rows, n_cols = G.shape
    one_c = 1.0 - c
    # lower bounds of the squared distances are low_x[a] + low_y[b] - 2 G[a, b]
    low_y = np.empty(n_cols)
    low_ys = np.empty(n_cols)
    for b in range(n_cols):
        low_y[b] = one_c * sqy[c0 + b]
        low_ys[b] = low_y[b] - S[c0 + b]
    for a in range(n_rows):
        i = r0 + a
        low_r = one_c * sqx[i] - R[i]
        low_s = one_c * sqx[i]
        for lo in range(0, n_cols, _SCAN):
            hi = min(n_cols, lo + _SCAN)
            hit = False
            for b in range(lo, hi):
                g2 = 2.0 * np.float64(G[a, b])
                hit |= (low_r + low_y[b] < g2) | (low_s + low_ys[b] < g2)
            if not hit:
                continue
            for b in range(lo, hi):
                j = c0 + b
                v = sqx[i] + sqy[j] - 2.0 * np.float64(G[a, b])
                tol = c * (sqx[i] + sqy[j])
                if v - tol >= R[i] and v - tol >= S[j]:
                    continue
                if abs(v - R[i]) <= tol or abs(v - S[j]) <= tol:
                    v = direct_pair(X, i, Y, j, scale)
                if v < R[i]:
                    counts[j] += 1
                    covered[i] = True
                if v < S[j]:
                    recalled[i] = True


@njit(nogil=True, cache=True)
def sample_tile(G, r0, c0, sqx, sqy, c, R, S, Rp, X, Y, scale, counts, rarity, covered,
                recalled, ratio, ratio_at, near, near_tol, near_d2, near_at):
    # pragma: no cover (jitted)
    """Merge one tile of real-generated inner products into the per-sample
    diagnostics (:func:`sklearn_imd.metrics.sample_diagnostics`).

    ``G``, ``r0``, ``c0``, ``sqx``, ``sqy``, ``c``, ``R``, ``S``, ``X``, ``Y``,
    ``scale``, ``counts``, ``covered`` and ``recalled`` are those of
    :func:`cross_tile`, whose exact ball memberships this repeats for every
    entry (no entry is skipped: the realism and the nearest point need them
    all).  Also updated, per generated point ``j``:

    rarity : float64
        Smallest squared radius ``R[i]`` of a real ball holding ``j``
        (``inf`` while there is none).
    ratio, ratio_at : float64, int64
        Largest ``Rp[i] / d2(i, j)`` and its real point, ``Rp`` being the
        squared radii with the pruned balls at 0 (the realism score, squared;
        ``d2`` from the product, so within its rounding).
    near, near_tol, near_d2, near_at : float64, float64, float64, int64
        The nearest real point ``near_at`` so far: its squared distance by
        the product, that value's error bound, and its squared distance
        computed directly (``-1`` until needed).  A point whose product is
        within both error bounds of the nearest's is compared by direct
        distances, so the nearest is that of exact distances.

    Ties go to the lower real index (of the realism's ball: by the
    products), so that the result does not depend on which thread took which
    rows when the callers merge theirs the same way.
    """
    n_rows, n_cols = G.shape
    for a in range(n_rows):
        i = r0 + a
        for b in range(n_cols):
            j = c0 + b
            v = sqx[i] + sqy[j] - 2.0 * np.float64(G[a, b])
            tol = c * (sqx[i] + sqy[j])
            if v < near[j] + near_tol[j] + tol:  # perhaps nearer than the nearest
                exact = -1.0
                if v >= near[j] - near_tol[j] - tol:  # too close to call: directly
                    if near_d2[j] < 0.0:
                        near_d2[j] = direct_pair(X, near_at[j], Y, j, scale)
                    exact = direct_pair(X, i, Y, j, scale)
                if exact < 0.0 or exact < near_d2[j]:
                    near[j], near_tol[j], near_d2[j], near_at[j] = v, tol, exact, i
            if Rp[i] > 0.0 and (v <= 0.0 or Rp[i] > ratio[j] * v):
                ratio[j] = np.inf if v <= 0.0 else Rp[i] / v
                ratio_at[j] = i
            if v - tol >= R[i] and v - tol >= S[j]:
                continue
            if abs(v - R[i]) <= tol or abs(v - S[j]) <= tol:
                v = direct_pair(X, i, Y, j, scale)
            if v < R[i]:
                counts[j] += 1
                covered[i] = True
                if R[i] < rarity[j]:
                    rarity[j] = R[i]
            if v < S[j]:
                recalled[i] = True
