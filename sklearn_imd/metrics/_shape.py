"""Shape metrics of paired representations: the same ``n`` inputs seen by two
networks (or two layers), ``X`` of shape ``(n, d1)`` and ``Y`` of shape
``(n, d2)``, rows paired, widths free.

- :func:`procrustes_distance`: orthogonal Procrustes distance, as ReSi
  (Klabunde et al. 2024, ``mklabunde/resi``);
- :func:`shape_distance`: the generalised shape metrics of Williams et al.
  (NeurIPS 2021), as ``netrep``'s ``LinearMetric`` (``ahwillia/netrep``);
- :func:`knn_jaccard`: the mean Jaccard index of each input's nearest
  neighbours in the two representations, as ReSi's ``JaccardSimilarity``.

The alignments never form an ``n x n`` matrix: the centred (and partially
whitened) cross-covariance ``A^T B`` of ``d1 x d2`` entries is accumulated
over blocks of rows in float64, and the distance is read from its singular
values (the nuclear norm).  Near zero, where ``|A|^2 + |B|^2 - 2 ||A^T B||_*``
loses its digits to cancellation, the residual of the optimal alignment is
recomputed directly, so that a representation and a rotation of it are at
distance 0 to rounding of the data, not to the square root of it.
"""

import numpy as np

from .._utils.chunking import COPY_ENTRIES, row_blocks
from .._utils.validation import (
    JIT_MIN_POINTS,
    binary_exponent,
    check_choice,
    check_cloud,
    check_int,
    check_real,
)

_SCORES = ("angular", "euclidean")
_KNN_METRICS = ("cosine", "euclidean")
# Below this fraction of |A|^2 + |B|^2, the squared residual read from the
# nuclear norm has lost more than 4 of float64's 16 digits to cancellation
# (its rounding is a few eps times |A|^2 + |B|^2): it is then recomputed from
# the aligned rows (_Alignment.residual), at the cost of one more pass.
_DIRECT_BELOW = 1e-4
# Rows of the certified kNN search compared with every point at once, when
# neither the float32 nor the float64 search could certify them.
_BRUTE_ROWS = 64
_UNDERFLOW = (
    "the variation of X or Y underflows in float64 at the scale of the other (both are "
    "rescaled by one power of two, of their largest value): rescale the smaller one first."
)


def _check_pair(X, Y, *, min_points, purpose):
    """Two validated representations of the same ``n`` inputs (widths may differ)."""
    X = check_cloud(X, min_points=min_points, name="X", purpose=purpose)
    Y = check_cloud(Y, min_points=min_points, name="Y", purpose=purpose)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"X and Y must be representations of the same inputs, one row per input; got "
            f"{X.shape[0]} rows in X and {Y.shape[0]} in Y."
        )
    return X, Y


def _check_not_constant(X, name, why, atol=0.0):
    """Raise when every row of ``X`` equals the first, to ``atol`` (checked in
    blocks, no copy)."""
    first = X[0]
    for rows in row_blocks(X.shape[0], X.shape[1], COPY_ENTRIES):
        if not (np.abs(X[rows] - first) <= atol).all():
            return
    raise ValueError(
        f"{name} is constant: all its {X.shape[0]} rows are equal, so {why}."
    )


def _check_alpha(alpha):
    alpha = check_real(alpha, "alpha")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(
            f"alpha must be in [0, 1] (1: no whitening, 0: full whitening); got {alpha:g}."
        )
    return alpha


def _whitening(C, alpha, scale, n):
    """netrep's partial whitening of centred rows with scatter matrix ``C``
    (``Xc^T Xc`` of the coordinates times ``scale``): ``W`` of shape ``(d, r)``
    with ``Xc W`` the whitened rows in an orthonormal basis of the ``r``
    directions of non-zero variance.

    Along an eigenvector of the scatter matrix with eigenvalue ``lam`` (of the
    unscaled coordinates), the rows are multiplied by ``alpha + (1 - alpha)
    lam^(-1/2)``; then all by one factor that restores the total variance
    ``trace(C)``.  Directions whose eigenvalue is within rounding of zero
    (below ``max(lam) max(n, d) eps``: constant or collinear features) carry
    no variance and are left out, so that their noise is not amplified.
    """
    d = C.shape[0]
    lam, V = np.linalg.eigh(C)
    keep = lam > lam[-1] * max(n, d) * np.finfo(np.float64).eps
    if not keep.any():  # a non-constant representation whose squares underflow
        raise ValueError(_UNDERFLOW)
    lam, V = lam[keep], V[:, keep]
    # lam is the scaled coordinates' eigenvalue: the unscaled one is lam / scale^2
    gain = alpha + (1.0 - alpha) * (scale / np.sqrt(lam))
    gain *= np.sqrt(np.trace(C) / np.sum(lam * gain**2))
    return V * gain


