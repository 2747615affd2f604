#pragma once
// Model-evaluation metrics with scikit-learn 1.2's definitions, and the scorer registry that
// cross-validation uses (sklearn's scorer names: "accuracy", "f1_macro", "roc_auc",
// "neg_log_loss", "neg_mean_squared_error", ...).
//
// Conventions (as sklearn's):
// * Class labels are doubles (the Model contract encodes labels as numbers). The label set of a
//   classification metric is the sorted union of the labels in y_true and y_pred.
// * Binary metrics (average = kBinary, roc_auc, average_precision, brier) take pos_label = 1 by
//   default, as sklearn does; a two-class problem whose labels do not contain pos_label is an
//   Error(kInvalidArgument), as in sklearn ("pos_label=1 is not a valid label").
// * Zero division (precision with nothing predicted, recall with no true sample) gives 0.0,
//   sklearn's zero_division="warn" value (without the warning).
// * r2 and explained_variance use force_finite=True: a constant y_true gives 1.0 for a perfect
//   prediction and 0.0 otherwise.
// * Probability matrices: one row per sample, one column per class, columns in ascending label
//   order (the order of `classes`, = Model::classes()).
//
// Errors: mismatched lengths, empty input, NaN in inputs, a wrong number of probability columns
// or an unknown scorer throw Error(kInvalidArgument) (kNotFound for an unknown scorer) naming the
// metric. Every function is pure and thread-safe.
// Installed (docs/cpp-api.md): matrices are freshet's MatrixView (ml/matrix.hpp), which Eigen's
// column-major matrices convert to implicitly; a program built against an installed freshet scores
// a fitted Estimator (ml/estimator.hpp) with Estimator::score or score(s, estimator.model(), X, y).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/registry.hpp"
#include "ml/matrix.hpp"

