"""freshet: tsfresh's feature extraction and selection, scikit-learn's splitters and q-style
``peach`` over worker processes, on freshet's C++ libraries.

A tsfresh user changes one import line (``import freshet as tsfresh``, or
``from freshet import extract_features, select_features``); see python/README.md.
The tsfresh and scikit-learn parts load on first use, so ``import freshet`` in a peach worker
costs numpy, not pandas.
"""

import importlib

from ._peach import (WorkerError, init, peach, share, shared, start, stop,  # noqa: F401
                     unshare)

__version__ = "0.1.0"

_LAZY = {
    "extract_features": "._extraction", "extract_relevant_features": "._extraction",
    "calculate_relevance_table": "._selection", "select_features": "._selection",
    "ComprehensiveFCParameters": "._settings", "EfficientFCParameters": "._settings",
    "MinimalFCParameters": "._settings", "from_columns": "._settings",
    "impute": ".utilities.dataframe_functions",
    "run": "._job", "JobError": "._job",
    "roll_time_series": "._rolling", "make_forecasting_frame": "._rolling",
}
_SUBMODULES = {"feature_extraction", "feature_selection", "model_selection", "utilities"}

__all__ = sorted(set(_LAZY) | _SUBMODULES | {"WorkerError", "init", "peach", "share", "shared",
                                              "start", "stop", "unshare"})


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module("." + name, __name__)
    else:
        raise AttributeError("module 'freshet' has no attribute %r" % name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