class _Alignment:
    """The optimal orthogonal alignment of the centred, partially whitened
    ``A = (X - mean) Wx`` and ``B = (Y - mean) Wy`` (coordinates times
    ``scale``, a power of two shared by ``X`` and ``Y``, so exact).

    Attributes: ``na2``, ``nb2`` (``|A|_F^2``, ``|B|_F^2``), ``nuc``
    (``||A^T B||_*``, the largest ``trace(Q^T A^T B)`` over orthogonal ``Q``),
    all in the scaled units.  Widths that differ are zero-padded implicitly:
    padding adds zero singular values to ``A^T B`` and nothing to the norms.
    """

    def __init__(self, X, Y, alpha):
        self.X, self.Y = X, Y
        n, d1 = X.shape
        d2 = Y.shape[1]
        # exact rescaling into [-1, 1]: no square overflows or all underflow
        self.scale = float(np.ldexp(1.0, -binary_exponent(X, Y)))
        self.mx = X.mean(axis=0, dtype=np.float64) * self.scale
        self.my = Y.mean(axis=0, dtype=np.float64) * self.scale
        whiten = alpha < 1.0
        M = np.zeros((d1, d2))
        if whiten:
            Cxx, Cyy = np.zeros((d1, d1)), np.zeros((d2, d2))
        na2 = nb2 = 0.0
        for A, B in self._blocks(None, None):
            M += A.T @ B
            if whiten:
                Cxx += A.T @ A
                Cyy += B.T @ B
            else:
                na2 += float(np.einsum("ij,ij->", A, A))
                nb2 += float(np.einsum("ij,ij->", B, B))
        if whiten:
            self.Wx = _whitening(Cxx, alpha, self.scale, n)
            self.Wy = _whitening(Cyy, alpha, self.scale, n)
            M = self.Wx.T @ M @ self.Wy
            na2, nb2 = float(np.trace(Cxx)), float(np.trace(Cyy))
        else:
            self.Wx = self.Wy = None
        self.M, self.na2, self.nb2 = M, na2, nb2
        self.nuc = float(np.linalg.svd(M, compute_uv=False).sum())

    def _blocks(self, Wx, Wy):
        """Blocks of rows of ``A`` and ``B``, centred in float64 (and whitened)."""
        X, Y = self.X, self.Y
        for rows in row_blocks(X.shape[0], X.shape[1] + Y.shape[1], COPY_ENTRIES):
            A = X[rows].astype(np.float64) * self.scale - self.mx
            B = Y[rows].astype(np.float64) * self.scale - self.my
            yield (A if Wx is None else A @ Wx), (B if Wy is None else B @ Wy)

    def residual(self, sa, sb):
        """``min_Q |sa A Q - sb B|_F^2`` over orthogonal ``Q`` (widths padded),
        from the aligned rows: ``|sa A U V^T - sb B|^2`` for ``A^T B = U S V^T``
        (thin SVD), plus, when ``A`` is the wider, ``sa^2`` times the part of
        ``A`` outside the span of ``U`` (which the padded ``Q`` sends to the
        zero columns of ``B``)."""
        U, _, Vt = np.linalg.svd(self.M, full_matrices=False)
        R = U @ Vt
        outside = U.shape[0] > U.shape[1]
        total = 0.0
        for A, B in self._blocks(self.Wx, self.Wy):
            D = sa * (A @ R) - sb * B
            total += float(np.einsum("ij,ij->", D, D))
            if outside:
                P = A - (A @ U) @ U.T
                total += sa * sa * float(np.einsum("ij,ij->", P, P))
        return total

    def euclidean(self):
        """``min_Q |A Q - B|_F`` in the units of the data."""
        total = self.na2 + self.nb2
        e2 = total - 2.0 * self.nuc
        if e2 < _DIRECT_BELOW * total:
            e2 = self.residual(1.0, 1.0)
        return float(np.sqrt(max(e2, 0.0)) / self.scale)

    def chord(self):
        """``min_Q |A Q / |A| - B / |B||_F``, in ``[0, sqrt(2)]``."""
        na, nb = np.sqrt(self.na2), np.sqrt(self.nb2)
        if na == 0.0 or nb == 0.0:  # non-constant (checked), but its squares underflow
            raise ValueError(_UNDERFLOW)
        c2 = 2.0 - 2.0 * self.nuc / (na * nb)
        if c2 < 2.0 * _DIRECT_BELOW:
            c2 = self.residual(1.0 / na, 1.0 / nb)
        return float(np.sqrt(min(max(c2, 0.0), 2.0)))


