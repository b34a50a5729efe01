"""Tests of sklearn_imd.io.load_images, and of load_points on folders and arrays of images."""

import math
import re
import sys
import warnings

import numpy as np
import pytest

from sklearn_imd.__main__ import main
from sklearn_imd.io import load_images, load_points

Image = pytest.importorskip("PIL.Image")


def save(path, pixels, **kwargs):
    """Write ``pixels`` (uint8 or uint16 array, or bool for mode '1') as an image file."""
    Image.fromarray(pixels).save(path, **kwargs)
    return pixels


def random_pixels(rng, shape, dtype=np.uint8):
    return rng.integers(0, np.iinfo(dtype).max, size=shape, endpoint=True, dtype=dtype)


def scaled(pixels, white=255):
    """What load_images gives for these pixels: float32, divided in float32."""
    return pixels.astype(np.float32) / np.float32(white)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---------------------------------------------------------------- pixel values


def test_grayscale_png(tmp_path, rng):
    images = [save(tmp_path / f"{i}.png", random_pixels(rng, (6, 8))) for i in range(3)]
    X = load_images(tmp_path)
    assert X.dtype == np.float32 and X.shape == (3, 6 * 8)
    np.testing.assert_array_equal(X, scaled(np.stack(images)).reshape(3, -1))
    assert X.min() >= 0 and X.max() <= 1


def test_rgb_png(tmp_path, rng):
    images = [save(tmp_path / f"{i}.png", random_pixels(rng, (6, 8, 3))) for i in range(3)]
    X = load_images(tmp_path, flatten=False)
    assert X.dtype == np.float32 and X.shape == (3, 6, 8, 3)
    np.testing.assert_array_equal(X, scaled(np.stack(images)))


@pytest.mark.parametrize("mode", ["1", "LA"])
def test_other_grayscale_modes(tmp_path, rng, mode):
    gray = random_pixels(rng, (5, 7))
    if mode == "1":
        pixels, expected = gray > 127, np.where(gray > 127, 1.0, 0.0)
    else:  # the alpha channel is dropped
        pixels, expected = np.dstack([gray, random_pixels(rng, (5, 7))]), scaled(gray)
    save(tmp_path / "a.png", pixels)
    with Image.open(tmp_path / "a.png") as img:
        assert img.mode == mode
    np.testing.assert_array_equal(load_images(tmp_path, flatten=False)[0], expected)


def test_sixteen_bit_png_is_scaled_by_65535(tmp_path, rng):
    pixels = save(tmp_path / "a.png", random_pixels(rng, (6, 8), np.uint16))
    with Image.open(tmp_path / "a.png") as img:
        assert img.mode in ("I;16", "I")  # 'I;16' since Pillow 10
    X = load_images(tmp_path, flatten=False)
    np.testing.assert_array_equal(X[0], scaled(pixels, 65535))


def test_jpeg(tmp_path):
    y, x = np.mgrid[0:16, 0:16]
    gray = (8 * x + 4 * y).astype(np.uint8)
    rgb = np.dstack([gray, 255 - gray, np.full_like(gray, 100)])
    save(tmp_path / "a.jpg", gray, quality=100)
    save(tmp_path / "b.jpeg", rgb, quality=100, subsampling=0)
    X = load_images(tmp_path, flatten=False)
    assert X.shape == (2, 16, 16, 3)
    np.testing.assert_allclose(X[0], scaled(np.dstack([gray] * 3)), atol=0.03)
    np.testing.assert_allclose(X[1], scaled(rgb), atol=0.03)


def test_gray_and_rgb_become_rgb(tmp_path, rng):
    gray = save(tmp_path / "a.png", random_pixels(rng, (4, 5)))
    rgb = save(tmp_path / "b.png", random_pixels(rng, (4, 5, 3)))
    deep = save(tmp_path / "c.png", random_pixels(rng, (4, 5), np.uint16))
    X = load_images(tmp_path, flatten=False)
    assert X.shape == (3, 4, 5, 3)
    np.testing.assert_array_equal(X[0], scaled(np.dstack([gray] * 3)))
    np.testing.assert_array_equal(X[1], scaled(rgb))
    # 16-bit grayscale is scaled, not clipped at 255 as Pillow's convert("RGB") does
    np.testing.assert_array_equal(X[2], scaled(np.dstack([deep] * 3), 65535))


def test_rgba_drops_alpha(tmp_path, rng):
    rgba = save(tmp_path / "a.png", random_pixels(rng, (4, 5, 4)))
    np.testing.assert_array_equal(load_images(tmp_path, flatten=False)[0], scaled(rgba[..., :3]))


