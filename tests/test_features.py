"""Tests of sklearn_imd.features.OnnxFeatures, on small ONNX networks built here
with onnx's helper API and checked against NumPy computations of the same networks."""

import pickle

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
Image = pytest.importorskip("PIL.Image")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from sklearn.base import clone  # noqa: E402

from sklearn_imd.features import OnnxFeatures  # noqa: E402
from sklearn_imd.features import _preprocess as pre  # noqa: E402

# float32 networks against float64 NumPy: onnxruntime sums the convolutions'
# 27 to 75 products in float32, in its own order (im2col GEMM blocks); values are
# O(1), so errors are a few float32 ulps: 1e-5 relative, 1e-6 absolute.
RTOL, ATOL = 1e-5, 1e-6


def save_model(path, nodes, inputs, outputs, weights=(), in_type=TensorProto.FLOAT,
               out_type=TensorProto.FLOAT):
    graph = helper.make_graph(
        nodes, "test",
        [helper.make_tensor_value_info(name, in_type, shape) for name, shape in inputs],
        [helper.make_tensor_value_info(name, out_type, shape) for name, shape in outputs],
        initializer=[numpy_helper.from_array(np.asarray(w, dtype=np.float32), name)
                     for name, w in weights])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return str(path)


def conv_weights(seed=0, k=4, c=3, r=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(k, c, r, r)), rng.normal(size=k)


def conv_net(path, shape=("n", 3, "h", "w"), pool="global", flatten=True, seed=0,
             nhwc=False):
    """Conv (4 filters 3x3, bias) -> Relu -> pooling -> Flatten: features (n, 4)."""
    W, b = conv_weights(seed)
    nodes, first = [], "x"
    if nhwc:
        nodes.append(helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]))
        first = "xt"
    nodes += [helper.make_node("Conv", [first, "W", "b"], ["c"], kernel_shape=[3, 3]),
              helper.make_node("Relu", ["c"], ["r"])]
    if pool == "global":
        nodes.append(helper.make_node("GlobalAveragePool", ["r"], ["p"]))
    else:  # an AveragePool over 2x2 windows, stride 2
        nodes.append(helper.make_node("AveragePool", ["r"], ["p"], kernel_shape=[2, 2],
                                      strides=[2, 2]))
    out, out_shape = "p", ["n", 4, "a", "b"]
    if flatten:
        nodes.append(helper.make_node("Flatten", ["p"], ["f"]))
        out, out_shape = "f", ["n", "d"]
    return save_model(path, nodes, [("x", list(shape))], [(out, out_shape)],
                      [("W", W), ("b", b)])


def numpy_conv_net(X, seed=0, pool="global"):
    """The network of conv_net in float64 NumPy: X (n, 3, h, w) -> (n, d)."""
    W, b = conv_weights(seed)
    windows = np.lib.stride_tricks.sliding_window_view(X, (3, 3), axis=(2, 3))
    conv = np.einsum("nchwij,kcij->nkhw", windows, W) + b[None, :, None, None]
    relu = np.maximum(conv, 0)
    if pool == "global":
        return relu.mean(axis=(2, 3))
    n, k, h, w = relu.shape
    h2, w2 = h // 2, w // 2
    pooled = relu[:, :, :2 * h2, :2 * w2].reshape(n, k, h2, 2, w2, 2).mean(axis=(3, 5))
    return pooled.reshape(n, -1)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def images(rng):
    """9 RGB images 10 high, 12 wide."""
    return rng.integers(0, 256, size=(9, 10, 12, 3), dtype=np.uint8)


def as_nchw(images):
    return images.transpose(0, 3, 1, 2).astype(np.float64) / 255


# -------------------------------------------------------------- the network


@pytest.mark.parametrize("pool", ["global", "average"])
def test_features_equal_numpy_network(tmp_path, images, pool):
    path = conv_net(tmp_path / "net.onnx", pool=pool)
    F = OnnxFeatures(path).fit().transform(images)
    expected = numpy_conv_net(as_nchw(images), pool=pool)
    assert F.dtype == np.float32 and F.shape == expected.shape
    np.testing.assert_allclose(F, expected, rtol=RTOL, atol=ATOL)


