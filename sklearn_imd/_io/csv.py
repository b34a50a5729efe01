"""Reading CSV files of points: one point per row, a header and a pandas index
recognised, the first malformed row named by its line."""

import itertools
import re
import warnings

import numpy as np

# Longest CSV line read, in characters: it bounds the memory one line can take
# (2**24 characters hold about 700,000 numbers of 17 digits).
_MAX_LINE = 1 << 24
# A header field that pandas leaves for an index without a name: empty when it
# writes the file, "Unnamed: 0" once such a file is read and written again.
_UNNAMED = re.compile(r"(Unnamed: \d+)?")


class _NotText(ValueError):
    """A CSV file that is not text: no need to look for its first malformed row."""


def _csv_lines(path):
    """(line number, text before any '#') of each non-blank line, read a line at a time."""
    with open(path, encoding="utf-8-sig") as f:
        for number in itertools.count(1):
            try:
                line = f.readline(_MAX_LINE + 1)
            except UnicodeDecodeError:
                raise _NotText(
                    f"{path} is not a text CSV file (not valid UTF-8 near line {number})."
                ) from None
            if not line:
                return
            if "\x00" in line:
                raise _NotText(
                    f"{path} is not a text CSV file (binary data: a NUL byte on line {number})."
                )
            if len(line.rstrip("\n")) > _MAX_LINE:
                raise _NotText(
                    f"{path}, line {number}: longer than {_MAX_LINE} characters; is it a "
                    "CSV file of points?"
                )
            line = line.split("#", 1)[0]
            if line.strip():
                yield number, line


def _csv_fields(line):
    return [f.strip().strip('"').strip() for f in line.split(",")]


def _is_number(field):
    try:
        float(field)
    except ValueError:
        return False
    return True


def _is_header(fields, path):
    """Whether the first non-blank row ``fields`` names the columns rather than holds a point."""
    if any(f and not _is_number(f) for f in fields):
        return True
    if len(fields) > 1 and not fields[0] and fields[1:] == [str(i) for i in range(len(fields) - 1)]:
        return True  # ",0,1,...": pandas' index and default column names
    # (",1.5,2.5" is a point with a missing first value: an error later, not a header)
    if len(fields) > 1 and fields == [str(i) for i in range(len(fields))]:
        warnings.warn(
            f"{path}: took the first row, {','.join(fields[:3])},..., for pandas' default "
            "column names, not a point.",
            stacklevel=4,  # _is_header <- _load_csv <- load_points <- its caller
        )
        return True
    return False


def _load_csv(path):
    lines = _csv_lines(path)
    first = next(lines, None)
    header = None
    if first is not None and _is_header(fields := _csv_fields(first[1]), path):
        header = fields
        first = next(lines, None)
    if first is None:
        raise ValueError(f"{path} contains no data rows.")
    n_index = 0  # leading columns unnamed in the header: a pandas index
    if header is not None:
        while n_index < len(header) - 1 and _UNNAMED.fullmatch(header[n_index]):
            n_index += 1
    try:
        X = np.loadtxt(
            (text for _, text in itertools.chain([first], lines)),
            delimiter=",", ndmin=2, quotechar='"', dtype=np.float64,
        )
    except _NotText:
        raise
    except ValueError as exc:
        problem = _csv_problem(path, header is not None, n_index)
        raise ValueError(problem or f"{path}: {exc}") from None
    if header is not None and len(header) != X.shape[1]:
        raise ValueError(
            f"{path}: the header names {len(header)} columns but the rows hold "
            f"{X.shape[1]} values."
        )
    if n_index:
        index = X[:, :n_index]
        bad = ~np.all(index == np.round(index), axis=0)
        if bad.any():
            raise ValueError(
                f"{path}: column {np.argmax(bad) + 1} has no name in the header, like the "
                "index pandas writes, but holds values that are not integers. Save the "
                "file with DataFrame.to_csv(path, index=False), or name the column."
            )
        columns = "column 1" if n_index == 1 else f"columns 1-{n_index}"
        warnings.warn(
            f"{path}: dropped {columns}, without a name in the header and holding "
            "integers: the index that DataFrame.to_csv writes unless index=False.",
            stacklevel=3,  # _load_csv <- load_points <- its caller
        )
        X = np.ascontiguousarray(X[:, n_index:])
    return X


def _csv_problem(path, has_header, n_index):
    """Describe the first malformed row of a CSV file, with its line number."""
    n_cols = None
    rows = _csv_lines(path)
    if has_header:
        next(rows)
    for number, text in rows:
        fields = _csv_fields(text)
        for j, field in enumerate(fields):
            if not _is_number(field):
                what = "an empty value" if not field else f"{field!r}, which is not a number"
                if j < n_index:
                    hint = (f"column {j + 1} has no name in the header, like the index pandas "
                            "writes: save the file with DataFrame.to_csv(path, index=False)")
                else:
                    hint = "expected comma-separated numbers"
                return f"{path}, line {number}, column {j + 1}: {what}; {hint}."
        if n_cols is None:
            n_cols, first_line = len(fields), number
        elif len(fields) != n_cols:
            return (
                f"{path}, line {number}: {len(fields)} values, but line {first_line} has "
                f"{n_cols}; every row must have the same number of values."
            )
    return None
