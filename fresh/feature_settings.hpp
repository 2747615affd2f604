#pragma once
// FeatureSettings: which features to extract, for programs built against an installed freshet
// (docs/cpp-api.md). An immutable, cheaply copied handle on fresh::Settings (fresh/settings.hpp,
// which holds tsfresh's parameter dicts as nlohmann::json and is not installed); it converts to
// `const Settings&`, so it is passed straight to extract_features, planned_feature_names and
// FeatureComputer (fresh/extract.hpp):
//
//   auto settings = fresh::FeatureSettings::preset("efficient");
//   auto result = fresh::extract_features(series, settings, *executor);
//
// The sources are settings.hpp's: tsfresh's presets, a JSON document shaped like tsfresh's dicts,
// feature names (tsfresh's from_columns). Errors are theirs: Error(kInvalidArgument) naming the
// preset choices, Error(kParse) / kInvalidArgument / kNotFound naming the source, the calculator
// and the entry, Error(kIo) for an unreadable file. Thread-safety: const members may run
// concurrently (the settings are never modified after construction).

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace freshet::fresh {

struct Settings;  // fresh/settings.hpp

class FeatureSettings {
 public:
  // "minimal", "efficient", "comprehensive" (tsfresh's), "catch22" or "catch24".
  static FeatureSettings preset(std::string_view name);
  // {"<calculator>": null | [ {params}, ... ], ...} or {"default_fc_parameters": {...},
  // "kind_to_fc_parameters": {"<kind>": {...}}}; `source` names the text in errors.
  static FeatureSettings from_json_text(std::string_view text,
                                        const std::string& source = "settings");
  static FeatureSettings from_json_file(const std::string& path);
  // tsfresh's from_columns: exactly the named features ("value__fft_coefficient__attr_\"real\"__
  // coeff_0"); names in `ignore` (e.g. the id column) are skipped.
  static FeatureSettings from_feature_names(std::span<const std::string> names,
                                            std::span<const std::string> ignore = {});
  // Names from a CSV header (path ending ".csv") or one name per line.
  static FeatureSettings from_columns_file(const std::string& path,
                                           std::span<const std::string> ignore = {});
  // Wraps in-tree settings (fresh/settings.hpp).
  explicit FeatureSettings(Settings settings);

  // The settings as the JSON document from_json_text reads ({"default_fc_parameters": ...}),
  // compact, keys sorted: equal settings give equal text, so it also serves as
  // ExtractOptions::plan_key.
  std::string to_json_text() const;
  // tsfresh calculators the source asked for that this build does not have (sorted); callers
  // may warn once.
  const std::vector<std::string>& unavailable() const;

  const Settings& settings() const { return *settings_; }
  operator const Settings&() const { return *settings_; }  // NOLINT(google-explicit-constructor)

 private:
  std::shared_ptr<const Settings> settings_;
};

}  // namespace freshet::fresh
