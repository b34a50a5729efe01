"""Geometry Score (Khrulkov & Oseledets, ICML 2018): relative living times of
1-dimensional homology over witness complexes."""

import numpy as np

from .._utils.validation import binary_exponent, check_cloud, check_int, check_real, check_seed


def _import_gudhi():
    try:
        import gudhi
    except ImportError:
        raise ImportError(
            "geometry_score needs gudhi, an optional dependency of sklearn-imd; install it "
            'with: pip install "sklearn-imd[tda]"'
        ) from None
    return gudhi


def _relative_living_times(intervals, alpha_max, i_max):
    """Fraction of the filtration ``[0, alpha_max]`` during which exactly ``i``
    one-dimensional holes are alive, for ``i < i_max`` (intervals alive at the
    end are cut at ``alpha_max``)."""
    rlt = np.zeros(i_max)
    if len(intervals) == 0:
        rlt[0] = 1.0
        return rlt
    iv = np.array(intervals, dtype=np.float64).reshape(-1, 2)
    iv[:, 1] = np.minimum(iv[:, 1], alpha_max)
    points = np.unique(np.concatenate([iv.ravel(), [0.0, alpha_max]]))
    mid = 0.5 * (points[:-1] + points[1:])
    alive = ((iv[:, 0, None] <= mid) & (mid < iv[:, 1, None])).sum(axis=0)
    kept = alive < i_max
    np.add.at(rlt, alive[kept], np.diff(points)[kept])
    return rlt / alpha_max


def _distinct_points(X):
    """Indices of the first occurrence of each distinct point of ``X``, in
    order (``arange(n)`` when no point repeats)."""
    return np.sort(np.unique(X, axis=0, return_index=True)[1])


def _rlt_samples(X, witnesses, n_landmarks, gamma, n_iterations, i_max, rng, gudhi):
    """Relative living times of ``n_iterations`` random sets of landmarks of
    ``X``, witnessed by the points ``X[witnesses]``.

    The landmarks are ``X[rng.choice(len(X), n_landmarks)]``, drawn with
    replacement among all rows as the authors' ``random_landmarks`` does
    (``np.random.choice(sz, L_0)``).  Only the distinct points witness: two
    equal points have equal rows of the nearest-landmark table, and a
    simplex's filtration value is the smallest over its witnesses, so the
    complex (and every interval) is the one all ``n`` rows give, at a
    fraction of the cost on clouds with heavy repeats.
    """
    from scipy.spatial.distance import cdist

    out = np.empty((n_iterations, i_max))
    W = X[witnesses]
    for it in range(n_iterations):
        L = X[rng.choice(X.shape[0], n_landmarks)]
        if witnesses.size == 1:
            # every landmark is the one point: alpha_max = gamma * 0 = 0, the
            # filtration is empty and the reference finds no interval, hence
            # RLT(0) = 1; building the complex of n_landmarks coincident
            # landmarks (all their triangles) would only cost time
            out[it] = 0.0
            out[it, 0] = 1.0
            continue
        D = cdist(W, L)
        alpha_max = gamma * D.max()
        order = np.argsort(D, axis=1, kind="stable")
        # each witness's landmarks, nearest first: (landmark, distance) pairs;
        # the reference passes these plain distances and alpha_max as
        # max_alpha_square, and so do we
        table = np.dstack([order, np.take_along_axis(D, order, axis=1)])
        tree = gudhi.WitnessComplex(nearest_landmark_table=table).create_simplex_tree(
            max_alpha_square=alpha_max, limit_dimension=2)
        tree.persistence(homology_coeff_field=2)
        out[it] = _relative_living_times(tree.persistence_intervals_in_dimension(1),
                                         alpha_max, i_max)
    return out


