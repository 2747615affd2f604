"""tsfresh's extract_features / extract_relevant_features on freshet's C++ engine.

The input is read from the DataFrame's own numpy buffers: float64 value columns are passed to
the engine as (possibly strided) views, without a CSV round trip or a staging copy; the engine
gathers each (id, kind) series once into its compact layout. Ids and kinds are factorised with
pandas (so any id dtype works) and the result gets tsfresh's index (the sorted distinct ids, in
the id column's dtype, unnamed), tsfresh's column names and tsfresh's column order (kinds in
the order tsfresh's adapters meet them, then settings-dict order within a kind), all float64.

Differences from tsfresh, by design: ``n_jobs`` counts threads, not processes (same numbers for
any count); a series whose calculator cannot compute gives NaN for that feature (tsfresh aborts
the whole call, e.g. on ``inf`` input); integer value columns are computed as float64 (tsfresh
keeps int64, where e.g. ``abs_energy`` can overflow); ``chunksize``, ``distributor``,
``profile`` and ``disable_progressbar`` are accepted and ignored; ``pivot=False`` gives
tsfresh's (id, feature, value) tuples, ids in order.
"""

import multiprocessing
import warnings

import numpy as np
import pandas as pd

from . import _core
from ._settings import ComprehensiveFCParameters, feature_names, settings_json