def _alignment(X, Y, alpha, normalized):
    """Validated inputs to an :class:`_Alignment`, with the checks of its degenerate cases."""
    if normalized or alpha < 1.0:
        why = ("its Frobenius norm after centring is 0 and it cannot be normalised"
               if alpha == 1.0 else "it has no variance to whiten")
        _check_not_constant(X, "X", why)
        _check_not_constant(Y, "Y", why)
    if alpha < 1.0:
        n = X.shape[0]
        for name, Z in (("X", X), ("Y", Y)):
            if n <= Z.shape[1]:
                raise ValueError(
                    f"alpha = {alpha:g} < 1 whitens the covariance of {name}, whose rank is at "
                    f"most n - 1 = {n - 1} below its {Z.shape[1]} features: the whitening would "
                    "be fitted to the sample alone (at alpha = 0 any two such representations "
                    "are at distance 0). Use alpha=1, more inputs than features, or reduce the "
                    f"features of {name} first (e.g. PCA to fewer than n components)."
                )
    return _Alignment(X, Y, alpha)


def procrustes_distance(X, Y, *, normalize=True):
    """Orthogonal Procrustes distance between two representations of the same inputs.

    With ``X`` and ``Y`` centred (each column its mean subtracted) and, by
    default, each divided by its Frobenius norm,

    .. math::

        d(X, Y) = \\min_{Q^T Q = I} \\|X Q - Y\\|_F
                = \\sqrt{\\|X\\|_F^2 + \\|Y\\|_F^2 - 2 \\|X^T Y\\|_*},

    which is ``sqrt(2 - 2 ||X^T Y||_*)`` when normalised, in ``[0, sqrt(2)]``.
    This is ReSi's "Orthogonal Procrustes" (``OrthogonalProcrustesCenteredAndNormalized``,
    after Ding et al. 2021); ``normalize=False`` gives its "Procrustes
    size-and-shape distance" (``ProcrustesSizeAndShapeDistance``), in the
    units of the data, which equals :func:`shape_distance` with ``alpha=1,
    score="euclidean"``.  The smaller representation is zero-padded to the
    larger width, which leaves the value unchanged.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features_x)
        One representation: row ``i`` is input ``i`` seen by the first network.
    Y : array-like of shape (n_inputs, n_features_y)
        The other, with the same rows (inputs) in the same order; its width may
        differ.
    normalize : bool, default=True
        Divide each centred representation by its Frobenius norm (invariant to
        isotropic scaling), as ReSi's main variant.

    Returns
    -------
    distance : float
        0 when ``Y`` is ``X`` up to an orthogonal transform, a translation and
        (when normalised) a scaling; a metric on representations up to these.

    Raises
    ------
    ValueError
        Different numbers of rows, fewer than 2 rows, NaN or infinite values,
        or, when normalising, a constant representation (all rows equal).

    See Also
    --------
    shape_distance : The same alignment after partial whitening, angular or Euclidean.
    knn_jaccard : Agreement of the two representations' nearest neighbours.

    Notes
    -----
    Memory is linear in ``n``: the ``d1 x d2`` cross-covariance is accumulated
    over blocks of rows in float64 and its singular values give the nuclear
    norm; no ``n x n`` matrix is formed.  The time is that of one product of
    ``X^T`` with ``Y`` and an SVD of a ``d1 x d2`` matrix.  Inputs are not
    modified; float32 inputs are computed in float64.

    References
    ----------
    F. Ding, J.-S. Denain, J. Steinhardt.  "Grounding Representation Similarity
    with Statistical Testing", NeurIPS 2021.

    M. Klabunde, T. Wald, T. Schumacher, K. Maier-Hein, M. Strohmaier,
    F. Lemmerich.  "ReSi: A Comprehensive Benchmark for Representational
    Similarity Measures", ICLR 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import procrustes_distance
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 8))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    >>> procrustes_distance(X, 3.0 * X @ Q + 1.0) < 1e-12  # rotated, scaled, shifted
    True
    >>> round(procrustes_distance(X, rng.normal(size=(200, 5))), 2)  # unrelated
    1.31
    """
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be True or False, got {normalize!r}.")
    X, Y = _check_pair(X, Y, min_points=2, purpose="centring the representations")
    a = _alignment(X, Y, 1.0, bool(normalize))
    return a.chord() if normalize else a.euclidean()


