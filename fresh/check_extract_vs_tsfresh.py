#!/usr/bin/python3
"""Held-out fuzz check: `freshet extract` against live tsfresh 0.21.2 `extract_features` on random
tie-heavy series.

The golden tests compare with frozen files made from real datasets. This script makes series
those files rarely contain: small integers (exact ties with means, medians, quantiles and bin
edges), constant and two-valued series, repeated patterns, lengths 1 to 60, a few spikes; runs
tsfresh (`comprehensive` by default) and `freshet extract` on the same CSV, and compares the ids,
the column sets and every cell with the shared rule, exactly as fresh/check_rolling_vs_tsfresh.py
does (same exceptions; the same two causes explained cell by cell; the same numpy kernels).

Usage, from the repository root, with Debian's interpreter and tsfresh from source
(../shared/peers/SETUP-tsfresh.md):

    TSFRESH_SRC=/tmp/tsfresh-src STUMPY_SRC=/tmp/stumpy-src \\
        /usr/bin/python3 fresh/check_extract_vs_tsfresh.py build/freshet [SEED [N [PRESET [MAXLEN]]]]

SEED (default 1) makes N series (default 300) of 1 to MAXLEN points (default 60). Exits 1 if a cell is outside the rule and not
explained. Work files go to $TMPDIR/freshet_extract_check.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_rolling_vs_tsfresh as common  # noqa: E402  (sets numpy's kernels before importing it)

np = common.np
pd = common.pd


def make_series(seed, n, max_length=60):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        length = int(rng.integers(1, max_length + 1))
        shape = rng.integers(0, 6)
        if shape == 0:  # constant
            v = np.full(length, float(rng.integers(-3, 4)))
        elif shape == 1:  # two values
            v = rng.choice([0.0, float(rng.integers(1, 4))], size=length)
        elif shape == 2:  # a repeated pattern
            p = rng.integers(-2, 3, size=int(rng.integers(1, 5))).astype(float)
            v = np.resize(p, length)
        elif shape == 3:  # small integers
            v = rng.integers(-5, 6, size=length).astype(float)
        elif shape == 4:  # a walk of small steps
            v = np.cumsum(rng.integers(-1, 2, size=length)).astype(float)
        else:  # halves and a spike
            v = rng.integers(-4, 5, size=length) / 2.0
            v[int(rng.integers(0, length))] = float(rng.integers(20, 50))
        for t, x in enumerate(v):
            rows.append(("s%d" % i, t, x))
    return pd.DataFrame(rows, columns=["id", "time", "value"])


def main():
    freshet, _, presets, work = common.start(__doc__, None, "freshet_extract_check")
    from tsfresh import extract_features
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    preset = sys.argv[4] if len(sys.argv) > 4 else "comprehensive"
    max_length = int(sys.argv[5]) if len(sys.argv) > 5 else 60
    df = make_series(seed, n, max_length)
    src = os.path.join(work, "seed%d.csv" % seed)
    df.to_csv(src, index=False)
    t0 = time.perf_counter()
    X = extract_features(df, column_id="id", column_sort="time", column_value="value",
                         default_fc_parameters=presets[preset](), n_jobs=2,
                         disable_progressbar=True)
    t1 = time.perf_counter()
    X.index = [str(i) for i in X.index]
    out = os.path.join(work, "seed%d.freshet.csv" % seed)
    subprocess.run([freshet, "extract", src, "--features", preset, "-q", "-o", out], check=True)
    F = pd.read_csv(out, index_col=0, dtype={0: str})
    F.index = [str(i) for i in F.index]
    same_rows = sorted(X.index) == sorted(F.index)
    same_cols = set(X.columns) == set(F.columns) and len(F.columns) == len(X.columns)
    print("seed %d: %d series of 1-%d points (%s); tsfresh %d x %d in %.1f s; freshet %d x %d; same ids: %s;"
          " same columns: %s" % (seed, n, max_length, preset, len(X), X.shape[1], t1 - t0, len(F),
                                 F.shape[1], same_rows, same_cols))
    if not (same_rows and same_cols):
        sys.exit(1)
    sys.exit(1 if common.report(X, F, common.series_by_id(df.assign(kind="value"))) else 0)

if __name__ == "__main__":
    main()
