#pragma once
// A batch model-evaluation job: datasets x pipelines x their parameter candidates x folds, read
// from a JSON file (docs/jobs.md is the user guide, docs/job-schema.json the schema).
//
//   JobSpec spec = load_job("bench.json");          // parse + validate; throws the first error
//   std::vector<JobIssue> issues = check_job_file("bench.json");   // every error (--check)
//
// Validation names every problem by the JSON pointer of the offending value and says what was
// expected ("/pipelines/2/grid/alpha/1: model 'ridge': parameter 'alpha' must be a non-negative
// number, got \"x\""). Unknown keys are errors. Models, transformers, scorers and splitters are
// checked against the registries the CLI uses (ml/model.hpp, ml/preprocess.hpp, ml/metrics.hpp,
// xval/splitters.hpp); data files must exist; with check_data the files are read (not
// extracted): ids of series and labels must match, the target must have a value for every id,
// and the outer splitter must be able to split the rows.
//
// Relative paths are resolved against the job file's folder. Thread-safety: pure functions.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ml/model.hpp"
#include "xval/search_space.hpp"

namespace freshet::job {

// The freshet version recorded in outputs and task keys.
const char* freshet_version();

struct JobDataset {
  std::string id;
  // Either series (long/wide series CSV, extracted by fresh) + labels, or a table CSV.
  std::string series;
  std::string labels;
  std::string table;
  std::string id_column = "id";
  std::string target = "y";
  std::string column_sort;   // "" = fresh's default ("time" if present)
  std::string column_kind;   // "" = "kind" if present
  std::string column_value;  // "" = "value" if present
  // Feature settings (series only): a preset, a settings JSON file or tsfresh's from_columns.
  std::string features_preset = "efficient";
  std::string features_settings;
  std::string features_from_columns;
  bool impute = true;  // tsfresh's impute on the extracted matrix (needed by fresh_select)
  // The in-fold selection step put in front of every pipeline ("" = none), e.g.
  // "fresh_select:method=fdr,fdr_level=0.05".
  std::string select_step;
};

// The pipeline is kept as spec text and its candidates as parameter maps, built with xval's string
// helpers (pipeline_spec, with_params, parameter_grid, sample_random/sobol) in job.cpp's
// parse_pipeline and run.cpp's plan only, so a structured pipeline representation can replace
// them there.
struct JobPipeline {
  std::string id;
  std::string spec;  // steps and model, "standard_scaler>ridge" (xval::pipeline_spec)
  bool classifier = false;
  std::string search = "none";          // none | grid | random | sobol
  std::vector<ModelParams> candidates;  // at least one (the empty set of parameters for none)
  std::vector<std::string> searched;    // parameter names that vary, sorted
};

struct JobSpec {
  std::string name;
  std::string path;  // the job file
  std::string out;   // output folder ("" = <job file name without .json>.out beside it)
  std::uint32_t seed = 0;
  std::vector<JobDataset> datasets;
  std::vector<JobPipeline> pipelines;
  std::string cv;        // outer splitter spec, resolved
  std::string inner_cv;  // "" = no nested search
  std::vector<std::string> scoring;
  nlohmann::json resolved;  // the job with every default filled in
};

struct JobIssue {
  std::string pointer;  // "/pipelines/2/grid/alpha"
  std::string message;
  std::string line() const { return (pointer.empty() ? "/" : pointer) + ": " + message; }
};

struct CheckOptions {
  bool check_data = true;  // read the data files (not extract) to check ids, target, folds
};

// Parses and validates; appends issues (never throws for the job's content; Error(kIo) only if
// the file cannot be read, kParse naming line/column for malformed JSON). The returned spec is
// meaningful only when no issue was added.
JobSpec parse_job(const std::string& path, std::vector<JobIssue>& issues,
                  const CheckOptions& options = {});
// Same, from the file's text (parse_job reads the file and calls this).
JobSpec parse_job_text(const std::string& text, const std::string& path,
                       std::vector<JobIssue>& issues, const CheckOptions& options = {});
// Same, from a document; `path` names the job (its folder resolves relative paths).
JobSpec parse_job_json(const nlohmann::json& doc, const std::string& path,
                       std::vector<JobIssue>& issues, const CheckOptions& options = {});

// parse_job, throwing Error(kParse) "JOB: POINTER: message" for the first issue (and
// saying how many more there are).
JobSpec load_job(const std::string& path, const CheckOptions& options = {});

// A grid value as text for a model: numbers as JSON writes them, true/false, null -> "none".
std::string json_param_text(const nlohmann::json& value);

}  // namespace freshet::job
