#!/usr/bin/python3
"""freshet vs tsfresh 0.21.2 on long series (issue #16): `comprehensive` settings, random walks of
16,000 points, per-series wall time in one run.

Usage (from the repo root, tsfresh set up as in ../shared/peers/SETUP-tsfresh.md):
  /usr/bin/python3 bench/fresh_long_tsfresh.py [BUILD_DIR] [--series 4] [--n 16000]
                   [--reps 3] [--tsfresh-jobs 2] [--small 4000,8000]

CPU time, not wall time, throughout: the machine is shared (load averages of 10-20 on 2 cores),
and wall time there measures the other users. A run on k workers is credited with CPU / k, i.e.
perfect scaling on k otherwise idle cores, for both programs.

What it measures (everything on the same random walks, the generator of bench/fresh_long.sh):
1. freshet: `freshet extract --features comprehensive` with --workers 2 (both cores, as tsfresh's
   n_jobs=2) and --workers 0 (one core), least CPU time of --reps runs of the whole process
   (CSV read, extraction, CSV write).
2. tsfresh, in three parts, because a whole comprehensive run at 16,000 points takes minutes per
   series and its approximate_entropy needs ~12 GB per call (it builds N x N x (m+1) arrays):
   a. extract_features(comprehensive without approximate_entropy and sample_entropy,
      n_jobs=2) on all series: measured CPU time, this process and its pool workers.
   b. sample_entropy on one series of n points, called directly (one core): measured.
   c. approximate_entropy(m=2, r) for each r of the preset, called directly (one core) on the
      first 4,000 and 8,000 points of a series (--small): measured, then extrapolated to n points
      by the measured growth exponent between the two sizes (tsfresh's work there is dense
      N x N, so the exponent comes out near 2; the extrapolation is printed with it).
   tsfresh per series = (a / series + b + sum of c) / 2: everything is assumed to run perfectly
   in parallel on the n_jobs=2 workers (the most favourable reading for tsfresh).
With --tsfresh-json FILE (an earlier run's output) only freshet is measured again.
The last line printed is a JSON object with every number.
"""
import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import warnings


def setup_tsfresh():
    for env, default in (("STUMPY_SRC", "/tmp/stumpy-src"), ("TSFRESH_SRC", "/tmp/tsfresh-src")):
        p = os.environ.get(env) or (default if os.path.isdir(default) else None)
        if p and p not in sys.path:
            sys.path.insert(0, p)


def walks(n, count):
    """Gaussian-step random walks, the same numbers as bench/fresh_long.sh's make_csv."""
    rng = random.Random(n * 1000 + count)
    out = []
    for _ in range(count):
        w = 0.0
        xs = []
        for _ in range(n):
            w += rng.gauss(0.0, 1.0)
            xs.append(w)
        out.append(xs)
    return out


def write_csv(path, series):
    with open(path, "w") as fh:
        fh.write("id,time,value\n")
        for i, xs in enumerate(series):
            fh.write("".join(f"{i},{t},{v!r}\n" for t, v in enumerate(xs)))


def cpu_now():
    """CPU seconds (user + sys) of this process and of its finished children (pool workers)."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def cpu_of(cmd, reps):
    best = math.inf
    for _ in range(reps):
        t0 = cpu_now()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best = min(best, cpu_now() - t0)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--series", type=int, default=4)
    ap.add_argument("--n", type=int, default=16000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tsfresh-jobs", type=int, default=2)
    ap.add_argument("--small", default="4000,8000")
    ap.add_argument("--tsfresh-json", default="",
                    help="take tsfresh's numbers from this file (the last line of an earlier run) "
                    "instead of measuring them again (they take minutes)")
    a = ap.parse_args()
    small = [int(s) for s in a.small.split(",")]
    work = os.environ.get("TMPDIR", "/tmp") + "/freshet_bench_long"
    os.makedirs(work, exist_ok=True)
    series = walks(a.n, a.series)
    csv = f"{work}/walk_{a.n}_{a.series}.csv"
    if not os.path.exists(csv):
        write_csv(csv, series)
    res = {"n": a.n, "series": a.series, "tsfresh_jobs": a.tsfresh_jobs,
           "load_start": open("/proc/loadavg").read().split()[:3]}

    # 1. freshet, the whole process (CSV read, extraction, CSV write).
    freshet = os.path.join(a.build, "freshet")
    for workers in (2, 0) if os.path.exists(freshet) else ():
        cmd = [freshet, "extract", csv, "--workers", str(workers), "-q", "--features",
               "comprehensive", "-o", f"{work}/freshet_out.csv"]
        # CPU seconds over the workers: the wall time on `workers` cores if they scale perfectly.
        res[f"freshet_workers{workers}_s_per_series"] = (
            cpu_of(cmd, a.reps) / a.series / max(workers, 1))
    print(json.dumps(res), flush=True)

    # 2. tsfresh.
    if a.tsfresh_json:
        with open(a.tsfresh_json) as fh:
            old = json.loads(fh.read().strip().splitlines()[-1])
        for k, v in old.items():
            if k.startswith("tsfresh_"):
                res[k] = v
        res["tsfresh_from"] = a.tsfresh_json
        finish(res, a)
        return
    setup_tsfresh()
    import numpy as np
    import pandas as pd
    from tsfresh import extract_features
    from tsfresh.feature_extraction import feature_calculators as fc
    from tsfresh.feature_extraction import settings as S

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        params = S.ComprehensiveFCParameters()
    apen_params = params.pop("approximate_entropy")
    params.pop("sample_entropy")
    df = pd.read_csv(csv, dtype={"value": "float64"})
    t0 = cpu_now()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extract_features(df, column_id="id", column_sort="time", column_value="value",
                         default_fc_parameters=params, n_jobs=a.tsfresh_jobs,
                         disable_progressbar=True)
    # Its pool's workers have ended here, so their CPU time is in RUSAGE_CHILDREN.
    res["tsfresh_rest_cpu_s_per_series"] = (cpu_now() - t0) / a.series
    res["tsfresh_rest_s_per_series"] = res["tsfresh_rest_cpu_s_per_series"] / a.tsfresh_jobs
    print(json.dumps(res), flush=True)

    x = np.asarray(series[0])
    t0 = time.process_time()
    fc.sample_entropy(x)
    res["tsfresh_sample_entropy_s"] = time.process_time() - t0
    print(json.dumps(res), flush=True)

    apen = {}
    for size in small:
        total = 0.0
        for p in apen_params:
            t0 = time.process_time()
            fc.approximate_entropy(x[:size], p["m"], p["r"])
            total += time.process_time() - t0
        apen[size] = total
    res["tsfresh_apen_all_r_s"] = {str(k): v for k, v in apen.items()}
    s0, s1 = small[0], small[-1]
    exponent = math.log(apen[s1] / apen[s0]) / math.log(s1 / s0)
    res["tsfresh_apen_exponent"] = exponent
    res["tsfresh_apen_all_r_s_extrapolated"] = apen[s1] * (a.n / s1) ** exponent
    res["tsfresh_s_per_series"] = res["tsfresh_rest_s_per_series"] + (
        res["tsfresh_sample_entropy_s"] + res["tsfresh_apen_all_r_s_extrapolated"]) / a.tsfresh_jobs
    finish(res, a)


def finish(res, a):
    for workers in (2, 0):
        key = f"freshet_workers{workers}_s_per_series"
        if key in res:
            res[f"ratio_tsfresh_vs_freshet_workers{workers}"] = res["tsfresh_s_per_series"] / res[key]
    res["load_end"] = open("/proc/loadavg").read().split()[:3]
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
