#include "fresh/settings.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "fresh/names.hpp"

namespace freshet::fresh {

namespace {

using Json = nlohmann::json;

// tsfresh 0.21.2's calculators (matrix_profile left out: tsfresh disables it without the
// abandoned matrixprofile package) and whether they carry high_comp_cost.
struct Known {
  std::string_view name;
  bool high_comp_cost;
};
constexpr Known kKnown[] = {
    {"abs_energy", false},
    {"absolute_maximum", false},
    {"absolute_sum_of_changes", false},
    {"agg_autocorrelation", false},
    {"agg_linear_trend", false},
    {"approximate_entropy", true},
    {"ar_coefficient", false},
    {"augmented_dickey_fuller", false},
    {"autocorrelation", false},
    {"benford_correlation", false},
    {"binned_entropy", false},
    {"c3", false},
    {"change_quantiles", false},
    {"cid_ce", false},
    {"count_above", false},
    {"count_above_mean", false},
    {"count_below", false},
    {"count_below_mean", false},
    {"cwt_coefficients", false},
    {"energy_ratio_by_chunks", false},
    {"fft_aggregated", false},
    {"fft_coefficient", false},
    {"first_location_of_maximum", false},
    {"first_location_of_minimum", false},
    {"fourier_entropy", false},
    {"friedrich_coefficients", false},
    {"has_duplicate", false},
    {"has_duplicate_max", false},
    {"has_duplicate_min", false},
    {"index_mass_quantile", false},
    {"kurtosis", false},
    {"large_standard_deviation", false},
    {"last_location_of_maximum", false},
    {"last_location_of_minimum", false},
    {"lempel_ziv_complexity", false},
    {"length", false},
    {"linear_trend", false},
    {"linear_trend_timewise", false},
    {"longest_strike_above_mean", false},
    {"longest_strike_below_mean", false},
    {"max_langevin_fixed_point", false},
    {"maximum", false},
    {"mean", false},
    {"mean_abs_change", false},
    {"mean_change", false},
    {"mean_n_absolute_max", false},
    {"mean_second_derivative_central", false},
    {"median", false},
    {"minimum", false},
    {"number_crossing_m", false},
    {"number_cwt_peaks", false},
    {"number_peaks", false},
    {"partial_autocorrelation", false},
    {"percentage_of_reoccurring_datapoints_to_all_datapoints", false},
    {"percentage_of_reoccurring_values_to_all_values", false},
    {"permutation_entropy", false},
    {"quantile", false},
    {"query_similarity_count", false},
    {"range_count", false},
    {"ratio_beyond_r_sigma", false},
    {"ratio_value_number_to_time_series_length", false},
    {"root_mean_square", false},
    {"sample_entropy", true},
    {"skewness", false},
    {"spkt_welch_density", false},
    {"standard_deviation", false},
    {"sum_of_reoccurring_data_points", false},
    {"sum_of_reoccurring_values", false},
    {"sum_values", false},
    {"symmetry_looking", false},
    {"time_reversal_asymmetry_statistic", false},
    {"value_count", false},
    {"variance", false},
    {"variance_larger_than_standard_deviation", false},
    {"variation_coefficient", false},
};

const Known* find_known(std::string_view name) {
  for (const auto& k : kKnown)
    if (k.name == name) return &k;
  return nullptr;
}

void add_unavailable(Settings& s, const std::string& name) {
  if (std::find(s.unavailable.begin(), s.unavailable.end(), name) == s.unavailable.end()) {
    s.unavailable.push_back(name);
    std::sort(s.unavailable.begin(), s.unavailable.end());
  }
}

// Checks one "<calculator>": null | [objects] entry and adds it to `into` (or to unavailable).
void add_entry(Settings& s, FcParameters& into, const std::string& name, const Json& value,
               const std::string& where) {
  if (!value.is_null() && !value.is_array())
    throw Error(Errc::kParse, where + ": entry '" + name +
                                  "' must be null or a list of parameter objects, got " +
                                  value.dump());
  if (value.is_array())
    for (const auto& p : value)
      if (!p.is_object())
        throw Error(Errc::kParse, where + ": entry '" + name +
                                      "': every parameter set must be an object, got " + p.dump());
  if (!find_calculator(name)) {
    if (find_known(name)) {
      add_unavailable(s, name);
      return;
    }
    throw Error(Errc::kNotFound, where + ": " + calculator_registry().unknown(name).what());
  }
  into[name] = value;
}

FcParameters fc_from_json(Settings& s, const Json& doc, const std::string& where) {
  if (!doc.is_object())
    throw Error(Errc::kParse, where + ": expected an object of calculator names, got " +
                                  std::string(doc.type_name()));
  FcParameters out;
  for (const auto& [name, value] : doc.items()) {
    // "catch22": null / "catch24": null stand for every feature of that preset.
    if ((name == "catch22" || name == "catch24") && !find_calculator(name)) {
      if (!value.is_null())
        throw Error(Errc::kParse, where + ": entry '" + name + "' takes null, got " + value.dump());
      for (const auto& [feature, none] : preset_settings(name).all_kinds) out[feature] = none;
      continue;
    }
    add_entry(s, out, name, value, where);
  }
  return out;
}

}  // namespace

const FcParameters& Settings::for_kind(std::string_view kind) const {
  auto it = per_kind.find(kind);
  return it == per_kind.end() ? all_kinds : it->second;
}

std::span<const std::string_view> tsfresh_calculator_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& k : kKnown) v.push_back(k.name);
    return v;
  }();
  return names;
}

