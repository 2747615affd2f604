#!/usr/bin/python3
"""freshet vs scikit-learn: fit + predict times of the linear models on the same rows, one run.

Runs bench_models_linear_bench (C++) and scikit-learn 1.2 (Debian python3-sklearn, reference
BLAS) on:
  * diabetes (shared/data/diabetes/table.csv, 442 x 10): first 353 rows train;
  * breast_cancer (569 x 30) with standard_scaler > logistic_regression: first 455 rows train;
  * synthetic regression (make_regression, 20000 x 100, random_state=0): 16000 rows train;
  * synthetic classification (make_classification, 20000 x 50, 2 and 4 classes): 16000 train.
Each timing is the best of --repeat runs, fit and predict separately. Scores (MSE or accuracy on
the predicted rows) show both sides fitted the same model. Writes a Markdown table (default
bench/models.md) and prints it. kNN and forests: bench/models_vs_sklearn_trees.py.

  /usr/bin/python3 bench/models_vs_sklearn.py --build build [--repeat 3] [--out FILE]
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
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def write_csv(path, X, y):
    with open(path, "w") as f:
        f.write(",".join(f"x{j}" for j in range(X.shape[1])) + ",y\n")
        for row, target in zip(X, y):
            f.write(",".join(repr(float(v)) for v in row) + "," + repr(target.item()) + "\n")


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
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "models.md"))
    args = ap.parse_args()
    exe = os.path.join(args.build, "bench", "bench_models_linear_bench")

    tmp = tempfile.mkdtemp(prefix="freshet-linear-bench-")
    Xr, yr = make_regression(n_samples=20000, n_features=100, n_informative=30, noise=5.0, random_state=0)
    X2, y2 = make_classification(n_samples=20000, n_features=50, n_informative=20, n_classes=2, random_state=0)
    X4, y4 = make_classification(n_samples=20000, n_features=50, n_informative=20, n_classes=4, random_state=0)
    paths = {}
    for name, X, y in (("reg", Xr, yr), ("clf2", X2, y2), ("clf4", X4, y4)):
        paths[name] = os.path.join(tmp, name + ".csv")
        write_csv(paths[name], X, y)
    dpath, Xd, yd = load_table("diabetes")
    bpath, Xb, yb = load_table("breast_cancer")
    yb = yb.astype(int)

    # (label, csv, X, y, train rows, freshet spec, sklearn factory, classifier)
    cases = [
        ("linear_regression, diabetes 353 -> 89 x 10", dpath, Xd, yd, 353, "linear_regression",
         LinearRegression, False),
        ("ridge alpha=1, diabetes 353 -> 89 x 10", dpath, Xd, yd, 353, "ridge:alpha=1", lambda: Ridge(1.0), False),
        ("lasso alpha=0.1, diabetes 353 -> 89 x 10", dpath, Xd, yd, 353, "lasso:alpha=0.1",
         lambda: Lasso(alpha=0.1), False),
        ("ridge alpha=1, synthetic 16000 -> 4000 x 100", paths["reg"], Xr, yr, 16000, "ridge:alpha=1",
         lambda: Ridge(1.0), False),
        ("lasso alpha=1, synthetic 16000 -> 4000 x 100", paths["reg"], Xr, yr, 16000, "lasso:alpha=1",
         lambda: Lasso(alpha=1.0), False),
        ("scaler > logistic C=1, breast_cancer 455 -> 114 x 30", bpath, Xb, yb, 455,
         "standard_scaler>logistic_regression:C=1,max_iter=5000",
         lambda: make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000)), True),
        ("logistic C=1, synthetic binary 16000 -> 4000 x 50", paths["clf2"], X2, y2, 16000,
         "logistic_regression:max_iter=1000", lambda: LogisticRegression(max_iter=1000), True),
        ("logistic C=1 multinomial, synthetic 4 classes 16000 -> 4000 x 50", paths["clf4"], X4, y4, 16000,
         "logistic_regression:max_iter=1000", lambda: LogisticRegression(max_iter=1000), True),
    ]
    rows = []
    for label, csv, X, y, train, spec, make, classifier in cases:
        out = subprocess.run([exe, "--csv", csv, "--train", str(train), "--repeat", str(args.repeat), spec],
                             check=True, capture_output=True, text=True)
        fr = json.loads(out.stdout.strip().splitlines()[-1])
        sf, sp, ss = sk_time(make, X, y, train, args.repeat, classifier)
        rows.append((label, fr, (sf, sp, ss)))
        print(f"{label}: freshet fit {fr['fit_s']:.5f}s predict {fr['predict_s']:.5f}s score {fr['score']:.8g} | "
              f"sklearn fit {sf:.5f}s predict {sp:.5f}s score {ss:.8g}", file=sys.stderr)

    lines = [
        "# Linear models: freshet vs scikit-learn",
        "",
        f"Generated by `/usr/bin/python3 bench/models_vs_sklearn.py --build {os.path.relpath(args.build, ROOT)}"
        f" --repeat {args.repeat}` (Release build). Best of {args.repeat} runs, seconds, one thread on each side. "
        "Score: MSE (regressors) or accuracy (classifiers) on the predicted rows; it shows both sides fitted the "
        "same model (logistic regression: freshet solves to the optimum with Newton-CG, sklearn's lbfgs stops "
        "at its tolerance, so the last digits of a score may differ).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs, shared with other jobs while measured; "
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, numpy {np.__version__} "
        "(netlib reference BLAS). sklearn's times include its input validation, as a user sees them.",
        "",
        "| case | freshet fit | freshet predict | sklearn fit | sklearn predict | fit+predict speed-up | freshet score | sklearn score |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, fr, (sf, sp, ss) in rows:
        speed = (sf + sp) / max(fr["fit_s"] + fr["predict_s"], 1e-9)
        lines.append(f"| {label} | {fr['fit_s']:.5f} | {fr['predict_s']:.5f} | {sf:.5f} | {sp:.5f} | "
                     f"{speed:.1f}x | {fr['score']:.8g} | {ss:.8g} |")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
