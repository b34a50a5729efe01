"""The machinery of :meth:`ReferenceStats.streaming`, :meth:`~ReferenceStats.partial_fit`
and :meth:`~ReferenceStats.merge`: the running moments (:mod:`._utils.moments`,
float64, exactly scaled, Chan's update), the kept features (in memory, or a
``.npy`` file grown batch by batch, never a full copy in memory), and the
checks of what may be streamed or merged."""

import os

import numpy as np

from ._utils.moments import Moments, merge_moments, part_moments
from ._utils.validation import binary_exponent, check_cloud

# The header of a growing .npy file: a fixed length (a multiple of 64, as
# numpy aligns it), so that its shape is rewritten in place after each batch
# and the file is a valid .npy of the rows written so far at every moment.
_HEADER_BYTES = 128


def _check_npy_path(path):
    """``path`` if the streamed features can be written there: a new file
    ending in .npy, in a folder that exists."""
    if os.path.splitext(path)[1].lower() != ".npy":
        raise ValueError(f"keep_features={path!r}: the features are kept in a .npy file; "
                         "give a path ending in .npy.")
    if os.path.exists(path):
        raise ValueError(f"keep_features={path!r} exists; the streamed features are "
                         "written to a new file (remove it or name another).")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"keep_features={path!r}: no folder {folder!r} to write it in.")
    return path


class NpyAppender:
    """A ``.npy`` file of ``d`` columns of ``dtype``, grown by rows.

    The file is created (never overwritten: an existing ``path`` is refused)
    and after each :meth:`append` holds a valid array of every row so far.
    """

    def __init__(self, path, d, dtype):
        path = _check_npy_path(os.fsdecode(path))
        self.path, self.d, self.dtype, self.n = path, d, np.dtype(dtype), 0
        with open(path, "xb") as f:
            f.write(self._header())

    def _header(self):
        text = (f"{{'descr': {np.lib.format.dtype_to_descr(self.dtype)!r}, "
                f"'fortran_order': False, 'shape': ({self.n}, {self.d}), }}")
        head = b"\x93NUMPY\x01\x00" + (_HEADER_BYTES - 10).to_bytes(2, "little")
        return head + text.ljust(_HEADER_BYTES - 11).encode("latin1") + b"\n"

    def append(self, rows):
        """Write the rows (a 2-D array of ``d`` columns, already of ``dtype``);
        the header, rewritten last, counts them only once they are written."""
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        with open(self.path, "r+b") as f:
            f.seek(_HEADER_BYTES + self.n * self.d * self.dtype.itemsize)
            f.write(rows.data)
            f.flush()
            n = self.n + rows.shape[0]
            f.seek(0)
            self.n, previous = n, self.n
            try:
                f.write(self._header())
            except BaseException:
                self.n = previous
                raise

    def array(self):
        """The rows written, memory-mapped read-only."""
        return np.load(self.path, mmap_mode="r")


def storage_dtype(batch):
    """The dtype kept features are stored in: float32 for float32 and narrower
    floats (float16 and bfloat16 widen exactly), float64 for anything else."""
    dtype = np.asarray(batch).dtype if not hasattr(batch, "dtype") else batch.dtype
    narrow = (dtype.kind == "f" and dtype.itemsize <= 4) or dtype.name == "bfloat16"
    return np.dtype(np.float32 if narrow else np.float64)


class Stream:
    """What a streaming :class:`ReferenceStats` holds between batches."""

    def __init__(self, *, keep_features, k, params, t, random_state, n_jobs):
        if not (isinstance(keep_features, (bool, np.bool_)) or isinstance(keep_features, str)
                or isinstance(keep_features, os.PathLike)):
            raise TypeError("keep_features must be False, True (features kept in memory) or "
                            f"the path of a new .npy file; got {keep_features!r}.")
        self.keep = keep_features if isinstance(keep_features, (bool, np.bool_)) else (
            os.fsdecode(keep_features))
        if isinstance(self.keep, str):
            # the path checked now, before any batch: created on the first one
            _check_npy_path(self.keep)
        self.k, self.params, self.t = k, params, t
        self.random_state, self.n_jobs = random_state, n_jobs
        self.moments = None
        self.d = None
        self.dtype = None
        self.blocks = []      # keep_features=True: the batches, as stored
        self.file = None      # keep_features=path: the NpyAppender

    def add(self, batch, name="batch"):
        """Check ``batch`` (its width that of the first, finite) and add it:
        its moments merged in, its rows kept as asked.  The stream is left as
        it was when the batch is refused."""
        X = check_cloud(batch, min_points=1, name=name,
                        purpose="a batch of the reference's rows")
        if self.d is not None and X.shape[1] != self.d:
            raise ValueError(f"{name} has {X.shape[1]} features; the reference streamed so "
                             f"far has {self.d}.")
        if self.keep is not False:
            dtype = self.dtype if self.dtype is not None else storage_dtype(batch)
            rows = X.astype(dtype, copy=False)
            if rows.dtype != X.dtype and not np.array_equal(rows, X):
                raise ValueError(
                    f"{name} holds float64 values that float32 does not hold exactly, and the "
                    "features kept so far are float32 (the first batch's): stream batches of "
                    "one dtype, or cast this one to float32 first.")
        part = part_moments(X)
        moments = part if self.moments is None else merge_moments(self.moments, part)
        # the rows written before the moments change: a failed write (a full
        # disk) leaves the file's header, and the stream, at the rows before
        if self.keep is True:
            self.blocks.append(rows.copy() if np.shares_memory(rows, np.asarray(batch))
                               else rows)
        elif self.keep is not False:
            if self.file is None:
                self.file = NpyAppender(self.keep, X.shape[1], dtype)
            self.file.append(rows)
        self.moments, self.d = moments, X.shape[1]
        if self.keep is not False:
            self.dtype = dtype

    def add_rows(self, rows):
        """Keep rows already counted in the moments (those of merged shards)."""
        if self.keep is True:
            self.blocks.append(np.array(rows, dtype=self.dtype))
        elif self.keep is not False:
            if self.file is None:
                self.file = NpyAppender(self.keep, self.d, self.dtype)
            for start in range(0, rows.shape[0], 1 << 14):
                self.file.append(np.asarray(rows[start:start + (1 << 14)], dtype=self.dtype))

    def features(self):
        """The kept features (None when not kept or no batch yet)."""
        if self.keep is True:
            if not self.blocks:
                return None
            if len(self.blocks) > 1:
                self.blocks = [np.concatenate(self.blocks)]
            return self.blocks[0]
        if self.file is not None:
            return self.file.array()
        return None


def moments_of(stats, where):
    """The :class:`Moments` of a ReferenceStats: a stream's own, exact; another's
    from its mean, covariance and ``n_samples`` (one rounding of the covariance
    times ``n - 1``)."""
    stream = getattr(stats, "_stream", None)
    if stream is not None:
        if stream.moments is None:
            raise ValueError(f"{where} is a stream that has had no batch yet.")
        return stream.moments
    n = stats.n_samples
    if n < 2:
        raise ValueError(
            f"{where} records n_samples={n}: merging weighs each shard by its number of "
            "samples, which a statistics file without it (pytorch-fid's) does not hold.")
    e = binary_exponent(stats.mean, np.sqrt(np.diag(stats.covariance)))
    mean = np.ldexp(stats.mean, -e)
    scatter = np.ldexp(stats.covariance, -2 * e) * (n - 1)
    return Moments(n, mean, scatter, e + stats.scale_exponent)

