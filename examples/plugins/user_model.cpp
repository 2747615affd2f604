// A user-defined model in a plug-in: sklearn's NearestCentroid classifier, registered by name as
// "nearest_centroid" when the library is loaded (--plugin / ExecutorOptions::plugins, or
// mproc::detail::load_plugin), then used like any built-in:
//
//   freshet xval --plugin build/plugins/user_model.so --model "standard_scaler>nearest_centroid"
//   auto model = freshet::make_model("nearest_centroid:shrink=none");
//
// The library links nothing of freshet: register_model and the helpers of ml/model_params.hpp
// resolve against the program that loads it (built with ENABLE_EXPORTS).
#include <limits>
#include <memory>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_params.hpp"

namespace {

using freshet::Matrix;
using freshet::MatrixRef;
using freshet::Vector;

// Each class is represented by the mean of its training rows; a row is predicted as the class
// whose centroid is nearest in Euclidean distance (the first class on a tie, as numpy's argmin).
class NearestCentroid final : public freshet::Model {
 public:
  explicit NearestCentroid(const freshet::ModelParams& params) {
    // One parameter, to show validation: sklearn's shrink_threshold=None is all we support.
    freshet::param_choice(params, "shrink", "none", {"none"}, kName);
  }

  static constexpr const char* kName = "nearest_centroid";
  std::string name() const override { return kName; }
  freshet::ModelParams params() const override { return {{"shrink", "none"}}; }
  bool is_classifier() const override { return true; }
  std::vector<double> classes() const override { return classes_; }
  std::unique_ptr<Model> clone() const override {
    return std::make_unique<NearestCentroid>(params());
  }

  void fit(const MatrixRef& X, std::span<const double> y, const freshet::FitContext&) override {
    freshet::check_fit_input(kName, X, y);
    const freshet::EncodedLabels labels = freshet::encode_labels(y);
    const auto k = static_cast<Eigen::Index>(labels.classes.size());
    centroids_ = Matrix::Zero(k, X.cols());
    Vector counts = Vector::Zero(k);
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      const int c = labels.codes[static_cast<std::size_t>(i)];
      centroids_.row(c) += X.row(i);
      counts[c] += 1.0;
    }
    for (Eigen::Index c = 0; c < k; ++c) centroids_.row(c) /= counts[c];
    classes_ = labels.classes;
  }

  Vector predict(const MatrixRef& X) const override {
    freshet::check_predict_input(kName, X, static_cast<std::size_t>(centroids_.cols()));
    Vector out(X.rows());
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      Eigen::Index best = 0;
      double best_d = std::numeric_limits<double>::infinity();
      for (Eigen::Index c = 0; c < centroids_.rows(); ++c) {
        const double d = (X.row(i) - centroids_.row(c)).squaredNorm();
        if (d < best_d) best_d = d, best = c;
      }
      out[i] = classes_[static_cast<std::size_t>(best)];
    }
    return out;
  }

 private:
  Matrix centroids_;
  std::vector<double> classes_;
};

// Runs when the library is loaded.
const bool registered = [] {
  freshet::register_model(
      {.name = "nearest_centroid",
       .description = "sklearn.neighbors.NearestCentroid (plug-in example): the class with the "
                      "nearest mean",
       .classifier = true,
       .params = {{"shrink", "none", "shrink_threshold; only none is supported"}},
       .make = [](const freshet::ModelParams& p) { return std::make_unique<NearestCentroid>(p); }});
  return true;
}();

}  // namespace
