#pragma once
// FRESH feature selection: tsfresh 0.21.2's calculate_relevance_table / select_features, plus
// KX's k-best and percentile selectors.
//
// For every feature column: type by number of distinct values (1 constant, 2 binary, else real);
// a univariate test against the target (fresh/stat_tests.hpp):
//   classification, for each label l (order of first appearance with rows sorted by id), target
//   y == l:  real feature -> Mann-Whitney U (or KS with BinaryRealTest::kKolmogorovSmirnov),
//            binary feature -> Fisher exact;
//   regression: real feature -> Kendall tau-b, binary feature -> KS of y split by the feature.
// Then Benjamini-Yekutieli (default) or Benjamini-Hochberg (hypotheses_independent) at fdr_level
// over the non-constant features, per label. multiclass = false: p_value = min over labels,
// relevant = any label relevant; multiclass = true (> 2 labels): per-label p-values and flags,
// n_significant = number of labels where relevant, relevant = n_significant >= n_significant.
// Constant features: p-value NaN, never relevant, listed last.
//
// Row order: non-constant features by ascending p-value of the first label (regression: the
// p-value), ties in column order (tsfresh uses pandas' unstable sort there, so tied rows may be in
// another order in tsfresh's output), then the constant features in column order.
//
// Selectors (KX .ml.fresh.kSigFeat / .ml.fresh.percentile) replace the FDR decision of the
// combined `relevant` flag (per-label flags stay the FDR ones): kKBest keeps the k smallest
// combined p-values (ties: table order), kPercentile keeps p <= the linear-interpolated
// q-quantile of the non-NaN combined p-values. NaN p-values (constant features) are never
// selected (KX selects them first; that is a bug, see research/kxml.md §2.2).
//
// Parallelism: the tests run through Executor::map (task "fresh.relevance_chunk") over fixed
// chunks of feature columns, with the feature matrix and target shared once: every backend and
// worker count gives the same bytes.
//
// Errors (Error): NaN in a feature (kInvalidArgument naming the column and id: impute first;
// infinities are allowed, as in tsfresh, and rank as the largest/smallest values);
// a target with fewer than 2 distinct values or with NaN; ids missing on either side
// (kNotFound naming them); multiclass with a regression task; n_significant larger than the
// number of labels; fdr_level outside (0, 1]; k-best < 1; percentile outside [0, 1].

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/table.hpp"
#include "mproc/executor.hpp"

namespace freshet::fresh {

enum class MlTask { kAuto, kClassification, kRegression };
enum class BinaryRealTest { kMannWhitney, kKolmogorovSmirnov };  // tsfresh "mann" / "smir"
enum class Selector { kFdr, kKBest, kPercentile };
enum class FeatureType { kReal, kBinary, kConstant };

std::string_view feature_type_name(FeatureType type) noexcept;  // "real", "binary", "constant"

struct RelevanceOptions {
  double fdr_level = 0.05;
  bool hypotheses_independent = false;  // true: Benjamini-Hochberg; false: Benjamini-Yekutieli
  MlTask ml_task = MlTask::kAuto;       // auto: int64 or string target -> classification
  bool multiclass = false;
  int n_significant = 1;
  BinaryRealTest test_for_binary_target_real_feature = BinaryRealTest::kMannWhitney;
  Selector selector = Selector::kFdr;
  std::size_t k_best = 0;           // Selector::kKBest
  double percentile = 0.0;          // Selector::kPercentile: a fraction in [0, 1]
  std::size_t chunk_columns = 128;  // features per task; results do not depend on it
};

struct RelevanceRow {
  std::string feature;
  FeatureType type = FeatureType::kConstant;
  double p_value = 0;           // combined (min over labels); NaN for constant features
  bool relevant = false;        // the selection
  std::vector<double> label_p;  // per label (classification), else empty
  std::vector<char> label_relevant;
  int n_significant = 0;
};

struct RelevanceTable {
  MlTask task = MlTask::kClassification;  // resolved
  bool multiclass = false;                // resolved (false for <= 2 labels)
  std::vector<std::string> labels;        // classification labels as text (str(label))
  std::vector<RelevanceRow> rows;         // tsfresh's row order

  // tsfresh's table: feature, type, p_value, relevant; multiclass: feature, type,
  // p_value_<label>, relevant_<label> ..., n_significant, relevant. Booleans as "True"/"False".
  Table to_table() const;
  // Names of the relevant features in table order.
  std::vector<std::string> relevant_features() const;
};

// Relevance of every column of `features` except `id_column`, for a target with one value per
// feature row (same order). `target` may be int64, float64 or string.
RelevanceTable calculate_relevance_table(const Table& features, const Column& target,
                                         const RelevanceOptions& options, mproc::Executor& executor,
                                         std::string_view id_column = "id");

// The target column of `labels` (columns id_column and label_column; others ignored) in the row
// order of `features`, matched by id (compared as text). Throws Error(kNotFound) naming up to 10
// ids missing from either side, or a missing column; Error(kInvalidArgument) for duplicate ids.
Column align_target(const Table& features, const Table& labels, std::string_view label_column = "y",
                    std::string_view id_column = "id");

struct Selection {
  RelevanceTable relevance;
  Table selected;  // id column + the relevant features, in relevance-table order
};

// select_features: align the labels, compute the relevance table, keep the relevant columns.
Selection select_relevant(const Table& features, const Table& labels,
                          const RelevanceOptions& options, mproc::Executor& executor,
                          std::string_view label_column = "y", std::string_view id_column = "id");

}  // namespace freshet::fresh
