// `freshet extract --roll` and `freshet stream`: tsfresh's rolled extraction end to end: the window
// ids as pandas writes them, the same bytes on serial, threads and worker processes, one-line
// errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/format.hpp"
#include "fresh/roll.hpp"
#include "mproc/executor.hpp"
#include "run_command.hpp"

using namespace freshet;
using namespace freshet::testing;

namespace {

const std::string kSubset = shared_dir() + "/reference/tsfresh_rolling/GunPoint/series_subset.csv";

std::string extract(const TempDir& dir, const std::string& name, const std::string& flags) {
  const auto r = run_command("timeout 300 " + freshet_exe() + " extract " + kSubset +
                             " --features minimal --roll max_timeshift=20,min_timeshift=5 --quiet "
                             "--out " +
                             dir.file(name) + " " + flags);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  return slurp(dir.file(name));
}

}  // namespace

TEST_CASE("cli extract --roll: tsfresh's window ids, same bytes serial, threads, processes") {
  TempDir dir;
  const std::string serial = extract(dir, "serial.csv", "--workers 0");
  ReadCsvOptions o;
  o.types["id"] = ColumnType::kString;
  const Table t = parse_csv(serial, "serial.csv", o);
  // 5 GunPoint ids of 150 points, windows ending at points 5..149 (min_timeshift 5).
  REQUIRE(t.num_rows() == 5 * 145);
  CHECK(t.column(0).name() == "id");
  CHECK(t.column(0).as_string(0) == "(0, 5)");
  CHECK(t.column(0).as_string(144) == "(0, 149)");
  CHECK(t.column(0).as_string(145) == "(1, 5)");
  CHECK(serial.find("\n\"(0, 5)\",") != std::string::npos);  // quoted: the id holds a comma
  CHECK(t.column("value__length").as_string(0) == "6.0");
  CHECK(t.column("value__length").as_string(100) == "21.0");

  CHECK(extract(dir, "threads.csv", "--workers 2") == serial);
  const std::string port = std::to_string(43000 + ::getpid() % 20000);
  CHECK(extract(dir, "procs.csv", "--workers 2 --port " + port) == serial);
}

TEST_CASE(
    "cli extract --roll: written block by block, the bytes of the whole table, for threads and "
    "processes, with and without --incremental") {
  // 725 windows x 778 efficient columns: more than one block of RollBlockOptions' default size,
  // so the file is the header and two blocks' rows appended in turn.
  TempDir dir;
  fresh::InputOptions in;
  in.keep_sort_keys = true;
  const fresh::SeriesSet data = fresh::read_series_csv(kSubset, in);
  auto serial = mproc::make_executor({.workers = 0});
  for (const bool incremental : {false, true}) {
    fresh::RollOptions roll{.max_timeshift = 20, .min_timeshift = 5};
    roll.incremental = incremental;
    // Without --incremental: the engine on every window at once (no blocks anywhere).
    const auto settings = fresh::preset_settings("efficient");
    const Table whole = incremental ? fresh::extract_rolled(data, roll, settings, *serial).features
                                    : fresh::extract_features(data, fresh::roll_windows(data, roll),
                                                              settings, *serial)
                                          .features;
    REQUIRE(whole.num_rows() * whole.num_columns() > fresh::RollBlockOptions{}.block_cells);
    const std::string expected = format_csv(whole);
    const std::string flags = incremental ? " --incremental" : "";
    for (const std::string& workers :
         {std::string("--workers 2"),
          "--workers 2 --port " + std::to_string(44000 + ::getpid() % 20000)}) {
      const auto r = run_command("timeout 300 " + freshet_exe() + " extract " + kSubset +
                                 " --features efficient --roll max_timeshift=20,min_timeshift=5 "
                                 "--quiet --out " +
                                 dir.file("blocks.csv") + " " + workers + flags);
      REQUIRE_MESSAGE(r.status == 0, r.err);
      CHECK_MESSAGE(slurp(dir.file("blocks.csv")) == expected, workers << flags);
    }
  }
}

TEST_CASE("cli extract --roll: bad specs are one-line usage errors") {
  for (const std::string spec :
       {"rolling_direction=0", "max_timeshift=-3", "size=3", "min_timeshift"}) {
    const auto r = run_command(freshet_exe() + " extract " + kSubset + " --roll " + spec);
    CHECK_MESSAGE(r.status == 2, spec << ": " << r.err);
    const bool named =
        r.err.find("--roll") != std::string::npos || r.err.find("roll:") != std::string::npos;
    CHECK_MESSAGE(named, r.err);
    CHECK(r.err.find('\n') == r.err.size() - 1);
    CHECK(r.out.empty());
  }
}

