"""prdc_score against the reference ``prdc`` package: time, peak memory, values.

    pip install prdc                          # the reference, for this script only
    python asv_bench/prdc_table.py            # 10,000 x 2,048 and 100,000 x 64 (minutes)
    python asv_bench/prdc_table.py --quick    # 2,000 x 256 and 10,000 x 16 (seconds)

Real features are standard normal, generated ones 1.02 * N(0, I) + 0.05 in
every coordinate (float32), so that precision, recall, density and coverage
are all strictly between 0 and 1; k = 5.  The first case is run by
``sklearn_imd.prdc_score`` and by ``prdc.compute_prdc`` (Naeem et al.), the
second by the library only: the package holds an n x n float32 distance
matrix and its n x n int64 argpartition at once (12 n^2 bytes, 120 GB at
100,000 points), so the script prints that estimate instead.  Without the
package installed, its rows are skipped with a message.

Each row is one call in a fresh Python process (``--worker`` mode of this
script), library first, then package, on the same data; before the timed
call the worker makes one call of the same implementation on a tiny input, so
Numba compilation (or cache loading) and thread-pool start-up are not timed.
"peak GB" is the worker's maximum resident set size, "call GB" its growth
during the call over the resident size just before it.  Measurements are
single runs on a possibly shared machine: the load average is printed before
and after; compare the rows of one run, not runs on different machines.
"""

import argparse
import contextlib
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time

K = 5
SCALE, SHIFT = 1.02, 0.05  # generated = SCALE * N(0, I) + SHIFT

FULL_CASES = [(10_000, 2_048, True), (100_000, 64, False)]  # (n, d, run the package)
QUICK_CASES = [(2_000, 256, True), (10_000, 16, False)]
METRICS = ("precision", "recall", "density", "coverage")


def samples(n, d):
    """Real and generated float32 features, the same in every process."""
    import numpy as np

    X = np.random.default_rng(0).standard_normal((n, d), dtype=np.float32)
    Y = np.random.default_rng(1).standard_normal((n, d), dtype=np.float32)
    Y *= np.float32(SCALE)
    Y += np.float32(SHIFT)
    return X, Y