def shape_distance(X, Y, *, alpha=1.0, score="angular"):
    """Generalised shape metric of Williams et al. between two representations.

    Each representation is centred and partially whitened, then the two are
    aligned by the best orthogonal transform (the narrower zero-padded to the
    wider width) and compared by the angle or the Euclidean distance between
    them, as ``netrep.metrics.LinearMetric(alpha, center_columns=True,
    zero_pad=True, score_method=score)``:

    - partial whitening: with ``C = Xc^T Xc = V diag(lam) V^T`` the scatter
      matrix of the centred ``Xc``, ``phi(X) = c Xc V diag(alpha + (1 - alpha)
      lam^(-1/2)) V^T``, ``c`` restoring the total variance ``trace(C)``.
      ``alpha=1`` leaves ``Xc`` as it is (Procrustes: invariant to rotations
      and translations); ``alpha=0`` whitens it fully (invariant to any
      invertible linear map, like CCA);
    - ``score="angular"``: ``arccos(||phi(X)^T phi(Y)||_* / (|phi(X)|_F
      |phi(Y)|_F))``, in ``[0, pi/2]``, also invariant to scaling;
    - ``score="euclidean"``: ``min_Q |phi(X) Q - phi(Y)|_F``.

    Both are metrics (symmetric, triangle inequality) on representations up
    to the invariances.  At ``alpha=1`` the angle ``theta`` and the normalised
    :func:`procrustes_distance` ``p`` are related by ``p = 2 sin(theta / 2)``;
    at ``alpha=0`` with equal widths, ``cos(theta)`` is the mean canonical
    correlation.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features_x)
        One representation: row ``i`` is input ``i`` seen by the first network.
    Y : array-like of shape (n_inputs, n_features_y)
        The other, same inputs in the same order; its width may differ.
    alpha : float in [0, 1], default=1.0
        Amount of whitening kept out: 1 none, 0 full.
    score : {"angular", "euclidean"}, default="angular"
        The ground metric after alignment.

    Returns
    -------
    distance : float
        Radians for ``"angular"``; units of the data for ``"euclidean"``.

    Raises
    ------
    ValueError
        Different numbers of rows, fewer than 2 rows, NaN or infinite values,
        ``alpha`` outside ``[0, 1]``, an unknown ``score``, a constant
        representation (angular score, or ``alpha < 1``), or ``alpha < 1`` with
        no more inputs than features (``n <= d``): the covariance is then
        singular and its whitening fitted to the sample alone.

    See Also
    --------
    procrustes_distance : The ``alpha=1`` alignment under ReSi's conventions.

    Notes
    -----
    Whitening multiplies every direction of non-zero variance to about the
    same scale, noise included.  Directions whose variance is zero to
    rounding (below ``max(lam) max(n, d) eps``: constant or collinear
    features) are left out rather than amplified; netrep instead floors the
    eigenvalues at ``1e-7`` in the units of the data.  The two agree to
    rounding whenever no eigenvalue is that small, and for the angular score
    whatever the widths.  For the Euclidean score with ``alpha < 1`` and
    different widths they differ by a constant factor: netrep's
    variance-preserving factor counts the padded zero columns as directions
    of variance ``1e-7``; here padding changes nothing.  For ``0 < alpha < 1``
    the whitening mixes ``I`` with ``C^(-1/2)``, so, as in netrep, the value
    depends on the scale of the data and on ``n`` (``C`` is not divided by
    ``n``).

    Memory is linear in ``n`` (the ``d x d`` scatter and cross-covariance
    matrices are accumulated over blocks of rows in float64); inputs are not
    modified.

    References
    ----------
    A. H. Williams, E. Kunz, S. Kornblith, S. W. Linderman.  "Generalized
    Shape Metrics on Neural Representations", NeurIPS 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import shape_distance
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 8))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    >>> shape_distance(X, X @ Q + 1.0) < 1e-12  # a rotation and a shift
    True
    >>> A = rng.normal(size=(8, 8))  # an invertible linear map, not a rotation
    >>> round(shape_distance(X, X @ A), 2)  # radians
    0.57
    >>> shape_distance(X, X @ A, alpha=0) < 1e-12  # full whitening: invariant to it
    True
    >>> Y = rng.normal(size=(200, 6))  # unrelated, of another width
    >>> round(shape_distance(X, Y), 2), round(shape_distance(X, Y, score="euclidean"), 1)
    (1.44, 48.6)
    """
    alpha = _check_alpha(alpha)
    score = check_choice(score, "score", _SCORES)
    X, Y = _check_pair(X, Y, min_points=2, purpose="centring the representations")
    a = _alignment(X, Y, alpha, score == "angular")
    if score == "euclidean":
        return a.euclidean()
    return float(2.0 * np.arcsin(a.chord() / 2.0))


