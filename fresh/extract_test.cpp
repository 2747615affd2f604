// Engine tests: input layouts, ordering, settings (presets, JSON, from_columns), errors, per-series
// isolation and determinism across executors.
#include "fresh/extract.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "fresh/names.hpp"
#include "fresh/settings.hpp"
#include "mproc/executor.hpp"

using namespace freshet;
using namespace freshet::fresh;
using Json = nlohmann::json;

namespace {

SeriesSet from_csv(const std::string& text, const InputOptions& o = {}) {
  ReadCsvOptions csv;
  csv.types["kind"] = ColumnType::kString;
  return series_from_table(parse_csv(text, "test.csv", csv), o, "test.csv");
}

Table run(const SeriesSet& data, const Settings& s, int workers = 0) {
  auto ex = mproc::make_executor({.workers = workers});
  return extract_features(data, s, *ex).features;
}

Settings only(const std::string& calc, Json params = nullptr) {
  Json doc = Json::object();
  doc[calc] = params;
  return settings_from_json(doc, "inline");
}

double cell(const Table& t, const std::string& col, std::size_t row) {
  return t.column(col).f64()[row];
}

}  // namespace

TEST_CASE("long layout: rows in any order are grouped by id and kind and sorted by time") {
  // id 2 comes first in the file and its rows are shuffled; mean_change depends on the order.
  const auto data = from_csv(
      "id,time,kind,value\n"
      "2,3,a,30\n2,1,a,10\n2,2,a,20\n"
      "1,2,b,5\n1,1,b,1\n1,1,a,7\n1,2,a,8\n");
  REQUIRE(data.kinds == std::vector<std::string>{"a", "b"});
  REQUIRE(data.ids.i64().size() == 2);
  CHECK(data.ids.i64()[0] == 1);
  const Table t = run(data, only("mean_change"));
  REQUIRE(t.column_names() == std::vector<std::string>{"id", "a__mean_change", "b__mean_change"});
  CHECK(cell(t, "a__mean_change", 0) == 1.0);       // id 1: 7 -> 8
  CHECK(cell(t, "b__mean_change", 0) == 4.0);       // id 1: 1 -> 5
  CHECK(cell(t, "a__mean_change", 1) == 10.0);      // id 2: 10 -> 20 -> 30
  CHECK(std::isnan(cell(t, "b__mean_change", 1)));  // id 2 has no kind b
}

TEST_CASE("equal time stamps keep file order (stable sort), no sort column keeps file order") {
  const auto a = from_csv("id,time,value\n1,0,3\n1,0,1\n1,0,2\n");
  CHECK(a.values == std::vector<double>{3, 1, 2});
  const auto b = from_csv("id,value\n1,3\n1,1\n1,2\n");
  CHECK(b.values == std::vector<double>{3, 1, 2});
  CHECK(b.kinds == std::vector<std::string>{"value"});
}

TEST_CASE("wide layout: every other column is a kind, empty cells are skipped") {
  const auto data = from_csv("id,time,x,y\n1,1,1,10\n1,0,2,\n2,0,5,6\n");
  REQUIRE(data.kinds == std::vector<std::string>{"x", "y"});
  const Table t = run(data, only("length"));
  CHECK(cell(t, "x__length", 0) == 2.0);
  CHECK(cell(t, "y__length", 0) == 1.0);
  CHECK(cell(t, "x__length", 1) == 1.0);
  const Table m = run(data, only("mean_change"));
  CHECK(cell(m, "x__mean_change", 0) == -1.0);  // sorted by time: 2 then 1
}

TEST_CASE("text ids sort by bytes, numeric ids numerically, custom column names") {
  const auto t = from_csv("id,value\nb,1\nB,2\na,3\n");
  CHECK(t.ids.str()[0] == "B");
  CHECK(t.ids.str()[2] == "b");
  const auto n =
      from_csv("series,step,sensor,reading\n10,0,s,1\n9,0,s,2\n", {.column_id = "series",
                                                                   .column_sort = "step",
                                                                   .column_kind = "sensor",
                                                                   .column_value = "reading"});
  CHECK(n.ids.i64()[0] == 9);
  CHECK(n.kinds == std::vector<std::string>{"s"});
}