def test_palette_with_transparency(tmp_path, rng):
    palette = random_pixels(rng, (256, 3))
    index = random_pixels(rng, (4, 5))
    img = Image.fromarray(index).convert("P")  # a palette image of the same indices
    img.putpalette(palette.ravel().tolist())
    img.info["transparency"] = bytes(range(256))
    img.save(tmp_path / "a.png")
    with Image.open(tmp_path / "a.png") as img:
        assert img.mode == "P"
        index = np.asarray(img)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X = load_images(tmp_path, flatten=False)
    np.testing.assert_array_equal(X[0], scaled(palette[index]))


def test_flattened_is_the_reshaped_array(tmp_path, rng):
    for i in range(2):
        save(tmp_path / f"{i}.png", random_pixels(rng, (3, 4, 3)))
    images = load_images(tmp_path, flatten=False)
    X = load_images(tmp_path)
    assert X.shape == (2, 36) and X.flags.c_contiguous
    np.testing.assert_array_equal(X, images.reshape(2, -1))


# ------------------------------------------------------------------- the files


def test_sorted_order_and_extensions_in_any_case(tmp_path):
    names = ["b.png", "a.png", "D.PNG", "c.JPG", "e.JpEg", "img10.png", "img2.png"]
    for value, name in enumerate(names):
        save(tmp_path / name, np.full((4, 4), 10 * value, dtype=np.uint8),
             **({"quality": 100} if name[-3:].lower() != "png" else {}))
    X = load_images(tmp_path)
    order = [names.index(name) for name in sorted(names)]
    np.testing.assert_allclose(X[:, 0], [10 * v / 255 for v in order], atol=0.01)


def test_other_files_are_ignored(tmp_path, rng):
    pixels = save(tmp_path / "a.png", random_pixels(rng, (4, 4)))
    save(tmp_path / ".hidden.png", random_pixels(rng, (9, 9, 3)))
    save(tmp_path / "b.gif", random_pixels(rng, (4, 4)))
    (tmp_path / "notes.txt").write_text("not an image")
    np.save(tmp_path / "c.npy", np.zeros((4, 4)))
    (tmp_path / "sub.png").mkdir()
    save(tmp_path / "sub.png" / "d.png", random_pixels(rng, (4, 4)))
    with pytest.warns(UserWarning, match=r"skipped the subfolders sub.png/, which hold"):
        X = load_images(tmp_path)
    np.testing.assert_array_equal(X, scaled(pixels).reshape(1, -1))


# The extensions pytorch-fid reads, each written by Pillow in its format.
FORMATS = {".bmp": {}, ".pgm": {}, ".ppm": {}, ".png": {}, ".tif": {}, ".tiff": {},
           ".webp": {"lossless": True}, ".jpg": {"quality": 95}, ".jpeg": {"quality": 95}}


def test_every_extension_pytorch_fid_reads(tmp_path, rng):
    from PIL import features

    pixels = {}
    for i, (ext, options) in enumerate(FORMATS.items()):
        if ext == ".webp" and not features.check("webp"):
            continue  # a Pillow built without WebP
        gray = ext == ".pgm"  # PGM is grayscale, PPM colour
        image = random_pixels(rng, (5, 4) if gray else (5, 4, 3))
        name = f"{i}{ext.upper() if i % 2 else ext}"  # the extension in any case
        save(tmp_path / name, image, **options)
        with Image.open(tmp_path / name) as img:  # lossy formats: what Pillow decodes
            decoded = np.asarray(img.convert("RGB"))
        if ext not in (".jpg", ".jpeg"):
            np.testing.assert_array_equal(decoded, np.asarray(
                Image.fromarray(image).convert("RGB")))  # lossless
        pixels[name] = decoded
    X = load_images(tmp_path, flatten=False)
    names = sorted(pixels)
    assert X.shape == (len(names), 5, 4, 3)
    for row, name in zip(X, names):
        np.testing.assert_array_equal(row, scaled(pixels[name]), err_msg=name)


