"""``sklearn-imd stats`` and ``compare`` on image folders: through a network
(--features, --preset), or as raw pixels labelled so; --size and --recursive."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("pandas")
Image = pytest.importorskip("PIL.Image")

from sklearn_imd import ReferenceStats, compare  # noqa: E402
from sklearn_imd.__main__ import main  # noqa: E402
from sklearn_imd.features import OnnxFeatures  # noqa: E402
from sklearn_imd.io import load_images  # noqa: E402

FAST = ["--nv", "10", "--seed", "0"]
METRICS = "imd,fid,kid,precision,coverage"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "make_onnx_network.py"


def run(capsys, argv):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def assert_error(capsys, argv, *fragments):
    rc, out, err = run(capsys, argv)
    assert rc == 2, (out, err)
    assert err.startswith("sklearn-imd: error: ")
    for fragment in fragments:
        assert fragment in " ".join(err.split()), err


def write_images(folder, n, seed, shape=(20, 24, 3)):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, size=shape)
    for i in range(n):  # noisy copies of one image, so that the features vary little
        noise = rng.integers(-40, 41, size=shape)
        Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8)).save(
            folder / f"img_{i:03d}.png")
    return str(folder)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """Two folders of images and the example's network (made by its script)."""
    tmp = tmp_path_factory.mktemp("features")
    spec = importlib.util.spec_from_file_location("make_onnx_network", EXAMPLE)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    net = str(tmp / "net.onnx")
    script.main([net])
    real = write_images(tmp / "real", 40, 0)
    fake = write_images(tmp / "fake", 30, 1)
    return tmp, net, real, fake


def test_the_example_network(setup):
    _, net, real, _ = setup
    model = OnnxFeatures(net).fit()
    assert model.size_ == (64, 64) and model.n_features_out_ == 64
    assert model.transform(real).shape == (40, 64)


def test_stats_and_compare_with_features_equal_python(capsys, setup):
    tmp, net, real, fake = setup
    stats_file = str(tmp / "real_net.npz")
    rc, out, err = run(capsys, ["stats", real, "-o", stats_file, "--features", net] + FAST)
    assert rc == 0, err
    assert out.startswith(f"wrote {stats_file}: 40 samples x 64 features (net); ")
    assert "raw pixels" not in err
    rc, out, err = run(capsys, ["compare", stats_file, fake, "--features", net, "--metrics",
                                METRICS, "--json"] + FAST)
    assert rc == 0, err
    cli = json.loads(out)[fake]
    # the same in Python: features, statistics, compare
    model = OnnxFeatures(net).fit()
    X, Y = model.transform(real), model.transform(fake)
    stats = ReferenceStats.from_samples(X, imd_params={"nv": 10}, random_state=0,
                                        feature_space="net")
    saved = ReferenceStats.load(stats_file)
    assert saved.feature_space == "net"
    np.testing.assert_array_equal(saved.features, stats.features)
    table = compare(stats, {fake: Y}, metrics=METRICS, imd_params={"nv": 10},
                    random_state=0, feature_space="net")
    assert list(cli) == list(table.columns) == ["imd_net", "fd_net", "kd_net",
                                                "precision_net", "coverage_net"]
    # the same features and the same code: equal but for the last bits of sums
    assert list(cli.values()) == pytest.approx(list(table.loc[fake]), rel=1e-10, abs=1e-12)
    # a folder as REF, through the network too
    rc, out, err = run(capsys, ["compare", real, fake, "--features", net, "--metrics",
                                "fid", "--json"] + FAST)
    assert rc == 0, err
    assert json.loads(out)[fake]["fd_net"] == pytest.approx(cli["fd_net"], rel=1e-10)


def test_feature_spaces_that_differ_are_refused(capsys, setup):
    tmp, net, real, fake = setup
    stats_file = str(tmp / "real_net2.npz")
    assert run(capsys, ["stats", real, "-o", stats_file, "--features", net] + FAST)[0] == 0
    assert_error(capsys, ["compare", stats_file, fake] + FAST,
                 "holds statistics of 'net' features, and the samples are 'pixels' features "
                 "(raw pixels of image folders, without --features)")
    assert_error(capsys, ["compare", stats_file, fake, "--features", net, "--preset", "clip",
                          "--size", "64"] + FAST,
                 "holds statistics of 'net' features, and the samples are 'clip' features "
                 f"(features of {net})")
    # a preset whose size is not the network's: both shapes named
    assert_error(capsys, ["stats", real, "-o", str(tmp / "x.npz"), "--features", net,
                          "--preset", "inception"],
                 "input 'images' of shape (batch, 3, 64, 64) does not fit the images fed, "
                 "of shape (n, 3, 299, 299)")
    # another resize is another feature space
    assert_error(capsys, ["compare", stats_file, fake, "--features", net, "--resize",
                          "bilinear-torch"] + FAST,
                 "holds statistics of 'net' features, and the samples are "
                 "'net-bilinear-torch' features")
    # a network named like a preset, without its preprocessing
    import shutil

    dinov2 = shutil.copy(net, tmp / "dinov2.onnx")
    assert_error(capsys, ["stats", real, "-o", str(tmp / "y.npz"), "--features", str(dinov2)],
                 "is named like the preset 'dinov2', but --preset is not given")
    # pixel statistics against network features
    pixels = str(tmp / "real_pixels.npz")
    assert run(capsys, ["stats", real, "-o", pixels] + FAST)[0] == 0
    assert_error(capsys, ["compare", pixels, fake, "--features", net] + FAST,
                 "holds statistics of 'pixels' features, and the samples are 'net' features")


