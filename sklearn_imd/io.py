"""Reading point clouds from files.

:func:`load_points` reads one point cloud, an array of shape ``(n_points,
n_features)``, from a ``.npy``, ``.npz`` or ``.csv`` file, or from a folder of
PNG or JPEG images (one point per image, read by :func:`load_images`).  The
command line ``sklearn-imd score`` reads its inputs with it.
"""

import itertools
import lzma
import math
import numbers
import os
import re
import stat
import struct
import warnings
import zipfile
import zlib

import numpy as np

__all__ = ["load_images", "load_points", "memory_limit"]

EXTENSIONS = (".npy", ".npz", ".csv")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")

# Longest CSV line read, in characters: it bounds the memory one line can take
# (2**24 characters hold about 700,000 numbers of 17 digits).
_MAX_LINE = 1 << 24
_NPY_MAGIC = b"\x93NUMPY"
# A header field that pandas leaves for an index without a name: empty when it
# writes the file, "Unnamed: 0" once such a file is read and written again.
_UNNAMED = re.compile(r"(Unnamed: \d+)?")
_FILE_KINDS = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)
# Pillow's modes of grayscale images: 8-bit or less (and '1'), and 16-bit (a
# 16-bit grayscale PNG is 'I;16' since Pillow 10, 'I' before).
_GRAY_8BIT = frozenset({"1", "L", "LA", "La"})
_GRAY_16BIT = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})


def load_points(path, key=None):
    """Read a point cloud from a ``.npy``, ``.npz`` or ``.csv`` file or a folder of images.

    Parameters
    ----------
    path : str or os.PathLike
        A folder of PNG or JPEG images, read by :func:`load_images` with its
        defaults (one flattened image per point), or a regular file
        (symbolic links are followed; pipes and devices are refused) whose
        extension gives its format:

        - ``.npy``: one array, as written by :func:`numpy.save`.  Arrays of
          Python objects are refused: loading them would unpickle, which can
          run arbitrary code.  A 3-D array ``(n_images, height, width)`` or a
          4-D array ``(n_images, height, width, channels)`` is read as images
          and flattened to ``(n_images, height * width * channels)`` in C
          order, with a warning.
        - ``.npz``: an archive written by :func:`numpy.savez`; its only
          array, or the one named ``key``.  Arrays of images are flattened as
          in ``.npy`` files.
        - ``.csv``: comma-separated numbers in UTF-8, one point per row.
          Blank lines are skipped, ``#`` starts a comment and fields may be
          quoted.  A first row holding a field that is not a number is a
          header; so is a first row ``0,1,...,d-1`` (the column names
          pandas gives an array), with a warning.  Leading columns without a
          name in the header (the index :meth:`pandas.DataFrame.to_csv`
          writes unless ``index=False``: header ``,x,y``) are dropped with a
          warning when they hold integers, and refused otherwise.  Lines
          longer than 2**24 characters are refused.
    key : str, default=None
        Name of the array to read from a ``.npz`` archive holding several;
        only for ``.npz`` files.

    Returns
    -------
    X : ndarray of shape (n_points, n_features)
        At least one point and one feature.  float32 data stays float32;
        other numbers become float64.  NaN and infinite values are returned
        as they are (:func:`~sklearn_imd.imd_score` refuses them).  A folder
        gives float32 pixels in [0, 1], as :func:`load_images` with
        ``flatten=True``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a regular file, has another extension, or does not
        hold a non-empty 2-D array of real numbers (or a 3-D or 4-D array of
        images).  The message names the file and, for a CSV file, the line.
        For a folder: as :func:`load_images` (no images, images of different
        sizes, an unreadable image).
    ImportError
        If ``path`` is a folder and Pillow is not installed.

    Warns
    -----
    UserWarning
        When a CSV file's index columns are dropped, or its first row
        ``0,1,...,d-1`` is read as column names, or a 3-D or 4-D array is
        flattened.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_imd.io import load_points
    >>> tmp = tempfile.TemporaryDirectory()
    >>> csv = os.path.join(tmp.name, "points.csv")
    >>> with open(csv, "w") as f:
    ...     _ = f.write("x,y\\n0.5,1\\n2,3.25\\n")
    >>> load_points(csv)
    array([[0.5 , 1.  ],
           [2.  , 3.25]])
    >>> npz = os.path.join(tmp.name, "clouds.npz")
    >>> np.savez(npz, real=np.zeros((100, 3)), fake=np.ones((80, 3)))
    >>> load_points(npz, key="fake").shape
    (80, 3)
    >>> tmp.cleanup()
    """
    path = os.fsdecode(path)
    ext = _check_file(path)
    if ext is None:
        if key is not None:
            raise ValueError(
                f"key applies only to .npz files, and {path} is a folder of images."
            )
        return load_images(path)
    if key is not None and ext != ".npz":
        raise ValueError(f"key applies only to .npz files, and {path} is a {ext} file.")
    if ext == ".csv":
        return _load_csv(path)
    if ext == ".npz":
        X = _load_npz(path, key)
    else:
        with open(path, "rb") as f:
            X = _read_npy(f, os.fstat(f.fileno()).st_size, path, stacklevel=3)
    return X if X.dtype == np.float32 else X.astype(np.float64, copy=False)


