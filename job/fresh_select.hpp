#pragma once
// fresh_select: FRESH feature selection (fresh/relevance.hpp) as a supervised pipeline step, so it
// is fitted on the training rows of each fold only and selection cannot leak the test folds into
// training (selecting on all rows, then cross-validating, scores noise well above chance; see
// job/fresh_select_test.cpp).
//
//   fresh_select                            FDR 0.05 (tsfresh's defaults: Benjamini-Yekutieli)
//   fresh_select:method=k_best,k=20         the 20 smallest p-values (KX's kSigFeat)
//   fresh_select:method=percentile,percentile=0.1
//   fresh_select:fdr=0.01                   shorthand for method=fdr,fdr_level=0.01
//
// Parameters: method (fdr | k_best | percentile), fdr_level (alias fdr), k, percentile (a
// fraction), hypotheses_independent (Benjamini-Hochberg), task (auto | classification |
// regression; auto: an integer-valued y is a classification target, as encoded labels are),
// min_features (default 1: when fewer features pass, the min_features smallest p-values are
// kept, so the model always has a column to fit; 0 disables it and the fit then fails).
//
// The step takes X and y as the pipeline sees them (fit_supervised); features must be free of NaN
// (impute first: the job imputes extracted features, or put simple_imputer before the step).
// Registered into ml's transformer registry by register_fresh_select(), which the freshet CLI
// calls at start-up (ml may not depend on fresh). Fitted state: kept column indices; const methods
// are thread-safe.

#include <cstddef>
#include <span>
#include <vector>

#include "fresh/relevance.hpp"
#include "ml/model.hpp"

namespace freshet::job {

struct FreshSelectOptions {
  fresh::RelevanceOptions relevance = {};
  fresh::MlTask task = fresh::MlTask::kAuto;
  std::size_t min_features = 1;
};

// Options from a step's parameters. Throws Error(kInvalidArgument) naming the parameter.
FreshSelectOptions fresh_select_options(const ModelParams& params);

// The selection on (X, y): indices of the kept columns, ascending. Runs the relevance tests on a
// private serial executor (callable from inside an executor task). Throws Error(kInvalidArgument)
// for NaN in X (naming the column), a target with fewer than 2 values, bad options.
std::vector<std::size_t> select_columns(const MatrixRef& X, std::span<const double> y,
                                        const FreshSelectOptions& options);

// Adds "fresh_select" to the transformer registry (idempotent, thread-safe).
void register_fresh_select();

}  // namespace freshet::job
