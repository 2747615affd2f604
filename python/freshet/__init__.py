"""freshet: tsfresh's feature extraction and selection, scikit-learn's splitters and q-style
``peach`` over worker processes, on freshet's C++ libraries.

A tsfresh user changes one import line (``import freshet as tsfresh``, or
``from freshet import extract_features, select_features``); see python/README.md.
"""

from ._extraction import extract_features, extract_relevant_features  # noqa: F401
from ._selection import calculate_relevance_table, select_features  # noqa: F401
from ._settings import (ComprehensiveFCParameters, EfficientFCParameters,  # noqa: F401
                        MinimalFCParameters, from_columns)
from .utilities.dataframe_functions import impute  # noqa: F401
from . import feature_extraction, feature_selection, model_selection, utilities  # noqa: F401
from ._peach import init, peach, share, shared, start, stop, WorkerError  # noqa: F401

__version__ = "0.1.0"