def _unit_rows(X, name):
    """``X`` with each row divided by its norm, in float64 (the cosine metric's
    neighbours are the Euclidean ones of these rows)."""
    Z = np.empty(X.shape)
    for rows in row_blocks(X.shape[0], X.shape[1], COPY_ENTRIES):
        B = X[rows].astype(np.float64)
        peak = np.abs(B).max(axis=1)
        zero = np.flatnonzero(peak == 0)
        if zero.size:
            raise ValueError(
                f"row {rows.start + zero[0]} of {name} is zero: its cosine distance to any "
                "point is undefined. Use metric='euclidean', or drop such rows from both "
                "representations."
            )
        B /= peak[:, None]  # then the norm cannot overflow or underflow
        B /= np.sqrt(np.einsum("ij,ij->i", B, B))[:, None]
        Z[rows] = B
    return Z


def _brute_neighbours(Z, scale, rows, k):
    """:func:`_neighbours` of ``rows`` by squared distances to every point,
    computed directly in float64 (a row at a time, blocks of columns)."""
    n, d = Z.shape
    out = np.empty((rows.size, k), dtype=np.int64)
    d2 = np.empty(n)
    for a, i in enumerate(rows):
        x = Z[i].astype(np.float64) * scale
        for cols in row_blocks(n, d, COPY_ENTRIES):
            D = Z[cols].astype(np.float64) * scale - x
            d2[cols] = np.einsum("ij,ij->i", D, D)
        d2[i] = np.inf  # itself
        out[a] = np.argsort(d2, kind="stable")[:k]
    return out


def _neighbours(Z, k):
    """Indices ``(n, k)`` of each row's ``k`` nearest rows of ``Z`` (itself
    excluded, duplicates included), by squared Euclidean distances computed
    directly in float64 from the coordinates; equal distances go to the lower
    index.

    The library's exact blocked search (``_core.search.exact_knn``, memory
    linear in ``n``) gives ``k + max(4, k)`` candidates by float32 products;
    they are ranked by their direct distances, and a row is certain when no
    point outside its candidates can be as near as its ``k``-th (the bound of
    ``_prdc._certified_radii``).  Rows left uncertain are searched again in
    float64, and the few left after that are compared with every point.
    Integer-valued coordinates are searched exactly at once
    (``_core.search.expansion_error``).
    """
    from .._core.search import _direct_distances, exact_knn, expansion_error
    from ._prdc import _Sample, _tolerance

    n = Z.shape[0]
    jit = n >= JIT_MIN_POINTS  # NumPy for small representations
    if expansion_error(Z) == 0.0:
        # integer-valued (a lattice, counts): the search's distances are exact,
        # and so is its order, ties to the lower index
        return exact_knn(Z, k, jit=jit)
    scale = float(np.ldexp(1.0, -binary_exponent(Z)))
    n_cand = min(n - 1, k + max(4, k))
    out = np.empty((n, k), dtype=np.int64)
    todo = np.arange(n, dtype=np.int64)
    sample = None
    for dtype in (np.float32, np.float64):
        center = Z.mean(axis=0, dtype=np.float64) * scale if sample is None else sample.center
        sample = _Sample(Z, scale, center, dtype)
        ind = exact_knn(sample.Z, n_cand, rows=None if todo.size == n else todo, jit=jit)
        d2 = _direct_distances(Z, scale, todo, ind, jit)
        order = np.lexsort((ind, d2), axis=1)
        ind = np.take_along_axis(ind, order, axis=1)
        d2 = np.take_along_axis(d2, order, axis=1)
        out[todo] = ind[:, :k]
        if n_cand == n - 1:  # every other point is a candidate
            return out
        c = _tolerance(Z.shape[1], sample.Z.dtype)
        floor = d2[:, -1] - 2.0 * c * (sample.sq[todo] + sample.sq.max())
        todo = todo[floor <= d2[:, k - 1]]
        if todo.size == 0:
            return out
    for start in range(0, todo.size, _BRUTE_ROWS):
        part = todo[start : start + _BRUTE_ROWS]
        out[part] = _brute_neighbours(Z, scale, part, k)
    return out


