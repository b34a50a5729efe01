"""The speed targets, measured side by side in one run, each figure in fresh processes.

    python asv_bench/scale_table.py --paper PATH     # all sections (about 15 minutes)
    python asv_bench/scale_table.py --skip-million   # without the 1,000,000-point clouds
    python asv_bench/scale_table.py --only-million
    python asv_bench/scale_table.py --quick          # small shapes, to try the script

``PATH`` is a checkout of the paper's code (``git clone https://github.com/xgfs/imd``;
the folder holding ``msid/``), also read from ``$IMD_PAPER_CODE``.  Without it
the paper's columns are left empty.

1. **Warm.**  In one process, after a first call: one signature (median of 3),
   split into kNN graph and heat trace, beside two products of the cloud with
   itself (median of 3 each): ``X @ X.T``, which numpy computes by ``syrk``
   (each pair once), and ``X @ Y.T`` with ``Y`` a copy (``gemm``, all pairs).
   The exact search computes each pair once, so its *floor* is half the
   all-pairs product; every figure is also given as a ratio to it.
2. **Fresh process.**  Each figure is the wall time of a whole new Python
   process (interpreter, imports, loading the ``.npy`` files written
   beforehand, the work), the median of ``--repeat`` processes, beside the
   same for the paper's code: ``msid_descriptor`` for one signature,
   ``msid_score`` for a score.  Clouds are standard Gaussian (the hardest case
   for neighbour search), float64 at 1,000 x 10 and float32 above.
3. **A million points.**  1,000,000 x 64 float32 on manifolds of intrinsic
   dimension up to 10 drawn four ways (a linear map, tanh of one, random
   Fourier features, and a union of four manifolds of dimensions 2, 5, 8 and
   10), one ``imd_signature`` each in a fresh process with the defaults:
   which search ``knn="auto"`` took, the recall its check measured (on 256
   points against their exact neighbours), time, split and peak memory.

The load average and the idle share of the CPUs are printed before and after:
figures from a busy machine are not comparable with others.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

DATA = r"""
import numpy as np

def cloud(family, n, d, seed, dim=8):
    rng = np.random.default_rng(seed)
    if family == "gaussian":
        X = rng.standard_normal((n, d))
        return X if d <= 10 else X.astype(np.float32)
    maps = np.random.default_rng(1000 + dim)
    if family == "union":
        # four manifolds of dimensions 2, 5, 8 and 10, each moved to its own place
        sizes = np.diff(np.linspace(0, n, 5).astype(int))
        parts = [cloud(f, size, d, seed + 1 + i, dim) + maps.standard_normal(d).astype(np.float32)
                 for i, (f, size, dim) in enumerate(zip(("linear", "tanh", "fourier", "linear"),
                                                        sizes, (2, 5, 8, 10)))]
        return np.concatenate(parts)[rng.permutation(n)]
    Z = rng.standard_normal((n, dim))
    W = maps.standard_normal((dim, d))
    if family == "linear":
        X = Z @ W
    elif family == "tanh":
        X = np.tanh(Z @ W / np.sqrt(dim))
    elif family == "fourier":
        # frequencies of norm about 1: the phases turn by a few radians across
        # the cloud, a curved manifold, not a space-filling fold
        X = np.sqrt(2.0 / d) * np.cos(Z @ W / np.sqrt(dim) + maps.uniform(0, 2 * np.pi, d))
    return X.astype(np.float32)
"""

OURS = {
    "signature": "from sklearn_imd import imd_signature\nimd_signature(X, random_state=0)",
    "transformer": ("from sklearn_imd import IMDSignature\n"
                    "IMDSignature(random_state=0).fit_transform([X])"),
    "score": "from sklearn_imd import imd_score\nimd_score(X, Y, random_state=0)",
}
PAPER = {
    "signature": "from msid.msid import msid_descriptor\nmsid_descriptor(X)",
    "score": "from msid.msid import msid_score\nmsid_score(X, Y)",
}
# what each of our figures is compared with
PAPER_OF = {"signature": "signature", "transformer": "signature", "score": "score",
            "cli": "score"}

WARM = DATA + r"""
import json, sys, time
spec = json.loads(sys.argv[1])
X = cloud("gaussian", spec["n"], spec["d"], 0)
from sklearn_imd import imd_signature
from sklearn_imd._core.compute import plan_search
from sklearn_imd._core.graph import knn_adjacency, normalized_laplacian
from sklearn_imd._core.heat import heat_trace
from sklearn_imd._utils.validation import JIT_MIN_POINTS, default_times
import numpy as np
dense = spec["n"] < JIT_MIN_POINTS  # the route of a one-cloud call

