#!/usr/bin/python3
"""freshet vs scikit-learn: fit + predict times of the models of issue #20 on the same rows, one run.

Runs bench_models_trees_bench (C++, any model spec) and scikit-learn 1.2 (Debian python3-sklearn)
back to back, row by row, on:
  * the shared tabular sets (breast_cancer, wine, digits, diabetes; first 80% of rows train),
    scaled by standard_scaler for the SVMs;
  * a synthetic classification set, make_classification(100000 x 50, random_state=0), for
    gradient boosting (90000 rows train: early stopping 'auto' is on for both sides);
  * a synthetic 20000 x 50 classification set for the linear SVM and logistic regression.
Both sides use the same number of threads (--workers; sklearn's OpenMP through
OMP_NUM_THREADS, set before numpy is imported). Each timing is the best of --repeat runs. Writes
a Markdown table (default bench/models_new.md) and prints it.

  /usr/bin/python3 bench/models_new_vs_sklearn.py --build build-bench [--workers 2] [--repeat 3]
"""
import argparse
import os
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=None)
ap.add_argument("--workers", type=int, default=2)
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--out", default=None)
ap.add_argument("--only", default="", help="comma-separated substrings of case labels to run")
args = ap.parse_args()
os.environ["OMP_NUM_THREADS"] = str(args.workers)

import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,  # noqa: E402
                              HistGradientBoostingClassifier, HistGradientBoostingRegressor)
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def write_csv(path, X, y):
    with open(path, "w") as f:
        f.write(",".join(f"x{j}" for j in range(X.shape[1])) + ",y\n")
        for row, target in zip(X, y):
            f.write(",".join(repr(float(v)) for v in row) + "," + repr(int(target)) + "\n")


def load_table(name):
    path = os.path.join(ROOT, "..", "shared", "data", name, "table.csv")
    d = np.loadtxt(path, delimiter=",", skiprows=1)
    return path, d[:, :-1], d[:, -1]


def sk_time(make, X, y, train, repeat, classifier):
    best_fit = best_pred = float("inf")
    score = None
    for _ in range(repeat):
        model = make()
        t0 = time.perf_counter()
        model.fit(X[:train], y[:train])
        best_fit = min(best_fit, time.perf_counter() - t0)
        t0 = time.perf_counter()
        pred = model.predict(X[train:])
        best_pred = min(best_pred, time.perf_counter() - t0)
        truth = y[train:]
        score = float(np.mean(pred == truth)) if classifier else float(np.mean((pred - truth) ** 2))
    return best_fit, best_pred, score