def knn_jaccard(X, Y, *, k=10, metric="cosine"):
    """Mean Jaccard index of each input's nearest neighbours in two representations.

    For input ``i``, ``N_X(i)`` is the set of its ``k`` nearest other inputs
    in ``X`` and ``N_Y(i)`` in ``Y``; the score is the mean over ``i`` of
    ``|N_X(i) & N_Y(i)| / |N_X(i) | N_Y(i)|``, in ``[0, 1]``, 1 when every
    input has the same neighbours in both.  This is ReSi's kNN-Jaccard
    (``JaccardSimilarity``, cosine distance and ``k = 10`` by default).  It
    compares only the local neighbourhoods, so it is invariant to any map
    that keeps each input's nearest neighbours (rotations, isotropic
    scaling; translations too for ``metric="euclidean"``).

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features_x)
        One representation: row ``i`` is input ``i`` seen by the first network.
    Y : array-like of shape (n_inputs, n_features_y)
        The other, same inputs in the same order; its width may differ.
    k : int, default=10
        Neighbours per input; ``n_inputs`` must exceed ``k`` (at ``n_inputs =
        k + 1`` every input's neighbours are all the others and the score is 1).
    metric : {"cosine", "euclidean"}, default="cosine"
        Distance of the neighbour search: cosine distance (the Euclidean one
        of the rows scaled to unit length, ReSi's default), or Euclidean.

    Returns
    -------
    score : float
        In ``[0, 1]``; larger is more similar (a similarity, not a distance).

    Raises
    ------
    ValueError
        Different numbers of rows, ``n_inputs <= k``, NaN or infinite
        values, a constant representation (every neighbourhood would be a
        tie), or with ``metric="cosine"`` a zero row.

    See Also
    --------
    procrustes_distance, shape_distance : Global alignments of the two representations.

    Notes
    -----
    Input ``i`` itself is never its own neighbour; a duplicate of it is, at
    distance 0.  The neighbours are exact: the library's blocked kNN search
    (memory linear in ``n``, no distance matrix) proposes candidates, whose
    squared distances are then computed directly in float64 and certified
    against every other point.  Equal distances (duplicates, lattices) are
    broken towards the lower row index, in each representation, so the score
    is deterministic; ReSi (scikit-learn's ``NearestNeighbors``) leaves that
    order to the search, and takes the first of ``k + 1`` neighbours to be
    the point itself, which with duplicates need not be so.

    References
    ----------
    M. Klabunde, T. Wald, T. Schumacher, K. Maier-Hein, M. Strohmaier,
    F. Lemmerich.  "ReSi: A Comprehensive Benchmark for Representational
    Similarity Measures", ICLR 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import knn_jaccard
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 8))
    >>> Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    >>> knn_jaccard(X, 2.0 * X @ Q)  # same neighbourhoods
    1.0
    >>> round(knn_jaccard(X, rng.normal(size=(300, 8))), 2)  # unrelated: about k / 2n
    0.01
    """
    k = check_int(k, "k", 1)
    metric = check_choice(metric, "metric", _KNN_METRICS)
    X, Y = _check_pair(X, Y, min_points=k + 1, purpose=f"a search of {k} neighbours")
    if metric == "cosine":
        X, Y = _unit_rows(X, "X"), _unit_rows(Y, "Y")
    why = "every input's neighbours would be a tie" + (
        " (its rows are all parallel: metric='cosine' compares directions)"
        if metric == "cosine" else "")
    # unit rows of parallel inputs agree to their rounding (a few eps)
    atol = 8.0 * np.finfo(np.float64).eps if metric == "cosine" else 0.0
    _check_not_constant(X, "X", why, atol)
    _check_not_constant(Y, "Y", why, atol)
    both = np.concatenate([_neighbours(X, k), _neighbours(Y, k)], axis=1)
    both.sort(axis=1)
    # each set holds distinct indices: an index shared by both appears twice
    shared = np.count_nonzero(both[:, 1:] == both[:, :-1], axis=1)
    return float(np.mean(shared / (2 * k - shared)))
