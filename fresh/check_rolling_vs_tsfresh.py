#!/usr/bin/python3
"""Held-out check: `freshet extract --roll` against live tsfresh 0.21.2 roll + extract.

The golden tests compare with the frozen files in ../shared/reference/tsfresh_rolling (GunPoint
and BasicMotions). This script runs tsfresh itself on other datasets and window arguments, so a
defect that those files cannot show (integer-valued data with exact ties, windows of 1-6 points,
negative and larger rolling directions, max_timeshift=None, several kinds) shows up: for every
case it runs `roll_time_series` + `extract_features` and `freshet extract --roll` on the same
CSV, then compares the row ids, the column sets and every cell with the rule of
../shared/reference/README.md ("Comparison rule for feature values"): rtol 1e-9 / atol 1e-10,
NaN = NaN, and its exceptions (an fft angle is free where its coefficient's modulus is below
1e-9 * sum|x| of the window or exactly 0, else within 1e-7 degrees; partial_autocorrelation rtol 1e-6;
variation_coefficient only where |mean| > 1e-6 * std).

Usage, from the repository root, with Debian's interpreter and tsfresh from source
(../shared/peers/SETUP-tsfresh.md):

    TSFRESH_SRC=/tmp/tsfresh-src STUMPY_SRC=/tmp/stumpy-src \\
        /usr/bin/python3 fresh/check_rolling_vs_tsfresh.py build/freshet [CASE ...]

FRESHET_FLAGS adds flags to freshet's command line (e.g. --incremental). Prints one block per case
and the cells outside the rule, by column; exits 1 if any cell is
outside it and not explained by one of the two causes below. Work files go to
$TMPDIR/freshet_rolling_check. Takes ~1 minute on 2 cores.

Three causes, checked cell by cell and listed separately (docs/rolling.md, "Held-out check"):
* an fft angle of +180 against -180 (or the reverse): the same angle. The coefficient is real in
  exact arithmetic (the script evaluates its imaginary part with 50 digits where mpmath is
  installed and says so) and the sign of its rounding-level imaginary part picks the branch.
* a piecewise-constant value (fourier_entropy, binned_entropy) whose histogram input sits within
  a few ulps of an inner bin edge, as numpy computes both: rounding decides the bin (the
  exceptions table of ../shared/reference/README.md).
* fft_aggregated's centroid or variance of a constant series: freshet gives the exact 0, numpy's
  FFT rounding noise (up to ~1.2e-10 on lengths its Bluestein takes, above the shared atol).

numpy's CPU dispatch: on a CPU with AVX-512, numpy 1.24 computes exp and cos with SVML kernels
whose results differ from the generic ones in the last bit, and tsfresh's piecewise-constant
features then differ at exact ties (number_cwt_peaks through the Ricker wavelet's exp,
fourier_entropy through the Hann window's cos). The shared reference files were made with the
generic kernels, and freshet computes with libm as they do, so tsfresh runs here with numpy's
AVX-512 targets disabled (NPY_DISABLE_CPU_FEATURES); FRESHET_CHECK_NUMPY_NATIVE=1 keeps them.
"""
import os
import subprocess
import sys
import tempfile
import time
import warnings

for env, default in (("STUMPY_SRC", "/tmp/stumpy-src"), ("TSFRESH_SRC", "/tmp/tsfresh-src")):
    path = os.environ.get(env) or (default if os.path.isdir(default) else None)
    if path and path not in sys.path:
        sys.path.insert(0, path)


def _cpu_has_avx512():
    try:
        with open("/proc/cpuinfo") as fh:
            return any(line.startswith("flags") and " avx512f" in line for line in fh)
    except OSError:
        return False


if os.environ.get("FRESHET_CHECK_NUMPY_NATIVE") != "1" and _cpu_has_avx512():
    # Before numpy is imported (tsfresh's pool workers are forked from this process).
    os.environ.setdefault("NPY_DISABLE_CPU_FEATURES",
                          "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")


def first_ids(name, n, kinds=None):
    df = pd.read_csv(os.path.join(DATA, name, "series.csv"), dtype={"kind": str, "value": "float64"},
                     float_precision="round_trip")
    keep = df["id"].drop_duplicates().iloc[:n]
    df = df[df["id"].isin(keep)]
    return df[df["kind"].isin(kinds)] if kinds else df


