"""Tests of ``sklearn-imd compare`` and ``sklearn-imd stats``."""

import json

import numpy as np
import pytest

from sklearn_imd import fid_score, imd_score, kid_score, prdc_score, vendi_score
from sklearn_imd.__main__ import main

FAST = ["--nv", "10", "--seed", "0"]
ALL = ["imd", "imd_excess", "fid", "kid", "precision", "recall", "density", "coverage",
       "vendi"]


@pytest.fixture
def samples():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(300, 4)), rng.normal(size=(250, 4)),
            1.5 * rng.normal(size=(260, 4)))


@pytest.fixture
def files(tmp_path, samples):
    paths = []
    for name, X in zip(("ref", "gen_a", "gen_b"), samples):
        path = tmp_path / f"{name}.npy"
        np.save(path, X)
        paths.append(str(path))
    return paths


def run(capsys, argv):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def run_json(capsys, argv):
    rc, out, err = run(capsys, argv + ["--json"])
    assert rc == 0, err
    return json.loads(out)


def assert_error(capsys, argv, *fragments):
    rc, out, err = run(capsys, argv)
    assert rc == 2, (out, err)
    assert out == ""
    assert err.startswith("sklearn-imd: error: ")
    for fragment in fragments:
        assert fragment in err, err


def test_json_holds_every_metric_with_the_standalone_values(capsys, files, samples):
    ref, gen_a, gen_b = files
    result = run_json(capsys, ["compare", ref, gen_a, gen_b, "--sample-size", "all"] + FAST)
    assert list(result) == [gen_a, gen_b]
    for path, Y in zip((gen_a, gen_b), samples[1:]):
        row = result[path]
        assert list(row) == ALL
        X = samples[0]
        assert row["imd"] == pytest.approx(imd_score(X, Y, nv=10, random_state=0), rel=1e-12)
        assert row["fid"] == pytest.approx(fid_score(X, Y), rel=1e-9)
        assert row["kid"] == pytest.approx(kid_score(X, Y, random_state=0), rel=1e-12)
        prdc = prdc_score(X, Y).as_dict()
        assert {m: row[m] for m in prdc} == prdc
        assert row["vendi"] == pytest.approx(vendi_score(Y), rel=1e-12)


def test_table_has_a_row_per_generated_sample(capsys, files):
    rc, out, err = run(capsys, ["compare", *files] + FAST + ["--metrics", "fid, recall"])
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["generated", "fid", "recall"]
    assert [line.split()[0] for line in lines[2:]] == files[1:]


def test_stats_file_gives_the_same_numbers(capsys, tmp_path, files):
    ref, gen_a, gen_b = files
    stats = str(tmp_path / "ref_stats.npz")
    rc, out, err = run(capsys, ["stats", ref, "-o", stats] + FAST)
    assert rc == 0, err
    assert out.startswith(f"wrote {stats}: 300 samples x 4 features")
    direct = run_json(capsys, ["compare", ref, gen_a, gen_b] + FAST)
    saved = run_json(capsys, ["compare", stats, gen_a, gen_b] + FAST)
    assert saved.keys() == direct.keys()
    for path in direct:
        for metric, value in direct[path].items():
            assert saved[path][metric] == pytest.approx(value, rel=1e-9, abs=1e-12), metric


def test_stats_without_features(capsys, tmp_path, files):
    ref, gen_a, _ = files
    stats = str(tmp_path / "small.npz")
    assert run(capsys, ["stats", ref, "-o", stats, "--no-features"] + FAST)[0] == 0
    result = run_json(capsys, ["compare", stats, gen_a] + FAST)
    assert list(result[gen_a]) == ["imd", "fid", "vendi"]
    assert_error(capsys, ["compare", stats, gen_a, "--metrics", "kid"] + FAST,
                 "'kid' cannot be computed", "no features")
    assert_error(capsys, ["compare", stats, gen_a, "--ci"] + FAST, "no features")


def test_pytorch_fid_statistics_give_fid(capsys, tmp_path, files, samples):
    X = samples[0]
    path = tmp_path / "fid_stats.npz"
    np.savez(path, mu=X.mean(axis=0), sigma=np.cov(X, rowvar=False))
    result = run_json(capsys, ["compare", str(path), files[1], "--metrics", "fid"])
    assert result[files[1]]["fid"] == pytest.approx(fid_score(X, samples[1]), rel=1e-9)


def test_ci_adds_bounds(capsys, files):
    result = run_json(capsys, ["compare", *files[:2], "--ci", "--n-resamples", "4",
                               "--metrics", "fid,coverage"] + FAST)
    row = result[files[1]]
    assert list(row) == ["fid", "fid_low", "fid_high", "coverage", "coverage_low",
                         "coverage_high"]
    for m in ("fid", "coverage"):
        assert row[f"{m}_low"] <= row[m] <= row[f"{m}_high"]