def test_batch_size_does_not_change_the_features(tmp_path, images):
    path = conv_net(tmp_path / "net.onnx", pool="average")
    runs = [OnnxFeatures(path, batch_size=b).fit().transform(images) for b in (1, 7, 9, 64)]
    # another batch shape may take another kernel route (blocking of the GEMM),
    # so equal to float32 rounding, not bit for bit
    for F in runs[1:]:
        np.testing.assert_allclose(F, runs[0], rtol=RTOL, atol=ATOL)


def test_fixed_batch_axis_is_padded(tmp_path, images):
    fixed = conv_net(tmp_path / "fixed.onnx", shape=(4, 3, 10, 12))
    free = conv_net(tmp_path / "free.onnx")
    net = OnnxFeatures(fixed).fit()
    assert net.size_ == (12, 10) and net.n_features_out_ == 4
    F = net.transform(images)  # 9 images: batches of 4, 4 and 1 padded to 4
    assert F.shape == (9, 4)
    np.testing.assert_allclose(F, OnnxFeatures(free).fit().transform(images),
                               rtol=RTOL, atol=ATOL)


def test_nhwc_layout(tmp_path, images):
    nhwc = conv_net(tmp_path / "nhwc.onnx", shape=("n", "h", "w", 3), nhwc=True)
    F = OnnxFeatures(nhwc, layout="NHWC").fit().transform(images)
    np.testing.assert_allclose(F, numpy_conv_net(as_nchw(images)), rtol=RTOL, atol=ATOL)
    # fed as NCHW, its 3 channels are at the last axis: a clear error
    fixed = conv_net(tmp_path / "nhwc_fixed.onnx", shape=("n", 10, 12, 3), nhwc=True)
    with pytest.raises(ValueError, match=r"has 10 channels at the channel axis of layout "
                       r"'NCHW'.*Is its layout 'NHWC'"):
        OnnxFeatures(fixed).fit()


def test_singleton_axes_are_flattened_and_wider_outputs_refused(tmp_path, images):
    path = conv_net(tmp_path / "maps.onnx", flatten=False)  # (n, 4, 1, 1)
    F = OnnxFeatures(path).fit().transform(images)
    np.testing.assert_allclose(F, numpy_conv_net(as_nchw(images)), rtol=RTOL, atol=ATOL)
    maps = conv_net(tmp_path / "avg.onnx", pool="average", flatten=False)  # (n, 4, 4, 5)
    with pytest.raises(ValueError, match=r"output 'p' has shape \(9, 4, 4, 5\), more than "
                       "one feature axis"):
        OnnxFeatures(maps).fit().transform(images)


def test_every_input_form_gives_the_same_features(tmp_path, images):
    from sklearn_imd.io import load_images

    path = conv_net(tmp_path / "net.onnx")
    folder = tmp_path / "images"
    folder.mkdir()
    files = []
    for i, image in enumerate(images):
        files.append(str(folder / f"{i}.png"))
        Image.fromarray(image).save(files[-1])
    net = OnnxFeatures(path).fit()
    F = net.transform(images)
    forms = [str(folder), folder, files, list(images), images / 255.0,
             images.astype(np.float32) / 255, load_images(folder, flatten=False)]
    for X in forms:
        # 8-bit values through float [0, 1] and back: exact up to the last float32 bit
        np.testing.assert_allclose(net.transform(X), F, rtol=RTOL, atol=ATOL)


def test_grayscale_images_are_repeated_over_rgb(tmp_path, images):
    path = conv_net(tmp_path / "net.onnx")
    gray = images[..., 0]
    F = OnnxFeatures(path).fit().transform(gray)
    rgb = np.repeat(gray[..., None], 3, axis=3)
    np.testing.assert_allclose(F, numpy_conv_net(as_nchw(rgb)), rtol=RTOL, atol=ATOL)


