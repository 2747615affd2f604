// CLI tests of `freshet run`: a small job on the bundled sample gives the same bytes on every
// backend and worker count; resumes after SIGKILL at random moments and after a torn journal tail
// with byte-identical outputs; re-runs only an edited pipeline's tasks; --check and bad input
// fail with one line naming the JSON pointer; the report holds every section (and renders in
// headless Chromium when it is installed).

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>

#include "tests/run_command.hpp"

using freshet::testing::run_command;
using freshet::testing::slurp;
using freshet::testing::TempDir;

namespace {

std::string exe() { return freshet::testing::freshet_exe(); }
std::string sample(const std::string& name) {
  return std::string(FRESHET_SOURCE_DIR) + "/data/sample/" + name;
}

// Two datasets (the sample's series, and a table made from them by the test), three pipelines
// with grids, 3 outer folds.
std::string job_text(const std::string& knn_grid = "[1, 5, 15]") {
  return R"({
  "name": "cli-test",
  "seed": 1,
  "datasets": [
    {"id": "sample", "series": ")" +
         sample("series.csv") + R"(", "labels": ")" + sample("labels.csv") + R"(",
     "features": "minimal", "select": {"method": "fdr", "fdr_level": 0.05}},
    {"id": "sample_k10", "series": ")" +
         sample("series.csv") + R"(", "labels": ")" + sample("labels.csv") + R"(",
     "features": "minimal", "select": {"method": "k_best", "k": 10}}
  ],
  "pipelines": [
    {"id": "nb", "model": "gaussian_nb"},
    {"id": "knn", "steps": ["standard_scaler"], "model": "knn_classifier",
     "grid": {"n_neighbors": )" +
         knn_grid + R"(}},
    {"id": "tree", "model": "decision_tree_classifier", "grid": {"max_depth": [2, 4]}}
  ],
  "cv": "stratified_kfold:n_splits=3,shuffle=true,random_state=0",
  "scoring": ["accuracy", "f1_macro"]
})";
}

const std::vector<std::string> kDeterministic = {
    "results.csv",     "summary.csv", "candidates.csv",   "selected_features.csv",
    "predictions.csv", "report.html", "job.resolved.json"};

std::string outputs(const std::string& dir) {
  std::string all;
  for (const auto& f : kDeterministic) all += "== " + f + "\n" + slurp(dir + "/" + f);
  return all;
}

// Tasks run / reused, from the summary line.
std::pair<int, int> counts(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(\((\d+) run, (\d+) from the journal\))")))
    return {-1, -1};
  return {std::stoi(m[1]), std::stoi(m[2])};
}

}  // namespace

TEST_CASE("freshet run: same bytes serial, 2 threads, 2 processes, every output written") {
  TempDir dir;
  dir.write("job.json", job_text());
  const std::string job = dir.file("job.json");
  const auto serial =
      run_command(exe() + " run " + job + " --out " + dir.file("serial") + " --workers 0");
  REQUIRE_MESSAGE(serial.status == 0, serial.err);
  CHECK(counts(serial.out) == std::pair{36, 0});  // 2 datasets x (1 + 3 + 2) candidates x 3 folds
  const auto threads =
      run_command(exe() + " run " + job + " --out " + dir.file("threads") + " --workers 2");
  REQUIRE_MESSAGE(threads.status == 0, threads.err);
  const auto procs = run_command(exe() + " run " + job + " --out " + dir.file("procs") +
                                 " --workers 2 --port 47631");
  REQUIRE_MESSAGE(procs.status == 0, procs.err);
  const std::string expected = outputs(dir.file("serial"));
  CHECK(outputs(dir.file("threads")) == expected);
  CHECK(outputs(dir.file("procs")) == expected);
  for (const char* f : {"timings.csv", "cache"})
    CHECK(std::filesystem::exists(dir.file(std::string("serial/") + f)));
  // results.csv is tidy: one row per (dataset, pipeline, candidate, fold, metric).
  const std::string results = slurp(dir.file("serial/results.csv"));
  CHECK(results.rfind("dataset,pipeline,candidate,params,fold,metric,value\n", 0) == 0);
  CHECK(std::count(results.begin(), results.end(), '\n') == 1 + 36 * 2);
  CHECK(results.find("sample,knn,2,n_neighbors=15,2,f1_macro,") != std::string::npos);
  // Scores differ between pipelines (the sample is not trivially separable).
  const std::string summary = slurp(dir.file("serial/summary.csv"));
  CHECK(summary.find(",accuracy,1,") == std::string::npos);
  // The resolved job records the version and every default.
  const std::string resolved = slurp(dir.file("serial/job.resolved.json"));
  CHECK(resolved.find("\"freshet_version\"") != std::string::npos);
  CHECK(resolved.find("\"inner_cv\": null") != std::string::npos);
}

