#pragma once
// Which features to compute: tsfresh's default_fc_parameters / kind_to_fc_parameters.
//
// An FcParameters maps a calculator name to its parameter sets: null for a parameterless
// calculator, else a JSON array of parameter objects (tsfresh's dict of name -> None | list).
// Settings holds one FcParameters for every kind plus per-kind overrides: a kind listed in
// per_kind uses only its own entry (tsfresh's rule), the others use `all_kinds`.
//
// Sources: the presets (tsfresh's MinimalFCParameters, EfficientFCParameters,
// ComprehensiveFCParameters, built from the grids the registered calculators carry), a JSON file
// shaped like tsfresh's dicts, or feature names (tsfresh's from_columns).
// Known tsfresh calculators that are not registered in this build are left out and listed in
// Settings::unavailable so the caller can warn once.

#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fresh/calculator.hpp"

namespace freshet::fresh {

using FcParameters = std::map<std::string, nlohmann::json, std::less<>>;

struct Settings {
  FcParameters all_kinds = {};
  std::map<std::string, FcParameters, std::less<>> per_kind = {};
  // tsfresh calculators the settings asked for that this build does not have (sorted, unique).
  std::vector<std::string> unavailable = {};

  // The parameters that apply to `kind`.
  const FcParameters& for_kind(std::string_view kind) const;
};

// The names of every calculator tsfresh 0.21.2 has (without matrix_profile, which tsfresh itself
// disables), sorted.
std::span<const std::string_view> tsfresh_calculator_names();

// "minimal", "efficient" or "comprehensive" (tsfresh's calculators only), "catch22" (catch22's 22
// features) or "catch24" (those and DN_Mean, DN_Spread_Std). Throws Error(kInvalidArgument)
// naming the choices.
Settings preset_settings(std::string_view name);

// From a JSON document: either {"<calculator>": null | [ {params}, ... ], ...} (one dict for every
// kind) or {"default_fc_parameters": {...}, "kind_to_fc_parameters": {"<kind>": {...}}} (both
// keys optional; with only kind_to_fc_parameters, unlisted kinds get nothing, as in tsfresh).
// The keys "catch22" and "catch24" (value null) stand for every feature of that preset, so
// {"catch22": null, "mean": null} is catch22 plus tsfresh's mean.
// Throws Error(kParse) or Error(kInvalidArgument) naming `source`, the calculator and the entry;
// an unknown calculator is Error(kNotFound).
Settings settings_from_json(const nlohmann::json& doc, const std::string& source);
// Parses JSON text, then as settings_from_json; malformed JSON is Error(kParse) naming `source`.
Settings settings_from_json_text(std::string_view text, const std::string& source);
// Reads and parses a file. Throws Error(kIo) when unreadable.
Settings settings_from_json_file(const std::string& path);

// tsfresh's from_columns: the settings that compute exactly the named features. Names equal to
// one of `ignore` (e.g. the id column) are skipped. Throws Error(kParse) for a name that is not a
// feature name, Error(kNotFound) for an unknown calculator.
Settings settings_from_feature_names(std::span<const std::string> names,
                                     std::span<const std::string> ignore = {});
// Reads feature names from a file: a CSV header (first line, fields split on ',' with CSV
// quoting) when the path ends in ".csv", else one name per line.
Settings settings_from_columns_file(const std::string& path,
                                    std::span<const std::string> ignore = {});

// The JSON form of settings (the inverse of settings_from_json).
nlohmann::json settings_to_json(const Settings& settings);

}  // namespace freshet::fresh