def test_fit_is_sklearn_and_pickles(tmp_path, images):
    path = conv_net(tmp_path / "net.onnx", shape=("n", 3, 10, 12))
    net = OnnxFeatures(path, batch_size=4)
    assert clone(net).get_params() == net.get_params()
    F = net.fit_transform(images)
    again = pickle.loads(pickle.dumps(net))
    assert net._session is not None and "_session" not in again.__dict__  # remade on use
    np.testing.assert_array_equal(again.transform(images), F)  # same session, same route
    assert list(net.get_feature_names_out()) == [f"onnxfeatures{i}" for i in range(4)]
    assert net.feature_space_ == "net" and net.providers_ == ["CPUExecutionProvider"]
    assert OnnxFeatures(path, "dinov2", size=(12, 10)).fit().feature_space_ == "dinov2"


# ----------------------------------------------------------- preprocessing


def test_bicubic_pil_is_clean_fids_resize(rng):
    image = rng.integers(0, 256, size=(13, 17, 3)).astype(np.float32)
    out = pre.resize(image, (7, 5), "bicubic-pil")  # (width, height)
    # clean-fid's resize, written out: each channel a mode-F image, clipped
    expected = np.stack([np.asarray(Image.fromarray(image[..., c]).resize(
        (7, 5), Image.Resampling.BICUBIC)) for c in range(3)], axis=-1).clip(0, 255)
    assert out.shape == (5, 7, 3)
    np.testing.assert_array_equal(out, expected)
    # not quantised: most values are not integers
    assert np.mean(out != np.round(out)) > 0.9


def test_bicubic_pil_uint8_is_pillows_resize(rng):
    image = rng.integers(0, 256, size=(13, 17, 3), dtype=np.uint8)
    out = pre.resize(image.astype(np.float32), (31, 29), "bicubic-pil-uint8")
    expected = np.asarray(Image.fromarray(image).resize((31, 29), Image.Resampling.BICUBIC))
    np.testing.assert_array_equal(out, expected)


def test_bilinear_torch_upsampling_is_pillows_bilinear(rng):
    # Upsampling, Pillow's bilinear filter is the half-pixel bilinear of
    # F.interpolate(align_corners=False), edges included (both clamp to the
    # border pixel); it differs only when downsampling (Pillow antialiases).
    image = rng.uniform(0, 255, size=(6, 5, 1)).astype(np.float32)
    out = pre.resize(image, (13, 11), "bilinear-torch")
    expected = np.asarray(Image.fromarray(image[..., 0]).resize(
        (13, 11), Image.Resampling.BILINEAR))
    # Pillow accumulates in its own float precision: 1e-3 on values up to 255
    np.testing.assert_allclose(out[..., 0], expected, atol=1e-3)


def test_bilinear_modes_on_known_values():
    row = np.array([0.0, 10.0], dtype=np.float32).reshape(1, 2, 1)
    # torch: F.interpolate(tensor([[[[0., 10.]]]]), size=(1, 4), mode="bilinear",
    # align_corners=False) is [0, 2.5, 7.5, 10]
    np.testing.assert_allclose(pre.resize(row, (4, 1), "bilinear-torch").ravel(),
                               [0, 2.5, 7.5, 10])
    # TF1's resize_bilinear samples at i * in / out: [0, 5, 10, 10]
    np.testing.assert_allclose(pre.resize(row, (4, 1), "bilinear-tf").ravel(), [0, 5, 10, 10])
    four = np.array([0.0, 1.0, 2.0, 3.0], dtype=np.float32).reshape(1, 4, 1)
    # downsampling without antialiasing: torch averages the two middle-pixel
    # neighbours, TF1 picks every other pixel
    np.testing.assert_allclose(pre.resize(four, (2, 1), "bilinear-torch").ravel(), [0.5, 2.5])
    np.testing.assert_allclose(pre.resize(four, (2, 1), "bilinear-tf").ravel(), [0.0, 2.0])


def test_luminance_is_pillows_convert_l(rng):
    image = rng.integers(0, 256, size=(8, 9, 3), dtype=np.uint8)
    out = pre.finish(image.astype(np.float32), "L", (0.0, 255.0), None, None)
    expected = np.asarray(Image.fromarray(image).convert("L"), dtype=np.float64)
    # Pillow rounds to 8 bits (fixed-point weights): within half a level
    assert out.shape == (8, 9, 1)
    assert np.abs(out[..., 0] - expected).max() <= 0.5 + 1e-3