def test_raw_pixels_are_labelled(capsys, tmp_path):
    real = write_images(tmp_path / "real", 40, 0, shape=(4, 5, 3))
    fake = write_images(tmp_path / "fake", 30, 1, shape=(4, 5, 3))
    stats_file = str(tmp_path / "pixels.npz")
    rc, out, err = run(capsys, ["stats", real, "-o", stats_file] + FAST)
    assert rc == 0, err
    assert out.startswith(f"wrote {stats_file}: 40 samples x 60 features (pixels); ")
    assert "image folders read as raw pixels" in err and "not Inception FID" in err
    assert ReferenceStats.load(stats_file).feature_space == "pixels"
    rc, out, err = run(capsys, ["compare", stats_file, fake, "--metrics", "fid,kid"] + FAST)
    assert rc == 0, err
    assert out.split("\n")[0].split() == ["generated", "fd_pixels", "kd_pixels"]
    assert "not Inception FID" in err
    # an explicit --feature-space wins (the user says what the pixels are)
    rc, out, err = run(capsys, ["compare", real, fake, "--metrics", "fid", "--json",
                                "--feature-space", "inception"] + FAST)
    assert rc == 0, err
    assert list(json.loads(out)[fake]) == ["fid"]


def test_size_and_recursive(capsys, tmp_path):
    real = write_images(tmp_path / "real", 40, 0, shape=(3, 4, 3))
    write_images(tmp_path / "fake" / "big", 20, 1, shape=(6, 8, 3))
    write_images(tmp_path / "fake" / "small", 20, 2, shape=(3, 4, 3))
    fake = str(tmp_path / "fake")
    assert_error(capsys, ["compare", real, fake] + FAST,
                 "its subfolders big/, small/ do: pass recursive=True (--recursive")
    assert_error(capsys, ["compare", real, fake, "--recursive"] + FAST,
                 "images of different sizes", "--size WxH")
    rc, out, err = run(capsys, ["compare", real, fake, "--recursive", "--size", "4x3",
                                "--metrics", "fid", "--json"] + FAST)
    assert rc == 0, err
    from sklearn_imd import fid_score

    Y = load_images(fake, size=(4, 3), recursive=True)
    assert Y.shape == (40, 36)
    assert json.loads(out)[fake]["fd_pixels"] == pytest.approx(
        fid_score(load_images(real), Y), rel=1e-9)
    for bad in ("6x", "x5", "0x5", "6x5x2", "six"):
        assert_error(capsys, ["compare", real, fake, "--size", bad], "--size must be WxH")
    assert_error(capsys, ["compare", real, fake, "--size", "3"] + FAST,
                 "pass recursive=True")  # a square: parsed, then the folder's error


def test_feature_options_need_their_inputs(capsys, setup, tmp_path):
    _, net, real, fake = setup
    points = tmp_path / "points.npy"
    np.save(points, np.zeros((10, 3)))
    assert_error(capsys, ["compare", str(points), str(points), "--features", net],
                 "--features applies to image folders, and no input is one")
    assert_error(capsys, ["compare", str(points), str(points), "--size", "4x4"],
                 "--size applies to image folders, and no input is one")
    assert_error(capsys, ["stats", str(points), "-o", str(tmp_path / "s.npz"), "--recursive"],
                 "--recursive applies to image folders")
    assert_error(capsys, ["stats", real, "-o", str(tmp_path / "s.npz"), "--features", net,
                          "--batch-size", "0"], "batch_size must be >= 1")
    assert_error(capsys, ["compare", real, fake, "--preset", "inception"],
                 "--preset applies only with --features")
    assert_error(capsys, ["stats", real, "-o", str(tmp_path / "s.npz"), "--batch-size", "4"],
                 "--batch-size applies only with --features")
    assert_error(capsys, ["stats", real, "-o", str(tmp_path / "s.npz"), "--features",
                          str(tmp_path / "missing.onnx")], "missing.onnx: no such ONNX file")
