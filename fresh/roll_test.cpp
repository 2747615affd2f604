// Rolling windows: the window index against tsfresh's roll_time_series (the examples measured in
// research/wave2.md 5.1 and the rolled frames in shared/reference/tsfresh_rolling), option
// parsing and errors, and that a window's features equal the same points extracted as a series.
#include "fresh/roll.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <utility>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "mproc/executor.hpp"

using namespace freshet;
using namespace freshet::fresh;

namespace {

const std::string kRolling = FRESHET_SOURCE_DIR + "/../shared/reference/tsfresh_rolling";

SeriesSet from_csv(const std::string& text) {
  ReadCsvOptions csv;
  csv.types["kind"] = ColumnType::kString;
  InputOptions in;
  in.keep_sort_keys = true;
  return series_from_table(parse_csv(text, "test.csv", csv), in, "test.csv");
}

// "(1, 3):[1,2,3] ..." : every row id with the values of its windows (kinds in order).
std::string describe(const SeriesSet& data, const SeriesWindows& w) {
  std::string out;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += w.ids.as_string(w.id_index[i]) + ":[";
    for (std::uint64_t p = w.begin[i]; p < w.end[i]; ++p)
      out += (p > w.begin[i] ? "," : "") + format_double(data.values[p]);
    out += "]";
  }
  return out;
}

// wave2.md 5.1: ids 1 (t=1..4, x=1..4) and 2 (t=8,9, x=10,11), as run on tsfresh 0.21.2.
const char* kSmall = "id,time,value\n1,1,1\n1,2,2\n1,3,3\n1,4,4\n2,8,10\n2,9,11\n";

}  // namespace

TEST_CASE("roll: tsfresh's measured examples (defaults, max/min timeshift, step, negative)") {
  const auto data = from_csv(kSmall);
  CHECK(describe(data, roll_windows(data, {})) ==
        "(1, 1):[1.0] (1, 2):[1.0,2.0] (1, 3):[1.0,2.0,3.0] (1, 4):[1.0,2.0,3.0,4.0] "
        "(2, 8):[10.0] (2, 9):[10.0,11.0]");
  CHECK(describe(data, roll_windows(data, {.max_timeshift = 1, .min_timeshift = 1})) ==
        "(1, 2):[1.0,2.0] (1, 3):[2.0,3.0] (1, 4):[3.0,4.0] (2, 9):[10.0,11.0]");
  // Step 2, aligned to the longest series' end (t = 2, 4), counted from each series' start.
  CHECK(describe(data, roll_windows(data, {.rolling_direction = 2})) ==
        "(1, 2):[1.0,2.0] (1, 4):[1.0,2.0,3.0,4.0] (2, 9):[10.0,11.0]");
  CHECK(describe(data, roll_windows(data, {.max_timeshift = 1, .rolling_direction = -1})) ==
        "(1, 1):[1.0,2.0] (1, 2):[2.0,3.0] (1, 3):[3.0,4.0] (1, 4):[4.0] (2, 8):[10.0,11.0] "
        "(2, 9):[11.0]");
}

TEST_CASE("roll: without a sort column windows are named by position, text ids and float times") {
  const auto plain = from_csv("id,value\n7,1\n7,2\n7,3\n");
  CHECK(describe(plain, roll_windows(plain, {.max_timeshift = 1})) ==
        "(7, 0):[1.0] (7, 1):[1.0,2.0] (7, 2):[2.0,3.0]");
  const auto text = from_csv("id,time,value\nb,0.5,1\nb,1.5,2\nit's,3,5\n");
  CHECK(describe(text, roll_windows(text, {.min_timeshift = 1})) == "('b', 1.5):[1.0,2.0]");
  CHECK(describe(text, roll_windows(text, {})) ==
        "('b', 0.5):[1.0] ('b', 1.5):[1.0,2.0] (\"it's\", 3.0):[5.0]");
  CHECK(python_str_repr("a\\b\n") == "'a\\\\b\\n'");
}