TEST_CASE("freshet run resumes after SIGKILL at random moments with byte-identical outputs") {
  TempDir dir;
  dir.write("job.json", job_text());
  const std::string job = dir.file("job.json");
  const auto t0 = std::chrono::steady_clock::now();
  const auto clean = run_command(exe() + " run " + job + " --out " + dir.file("clean") +
                                 " --workers 2 --batch 2 -q");
  const double clean_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE_MESSAGE(clean.status == 0, clean.err);
  // Kill at random moments: during start-up, extraction, tasks, journal writes or the final
  // outputs. Each attempt resumes from the last.
  std::mt19937 rng(12345);
  int kills = 0, attempts = 0;
  for (; attempts < 60; ++attempts) {
    // Timeouts grow from a few percent of an uninterrupted run to more than all of it, with
    // jitter, so kills land in every phase and the run still finishes.
    const double seconds = clean_s * 0.06 * std::pow(1.3, attempts) *
                           std::uniform_real_distribution<double>(0.5, 1.5)(rng);
    // Mostly SIGKILL; every third attempt Ctrl-C (SIGINT), on threads or worker processes.
    const bool interrupt = attempts % 3 == 2;
    const std::string backend =
        attempts % 2 ? " --workers 2 --port " + std::to_string(47640 + attempts) : " --workers 2";
    const auto r = run_command(
        std::string(interrupt ? "timeout --preserve-status -s INT " : "timeout -s KILL ") +
        std::to_string(seconds) + " " + exe() + " run " + job + " --out " + dir.file("killed") +
        backend + " --batch 2 -q");
    if (r.status == 0) break;
    // Killed by timeout's signal, nothing else.
    CHECK_MESSAGE(r.status == 128 + (interrupt ? 2 : 9), r.err);
    ++kills;
  }
  MESSAGE(kills << " kills before the run finished");
  CHECK(kills >= 2);
  const auto last =
      run_command(exe() + " run " + job + " --out " + dir.file("killed") + " --workers 2");
  REQUIRE_MESSAGE(last.status == 0, last.err);
  CHECK(counts(last.out) == std::pair{0, 36});
  CHECK(outputs(dir.file("killed")) == outputs(dir.file("clean")));

  // A torn tail (half a record) and a corrupt one: dropped with a warning, the tasks run again.
  const std::string journal = dir.file("killed/journal.fjr");
  const std::string bytes = slurp(journal);
  std::ofstream(journal, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 37);
  const auto torn =
      run_command(exe() + " run " + job + " --out " + dir.file("killed") + " --workers 2");
  REQUIRE_MESSAGE(torn.status == 0, torn.err);
  CHECK(torn.err.find("dropped") != std::string::npos);
  CHECK(counts(torn.out) == std::pair{1, 35});
  CHECK(outputs(dir.file("killed")) == outputs(dir.file("clean")));
  std::string corrupt = slurp(journal);
  corrupt[corrupt.size() - 5] ^= 0x11;
  std::ofstream(journal, std::ios::binary | std::ios::trunc) << corrupt;
  const auto bad =
      run_command(exe() + " run " + job + " --out " + dir.file("killed") + " --workers 0");
  REQUIRE_MESSAGE(bad.status == 0, bad.err);
  CHECK(bad.err.find("bad checksum") != std::string::npos);
  CHECK(counts(bad.out) == std::pair{1, 35});
  CHECK(outputs(dir.file("killed")) == outputs(dir.file("clean")));
}

