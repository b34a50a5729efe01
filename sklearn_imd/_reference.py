"""What the metrics need of a reference sample, computed once: :class:`ReferenceStats`
and its file format (``sklearn-imd stats``), every field checked."""

import json
import math
import numbers
import os

import numpy as np

from ._reference_checks import (
    _CELL_KEYS, _IMD_KEYS, _check_covariance, _check_moments, _check_radii,
    _check_signature_range, _checked_cells, _checked_imd_params, _imd_seeds, _imd_setup,
    _lossless, check_feature_space,
)
from ._utils.validation import check_cloud, check_int, check_seed
from ._io.files import _check_output_path

__all__ = ["ReferenceStats"]

_FORMAT = "sklearn-imd reference statistics"
# The arrays a statistics file may hold (save writes some of them; pytorch-fid
# files hold mu and sigma alone)
_STATS_KEYS = frozenset({"format", "version", "n_samples", "mu", "sigma", "scale_exponent",
                         "features", "prdc_k", "prdc_radii", "imd_signature", "imd_t",
                         "imd_params", "train", "train_radii", "ct_params", "feature_space",
                         *_CELL_KEYS.values()})
# 2: mu, sigma and the radii may be those of the features / 2**scale_exponent
_VERSION = 2


def _row_blocks(A, rows=1 << 14):
    """``A`` (an array of any dimension) a block of rows at a time: checks of a
    memory-mapped array never make a temporary of its whole size."""
    if A.ndim < 2:
        yield A
        return
    for start in range(0, A.shape[0], rows):
        yield A[start : start + rows]


def _is_mapped(A):
    """Whether ``A`` is (a view of) a memory-mapped file."""
    import mmap

    while A is not None:
        if isinstance(A, (np.memmap, mmap.mmap)):
            return True
        A = getattr(A, "base", None)
    return False


def _kept(X):
    """The features a ReferenceStats keeps of the validated ``X``: a copy, but a
    read-only memory map itself (nothing can write to it through it)."""
    return X if _is_mapped(X) and not X.flags.writeable else X.copy()


def _peer_fields(path):
    """The fields of ``path`` when it is another tool's statistics file
    (:mod:`._stats_formats`), None for sklearn-imd's and pytorch-fid's."""
    from ._io.arrays import _open_zip
    from ._stats_formats import is_torch_file, peer_fields, read_torch_fidelity

    if is_torch_file(path):
        return read_torch_fidelity(path)
    try:
        archive, members = _open_zip(path)
    except ValueError:
        return None  # the loader of our files gives the error
    archive.close()
    return peer_fields(path, members)


