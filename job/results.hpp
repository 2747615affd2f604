#pragma once
// A finished job's results in memory: what run_job collects from the tasks (fresh or journaled)
// and what the CSV outputs and the report are written from. Aggregates follow sklearn's
// GridSearchCV bookkeeping: mean and population std (ddof 0) over the outer folds, the first
// scorer ranks, best = the highest mean with the lowest candidate index (NaN ranks last).

#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "job/job.hpp"

namespace freshet::job {

// One task's result (the journal stores its encoding).
struct TaskOutcome {
  std::uint32_t chosen = 0;         // nested: index of the candidate the inner search chose
  std::vector<double> inner_means;  // nested: inner mean of the first scorer per candidate
  std::vector<double> scores;       // per scorer, on the outer test fold
  double fit_seconds = 0;
  double score_seconds = 0;
  std::vector<std::uint32_t> selected;   // feature columns the model saw (after fresh_select)
  std::vector<std::uint32_t> test_rows;  // out-of-fold rows ...
  std::vector<double> predictions;       // ... and the model's predictions for them
  bool reused = false;                   // from the journal (not encoded)
};
Bytes encode_outcome(const TaskOutcome& outcome);
// Throws Error(kParse) for a truncated or malformed encoding.
TaskOutcome decode_outcome(std::span<const std::byte> bytes);

struct DatasetResult {
  std::string id;
  std::size_t rows = 0;
  std::vector<std::string> feature_names;
  std::vector<std::string> class_names;  // text targets: class names by code; else empty
  std::vector<std::string> row_ids;      // the id of each row (series ids, table id or row)
  std::vector<double> y;                 // target (class codes for text targets)
  std::size_t n_folds = 0;
  bool classification = false;
};

struct JobResults {
  const JobSpec* spec = nullptr;
  bool nested = false;
  std::vector<DatasetResult> datasets;
  // outcomes[d][p][c][f]; nested: one "candidate" (the per-fold choice) per pipeline.
  std::vector<std::vector<std::vector<std::vector<TaskOutcome>>>> outcomes;

  std::size_t num_candidates(std::size_t d, std::size_t p) const { return outcomes[d][p].size(); }
  // Scores of scorer m over the folds of (d, p, c).
  std::vector<double> fold_scores(std::size_t d, std::size_t p, std::size_t c, std::size_t m) const;
  double mean(std::size_t d, std::size_t p, std::size_t c, std::size_t m) const;
  double std(std::size_t d, std::size_t p, std::size_t c, std::size_t m) const;
  // The best candidate by the first scorer's mean (0 for nested jobs).
  std::size_t best_candidate(std::size_t d, std::size_t p) const;
  // Parameters of candidate c ("" for none) as "a=1;b=x"; nested: the fold's choice.
  std::string params_text(std::size_t p, std::size_t c) const;
};

}  // namespace freshet::job
