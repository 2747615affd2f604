// Job files: a valid job resolves its defaults; every planted error is reported by the JSON
// pointer of the offending value, with what was expected.

#include "job/job.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#ifndef FRESHET_EXE
#define FRESHET_EXE "freshet"  // run_command.hpp's helpers for CLI tests; unused here
#endif
#include "core/error.hpp"
#include "fresh/settings.hpp"
#include "tests/run_command.hpp"

using namespace freshet;
using freshet::testing::TempDir;

namespace {

// A tiny classification table (two informative columns) and series + labels files.
void write_data(const TempDir& dir) {
  std::string table = "id,a,b,y\n";
  for (int i = 0; i < 30; ++i)
    table += std::to_string(i) + "," + std::to_string(i % 7) + "," + std::to_string(i * 3 % 11) +
             "," + (i % 2 ? "yes" : "no") + "\n";
  dir.write("table.csv", table);
  std::string series = "id,time,value\n";
  for (int i = 0; i < 12; ++i)
    for (int t = 0; t < 8; ++t)
      series +=
          std::to_string(i) + "," + std::to_string(t) + "," + std::to_string((i * t) % 5) + "\n";
  dir.write("series.csv", series);
  std::string labels = "id,y\n";
  for (int i = 0; i < 12; ++i) labels += std::to_string(i) + "," + std::to_string(i % 2) + "\n";
  dir.write("labels.csv", labels);
  std::string short_labels = "id,y\n";  // ids 10 and 11 have no label
  for (int i = 0; i < 10; ++i)
    short_labels += std::to_string(i) + "," + std::to_string(i % 2) + "\n";
  dir.write("short_labels.csv", short_labels);
}

std::vector<job::JobIssue> issues_of(const TempDir& dir, const std::string& text) {
  dir.write("job.json", text);
  std::vector<job::JobIssue> issues;
  job::parse_job(dir.file("job.json"), issues);
  return issues;
}

bool has_issue(const std::vector<job::JobIssue>& issues, const std::string& pointer,
               const std::string& words) {
  return std::any_of(issues.begin(), issues.end(), [&](const job::JobIssue& i) {
    return i.pointer == pointer && i.message.find(words) != std::string::npos;
  });
}

std::string dump(const std::vector<job::JobIssue>& issues) {
  std::string s;
  for (const auto& i : issues) s += i.line() + "\n";
  return s;
}

}  // namespace

TEST_CASE("a valid job resolves defaults: splitter, scorer, selection, seeds, paths") {
  TempDir dir;
  write_data(dir);
  const auto issues = issues_of(dir, R"({
    "datasets": [{"id": "t", "table": "table.csv"},
                 {"id": "s", "series": "series.csv", "labels": "labels.csv", "features": "minimal"}],
    "pipelines": [{"id": "nb", "model": "gaussian_nb"},
                  {"id": "rf", "model": "random_forest_classifier:n_estimators=5",
                   "grid": {"max_depth": [2, null], "criterion": ["gini", "entropy"]}}]
  })");
  REQUIRE_MESSAGE(issues.empty(), dump(issues));
  const job::JobSpec spec = job::load_job(dir.file("job.json"));
  CHECK(spec.cv == "stratified_kfold:n_splits=5,shuffle=false");
  CHECK(spec.scoring == std::vector<std::string>{"accuracy"});
  CHECK(spec.datasets[0].select_step.empty());  // tables: no selection unless asked
  CHECK(spec.datasets[1].select_step == "fresh_select:fdr_level=0.05,method=fdr");
  CHECK(spec.datasets[1].features_preset == "minimal");
  // sklearn's ParameterGrid order: keys sorted, the last fastest; null -> "none".
  REQUIRE(spec.pipelines[1].candidates.size() == 4);
  CHECK(spec.pipelines[1].candidates[0].at("criterion") == "gini");
  CHECK(spec.pipelines[1].candidates[0].at("max_depth") == "2");
  CHECK(spec.pipelines[1].candidates[1].at("max_depth") == "none");
  CHECK(spec.pipelines[1].searched == std::vector<std::string>{"criterion", "max_depth"});
  // The seed fills an unset random_state.
  CHECK(spec.pipelines[1].spec.find("random_state=0") != std::string::npos);
  CHECK(spec.resolved["freshet_version"] == job::freshet_version());
  CHECK(spec.out == (dir.path() / "job.out").string());
}

TEST_CASE("--check names every planted error by its JSON pointer") {
  TempDir dir;
  write_data(dir);
  const auto issues = issues_of(dir, R"({
    "datasets": [{"id": "t", "table": "table.csv", "colour": 1},
                 {"id": "m", "table": "missing.csv"}],
    "pipelines": [{"id": "nb", "model": "gaussian_nbx"},
                  {"id": "knn", "model": "knn_classifier", "grid": {"n_neighbors": [1, "x"], "weights": []}},
                  {"id": "lr", "model": "logistic_regression", "grid": {"alpah": [1]}},
                  {"id": "knn", "model": "knn_classifier", "steps": ["standard_scalerx"]}],
    "scoring": ["accuracy", "r2", "nope"],
    "cv": "kfold:n_splits=1",
    "extra": true
  })");
  INFO(dump(issues));
  CHECK(has_issue(issues, "/extra", "unknown key 'extra'"));
  CHECK(has_issue(issues, "/datasets/0/colour", "unknown key"));
  CHECK(has_issue(issues, "/datasets/1/table", "file not found"));
  CHECK(has_issue(issues, "/pipelines/0/model", "gaussian_nbx"));
  CHECK(has_issue(issues, "/pipelines/1/grid/n_neighbors/1", "n_neighbors"));
  CHECK(has_issue(issues, "/pipelines/1/grid/weights", "non-empty array"));
  CHECK(has_issue(issues, "/pipelines/2/grid/alpah", "no parameter 'alpah'"));
  CHECK(has_issue(issues, "/pipelines/3/id", "duplicate pipeline id"));
  CHECK(has_issue(issues, "/pipelines/3/steps/0", "standard_scalerx"));
  CHECK(has_issue(issues, "/scoring/1", "for regressors"));
  CHECK(has_issue(issues, "/scoring/2", "unknown scorer 'nope'"));
  CHECK(has_issue(issues, "/cv", "n_splits"));
  for (const auto& i : issues) CHECK(i.line().find('\n') == std::string::npos);
}

