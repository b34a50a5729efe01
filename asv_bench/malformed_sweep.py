"""Feed malformed files and statistics to the CLI and ReferenceStats.load; count the outcomes.

Every input gets one of:

- ``clear error``: ``ReferenceStats.load`` raises ValueError, MemoryError or
  an OSError whose message names the file, and the CLI exits with status 2
  after one line ``sklearn-imd: error: ...`` naming it;
- ``accepted``: the file is still valid (a mutation that kept it consistent,
  e.g. a flip in a padding byte), is loaded, and the CLI prints finite
  numbers or valid JSON;
- ``other``: anything else (a traceback, another exception type, a message
  that does not name the file, a non-JSON output, a NaN printed as a number,
  more than ``TIMEOUT`` seconds).  The target is none.

Run from anywhere (``python asv_bench/malformed_sweep.py``; ``--quick`` for a
sample of 60 cases, as the test suite does).  Prints a table of counts by
kind of mutation and lists every ``other``.
"""

import argparse
import contextlib
import io
import json
import os
import signal
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

TIMEOUT = 60


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _deadline(seconds):
    def fire(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _base(tmp, with_train=False):
    """A valid statistics file (of a named feature space), its arrays, and a
    generated sample; with ``with_train``, a file that also keeps a training
    set's neighbours and the cells of ``ct``."""
    from sklearn_imd import ReferenceStats

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    np.save(tmp / "gen.npy", rng.normal(size=(150, 3)))
    train = rng.normal(size=(300, 3)) if with_train else None
    path = tmp / ("base_train.npz" if with_train else "base.npz")
    # a feature space named, so that its field is swept too
    ReferenceStats.from_samples(X, train=train, random_state=0,
                                feature_space="inception").save(path)
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    return path, arrays


def _field_cases(arrays, keys):
    """(label, arrays) with one of the fields ``keys`` missing or replaced (and
    each key of its JSON parameters, for ``imd_params`` and ``ct_params``)."""
    values = {
        "NaN": lambda a: np.full(a.shape, np.nan) if a.dtype.kind in "fiu" else None,
        "inf": lambda a: np.full(a.shape, np.inf) if a.dtype.kind in "fiu" else None,
        "negative": lambda a: -np.abs(a) - 1 if a.dtype.kind in "fiu" else None,
        "huge": lambda a: np.full(a.shape, 1e300) if a.dtype.kind in "fiu" else None,
        "zeros": lambda a: np.zeros(a.shape),
        "empty": lambda a: np.zeros((0,) + a.shape[1:]),
        "0-d": lambda a: np.array(3.0),
        "extra axis": lambda a: a[None],
        "truncated": lambda a: a[:-1] if a.ndim else None,
        "transposed": lambda a: a.T[:, :1] if a.ndim == 2 else None,
        "string": lambda a: np.array("nonsense"),
        "bool": lambda a: np.ones(a.shape, dtype=bool),
        "complex": lambda a: np.ones(a.shape, dtype=complex),
        "float32": lambda a: a.astype(np.float32) if a.dtype.kind == "f" else None,
        "int8 overflow": lambda a: np.full(a.shape, 127, dtype=np.int8),
        "objects": lambda a: np.array([{"a": 1}], dtype=object),
    }
    for key in keys:
        yield f"{key}: missing", {k: v for k, v in arrays.items() if k != key}
        for name, make in values.items():
            new = make(arrays[key])
            if new is not None:
                yield f"{key}: {name}", {**arrays, key: new}
    for field in ("imd_params", "ct_params"):
        if field not in keys:
            continue
        params = json.loads(str(arrays[field]))
        for key in list(params):
            for value in (None, "x", -1, 1.5, 2**70, [1], {"a": 1}):
                yield (f"{field}.{key} = {value!r}",
                       {**arrays, field: np.array(json.dumps({**params, key: value}))})
        for text in ("", "{", "[]", "null", "3", json.dumps({"k": 5})):
            yield f"{field} text {text!r}", {**arrays, field: np.array(text)}


def _byte_cases(raw, rng, n_truncations, n_flips):
    size = len(raw)
    for cut in sorted(rng.choice(size, n_truncations, replace=False)):
        yield f"truncated at byte {cut}", raw[:cut]
    for at in sorted(rng.choice(size, n_flips, replace=False)):
        data = bytearray(raw)
        data[at] ^= 1 << int(rng.integers(8))
        yield f"bit flip at byte {at}", bytes(data)


def _zip_cases(path):
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    local = infos[0].header_offset
    central = raw.find(b"PK\x01\x02")

    def patch(offsets, value):
        data = bytearray(raw)
        for at in offsets:
            data[at : at + 2] = value.to_bytes(2, "little")
        return bytes(data)

    yield "first member encrypted", patch([local + 6, central + 8], 1)
    for method in (1, 6, 9, 12, 14, 93, 99):
        yield f"compression method {method}", patch([local + 8, central + 10], method)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mu.npy", b"not an array")
        z.writestr("sigma.npy", b"\x93NUMPY")
    yield "members that are not arrays", buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    yield "no .npy member", buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:  # a zip bomb header
        header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
        header["shape"] = (10**7, 10**4)
        stream = io.BytesIO()
        np.lib.format.write_array_header_1_0(stream, header)
        z.writestr("mu.npy", stream.getvalue() + bytes(10**6))
        z.writestr("sigma.npy", stream.getvalue())
    yield "a header announcing 800 GB", buf.getvalue()
    yield "empty file", b""
    yield "text", b"mu,sigma\n1,2\n"
    yield "a .npy array", raw[:0] + b"\x93NUMPY\x01\x00" + raw[8:200]


def _classify_load(path):
    from sklearn_imd import ReferenceStats

    try:
        with _deadline(TIMEOUT):
            ReferenceStats.load(path)
    except _Timeout:
        return "other", "load: timed out"
    except (ValueError, MemoryError, OSError) as exc:
        if str(path) in str(exc) or os.path.basename(path) in str(exc):
            return "clear error", None
        return "other", f"load: message without the file: {exc}"
    except Exception as exc:  # noqa: BLE001 (what the sweep looks for)
        return "other", f"load: {type(exc).__name__}: {exc}"
    return "accepted", None


def _classify_cli(path, gen, metrics="imd,fid,precision"):
    from sklearn_imd.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with _deadline(TIMEOUT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["compare", str(path), str(gen), "--metrics", metrics,
                       "--json", "--seed", "0"])
    except _Timeout:
        return "other", "cli: timed out"
    except SystemExit as exc:
        rc = exc.code
    except Exception as exc:  # noqa: BLE001
        return "other", f"cli: traceback {type(exc).__name__}: {exc}"
    errors = [line for line in err.getvalue().splitlines() if "error:" in line]
    if rc == 2 and len(errors) == 1 and os.path.basename(path) in errors[0]:
        return "clear error", None
    if rc == 0:
        try:
            data = json.loads(out.getvalue(), parse_constant=lambda c: 1 / 0)
        except (ValueError, ZeroDivisionError):
            return "other", f"cli: not valid JSON: {out.getvalue()[:200]!r}"
        if all(v is None or np.isfinite(v) for row in data.values() for v in row.values()):
            return "accepted", None
    return "other", f"cli: status {rc}, stderr {err.getvalue()[:300]!r}"


def sweep(quick=False, seed=0):
    """Counts ``{kind: {outcome: n}}`` and the list of ``other`` cases."""
    import warnings

    rng = np.random.default_rng(seed)
    counts, others = {}, []
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tmp = Path(tmp)
        base, arrays = _base(tmp)
        raw = base.read_bytes()
        cases = [("field", label, a) for label, a in _field_cases(arrays, list(arrays))]
        # the training set's fields, in a file that has them, scored with the
        # columns that use them
        _, with_train = _base(tmp, with_train=True)
        cases += [("train", label, a) for label, a in
                  _field_cases(with_train, [k for k in with_train if k not in arrays])]
        cases += [("bytes", label, b) for label, b in _byte_cases(raw, rng, 40, 80)]
        cases += [("zip", label, b) for label, b in _zip_cases(base)]
        if quick:
            keep = sorted(rng.choice(len(cases), min(60, len(cases)), replace=False))
            cases = [cases[i] for i in keep]
        for i, (kind, label, content) in enumerate(cases):
            path = tmp / f"case{i}.npz"
            if isinstance(content, dict):
                np.savez(path, **content)
            else:
                path.write_bytes(content)
            metrics = "imd,fid,precision" + (",ct,authenticity" if kind == "train" else "")
            outcomes = [_classify_load(path), _classify_cli(path, tmp / "gen.npy", metrics)]
            # both routes must agree on the file: refused by both or accepted by both
            names = {outcome for outcome, _ in outcomes}
            if names == {"clear error", "accepted"}:
                outcome, why = "other", "load and the CLI disagree"
            else:
                outcome, why = next(((o, w) for o, w in outcomes if o == "other"), outcomes[0])
            counts.setdefault(kind, {}).setdefault(outcome, 0)
            counts[kind][outcome] += 1
            if outcome == "other":
                others.append(f"{kind} / {label}: {why}")
        # special files
        special = []
        if hasattr(os, "mkfifo"):
            os.mkfifo(tmp / "fifo.npz")
            special.append(("FIFO", tmp / "fifo.npz"))
        (tmp / "folder.npz").mkdir()
        special.append(("folder", tmp / "folder.npz"))
        if os.path.exists("/dev/zero"):
            (tmp / "zero.npz").symlink_to("/dev/zero")
            special.append(("device", tmp / "zero.npz"))
        special.append(("missing", tmp / "missing.npz"))
        for label, path in special:
            outcome, why = _classify_load(path)
            cli, why_cli = _classify_cli(path, tmp / "gen.npy")
            if cli == "other":
                outcome, why = cli, why_cli
            counts.setdefault("special", {}).setdefault(outcome, 0)
            counts["special"][outcome] += 1
            if outcome == "other":
                others.append(f"special / {label}: {why}")
    return counts, others


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 of the cases")
    args = parser.parse_args(argv)
    counts, others = sweep(quick=args.quick)
    outcomes = ("clear error", "accepted", "other")
    print(f"{'mutation':<10}" + "".join(f"{o:>13}" for o in outcomes) + f"{'total':>8}")
    total = dict.fromkeys(outcomes, 0)
    for kind, c in counts.items():
        print(f"{kind:<10}" + "".join(f"{c.get(o, 0):>13}" for o in outcomes)
              + f"{sum(c.values()):>8}")
        for o in outcomes:
            total[o] += c.get(o, 0)
    print(f"{'all':<10}" + "".join(f"{total[o]:>13}" for o in outcomes)
          + f"{sum(total.values()):>8}")
    for line in others:
        print("other:", line)
    return 1 if others else 0


if __name__ == "__main__":
    sys.exit(main())
