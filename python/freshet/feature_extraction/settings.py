"""tsfresh.feature_extraction.settings."""

from .._settings import (ComprehensiveFCParameters, EfficientFCParameters,  # noqa: F401
                         MinimalFCParameters, PickableSettings, from_columns)
