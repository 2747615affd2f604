#!/usr/bin/python3
"""freshet search vs scikit-learn GridSearchCV(n_jobs=2): same estimator, grid, folds and scorer.

Usage (from the repository root, after building the freshet binary):
    /usr/bin/python3 bench/xval_vs_sklearn.py [--freshet build/freshet] [--repeat 3]

For each case it times
  * sklearn: GridSearchCV(estimator, grid, cv=<splitter>, scoring=..., n_jobs=2).fit(X, y),
    data already in memory (imports and CSV reading not counted), refit included;
  * freshet: the whole `freshet search TABLE.csv ... --workers 2` process, end to end (process
    start, CSV parsing, the search, refit, writing results), measured from Python.
Best of --repeat runs each. A third table times the whole job as a user runs it on both sides:
the freshet process above against a Python process that imports scikit-learn, reads the same CSV
with pandas, runs the same GridSearchCV(n_jobs=2) and writes cv_results_ as CSV (this script with
--job; interpreter start, imports and the loky pool's start counted, as a user pays them). Because wall time on a shared, overloaded machine mostly measures
waiting for a core, it also compares CPU seconds of the serial runs: sklearn n_jobs=1
(time.process_time around fit) vs freshet --workers 0 (user+sys of the child process).
It also checks that both pick the same best candidate and that the
mean test scores agree (rtol 1e-6; log-loss-free scorers only), and prints a Markdown table.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")

ALPHAS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30]
CS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30]
NEIGHBORS = list(range(1, 11))

CASES = [
    dict(name="ridge / diabetes", dataset="diabetes", scoring="r2",
         sk=lambda: (Ridge(), {"alpha": ALPHAS}, KFold(5)),
         fr=["--model", "ridge", "--grid", "alpha=" + ",".join(map(str, ALPHAS)),
             "--cv", "kfold:n_splits=5", "--scoring", "r2"]),
    dict(name="logistic regression / breast_cancer", dataset="breast_cancer", scoring="accuracy",
         sk=lambda: (make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
                     {"logisticregression__C": CS}, StratifiedKFold(5)),
         fr=["--model", "logistic_regression:max_iter=5000", "--preprocess", "standard_scaler",
             "--grid", "C=" + ",".join(map(str, CS)), "--cv", "stratified_kfold:n_splits=5",
             "--scoring", "accuracy"]),
    dict(name="kNN / digits", dataset="digits", scoring="accuracy",
         sk=lambda: (KNeighborsClassifier(), {"n_neighbors": NEIGHBORS}, StratifiedKFold(5)),
         fr=["--model", "knn_classifier", "--grid",
             "n_neighbors=" + ",".join(map(str, NEIGHBORS)), "--cv",
             "stratified_kfold:n_splits=5", "--scoring", "accuracy"]),
]


def run_job(index, table, out):
    """One case as a user's script runs it: read the CSV, search, write cv_results_."""
    case = CASES[index]
    df = pd.read_csv(table)
    X = df.drop(columns="y").to_numpy(dtype=float)
    y = df["y"].to_numpy()
    est, grid, cv = case["sk"]()
    gs = GridSearchCV(est, grid, cv=cv, scoring=case["scoring"], n_jobs=2).fit(X, y)
    pd.DataFrame(gs.cv_results_).to_csv(out, index=False)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--freshet", default=os.path.join(ROOT, "build", "freshet"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--job", nargs=3, metavar=("CASE", "TABLE", "OUT"),
                    help="internal: run one case as a standalone sklearn job and exit")
    args = ap.parse_args()
    if args.job:
        return run_job(int(args.job[0]), args.job[1], args.job[2])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, case in enumerate(CASES):
            table = os.path.join(DATA, case["dataset"], "table.csv")
            df = pd.read_csv(table)
            X = df.drop(columns="y").to_numpy(dtype=float)
            y = df["y"].to_numpy()
            sk_times = []
            for _ in range(args.repeat):
                est, grid, cv = case["sk"]()
                gs = GridSearchCV(est, grid, cv=cv, scoring=case["scoring"], n_jobs=2)
                t0 = time.perf_counter()
                gs.fit(X, y)
                sk_times.append(time.perf_counter() - t0)
            out = os.path.join(tmp, "results.csv")
            base = [args.freshet, "search", "-q", table, *case["fr"]]
            cmd = base + ["--workers", "2", "--out", out]
            fr_times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                fr_times.append(time.perf_counter() - t0)
            # Serial CPU seconds.
            sk_cpu = []
            for _ in range(args.repeat):
                est, grid, cv = case["sk"]()
                gs1 = GridSearchCV(est, grid, cv=cv, scoring=case["scoring"], n_jobs=1)
                c0 = time.process_time()
                gs1.fit(X, y)
                sk_cpu.append(time.process_time() - c0)
            fr_cpu = []
            serial = base + ["--workers", "0", "--out", out]
            for _ in range(args.repeat):
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(serial, check=True, stdout=subprocess.DEVNULL)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                fr_cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
            job_times = []
            job = [sys.executable, os.path.abspath(__file__), "--job", str(index), table,
                   os.path.join(tmp, "sk_results.csv")]
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                subprocess.run(job, check=True, stdout=subprocess.DEVNULL)
                job_times.append(time.perf_counter() - t0)
            res = pd.read_csv(out)
            same_best = int(res["is_best"].astype(str).eq("True").idxmax()) == gs.best_index_
            agree = np.allclose(res["mean_test_score"], gs.cv_results_["mean_test_score"],
                                rtol=1e-6, atol=0)
            sk, fr = min(sk_times), min(fr_times)
            n_fits = len(res) * cv.get_n_splits()
            rows.append((case["name"], len(res), n_fits, sk, fr, sk / fr, same_best, agree,
                         min(sk_cpu), min(fr_cpu), min(job_times)))
    print("| case | candidates | fits | sklearn GridSearchCV(n_jobs=2) s | freshet search "
          "--workers 2 s | speed-up | same best | mean scores agree |")
    print("|---|---|---|---|---|---|---|---|")
    for name, nc, nf, sk, fr, ratio, same, agree, *_ in rows:
        print(f"| {name} | {nc} | {nf} + refit | {sk:.3f} | {fr:.3f} | {ratio:.1f}x | {same} | {agree} |")
    total_sk = sum(r[3] for r in rows)
    total_fr = sum(r[4] for r in rows)
    print(f"| **all three** | | | {total_sk:.3f} | {total_fr:.3f} | {total_sk / total_fr:.1f}x | | |")
    print()
    print("| case | sklearn n_jobs=1 CPU s | freshet --workers 0 CPU s | CPU ratio |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[8]:.3f} | {r[9]:.3f} | {r[8] / r[9]:.1f}x |")
    cs = sum(r[8] for r in rows)
    cf = sum(r[9] for r in rows)
    print(f"| **all three** | {cs:.3f} | {cf:.3f} | {cs / cf:.1f}x |")
    print()
    print("| case | sklearn job (python3: imports, read CSV, GridSearchCV n_jobs=2, write) s | "
          "freshet search --workers 2 s | ratio |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[10]:.3f} | {r[4]:.3f} | {r[10] / r[4]:.1f}x |")
    js = sum(r[10] for r in rows)
    print(f"| **all three** | {js:.3f} | {total_fr:.3f} | {js / total_fr:.1f}x |")
    return 0 if all(r[6] and r[7] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