# name: (input, roll_time_series arguments, settings preset)
CASES = {
    "robot_M5_m2_d2": (lambda: first_ids("RobotFailureLP1", 4),
                       dict(max_timeshift=5, min_timeshift=2, rolling_direction=2), "efficient"),
    "robot_Mnone_d-3": (lambda: first_ids("RobotFailureLP1", 3, ["F_x", "T_z"]),
                        dict(max_timeshift=None, min_timeshift=0, rolling_direction=-3),
                        "efficient"),
    "robot_M10_comprehensive": (lambda: first_ids("RobotFailureLP1", 6),
                                dict(max_timeshift=10, min_timeshift=0, rolling_direction=1),
                                "comprehensive"),
    "italy_M12_comprehensive": (lambda: first_ids("ItalyPowerDemand", 3),
                                dict(max_timeshift=12, min_timeshift=0, rolling_direction=1),
                                "comprehensive"),
    "wiimote_M30_m10_d-1": (lambda: first_ids("PickupGestureWiimoteZ", 3),
                            dict(max_timeshift=30, min_timeshift=10, rolling_direction=-1),
                            "efficient"),
    "vowels_M7_m3_d1": (lambda: first_ids("JapaneseVowels", 2, ["dim_0", "dim_5", "dim_11"]),
                        dict(max_timeshift=7, min_timeshift=3, rolling_direction=1), "efficient"),
}


def series_by_id(frame, name=str):
    """{(name(id), kind): values in time order} of a long frame (id, time, kind, value): the
    series or windows tsfresh extracted from, keyed as the rows of its feature table are."""
    return {(name(i), k): g.sort_values("time")["value"].to_numpy(float)
            for (i, k), g in frame.groupby(["id", "kind"])}


def exact_imag_is_zero(x, k):
    """True if Im(sum x_t exp(-2 pi i k t / n)) is 0 in 50-digit arithmetic; None without mpmath."""
    try:
        import mpmath
    except ImportError:
        return None
    mpmath.mp.dps = 50
    n = len(x)
    im = -mpmath.fsum(mpmath.mpf(float(v)) * mpmath.sin(2 * mpmath.pi * k * t / n)
                      for t, v in enumerate(x))
    return abs(im) <= mpmath.mpf(10) ** -40 * (1 + mpmath.fsum(abs(mpmath.mpf(float(v))) for v in x))


def near_bin_edge(v, bins):
    """True if a value of v lies within 8 ulps of an inner edge of np.histogram(v, bins)."""
    v = np.asarray(v, float)
    if v.size == 0 or not np.all(np.isfinite(v)) or v.min() == v.max():
        return False
    inner = np.linspace(v.min(), v.max(), bins + 1)[1:-1]
    if inner.size == 0:
        return False
    gap = np.abs(v[:, None] - inner[None, :])
    ulps = np.spacing(np.maximum(np.abs(v[:, None]), np.abs(inner[None, :])))
    return bool(np.any(gap <= 8 * ulps))


def explain(column, row, f, t, values):
    """Why a cell outside the rule is not a defect, or None."""
    kind, calc = column.split("__")[0], column.split("__")[1]
    x = values.get((row, kind))
    if x is None:
        return None
    if calc == "fft_coefficient" and 'attr_"angle"' in column and abs(abs(f - t) - 360) <= 1e-7:
        k = int(column.rsplit("__coeff_", 1)[1])
        exact = exact_imag_is_zero(x, k)
        if exact is False:
            return None
        return "+-180: the same angle" + (
            " (imaginary part 0 in exact arithmetic)" if exact else " (exactness not checked)")
    if (calc == "fft_aggregated" and f == 0.0 and len(x) and np.all(x == x[0]) and
            ('"centroid"' in column or '"variance"' in column)):
        # The spectrum of a constant is 0 outside DC; numpy's FFT leaves rounding noise there.
        return "a constant series: exactly 0 (tsfresh's value is its FFT's rounding noise)"
    if calc in ("fourier_entropy", "binned_entropy"):
        bins = int(column.rsplit("__bins_", 1)[1])
        v = x
        if calc == "fourier_entropy":
            from scipy.signal import welch
            _, pxx = welch(x, nperseg=min(len(x), 256))
            v = pxx / np.max(pxx)
        if near_bin_edge(v, bins):
            return "a histogram value within 8 ulps of an inner bin edge"
    return None


