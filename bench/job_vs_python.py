#!/usr/bin/python3
"""The Python equivalent of bench/job_vs_python.json, for bench/job_vs_python.sh.

    job_vs_python.py SHARED_DATA_DIR OUT_DIR [SETTINGS] [N_JOBS]

For each dataset (GunPoint, BasicMotions, RobotFailureLP1): tsfresh 0.21.2 extract_features
once (SETTINGS, default "efficient", n_jobs=N_JOBS, tsfresh's impute), then for each of 4
pipelines a GridSearchCV(Pipeline([FreshSelect, ...model]), grid, cv=<the same 5 stratified
folds>, n_jobs=N_JOBS) -- FreshSelect runs tsfresh's calculate_relevance_table (FDR 0.05,
Benjamini-Yekutieli, as freshet's fresh_select) on each training fold only. Writes OUT_DIR/
python_results.csv (dataset,pipeline,candidate,fold,metric,value in freshet's candidate order)
and prints a JSON line with wall times.
"""
import json
import os
import sys
import time
import types
import warnings

for env, default in (("STUMPY_SRC", "/tmp/stumpy-src"), ("TSFRESH_SRC", "/tmp/tsfresh-src")):
    p = os.environ.get(env) or (default if os.path.isdir(default) else None)
    if p and p not in sys.path:
        sys.path.insert(0, p)
try:
    import stumpy  # noqa: F401
except Exception:  # tsfresh imports stumpy at module level; the default settings never call it
    sys.modules["stumpy"] = types.ModuleType("stumpy")

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tsfresh import extract_features
from tsfresh.feature_extraction import settings as fs
from tsfresh.feature_selection.relevance import calculate_relevance_table
from tsfresh.utilities.dataframe_functions import impute

warnings.filterwarnings("ignore")

DATASETS = ["GunPoint", "BasicMotions", "RobotFailureLP1"]


class FreshSelect(BaseEstimator, TransformerMixin):
    """tsfresh's FDR selection fitted on the training rows (min_features=1, as freshet's)."""

    def __init__(self, fdr_level=0.05):
        self.fdr_level = fdr_level

    def fit(self, X, y):
        df = pd.DataFrame(X, columns=[str(i) for i in range(X.shape[1])])
        table = calculate_relevance_table(df, pd.Series(np.asarray(y).astype(np.int64)),
                                          ml_task="classification", fdr_level=self.fdr_level,
                                          n_jobs=0)
        kept = [int(f) for f in table.index[table.relevant]]
        if not kept:  # freshet's min_features=1: the smallest p-value
            t = table.dropna(subset=["p_value"]).sort_values("p_value", kind="stable")
            kept = [int(t.index[0])]
        self.kept_ = sorted(kept)
        return self

    def transform(self, X):
        return X[:, self.kept_]


def pipelines():
    sel = ("select", FreshSelect())
    return [
        ("nb", Pipeline([sel, ("m", GaussianNB())]), {}),
        ("knn", Pipeline([sel, ("s", StandardScaler()), ("m", KNeighborsClassifier())]),
         {"m__n_neighbors": [1, 5, 9]}),
        ("logreg", Pipeline([sel, ("s", StandardScaler()), ("m", LogisticRegression(max_iter=500))]),
         {"m__C": [0.1, 1, 10]}),
        ("forest", Pipeline([sel, ("m", RandomForestClassifier(n_estimators=100, random_state=0))]),
         {"m__max_depth": [3, None]}),
    ]


def main():
    data_dir, out_dir = sys.argv[1], sys.argv[2]
    settings = sys.argv[3] if len(sys.argv) > 3 else "efficient"
    n_jobs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    fc = {"minimal": fs.MinimalFCParameters, "efficient": fs.EfficientFCParameters,
          "comprehensive": fs.ComprehensiveFCParameters}[settings]()
    t_all = time.perf_counter()
    rows, times = [], {}
    for name in DATASETS:
        t0 = time.perf_counter()
        series = pd.read_csv(os.path.join(data_dir, name, "series.csv"), dtype={"kind": str})
        series["value"] = series["value"].astype(np.float64)
        labels = pd.read_csv(os.path.join(data_dir, name, "labels.csv"))
        X = extract_features(series, column_id="id", column_sort="time", column_kind="kind",
                             column_value="value", default_fc_parameters=fc, n_jobs=n_jobs,
                             disable_progressbar=True)
        impute(X)
        X = X.sort_index()
        X = X[sorted(X.columns)]
        y_text = labels.set_index("id").loc[X.index, "y"].astype(str)
        classes = sorted(y_text.unique())
        y = np.array([classes.index(v) for v in y_text])
        t1 = time.perf_counter()
        folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X.values, y))
        for pid, pipe, grid in pipelines():
            gs = GridSearchCV(pipe, grid, cv=folds, scoring=["accuracy", "f1_macro"],
                              refit=False, n_jobs=n_jobs)
            gs.fit(X.values, y)
            res = gs.cv_results_
            for c in range(len(res["params"])):
                for f in range(len(folds)):
                    for m in ["accuracy", "f1_macro"]:
                        rows.append((name, pid, c, f, m, res[f"split{f}_test_{m}"][c]))
        times[name] = {"extract_s": t1 - t0, "cv_s": time.perf_counter() - t1,
                       "features": X.shape[1]}
    pd.DataFrame(rows, columns=["dataset", "pipeline", "candidate", "fold", "metric", "value"]).to_csv(
        os.path.join(out_dir, "python_results.csv"), index=False, float_format="%.17g")
    print(json.dumps({"wall_s": time.perf_counter() - t_all, "datasets": times,
                      "settings": settings, "n_jobs": n_jobs}))


if __name__ == "__main__":
    main()