def load_images(path, *, size=None, flatten=True):
    """Read a folder of PNG or JPEG images into an array, one row per image.

    The files of the folder whose names end in ``.png``, ``.jpg`` or
    ``.jpeg`` (in any case) are read with Pillow, in sorted order of their
    names (Python's string order: ``img10.png`` comes before ``img2.png``).
    Subfolders, hidden files (names starting with ``.``) and files with other
    extensions are ignored.  Each file is decoded as PNG or JPEG, whichever
    its content is (other formats are refused).  The files are only read.

    Parameters
    ----------
    path : str or os.PathLike
        The folder.
    size : tuple of two int, default=None
        ``(width, height)`` in pixels to resize every image to, with Pillow's
        bicubic filter (``Image.Resampling.BICUBIC``), e.g. to compare images
        of different sizes.  None: the images are not resized and must all
        have the same size.
    flatten : bool, default=True
        Whether to return one row of ``height * width * channels`` values per
        image (a point cloud for :func:`~sklearn_imd.imd_score`) rather than
        an array of images.  The flattened array is the unflattened one
        reshaped with ``X.reshape(n_images, -1)``: row by row, pixel by
        pixel, then channel by channel.

    Returns
    -------
    X : ndarray of float32
        The pixels, scaled to [0, 1]: 8-bit values divided by 255, 16-bit
        values (16-bit grayscale PNG images) by 65535.  If every image is
        grayscale (Pillow modes ``"1"``, ``"L"``, ``"LA"``, ``"I;16"``,
        ``"I"``...), one channel: shape ``(n_images, height * width)``, or
        ``(n_images, height, width)`` with ``flatten=False``.  If any image
        is in colour (``"RGB"``, ``"RGBA"``, palette ``"P"``, ``"CMYK"``,
        ``"YCbCr"``...), every image is converted to RGB, grayscale ones by
        repeating their value in the three channels: shape ``(n_images,
        height * width * 3)``, or ``(n_images, height, width, 3)``.  Alpha
        channels (transparency) are dropped, not blended with a background.
        Pillow reads 16-bit colour PNG images at 8 bits; the EXIF orientation
        of JPEG images is not applied.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    NotADirectoryError
        If ``path`` is not a folder (read a ``.npy``, ``.npz`` or ``.csv``
        file with :func:`load_points`).
    ValueError
        If the folder holds no PNG or JPEG images, if Pillow cannot read one
        of them (the message names the file and gives Pillow's reason), if
        ``size`` is None and two images differ in size (the message names
        both), or if ``size`` is not two positive integers.
    ImportError
        If Pillow is not installed: ``pip install "sklearn-imd[images]"``.

    See Also
    --------
    load_points : Reads a folder of images with this function, or a file of
        points.

    Notes
    -----
    The images are read twice: their headers first, to choose the shape of
    the output, allocated once; then their pixels, one at a time.  The
    output takes ``4 * n_images * height * width * channels`` bytes.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from sklearn_imd.io import load_images
    >>> tmp = tempfile.TemporaryDirectory()
    >>> gradient = np.array([[0, 51, 102], [153, 204, 255]], dtype=np.uint8)
    >>> Image.fromarray(gradient).save(os.path.join(tmp.name, "a.png"))
    >>> Image.fromarray(255 - gradient).save(os.path.join(tmp.name, "b.png"))
    >>> X = load_images(tmp.name)  # 2 grayscale images, 3 pixels wide, 2 high
    >>> X.shape, X.dtype
    ((2, 6), dtype('float32'))
    >>> X[0]
    array([0. , 0.2, 0.4, 0.6, 0.8, 1. ], dtype=float32)
    >>> load_images(tmp.name, flatten=False)[1]
    array([[1. , 0.8, 0.6],
           [0.4, 0.2, 0. ]], dtype=float32)
    >>> load_images(tmp.name, size=(4, 4)).shape
    (2, 16)
    >>> tmp.cleanup()
    """
    folder = os.fsdecode(path)
    size = _check_size(size)
    names = _image_names(folder)
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            'load_images needs Pillow, an optional dependency of sklearn-imd: '
            'pip install "sklearn-imd[images]"'
        ) from None
    files = [os.path.join(folder, name) for name in names]
    # First pass, over the headers only: the modes and sizes give the output's shape.
    headers = []
    for file in files:
        with _open_image(Image, file, load=False) as img:
            headers.append((img.mode, img.size))
    colour = any(mode not in _GRAY_8BIT | _GRAY_16BIT for mode, _ in headers)
    if size is None:
        size = headers[0][1]
        for name, (_, other) in zip(names, headers):
            if other != size:
                raise ValueError(
                    f"{folder}: images of different sizes: {names[0]} is "
                    f"{size[0]}x{size[1]} but {name} is {other[0]}x{other[1]} (width x "
                    "height); pass size=(width, height) to resize all to one size."
                )
    width, height = size
    shape = (len(files), height, width) + ((3,) if colour else ())
    _check_memory(4 * math.prod(shape), f"{folder} ({len(files)} images of {width}x{height})")
    out = np.empty(shape, dtype=np.float32)
    # Second pass: the pixels, one image at a time, into the output's rows.
    for row, file in zip(out, files):
        with _open_image(Image, file, load=True) as img:
            pixels, white = _pixels(Image, img, size)
        if pixels.shape[:2] != (height, width) or (pixels.ndim == 3 and not colour):
            raise ValueError(f"{file} changed while the folder was read; read it again.")
        if colour and pixels.ndim == 2:
            pixels = pixels[:, :, None]  # gray to RGB, as Pillow's convert("RGB")
        np.divide(pixels, white, out=row, dtype=np.float32)
    return out.reshape(len(files), -1) if flatten else out


