#!/usr/bin/python3
"""tsfresh 0.21.2 roll_time_series + extract_features on a long CSV (id,time,value), timed.

Usage: rolling_tsfresh.py INPUT.csv MAX_TIMESHIFT N_JOBS OUTPUT.csv [--n-ids N]
  --n-ids N: only the first N ids (a subset when the full run would take too long).
Last stdout line: JSON {read_s, roll_s, extract_s, n_ids, n_windows, n_rolled_rows, n_columns}.
"""
import argparse, json, os, sys, time, warnings

for env, default in (("STUMPY_SRC", "/tmp/stumpy-src"), ("TSFRESH_SRC", "/tmp/tsfresh-src")):
    p = os.environ.get(env) or (default if os.path.isdir(default) else None)
    if p and p not in sys.path:
        sys.path.insert(0, p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input"); ap.add_argument("max_timeshift", type=int)
    ap.add_argument("n_jobs", type=int); ap.add_argument("output")
    ap.add_argument("--n-ids", type=int, default=None)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    import pandas as pd
    from tsfresh import extract_features
    from tsfresh.feature_extraction import EfficientFCParameters
    from tsfresh.utilities.dataframe_functions import roll_time_series
    t0 = time.perf_counter()
    df = pd.read_csv(a.input, dtype={"value": "float64"}, float_precision="round_trip")
    if a.n_ids is not None:
        keep = df["id"].drop_duplicates().iloc[: a.n_ids]
        df = df[df["id"].isin(keep)]
    t1 = time.perf_counter()
    rolled = roll_time_series(df, column_id="id", column_sort="time",
                              max_timeshift=a.max_timeshift, min_timeshift=0,
                              rolling_direction=1, n_jobs=a.n_jobs, disable_progressbar=True)
    t2 = time.perf_counter()
    X = extract_features(rolled, column_id="id", column_sort="time", column_value="value",
                         default_fc_parameters=EfficientFCParameters(), n_jobs=a.n_jobs,
                         disable_progressbar=True)
    t3 = time.perf_counter()
    X.to_csv(a.output)
    print(json.dumps({"read_s": t1 - t0, "roll_s": t2 - t1, "extract_s": t3 - t2,
                      "n_ids": int(df["id"].nunique()), "n_windows": int(len(X)),
                      "n_rolled_rows": int(len(rolled)), "n_columns": int(X.shape[1])}))


if __name__ == "__main__":
    main()