TEST_CASE("editing one pipeline re-runs only its tasks") {
  TempDir dir;
  dir.write("job.json", job_text());
  const std::string job = dir.file("job.json");
  const auto first =
      run_command(exe() + " run " + job + " --out " + dir.file("out") + " --workers 2");
  REQUIRE_MESSAGE(first.status == 0, first.err);
  dir.write("job.json", job_text("[1, 5, 15, 25]"));  // one more knn candidate
  const auto second =
      run_command(exe() + " run " + job + " --out " + dir.file("out") + " --workers 2");
  REQUIRE_MESSAGE(second.status == 0, second.err);
  // Only the new candidate's tasks: 2 datasets x 3 folds.
  CHECK(counts(second.out) == std::pair{6, 36});
}

TEST_CASE(
    "freshet run --check and bad input: one line naming the pointer, exit 1, nothing written") {
  TempDir dir;
  std::string text = job_text();
  text.replace(text.find("\"gaussian_nb\""), 13, "\"gaussian_nbb\"");
  text.replace(text.find("\"max_depth\""), 11, "\"max_dept\"");
  dir.write("job.json", text);
  const auto check = run_command(exe() + " run --check " + dir.file("job.json"));
  CHECK(check.status == 1);
  CHECK(check.err.find("/pipelines/0/model: ") != std::string::npos);
  CHECK(check.err.find("/pipelines/2/grid/max_dept: ") != std::string::npos);
  const auto run = run_command(exe() + " run " + dir.file("job.json") + " --out " + dir.file("o"));
  CHECK(run.status == 1);
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  CHECK(run.err.find("/pipelines/0/model") != std::string::npos);
  CHECK(!std::filesystem::exists(dir.file("o")));

  dir.write("good.json", job_text());
  const auto ok = run_command(exe() + " run --check " + dir.file("good.json"));
  CHECK_MESSAGE(ok.status == 0, ok.err);
  // An output folder that cannot be created.
  dir.write("file", "x");
  const auto unwritable =
      run_command(exe() + " run " + dir.file("good.json") + " --out " + dir.file("file/out"));
  CHECK(unwritable.status == 1);
  CHECK(unwritable.err.find("file/out") != std::string::npos);
  // A splitter with more folds than rows (240 series).
  std::string many = job_text();
  many.replace(many.find("n_splits=3"), 10, "n_splits=300");
  dir.write("many.json", many);
  const auto folds = run_command(exe() + " run --check " + dir.file("many.json"));
  CHECK(folds.status == 1);
  CHECK(folds.err.find("/cv: ") != std::string::npos);
}

TEST_CASE("freshet xval accepts a fresh_select step") {
  TempDir dir;
  const auto extract =
      run_command(exe() + " extract " + sample("series.csv") +
                  " --features minimal --impute --out " + dir.file("f.csv") + " -q");
  REQUIRE_MESSAGE(extract.status == 0, extract.err);
  const auto r =
      run_command(exe() + " xval " + dir.file("f.csv") + " --labels " + sample("labels.csv") +
                  " --model 'fresh_select:fdr=0.05>gaussian_nb' --cv stratified_kfold:n_splits=3");
  CHECK_MESSAGE(r.status == 0, r.err);
  CHECK(r.out.find("accuracy,") != std::string::npos);
}

