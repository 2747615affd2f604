// `freshet extract --roll`: tsfresh's rolled extraction end to end: the window ids as pandas
// writes them, the same bytes on serial, threads and worker processes, one-line errors.
#include <doctest/doctest.h>

#include <string>

#include "core/csv.hpp"
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

TEST_CASE("cli extract --roll: tsfresh's window ids; same bytes serial, threads, processes") {
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

TEST_CASE("cli extract --roll: bad specs are one-line usage errors") {
  for (const std::string spec :
       {"rolling_direction=0", "max_timeshift=-3", "size=3", "min_timeshift"}) {
    const auto r = run_command(freshet_exe() + " extract " + kSubset + " --roll " + spec);
    CHECK_MESSAGE(r.status == 2, spec << ": " << r.err);
    CHECK(r.err.find("--roll") != std::string::npos || r.err.find("roll:") != std::string::npos);
    CHECK(r.err.find('\n') == r.err.size() - 1);
    CHECK(r.out.empty());
  }
}