def test_other_dimension_gets_imd_and_vendi(capsys, tmp_path, files):
    other = tmp_path / "other.npy"
    np.save(other, np.random.default_rng(1).normal(size=(200, 7)))
    result = run_json(capsys, ["compare", files[0], str(other)] + FAST)
    assert list(result[str(other)]) == ["imd", "vendi"]
    assert_error(capsys, ["compare", files[0], str(other), "--metrics", "fid"] + FAST,
                 "no sample has the reference's number of features")
    # beside a sample of the reference's dimension: empty cells (null), not a lost column
    result = run_json(capsys, ["compare", files[0], files[1], str(other)] + FAST)
    assert result[str(other)]["fid"] is None and result[str(other)]["imd"] > 0
    assert result[files[1]]["fid"] >= 0


def _write_images(folder, n, size, seed, mode="L"):
    from PIL import Image

    folder.mkdir()
    rng = np.random.default_rng(seed)
    shape = (size[1], size[0]) if mode == "L" else (size[1], size[0], 3)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, size=shape, dtype=np.uint8), mode).save(
            folder / f"img_{i:03d}.png")


def test_image_folders(capsys, tmp_path):
    pytest.importorskip("PIL")
    from sklearn_imd.io import load_images

    _write_images(tmp_path / "real", 60, (6, 5), 0)
    _write_images(tmp_path / "fake", 50, (6, 5), 1)
    real, fake = str(tmp_path / "real"), str(tmp_path / "fake")
    rc, out, err = run(capsys, ["compare", real, fake, "--metrics", "fid,precision", "--json"]
                       + FAST)
    assert rc == 0, err
    result = json.loads(out)
    X, Y = load_images(real), load_images(fake)
    assert X.shape == (60, 30)
    # raw pixels, labelled so: not Inception FID
    assert list(result[fake]) == ["fd_pixels", "precision_pixels"]
    assert result[fake]["fd_pixels"] == pytest.approx(fid_score(X, Y), rel=1e-9)
    assert result[fake]["precision_pixels"] == prdc_score(X, Y).precision
    assert "read as raw pixels (feature space 'pixels'" in err
    assert "These are not Inception FID; give --features NET.onnx" in err


def test_bad_image_folders(capsys, tmp_path, files):
    pytest.importorskip("PIL")
    _write_images(tmp_path / "mixed", 3, (6, 5), 0)
    _write_images(tmp_path / "big", 1, (8, 8), 0)
    (tmp_path / "big" / "img_000.png").rename(tmp_path / "mixed" / "zz.png")
    assert_error(capsys, ["compare", files[0], str(tmp_path / "mixed")],
                 "images of different sizes", "zz.png", "8x8", "6x5")
    (tmp_path / "empty").mkdir()
    assert_error(capsys, ["compare", files[0], str(tmp_path / "empty")],
                 "holds no images")
    _write_images(tmp_path / "broken", 3, (6, 5), 0)
    (tmp_path / "broken" / "img_001.png").write_text("not an image")
    assert_error(capsys, ["compare", str(tmp_path / "broken"), files[1]],
                 "img_001.png", "not a readable image")


def test_bad_arguments(capsys, tmp_path, files):
    ref, gen_a, _ = files
    assert_error(capsys, ["compare", ref, gen_a, "--metrics", "imd,fdi"], "Unknown metric 'fdi'")
    assert_error(capsys, ["compare", ref, gen_a, gen_a], "given twice")
    assert_error(capsys, ["compare", ref, gen_a, "--key", "x"], "--key applies only to .npz")
    assert_error(capsys, ["stats", ref, "-o", str(tmp_path / "s.npz"), "--key", "x"],
                 "--key applies only to .npz")
    assert_error(capsys, ["compare", ref, gen_a, "--ci-level", "0.9"], "only with --ci")
    assert_error(capsys, ["compare", ref, gen_a, "--ci", "--n-resamples", "1"],
                 "n_resamples must be >= 2")
    assert_error(capsys, ["compare", ref, str(tmp_path / "missing.npy")], "missing.npy")
    assert_error(capsys, ["stats", ref, "-o", str(tmp_path / "out.txt")], "must end in .npz")
    not_stats = tmp_path / "plain.npz"
    np.savez(not_stats, x=np.zeros((3, 2)))
    # an archive without mu and sigma is read as a sample: too few points here
    assert_error(capsys, ["compare", str(not_stats), gen_a], "plain.npz")


def test_progress_only_when_asked_or_on_a_terminal(capsys, files):
    rc, out, err = run(capsys, ["compare", *files[:2], "--metrics", "fid"])
    assert rc == 0 and err == ""  # stderr is not a terminal under pytest
    rc, out, err = run(capsys, ["compare", *files[:2], "--metrics", "fid", "--progress"])
    assert rc == 0 and "compare" in err