TEST_CASE("the report holds every section and renders in headless Chromium") {
  TempDir dir;
  dir.write("job.json", job_text());
  const auto r =
      run_command(exe() + " run " + dir.file("job.json") + " --out " + dir.file("out") + " -q");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const std::string html = slurp(dir.file("out/report.html"));
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("</html>") != std::string::npos);
  for (const std::string id :
       {"summary", "across-datasets", "cd-diagram", "dataset-sample", "ranking-sample",
        "folds-sample", "response-sample", "best-sample", "dataset-sample_k10",
        "ranking-sample_k10", "folds-sample_k10", "response-sample_k10", "best-sample_k10"})
    CHECK_MESSAGE(html.find("id=\"" + id + "\"") != std::string::npos, id);
  CHECK(html.find("<script") == std::string::npos);  // self-contained, nothing to fetch
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));
  CHECK(html.find("https://") == std::string::npos);
  // Every svg element is closed.
  std::size_t open = 0, close = 0;
  for (std::size_t at = 0; (at = html.find("<svg", at)) != std::string::npos; ++at) ++open;
  for (std::size_t at = 0; (at = html.find("</svg>", at)) != std::string::npos; ++at) ++close;
  CHECK(open >= 7);
  CHECK(open == close);

  if (!std::filesystem::exists("/usr/bin/chromium")) {
    MESSAGE("no /usr/bin/chromium: the screenshot check is skipped");
    return;
  }
  const std::string png = dir.file("report.png");
  const auto shot = run_command(
      "cd " + dir.path().string() +
      " && timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic "
      "--no-first-run --disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" +
      dir.file("chrome-profile") + " --screenshot=" + png + " --window-size=1200,3000 file://" +
      dir.file("out/report.html"));
  REQUIRE_MESSAGE(std::filesystem::exists(png), shot.err);
  const std::string bytes = slurp(png);
  CHECK(bytes.substr(1, 3) == "PNG");
  CHECK(bytes.size() > 50000);  // a blank 1200x3000 page compresses to a few KB
}

namespace {
// sklearn's fold scores (../shared/reference/sklearn/cv_scores.csv) by (dataset, model, params,
// splitter, metric) -> fold -> score.
std::map<std::string, std::vector<double>> sklearn_scores() {
  std::ifstream in(freshet::testing::shared_dir() + "/reference/sklearn/cv_scores.csv");
  std::map<std::string, std::vector<double>> out;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    auto& v = out[f[0] + "|" + f[1] + "|" + f[2] + "|" + f[3] + "|" + f[4]];
    v.resize(std::max<std::size_t>(v.size(), std::stoul(f[5]) + 1));
    v[std::stoul(f[5])] = std::stod(f[6]);
  }
  return out;
}
// results.csv rows of one (pipeline, candidate, metric): fold -> value.
std::vector<double> job_scores(const std::string& results, const std::string& prefix,
                               const std::string& metric) {
  std::vector<double> out;
  std::stringstream ss(results);
  for (std::string line; std::getline(ss, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    const auto last = line.rfind(',');
    const auto before = line.rfind(',', last - 1);
    if (line.substr(before + 1, last - before - 1) == metric)
      out.push_back(std::stod(line.substr(last + 1)));
  }
  return out;
}
}  // namespace

TEST_CASE("fold scores of deterministic models equal scikit-learn's on the same folds") {
  const auto ref = sklearn_scores();
  REQUIRE(!ref.empty());
  TempDir dir;
  const std::string data = freshet::testing::shared_dir() + "/data/";
  dir.write("reg.json", R"({
    "datasets": [{"id": "diabetes", "table": ")" +
                            data + R"(diabetes/table.csv"}],
    "pipelines": [{"id": "ols", "model": "linear_regression"},
                  {"id": "ridge", "model": "ridge", "grid": {"alpha": [0.01, 1.0, 100]}}],
    "cv": "kfold:n_splits=5", "scoring": ["r2", "neg_mean_squared_error"]})");
  dir.write("clf.json", R"({
    "datasets": [{"id": "wine", "table": ")" +
                            data + R"(wine/table.csv"}],
    "pipelines": [{"id": "nb", "model": "gaussian_nb"},
                  {"id": "knn", "model": "knn_classifier", "grid": {"n_neighbors": [1, 5]}}],
    "cv": "stratified_kfold:n_splits=5", "scoring": ["accuracy"]})");
  for (const char* job : {"reg", "clf"}) {
    const auto r =
        run_command(exe() + " run " + dir.file(std::string(job) + ".json") + " -q --workers 2");
    REQUIRE_MESSAGE(r.status == 0, r.err);
  }
  const std::string reg = slurp(dir.file("reg.out/results.csv"));
  const std::string clf = slurp(dir.file("clf.out/results.csv"));
  const auto compare = [&](const std::vector<double>& mine, const std::string& key) {
    INFO(key);
    REQUIRE(ref.count(key));
    const auto& want = ref.at(key);
    REQUIRE(mine.size() == want.size());
    for (std::size_t f = 0; f < want.size(); ++f)
      CHECK(std::abs(mine[f] - want[f]) <= 1e-8 * std::max(1.0, std::abs(want[f])));
  };
  for (const char* m : {"r2", "neg_mean_squared_error"}) {
    compare(job_scores(reg, "diabetes,ols,0,,", m),
            std::string("diabetes|LinearRegression|default|kfold5|") + m);
    compare(job_scores(reg, "diabetes,ridge,1,alpha=1.0,", m),
            std::string("diabetes|Ridge|alpha=1.0|kfold5|") + m);
  }
  compare(job_scores(clf, "wine,nb,0,,", "accuracy"),
          "wine|GaussianNB|default|stratifiedkfold5|accuracy");
  compare(job_scores(clf, "wine,knn,1,n_neighbors=5,", "accuracy"),
          "wine|KNeighborsClassifier|n_neighbors=5|stratifiedkfold5|accuracy");
}

