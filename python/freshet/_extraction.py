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


def _has_nan(series):
    """Whether the column holds a missing value, read from its buffer (a pandas isnull() costs
    more than the rest of a small extraction's input handling)."""
    values = series.to_numpy()
    kind = values.dtype.kind
    if kind in "iub":
        return False
    if kind == "f":
        return bool(np.isnan(values).any())
    return bool(pd.isna(values).any())


def _check_nan(df, *columns):
    for col in columns:
        if col not in df.columns:
            raise ValueError("Column not found: {}".format(col))
        if _has_nan(df[col]):
            raise ValueError("Column must not contain NaN values: {}".format(col))


def _factorize_checked(df, col, as_array):
    """(codes as int64, sorted uniques) of a key column (its numpy values when as_array, else
    the Series: a categorical kind keeps its category order); a missing key is tsfresh's NaN
    error (pandas codes it -1, so this needs no separate isnull pass)."""
    if col not in df.columns:
        raise ValueError("Column not found: {}".format(col))
    if as_array:
        values = df[col].to_numpy()
        if values.dtype.kind in "iu" and len(values):
            # Rows grouped by ascending integer id (the usual layout): codes from the steps,
            # no hash table (pd.factorize costs more than the rest of a small call's input).
            step = values[1:] != values[:-1]
            if not (values[1:] < values[:-1]).any():
                codes = np.empty(len(values), dtype=np.int64)
                codes[0] = 0
                np.cumsum(step, out=codes[1:])
                return codes, values[np.concatenate(([True], step))]
        codes, uniques = pd.factorize(values, sort=True)
    else:
        codes, uniques = pd.factorize(df[col], sort=True)
    if len(codes) and codes.min() < 0:
        raise ValueError("Column must not contain NaN values: {}".format(col))
    return codes.astype(np.int64, copy=False), uniques


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
    """(kind names, kinds in tsfresh's iteration order, blocks as (id codes, kind, values, sort),
    distinct ids sorted, the id column's dtype). Ids are factorised once over all blocks."""
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
        all_ids = raw[0][0] if len(raw) == 1 else np.concatenate([b[0] for b in raw])
        codes, uniques = pd.factorize(all_ids, sort=True)
        codes = codes.astype(np.int64, copy=False)
        blocks, start = [], 0
        for ids, kind, values, sort in raw:
            blocks.append((codes[start:start + len(ids)], kind, values, sort))
            start += len(ids)
        id_dtype = df[next(iter(df))][column_id].dtype
        return kinds, list(range(len(kinds))), blocks, uniques, id_dtype
    if not isinstance(df, pd.DataFrame):
        raise ValueError("df must be a DataFrame or a dict of DataFrames. "
                         "See https://tsfresh.readthedocs.io/en/latest/text/data_formats.html")
    if column_id is None:
        raise ValueError("A value for column_id needs to be supplied")
    id_codes, uniques = _factorize_checked(df, column_id, True)
    id_dtype = df[column_id].dtype
    if column_sort is not None:
        _check_nan(df, column_sort)
        sort = _sort_keys(df[column_sort])
    else:
        sort = None
    if column_kind is not None:
        if column_value is None:
            possible = [c for c in df.columns if c not in (column_id, column_kind, column_sort)]
            if len(possible) != 1:
                raise ValueError(
                    "Could not guess the value column, as the number of unused columns os not "
                    "equal to 1. These columns where currently unused: " + ",".join(map(str, possible)))
            column_value = possible[0]
        if column_value not in df.columns:
            _check_nan(df, column_kind, column_value)  # tsfresh's message for the missing one
        codes, kind_uniques = _factorize_checked(df, column_kind, False)
        _check_nan(df, column_value)
        kinds = [str(k) for k in kind_uniques]
        _check_colname(*kinds)
        # tsfresh groups by (id, kind): a kind's columns first appear with the smallest id that
        # has it, kinds of one id in sorted order. Usually the first id has every kind.
        present = np.zeros(len(kinds), dtype=bool)
        present[codes[id_codes == 0]] = True
        if present.all():
            order = list(range(len(kinds)))
        else:
            first_id = pd.Series(id_codes).groupby(codes).min().reindex(
                range(len(kinds))).to_numpy()
            order = sorted(range(len(kinds)), key=lambda k: (first_id[k], k))
        return (kinds, order, [(id_codes, codes, _float_view(df[column_value]), sort)], uniques,
                id_dtype)
    value_columns = ([column_value] if column_value is not None else
                     [c for c in df.columns if c not in (column_id, column_sort)])
    if not value_columns:
        raise ValueError("You must give at least one value column.")
    _check_colname(*value_columns)
    _check_nan(df, *value_columns)
    blocks = [(id_codes, i, _float_view(df[c]), sort) for i, c in enumerate(value_columns)]
    return [str(c) for c in value_columns], list(range(len(value_columns))), blocks, uniques, \
        id_dtype


_ROLL_KEYS = ("max_timeshift", "min_timeshift", "rolling_direction")


def _roll_options(roll):
    """extract_features' roll= as the C++ call takes it (max_timeshift -1 = None)."""
    if not isinstance(roll, dict):
        raise ValueError("roll must be a dict with the keys " + ", ".join(_ROLL_KEYS) +
                         " (roll_time_series' arguments), got " + type(roll).__name__)
    unknown = sorted(set(roll) - set(_ROLL_KEYS))
    if unknown:
        raise ValueError("roll: unknown key {} (expected {})".format(
            unknown[0], ", ".join(_ROLL_KEYS)))
    max_timeshift = roll.get("max_timeshift")
    min_timeshift = roll.get("min_timeshift", 0)
    rolling_direction = roll.get("rolling_direction", 1)
    from ._rolling import _check_roll_arguments
    rolling_direction, max_timeshift, min_timeshift = _check_roll_arguments(
        rolling_direction, max_timeshift, min_timeshift)
    return {"max_timeshift": -1 if max_timeshift is None else max_timeshift,
            "min_timeshift": min_timeshift, "rolling_direction": rolling_direction}


