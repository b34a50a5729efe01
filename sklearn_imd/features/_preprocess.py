"""The preprocessing of images for a network: reading, resizing, channels,
value range and normalisation, in NumPy and Pillow (no torch, no TensorFlow).

Every image is held as float32 ``(height, width, channels)`` in the 8-bit
scale [0, 255] (1 or 3 channels) until it is resized; then it is scaled to
the network's value range and normalised.
"""

import numbers

import numpy as np

# name -> the preprocessing of the network's published numbers.
#   inception: pytorch-fid's InceptionV3 (pool3, 2048 features), exported with
#     its defaults resize_input=True, normalize_input=True: it takes RGB in
#     [0, 1] and scales them to [-1, 1] itself (``2 * x - 1`` in its forward),
#     so no mean/std here.  299 x 299, resized as clean-fid's "clean" mode.
#   dinov2: 224 x 224, RGB in [0, 1] normalised by ImageNet's mean and std
#     (those of torchvision and of the DINOv2 repository's transforms).
#   clip: 224 x 224, RGB in [0, 1] normalised by CLIP's mean and std (those
#     of openai/CLIP's ``_transform``).
PRESETS = {
    "inception": {"size": (299, 299), "channels": "RGB",
                  "value_range": (0.0, 1.0), "mean": None, "std": None},
    "dinov2": {"size": (224, 224), "channels": "RGB",
               "value_range": (0.0, 1.0), "mean": (0.485, 0.456, 0.406),
               "std": (0.229, 0.224, 0.225)},
    "clip": {"size": (224, 224), "channels": "RGB",
             "value_range": (0.0, 1.0), "mean": (0.48145466, 0.4578275, 0.40821073),
             "std": (0.26862954, 0.26130258, 0.27577711)},
}

RESIZE_MODES = ("bicubic-pil", "bicubic-pil-uint8", "bilinear-torch", "bilinear-tf")
CHANNELS = ("RGB", "BGR", "L")


def check_size(size, name="size"):
    """``size`` as (width, height): an int is a square; None stays None."""
    if size is None:
        return None
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size, size)
    try:
        width, height = size
    except (TypeError, ValueError):
        width = height = None
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
               for v in (width, height)):
        raise ValueError(f"{name} must be an int or (width, height), positive integers; "
                         f"got {size!r}.")
    return int(width), int(height)


def _luminance(image):
    """RGB to one channel with the ITU-R 601-2 weights of Pillow's ``convert("L")``."""
    return (image[..., 0] * 0.299 + image[..., 1] * 0.587 + image[..., 2] * 0.114)[..., None]


def _bilinear_weights(n_in, n_out, half_pixel):
    """The (n_out, n_in) matrix of a bilinear resampling without antialiasing.

    ``half_pixel``: the source coordinate of output pixel ``i`` is
    ``(i + 0.5) * n_in / n_out - 0.5``, negative ones clamped to 0 (PyTorch's
    ``F.interpolate(mode="bilinear", align_corners=False)``); otherwise it is
    ``i * n_in / n_out`` (TensorFlow 1's ``tf.image.resize_bilinear`` with
    ``align_corners=False``, the resize inside the original TF FID graph).
    The upper neighbour is clamped to the last pixel."""
    scale = n_in / n_out
    i = np.arange(n_out, dtype=np.float64)
    src = (i + 0.5) * scale - 0.5 if half_pixel else i * scale
    src = np.maximum(src, 0.0)
    low = np.minimum(np.floor(src).astype(np.intp), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    frac = src - low
    W = np.zeros((n_out, n_in))
    np.add.at(W, (np.arange(n_out), low), 1.0 - frac)
    np.add.at(W, (np.arange(n_out), high), frac)
    return W


def resize(image, size, mode):
    """``image`` (float32, (h, w, c) in [0, 255]) resized to ``size`` (width,
    height) by ``mode`` (see :class:`OnnxFeatures`); the same object if it has
    that size already."""
    height, width = image.shape[:2]
    if (width, height) == tuple(size):
        return image
    if mode in ("bicubic-pil", "bicubic-pil-uint8"):
        from PIL import Image

        if mode == "bicubic-pil-uint8":
            pixels = np.rint(np.clip(image, 0, 255)).astype(np.uint8)
            img = Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels)
            out = np.asarray(img.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
            return out.reshape(size[1], size[0], image.shape[2])
        # clean-fid's resize: each channel as a 32-bit float image (mode "F"),
        # not quantised, then clipped to [0, 255]
        channels = [np.asarray(Image.fromarray(np.ascontiguousarray(image[..., c]))
                               .resize(size, Image.Resampling.BICUBIC))
                    for c in range(image.shape[2])]
        return np.clip(np.stack(channels, axis=-1), 0, 255).astype(np.float32, copy=False)
    half_pixel = mode == "bilinear-torch"
    Wh = _bilinear_weights(height, size[1], half_pixel)
    Ww = _bilinear_weights(width, size[0], half_pixel)
    return np.einsum("oh,hwc,pw->opc", Wh, image, Ww, optimize=True).astype(np.float32)


def to_8bit_scale(images, name):
    """A batch of array images (n, h, w[, c]) as float32 (n, h, w, c) in [0, 255]:
    uint8 as they are, floats in [0, 1] times 255."""
    A = np.asarray(images)
    if A.dtype == np.uint8:
        out = A.astype(np.float32)
    elif A.dtype.kind == "f":
        out = A.astype(np.float32)
        if not np.isfinite(out).all():
            raise ValueError(f"{name} holds NaN or infinite values.")
        if out.size and (out.min() < 0 or out.max() > 1):
            raise ValueError(f"{name}: float images must be in [0, 1]; these range from "
                             f"{out.min():.4g} to {out.max():.4g}.")
        out *= 255
    else:
        raise ValueError(f"{name}: images must be uint8 (0 to 255) or floats in [0, 1]; "
                         f"got dtype {A.dtype}.")
    return out if out.ndim == 4 else out[..., None]


def read_image(file, Image):
    """The image file ``file`` as float32 (h, w, c) in [0, 255], c = 1 or 3
    (as pytorch-fid's ``Image.open(file).convert("RGB")``, 16-bit grayscale
    scaled to 8 bits rather than clipped)."""
    from .._io.images import _open_image, _pixels

    with _open_image(Image, file, load=True) as img:
        pixels, white = _pixels(Image, img, img.size)
    out = np.asarray(pixels, dtype=np.float32)
    if white != 255:
        out = out * np.float32(255 / white)
    return out if out.ndim == 3 else out[..., None]


def finish(image, channels, value_range, mean, std):
    """A resized image (h, w, c) in [0, 255] with the network's channels, value
    range and normalisation: float32 (h, w, channels)."""
    if channels == "L":
        if image.shape[2] == 3:
            image = _luminance(image)
    elif image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if channels == "BGR":
        image = image[..., ::-1]
    low, high = value_range
    out = image * np.float32((high - low) / 255) + np.float32(low)
    if mean is not None:
        out -= mean
    if std is not None:
        out /= std
    return out.astype(np.float32, copy=False)
