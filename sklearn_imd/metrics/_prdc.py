"""Precision, recall, density and coverage of a generated sample (kNN balls)."""

from dataclasses import asdict, dataclass

import numpy as np

from .._utils.blas import product_tolerance as _tolerance
from .._utils.chunking import COPY_ENTRIES, row_blocks
from .._utils.validation import JIT_MIN_POINTS, binary_exponent, check_cloud, check_int

# Tiles of the real x generated pass: _CROSS_ROWS x _CROSS_COLUMNS float32
# products (512 KiB, in cache between the product and the kernel; at 64
# features 20% faster than the kNN search's 256 x 2048 tiles).
_CROSS_ROWS = 128
_CROSS_COLUMNS = 1024

@dataclass(frozen=True)
class PRDCResult:
    """Result of :func:`prdc_score`.

    Attributes
    ----------
    precision : float
        Fraction of generated points inside some real point's kNN ball.
    recall : float
        Fraction of real points inside some generated point's kNN ball.
    density : float
        Mean number of real kNN balls containing a generated point, divided
        by ``k`` (1 on average when both samples come from one distribution;
        it can exceed 1).
    coverage : float
        Fraction of real points whose kNN ball contains a generated point.
    """

    precision: float
    recall: float
    density: float
    coverage: float

    def as_dict(self):
        """The four metrics as a dict ``{"precision": ..., ...}``."""
        return asdict(self)


class _Sample:
    """One sample's coordinates in given units.

    ``scale`` (a power of two, so exact) and ``center`` map the coordinates
    ``X`` to ``Z = X * scale - center``, held in ``dtype`` for BLAS, with
    their squared norms ``sq`` in float64.
    """

    def __init__(self, X, scale, center, dtype=np.float32):
        self.X, self.scale, self.center = X, scale, center
        self.Z = np.empty(X.shape, dtype=dtype)
        for rows in row_blocks(X.shape[0], X.shape[1], COPY_ENTRIES):  # float64 rows at once
            self.Z[rows] = X[rows] * scale - center
        self.sq = np.einsum("ij,ij->i", self.Z, self.Z, dtype=np.float64)


def _certified_radii(sample, k, rows, n_cand):
    """Radii of the points ``rows`` from a search in ``sample.Z``'s dtype, and
    whether each is certain.

    The search gives the ``n_cand`` nearest candidates by the rounded
    products; their squared distances are recomputed directly in float64, and
    the ``k``-th smallest is the radius.  Every other point's product was no
    smaller than the candidates', so its distance is at least the largest
    candidate distance less twice the rounding bound (:func:`_tolerance`, with
    the largest norm): when that is no smaller than the radius, no point
    outside the candidates is nearer, and the radius is exact.
    """
    from .._core.search import exact_knn
    from .._kernels.select import direct_distances

    ind = exact_knn(sample.Z, n_cand, rows=None if rows.size == sample.Z.shape[0] else rows,
                    jit=sample.Z.shape[0] >= JIT_MIN_POINTS)  # NumPy for small samples
    d2 = direct_distances(sample.X, sample.scale, rows, ind)
    d2.sort(axis=1)
    radii = d2[:, k - 1]
    c = _tolerance(sample.Z.shape[1], sample.Z.dtype)
    floor = d2[:, -1] - 2.0 * c * (sample.sq[rows] + sample.sq.max())
    return radii, floor >= radii


