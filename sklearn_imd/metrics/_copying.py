"""Memorisation: is a generated sample closer to the model's training set than
fresh data is?  The data-copying test of Meehan, Chaudhuri & Dasgupta (AISTATS
2020) and the authenticity of Alaa et al. (ICML 2022), on exact nearest
training points."""

import math
from dataclasses import dataclass

import numpy as np

from .._utils.chunking import SEARCH_ENTRIES, row_blocks
from .._utils.validation import (
    binary_exponent, check_cloud, check_int, check_seed,
)

__all__ = ["AuthenticitySamples", "DataCopyingResult", "authenticity_score",
           "data_copying_test"]

# Query rows per block of the nearest-point search; with SEARCH_ENTRIES
# products per block (64 MiB of float64).
_QUERY_ROWS = 1024
# The reference (Meehan et al.'s code, dgm-eval) keeps a cell in C_T when
# more than 20 generated points fall in it.
_MIN_CELL_GENERATED = 20
# dgm-eval projects features of more than 64 dimensions on the training set's
# first 64 principal components before the k-means cells.
_PCA_COMPONENTS = 64


def _check_same_space(named):
    (first, A), *rest = named
    for name, B in rest:
        if B.shape[1] != A.shape[1]:
            raise ValueError(
                f"{first} and {name} must have the same number of features; got "
                f"{A.shape[1]} and {B.shape[1]}. Memorisation compares points of one "
                "feature space.")


def _nearest(T, Q, scale, center):
    """``(index, squared distance)`` of the nearest row of ``T`` to each row of
    ``Q``, both multiplied by ``scale`` (a power of two).

    The candidates come from float64 inner products of coordinates centred on
    ``center`` (``|q - t|^2 = |q|^2 + |t|^2 - 2 q.t`` in blocks of rows, memory
    linear in the sizes); the winner's squared distance is then computed
    directly from the coordinates, so an exact copy is at distance 0.  Two
    training points whose squared distances to a query differ by less than
    about ``1e-15`` of their squared norms may be taken one for the other.
    """
    Tc = T * scale - center  # a copy: the input is not touched
    sq = np.einsum("ij,ij->i", Tc, Tc)
    m, n = Q.shape[0], T.shape[0]
    index = np.empty(m, dtype=np.int64)
    d2 = np.empty(m)
    cols = row_blocks(n, _QUERY_ROWS, SEARCH_ENTRIES)
    for rows in row_blocks(m, Q.shape[1], _QUERY_ROWS * Q.shape[1]):
        Qc = Q[rows] * scale - center
        best = np.full(Qc.shape[0], np.inf)
        arg = np.zeros(Qc.shape[0], dtype=np.int64)
        for c in cols:
            part = sq[c] - 2.0 * (Qc @ Tc[c].T)  # |q|^2 is the same for every t
            j = np.argmin(part, axis=1)
            v = part[np.arange(j.size), j]
            better = v < best
            best[better] = v[better]
            arg[better] = j[better] + c.start
        index[rows] = arg
        diff = Qc - Tc[arg]
        d2[rows] = np.einsum("ij,ij->i", diff, diff)
    return index, d2


def _units(*arrays):
    """The power of two that brings every value within 1 (no squared distance
    overflows or underflows), and the first array's mean in those units."""
    scale = math.ldexp(1.0, -binary_exponent(*arrays))
    return scale, arrays[0].mean(axis=0, dtype=np.float64) * scale


# ---------------------------------------------------------------------------------------
# authenticity


@dataclass(frozen=True)
class AuthenticitySamples:
    """Per generated sample: its nearest training point and whether it is
    authentic (from :func:`authenticity_score` with ``return_samples=True``).

    Attributes
    ----------
    authentic : ndarray of shape (n_generated,) of bool
        Farther from its nearest training point than that training point is
        from its own nearest other training point.
    nearest_train : ndarray of shape (n_generated,) of int
        Row of ``train`` nearest to each generated point.
    distance : ndarray of shape (n_generated,)
        Euclidean distance to that training point (0 for an exact copy).
    train_distance : ndarray of shape (n_generated,)
        Distance of that training point to its nearest other training point
        (0 when it is duplicated in ``train``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import authenticity_score
    >>> train = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
    >>> generated = np.array([[0.1, 0.0], [5.0, 12.0]])
    >>> score, samples = authenticity_score(train, generated, return_samples=True)
    >>> score, samples.nearest_train.tolist(), samples.authentic.tolist()
    (0.5, [0, 2], [False, True])
    >>> samples.distance.round(3).tolist(), samples.train_distance.round(3).tolist()
    ([0.1, 7.0], [1.0, 6.403])
    """

    authentic: np.ndarray
    nearest_train: np.ndarray
    distance: np.ndarray
    train_distance: np.ndarray


