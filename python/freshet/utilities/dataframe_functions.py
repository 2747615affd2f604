"""tsfresh.utilities.dataframe_functions: impute (on freshet's C++ fresh::impute),
roll_time_series and make_forecasting_frame (freshet/_rolling.py)."""

import numpy as np
import pandas as pd

from .. import _core
from .._rolling import make_forecasting_frame, roll_time_series  # noqa: F401


def impute(df_impute):
    """tsfresh's impute, in place, column by column over the finite values: NaN -> median,
    +inf -> max, -inf -> min; a column without finite values -> 0. Returns df_impute."""
    if len(df_impute) == 0:
        return df_impute
    mgr = getattr(df_impute, "_mgr", None)
    blocks = getattr(mgr, "blocks", ())
    if len(blocks) == 1 and blocks[0].values.dtype == np.float64 and \
            isinstance(blocks[0].values, np.ndarray) and blocks[0].values.flags.writeable:
        # One float64 block (what extract_features returns): impute its buffer in place.
        # The block is stored (columns, rows); its transpose is the rows x columns matrix.
        _core.impute_inplace(blocks[0].values.T)
        return df_impute
    matrix = df_impute.to_numpy(dtype=np.float64, copy=True)
    if _core.impute_inplace(matrix):
        df_impute.loc[:, :] = matrix
    return df_impute


def impute_dataframe_zero(df_impute):
    """tsfresh's impute_dataframe_zero: NaN and +-inf -> 0, in place."""
    df_impute.replace([np.PINF, np.NINF], 0, inplace=True)
    df_impute.fillna(0, inplace=True)
    return df_impute


def get_ids(df_or_dict, column_id):
    """The set of ids of a DataFrame or of a dict of DataFrames."""
    if isinstance(df_or_dict, pd.DataFrame):
        return set(df_or_dict[column_id])
    if isinstance(df_or_dict, dict):
        return set().union(*(set(df[column_id]) for df in df_or_dict.values()))
    raise TypeError("df_or_dict should be of type dict or pandas.DataFrame")