def _radii(X, scale, k, sample=None):
    """Squared distance of each point of ``X * scale`` to its ``k``-th nearest
    neighbour (itself excluded; duplicates count), exact.

    The search runs on float32 coordinates centred on the sample's mean and is
    certified row by row (:func:`_certified_radii`).  Rows it cannot certify
    (clusters whose spread is tiny beside their distance from the mean) are
    searched again in float64, and the few left after that are compared with
    every point directly.  ``sample``: those float32 coordinates, if made
    already (a ``_Sample`` of ``X`` with ``scale``, centred on its mean).
    """
    from .._kernels.select import direct_distances

    n = X.shape[0]
    if sample is None:  # else: X's float32 coordinates centred on its mean, already made
        sample = _Sample(X, scale, X.mean(axis=0, dtype=np.float64) * scale)
    rows = np.arange(n, dtype=np.int64)
    n_cand = min(n - 1, k + max(4, k))
    radii, certain = _certified_radii(sample, k, rows, n_cand)
    if n_cand < n - 1 and not certain.all():
        rows = rows[~certain]
        again, certain = _certified_radii(_Sample(X, scale, sample.center, np.float64), k, rows,
                                          n_cand)
        radii[rows] = again
        rows = rows[~certain]
        everyone = np.arange(n, dtype=np.int64)
        for start in range(0, rows.size, 64):
            part = rows[start : start + 64]
            d2 = direct_distances(X, scale, part, np.broadcast_to(everyone, (part.size, n)))
            d2[np.arange(part.size), part] = np.inf  # itself
            radii[part] = np.partition(d2, k - 1, axis=1)[:, k - 1]
    return radii


def _cross(real, fake, R, S):
    """``(counts, covered, recalled)`` of :func:`sklearn_imd._kernels.cross.cross_tile`
    over all pairs of real and generated points, in tiles (memory linear in
    the sample sizes), by a pool of threads with single-threaded BLAS."""
    from .._kernels.cross import cross_tile
    from .._utils.panels import over_row_panels

    n, m = real.Z.shape[0], fake.Z.shape[0]
    c = _tolerance(real.Z.shape[1], real.Z.dtype)
    covered = np.zeros(n, dtype=bool)
    recalled = np.zeros(n, dtype=bool)

    def task(r0, r1, counts):
        panel = real.Z[r0:r1]
        for c0 in range(0, m, _CROSS_COLUMNS):
            G = panel @ fake.Z[c0 : c0 + _CROSS_COLUMNS].T
            cross_tile(G, r0, c0, real.sq, fake.sq, c, R, S, real.X, fake.X, real.scale,
                       counts, covered, recalled)

    counts = sum(over_row_panels(n, _CROSS_ROWS, task, lambda: np.zeros(m, dtype=np.int64)))
    return counts, covered, recalled


def _check_pair(X, Y, k, check=check_cloud):
    """Checked ``(X, Y, k)`` of prdc_score; ``check``: the cloud check
    (``_dask.check_cloud`` for dask arrays)."""
    k = check_int(k, "k", 1)
    X = check(X, min_points=k + 1, name="X", purpose=f"a {k}-NN radius")
    Y = check(Y, min_points=k + 1, name="Y", purpose=f"a {k}-NN radius")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features; got {X.shape[1]} and "
            f"{Y.shape[1]}. Precision, recall, density and coverage compare points in one "
            "feature space; imd_score compares clouds of different dimensions."
        )
    return X, Y, k


def scaled_radii(X, k):
    """``(R, e)``: the squared ``k``-NN radii of the validated sample ``X / 2**e``,
    ``e = binary_exponent(X)`` (the reference statistics PRDC keeps, in units
    where no squared distance overflows or underflows)."""
    e = binary_exponent(X)
    return _radii(X, np.ldexp(1.0, -e), k), e


def real_radii(X, k):
    """Squared ``k``-NN radii of a validated sample, in its own units (they
    overflow beyond values of about 1e154, underflow below 1e-154)."""
    R, e = scaled_radii(X, k)
    return np.ldexp(R, 2 * e)


def _prdc(X, Y, k, R=None, R_exponent=0):
    """PRDCResult of validated samples; ``R``: the real squared radii, if known,
    of ``X / 2**R_exponent`` (:func:`scaled_radii`, :func:`real_radii`)."""
    e = binary_exponent(X, Y)
    scale = np.ldexp(1.0, -e)
    # scaling by a power of two is exact: the radii in the shared units.  The
    # real sample is centred on its own mean, as its radii search needs.
    real = _Sample(X, scale, X.mean(axis=0, dtype=np.float64) * scale)
    R = _radii(X, scale, k, real) if R is None else np.ldexp(R, 2 * (R_exponent - e))
    S = _radii(Y, scale, k)
    counts, covered, recalled = _cross(real, _Sample(Y, scale, real.center), R, S)
    return PRDCResult(
        precision=float(np.count_nonzero(counts) / counts.size),
        recall=float(recalled.mean()),
        density=float(counts.sum() / (k * counts.size)),
        coverage=float(covered.mean()),
    )


