#!/usr/bin/python3
"""freshet.peach vs multiprocessing.Pool.map vs joblib.Parallel, same worker count.

Three workloads (each run --repeats times, tools interleaved, best time reported):
  tiny   10,000 calls of x + 1 (dispatch overhead)
  cpu    100 calls of a pure-Python loop (~20 ms each): scaling past the GIL
  array  100 calls each summing a 200 MB float64 array (reading shared input):
           peach: freshet.share once, workers read a read-only shared-memory view;
           Pool: the array reaches the workers through fork (copy-on-write, the usual idiom:
                 a module global set before the pool forks);
           joblib: the array passed as an argument (joblib memory-maps large arrays for its
                 loky workers, its documented way).
Memory for `array`: peak RSS (VmHWM) summed over the worker processes, and their PSS at the end
(shared pages split between processes: the honest total), plus the parent's peak RSS.
Pools are started before timing (start-up reported separately).

  PYTHONPATH=build/python bench/python_peach.py [--workers 2] [--repeats 3]
"""

import argparse
import json
import multiprocessing as mp
import os
import time

import numpy as np

import freshet

BIG = None  # the array for multiprocessing's fork idiom


def tiny(x):
    return x + 1


def spin(n):
    s = 0
    for i in range(n):
        s += i * i
    return s


def sum_big(i):
    return float(BIG.sum()) + i


def sum_shared(i):
    return float(freshet.shared("big").sum()) + i


def sum_arg(a, i):
    return float(a.sum()) + i


def proc_mem(pid):
    hwm = rss = pss = 0
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return hwm / 1024, rss / 1024, pss / 1024


def children():
    import psutil
    return [p.pid for p in psutil.Process().children(recursive=True)]


def main():
    global BIG
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--spin", type=int, default=300_000)
    ap.add_argument("--mb", type=int, default=200)
    a = ap.parse_args()
    W = a.workers
    from joblib import Parallel, delayed

    BIG = np.random.default_rng(0).random(a.mb * 1024 * 1024 // 8)
    ctx = mp.get_context("fork")
    t0 = time.perf_counter()
    pool = ctx.Pool(W)
    pool.map(tiny, range(W))
    start_pool = time.perf_counter() - t0
    t0 = time.perf_counter()
    freshet.start(W)
    freshet.share("big", BIG)
    freshet.peach(tiny, range(W))
    start_peach = time.perf_counter() - t0
    par = Parallel(n_jobs=W)
    t0 = time.perf_counter()
    par(delayed(tiny)(i) for i in range(W))
    start_joblib = time.perf_counter() - t0
    print(json.dumps({"startup_s": {"peach(start+share)": round(start_peach, 3),
                                    "mp.Pool": round(start_pool, 3),
                                    "joblib": round(start_joblib, 3)}}), flush=True)
    serial_spin = time.perf_counter()
    spin(a.spin)
    serial_spin = time.perf_counter() - serial_spin

    work = {
        "tiny": (list(range(10_000)), tiny, tiny, lambda xs: [delayed(tiny)(x) for x in xs]),
        "cpu": ([a.spin] * 100, spin, spin, lambda xs: [delayed(spin)(x) for x in xs]),
        "array": (list(range(100)), sum_shared, sum_big,
                  lambda xs: [delayed(sum_arg)(BIG, x) for x in xs]),
    }
    for name, (items, f_peach, f_pool, jobs) in work.items():
        best = {"peach": 1e9, "mp.Pool.map": 1e9, "joblib": 1e9}
        outputs = {}
        for _ in range(a.repeats):
            for tool in best:
                t0 = time.perf_counter()
                if tool == "peach":
                    out = freshet.peach(f_peach, items)
                elif tool == "mp.Pool.map":
                    out = pool.map(f_pool, items)
                else:
                    out = par(jobs(items))
                best[tool] = min(best[tool], time.perf_counter() - t0)
                outputs[tool] = out
        assert outputs["peach"] == outputs["mp.Pool.map"] == outputs["joblib"], name
        row = {"workload": name, "calls": len(items), "workers": W,
               **{k + "_s": round(v, 4) for k, v in best.items()},
               "pool/peach": round(best["mp.Pool.map"] / best["peach"], 2),
               "joblib/peach": round(best["joblib"] / best["peach"], 2),
               "load1": round(os.getloadavg()[0], 2)}
        if name == "cpu":
            row["serial_s"] = round(serial_spin * len(items), 3)
        print(json.dumps(row), flush=True)

    # Memory after the array workload: each tool's workers.
    peach_pids = freshet.start(W)
    pool_pids = [p.pid for p in pool._pool]
    other = set(children()) - set(peach_pids) - set(pool_pids)
    mem = {}
    for tool, pids in (("peach", peach_pids), ("mp.Pool", pool_pids), ("joblib", other)):
        stats = [proc_mem(p) for p in pids]
        stats = [s for s in stats if s[0] > 0]
        mem[tool] = {"workers": len(stats),
                     "peak_rss_sum_mb": round(sum(s[0] for s in stats), 1),
                     "pss_sum_mb": round(sum(s[2] for s in stats), 1)}
    mem["parent_peak_rss_mb"] = round(proc_mem(os.getpid())[0], 1)
    print(json.dumps({"array_memory": mem, "array_mb": a.mb}), flush=True)
    pool.close()
    pool.join()
    freshet.stop()


if __name__ == "__main__":
    main()
