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
// The float pass scores 6 queries at a time against panels of 8 training rows, keeps per-lane
// minima on the way (an upper bound of each query's k-th smallest score), and then rejects most
// rows with one SIMD compare per 8; the exact re-scoring takes 8 candidates at a time with the
// bits of the plain loop. Only the candidate set depends on these choices, never the result.
//
// Votes: uniform weights count neighbours; "distance" weights are 1/d, except that a query at
// distance 0 from some training rows gives those rows weight 1 and all others 0 (sklearn's
// _get_weights). A tied vote goes to the smallest label (sklearn's mode / weighted_mode).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_params.hpp"
#include "ml/simd.hpp"

namespace freshet {

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Neighbors {
  std::vector<int> index;    // rows x k, training row of each neighbour, nearest first
  std::vector<double> dist;  // rows x k, Euclidean distance
};

// ---- Single-precision candidate scan ------------------------------------------------------
//
// The candidate pass only has to be within a proven margin of the exact distances (the exact
// re-scoring decides), so it may round more: floats with FMA do twice the work per instruction
// of doubles. Used when the CPU has AVX2 and FMA (checked at run time; the rest of the program is
// built for the baseline x86-64) and every value's magnitude keeps the float products and sums far
// from overflow and underflow.

constexpr int kPanel = 8;  // training rows per panel (one AVX register of floats)

// Training rows in panels of 8, for the float scan; the scan reads two panels per step, so there
// is an even number of them.
struct Panels {
  std::vector<float> rows;  // panel p: feature f of rows 8p..8p+7 at [(p * d + f) * 8 + r]
  std::vector<float> sq;    // squared norm of each row rounded to float; +inf for padding rows
  std::size_t count = 0;    // panels (rows past the last training row are zero padding)
};

// One contiguous pass over the training rows (columns of rows_t).
Panels make_panels(const Matrix& rows_t, const Vector& sq) {
  const auto d = static_cast<std::size_t>(rows_t.rows()),
             n = static_cast<std::size_t>(rows_t.cols());
  Panels out;
  out.count = (n + 2 * kPanel - 1) / (2 * kPanel) * 2;
  out.rows.assign(out.count * d * kPanel, 0.0f);
  out.sq.assign(out.count * kPanel, std::numeric_limits<float>::infinity());
  for (std::size_t j = 0; j < n; ++j) {
    const double* src = rows_t.col(static_cast<Eigen::Index>(j)).data();
    float* dst = out.rows.data() + (j / kPanel) * d * kPanel + j % kPanel;
    for (std::size_t f = 0; f < d; ++f) dst[f * kPanel] = static_cast<float>(src[f]);
    out.sq[j] = static_cast<float>(sq(static_cast<Eigen::Index>(j)));
  }
  return out;
}

// Values whose float products and sums of d of them neither overflow nor lose everything to
// underflow: magnitudes in [1e-12, 1e15] (or exactly zero).
bool float_safe(const MatrixRef& X) {
  const double* p = X.data();
  const Eigen::Index size = X.size();
  if (X.outerStride() != X.rows()) return false;
  Eigen::Index i = 0;
#if defined(__x86_64__)
  // SSE2 (baseline x86-64), branch-free within chunks: zeros and non-zeros alternate
  // unpredictably in data like digits. Ordered compares: a NaN fails both tests.
  const __m128d abs_mask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
  const __m128d zero = _mm_setzero_pd(), lo = _mm_set1_pd(1e-12), hi = _mm_set1_pd(1e15);
  constexpr Eigen::Index kChunk = 1024;
  while (i + 2 <= size) {
    const Eigen::Index end = std::min(size, i + kChunk) & ~Eigen::Index{1};
    __m128d ok = _mm_castsi128_pd(_mm_set1_epi64x(-1));
    for (; i < end; i += 2) {
      const __m128d a = _mm_and_pd(_mm_loadu_pd(p + i), abs_mask);
      const __m128d in = _mm_and_pd(_mm_cmpge_pd(a, lo), _mm_cmple_pd(a, hi));
      ok = _mm_and_pd(ok, _mm_or_pd(_mm_cmpeq_pd(a, zero), in));
    }
    if (_mm_movemask_pd(ok) != 3) return false;
  }
#endif
  for (; i < size; ++i) {
    const double a = std::fabs(p[i]);
    if (a != 0.0 && !(a >= 1e-12 && a <= 1e15)) return false;
  }
  return true;
}

// The smallest float >= x (x may exceed the float range: +inf).
float float_at_least(double x) {
  float f = static_cast<float>(x);
  if (static_cast<double>(f) < x) f = std::nextafter(f, std::numeric_limits<float>::infinity());
  return f;
}

// A training row that may be among a query's k nearest, with its float score.
struct Candidate {
  float score;
  int row;
};

#if FRESHET_HAVE_AVX2_KERNELS
// out[q * stride + j] = |y_j|^2 - 2 x_q.y_j for Q queries (query[q * d + f] holds -2 x_qf in
// float) and every training row (padding rows: +inf), as one FMA chain per row and query starting
// from the row's float |y_j|^2; two panels per step, so 2 Q independent chains keep the FMA units
// busy. Also lowers minima[q * groups * 16 + g * 16 + l] to the smallest score in lane l (of the
// step's 16 rows) over the steps of run g (`groups` contiguous runs of steps): scores of distinct
// rows (+inf where a lane saw only padding). The caller fills minima with +inf.
template <int Q>
__attribute__((target("avx2,fma"))) void panel_scores(const float* query, std::size_t d,
                                                      const Panels& panels, float* out,
                                                      std::size_t stride, float* minima,
                                                      std::size_t groups) {
  const float* rows = panels.rows.data();
  const float* sq = panels.sq.data();
  const std::size_t steps = panels.count / 2;
  for (std::size_t step = 0; step < steps; ++step) {
    const std::size_t p = 2 * step;
    const float* a = rows + p * d * kPanel;
    const float* b = a + d * kPanel;
    __m256 acc_a[Q], acc_b[Q];
    {
      const __m256 sa = _mm256_loadu_ps(sq + p * kPanel);
      const __m256 sb = _mm256_loadu_ps(sq + (p + 1) * kPanel);
      for (int q = 0; q < Q; ++q) {
        acc_a[q] = sa;
        acc_b[q] = sb;
      }
    }
    for (std::size_t f = 0; f < d; ++f) {
      const __m256 ta = _mm256_loadu_ps(a + f * kPanel);
      const __m256 tb = _mm256_loadu_ps(b + f * kPanel);
      for (int q = 0; q < Q; ++q) {
        const __m256 x = _mm256_broadcast_ss(query + static_cast<std::size_t>(q) * d + f);
        acc_a[q] = _mm256_fmadd_ps(x, ta, acc_a[q]);
        acc_b[q] = _mm256_fmadd_ps(x, tb, acc_b[q]);
      }
    }
    const std::size_t g = step * groups / steps;
    for (int q = 0; q < Q; ++q) {
      float* o = out + static_cast<std::size_t>(q) * stride + p * kPanel;
      _mm256_storeu_ps(o, acc_a[q]);
      _mm256_storeu_ps(o + kPanel, acc_b[q]);
      float* m = minima + (static_cast<std::size_t>(q) * groups + g) * 2 * kPanel;
      _mm256_storeu_ps(m, _mm256_min_ps(_mm256_loadu_ps(m), acc_a[q]));
      _mm256_storeu_ps(m + kPanel, _mm256_min_ps(_mm256_loadu_ps(m + kPanel), acc_b[q]));
    }
  }
}

constexpr int kScanQueries = 6;  // queries per panel_scores pass (12 accumulators + 3 registers)

// panel_scores for any count of queries from 1 to kScanQueries.
void scan_queries(int count, const float* query, std::size_t d, const Panels& panels, float* out,
                  std::size_t stride, float* minima, std::size_t groups) {
  using Scan =
      void (*)(const float*, std::size_t, const Panels&, float*, std::size_t, float*, std::size_t);
  static constexpr Scan kScan[kScanQueries] = {&panel_scores<1>, &panel_scores<2>,
                                               &panel_scores<3>, &panel_scores<4>,
                                               &panel_scores<5>, &panel_scores<6>};
  kScan[std::clamp(count, 1, kScanQueries) - 1](query, d, panels, out, stride, minima, groups);
}

// Appends every training row (row < n_rows) whose score is <= limit, in row order: one compare
// per 8 rows and one branch per 32, which almost always finds nothing.
__attribute__((target("avx2,fma"))) void keep_at_most(const float* scores, std::size_t n_panels,
                                                      std::size_t n_rows, float limit,
                                                      std::vector<Candidate>& kept) {
  const __m256 lim = _mm256_set1_ps(limit);
  unsigned masks[4];
  for (std::size_t p0 = 0; p0 < n_panels; p0 += 4) {
    const std::size_t m = std::min<std::size_t>(4, n_panels - p0);
    unsigned any = 0;
    for (std::size_t i = 0; i < m; ++i) {
      const __m256 v = _mm256_loadu_ps(scores + (p0 + i) * kPanel);
      masks[i] = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v, lim, _CMP_LE_OQ)));
      any |= masks[i];
    }
    if (any == 0) continue;
    for (std::size_t i = 0; i < m; ++i) {
      for (unsigned mask = masks[i]; mask != 0; mask &= mask - 1) {
        const std::size_t row = (p0 + i) * kPanel + static_cast<std::size_t>(__builtin_ctz(mask));
        if (row < n_rows) kept.push_back({scores[row], static_cast<int>(row)});
      }
    }
  }
}

