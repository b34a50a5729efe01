"""Tests of the command line, ``python -m sklearn_imd`` / ``sklearn-imd``."""

import os
import re
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

import sklearn_imd.metrics
from sklearn_imd import imd_score, imd_test
from sklearn_imd.__main__ import main

FAST = ["--nv", "10", "--seed", "0"]


@pytest.fixture
def clouds():
    rng = np.random.default_rng(0)
    return rng.normal(size=(200, 3)), rng.uniform(size=(180, 4))


@pytest.fixture
def npy_files(tmp_path, clouds):
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(a, clouds[0])
    np.save(b, clouds[1])
    return str(a), str(b)


def run(capsys, argv):
    """main(argv) -> (status, stdout, stderr)."""
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def expected(X, Y, **kw):
    params = dict(nv=10, random_state=0)
    params.update(kw)
    return imd_score(X, Y, **params)


def assert_score(capsys, argv, value):
    rc, out, err = run(capsys, argv)
    assert rc == 0, err
    assert err == ""
    assert out.count("\n") == 1
    assert float(out) == pytest.approx(value, rel=1e-5)


def assert_error(capsys, argv, *fragments):
    rc, out, err = run(capsys, argv)
    assert rc == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sklearn-imd: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


# ------------------------------------------------------------------------ score


def test_score_npy_matches_imd_score(capsys, npy_files, clouds):
    assert_score(capsys, ["score", *npy_files, *FAST], expected(*clouds))


def test_score_passes_parameters(capsys, npy_files, clouds):
    argv = [
        "score", *npy_files, "--k", "7", "--m", "8", "--nv", "12",
        "--normalization", "complete", "--knn", "exact", "--seed", "3",
    ]
    value = imd_score(
        *clouds, k=7, m=8, nv=12, normalization="complete", knn="exact", random_state=3
    )
    assert_score(capsys, argv, value)


@pytest.mark.parametrize("method", ["exact", "slq"])
def test_score_passes_method(capsys, npy_files, clouds, method):
    value = imd_score(*clouds, nv=10, method=method, random_state=0)
    assert_score(capsys, ["score", *npy_files, *FAST, "--method", method], value)


def test_score_is_reproducible_with_seed(capsys, npy_files):
    first = run(capsys, ["score", *npy_files, *FAST])
    second = run(capsys, ["score", *npy_files, *FAST])
    assert first == second


def test_score_npz_single_array(capsys, tmp_path, clouds):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    np.savez(a, clouds[0])
    np.savez_compressed(b, points=clouds[1])
    assert_score(capsys, ["score", str(a), str(b), *FAST], expected(*clouds))


def test_score_npz_multiple_arrays_with_key(capsys, tmp_path, clouds):
    a, b = tmp_path / "a.npz", tmp_path / "b.npy"
    np.savez(a, other=np.zeros((3, 3)), points=clouds[0])
    np.save(b, clouds[1])
    argv = ["score", str(a), str(b), "--key", "points", *FAST]
    assert_score(capsys, argv, expected(*clouds))


def test_score_npz_multiple_arrays_without_key(capsys, tmp_path, npy_files, clouds):
    a = tmp_path / "multi.npz"
    np.savez(a, other=np.zeros((3, 3)), points=clouds[0])
    msg = assert_error(capsys, ["score", str(a), npy_files[1]], "--key", "other", "points")
    assert "2 arrays" in msg


def test_score_npz_unknown_key(capsys, tmp_path, npy_files, clouds):
    a = tmp_path / "multi.npz"
    np.savez(a, other=np.zeros((3, 3)), points=clouds[0])
    assert_error(capsys, ["score", str(a), npy_files[1], "--key", "nope"], "'nope'", "points")


def test_score_csv_without_header(capsys, tmp_path, clouds, npy_files):
    a = tmp_path / "a.csv"
    np.savetxt(a, clouds[0], delimiter=",", fmt="%.17g")
    assert_score(capsys, ["score", str(a), npy_files[1], *FAST], expected(*clouds))


def test_score_csv_with_header(capsys, tmp_path, clouds, npy_files):
    a = tmp_path / "a.csv"
    np.savetxt(a, clouds[0], delimiter=",", fmt="%.17g", header="x,y,z", comments="")
    assert a.read_text().startswith("x,y,z\n")
    assert_score(capsys, ["score", str(a), npy_files[1], *FAST], expected(*clouds))


