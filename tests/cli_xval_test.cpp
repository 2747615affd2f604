// CLI tests of the xval commands: splitters, folds, xval, search. Scores must not depend on the
// backend or the worker count (serial, threads, forked processes); errors are one line, exit 2.

#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "core/csv.hpp"
#include "core/format.hpp"
#include "tests/run_command.hpp"
#include "xval/splitters.hpp"

using namespace freshet;
using freshet::testing::run_command;
using freshet::testing::TempDir;

namespace {
std::string exe() { return freshet::testing::freshet_exe(); }
std::string data(const std::string& name) {
  return freshet::testing::shared_dir() + "/data/" + name + "/table.csv";
}
// The columns of a scores file without the timing columns.
std::string scores_only(const std::string& path) {
  const Table t = read_csv(path);
  std::string out;
  for (std::size_t i = 0; i < t.num_rows(); ++i)
    out += t.column("split").as_string(i) + "," + t.column("metric").as_string(i) + "," +
           t.column("score").as_string(i) + "\n";
  return out;
}
}  // namespace

TEST_CASE("freshet splitters lists every registered splitter with its parameters") {
  const auto r = run_command(exe() + " splitters");
  REQUIRE(r.status == 0);
  for (const auto& s : xval::all_splitters()) {
    CHECK_MESSAGE(r.out.find("  " + s.name + "  ") != std::string::npos, s.name);
    for (const auto& p : s.params) CHECK(r.out.find(p.name + "=") != std::string::npos);
  }
  CHECK(r.out.find("random_state=42") != std::string::npos);  // KX's default seed shown
}

TEST_CASE("freshet folds: errors are one line with exit status 2") {
  auto r = run_command(exe() + " folds " + data("wine") + " --cv stratified_kfold:n_splits=5");
  CHECK(r.status == 2);
  CHECK(r.err.find("needs --target") != std::string::npos);
  r = run_command(exe() + " folds " + data("wine") + " --cv kfold:n_splits=x");
  CHECK(r.status == 2);
  CHECK(r.err.find("parameter 'n_splits' must be") != std::string::npos);
  r = run_command(exe() + " folds " + data("wine") + " --cv nosuch");
  CHECK(r.status == 2);  // a name on the command line (README "Exit status")
  CHECK(r.err.find("unknown splitter 'nosuch'") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("freshet folds: KX and purged splitters through the CLI") {
  TempDir dir;
  // 12 rows at times 0..11 (column t), feature x.
  std::string csv = "t,x,y\n";
  for (int i = 0; i < 12; ++i) csv += std::to_string(i) + "," + std::to_string(i * i) + ",0\n";
  dir.write("ts.csv", csv);
  auto r = run_command(exe() + " folds -q " + dir.file("ts.csv") +
                       " --cv purged_kfold:n_splits=3,time=t,embargo=1 --out " + dir.file("f.csv"));
  REQUIRE(r.status == 0);
  const Table f = read_csv(dir.file("f.csv"));
  // Split 1 tests rows 4..7 (times 4..7); train drops time 8 (embargo): rows 0-3 and 9-11.
  std::vector<std::string> train1, test1;
  for (std::size_t i = 0; i < f.num_rows(); ++i)
    if (f.column("split").as_string(i) == "1")
      (f.column("role").as_string(i) == "train" ? train1 : test1)
          .push_back(f.column("row").as_string(i));
  CHECK(test1 == std::vector<std::string>{"4", "5", "6", "7"});
  CHECK(train1 == std::vector<std::string>{"0", "1", "2", "3", "9", "10", "11"});

  r = run_command(exe() + " folds " + dir.file("ts.csv") + " --cv ts_chain:k=4");
  REQUIRE(r.status == 0);
  // 3 splits: train chunk 0 (3 rows) / test chunk 1, ... -> 3+3 + 6+3 + 9+3 lines + header.
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 28);
}

TEST_CASE("freshet xval: same scores on serial, threads and worker processes") {
  TempDir dir;
  const std::string base = exe() + " xval -q " + data("wine") +
                           " --model knn_classifier:n_neighbors=5 --preprocess standard_scaler "
                           "--cv stratified_kfold:n_splits=5,shuffle=true,random_state=3 "
                           "--scoring accuracy,f1_macro";
  auto serial = run_command(base + " --workers 0 --out " + dir.file("s.csv"));
  REQUIRE(serial.status == 0);
  auto threads = run_command(base + " --workers 2 --out " + dir.file("t.csv"));
  REQUIRE(threads.status == 0);
  auto procs = run_command(base + " --workers 2 --port 47613 --out " + dir.file("p.csv"));
  REQUIRE_MESSAGE(procs.status == 0, procs.err);
  const std::string s = scores_only(dir.file("s.csv"));
  CHECK(std::count(s.begin(), s.end(), '\n') == 10);  // 5 splits x 2 metrics
  CHECK(s == scores_only(dir.file("t.csv")));
  CHECK(s == scores_only(dir.file("p.csv")));
  CHECK(serial.out == threads.out);  // the mean/std summary
  CHECK(serial.out.find("accuracy,") != std::string::npos);
  const Table t = read_csv(dir.file("s.csv"));
  CHECK(t.column_names() ==
        std::vector<std::string>{"split", "metric", "score", "fit_seconds", "score_seconds"});

  auto bad = run_command(exe() + " xval " + data("wine") + " --model ridge --scoring accuracy");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("needs a classifier") != std::string::npos);
}

