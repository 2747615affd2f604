// Models: knn_classifier, knn_regressor (sklearn.neighbors.KNeighbors* 1.2, Euclidean metric).
//
// Neighbour search is exact brute force. Candidate distances come in blocks from one matrix
// product (|y|^2 - 2 x.y, the x-independent |x|^2 dropped) -- in single precision with AVX2/FMA
// when the CPU has them and the values' magnitudes allow, else in double -- which is fast but
// rounded; every training row that could be among the k nearest once rounding is accounted for
// (within a proven error margin of the k-th candidate) is re-scored with the exact sum of squared
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
#include <mutex>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/model_params.hpp"
#include "core/simd.hpp"

namespace freshet {

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Neighbors {
  std::vector<int> index;    // rows x k, training row of each neighbour, nearest first
  std::vector<double> dist;  // rows x k, Euclidean distance
};

// ---- Single-precision candidate products ---------------------------------------------------
//
// The candidate pass only has to be within a proven margin of the exact distances (the exact
// re-scoring decides), so it may round more: floats with FMA do twice the work per instruction
// of doubles. Used when the CPU has AVX2 and FMA (checked at run time; the rest of the program is
// built for the baseline x86-64) and every value's magnitude keeps the float products and sums far
// from overflow and underflow.

constexpr int kPanel = 8;  // training rows per panel (one AVX register of floats)

// Training rows in panels of 8: panel p holds feature f of rows 8p..8p+7 at [(p * d + f) * 8 + r]
// (rows past the end are zero).
std::vector<float> make_panels(const MatrixRef& X) {
  const auto n = static_cast<std::size_t>(X.rows()), d = static_cast<std::size_t>(X.cols());
  const std::size_t panels = (n + kPanel - 1) / kPanel;
  std::vector<float> out(panels * d * kPanel, 0.0f);
  for (std::size_t f = 0; f < d; ++f)
    for (std::size_t j = 0; j < n; ++j)
      out[((j / kPanel) * d + f) * kPanel + j % kPanel] =
          static_cast<float>(X(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(f)));
  return out;
}

// Values whose float products and sums of d of them neither overflow nor lose everything to
// underflow: magnitudes in [1e-12, 1e15] (or exactly zero).
bool float_safe(const MatrixRef& X) {
  const double* p = X.data();
  const Eigen::Index size = X.size();
  if (X.outerStride() != X.rows()) return false;
  for (Eigen::Index i = 0; i < size; ++i) {
    const double a = std::fabs(p[i]);
    if (a != 0.0 && !(a >= 1e-12 && a <= 1e15)) return false;
  }
  return true;
}

#if FRESHET_HAVE_AVX2_KERNELS
// out[q * stride + j] = sum_f query[q * d + f] * row_j[f], for Q queries and every panel.
template <int Q>
__attribute__((target("avx2,fma"))) void panel_dots(const float* query, std::size_t d,
                                                    const float* panels, std::size_t n_panels,
                                                    float* out, std::size_t stride) {
  for (std::size_t p = 0; p < n_panels; ++p) {
    const float* panel = panels + p * d * kPanel;
    __m256 acc[Q];
    for (int q = 0; q < Q; ++q) acc[q] = _mm256_setzero_ps();
    for (std::size_t f = 0; f < d; ++f) {
      const __m256 t = _mm256_loadu_ps(panel + f * kPanel);
      for (int q = 0; q < Q; ++q)
        acc[q] = _mm256_fmadd_ps(_mm256_broadcast_ss(query + q * d + f), t, acc[q]);
    }
    for (int q = 0; q < Q; ++q) _mm256_storeu_ps(out + q * stride + p * kPanel, acc[q]);
  }
}

#endif

// The training rows as the neighbour search reads them; shared by the variants fit_variants
// makes (one copy of the data for all of them).
struct TrainSet {
  Matrix rows;
  Matrix rows_t;  // d x n: column j is training row j, contiguous
  Vector sq;      // squared norm of each training row
  double max_sq = 0;

  // make_panels(rows) when the float pass may be used, else empty; built on the first search
  // (a model that is fitted but never asked, like a search's refit, does not pay for it).
  const std::vector<float>& panels() const {
    std::call_once(panels_once_, [this] {
      if (cpu_has_avx2_fma() && float_safe(rows)) panels_ = make_panels(rows);
    });
    return panels_;
  }

 private:
  mutable std::once_flag panels_once_;
  mutable std::vector<float> panels_;
};

// The last query's neighbours for the largest n_neighbors among variants that share it: the k
// nearest in (exact distance, training row) order are the first k of the k_max nearest, so every
// variant reads a prefix. The query is kept and compared by value, not by address.
struct NeighborCache {
  std::mutex mutex;
  ParallelFor parallel_for;  // the fit_variants caller's loop: searches split query blocks on it
  std::size_t k = 0;
  Matrix query;
  Neighbors neighbors;
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
    check_rows(X.rows());
    train_ = make_train_set(X);
    cache_.reset();
    fit_labels(y);
    n_features_ = static_cast<std::size_t>(X.cols());
  }