// The k-th smallest (1 <= k <= m) of a[0..m), m a multiple of 8 and no NaN: the a[i] with fewer
// than k values below it and at least k at or below it, found by counting (no data-dependent
// branches but the exit; cheaper than sorting the tens of lane minima of one query).
__attribute__((target("avx2,fma"))) float kth_smallest_counting(const float* a, std::size_t m,
                                                                std::size_t k) {
  for (std::size_t i = 0; i < m; ++i) {
    const __m256 v = _mm256_set1_ps(a[i]);
    std::size_t below = 0, at_most = 0;
    for (std::size_t c = 0; c < m; c += kPanel) {
      const __m256 x = _mm256_loadu_ps(a + c);
      below += static_cast<std::size_t>(__builtin_popcount(
          static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(x, v, _CMP_LT_OQ)))));
      at_most += static_cast<std::size_t>(__builtin_popcount(
          static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(x, v, _CMP_LE_OQ)))));
    }
    if (below < k && at_most >= k) return a[i];
  }
  return std::numeric_limits<float>::infinity();  // not reached: some a[i] is the k-th smallest
}

// s[c] = sum_f (query[f] - rows[c][f])^2 for 8 rows, each summed in feature order with separate
// multiplies and adds -- the bits of the scalar loop in KnnModel::search (no FMA in this target,
// so none can be contracted) -- 4 rows per register, 2 registers in flight.
__attribute__((target("avx2"))) void exact_squares8(const double* query, std::size_t d,
                                                    const double* const* rows, double* s) {
  __m256d acc[2] = {_mm256_setzero_pd(), _mm256_setzero_pd()};
  std::size_t f = 0;
  for (; f + 4 <= d; f += 4) {
    const __m256d q0 = _mm256_set1_pd(query[f]), q1 = _mm256_set1_pd(query[f + 1]);
    const __m256d q2 = _mm256_set1_pd(query[f + 2]), q3 = _mm256_set1_pd(query[f + 3]);
    for (int h = 0; h < 2; ++h) {
      const double* const* r = rows + 4 * h;
      const __m256d r0 = _mm256_loadu_pd(r[0] + f), r1 = _mm256_loadu_pd(r[1] + f);
      const __m256d r2 = _mm256_loadu_pd(r[2] + f), r3 = _mm256_loadu_pd(r[3] + f);
      // 4 x 4 transpose: c_i holds feature f + i of the 4 rows.
      const __m256d u0 = _mm256_unpacklo_pd(r0, r1), u1 = _mm256_unpackhi_pd(r0, r1);
      const __m256d u2 = _mm256_unpacklo_pd(r2, r3), u3 = _mm256_unpackhi_pd(r2, r3);
      const __m256d c0 = _mm256_permute2f128_pd(u0, u2, 0x20);
      const __m256d c1 = _mm256_permute2f128_pd(u1, u3, 0x20);
      const __m256d c2 = _mm256_permute2f128_pd(u0, u2, 0x31);
      const __m256d c3 = _mm256_permute2f128_pd(u1, u3, 0x31);
      __m256d t = _mm256_sub_pd(q0, c0);
      acc[h] = _mm256_add_pd(acc[h], _mm256_mul_pd(t, t));
      t = _mm256_sub_pd(q1, c1);
      acc[h] = _mm256_add_pd(acc[h], _mm256_mul_pd(t, t));
      t = _mm256_sub_pd(q2, c2);
      acc[h] = _mm256_add_pd(acc[h], _mm256_mul_pd(t, t));
      t = _mm256_sub_pd(q3, c3);
      acc[h] = _mm256_add_pd(acc[h], _mm256_mul_pd(t, t));
    }
  }
  for (; f < d; ++f) {
    const __m256d q0 = _mm256_set1_pd(query[f]);
    for (int h = 0; h < 2; ++h) {
      const double* const* r = rows + 4 * h;
      const __m256d t = _mm256_sub_pd(q0, _mm256_set_pd(r[3][f], r[2][f], r[1][f], r[0][f]));
      acc[h] = _mm256_add_pd(acc[h], _mm256_mul_pd(t, t));
    }
  }
  _mm256_storeu_pd(s, acc[0]);
  _mm256_storeu_pd(s + 4, acc[1]);
}
#endif