def test_score_csv_from_pandas(capsys, tmp_path, clouds):
    pd = pytest.importorskip("pandas")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    pd.DataFrame(clouds[0], columns=["x", "y", "z"]).to_csv(a, index=False)
    pd.DataFrame(clouds[1], columns=list("abcd")).to_csv(b, index=False)
    assert_score(capsys, ["score", str(a), str(b), *FAST], expected(*clouds))


@pytest.mark.parametrize(
    "write",
    [
        lambda pd, X, path: pd.DataFrame(X, columns=list("xyz")).to_csv(path),
        lambda pd, X, path: pd.DataFrame(X).to_csv(path),
        lambda pd, X, path: pd.DataFrame(X, index=100 + 3 * np.arange(len(X))).to_csv(path),
    ],
    ids=["named-columns", "default-columns", "integer-index"],
)
def test_score_csv_with_pandas_index(capsys, tmp_path, clouds, npy_files, write):
    # the index column is dropped with a note: the score is that of the points alone
    pd = pytest.importorskip("pandas")
    path = tmp_path / "a.csv"
    write(pd, clouds[0], path)
    assert path.read_text().startswith(",")
    rc, out, err = run(capsys, ["score", str(path), npy_files[1], *FAST])
    assert rc == 0, err
    assert float(out) == pytest.approx(expected(*clouds), rel=1e-5)
    assert err.startswith(f"sklearn-imd: warning: {path}: dropped column 1,")
    assert err.count("\n") == 1


def test_score_csv_read_and_written_again_by_pandas(capsys, tmp_path, clouds, npy_files):
    # ",Unnamed: 0,x,y,z": the index of the first file, then the new one
    pd = pytest.importorskip("pandas")
    path = tmp_path / "a.csv"
    pd.DataFrame(clouds[0], columns=list("xyz")).to_csv(path)
    pd.read_csv(path).to_csv(path)
    rc, out, err = run(capsys, ["score", str(path), npy_files[1], *FAST])
    assert rc == 0, err
    assert float(out) == pytest.approx(expected(*clouds), rel=1e-5)
    assert "dropped columns 1-2" in err


def test_score_csv_with_pandas_default_column_names(capsys, tmp_path, clouds, npy_files):
    # header "0,1,2" (pd.DataFrame(X).to_csv(path, index=False)) is not a point
    pd = pytest.importorskip("pandas")
    path = tmp_path / "a.csv"
    pd.DataFrame(clouds[0]).to_csv(path, index=False)
    assert path.read_text().startswith("0,1,2\n")
    rc, out, err = run(capsys, ["score", str(path), npy_files[1], *FAST])
    assert rc == 0, err
    assert float(out) == pytest.approx(expected(*clouds), rel=1e-5)
    assert err.startswith("sklearn-imd: warning: ") and "column names" in err


def test_csv_unnamed_column_of_non_integers_is_refused(capsys, tmp_path, clouds, npy_files):
    path = tmp_path / "a.csv"
    rows = [",".join(map(repr, row)) for row in clouds[0]]
    path.write_text(",x,y\n" + "\n".join(rows) + "\n")
    assert_error(capsys, ["score", str(path), npy_files[1]], "a.csv", "column 1", "index=False")


def test_score_csv_comments_quotes_and_blank_lines(capsys, tmp_path, clouds, npy_files):
    a = tmp_path / "a.csv"
    rows = [",".join(f'"{float(v)!r}"' for v in row) for row in clouds[0]]
    a.write_text("# exported points\n\n" + '"x","y","z"\n' + "\n".join(rows) + "\n\n")
    assert_score(capsys, ["score", str(a), npy_files[1], *FAST], expected(*clouds))


# ----------------------------------------------------------------------- errors


def test_missing_file(capsys, tmp_path, npy_files):
    missing = str(tmp_path / "missing.npy")
    assert_error(capsys, ["score", missing, npy_files[1]], "missing.npy", "no such file")


def test_directory(capsys, tmp_path, npy_files):
    path = tmp_path / "clouds"
    path.mkdir()
    # a folder is read as images (tests/test_images.py): this one holds none
    assert_error(capsys, ["score", str(path), npy_files[1]], "clouds holds no images")