def test_samples_are_scored_at_one_size_and_ranked(capsys, files, samples):
    """By default the larger GEN is subsampled to the smaller's size (a note
    says so); --rank adds each metric's ranking and each pair's difference."""
    from sklearn_imd import rank_models

    ref, gen_a, gen_b = files
    rc, out, err = run(capsys, ["compare", ref, gen_a, gen_b, "--metrics", "fid,coverage",
                                "--rank", "--n-resamples", "4", "--seed", "1"])
    assert rc == 0, err
    assert "each is scored on a seeded subsample of 250 points" in err
    assert "--sample-size all scores them as given" in err  # the CLI's option, not Python's
    assert "after Holm's adjustment" in err
    lines = out.splitlines()
    assert lines[0].split() == ["generated", "fid", "coverage"]
    expected = rank_models(samples[0], {gen_a: samples[1], gen_b: samples[2]},
                           metrics="fid,coverage", n_resamples=4, random_state=1)
    rank_line = next(line for line in lines if line.startswith("fid "))
    assert rank_line.split()[-4:] == [f"{expected.ranks[0, expected.names.index(n)]:.0f}."
                                      if i % 2 == 0 else n
                                      for n in expected.order("fid") for i in (0, 1)]
    pair = next(line for line in lines if line.split()[:3] == ["fid", gen_a, gen_b])
    assert f"{expected.pvalues_adjusted[0, 0, 1]:.3g}" in pair
    result = run_json(capsys, ["compare", ref, gen_a, gen_b, "--metrics", "fid", "--rank",
                               "--n-resamples", "4", "--seed", "1"])
    assert result["ranking"]["fid"]["pairs"][0]["pvalue_adjusted"] == pytest.approx(
        expected.pvalues_adjusted[0, 0, 1], rel=1e-12)
    assert_error(capsys, ["compare", ref, gen_a, "--rank"], "two GEN or more")
    assert_error(capsys, ["compare", ref, gen_a, gen_b, "--alpha", "0.1"],
                 "--alpha applies only with --rank")
    assert_error(capsys, ["compare", ref, gen_a, gen_b, "--sample-size", "big"],
                 "--sample-size must be min, all or an integer")
    assert_error(capsys, ["compare", ref, gen_a, gen_b, "--sample-size", "255"],
                 "--sample-size=255, but ", "has fewer points")


def test_train_flags_a_copier(capsys, tmp_path):
    rng = np.random.default_rng(7)
    arrays = {"train": rng.normal(size=(600, 3)), "ref": rng.normal(size=(300, 3)),
              "fresh": rng.normal(size=(200, 3))}
    arrays["copier"] = arrays["train"][:200] + 0.01 * rng.normal(size=(200, 3))
    paths = {}
    for name, X in arrays.items():
        paths[name] = str(tmp_path / f"{name}.npy")
        np.save(paths[name], X)
    result = run_json(capsys, ["compare", paths["ref"], paths["fresh"], paths["copier"],
                               "--train", paths["train"], "--metrics", "ct,authenticity",
                               "--seed", "0"])
    rows = result["rows"] if "rows" in result else result
    text = json.dumps(rows)
    assert "ct" in text and "authenticity" in text
    rc, out, err = run(capsys, ["compare", paths["ref"], paths["fresh"], paths["copier"],
                                "--train", paths["train"], "--metrics", "ct,authenticity",
                                "--seed", "0"])
    assert rc == 0, err
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:] if line}
    assert float(lines[paths["copier"]][0]) < -8 and float(lines[paths["copier"]][1]) == 0
    assert abs(float(lines[paths["fresh"]][0])) < 3
    from sklearn_imd import authenticity_score

    held_out = authenticity_score(arrays["train"], arrays["ref"])
    assert f"authenticity of {paths['ref']} itself" in err and f"{held_out:.4g}." in err
    assert_error(capsys, ["compare", paths["ref"], paths["fresh"], "--metrics", "ct"],
                 "it needs the training set")


