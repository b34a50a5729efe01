"""Input checks for point clouds, collections of clouds and IMD parameters.

Public functions call these at the door; the private helpers downstream trust
what they receive.  Every check raises a ``TypeError`` (wrong kind of object)
or a ``ValueError`` (right kind, unusable value) whose message names the
argument and the problem.  Nothing here modifies the caller's arrays.
"""

import numbers
import sys

import numpy as np

NORMALIZATIONS = ("empty", "complete", "er", "none")
KNN_METHODS = ("auto", "exact", "approx", "pynndescent")
HEAT_METHODS = ("auto", "exact", "slq")
DEFAULT_TIMES = (0.1, 10.0, 256)
# A call whose clouds all have fewer points than this, and fewer than twice
# this in all (one signature, one score), is computed with NumPy alone: a
# dense graph and Laplacian, no Numba and no SciPy.  In a new process,
# Numba's start-up (its compiler and our cached kernels, about 0.7 s on
# 2 cores) and SciPy's import (0.2 s) cost more than such a call's whole work.
# Once loaded, the kernels are faster (1,000 points: 0.03-0.05 s against
# 0.1 s), so calls with more clouds take them.  Both routes give the same
# graph, and traces equal to rounding (tests/core/test_routes.py).
JIT_MIN_POINTS = 1024


def default_times():
    """The published grid: 256 log-spaced diffusion times from 0.1 to 10."""
    lo, hi, num = DEFAULT_TIMES
    return np.logspace(np.log10(lo), np.log10(hi), num)


def _describe(X):
    return f"{type(X).__module__}.{type(X).__qualname__}".replace("builtins.", "")


def _as_numeric_array(X, name):
    """``np.asarray`` with readable errors for sparse, ragged, complex or text input."""
    if X is None:
        raise TypeError(f"{name} must be an array of numbers, got None.")
    if hasattr(X, "tocsr") or hasattr(X, "todense"):
        raise TypeError(
            f"{name} is a sparse matrix; IMD needs dense coordinates. "
            f"Convert it with {name}.toarray()."
        )
    if isinstance(X, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array of numbers, got {_describe(X)}.")
    if isinstance(X, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array; its mask would be ignored. Drop the masked "
            f"points first ({name}[~{name}.mask.any(axis=1)].data) or fill them."
        )
    try:
        arr = np.asarray(X)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(
            f"{name} could not be read as a rectangular array ({exc}). "
            "Each point cloud must be a 2-D array whose rows all have the same length."
        ) from None
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} contains complex numbers; IMD needs real coordinates.")
    if is_bfloat16(arr.dtype):
        arr = arr.astype(np.float64)  # exact; computed in float64 as float16 is
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must contain only numbers; it holds Python objects that "
                "are not numbers."
            ) from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must contain numbers, got an array of dtype {arr.dtype} "
            f"(kind {arr.dtype.kind!r})."
        )
    return arr


def is_bfloat16(dtype):
    """Whether ``dtype`` is ml_dtypes' bfloat16 (told by its name: ml_dtypes is
    not imported, and is loaded already wherever such an array exists)."""
    return dtype.kind == "V" and dtype.name == "bfloat16"


# Rows of a large array checked for NaN at a time: no boolean temporary of its
# whole size (a memory-mapped 1e6 x 2048 reference would take 2 GB of it).
_FINITE_ROWS = 1 << 14


def _first_non_finite(arr):
    """The index of the first NaN or infinite entry of a 2-D array, or None."""
    for start in range(0, arr.shape[0], _FINITE_ROWS):
        block = arr[start : start + _FINITE_ROWS]
        finite = np.isfinite(block)
        if not finite.all():
            bad = np.argwhere(~finite)[0]
            return (start + bad[0], bad[1])
    return None


def check_cloud_shape(shape, min_points, name, purpose):
    """Refuse a cloud of shape ``(n, d)`` with no features or fewer than
    ``min_points`` points (the message of :func:`check_cloud`)."""
    n, d = shape
    if d == 0:
        raise ValueError(f"{name} has 0 features; each point needs at least one coordinate.")
    if n < min_points:
        if purpose is None:
            purpose = (f"a graph with k = {min_points - 1} neighbours needs at least "
                       f"k + 1 = {min_points} points")
        else:
            purpose = f"{purpose} needs at least {min_points} points"
        raise ValueError(f"{name} has {n} point{'s' if n != 1 else ''}; {purpose}.")


