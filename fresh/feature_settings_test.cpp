// FeatureSettings, the installed handle on Settings: every source gives the settings the in-tree
// function gives, and extraction through the handle is extraction through the settings.
#include "fresh/feature_settings.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "fresh/extract.hpp"
#include "fresh/settings.hpp"
#include "mproc/executor.hpp"

using namespace freshet;
using namespace freshet::fresh;

namespace {

std::vector<std::string> planned(const Settings& s) {
  return planned_feature_names({"value"}, s, false);
}

}  // namespace

TEST_CASE("FeatureSettings: presets, JSON text and feature names are settings.hpp's") {
  for (const char* name : {"minimal", "efficient", "catch22"}) {
    CAPTURE(name);
    const auto handle = FeatureSettings::preset(name);
    const Settings direct = preset_settings(name);
    CHECK(handle.to_json_text() == settings_to_json(direct).dump());
    CHECK(planned(handle) == planned(direct));
    // The text round-trips: the same features from the JSON the handle prints.
    const auto again = FeatureSettings::from_json_text(handle.to_json_text());
    CHECK(again.to_json_text() == handle.to_json_text());
    CHECK(planned(again) == planned(direct));
  }
  const auto two = FeatureSettings::from_json_text(
      R"({"mean": null, "fft_coefficient": [{"attr": "real", "coeff": 1}]})", "inline");
  CHECK(planned(two) ==
        std::vector<std::string>{"value__fft_coefficient__attr_\"real\"__coeff_1", "value__mean"});
  const std::vector<std::string> names = planned(two);
  CHECK(planned(FeatureSettings::from_feature_names(names)) == names);
  CHECK(FeatureSettings::preset("minimal").unavailable().empty());
}

TEST_CASE("FeatureSettings: errors are settings.hpp's, naming the source") {
  CHECK_THROWS_AS(FeatureSettings::preset("huge"), Error);
  try {
    (void)FeatureSettings::from_json_text("{\"mean\": ", "my.json");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kParse);
    CHECK(std::string(e.what()).find("my.json") != std::string::npos);
  }
  try {
    (void)FeatureSettings::from_json_text(R"({"no_such_calculator": null})", "my.json");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kNotFound);
  }
}

TEST_CASE("FeatureSettings: extract_features through the handle equals through Settings") {
  ReadCsvOptions csv;
  csv.types["kind"] = ColumnType::kString;
  const SeriesSet data = series_from_table(
      parse_csv("id,time,kind,value\n1,1,a,3\n1,2,a,5\n1,3,a,4\n2,1,a,9\n2,2,a,1\n", "t.csv", csv),
      {}, "t.csv");
  auto executor = mproc::make_executor({.workers = 0});
  const auto via_handle =
      extract_features(data, FeatureSettings::preset("minimal"), *executor).features;
  const auto via_settings = extract_features(data, preset_settings("minimal"), *executor).features;
  CHECK(format_csv(via_handle) == format_csv(via_settings));
  CHECK(via_handle.num_columns() > 5);
}
