"""Time to the first number: what a new user waits for, with an empty and a warm kernel cache.

Each measurement runs in a fresh Python process (so imports and the loading of
cached kernels count), with ``SKLEARN_IMD_CACHE_DIR`` pointing at a private
folder made for this run: empty for the "cold" rows, filled by the cold run for
the "warm" rows.  The cold first score is also broken down by the Numba
kernels that compile (numba's compile events).

    python asv_bench/first_number.py            # the table
    python asv_bench/first_number.py --quick    # without the 5,000-point imd_test

Run it on an idle machine: the rows are compared with each other.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

# Each snippet prints one JSON object: its timings, in seconds.
FIRST_SCORE = """
import json, time
t0 = time.perf_counter()
import numpy as np
from numba.core import event
from sklearn_imd import imd_score
t1 = time.perf_counter()
rng = np.random.default_rng(0)
X = rng.normal(size=(1500, 10))
Y = rng.beta(0.5, 0.5, size=(1500, 10))
with event.install_recorder("numba:compile") as rec:
    imd_score(X, Y, random_state=0)
t2 = time.perf_counter()
imd_score(X, Y, random_state=1)
t3 = time.perf_counter()
starts, kernels = {}, {}
for ts, e in rec.buffer:
    name = e.data["dispatcher"].py_func.__module__ + "." + e.data["dispatcher"].py_func.__name__
    if not name.startswith("sklearn_imd"):
        continue
    if e.is_start:
        starts[name] = ts
    else:
        kernels[name] = kernels.get(name, 0.0) + ts - starts[name]
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "second": t3 - t2, "kernels": kernels}))
"""

README_TEST = """
import json, time
import numpy as np
from sklearn_imd import imd_score, imd_test
rng = np.random.default_rng(0)
X = rng.normal(size=(1000, 10))
Y = rng.beta(0.5, 0.5, size=(1000, 10))
t0 = time.perf_counter()
imd_score(X, Y, random_state=0)
res = imd_test(X, Y, n_permutations=99, n_resamples=0, random_state=0)
print(json.dumps({"snippet": time.perf_counter() - t0}))
"""

DEFAULT_TEST = """
import json, time
import numpy as np
from sklearn_imd import imd_score, imd_test
rng = np.random.default_rng(0)
X = rng.normal(size=({n}, 10))
Y = rng.beta(0.5, 0.5, size=({n}, 10))
imd_score(X, Y, random_state=0)
t0 = time.perf_counter()
imd_score(X, Y, random_state=0)
t1 = time.perf_counter()
imd_test(X, Y, random_state=0)
print(json.dumps({{"score": t1 - t0, "test": time.perf_counter() - t1}}))
"""


def run(code, cache):
    env = {**os.environ, "SKLEARN_IMD_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip the imd_test of two 5,000-point clouds")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cold = os.path.join(tmp, "cold-score")
        os.mkdir(cold, 0o700)
        first = run(FIRST_SCORE, cold)
        rows.append(("imd_score, 1,500 points, empty cache: first call", first["first"]))
        for name, seconds in sorted(first["kernels"].items(), key=lambda kv: -kv[1]):
            rows.append((f"  of which compiling {name}", seconds))
        rows.append(("  the same call again, same process", first["second"]))
        warm = run(FIRST_SCORE, cold)
        rows.append(("imd_score, 1,500 points, warm cache, new process", warm["first"]))
        rows.append(("  import sklearn_imd", warm["import"]))
        snippet_cache = os.path.join(tmp, "cold-snippet")
        os.mkdir(snippet_cache, 0o700)
        rows.append(("README imd_test snippet, empty cache",
                     run(README_TEST, snippet_cache)["snippet"]))
        rows.append(("README imd_test snippet, warm cache",
                     run(README_TEST, snippet_cache)["snippet"]))
        for n in (1000,) if args.quick else (1000, 5000):
            t = run(DEFAULT_TEST.format(n=n), snippet_cache)
            rows.append((f"imd_test defaults, 2 x {n:,} points, warm cache", t["test"]))
            rows.append((f"  one imd_score of the same clouds ({t['test'] / t['score']:.0f}"
                         " times less)", t["score"]))
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  seconds")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:7.2f}")


if __name__ == "__main__":
    main()
