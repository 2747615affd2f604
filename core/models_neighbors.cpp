// Models: knn_classifier, knn_regressor (sklearn.neighbors.KNeighbors* 1.2, Euclidean metric).
//
// Neighbour search is exact brute force. Candidate distances come in blocks from one matrix
// product (|y|^2 - 2 x.y, the x-independent |x|^2 dropped), which is fast but rounded; every
// training row that could be among the k nearest once rounding is accounted for (within a
// proven error margin of the k-th candidate) is re-scored with the exact sum of squared
// differences, and the k nearest are taken in (exact distance, training row) order. So the
// neighbour set never depends on rounding, and distance ties go to the lower training row —
// sklearn's brute-force order for digits except in one known case (see models_neighbors_test.cpp).
//
// Votes: uniform weights count neighbours; "distance" weights are 1/d, except that a query at
// distance 0 from some training rows gives those rows weight 1 and all others 0 (sklearn's
// _get_weights). A tied vote goes to the smallest label (sklearn's mode / weighted_mode).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/model_params.hpp"

namespace freshet {

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Neighbors {
  std::vector<int> index;    // rows x k, training row of each neighbour, nearest first
  std::vector<double> dist;  // rows x k, Euclidean distance
};

class KnnModel final : public Model {
 public:
  KnnModel(std::string name, bool classifier, const ModelParams& params)
      : name_(std::move(name)), classifier_(classifier) {
    n_neighbors_ = param_int(params, "n_neighbors", 5, name_, 1, 1 << 30);
    weights_ = param_choice(params, "weights", "uniform", {"uniform", "distance"}, name_);
  }

  std::string name() const override { return name_; }
  bool is_classifier() const override { return classifier_; }
  std::vector<double> classes() const override { return classes_; }
  ModelParams params() const override {
    return {{"n_neighbors", param_text(n_neighbors_)}, {"weights", weights_}};
  }
  std::unique_ptr<Model> clone() const override {
    return std::make_unique<KnnModel>(name_, classifier_, params());
  }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext&) override {
    check_fit_input(name_, X, y);
    if (static_cast<std::int64_t>(X.rows()) < n_neighbors_) {
      throw Error(Errc::kInvalidArgument,
                  "model '" + name_ + "': n_neighbors=" + std::to_string(n_neighbors_) +
                      " exceeds the " + std::to_string(X.rows()) + " training rows");
    }
    train_ = X;
    train_t_ = X.transpose();
    train_sq_ = X.rowwise().squaredNorm();
    max_train_sq_ = train_sq_.maxCoeff();
    if (classifier_) {
      EncodedLabels enc = encode_labels(y);
      classes_ = std::move(enc.classes);
      codes_ = std::move(enc.codes);
    } else {
      target_.assign(y.begin(), y.end());
    }
    n_features_ = static_cast<std::size_t>(X.cols());
  }