def median(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter(); fn(); times.append(time.perf_counter() - t0)
    return sorted(times)[repeat // 2]

imd_signature(X, random_state=0)
out = {"warm": median(lambda: imd_signature(X, random_state=0))}
plan = plan_search(X, 5, "auto", 0)
out["graph"] = median(lambda: knn_adjacency(X, 5, "auto", random_state=0, plan=plan,
                                            dense=dense))
L = normalized_laplacian(knn_adjacency(X, 5, "auto", random_state=0, plan=plan, dense=dense))
out["heat"] = median(lambda: heat_trace(L, default_times(), "auto", 10, 100,
                                        np.random.default_rng(0), jit=not dense))
Xc = X - X.mean(axis=0)
Yc = Xc.copy()
# numpy computes X @ X.T by syrk, each pair once; X @ Y.T (a copy) by gemm, all pairs
out["syrk"] = median(lambda: Xc @ Xc.T)
out["gemm"] = median(lambda: Xc @ Yc.T)
print(json.dumps(out))
"""

MILLION = DATA + r"""
import json, resource, sys, time, warnings
spec = json.loads(sys.argv[1])
X = cloud(spec["family"], spec["n"], 64, 0)
t0 = time.perf_counter()
import sklearn_imd._core.compute as compute
import sklearn_imd._core.graph as graph
from sklearn_imd import imd_signature
out = {"recall": None, "graph": 0.0, "heat": 0.0}

def spy(module, name, key):
    fn = getattr(module, name)
    def wrapped(*args, **kwargs):
        t = time.perf_counter(); result = fn(*args, **kwargs)
        if key == "recall":
            out["recall"] = result
        elif key == "plan":
            out["search"] = result[0]
        else:
            out[key] += time.perf_counter() - t
        return result
    setattr(module, name, wrapped)

spy(graph, "sample_recall", "recall")
spy(compute, "plan_search", "plan")
spy(compute, "knn_adjacency", "graph")
spy(compute, "heat_trace", "heat")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    imd_signature(X, random_state=0)
out["seconds"] = time.perf_counter() - t0
out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
out["warnings"] = [w.category.__name__ for w in caught]
print(json.dumps(out))
"""


def run(args, env=None):
    """Wall time and peak resident memory (GB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{err[-2000:]}")
    return seconds, usage.ru_maxrss / 2**20, out


def child(code, files, paper=None):
    """A ``python -c`` command that loads X (and Y) and runs ``code``."""
    lines = ["import numpy as np"]
    if paper:
        lines += ["import sys", f"sys.path.insert(0, {paper!r})", "np.random.seed(0)"]
    lines += [f"X = np.load({files[0]!r})", f"Y = np.load({files[1]!r})", code]
    return [sys.executable, "-c", "\n".join(lines)]


def cli_command(files):
    exe = os.path.join(os.path.dirname(sys.executable), "sklearn-imd")
    head = [exe] if os.path.exists(exe) else [sys.executable, "-m", "sklearn_imd"]
    return head + ["score", files[0], files[1], "--seed", "0"]


def median_run(args, repeat):
    first = run(args)
    runs = [first] + ([run(args) for _ in range(repeat - 1)] if first[0] < 20 else [])
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def load():
    """Load averages, and the share of CPU time idle over the next 2 seconds
    (``/proc/stat``; some containers keep the load average near 1 while idle)."""
    text = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        def ticks():
            with open("/proc/stat") as f:
                values = [int(v) for v in f.readline().split()[1:]]
            return values[3] + values[4], sum(values)  # idle + iowait, all
        idle0, all0 = ticks()
        time.sleep(2)
        idle1, all1 = ticks()
        share = (idle1 - idle0) / max(1, all1 - all0)
        text += f"; CPU idle {share:.0%} over 2 s ({'idle' if share > 0.95 else 'busy'})"
    except OSError:
        pass
    return text


def fmt(x, spec="{:.2f}"):
    return "-" if x is None else spec.format(x)


def fresh_section(shapes, repeat, paper, folder, floors):
    print("\n## Fresh process: wall time of a whole new process (median of "
          f"{repeat}; runs over 20 s once)\n")
    print("| workload | ours | seconds | peak GB | paper's code | seconds | ours / paper | "
          "ours / floor |")
    print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |")
    write = [sys.executable, "-c", DATA + "\nimport sys\nn, d = int(sys.argv[1]), int(sys.argv[2])"
             "\nfor i, f in enumerate(sys.argv[3:]): np.save(f, cloud('gaussian', n, d, i))"]
    for n, d in shapes:
        files = [os.path.join(folder, f"{n}x{d}_{i}.npy") for i in (0, 1)]
        subprocess.run(write + [str(n), str(d)] + files, check=True)
        paper_times = {}
        if paper:
            for what, code in PAPER.items():
                paper_times[what] = median_run(child(code, files, paper), repeat)[0]
        for what in ("signature", "transformer", "score", "cli"):
            args = cli_command(files) if what == "cli" else child(OURS[what], files)
            seconds, peak = median_run(args, repeat)
            theirs = paper_times.get(PAPER_OF[what])
            label = {"signature": "`imd_signature(X)`", "transformer":
                     "`IMDSignature().fit_transform([X])`", "score": "`imd_score(X, Y)`",
                     "cli": "`sklearn-imd score x.npy y.npy`"}[what]
            their_label = {"signature": "`msid_descriptor(X)`", "score":
                           "`msid_score(X, Y)`"}[PAPER_OF[what]]
            floor = floors.get((n, d))
            print(f"| {n:,} x {d:,} | {label} | {seconds:.2f} | {peak:.2f} | {their_label} | "
                  f"{fmt(theirs)} | {fmt(theirs and seconds / theirs)} | "
                  f"{fmt(floor and seconds / floor, '{:.1f}')} |", flush=True)


def warm_section(shapes):
    """The warm figures, and each shape's product floor: half of ``X @ Y.T``
    (all pairs), the cost of each pair once at the machine's product rate."""
    print("\n## Warm: one signature in a process that has computed one before "
          "(median of 3)\n")
    print("| workload | signature s | graph s | heat s | `X @ X.T` s (syrk) | `X @ Y.T` s "
          "(gemm) | signature / floor | issue's target s | met |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    floors = {}
    for n, d, target in shapes:
        out = json.loads(run([sys.executable, "-c", WARM, json.dumps(dict(n=n, d=d))])[2])
        floors[n, d] = out["gemm"] / 2
        goal = out["syrk"] / 2 + 0.5 if target == "half" else target
        verdict = ("-", "-") if goal is None else (
            f"{goal:.2f} ({'X @ X.T / 2 + 0.5' if target == 'half' else 'fixed'})",
            "yes" if out["warm"] <= goal else "no")
        print(f"| {n:,} x {d:,} | {out['warm']:.3f} | {out['graph']:.3f} | {out['heat']:.3f} | "
              f"{out['syrk']:.3f} | {out['gemm']:.3f} | {out['warm'] / floors[n, d]:.2f} | "
              f"{verdict[0]} | {verdict[1]} |", flush=True)
    return floors


def million_section(n, families, floor):
    print(f"\n## {n:,} x 64 float32 on manifolds of intrinsic dimension <= 10: one "
          "`imd_signature(X)` in a fresh process (data made beforehand)\n")
    if floor:
        print(f"Product floor of an exact search (half of an all-pairs X @ Y.T, extrapolated "
              f"as n^2 from the {floor[1]:,} x 64 measurement): {floor[0]:.1f} s.\n")
        floor = floor[0]
    print("| family | search | sampled recall | seconds | graph s | heat s | peak GB | "
          "ours / floor | warnings |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for family in families:
        _, peak, text = run([sys.executable, "-c", MILLION, json.dumps(dict(family=family, n=n))])
        out = json.loads(text.strip().splitlines()[-1])
        print(f"| {family} | {out.get('search', '-')} | {fmt(out['recall'], '{:.4f}')} | "
              f"{out['seconds']:.1f} | {out['graph']:.1f} | {out['heat']:.1f} | "
              f"{out['peak_gb']:.2f} | {fmt(floor and out['seconds'] / floor, '{:.3f}')} | "
              f"{', '.join(out['warnings']) or '-'} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paper", default=os.environ.get("IMD_PAPER_CODE"),
                        help="folder holding the paper's msid/ package")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--only-million", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.paper and not os.path.isdir(os.path.join(args.paper, "msid")):
        parser.error(f"{args.paper} holds no msid/ folder (the paper's package)")
    print(f"load average (1, 5, 15 min) at the start: {load()}; {os.cpu_count()} cores; "
          f"Python {sys.version.split()[0]}")
    if args.quick:
        fresh, million = [(1000, 10), (3000, 64)], 20_000
        warm = [(1000, 10, None), (3000, 64, "half")]
    else:
        fresh = [(1000, 10), (10_000, 64), (10_000, 2048)]
        warm = [(1000, 10, None), (10_000, 2048, "half"), (10_000, 64, 0.3)]
        million = 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        floors = {}
        if not args.only_million:
            floors = warm_section(warm)
            fresh_section(fresh, args.repeat, args.paper, folder, floors)
        if not args.skip_million:
            small = min((s for s in floors if s[1] == 64), default=None)
            floor = small and (floors[small] * (million / small[0]) ** 2, small[0])
            million_section(million, ["linear", "tanh", "fourier", "union"], floor)
    print(f"\nload average (1, 5, 15 min) at the end: {load()}")


if __name__ == "__main__":
    main()