TEST_CASE("nested search: each outer fold's candidate is the best of its inner folds") {
  TempDir dir;
  const std::string data = freshet::testing::shared_dir() + "/data/";
  dir.write("nested.json", R"({
    "datasets": [{"id": "wine", "table": ")" +
                               data + R"(wine/table.csv",
                  "select": {"method": "k_best", "k": 6}}],
    "pipelines": [{"id": "knn", "steps": ["standard_scaler"], "model": "knn_classifier",
                   "grid": {"n_neighbors": [1, 3, 9, 27]}}],
    "cv": "stratified_kfold:n_splits=4,shuffle=true,random_state=2",
    "inner_cv": "stratified_kfold:n_splits=3", "scoring": ["accuracy"]})");
  const auto serial = run_command(exe() + " run " + dir.file("nested.json") +
                                  " -q --workers 0 --out " + dir.file("a"));
  REQUIRE_MESSAGE(serial.status == 0, serial.err);
  const auto procs = run_command(exe() + " run " + dir.file("nested.json") +
                                 " -q --workers 2 --port 47701 --out " + dir.file("b"));
  REQUIRE_MESSAGE(procs.status == 0, procs.err);
  for (const char* f : {"results.csv", "inner_results.csv", "summary.csv", "report.html"})
    CHECK(slurp(dir.file(std::string("a/") + f)) == slurp(dir.file(std::string("b/") + f)));
  // inner_results.csv: dataset,pipeline,fold,candidate,params,inner_mean -> best per fold.
  std::map<int, std::pair<double, std::string>> best;  // fold -> (inner mean, params)
  std::stringstream inner(slurp(dir.file("a/inner_results.csv")));
  std::string line;
  std::getline(inner, line);
  int rows = 0;
  while (std::getline(inner, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    REQUIRE(f.size() == 6);
    const int fold = std::stoi(f[2]);
    const double mean = std::stod(f[5]);
    if (!best.count(fold) || mean > best[fold].first) best[fold] = {mean, f[4]};
    ++rows;
  }
  CHECK(rows == 4 * 4);
  // results.csv: one row per outer fold, naming the inner winner's parameters.
  const std::string results = slurp(dir.file("a/results.csv"));
  for (const auto& [fold, b] : best) {
    const std::string cell = "wine,knn,";
    const std::string tail = b.second + "," + std::to_string(fold) + ",accuracy,";
    CHECK_MESSAGE(results.find(tail) != std::string::npos,
                  "fold " << fold << " should use " << b.second);
    CHECK(results.find(cell) != std::string::npos);
  }
  CHECK(std::count(results.begin(), results.end(), '\n') == 1 + 4);
  CHECK(slurp(dir.file("a/summary.csv")).find("wine,knn,nested,") != std::string::npos);
}
