"""OnnxFeatures: images to the features of the user's own network, run by onnxruntime."""

import os
import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._utils.progress import check_verbose, progress_bar
from .._utils.validation import check_int
from . import _preprocess as pre

_LAYOUTS = ("NCHW", "NHWC")
# onnxruntime's element types of the inputs it can be fed here, and their dtypes.
_FLOAT_TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16,
                "tensor(double)": np.float64}


def _import_onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise ImportError(
            'OnnxFeatures needs onnxruntime, an optional dependency of sklearn-imd: '
            'pip install "sklearn-imd[features]"') from None
    return onnxruntime


def default_providers(ort):
    """CUDA where onnxruntime has it, else the CPU."""
    if "CUDAExecutionProvider" in ort.get_available_providers():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def space_name(path, preset, resize="bicubic-pil"):
    """The feature space of a network: its preset, else its file's stem made a
    feature-space label (lower case; other characters than letters, digits, '-'
    and '_' become '-'), followed by ``-RESIZE`` for a resize mode other than
    the default, so that features resized two ways are not compared."""
    if preset is not None:
        name = preset
    else:
        stem = os.path.splitext(os.path.basename(os.fsdecode(path)))[0].lower()
        name = re.sub(r"[^a-z0-9_-]", "-", stem).lstrip("-_")[:48] or "onnx"
    return name if resize == "bicubic-pil" else f"{name}-{resize}"


def _shape_text(shape):
    return "(" + ", ".join(str(d) if isinstance(d, int) else (d or "?") for d in shape) + ")"