  Vector predict(const MatrixRef& X) const override {
    check_predict_input(name_, X, n_features_);
    const std::size_t k = static_cast<std::size_t>(n_neighbors_);
    const Neighbors nb = kneighbors(X);
    Vector out(X.rows());
    std::vector<double> w(k);
    if (classifier_) {
      std::vector<double> votes(classes_.size());
      for (Eigen::Index i = 0; i < X.rows(); ++i) {
        class_votes(nb, static_cast<std::size_t>(i), w, votes);
        std::size_t best = 0;
        for (std::size_t c = 1; c < votes.size(); ++c) {
          if (votes[c] > votes[best]) best = c;  // strict: ties keep the smaller label
        }
        out(i) = classes_[best];
      }
      return out;
    }
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      const int* idx = nb.index.data() + static_cast<std::size_t>(i) * k;
      if (weights_ == "uniform") {
        double s = 0;
        for (std::size_t j = 0; j < k; ++j) s += target_[static_cast<std::size_t>(idx[j])];
        out(i) = s / static_cast<double>(k);
      } else {
        neighbor_weights(nb.dist.data() + static_cast<std::size_t>(i) * k, k, w.data());
        double num = 0, den = 0;
        for (std::size_t j = 0; j < k; ++j) {
          num += target_[static_cast<std::size_t>(idx[j])] * w[j];
          den += w[j];
        }
        out(i) = num / den;
      }
    }
    return out;
  }

  Matrix predict_proba(const MatrixRef& X) const override {
    if (!classifier_) return Model::predict_proba(X);
    check_predict_input(name_, X, n_features_);
    const std::size_t k = static_cast<std::size_t>(n_neighbors_);
    const Neighbors nb = kneighbors(X);
    Matrix out(X.rows(), static_cast<Eigen::Index>(classes_.size()));
    std::vector<double> w(k);
    std::vector<double> votes(classes_.size());
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      class_votes(nb, static_cast<std::size_t>(i), w, votes);
      double norm = 0;
      for (double v : votes) norm += v;
      if (norm == 0.0) norm = 1.0;
      for (std::size_t c = 0; c < votes.size(); ++c) {
        out(i, static_cast<Eigen::Index>(c)) = votes[c] / norm;
      }
    }
    return out;
  }

 private:
  // sklearn's _get_weights for "distance".
  static void neighbor_weights(const double* dist, std::size_t k, double* w) {
    bool any_zero = false;
    for (std::size_t j = 0; j < k; ++j) any_zero = any_zero || dist[j] == 0.0;
    for (std::size_t j = 0; j < k; ++j) {
      w[j] = any_zero ? (dist[j] == 0.0 ? 1.0 : 0.0) : 1.0 / dist[j];
    }
  }

  void class_votes(const Neighbors& nb, std::size_t i, std::vector<double>& w,
                   std::vector<double>& votes) const {
    const std::size_t k = static_cast<std::size_t>(n_neighbors_);
    const int* idx = nb.index.data() + i * k;
    std::fill(votes.begin(), votes.end(), 0.0);
    if (weights_ == "uniform") {
      std::fill(w.begin(), w.end(), 1.0);
    } else {
      neighbor_weights(nb.dist.data() + i * k, k, w.data());
    }
    for (std::size_t j = 0; j < k; ++j)
      votes[static_cast<std::size_t>(codes_[static_cast<std::size_t>(idx[j])])] += w[j];
  }

  Neighbors kneighbors(const MatrixRef& X) const {
    constexpr Eigen::Index kBlock = 256;
    const std::size_t k = static_cast<std::size_t>(n_neighbors_);
    const Eigen::Index n_train = train_.rows();
    const Eigen::Index d = train_.cols();
    Neighbors out;
    out.index.resize(static_cast<std::size_t>(X.rows()) * k);
    out.dist.resize(out.index.size());
    // |computed - exact| of |y|^2 - 2 x.y is at most about (d + 2) u (|x|^2 + |y|^2) (dot products
    // with |x.y| <= (|x|^2 + |y|^2) / 2); candidates within twice a generous multiple of that of
    // the k-th smallest are re-scored exactly.
    const double unit = std::numeric_limits<double>::epsilon();
    RowMatrix scores;
    std::vector<double> smallest(k);
    std::vector<std::pair<double, int>> candidates;
    for (Eigen::Index b0 = 0; b0 < X.rows(); b0 += kBlock) {
      const Eigen::Index rows = std::min(kBlock, X.rows() - b0);
      scores.noalias() = X.middleRows(b0, rows) * train_t_;
      for (Eigen::Index r = 0; r < rows; ++r) {
        const Eigen::Index q = b0 + r;
        double* srow = scores.row(r).data();
        // One pass: finish the scores and keep the k smallest in a small sorted array (most
        // scores fail the first comparison).
        std::fill(smallest.begin(), smallest.end(), std::numeric_limits<double>::infinity());
        for (Eigen::Index j = 0; j < n_train; ++j) {
          const double v = train_sq_(j) - 2.0 * srow[j];
          srow[j] = v;
          if (v < smallest[k - 1]) {
            std::size_t pos = k - 1;
            while (pos > 0 && smallest[pos - 1] > v) {
              smallest[pos] = smallest[pos - 1];
              --pos;
            }
            smallest[pos] = v;
          }
        }
        const double kth = smallest[k - 1];
        const double qn = X.row(q).squaredNorm();
        const double margin = 8.0 * static_cast<double>(d + 4) * unit * (qn + max_train_sq_);
        const double limit = kth + 2.0 * margin;
        candidates.clear();
        for (Eigen::Index j = 0; j < n_train; ++j) {
          if (srow[j] <= limit) {
            double s = 0;
            for (Eigen::Index f = 0; f < d; ++f) {
              const double diff = X(q, f) - train_(j, f);
              s += diff * diff;
            }
            candidates.emplace_back(s, static_cast<int>(j));
          }
        }
        std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k),
                          candidates.end());
        for (std::size_t j = 0; j < k; ++j) {
          out.index[static_cast<std::size_t>(q) * k + j] = candidates[j].second;
          out.dist[static_cast<std::size_t>(q) * k + j] = std::sqrt(candidates[j].first);
        }
      }
    }
    return out;
  }

  std::string name_;
  bool classifier_ = true;
  std::int64_t n_neighbors_ = 5;
  std::string weights_ = "uniform";

  Matrix train_;
  Matrix train_t_;  // d x n, for the blocked product
  Vector train_sq_;
  double max_train_sq_ = 0;
  std::vector<double> classes_;
  std::vector<int> codes_;
  std::vector<double> target_;
  std::size_t n_features_ = 0;
};

std::vector<ModelParamInfo> knn_params() {
  return {{"n_neighbors", "5", "number of neighbours"},
          {"weights", "uniform", "uniform (equal votes) or distance (1/distance)"}};
}

}  // namespace

void register_neighbors_models() {
  register_model(ModelInfo{
      .name = "knn_classifier",
      .description = "sklearn.neighbors.KNeighborsClassifier: majority vote of the k nearest "
                     "rows (Euclidean, exact)",
      .classifier = true,
      .params = knn_params(),
      .make = [](const ModelParams& params) -> std::unique_ptr<Model> {
        return std::make_unique<KnnModel>("knn_classifier", true, params);
      }});
  register_model(ModelInfo{
      .name = "knn_regressor",
      .description = "sklearn.neighbors.KNeighborsRegressor: mean target of the k nearest rows "
                     "(Euclidean, exact)",
      .classifier = false,
      .params = knn_params(),
      .make = [](const ModelParams& params) -> std::unique_ptr<Model> {
        return std::make_unique<KnnModel>("knn_regressor", false, params);
      }});
}

}  // namespace freshet
