"""tsfresh.feature_selection: select_features."""

from .._selection import select_features  # noqa: F401
