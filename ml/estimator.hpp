#pragma once
// Estimator: one scikit-learn-style model (or a pipeline of preprocessing steps and a model)
// behind freshet's own types, for programs built against an installed freshet (docs/cpp-api.md).
// It owns an in-tree Model (ml/model.hpp, which shows Eigen and is not installed) and maps
// freshet's matrices onto it without copying the input.
//
//   Estimator model("standard_scaler>logistic_regression:C=0.5");
//   model.fit(X, y);                                   // X: a DenseMatrix or a MatrixView
//   std::vector<double> labels = model.predict(X_new);
//   DenseMatrix proba = model.predict_proba(X_new);    // columns follow model.classes()
//   double acc = model.score("accuracy", X_test, y_test);
//
// Specs, parameter names and defaults are scikit-learn's, as `freshet models` lists them; a spec
// is what the CLI's --model takes (ml/pipeline_spec.hpp). Results are the in-tree Model's, bit for
// bit: the same spec, data and seed give the same bytes as `freshet xval`/`search` compute.
//
// Errors: an unknown model or transformer is Error(kNotFound) listing the known ones; a bad
// parameter, a shape mismatch, NaN input or predicting before fit is Error(kInvalidArgument)
// naming the model. Thread-safety: a fitted Estimator's const members may run concurrently;
// fit() needs exclusive access. Ownership: an Estimator owns its model (movable, not copyable;
// clone() gives an unfitted copy); a moved-from Estimator may only be destroyed or assigned to.

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/parallel.hpp"
#include "ml/matrix.hpp"
#include "ml/model_spec.hpp"
#include "ml/pipeline_spec.hpp"

namespace freshet {

class Model;  // ml/model.hpp

class Estimator {
 public:
  // Builds the unfitted model: "ridge", "ridge:alpha=0.5", "standard_scaler>ridge:alpha=2".
  explicit Estimator(const PipelineSpec& spec);
  explicit Estimator(std::string_view spec) : Estimator(PipelineSpec(spec)) {}
  explicit Estimator(const std::string& spec) : Estimator(PipelineSpec(spec)) {}
  explicit Estimator(const char* spec) : Estimator(PipelineSpec(spec)) {}
  // Wraps a model built in-tree (ml/model.hpp). Throws Error(kInvalidArgument) if null.
  explicit Estimator(std::unique_ptr<Model> model);
  ~Estimator();
  Estimator(Estimator&&) noexcept;
  Estimator& operator=(Estimator&&) noexcept;
  Estimator(const Estimator&) = delete;
  Estimator& operator=(const Estimator&) = delete;

  // The registered name ("ridge", "standard_scaler>logistic_regression" for a pipeline).
  std::string name() const;
  // Every parameter with its current value, defaults filled in (a pipeline's as
  // "<step>__<param>", sklearn's nested names).
  ModelParams params() const;
  bool is_classifier() const;

  // Fits on X's rows (one per sample) and y (one value per row; class labels as numbers for a
  // classifier). `parallel_for` may spread the fit (forests' trees, boosting's histograms) over a
  // caller's loop, e.g. mproc::Executor::parallel_for; empty: serial. The fitted model is the same
  // whatever loop runs it.
  void fit(const MatrixView& X, std::span<const double> y, const ParallelFor& parallel_for = {});
  // One value per row: predicted values (regressors) or labels (classifiers).
  std::vector<double> predict(const MatrixView& X) const;
  // Classifiers: rows x classes().size() probabilities. Regressors throw.
  DenseMatrix predict_proba(const MatrixView& X) const;
  // Classifiers with a decision function (has_decision_function()); binary: one column.
  DenseMatrix decision_function(const MatrixView& X) const;
  bool has_decision_function() const;
  // Distinct training labels, ascending (classifiers; empty before fit and for regressors).
  std::vector<double> classes() const;
  // Fitted linear models' coefficients: one row per output, one column per feature (in the
  // transformed space for a pipeline), and one intercept per row; false for other models.
  bool linear_coefficients(DenseMatrix& coef, std::vector<double>& intercept) const;
  // sklearn's scorer(estimator, X, y) for a scorer name of ml/metrics.hpp ("r2", "accuracy",
  // "neg_log_loss", ...): larger is better.
  double score(std::string_view scorer, const MatrixView& X, std::span<const double> y) const;

  // An unfitted estimator with the same parameters.
  Estimator clone() const;
  // The in-tree model (complete type in ml/model.hpp); also what score() in ml/metrics.hpp takes.
  const Model& model() const { return *model_; }
  Model& model() { return *model_; }

 private:
  std::unique_ptr<Model> model_;
};

}  // namespace freshet
