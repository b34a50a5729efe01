"""Tests of sklearn_imd.io.load_points (its errors through the command line: test_cli.py)."""

import zipfile

import numpy as np
import pytest

from sklearn_imd.io import load_points


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(30, 3))


def write_csv(path, X, header=None, index=None):
    rows = [",".join(repr(float(v)) for v in row) for row in X]
    if index is not None:
        rows = [f"{i},{row}" for i, row in zip(index, rows)]
    path.write_text("".join(f"{line}\n" for line in ([header] if header else []) + rows))
    return path


@pytest.mark.parametrize("dtype", [np.float64, np.int16, bool, ">f8"])
def test_npy_becomes_float64(tmp_path, X, dtype):
    data = (X > 0 if dtype is bool else X * 10).astype(dtype)
    np.save(tmp_path / "a.npy", data)
    out = load_points(tmp_path / "a.npy")  # a Path is accepted
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, data.astype(np.float64))


def test_float32_stays_float32(tmp_path, X):
    np.save(tmp_path / "a.npy", X.astype(np.float32))
    assert load_points(str(tmp_path / "a.npy")).dtype == np.float32


def test_fortran_order(tmp_path, X):
    np.save(tmp_path / "a.npy", np.asfortranarray(X))
    np.testing.assert_array_equal(load_points(tmp_path / "a.npy"), X)


def test_npz_keys(tmp_path, X):
    path = tmp_path / "a.npz"
    np.savez_compressed(path, first=X, second=2 * X)
    np.testing.assert_array_equal(load_points(path, key="second"), 2 * X)
    with pytest.raises(ValueError, match="holds 2 arrays; choose one with key=NAME"):
        load_points(path)
    with pytest.raises(ValueError, match="no array named 'third'; available keys: first, second"):
        load_points(path, key="third")


def test_key_applies_only_to_npz(tmp_path, X):
    np.save(tmp_path / "a.npy", X)
    with pytest.raises(ValueError, match="key applies only to .npz files"):
        load_points(tmp_path / "a.npy", key="x")


def test_zip_without_arrays(tmp_path):
    path = tmp_path / "a.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("points.csv", "1,2\n")
    with pytest.raises(ValueError, match="holds no arrays"):
        load_points(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_points(tmp_path / "missing.npy")
    # a folder is read as images (tests/test_images.py); this one holds none
    with pytest.raises(ValueError, match="holds no images"):
        load_points(tmp_path)


def test_csv_header_comments_quotes_crlf(tmp_path, X):
    rows = [",".join(f'"{float(v)!r}"' for v in row) for row in X]
    path = tmp_path / "a.csv"
    path.write_bytes(("\ufeff# points\r\nx,y,z\r\n\r\n" + "\r\n".join(rows)).encode())
    np.testing.assert_array_equal(load_points(path), X)


def test_csv_pandas_index_is_dropped_with_a_warning(tmp_path, X):
    path = write_csv(tmp_path / "a.csv", X, header=",x,y,z", index=range(len(X)))
    with pytest.warns(UserWarning, match="a.csv: dropped column 1, .* index=False"):
        out = load_points(path)
    np.testing.assert_array_equal(out, X)
    assert out.flags.c_contiguous


def test_csv_named_integer_column_is_kept(tmp_path, X):
    path = write_csv(tmp_path / "a.csv", X, header="id,x,y,z", index=range(len(X)))
    assert load_points(path).shape == (30, 4)


def test_csv_pandas_index_of_strings(tmp_path, X):
    path = write_csv(tmp_path / "a.csv", X, header=",x,y,z",
                     index=[f"img{i}" for i in range(len(X))])
    with pytest.raises(ValueError, match=r"line 2, column 1: 'img0'.*index=False"):
        load_points(path)


def test_csv_header_of_another_width(tmp_path, X):
    path = write_csv(tmp_path / "a.csv", X, header="x,y")
    with pytest.raises(ValueError, match="header names 2 columns but the rows hold 3"):
        load_points(path)


def test_csv_not_utf8(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"x,y\n1,2\n\xff\xfe,3\n")
    with pytest.raises(ValueError, match="not a text CSV file"):
        load_points(path)



def test_csv_row_with_a_missing_first_value_is_not_a_header(tmp_path):
    """',1.5,2.5' is a point whose first value is missing, not pandas' header."""
    path = tmp_path / "missing.csv"
    path.write_text(",1.5,2.5\n1,2,3\n4,5,6\n")
    with pytest.raises(ValueError, match="line 1, column 1: an empty value"):
        load_points(str(path))