def test_fifo_is_refused_without_blocking(capsys, tmp_path, npy_files):
    fifo = tmp_path / "a.csv"
    os.mkfifo(fifo)
    done = threading.Event()

    def unblock():
        # a reader that opened the FIFO would wait forever for a writer: be one
        while not done.wait(0.05):
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # no reader yet
                pass

    thread = threading.Thread(target=unblock, daemon=True)
    thread.start()
    try:
        assert_error(capsys, ["score", str(fifo), npy_files[1]], "a.csv",
                     "not a regular file", "FIFO")
    finally:
        done.set()
        thread.join()


def test_symlink_to_device_is_refused(capsys, tmp_path, npy_files):
    # like a link to /dev/zero, which would be read until memory runs out
    link = tmp_path / "a.csv"
    link.symlink_to(os.devnull)
    assert_error(capsys, ["score", str(link), npy_files[1]], "a.csv", "not a regular file",
                 "character device")


def test_symlink_to_file_is_followed(capsys, tmp_path, npy_files, clouds):
    link = tmp_path / "link.npy"
    link.symlink_to(npy_files[0])
    assert_score(capsys, ["score", str(link), npy_files[1], *FAST], expected(*clouds))


def test_unknown_extension(capsys, tmp_path, npy_files):
    path = tmp_path / "a.txt"
    path.write_text("1,2\n3,4\n")
    assert_error(capsys, ["score", str(path), npy_files[1]], "a.txt", ".npy, .npz or .csv")


def test_nan_in_npy(capsys, tmp_path, clouds, npy_files):
    X = clouds[0].copy()
    X[5, 1] = np.nan
    path = tmp_path / "nan.npy"
    np.save(path, X)
    assert_error(capsys, ["score", npy_files[0], str(path)], "nan.npy", "NaN", "row 5")


def test_nan_in_csv(capsys, tmp_path, npy_files):
    path = tmp_path / "nan.csv"
    rows = ["1,2,3"] * 20 + ["1,nan,3"]
    path.write_text("a,b,c\n" + "\n".join(rows) + "\n")
    assert_error(capsys, ["score", str(path), npy_files[1]], "nan.csv", "NaN")


@pytest.mark.parametrize(
    "array, fragments",
    [
        (np.arange(50.0), ["1-D", "2-D", "reshape(-1, 1)"]),
        (np.zeros((20, 2, 2, 2, 2)), ["5-D", "(20, 2, 2, 2, 2)"]),
        (np.zeros((0, 3)), ["empty"]),
        (np.ones((50, 2), dtype=complex), ["complex"]),
    ],
    ids=["1-D", "5-D", "empty", "complex"],
)
@pytest.mark.parametrize("ext", [".npy", ".npz"])
def test_array_that_is_not_a_point_cloud(capsys, tmp_path, npy_files, array, fragments, ext):
    path = tmp_path / f"bad{ext}"
    (np.save if ext == ".npy" else np.savez)(path, array)
    assert_error(capsys, ["score", npy_files[0], str(path)], f"bad{ext}", *fragments)


def test_too_few_points(capsys, tmp_path, npy_files):
    path = tmp_path / "few.npy"
    np.save(path, np.ones((3, 2)))
    assert_error(capsys, ["score", str(path), npy_files[1]], "few.npy", "3 points")


@pytest.mark.parametrize(
    "option, fragment",
    [(["--k", "0"], "k must be >= 1"), (["--m", "1"], "m must be >= 2"),
     (["--nv", "0"], "nv must be >= 1"), (["--seed", "-1"], "--seed"),
     (["--seed", str(2**32)], "--seed"), (["--n-jobs", "0"], "--n-jobs"),
     (["--ci", "--ci-level", "95"], "--ci-level must be between 0 and 1"),
     (["--ci", "--n-resamples", "0"], "--n-resamples must be >= 1"),
     (["--n-resamples", "9"], "--n-resamples applies only with --ci"),
     (["--ci-level", "0.9"], "--ci-level applies only with --ci")],
)
def test_invalid_parameter(capsys, npy_files, option, fragment):
    assert_error(capsys, ["score", *npy_files, *option], fragment)


