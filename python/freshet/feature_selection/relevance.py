"""tsfresh.feature_selection.relevance."""

from .._selection import calculate_relevance_table, infer_ml_task  # noqa: F401
