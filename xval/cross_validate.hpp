#pragma once
// Cross-validation on the mproc executor: every (model candidate, split) pair is ONE task,
// "xval.fit_score" -- except that candidates differing only in their model's path parameters
// (ModelInfo::path_params, e.g. kNN's n_neighbors) share one task per split, fitted together by
// Model::fit_variants (one neighbour search instead of one per candidate). The feature matrix, the
// target and the folds are serialized once and published with Executor::share; a task's argument
// is only (model specs, split index, scorer names); it returns the scores and the fit/score
// timings. Results come back in (candidate, split) order, so every backend and worker count gives
// the same scores (timings excepted), grouped or not.
//
// Models are named by spec ("ridge:alpha=0.5"); preprocessing steps are part of the spec as a
// pipeline ("standard_scaler>logistic_regression:C=1"), fitted inside each training fold only.
// Scorers are sklearn's names (ml/metrics.hpp): larger is better, neg_* are negated losses.
//
// Errors: unknown models / scorers / columns are reported before any task starts; a failing fit
// surfaces as the executor's Error(kWorkerFailed) naming the task and split.
// Thread-safety: the functions are reentrant; one evaluate() per executor at a time (executor
// rule). Installed (docs/cpp-api.md): freshet's own types and the standard library only.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/table.hpp"
#include "ml/matrix.hpp"
#include "ml/model_spec.hpp"
#include "ml/pipeline_spec.hpp"
#include "mproc/executor.hpp"
#include "xval/splitters.hpp"

namespace freshet::xval {

// What cross-validation runs on: X, y and what the splitters need.
struct Dataset {
  DenseMatrix X;  // rows x features, column-major (ml/matrix.hpp; as_eigen in-tree)
  std::vector<double> y;
  std::vector<std::string> feature_names;
  std::string target_name;
  // Text targets are encoded 0..k-1 in sorted order (LabelEncoder); their names, else empty.
  std::vector<std::string> class_names;
  std::optional<Labels> y_labels;  // distinct target values (stratified splitters)
  std::optional<Labels> groups;    // --groups column
  Table split_columns;             // columns splitters read themselves (test_fold, times)

  std::size_t num_rows() const { return X.rows(); }
  // The SplitData that splitters take; views into this dataset.
  SplitData split_data(std::vector<std::string>* warnings = nullptr) const;
  // The listed rows, in the listed order (labels and groups re-encoded over the subset).
  Dataset take(std::span<const std::size_t> rows) const;
};

struct DatasetOptions {
  std::string target = "y";
  std::string groups = "";                 // "" = none
  std::vector<std::string> features = {};  // empty: every column not otherwise used
  std::vector<std::string> exclude = {};   // columns used by the splitter (not features)
};

// Builds the dataset. Throws Error(kNotFound) for a missing column, Error(kInvalidArgument) for a
// text feature column (listing it) or a missing target value.
Dataset make_dataset(const Table& table, const DatasetOptions& options);

// Scores of one (candidate, split) pair.
struct FoldScores {
  std::vector<double> scores;         // one per scorer, in scoring order
  double fit_seconds = 0;             // a shared fit's time split evenly between its candidates
  std::vector<double> score_seconds;  // one per scorer
};

// Runs every (model, split) pair as one task; result [m * folds.size() + s]. Validates the model
// specs (make_model) and scorers (find_scorer) first.
std::vector<FoldScores> evaluate(const Dataset& data, const Folds& folds,
                                 std::span<const PipelineSpec> models,
                                 std::span<const std::string> scoring, mproc::Executor& executor);
// The same, from specs as text.
std::vector<FoldScores> evaluate(const Dataset& data, const Folds& folds,
                                 std::span<const std::string> models,
                                 std::span<const std::string> scoring, mproc::Executor& executor);

struct CvResult {
  std::string model;
  std::vector<std::string> scoring;
  std::vector<FoldScores> splits;
  // Mean and population std (ddof 0) of scorer `metric` over the splits.
  double mean(std::size_t metric) const;
  double std(std::size_t metric) const;
};

// sklearn's cross_validate(model, X, y, cv=splitter, scoring=scoring).
CvResult cross_validate(const Dataset& data, const Splitter& splitter, const PipelineSpec& model,
                        const std::vector<std::string>& scoring, mproc::Executor& executor,
                        std::vector<std::string>* warnings = nullptr);

// "standard_scaler>ridge:alpha=1" from preprocessing step specs and a model spec.
std::string pipeline_spec(std::span<const std::string> preprocess, const std::string& model);
// The spec with `params` set on its final model (the last '>' part); existing values replaced.
// The result is canonical text (PipelineSpec::to_string) unless params is empty.
std::string with_params(const std::string& spec, const ModelParams& params);
// "standard_scaler,simple_imputer:strategy=median,fill_value=0" -> step specs. A comma-separated
// item of the form NAME=VALUE (no ':') continues the previous step's parameters.
std::vector<std::string> parse_step_list(std::string_view text);
// The default scorer sklearn's estimator.score uses: "accuracy" for classifiers, "r2" otherwise.
std::string default_scorer(const PipelineSpec& model_spec);

// sklearn's cv=5 (check_cv): "stratified_kfold:n_splits=5" for a classifier, "kfold:n_splits=5"
// otherwise. (sklearn also requires a binary/multiclass y; the stratified splitter rejects a
// continuous one with sklearn's message.)
std::string default_cv(const PipelineSpec& model_spec);

// Mean / population std with sklearn's NaN handling left to the caller.
double mean_of(std::span<const double> values);
double std_of(std::span<const double> values);

// Candidates (indices into `models`) that share one task per split: those whose specs differ
// only in the final model's path parameters; every other candidate is a group of its own. Groups
// in order of their first candidate.
std::vector<std::vector<std::size_t>> group_by_path(std::span<const PipelineSpec> models);

// Registers the task (the linker keeps it because the program calls evaluate()).
void register_xval_tasks();

}  // namespace freshet::xval
