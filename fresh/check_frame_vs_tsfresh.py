#!/usr/bin/python3
"""Held-out check: `freshet frame` against live tsfresh 0.21.2 `make_forecasting_frame` +
`extract_features`.

For each case, one series x: tsfresh's `make_forecasting_frame(x, kind="value", max_timeshift=M,
rolling_direction=1)` then `extract_features` on its frame, and `freshet frame` on a CSV of the
same values (id "id", time 0..n-1, as tsfresh names a bare array). Compares the row ids, the
column sets, every cell with the shared rule (the same exceptions and explained causes as
fresh/check_rolling_vs_tsfresh.py, whose numpy settings it shares), and the targets y exactly.

Usage, from the repository root (../shared/peers/SETUP-tsfresh.md):

    TSFRESH_SRC=/tmp/tsfresh-src STUMPY_SRC=/tmp/stumpy-src \\
        /usr/bin/python3 fresh/check_frame_vs_tsfresh.py build/freshet [CASE ...]

Exits 1 if anything differs beyond the rule and is not explained.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_rolling_vs_tsfresh as common  # noqa: E402  (sets numpy's kernels before importing it)

np = common.np
pd = common.pd


def one_series(name, id_index, kind=None):
    df = common.first_ids(name, id_index + 1, [kind] if kind else None)
    first = df["id"].drop_duplicates().iloc[id_index]
    return df[df["id"] == first].sort_values("time")["value"].to_numpy(float)


def tie_heavy(n, seed):
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.integers(-1, 2, size=n)).astype(float)


# name: (series, max_timeshift, settings preset)
CASES = {
    "robot_Fx_M3": (lambda: one_series("RobotFailureLP1", 0, "F_x"), 3, "efficient"),
    "italy_M8_comprehensive": (lambda: one_series("ItalyPowerDemand", 0), 8, "comprehensive"),
    "wiimote_M20": (lambda: one_series("PickupGestureWiimoteZ", 1), 20, "efficient"),
    "walk_M5_comprehensive": (lambda: tie_heavy(120, 7), 5, "comprehensive"),
    "walk_Mnone": (lambda: tie_heavy(60, 11), None, "efficient"),
}


def main():
    freshet, names, presets, work = common.start(__doc__, CASES, "freshet_frame_check")
    from tsfresh import extract_features
    from tsfresh.utilities.dataframe_functions import make_forecasting_frame
    failed = 0
    for name in names:
        make, m, preset = CASES[name]
        x = make()
        df, y = make_forecasting_frame(x, kind="value", max_timeshift=m, rolling_direction=1)
        X = extract_features(df, column_id="id", column_sort="time", column_kind="kind",
                             column_value="value", default_fc_parameters=presets[preset](),
                             n_jobs=2, disable_progressbar=True)
        X.index = [str(i) for i in X.index]
        y.index = [str(i) for i in y.index]
        src = os.path.join(work, name + ".csv")
        pd.DataFrame({"id": "id", "time": np.arange(len(x)), "value": x}).to_csv(src, index=False)
        out, yout = os.path.join(work, name + ".X.csv"), os.path.join(work, name + ".y.csv")
        cmd = [freshet, "frame", src, "--features", preset, "-q", "-o", out, "--target-out", yout]
        if m is not None:
            cmd += ["--max-timeshift", str(m)]
        subprocess.run(cmd, check=True)
        F = pd.read_csv(out, index_col=0, dtype={0: str})
        Y = pd.read_csv(yout, index_col=0, dtype={0: str}).iloc[:, 0]
        same_rows = list(X.index) == list(F.index)
        same_cols = set(X.columns) == set(F.columns) and len(F.columns) == len(X.columns)
        same_y = list(Y.index) == list(y.index) and np.array_equal(Y.to_numpy(float),
                                                                   y.to_numpy(float))
        print("%s (n=%d, max_timeshift=%s, %s): tsfresh %d x %d; freshet %d x %d; ids equal, in "
              "order: %s; same columns: %s; targets equal: %s"
              % (name, len(x), m, preset, len(X), X.shape[1], len(F), F.shape[1], same_rows,
                 same_cols, same_y))
        if not (same_rows and same_cols and same_y):
            print("  tsfresh ids %s ... freshet ids %s ..." % (list(X.index[:3]), list(F.index[:3])))
            failed += 1
            continue
        failed += common.report(X, F, common.series_by_id(df))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
