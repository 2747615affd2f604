"""tsfresh's settings objects (which features to compute), as editable dicts.

``ComprehensiveFCParameters()`` maps each calculator name to ``None`` (no parameters) or a list
of parameter dicts, exactly as tsfresh 0.21.2's does (same keys in the same order, same
parameter lists; ``matrix_profile`` is absent as on any install without ``matrixprofile``).
Edit it like any dict: ``del s["sample_entropy"]``, ``s["quantile"] = [{"q": 0.5}]``.
The parameter grids come from the compiled calculators (``freshet._core``), so the names the
settings produce are the names the engine computes.
"""

import json
import marshal
from collections import UserDict

from . import _core

# tsfresh's own key order of ComprehensiveFCParameters: parameterless calculators in the order
# feature_calculators.py defines them, then the parameterised ones in the order of
# ComprehensiveFCParameters.__init__ (observed from tsfresh 0.21.2; it fixes tsfresh's column
# order, see extract_features).
TSFRESH_ORDER = (
    "variance_larger_than_standard_deviation has_duplicate_max has_duplicate_min has_duplicate "
    "sum_values abs_energy mean_abs_change mean_change mean_second_derivative_central median "
    "mean length standard_deviation variation_coefficient variance skewness kurtosis "
    "root_mean_square absolute_sum_of_changes longest_strike_below_mean "
    "longest_strike_above_mean count_above_mean count_below_mean last_location_of_maximum "
    "first_location_of_maximum last_location_of_minimum first_location_of_minimum "
    "percentage_of_reoccurring_values_to_all_values "
    "percentage_of_reoccurring_datapoints_to_all_datapoints sum_of_reoccurring_values "
    "sum_of_reoccurring_data_points ratio_value_number_to_time_series_length sample_entropy "
    "maximum absolute_maximum minimum benford_correlation time_reversal_asymmetry_statistic c3 "
    "cid_ce symmetry_looking large_standard_deviation quantile autocorrelation "
    "agg_autocorrelation partial_autocorrelation number_cwt_peaks number_peaks binned_entropy "
    "index_mass_quantile cwt_coefficients spkt_welch_density ar_coefficient change_quantiles "
    "fft_coefficient fft_aggregated value_count range_count approximate_entropy "
    "friedrich_coefficients max_langevin_fixed_point linear_trend agg_linear_trend "
    "augmented_dickey_fuller number_crossing_m energy_ratio_by_chunks ratio_beyond_r_sigma "
    "linear_trend_timewise count_above count_below lempel_ziv_complexity fourier_entropy "
    "permutation_entropy query_similarity_count mean_n_absolute_max"
).split()
_RANK = {name: i for i, name in enumerate(TSFRESH_ORDER)}