// The k-th smallest (k >= 1) of a[0..m), m >= k, reordering a: the first k sorted by insertion,
// then each later value that beats the current k-th inserted (few do). For the short arrays of
// one query (tens of values), far cheaper than sorting them or std::nth_element.
float kth_smallest(float* a, std::size_t m, std::size_t k) {
  for (std::size_t i = 1; i < k; ++i) {
    const float v = a[i];
    std::size_t j = i;
    for (; j > 0 && v < a[j - 1]; --j) a[j] = a[j - 1];
    a[j] = v;
  }
  for (std::size_t i = k; i < m; ++i) {
    const float v = a[i];
    if (!(v < a[k - 1])) continue;
    std::size_t j = k - 1;
    for (; j > 0 && v < a[j - 1]; --j) a[j] = a[j - 1];
    a[j] = v;
  }
  return a[k - 1];
}

// Insertion sort, for the short arrays of one query (its candidates: about k of them).
template <class T, class Less>
void insertion_sort(T* first, T* last, const Less& less) {
  for (T* i = first + 1; i < last; ++i) {
    T v = *i;
    T* j = i;
    for (; j > first && less(v, *(j - 1)); --j) *j = *(j - 1);
    *j = v;
  }
}

// The training rows as the neighbour search reads them; shared by the variants fit_variants
// makes (one copy of the data for all of them).
struct TrainSet {
  Matrix rows_t;  // d x n: column j is training row j, contiguous
  Vector sq;      // squared norm of each training row
  double max_sq = 0;