class OnnxFeatures(TransformerMixin, BaseEstimator):
    """Features of images from the user's own network, an ONNX file run by onnxruntime.

    A scikit-learn transformer: ``fit`` loads and checks the network;
    ``transform`` reads, preprocesses and runs the images one batch at a
    time (the memory taken is that of a batch, plus the features) and
    returns one row of features per image.  Nothing is downloaded: the
    network is the user's (pytorch-fid's Inception, DINOv2, CLIP...,
    exported to ONNX; the user guide gives the recipe).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.onnx`` file.  The network takes one input, a batch of
        images ``(batch, channels, height, width)`` (``layout="NCHW"``) or
        ``(batch, height, width, channels)``, of floats; its batch axis may
        be fixed (the last batch is then padded) or free.
    preset : {"inception", "dinov2", "clip"}, default=None
        Preprocessing of a common network, whose parameters are defaults of
        those below (a parameter given wins):

        - ``"inception"``: pytorch-fid's ``InceptionV3([3])`` (pool3, 2048
          features) exported with its defaults: 299 x 299 RGB in [0, 1],
          no mean/std here, as that network scales its input to [-1, 1]
          itself (``2 * x - 1`` in its ``forward``).  Resized as clean-fid's
          "clean" mode (``"bicubic-pil"``).
        - ``"dinov2"``: 224 x 224 RGB in [0, 1] normalised by ImageNet's
          mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).
        - ``"clip"``: 224 x 224 RGB in [0, 1] normalised by CLIP's mean
          (0.48145466, 0.4578275, 0.40821073) and std (0.26862954,
          0.26130258, 0.27577711).  The whole image is resized to a square
          (CLIP's own transform resizes the short side, then crops).
    size : int or tuple of two int, default=None
        ``(width, height)`` the images are resized to (an int: a square).
        None: the preset's, else the network's input size if it is fixed,
        else the images are not resized (those of a batch must then share a
        size).
    resize : str, default="bicubic-pil"
        How images are resized (every preset uses the default):

        - ``"bicubic-pil"``: clean-fid's "clean" resize, the one it
          recommends: each channel, in the 8-bit scale [0, 255] as a 32-bit
          float image, by Pillow's antialiased bicubic filter
          (``Image.Resampling.BICUBIC``), clipped to [0, 255], not
          quantised.
        - ``"bicubic-pil-uint8"``: Pillow's bicubic filter on the 8-bit
          image, quantised to 8 bits (torchvision's ``Resize`` on a PIL
          image; float images are rounded to 8 bits first).
        - ``"bilinear-torch"``: PyTorch's ``F.interpolate(mode="bilinear",
          align_corners=False)`` without antialiasing: pytorch-fid's resize
          inside its network, and clean-fid's ``"legacy_pytorch"`` mode.
          Source pixel ``(i + 0.5) * in / out - 0.5``, clamped to the image.
        - ``"bilinear-tf"``: TensorFlow 1's ``tf.image.resize_bilinear``
          (``align_corners=False``, no half-pixel centres, no
          antialiasing), the resize inside the original TensorFlow FID
          Inception graph: source pixel ``i * in / out``.

        The bilinear modes are NumPy ports, equal to the originals to
        float32 rounding.  Images already of the size are not resampled.
    channels : {"RGB", "BGR", "L"}, default=None
        Channel order the network takes (``"L"``: one gray channel, by
        Pillow's ITU-R 601-2 weights).  None: the preset's, else ``"L"``
        for a network with one input channel and ``"RGB"`` otherwise.
        Grayscale images are repeated over three channels, as pytorch-fid's
        ``convert("RGB")``.
    value_range : tuple of two float, default=None
        The values black and white become, before ``mean`` and ``std``
        (None: the preset's, else (0, 1)).
    mean, std : float or sequence of float, default=None
        Per-channel normalisation ``(x - mean) / std`` after
        ``value_range``, in the order of ``channels`` (None: the preset's,
        else none).
    layout : {"NCHW", "NHWC"}, default="NCHW"
        The axes of the network's input: channels first (PyTorch exports)
        or last (TensorFlow).
    batch_size : int, default=64
        Images read and run at once (a network with a fixed batch axis runs
        its own batch size).
    providers : list of str, default=None
        onnxruntime's execution providers, e.g. ``["CPUExecutionProvider"]``.
        None: CUDA where onnxruntime has it, else the CPU.
    output_name : str, default=None
        The network output to return (None: its first).  Singleton axes
        after the batch axis are dropped (pooled ``(n, 2048, 1, 1)`` maps
        give ``(n, 2048)``); an output with more than one non-singleton
        feature axis is refused.
    recursive : bool, default=False
        For a folder given to :meth:`transform`: whether to read its
        subfolders' images too (as :func:`sklearn_imd.io.load_images`).
    progress : bool or int, default=False
        Whether to show a progress bar on stderr (tqdm's, if installed).

    Attributes
    ----------
    input_name_ : str
        The network's input.
    input_shape_ : tuple
        Its shape as the network declares it (free axes as names or None).
    output_name_ : str
        The output returned.
    size_ : tuple of two int or None
        ``(width, height)`` images are resized to.
    channels_ : str
        The channel order fed.
    n_features_out_ : int or None
        Features per image (None if the network's output and input size
        are both free, until images are given).
    feature_space_ : str
        The name of the features' space: the preset, else the file's stem,
        followed by ``-RESIZE`` when ``resize`` is not ``"bicubic-pil"`` (what
        ``sklearn-imd stats --features`` records).
    providers_ : list of str
        The execution providers onnxruntime runs on.

    See Also
    --------
    sklearn_imd.io.load_images : Raw pixels of a folder of images.
    sklearn_imd.compare : Every metric between the features of a reference
        and generated samples.

    Notes
    -----
    The steps of :meth:`transform`, per image: decoded to 1 or 3 channels
    in the 8-bit scale (16-bit grayscale scaled down), resized by
    ``resize`` to ``size``, converted to ``channels``, scaled to
    ``value_range``, normalised by ``mean`` and ``std``, then batched in
    ``layout`` and cast to the network's input type.

    Examples
    --------
    A network of one 1 x 1 convolution and a global average pooling, built
    with ``onnx``'s helper API (a real one is exported from PyTorch: see the
    user guide):

    >>> import os, tempfile
    >>> import numpy as np
    >>> import onnx
    >>> from onnx import TensorProto, helper, numpy_helper
    >>> from sklearn_imd.features import OnnxFeatures
    >>> W = numpy_helper.from_array(np.eye(3, dtype=np.float32)[:, :, None, None], "W")
    >>> graph = helper.make_graph(
    ...     [helper.make_node("Conv", ["x", "W"], ["c"]),
    ...      helper.make_node("GlobalAveragePool", ["c"], ["p"]),
    ...      helper.make_node("Flatten", ["p"], ["features"])],
    ...     "mean_colour",
    ...     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 8, 8])],
    ...     [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["n", 3])],
    ...     initializer=[W])
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "net.onnx")
    >>> onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
    ...                             ir_version=8), path)
    >>> images = np.zeros((5, 16, 16, 3), dtype=np.uint8)
    >>> images[:, :, :, 0] = 255  # red
    >>> net = OnnxFeatures(path).fit()
    >>> net.size_, net.n_features_out_, net.feature_space_
    ((8, 8), 3, 'net')
    >>> net.transform(images)[0]
    array([1., 0., 0.], dtype=float32)
    >>> tmp.cleanup()
    """

    def __init__(self, path, preset=None, *, size=None, resize="bicubic-pil", channels=None,
                 value_range=None, mean=None, std=None, layout="NCHW", batch_size=64,
                 providers=None, output_name=None, recursive=False, progress=False):
        self.path = path
        self.preset = preset
        self.size = size
        self.resize = resize
        self.channels = channels
        self.value_range = value_range
        self.mean = mean
        self.std = std
        self.layout = layout
        self.batch_size = batch_size
        self.providers = providers
        self.output_name = output_name
        self.recursive = recursive
        self.progress = progress

    # ------------------------------------------------------------------ fit
    def fit(self, X=None, y=None):
        """Load the network and check that the preprocessing fits its input.

        Parameters
        ----------
        X, y : ignored
            Present for scikit-learn's API (pipelines).

        Returns
        -------
        self : OnnxFeatures

        Raises
        ------
        FileNotFoundError
            If ``path`` does not exist.
        ValueError
            If onnxruntime cannot load the file, if the network does not
            take one 4-D float input, or if its input does not fit the
            images (channels or size): the message gives both shapes.
        ImportError
            If onnxruntime is not installed.

        Examples
        --------
        See :class:`OnnxFeatures`.
        """
        params = self._check_params()
        ort = _import_onnxruntime()
        path = os.fsdecode(self.path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path}: no such ONNX file.")
        providers = default_providers(ort) if self.providers is None else list(self.providers)
        try:
            session = ort.InferenceSession(path, providers=providers)
        except Exception as exc:  # onnxruntime's own exception types
            raise ValueError(f"{path} is not an ONNX network onnxruntime can load "
                             f"({' '.join(str(exc).split())}).") from None
        self._session = session
        self._check_model(session, path, params)
        self.providers_ = session.get_providers()
        self.feature_space_ = space_name(path, self.preset, self.resize)
        self.n_features_out_ = self._static_features(session)
        if self.size_ is not None:  # a dry run of one batch of black images
            h, w, c = self.size_[1], self.size_[0], 1 if self.channels_ == "L" else 3
            blank = np.zeros((self._fixed_batch or 1, h, w, c), dtype=np.float32)
            self.n_features_out_ = self._run(self._feed(blank), blank.shape[0]).shape[1]
        return self

    def _check_params(self):
        preset = self.preset
        if preset is not None and preset not in pre.PRESETS:
            raise ValueError(f"preset must be one of {sorted(pre.PRESETS)} or None; "
                             f"got {preset!r}.")
        base = pre.PRESETS.get(preset, {"size": None, "resize": "bicubic-pil",
                                        "channels": None, "value_range": (0.0, 1.0),
                                        "mean": None, "std": None})

        def pick(name):
            value = getattr(self, name)
            return base[name] if value is None else value

        size = pre.check_size(pick("size"))
        resize = self.resize
        if resize not in pre.RESIZE_MODES:
            raise ValueError(f"resize must be one of {list(pre.RESIZE_MODES)}; got {resize!r}.")
        channels = pick("channels")
        if channels is not None and channels not in pre.CHANNELS:
            raise ValueError(f"channels must be one of {list(pre.CHANNELS)}; got {channels!r}.")
        try:
            low, high = (float(v) for v in pick("value_range"))
        except (TypeError, ValueError):
            low = high = float("nan")
        if not low < high:
            raise ValueError(f"value_range must be (low, high) with low < high; "
                             f"got {self.value_range!r}.")
        if self.layout not in _LAYOUTS:
            raise ValueError(f"layout must be 'NCHW' or 'NHWC'; got {self.layout!r}.")
        check_int(self.batch_size, "batch_size", 1)
        check_verbose(self.progress, "progress")
        stats = {}
        for name in ("mean", "std"):
            value = pick(name)
            if value is not None:
                value = np.atleast_1d(np.asarray(value, dtype=np.float64))
                if value.ndim != 1 or value.size not in (1, 3) or not np.isfinite(value).all():
                    raise ValueError(f"{name} must be one or three finite numbers; "
                                     f"got {getattr(self, name)!r}.")
                if name == "std" and (value <= 0).any():
                    raise ValueError(f"std must be positive; got {value.tolist()}.")
            stats[name] = value
        return {"size": size, "resize": resize, "channels": channels,
                "value_range": (low, high), **stats}

    def _check_model(self, session, path, params):
        inputs = session.get_inputs()
        if len(inputs) != 1:
            raise ValueError(f"{path} takes {len(inputs)} inputs "
                             f"({', '.join(i.name for i in inputs)}); OnnxFeatures feeds a "
                             "network one input, a batch of images.")
        inp = inputs[0]
        shape = tuple(d if isinstance(d, int) else None for d in inp.shape)
        self.input_name_, self.input_shape_ = inp.name, tuple(inp.shape)
        where = f"{path}: the network's input {inp.name!r} of shape {_shape_text(inp.shape)}"
        if inp.type not in _FLOAT_TYPES:
            raise ValueError(f"{where} is of type {inp.type}; OnnxFeatures feeds images as "
                             "floats (tensor(float), tensor(float16) or tensor(double)).")
        self._dtype = _FLOAT_TYPES[inp.type]
        axes = "(batch, channels, height, width)" if self.layout == "NCHW" else \
            "(batch, height, width, channels)"
        if len(shape) != 4:
            raise ValueError(f"{where} has {len(shape)} axes, but images are fed as "
                             f"{axes} (layout={self.layout!r}).")
        if self.layout == "NCHW":
            batch, c, h, w = shape
        else:
            batch, h, w, c = shape
        self._fixed_batch = batch if batch is not None and batch > 0 else None
        channels = params["channels"]
        if c is not None and c not in (1, 3):
            other = "NHWC" if self.layout == "NCHW" else "NCHW"
            raise ValueError(f"{where} has {c} channels at the channel axis of layout "
                             f"{self.layout!r} {axes}; images have 1 or 3. Is its layout "
                             f"{other!r} (layout={other!r})?")
        if channels is None:
            channels = "L" if c == 1 else "RGB"
        want = 1 if channels == "L" else 3
        if c is not None and c != want:
            raise ValueError(f"{where} takes {c} channel{'s' * (c != 1)}, but the images are "
                             f"fed with {want} (channels={channels!r}); pass channels="
                             f"{'L' if c == 1 else 'RGB'!r} or another network.")
        for name in ("mean", "std"):
            v = params[name]
            if v is not None and v.size != 1 and v.size != want:
                raise ValueError(f"{name} has {v.size} values but the images fed have {want} "
                                 f"channel{'s' * (want > 1)}.")
        size = params["size"]
        if h is not None and w is not None:
            if size is None:
                size = (w, h)
            elif size != (w, h):
                fed = ((self._fixed_batch or "n", want, size[1], size[0])
                       if self.layout == "NCHW" else
                       (self._fixed_batch or "n", size[1], size[0], want))
                raise ValueError(f"{where} does not fit the images fed, of shape "
                                 f"{_shape_text(fed)} (size={size}, width x height); pass "
                                 f"size=({w}, {h}) or export the network for this size.")
        self.size_, self.channels_ = size, channels
        self._resize, self._value_range = params["resize"], params["value_range"]
        self._mean = None if params["mean"] is None else params["mean"].astype(np.float32)
        self._std = None if params["std"] is None else params["std"].astype(np.float32)
        outputs = [o.name for o in session.get_outputs()]
        name = outputs[0] if self.output_name is None else self.output_name
        if name not in outputs:
            raise ValueError(f"{path} has no output {name!r}; its outputs are {outputs}.")
        self.output_name_ = name

    def _static_features(self, session):
        out = next(o for o in session.get_outputs() if o.name == self.output_name_)
        dims = [d for d in out.shape[1:]]
        if all(isinstance(d, int) for d in dims):
            return int(np.prod(dims, dtype=np.int64))
        return None

    # ------------------------------------------------------------ transform
    def transform(self, X):
        """The network's features of the images ``X``, one row per image.

        Parameters
        ----------
        X : str, os.PathLike, list or ndarray
            The images: a folder (its image files, as
            :func:`sklearn_imd.io.load_images` reads them; subfolders with
            ``recursive``), a list of image files or of arrays ``(height,
            width[, channels])``, or an array ``(n_images, height, width)``
            or ``(n_images, height, width, channels)`` with 1 or 3 channels
            (``load_images(..., flatten=False)``).  Arrays are uint8 (0 to
            255) or floats in [0, 1].  Files are read one batch at a time.

        Returns
        -------
        features : ndarray of shape (n_images, n_features)
            float32 (float64 for a network whose output is).

        Raises
        ------
        ValueError
            If the images are not of one of these forms, if a file is not a
            readable image, if images of a batch differ in size while
            ``size_`` is None, or if onnxruntime fails on a batch (the
            message gives the batch's shape and the network's input).

        Examples
        --------
        See :class:`OnnxFeatures`.
        """
        check_is_fitted(self, "input_name_")
        n, get = self._source(X)
        step = self._fixed_batch or self.batch_size
        bar = progress_bar(n, "features", check_verbose(self.progress, "progress"), delay=1.0)
        blocks = []
        try:
            for start in range(0, n, step):
                images = [self._prepare(image) for image in get(start, min(start + step, n))]
                shapes = {image.shape for image in images}
                if len(shapes) > 1:
                    raise ValueError(
                        f"images {start} to {start + len(images) - 1} differ in size "
                        f"({', '.join(f'{s[1]}x{s[0]}' for s in sorted(shapes))}, width x "
                        "height) and the network's input size is free: pass size=(width, "
                        "height) to resize them to one.")
                batch = np.stack(images)
                blocks.append(self._run(self._feed(batch), len(images)))
                bar.update(len(images))
        finally:
            bar.close()
        if not blocks:
            raise ValueError("no images were given.")
        return np.concatenate(blocks)

    def get_feature_names_out(self, input_features=None):
        """Names of the features: ``onnxfeatures0``, ``onnxfeatures1``...

        Parameters
        ----------
        input_features : ignored
            Present for scikit-learn's API.

        Returns
        -------
        names : ndarray of str

        Examples
        --------
        See :class:`OnnxFeatures`.
        """
        check_is_fitted(self, "input_name_")
        if self.n_features_out_ is None:
            raise ValueError("the number of features is not known before images are given: "
                             "the network's output and input size are free.")
        return np.asarray([f"onnxfeatures{i}" for i in range(self.n_features_out_)],
                          dtype=object)

    def _prepare(self, image):
        if self.size_ is not None:
            image = pre.resize(image, self.size_, self._resize)
        return pre.finish(image, self.channels_, self._value_range, self._mean, self._std)

    def _feed(self, batch):
        """A batch (b, h, w, c) of finished images as the network's input."""
        if self.layout == "NCHW":
            batch = batch.transpose(0, 3, 1, 2)
        return np.ascontiguousarray(batch, dtype=self._dtype)

    def _run(self, batch, n):
        """The features (n, d) of the first ``n`` images of ``batch``, padded to the
        network's fixed batch size if it has one."""
        if self._fixed_batch is not None and batch.shape[0] < self._fixed_batch:
            pad = np.zeros((self._fixed_batch - batch.shape[0],) + batch.shape[1:], batch.dtype)
            batch = np.concatenate([batch, pad])
        session = getattr(self, "_session", None)
        if session is None:  # unpickled: sessions are not pickled
            ort = _import_onnxruntime()
            session = self._session = ort.InferenceSession(os.fsdecode(self.path),
                                                           providers=self.providers_)
        try:
            out, = session.run([self.output_name_], {self.input_name_: batch})
        except Exception as exc:  # onnxruntime's own exception types
            raise ValueError(
                f"{os.fsdecode(self.path)}: onnxruntime could not run the network on a batch "
                f"of shape {batch.shape} (its input {self.input_name_!r} is "
                f"{_shape_text(self.input_shape_)}): {' '.join(str(exc).split())}") from None
        out = np.asarray(out)
        if out.ndim == 0 or out.shape[0] != batch.shape[0]:
            raise ValueError(f"{os.fsdecode(self.path)}: output {self.output_name_!r} has "
                             f"shape {out.shape} for a batch of {batch.shape[0]} images; "
                             "OnnxFeatures needs one row of features per image.")
        rest = [d for d in out.shape[1:] if d != 1]
        if len(rest) > 1:
            raise ValueError(f"{os.fsdecode(self.path)}: output {self.output_name_!r} has "
                             f"shape {out.shape}, more than one feature axis; export the "
                             "network with pooled features (or pick output_name).")
        out = out[:n].reshape(n, -1)
        return out.astype(np.float64 if out.dtype == np.float64 else np.float32, copy=False)

    def _source(self, X):
        """(n, get): the number of images and ``get(start, stop)``, their images
        as float32 (h, w, c) arrays in [0, 255]."""
        if isinstance(X, (str, os.PathLike)):
            from .._io.images import _image_names

            folder = os.fsdecode(X)
            if os.path.isfile(folder):
                raise ValueError(f"{folder} is a file; give a folder of images, or a list "
                                 "of image files.")
            files = [os.path.join(folder, name) for name in _image_names(folder, self.recursive)]
            return self._files(files)
        if isinstance(X, (list, tuple)):
            if X and all(isinstance(x, (str, os.PathLike)) for x in X):
                return self._files([os.fsdecode(x) for x in X])
            if not all(isinstance(x, np.ndarray) for x in X):
                raise ValueError("a list of images must hold image files (paths) or arrays "
                                 "(height, width[, channels]), not a mix or other objects.")
            for i, x in enumerate(X):
                if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[2] not in (1, 3)):
                    raise ValueError(f"images[{i}] has shape {x.shape}; an image is (height, "
                                     "width) or (height, width, channels), 1 or 3 channels.")
            return len(X), lambda a, b: [pre.to_8bit_scale(x[None], f"images[{i}]")[0]
                                         for i, x in zip(range(a, b), X[a:b])]
        A = X if hasattr(X, "shape") and hasattr(X, "dtype") else np.asarray(X)
        if A.ndim == 2:
            raise ValueError(
                f"images of shape {A.shape}: a 2-D array is one image or flattened images. "
                "Give an array (n_images, height, width[, channels]), e.g. "
                "load_images(folder, flatten=False).")
        if A.ndim not in (3, 4) or (A.ndim == 4 and A.shape[3] not in (1, 3)):
            raise ValueError(f"images of shape {A.shape}: give (n_images, height, width) or "
                             "(n_images, height, width, channels) with 1 or 3 channels.")
        return A.shape[0], lambda a, b: list(pre.to_8bit_scale(A[a:b], "images"))

    def _files(self, files):
        from .._io.images import _import_pil

        Image = _import_pil("OnnxFeatures")
        return len(files), lambda a, b: [pre.read_image(f, Image) for f in files[a:b]]

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ is __dict__
        state.pop("_session", None)  # an onnxruntime session does not pickle: remade
        return state