def _tuples(value):
    """JSON arrays back to the tuples tsfresh uses inside parameters (e.g. cwt widths)."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _params_from_json(plist):
    if plist is None:
        return None
    return [{k: _tuples(v) for k, v in p.items()} for p in plist]


_PRESETS = {}


def _preset(name):
    if name not in _PRESETS:
        raw = json.loads(_core.preset_json(name))
        keys = sorted(raw, key=lambda k: (_RANK.get(k, len(_RANK)), k))
        _PRESETS[name] = [(k, _params_from_json(raw[k])) for k in keys]
    # A fresh copy every time: users edit their settings objects. Parameter values are
    # immutable (numbers, strings, tuples), so copying each parameter dict copies everything.
    return {k: None if v is None else [dict(p) for p in v] for k, v in _PRESETS[name]}


class PickableSettings(UserDict):
    """Base of the settings objects (tsfresh's name); a plain editable mapping."""


class ComprehensiveFCParameters(PickableSettings):
    """Every calculator with tsfresh's full parameter grids (783 features per kind)."""

    def __init__(self):
        super().__init__(_preset("comprehensive"))


class EfficientFCParameters(ComprehensiveFCParameters):
    """ComprehensiveFCParameters without tsfresh's high_comp_cost calculators (777 per kind)."""

    def __init__(self):
        PickableSettings.__init__(self, _preset("efficient"))


class MinimalFCParameters(ComprehensiveFCParameters):
    """tsfresh's 10 minimal features per kind."""

    def __init__(self):
        PickableSettings.__init__(self, _preset("minimal"))


def from_columns(columns, columns_to_ignore=None):
    """tsfresh's from_columns: the kind_to_fc_parameters dict that computes exactly the named
    features (kind -> {calculator: None | [params, ...]}), in the order the names come."""
    ignore = set(columns_to_ignore or [])
    known = set(_core.calculator_names())
    kind_to_fc_parameters = {}
    for col in columns:
        if col in ignore:
            continue
        if not isinstance(col, str):
            raise TypeError("Column name {} should be a string or unicode".format(col))
        if len(col.split("__")) == 1:
            raise ValueError("Splitting of columnname {} resulted in only one part.".format(col))
        kind, calculator, params = _core.parse_feature_name(col)
        if calculator not in known:
            raise ValueError("Unknown feature name {}".format(calculator))
        fc = kind_to_fc_parameters.setdefault(kind, {})
        params = json.loads(params)
        if params:
            fc.setdefault(calculator, [])
            if fc[calculator] is None:
                fc[calculator] = []
            fc[calculator].append({k: _tuples(v) for k, v in params.items()})
        else:
            fc[calculator] = None
    return kind_to_fc_parameters


def _json_default(obj):
    """What json.dumps cannot write itself: settings objects and numpy scalars/arrays."""
    import numpy as np

    if isinstance(obj, UserDict):
        return dict(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError("fc_parameters: cannot use %r (%s) as a parameter value"
                    % (obj, type(obj).__name__))


def _dumps(obj, **kw):
    # json's C encoder writes tuples as arrays (tsfresh's tuples -> freshet's JSON arrays).
    return json.dumps(obj, default=_json_default, **kw)


_JSON_TEXTS = {}  # marshal bytes of a settings document -> its JSON text


def _plain(obj):
    return obj.data if isinstance(obj, UserDict) else obj


def settings_json(default_fc_parameters, kind_to_fc_parameters):
    """The settings as the JSON text the engine reads. Remembered by content: marshal (C
    speed, about 10x faster than json for tsfresh's ~800 parameter sets) serialises the
    document exactly (1, 1.0 and True differ, key order counts), so a repeated call with equal
    settings reuses the text; anything marshal cannot write (numpy scalars) is encoded afresh."""
    doc = {"default_fc_parameters": _plain(default_fc_parameters) or {}}
    if kind_to_fc_parameters:
        doc["kind_to_fc_parameters"] = {str(k): _plain(v)
                                        for k, v in kind_to_fc_parameters.items()}
    try:
        key = marshal.dumps(doc, 2)  # version 2: no back-references, bytes depend on content
    except ValueError:
        return _dumps(doc)
    text = _JSON_TEXTS.get(key)
    if text is None:
        text = _dumps(doc)
        if len(_JSON_TEXTS) >= 16:
            _JSON_TEXTS.clear()
        _JSON_TEXTS[key] = text
    return text


_SUFFIXES = {}  # parameter-list JSON -> name suffixes


def feature_names(kind, fc_parameters):
    """The names tsfresh gives a kind's features, in tsfresh's order (settings-dict order, then
    parameter-list order)."""
    names = []
    for calculator, plist in fc_parameters.items():
        base = "{}__{}".format(kind, calculator)
        if not plist:
            names.append(base)
            continue
        key = _dumps(plist)
        suffixes = _SUFFIXES.get(key)
        if suffixes is None:
            suffixes = _SUFFIXES.setdefault(key, _core.params_suffixes(key))
        names.extend(base + "__" + s if s else base for s in suffixes)
    return names