def _check_file(path):
    """The extension of ``path``, after checking that it is a regular file of a known type.

    None if ``path`` is a directory.
    """
    if not _check_regular(path, folder_ok=True,
                          hint="; give a .npy, .npz or .csv file, or a folder of images"):
        return None
    ext = os.path.splitext(path)[1].lower()
    if ext not in EXTENSIONS:
        shown = f"'{ext}'" if ext else "no extension"
        raise ValueError(f"{path}: unknown file type ({shown}); use a .npy, .npz or .csv file.")
    return ext


# --------------------------------------------------------------------- NumPy


def _read_npy(f, size, where, stacklevel, points=True):
    """The array of the .npy stream ``f`` of ``size`` bytes, checked before its data is read.

    A 3-D or 4-D array of images is flattened to 2-D with a warning (``stacklevel``
    pointing at the caller of :func:`load_points`).  With ``points=False``
    (the members of a statistics file) any shape is read, and strings too.
    """
    if f.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
        raise ValueError(
            f"{where} is not a valid .npy file (it does not start with the .npy signature)."
        )
    f.seek(0)
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported format version {version[0]}.{version[1]}")
    except ValueError as exc:
        raise ValueError(f"{where} is not a valid .npy file ({exc}).") from None
    if dtype.hasobject:
        raise ValueError(
            f"{where} holds Python objects (dtype {dtype}), which are not loaded: "
            "unpickling them could run arbitrary code. Save an array of numbers."
        )
    if dtype.kind not in ("biuf" if points else "biufU"):
        raise ValueError(
            f"{where} holds an array of dtype {dtype}; a point cloud needs real numbers."
        )
    n_bytes = math.prod(shape) * dtype.itemsize
    if size - f.tell() < n_bytes:
        raise ValueError(
            f"{where} is truncated: its header announces a {shape} array of {dtype} "
            f"({n_bytes} bytes) but only {size - f.tell()} bytes follow."
        )
    _check_memory(n_bytes, where)
    if not points:
        f.seek(0)
        return np.lib.format.read_array(f, allow_pickle=False)
    if len(shape) not in (2, 3, 4):
        hint = {
            1: " Save a single feature as x.reshape(-1, 1).",
            5: " Flatten each sample first, e.g. X.reshape(len(X), -1).",
        }.get(min(len(shape), 5), "")
        raise ValueError(
            f"{where} holds a {len(shape)}-D array of shape {shape}; a point cloud is a "
            f"2-D array of shape (n_points, n_features) (3-D and 4-D arrays are read as "
            f"images and flattened).{hint}"
        )
    if 0 in shape:
        raise ValueError(f"{where} holds an empty array of shape {shape}.")
    f.seek(0)
    X = np.lib.format.read_array(f, allow_pickle=False)
    if X.ndim > 2:
        flat = (shape[0], math.prod(shape[1:]))
        images = "image" if shape[0] == 1 else "images"
        warnings.warn(
            f"{where} holds an array of shape {shape}: read as {shape[0]} {images}, "
            f"flattened to {flat}.",
            stacklevel=stacklevel,
        )
        X = X.reshape(flat)  # a copy in C order if X is in Fortran order
    return X