  // Variants share one copy of the training rows and, for every query matrix, one neighbour
  // search for the largest n_neighbors among them.
  std::vector<std::unique_ptr<Model>> fit_variants(const MatrixRef& X, std::span<const double> y,
                                                   std::span<const ModelParams> variants,
                                                   const FitContext& context) const override {
    check_fit_input(name_, X, y);
    std::vector<std::unique_ptr<KnnModel>> models;
    for (const auto& variant : variants) {
      models.push_back(
          std::make_unique<KnnModel>(name_, classifier_, variant_params(*this, variant)));
      models.back()->check_rows(X.rows());
    }
    auto train = make_train_set(X);
    auto cache = std::make_shared<NeighborCache>();
    cache->parallel_for = context.parallel_for;
    std::vector<std::unique_ptr<Model>> out;
    for (auto& m : models) {
      cache->k = std::max(cache->k, static_cast<std::size_t>(m->n_neighbors_));
      m->train_ = train;
      m->cache_ = cache;
      m->fit_labels(y);
      m->n_features_ = static_cast<std::size_t>(X.cols());
    }
    for (auto& m : models) out.push_back(std::move(m));
    return out;
  }

 private:
  void check_rows(Eigen::Index rows) const {
    if (static_cast<std::int64_t>(rows) < n_neighbors_) {
      throw Error(Errc::kInvalidArgument,
                  "model '" + name_ + "': n_neighbors=" + std::to_string(n_neighbors_) +
                      " exceeds the " + std::to_string(rows) + " training rows");
    }
  }
  static std::shared_ptr<const TrainSet> make_train_set(const MatrixRef& X) {
    auto t = std::make_shared<TrainSet>();
    t->rows = X;
    t->rows_t = X.transpose();
    t->sq = X.rowwise().squaredNorm();
    t->max_sq = t->sq.size() ? t->sq.maxCoeff() : 0.0;
    return t;
  }
  void fit_labels(std::span<const double> y) {
    if (classifier_) {
      EncodedLabels enc = encode_labels(y);
      classes_ = std::move(enc.classes);
      codes_ = std::move(enc.codes);
    } else {
      target_.assign(y.begin(), y.end());
    }
  }

 public:
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

  // The n_neighbors_ nearest of every query row: a prefix of the shared search when variants
  // share one (the cache holds the last query's k_max nearest), else a search of its own.
  Neighbors kneighbors(const MatrixRef& X) const {
    const std::size_t k = static_cast<std::size_t>(n_neighbors_);
    if (!cache_) return search(X, k);
    std::lock_guard lock(cache_->mutex);
    const bool hit =
        cache_->query.rows() == X.rows() && cache_->query.cols() == X.cols() && cache_->query == X;
    if (!hit) {
      cache_->neighbors = search(X, cache_->k, cache_->parallel_for);
      cache_->query = X;
    }
    if (cache_->k == k) return cache_->neighbors;
    Neighbors out;
    const auto rows = static_cast<std::size_t>(X.rows());
    out.index.resize(rows * k);
    out.dist.resize(rows * k);
    for (std::size_t i = 0; i < rows; ++i) {
      std::copy_n(cache_->neighbors.index.begin() + static_cast<std::ptrdiff_t>(i * cache_->k), k,
                  out.index.begin() + static_cast<std::ptrdiff_t>(i * k));
      std::copy_n(cache_->neighbors.dist.begin() + static_cast<std::ptrdiff_t>(i * cache_->k), k,
                  out.dist.begin() + static_cast<std::ptrdiff_t>(i * k));
    }
    return out;
  }

