#!/usr/bin/python3
"""freshet.extract_features vs tsfresh.extract_features from Python, on the same DataFrame.

Both are called the same way (long DataFrame in memory, column_id/sort/kind/value, the same
settings object, impute_function=None); freshet's time includes everything its Python side does
(factorising ids and kinds, handing the numpy buffers to C++, building the result DataFrame in
tsfresh's column order). Runs alternate (freshet, tsfresh, freshet, ...) so both see the same
machine load; the best of --repeats is reported. tsfresh runs sequentially (n_jobs=0) and freshet
with n_jobs=1 (one thread) for the like-for-like ratio, plus freshet with n_jobs=2.
Results are compared (same column set, values by rtol 1e-9 / atol 1e-10 outside the exception
calculators) so a fast wrong answer cannot pass unnoticed.

tsfresh from source as in ../shared/peers/SETUP-tsfresh.md (TSFRESH_SRC, default
/tmp/tsfresh-src; a stub stumpy module is installed if stumpy is absent).

  PYTHONPATH=build/python bench/python_extract.py [--repeats 3] [--sizes 20x500,100x1000,roll]

`roll` is rolled extraction on 5 GunPoint ids (tsfresh run once: ~30 s).
"""

import argparse
import json
import os
import sys
import time
import types
import warnings

import numpy as np
import pandas as pd


def setup_tsfresh():
    for env, default in (("STUMPY_SRC", "/tmp/stumpy-src"), ("TSFRESH_SRC", "/tmp/tsfresh-src")):
        p = os.environ.get(env) or (default if os.path.isdir(default) else None)
        if p and p not in sys.path:
            sys.path.insert(0, p)
    try:
        import stumpy  # noqa: F401
    except Exception:
        stub = types.ModuleType("stumpy")
        stub.core = types.SimpleNamespace(mass=None, mass_absolute=None)
        sys.modules["stumpy"] = stub
    import tsfresh
    return tsfresh


def synthetic(n_ids, length, kinds=1, seed=42):
    rng = np.random.default_rng(seed)
    n = n_ids * length * kinds
    drift = rng.normal(0, 0.02, size=(n_ids, kinds, 1))
    values = np.cumsum(rng.normal(size=(n_ids, kinds, length)) + drift, axis=2)
    return pd.DataFrame({
        "id": np.repeat(np.arange(n_ids), kinds * length),
        "time": np.tile(np.arange(length), n_ids * kinds),
        "kind": np.tile(np.repeat(["k%d" % k for k in range(kinds)], length), n_ids),
        "value": values.reshape(n),
    })


def robot():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "shared", "data", "RobotFailureLP1", "series.csv")
    return pd.read_csv(path, dtype={"kind": str, "value": "float64"})


def gunpoint_subset():
    """The 5 GunPoint ids of shared/reference/tsfresh_rolling (5 x 150 points)."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "shared", "reference", "tsfresh_rolling", "GunPoint",
                        "series_subset.csv")
    return pd.read_csv(path, dtype={"kind": str, "value": "float64"},
                       float_precision="round_trip")


def bench_roll(tsfresh, freshet, S, cls, repeats):
    """Rolled extraction (max_timeshift 20, min_timeshift 5): tsfresh's roll_time_series +
    extract_features against freshet's roll_time_series + extract_features (the same two
    calls) and freshet's extract_features(roll=...) (no rolled frame)."""
    from tsfresh.utilities.dataframe_functions import roll_time_series as ts_roll
    df = gunpoint_subset()
    kw = dict(column_id="id", column_sort="time", column_kind="kind", column_value="value",
              disable_progressbar=True)
    roll = dict(max_timeshift=20, min_timeshift=5)
    best = {"tsfresh": 1e9, "freshet_frame": 1e9, "freshet_roll": 1e9}
    results = {}
    for r in range(repeats):
        for tool in ("freshet_roll", "freshet_frame", "tsfresh"):
            if tool == "tsfresh" and r > 0:
                continue  # ~30 s a run; one is enough against milliseconds
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                if tool == "tsfresh":
                    rolled = ts_roll(df, column_id="id", column_sort="time", column_kind="kind",
                                     n_jobs=0, disable_progressbar=True, **roll)
                    X = tsfresh.extract_features(rolled, default_fc_parameters=getattr(S, cls)(),
                                                 n_jobs=0, **kw)
                elif tool == "freshet_frame":
                    rolled = freshet.roll_time_series(df, column_id="id", column_sort="time",
                                                      column_kind="kind", **roll)
                    X = freshet.extract_features(rolled, n_jobs=1,
                                                 default_fc_parameters=getattr(freshet, cls)(),
                                                 **kw)
                else:
                    X = freshet.extract_features(df, n_jobs=1, roll=roll,
                                                 default_fc_parameters=getattr(freshet, cls)(),
                                                 **kw)
                best[tool] = min(best[tool], time.perf_counter() - t0)
            results[tool] = X
    assert list(results["freshet_roll"].columns) == list(results["tsfresh"].columns)
    assert list(results["freshet_roll"].index) == list(results["tsfresh"].index)
    pd.testing.assert_frame_equal(results["freshet_roll"], results["freshet_frame"])
    a, b = results["freshet_roll"].copy(), results["tsfresh"].copy()
    a.index = b.index = range(len(a))
    cmp = check(a, b)
    print(json.dumps({
        "data": "GunPoint 5 ids rolled M20 m5", "windows": len(a),
        "features": results["tsfresh"].shape[1], "settings": cls,
        "tsfresh_s": round(best["tsfresh"], 4),
        "freshet_frame_s": round(best["freshet_frame"], 4),
        "freshet_roll_s": round(best["freshet_roll"], 4),
        "ratio_frame": round(best["tsfresh"] / best["freshet_frame"], 1),
        "ratio_roll": round(best["tsfresh"] / best["freshet_roll"], 1),
        "index_and_columns_equal": True, **cmp, "load1": os.getloadavg()[0]}), flush=True)


