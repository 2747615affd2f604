"""tsfresh.feature_extraction: extract_features and the settings objects."""

from .._extraction import extract_features  # noqa: F401
from .settings import (ComprehensiveFCParameters, EfficientFCParameters,  # noqa: F401
                       MinimalFCParameters)