  // The k nearest training rows of every row of X.
  Neighbors search(const MatrixRef& X, std::size_t k, const ParallelFor& loop = {}) const {
    constexpr Eigen::Index kBlock = 64;
    const TrainSet& train = *train_;
    const Eigen::Index n_train = train.rows.rows();
    const Eigen::Index d = train.rows.cols();
    const auto du = static_cast<std::size_t>(d);
    Neighbors out;
    out.index.resize(static_cast<std::size_t>(X.rows()) * k);
    out.dist.resize(out.index.size());
    const bool single = !train.panels().empty() && float_safe(X);
    // |computed - exact| of |y|^2 - 2 x.y is at most about (d + 2) u (|x|^2 + |y|^2) (dot products
    // with |x.y| <= (|x|^2 + |y|^2) / 2; the float pass adds the rounding of each value to float,
    // and an absolute term for float underflow); candidates within twice a generous multiple of
    // that of the k-th smallest are re-scored exactly.
    const double unit = single ? static_cast<double>(std::numeric_limits<float>::epsilon())
                               : std::numeric_limits<double>::epsilon();
    const double floor = single ? 1e-30 * static_cast<double>(d) : 0.0;
    const std::size_t n_panels = (static_cast<std::size_t>(n_train) + kPanel - 1) / kPanel;
    const std::size_t stride = n_panels * kPanel;
    // Blocks of query rows are independent (each writes only its rows of `out`): on the loop,
    // when one is given, else in order.
    const auto n_blocks = static_cast<std::size_t>((X.rows() + kBlock - 1) / kBlock);
    const auto block = [&](std::size_t index) {
      const Eigen::Index b0 = static_cast<Eigen::Index>(index) * kBlock;
      const Eigen::Index rows = std::min(kBlock, X.rows() - b0);
      RowMatrix scores;
      std::vector<float> query_f, dots_f;
      std::vector<double> smallest(k), query(du), approx(static_cast<std::size_t>(n_train));
      std::vector<std::pair<double, int>> candidates;
      if (single) {
        query_f.resize(static_cast<std::size_t>(rows) * du);
        for (Eigen::Index r = 0; r < rows; ++r)
          for (Eigen::Index f = 0; f < d; ++f)
            query_f[static_cast<std::size_t>(r) * du + static_cast<std::size_t>(f)] =
                static_cast<float>(X(b0 + r, f));
        dots_f.resize(static_cast<std::size_t>(rows) * stride);
        single_dots(query_f.data(), static_cast<std::size_t>(rows), du, dots_f.data(), stride);
      } else {
        scores.noalias() = X.middleRows(b0, rows) * train.rows_t;
      }
      for (Eigen::Index r = 0; r < rows; ++r) {
        const Eigen::Index q = b0 + r;
        // The approximate scores of this query row; the second pass compares these very values.
        if (single) {
          const float* dots = dots_f.data() + static_cast<std::size_t>(r) * stride;
          for (Eigen::Index j = 0; j < n_train; ++j)
            approx[static_cast<std::size_t>(j)] = train.sq(j) - 2.0 * static_cast<double>(dots[j]);
        } else {
          for (Eigen::Index j = 0; j < n_train; ++j)
            approx[static_cast<std::size_t>(j)] = train.sq(j) - 2.0 * scores(r, j);
        }
        // Keep the k smallest in a small sorted array (most scores fail the first comparison).
        std::fill(smallest.begin(), smallest.end(), std::numeric_limits<double>::infinity());
        for (const double v : approx) {
          if (v < smallest[k - 1]) {
            std::size_t pos = k - 1;
            while (pos > 0 && smallest[pos - 1] > v) {
              smallest[pos] = smallest[pos - 1];
              --pos;
            }
            smallest[pos] = v;
          }
        }
        for (Eigen::Index f = 0; f < d; ++f) query[static_cast<std::size_t>(f)] = X(q, f);
        double qn = 0;
        for (double v : query) qn += v * v;
        const double margin = 8.0 * static_cast<double>(d + 4) * unit * (qn + train.max_sq) + floor;
        const double limit = smallest[k - 1] + 2.0 * margin;
        candidates.clear();
        for (Eigen::Index j = 0; j < n_train; ++j) {
          if (approx[static_cast<std::size_t>(j)] <= limit) {
            const double* row = train.rows_t.col(j).data();
            double s = 0;
            for (std::size_t f = 0; f < du; ++f) {
              const double diff = query[f] - row[f];
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
    };
    if (loop && n_blocks > 1) {
      loop(n_blocks, block);
    } else {
      for (std::size_t b = 0; b < n_blocks; ++b) block(b);
    }
    return out;
  }

  // Float dot products of `rows` queries with every training row (AVX2 panels).
  void single_dots(const float* query, std::size_t rows, std::size_t d, float* out,
                   std::size_t stride) const {
#if FRESHET_HAVE_AVX2_KERNELS
    const std::size_t n_panels = stride / kPanel;
    const float* panels = train_->panels().data();
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4)
      panel_dots<4>(query + r * d, d, panels, n_panels, out + r * stride, stride);
    for (; r < rows; ++r)
      panel_dots<1>(query + r * d, d, panels, n_panels, out + r * stride, stride);
#else
    (void)query, (void)rows, (void)d, (void)out, (void)stride;
#endif
  }

  std::string name_;
  bool classifier_ = true;
  std::int64_t n_neighbors_ = 5;
  std::string weights_ = "uniform";

  std::shared_ptr<const TrainSet> train_;
  std::shared_ptr<NeighborCache> cache_;  // set by fit_variants only
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
      },
      .path_params = {"n_neighbors", "weights"}});
  register_model(ModelInfo{
      .name = "knn_regressor",
      .description = "sklearn.neighbors.KNeighborsRegressor: mean target of the k nearest rows "
                     "(Euclidean, exact)",
      .classifier = false,
      .params = knn_params(),
      .make = [](const ModelParams& params) -> std::unique_ptr<Model> {
        return std::make_unique<KnnModel>("knn_regressor", false, params);
      },
      .path_params = {"n_neighbors", "weights"}});
}

}  // namespace freshet