def check(a, b):
    assert sorted(a.columns) == sorted(b.columns), "column sets differ"
    b = b[a.columns]
    x, y = a.to_numpy(), b.to_numpy()
    skip = np.array([any(s in c for s in ("variation_coefficient", "angle", "partial_auto",
                                          "augmented_dickey")) for c in a.columns])
    x, y = x[:, ~skip], y[:, ~skip]
    same_nan = np.array_equal(np.isnan(x), np.isnan(y))
    fin = np.isfinite(x) & np.isfinite(y)
    ok = np.abs(x - y)[fin] <= 1e-9 * np.maximum(np.abs(x), np.abs(y))[fin] + 1e-10
    return {"nan_pattern_equal": bool(same_nan), "cells_outside_tolerance": int((~ok).sum()),
            "cells": int(x.size)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", default="robot,20x500,50x1000")
    ap.add_argument("--settings", default="efficient")
    a = ap.parse_args()
    tsfresh = setup_tsfresh()
    from tsfresh.feature_extraction import settings as S
    import freshet

    cls = {"efficient": "EfficientFCParameters", "comprehensive": "ComprehensiveFCParameters",
           "minimal": "MinimalFCParameters"}[a.settings]
    kw = dict(column_id="id", column_sort="time", column_kind="kind", column_value="value",
              disable_progressbar=True)
    for size in a.sizes.split(","):
        if size == "roll":
            bench_roll(tsfresh, freshet, S, cls, a.repeats)
            continue
        df = robot() if size == "robot" else synthetic(*map(int, size.split("x")))
        best = {"freshet_1": 1e9, "freshet_2": 1e9, "tsfresh": 1e9}
        cpu = {"freshet_1": 1e9, "tsfresh": 1e9}  # process CPU seconds (one thread each)
        results = {}
        for _ in range(a.repeats):
            for tool in ("freshet_1", "tsfresh", "freshet_2"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    c0 = time.process_time()
                    t0 = time.perf_counter()
                    if tool == "tsfresh":
                        X = tsfresh.extract_features(df, default_fc_parameters=getattr(S, cls)(),
                                                     n_jobs=0, **kw)
                    else:
                        X = freshet.extract_features(df,
                                                     default_fc_parameters=getattr(freshet, cls)(),
                                                     n_jobs=int(tool[-1]), **kw)
                    best[tool] = min(best[tool], time.perf_counter() - t0)
                    if tool in cpu:
                        cpu[tool] = min(cpu[tool], time.process_time() - c0)
                results[tool] = X
        cmp = check(results["freshet_1"], results["tsfresh"])
        assert list(results["freshet_1"].columns) == list(results["tsfresh"].columns), \
            "column order differs from tsfresh's"
        print(json.dumps({
            "data": size, "rows": len(df), "ids": int(df["id"].nunique()),
            "features": results["tsfresh"].shape[1], "settings": a.settings,
            "tsfresh_s": round(best["tsfresh"], 4), "freshet_1thread_s": round(best["freshet_1"], 4),
            "freshet_2threads_s": round(best["freshet_2"], 4),
            "ratio_1thread": round(best["tsfresh"] / best["freshet_1"], 1),
            "ratio_2threads": round(best["tsfresh"] / best["freshet_2"], 1),
            "tsfresh_cpu_s": round(cpu["tsfresh"], 4),
            "freshet_1thread_cpu_s": round(cpu["freshet_1"], 4),
            "ratio_cpu_1thread": round(cpu["tsfresh"] / cpu["freshet_1"], 1),
            "column_order_equal": True, **cmp, "load1": os.getloadavg()[0]}), flush=True)


if __name__ == "__main__":
    main()