def authenticity_score(train, generated, *, return_samples=False):
    """Fraction of generated samples that are not copies of training samples.

    The authenticity of Alaa et al. (ICML 2022), as dgm-eval computes it: a
    generated point is authentic when it is farther from its nearest
    training point ``t`` than ``t`` is from its own nearest other training
    point.  A copier scores 0.  A sample of the training distribution
    independent of ``train`` does not score a fixed value: with 2,000
    standard Gaussian training points and 1,000 fresh ones it scored 0.37 to
    0.45 in 2 dimensions, 0.45 to 0.48 in 4, 0.56 to 0.61 in 8, 0.77 to 0.80
    in 32 and 0.81 to 0.90 in 128 (three seeds each), so read a model's
    score beside that of held-out data (``authenticity_score(train,
    test)``), not beside 0.5.

    Parameters
    ----------
    train : array-like of shape (n_train, n_features)
        The samples the model was trained on (at least 2).
    generated : array-like of shape (n_generated, n_features)
        The model's samples, in the same feature space.
    return_samples : bool, default=False
        Also return the :class:`AuthenticitySamples`: each generated
        point's nearest training point, the two distances and its verdict.

    Returns
    -------
    score : float
        The fraction authentic, in [0, 1] (dgm-eval prints 100 times it).
    samples : AuthenticitySamples
        Only with ``return_samples=True``.

    Notes
    -----
    The nearest training points come from a blocked search over float64
    inner products (memory linear in the sizes; no distance matrix), and the
    distances compared are computed directly from the coordinates, so an
    exact copy is at distance 0 and never authentic.  Ties count as not
    authentic (the comparison is strict, as in dgm-eval).  The authors' own
    ``evaluating-generative-models`` code indexed the training distances by
    the nearest *generated* point of each training point (their issue #4);
    this follows the definition, as dgm-eval does.

    See Also
    --------
    data_copying_test : A test of whether the generated points are closer to
        the training set than held-out data is.
    prdc_score : Precision and coverage, which a copier maximises.

    References
    ----------
    A. M. Alaa, B. van Breugel, E. Saveliev, M. van der Schaar.  "How
    Faithful is your Synthetic Data? Sample-level Metrics for Evaluating and
    Auditing Generative Models", ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import authenticity_score
    >>> rng = np.random.default_rng(0)
    >>> train = rng.normal(size=(1000, 4))
    >>> fresh = rng.normal(size=(500, 4))
    >>> copies = train[:500] + 1e-3 * rng.normal(size=(500, 4))
    >>> round(authenticity_score(train, fresh), 1), authenticity_score(train, copies)
    (0.5, 0.0)
    >>> score, samples = authenticity_score(train, copies, return_samples=True)
    >>> bool((samples.nearest_train == np.arange(500)).all())
    True
    """
    from ._prdc import scaled_radii

    T = check_cloud(train, min_points=2, name="train",
                    purpose="a nearest other training point")
    Y = check_cloud(generated, min_points=1, name="generated", purpose="authenticity")
    _check_same_space([("train", T), ("generated", Y)])
    T, Y = T.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)
    return _authenticity(T, Y, scaled_radii(T, 1), return_samples)


def _authenticity(T, Y, radii, return_samples=False):
    """:func:`authenticity_score` of validated samples, with ``radii = (R, e)``
    the squared distances of ``T / 2**e`` to their nearest other point
    (:func:`~sklearn_imd.metrics._prdc.scaled_radii` with ``k = 1``)."""
    scale, center = _units(T, Y)
    nearest, d2 = _nearest(T, Y, scale, center)
    R, e = radii
    # exact squared distance to the nearest other, in the shared units
    r2 = np.ldexp(R[nearest], 2 * (e + round(math.log2(scale))))
    authentic = r2 < d2
    score = float(authentic.mean())
    if not return_samples:
        return score
    unit = 1.0 / scale
    return score, AuthenticitySamples(authentic=authentic, nearest_train=nearest,
                                      distance=np.sqrt(d2) * unit,
                                      train_distance=np.sqrt(r2) * unit)


# ---------------------------------------------------------------------------------------
# the data-copying test