def _sort_columns(container, column_sort, n_blocks):
    """The sort values of every block's rows, one after the other (the rows extract_rolled
    numbers), keeping the column's dtype."""
    if isinstance(container, dict):
        parts = [frame[column_sort] for frame in container.values()]
    else:
        parts = [container[column_sort]] * n_blocks
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(
        drop=True)


def _result_index(uniques, id_dtype):
    """tsfresh's index of the result: the sorted distinct ids in the id column's dtype; tuple
    ids (a rolled frame's) give a MultiIndex, as tsfresh's pivot does."""
    if len(uniques) and isinstance(uniques[0], tuple):
        return pd.MultiIndex.from_tuples(list(uniques))
    return pd.Index(uniques).astype(id_dtype)


_ORDER_CACHE = {}  # (settings JSON, kinds in order) -> (engine's names, permutation, ordered)


def _column_order(names, kinds, kind_order, fc_json, default_fc_parameters,
                  kind_to_fc_parameters):
    """(permutation, names in that order): tsfresh's column order as a permutation of the
    engine's (sorted) names (None when they are already in it): kinds as tsfresh's adapter meets them, calculators in settings-dict
    order. Remembered per settings and kinds: a repeated call with the same settings skips
    rebuilding ~800 names in Python."""
    key = (fc_json, tuple(kinds[k] for k in kind_order))
    hit = _ORDER_CACHE.get(key)
    if hit is not None and hit[0] == names:
        return hit[1], hit[2]
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
    permutation = None if order == list(range(len(names))) else order
    # The column Index is built once too (pandas infers its dtype over every name); an Index is
    # immutable, so frames may share it.
    ordered = pd.Index(names if permutation is None else [names[i] for i in permutation],
                       dtype=object)
    if len(_ORDER_CACHE) >= 16:
        _ORDER_CACHE.clear()
    _ORDER_CACHE[key] = (names, permutation, ordered)
    return permutation, ordered


def extract_features(timeseries_container, default_fc_parameters=None,
                     kind_to_fc_parameters=None, column_id=None, column_sort=None,
                     column_kind=None, column_value=None, chunksize=None, n_jobs=N_PROCESSES,
                     show_warnings=False, disable_progressbar=False, impute_function=None,
                     profile=False, profiling_filename="profile.txt",
                     profiling_sorting="cumulative", distributor=None, pivot=True, roll=None):
    """tsfresh.extract_features: one row per id (sorted), one float64 column per feature.

    ``roll=dict(max_timeshift=..., min_timeshift=..., rolling_direction=...)`` (freshet's
    addition; any subset, tsfresh's defaults None, 0, 1) extracts the windows tsfresh's
    ``roll_time_series`` cuts, without building the rolled frame: the result equals
    ``extract_features(roll_time_series(df, column_id, column_sort, column_kind, **roll),
    column_id="id", column_sort=column_sort, ...)`` (index: the ``(id, time)`` MultiIndex
    tsfresh gives), but every window is computed on a view of its series in C++.
    """
    if default_fc_parameters is None and kind_to_fc_parameters is None:
        default_fc_parameters = ComprehensiveFCParameters()
    elif default_fc_parameters is None:
        default_fc_parameters = {}
    if n_jobs is not None and n_jobs < 0:
        raise ValueError("Number of processes must be at least 1")

    if roll is not None:
        roll = _roll_options(roll)
    kinds, kind_order, blocks, uniques, id_dtype = _blocks(
        timeseries_container, column_id, column_sort, column_kind, column_value)
    fc_json = settings_json(default_fc_parameters, kind_to_fc_parameters)
    if roll is not None:
        names, matrix, engine_warnings, unavailable, row_id, row_label = _core.extract_rolled(
            blocks, len(uniques), kinds, fc_json, int(n_jobs or 0), roll["max_timeshift"],
            roll["min_timeshift"], roll["rolling_direction"])
        old_ids = pd.Index(uniques).astype(id_dtype).take(row_id)
        if column_sort is not None:
            times = _sort_columns(timeseries_container, column_sort, len(blocks))
            labels = pd.Index(times.take(row_label))
        else:
            labels = pd.Index(row_label)
        index = pd.MultiIndex.from_arrays([old_ids, labels], names=[None, None])
    else:
        index = _result_index(uniques, id_dtype)
        # tsfresh only runs time-stamp calculators (linear_trend_timewise) on a DatetimeIndex.
        keep_times = False
        if (isinstance(timeseries_container, pd.DataFrame) and column_sort is None
                and isinstance(timeseries_container.index, pd.DatetimeIndex)):
            keep_times = True
            stamps = _sort_keys(timeseries_container.index.to_series())
            blocks = [(b[0], b[1], b[2], stamps) for b in blocks]
        names, matrix, engine_warnings, unavailable = _core.extract(
            blocks, len(uniques), kinds, fc_json, int(n_jobs or 0), keep_times)
    if show_warnings:
        for w in engine_warnings:
            warnings.warn(w, RuntimeWarning)
    if unavailable:
        warnings.warn("calculators not available in freshet: " + ", ".join(unavailable))

    order, names = _column_order(names, kinds, kind_order, fc_json, default_fc_parameters,
                                 kind_to_fc_parameters)
    if order is not None:
        # In place: the matrix is the engine's own (column-major) and a rolled result is large.
        _core.permute_columns(matrix, order)
    result = pd.DataFrame(matrix, index=index, columns=names, copy=False)
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