namespace freshet {

class Model;  // ml/model.hpp

// ---- classification from labels ----------------------------------------------------------

enum class Average { kBinary, kMicro, kMacro, kWeighted };

struct ConfusionMatrix {
  std::vector<double> labels;        // ascending; row i = true labels[i], column j = predicted
  std::vector<std::int64_t> counts;  // row-major, labels.size() x labels.size()
  std::int64_t at(std::size_t true_index, std::size_t pred_index) const {
    return counts[true_index * labels.size() + pred_index];
  }
};

// sklearn.metrics.confusion_matrix. With `labels` empty: the sorted union of both inputs;
// otherwise exactly those labels in that order (samples whose labels are not listed are ignored).
ConfusionMatrix confusion_matrix(std::span<const double> y_true, std::span<const double> y_pred,
                                 std::span<const double> labels = {});

double accuracy_score(std::span<const double> y_true, std::span<const double> y_pred);
// Mean per-class recall over the classes present in y_true.
double balanced_accuracy_score(std::span<const double> y_true, std::span<const double> y_pred);
double precision_score(std::span<const double> y_true, std::span<const double> y_pred,
                       Average average = Average::kBinary, double pos_label = 1.0);
double recall_score(std::span<const double> y_true, std::span<const double> y_pred,
                    Average average = Average::kBinary, double pos_label = 1.0);
double f1_score(std::span<const double> y_true, std::span<const double> y_pred,
                Average average = Average::kBinary, double pos_label = 1.0);
// Binary and multiclass (R_K statistic); 0.0 when undefined.
double matthews_corrcoef(std::span<const double> y_true, std::span<const double> y_pred);

// ---- classification from scores / probabilities ------------------------------------------

// Binary ROC AUC; y_score = score of the larger label (decision function or probability).
// y_true must hold exactly two labels.
double roc_auc_score(std::span<const double> y_true, std::span<const double> y_score);

enum class MultiClass { kOvr, kOvo };
// Multiclass ROC AUC from probabilities (rows sum to 1 within 1e-5, as sklearn checks);
// `weighted`: by class prevalence (ovr) or pair prevalence (ovo), else macro.
double roc_auc_score_multiclass(std::span<const double> y_true, const MatrixView& proba,
                                std::span<const double> classes, MultiClass mode,
                                bool weighted = false);

// Log loss (sklearn 1.2): probabilities clipped to [eps, 1 - eps], each row divided by its sum,
// mean of -log(p of the true class). y_true labels must be among `classes` (sklearn, without
// its `labels` argument, instead requires every class to occur in y_true).
double log_loss(std::span<const double> y_true, const MatrixView& proba,
                std::span<const double> classes, double eps = 1e-15);
// Binary form: y_prob = probability of the larger label (sklearn's 1-d y_pred).
double log_loss_binary(std::span<const double> y_true, std::span<const double> y_prob,
                       double eps = 1e-15);

// Average precision (area under the step precision-recall curve, sklearn's definition).
double average_precision_score(std::span<const double> y_true, std::span<const double> y_score,
                               double pos_label = 1.0);
// Mean squared difference between y_prob (probability of pos_label) and y_true == pos_label.
// y_prob must lie in [0, 1]. (The neg_brier_score scorer passes the model's larger class as
// pos_label; sklearn 1.2 instead insists on labels {0, 1} or {-1, 1} there.)
double brier_score_loss(std::span<const double> y_true, std::span<const double> y_prob,
                        double pos_label = 1.0);

// ---- regression ----------------------------------------------------------------------------

double mean_squared_error(std::span<const double> y_true, std::span<const double> y_pred);
double root_mean_squared_error(std::span<const double> y_true, std::span<const double> y_pred);
double mean_absolute_error(std::span<const double> y_true, std::span<const double> y_pred);
double median_absolute_error(std::span<const double> y_true, std::span<const double> y_pred);
double max_error(std::span<const double> y_true, std::span<const double> y_pred);
double r2_score(std::span<const double> y_true, std::span<const double> y_pred);
double explained_variance_score(std::span<const double> y_true, std::span<const double> y_pred);
// |y - p| / max(|y|, DBL_EPSILON), averaged (sklearn's definition).
double mean_absolute_percentage_error(std::span<const double> y_true,
                                      std::span<const double> y_pred);
// Requires y_true, y_pred >= 0.
double mean_squared_log_error(std::span<const double> y_true, std::span<const double> y_pred);

// ---- scorers -------------------------------------------------------------------------------

// What a scorer asks the fitted model for (sklearn 1.2's _PredictScorer / _ProbaScorer /
// _ThresholdScorer).
enum class ScorerInput {
  kPredict,    // model.predict
  kProba,      // model.predict_proba (binary targets: the column of the larger class)
  kThreshold,  // decision_function when the model has one, else predict_proba (binary: column
               // of the larger class); regressors: predict
};

struct ScorerInfo {
  std::string name;               // sklearn's scorer name, e.g. "neg_log_loss"
  bool greater_is_better = true;  // false: the reported score is the negated metric
  ScorerInput input = ScorerInput::kPredict;
  bool classification = true;  // needs a classifier (labels) rather than a regressor
  std::string description;     // one line for --help
};

// Every scorer, sorted by name.
const std::vector<ScorerInfo>& all_scorers();
// The scorer, or nullptr.
const ScorerInfo* find_scorer(std::string_view name);
// The same scorers as a registry (listing, and the one "unknown scorer" error).
const Registry<ScorerInfo>& scorer_registry();

// sklearn's scorer(fitted, X, y): the metric on the model's output for X, negated when
// greater_is_better is false (so larger is always better). Throws Error(kNotFound) for an unknown
// scorer (listing the known ones) and Error(kInvalidArgument) when the model cannot provide what
// the scorer needs (a regressor for "roc_auc", a multiclass target for "roc_auc" / "f1").
double score(std::string_view scorer, const Model& fitted, const MatrixView& X,
             std::span<const double> y);

}  // namespace freshet