def main():
    build = args.build or os.path.join(ROOT, "build-bench")
    out_path = args.out or os.path.join(HERE, "models_new.md")
    exe = os.path.join(build, "bench", "bench_models_trees_bench")
    w = args.workers
    tmp = tempfile.mkdtemp(prefix="freshet-new-models-bench-")

    data = {name: load_table(name) for name in ["breast_cancer", "wine", "digits", "diabetes"]}
    X100, y100 = make_classification(n_samples=100000, n_features=50, n_informative=20,
                                     n_classes=2, random_state=0)
    big = os.path.join(tmp, "clf100k.csv")
    X20, y20 = make_classification(n_samples=20000, n_features=50, n_informative=20,
                                   n_classes=2, random_state=0)
    mid = os.path.join(tmp, "clf20k.csv")

    def scaled(make):
        return lambda: make_pipeline(StandardScaler(), make())

    cases = []  # (label, csv, X, y, train, spec, sklearn factory, classifier, repeat)
    for name in ["breast_cancer", "wine", "digits", "diabetes"]:
        path, X, y = data[name]
        n = X.shape[0]
        train = n * 4 // 5
        clf = name != "diabetes"
        tag = f"{name} {train} -> {n - train} x {X.shape[1]}"
        if clf:
            cases += [
                (f"hist_gradient_boosting_classifier, {tag}", path, X, y.astype(int), train,
                 "hist_gradient_boosting_classifier", HistGradientBoostingClassifier, True, args.repeat),
                (f"extra_trees_classifier, {tag}", path, X, y.astype(int), train,
                 "extra_trees_classifier:random_state=0",
                 lambda: ExtraTreesClassifier(random_state=0, n_jobs=w), True, args.repeat),
                (f"scaler > svc, {tag}", path, X, y.astype(int), train, "standard_scaler>svc",
                 scaled(SVC), True, args.repeat),
                (f"scaler > linear_svc, {tag}", path, X, y.astype(int), train,
                 "standard_scaler>linear_svc", scaled(lambda: LinearSVC(random_state=0)), True,
                 args.repeat),
            ]
        else:
            cases += [
                (f"hist_gradient_boosting_regressor, {tag}", path, X, y, train,
                 "hist_gradient_boosting_regressor", HistGradientBoostingRegressor, False, args.repeat),
                (f"extra_trees_regressor, {tag}", path, X, y, train,
                 "extra_trees_regressor:random_state=0",
                 lambda: ExtraTreesRegressor(random_state=0, n_jobs=w), False, args.repeat),
                (f"scaler > svr, {tag}", path, X, y, train, "standard_scaler>svr", scaled(SVR), False,
                 args.repeat),
                (f"scaler > linear_svr, {tag}", path, X, y, train, "standard_scaler>linear_svr",
                 scaled(lambda: LinearSVR(random_state=0)), False, args.repeat),
            ]
    cases += [
        ("hist_gradient_boosting_classifier, synthetic 90000 -> 10000 x 50 (early stopping on)", big,
         X100, y100, 90000, "hist_gradient_boosting_classifier", HistGradientBoostingClassifier, True, 1),
        ("hist_gradient_boosting_classifier early_stopping=false, synthetic 90000 -> 10000 x 50", big,
         X100, y100, 90000, "hist_gradient_boosting_classifier:early_stopping=false",
         lambda: HistGradientBoostingClassifier(early_stopping=False), True, 1),
        ("logistic_regression C=1, synthetic 16000 -> 4000 x 50", mid, X20, y20, 16000,
         "logistic_regression:max_iter=1000", lambda: LogisticRegression(max_iter=1000), True, args.repeat),
        ("scaler > linear_svc, synthetic 16000 -> 4000 x 50", mid, X20, y20, 16000,
         "standard_scaler>linear_svc", scaled(lambda: LinearSVC(random_state=0)), True, args.repeat),
    ]
    if args.only:
        keys = args.only.split(",")
        cases = [c for c in cases if any(k in c[0] for k in keys)]
    if any(c[1] == big for c in cases):
        write_csv(big, X100, y100)
    if any(c[1] == mid for c in cases):
        write_csv(mid, X20, y20)

    load_before = os.getloadavg()[0]
    rows = []
    for label, csv, X, y, train, spec, make, classifier, repeat in cases:
        out = subprocess.run([exe, "--csv", csv, "--train", str(train), "--workers", str(w),
                              "--repeat", str(repeat), spec], check=True, capture_output=True, text=True)
        fr = json.loads(out.stdout.strip().splitlines()[-1])
        sf, sp, ss = sk_time(make, X, y, train, repeat, classifier)
        rows.append((label, fr, (sf, sp, ss)))
        print(f"{label}: freshet fit {fr['fit_s']:.4f}s predict {fr['predict_s']:.4f}s score "
              f"{fr['score']:.6g} | sklearn fit {sf:.4f}s predict {sp:.4f}s score {ss:.6g}",
              file=sys.stderr, flush=True)

    lines = [
        "# Models of issue #20: freshet vs scikit-learn",
        "",
        f"Generated by `/usr/bin/python3 bench/models_new_vs_sklearn.py --build {os.path.relpath(build, ROOT)}"
        f" --workers {w} --repeat {args.repeat}` (Release build). Best of {args.repeat} runs (1 for the "
        "100000-row sets), seconds. Score: accuracy (classifiers) or MSE (regressors) on the predicted "
        "rows. Both sides use the same threads: freshet's executor with "
        f"{w} workers, sklearn with OMP_NUM_THREADS={w} (and n_jobs={w} for extra trees). sklearn's "
        "times include its input validation, as a user sees them.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs, shared with other jobs while measured "
        f"(1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after): absolute times "
        "are noisy; the two sides of a row were measured back to back. "
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, numpy {np.__version__}.",
        "",
        "| case | freshet fit | freshet predict | sklearn fit | sklearn predict | fit speed-up | fit+predict speed-up | freshet score | sklearn score |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, fr, (sf, sp, ss) in rows:
        fit_speed = sf / max(fr["fit_s"], 1e-9)
        speed = (sf + sp) / max(fr["fit_s"] + fr["predict_s"], 1e-9)
        lines.append(f"| {label} | {fr['fit_s']:.4f} | {fr['predict_s']:.4f} | {sf:.4f} | {sp:.4f} | "
                     f"{fit_speed:.2f}x | {speed:.2f}x | {fr['score']:.6g} | {ss:.6g} |")
    text = "\n".join(lines) + "\n"
    with open(out_path, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