# What reading a zip member can raise besides our ValueError: an encrypted
# member (RuntimeError), an unknown compression method (NotImplementedError),
# corrupt data of each method.
_ZIP_ERRORS = (RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error, EOFError,
               OSError, lzma.LZMAError, struct.error)


def _open_zip(path):
    """``(archive, members)``: the open archive and its ``.npy`` members by name."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, struct.error) as exc:
        raise ValueError(f"{path} is not a valid .npz file ({exc}).") from None
    try:
        members = {n[: -len(".npy")]: n for n in archive.namelist() if n.endswith(".npy")}
    except Exception:
        archive.close()
        raise
    return archive, members


def _read_member(archive, member, where, stacklevel, points):
    """One ``.npy`` member of an open archive, read as :func:`_read_npy` does."""
    info = archive.getinfo(member)
    if info.flag_bits & 0x1:
        raise ValueError(f"{where} is encrypted; sklearn-imd reads only unencrypted .npz files.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(
            f"{where} uses zip compression method {info.compress_type}; numpy writes "
            "stored (np.savez) or deflated (np.savez_compressed) members only."
        )
    try:
        with archive.open(info) as f:
            return _read_npy(f, info.file_size, where, stacklevel=stacklevel + 1, points=points)
    except _ZIP_ERRORS as exc:
        raise ValueError(f"{where} could not be read: the archive is corrupt ({exc}).") from None


def _read_npz_members(path, what="a .npz file"):
    """Every ``.npy`` member of the archive ``path`` (a dict name -> array), checked
    as :func:`load_points` checks its arrays, but of any shape and dtype of numbers
    or strings (never objects).  The members' sizes together are checked against
    :func:`memory_limit` before any is read."""
    archive, members = _open_zip(path)
    with archive:
        if not members:
            raise ValueError(f"{path} holds no arrays (no .npy members); it is not {what}.")
        _check_memory(sum(archive.getinfo(m).file_size for m in members.values()), path)
        # points=False: no warning, so no stack level to point with
        return {name: _read_member(archive, member, f"{path}, array {name!r},", 1, False)
                for name, member in members.items()}


def _load_npz(path, key):
    archive, members = _open_zip(path)
    with archive:
        keys = ", ".join(members) or "(none)"
        if key is not None:
            if key not in members:
                raise ValueError(f"{path} has no array named {key!r}; available keys: {keys}.")
        elif len(members) == 1:
            (key,) = members
        elif not members:
            raise ValueError(f"{path} holds no arrays (no .npy members).")
        else:
            raise ValueError(
                f"{path} holds {len(members)} arrays; choose one with key=NAME "
                f"(--key NAME on the command line). Available keys: {keys}."
            )
        # _read_npy <- _read_member <- _load_npz <- load_points <- its caller
        return _read_member(archive, members[key], f"{path}, array {key!r},", 4, True)


# -------------------------------------------------------------------- Memory


def memory_limit():
    """Most bytes one input may take once decoded: a share of this machine's memory.

    Half of the physical memory by default; the environment variable
    ``SKLEARN_IMD_MEMORY_LIMIT`` sets another limit, in bytes or with a
    suffix ``K``, ``M``, ``G`` or ``T`` (powers of 1024), e.g. ``16G``.
    :func:`load_points`, :func:`load_images` and
    :meth:`sklearn_imd.ReferenceStats.load` refuse an input beyond it before
    decoding it (a compressed ``.npz`` file or a folder of images can take far
    more memory than disk).

    Returns
    -------
    limit : int
        In bytes.

    Examples
    --------
    >>> from sklearn_imd.io import memory_limit
    >>> memory_limit() > 0
    True
    """
    text = os.environ.get("SKLEARN_IMD_MEMORY_LIMIT", "").strip()
    if text:
        match = re.fullmatch(r"(\d+(?:\.\d*)?)\s*([KMGT]?)i?B?", text, flags=re.I)
        if not match:
            raise ValueError(
                f"SKLEARN_IMD_MEMORY_LIMIT={text!r} is not a size; give bytes or a number "
                "with K, M, G or T, e.g. 16G."
            )
        power = " KMGT".index(match.group(2).upper() or " ")
        return int(float(match.group(1)) * 1024**power)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows): 8 GiB
        return 8 << 30


def _size_text(n_bytes):
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n_bytes >= size:
            return f"{n_bytes / size:.1f} {unit}"
    return f"{n_bytes} bytes"


def _check_memory(n_bytes, where):
    """Refuse an input that would take more than :func:`memory_limit` bytes decoded."""
    limit = memory_limit()
    if n_bytes > limit:
        raise MemoryError(
            f"{where} would take {_size_text(n_bytes)} in memory once decoded, more than the "
            f"limit of {_size_text(limit)} (half of this machine's memory unless "
            "SKLEARN_IMD_MEMORY_LIMIT says otherwise); set SKLEARN_IMD_MEMORY_LIMIT=SIZE "
            "(e.g. 64G) to raise it."
        )


# -------------------------------------------------------------------- Paths


def _check_regular(path, folder_ok=False, hint=""):
    """Refuse a missing path, a special file (FIFO, device, socket: reading one
    could block) and, unless ``folder_ok``, a folder; ``True`` for a regular
    file, ``False`` for an accepted folder.  ``hint`` ends the messages."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file.") from None
    if stat.S_ISDIR(mode):
        if folder_ok:
            return False
        raise ValueError(f"{path} is a folder, not a file{hint}.")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "special file")
        raise ValueError(f"{path} is not a regular file (it is a {kind}){hint}.")
    return True


