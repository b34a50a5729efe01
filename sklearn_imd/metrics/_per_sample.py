"""Per-sample diagnostics of a generated sample against a real one: which
generated points are unrealistic, rare or outside the real kNN balls, and
which real points no generated point covers."""

from dataclasses import dataclass

import numpy as np

from .._utils.chunking import COPY_ENTRIES, row_blocks
from .._utils.validation import binary_exponent
from ._prdc import _CROSS_COLUMNS, _CROSS_ROWS, _Sample, _check_pair, _radii, _tolerance

__all__ = ["SampleDiagnostics", "sample_diagnostics"]

# Kynkaanniemi et al. compute the realism score on the real balls whose radius
# is at most the median radius (their code: ``clamp_to_percentile=50``).
_REALISM_PERCENTILE = 50


@dataclass(frozen=True)
class SampleDiagnostics:
    """Per-sample view of a generated sample against a real one (from
    :func:`sample_diagnostics`).

    Attributes
    ----------
    k : int
        Neighbour of the kNN radii.
    n_balls : ndarray of shape (n_generated,) of int
        Number of real kNN balls holding each generated point (strictly
        inside): 0 for a point off the real manifold; ``n_balls / k``
        averages to :attr:`density`.
    realism : ndarray of shape (n_generated,)
        Realism score (Kynkaanniemi et al. 2019): the largest ratio of a real
        ball's radius to the generated point's distance from its centre, over
        the real balls of at most the median radius.  Above 1 for a point
        inside such a ball, below 1 outside them all; ``inf`` for a point equal
        to one of their centres.
    rarity : ndarray of shape (n_generated,)
        Rarity score (Han et al. 2023): the smallest radius of a real ball
        holding the point; large where the real data are sparse.  NaN for a
        point in no ball (``n_balls == 0``), for which the score is not
        defined.
    nearest_real : ndarray of shape (n_generated,) of int
        Row of the real sample nearest to each generated point.
    nearest_real_distance : ndarray of shape (n_generated,)
        Euclidean distance to it.
    covered : ndarray of shape (n_real,) of bool
        Whether the real point's ball holds a generated point (its mean is
        :attr:`coverage`).
    recalled : ndarray of shape (n_real,) of bool
        Whether the real point lies inside some generated point's ball (its
        mean is :attr:`recall`).
    radius : ndarray of shape (n_real,)
        Each real point's kNN radius (distance to its ``k``-th nearest other
        real point).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import sample_diagnostics
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(500, 2))
    >>> generated = np.vstack([rng.normal(size=(99, 2)), [[8.0, 8.0]]])  # one outlier
    >>> diag = sample_diagnostics(real, generated)
    >>> int(np.argmin(diag.realism)), int(diag.n_balls[-1]), bool(np.isnan(diag.rarity[-1]))
    (99, 0, True)
    >>> round(diag.precision, 2)
    0.98
    """

    k: int
    n_balls: np.ndarray
    realism: np.ndarray
    rarity: np.ndarray
    nearest_real: np.ndarray
    nearest_real_distance: np.ndarray
    covered: np.ndarray
    recalled: np.ndarray
    radius: np.ndarray

    @property
    def precision(self):
        """Fraction of generated points in some real ball (:func:`prdc_score`'s)."""
        return float(np.count_nonzero(self.n_balls) / self.n_balls.size)

    @property
    def recall(self):
        """Fraction of real points in some generated ball (:func:`prdc_score`'s)."""
        return float(self.recalled.mean())

    @property
    def density(self):
        """Mean of ``n_balls / k`` (:func:`prdc_score`'s)."""
        return float(self.n_balls.sum() / (self.k * self.n_balls.size))

    @property
    def coverage(self):
        """Fraction of real points whose ball holds a generated point
        (:func:`prdc_score`'s)."""
        return float(self.covered.mean())