def check_cloud(X, *, min_points=2, name="X", purpose=None):
    """Validate one point cloud of shape (n_points, n_features).

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        Real coordinates; integers, booleans, float16, float32, ml_dtypes'
        bfloat16 and memory-mapped arrays are accepted.
    min_points : int
        Smallest acceptable number of points (``k + 1`` for a kNN graph).
    name : str
        How to call the argument in error messages.
    purpose : str, optional
        What needs ``min_points`` points, for the error message (default: a
        kNN graph with ``k = min_points - 1`` neighbours).

    Returns
    -------
    X : ndarray of shape (n_points, n_features)
        float32 input stays float32, anything else becomes float64 (float16
        and bfloat16 exactly).  The array may share memory with the input (a
        float32 or float64 memory map is not copied): callers never write
        into it.
    """
    arr = _as_numeric_array(X, name)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_points, n_features); got a "
            f"{arr.ndim}-D array of shape {arr.shape}."
            + (" Reshape a single feature with x.reshape(-1, 1)." if arr.ndim == 1 else "")
        )
    check_cloud_shape(arr.shape, min_points, name, purpose)
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    bad = _first_non_finite(arr)
    if bad is not None:
        kind = "NaN" if np.isnan(arr[bad]) else "infinite values"
        raise ValueError(
            f"{name} contains {kind} (first at row {bad[0]}, column {bad[1]}); "
            "remove or impute them first."
        )
    return arr


def check_point_clouds(X, *, min_points=2, name="X"):
    """Validate a collection of point clouds.

    Parameters
    ----------
    X : list of array-like of shape (n_points_i, n_features_i) or ndarray of shape \
(n_clouds, n_points, n_features)
        Each sample is a whole point cloud; clouds in a list may differ in both
        their number of points and their dimension.
    min_points : int
        Smallest acceptable number of points per cloud.
    name : str
        How to call the argument in error messages.

    Returns
    -------
    clouds : list of ndarray
        One validated 2-D array per cloud.
    """
    if X is None:
        raise TypeError(f"{name} must be a list of 2-D point clouds or a 3-D array, got None.")
    if isinstance(X, np.ndarray) or hasattr(X, "__array__") and not isinstance(X, (list, tuple)):
        arr = _as_numeric_array(X, name)
        if arr.ndim == 2:
            raise ValueError(
                f"{name} must be a collection of point clouds (a list of 2-D arrays or "
                f"a 3-D array of shape (n_clouds, n_points, n_features)); got one 2-D "
                f"array of shape {arr.shape}. To use a single cloud, pass [{name}]."
            )
        if arr.ndim != 3:
            raise ValueError(
                f"{name} must be a list of 2-D point clouds or a 3-D array of shape "
                f"(n_clouds, n_points, n_features); got a {arr.ndim}-D array of shape "
                f"{arr.shape}."
            )
        clouds = list(arr)
    elif isinstance(X, (str, bytes, dict, set)) or not hasattr(X, "__iter__"):
        raise TypeError(
            f"{name} must be a list of 2-D point clouds or a 3-D array, got {_describe(X)}."
        )
    else:
        clouds = list(X)
    if len(clouds) == 0:
        raise ValueError(f"{name} is an empty collection; it needs at least one point cloud.")
    return [
        check_cloud(c, min_points=min_points, name=f"{name}[{i}]") for i, c in enumerate(clouds)
    ]


def check_sample_pair(X, Y, *, min_points, purpose):
    """Two samples of one feature space (the extrinsic baselines), as float64.

    Unlike IMD, FID, KID and MMD compare points coordinate by coordinate, so
    both samples need the same number of features.
    """
    X = check_cloud(X, min_points=min_points, name="X", purpose=purpose)
    Y = check_cloud(Y, min_points=min_points, name="Y", purpose=purpose)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of features; got {X.shape[1]} and "
            f"{Y.shape[1]}. This metric compares points in one feature space; "
            "imd_score compares clouds of different dimensions."
        )
    return X.astype(np.float64, copy=False), Y.astype(np.float64, copy=False)


