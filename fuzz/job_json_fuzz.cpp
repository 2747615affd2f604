// The batch job reader (job/job.hpp, parse_job_text: what `freshet run JOB.json` and --check
// read). The job lives in examples/jobs/, so the seeds' relative data paths resolve; data files
// are not read (check_data off: that is the CSV harness's part). Malformed JSON is Error(kParse)
// naming line and column; everything else is a list of issues, each a JSON pointer and a message.
#include "fuzz/harness.hpp"
#include "job/job.hpp"
#include "ml/pipeline_spec.hpp"

using namespace freshet;

namespace freshet::fuzz {

Seeds seeds() {
  Seeds s;
  s.push_back({"sample", source_file("examples/jobs/sample.json")});
  s.push_back({"bench", source_file("bench/job_vs_python.json")});
  s.push_back({"search", R"({"name": "search", "seed": 7,
 "datasets": [{"id": "t", "table": "../../data/sample/labels.csv", "target": "y"},
  {"id": "s", "series": "../../data/sample/series.csv", "labels": "../../data/sample/labels.csv",
   "columns": {"sort": "time", "kind": "kind", "value": "value"}, "impute": false,
   "features": {"preset": "minimal"}, "select": {"method": "percentile", "percentile": 20}}],
 "pipelines": [
  {"id": "r", "steps": ["simple_imputer:strategy=median"], "model": "ridge",
   "random": {"alpha": "loguniform:1e-3:1e2"}, "n_iter": 4},
  {"id": "s", "model": "lasso", "sobol": {"alpha": "uniform:0:1"}, "n_iter": 8},
  {"id": "t", "model": "decision_tree_regressor", "grid": {"max_depth": [2, null]}}],
 "cv": "kfold:n_splits=3", "inner_cv": "kfold:n_splits=2", "scoring": "r2"})"});
  return s;
}

}  // namespace freshet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = std::string(fuzz::source_dir()) + "/examples/jobs/fuzz.json";
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<job::JobIssue> issues;
  job::JobSpec spec;
  if (!fuzz::accepts(
          [&] { spec = job::parse_job_text(text, path, issues, {.check_data = false}); }))
    return 0;
  for (const auto& issue : issues) FUZZ_CHECK(!issue.message.empty());
  if (issues.empty()) {
    // A valid job: every pipeline has candidates and a spec that parses.
    for (const auto& p : spec.pipelines) {
      FUZZ_CHECK(!p.candidates.empty());
      FUZZ_CHECK(fuzz::accepts([&] { (void)PipelineSpec(p.spec).to_string(); }));
    }
    (void)spec.resolved.dump();
  }
  return 0;
}