def _check_output_path(path, suffix=".npz"):
    """The path a file will be written to, checked before any work: it ends in
    ``suffix`` (in any case; appended when the name has no extension), is not
    a folder, and its folder exists and can be written."""
    path = os.fsdecode(path)
    if os.path.isdir(path):
        raise ValueError(f"{path} is a folder; give the path of the {suffix} file to write.")
    ext = os.path.splitext(path)[1]
    if not ext:
        path += suffix
    elif ext.lower() != suffix:
        raise ValueError(f"{path}: the file to write must end in {suffix}.")
    if os.path.isdir(path):
        raise ValueError(f"{path} is a folder; give the path of the {suffix} file to write.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{path}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"{path}: the folder {folder} cannot be written.")
    if os.path.exists(path) and not os.path.isfile(path):
        raise ValueError(f"{path} exists and is not a regular file.")
    return path


# -------------------------------------------------------------------- Images


def _check_size(size):
    """``size`` as a tuple (width, height) of positive ints, or None."""
    if size is None:
        return None
    try:
        width, height = size
    except (TypeError, ValueError):
        width = height = None
    if not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
        for v in (width, height)
    ):
        raise ValueError(f"size must be (width, height), two positive integers; got {size!r}.")
    return int(width), int(height)


def _image_names(folder):
    """The sorted names of the PNG and JPEG files of ``folder``, not hidden; at least one."""
    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{folder}: no such folder.") from None
    if not stat.S_ISDIR(mode):
        raise NotADirectoryError(
            f"{folder} is not a folder; load_images reads a folder of PNG or JPEG images. "
            "Read a .npy, .npz or .csv file with load_points."
        )
    with os.scandir(folder) as entries:
        names = sorted(
            entry.name for entry in entries
            if not entry.name.startswith(".")
            and os.path.splitext(entry.name)[1].lower() in IMAGE_EXTENSIONS
            and entry.is_file()
        )
    if not names:
        raise ValueError(
            f"{folder} holds no PNG or JPEG images (files ending in .png, .jpg or .jpeg)."
        )
    return names