def _pair_d2(X, Y, scale, x_rows, y_rows=None):
    """Squared distances of ``X[x_rows[a]] * scale`` and ``Y[y_rows[a]] * scale``
    (``y_rows`` None: all of ``Y``, in order), in float64, in blocks."""
    y_rows = np.arange(Y.shape[0]) if y_rows is None else y_rows
    out = np.empty(y_rows.size)
    for rows in row_blocks(y_rows.size, Y.shape[1], COPY_ENTRIES):
        diff = (Y[y_rows[rows]].astype(np.float64) * scale
                - X[x_rows[rows]].astype(np.float64) * scale)
        out[rows] = np.einsum("ij,ij->i", diff, diff)
    return out


def _merge(states):
    """The threads' per-column results merged: counts add up, the rarity is
    the smallest, the ratio the largest and the nearest point the nearest (by
    direct distances), ties going to the lower real index."""
    counts, rarity, ratio, ratio_at, near_d2, near_at = states[0]
    for c2, r2, q2, qa2, n2, na2 in states[1:]:
        counts = counts + c2
        rarity = np.minimum(rarity, r2)
        take = (q2 > ratio) | ((q2 == ratio) & (qa2 < ratio_at))
        ratio, ratio_at = np.where(take, q2, ratio), np.where(take, qa2, ratio_at)
        take = (n2 < near_d2) | ((n2 == near_d2) & (na2 < near_at))
        near_d2, near_at = np.where(take, n2, near_d2), np.where(take, na2, near_at)
    return counts, rarity, ratio_at, near_d2, near_at


def _diagnostics(X, Y, k):
    """SampleDiagnostics of validated samples."""
    from .._kernels.cross import sample_tile
    from .._utils.panels import over_row_panels

    scale = np.ldexp(1.0, -binary_exponent(X, Y))  # a power of two: exact
    real = _Sample(X, scale, X.mean(axis=0, dtype=np.float64) * scale)
    fake = _Sample(Y, scale, real.center)
    R, S = _radii(X, scale, k, real), _radii(Y, scale, k)
    Rp = np.where(R <= np.percentile(R, _REALISM_PERCENTILE), R, 0.0)
    n, m = X.shape[0], Y.shape[0]
    c = _tolerance(X.shape[1], real.Z.dtype)
    covered = np.zeros(n, dtype=bool)
    recalled = np.zeros(n, dtype=bool)

    def state():  # counts, rarity, ratio, ratio_at, near, near_tol, near_d2, near_at
        return (np.zeros(m, dtype=np.int64), np.full(m, np.inf), np.zeros(m),
                np.zeros(m, dtype=np.int64), np.full(m, np.inf), np.zeros(m),
                np.full(m, -1.0), np.zeros(m, dtype=np.int64))

    def task(r0, r1, own):
        panel = real.Z[r0:r1]
        for c0 in range(0, m, _CROSS_COLUMNS):
            G = panel @ fake.Z[c0 : c0 + _CROSS_COLUMNS].T
            sample_tile(G, r0, c0, real.sq, fake.sq, c, R, S, Rp, X, Y, scale, own[0],
                        own[1], covered, recalled, *own[2:])

    states = []
    for counts, rarity, ratio, ratio_at, _, _, near_d2, near_at in over_row_panels(
            n, _CROSS_ROWS, task, state):
        unknown = np.flatnonzero(near_d2 < 0)  # never compared directly
        near_d2[unknown] = _pair_d2(X, Y, scale, near_at[unknown], unknown)
        states.append((counts, rarity, ratio, ratio_at, near_d2, near_at))
    counts, rarity, ratio_at, near_d2, near_at = _merge(states)
    # the realism's distance, recomputed directly
    top = Rp[ratio_at]  # 0 only when every radius is (points repeated more than k times)
    with np.errstate(divide="ignore", invalid="ignore"):
        realism = np.where(top > 0, np.sqrt(top / _pair_d2(X, Y, scale, ratio_at)), 0.0)
    rarity[np.isinf(rarity)] = np.nan  # in no ball
    return SampleDiagnostics(
        k=k, n_balls=counts, realism=realism, rarity=np.sqrt(rarity) / scale,
        nearest_real=near_at, nearest_real_distance=np.sqrt(near_d2) / scale,
        covered=covered, recalled=recalled, radius=np.sqrt(R) / scale)


