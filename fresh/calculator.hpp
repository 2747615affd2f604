#pragma once
// The calculator contract: how one tsfresh feature calculator plugs into the extraction engine.
//
// A calculator has tsfresh's name and parameter grids. The engine turns settings (a preset, a
// JSON file, or feature names) into, per calculator, a list of parameter sets; it calls
// `prepare` once with that list (validation happens there, before any series is read), then
// calls the returned ComputeFn once per series, which writes one value per parameter set.
//
// ComputeFn must not throw for any series (habit 4: validate, then run): a value that is
// undefined for a series (too short, constant, empty after a filter) is NaN, exactly where
// tsfresh gives NaN. Where tsfresh would raise on a series, write NaN and (optionally) return a
// warning text through Series::warn(); the engine reports it with the id and kind.
// ComputeFn may be called concurrently from several threads with different Series objects.
//
// Feature names are made by the engine: "<kind>__<name>" for a parameterless calculator, else
// "<kind>__<name>__<k1>_<v1>__<k2>_<v2>" with keys in sorted order and values rendered as
// Python's str() renders them (see fresh/names.hpp).

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/registry.hpp"
#include "fresh/series.hpp"

namespace freshet::fresh {

// One parameter set: a JSON object, e.g. {"attr": "real", "coeff": 0}; {} when parameterless.
// JSON integers are Python ints, JSON floats are Python floats (naming depends on it: "r_1" vs
// "r_1.0"); JSON arrays are Python tuples; null is None.
using Params = nlohmann::json;

// Computes one calculator's values for one series: out[k] belongs to parameter set k
// (out.size() == 1 for a parameterless calculator).
using ComputeFn = std::function<void(const Series& series, std::span<double> out)>;

struct Calculator {
  std::string name;            // tsfresh's name, e.g. "fft_coefficient"
  bool parameterless = false;  // tsfresh "simple" calculator without parameters
  // tsfresh 0.21 ComprehensiveFCParameters()[name]: null when parameterless, else an array of
  // parameter objects in tsfresh's order.
  nlohmann::json comprehensive = nullptr;
  // MinimalFCParameters holds only a few calculators; EfficientFCParameters drops those with
  // tsfresh's `high_comp_cost` attribute.
  bool minimal = false;
  bool high_comp_cost = false;
  // Needs timestamps in the sort column (tsfresh's `input_type = "pd.Series"` with a
  // DatetimeIndex: linear_trend_timewise). Skipped when the sort column is not a timestamp.
  bool needs_timestamps = false;
  // The feature family: "tsfresh" (tsfresh's calculators, the only ones in the minimal /
  // efficient / comprehensive presets), "catch22" (catch22's 22 features) or "catch24" (the two
  // catch24 adds: DN_Mean, DN_Spread_Std). Presets "catch22" and "catch24" select by it.
  std::string family = "tsfresh";
  // Validates the parameter sets (throws Error(kInvalidArgument) naming the calculator and the
  // parameter) and returns the function that computes them.
  std::function<ComputeFn(const std::vector<Params>& params)> prepare;
};

// The registry of calculators (habit 12). Built-ins are registered on first use; plug-ins may
// add more with register_calculator() from their static initialisers.
void register_calculator(Calculator calculator);
// nullptr if unknown.
const Calculator* find_calculator(std::string_view name);
// Every calculator, sorted by name.
std::vector<const Calculator*> all_calculators();
// The same calculators as a registry (lookup, listing, the one "unknown feature calculator" error).
const Registry<Calculator>& calculator_registry();

// Built-in registration, one function per source file (called once by the registry).
void register_statistics_calculators();  // fresh/calc_statistics.cpp: basic statistics
void register_change_calculators();      // fresh/calc_changes.cpp: changes / differences
void register_trend_calculators();       // fresh/calc_trend.cpp: autocorrelation, trends, ...
void register_spectral_calculators();    // fresh/calc_spectral.cpp: fft, welch, cwt, ...
void register_model_calculators();       // fresh/calc_models.cpp: ar, pacf, friedrich, ...
void register_adf_calculators();         // fresh/calc_adf.cpp: augmented_dickey_fuller
void register_entropy_calculators();     // fresh/calc_entropy.cpp: sample/approximate/... entropy
void register_catch22_calculators();     // fresh/calc_catch22.cpp: catch22 / catch24 features

// Helpers for prepare(): read a parameter or throw Error(kInvalidArgument) naming the calculator.
double param_double(const Params& p, std::string_view key, std::string_view calculator);
long long param_int(const Params& p, std::string_view key, std::string_view calculator);
std::string param_string(const Params& p, std::string_view key, std::string_view calculator);
bool param_bool(const Params& p, std::string_view key, std::string_view calculator);

}  // namespace freshet::fresh