# What Pillow raises on a file it cannot decode ("broken PNG file" is a SyntaxError).
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


def _open_image(Image, file, load):
    """``Image.open(file)``, loaded if ``load``; a ValueError naming the file if it
    is not an image."""
    try:
        img = Image.open(file, formats=("PNG", "JPEG"))
    except (FileNotFoundError, PermissionError):
        raise
    except (*_PIL_ERRORS, Image.DecompressionBombError) as exc:
        raise ValueError(f"{file} is not a readable PNG or JPEG image ({exc}).") from None
    if load:
        try:
            img.load()
        except (*_PIL_ERRORS, Image.DecompressionBombError) as exc:
            img.close()
            raise ValueError(f"{file} is not a readable PNG or JPEG image ({exc}).") from None
    return img


def _pixels(Image, img, size):
    """(pixels, white): ``img`` resized to ``size``, as a 2-D (grayscale) or 3-D (RGB) array."""
    resize = img.size != size
    if img.mode in _GRAY_16BIT:
        pixels = np.asarray(img, dtype=np.float32)
        if resize:  # in floating point, as Pillow resizes few 16-bit modes
            pixels = Image.fromarray(pixels).resize(size, Image.Resampling.BICUBIC)
            pixels = np.clip(np.asarray(pixels), 0, 65535)
        return pixels, 65535
    if img.mode in _GRAY_8BIT:
        target = "L"  # "LA": the alpha channel dropped
    else:
        target = "RGB"
        if img.mode in ("P", "PA"):  # through RGBA: no warning on a transparency in bytes
            img = img.convert("RGBA")
    if img.mode != target:
        img = img.convert(target)
    if resize:
        img = img.resize(size, Image.Resampling.BICUBIC)
    return np.asarray(img), 255


# ----------------------------------------------------------------------- CSV


class _NotText(ValueError):
    """A CSV file that is not text: no need to look for its first malformed row."""


def _csv_lines(path):
    """(line number, text before any '#') of each non-blank line, read a line at a time."""
    with open(path, encoding="utf-8-sig") as f:
        for number in itertools.count(1):
            try:
                line = f.readline(_MAX_LINE + 1)
            except UnicodeDecodeError:
                raise _NotText(
                    f"{path} is not a text CSV file (not valid UTF-8 near line {number})."
                ) from None
            if not line:
                return
            if "\x00" in line:
                raise _NotText(
                    f"{path} is not a text CSV file (binary data: a NUL byte on line {number})."
                )
            if len(line.rstrip("\n")) > _MAX_LINE:
                raise _NotText(
                    f"{path}, line {number}: longer than {_MAX_LINE} characters; is it a "
                    "CSV file of points?"
                )
            line = line.split("#", 1)[0]
            if line.strip():
                yield number, line