@dataclass(frozen=True)
class DataCopyingResult:
    """Result of :func:`data_copying_test`.

    Attributes
    ----------
    statistic : float
        ``C_T``: the cells' Mann-Whitney Z-scores averaged with the test
        sample's fractions as weights, over the cells that hold more than
        20 generated points.  About 0 when the generated points are as far
        from the training set as fresh data; strongly negative (below -3,
        say) when they are closer: data copying; strongly positive when
        they are farther (underfitting).
    pvalue : float
        One-sided p-value against copying: the normal probability of a
        ``C_T`` as low, under the null hypothesis that in every cell the
        generated and test distances to the training set are exchangeable
        (each cell's Z-score then standard normal, independently, so ``C_T``
        has the standard deviation ``sqrt(sum w^2) / sum w``).
    n_cells : int
        Number of k-means cells of the training set.
    cell_statistics : ndarray of shape (n_cells,)
        Each cell's Z-score ``Z_U`` (NaN in a cell without generated points).
    cell_used : ndarray of shape (n_cells,) of bool
        The cells that enter ``C_T``.
    cell_test_fraction, cell_generated_fraction : ndarray of shape (n_cells,)
        Fraction of the test and of the generated sample in each cell.
    generated_cell : ndarray of shape (n_generated,) of int
        The cell of each generated point.
    generated_nearest : ndarray of shape (n_generated,) of int
        Row of ``train`` nearest to each generated point among the training
        points of its cell.
    generated_distance, test_distance : ndarray
        Distance of each generated and each test point to that training
        point (in the space the cells were built in: the principal
        components when the features were projected).
    """

    statistic: float
    pvalue: float
    n_cells: int
    cell_statistics: np.ndarray
    cell_used: np.ndarray
    cell_test_fraction: np.ndarray
    cell_generated_fraction: np.ndarray
    generated_cell: np.ndarray
    generated_nearest: np.ndarray
    generated_distance: np.ndarray
    test_distance: np.ndarray


def _zu(LQ, LP):
    """The reference's Z-scored Mann-Whitney U of the generated distances ``LQ``
    against the test distances ``LP`` (U of the generated sample, average
    ranks for ties; mean ``n m / 2 - 0.5`` with the continuity correction of
    the lower tail, no tie correction of the variance)."""
    from scipy.stats import rankdata

    m, n = LQ.size, LP.size
    ranks = rankdata(np.concatenate([LQ, LP]))
    u = ranks[:m].sum() - m * (m + 1) / 2.0
    return (u - (n * m / 2.0 - 0.5)) / math.sqrt(n * m * (n + m + 1) / 12.0)


