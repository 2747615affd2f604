// `freshet extract --features catch22 | catch24 | settings.json` end to end: the column names are
// the reference's, and catch22 mixes with tsfresh calculators in a settings file.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "core/csv.hpp"
#include "fresh/catch22.hpp"
#include "run_command.hpp"

using namespace freshet;
using namespace freshet::testing;

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

TEST_CASE("cli extract --features catch22 / catch24: the reference's columns, byte for byte") {
  TempDir dir;
  const std::string input = shared_dir() + "/data/GunPoint/series.csv";
  const auto r24 = run_command(freshet_exe() + " extract " + input +
                               " --features catch24 --quiet --out " + dir.file("c24.csv"));
  REQUIRE_MESSAGE(r24.status == 0, r24.err);
  const std::string ref = slurp(shared_dir() + "/reference/catch22/GunPoint.csv");
  CHECK(first_line(slurp(dir.file("c24.csv"))) == first_line(ref));

  const auto r22 = run_command(freshet_exe() + " extract " + input +
                               " --features catch22 --quiet --out " + dir.file("c22.csv"));
  REQUIRE_MESSAGE(r22.status == 0, r22.err);
  const Table t = read_csv(dir.file("c22.csv"));
  REQUIRE(t.num_columns() == 23);
  CHECK(t.num_rows() == 200);
  for (std::size_t f = 0; f < fresh::catch22::kNumCatch22; ++f) {
    const std::string name =
        "value__" + std::string(fresh::catch22::long_name(static_cast<fresh::catch22::Feature>(f)));
    CHECK_MESSAGE(t.has_column(name), name);
  }
  CHECK(!t.has_column("value__DN_Mean"));
  CHECK(!t.has_column("value__DN_Spread_Std"));
}

TEST_CASE("cli extract: catch22 mixed with tsfresh calculators in a settings file") {
  TempDir dir;
  dir.write("settings.json", R"({"catch22": null, "maximum": null, "DN_Spread_Std": null})");
  const auto r = run_command(freshet_exe() + " extract " + shared_dir() +
                             "/data/GunPoint/series.csv --features " + dir.file("settings.json") +
                             " --quiet --out " + dir.file("mix.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const Table t = read_csv(dir.file("mix.csv"));
  CHECK(t.num_columns() == 1 + 22 + 2);
  CHECK(t.has_column("value__maximum"));
  CHECK(t.has_column("value__DN_Spread_Std"));
  CHECK(t.has_column("value__CO_f1ecac"));

  dir.write("bad.json", R"({"catch22": [{"x": 1}]})");
  const auto bad = run_command(freshet_exe() + " extract " + shared_dir() +
                               "/data/GunPoint/series.csv --features " + dir.file("bad.json"));
  CHECK(bad.status != 0);
  CHECK(bad.err.find("catch22") != std::string::npos);
}
