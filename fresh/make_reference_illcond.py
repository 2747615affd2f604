#!/usr/bin/python3
"""tsfresh 0.21.2's values of the least-squares calculators on ill-conditioned short series.

Short series (10-40 points) whose values sit near 1e9 make the regressions behind
`ar_coefficient` (statsmodels AutoReg, OLS by pinv), `augmented_dickey_fuller` (adfuller, OLS by
pinv, lag by AIC), `friedrich_coefficients` / `max_langevin_fixed_point` (np.polyfit with scaled
Vandermonde columns) nearly singular: a different but equally valid numerical route moves their
values by about 1e-9 relative. This script writes the inputs and tsfresh's answers so that
tests/fresh_illcond_test.cpp can hold freshet to the peer's route.

Run from the repository root with Debian's interpreter and tsfresh from source
(../shared/peers/SETUP-tsfresh.md):

    PYTHONPATH=/tmp/tsfresh-src:/tmp/stumpy-src /usr/bin/python3 fresh/make_reference_illcond.py

writes tests/data/illcond/{series.csv,settings.json,features.csv}. The series come from a fixed
seed, so a rerun gives the same bytes.
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "illcond")

SETTINGS = {
    "ar_coefficient": [{"coeff": c, "k": 10} for c in range(11)],
    "augmented_dickey_fuller": [{"attr": a, "autolag": "AIC"}
                                for a in ("teststat", "pvalue", "usedlag")],
    "friedrich_coefficients": [{"coeff": c, "m": 3, "r": 30} for c in range(4)],
    "max_langevin_fixed_point": [{"m": 3, "r": 30}],
}


def make_series(rng):
    """(id, values) pairs: six families of short series at magnitudes near 1e9."""
    out = []
    for i in range(2400):
        family = i % 6
        n = int(rng.integers(10, 41))
        if family == 0:    # random walk around 1e9, unit steps
            x = 1e9 + np.cumsum(rng.normal(size=n))
        elif family == 1:  # random walk around 1e9, steps of 1e3
            x = 1e9 + np.cumsum(rng.normal(scale=1e3, size=n))
        elif family == 2:  # independent values spread over [0.5e9, 1.5e9]
            x = 1e9 * rng.uniform(0.5, 1.5, size=n)
        elif family == 3:  # integer epoch timestamps, a minute apart with jitter
            x = 1.7e9 + 60.0 * np.arange(n) + rng.integers(-5, 6, size=n)
        elif family == 4:  # AR(1) around 3e9
            x = np.empty(n)
            x[0] = 3e9
            for t in range(1, n):
                x[t] = 3e9 + 0.8 * (x[t - 1] - 3e9) + rng.normal(scale=10.0)
        else:              # few distinct levels near 1e9 (quantised sensor)
            x = 1e9 + rng.integers(0, 4, size=n).astype(float) * 0.5
        out.append((f"s{i:04d}", x))
    return out


def main():
    from tsfresh import extract_features

    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261202)
    rows = []
    for sid, x in make_series(rng):
        for t, v in enumerate(x):
            rows.append((sid, t, "value", float(v)))
    df = pd.DataFrame(rows, columns=["id", "time", "kind", "value"])
    with open(os.path.join(OUT, "series.csv"), "w", newline="\n") as f:
        f.write("id,time,kind,value\n")
        for sid, t, k, v in rows:
            f.write(f"{sid},{t},{k},{v!r}\n")
    with open(os.path.join(OUT, "settings.json"), "w") as f:
        json.dump(SETTINGS, f, indent=1)
        f.write("\n")
    df = pd.read_csv(os.path.join(OUT, "series.csv"), dtype={"kind": str, "value": "float64"},
                     float_precision="round_trip")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = extract_features(df, column_id="id", column_sort="time", column_kind="kind",
                             column_value="value", default_fc_parameters=SETTINGS, n_jobs=0,
                             disable_progressbar=True, impute_function=None)
    X = X.astype("float64").sort_index()[sorted(X.columns)]
    X.index.name = "id"
    with open(os.path.join(OUT, "features.csv"), "w", newline="\n") as f:
        f.write(",".join(["id"] + [c if "," not in c and '"' not in c else
                                   '"' + c.replace('"', '""') + '"' for c in X.columns]) + "\n")
        for sid, row in X.iterrows():
            f.write(",".join([str(sid)] + [repr(float(v)) for v in row.values]) + "\n")
    print(f"{len(X)} series, {X.shape[1]} columns, {int(X.isna().sum().sum())} NaN cells",
          file=sys.stderr)


if __name__ == "__main__":
    main()