TEST_CASE("cli frame: features of the previous values, the next value as target") {
  // x_t = sin(0.3 t) * 10 at times 100..139: the target of row (1, t) is x_t, and its features are
  // those of the rolled window of the 4 points before t, i.e. `extract --roll max_timeshift=3`'s
  // row (1, t - 1).
  TempDir dir;
  std::string text = "id,time,value\n";
  std::vector<std::string> x;
  for (int t = 0; t < 40; ++t) {
    x.push_back(format_double(std::sin(0.3 * t) * 10));
    text += "1," + std::to_string(100 + t) + "," + x.back() + "\n";
  }
  dir.write("x.csv", text);
  auto r = run_command(freshet_exe() + " frame " + dir.file("x.csv") +
                       " --max-timeshift 4 --features efficient --workers 0 --out " +
                       dir.file("f.csv") + " --target-out " + dir.file("y.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  r = run_command(freshet_exe() + " extract " + dir.file("x.csv") +
                  " --roll max_timeshift=3 --features efficient --workers 0 --quiet --out " +
                  dir.file("rolled.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  ReadCsvOptions o;
  o.types["id"] = ColumnType::kString;
  o.other_columns = ColumnType::kString;  // compare the written text
  const Table f = read_csv(dir.file("f.csv"), o), y = read_csv(dir.file("y.csv"), o);
  const Table rolled = read_csv(dir.file("rolled.csv"), o);
  REQUIRE(f.num_rows() == 39);  // targets at times 101..139
  REQUIRE(y.num_rows() == 39);
  REQUIRE(rolled.num_rows() == 40);
  REQUIRE(f.column_names() == rolled.column_names());
  for (std::size_t i = 0; i < 39; ++i) {
    CHECK(f.column(0).as_string(i) == "(1, " + std::to_string(101 + i) + ")");
    CHECK(y.column("id").as_string(i) == f.column(0).as_string(i));
    CHECK(y.column("y").as_string(i) == x[i + 1]);
    for (std::size_t c = 1; c < f.num_columns(); ++c)
      if (f.column(c).as_string(i) != rolled.column(c).as_string(i)) {
        FAIL_CHECK(f.column(c).name() << " row " << i);
        break;
      }
  }
  r = run_command(freshet_exe() + " frame " + dir.file("x.csv") + " --out " + dir.file("a.csv") +
                  " --target-out " + dir.file("b.csv") + " --target-shift 0");
  CHECK(r.status == 2);
}

TEST_CASE("cli frame: written block by block, the bytes of the whole frame and targets") {
  // 800 targets x 778 efficient columns: two blocks.
  TempDir dir;
  std::string text = "id,time,value\n";
  for (int t = 0; t < 801; ++t)
    text += "7," + std::to_string(t) + "," + format_double(std::cos(0.07 * t) * t) + "\n";
  dir.write("x.csv", text);
  fresh::InputOptions in;
  in.keep_sort_keys = true;
  const fresh::SeriesSet data = fresh::read_series_csv(dir.file("x.csv"), in);
  auto serial = mproc::make_executor({.workers = 0});
  const fresh::ForecastResult whole = fresh::extract_forecasting(
      data, {.max_timeshift = 10}, fresh::preset_settings("efficient"), *serial);
  REQUIRE(whole.extracted.features.num_rows() == 800);
  const auto r = run_command("timeout 300 " + freshet_exe() + " frame " + dir.file("x.csv") +
                             " --max-timeshift 10 --features efficient --workers 2 --out " +
                             dir.file("f.csv") + " --target-out " + dir.file("y.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(slurp(dir.file("f.csv")) == format_csv(whole.extracted.features));
  CHECK(slurp(dir.file("y.csv")) == format_csv(whole.targets));
}

TEST_CASE("cli stream: extract --roll max_timeshift=W-1,min_timeshift=W-1's bytes from stdin") {
  TempDir dir;
  for (const std::string inc : {"", " --incremental"}) {
    const auto r = run_command("timeout 300 " + freshet_exe() + " extract " + kSubset +
                               " --features minimal --roll max_timeshift=9,min_timeshift=9" + inc +
                               " --quiet --out " + dir.file("roll.csv"));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto s = run_command("timeout 300 " + freshet_exe() +
                               " stream --window 10 --kinds value --features minimal --quiet "
                               "--workers 2" +
                               inc + " < " + kSubset + " > " + dir.file("stream.csv"));
    REQUIRE_MESSAGE(s.status == 0, s.err);
    CHECK(slurp(dir.file("stream.csv")) == slurp(dir.file("roll.csv")));
  }
  const auto bad = run_command("printf 'id,time,value\\n1,1,2\\n1,2,x\\n' | " + freshet_exe() +
                               " stream --window 1 --features minimal");
  CHECK(bad.status == 1);
  CHECK(bad.err == "freshet: error: stdin:3:3: column 'value': expected a number, got \"x\"\n");
  const auto usage = run_command(freshet_exe() + " stream --features minimal < /dev/null");
  CHECK(usage.status == 2);  // --window is required
}