TEST_CASE("--check reads the data: labels that miss ids, more folds than rows") {
  TempDir dir;
  write_data(dir);
  auto issues = issues_of(dir, R"({
    "datasets": [{"id": "s", "series": "series.csv", "labels": "short_labels.csv"}],
    "pipelines": [{"id": "nb", "model": "gaussian_nb"}]
  })");
  CHECK_MESSAGE(has_issue(issues, "/datasets/0/labels", "10"), dump(issues));
  issues = issues_of(dir, R"({
    "datasets": [{"id": "t", "table": "table.csv"}],
    "pipelines": [{"id": "nb", "model": "gaussian_nb"}],
    "cv": "kfold:n_splits=31"
  })");
  CHECK_MESSAGE(has_issue(issues, "/cv", "31"), dump(issues));
  issues =
      issues_of(dir, R"({"datasets": [], "pipelines": [{"id": "nb", "model": "gaussian_nb"}]})");
  CHECK(has_issue(issues, "/datasets", "non-empty array"));
  issues = issues_of(dir, R"({
    "datasets": [{"id": "t", "table": "table.csv", "select": {"method": "k_best"}}],
    "pipelines": [{"id": "r", "model": "ridge", "random": {"alpha": "loguniform:0:1"}}]
  })");
  CHECK_MESSAGE(has_issue(issues, "/datasets/0/select", "needs k"), dump(issues));
  CHECK_MESSAGE(has_issue(issues, "/pipelines/0/random", "'alpha'"), dump(issues));
}

TEST_CASE("a search is bounded: n_iter and a grid's product above 100000 are issues, not work") {
  // Found while writing fuzz/job_json_fuzz.cpp: n_iter 10^12 went straight into allocating 10^12
  // parameter sets (std::bad_alloc escaped --check), and a grid's product was expanded whatever its
  // size.
  TempDir dir;
  write_data(dir);
  const std::string head = R"({"datasets": [{"id": "t", "table": "table.csv"}], "pipelines": [)";
  auto issues = issues_of(dir, head + R"({"id": "r", "model": "ridge", "n_iter": 1000000000000,
      "random": {"alpha": "uniform:0:1"}}]})");
  CHECK_MESSAGE(has_issue(issues, "/pipelines/0/n_iter", "up to 100000"), dump(issues));
  issues = issues_of(dir, head + R"({"id": "r", "model": "ridge", "n_iter": 100001,
      "sobol": {"alpha": "uniform:0:1"}}]})");
  CHECK_MESSAGE(has_issue(issues, "/pipelines/0/n_iter", "up to 100000"), dump(issues));
  // 50 x 50 x 50 = 125000 candidates.
  std::string values = "[";
  for (int i = 1; i <= 50; ++i) values += (i > 1 ? "," : "") + std::to_string(i);
  values += "]";
  issues = issues_of(dir, head + R"({"id": "f", "model": "random_forest_regressor",
      "grid": {"n_estimators": )" +
                              values + R"(, "max_depth": )" + values + R"(, "min_samples_leaf": )" +
                              values + "}}]}");
  CHECK_MESSAGE(has_issue(issues, "/pipelines/0/grid", "more than 100000 candidates"),
                dump(issues));
  // Below the bound, a search is fine.
  issues = issues_of(dir, head + R"({"id": "r", "model": "ridge", "n_iter": 16,
      "random": {"alpha": "uniform:0:1"}}]})");
  CHECK_MESSAGE(issues.empty(), dump(issues));
}

TEST_CASE("malformed JSON names the line and column") {
  TempDir dir;
  dir.write("bad.json", "{\n  \"datasets\": [\n    {\"id\": \"t\",}\n  ]\n}\n");
  std::vector<job::JobIssue> issues;
  try {
    job::parse_job(dir.file("bad.json"), issues);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("bad.json:3:") != std::string::npos);
  }
}

TEST_CASE("a number beyond double is malformed JSON, an Error like the others") {
  // Found by fuzz/settings_json_fuzz.cpp: nlohmann throws out_of_range (not parse_error) for it,
  // which escaped both readers as a foreign exception.
  std::vector<job::JobIssue> issues;
  CHECK_THROWS_AS(job::parse_job_text(R"({"seed": 1e400})", "job.json", issues), Error);
  CHECK_THROWS_AS(fresh::settings_from_json_text(R"({"mean": [{"x": 73.001e390}]})", "s.json"),
                  Error);
}
