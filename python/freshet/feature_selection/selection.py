"""tsfresh.feature_selection.selection."""

from .._selection import select_features  # noqa: F401
