#!/usr/bin/python3
"""Reference outputs of scikit-learn 1.2.1 (Debian's python3-sklearn) for the models of
ml/models_svm.cpp, ml/models_tree.cpp (extra trees) and ml/models_hgb.cpp.

Run from the repository root with Debian's interpreter (never a pyenv one):

    OMP_NUM_THREADS=1 /usr/bin/python3 ml/make_reference_models.py [svm] [trees] [hgb]

writes tests/data/models/*.csv (all sections when none is named).

Inputs: ../shared/data/<name>/table.csv (feature columns, then y). Every model sees X scaled by
StandardScaler fitted on all rows (what freshet's standard_scaler computes), except the trees,
which see raw X. Outputs (all numbers with 17 significant digits):

  linear_svm_coef.csv   dataset,model,params,output,column,value   coef_ (column < n_features)
                        and intercept_ (column == n_features), one row per entry
  svm_decision.csv      dataset,model,params,row,output,value      decision_function (SVC, ovr
                        shape; binary: one output) or predict (SVR) on the first rows
  cv_scores.csv         dataset,model,params,fold,score            KFold(5) accuracy / r2
  hgb_predictions.csv   dataset,model,params,row,output,value      HGB raw predictions on all rows
"""
import csv
import os
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                              HistGradientBoostingClassifier, HistGradientBoostingRegressor)
from sklearn.model_selection import KFold, cross_val_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC, LinearSVR

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "tests", "data", "models")
CLASSIFICATION = ["breast_cancer", "wine", "digits"]
REGRESSION = ["diabetes"]
MAX_DECISION_ROWS = 60  # decision values are written for the first rows only (file size)


def load(name):
    df = pd.read_csv(os.path.join(SHARED, name, "table.csv"))
    X = df.drop(columns="y").to_numpy(dtype=float)
    y = df["y"].to_numpy(dtype=float)
    return X, y


def g(v):
    return "%.17g" % v


def spec_text(params):
    return ",".join("%s=%s" % (k, params[k]) for k in sorted(params))


def main():
    sections = set(sys.argv[1:]) or {"svm", "trees", "hgb"}
    assert sklearn.__version__ == "1.2.1", "run with Debian's /usr/bin/python3 (sklearn 1.2.1)"
    os.makedirs(OUT, exist_ok=True)
    datasets = {name: load(name) for name in CLASSIFICATION + REGRESSION}
    scaled = {name: StandardScaler().fit_transform(X) for name, (X, y) in datasets.items()}

    if "svm" in sections:
        write_svm(datasets, scaled)
    if "trees" in sections:
        write_trees(datasets)
    if "hgb" in sections:
        write_hgb(datasets)
    return 0