def test_presets_values():
    assert pre.PRESETS["inception"] == {"size": (299, 299), "channels": "RGB",
                                        "value_range": (0.0, 1.0), "mean": None, "std": None}
    assert OnnxFeatures("net.onnx").resize == "bicubic-pil"  # every preset's
    assert pre.PRESETS["dinov2"]["size"] == (224, 224)
    assert pre.PRESETS["dinov2"]["mean"] == (0.485, 0.456, 0.406)
    assert pre.PRESETS["dinov2"]["std"] == (0.229, 0.224, 0.225)
    assert pre.PRESETS["clip"]["size"] == (224, 224)
    assert pre.PRESETS["clip"]["mean"] == (0.48145466, 0.4578275, 0.40821073)
    assert pre.PRESETS["clip"]["std"] == (0.26862954, 0.26130258, 0.27577711)


def mean_colour_net(path, size):
    """GlobalAveragePool of the input: each channel's mean, (n, 3)."""
    return save_model(path, [helper.make_node("GlobalAveragePool", ["x"], ["p"]),
                             helper.make_node("Flatten", ["p"], ["f"])],
                      [("x", ["n", 3, size, size])], [("f", ["n", 3])])


@pytest.mark.parametrize("preset", ["inception", "dinov2", "clip"])
def test_presets_preprocess_as_documented(tmp_path, rng, preset):
    p = pre.PRESETS[preset]
    size = p["size"][0]
    path = mean_colour_net(tmp_path / "mean.onnx", size)
    images = rng.integers(0, 256, size=(3, 40, 50, 3), dtype=np.uint8)
    F = OnnxFeatures(path, preset).fit().transform(images)
    for image, f in zip(images, F):
        resized = np.stack([np.asarray(Image.fromarray(image[..., c].astype(np.float32))
                                       .resize((size, size), Image.Resampling.BICUBIC))
                            for c in range(3)], axis=-1).clip(0, 255) / 255
        mean = np.zeros(3) if p["mean"] is None else np.array(p["mean"])
        std = np.ones(3) if p["std"] is None else np.array(p["std"])
        expected = ((resized - mean) / std).mean(axis=(0, 1))
        # float32 means of 50,176 to 89,401 values: 1e-5 relative, 1e-6 absolute
        np.testing.assert_allclose(f, expected, rtol=1e-5, atol=1e-6)


def test_bgr_value_range_and_mean_std(tmp_path, rng):
    path = mean_colour_net(tmp_path / "mean.onnx", 6)
    images = rng.integers(0, 256, size=(2, 6, 6, 3), dtype=np.uint8)
    F = OnnxFeatures(path, channels="BGR", value_range=(-1, 1), mean=(0.1, 0.2, 0.3),
                     std=0.5).fit().transform(images)
    expected = ((images[..., ::-1] / 255 * 2 - 1 - [0.1, 0.2, 0.3]) / 0.5).mean(axis=(1, 2))
    np.testing.assert_allclose(F, expected, rtol=1e-5, atol=1e-6)  # float32 sums of 36


# ------------------------------------------------------------------ errors


