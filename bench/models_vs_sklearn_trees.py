#!/usr/bin/python3
"""freshet vs scikit-learn: fit + predict times of kNN and random forests on the same rows.

Runs bench_models_trees_bench (C++) and scikit-learn 1.2 (Debian python3-sklearn) in one run on:
  * digits (shared/data/digits/table.csv, 1797 x 64, integer pixels): first 1437 rows train;
  * a synthetic classification set (make_classification, 20 features, random_state=0);
  * a synthetic regression set (make_regression, 10 features, random_state=0).
Each timing is the best of --repeat runs; fit and predict are timed separately. Writes a
Markdown table (default bench/models_trees.md) and prints it.

  /usr/bin/python3 bench/models_vs_sklearn_trees.py --build build-trees [--workers 2] [--out FILE]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def write_csv(path, X, y):
    with open(path, "w") as f:
        f.write(",".join(f"x{j}" for j in range(X.shape[1])) + ",y\n")
        for row, target in zip(X, y):
            f.write(",".join(repr(float(v)) for v in row) + "," + repr(float(target) if isinstance(target, float) else int(target)) + "\n")


def sk_time(make, X, y, train, repeat):
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
        score = float(np.mean(pred == truth)) if hasattr(model, "classes_") else float(np.mean((pred - truth) ** 2))
    return best_fit, best_pred, score


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "models_trees.md"))
    args = ap.parse_args()
    exe = os.path.join(args.build, "bench", "bench_models_trees_bench")
    w = args.workers

    tmp = tempfile.mkdtemp(prefix="freshet-trees-bench-")
    Xc, yc = make_classification(n_samples=20000, n_features=20, n_informative=10, n_classes=3, random_state=0)
    Xr, yr = make_regression(n_samples=5000, n_features=10, noise=10.0, random_state=0)
    write_csv(os.path.join(tmp, "clf.csv"), Xc, yc)
    write_csv(os.path.join(tmp, "reg.csv"), Xr, yr.astype(float))
    digits = os.path.join(ROOT, "..", "shared", "data", "digits", "table.csv")
    d = np.loadtxt(digits, delimiter=",", skiprows=1)
    Xd, yd = d[:, :-1], d[:, -1].astype(int)

    # (label, csv, X, y, train rows, freshet spec, sklearn factory, workers for this row)
    cases = [
        ("kNN k=5, digits 1437 -> 360 rows x 64", digits, Xd, yd, 1437, "knn_classifier",
         lambda: KNeighborsClassifier(5), 1),
        ("kNN k=5, synthetic 16000 -> 4000 rows x 20", os.path.join(tmp, "clf.csv"), Xc, yc, 16000,
         "knn_classifier", lambda: KNeighborsClassifier(5), 1),
        ("kNN regressor k=5 distance, synthetic 4000 -> 1000 rows x 10", os.path.join(tmp, "reg.csv"), Xr, yr, 4000,
         "knn_regressor:weights=distance", lambda: KNeighborsRegressor(5, weights="distance"), 1),
        ("random forest clf 100 trees, digits 1437 -> 360", digits, Xd, yd, 1437,
         "random_forest_classifier:random_state=0", lambda: RandomForestClassifier(random_state=0), 1),
        (f"random forest clf 100 trees, digits 1437 -> 360, {w} workers", digits, Xd, yd, 1437,
         "random_forest_classifier:random_state=0",
         lambda: RandomForestClassifier(random_state=0, n_jobs=w), w),
        ("random forest clf 100 trees, synthetic 16000 -> 4000 x 20", os.path.join(tmp, "clf.csv"), Xc, yc, 16000,
         "random_forest_classifier:random_state=0", lambda: RandomForestClassifier(random_state=0), 1),
        ("random forest reg 100 trees, synthetic 4000 -> 1000 x 10", os.path.join(tmp, "reg.csv"), Xr, yr, 4000,
         "random_forest_regressor:random_state=0", lambda: RandomForestRegressor(random_state=0), 1),
    ]
    load_before = os.getloadavg()[0]
    rows = []
    for label, csv, X, y, train, spec, make, workers in cases:
        repeat = 1 if "synthetic 16000" in label and "forest" in label else args.repeat
        out = subprocess.run([exe, "--csv", csv, "--train", str(train), "--workers", str(workers),
                              "--repeat", str(repeat), spec], check=True, capture_output=True, text=True)
        fr = json.loads(out.stdout.strip().splitlines()[-1])
        sf, sp, ss = sk_time(make, X, y, train, repeat)
        rows.append((label, fr, (sf, sp, ss)))
        print(f"{label}: freshet fit {fr['fit_s']:.4f}s predict {fr['predict_s']:.4f}s score {fr['score']:.6g} | "
              f"sklearn fit {sf:.4f}s predict {sp:.4f}s score {ss:.6g}", file=sys.stderr)

    lines = [
        "# kNN and random forests: freshet vs scikit-learn",
        "",
        f"Generated by `/usr/bin/python3 bench/models_vs_sklearn_trees.py --build {os.path.relpath(args.build, ROOT)}"
        f" --workers {w} --repeat {args.repeat}` (Release build). Best of {args.repeat} runs (1 for the 16000-row "
        "forest), seconds. Score: accuracy (classifiers) or MSE (regressors) on the predicted rows; equal "
        "scores mean the same predictions (the forests are sklearn's forests, see core/models_tree.cpp).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs, shared with other jobs while measured "
        f"(1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after: with more runnable "
        "jobs than cores, absolute times and especially the multi-worker rows are noisy; the two sides of a row "
        "were measured back to back); "
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, numpy {np.__version__} "
        "(reference BLAS). sklearn runs with its defaults (kNN: n_jobs=None, its OpenMP brute-force / kd-tree "
        "search; forests: n_jobs=None, or n_jobs=workers where the row says so).",
        "",
        "| case | freshet fit | freshet predict | sklearn fit | sklearn predict | fit+predict speed-up | freshet score | sklearn score |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, fr, (sf, sp, ss) in rows:
        speed = (sf + sp) / max(fr["fit_s"] + fr["predict_s"], 1e-9)
        lines.append(f"| {label} | {fr['fit_s']:.4f} | {fr['predict_s']:.4f} | {sf:.4f} | {sp:.4f} | "
                     f"{speed:.1f}x | {fr['score']:.6g} | {ss:.6g} |")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
