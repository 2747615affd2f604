"""tsfresh's FRESH feature selection (calculate_relevance_table, select_features) on freshet's
C++ tests: the same tests, the same Benjamini-Yekutieli/Hochberg decision and the same table.

Row order inside the table is tsfresh's (ascending p-value of the first label, then constant
features); tsfresh's sort is unstable, so features with equal p-values may be listed in another
order than tsfresh lists them. Only tsfresh's default tests exist in freshet: fisher for binary
features with a binary target, mann or smir for real features with a binary target, kendall and
KS (tsfresh's "mann" slot for a real target and a binary feature uses KS) for a real target.
"""

import numpy as np
import pandas as pd

from . import _core
from ._extraction import N_PROCESSES


def infer_ml_task(y):
    """tsfresh's rule: integer, bool (kind 'b' is in numpy's integer typecodes), object and
    string targets are classification, anything else regression."""
    if (y.dtype.kind in np.typecodes["AllInteger"] or y.dtype == object
            or isinstance(y.dtype, pd.StringDtype)):
        return "classification"
    return "regression"


def calculate_relevance_table(X, y, ml_task="auto", multiclass=False, n_significant=1,
                              n_jobs=N_PROCESSES, show_warnings=False, chunksize=None,
                              test_for_binary_target_binary_feature="fisher",
                              test_for_binary_target_real_feature="mann",
                              test_for_real_target_binary_feature="mann",
                              test_for_real_target_real_feature="kendall", fdr_level=0.05,
                              hypotheses_independent=False):
    """tsfresh.feature_selection.relevance.calculate_relevance_table."""
    y = y.sort_index()
    X = X.sort_index()
    assert list(y.index) == list(X.index), "The index of X and y need to be the same"
    if ml_task not in ["auto", "classification", "regression"]:
        raise ValueError("ml_task must be one of: 'auto', 'classification', 'regression'")
    elif ml_task == "auto":
        ml_task = infer_ml_task(y)
    if test_for_binary_target_binary_feature != "fisher":
        raise ValueError("test_for_binary_target_binary_feature: only 'fisher' exists")
    if test_for_binary_target_real_feature not in ("mann", "smir"):
        raise ValueError("test_for_binary_target_real_feature must be 'mann' or 'smir'")
    if multiclass:
        assert ml_task == "classification", \
            "ml_task must be classification for multiclass problem"
        assert len(y.unique()) >= n_significant, \
            "n_significant must not exceed the total number of classes"

    names = [str(c) for c in X.columns]
    matrix = X.to_numpy(dtype=np.float64)
    if ml_task == "classification":
        # Labels as text: tsfresh names the per-label columns with str(label).
        target = np.array([str(v) for v in y.to_numpy()], dtype=object)
    else:
        target = y.to_numpy(dtype=np.float64)
    r = _core.relevance(matrix, names, target, ml_task, bool(multiclass), int(n_significant),
                        test_for_binary_target_real_feature, float(fdr_level),
                        bool(hypotheses_independent), int(n_jobs or 0))
    label_of = dict(zip(names, X.columns))
    features = [label_of[f] for f in r["feature"]]
    index = pd.Index(features, name="feature")
    table = pd.DataFrame({"feature": features, "type": r["type"]}, index=index)
    if r["multiclass"]:
        for j, label in enumerate(r["labels"]):
            table["p_value_" + label] = r["label_p"][:, j]
            table["relevant_" + label] = r["label_relevant"][:, j]
        table["n_significant"] = r["n_significant"]
    else:
        table["p_value"] = r["p_value"]
    table["relevant"] = r["relevant"]
    return table


def select_features(X, y, test_for_binary_target_binary_feature="fisher",
                    test_for_binary_target_real_feature="mann",
                    test_for_real_target_binary_feature="mann",
                    test_for_real_target_real_feature="kendall", fdr_level=0.05,
                    hypotheses_independent=False, n_jobs=N_PROCESSES, show_warnings=False,
                    chunksize=None, ml_task="auto", multiclass=False, n_significant=1):
    """tsfresh.select_features: X restricted to the relevant features, in relevance order."""
    assert isinstance(X, pd.DataFrame), "Please pass features in X as pandas.DataFrame."
    nan_columns = X.columns[X.isnull().any()].tolist()
    if nan_columns:
        raise ValueError("Columns {} of DataFrame must not contain NaN values".format(
            nan_columns))
    assert isinstance(y, (pd.Series, np.ndarray)), \
        "The type of target vector y must be one of: pandas.Series, numpy.ndarray"
    assert len(y) > 1, "y must contain at least two samples."
    assert len(X) == len(y), "X and y must contain the same number of samples."
    assert len(set(y)) > 1, \
        "Feature selection is only possible if more than 1 label/class is provided"
    if isinstance(y, pd.Series) and set(X.index) != set(y.index):
        raise ValueError("Index of X and y must be identical if provided")
    if isinstance(y, np.ndarray):
        y = pd.Series(y, index=X.index)
    table = calculate_relevance_table(
        X, y, ml_task=ml_task, multiclass=multiclass, n_significant=n_significant,
        n_jobs=n_jobs, show_warnings=show_warnings, chunksize=chunksize,
        test_for_binary_target_binary_feature=test_for_binary_target_binary_feature,
        test_for_binary_target_real_feature=test_for_binary_target_real_feature,
        test_for_real_target_binary_feature=test_for_real_target_binary_feature,
        test_for_real_target_real_feature=test_for_real_target_real_feature,
        fdr_level=fdr_level, hypotheses_independent=hypotheses_independent)
    relevant_features = table[table.relevant].feature
    return X.loc[:, relevant_features]
