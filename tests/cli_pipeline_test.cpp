// The chained commands of the README's main job: `extract --select` must equal `extract --impute`
// followed by `select`, and `xval --labels` must join the target by id and never use the id as a
// feature.
#include <doctest/doctest.h>

#include "core/csv.hpp"
#include "tests/run_command.hpp"

using namespace freshet::testing;

TEST_CASE("extract --select equals extract --impute then select, byte for byte") {
  TempDir dir;
  const std::string series = shared_dir() + "/data/GunPoint/series.csv";
  const std::string labels = shared_dir() + "/data/GunPoint/labels.csv";
  auto one = run_command(freshet_exe() + " extract " + series +
                         " --features efficient --select --labels " + labels + " -q --out " +
                         dir.file("one.csv") + " --relevance-table " + dir.file("rt1.csv"));
  REQUIRE_MESSAGE(one.status == 0, one.err);
  auto ext = run_command(freshet_exe() + " extract " + series +
                         " --features efficient --impute -q --out " + dir.file("features.csv"));
  REQUIRE_MESSAGE(ext.status == 0, ext.err);
  auto sel =
      run_command(freshet_exe() + " select " + dir.file("features.csv") + " --labels " + labels +
                  " -q --out " + dir.file("two.csv") + " --relevance-table " + dir.file("rt2.csv"));
  REQUIRE_MESSAGE(sel.status == 0, sel.err);
  CHECK(slurp(dir.file("one.csv")) == slurp(dir.file("two.csv")));
  CHECK(slurp(dir.file("rt1.csv")) == slurp(dir.file("rt2.csv")));
  // GunPoint's classes are separable: the selection keeps some features but not all.
  const auto kept = freshet::read_csv(dir.file("one.csv")).num_columns() - 1;
  CHECK(kept > 0);
  CHECK(kept < 777);

  // A label file without some ids is an error naming the file.
  dir.write("few.csv", "id,y\n0,1\n1,2\n");
  auto few =
      run_command(freshet_exe() + " extract " + series + " --features minimal --select --labels " +
                  dir.file("few.csv") + " -q --out " + dir.file("x.csv"));
  CHECK(few.status == 1);
  CHECK(few.err.find(dir.file("few.csv")) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("x.csv")));
}

TEST_CASE("xval --labels joins the target by id and drops the id from the features") {
  TempDir dir;
  // Rows in reverse id order, so a positional join would pair rows with the wrong labels.
  dir.write("features.csv", "id,f\n3,30.0\n2,20.0\n1,10.0\n0,0.0\n");
  dir.write("labels.csv", "id,y\n0,0.0\n1,1.0\n2,2.0\n3,3.0\n");
  auto r = run_command(freshet_exe() + " xval " + dir.file("features.csv") + " --labels " +
                       dir.file("labels.csv") +
                       " --model linear_regression --cv kfold:n_splits=2 --scoring r2 -q");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  // One feature (f), not two (id, f); y = f / 10 exactly, so every fold scores r2 = 1.
  CHECK(r.out.find("x 1 features") != std::string::npos);
  CHECK(r.out.find("r2,1.0,0.0") != std::string::npos);

  dir.write("short.csv", "id,y\n0,0.0\n1,1.0\n");
  auto missing = run_command(freshet_exe() + " xval " + dir.file("features.csv") + " --labels " +
                             dir.file("short.csv") + " --model linear_regression -q");
  CHECK(missing.status == 1);
  CHECK(missing.err.find("short.csv") != std::string::npos);
}

TEST_CASE("search --labels joins the target by id as xval does") {
  TempDir dir;
  // y = f / 10 exactly with the ids in reverse order; g is noise.
  dir.write("features.csv",
            "id,f,g\n5,50.0,1.0\n4,40.0,-2.0\n3,30.0,0.5\n2,20.0,3.0\n1,10.0,-1.0\n"
            "0,0.0,2.0\n");
  dir.write("labels.csv", "id,y\n0,0.0\n1,1.0\n2,2.0\n3,3.0\n4,4.0\n5,5.0\n");
  auto r = run_command(freshet_exe() + " search " + dir.file("features.csv") + " --labels " +
                       dir.file("labels.csv") +
                       " --model ridge --grid alpha=0,1e6 --cv kfold:n_splits=2 --scoring r2 -q" +
                       " --out " + dir.file("results.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const freshet::Table t = freshet::read_csv(dir.file("results.csv"));
  // alpha=0 fits y = f / 10 exactly (r2 = 1 in every fold) and ranks first; a positional join
  // would pair rows with the wrong labels and could not score 1.
  CHECK(t.column("mean_test_score").f64()[0] == doctest::Approx(1.0).epsilon(1e-9));
  CHECK(t.column("rank_test_score").i64()[0] == 1);
  CHECK(r.out.find("best: ridge:alpha=0 ") != std::string::npos);
  // The id is no feature: the refitted model has coefficients for f (0.1) and g (0) only.
  auto best = run_command(freshet_exe() + " search " + dir.file("features.csv") + " --labels " +
                          dir.file("labels.csv") +
                          " --model ridge --grid alpha=0 --cv kfold:n_splits=2 -q --best-out " +
                          dir.file("best.csv"));
  REQUIRE_MESSAGE(best.status == 0, best.err);
  const freshet::Table terms = freshet::read_csv(dir.file("best.csv"));
  const auto names = terms.column("term").str();
  const std::vector<std::string> want = {"alpha", "intercept", "coef_0", "coef_1"};
  CHECK(std::vector<std::string>(names.begin(), names.end()) == want);
  CHECK(terms.column("value").f64()[2] == doctest::Approx(0.1).epsilon(1e-12));
}