TEST_CASE("roll: kinds share window ids, rows by id then time, numerically") {
  // Kind b is shorter; times 9 and 10 must order numerically (9 before 10).
  const auto data =
      from_csv("id,time,kind,value\n1,9,a,1\n1,10,a,2\n1,11,a,3\n1,10,b,5\n1,11,b,6\n");
  const auto w = roll_windows(data, {});
  // Rows by id then time, and within a row kind a before kind b.
  CHECK(describe(data, w) ==
        "(1, 9):[1.0] (1, 10):[1.0,2.0] (1, 10):[5.0] (1, 11):[1.0,2.0,3.0] (1, 11):[5.0,6.0]");
  // The wide layout gives the same windows (an empty cell: no observation of that kind).
  const auto wide = from_csv("id,time,a,b\n1,9,1,\n1,10,2,5\n1,11,3,6\n");
  CHECK(describe(wide, roll_windows(wide, {})) == describe(data, w));
  // Kind b has 2 points: with the longest series (3) setting the shifts t = 1, 2, 3, its
  // windows end at its points 1 and 2 and are named after their own times.
  CHECK(w.ids.size() == 3);
}

TEST_CASE("roll: options are parsed and validated as tsfresh validates them") {
  const RollOptions o = parse_roll_options("max_timeshift=20,min_timeshift=5,rolling_direction=-2");
  CHECK(o.max_timeshift == 20);
  CHECK(o.min_timeshift == 5);
  CHECK(o.rolling_direction == -2);
  CHECK_FALSE(parse_roll_options("").max_timeshift.has_value());
  CHECK_THROWS_WITH_AS(parse_roll_options("rolling_direction=0"),
                       doctest::Contains("rolling_direction 0"), Error);
  CHECK_THROWS_WITH_AS(parse_roll_options("max_timeshift=0"), doctest::Contains("max_timeshift"),
                       Error);
  CHECK_THROWS_WITH_AS(parse_roll_options("min_timeshift=-1"), doctest::Contains("min_timeshift"),
                       Error);
  CHECK_THROWS_WITH_AS(parse_roll_options("max_timeshift=x"),
                       doctest::Contains("expected an integer"), Error);
  CHECK_THROWS_WITH_AS(parse_roll_options("window=3"), doctest::Contains("unknown key"), Error);
  CHECK_THROWS_WITH_AS(parse_roll_options("max_timeshift"), doctest::Contains("KEY=VALUE"), Error);
  const auto dup = from_csv("id,time,value\n1,1,1\n1,1,2\n");
  CHECK_THROWS_WITH_AS(roll_windows(dup, {}), doctest::Contains("same sort value"), Error);
}

// The window index against the frame tsfresh's roll_time_series returned (GunPoint, 5 ids).
TEST_CASE("roll: windows equal tsfresh's rolled frames (GunPoint, both parameter sets)") {
  ReadCsvOptions csv;
  csv.types["kind"] = ColumnType::kString;
  InputOptions in;
  in.keep_sort_keys = true;
  const auto data = read_series_csv(kRolling + "/GunPoint/series_subset.csv", in);
  for (const auto& [file, options] :
       {std::pair<std::string, RollOptions>{"rolled_frame_M20_m5_d1.csv",
                                            {.max_timeshift = 20, .min_timeshift = 5}},
        std::pair<std::string, RollOptions>{
            "rolled_frame_M10_m0_d-1.csv",
            {.max_timeshift = 10, .min_timeshift = 0, .rolling_direction = -1}}}) {
    ReadCsvOptions ro;
    ro.types["id"] = ColumnType::kString;
    ro.types["kind"] = ColumnType::kString;
    ro.types["value"] = ColumnType::kFloat64;
    const Table frame = read_csv(kRolling + "/GunPoint/" + file, ro);
    const auto ids = frame.column("id").str();
    const auto values = frame.column("value").f64();
    // The frame's windows in its order: (id, values).
    std::vector<std::pair<std::string, std::vector<double>>> expected;
    for (std::size_t r = 0; r < frame.num_rows(); ++r) {
      if (expected.empty() || expected.back().first != ids[r]) expected.push_back({ids[r], {}});
      expected.back().second.push_back(values[r]);
    }
    const auto w = roll_windows(data, options);
    REQUIRE(w.size() == expected.size());
    std::size_t bad = 0, points = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const std::vector<double> ours(data.values.begin() + static_cast<long>(w.begin[i]),
                                     data.values.begin() + static_cast<long>(w.end[i]));
      bad += w.ids.as_string(w.id_index[i]) != expected[i].first || ours != expected[i].second;
      points += ours.size();
    }
    CHECK_MESSAGE(bad == 0, file << ": " << bad << " windows differ");
    CHECK(points == frame.num_rows());
  }
}