def test_bad_csv_value(capsys, tmp_path, npy_files):
    path = tmp_path / "bad.csv"
    path.write_text("x,y\n1,2\n3,abc\n")
    assert_error(capsys, ["score", str(path), npy_files[1]], "bad.csv", "line 3", "'abc'")


def test_ragged_csv(capsys, tmp_path, npy_files):
    path = tmp_path / "ragged.csv"
    path.write_text("1,2\n3,4\n5,6,7\n")
    assert_error(capsys, ["score", str(path), npy_files[1]], "ragged.csv", "line 3")


def test_empty_csv(capsys, tmp_path, npy_files):
    path = tmp_path / "empty.csv"
    path.write_text("x,y\n")
    assert_error(capsys, ["score", str(path), npy_files[1]], "empty.csv", "no data")


def test_pickled_npy_is_refused(capsys, tmp_path, npy_files):
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    msg = assert_error(capsys, ["score", str(path), npy_files[1]], "obj.npy", "Python objects")
    assert "allow_pickle" not in msg  # an option the command line does not have


def test_random_bytes_in_npy(capsys, tmp_path, npy_files):
    path = tmp_path / "noise.npy"
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    msg = assert_error(capsys, ["score", str(path), npy_files[1]], "noise.npy",
                       "not a valid .npy file")
    assert "pickle" not in msg


def test_truncated_npy(capsys, tmp_path, npy_files):
    path = tmp_path / "cut.npy"
    path.write_bytes(Path(npy_files[0]).read_bytes()[:1000])
    assert_error(capsys, ["score", str(path), npy_files[1]], "cut.npy", "truncated")


def test_random_bytes_in_npz(capsys, tmp_path, npy_files):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(1000))
    assert_error(capsys, ["score", str(path), npy_files[1]], "noise.npz", "not a valid .npz")


def test_corrupt_npz(capsys, tmp_path, clouds, npy_files):
    path = tmp_path / "bad.npz"
    np.savez(path, points=clouds[0])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the array: the archive's checksum fails
    path.write_bytes(bytes(data))
    assert_error(capsys, ["score", str(path), npy_files[1]], "bad.npz", "corrupt")


def test_binary_csv(capsys, tmp_path, npy_files):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"1,2\n3,4\n\x00\x00\x00\x00\n")
    assert_error(capsys, ["score", str(path), npy_files[1]], "bin.csv", "NUL", "line 3")


def test_csv_line_length_is_bounded(capsys, tmp_path, npy_files, monkeypatch):
    monkeypatch.setattr("sklearn_imd._io.csv._MAX_LINE", 100)
    path = tmp_path / "long.csv"
    path.write_text("1,2\n" + "1," * 60 + "1\n")
    assert_error(capsys, ["score", str(path), npy_files[1]], "long.csv", "line 2",
                 "longer than 100")


def test_key_with_only_npy_files(capsys, npy_files):
    assert_error(capsys, ["score", *npy_files, "--key", "x"], "--key", ".npz")


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score", "a.npy", "b.npy", "--k", "x"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("sklearn-imd: error: argument --k")
    assert "Traceback" not in err


def test_n_jobs_is_passed_on(capsys, npy_files, monkeypatch):
    seen = {}

    def spy(X, Y, **kw):
        seen.update(kw)
        return 1.0

    monkeypatch.setattr(sklearn_imd.metrics, "imd_score", spy)
    assert run(capsys, ["score", *npy_files, "--n-jobs", "-1"])[:2] == (0, "1\n")
    assert seen["n_jobs"] == -1


# --------------------------------------------------------------------- warnings


def test_library_warnings_are_one_line_each(capsys, npy_files, clouds, monkeypatch):
    def warning_score(X, Y, **kw):
        warnings.warn("X: a warning\n  over two lines", UserWarning, stacklevel=2)
        warnings.warn("Y: another", UserWarning, stacklevel=2)
        return imd_score(X, Y, **kw)

    monkeypatch.setattr(sklearn_imd.metrics, "imd_score", warning_score)
    rc, out, err = run(capsys, ["score", *npy_files, *FAST])
    assert rc == 0
    assert float(out) == pytest.approx(expected(*clouds), rel=1e-5)
    # the clouds the library calls X and Y are named by their files
    assert err.splitlines() == [
        f"sklearn-imd: warning: {npy_files[0]}: a warning over two lines",
        f"sklearn-imd: warning: {npy_files[1]}: another",
    ]