def check_real(value, name, *, minimum=None, strict=False):
    """A finite real number (not a bool), optionally bounded below."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({_describe(value)}).")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    if minimum is not None and (value < minimum or strict and value == minimum):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum:g}, got {value:g}.")
    return value


def check_int(value, name, minimum):
    """An integer (not a bool) no smaller than ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({_describe(value)}).")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_choice(value, name, options):
    """One of a fixed set of strings."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(o) for o in options)}; got {value!r}."
        )
    return value


def check_times(t, name="t"):
    """A 1-D, non-empty grid of finite positive diffusion times (None: the default)."""
    if t is None:
        return default_times()
    arr = _as_numeric_array(t, name)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of diffusion times; got a {arr.ndim}-D array "
            f"of shape {arr.shape}."
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty; it needs at least one diffusion time.")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    if (arr <= 0).any():
        raise ValueError(
            f"{name} must contain only positive diffusion times; got min {arr.min():g}."
        )
    return arr


# The defaults of the IMD parameters, in one place: every public function's
# signature agrees with them (tests/test_layers.py checks it) and the command
# line and compare read them.
IMD_DEFAULTS = {"k": 5, "m": 10, "nv": 100, "method": "auto", "normalization": "empty",
                "knn": "auto"}


def check_imd_params(*, k, m, nv, method, normalization, knn):
    """Validate the scalar parameters shared by the estimator and the score functions."""
    return dict(
        k=check_int(k, "k", 1),
        m=check_int(m, "m", 2),
        nv=check_int(nv, "nv", 1),
        method=check_choice(method, "method", HEAT_METHODS),
        normalization=check_choice(normalization, "normalization", NORMALIZATIONS),
        knn=check_choice(knn, "knn", KNN_METHODS),
    )


def binary_exponent(*arrays):
    """The ``e`` with the largest absolute value of ``arrays`` in ``[2**(e-1), 2**e)``
    (0 for all zeros): dividing by ``2**e`` (``np.ldexp(A, -e)``) is exact and
    brings every value within 1, where squared distances can neither overflow
    nor all underflow.  No temporary array: ``max(A.max(), -A.min())``, in
    Python floats (no integer wrap-around), NaN kept."""
    largest = 0.0
    for A in arrays:
        largest = np.fmax(largest, np.maximum(float(A.max()), -float(A.min())))
    return int(np.frexp(largest)[1])


def check_n_jobs(n_jobs, name="n_jobs", work=None):
    """``None`` or a non-zero integer (joblib's convention: -1 all processors).

    Returns the effective number of workers, capped at ``work`` (the number of
    independent tasks) when given, so that no idle process is started.
    """
    if n_jobs is not None and (
        isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral)
    ):
        raise TypeError(
            f"{name} must be None or an integer (-1 for all processors), got {n_jobs!r} "
            f"({_describe(n_jobs)})."
        )
    if n_jobs is not None and n_jobs == 0:
        raise ValueError(f"{name} must not be 0; use None or 1 for one process, -1 for all.")
    if n_jobs == 1 or (n_jobs is None and "joblib" not in sys.modules):
        # None means 1 outside a joblib.parallel_config context, and there is
        # none before joblib is imported: a script need not import it
        return 1
    from joblib import effective_n_jobs

    workers = effective_n_jobs(None if n_jobs is None else int(n_jobs))
    return workers if work is None else max(1, min(workers, int(work)))


def check_seed(random_state, name="random_state"):
    """``None``, an integer in [0, 2**32) or a ``numpy.random.RandomState``.

    Returns a ``RandomState`` (scikit-learn's ``check_random_state``) after a
    readable check, instead of numpy's error deep inside.
    """
    if random_state is not None and not isinstance(random_state, np.random.RandomState):
        if isinstance(random_state, (bool, np.bool_)) or not isinstance(
            random_state, numbers.Integral
        ):
            raise TypeError(
                f"{name} must be None, an integer or a numpy.random.RandomState, got "
                f"{random_state!r} ({_describe(random_state)})."
            )
        if not 0 <= random_state < 2**32:
            raise ValueError(f"{name} must be in [0, 2**32), got {random_state}.")
        return np.random.RandomState(int(random_state))
    if random_state is None:
        return np.random.mtrand._rand
    return random_state


# Seeds drawn for the parts of a computation lie in [0, 2**31 - 1).
SEED_MAX = np.iinfo(np.int32).max


def draw_seeds(random_state, size=None):
    """Seeds for the parts of a computation (clouds, resamples), drawn from
    ``random_state`` (checked by :func:`check_seed`; a ``RandomState`` goes on):
    one int, or a list of ``size`` ints, in ``[0, SEED_MAX)``."""
    rng = check_seed(random_state)
    if size is None:
        return int(rng.randint(SEED_MAX))
    return [int(s) for s in rng.randint(SEED_MAX, size=size)]


def one_number_kernel(kernel, name):
    """``kernel`` (a callable of two rows) as a function returning a float.

    A result holding one real number (e.g. the shape-(1,) array that
    ``np.exp(-np.abs(a - b))`` gives for rows of one feature) is that number;
    anything else is refused by name, before scikit-learn's ``pairwise_kernels``
    fails on it with "setting an array element with a sequence".
    """
    def k(a, b, **params):
        value = kernel(a, b, **params)
        arr = np.asarray(value)
        if arr.size != 1:
            raise ValueError(
                f"kernel={name!r} returned an array of shape {arr.shape} for two rows "
                f"(1-D arrays of shape {a.shape}); a kernel callable must return one "
                "number, e.g. lambda a, b: np.exp(-np.sum(np.abs(a - b)))."
            )
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"kernel={name!r} returned {value!r} for two rows; a kernel callable "
                "must return a real number."
            )
        return float(arr.reshape(()))
    return k
