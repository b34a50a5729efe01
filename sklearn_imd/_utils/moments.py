"""Mean and covariance of a sample given in parts: each part's float64 moments,
merged by Chan, Golub & LeVeque's pairwise update (never a running sum of
``x xᵀ``), so that streaming (:meth:`ReferenceStats.partial_fit`), merging
(:meth:`ReferenceStats.merge`) and blockwise Dask arrays give the one-shot
moments to rounding.

Each part is held exactly scaled by a power of two (``binary_exponent``), its
values within 1, so no sum of squares can overflow or underflow float64 at
any scale of the features; parts of different scales are brought to the
larger one when merged.
"""

from dataclasses import dataclass

import numpy as np

from .validation import binary_exponent


@dataclass(frozen=True)
class Moments:
    """Moments of ``n`` rows of features ``X``, with ``Z = X / 2**exponent``:
    ``mean`` the mean of ``Z`` and ``scatter`` ``sum((z - mean)(z - mean)ᵀ)``."""

    n: int
    mean: np.ndarray
    scatter: np.ndarray
    exponent: int

    def covariance(self, ddof=1):
        """The covariance of ``Z`` (``X / 2**exponent``)."""
        return self.scatter / (self.n - ddof)


def part_moments(X):
    """The :class:`Moments` of one part ``X`` (a 2-D array, any float dtype)."""
    X = np.asarray(X)
    n, d = X.shape
    if n == 0:
        return Moments(0, np.zeros(d), np.zeros((d, d)), 0)
    e = binary_exponent(X)
    Z = np.ldexp(X.astype(np.float64), -e)
    mean = Z.mean(axis=0)
    Z -= mean
    return Moments(n, mean, Z.T @ Z, e)


def merge_moments(a, b):
    """The :class:`Moments` of the rows of two parts together (Chan et al.)."""
    if a.n == 0:
        return b
    if b.n == 0:
        return a
    e = max(a.exponent, b.exponent)
    # to the common scale: exact (powers of two) unless a value underflows
    # there, below 2**-1022 of the larger part's scale
    ma, mb = np.ldexp(a.mean, a.exponent - e), np.ldexp(b.mean, b.exponent - e)
    sa, sb = np.ldexp(a.scatter, 2 * (a.exponent - e)), np.ldexp(b.scatter, 2 * (b.exponent - e))
    n = a.n + b.n
    delta = mb - ma
    mean = ma + delta * (b.n / n)
    scatter = sa + sb + np.outer(delta, delta) * (a.n * b.n / n)
    return Moments(n, mean, scatter, e)


def merge_all(parts):
    """The :class:`Moments` of a list of parts, merged pairwise as a balanced
    tree (the rounding error grows with log(number of parts), not with it)."""
    parts = list(parts)
    if not parts:
        raise ValueError("no parts to merge.")
    while len(parts) > 1:
        parts = [merge_moments(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    return parts[0]