def geometry_score(X, Y, *, n_landmarks=64, gamma=None, n_iterations=1000, i_max=100,
                   random_state=None, return_mrlt=False):
    """Geometry Score: how differently two samples' 1-dimensional holes persist.

    Khrulkov & Oseledets (ICML 2018).  For each of ``n_iterations`` random sets
    of ``n_landmarks`` landmarks of a sample, a witness complex (all points as
    witnesses, Euclidean distances) is filtered up to ``alpha_max = gamma *``
    the largest witness-landmark distance; the relative living time
    ``RLT(i)`` is the fraction of ``[0, alpha_max]`` during which exactly ``i``
    one-dimensional homology classes are alive (``i < i_max``).  The mean
    over landmark sets is the sample's MRLT, and the score is
    ``sum_i (MRLT_X(i) - MRLT_Y(i))^2``.

    Everything follows the authors' reference implementation
    (github.com/KhrulkovV/geometry-score, ``gs/geom_score.py`` and
    ``gs/utils.py``), which piq's ``GS`` also follows:

    * ``gamma=None`` is their default ``1/128 * n / 5000``, with ``n`` the
      number of rows of each sample (``rlt``: ``gamma = 1.0 / 128 * N / 5000``),
      so two samples of different sizes get different ``gamma``; a given
      ``gamma`` applies to both.
    * The landmarks of each set are drawn uniformly *with replacement* among
      all rows (``random_landmarks``: ``np.random.choice(sz, L_0)``), so a set
      may repeat a point, and a sample with fewer (distinct) points than
      ``n_landmarks`` is accepted.  The draws are the reference's: with
      ``random_state=s``, the MRLTs are those of ``np.random.seed(s)`` followed
      by ``rlts(X, ...)`` and ``rlts(Y, ...)``.

    Repeated points witness the same simplices, so only distinct points are
    used as witnesses: the complex is unchanged and a cloud of few distinct
    points stays fast.  A cloud of a single distinct point has
    ``alpha_max = 0`` and no hole: its MRLT is ``RLT(0) = 1``, as in the
    reference.  The relative living times do not depend on a cloud's scale:
    each cloud is divided by a power of two (exactly) before its distances
    are taken, so the score is the same at any scale float64 holds.  The cost
    grows with ``n_iterations`` times the number of distinct points (a witness
    complex per landmark set), which is why the published method is used on a
    few thousand points.  Needs gudhi: ``pip install "sklearn-imd[tda]"``.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
    Y : array-like of shape (n_samples_Y, n_features_Y)
        Samples; their dimensions and sizes may differ.
    n_landmarks : int, default=64
        Landmarks per set (the reference's ``L_0``), at least 3.
    gamma : float or None, default=None
        ``alpha_max`` as a fraction of the largest witness-landmark distance.
        None: ``1/128 * n / 5000`` for a sample of ``n`` rows, the authors'
        default (1/128 for their samples of 5000 points).
    n_iterations : int, default=1000
        Random landmark sets per sample (the published default).
    i_max : int, default=100
        Largest number of holes counted.
    random_state : int, RandomState instance or None, default=None
        Seeds the landmarks.
    return_mrlt : bool, default=False
        Also return the two MRLT curves, shape (i_max,) each, for plots.

    Returns
    -------
    score : float
    mrlt_X, mrlt_Y : ndarray of shape (i_max,)
        Only with ``return_mrlt=True``.

    Raises
    ------
    ValueError
        If a sample is empty, not 2-D or not finite, or a parameter is out of
        range.
    ImportError
        If gudhi is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import geometry_score
    >>> rng = np.random.default_rng(0)
    >>> angle = rng.uniform(0, 2 * np.pi, 500)
    >>> circle = np.column_stack([np.cos(angle), np.sin(angle)])
    >>> blob = rng.normal(size=(500, 2))
    >>> gs, mrlt_circle, mrlt_blob = geometry_score(
    ...     circle, blob, n_landmarks=32, gamma=0.1, n_iterations=20, random_state=0,
    ...     return_mrlt=True)
    >>> int(np.argmax(mrlt_circle)), int(np.argmax(mrlt_blob))  # one hole, none
    (1, 0)
    """
    n_landmarks = check_int(n_landmarks, "n_landmarks", 3)
    n_iterations = check_int(n_iterations, "n_iterations", 1)
    i_max = check_int(i_max, "i_max", 1)
    if gamma is not None:
        gamma = check_real(gamma, "gamma", minimum=0, strict=True)
    rng = check_seed(random_state)
    clouds = []
    for name, S in (("X", X), ("Y", Y)):
        # the reference accepts any non-empty sample: landmarks are drawn with
        # replacement, so even a single point gives n_landmarks of them
        S = check_cloud(S, min_points=0, name=name)
        if S.shape[0] == 0:
            raise ValueError(f"{name} has 0 points; a witness complex needs at least one.")
        S = np.ldexp(S.astype(np.float64, copy=False), -binary_exponent(S))
        # the reference's default (gs/geom_score.py, rlt): 1/128 * N / 5000
        g = 1.0 / 128 * S.shape[0] / 5000 if gamma is None else gamma
        clouds.append((S, _distinct_points(S), g))
    gudhi = _import_gudhi()
    mrlt = [
        _rlt_samples(S, witnesses, n_landmarks, g, n_iterations, i_max, rng,
                     gudhi).mean(axis=0)
        for S, witnesses, g in clouds
    ]
    score = float(np.sum((mrlt[0] - mrlt[1]) ** 2))
    return (score, mrlt[0], mrlt[1]) if return_mrlt else score