TEST_CASE(
    "roll: a window's features equal its points extracted as a series, and the same bytes for "
    "serial and threads (processes: tests/cli_roll_test.cpp)") {
  std::string text = "id,time,kind,value\n";
  for (int id = 0; id < 4; ++id)
    for (int k = 0; k < 2; ++k)
      for (int t = 0; t < 30 + 3 * id - 5 * k; ++t)
        text += std::to_string(id) + "," + std::to_string(t) + "," + (k ? "b" : "a") + "," +
                format_double(std::sin(id * 7.1 + t * 0.37 + k) * 10) + "\n";
  const auto data = from_csv(text);
  const auto settings = preset_settings("efficient");
  const RollOptions roll{.max_timeshift = 12, .min_timeshift = 3, .rolling_direction = 2};
  auto serial = mproc::make_executor({.workers = 0});
  const Table ours = extract_rolled(data, roll, settings, *serial).features;
  const std::string expected = format_csv(ours);

  // Window "(2, 20)" of kind a materialised as a series of its own, through the same engine.
  const auto w = roll_windows(data, roll);
  std::size_t row = ours.num_rows();
  for (std::size_t r = 0; r < ours.num_rows(); ++r)
    if (ours.column(0).as_string(r) == "(2, 20)") row = r;
  REQUIRE(row < ours.num_rows());
  std::string one = "id,time,kind,value\n";
  for (std::size_t i = 0; i < w.size(); ++i)
    if (w.ids.as_string(w.id_index[i]) == "(2, 20)" && data.kinds[w.kind_index[i]] == "a")
      for (std::uint64_t p = w.begin[i]; p < w.end[i]; ++p)
        one += "x,0,a," + format_double(data.values[p]) + "\n";
  const Table alone = extract_features(from_csv(one), settings, *serial).features;
  std::size_t compared = 0;
  for (std::size_t c = 1; c < alone.num_columns(); ++c) {
    const double a = alone.column(c).f64()[0];
    const double b = ours.column(alone.column(c).name()).f64()[row];
    const bool same = (std::isnan(a) && std::isnan(b)) || a == b;
    CHECK_MESSAGE(same, alone.column(c).name());
    ++compared;
  }
  CHECK(compared > 700);

  for (int workers : {1, 2}) {
    auto ex = mproc::make_executor({.workers = workers});
    ExtractOptions o;
    o.chunk_points = 40;  // many chunks
    CHECK(format_csv(extract_rolled(data, roll, settings, *ex, o).features) == expected);
  }
}

