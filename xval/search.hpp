#pragma once
// Hyper-parameter search (grid, random, Sobol; see search_space.hpp for the candidates) with
// sklearn's GridSearchCV bookkeeping and KX's hold-out:
//
//   * every (candidate, split) pair is one "xval.fit_score" task -- candidates that differ only
//     in path parameters (kNN's n_neighbors, logistic regression's C) share one task per split,
//     see evaluate() -- and all of them go to the executor in ONE map() call (candidates outer,
//     splits inner, as sklearn's product), so a search keeps every worker busy;
//   * cv_results: per scorer the mean, population std (ddof 0) and rank of each candidate
//     (rank of the mean, ties share the minimum rank, NaN means ranked last, as sklearn 1.2);
//     per split the test score; the first scorer ranks (sklearn's refit metric);
//   * best candidate: rank 1 with the lowest index (sklearn's best_index_; KX's `first key desc
//     avg` gives the same);
//   * hold-out (KX's tstTyp): the last floor(N * holdout) rows -- of a RandomState(random_state)
//     permutation when holdout_shuffle -- are set aside before the search; the splitter runs on
//     the remaining rows in that order;
//   * refit: the best candidate is fitted on all the rows the search used (everything but the
//     hold-out) and, with a hold-out, scored on it.
//
// Errors as cross_validate.hpp. Thread-safety: reentrant; one search per executor at a time.
// Installed (docs/cpp-api.md): freshet's own types and the standard library only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/table.hpp"
#include "ml/estimator.hpp"
#include "ml/model_spec.hpp"
#include "ml/pipeline_spec.hpp"
#include "mproc/executor.hpp"
#include "xval/cross_validate.hpp"
#include "xval/splitters.hpp"

namespace freshet::xval {

struct SearchOptions {
  PipelineSpec model = {};  // base spec, may be a pipeline ("standard_scaler>ridge")
  std::vector<ModelParams> candidates = {};  // parameters set on the final model, one per candidate
  std::vector<std::string> scoring = {};     // empty: default_scorer(model)
  double holdout = 0;                        // fraction in [0, 1) held out (KX's |tstTyp|)
  bool holdout_shuffle = false;              // KX's tstTyp < 0
  std::uint32_t random_state = 42;           // seed of the hold-out permutation
  bool refit = true;
};

struct SearchResult {
  std::vector<ModelParams> candidates;
  std::vector<PipelineSpec> candidate_specs;  // the full model spec of each candidate
  std::vector<std::string> param_names;       // sorted union of the candidates' keys
  std::vector<std::string> scoring;
  std::size_t n_splits = 0;
  std::vector<FoldScores> scores;  // [candidate * n_splits + split]
  // [scorer][candidate]
  std::vector<std::vector<double>> mean_test;
  std::vector<std::vector<double>> std_test;
  std::vector<std::vector<int>> rank_test;
  std::size_t best_index = 0;
  double best_score = 0;                // mean of the first scorer
  std::optional<Estimator> best_model;  // refitted (empty without refit)
  std::vector<double> holdout_scores;   // per scorer (empty without hold-out)
  std::size_t n_search_rows = 0;
  std::size_t n_holdout_rows = 0;

  double split_score(std::size_t scorer, std::size_t candidate, std::size_t split) const {
    return scores[candidate * n_splits + split].scores[scorer];
  }
};

SearchResult search(const Dataset& data, const Splitter& splitter, const SearchOptions& options,
                    mproc::Executor& executor, std::vector<std::string>* warnings = nullptr);

// sklearn's cv_results_ as a table: candidate, one column per parameter (text, as given),
// mean_test_<s>, std_test_<s>, rank_test_<s>, split<i>_test_<s> for each scorer s (with one
// scorer: mean_test_score, ... as sklearn names them), is_best ("True"/"False"), mean_fit_time,
// std_fit_time, mean_score_time, std_score_time.
Table cv_results_table(const SearchResult& result);
// The refitted best model as rows term,value: its parameters (the searched ones), then
// intercept and coef_<j> (coef_<class>_<j> for several rows) when the model is linear.
Table best_estimator_table(const SearchResult& result);

}  // namespace freshet::xval