class ReferenceStats:
    """What the metrics of :func:`compare` need of a reference sample, computed once.

    The mean and covariance (FID), the IMD signature, the ``k``-NN radii
    (precision, recall, density, coverage) and, unless dropped, the features
    themselves (KID and the kNN metrics compare points); with the models'
    training set, what the memorisation metrics ``ct`` and ``authenticity``
    need of it, so that :func:`compare` adds them without ``train``.  Build it with
    :meth:`from_samples`, or a batch at a time with :meth:`streaming` and
    :meth:`partial_fit` (shards made apart put together by :meth:`merge`),
    keep it with :meth:`save` (``sklearn-imd stats`` does both) and read it
    back with :meth:`load`, which also reads the statistics files of
    pytorch-fid, clean-fid, torch-fidelity, guided-diffusion's reference
    batches and dgm-eval.

    Every field is checked when the statistics are made or loaded, before
    any metric reads them (a ValueError names the field): finite values, a
    symmetric positive semi-definite covariance, one non-negative radius per
    feature row, and moments and radii that are those of the stored features
    (and of the stored training set, whose cells are checked likewise).

    Attributes
    ----------
    n_samples, n_features : int
    mean : ndarray of shape (n_features,)
    covariance : ndarray of shape (n_features, n_features)
        ``ddof=1``.  Of a stream, None until it holds 2 rows; a stream's
        ``features``, ``radii`` and signature are None until :meth:`finalize`.
    features : ndarray of shape (n_samples, n_features) or None
    k : int or None
        Neighbour of ``radii``.
    radii : ndarray of shape (n_samples,) or None
        Squared distance of each point to its ``k``-th nearest neighbour.
    scale_exponent : int
        ``mean``, ``covariance`` and ``radii`` are those of the features
        divided by ``2**scale_exponent``: 0 (the features' own units, as
        pytorch-fid's files) unless a covariance or a radius would overflow
        or underflow float64 there (features beyond about 1e154 or below
        1e-154), so that the metrics are right at any scale.
    imd_signature : ndarray of shape (n_times,) or None
    imd_t : ndarray of shape (n_times,) or None
        The diffusion times of the signature (those with a nonzero IMD weight).
    imd_params : dict or None
        The IMD parameters of the signature, as :func:`imd_score` takes them,
        and its ``random_state`` (an int, or None for an unseeded one).
    train : ndarray of shape (n_train, n_features) or None
        The models' training set (float32 kept as float32, as ``features``),
        from which the reference is held out.
    train_radii : ndarray of shape (n_train,) or None
        Squared distance of each training point to its nearest other one,
        of the training set divided by ``2**scale_exponent`` (authenticity).
    cells : dict or None
        The k-means cells of the data-copying test (``ct``), with the
        reference as its test set: ``"centres"`` (n_cells, n_coordinates),
        ``"train_labels"`` (n_train,) and ``"test_labels"`` (n_samples,) the
        cell of each training and reference point, ``"pca_mean"``
        (n_features,) and ``"pca_components"`` (n_coordinates, n_features)
        of the projection on the training set's principal components (both
        None without one: features of at most 64 dimensions), and
        ``"random_state"`` (an int, or None for unseeded cells).  None
        without a training set or without features.
    feature_space : str or None
        The name of the features' space (``"inception"``, ``"dinov2"``,
        ``"clip"``, lower-cased), as :meth:`from_samples` was told; None when
        unknown (as in files that predate it).  :func:`compare` names its
        columns by it and refuses another ``feature_space``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_imd import ReferenceStats, compare
    >>> rng = np.random.default_rng(0)
    >>> ref = ReferenceStats.from_samples(rng.normal(size=(500, 4)), random_state=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "ref.npz")
    >>> ref.save(path) == path
    True
    >>> same = ReferenceStats.load(path)
    >>> same.n_samples, same.n_features, same.k
    (500, 4, 5)

    With the training set, ``compare`` adds ``ct`` and ``authenticity``:

    >>> X, train = rng.normal(size=(600, 4)), rng.normal(size=(1200, 4))
    >>> ref = ReferenceStats.from_samples(X, train=train, random_state=0)
    >>> ref
    ReferenceStats(n_samples=600, n_features=4, holds mean, covariance, features, radii, \
imd_signature, train, cells)
    >>> copier = train[:600] + 0.01 * rng.normal(size=(600, 4))
    >>> table = compare(ref, {"copier": copier}, metrics="ct,authenticity", random_state=0)
    >>> bool(table.loc["copier", "ct"] < -10), float(table.loc["copier", "authenticity"])
    (True, 0.0)
    """

    # a stream's state (ReferenceStats.streaming) until finalize; None otherwise
    _stream = None

    def __init__(self, *, mean, covariance, n_samples, features=None, k=None, radii=None,
                 imd_signature=None, imd_t=None, imd_params=None, scale_exponent=0,
                 train=None, train_radii=None, cells=None, feature_space=None):
        self._set(mean=mean, covariance=covariance, n_samples=n_samples, features=features,
                  k=k, radii=radii, imd_signature=imd_signature, imd_t=imd_t,
                  imd_params=imd_params, scale_exponent=scale_exponent, train=train,
                  train_radii=train_radii, cells=cells, feature_space=feature_space,
                  where="ReferenceStats")

    def _set(self, *, mean, covariance, n_samples, features, k, radii, imd_signature, imd_t,
             imd_params, scale_exponent, train, train_radii, cells, feature_space, where):
        """Check every field before any metric reads it; errors name ``where`` and
        the field (as the file calls it, then the attribute)."""
        def fail(field, problem):
            raise ValueError(f"{where}: {field} {problem}.")

        def array(value, field, ndim, keep_float32=False):
            try:  # a memory-mapped file stays one (np.memmap), read where it is
                arr = value if isinstance(value, np.memmap) else np.asarray(value)
            except Exception as exc:  # ragged lists and other objects numpy refuses
                fail(field, f"is not an array of numbers ({exc})")
            if arr.dtype.kind not in "biuf" or arr.ndim != ndim:
                kind = "vector" if ndim == 1 else "matrix"
                fail(field, f"must be a {kind} of real numbers; got a {arr.ndim}-D array of "
                     f"dtype {arr.dtype}")
            if not (keep_float32 and arr.dtype == np.float32):
                # a read-only memory-mapped float64 array is read where it is, not
                # copied (nothing can change it through it); a writable one is copied
                arr = arr.astype(np.float64, copy=not (_is_mapped(value) and not arr.flags.writeable))
            if not all(np.isfinite(block).all() for block in _row_blocks(arr)):
                fail(field, "holds NaN or infinite values")
            return arr

        def integer(value, field, low, high, what):
            # a Python or NumPy integer, or a 0-d integer array (as loaded)
            if isinstance(value, (bool, np.bool_)) or not (
                    isinstance(value, numbers.Integral)
                    or (isinstance(value, np.ndarray) and value.ndim == 0
                        and value.dtype.kind in "iu")) or not low <= int(value) <= high:
                fail(field, f"must be {what}; got {value!r}")
            return int(value)

        e = integer(scale_exponent, "scale_exponent", -2200, 2200,
                    "an integer from -2200 to 2200")
        try:
            feature_space = check_feature_space(feature_space)
        except (TypeError, ValueError) as exc:
            fail("feature_space", str(exc).removeprefix("feature_space ").rstrip("."))
        mean = array(mean, "mu (mean)", 1)
        d = mean.shape[0]
        if d < 1:
            fail("mu (mean)", "is empty")
        covariance = array(covariance, "sigma (covariance)", 2)
        if covariance.shape != (d, d):
            fail("sigma (covariance)", f"must be a {d} x {d} matrix, the length of mu; got "
                 f"shape {covariance.shape}")
        _check_covariance(covariance, fail)
        n_samples = integer(n_samples, "n_samples", 0, math.inf, "a non-negative integer")
        if features is not None:
            features = array(features, "features", 2, keep_float32=True)
            if features.shape[0] < 2 or features.shape[1] != d:
                fail("features", f"must hold at least 2 rows of {d} features, the length of "
                     f"mu; got shape {features.shape}")
            if n_samples != features.shape[0]:
                fail("n_samples", f"is {n_samples} but the features hold "
                     f"{features.shape[0]} rows")
            _check_moments(features, mean, covariance, e, fail)
        if (k is None) != (radii is None):
            fail("prdc_k (k)" if k is None else "prdc_radii (radii)",
                 "is missing: the kNN radii and their k come together")
        if radii is not None:
            if features is None:
                fail("prdc_radii (radii)", "needs the features they were computed from")
            k = integer(k, "prdc_k (k)", 1, features.shape[0] - 1,
                        f"an integer from 1 to {features.shape[0] - 1}")
            radii = array(radii, "prdc_radii (radii)", 1)
            if radii.shape != (features.shape[0],):
                fail("prdc_radii (radii)", f"must hold one radius per feature row "
                     f"({features.shape[0]}); got {radii.shape[0]}")
            if (radii < 0).any():
                fail("prdc_radii (radii)", "holds negative values; they are squared distances")
            _check_radii(features, k, radii, e, fail)
        parts = {"imd_signature": imd_signature, "imd_t": imd_t, "imd_params": imd_params}
        given = [name for name, value in parts.items() if value is not None]
        if given and len(given) != 3:
            missing = sorted(set(parts) - set(given))
            fail(missing[0], "is missing: an IMD signature comes with its times and "
                 "parameters (imd_signature, imd_t, imd_params)")
        if given:
            imd_signature = array(imd_signature, "imd_signature", 1)
            imd_t = array(imd_t, "imd_t", 1)
            if imd_t.size == 0 or imd_signature.shape != imd_t.shape:
                fail("imd_signature", f"must hold one value per time of imd_t "
                     f"({imd_t.size}); got {imd_signature.size}")
            if (imd_t <= 0).any() or (np.diff(imd_t) <= 0).any():
                fail("imd_t", "must be positive diffusion times in increasing order")
            imd_params = _checked_imd_params(imd_params, fail)
            _check_signature_range(imd_signature, imd_t, imd_params, n_samples, fail)
        if train is None:
            for field, value in (("train_radii", train_radii), ("cells", cells)):
                if value is not None:
                    fail(field, "needs the training set (train) it was computed from")
        else:
            train = array(train, "train", 2, keep_float32=True)
            if train.shape[0] < 2 or train.shape[1] != d:
                fail("train", f"must hold at least 2 rows of {d} features, the length of mu; "
                     f"got shape {train.shape}")
            if train_radii is None:
                fail("train_radii", "is missing: the training set comes with the distances "
                     "to their nearest other training point (authenticity)")
            train_radii = array(train_radii, "train_radii", 1)
            if train_radii.shape != (train.shape[0],):
                fail("train_radii", f"must hold one radius per training point "
                     f"({train.shape[0]}); got {train_radii.shape[0]}")
            if (train_radii < 0).any():
                fail("train_radii", "holds negative values; they are squared distances")
            _check_radii(train, 1, train_radii, e, fail, field="train_radii")
            if cells is not None:
                if features is None:
                    fail("cells", "need the features: the reference is the data-copying "
                         "test's test set")
                cells = _checked_cells(cells, train, features, array, fail)
        self.mean, self.covariance, self.n_samples = mean, covariance, n_samples
        self.scale_exponent = e
        self.n_features = d
        self.features, self.k, self.radii = features, k, radii
        self.imd_signature, self.imd_t, self.imd_params = imd_signature, imd_t, imd_params
        self.train, self.train_radii, self.cells = train, train_radii, cells
        self.feature_space = feature_space

    def __repr__(self):
        if self._stream is not None:
            keep = self._stream.keep
            kept = ("" if keep is False else ", keeps features in memory" if keep is True
                    else f", keeps features in {keep!r}")
            return (f"ReferenceStats(streaming, n_samples={self.n_samples}, "
                    f"n_features={self.n_features}{kept})")
        held = [name for name, value in (("features", self.features), ("radii", self.radii),
                                         ("imd_signature", self.imd_signature),
                                         ("train", self.train), ("cells", self.cells))
                if value is not None]
        space = ("" if self.feature_space is None
                 else f"feature_space={self.feature_space!r}, ")
        return (f"ReferenceStats(n_samples={self.n_samples}, n_features={self.n_features}, "
                f"{space}holds mean, covariance{''.join(', ' + h for h in held)})")

    @classmethod
    def from_samples(cls, X, *, k=5, imd_params=None, random_state=None, keep_features=True,
                     n_jobs=None, train=None, n_cells=None, feature_space=None):
        """Statistics of the reference sample ``X``.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            The reference (e.g. features of real images).  A ``dask.array``
            is computed on the current Dask scheduler (see "Evaluating at
            scale" in the user guide): moments blockwise, the radii and the
            IMD graph by exact searches (``knn`` must be ``"auto"`` or
            ``"exact"``); without ``train``.
        k : int, default=5
            Neighbour of the kNN radii (``k`` of :func:`prdc_score`).
        imd_params : dict, default=None
            IMD parameters of the signature, as :func:`imd_score` takes them
            (``k``, ``m``, ``nv``, ``t``, ``method``, ``normalization``,
            ``knn``).
        random_state : int, RandomState instance or None, default=None
            An int gives the signature (and, with ``train``, the k-means
            cells) :func:`compare` computes with the same ``random_state``,
            so the stored ones are used as they are.
        keep_features : bool, default=True
            Keep the features, which KID, the kNN metrics and ``ct`` need
            (they take ``n_samples * n_features`` numbers on disk).
        n_jobs : int, default=None
            As in :func:`imd_score`.
        train : array-like of shape (n_train, n_features), default=None
            The models' training set, from which ``X`` is held out: keep it,
            the distance of each of its points to its nearest other one
            (``authenticity``) and, with ``keep_features``, the k-means cells
            of the data-copying test with ``X`` as its test set (``ct``), so
            that :func:`compare` adds ``ct`` and ``authenticity`` without
            ``train=``.  It takes ``n_train * n_features`` numbers on disk.
        n_cells : int, default=None
            Number of k-means cells of ``ct`` (only with ``train`` and
            ``keep_features``); ``None`` is :func:`compare`'s, ``max(3,
            min(50, n_samples // 200))`` (see :func:`data_copying_test`).
        feature_space : str, default=None
            The name of the space of ``X``'s features (e.g. ``"inception"``,
            ``"dinov2"``, ``"clip"``; letters, digits, ``-`` and ``_``,
            lower-cased), stored and saved: :func:`compare` then names its
            columns by it (``fd_dinov2``, ...) and refuses a
            ``feature_space`` other than this one.  ``None``: unknown.

        Returns
        -------
        stats : ReferenceStats

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_imd import ReferenceStats
        >>> X = np.random.default_rng(0).normal(size=(300, 3))
        >>> ReferenceStats.from_samples(X, random_state=0)
        ReferenceStats(n_samples=300, n_features=3, holds mean, covariance, features, radii, \
imd_signature)
        >>> train = np.random.default_rng(1).normal(size=(900, 3))
        >>> stats = ReferenceStats.from_samples(X, train=train, random_state=0)
        >>> stats.train.shape, stats.cells["centres"].shape
        ((900, 3), (3, 3))
        """
        from ._dask import is_dask_array

        if is_dask_array(X):  # computed on the cluster (sklearn_imd._dask)
            from ._dask_compare import reference_from_samples

            return reference_from_samples(
                cls, X, k=k, imd_params=imd_params, random_state=random_state,
                keep_features=keep_features, n_jobs=n_jobs, train=train, n_cells=n_cells,
                feature_space=feature_space)
        from ._core.compute import compute_signatures
        from .metrics._fid import scaled_moments
        from .metrics._prdc import scaled_radii

        params, t = _imd_setup(imd_params)
        k = check_int(k, "k", 1)
        feature_space = check_feature_space(feature_space)
        X = check_cloud(X, min_points=max(k, params["k"]) + 1, name="X")
        seed = random_state if isinstance(random_state, (int, np.integer)) else None
        if train is not None:
            train = check_cloud(train, min_points=2, name="train",
                                purpose="a nearest other training point")
            if train.shape[1] != X.shape[1]:
                raise ValueError(
                    f"train has {train.shape[1]} features and X {X.shape[1]}: the training "
                    "set, the reference and the samples share one feature space.")
            if n_cells is not None:
                if not keep_features:
                    raise ValueError("n_cells applies to the cells of ct, which need the "
                                     "features: keep_features=True.")
                n_cells = check_int(n_cells, "n_cells", 1)
                if n_cells > train.shape[0]:
                    raise ValueError(f"n_cells={n_cells} is more than the {train.shape[0]} "
                                     "training points.")
        elif n_cells is not None:
            raise ValueError("n_cells applies to the cells of ct, which need train.")
        s_ref = _imd_seeds(random_state)[0]
        signature = compute_signatures([X], t, params, None, n_jobs, ["reference"],
                                       seeds=[s_ref])[0][0]
        mean, covariance, e = scaled_moments(X)
        radii = train_radii = cells = None
        if keep_features:
            radii, e_radii = scaled_radii(X, k)
            radii = np.ldexp(radii, 2 * (e_radii - e))  # squared distances, in units of 2**e
        if train is not None:
            T = train.astype(np.float64, copy=False)  # as compare computes with it
            train_radii, e_train = scaled_radii(T, 1)
            if not _lossless(train_radii, 2 * (e_train - e)):
                raise ValueError(
                    "train and X are of scales too far apart (values about "
                    f"2**{e_train} and 2**{e}): the training set's squared distances do not "
                    "fit in float64 in the reference's units.")
            train_radii = np.ldexp(train_radii, 2 * (e_train - e))
            if keep_features:
                from .metrics._copying import _Cells, _check_cells, _default_cells

                found = _Cells(T, X, _default_cells(X.shape[0]) if n_cells is None
                               else n_cells, 64, random_state)
                _check_cells(*found.cells, found.n_cells)
                cells = {**found.arrays(),
                         "random_state": None if seed is None else int(seed)}
        # in the features' own units (pytorch-fid's), unless a covariance or a
        # radius would overflow or lose digits to underflow there
        if all(_lossless(A, p * e) for A, p in ((mean, 1), (covariance, 2), (radii, 2),
                                                (train_radii, 2))
               if A is not None):
            mean, covariance = np.ldexp(mean, e), np.ldexp(covariance, 2 * e)
            radii = None if radii is None else np.ldexp(radii, 2 * e)
            train_radii = None if train_radii is None else np.ldexp(train_radii, 2 * e)
            e = 0
        return cls(mean=mean, covariance=covariance, n_samples=X.shape[0],
                   features=_kept(X) if keep_features else None,
                   k=k if keep_features else None, radii=radii,
                   imd_signature=signature, imd_t=t,
                   imd_params={**params, "random_state": None if seed is None else int(seed)},
                   scale_exponent=e, train=None if train is None else train.copy(),
                   train_radii=train_radii, cells=cells, feature_space=feature_space)

    # ------------------------------------------------------------ streaming

    @classmethod
    def streaming(cls, *, keep_features=False, k=5, imd_params=None, random_state=None,
                  n_jobs=None, feature_space=None):
        """Statistics to be built one batch of rows at a time, with :meth:`partial_fit`.

        The mean, covariance and ``n_samples`` are those of every row so far
        after each batch: float64 moments of each batch, exactly scaled by a
        power of two and merged by Chan, Golub and LeVeque's pairwise update
        (never a running sum of ``x xᵀ``), equal to those of
        :meth:`from_samples` on all the rows to rounding (1e-10 relative and
        better).  Memory: the covariance and one batch, whatever the number
        of rows, unless the features are kept in memory.

        What needs the points themselves (the kNN radii of precision,
        recall, density and coverage, the IMD signature, KID) is computed
        from the kept features by :meth:`finalize`, which :meth:`save` and
        :func:`compare` call on a stream; after it no batch is added.
        Without kept features the statistics give FID only, as
        pytorch-fid's.

        Parameters
        ----------
        keep_features : bool or str or os.PathLike, default=False
            Keep the rows: ``False`` keeps their moments only; ``True`` keeps
            them in memory; a path ending in ``.npy`` (a new file) writes
            them there batch by batch, the file a valid ``.npy`` of the rows
            so far after each batch, and :attr:`features` is then that file
            memory-mapped (read only), never a copy in memory.  float32,
            float16 and bfloat16 rows are kept as float32 (exactly), others
            as float64.
        k : int, default=5
            Neighbour of the kNN radii, as in :meth:`from_samples`.
        imd_params : dict, default=None
            IMD parameters of the signature, as in :meth:`from_samples`.
        random_state : int, RandomState instance or None, default=None
            Seed of the signature, as in :meth:`from_samples`: an int gives
            the signature that ``from_samples`` gives all the rows.
        n_jobs : int, default=None
            As in :func:`imd_score`, for the signature.
        feature_space : str, default=None
            The name of the features' space, as in :meth:`from_samples`.

        Returns
        -------
        stats : ReferenceStats
            Empty until the first :meth:`partial_fit`.

        See Also
        --------
        merge : the statistics of shards streamed apart (other processes,
            GPUs or machines).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_imd import ReferenceStats
        >>> X = np.random.default_rng(0).normal(size=(1000, 8))
        >>> ref = ReferenceStats.streaming(random_state=0)
        >>> for batch in np.array_split(X, 4):
        ...     ref = ref.partial_fit(batch)
        >>> ref
        ReferenceStats(streaming, n_samples=1000, n_features=8)
        >>> bool(np.allclose(ref.covariance, np.cov(X, rowvar=False), rtol=1e-12))
        True
        """
        from ._streaming import Stream

        params, t = _imd_setup(imd_params)
        k = check_int(k, "k", 1)
        feature_space = check_feature_space(feature_space)
        check_seed(random_state)  # checked now, not at finalize
        stats = cls.__new__(cls)
        stats._stream = Stream(keep_features=keep_features, k=k, params=params, t=t,
                               random_state=random_state, n_jobs=n_jobs)
        stats.mean = stats.covariance = None
        stats.n_samples, stats.n_features, stats.scale_exponent = 0, None, 0
        stats.features = stats.k = stats.radii = None
        stats.imd_signature = stats.imd_t = stats.imd_params = None
        stats.train = stats.train_radii = stats.cells = None
        stats.feature_space = feature_space
        return stats

    def partial_fit(self, X):
        """Add a batch of rows to statistics made by :meth:`streaming` (or :meth:`merge`).

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            One batch: any number of rows (at least one), of the first
            batch's width, finite; float16, bfloat16 and memory-mapped
            arrays are read as they are (the moments in float64).  It is
            not kept (copied when ``keep_features=True``).

        Returns
        -------
        self : ReferenceStats
            With the mean, ``n_samples`` and (from 2 rows) covariance of
            every row so far.

        Raises
        ------
        ValueError
            If the batch is of another width or holds NaN or infinite values
            (the statistics are left as they were), or the statistics are
            not a stream: those of :meth:`from_samples`, :meth:`load` or a
            finalised stream (merge them with :meth:`merge` instead).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_imd import ReferenceStats
        >>> rng = np.random.default_rng(0)
        >>> ref = ReferenceStats.streaming().partial_fit(rng.normal(size=(100, 3)))
        >>> ref.n_samples, ref.mean.shape
        (100, (3,))
        >>> ref.partial_fit(rng.normal(size=(50, 3))).n_samples
        150
        """
        if self._stream is None:
            raise ValueError(
                "partial_fit adds rows to statistics made by ReferenceStats.streaming() "
                "(or merge); these are finished (from_samples, load, or a stream already "
                "finalised by finalize, save or compare). To add rows to them, stream the "
                "new rows and merge: ReferenceStats.merge([these, streamed]).")
        self._stream.add(X, name="X")
        self._update_moments()
        return self

    def _update_moments(self):
        """mean, covariance and n_samples from the stream's moments, in the
        features' units unless they would overflow or lose digits there."""
        m = self._stream.moments
        mean, e = m.mean, m.exponent
        covariance = m.covariance() if m.n >= 2 else None
        if _lossless(mean, e) and (covariance is None or _lossless(covariance, 2 * e)):
            mean = np.ldexp(mean, e)
            covariance = None if covariance is None else np.ldexp(covariance, 2 * e)
            e = 0
        self.mean, self.covariance, self.n_samples = mean, covariance, m.n
        self.n_features, self.scale_exponent = self._stream.d, e

    def finalize(self):
        """Finish a stream: the kNN radii and IMD signature of the kept features.

        :meth:`save` and :func:`compare` call it on a stream; on finished
        statistics (:meth:`from_samples`, :meth:`load`, a stream already
        finalised) it does nothing.  Every field is then checked as the
        constructor checks it, and :meth:`partial_fit` refuses more rows.

        Returns
        -------
        self : ReferenceStats

        Raises
        ------
        ValueError
            If the stream has fewer than 2 rows (no covariance), or, with
            kept features, not more than ``k`` and the graph's ``k``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_imd import ReferenceStats
        >>> X = np.random.default_rng(0).normal(size=(400, 3))
        >>> ref = ReferenceStats.streaming(keep_features=True, random_state=0)
        >>> for batch in np.array_split(X, 3):
        ...     ref = ref.partial_fit(batch)
        >>> ref.finalize()
        ReferenceStats(n_samples=400, n_features=3, holds mean, covariance, features, radii, \
imd_signature)
        >>> same = ReferenceStats.from_samples(X, random_state=0)
        >>> bool(np.array_equal(ref.radii, same.radii))
        True
        """
        stream = self._stream
        if stream is None:
            return self
        if stream.moments is None or stream.moments.n < 2:
            raise ValueError(f"the stream holds {self.n_samples} row"
                             f"{'s' if self.n_samples != 1 else ''}; statistics need at "
                             "least 2 (a covariance).")
        from ._core.compute import compute_signatures
        from .metrics._prdc import scaled_radii

        kept = X = stream.features()
        k, params, t = stream.k, stream.params, stream.t
        m = stream.moments
        mean, covariance, e = m.mean, m.covariance(), m.exponent
        radii = signature = imd_params = None
        if X is not None:
            X = check_cloud(X, min_points=max(k, params["k"]) + 1, name="the streamed rows")
            seed = stream.random_state if isinstance(stream.random_state,
                                                     (int, np.integer)) else None
            signature = compute_signatures([X], t, params, None, stream.n_jobs, ["reference"],
                                           seeds=[_imd_seeds(stream.random_state)[0]])[0][0]
            imd_params = {**params, "random_state": None if seed is None else int(seed)}
            radii, e_radii = scaled_radii(X, k)
            radii = np.ldexp(radii, 2 * (e_radii - e))
        if all(_lossless(A, p * e) for A, p in ((mean, 1), (covariance, 2), (radii, 2))
               if A is not None):
            mean, covariance = np.ldexp(mean, e), np.ldexp(covariance, 2 * e)
            radii = None if radii is None else np.ldexp(radii, 2 * e)
            e = 0
        self._set(mean=mean, covariance=covariance, n_samples=m.n, features=kept,
                  k=None if X is None else k, radii=radii, imd_signature=signature,
                  imd_t=None if X is None else t, imd_params=imd_params, scale_exponent=e,
                  train=None, train_radii=None, cells=None, feature_space=self.feature_space,
                  where="ReferenceStats.finalize")
        self._stream = None
        return self

    @classmethod
    def merge(cls, stats, *, keep_features=False, random_state=None, n_jobs=None):
        """The statistics of shards together: streams, or finished statistics.

        Each shard's moments (a stream's own, exact; finished statistics' from
        their mean, covariance and ``n_samples``) are merged by Chan, Golub
        and LeVeque's pairwise update, as a balanced tree: the mean and
        covariance equal those of :meth:`from_samples` on all the shards'
        rows to rounding (1e-10 relative and better).  The result is a stream
        (:meth:`partial_fit` adds rows to it; :meth:`finalize`, :meth:`save`
        and :func:`compare` finish it).

        Parameters
        ----------
        stats : list of ReferenceStats
            The shards: streams (:meth:`streaming`) or statistics of
            :meth:`from_samples` or :meth:`load` (their ``n_samples``
            known), of one width and feature space, and, where they record
            them, one ``k`` and one set of IMD parameters.  Shards with a
            training set are refused.
        keep_features : bool or str or os.PathLike, default=False
            As in :meth:`streaming`: ``True`` or a new ``.npy`` path keeps
            the shards' features (each shard must hold them), in order, so
            that :meth:`finalize` computes the radii and signature of all.
        random_state : int, RandomState instance or None, default=None
            Seed of the signature of the merged features.
        n_jobs : int, default=None
            As in :func:`imd_score`, for the signature.

        Returns
        -------
        stats : ReferenceStats
            A stream of every shard's rows.

        Raises
        ------
        ValueError
            If the shards differ in width, feature space, ``k`` or IMD
            parameters, a finished shard does not record its number of
            samples (pytorch-fid's files), or ``keep_features`` is asked and
            a shard holds no features.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_imd import ReferenceStats
        >>> X = np.random.default_rng(0).normal(size=(900, 4))
        >>> shards = [ReferenceStats.streaming().partial_fit(part)
        ...           for part in np.array_split(X, 3)]
        >>> ref = ReferenceStats.merge(shards)
        >>> ref.n_samples, bool(np.allclose(ref.mean, X.mean(axis=0), rtol=1e-12))
        (900, True)
        """
        from ._streaming import moments_of
        from ._utils.moments import merge_all

        if isinstance(stats, ReferenceStats) or not hasattr(stats, "__iter__"):
            raise TypeError("merge takes a list of ReferenceStats (the shards); got "
                            f"{type(stats).__name__}.")
        stats = list(stats)
        if not stats:
            raise ValueError("merge needs at least one ReferenceStats; got none.")
        for i, s in enumerate(stats):
            if not isinstance(s, ReferenceStats):
                raise TypeError(f"stats[{i}] is a {type(s).__name__}, not a ReferenceStats.")
        first, space = stats[0], stats[0].feature_space
        widths = {}
        ks, params, times = {}, {}, {}
        for i, s in enumerate(stats):
            where = f"stats[{i}]"
            if s.train is not None:
                raise ValueError(f"{where} holds a training set (ct, authenticity); merge "
                                 "shards without one, and give train to from_samples or "
                                 "compare.")
            if s.n_features is None:
                raise ValueError(f"{where} is a stream that has had no batch yet.")
            widths[i] = s.n_features
            if s.feature_space != space:
                raise ValueError(f"{where} has feature_space {s.feature_space!r} and stats[0] "
                                 f"{space!r}: shards share one feature space.")
            if s._stream is not None:
                ks[i], params[i], times[i] = s._stream.k, s._stream.params, s._stream.t
            else:
                if s.k is not None:
                    ks[i] = s.k
                if s.imd_params is not None:
                    params[i] = {key: s.imd_params[key] for key in _IMD_KEYS}
                    times[i] = s.imd_t
        for i, d in widths.items():
            if d != first.n_features:
                raise ValueError(f"stats[{i}] has {d} features and stats[0] "
                                 f"{first.n_features}: shards share one width.")
        for name, values, same in (("k", ks, lambda a, b: a == b),
                                   ("imd_params", params, lambda a, b: a == b),
                                   ("the IMD times (imd_params['t'])", times,
                                    lambda a, b: a.shape == b.shape and np.array_equal(a, b))):
            if values:
                i0 = min(values)
                for i, v in values.items():
                    if not same(v, values[i0]):
                        raise ValueError(f"stats[{i}] has {name} {v!r} and stats[{i0}] "
                                         f"{values[i0]!r}: merged shards share them (their "
                                         "radii and signature are recomputed from the "
                                         "merged features with these).")
        moments = merge_all([moments_of(s, f"stats[{i}]") for i, s in enumerate(stats)])
        merged = cls.streaming(keep_features=keep_features, k=ks[min(ks)] if ks else 5,
                               random_state=random_state, n_jobs=n_jobs, feature_space=space)
        stream = merged._stream
        if params:
            stream.params, stream.t = params[min(params)], times[min(times)]
        stream.d = first.n_features
        if keep_features is not False:
            held = [s._stream.features() if s._stream is not None else s.features
                    for s in stats]
            for i, X in enumerate(held):
                if X is None:
                    raise ValueError(f"stats[{i}] holds no features, and keep_features asks "
                                     "for every shard's: stream the shards with "
                                     "keep_features, or merge their moments alone "
                                     "(keep_features=False).")
            wide = any(X.dtype != np.float32 for X in held)
            stream.dtype = np.dtype(np.float64 if wide else np.float32)
            for X in held:
                stream.add_rows(X)
        stream.moments = moments
        merged._update_moments()
        return merged


    def save(self, path):
        """Write the statistics to a ``.npz`` file (no pickled objects).

        A stream (:meth:`streaming`) is finalised first (:meth:`finalize`):
        the file holds its radii and signature, and no batch is added after.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write: exactly this path (``.npz`` is appended only when
            it has no extension, as :func:`numpy.savez` does).  A folder, a
            missing parent folder or another extension is refused before
            anything is written.

        Returns
        -------
        path : str
            The path written.
        """
        path = _check_output_path(path)
        self.finalize()  # a stream: its radii and signature first
        # version 2 only where it matters: readers of version 1 take mu, sigma
        # and the radii in the features' units
        arrays = {"format": np.array(_FORMAT), "version": np.array(2 if self.scale_exponent
                                                                   else 1),
                  "n_samples": np.array(self.n_samples), "mu": self.mean,
                  "sigma": self.covariance}
        if self.scale_exponent:
            arrays["scale_exponent"] = np.array(self.scale_exponent)
        if self.features is not None:
            arrays["features"] = self.features
        if self.radii is not None:
            arrays["prdc_k"] = np.array(self.k)
            arrays["prdc_radii"] = self.radii
        if self.imd_signature is not None:
            arrays["imd_signature"] = self.imd_signature
            arrays["imd_t"] = self.imd_t
            arrays["imd_params"] = np.array(json.dumps(self.imd_params))
        if self.train is not None:
            arrays["train"] = self.train
            arrays["train_radii"] = self.train_radii
        if self.feature_space is not None:
            arrays["feature_space"] = np.array(self.feature_space)
        if self.cells is not None:
            arrays.update({key: self.cells[name] for name, key in _CELL_KEYS.items()
                           if self.cells[name] is not None})
            arrays["ct_params"] = np.array(json.dumps(
                {"random_state": self.cells["random_state"]}))
        # written beside, then renamed: an interrupted save leaves no half file
        partial = f"{path}.partial-{os.getpid()}"
        try:
            with open(partial, "wb") as f:
                np.savez(f, **arrays)
            os.replace(partial, path)
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        return path

    @classmethod
    def load(cls, path):
        """Read statistics written by :meth:`save`, or by another evaluation tool.

        Besides sklearn-imd's own files, it reads (each as its tool writes
        it; only arrays of numbers, nothing unpickled but NumPy arrays):

        - pytorch-fid's ``--save-stats`` and clean-fid's custom statistics
          (``make_custom_stats``): ``mu`` and ``sigma`` (FID only);
        - clean-fid's KID file (``..._kid.npz``, ``feats``) and dgm-eval's
          saved representations (``reps``, with its ``model`` as the
          ``feature_space``; its pickled ``hparams`` are not read): the
          features, with their moments;
        - guided-diffusion's (ADM) reference batches: their ``mu`` and
          ``sigma`` (Inception pool_3 over the whole dataset; FID only);
          their ``arr_0`` images and sFID moments ``mu_s``/``sigma_s`` are
          not read;
        - torch-fidelity's cached FID statistics (a ``.pt`` file of
          ``torch.save({"mu": ..., "sigma": ...})``), read without torch;
          its caches of torch tensors are refused, with how to convert them.

        Files whose sample size is unknown (all but those with features)
        have ``n_samples`` 0; :meth:`merge` refuses them.

        Every field is checked before any metric uses it (as the constructor
        does): finite values, a symmetric positive semi-definite covariance,
        one non-negative radius per feature row, moments and radii that are
        those of the stored features, the IMD parameters of the signature,
        and the training set's radii and cells.  Files without a training
        set or a feature space (older ones, pytorch-fid's) load as before,
        their ``feature_space`` None (unknown).

        Parameters
        ----------
        path : str or os.PathLike
            A regular file (pipes and devices are refused).

        Returns
        -------
        stats : ReferenceStats

        Raises
        ------
        ValueError
            If the file is not a ``.npz`` archive of statistics (or a
            torch-fidelity ``.pt`` of them), or a field is
            missing or malformed: the message names the file and the field.
        MemoryError
            If its arrays would take more memory than the limit of
            :func:`sklearn_imd.io.memory_limit`.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> from sklearn_imd import ReferenceStats
        >>> X = np.random.default_rng(0).normal(size=(500, 4))
        >>> path = os.path.join(tempfile.mkdtemp(), "custom_clean_custom_na.npz")
        >>> np.savez_compressed(path, mu=X.mean(axis=0), sigma=np.cov(X, rowvar=False))
        >>> ref = ReferenceStats.load(path)   # clean-fid's make_custom_stats file
        >>> ref.n_samples, ref.features is None
        (0, True)
        """
        from ._io.arrays import _read_npz_members
        from ._io.files import _check_regular

        path = os.fsdecode(path)
        _check_regular(path)
        with open(path, "rb") as f:
            if f.read(6) == b"\x93NUMPY":
                raise ValueError(f"{path}: a statistics file is a .npz archive, not a .npy "
                                 "array; write one with `sklearn-imd stats REF -o FILE.npz`.")
        peer = _peer_fields(path)  # another tool's file (clean-fid, ADM, dgm-eval, ...)
        if peer is not None:
            stats = cls.__new__(cls)
            stats._set(**peer, where=path)
            return stats
        arrays = _read_npz_members(path, what="a statistics file")
        keys = set(arrays)
        if not {"mu", "sigma"} <= keys:
            raise ValueError(
                f"{path} holds no reference statistics (arrays 'mu' and 'sigma'); write "
                "them with `sklearn-imd stats REF -o FILE.npz`."
            )

        def scalar(name, kind):
            value = arrays[name]
            if value.shape != () or value.dtype.kind not in kind:
                raise ValueError(f"{path}: {name} must be a single "
                                 f"{'string' if kind == 'U' else 'integer'}; got an array of "
                                 f"shape {value.shape} and dtype {value.dtype}.")
            return value.item()

        if "format" in keys and scalar("format", "U") != _FORMAT:
            raise ValueError(f"{path}: unknown statistics format {scalar('format', 'U')!r}.")
        if "version" in keys and scalar("version", "iu") < 1:
            raise ValueError(f"{path}: version must be a positive integer; got "
                             f"{scalar('version', 'iu')}.")
        if "version" in keys and scalar("version", "iu") > _VERSION:
            raise ValueError(
                f"{path} was written by a newer sklearn-imd (statistics version "
                f"{scalar('version', 'iu')}); upgrade sklearn-imd to read it."
            )
        features = arrays.get("features")
        n_samples = (scalar("n_samples", "iu") if "n_samples" in keys
                     else (features.shape[0] if features is not None
                           and features.ndim == 2 else 0))
        def parsed(name):
            try:
                return json.loads(scalar(name, "U"))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: {name} is not valid JSON ({exc}).") from None

        imd_params = parsed("imd_params") if "imd_params" in keys else None
        cells = None
        if keys & {"ct_params", *_CELL_KEYS.values()}:
            cells = {name: arrays.get(key) for name, key in _CELL_KEYS.items()}
            if "ct_params" not in keys:
                raise ValueError(f"{path}: ct_params is missing: the cells of ct come with "
                                 "the seed they were made with.")
            ct_params = parsed("ct_params")
            if not isinstance(ct_params, dict) or set(ct_params) != {"random_state"}:
                raise ValueError(f"{path}: ct_params must be a mapping of random_state "
                                 f"alone; got {ct_params!r}.")
            cells["random_state"] = ct_params["random_state"]
        stats = cls.__new__(cls)
        stats._set(mean=arrays["mu"], covariance=arrays["sigma"], n_samples=n_samples,
                   features=features,
                   k=scalar("prdc_k", "iu") if "prdc_k" in keys else None,
                   radii=arrays.get("prdc_radii"), imd_signature=arrays.get("imd_signature"),
                   imd_t=arrays.get("imd_t"), imd_params=imd_params,
                   scale_exponent=(scalar("scale_exponent", "iu") if "scale_exponent" in keys
                                   else 0), train=arrays.get("train"),
                   train_radii=arrays.get("train_radii"), cells=cells,
                   feature_space=(scalar("feature_space", "U") if "feature_space" in keys
                                  else None), where=path)
        return stats