def compare(X, F, values):
    """Cells of F (freshet) outside the shared rule against X (tsfresh): {column: [(row, f, t)]}.
    values: series_by_id of the input (the angle exception's scale is its sum |x|)."""
    rows, cols = list(X.index), sorted(X.columns)
    a = F.loc[rows, cols].to_numpy(float)
    b = X.loc[rows, cols].to_numpy(float)
    with np.errstate(invalid="ignore"):
        ok = (np.isnan(a) & np.isnan(b)) | (a == b) | (
            np.abs(a - b) <= 1e-9 * np.maximum(np.abs(a), np.abs(b)) + 1e-10)
    for j, c in enumerate(cols):
        kind, calc = c.split("__")[0], c.split("__")[1]
        if calc == "fft_coefficient" and 'attr_"angle"' in c:
            k = cols.index(c.replace('attr_"angle"', 'attr_"abs"'))
            scale = np.array([np.abs(values[(r, kind)]).sum() if (r, kind) in values else 0.0
                              for r in rows])
            # A modulus of exactly 0 (an all-zero series) is the limit of a tiny one: numpy's
            # angle there is 0 or +-180 depending on its code path for the length.
            ok[:, j] |= ((b[:, k] < 1e-9 * scale) | (b[:, k] == 0) |
                         (np.abs(a[:, j] - b[:, j]) <= 1e-7))
        elif calc == "partial_autocorrelation":
            ok[:, j] |= np.abs(a[:, j] - b[:, j]) <= 1e-6 * np.abs(b[:, j]) + 1e-9
        elif calc == "variation_coefficient":
            mean = X.loc[rows, kind + "__mean"].to_numpy(float)
            std = X.loc[rows, kind + "__standard_deviation"].to_numpy(float)
            ok[:, j] |= ~(np.abs(mean) > 1e-6 * std)
    bad = {}
    for i, j in zip(*np.nonzero(~ok)):
        bad.setdefault(cols[j], []).append((rows[i], a[i, j], b[i, j]))
    return bad, ok.size


def report(X, F, values):
    """Compares F (freshet) with X (tsfresh), prints the count within the rule, each explained
    cell and each column with unexplained cells; returns True if any cell is unexplained."""
    bad, cells = compare(X, F, values)
    print("  %d of %d cells within the rule" % (cells - sum(len(v) for v in bad.values()), cells))
    unexplained = {}
    for c, cases in sorted(bad.items()):
        for row, f, t in cases:
            why = explain(c, row, f, t, values)
            if why:
                print("    explained  %-60s %s: freshet %r, tsfresh %r: %s" % (c, row, f, t, why))
            else:
                unexplained.setdefault(c, []).append((row, f, t))
    for c, cases in sorted(unexplained.items(), key=lambda kv: -len(kv[1])):
        row, f, t = cases[0]
        print("    OUTSIDE    %-60s %4d  e.g. %s: freshet %r, tsfresh %r"
              % (c, len(cases), row, f, t))
    return bool(unexplained)


def start(doc, cases, work_name):
    """The scripts' common start: (freshet binary, case names, tsfresh presets, work folder)."""
    if len(sys.argv) < 2:
        sys.exit(doc)
    freshet = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] if cases is not None else []
    if cases is not None:
        names = names or list(cases)
        unknown = [n for n in names if n not in cases]
        if unknown:
            sys.exit("unknown case %s; cases: %s" % (unknown, ", ".join(cases)))
    warnings.simplefilter("ignore")
    from tsfresh.feature_extraction import ComprehensiveFCParameters, EfficientFCParameters
    presets = {"efficient": EfficientFCParameters, "comprehensive": ComprehensiveFCParameters}
    work = os.path.join(tempfile.gettempdir(), work_name)
    os.makedirs(work, exist_ok=True)
    return freshet, names, presets, work


def main():
    freshet, names, presets, work = start(__doc__, CASES, "freshet_rolling_check")
    from tsfresh import extract_features
    from tsfresh.utilities.dataframe_functions import roll_time_series
    failed = 0
    for name in names:
        make, roll, preset = CASES[name]
        df = make()
        src = os.path.join(work, name + ".csv")
        df.to_csv(src, index=False)
        t0 = time.perf_counter()
        rolled = roll_time_series(df, column_id="id", column_sort="time", column_kind="kind",
                                  n_jobs=0, disable_progressbar=True, **roll)
        X = extract_features(rolled, column_id="id", column_sort="time", column_kind="kind",
                             column_value="value", default_fc_parameters=presets[preset](),
                             n_jobs=2, disable_progressbar=True)
        t1 = time.perf_counter()
        X.index = ["(%s, %s)" % i for i in X.index]
        spec = ",".join("%s=%s" % kv for kv in roll.items() if kv[1] is not None)
        out = os.path.join(work, name + ".freshet.csv")
        subprocess.run([freshet, "extract", src, "--roll", spec, "--features", preset, "-q",
                        "-o", out] + os.environ.get("FRESHET_FLAGS", "").split(), check=True)
        F = pd.read_csv(out, index_col=0)
        same_rows = list(X.index) == list(F.index)
        # freshet sorts the feature columns by name, as the reference files do; tsfresh keeps
        # its calculators' order: compared as sets.
        same_cols = set(X.columns) == set(F.columns) and len(F.columns) == len(X.columns)
        print("%s (%s, %s): tsfresh %d x %d in %.1f s; freshet %d x %d; rows equal, in order: %s;"
              " same columns: %s" % (name, spec, preset, len(X), X.shape[1], t1 - t0,
                                               len(F), F.shape[1], same_rows, same_cols))
        if not (same_rows and same_cols):
            failed += 1
            continue
        failed += report(X, F, series_by_id(rolled, lambda i: "(%s, %s)" % i))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