def write_svm(datasets, scaled):
    # ---- linear SVMs: coefficients (liblinear, random_state=0) ----
    with open(os.path.join(OUT, "linear_svm_coef.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["dataset", "model", "params", "output", "column", "value"])
        cases = []
        for name in CLASSIFICATION:
            cases.append((name, "linear_svc", LinearSVC, {"random_state": 0}))
            cases.append((name, "linear_svc", LinearSVC, {"random_state": 0, "loss": "hinge",
                                                          "C": 0.5}))
        for name in REGRESSION:
            cases.append((name, "linear_svr", LinearSVR, {"random_state": 0}))
            cases.append((name, "linear_svr", LinearSVR, {"random_state": 3, "C": 10.0,
                                                          "epsilon": 1.0}))
        for name, model, cls, params in cases:
            X = scaled[name]
            y = datasets[name][1]
            est = cls(**params).fit(X, y)
            coef = np.atleast_2d(est.coef_)
            intercept = np.atleast_1d(est.intercept_)
            for o in range(coef.shape[0]):
                for c in range(coef.shape[1]):
                    w.writerow([name, model, spec_text(params), o, c, g(coef[o, c])])
                w.writerow([name, model, spec_text(params), o, coef.shape[1], g(intercept[o])])

    # ---- kernel SVMs: decision values (libsvm) ----
    with open(os.path.join(OUT, "svm_decision.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["dataset", "model", "params", "row", "output", "value"])
        cases = []
        for name in CLASSIFICATION:
            cases.append((name, "svc", SVC, {}))
            cases.append((name, "svc", SVC, {"kernel": "linear", "C": 0.5}))
            cases.append((name, "svc", SVC, {"kernel": "poly", "C": 2.0, "coef0": 1.0}))
        for name in REGRESSION:
            cases.append((name, "svr", SVR, {}))
            cases.append((name, "svr", SVR, {"C": 100.0, "epsilon": 5.0}))
            cases.append((name, "svr", SVR, {"kernel": "linear", "C": 10.0}))
        for name, model, cls, params in cases:
            X = scaled[name]
            y = datasets[name][1]
            est = cls(**params).fit(X, y)
            rows = X[:MAX_DECISION_ROWS]
            values = est.decision_function(rows) if model == "svc" else est.predict(rows)
            values = values.reshape(len(rows), -1)
            for r in range(values.shape[0]):
                for o in range(values.shape[1]):
                    w.writerow([name, model, spec_text(params), r, o, g(values[r, o])])


def write_trees(datasets):
    # ---- randomised models: KFold(5) scores ----
    with open(os.path.join(OUT, "cv_scores.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["dataset", "model", "params", "fold", "score"])
        cases = []
        for name in CLASSIFICATION:
            cases.append((name, "extra_trees_classifier", ExtraTreesClassifier,
                          {"random_state": 0}, "accuracy"))
        for name in REGRESSION:
            cases.append((name, "extra_trees_regressor", ExtraTreesRegressor,
                          {"random_state": 0}, "r2"))
        for name, model, cls, params, scoring in cases:
            X, y = datasets[name]
            scores = cross_val_score(cls(**params), X, y, cv=KFold(5), scoring=scoring)
            for k, s in enumerate(scores):
                w.writerow([name, model, spec_text(params), k, g(s)])


def write_hgb(datasets):
    # ---- histogram gradient boosting: predictions on the training rows ----
    with open(os.path.join(OUT, "hgb_predictions.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["dataset", "model", "params", "row", "output", "value"])
        cases = []
        for name in CLASSIFICATION:
            cases.append((name, "hist_gradient_boosting_classifier",
                          HistGradientBoostingClassifier, {}))
        for name in REGRESSION:
            cases.append((name, "hist_gradient_boosting_regressor",
                          HistGradientBoostingRegressor, {}))
            cases.append((name, "hist_gradient_boosting_regressor",
                          HistGradientBoostingRegressor,
                          {"max_leaf_nodes": 7, "learning_rate": 0.3, "max_iter": 30,
                           "l2_regularization": 1.0, "min_samples_leaf": 5}))
        # Native missing values: NaN where (3 * row + 7 * column) % 11 == 0 (the test makes the
        # same holes), written under "<dataset>_nan".
        for name, model in [("breast_cancer", "hist_gradient_boosting_classifier"),
                            ("diabetes", "hist_gradient_boosting_regressor")]:
            cls = (HistGradientBoostingClassifier if model.endswith("classifier")
                   else HistGradientBoostingRegressor)
            cases.append((name + "_nan", model, cls, {}))
        for name, model, cls, params in cases:
            X, y = datasets[name.replace("_nan", "")]
            if name.endswith("_nan"):
                X = X.copy()
                rows_idx, cols_idx = np.indices(X.shape)
                X[(3 * rows_idx + 7 * cols_idx) % 11 == 0] = np.nan
            est = cls(**params).fit(X, y)
            rows = X[:MAX_DECISION_ROWS]
            if model.endswith("classifier"):
                values = est.predict_proba(rows)
            else:
                values = est.predict(rows).reshape(-1, 1)
            for r in range(values.shape[0]):
                for o in range(values.shape[1]):
                    w.writerow([name, model, spec_text(params), r, o, g(values[r, o])])


if __name__ == "__main__":
    sys.exit(main())
