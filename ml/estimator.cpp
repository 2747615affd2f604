// Estimator: freshet's matrices mapped onto the in-tree Model (see ml/estimator.hpp). Inputs are
// viewed through Eigen::Map (no copy); outputs are copied once into freshet's types.
#include "ml/estimator.hpp"

#include "core/error.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"

namespace freshet {

Estimator::Estimator(const PipelineSpec& spec) : model_(spec.make()) {}

Estimator::Estimator(std::unique_ptr<Model> model) : model_(std::move(model)) {
  if (!model_) throw Error(Errc::kInvalidArgument, "Estimator: no model");
}

Estimator::~Estimator() = default;
Estimator::Estimator(Estimator&&) noexcept = default;
Estimator& Estimator::operator=(Estimator&&) noexcept = default;

std::string Estimator::name() const { return model_->name(); }
ModelParams Estimator::params() const { return model_->params(); }
bool Estimator::is_classifier() const { return model_->is_classifier(); }

void Estimator::fit(const MatrixView& X, std::span<const double> y,
                    const ParallelFor& parallel_for) {
  model_->fit(as_eigen(X), y, FitContext{.parallel_for = parallel_for});
}

std::vector<double> Estimator::predict(const MatrixView& X) const {
  const Vector p = model_->predict(as_eigen(X));
  return {p.data(), p.data() + p.size()};
}

DenseMatrix Estimator::predict_proba(const MatrixView& X) const {
  return to_dense(model_->predict_proba(as_eigen(X)));
}

DenseMatrix Estimator::decision_function(const MatrixView& X) const {
  return to_dense(model_->decision_function(as_eigen(X)));
}

bool Estimator::has_decision_function() const { return model_->has_decision_function(); }

std::vector<double> Estimator::classes() const { return model_->classes(); }

bool Estimator::linear_coefficients(DenseMatrix& coef, std::vector<double>& intercept) const {
  const auto lc = model_->linear_coefficients();
  if (!lc) return false;
  coef = to_dense(lc->coef);
  intercept.assign(lc->intercept.data(), lc->intercept.data() + lc->intercept.size());
  return true;
}

double Estimator::score(std::string_view scorer, const MatrixView& X,
                        std::span<const double> y) const {
  return freshet::score(scorer, *model_, X, y);
}

Estimator Estimator::clone() const { return Estimator(model_->clone()); }

}  // namespace freshet