TEST_CASE("ISO-8601 sort columns become time stamps and feed linear_trend_timewise") {
  double s = 0;
  REQUIRE(parse_iso8601("1970-01-02", s));
  CHECK(s == 86400.0);
  REQUIRE(parse_iso8601("2000-03-01T01:00:00.5Z", s));
  CHECK(s == 951872400.5);
  REQUIRE(parse_iso8601("2000-03-01T02:00:00+01:00", s));
  CHECK(s == 951872400.0);
  CHECK_FALSE(parse_iso8601("yesterday", s));
  const auto data = from_csv(
      "id,time,value\n1,2020-01-01T02:00:00,5\n1,2020-01-01T00:00:00,1\n1,2020-01-01T01:00:00,3\n");
  REQUIRE(data.has_times());
  const Table t = run(data, only("linear_trend_timewise", Json::array({{{"attr", "slope"}}})));
  CHECK(cell(t, "value__linear_trend_timewise__attr_\"slope\"", 0) == doctest::Approx(2.0));
  // The same rows already in order (taken as they are, no sort): the same series.
  const auto ordered = from_csv(
      "id,time,value\n1,2020-01-01T00:00:00,1\n1,2020-01-01T01:00:00,3\n1,2020-01-01T02:00:00,5\n");
  CHECK(ordered.times == data.times);
  CHECK(ordered.values == data.values);
  CHECK(data.times[1] - data.times[0] == 3600.0);
  // Without time stamps the calculator gives no column, as in tsfresh.
  const auto plain = from_csv("id,time,value\n1,0,1\n1,1,2\n");
  const Table u = run(plain, only("linear_trend_timewise", Json::array({{{"attr", "slope"}}})));
  CHECK(u.num_columns() == 1);
}

