"""Reading folders of images with Pillow, decoded to pixels in [0, 1]."""

import math
import numbers
import os
import stat
import struct
import warnings
import zlib

import numpy as np

from .files import _check_memory

# The extensions pytorch-fid reads (its IMAGE_EXTENSIONS), in any case here.
IMAGE_EXTENSIONS = (".bmp", ".jpg", ".jpeg", ".pgm", ".png", ".ppm", ".tif", ".tiff", ".webp")
# Pillow's formats of those files (PPM is Pillow's reader of .pgm and .ppm).
_FORMATS = ("BMP", "JPEG", "PNG", "PPM", "TIFF", "WEBP")
_EXTENSIONS_TEXT = ", ".join(IMAGE_EXTENSIONS)
# Pillow's modes of grayscale images: 8-bit or less (and '1'), and 16-bit (a
# 16-bit grayscale PNG is 'I;16' since Pillow 10, 'I' before).
_GRAY_8BIT = frozenset({"1", "L", "LA", "La"})
_GRAY_16BIT = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})


def _import_pil(who="load_images"):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f'{who} needs Pillow, an optional dependency of sklearn-imd: '
            'pip install "sklearn-imd[images]"'
        ) from None
    return Image


def _load_images(path, size, flatten, recursive=False):
    """The pixels of the folder of images ``path``: :func:`sklearn_imd.io.load_images`."""
    folder = os.fsdecode(path)
    size = _check_size(size)
    names = _image_names(folder, recursive)
    Image = _import_pil()
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
                    "height); pass size=(width, height) to resize all to one size (--size WxH "
                    "on the command line)."
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


def _image_names(folder, recursive=False):
    """The sorted names of the image files of ``folder`` (paths relative to it,
    those of its subfolders' too if ``recursive``), not hidden; at least one.
    Without ``recursive``, a warning names the subfolders that hold images."""
    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"{folder}: no such folder.") from None
    if not stat.S_ISDIR(mode):
        raise NotADirectoryError(
            f"{folder} is not a folder; load_images reads a folder of images. "
            "Read a .npy, .npz or .csv file with load_points."
        )
    if recursive:
        names = []
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = os.path.relpath(root, folder)
            names.extend(name if rel == "." else os.path.join(rel, name)
                         for name in files if _is_image_name(name))
        names.sort()
        skipped = []
    else:
        with os.scandir(folder) as entries:
            entries = sorted(entries, key=lambda e: e.name)
            names = [e.name for e in entries if _is_image_name(e.name) and e.is_file()]
            skipped = [e.name for e in entries
                       if not e.name.startswith(".") and e.is_dir() and _holds_images(e.path)]
    if not names:
        hint = (f"; its subfolders {_listed(skipped)} do: pass recursive=True (--recursive "
                "on the command line) to read them" if skipped else "")
        raise ValueError(f"{folder} holds no images (files ending in {_EXTENSIONS_TEXT})"
                         f"{hint}.")
    if skipped:
        warnings.warn(
            f"{folder}: skipped the subfolders {_listed(skipped)}, which hold images (class "
            "folders?); only the images in the folder itself are read. Pass recursive=True "
            "(--recursive on the command line) to read the subfolders' too.", UserWarning,
            stacklevel=4)
    return names


def _is_image_name(name):
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


def _holds_images(folder):
    """Whether ``folder`` or a subfolder of it (not hidden) holds an image file."""
    for _, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if any(_is_image_name(name) for name in files):
            return True
    return False


def _listed(names, most=3):
    shown = ", ".join(f"{n}/" for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


# What Pillow raises on a file it cannot decode ("broken PNG file" is a SyntaxError).
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


def _open_image(Image, file, load):
    """``Image.open(file)``, loaded if ``load``; a ValueError naming the file if it
    is not an image."""
    try:
        img = Image.open(file, formats=_FORMATS)
    except (FileNotFoundError, PermissionError):
        raise
    except (*_PIL_ERRORS, Image.DecompressionBombError) as exc:
        raise ValueError(f"{file} is not a readable image ({exc}).") from None
    if load:
        try:
            img.load()
        except (*_PIL_ERRORS, Image.DecompressionBombError) as exc:
            img.close()
            raise ValueError(f"{file} is not a readable image ({exc}).") from None
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