N_PROCESSES = max(1, multiprocessing.cpu_count() // 2)  # tsfresh's default n_jobs


def _check_nan(df, *columns):
    for col in columns:
        if col not in df.columns:
            raise ValueError("Column not found: {}".format(col))
        if df[col].isnull().any():
            raise ValueError("Column must not contain NaN values: {}".format(col))


def _check_colname(*columns):
    for col in columns:
        if str(col).endswith("_"):
            raise ValueError("Dict keys are not allowed to end with '_': {}".format(col))
        if "__" in str(col):
            raise ValueError("Dict keys are not allowed to contain '__': {}".format(col))


def _float_view(series):
    """The column as a float64 array: a view when it already is float64, else one conversion."""
    values = series.to_numpy()
    if values.dtype != np.float64:
        if values.dtype.kind not in "iub":
            raise ValueError(
                "Column {} must be numeric, got dtype {}".format(series.name, values.dtype))
        values = values.astype(np.float64)
    return values


def _sort_keys(series):
    """Sort keys as float64 (datetimes as seconds, text by its sorted rank)."""
    values = series.to_numpy()
    if np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[ns]").astype(np.int64) / 1e9
    if values.dtype.kind in "iufb":
        return values.astype(np.float64, copy=False)
    codes, _ = pd.factorize(values, sort=True)
    return codes.astype(np.float64)


def _blocks(df, column_id, column_sort, column_kind, column_value):
    """(id arrays, kind names in tsfresh's iteration order, blocks as (ids, kind, values, sort))
    where ids are still raw; the caller factorises them over all blocks."""
    if isinstance(df, dict):
        _check_colname(*list(df.keys()))
        kinds, raw = [], []
        for i, (key, frame) in enumerate(df.items()):
            if column_id is None:
                raise ValueError("A value for column_id needs to be supplied")
            _check_nan(frame, column_id, column_value)
            if column_sort is not None:
                _check_nan(frame, column_sort)
            kinds.append(str(key))
            sort = _sort_keys(frame[column_sort]) if column_sort is not None else None
            raw.append((frame[column_id].to_numpy(), i, _float_view(frame[column_value]), sort))
        return kinds, list(range(len(kinds))), raw
    if not isinstance(df, pd.DataFrame):
        raise ValueError("df must be a DataFrame or a dict of DataFrames. "
                         "See https://tsfresh.readthedocs.io/en/latest/text/data_formats.html")
    if column_id is None:
        raise ValueError("A value for column_id needs to be supplied")
    _check_nan(df, column_id)
    if column_sort is not None:
        _check_nan(df, column_sort)
        sort = _sort_keys(df[column_sort])
    else:
        sort = None
    ids = df[column_id].to_numpy()
    if column_kind is not None:
        if column_value is None:
            possible = [c for c in df.columns if c not in (column_id, column_kind, column_sort)]
            if len(possible) != 1:
                raise ValueError(
                    "Could not guess the value column, as the number of unused columns os not "
                    "equal to 1. These columns where currently unused: " + ",".join(map(str, possible)))
            column_value = possible[0]
        _check_nan(df, column_kind, column_value)
        codes, uniques = pd.factorize(df[column_kind], sort=True)
        kinds = [str(k) for k in uniques]
        _check_colname(*kinds)
        # tsfresh groups by (id, kind): a kind's columns first appear with the smallest id that
        # has it, kinds of one id in sorted order.
        id_codes, _ = pd.factorize(ids, sort=True)
        first_id = np.full(len(kinds), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first_id, codes, id_codes)
        order = sorted(range(len(kinds)), key=lambda k: (first_id[k], k))
        return kinds, order, [(ids, codes.astype(np.int64), _float_view(df[column_value]), sort)]
    value_columns = ([column_value] if column_value is not None else
                     [c for c in df.columns if c not in (column_id, column_sort)])
    if not value_columns:
        raise ValueError("You must give at least one value column.")
    _check_colname(*value_columns)
    _check_nan(df, *value_columns)
    blocks = [(ids, i, _float_view(df[c]), sort) for i, c in enumerate(value_columns)]
    return [str(c) for c in value_columns], list(range(len(value_columns))), blocks


def extract_features(timeseries_container, default_fc_parameters=None,
                     kind_to_fc_parameters=None, column_id=None, column_sort=None,
                     column_kind=None, column_value=None, chunksize=None, n_jobs=N_PROCESSES,
                     show_warnings=False, disable_progressbar=False, impute_function=None,
                     profile=False, profiling_filename="profile.txt",
                     profiling_sorting="cumulative", distributor=None, pivot=True):
    """tsfresh.extract_features: one row per id (sorted), one float64 column per feature."""
    if default_fc_parameters is None and kind_to_fc_parameters is None:
        default_fc_parameters = ComprehensiveFCParameters()
    elif default_fc_parameters is None:
        default_fc_parameters = {}
    if n_jobs is not None and n_jobs < 0:
        raise ValueError("Number of processes must be at least 1")

    kinds, kind_order, raw = _blocks(timeseries_container, column_id, column_sort, column_kind,
                                     column_value)
    all_ids = raw[0][0] if len(raw) == 1 else np.concatenate([b[0] for b in raw])
    codes, uniques = pd.factorize(all_ids, sort=True)
    codes = codes.astype(np.int64, copy=False)
    blocks, start = [], 0
    for ids, kind, values, sort in raw:
        blocks.append((codes[start:start + len(ids)], kind, values, sort))
        start += len(ids)
    id_dtype = (timeseries_container[next(iter(timeseries_container))][column_id].dtype
                if isinstance(timeseries_container, dict) else
                timeseries_container[column_id].dtype)
    index = pd.Index(uniques).astype(id_dtype)

    # tsfresh only runs time-stamp calculators (linear_trend_timewise) on a DatetimeIndex.
    keep_times = False
    if (isinstance(timeseries_container, pd.DataFrame) and column_sort is None
            and isinstance(timeseries_container.index, pd.DatetimeIndex)):
        keep_times = True
        stamps = _sort_keys(timeseries_container.index.to_series())
        blocks = [(b[0], b[1], b[2], stamps) for b in blocks]

    names, matrix, engine_warnings, unavailable = _core.extract(
        blocks, len(uniques), kinds,
        settings_json(default_fc_parameters, kind_to_fc_parameters), int(n_jobs or 0),
        keep_times)
    if show_warnings:
        for w in engine_warnings:
            warnings.warn(w, RuntimeWarning)
    if unavailable:
        warnings.warn("calculators not available in freshet: " + ", ".join(unavailable))

    # tsfresh's column order: kinds as its adapter meets them, calculators in dict order.
    position = {n: i for i, n in enumerate(names)}
    per_kind = {str(k): v for k, v in (kind_to_fc_parameters or {}).items()}
    order = []
    for k in kind_order:
        kind = kinds[k]
        fc = per_kind[kind] if kind in per_kind else default_fc_parameters
        for name in feature_names(kind, fc):
            i = position.pop(name, None)
            if i is not None:
                order.append(i)
    order.extend(sorted(position.values()))  # none expected; never drop a computed column
    if order != list(range(len(names))):
        matrix = np.asfortranarray(matrix[:, order])
        names = [names[i] for i in order]
    result = pd.DataFrame(matrix, index=index, columns=pd.Index(names, dtype=object), copy=False)
    if impute_function is not None:
        impute_function(result)
    if not pivot:
        # tsfresh's unpivoted form: (id, feature name, value) tuples.
        return [(i, n, v) for (i, n), v in result.stack(dropna=False).items()]
    return result


def extract_relevant_features(timeseries_container, y, X=None, default_fc_parameters=None,
                              kind_to_fc_parameters=None, column_id=None, column_sort=None,
                              column_kind=None, column_value=None, show_warnings=False,
                              disable_progressbar=False, profile=False,
                              profiling_filename="profile.txt",
                              profiling_sorting="cumulative",
                              test_for_binary_target_binary_feature="fisher",
                              test_for_binary_target_real_feature="mann",
                              test_for_real_target_binary_feature="mann",
                              test_for_real_target_real_feature="kendall", fdr_level=0.05,
                              hypotheses_independent=False, n_jobs=N_PROCESSES,
                              distributor=None, chunksize=None, ml_task="auto"):
    """tsfresh.extract_relevant_features: extract, impute, then select_features."""
    from ._selection import select_features
    from .utilities.dataframe_functions import impute

    assert isinstance(y, pd.Series), \
        "y needs to be a pandas.Series, received type: {}.".format(type(y))
    assert len(set(y)) > 1, \
        "Feature selection is only possible if more than 1 label/class is provided"
    if X is not None:
        keep = X.index
        if isinstance(timeseries_container, dict):
            timeseries_container = {k: v[v[column_id].isin(keep)]
                                    for k, v in timeseries_container.items()}
        else:
            timeseries_container = timeseries_container[
                timeseries_container[column_id].isin(keep)]
    if isinstance(timeseries_container, dict):
        ids_container = set()
        for frame in timeseries_container.values():
            ids_container |= set(frame[column_id])
    else:
        ids_container = set(timeseries_container[column_id])
    ids_y = set(y.index)
    if ids_container != ids_y:
        if ids_container - ids_y:
            raise ValueError("The following ids are in the time series container but are "
                             "missing in y: {}".format(ids_container - ids_y))
        if ids_y - ids_container:
            raise ValueError("The following ids are in y but are missing inside the time series "
                             "container: {}".format(ids_y - ids_container))
    X_ext = extract_features(timeseries_container,
                             default_fc_parameters=default_fc_parameters,
                             kind_to_fc_parameters=kind_to_fc_parameters,
                             show_warnings=show_warnings,
                             disable_progressbar=disable_progressbar, profile=profile,
                             column_id=column_id, column_sort=column_sort,
                             column_kind=column_kind, column_value=column_value,
                             n_jobs=n_jobs, impute_function=impute)
    X = X_ext if X is None else pd.merge(X, X_ext, left_index=True, right_index=True, how="left")
    return select_features(
        X, y, test_for_binary_target_binary_feature=test_for_binary_target_binary_feature,
        test_for_binary_target_real_feature=test_for_binary_target_real_feature,
        test_for_real_target_binary_feature=test_for_real_target_binary_feature,
        test_for_real_target_real_feature=test_for_real_target_real_feature,
        fdr_level=fdr_level, hypotheses_independent=hypotheses_independent, n_jobs=n_jobs,
        show_warnings=show_warnings, ml_task=ml_task)