TEST_CASE(
    "roll: blocks of rows concatenate to the whole table (values, warnings, incremental slides "
    "carried across blocks), for every block size and worker count") {
  // Three ids, two kinds of different lengths, a NaN in id 1 kind b (its windows warn).
  std::string text = "id,time,kind,value\n";
  for (int id = 0; id < 3; ++id)
    for (int k = 0; k < 2; ++k)
      for (int t = 0; t < 25 + 4 * id - 6 * k; ++t)
        text += std::to_string(id) + "," + std::to_string(t) + "," + (k ? "b" : "a") + "," +
                (id == 1 && k == 1 && t == 9 ? std::string("nan")
                                             : format_double(std::cos(id * 3.3 + t * 0.41 + k))) +
                "\n";
  const auto data = from_csv(text);
  const auto settings = preset_settings("efficient");
  const RollOptions roll{.max_timeshift = 7, .min_timeshift = 2};
  auto serial = mproc::make_executor({.workers = 0});
  // The engine on every window at once, without blocks: what the blocks must add up to.
  const ExtractResult whole = extract_features(data, roll_windows(data, roll), settings, *serial);
  REQUIRE(whole.features.num_rows() > 60);
  REQUIRE_FALSE(whole.warnings.empty());
  const std::string expected = format_csv(whole.features);

  // Concatenated rows (via format_csv, header once) and warnings of extract_rolled_blocks.
  const auto blocked = [&](const RollOptions& r, std::size_t cells, mproc::Executor& ex,
                           std::size_t& calls, std::vector<std::string>& warnings) {
    std::string out;
    std::size_t next_row = 0;
    calls = 0;
    extract_rolled_blocks(data, r, settings, ex,
                          [&](std::size_t first_row, ExtractResult&& block) {
                            CHECK(first_row == next_row);
                            next_row += block.features.num_rows();
                            const std::string t = format_csv(block.features);
                            out += calls++ == 0 ? t : t.substr(t.find('\n') + 1);
                            for (auto& w : block.warnings) warnings.push_back(std::move(w));
                          },
                          {}, {.block_cells = cells});
    CHECK(next_row == whole.features.num_rows());
    return out;
  };
  const std::size_t width = whole.features.num_columns();
  for (const std::size_t rows_per_block : {std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
    std::size_t calls = 0;
    std::vector<std::string> warnings;
    CHECK(blocked(roll, rows_per_block * width, *serial, calls, warnings) == expected);
    CHECK(calls == (whole.features.num_rows() + rows_per_block - 1) / rows_per_block);
    CHECK(warnings == whole.warnings);
  }
  // Incremental: sliding across block boundaries gives the one-block table byte for byte.
  RollOptions inc = roll;
  inc.incremental = true;
  const std::string inc_whole = format_csv(extract_rolled(data, inc, settings, *serial).features);
  CHECK(inc_whole.substr(0, inc_whole.find('\n')) == expected.substr(0, expected.find('\n')));
  for (int workers : {0, 2}) {
    auto ex = mproc::make_executor({.workers = workers});
    for (const std::size_t rows_per_block : {std::size_t{1}, std::size_t{5}}) {
      std::size_t calls = 0;
      std::vector<std::string> warnings;
      CHECK(blocked(inc, rows_per_block * width, *ex, calls, warnings) == inc_whole);
      CHECK(calls > 1);
    }
  }
  // No window at all: one empty block, the columns only.
  std::size_t calls = 0;
  extract_rolled_blocks(data, {.max_timeshift = 3, .min_timeshift = 100}, settings, *serial,
                        [&](std::size_t first_row, ExtractResult&& block) {
                          ++calls;
                          CHECK(first_row == 0);
                          CHECK(block.features.num_rows() == 0);
                          CHECK(block.features.num_columns() == width);
                        },
                        {}, {.block_cells = 10});
  CHECK(calls == 1);
}

TEST_CASE("forecasting frame: tsfresh's make_forecasting_frame example, and a longer horizon") {
  // wave2.md 5.1, measured: x = [5, 6, 7, 8, 9], max_timeshift 2 gives the windows
  // ('id', 1):[5] ('id', 2):[5, 6] ('id', 3):[6, 7] ('id', 4):[7, 8] and y = 6, 7, 8, 9.
  const auto data = from_csv("id,time,value\nid,0,5\nid,1,6\nid,2,7\nid,3,8\nid,4,9\n");
  const auto f = forecasting_windows(data, {.max_timeshift = 2});
  CHECK(describe(data, f.windows) ==
        "('id', 1):[5.0] ('id', 2):[5.0,6.0] ('id', 3):[6.0,7.0] ('id', 4):[7.0,8.0]");
  REQUIRE(f.targets.num_rows() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(f.targets.column("id").as_string(i) == f.windows.ids.as_string(i));
    CHECK(f.targets.column("y").f64()[i] == 6.0 + static_cast<double>(i));
  }
  // Two points ahead: the window ends two points before its target.
  const auto g = forecasting_windows(data, {.max_timeshift = 2, .target_shift = 2});
  CHECK(describe(data, g.windows) == "('id', 2):[5.0] ('id', 3):[5.0,6.0] ('id', 4):[6.0,7.0]");
  CHECK(g.targets.column("y").f64()[0] == 7.0);
  // min_timeshift 2: targets with fewer than 2 previous values are dropped.
  CHECK(forecasting_windows(data, {.max_timeshift = 2, .min_timeshift = 2}).windows.size() == 3);

  // The features are those of the window: mean of [7, 8] for ('id', 4).
  auto ex = mproc::make_executor({.workers = 0});
  const auto r = extract_forecasting(data, {.max_timeshift = 2}, preset_settings("minimal"), *ex);
  CHECK(r.extracted.features.column("value__mean").f64()[3] == 7.5);
  CHECK(r.extracted.features.column("value__length").f64()[0] == 1.0);

  const auto two = from_csv("id,time,kind,value\n1,0,a,1\n1,1,a,2\n1,0,b,1\n1,1,b,2\n");
  CHECK_THROWS_WITH_AS(forecasting_windows(two, {}), doctest::Contains("2 kinds"), Error);
  CHECK_THROWS_AS(forecasting_windows(data, {.target_shift = 0}), Error);
}
