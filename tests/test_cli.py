"""Tests of the command line, ``python -m sklearn_imd`` / ``sklearn-imd``."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sklearn_imd import imd_score
from sklearn_imd.__main__ import main

REPO_ROOT = Path(__file__).parents[1]
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


def test_key_without_npz_is_an_error(capsys, npy_files):
    assert_error(capsys, ["score", *npy_files, "--key", "x"], "--key", ".npz")


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


def test_score_csv_comments_quotes_and_blank_lines(capsys, tmp_path, clouds, npy_files):
    a = tmp_path / "a.csv"
    rows = [",".join(f'"{float(v)!r}"' for v in row) for row in clouds[0]]
    a.write_text("# exported points\n\n" + '"x","y","z"\n' + "\n".join(rows) + "\n\n")
    assert_score(capsys, ["score", str(a), npy_files[1], *FAST], expected(*clouds))


# ----------------------------------------------------------------------- errors


def test_missing_file(capsys, tmp_path, npy_files):
    missing = str(tmp_path / "missing.npy")
    assert_error(capsys, ["score", missing, npy_files[1]], "missing.npy", "no such file")


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


def test_one_dimensional_array(capsys, tmp_path, npy_files):
    path = tmp_path / "flat.npy"
    np.save(path, np.arange(50.0))
    assert_error(capsys, ["score", npy_files[0], str(path)], "flat.npy", "2-D")


def test_too_few_points(capsys, tmp_path, npy_files):
    path = tmp_path / "few.npy"
    np.save(path, np.ones((3, 2)))
    assert_error(capsys, ["score", str(path), npy_files[1]], "few.npy", "3 points")


@pytest.mark.parametrize(
    "option, fragment",
    [(["--k", "0"], "k must be >= 1"), (["--m", "1"], "m must be >= 2"),
     (["--nv", "0"], "nv must be >= 1"), (["--seed", "-1"], "--seed")],
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
    assert_error(capsys, ["score", str(path), npy_files[1]], "obj.npy", "allow_pickle")


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score", "a.npy", "b.npy", "--k", "x"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("sklearn-imd: error: argument --k")
    assert "Traceback" not in err


# ------------------------------------------------------------------------- help


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["--help"], ["score A B", "demo", "examples:"]),
        (["score", "--help"], ["--key", "--normalization", "--seed", ".csv"]),
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


def test_python_dash_m_help():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_imd", "--help"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "usage: sklearn-imd" in proc.stdout
    assert "score" in proc.stdout and "demo" in proc.stdout


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