def _rss_bytes():
    """Current resident set size (Linux), else the maximum so far."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return _maxrss_bytes()


def _maxrss_bytes():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB on Linux


def measure_call(run, *args):
    """``run(*args)`` once, after a warm-up on a tiny input (compilation,
    imports and thread pools not timed): ``(result, {"seconds", "peak_gb",
    "call_gb"})``, the call's growth of the resident set over what the
    process held before it."""
    import gc

    import numpy as np

    tiny = np.random.default_rng(2).standard_normal((64, 8), dtype=np.float32)
    run(tiny, np.sin(tiny) + np.float32(0.5))
    gc.collect()
    before = _rss_bytes()
    t0 = time.perf_counter()
    result = run(*args)
    seconds = time.perf_counter() - t0
    peak = _maxrss_bytes()
    return result, {"seconds": seconds, "peak_gb": peak / 1e9,
                    "call_gb": max(0, peak - before) / 1e9}


def worker(spec):
    """Measure one (case, implementation) and print the result as JSON."""
    X, Y = samples(spec["n"], spec["d"])
    if spec["impl"] == "library":
        from sklearn_imd import prdc_score

        def run(A, B):
            return prdc_score(A, B, k=K).as_dict()
    else:
        import prdc

        def run(A, B):
            with contextlib.redirect_stdout(io.StringIO()):  # its "Num real: ..." line
                return prdc.compute_prdc(A, B, nearest_k=K)

    values, measured = measure_call(run, X, Y)
    print(json.dumps({
        **measured,
        **{key: float(values[key]) for key in METRICS},
    }))


def measure(n, d, impl):
    """Run the worker in a fresh process; its result dict, or an error string."""
    spec = json.dumps({"n": n, "d": d, "impl": impl})
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", spec],
                          check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"failed (exit code {proc.returncode}): {tail}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def environment():
    """Lines describing the machine, the libraries and their thread pools."""
    import numba
    import numpy as np

    import sklearn_imd  # noqa: F401  (loads the libraries it links)

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    machine = platform.processor() or platform.machine()
    python = platform.python_version()
    lines = [f"machine: {machine}, {os.cpu_count()} CPUs ({cores} usable), Python {python}"]
    lines.append(f"numpy {np.__version__}, numba {numba.__version__} "
                 f"({numba.get_num_threads()} threads)")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            version = f" {pool['version']}" if pool.get("version") else ""
            lines.append(f"thread pool: {pool['user_api']} {pool['internal_api']}{version} "
                         f"({pool['prefix']}), {pool['num_threads']} threads")
    except ImportError:
        lines.append("thread pools: threadpoolctl not installed")
    return lines


def _load():
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 x 256 and 10,000 x 16")
    parser.add_argument("--worker", metavar="JSON", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return

    try:
        import prdc  # noqa: F401

        have_package = True
    except ImportError as exc:
        have_package = False
        print(f"NOTE: the reference package is not importable ({exc}); its rows are "
              "skipped. Install it with `pip install prdc`.\n")

    print(f"load average at start: {_load()}")
    for line in environment():
        print(line)
    print(f"k = {K}; real N(0, I), generated {SCALE} * N(0, I) + {SHIFT}, float32. Each row: "
          "one call in a fresh process, after a warm-up call on a tiny input (Numba "
          "compilation and thread-pool start-up not timed); library first, then package.\n")

    header = ["case (n x d, float32)", "implementation", "seconds", "peak GB", "call GB",
              *METRICS, "max abs diff"]
    widths = [21, 23, 8, 7, 7, 9, 9, 9, 9, 12]

    def row(cells):
        return "| " + " | ".join(
            f"{c:<{w}}" if i < 2 else f"{c:>{w}}" for i, (c, w) in enumerate(zip(cells, widths))
        ) + " |"

    print(row(header))
    print("|" + "|".join(f"{'-' * (w + 1)}:" if i >= 2 else "-" * (w + 2)
                         for i, w in enumerate(widths)) + "|", flush=True)

    cases = QUICK_CASES if args.quick else FULL_CASES
    notes, ratios = [], []
    for n, d, run_package in cases:
        case = f"{n:,} x {d:,}"
        ours = measure(n, d, "library")
        if isinstance(ours, str):
            print(row([case, "sklearn_imd", ours[:8], *[""] * 7]))
            notes.append(f"{case} sklearn_imd: {ours}")
        else:
            print(row([case, "sklearn_imd.prdc_score", f"{ours['seconds']:.2f}",
                       f"{ours['peak_gb']:.2f}", f"{ours['call_gb']:.2f}",
                       *[f"{ours[m]:.5f}" for m in METRICS], "-"]), flush=True)
        if not run_package:
            gb = 12 * n * n / 1e9
            print(row([case, "prdc.compute_prdc", "not run", f">{gb:,.3g}", "", *[""] * 5]))
            notes.append(f"{case} prdc.compute_prdc not run: it holds a {n:,} x {n:,} "
                         f"float32 distance matrix and its int64 argpartition at once, "
                         f"12 n^2 bytes = {gb:,.3g} GB at least.")
            continue
        if not have_package:
            print(row([case, "prdc.compute_prdc", "skipped", *[""] * 7]))
            continue
        theirs = measure(n, d, "package")
        if isinstance(theirs, str):
            print(row([case, "prdc.compute_prdc", "failed", *[""] * 7]))
            notes.append(f"{case} prdc.compute_prdc: {theirs}")
            continue
        diff = "-"
        if not isinstance(ours, str):
            worst = max(abs(ours[m] - theirs[m]) for m in METRICS)
            diff = f"{worst:.2g}" + (" >1/n" if worst > 1 / n else "")
            ratios.append((case, theirs["seconds"] / ours["seconds"],
                           theirs["call_gb"], ours["call_gb"]))
        print(row([case, "prdc.compute_prdc", f"{theirs['seconds']:.2f}",
                   f"{theirs['peak_gb']:.2f}", f"{theirs['call_gb']:.2f}",
                   *[f"{theirs[m]:.5f}" for m in METRICS], diff]), flush=True)

    print()
    for case, speed, theirs_gb, ours_gb in ratios:
        print(f"package / library, {case}: {speed:.1f}x the time; call memory "
              f"{theirs_gb:.2f} GB against {ours_gb:.2f} GB")
    for note in notes:
        print(note)
    print("max abs diff: largest |package - library| of the four values; '>1/n' marks one "
          "above a single point's share (density's unit is 1/(k n), smaller).")
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
