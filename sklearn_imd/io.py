"""Reading point clouds from files.

:func:`load_points` reads one point cloud, an array of shape ``(n_points,
n_features)``, from a ``.npy``, ``.npz`` or ``.csv`` file, or from a folder of
images (one point per image, read by :func:`load_images`).  The
command line ``sklearn-imd score`` reads its inputs with it.
"""

import os

import numpy as np

from ._io.arrays import _load_npz, _read_npy
from ._io.csv import _load_csv
from ._io.files import _check_file, _memory_limit
from ._io.images import _load_images

__all__ = ["load_images", "load_points", "memory_limit"]


def load_points(path, key=None, *, mmap=False):
    """Read a point cloud from a ``.npy``, ``.npz`` or ``.csv`` file or a folder of images.

    Parameters
    ----------
    path : str or os.PathLike
        A folder of images, read by :func:`load_images` with its
        defaults (one flattened image per point, raw pixels), or a regular file
        (symbolic links are followed; pipes and devices are refused) whose
        extension gives its format:

        - ``.npy``: one array, as written by :func:`numpy.save`.  Arrays of
          Python objects are refused: loading them would unpickle, which can
          run arbitrary code.  An array saved from ml_dtypes' bfloat16 (dtype
          ``'<V2'`` in the file) is read as float32, exactly, without
          ml_dtypes.  A 3-D array ``(n_images, height, width)`` or a
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
    mmap : bool, default=False
        Only for ``.npy`` files: memory-map the array read-only
        (:func:`numpy.load` with ``mmap_mode="r"``), its header checked
        first, instead of reading it: the system pages it in as the
        metrics read it, and float32 and float64 arrays are used where they
        are, never copied.  The array keeps its stored dtype (float16 stays
        float16, bfloat16 is ml_dtypes' bfloat16, or is read as float32
        where ml_dtypes is not installed), and 3-D and 4-D arrays of images
        are flattened as views (a copy for Fortran order).

    Returns
    -------
    X : ndarray of shape (n_points, n_features)
        At least one point and one feature.  float32 data stays float32
        (bfloat16 becomes float32, exactly); other numbers become float64
        (with ``mmap=True``: the stored dtype).  NaN and infinite values are returned
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
    if not isinstance(mmap, (bool, np.bool_)):
        raise TypeError(f"mmap must be True or False; got {mmap!r}.")
    ext = _check_file(path)
    if mmap and ext != ".npy":
        raise ValueError(f"mmap applies only to .npy files, and {path} is "
                         f"{'a folder of images' if ext is None else 'a ' + ext + ' file'}.")
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
            # _read_npy <- load_points <- its caller
            X = _read_npy(f, os.fstat(f.fileno()).st_size, path, stacklevel=3,
                          mmap_path=path if mmap else None)
        if mmap:
            return X
    return X if X.dtype == np.float32 else X.astype(np.float64, copy=False)


def load_images(path, *, size=None, flatten=True, recursive=False):
    """Read a folder of images into an array of raw pixels, one row per image.

    The files of the folder whose names end in what pytorch-fid reads,
    ``.bmp``, ``.jpg``, ``.jpeg``, ``.pgm``, ``.png``, ``.ppm``, ``.tif``,
    ``.tiff`` or ``.webp`` (in any case here), are read with Pillow, in sorted
    order of their names (Python's string order: ``img10.png`` comes before
    ``img2.png``).  Hidden files and folders (names starting with ``.``) and
    files with other extensions are ignored.  Each file is decoded as BMP,
    JPEG, PNG, PPM/PGM, TIFF or WebP, whichever its content is (other formats
    are refused; WebP needs a Pillow built with it).  The files are only
    read.  These are pixels, not a network's features: for those (FID on
    Inception's features, say), see :class:`sklearn_imd.features.OnnxFeatures`.

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
    recursive : bool, default=False
        Whether to read the images of the subfolders too, at any depth (class
        folders, say), in sorted order of their paths relative to ``path``.
        Without it, subfolders are skipped, with a warning naming those that
        hold images.

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
        If the folder holds no images, if Pillow cannot read one
        of them (the message names the file and gives Pillow's reason), if
        ``size`` is None and two images differ in size (the message names
        both), or if ``size`` is not two positive integers.
    ImportError
        If Pillow is not installed: ``pip install "sklearn-imd[images]"``.

    Warns
    -----
    UserWarning
        Without ``recursive``, when subfolders holding images were skipped.

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
    return _load_images(path, size, flatten, recursive)


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
    return _memory_limit()