@pytest.mark.parametrize("ci", [[], ["--ci", "--n-resamples", "9"]], ids=["score", "ci"])
def test_duplicate_points_warning(capsys, tmp_path, clouds, ci):
    X = clouds[0].copy()
    X[50:] = X[:10].repeat(15, axis=0)
    a, b = tmp_path / "dup.npy", tmp_path / "b.npy"
    np.save(a, X)
    np.save(b, clouds[1][:, :3])
    rc, out, err = run(capsys, ["score", str(a), str(b), *FAST, *ci])
    assert rc == 0 and out
    warning_lines = [line for line in err.splitlines() if "note:" not in line]
    assert all(line.startswith("sklearn-imd: warning: ") for line in warning_lines), err
    assert warning_lines[0].startswith(f"sklearn-imd: warning: {a}: "), err
    if ci:  # the subsamples of A warn too, but in one line, not one per subsample
        assert len(warning_lines) == 2, err
        assert "of the 20 permuted or subsampled clouds" in warning_lines[1]
    else:
        assert len(warning_lines) == 1, err


# ------------------------------------------------------------------- --ci


def test_ci(capsys, tmp_path, npy_files, clouds):
    X, Y = clouds[0], clouds[1][:, :3]
    np.save(tmp_path / "c.npy", Y)
    argv = ["score", npy_files[0], str(tmp_path / "c.npy"), *FAST,
            "--ci", "--ci-level", "0.9", "--n-resamples", "9"]
    rc, out, err = run(capsys, argv)
    assert rc == 0, err
    res = imd_test(X, Y, n_permutations=1, n_resamples=9, confidence=0.9, nv=10,
                   random_state=0)
    match = re.fullmatch(r"(\S+)  90% CI \[(\S+), (\S+)\]\n", out)
    assert match, out
    score, low, high = (float(v) for v in match.groups())
    assert score == pytest.approx(res.statistic, rel=1e-5)
    assert (low, high) == pytest.approx(res.confidence_interval, rel=1e-3)
    assert low < score < high
    assert err.startswith("sklearn-imd: note: the 90% interval, from 9 pairs")
    assert err.count("\n") == 1


def test_ci_needs_same_number_of_features(capsys, npy_files):
    assert_error(capsys, ["score", *npy_files, *FAST, "--ci"], "--ci", "same number of features",
                 "3", "4")


def test_ci_needs_twice_k_plus_1_points(capsys, tmp_path, npy_files):
    path = tmp_path / "few.npy"
    np.save(path, np.random.default_rng(0).normal(size=(10, 3)))
    assert_error(capsys, ["score", npy_files[0], str(path), "--ci"], "few.npy", "10 points",
                 "--ci", "at least 12")


# ------------------------------------------------------------------------- help


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["--help"], ["score A B", "demo", "examples:"]),
        (["score", "--help"], ["--key", "--normalization", "--seed", ".csv", "--n-jobs",
                                "--ci", "--ci-level", "--n-resamples", "half-size"]),
        (["demo", "--help"], ["digits", "--seed"]),
    ],
)
def test_help(capsys, argv, fragments):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: sklearn-imd")
    for fragment in fragments:
        assert fragment in out


def test_python_dash_m_outside_the_repository(tmp_path, clouds):
    # the installed package, run from another directory on relative paths
    np.save(tmp_path / "a.npy", clouds[0])
    np.save(tmp_path / "b.npy", clouds[1])
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_imd", "score", "a.npy", "b.npy", *FAST],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert float(proc.stdout) == pytest.approx(expected(*clouds), rel=1e-5)


# ------------------------------------------------------------------------- demo


def test_demo(capsys):
    rc, out, err = run(capsys, ["demo"])
    assert rc == 0, err
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("comparison"))
    assert header.split() == ["comparison", "IMD", "seconds"]

    def imd_of(label):
        row = next(line for line in lines if label in line)
        return float(row.split()[-2])

    assert imd_of("random half") < imd_of("uniform noise")
    assert out.strip().splitlines()[-1].startswith("How to read it")