TEST_CASE("input errors name the file, column and row") {
  auto msg = [](const std::string& text, const InputOptions& o = {}) {
    try {
      from_csv(text, o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(msg("ident,value\n1,2\n").find("no id column 'id'") != std::string::npos);
  CHECK(msg("id,value\n1,2\n", {.column_sort = "t"}).find("no column 't'") != std::string::npos);
  CHECK(msg("id,time,value\n1,noon,2\n").find("test.csv: row 2: column 'time'") !=
        std::string::npos);
  CHECK(msg("id,kind,value\n1,a__b,2\n").find("kind 'a__b'") != std::string::npos);
  CHECK(msg("id,x\n1,abc\n").find("value column 'x' is not numeric") != std::string::npos);
}

TEST_CASE("presets: minimal is tsfresh's 10, efficient drops high_comp_cost") {
  const auto minimal = preset_settings("minimal");
  CHECK(minimal.all_kinds.size() == 10);
  CHECK(minimal.unavailable.empty());
  const auto comp = preset_settings("comprehensive");
  const auto eff = preset_settings("efficient");
  for (const auto& [name, v] : eff.all_kinds) {
    CHECK(comp.all_kinds.count(name));
    CHECK_FALSE(find_calculator(name)->high_comp_cost);
  }
  CHECK_THROWS_AS(preset_settings("huge"), Error);
  // The comprehensive names for registered calculators equal tsfresh's column list.
  std::ifstream in(FRESHET_SOURCE_DIR + "/../shared/research/tsfresh_columns_comprehensive.txt");
  std::vector<std::string> expected;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && find_calculator(parse_feature_name(line).calculator))
      expected.push_back(line);
  std::sort(expected.begin(), expected.end());
  CHECK(planned_feature_names({"value"}, comp, true) == expected);
}

TEST_CASE("settings JSON: flat and per-kind, errors name the calculator") {
  const Json doc = Json::parse(R"({"default_fc_parameters": {"mean": null},
      "kind_to_fc_parameters": {"b": {"quantile": [{"q": 0.5}], "length": null}}})");
  const Settings s = settings_from_json(doc, "s.json");
  const auto names = planned_feature_names({"a", "b"}, s, false);
  CHECK(names == std::vector<std::string>{"a__mean", "b__length", "b__quantile__q_0.5"});
  const auto bad = [](const char* text) {
    try {
      planned_feature_names({"a"}, settings_from_json(Json::parse(text), "s.json"), false);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(bad(R"({"no_such_calc": null})").find("unknown feature calculator 'no_such_calc'") !=
        std::string::npos);
  CHECK(bad(R"({"quantile": [{"qq": 0.5}]})").find("'quantile': parameter 'q'") !=
        std::string::npos);
  CHECK(bad(R"({"quantile": 3})").find("s.json") != std::string::npos);
}

TEST_CASE("from_columns rebuilds settings that compute exactly the named features") {
  const auto data = from_csv("id,kind,value\n1,a,1\n1,a,2\n1,a,4\n1,b,3\n1,b,1\n");
  const std::vector<std::string> wanted = {
      "id", "a__quantile__q_0.5", "b__cid_ce__normalize_False", "a__length",
      "a__change_quantiles__f_agg_\"mean\"__isabs_True__qh_1.0__ql_0.0"};
  const Settings s = settings_from_feature_names(wanted, std::vector<std::string>{"id"});
  const Table t = run(data, s);
  std::vector<std::string> got = t.column_names();
  std::vector<std::string> exp = wanted;
  std::sort(exp.begin() + 1, exp.end());
  CHECK(got == exp);
  CHECK(cell(t, "a__quantile__q_0.5", 0) == 2.0);
  CHECK(cell(t, "b__cid_ce__normalize_False", 0) == 2.0);
  CHECK(cell(t, "a__change_quantiles__f_agg_\"mean\"__isabs_True__qh_1.0__ql_0.0", 0) == 1.5);
  CHECK_THROWS_AS(settings_from_feature_names(std::vector<std::string>{"a__nope"}), Error);
  CHECK_THROWS_AS(settings_from_feature_names(std::vector<std::string>{"nofeature"}), Error);
}

TEST_CASE("one bad series never aborts: NaN for it, a warning naming id and kind") {
  const auto data = from_csv("id,value\n1,1\n1,nan\n2,1\n2,3\n3,1\n3,inf\n");
  auto ex = mproc::make_executor({.workers = 0});
  const auto r = extract_features(data, preset_settings("efficient"), *ex);
  const Table& t = r.features;
  CHECK(std::isnan(cell(t, "value__mean", 0)));
  CHECK(cell(t, "value__mean", 1) == 2.0);
  CHECK(std::isinf(cell(t, "value__mean", 2)));
  CHECK(std::isnan(cell(t, "value__binned_entropy__max_bins_10", 2)));
  REQUIRE(r.warnings.size() >= 2);
  CHECK(r.warnings[0].find("id 1, kind 'value'") != std::string::npos);
  bool inf_named = false;
  for (const auto& w : r.warnings) inf_named |= w.find("id 3") != std::string::npos;
  CHECK(inf_named);
}

TEST_CASE("same bytes for serial and threads, any chunking") {
  std::string text = "id,time,kind,value\n";
  for (int id = 0; id < 37; ++id)
    for (int k = 0; k < 2; ++k)
      for (int t = 0; t < 20 + id; ++t)
        text += std::to_string(id) + "," + std::to_string(t) + "," + (k ? "b" : "a") + "," +
                std::to_string(std::sin(id * 7.1 + t * 0.37 + k)) + "\n";
  const auto data = from_csv(text);
  const auto settings = preset_settings("efficient");
  auto serial = mproc::make_executor({.workers = 0});
  const std::string expected = format_csv(extract_features(data, settings, *serial).features);
  for (int workers : {1, 2, 3}) {
    auto ex = mproc::make_executor({.workers = workers});
    ExtractOptions o;
    o.chunk_points = 50;  // many small chunks
    std::size_t last = 0;
    o.progress = [&](std::size_t done, std::size_t total) {
      CHECK(done > last);
      CHECK(total == data.num_series());
      last = done;
    };
    CHECK(format_csv(extract_features(data, settings, *ex, o).features) == expected);
    CHECK(last == data.num_series());
  }
}