def _default_cells(n_test):
    """``max(3, min(50, n_test // 200))``: dgm-eval's 3 cells for small test
    sets, Meehan et al.'s 50 for 10,000 test points (200 a cell)."""
    return max(3, min(50, n_test // 200))


def data_copying_test(train, test, generated, *, n_cells=None, n_components=64,
                      random_state=None):
    """Test whether generated samples copy the training set: ``C_T``.

    The test of Meehan, Chaudhuri & Dasgupta (AISTATS 2020).  The training
    set is cut into ``n_cells`` cells by k-means.  In each cell, the
    distances of the generated points and of the test points (held out from
    training, from the same distribution) to their nearest training point of
    the cell are compared by a Mann-Whitney U test, Z-scored; ``C_T`` is the
    average of those Z-scores, weighted by the test sample's share of each
    cell, over the cells that hold more than 20 generated points.  A model
    that generalises puts its samples as far from the training points as
    fresh data is (``C_T`` about 0); one that copies puts them closer
    (``C_T`` strongly negative), and the cells' own Z-scores say where.

    Parameters
    ----------
    train : array-like of shape (n_train, n_features)
        The samples the model was trained on.
    test : array-like of shape (n_test, n_features)
        Held-out samples of the same distribution, not seen in training.
    generated : array-like of shape (n_generated, n_features)
        The model's samples.
    n_cells : int, default=None
        Number of k-means cells; ``None`` is ``max(3, min(50, n_test //
        200))``: 3, as dgm-eval, for up to 799 test points, growing to the
        50 that Meehan et al. used with 10,000.  Every cell needs a test
        point.
    n_components : int or None, default=64
        Features of more dimensions are projected on the training set's
        first ``n_components`` principal components before the cells and
        distances, as dgm-eval and the paper's ImageNet experiment do;
        ``None`` never projects.
    random_state : int, numpy Generator or None, default=None
        Seeds k-means (10 initialisations) and a randomised PCA.

    Returns
    -------
    result : DataCopyingResult
        ``statistic`` (``C_T``) and ``pvalue``, and per cell and per sample
        the quantities behind them.

    Notes
    -----
    The formulas are the reference code's (``casey-meehan/data-copying``,
    copied into dgm-eval's ``ct.py``): U is that of the generated sample,
    with average ranks for ties, centred on ``n m / 2 - 0.5`` and divided by
    ``sqrt(n m (n + m + 1) / 12)``; a cell enters ``C_T`` when it holds more
    than 20 generated points.  The reference has no p-value; the one here
    treats the cells' Z-scores as independent standard normals, which they
    are asymptotically under the null hypothesis given the cells.  The
    nearest training points are exact (a blocked search, memory linear in
    the sizes).

    See Also
    --------
    authenticity_score : Per-sample verdicts from the nearest training point.

    References
    ----------
    C. Meehan, K. Chaudhuri, S. Dasgupta.  "A Non-Parametric Test to Detect
    Data-Copying in Generative Models", AISTATS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import data_copying_test
    >>> rng = np.random.default_rng(0)
    >>> train, test = rng.normal(size=(2000, 3)), rng.normal(size=(1000, 3))
    >>> fresh = rng.normal(size=(1000, 3))
    >>> copies = train[:1000] + 0.01 * rng.normal(size=(1000, 3))
    >>> res = data_copying_test(train, test, fresh, random_state=0)
    >>> abs(res.statistic) < 3, res.n_cells
    (True, 5)
    >>> res = data_copying_test(train, test, copies, random_state=0)
    >>> res.statistic < -10, res.pvalue < 1e-10
    (True, True)
    """
    T = check_cloud(train, min_points=2, name="train", purpose="the data-copying test")
    P = check_cloud(test, min_points=1, name="test", purpose="the data-copying test")
    Q = check_cloud(generated, min_points=1, name="generated",
                    purpose="the data-copying test")
    _check_same_space([("train", T), ("test", P), ("generated", Q)])
    T, P, Q = (A.astype(np.float64, copy=False) for A in (T, P, Q))
    n_cells = _default_cells(P.shape[0]) if n_cells is None else check_int(
        n_cells, "n_cells", 1)
    if n_cells > T.shape[0]:
        raise ValueError(f"n_cells={n_cells} is more than the {T.shape[0]} training points.")
    if n_components is not None:
        n_components = check_int(n_components, "n_components", 1)
    return _Cells(T, P, n_cells, n_components, random_state).test(Q)


class _Cells:
    """The k-means cells of a validated training set (after the projection on
    its principal components, when there is one) and the test sample's: what
    :func:`data_copying_test` computes once for any number of generated
    samples (``test(Q)``).

    Fitted by the constructor, or rebuilt from the arrays a statistics file
    keeps (:meth:`from_arrays` of :meth:`arrays`): the projection is
    ``(A - pca_mean) @ pca_components.T`` and a point's cell its nearest
    centre (:func:`_nearest_centre`) on either route, so the rebuilt cells
    label every sample as the fitted ones do."""

    def __init__(self, T, P, n_cells, n_components, random_state):
        from sklearn.cluster import KMeans

        rng = np.random.default_rng(check_seed(random_state))
        self.pca_mean = self.pca_components = None
        if n_components is not None and T.shape[1] > n_components:
            from sklearn.decomposition import PCA

            pca = PCA(n_components=min(n_components, T.shape[0]),
                      random_state=int(rng.integers(2**31))).fit(T)
            self.pca_mean, self.pca_components = pca.mean_, pca.components_
        self.T, self.P = self.project(T), self.project(P)
        km = KMeans(n_clusters=n_cells, n_init=10,
                    random_state=int(rng.integers(2**31))).fit(self.T)
        self.centres = km.cluster_centers_
        self.n_cells = n_cells
        self.cells = [_nearest_centre(self.T, self.centres),
                      _nearest_centre(self.P, self.centres)]

    @classmethod
    def from_arrays(cls, T, P, *, centres, train_labels, test_labels, pca_mean=None,
                    pca_components=None):
        """The cells of :meth:`arrays`, for the training set ``T`` and test
        sample ``P`` they were fitted on (checked by the caller), without
        refitting."""
        self = cls.__new__(cls)
        self.pca_mean, self.pca_components = pca_mean, pca_components
        self.centres = centres
        self.n_cells = centres.shape[0]
        self.T, self.P = self.project(T), self.project(P)
        self.cells = [train_labels, test_labels]
        return self

    def arrays(self):
        """What :meth:`from_arrays` rebuilds the cells from: the centres, the
        training and test cells and, with a projection, its mean and
        components (``None`` without)."""
        return {"centres": self.centres, "train_labels": self.cells[0],
                "test_labels": self.cells[1], "pca_mean": self.pca_mean,
                "pca_components": self.pca_components}

    def project(self, A):
        # float64 throughout: the samples may come as float32 and float64, and
        # the cells (centres, projection) are float64
        A = np.asarray(A, dtype=np.float64)
        if self.pca_components is None:
            return A
        return (A - self.pca_mean) @ self.pca_components.T

    def test(self, Q):
        Q = self.project(Q)
        return _c_t(self.T, self.P, Q, [*self.cells, _nearest_centre(Q, self.centres)],
                    self.n_cells)


# Rows of a block of the nearest-centre search (its differences take rows x
# n_features numbers, its distances rows x n_cells).
_CENTRE_ROWS = 4096


def _nearest_centre(A, centres):
    """Index of the nearest row of ``centres`` to each row of ``A``, by squared
    Euclidean distances computed from the differences (no cancellation), the
    first centre on a tie: the cells of :meth:`KMeans.predict` (which expands
    ``|a - c|^2``; the two agree but on ties to rounding)."""
    labels = np.empty(A.shape[0], dtype=np.int64)
    for rows in row_blocks(A.shape[0], max(A.shape[1], centres.shape[0]),
                           _CENTRE_ROWS * max(A.shape[1], centres.shape[0])):
        labels[rows] = np.argmin(_centre_d2(A[rows], centres), axis=1)
    return labels


def _centre_d2(B, centres):
    """Squared distances of the rows of ``B`` to each centre, shape
    ``(len(B), len(centres))``, from the differences in float64."""
    B = B.astype(np.float64, copy=False)
    d2 = np.empty((B.shape[0], centres.shape[0]))
    for j, c in enumerate(centres):
        diff = B - c
        d2[:, j] = np.einsum("ij,ij->i", diff, diff)
    return d2


def _check_cells(train_cells, test_cells, n_cells):
    """Refuse cells (labels in ``0..n_cells-1``) that C_T cannot use: one
    without a training point or without a test point."""
    if len(np.unique(train_cells)) < n_cells:
        raise ValueError(f"k-means left a cell without training points: the "
                         f"{train_cells.size} training points have fewer than "
                         f"n_cells={n_cells} distinct positions; lower n_cells.")
    empty = np.flatnonzero(np.bincount(test_cells, minlength=n_cells) == 0)
    if empty.size:
        raise ValueError(
            f"{empty.size} of the {n_cells} cells hold no test point (cell {empty[0]}): "
            f"the {test_cells.size} test points are too few for n_cells={n_cells}; lower "
            "n_cells.")


def _c_t(T, P, Q, cells, n_cells):
    """The :class:`DataCopyingResult` of validated samples and their cell
    labels ``cells = [train's, test's, generated's]`` in ``0..n_cells-1``."""
    from scipy.special import ndtr

    _check_cells(cells[0], cells[1], n_cells)
    m, n = Q.shape[0], P.shape[0]
    counts = [np.bincount(c, minlength=n_cells) for c in cells]

    scale, center = _units(T, P, Q)
    nearest = np.empty(m, dtype=np.int64)
    dist_q, dist_p = np.empty(m), np.empty(n)
    z = np.full(n_cells, np.nan)
    for cell in range(n_cells):
        in_t, in_p, in_q = (np.flatnonzero(c == cell) for c in cells)
        Tc = T[in_t]
        _, d2p = _nearest(Tc, P[in_p], scale, center)
        dist_p[in_p] = np.sqrt(d2p) / scale
        if in_q.size:
            j, d2q = _nearest(Tc, Q[in_q], scale, center)
            nearest[in_q] = in_t[j]
            dist_q[in_q] = np.sqrt(d2q) / scale
            z[cell] = _zu(d2q, d2p)  # ranks of squared distances: those of distances
    test_fraction, gen_fraction = counts[1] / n, counts[2] / m
    used = counts[2] > _MIN_CELL_GENERATED
    if not used.any():
        raise ValueError(
            f"no cell holds more than {_MIN_CELL_GENERATED} of the {m} generated points; "
            f"C_T needs such a cell: give more generated points or lower n_cells.")
    w = test_fraction[used]
    statistic = float(w @ z[used] / w.sum())
    pvalue = float(ndtr(statistic * w.sum() / math.sqrt(w @ w)))
    return DataCopyingResult(
        statistic=statistic, pvalue=pvalue, n_cells=n_cells, cell_statistics=z,
        cell_used=used, cell_test_fraction=test_fraction,
        cell_generated_fraction=gen_fraction, generated_cell=cells[2],
        generated_nearest=nearest, generated_distance=dist_q, test_distance=dist_p)
