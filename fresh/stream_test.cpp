// Streaming extraction: the rows equal extract --roll's (the same CSV bytes) for every layout,
// step, split of the input and worker count; every bad row is an error naming its line.
#include "fresh/stream.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "fresh/roll.hpp"
#include "mproc/executor.hpp"

using namespace freshet;
using namespace freshet::fresh;

namespace {

// ids 0..n_ids-1 (ids in order, each in time order), lengths len0, len0 + 1, ...; times 10, 12, ...
std::string long_csv(int n_ids, int len0, bool two_kinds, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::string csv = two_kinds ? "id,time,kind,value\n" : "id,time,value\n";
  for (int id = 0; id < n_ids; ++id) {
    double level = 0;
    for (int t = 0; t < len0 + id; ++t) {
      level += noise(rng);
      const std::string time = std::to_string(10 + 2 * t);
      if (two_kinds) {
        csv += std::to_string(id) + "," + time + ",a," + format_double(level) + "\n";
        csv += std::to_string(id) + "," + time + ",b," + format_double(noise(rng)) + "\n";
      } else {
        csv += std::to_string(id) + "," + time + "," + format_double(level) + "\n";
      }
    }
  }
  return csv;
}

std::string rolled(const std::string& csv, const RollOptions& roll, const Settings& settings) {
  ReadCsvOptions read;
  read.types["kind"] = ColumnType::kString;
  const SeriesSet data =
      series_from_table(parse_csv(csv, "test.csv", read), {.keep_sort_keys = true}, "test.csv");
  auto serial = mproc::make_executor({.workers = 0});
  return format_csv(extract_rolled(data, roll, settings, *serial).features);
}

std::string streamed(const std::string& csv, StreamOptions options, const Settings& settings,
                     int workers = 0, std::size_t piece = 0,
                     std::vector<std::string>* warnings = nullptr) {
  auto executor = mproc::make_executor({.workers = workers});
  std::string out;
  StreamExtractor s(
      options, settings, *executor, "test.csv", [&](std::string_view t) { out += t; },
      [&](const std::string& w) {
        if (warnings) warnings->push_back(w);
      });
  if (piece == 0) {
    s.feed(csv);
  } else {
    for (std::size_t i = 0; i < csv.size(); i += piece) {
      s.feed(std::string_view(csv).substr(i, piece));
      s.flush();
    }
  }
  s.finish();
  return out;
}

std::string error_of(const std::string& csv, StreamOptions options) {
  try {
    streamed(csv, options, preset_settings("minimal"));
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE(
    "stream: step 1 equals extract --roll max_timeshift=W-1,min_timeshift=W-1, byte for byte") {
  const std::string csv = long_csv(3, 12, false, 1);
  const Settings settings = preset_settings("efficient");
  const std::string expected = rolled(csv, {.max_timeshift = 4, .min_timeshift = 4}, settings);
  // 3 ids of 12, 13, 14 points: 8 + 9 + 10 windows of 5 points, plus the header.
  CHECK(std::count(expected.begin(), expected.end(), '\n') == 28);
  CHECK(streamed(csv, {.window = 5}, settings) == expected);
  // Any split of the input, any batch size, any worker count: the same bytes.
  for (int workers : {0, 1, 3})
    CHECK(streamed(csv, {.window = 5, .batch_windows = 4}, settings, workers, 7) == expected);
}

TEST_CASE(
    "stream: a step S equals rolling_direction=S when (longest length - W) is a multiple of S") {
  const std::string csv = long_csv(3, 12, false, 2);  // longest series: 14 points
  const Settings settings = preset_settings("minimal");
  CHECK(streamed(csv, {.window = 5, .step = 3}, settings) ==
        rolled(csv, {.max_timeshift = 4, .min_timeshift = 4, .rolling_direction = 3}, settings));
  // W = 1: every point is a window (tsfresh's max_timeshift cannot be 0): 12 + 13 + 14 rows.
  const std::string ones = streamed(csv, {.window = 1}, settings);
  CHECK(std::count(ones.begin(), ones.end(), '\n') == 1 + 39);
}

TEST_CASE("stream: kinds of one id make one row, in long and wide layouts") {
  const std::string csv = long_csv(2, 9, true, 3);
  const Settings settings = preset_settings("minimal");
  const std::string expected = rolled(csv, {.max_timeshift = 3, .min_timeshift = 3}, settings);
  CHECK(streamed(csv, {.window = 4, .kinds = {"b", "a"}}, settings) == expected);
  CHECK(streamed(csv, {.window = 4, .kinds = {"a", "b"}}, settings, 2, 5) == expected);

  // The same points as a wide table: one column per kind.
  std::string wide = "id,time,a,b\n";
  const Table t = parse_csv(csv, "long.csv", {});
  for (std::size_t r = 0; r < t.num_rows(); r += 2)
    wide += t.column("id").as_string(r) + "," + t.column("time").as_string(r) + "," +
            format_double(t.column("value").f64()[r]) + "," +
            format_double(t.column("value").f64()[r + 1]) + "\n";
  CHECK(streamed(wide, {.window = 4}, settings) == expected);
}

TEST_CASE(
    "stream: text ids, float and time-stamp sort values are named as extract --roll names them") {
  const Settings settings = preset_settings("minimal");
  const std::string floats = "id,time,value\nb,0.5,1\nb,1.5,2\nb,2.5,4\nit's,3,5\nit's,4,7\n";
  CHECK(streamed(floats, {.window = 2}, settings) ==
        rolled(floats, {.max_timeshift = 1, .min_timeshift = 1}, settings));
  // Time stamps add linear_trend_timewise, as in extract.
  const std::string dates =
      "id,time,value\n1,2020-01-01,1\n1,2020-01-02,3\n1,2020-01-04,2\n1,2020-01-05T12:00:00,8\n";
  const std::string d = streamed(dates, {.window = 3}, settings);
  CHECK(d == rolled(dates, {.max_timeshift = 2, .min_timeshift = 2}, settings));
  CHECK(d.find("(1, Timestamp('2020-01-05 12:00:00'))") != std::string::npos);
  // Without a sort column the windows are named by position.
  const std::string plain = "id,value\n7,1\n7,2\n7,3\n";
  CHECK(streamed(plain, {.window = 2}, settings) ==
        rolled(plain, {.max_timeshift = 1, .min_timeshift = 1}, settings));
}

TEST_CASE("stream: NaN values give NaN features and a warning naming the window") {
  std::vector<std::string> warnings;
  const std::string out = streamed("id,value\n1,1\n1,nan\n1,3\n1,4\n", {.window = 2},
                                   preset_settings("minimal"), 0, 0, &warnings);
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].rfind("id (1, 1), kind 'value': the series contains NaN", 0) == 0);
  CHECK(out.find("\"(1, 3)\",") != std::string::npos);  // the third window is clean
}

TEST_CASE("stream: a bad row is an error naming the line and column") {
  const StreamOptions w2{.window = 2};
  CHECK(error_of("id,time,value\n1,1,2\n1,2,x\n", w2) ==
        "test.csv:3:3: column 'value': expected a number, got \"x\"");
  CHECK(error_of("id,time,value\n1,1,2\n1,2\n", w2) == "test.csv:3: expected 3 fields, got 2");
  CHECK(error_of("id,time,value\n1,1,2\n,2,3\n", w2) ==
        "test.csv:3:1: column 'id': the id is empty");
  CHECK(error_of("id,time,value\n1,2,2\n1,2,3\n", w2) ==
        "test.csv:3: id 1, kind 'value': sort value 2 does not come after the previous 2 (a "
        "series' rows must arrive in time order, each time once)");
  CHECK(error_of("id,time,value\n1,2,2\n1,2.5,3\n", w2) ==
        "test.csv:3:2: column 'time': sort value \"2.5\" is not an integer like the first row's "
        "(missing sort values are refused)");
  CHECK(error_of("id,time,value\n1,,2\n", w2) ==
        "test.csv:2:2: column 'time': the sort value is missing (tsfresh refuses NaN in the sort "
        "column)");
  CHECK(error_of("id,time,kind,value\n1,1,a,2\n", w2).find("name its kinds up front") !=
        std::string::npos);
  CHECK(error_of("id,time,kind,value\n1,1,c,2\n", {.window = 2, .kinds = {"a", "b"}}) ==
        "test.csv:2:3: column 'kind': kind 'c' is not one of the kinds given (a, b)");
  CHECK(error_of("time,value\n1,2\n", w2) ==
        "test.csv: no id column 'id' (columns are: time, value)");
  CHECK(error_of("id,value\n1,2\n2,3\n3,4\n", {.window = 2, .max_ids = 2})
            .rfind("test.csv:4: more than 2 ids", 0) == 0);
  CHECK(error_of("id,value\n1,\"2\n", w2) ==
        "test.csv:2: a quoted field is not closed on its line");
  CHECK(error_of("id,value\n1,2345678\n", {.window = 2, .max_line_bytes = 8}) ==
        "test.csv:2: the line is longer than 8 bytes");
  CHECK(error_of("", w2) == "test.csv: the input is empty (no header line)");
  // Kinds that do not share their sort values cannot share a row.
  CHECK(error_of("id,time,kind,value\n1,1,a,1\n1,2,b,1\n", {.window = 1, .kinds = {"a", "b"}})
            .find("every kind of an id must be observed at the same sort values") !=
        std::string::npos);
  CHECK_THROWS_AS(streamed("id,value\n", {.window = 0}, preset_settings("minimal")), Error);
}

TEST_CASE("stream: after a bad line, flush() writes the rows of the lines before it") {
  const Settings settings = preset_settings("minimal");
  const std::string good = long_csv(2, 12, false, 5);  // ids 0 and 1: 12 and 13 points
  const std::string expected = streamed(good, {.window = 4}, settings);
  CHECK(std::count(expected.begin(), expected.end(), '\n') == 1 + 9 + 10);
  for (int workers : {0, 2}) {
    auto executor = mproc::make_executor({.workers = workers});
    std::string out;
    StreamExtractor s({.window = 4}, settings, *executor, "test.csv",
                      [&](std::string_view t) { out += t; });
    CHECK_THROWS_WITH_AS(s.feed(good + "1,99,x\n1,101,3\n"),
                         "test.csv:27:3: column 'value': expected a number, got \"x\"", Error);
    CHECK(out.empty());  // nothing flushed yet: every window waits for its batch
    s.flush();
    CHECK(out == expected);
  }
}

TEST_CASE("stream: an input with no data row gives the header, a short series gives no row") {
  const Settings settings = preset_settings("minimal");
  const std::string header_only = streamed("id,time,value\n", {.window = 3}, settings);
  CHECK(header_only.rfind("id,value__absolute_maximum,", 0) == 0);
  CHECK(std::count(header_only.begin(), header_only.end(), '\n') == 1);
  CHECK(streamed("id,time,value\n1,1,1\n1,2,2\n", {.window = 3}, settings) == header_only);
}

TEST_CASE("stream --incremental equals extract --roll --incremental, byte for byte") {
  const std::string csv = long_csv(3, 40, false, 4);
  Settings settings = preset_settings("minimal");
  settings.all_kinds["longest_strike_above_mean"] = nullptr;  // one calculator computed per window
  // cid_ce(normalize=True) is computed per window while normalize=False slides: their columns
  // interleave with the others' by name.
  settings.all_kinds["cid_ce"] =
      nlohmann::json::array({{{"normalize", true}}, {{"normalize", false}}});
  settings.all_kinds["kurtosis"] = nullptr;
  settings.all_kinds["autocorrelation"] = nlohmann::json::array({{{"lag", 1}}, {{"lag", 3}}});
  settings.all_kinds["fft_coefficient"] = nlohmann::json::array();
  for (int k = 1; k <= 2; ++k)  // two coefficients: the sliding DFT pays off at W = 10
    for (const char* attr : {"real", "abs", "angle"})
      settings.all_kinds["fft_coefficient"].push_back({{"coeff", k}, {"attr", attr}});
  const std::string expected =
      rolled(csv, {.max_timeshift = 9, .min_timeshift = 9, .incremental = true}, settings);
  CHECK(streamed(csv, {.window = 10, .incremental = true}, settings) == expected);
  CHECK(streamed(csv, {.window = 10, .incremental = true, .batch_windows = 3}, settings, 2, 11) ==
        expected);
}

TEST_CASE("stream: only rows waiting for another kind count against max_pending_rows") {
  const Settings settings = preset_settings("minimal");
  // One kind: 39 windows wait for their batch, none for another kind.
  const std::string csv = long_csv(3, 12, false, 5);
  CHECK(streamed(csv, {.window = 1, .max_pending_rows = 2, .batch_windows = 100}, settings) ==
        streamed(csv, {.window = 1}, settings));
  // Kind b never arrives: a's third window is one too many.
  CHECK(error_of("id,time,kind,value\n1,1,a,1\n1,2,a,1\n1,3,a,1\n",
                 {.window = 1, .kinds = {"a", "b"}, .max_pending_rows = 2}) ==
        "test.csv:4: id 1: kind 'a' is 2 windows ahead of another kind of the id (every kind of "
        "an id must be observed at the same sort values)");
}
