#pragma once
// The model contract: fit, predict, predict_proba, clone, with scikit-learn's parameter names and
// defaults. Built-in models and plug-in models register here by name (habit 12); the CLI names a
// model as "ridge:alpha=0.5,fit_intercept=true" (parse_model_spec).
//
// Data layout: X is a dense row-major-agnostic Eigen matrix, one row per sample, one column per
// feature; y is one double per sample. For classifiers y holds class labels as numbers (string
// labels are encoded by the caller, see LabelEncoder); classes() are the distinct labels in
// ascending order, and predict_proba's columns follow that order (sklearn's classes_).
//
// Determinism: a model with a random_state gives the same fitted model for the same data, seed
// and parameters whatever FitContext::parallel_for runs on (random streams are per tree / per
// item, derived from the seed and the item index, never from the worker).
// Thread-safety: a fitted model's const methods may be called concurrently.
//
// Implementing a model: ml/model_params.hpp has the shared helpers (param_number/param_int/
// param_bool/param_choice with one-line errors, check_fit_input, check_predict_input,
// encode_labels). make_model rejects parameter names not listed in ModelInfo::params before the
// factory runs. Registry functions are thread-safe; register_model throws Error(kInvalidArgument)
// on an empty or duplicate name.

#include <Eigen/Dense>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/parallel.hpp"
#include "core/registry.hpp"
#include "ml/matrix.hpp"
#include "ml/model_spec.hpp"

namespace freshet {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;
using MatrixRef = Eigen::Ref<const Eigen::MatrixXd>;
using MatrixMap = Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>>;

// freshet's own matrices (ml/matrix.hpp, what the installed headers show) as Eigen, no copy.
inline MatrixMap as_eigen(const MatrixView& v) {
  return MatrixMap(v.data(), static_cast<Eigen::Index>(v.rows()),
                   static_cast<Eigen::Index>(v.cols()),
                   Eigen::OuterStride<>(static_cast<Eigen::Index>(v.outer_stride())));
}
inline Eigen::Map<const Eigen::MatrixXd> as_eigen(const DenseMatrix& m) {
  return {m.data(), static_cast<Eigen::Index>(m.rows()), static_cast<Eigen::Index>(m.cols())};
}
inline Eigen::Map<Eigen::MatrixXd> as_eigen(DenseMatrix& m) {
  return {m.data(), static_cast<Eigen::Index>(m.rows()), static_cast<Eigen::Index>(m.cols())};
}
// A copy of an Eigen matrix as a DenseMatrix (same column-major bytes).
inline DenseMatrix to_dense(const MatrixRef& m) { return DenseMatrix(MatrixView(m)); }

// ModelParams, ModelSpec and parse_model_spec: ml/model_spec.hpp.

// How fit() may parallelise inside one fit (trees of a forest): ParallelFor (core/parallel.hpp),
// the executor's loop passed in by the caller (core may not depend on mproc).

struct FitContext {
  ParallelFor parallel_for = {};  // empty: serial
};

class Model {
 public:
  virtual ~Model() = default;

  // Registered name, e.g. "ridge".
  virtual std::string name() const = 0;
  // All parameters with their current values (defaults filled in), as text.
  virtual ModelParams params() const = 0;
  virtual bool is_classifier() const = 0;

  // Fits on rows of X. Throws Error(kInvalidArgument) on shape mismatches or NaN input (with
  // the model's name), never on numerical trouble that sklearn tolerates.
  virtual void fit(const MatrixRef& X, std::span<const double> y,
                   const FitContext& context = {}) = 0;
  // Predicted values (regressors) or labels (classifiers), one per row.
  virtual Vector predict(const MatrixRef& X) const = 0;
  // Classifiers: probabilities, rows x classes().size(). Regressors throw Error(kInvalidArgument).
  virtual Matrix predict_proba(const MatrixRef& X) const;
  // Classifiers with a decision function (logistic regression): for binary problems one column
  // (score of classes()[1]); sklearn's roc_auc uses it. Default: throws Error(kInvalidArgument).
  virtual Matrix decision_function(const MatrixRef& X) const;
  virtual bool has_decision_function() const { return false; }
  // Distinct training labels, ascending (classifiers only).
  virtual std::vector<double> classes() const { return {}; }

