"""Comparison of freshet's DataFrames with the tsfresh golden files in ../shared/reference,
by the rule of shared/reference/README.md (the same rule as tests/fresh_golden_test.cpp):
NaN/inf pattern exact; integer, boolean and count-ratio features exact; otherwise
|a - b| <= rtol * max(|a|, |b|) + atol with rtol 1e-9, atol 1e-10; the README's exceptions for
variation_coefficient, fft angles and partial_autocorrelation."""

import os

import numpy as np
import pandas as pd

SHARED = os.environ.get("FRESHET_SHARED") or os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "shared")
REF = os.path.join(SHARED, "reference", "tsfresh")
REF_ROLLING = os.path.join(SHARED, "reference", "tsfresh_rolling")
DATA = os.path.join(SHARED, "data")

EXACT = {
    "length", "has_duplicate", "has_duplicate_max", "has_duplicate_min", "count_above_mean",
    "count_below_mean", "longest_strike_above_mean", "longest_strike_below_mean",
    "first_location_of_maximum", "first_location_of_minimum", "last_location_of_maximum",
    "last_location_of_minimum", "number_peaks", "number_crossing_m", "number_cwt_peaks",
    "value_count", "range_count", "count_above", "count_below", "ratio_beyond_r_sigma",
    "large_standard_deviation", "symmetry_looking", "variance_larger_than_standard_deviation",
    "index_mass_quantile", "percentage_of_reoccurring_values_to_all_values",
    "percentage_of_reoccurring_datapoints_to_all_datapoints",
    "ratio_value_number_to_time_series_length"}

# Open discrepancies of the C++ calculators, as tests/fresh_golden_test.cpp lists them:
# (reference file, calculator) -> cells allowed to differ.
KNOWN_OPEN = {("RobotFailureLP1/features_comprehensive.csv", "augmented_dickey_fuller"): 4,
              ("RobotFailureLP1/features_comprehensive_imputed.csv", "augmented_dickey_fuller"): 4}


def read_reference(relpath, folder=REF):
    # round_trip: the files hold repr() floats; the default parser can be 1 ulp off.
    return pd.read_csv(os.path.join(folder, relpath), index_col=0, float_precision="round_trip")


def compare_features(ours, ref, label, rolled=False):
    """Asserts that `ours` (a freshet DataFrame) equals `ref` (a reference file read with
    read_reference) on ref's ids and columns. Returns the number of cells compared.
    rolled: also the exceptions of reference/tsfresh_rolling/README.md for short windows
    (friedrich_coefficients and max_langevin_fixed_point rtol 1e-3; augmented_dickey_fuller
    values beyond 1e6 in magnitude are noise)."""
    assert sorted(map(str, ours.columns)) == list(ref.columns), label + ": column sets differ"
    assert list(ours.index) == list(ref.index), label + ": ids differ"
    bad = {}
    compared = 0
    for name in ref.columns:
        kind, calc = name.split("__")[:2]
        a = ours[name].to_numpy(dtype=float)
        b = ref[name].to_numpy(dtype=float)
        nonfinite = ~np.isfinite(a) | ~np.isfinite(b)
        ok = np.ones(len(a), dtype=bool)
        a_safe, b_safe = np.where(nonfinite, 0.0, a), np.where(nonfinite, 0.0, b)
        ok[nonfinite] = (np.isnan(a[nonfinite]) & np.isnan(b[nonfinite])) | \
            (a[nonfinite] == b[nonfinite])
        fin = ~nonfinite
        if calc in EXACT:
            ok[fin] = a[fin] == b[fin]
        elif calc == "fft_coefficient" and 'attr_"angle"' in name:
            absname = name.replace('attr_"angle"', 'attr_"abs"')
            tiny = (ref[absname].to_numpy() < 1e-9 * ref[kind + "__length"].to_numpy() *
                    ref[kind + "__absolute_maximum"].to_numpy())
            d = np.abs(np.remainder(a_safe - b_safe + 180.0, 360.0) - 180.0)
            ok[fin] = (tiny | (d <= 1e-7))[fin]
        else:
            rtol, atol = (1e-6, 1e-9) if calc == "partial_autocorrelation" else (1e-9, 1e-10)
            if rolled and calc in ("friedrich_coefficients", "max_langevin_fixed_point"):
                rtol = 1e-3
            close = np.abs(a_safe - b_safe) <= \
                rtol * np.maximum(np.abs(a_safe), np.abs(b_safe)) + atol
            if rolled and calc == "augmented_dickey_fuller":
                close |= np.maximum(np.abs(a_safe), np.abs(b_safe)) > 1e6
            if calc == "variation_coefficient":
                mean = ref[kind + "__mean"].to_numpy()
                std = ref[kind + "__standard_deviation"].to_numpy()
                close |= ~(np.abs(mean) > 1e-6 * std)
            ok[fin] = close[fin]
        compared += len(a)
        if not ok.all():
            first = int(np.argmin(ok))
            entry = bad.setdefault(calc, [0, None])
            entry[0] += int((~ok).sum())
            entry[1] = entry[1] or "{} id {}: ours {!r} tsfresh {!r}".format(
                name, ref.index[first], a[first], b[first])
    failures = ["{}: {} cells differ, first: {}".format(c, n, first)
                for c, (n, first) in bad.items() if n > KNOWN_OPEN.get((label, c), 0)]
    assert not failures, label + ": " + "; ".join(failures)
    return compared


def compare_relevance(ours, ref, label):
    """Relevance tables keyed by feature: type and relevant* exact, p-values rtol 1e-6."""
    ref = ref.set_index("feature")
    ours = ours.set_index("feature")
    assert sorted(ours.index) == sorted(ref.index), label + ": features differ"
    assert list(ours.columns) == list(ref.columns), label + ": columns differ"
    ours = ours.loc[ref.index]
    for col in ref.columns:
        a, b = ours[col], ref[col]
        if col.startswith("p_value"):
            a, b = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
            assert np.array_equal(np.isnan(a), np.isnan(b)), label + ": NaN p-values " + col
            m = ~np.isnan(a)
            assert np.allclose(a[m], b[m], rtol=1e-6, atol=0), label + ": p-values " + col
        else:
            assert [str(v) for v in a] == [str(v) for v in b], label + ": column " + col


def robot_long():
    return pd.read_csv(os.path.join(DATA, "RobotFailureLP1", "series.csv"),
                       dtype={"kind": str, "value": "float64"})


def robot_tsfresh_format():
    """RobotFailureLP1 as tsfresh's load_robot_execution_failures() returns it: a wide frame
    (id, time, F_x, F_y, F_z, T_x, T_y, T_z) of integers and y = (label == "normal") by id."""
    long = robot_long()
    wide = long.pivot(index=["id", "time"], columns="kind", values="value").reset_index()
    wide.columns.name = None
    for c in ["F_x", "F_y", "F_z", "T_x", "T_y", "T_z"]:
        wide[c] = wide[c].astype(np.int64)
    labels = pd.read_csv(os.path.join(DATA, "RobotFailureLP1", "labels.csv"))
    y = pd.Series((labels["y"] == "normal").to_numpy(), index=labels["id"].to_numpy())
    return wide, y