def _csv_fields(line):
    return [f.strip().strip('"').strip() for f in line.split(",")]


def _is_number(field):
    try:
        float(field)
    except ValueError:
        return False
    return True


def _is_header(fields, path):
    """Whether the first non-blank row ``fields`` names the columns rather than holds a point."""
    if any(f and not _is_number(f) for f in fields):
        return True
    if len(fields) > 1 and not fields[0] and fields[1:] == [str(i) for i in range(len(fields) - 1)]:
        return True  # ",0,1,...": pandas' index and default column names
    # (",1.5,2.5" is a point with a missing first value: an error later, not a header)
    if len(fields) > 1 and fields == [str(i) for i in range(len(fields))]:
        warnings.warn(
            f"{path}: took the first row, {','.join(fields[:3])},..., for pandas' default "
            "column names, not a point.",
            stacklevel=4,
        )
        return True
    return False


def _load_csv(path):
    lines = _csv_lines(path)
    first = next(lines, None)
    header = None
    if first is not None and _is_header(fields := _csv_fields(first[1]), path):
        header = fields
        first = next(lines, None)
    if first is None:
        raise ValueError(f"{path} contains no data rows.")
    n_index = 0  # leading columns unnamed in the header: a pandas index
    if header is not None:
        while n_index < len(header) - 1 and _UNNAMED.fullmatch(header[n_index]):
            n_index += 1
    try:
        X = np.loadtxt(
            (text for _, text in itertools.chain([first], lines)),
            delimiter=",", ndmin=2, quotechar='"', dtype=np.float64,
        )
    except _NotText:
        raise
    except ValueError as exc:
        problem = _csv_problem(path, header is not None, n_index)
        raise ValueError(problem or f"{path}: {exc}") from None
    if header is not None and len(header) != X.shape[1]:
        raise ValueError(
            f"{path}: the header names {len(header)} columns but the rows hold "
            f"{X.shape[1]} values."
        )
    if n_index:
        index = X[:, :n_index]
        bad = ~np.all(index == np.round(index), axis=0)
        if bad.any():
            raise ValueError(
                f"{path}: column {np.argmax(bad) + 1} has no name in the header, like the "
                "index pandas writes, but holds values that are not integers. Save the "
                "file with DataFrame.to_csv(path, index=False), or name the column."
            )
        columns = "column 1" if n_index == 1 else f"columns 1-{n_index}"
        warnings.warn(
            f"{path}: dropped {columns}, without a name in the header and holding "
            "integers: the index that DataFrame.to_csv writes unless index=False.",
            stacklevel=3,
        )
        X = np.ascontiguousarray(X[:, n_index:])
    return X


def _csv_problem(path, has_header, n_index):
    """Describe the first malformed row of a CSV file, with its line number."""
    n_cols = None
    rows = _csv_lines(path)
    if has_header:
        next(rows)
    for number, text in rows:
        fields = _csv_fields(text)
        for j, field in enumerate(fields):
            if not _is_number(field):
                what = "an empty value" if not field else f"{field!r}, which is not a number"
                if j < n_index:
                    hint = (f"column {j + 1} has no name in the header, like the index pandas "
                            "writes: save the file with DataFrame.to_csv(path, index=False)")
                else:
                    hint = "expected comma-separated numbers"
                return f"{path}, line {number}, column {j + 1}: {what}; {hint}."
        if n_cols is None:
            n_cols, first_line = len(fields), number
        elif len(fields) != n_cols:
            return (
                f"{path}, line {number}: {len(fields)} values, but line {first_line} has "
                f"{n_cols}; every row must have the same number of values."
            )
    return None