  // Fitted linear models (linear_regression, ridge, lasso, elastic_net, logistic_regression):
  // coef has one row per output (1 for regressors and binary classifiers, where it scores
  // classes()[1]; one per class for multinomial), one column per feature; intercept has one
  // entry per row. Other models, and unfitted ones, return std::nullopt.
  struct LinearCoefficients {
    Matrix coef;
    Vector intercept;
  };
  virtual std::optional<LinearCoefficients> linear_coefficients() const { return std::nullopt; }

  // A new, unfitted model with the same parameters.
  virtual std::unique_ptr<Model> clone() const = 0;

  // Fits one model per entry of `variants` on the same rows, in order; entry i overrides
  // parameters of this model (of the final model for a Pipeline). Each returned model predicts
  // the same bytes as a model made with those parameters and fitted on (X, y) would; a model
  // whose ModelInfo lists path_params may share work between variants that differ only in them
  // (sklearn's "path" idea, as RidgeCV): kNN searches neighbours once per query matrix for the
  // largest n_neighbors, a Pipeline transforms the training rows once. One exception to "the
  // same bytes": logistic_regression warm-starts each C from the next smaller one's solution, so
  // its coefficients equal a cold fit's to the solver's tolerance (~1e-8 relative), not bit for
  // bit. This model itself is left unfitted. The returned models may run
  // context.parallel_for in their predictions (kNN's shared search splits query blocks on it):
  // keep it callable while they are used. Throws what make_model and fit throw.
  virtual std::vector<std::unique_ptr<Model>> fit_variants(const MatrixRef& X,
                                                           std::span<const double> y,
                                                           std::span<const ModelParams> variants,
                                                           const FitContext& context = {}) const;
};

struct ModelParamInfo {
  std::string name = {};
  std::string default_value = {};
  std::string description = {};
};

struct ModelInfo {
  std::string name = {};         // "ridge"
  std::string description = {};  // "sklearn.linear_model.Ridge: L2-penalised least squares"
  bool classifier = false;
  std::vector<ModelParamInfo> params = {};
  std::function<std::unique_ptr<Model>(const ModelParams& params)> make = {};
  // Parameters that Model::fit_variants can vary while sharing one fit's work (kNN's
  // n_neighbors). Cross-validation fits candidates that differ only in these as one task.
  std::vector<std::string> path_params = {};
};

// The model registry. Built-ins are registered on first use; plug-ins call register_model from
// their static initialisers (loaded with mproc's init / --plugin).
// register_model throws Error(kInvalidArgument) for an empty or duplicate name or no factory.
void register_model(ModelInfo info);
const ModelInfo* find_model(std::string_view name);
std::vector<const ModelInfo*> all_models();  // sorted by name
const Registry<ModelInfo>& model_registry();

// Built-in registration, one function per source file (called once by the registry in
// ml/model.cpp).
void register_linear_models();     // ml/models_linear.cpp: linear, ridge, lasso, elastic_net,
                                   // logistic
void register_bayes_models();      // ml/models_bayes.cpp: gaussian_nb
void register_neighbors_models();  // ml/models_neighbors.cpp: knn_classifier, knn_regressor
void register_tree_models();       // ml/models_tree.cpp: decision trees, random forests,
                                   // extra trees
void register_svm_models();        // ml/models_svm.cpp: linear_svc, linear_svr, svc, svr
void register_hgb_models();        // ml/models_hgb.cpp: hist_gradient_boosting_*

// Builds a model from a spec; Error(kNotFound) names an unknown model and lists the known ones.
// A spec with preprocessing steps chained by '>' ("standard_scaler>logistic_regression:C=0.5")
// builds a Pipeline (ml/preprocess.hpp), itself a Model: steps are fitted on the training rows
// only, inside each fit().
std::unique_ptr<Model> make_model(std::string_view spec);
std::unique_ptr<Model> make_model(const ModelSpec& spec);

}  // namespace freshet