Settings preset_settings(std::string_view name) {
  if (name == "catch22" || name == "catch24") {
    Settings s;
    for (const Calculator* c : all_calculators())
      if (c->family == "catch22" || (name == "catch24" && c->family == "catch24"))
        s.all_kinds[c->name] = nullptr;
    return s;
  }
  if (name != "minimal" && name != "efficient" && name != "comprehensive")
    throw Error(Errc::kInvalidArgument,
                "unknown feature preset '" + std::string(name) +
                    "' (choose minimal, efficient, comprehensive, catch22 or catch24)");
  Settings s;
  std::set<std::string, std::less<>> seen;
  for (const Calculator* c : all_calculators()) {
    if (c->name == "matrix_profile") continue;  // tsfresh drops it (no matrixprofile package)
    if (c->family != "tsfresh") continue;       // catch22's features have their own presets
    seen.insert(c->name);
    if (name == "minimal" && !c->minimal) continue;
    if (name == "efficient" && c->high_comp_cost) continue;
    s.all_kinds[c->name] = c->parameterless ? Json(nullptr) : c->comprehensive;
  }
  if (name != "minimal") {
    for (const auto& k : kKnown) {
      if (seen.count(k.name)) continue;
      if (name == "efficient" && k.high_comp_cost) continue;
      add_unavailable(s, std::string(k.name));
    }
  }
  return s;
}

Settings settings_from_json(const Json& doc, const std::string& source) {
  Settings s;
  if (!doc.is_object())
    throw Error(Errc::kParse, source + ": feature settings must be a JSON object");
  const bool structured =
      doc.contains("default_fc_parameters") || doc.contains("kind_to_fc_parameters");
  if (!structured) {
    s.all_kinds = fc_from_json(s, doc, source);
    return s;
  }
  for (const auto& [key, value] : doc.items())
    if (key != "default_fc_parameters" && key != "kind_to_fc_parameters")
      throw Error(Errc::kParse, source + ": unexpected key '" + key +
                                    "' next to default_fc_parameters/kind_to_fc_parameters");
  if (doc.contains("default_fc_parameters") && !doc["default_fc_parameters"].is_null())
    s.all_kinds = fc_from_json(s, doc["default_fc_parameters"], source + ": default_fc_parameters");
  if (doc.contains("kind_to_fc_parameters")) {
    const auto& k = doc["kind_to_fc_parameters"];
    if (!k.is_object())
      throw Error(Errc::kParse, source + ": kind_to_fc_parameters must be an object of kinds");
    for (const auto& [kind, fc] : k.items())
      s.per_kind[kind] = fc_from_json(s, fc, source + ": kind '" + kind + "'");
  }
  return s;
}

Settings settings_from_json_file(const std::string& path) {
  // "-" is standard input; pipes and devices are read with read_file's bound.
  const std::string name = path == "-" ? "stdin" : path;
  std::string text;
  try {
    text = read_file(path, true);
  } catch (const Error& e) {
    throw Error(e.code(), std::string(e.what()) + " (the feature settings file)");
  }
  return settings_from_json_text(text, name);
}

Settings settings_from_json_text(std::string_view text, const std::string& source) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    // parse_error, and out_of_range for a number beyond double ("1e400"; found by fuzz/).
    throw Error(Errc::kParse, source + ": not valid JSON: " + e.what());
  }
  return settings_from_json(doc, source);
}

Settings settings_from_feature_names(std::span<const std::string> names,
                                     std::span<const std::string> ignore) {
  Settings s;
  for (const auto& name : names) {
    if (std::find(ignore.begin(), ignore.end(), name) != ignore.end()) continue;
    const auto parsed = parse_feature_name(name);
    auto& fc = s.per_kind[parsed.kind];
    if (!find_calculator(parsed.calculator)) {
      if (find_known(parsed.calculator)) {
        add_unavailable(s, parsed.calculator);
        continue;
      }
      throw Error(Errc::kNotFound, "feature '" + name + "': " +
                                       calculator_registry().unknown(parsed.calculator).what());
    }
    auto it = fc.find(parsed.calculator);
    if (parsed.params.is_null()) {
      if (it == fc.end()) fc[parsed.calculator] = nullptr;
      continue;
    }
    if (it == fc.end() || it->second.is_null()) {
      fc[parsed.calculator] = Json::array({parsed.params});
    } else if (std::find(it->second.begin(), it->second.end(), parsed.params) == it->second.end()) {
      it->second.push_back(parsed.params);
    }
  }
  return s;
}

Settings settings_from_columns_file(const std::string& path, std::span<const std::string> ignore) {
  std::string text;
  try {
    text = read_file(path, true);  // "-" is standard input
  } catch (const Error& e) {
    throw Error(e.code(), std::string(e.what()) + " (the feature names file)");
  }
  std::istringstream in(text);
  std::vector<std::string> names;
  const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
  std::string line;
  if (csv) {
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // Only the header is needed: parse it as a one-line CSV.
    const Table header = parse_csv(line + "\n", path);
    names = header.column_names();
  } else {
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) names.push_back(line);
    }
  }
  if (names.empty()) throw Error(Errc::kInvalidArgument, path + ": names no features");
  try {
    return settings_from_feature_names(names, ignore);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
}

Json settings_to_json(const Settings& settings) {
  Json doc = Json::object();
  Json def = Json::object();
  for (const auto& [name, v] : settings.all_kinds) def[name] = v;
  doc["default_fc_parameters"] = def;
  if (!settings.per_kind.empty()) {
    Json k = Json::object();
    for (const auto& [kind, fc] : settings.per_kind) {
      Json one = Json::object();
      for (const auto& [name, v] : fc) one[name] = v;
      k[kind] = one;
    }
    doc["kind_to_fc_parameters"] = k;
  }
  return doc;
}

}  // namespace freshet::fresh