TEST_CASE("freshet search: grid, random and Sobol forms, hold-out and refit") {
  TempDir dir;
  auto r = run_command(exe() + " search -q " + data("diabetes") +
                       " --model ridge --grid alpha=0.01,0.1,1,10,100 --cv kfold:n_splits=5 "
                       "--scoring r2 --out " +
                       dir.file("g.csv") + " --best-out " + dir.file("b.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out.find("best: ridge:alpha=0.01 (candidate 0)") != std::string::npos);
  const Table g = read_csv(dir.file("g.csv"));
  CHECK(g.num_rows() == 5);
  CHECK(g.has_column("split4_test_score"));
  const Table b = read_csv(dir.file("b.csv"));
  CHECK(b.column("term").as_string(1) == "intercept");

  r = run_command(exe() + " search -q " + data("diabetes") +
                  " --model lasso --sobol alpha=loguniform:0.001:10 --n-iter 8 --cv kf_split:k=4 "
                  "--scoring r2,neg_mean_absolute_error --holdout 0.2 --holdout-shuffle --out " +
                  dir.file("s.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out.find("holdout r2 (89 rows)") != std::string::npos);  // 442 - floor(442 * 0.8)
  const Table s = read_csv(dir.file("s.csv"));
  CHECK(s.num_rows() == 8);
  CHECK(s.has_column("rank_test_neg_mean_absolute_error"));

  r = run_command(exe() + " search " + data("diabetes") +
                  " --model lasso --sobol alpha=loguniform:0.001:10 --n-iter 6");
  CHECK(r.status == 2);
  CHECK(r.err.find("trials must equal 2^n") != std::string::npos);

  // Random search: seeded, so two runs agree.
  const std::string rs = exe() + " search -q " + data("wine") +
                         " --model knn_classifier --random n_neighbors=randint:1:30 "
                         "--random 'weights=choice:uniform|distance' --n-iter 6 --random-state 7 "
                         "--cv kfold:n_splits=3 --workers 0 --out ";
  REQUIRE(run_command(rs + dir.file("r1.csv")).status == 0);
  REQUIRE(run_command(rs + dir.file("r2.csv")).status == 0);
  const Table r1 = read_csv(dir.file("r1.csv")), r2 = read_csv(dir.file("r2.csv"));
  CHECK(r1.column("n_neighbors") == r2.column("n_neighbors"));
  CHECK(r1.column("mean_test_score") == r2.column("mean_test_score"));
}
