// Models: gaussian_nb (sklearn.naive_bayes.GaussianNB 1.2).
//
// fit: per class the mean and the population variance (ddof 0) of every feature, plus
// epsilon = var_smoothing * (largest population variance of a feature over all training rows),
// added to every class variance; priors are the class frequencies.
// predict: argmax over classes (first maximum) of the joint log likelihood
//   log(prior_c) - 0.5 * sum_f log(2 pi var_cf) - 0.5 * sum_f (x_f - mean_cf)^2 / var_cf.
// predict_proba: exp(jll - logsumexp(jll)) with logsumexp shifted by the row maximum (scipy).
#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_params.hpp"

namespace freshet {

namespace {

constexpr const char* kGaussianNb = "gaussian_nb";

class GaussianNb final : public Model {
 public:
  explicit GaussianNb(const ModelParams& params) {
    var_smoothing_ = param_number(params, "var_smoothing", 1e-9, kGaussianNb, kNonNegative);
  }

  std::string name() const override { return kGaussianNb; }
  bool is_classifier() const override { return true; }
  std::vector<double> classes() const override { return classes_; }
  ModelParams params() const override { return {{"var_smoothing", param_text(var_smoothing_)}}; }
  std::unique_ptr<Model> clone() const override {
    return std::make_unique<GaussianNb>(ModelParams{{"var_smoothing", param_text(var_smoothing_)}});
  }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext&) override {
    check_fit_input(kGaussianNb, X, y);
    const Eigen::Index n = X.rows();
    const Eigen::Index d = X.cols();
    EncodedLabels enc = encode_labels(y);
    classes_ = std::move(enc.classes);
    const auto k = static_cast<Eigen::Index>(classes_.size());

    // epsilon from the variance of each feature over all rows (two-pass, as numpy's var).
    double max_var = 0;
    for (Eigen::Index f = 0; f < d; ++f) max_var = std::max(max_var, population_variance(X.col(f)));
    const double epsilon = var_smoothing_ * max_var;

    theta_.setZero(k, d);
    var_.setZero(k, d);
    std::vector<double> count(static_cast<std::size_t>(k), 0.0);
    for (Eigen::Index i = 0; i < n; ++i)
      count[static_cast<std::size_t>(enc.codes[static_cast<std::size_t>(i)])] += 1.0;
    // Rows in order, per class: the mean is the sequential sum divided by the count, then the
    // mean of squared deviations.
    for (Eigen::Index i = 0; i < n; ++i)
      theta_.row(enc.codes[static_cast<std::size_t>(i)]) += X.row(i);
    for (Eigen::Index c = 0; c < k; ++c) theta_.row(c) /= count[static_cast<std::size_t>(c)];
    for (Eigen::Index i = 0; i < n; ++i) {
      const int c = enc.codes[static_cast<std::size_t>(i)];
      var_.row(c) += (X.row(i) - theta_.row(c)).array().square().matrix();
    }
    for (Eigen::Index c = 0; c < k; ++c) var_.row(c) /= count[static_cast<std::size_t>(c)];
    var_.array() += epsilon;

    double total = 0;
    for (double c : count) total += c;
    log_prior_.resize(k);
    log_norm_.resize(k);
    for (Eigen::Index c = 0; c < k; ++c) {
      log_prior_(c) = std::log(count[static_cast<std::size_t>(c)] / total);
      double s = 0;
      for (Eigen::Index f = 0; f < d; ++f) s += std::log(2.0 * std::numbers::pi * var_(c, f));
      log_norm_(c) = -0.5 * s;
    }
    n_features_ = static_cast<std::size_t>(d);
  }

  Vector predict(const MatrixRef& X) const override {
    check_predict_input(kGaussianNb, X, n_features_);
    const Matrix jll = joint_log_likelihood(X);
    Vector out(X.rows());
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      Eigen::Index best = 0;
      for (Eigen::Index c = 1; c < jll.cols(); ++c) {
        if (jll(i, c) > jll(i, best)) best = c;
      }
      out(i) = classes_[static_cast<std::size_t>(best)];
    }
    return out;
  }

  Matrix predict_proba(const MatrixRef& X) const override {
    check_predict_input(kGaussianNb, X, n_features_);
    Matrix jll = joint_log_likelihood(X);
    for (Eigen::Index i = 0; i < jll.rows(); ++i) {
      const double a_max = jll.row(i).maxCoeff();
      double s = 0;
      for (Eigen::Index c = 0; c < jll.cols(); ++c) s += std::exp(jll(i, c) - a_max);
      const double lse = std::log(s) + a_max;
      for (Eigen::Index c = 0; c < jll.cols(); ++c) jll(i, c) = std::exp(jll(i, c) - lse);
    }
    return jll;
  }

 private:
  static double population_variance(const Eigen::Ref<const Vector>& v) {
    double mean = 0;
    for (Eigen::Index i = 0; i < v.size(); ++i) mean += v(i);
    mean /= static_cast<double>(v.size());
    double ss = 0;
    for (Eigen::Index i = 0; i < v.size(); ++i) ss += (v(i) - mean) * (v(i) - mean);
    return ss / static_cast<double>(v.size());
  }

  Matrix joint_log_likelihood(const MatrixRef& X) const {
    const Eigen::Index n = X.rows();
    const Eigen::Index k = theta_.rows();
    const Eigen::Index d = theta_.cols();
    Matrix jll(n, k);
    for (Eigen::Index c = 0; c < k; ++c) {
      for (Eigen::Index i = 0; i < n; ++i) {
        double s = 0;
        for (Eigen::Index f = 0; f < d; ++f) {
          const double diff = X(i, f) - theta_(c, f);
          s += diff * diff / var_(c, f);
        }
        jll(i, c) = log_prior_(c) + (log_norm_(c) - 0.5 * s);
      }
    }
    return jll;
  }

  double var_smoothing_ = 1e-9;
  std::vector<double> classes_;
  Matrix theta_, var_;
  Vector log_prior_, log_norm_;
  std::size_t n_features_ = 0;
};

}  // namespace

void register_bayes_models() {
  register_model(ModelInfo{
      .name = kGaussianNb,
      .description = "sklearn.naive_bayes.GaussianNB: Gaussian naive Bayes",
      .classifier = true,
      .params = {{"var_smoothing", "1e-09",
                  "added to every variance, as a fraction of the largest feature variance"}},
      .make = [](const ModelParams& params) -> std::unique_ptr<Model> {
        return std::make_unique<GaussianNb>(params);
      }});
}

}  // namespace freshet