def test_subfolders_are_skipped_with_a_warning_or_read_recursively(tmp_path, rng):
    top = save(tmp_path / "top.png", random_pixels(rng, (4, 4)))
    (tmp_path / "cat").mkdir()
    cat = save(tmp_path / "cat" / "a.png", random_pixels(rng, (4, 4)))
    (tmp_path / "dog" / "small").mkdir(parents=True)
    dog = save(tmp_path / "dog" / "small" / "b.jpg", random_pixels(rng, (4, 4)), quality=100)
    (tmp_path / "empty").mkdir()
    (tmp_path / ".hidden").mkdir()
    save(tmp_path / ".hidden" / "c.png", random_pixels(rng, (4, 4)))
    with pytest.warns(UserWarning, match=r"skipped the subfolders cat/, dog/, which hold "
                      r"images \(class folders\?\).*recursive=True \(--recursive"):
        X = load_images(tmp_path)
    np.testing.assert_array_equal(X, scaled(top).reshape(1, -1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X = load_images(tmp_path, recursive=True)
    # sorted by path: cat/a.png, dog/small/b.jpg, top.png; hidden folders skipped
    assert X.shape == (3, 16)
    np.testing.assert_array_equal(X[0], scaled(cat).ravel())
    with Image.open(tmp_path / "dog" / "small" / "b.jpg") as img:
        np.testing.assert_array_equal(X[1], scaled(np.asarray(img)).ravel())
    assert np.abs(X[1] * 255 - dog.ravel()).max() < 8  # JPEG at quality 100
    np.testing.assert_array_equal(X[2], scaled(top).ravel())
    # only class folders: the error says so
    (tmp_path / "top.png").unlink()
    with pytest.raises(ValueError, match=r"holds no images \(files ending in .bmp, .jpg.*"
                       r"its subfolders cat/, dog/ do: pass recursive=True"):
        load_images(tmp_path)


def test_images_of_different_sizes(tmp_path):
    save(tmp_path / "a.png", np.zeros((6, 8), dtype=np.uint8))
    save(tmp_path / "b.png", np.zeros((6, 8), dtype=np.uint8))
    save(tmp_path / "c.png", np.zeros((8, 16), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"a.png is 8x6 but c.png is 16x8 \(width x height\); "
                                         r"pass size=\(width, height\)"):
        load_images(tmp_path)


def test_size_resizes_with_bicubic(tmp_path, rng):
    small = save(tmp_path / "a.png", random_pixels(rng, (6, 8)))
    save(tmp_path / "b.png", np.full((12, 10), 200, dtype=np.uint8))
    save(tmp_path / "c.png", np.full((3, 3), 40000, dtype=np.uint16))
    X = load_images(tmp_path, size=(5, 4), flatten=False)
    assert X.shape == (3, 4, 5)
    resized = np.asarray(Image.fromarray(small).resize((5, 4), Image.Resampling.BICUBIC))
    np.testing.assert_array_equal(X[0], scaled(resized))
    np.testing.assert_array_equal(X[1], np.float32(200) / np.float32(255))
    np.testing.assert_allclose(X[2], 40000 / 65535, rtol=1e-6)
    assert load_images(tmp_path, size=[5, 4]).shape == (3, 20)


@pytest.mark.parametrize("size", [(5,), (5, 0), (5.0, 4), "ab", 5, (True, 4)])
def test_invalid_size(tmp_path, size):
    save(tmp_path / "a.png", np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"size must be \(width, height\), two positive"):
        load_images(tmp_path, size=size)


def test_folder_without_images(tmp_path):
    with pytest.raises(ValueError, match="holds no images"):
        load_images(tmp_path)
    (tmp_path / "a.txt").write_text("1,2\n")
    (tmp_path / ".b.png").write_bytes(b"")
    with pytest.raises(ValueError, match="holds no images"):
        load_images(tmp_path)


def test_text_file_named_png(tmp_path):
    save(tmp_path / "a.png", np.zeros((4, 4), dtype=np.uint8))
    (tmp_path / "x.png").write_text("not an image\n")
    with pytest.raises(ValueError, match=r"x.png is not a readable image "
                                         r"\(cannot identify image file"):
        load_images(tmp_path)


def test_truncated_png(tmp_path, rng):
    save(tmp_path / "a.png", random_pixels(rng, (32, 32)))
    data = (tmp_path / "a.png").read_bytes()
    (tmp_path / "b.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"b.png is not a readable image "
                                         r"\(.*truncated"):
        load_images(tmp_path)


def test_missing_folder_and_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing: no such folder"):
        load_images(tmp_path / "missing")
    path = tmp_path / "a.png"
    save(path, np.zeros((4, 4), dtype=np.uint8))
    with pytest.raises(NotADirectoryError, match="a.png is not a folder.*load_points"):
        load_images(path)


def test_pillow_missing(tmp_path, monkeypatch):
    save(tmp_path / "a.png", np.zeros((4, 4), dtype=np.uint8))
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r'pip install "sklearn-imd\[images\]"'):
        load_images(tmp_path)
    with pytest.raises(ImportError, match=r'pip install "sklearn-imd\[images\]"'):
        load_points(tmp_path)


# ------------------------------------------------------------------ load_points


def test_load_points_reads_a_folder_with_load_images(tmp_path, rng):
    for i in range(3):
        save(tmp_path / f"{i}.png", random_pixels(rng, (4, 5, 3)))
    X = load_points(tmp_path)
    assert X.dtype == np.float32
    np.testing.assert_array_equal(X, load_images(tmp_path))
    with pytest.raises(ValueError, match="key applies only to .npz files.*folder of images"):
        load_points(tmp_path, key="x")


@pytest.mark.parametrize("shape", [(10, 8, 8), (10, 4, 5, 3), (1, 2, 2, 1)])
@pytest.mark.parametrize("ext", [".npy", ".npz"])
def test_arrays_of_images_are_flattened(tmp_path, rng, shape, ext):
    images = rng.normal(size=shape)
    path = tmp_path / f"a{ext}"
    (np.save if ext == ".npy" else np.savez)(path, np.asfortranarray(images))
    flat = (shape[0], math.prod(shape[1:]))
    held = "a.npy holds" if ext == ".npy" else "a.npz, array 'arr_0', holds"
    message = rf"{held} an array of shape {re.escape(str(shape))}: read as {shape[0]} image"
    with pytest.warns(UserWarning, match=message) as record:
        X = load_points(path)
    assert f"flattened to {flat}." in str(record[0].message)
    assert record[0].filename == __file__  # the warning points at the caller
    assert X.dtype == np.float64 and X.shape == flat and X.flags.c_contiguous
    np.testing.assert_array_equal(X, images.reshape(flat))


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_arrays_of_images_keep_the_dtype_rules(tmp_path, rng, dtype):
    np.save(tmp_path / "a.npy", random_pixels(rng, (5, 4, 4)).astype(dtype))
    with pytest.warns(UserWarning, match="flattened to"):
        X = load_points(tmp_path / "a.npy")
    assert X.dtype == (np.float32 if dtype == np.float32 else np.float64)


@pytest.mark.parametrize("shape, fragments", [
    ((50,), ["1-D", "reshape(-1, 1)"]),
    ((2, 3, 4, 5, 6), ["5-D", "X.reshape(len(X), -1)"]),
    ((), ["0-D"]),
])
def test_arrays_of_other_dimensions_are_refused(tmp_path, shape, fragments):
    np.save(tmp_path / "a.npy", np.zeros(shape))
    with pytest.raises(ValueError) as info:
        load_points(tmp_path / "a.npy")
    for fragment in fragments:
        assert fragment in str(info.value)


# ----------------------------------------------------------------- command line


def test_cli_scores_two_folders(capsys, tmp_path, rng):
    folders = [tmp_path / "real", tmp_path / "fake"]
    for folder, high in zip(folders, [255, 128]):
        folder.mkdir()
        for i in range(40):
            save(folder / f"{i:02d}.png", rng.integers(0, high, (8, 8), dtype=np.uint8))
    rc = main(["score", *map(str, folders), "--seed", "0"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert err == (f"sklearn-imd: note: {folders[0]}, {folders[1]}: image folders read as raw "
                   "pixels; for a network's features, compute them first "
                   "(sklearn_imd.features.OnnxFeatures, or 'compare --features NET.onnx').\n")
    assert math.isfinite(float(out)) and float(out) >= 0


# ------------------------------------------------------------- memory limit


def test_inputs_beyond_the_memory_limit_are_refused_before_reading(tmp_path, rng, monkeypatch,
                                                                   capsys):
    """A folder of images, a compressed .npz and a .npy that would decode to more
    than the limit are refused up front, naming the file and the size; the CLI
    says so in one line."""
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(4):  # 4 x 64 x 64 RGB: 196,608 bytes in float32
        save(folder / f"{i}.png", random_pixels(rng, (64, 64, 3)))
    np.savez_compressed(tmp_path / "zeros.npz", X=np.zeros((20_000, 4)))  # 640,000 bytes
    np.save(tmp_path / "zeros.npy", np.zeros((20_000, 4)))
    monkeypatch.setenv("SKLEARN_IMD_MEMORY_LIMIT", "100K")
    with pytest.raises(MemoryError, match=r"images \(4 images of 64x64\) would take 192.0 KiB"):
        load_images(folder)
    for name in ("zeros.npz", "zeros.npy"):
        with pytest.raises(MemoryError, match=rf"{name}.* would take 625.0 KiB .* limit of "
                                              r"100.0 KiB"):
            load_points(tmp_path / name)
    assert main(["score", str(tmp_path / "zeros.npz"), str(tmp_path / "zeros.npy")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SKLEARN_IMD_MEMORY_LIMIT" in err
    monkeypatch.setenv("SKLEARN_IMD_MEMORY_LIMIT", "1M")  # raised: read as usual
    assert load_images(folder).shape == (4, 64 * 64 * 3)
    assert load_points(tmp_path / "zeros.npz").shape == (20_000, 4)