def test_stats_with_train_then_compare_flags_a_copier(capsys, tmp_path):
    """stats --train stores the training set: compare against the file adds ct
    and authenticity, the numbers of compare --train, and the note of REF's own
    authenticity; a TRAIN of another dimension is refused by name."""
    rng = np.random.default_rng(7)
    arrays = {"train": rng.normal(size=(600, 3)), "ref": rng.normal(size=(300, 3)),
              "fresh": rng.normal(size=(200, 3))}
    arrays["copier"] = arrays["train"][:200] + 0.01 * rng.normal(size=(200, 3))
    paths = {}
    for name, X in arrays.items():
        paths[name] = str(tmp_path / f"{name}.npy")
        np.save(paths[name], X)
    stats = str(tmp_path / "ref_stats.npz")
    rc, out, err = run(capsys, ["stats", paths["ref"], "-o", stats, "--train", paths["train"],
                                "--seed", "0", "--nv", "10"])
    assert rc == 0, err
    assert "training set of 600 points" in out and "cells of ct" in out
    gens = [paths["fresh"], paths["copier"]]
    metrics = ["--metrics", "ct,authenticity", "--seed", "0"]
    saved = run_json(capsys, ["compare", stats, *gens] + metrics)
    direct = run_json(capsys, ["compare", paths["ref"], *gens, "--train", paths["train"]]
                      + metrics)
    assert saved == direct  # the stored cells and radii: the same numbers
    assert saved[paths["copier"]]["ct"] < -8 and saved[paths["copier"]]["authenticity"] == 0
    assert abs(saved[paths["fresh"]]["ct"]) < 3
    rc, out, err = run(capsys, ["compare", stats, *gens, "--seed", "0", "--nv", "10"])
    assert rc == 0, err
    assert out.splitlines()[0].split() == ["generated", "imd", "imd_excess", "fid", "kid",
                                           "precision", "recall", "density", "coverage",
                                           "ct", "authenticity", "vendi"]
    from sklearn_imd import authenticity_score

    held_out = authenticity_score(arrays["train"], arrays["ref"])
    assert (f"authenticity of {stats} itself (held out from the training set {stats} "
            f"holds): {held_out:.4g}.") in err
    np.save(tmp_path / "narrow.npy", arrays["train"][:, :2])
    assert_error(capsys, ["stats", paths["ref"], "-o", stats, "--train",
                          str(tmp_path / "narrow.npy")],
                 "narrow.npy has 2 features and", "ref.npy 3")
    assert_error(capsys, ["stats", paths["ref"], "-o", stats, "--key", "x",
                          "--train", paths["train"]], "--key applies only to .npz")
    with pytest.raises(SystemExit):
        main(["stats", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--train TRAIN" in out and "adds ct and authenticity without --train" in out


def test_cmmd_sw_mind_columns(capsys, files, samples):
    from sklearn_imd import cmmd_score, mind_score, sliced_wasserstein_distance

    ref, gen_a, _ = files
    result = run_json(capsys, ["compare", ref, gen_a, "--metrics", "cmmd,sw,mind",
                               "--seed", "0"])
    X, Y = samples[0], samples[1]
    # the functions with the same seed (JSON keeps float64 digits)
    assert result[gen_a] == {"cmmd": cmmd_score(X, Y),
                             "sw": sliced_wasserstein_distance(X, Y, random_state=0),
                             "mind": mind_score(X, Y, random_state=0)}


def test_feature_space_names_the_columns_and_the_statistics_keep_it(capsys, tmp_path, files):
    ref, gen_a, gen_b = files
    plain = run_json(capsys, ["compare", ref, gen_a, "--metrics", "fid,kid,sw"] + FAST)
    named = run_json(capsys, ["compare", ref, gen_a, "--metrics", "fid,kid,sw",
                              "--feature-space", "DINOv2"] + FAST)
    assert list(named[gen_a]) == ["fd_dinov2", "kd_dinov2", "sw_dinov2"]
    assert list(named[gen_a].values()) == list(plain[gen_a].values())
    rc, out, err = run(capsys, ["compare", ref, gen_a, gen_b, "--metrics", "fid",
                                "--feature-space", "clip", "--rank"] + FAST)
    assert rc == 0, err
    assert out.split("\n")[0].split() == ["generated", "fd_clip"]
    assert "fd_clip  (lower is better)" in out and "\nfid" not in out
    stats = str(tmp_path / "dino.npz")
    rc, out, err = run(capsys, ["stats", ref, "-o", stats, "--feature-space", "dinov2"] + FAST)
    assert rc == 0, err
    assert out.startswith(f"wrote {stats}: 300 samples x 4 features (dinov2); ")
    # REF's own feature space names the columns without --feature-space
    saved = run_json(capsys, ["compare", stats, gen_a, "--metrics", "fid,kid,sw"] + FAST)
    assert list(saved[gen_a]) == ["fd_dinov2", "kd_dinov2", "sw_dinov2"]
    assert_error(capsys, ["compare", stats, gen_a, "--feature-space", "clip"] + FAST,
                 f"{stats} holds statistics of 'dinov2' features, and --feature-space clip")
    assert_error(capsys, ["compare", ref, gen_a, "--feature-space", "dino v2"],
                 "--feature-space must be a name")
    assert_error(capsys, ["stats", ref, "-o", str(tmp_path / "x.npz"), "--feature-space",
                          "a/b"], "feature_space must be a name")