  // The float panels when the float scan may be used (else none: count 0); built on the first
  // search (a model that is fitted but never asked, like a search's refit, does not pay for it).
  const Panels& panels() const {
    std::call_once(panels_once_, [this] {
      if (cpu_has_avx2_fma() && float_safe(rows_t)) panels_ = make_panels(rows_t, sq);
    });
    return panels_;
  }

 private:
  mutable std::once_flag panels_once_;
  mutable Panels panels_;
};

// A query matrix's k_max nearest per row (the search's result), read by variants with k <= k_max
// as a prefix of each row: no copy.
struct NeighborsView {
  std::shared_ptr<const Neighbors> all;
  std::size_t stride = 0;  // neighbours stored per row
  const int* index(std::size_t row) const { return all->index.data() + row * stride; }
  const double* dist(std::size_t row) const { return all->dist.data() + row * stride; }
};

// The last query's neighbours for the largest n_neighbors among variants that share it: the k
// nearest in (exact distance, training row) order are the first k of the k_max nearest, so every
// variant reads a prefix. The query is kept and compared by value, not by address.
struct NeighborCache {
  std::mutex mutex;
  ParallelFor parallel_for;  // the fit_variants caller's loop: searches split query blocks on it
  std::size_t k = 0;
  Matrix query;
  std::shared_ptr<const Neighbors> neighbors;
  // For uniform-weight classifiers (all variants share the labels): per query row, the vote
  // winner among the first k' neighbours for every k' <= k, rows x k; made on first use.
  std::shared_ptr<const std::vector<int>> winners;
};