def test_a_network_that_does_not_fit_the_images(tmp_path, images):
    path = conv_net(tmp_path / "net32.onnx", shape=("n", 3, 32, 32))
    with pytest.raises(ValueError, match=r"input 'x' of shape \(n, 3, 32, 32\) does not fit "
                       r"the images fed, of shape \(n, 3, 299, 299\).*size=\(32, 32\)"):
        OnnxFeatures(path, "inception").fit()
    gray = save_model(tmp_path / "gray.onnx", [helper.make_node("Flatten", ["x"], ["f"])],
                      [("x", ["n", 1, 4, 4])], [("f", ["n", 16])])
    with pytest.raises(ValueError, match=r"takes 1 channel, but the images are fed with 3 "
                       r"\(channels='RGB'\)"):
        OnnxFeatures(gray, "clip", size=4).fit()
    assert OnnxFeatures(gray).fit().channels_ == "L"
    ints = save_model(tmp_path / "ints.onnx", [helper.make_node("Identity", ["x"], ["f"])],
                      [("x", ["n", 3, 4, 4])], [("f", ["n", 3, 4, 4])], in_type=TensorProto.INT32,
                      out_type=TensorProto.INT32)
    with pytest.raises(ValueError, match=r"is of type tensor\(int32\)"):
        OnnxFeatures(ints).fit()
    flat = save_model(tmp_path / "flat.onnx", [helper.make_node("Identity", ["x"], ["f"])],
                      [("x", ["n", 48])], [("f", ["n", 48])])
    with pytest.raises(ValueError, match=r"of shape \(n, 48\) has 2 axes, but images are fed "
                       r"as \(batch, channels, height, width\)"):
        OnnxFeatures(flat).fit()
    (tmp_path / "junk.onnx").write_bytes(b"not a network")
    with pytest.raises(ValueError, match="junk.onnx is not an ONNX network onnxruntime can"):
        OnnxFeatures(tmp_path / "junk.onnx").fit()
    with pytest.raises(FileNotFoundError, match="missing.onnx: no such ONNX file"):
        OnnxFeatures(tmp_path / "missing.onnx").fit()
    # a free input size, and images smaller than the 3x3 kernel: onnxruntime
    # fails, and the error names the batch's shape and the input
    free = conv_net(tmp_path / "free.onnx")
    with pytest.raises(ValueError, match=r"could not run the network on a batch of shape "
                       r"\(9, 3, 2, 2\) \(its input 'x' is \(n, 3, h, w\)\)"):
        OnnxFeatures(free).fit().transform(images[:, :2, :2])


def test_bad_parameters_and_images(tmp_path, images):
    path = conv_net(tmp_path / "net.onnx")
    for kwargs, message in [
        ({"preset": "vgg"}, "preset must be one of"),
        ({"resize": "lanczos"}, "resize must be one of"),
        ({"channels": "rgb"}, "channels must be one of"),
        ({"value_range": (1, 0)}, "value_range must be"),
        ({"layout": "CHW"}, "layout must be"),
        ({"std": (1, 0, 1)}, "std must be positive"),
        ({"mean": (1, 2)}, "mean must be one or three"),
        ({"size": (0, 3)}, "size must be"),
    ]:
        with pytest.raises(ValueError, match=message):
            OnnxFeatures(path, **kwargs).fit()
    net = OnnxFeatures(path).fit()
    with pytest.raises(ValueError, match=r"float images must be in \[0, 1\]"):
        net.transform(images * 2.0)
    with pytest.raises(ValueError, match="a 2-D array is one image or flattened images"):
        net.transform(images.reshape(9, -1))
    with pytest.raises(ValueError, match="must be uint8"):
        net.transform(images.astype(np.int64))
    with pytest.raises(ValueError, match=r"differ in size \(10x10, 12x10"):
        net.transform([images[0], images[1][:, :10]])
    with pytest.raises(ValueError, match="is a file; give a folder"):
        net.transform(path)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        OnnxFeatures(path).transform(images)


def test_images_of_several_sizes_are_resized(tmp_path, images):
    path = conv_net(tmp_path / "net.onnx")
    mixed = [images[0], images[1][:7, :9]]
    F = OnnxFeatures(path, size=(12, 10)).fit().transform(mixed)
    resized = pre.resize(images[1][:7, :9].astype(np.float32), (12, 10), "bicubic-pil")
    expected = numpy_conv_net(np.stack([images[0], resized]).transpose(0, 3, 1, 2) / 255)
    np.testing.assert_allclose(F, expected, rtol=RTOL, atol=ATOL)


def test_progress_bar_counts_every_image(tmp_path, images, monkeypatch):
    import sklearn_imd.features._onnx as module

    calls = []

    class Bar:
        def update(self, n=1):
            calls.append(n)

        def close(self):
            calls.append("closed")

    def spy(total, desc, verbose, delay=0.0):
        calls.append((total, verbose))
        return Bar()

    monkeypatch.setattr(module, "progress_bar", spy)
    path = conv_net(tmp_path / "net.onnx")
    OnnxFeatures(path, batch_size=4, progress=True).fit().transform(images)
    assert calls == [(9, 1), 4, 4, 1, "closed"]