def prdc_score(X, Y, *, k=5):
    """Precision, recall, density and coverage of a generated sample.

    Each point's kNN ball is the ball around it whose radius is the distance
    to its ``k``-th nearest neighbour in its own sample.  With ``X`` real and
    ``Y`` generated (Naeem et al. 2020; precision and recall after
    Kynkaanniemi et al. 2019):

    - precision: fraction of generated points inside the union of the real
      balls (fidelity);
    - recall: fraction of real points inside the union of the generated
      balls (diversity);
    - density: ``1 / (k m)`` times the number of (real ball, generated point)
      pairs with the point inside the ball: like precision, but it counts
      how many real balls hold each generated point, so it is robust to real
      outliers, whose large balls inflate precision; about 1 when both
      samples come from one distribution;
    - coverage: fraction of real points whose ball holds a generated point:
      like recall, but built on the real balls, robust to generated
      outliers.

    "Inside" is strict (distance < radius), as in the ``prdc`` package of the
    authors, whose numbers these are for the same ``k``.

    Unlike the reference implementation, which stores three distance
    matrices of ``n x n`` entries (40 GB each at 100,000 points), this one
    never holds a distance matrix: the radii come from the library's exact
    blocked kNN search and the real-generated pass runs over tiles of float32
    inner products, so memory is linear in the sample sizes.  Entries within
    float32 rounding of a radius are decided by distances computed directly
    in float64, so the counts are those of exact distances.

    Parameters
    ----------
    X : array-like or dask array of shape (n_real, n_features)
        Real sample (e.g. features of real images).  With a ``dask.array``
        (either sample), the exact kNN searches and the cross pass run as
        tasks over pairs of row blocks on the current Dask scheduler, with the
        same four numbers (user guide, "Evaluating at scale").
    Y : array-like of shape (n_generated, n_features)
        Generated sample, in the same feature space.
    k : int, default=5
        Neighbour of the radius, the paper's default; each sample needs more
        than ``k`` points.

    Returns
    -------
    result : PRDCResult
        With attributes ``precision``, ``recall``, ``density`` and
        ``coverage`` (floats) and :meth:`~PRDCResult.as_dict`.

    Notes
    -----
    The cost is that of three products of ``n`` by ``d`` matrices (half of
    each kNN search's, and the full cross product), in float32 BLAS.  Points
    repeated more than ``k`` times have a radius of 0, and no point is
    strictly inside such a ball: deduplicate discrete data first.

    See Also
    --------
    fid_score, kid_score : The extrinsic metrics usually reported beside these.
    imd_score : Intrinsic, multi-scale comparison of the samples' geometry.

    References
    ----------
    M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi, J. Yoo.  "Reliable Fidelity and
    Diversity Metrics for Generative Models", ICML 2020.

    T. Kynkaanniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila.  "Improved
    Precision and Recall Metric for Assessing Generative Models", NeurIPS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import prdc_score
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(2000, 8))
    >>> res = prdc_score(real, rng.normal(size=(2000, 8)))
    >>> 0.6 < res.precision < 1 and 0.6 < res.recall < 1 and 0.9 < res.coverage <= 1
    True
    >>> collapsed = prdc_score(real, 0.3 * rng.normal(size=(2000, 8)))
    >>> bool(collapsed.recall < 0.2 and collapsed.coverage < 0.5)
    True
    """
    from .._dask import any_dask

    if any_dask(X, Y):  # exact searches over pairs of row blocks (sklearn_imd._dask)
        from .._dask import _prdc as dask_prdc, check_cloud as check_dask

        return PRDCResult(**dask_prdc(*_check_pair(X, Y, k, check=check_dask)))
    X, Y, k = _check_pair(X, Y, k)
    return _prdc(X, Y, k)