class KnnModel final : public Model {
 public:
  KnnModel(std::string name, bool classifier, const ModelParams& params)
      : name_(std::move(name)), classifier_(classifier) {
    n_neighbors_ = param_int(params, "n_neighbors", 5, name_, 1, 1 << 30);
    weights_ = param_choice(params, "weights", "uniform", {"uniform", "distance"}, name_);
    uniform_ = weights_ == "uniform";
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
    if (classifier_) {
      set_labels(encode_labels(y));
    } else {
      target_.assign(y.begin(), y.end());
    }
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
    EncodedLabels labels;
    if (classifier_) labels = encode_labels(y);  // once for all variants
    std::vector<std::unique_ptr<Model>> out;
    for (auto& m : models) {
      cache->k = std::max(cache->k, static_cast<std::size_t>(m->n_neighbors_));
      m->train_ = train;
      m->cache_ = cache;
      if (classifier_) {
        m->set_labels(labels);
      } else {
        m->target_.assign(y.begin(), y.end());
      }
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
    // Transposed 8 rows at a time: each read of X (column-major) is 8 consecutive values of one
    // column, each write a run of the 8 destination columns.
    const Eigen::Index n = X.rows(), d = X.cols();
    t->rows_t.resize(d, n);
    for (Eigen::Index j0 = 0; j0 < n; j0 += kPanel) {
      const Eigen::Index m = std::min<Eigen::Index>(kPanel, n - j0);
      for (Eigen::Index f = 0; f < d; ++f)
        for (Eigen::Index r = 0; r < m; ++r) t->rows_t(f, j0 + r) = X(j0 + r, f);
    }
    t->sq = t->rows_t.colwise().squaredNorm().transpose();
    t->max_sq = t->sq.size() ? t->sq.maxCoeff() : 0.0;
    return t;
  }
  void set_labels(EncodedLabels labels) {
    classes_ = std::move(labels.classes);
    codes_ = std::move(labels.codes);
  }

 public:
  Vector predict(const MatrixRef& X) const override {
    const std::size_t k = static_cast<std::size_t>(n_neighbors_);
    Vector out(X.rows());
    if (classifier_ && uniform_ && cache_) {
      const auto winners = vote_winners(X);  // cache_->k is fixed once fit_variants returns
      for (Eigen::Index i = 0; i < X.rows(); ++i)
        out(i) = classes_[static_cast<std::size_t>(
            (*winners)[static_cast<std::size_t>(i) * cache_->k + k - 1])];
      return out;
    }
    const NeighborsView nb = kneighbors(X);
    std::vector<double> w(k);
    if (classifier_ && uniform_) {
      // Counts: what the weights of 1.0 sum to, exactly.
      std::vector<int> counts(classes_.size());
      for (Eigen::Index i = 0; i < X.rows(); ++i) {
        class_counts(nb, static_cast<std::size_t>(i), counts);
        std::size_t best = 0;
        for (std::size_t c = 1; c < counts.size(); ++c) {
          if (counts[c] > counts[best]) best = c;  // strict: ties keep the smaller label
        }
        out(i) = classes_[best];
      }
      return out;
    }
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
      const int* idx = nb.index(static_cast<std::size_t>(i));
      if (uniform_) {
        double s = 0;
        for (std::size_t j = 0; j < k; ++j) s += target_[static_cast<std::size_t>(idx[j])];
        out(i) = s / static_cast<double>(k);
      } else {
        neighbor_weights(nb.dist(static_cast<std::size_t>(i)), k, w.data());
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
    const std::size_t k = static_cast<std::size_t>(n_neighbors_);
    const NeighborsView nb = kneighbors(X);
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

  void class_counts(const NeighborsView& nb, std::size_t i, std::vector<int>& counts) const {
    const int* idx = nb.index(i);
    std::fill(counts.begin(), counts.end(), 0);
    for (std::size_t j = 0; j < static_cast<std::size_t>(n_neighbors_); ++j)
      ++counts[static_cast<std::size_t>(codes_[static_cast<std::size_t>(idx[j])])];
  }

  void class_votes(const NeighborsView& nb, std::size_t i, std::vector<double>& w,
                   std::vector<double>& votes) const {
    const std::size_t k = static_cast<std::size_t>(n_neighbors_);
    const int* idx = nb.index(i);
    std::fill(votes.begin(), votes.end(), 0.0);
    if (uniform_) {
      std::fill(w.begin(), w.end(), 1.0);
    } else {
      neighbor_weights(nb.dist(i), k, w.data());
    }
    for (std::size_t j = 0; j < k; ++j)
      votes[static_cast<std::size_t>(codes_[static_cast<std::size_t>(idx[j])])] += w[j];
  }

  // The n_neighbors_ nearest of every query row (checked here): a prefix of the shared search
  // when variants share one (the cache holds the last query's k_max nearest), else a search of
  // its own. A query equal to the cached one was checked when it was searched (a NaN never
  // compares equal), so a hit skips the check.
  NeighborsView kneighbors(const MatrixRef& X) const {
    const std::size_t k = static_cast<std::size_t>(n_neighbors_);
    if (!cache_) {
      check_predict_input(name_, X, n_features_);
      return {std::make_shared<const Neighbors>(search(X, k)), k};
    }
    std::lock_guard lock(cache_->mutex);
    refresh_cache(X);
    return {cache_->neighbors, cache_->k};
  }

  // Makes the cache hold X's search (the caller holds the cache's lock).
  void refresh_cache(const MatrixRef& X) const {
    const bool hit = cache_->neighbors && same_query(cache_->query, X);
    if (!hit) {
      check_predict_input(name_, X, n_features_);
      cache_->neighbors.reset();
      cache_->winners.reset();
      cache_->neighbors =
          std::make_shared<const Neighbors>(search(X, cache_->k, cache_->parallel_for));
      cache_->query = X;
    }
  }

  // The cache's vote winners for X (uniform-weight classifiers sharing a cache): one pass over
  // each row's k_max neighbours serves every variant. Adding one vote to class c, the winner --
  // the smallest label among those with the most votes -- becomes c if c now has more votes than
  // it, or as many and a smaller label; else it stays (the counts of other classes did not move).
  std::shared_ptr<const std::vector<int>> vote_winners(const MatrixRef& X) const {
    std::lock_guard lock(cache_->mutex);
    refresh_cache(X);
    if (!cache_->winners) {
      const std::size_t kmax = cache_->k, rows = static_cast<std::size_t>(X.rows());
      auto winners = std::make_shared<std::vector<int>>(rows * kmax);
      std::vector<int> counts(classes_.size());
      for (std::size_t i = 0; i < rows; ++i) {
        const int* idx = cache_->neighbors->index.data() + i * kmax;
        std::fill(counts.begin(), counts.end(), 0);
        int best = 0;
        for (std::size_t j = 0; j < kmax; ++j) {
          const int c = codes_[static_cast<std::size_t>(idx[j])];
          const int votes = ++counts[static_cast<std::size_t>(c)];
          const int most = counts[static_cast<std::size_t>(best)];
          if (votes > most || (votes == most && c < best)) best = c;
          (*winners)[i * kmax + j] = best;
        }
      }
      cache_->winners = std::move(winners);
    }
    return cache_->winners;
  }

  // Whether X is the cached query. Bit equality where X is contiguous (the cached query has no
  // NaN, so neither has an X equal to it in bits; a -0 that differs from a 0 only costs a search).
  static bool same_query(const Matrix& cached, const MatrixRef& X) {
    if (cached.rows() != X.rows() || cached.cols() != X.cols()) return false;
    if (X.size() == 0) return true;
    if (X.outerStride() == X.rows())
      return std::memcmp(cached.data(), X.data(),
                         static_cast<std::size_t>(X.size()) * sizeof(double)) == 0;
    return cached == X;
  }

  // The k nearest training rows of every row of X.
  Neighbors search(const MatrixRef& X, std::size_t k, const ParallelFor& loop = {}) const {
    // Query rows per block: a multiple of the float scan's queries per pass.
    constexpr Eigen::Index kBlock = 48;
    const TrainSet& train = *train_;
    const Eigen::Index n_train = train.rows_t.cols();
    const Eigen::Index d = train.rows_t.rows();
    const auto du = static_cast<std::size_t>(d);
    Neighbors out;
    out.index.resize(static_cast<std::size_t>(X.rows()) * k);
    out.dist.resize(out.index.size());
    const bool single = train.panels().count != 0 && float_safe(X);
    // Scores s_j = |y_j|^2 - 2 x.y_j (|x|^2 dropped: it is the same for every row). Computed, they
    // are within m = 8 (d + 4) u (|x|^2 + max |y|^2) (+ an absolute term for float underflow) of
    // the exact ones, u the precision's epsilon: a chain of d + 1 roundings of terms whose
    // magnitudes sum to at most |y|^2 + 2 |x.y| <= 2 (|x|^2 + |y|^2), plus (in the float scan) the
    // rounding of each input and of |y|^2 to float -- about (d + 2) u (|x|^2 + |y|^2), taken 8
    // times over. So if T is the k-th smallest computed score, the k-th smallest exact one is at
    // most T + m, and every row whose exact score is at most that computes to at most T + 2m:
    // re-scoring the rows that compute to <= T + 2m exactly and taking the k smallest in (exact
    // distance, training row) order gives the true k nearest, whatever the rounding.
    const double unit = single ? static_cast<double>(std::numeric_limits<float>::epsilon())
                               : std::numeric_limits<double>::epsilon();
    const double floor = single ? 1e-30 * static_cast<double>(d) : 0.0;
    const auto margin_of = [&](const double* query) {
      double qn = 0;
      for (std::size_t f = 0; f < du; ++f) qn += query[f] * query[f];
      return 8.0 * static_cast<double>(d + 4) * unit * (qn + train.max_sq) + floor;
    };
    // Exact re-scoring of the candidates (sum of squared differences, in feature order) and the
    // k nearest in (distance, training row) order.
    const auto finish = [&](Eigen::Index q, const double* query,
                            std::vector<std::pair<double, int>>& candidates) {
      const auto col = [&](std::size_t c) { return train.rows_t.col(candidates[c].second).data(); };
      std::size_t c = 0;
#if FRESHET_HAVE_AVX2_KERNELS
      if (cpu_has_avx2_fma()) {
        // Eight candidates at a time (the last group padded with the first candidate's row).
        for (; c < candidates.size(); c += 8) {
          const double* rows[8];
          double sums[8];
          const std::size_t m = std::min<std::size_t>(8, candidates.size() - c);
          for (std::size_t i = 0; i < 8; ++i) rows[i] = col(i < m ? c + i : c);
          exact_squares8(query, du, rows, sums);
          for (std::size_t i = 0; i < m; ++i) candidates[c + i].first = sums[i];
        }
      }
#endif
      for (; c < candidates.size(); ++c) {
        const double* row = col(c);
        double s = 0;
        for (std::size_t f = 0; f < du; ++f) {
          const double diff = query[f] - row[f];
          s += diff * diff;
        }
        candidates[c].first = s;
      }
      if (candidates.size() <= 64) {
        insertion_sort(candidates.data(), candidates.data() + candidates.size(), std::less<>());
      } else {
        std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k),
                          candidates.end());
      }
      for (std::size_t j = 0; j < k; ++j) {
        out.index[static_cast<std::size_t>(q) * k + j] = candidates[j].second;
        out.dist[static_cast<std::size_t>(q) * k + j] = std::sqrt(candidates[j].first);
      }
    };
    // Blocks of query rows are independent (each writes only its rows of `out`): on the loop,
    // when one is given, else in order.
    const auto n_blocks = static_cast<std::size_t>((X.rows() + kBlock - 1) / kBlock);
    const auto block = [&](std::size_t index) {
      const Eigen::Index b0 = static_cast<Eigen::Index>(index) * kBlock;
      const Eigen::Index rows = std::min(kBlock, X.rows() - b0);
      std::vector<std::pair<double, int>> candidates;
      if (single) {
        single_block(X, b0, rows, k, margin_of, finish, candidates);
        return;
      }
      std::vector<double> smallest(k), query(du), approx(static_cast<std::size_t>(n_train));
      const RowMatrix scores = X.middleRows(b0, rows) * train.rows_t;
      for (Eigen::Index r = 0; r < rows; ++r) {
        const Eigen::Index q = b0 + r;
        for (Eigen::Index j = 0; j < n_train; ++j)
          approx[static_cast<std::size_t>(j)] = train.sq(j) - 2.0 * scores(r, j);
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
        const double limit = smallest[k - 1] + 2.0 * margin_of(query.data());
        candidates.clear();
        for (Eigen::Index j = 0; j < n_train; ++j) {
          if (approx[static_cast<std::size_t>(j)] <= limit)
            candidates.emplace_back(0.0, static_cast<int>(j));
        }
        finish(q, query.data(), candidates);
      }
    };
    if (loop && n_blocks > 1) {
      loop(n_blocks, block);
    } else {
      for (std::size_t b = 0; b < n_blocks; ++b) block(b);
    }
    return out;
  }

  // The float scan of query rows b0..b0+rows-1, kScanQueries at a time: all their scores, then
  // per query an upper bound U of the k-th smallest score (the k-th smallest of the panel lanes'
  // minima over a few runs of panels: each comes from a different row), the rows within U + 2m
  // (one SIMD compare per 8 rows), the k-th smallest score T among them (it is the overall k-th
  // smallest: those rows include every row scoring <= U), and the exact re-scoring of the rows
  // within T + 2m.
  template <class MarginOf, class Finish>
  void single_block(const MatrixRef& X, Eigen::Index b0, Eigen::Index rows, std::size_t k,
                    const MarginOf& margin_of, const Finish& finish,
                    std::vector<std::pair<double, int>>& candidates) const {
#if FRESHET_HAVE_AVX2_KERNELS
    const TrainSet& train = *train_;
    const Panels& panels = train.panels();
    const auto d = static_cast<std::size_t>(train.rows_t.rows());
    const auto n_train = static_cast<std::size_t>(train.rows_t.cols());
    const std::size_t stride = panels.count * kPanel;
    // Enough runs for at least 2k lane minima (a tighter bound than exactly k of them).
    const std::size_t groups = (2 * k + 2 * kPanel - 1) / (2 * kPanel);
    const std::size_t per_query = groups * 2 * kPanel;  // minima per query
    std::vector<double> query(static_cast<std::size_t>(kScanQueries) * d);
    std::vector<float> query_f(query.size());
    std::vector<float> scores(static_cast<std::size_t>(kScanQueries) * stride);
    std::vector<float> minima(static_cast<std::size_t>(kScanQueries) * per_query);
    std::vector<Candidate> kept;
    std::vector<float> kept_scores;
    for (Eigen::Index g0 = 0; g0 < rows; g0 += kScanQueries) {
      const int count = static_cast<int>(std::min<Eigen::Index>(kScanQueries, rows - g0));
      for (int q = 0; q < count; ++q) {
        double* qd = query.data() + static_cast<std::size_t>(q) * d;
        float* qf = query_f.data() + static_cast<std::size_t>(q) * d;
        for (std::size_t f = 0; f < d; ++f) {
          qd[f] = X(b0 + g0 + q, static_cast<Eigen::Index>(f));
          qf[f] = -2.0f * static_cast<float>(qd[f]);  // exact: a power of two
        }
      }
      std::fill(minima.begin(), minima.end(), std::numeric_limits<float>::infinity());
      scan_queries(count, query_f.data(), d, panels, scores.data(), stride, minima.data(), groups);
      for (int q = 0; q < count; ++q) {
        const double* qd = query.data() + static_cast<std::size_t>(q) * d;
        const float* s = scores.data() + static_cast<std::size_t>(q) * stride;
        const double slack = 2.0 * margin_of(qd);
        const float bound = kth_smallest_counting(
            minima.data() + static_cast<std::size_t>(q) * per_query, per_query, k);
        kept.clear();
        keep_at_most(s, panels.count, n_train, float_at_least(static_cast<double>(bound) + slack),
                     kept);
        // kept holds every row scoring <= the bound, so its k-th smallest score is the overall
        // k-th smallest.
        kept_scores.clear();
        for (const Candidate& c : kept) kept_scores.push_back(c.score);
        const double limit =
            static_cast<double>(kth_smallest(kept_scores.data(), kept_scores.size(), k)) + slack;
        candidates.clear();
        for (const Candidate& c : kept) {
          if (static_cast<double>(c.score) <= limit) candidates.emplace_back(0.0, c.row);
        }
        finish(b0 + g0 + q, qd, candidates);
      }
    }
#else
    (void)X, (void)b0, (void)rows, (void)k, (void)margin_of, (void)finish, (void)candidates;
#endif
  }

  std::string name_;
  bool classifier_ = true;
  std::int64_t n_neighbors_ = 5;
  std::string weights_ = "uniform";
  bool uniform_ = true;

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