def sample_diagnostics(X, Y, *, k=5):
    """Per-sample diagnostics of a generated sample ``Y`` against a real sample
    ``X``: the scores behind precision, recall, density and coverage, one per
    point, with the realism and rarity scores and each generated point's
    nearest real point.

    Each point's kNN ball is the ball around it whose radius is the distance
    to its ``k``-th nearest neighbour in its own sample (as in
    :func:`prdc_score`, whose four numbers the result's properties
    reproduce).  Per generated point: how many real balls hold it, its
    realism score (Kynkaanniemi et al. 2019), its rarity score (Han et al.
    2023) and its nearest real point; per real point: whether its ball holds
    a generated point (covered) and whether it lies in a generated point's
    ball (recalled).  Sorting the generated points by realism shows the
    least realistic first; the real points that are not covered show what
    the model misses.

    Computed on the exact blocked kNN machinery of :func:`prdc_score`: no
    distance matrix is held, so memory is linear in the sample sizes.  Ball
    memberships are those of exact distances; the realism is within float32
    rounding of the products (about ``1e-6`` relative) in the choice of its
    ball, its distance then computed directly in float64, as are the nearest
    real point's.

    Parameters
    ----------
    X : array-like of shape (n_real, n_features)
        Real sample (e.g. features of real images).
    Y : array-like of shape (n_generated, n_features)
        Generated sample, in the same feature space.
    k : int, default=5
        Neighbour of the radii, :func:`prdc_score`'s default; each sample
        needs more than ``k`` points.  The realism and rarity papers use
        ``k=3``.

    Returns
    -------
    diagnostics : SampleDiagnostics
        Per-sample arrays, and :attr:`~SampleDiagnostics.precision`,
        :attr:`~SampleDiagnostics.recall`, :attr:`~SampleDiagnostics.density`
        and :attr:`~SampleDiagnostics.coverage` equal to
        :func:`prdc_score`'s.

    Notes
    -----
    Realism: ``max_i r_i / |y - x_i|`` over the real points ``x_i`` whose
    radius ``r_i`` is at most the median radius, with Euclidean distances, as
    the paper defines it.  The authors' code works with squared distances
    and adds ``1e-5`` to the denominator, so its score is about the square of
    this one.  Rarity: ``min r_i`` over the real balls holding ``y``
    (strictly), as ``hichoe95/Rarity-Score`` computes it, with NaN where
    that code gives 0 (no ball holds the point).

    See Also
    --------
    prdc_score : The four numbers alone.
    authenticity_score, data_copying_test : Whether generated points copy the
        training set.
    sklearn_imd.plotting.SampleDisplay : The least realistic samples, the
        uncovered real points, as pictures or a scatter.

    References
    ----------
    T. Kynkaanniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila.  "Improved
    Precision and Recall Metric for Assessing Generative Models", NeurIPS 2019.

    J. Han, H. Choi, Y. Choi, J. Kim, J.-W. Ha, J. Choi.  "Rarity Score: A New
    Metric to Evaluate the Uncommonness of Synthesized Images", ICLR 2023.

    M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi, J. Yoo.  "Reliable Fidelity and
    Diversity Metrics for Generative Models", ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import sample_diagnostics
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(1000, 4))
    >>> half = rng.normal(size=(1000, 4))
    >>> half = half[half[:, 0] > 0]  # a model that misses half the data
    >>> diag = sample_diagnostics(real, half)
    >>> uncovered = real[~diag.covered]
    >>> bool(np.mean(uncovered[:, 0] < 0) > 0.9)  # the missed half
    True
    >>> real[diag.nearest_real[:3]].shape
    (3, 4)
    """
    X, Y, k = _check_pair(X, Y, k)
    return _diagnostics(X, Y, k)
