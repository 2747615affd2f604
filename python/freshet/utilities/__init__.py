"""tsfresh.utilities: only dataframe_functions.impute and friends."""
