// Models: hist_gradient_boosting_classifier, hist_gradient_boosting_regressor
// (sklearn.ensemble.HistGradientBoostingClassifier / Regressor 1.2).
//
// The algorithm is sklearn's, step by step, so that without early stopping the fitted trees and
// the predictions are sklearn's (to the last bits of a few sums, see below):
//  * binning (_BinMapper): per feature, the thresholds are the midpoints of consecutive distinct
//    values when there are at most max_bins of them, else numpy's percentile(method="midpoint")
//    at linspace(0, 100, max_bins + 1)[1:-1]; clipped at 1e300. A value goes to the first bin
//    whose threshold is >= it; NaN to bin 255 (the missing-values bin). Fitted on the training
//    rows (all of them: sklearn subsamples 2e5 rows only above that size, freshet never does);
//  * the baseline is the loss's intercept-only fit (mean; logit of the clipped mean; the
//    multinomial logit of the clipped class frequencies against their geometric mean), with
//    numpy's pairwise summation;
//  * each iteration computes float32 gradients and hessians (constant hessian for squared error)
//    and grows one tree per class: best-first (a max-heap on gain with Python's heapq order),
//    per-bin double sums in the node's sample order, the smaller child's histogram built and the
//    larger one's taken by subtraction from the parent's, missing values sent to whichever side
//    gives the larger gain (left-to-right scan, then right-to-left when the feature had NaNs),
//    values -G / (H + l2 + 1e-15), the stable partition of the node's samples, max_leaf_nodes /
//    max_depth / min_samples_leaf as sklearn checks them, leaf values times learning_rate at the
//    end;
//  * prediction: baseline plus the trees' leaf values in iteration order; a NaN follows the
//    split's missing-value direction (when training saw no NaN in that feature, the side with
//    more training samples).
// The root's gradient sum is taken sequentially; sklearn's OpenMP reduction adds per-thread
// partial sums, so with several threads its last bits can differ (the reference outputs were made
// with OMP_NUM_THREADS=1).
//
// Histograms and split searches run over features on FitContext::parallel_for; each feature's
// sums are one worker's, in a fixed order, so the model is the same for any worker count.
//
// Deviations: early stopping ('auto': on above 10000 rows) holds out validation_fraction of the
// rows drawn with freshet's own generator (a Fisher-Yates shuffle on std::mt19937_64 seeded with
// random_state, stratified by class for the classifier), not with numpy's train_test_split, so
// with early stopping the held-out rows differ from sklearn's; scoring is 'loss' only. No
// categorical features, monotonic or interaction constraints, sample weights or warm start.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_params.hpp"

namespace freshet {

namespace {

constexpr int kMissingBin = 255;  // sklearn: n_bins - 1 with n_bins = max_bins + 1 <= 256
constexpr double kAlmostInf = 1e300;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMinHessianToSplit = 1e-3;
constexpr std::size_t kParallelWork = 1 << 16;  // see Grower::run
constexpr std::size_t kFeatureBlock = 4;        // features per histogram pass below the root
using Bin = std::uint8_t;

// ---- numpy's summation -------------------------------------------------------------------------

// numpy's pairwise summation (the inner loop of np.add.reduce on contiguous float64).
double pairwise_sum(const double* a, std::size_t n) {
  if (n < 8) {
    double r = 0.;
    for (std::size_t i = 0; i < n; ++i) r += a[i];
    return r;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + static_cast<std::size_t>(j)];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

double numpy_mean(const std::vector<double>& v) {
  return (0.0 + pairwise_sum(v.data(), v.size())) / static_cast<double>(v.size());
}

// ---- binning -----------------------------------------------------------------------------------

// sklearn's _find_binning_thresholds on the non-NaN values of one column.
std::vector<double> binning_thresholds(std::vector<double> values, int max_bins) {
  std::sort(values.begin(), values.end());
  std::vector<double> distinct = values;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<double> mids;
  if (distinct.size() <= static_cast<std::size_t>(max_bins)) {
    for (std::size_t i = 0; i + 1 < distinct.size(); ++i)
      mids.push_back((distinct[i] + distinct[i + 1]) * 0.5);
  } else {
    // np.percentile(values, linspace(0, 100, max_bins + 1)[1:-1], method="midpoint").
    const double n1 = static_cast<double>(values.size() - 1);
    const double step = 100.0 / static_cast<double>(max_bins);
    for (int i = 1; i < max_bins; ++i) {
      const double q = (static_cast<double>(i) * step + 0.0) / 100.0;
      const double virtual_index = 0.5 * (std::floor(n1 * q) + std::ceil(n1 * q));
      // numpy's fix_gamma for "midpoint": 0.5, or 0 where the virtual index is whole.
      const double gamma = std::fmod(virtual_index, 1.0) == 0 ? 0.0 : 0.5;
      auto prev = static_cast<std::size_t>(std::floor(virtual_index));
      std::size_t next = prev + 1;
      if (virtual_index >= n1) prev = next = values.size() - 1;
      const double a = values[prev], b = values[std::min(next, values.size() - 1)];
      const double diff = b - a;
      mids.push_back(gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma);
    }
  }
  for (double& m : mids) m = std::min(m, kAlmostInf);
  return mids;
}

struct BinMapper {
  std::vector<std::vector<double>> thresholds;  // per feature, ascending
  std::vector<int> n_bins_non_missing;          // per feature: thresholds + 1

  void fit(const MatrixRef& X, int max_bins) {
    const Eigen::Index d = X.cols();
    thresholds.assign(static_cast<std::size_t>(d), {});
    n_bins_non_missing.assign(static_cast<std::size_t>(d), 1);
    std::vector<double> col;
    for (Eigen::Index f = 0; f < d; ++f) {
      col.clear();
      for (Eigen::Index i = 0; i < X.rows(); ++i)
        if (!std::isnan(X(i, f))) col.push_back(X(i, f));
      auto& t = thresholds[static_cast<std::size_t>(f)];
      if (!col.empty()) t = binning_thresholds(col, max_bins);
      n_bins_non_missing[static_cast<std::size_t>(f)] = static_cast<int>(t.size()) + 1;
    }
  }

  Bin bin(std::size_t f, double x) const {
    if (std::isnan(x)) return kMissingBin;
    const auto& t = thresholds[f];
    return static_cast<Bin>(std::lower_bound(t.begin(), t.end(), x) - t.begin());
  }

  // Column-major binned copy of X: feature f's bins at [f * rows, (f + 1) * rows).
  std::vector<Bin> transform(const MatrixRef& X) const {
    const auto n = static_cast<std::size_t>(X.rows());
    std::vector<Bin> out(n * thresholds.size());
    for (std::size_t f = 0; f < thresholds.size(); ++f)
      for (std::size_t i = 0; i < n; ++i)
        out[f * n + i] = bin(f, X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(f)));
    return out;
  }
};

// ---- trees -------------------------------------------------------------------------------------

struct PredictorNode {
  double value = 0;      // leaf value (already times learning_rate)
  double threshold = 0;  // numeric threshold: x <= threshold goes left
  int feature = -1;      // -1: leaf
  int bin = 0;           // binned threshold (bin <= bin goes left)
  int left = -1, right = -1;
  bool missing_left = false;
};

struct Predictor {
  std::vector<PredictorNode> nodes;

  double predict_row(const double* x, Eigen::Index stride) const {
    int n = 0;
    for (;;) {
      const PredictorNode& node = nodes[static_cast<std::size_t>(n)];
      if (node.feature < 0) return node.value;
      const double v = x[static_cast<Eigen::Index>(node.feature) * stride];
      if (std::isnan(v)) {
        n = node.missing_left ? node.left : node.right;
      } else {
        n = v <= node.threshold ? node.left : node.right;
      }
    }
  }
  double predict_binned(const Bin* col_major, std::size_t rows, std::size_t i) const {
    int n = 0;
    for (;;) {
      const PredictorNode& node = nodes[static_cast<std::size_t>(n)];
      if (node.feature < 0) return node.value;
      const Bin b = col_major[static_cast<std::size_t>(node.feature) * rows + i];
      if (b == kMissingBin) {
        n = node.missing_left ? node.left : node.right;
      } else {
        n = b <= node.bin ? node.left : node.right;
      }
    }
  }
};

struct HistBin {
  double g = 0;
  double h = 0;
  std::uint32_t count = 0;
};

struct SplitInfo {
  double gain = -1;
  int feature = 0;
  int bin = 0;
  bool missing_left = false;
  double g_left = 0, h_left = 0, g_right = 0, h_right = 0;
  std::uint32_t n_left = 0, n_right = 0;
  double value_left = 0, value_right = 0;
};

struct GrowerOptions {
  std::optional<std::int64_t> max_leaf_nodes = 31;
  std::optional<std::int64_t> max_depth = std::nullopt;
  std::int64_t min_samples_leaf = 20;
  double l2 = 0;
  double shrinkage = 0.1;
};

inline double node_value(double g, double h, double l2) { return -g / (h + l2 + 1e-15); }

// One tree grown on binned data (sklearn's TreeGrower + Splitter + HistogramBuilder).
class Grower {
 public:
  Grower(const std::vector<Bin>& xb, std::size_t rows, std::size_t features, const float* g,
         const float* h, const std::vector<int>& n_bins_non_missing,
         const std::vector<char>& has_missing, const GrowerOptions& opt, const ParallelFor& pf,
         std::vector<std::uint32_t>& partition, std::vector<std::vector<HistBin>>& hist_pool)
      : xb_(xb),
        n_(rows),
        d_(features),
        g_(g),
        h_(h),
        nbnm_(n_bins_non_missing),
        has_missing_(has_missing),
        opt_(opt),
        pf_(pf),
        partition_(partition),
        pool_(hist_pool) {}

  // Grows the tree; partition_ then holds each leaf's samples in [start, stop).
  void grow() {
    partition_.resize(n_);
    for (std::size_t i = 0; i < n_; ++i) partition_[i] = static_cast<std::uint32_t>(i);
    Node root;
    root.depth = 0;
    root.start = 0;
    root.stop = static_cast<std::uint32_t>(n_);
    double sg = 0;
    for (std::size_t i = 0; i < n_; ++i) sg += static_cast<double>(g_[i]);
    root.sum_g = sg;
    if (h_ == nullptr) {
      root.sum_h = 1.0 * static_cast<double>(n_);
    } else {
      double sh = 0;
      for (std::size_t i = 0; i < n_; ++i) sh += static_cast<double>(h_[i]);
      root.sum_h = sh;
    }
    root.value = 0;
    nodes_.push_back(root);
    if (n_ < 2 * static_cast<std::size_t>(opt_.min_samples_leaf) ||
        root.sum_h < kMinHessianToSplit) {
      finalize_leaf(0);
    } else {
      nodes_[0].hist = histogram_brute(0);
      split_and_push(0);
    }
    while (!heap_.empty()) split_next();
    for (int leaf : leaves_) nodes_[static_cast<std::size_t>(leaf)].value *= opt_.shrinkage;
    for (auto& n : nodes_)
      if (n.hist >= 0) release(n.hist);
  }

  // Adds each leaf's value to raw[sample * stride] for the samples in it.
  void add_to(double* raw, std::size_t stride) const {
    for (int leaf : leaves_) {
      const Node& n = nodes_[static_cast<std::size_t>(leaf)];
      for (std::uint32_t p = n.start; p < n.stop; ++p) raw[partition_[p] * stride] += n.value;
    }
  }

  Predictor predictor(const std::vector<std::vector<double>>& thresholds) const {
    Predictor out;
    fill(out, 0, thresholds);
    return out;
  }

 private:
  struct Node {
    int depth = 0;
    std::uint32_t start = 0, stop = 0;
    double sum_g = 0, sum_h = 0, value = 0;
    SplitInfo split;
    bool is_leaf = false;
    int left = -1, right = -1;
    int hist = -1;
    std::uint32_t n() const { return stop - start; }
  };

  int fill(Predictor& out, int node, const std::vector<std::vector<double>>& thresholds) const {
    const Node& gn = nodes_[static_cast<std::size_t>(node)];
    const int id = static_cast<int>(out.nodes.size());
    out.nodes.push_back({});
    out.nodes.back().value = gn.value;
    if (gn.is_leaf) return id;
    PredictorNode p;
    p.value = gn.value;
    p.feature = gn.split.feature;
    p.bin = gn.split.bin;
    p.missing_left = gn.split.missing_left;
    const auto f = static_cast<std::size_t>(gn.split.feature);
    p.threshold =
        gn.split.bin == nbnm_[f] - 1 ? kInf : thresholds[f][static_cast<std::size_t>(gn.split.bin)];
    p.left = fill(out, gn.left, thresholds);
    p.right = fill(out, gn.right, thresholds);
    out.nodes[static_cast<std::size_t>(id)] = p;
    return id;
  }

  int acquire() {
    for (std::size_t i = 0; i < pool_used_.size(); ++i) {
      if (!pool_used_[i]) {
        pool_used_[i] = true;
        return static_cast<int>(i);
      }
    }
    if (pool_.size() <= pool_used_.size()) pool_.emplace_back();
    // Contents are overwritten by histogram_brute / histogram_subtract; only the size matters.
    auto& slot = pool_[pool_used_.size()];
    if (slot.size() != d_ * 256) slot.assign(d_ * 256, HistBin{});
    pool_used_.push_back(true);
    return static_cast<int>(pool_used_.size() - 1);
  }
  void release(int h) { pool_used_[static_cast<std::size_t>(h)] = false; }

  // Runs body(0..count-1) on the parallel loop when `work` (about one operation per unit) pays
  // for a hand-off, else inline: small nodes would spend more on scheduling than on sums. The
  // results are the same either way (each feature is one body call).
  void run(std::size_t count, std::size_t work,
           const std::function<void(std::size_t)>& body) const {
    if (pf_ && count > 1 && work >= kParallelWork) {
      pf_(count, body);
    } else {
      for (std::size_t i = 0; i < count; ++i) body(i);
    }
  }

  // sklearn's compute_histograms_brute: per feature and bin, the node's samples in order.
  int histogram_brute(int node) {
    const int hid = acquire();
    std::vector<HistBin>& hist = pool_[static_cast<std::size_t>(hid)];
    std::fill(hist.begin(), hist.end(), HistBin{});
    const Node& nd = nodes_[static_cast<std::size_t>(node)];
    const std::size_t m = nd.n();
    const bool root = m == n_;
    const std::uint32_t* idx = partition_.data() + nd.start;
    if (!root) {
      ordered_g_.resize(m);
      for (std::size_t i = 0; i < m; ++i) ordered_g_[i] = g_[idx[i]];
      if (h_ != nullptr) {
        ordered_h_.resize(m);
        for (std::size_t i = 0; i < m; ++i) ordered_h_[i] = h_[idx[i]];
      }
    }
    const float* og = root ? g_ : ordered_g_.data();
    const float* oh = root ? h_ : (h_ != nullptr ? ordered_h_.data() : nullptr);
    const std::size_t blocks = (d_ + kFeatureBlock - 1) / kFeatureBlock;
    if (root) {
      // Every row in order: stream the block's columns.
      run(blocks, m * d_, [&](std::size_t blk) {
        const std::size_t f0 = blk * kFeatureBlock;
        if (f0 + kFeatureBlock <= d_) {
          histogram_block(hist.data(), f0, nullptr, m, og, oh);
        } else {
          for (std::size_t f = f0; f < d_; ++f) histogram_one(hist.data(), f, nullptr, m, og, oh);
        }
      });
      return hid;
    }
    // A subset of rows: kFeatureBlock features per pass over the samples, so the sample index
    // and gradient loads are shared and the features' update chains run side by side. Every bin
    // still receives the node's samples in order, so the sums are sklearn's.
    run(blocks, m * d_, [&](std::size_t blk) {
      const std::size_t f0 = blk * kFeatureBlock;
      if (f0 + kFeatureBlock <= d_) {
        histogram_block(hist.data(), f0, idx, m, og, oh);
      } else {
        for (std::size_t f = f0; f < d_; ++f) histogram_one(hist.data(), f, idx, m, og, oh);
      }
    });
    return hid;
  }

  void histogram_one(HistBin* hist, std::size_t f, const std::uint32_t* idx, std::size_t m,
                     const float* og, const float* oh) const {
    HistBin* out = hist + f * 256;
    const Bin* col = xb_.data() + f * n_;
    for (std::size_t i = 0; i < m; ++i) {
      HistBin& b = out[col[idx != nullptr ? idx[i] : i]];
      b.g += static_cast<double>(og[i]);
      if (oh != nullptr) b.h += static_cast<double>(oh[i]);
      ++b.count;
    }
  }

  void histogram_block(HistBin* hist, std::size_t f0, const std::uint32_t* idx, std::size_t m,
                       const float* og, const float* oh) const {
    HistBin* out[kFeatureBlock];
    const Bin* col[kFeatureBlock];
    for (std::size_t k = 0; k < kFeatureBlock; ++k) {
      out[k] = hist + (f0 + k) * 256;
      col[k] = xb_.data() + (f0 + k) * n_;
    }
    if (idx == nullptr) {
      accumulate_block(out, col, m, og, oh, [](std::size_t i) { return i; });
    } else {
      accumulate_block(out, col, m, og, oh, [idx](std::size_t i) { return idx[i]; });
    }
  }

  // The inner loop of histogram_block: sample i of the node is training row row_of(i).
  template <typename RowOf>
  static void accumulate_block(HistBin* const* out, const Bin* const* col, std::size_t m,
                               const float* og, const float* oh, RowOf row_of) {
    if (oh == nullptr) {
      for (std::size_t i = 0; i < m; ++i) {
        const std::size_t s = row_of(i);
        const double gi = og[i];
        for (std::size_t k = 0; k < kFeatureBlock; ++k) {
          HistBin& b = out[k][col[k][s]];
          b.g += gi;
          ++b.count;
        }
      }
    } else {
      for (std::size_t i = 0; i < m; ++i) {
        const std::size_t s = row_of(i);
        const double gi = og[i], hi = oh[i];
        for (std::size_t k = 0; k < kFeatureBlock; ++k) {
          HistBin& b = out[k][col[k][s]];
          b.g += gi;
          b.h += hi;
          ++b.count;
        }
      }
    }
  }

  // sklearn's compute_histograms_subtraction: parent minus sibling, bin by bin.
  int histogram_subtract(int parent_hist, int sibling_hist) {
    const int hid = acquire();
    std::vector<HistBin>& out = pool_[static_cast<std::size_t>(hid)];
    const std::vector<HistBin>& p = pool_[static_cast<std::size_t>(parent_hist)];
    const std::vector<HistBin>& s = pool_[static_cast<std::size_t>(sibling_hist)];
    for (std::size_t k = 0; k < out.size(); ++k) {
      out[k].g = p[k].g - s[k].g;
      out[k].h = p[k].h - s[k].h;
      out[k].count = p[k].count - s[k].count;
    }
    return hid;
  }

  double split_gain(double gl, double hl, double gr, double hr, double loss_node) const {
    const double vl = node_value(gl, hl, opt_.l2);
    const double vr = node_value(gr, hr, opt_.l2);
    double gain = loss_node;
    gain -= gl * vl;
    gain -= gr * vr;
    return gain;
  }

  void record(SplitInfo& s, double gain, int bin, bool missing_left, double gl, double hl,
              std::uint32_t nl, const Node& nd) const {
    s.gain = gain;
    s.bin = bin;
    s.missing_left = missing_left;
    s.g_left = gl;
    s.h_left = hl;
    s.g_right = nd.sum_g - gl;
    s.h_right = nd.sum_h - hl;
    s.n_left = nl;
    s.n_right = nd.n() - nl;
    s.value_left = node_value(s.g_left, s.h_left, opt_.l2);
    s.value_right = node_value(s.g_right, s.h_right, opt_.l2);
  }

  // sklearn's Splitter._find_best_bin_to_split_left_to_right / _right_to_left for one feature.
  SplitInfo feature_split(const Node& nd, const HistBin* hist, std::size_t f) const {
    SplitInfo s;
    s.feature = static_cast<int>(f);
    s.gain = -1;
    const std::uint32_t n = nd.n();
    const auto min_leaf = static_cast<std::uint32_t>(opt_.min_samples_leaf);
    const bool constant_h = h_ == nullptr;
    const bool missing = has_missing_[f] != 0;
    const double loss_node = nd.sum_g * nd.value;
    {
      const auto end = static_cast<std::uint32_t>(nbnm_[f] - 1 + (missing ? 1 : 0));
      double gl = 0, hl = 0, best_gain = -1, best_gl = 0, best_hl = 0;
      std::uint32_t nl = 0, best_nl = 0, best_bin = 0;
      bool found = false;
      for (std::uint32_t b = 0; b < end; ++b) {
        nl += hist[b].count;
        const std::uint32_t nr = n - nl;
        hl += constant_h ? static_cast<double>(hist[b].count) : hist[b].h;
        const double hr = nd.sum_h - hl;
        gl += hist[b].g;
        const double gr = nd.sum_g - gl;
        if (nl < min_leaf) continue;
        if (nr < min_leaf) break;
        if (hl < kMinHessianToSplit) continue;
        if (hr < kMinHessianToSplit) break;
        const double gain = split_gain(gl, hl, gr, hr, loss_node);
        if (gain > best_gain && gain > 0.0) {
          found = true;
          best_gain = gain;
          best_bin = b;
          best_gl = gl;
          best_hl = hl;
          best_nl = nl;
        }
      }
      if (found)
        record(s, best_gain, static_cast<int>(best_bin), false, best_gl, best_hl, best_nl, nd);
    }
    if (missing) {
      double gr = 0, hr = 0, best_gain = s.gain, best_gl = 0, best_hl = 0;
      std::uint32_t nr = 0, best_nl = 0;
      int best_bin = 0;
      bool found = false;
      for (int b = nbnm_[f] - 2; b >= 0; --b) {
        const HistBin& hb = hist[b + 1];
        nr += hb.count;
        const std::uint32_t nl = n - nr;
        hr += constant_h ? static_cast<double>(hb.count) : hb.h;
        const double hl = nd.sum_h - hr;
        gr += hb.g;
        const double gl = nd.sum_g - gr;
        if (nr < min_leaf) continue;
        if (nl < min_leaf) break;
        if (hr < kMinHessianToSplit) continue;
        if (hl < kMinHessianToSplit) break;
        const double gain = split_gain(gl, hl, gr, hr, loss_node);
        if (gain > best_gain && gain > 0.0) {
          found = true;
          best_gain = gain;
          best_bin = b;
          best_gl = gl;
          best_hl = hl;
          best_nl = nl;
        }
      }
      if (found) record(s, best_gain, best_bin, true, best_gl, best_hl, best_nl, nd);
    }
    return s;
  }

  void split_and_push(int node) {
    Node& nd = nodes_[static_cast<std::size_t>(node)];
    const std::vector<HistBin>& hist = pool_[static_cast<std::size_t>(nd.hist)];
    splits_.assign(d_, SplitInfo{});
    run(d_, d_ * 256,
        [&](std::size_t f) { splits_[f] = feature_split(nd, hist.data() + f * 256, f); });
    std::size_t best = 0;
    for (std::size_t f = 1; f < d_; ++f)
      if (splits_[f].gain > splits_[best].gain) best = f;
    nd.split = splits_[best];
    if (nd.split.gain <= 0) {
      finalize_leaf(node);
    } else {
      heap_push(node);
    }
  }

  void finalize_leaf(int node) {
    nodes_[static_cast<std::size_t>(node)].is_leaf = true;
    leaves_.push_back(node);
  }

  // Python's heapq with TreeNode.__lt__ = "larger gain first".
  bool less(int a, int b) const {
    return nodes_[static_cast<std::size_t>(a)].split.gain >
           nodes_[static_cast<std::size_t>(b)].split.gain;
  }
  void sift_down(std::size_t start, std::size_t pos) {
    const int item = heap_[pos];
    while (pos > start) {
      const std::size_t parent = (pos - 1) >> 1;
      if (less(item, heap_[parent])) {
        heap_[pos] = heap_[parent];
        pos = parent;
        continue;
      }
      break;
    }
    heap_[pos] = item;
  }
  void sift_up(std::size_t pos) {
    const std::size_t end = heap_.size(), start = pos;
    const int item = heap_[pos];
    std::size_t child = 2 * pos + 1;
    while (child < end) {
      const std::size_t right = child + 1;
      if (right < end && !less(heap_[child], heap_[right])) child = right;
      heap_[pos] = heap_[child];
      pos = child;
      child = 2 * pos + 1;
    }
    heap_[pos] = item;
    sift_down(start, pos);
  }
  void heap_push(int node) {
    heap_.push_back(node);
    sift_down(0, heap_.size() - 1);
  }
  int heap_pop() {
    const int last = heap_.back();
    heap_.pop_back();
    if (heap_.empty()) return last;
    const int top = heap_[0];
    heap_[0] = last;
    sift_up(0);
    return top;
  }

  void split_next() {
    const int node = heap_pop();
    Node nd = nodes_[static_cast<std::size_t>(node)];
    const SplitInfo& s = nd.split;
    // Stable partition of the node's samples (sklearn's threaded split_indices is stable too).
    const std::size_t m = nd.n();
    std::uint32_t* idx = partition_.data() + nd.start;
    const Bin* col = xb_.data() + static_cast<std::size_t>(s.feature) * n_;
    tmp_.resize(m);
    std::size_t nl = 0, nr = 0;
    const auto split_bin = static_cast<Bin>(s.bin);
    // Branch-free: every sample is written to both places, the counters advance on one side
    // (idx[nl] with nl <= i is already read, so the in-place write is safe).
    const bool missing_left = s.missing_left;
    for (std::size_t i = 0; i < m; ++i) {
      const std::uint32_t v = idx[i];
      const Bin b = col[v];
      const bool left = (missing_left && b == kMissingBin) || b <= split_bin;
      idx[nl] = v;
      tmp_[nr] = v;
      nl += left ? 1 : 0;
      nr += left ? 0 : 1;
    }
    std::copy(tmp_.begin(), tmp_.begin() + static_cast<std::ptrdiff_t>(nr), idx + nl);
    const int depth = nd.depth + 1;
    const std::size_t n_leaf_nodes = leaves_.size() + heap_.size() + 2;
    Node left, right;
    left.depth = right.depth = depth;
    left.start = nd.start;
    left.stop = nd.start + static_cast<std::uint32_t>(nl);
    right.start = left.stop;
    right.stop = nd.stop;
    left.sum_g = s.g_left;
    left.sum_h = s.h_left;
    left.value = s.value_left;
    right.sum_g = s.g_right;
    right.sum_h = s.h_right;
    right.value = s.value_right;
    const int li = static_cast<int>(nodes_.size());
    const int ri = li + 1;
    nodes_.push_back(left);
    nodes_.push_back(right);
    Node& parent = nodes_[static_cast<std::size_t>(node)];
    parent.left = li;
    parent.right = ri;
    if (has_missing_[static_cast<std::size_t>(s.feature)] == 0) {
      parent.split.missing_left = nl > nr;
    }
    auto& L = nodes_[static_cast<std::size_t>(li)];
    auto& R = nodes_[static_cast<std::size_t>(ri)];
    if (opt_.max_leaf_nodes && n_leaf_nodes == static_cast<std::size_t>(*opt_.max_leaf_nodes)) {
      finalize_leaf(li);
      finalize_leaf(ri);
      // sklearn pops the remaining splittable nodes off the end of its heap list.
      while (!heap_.empty()) {
        finalize_leaf(heap_.back());
        heap_.pop_back();
      }
      release_hist(node);
      return;
    }
    if (opt_.max_depth && depth == *opt_.max_depth) {
      finalize_leaf(li);
      finalize_leaf(ri);
      release_hist(node);
      return;
    }
    const auto min2 = static_cast<std::uint32_t>(2 * opt_.min_samples_leaf);
    if (L.n() < min2) finalize_leaf(li);
    if (R.n() < min2) finalize_leaf(ri);
    const bool split_left = !nodes_[static_cast<std::size_t>(li)].is_leaf;
    const bool split_right = !nodes_[static_cast<std::size_t>(ri)].is_leaf;
    if (split_left || split_right) {
      const bool left_smaller =
          nodes_[static_cast<std::size_t>(li)].n() < nodes_[static_cast<std::size_t>(ri)].n();
      const int small = left_smaller ? li : ri;
      const int large = left_smaller ? ri : li;
      const int hs = histogram_brute(small);
      nodes_[static_cast<std::size_t>(small)].hist = hs;
      const int hl = histogram_subtract(nodes_[static_cast<std::size_t>(node)].hist, hs);
      nodes_[static_cast<std::size_t>(large)].hist = hl;
      release_hist(node);
      if (split_left) split_and_push(li);
      if (split_right) split_and_push(ri);
      for (int c : {li, ri}) {
        if (nodes_[static_cast<std::size_t>(c)].is_leaf) release_hist(c);
      }
    } else {
      release_hist(node);
    }
  }

  void release_hist(int node) {
    Node& nd = nodes_[static_cast<std::size_t>(node)];
    if (nd.hist >= 0) {
      release(nd.hist);
      nd.hist = -1;
    }
  }

  const std::vector<Bin>& xb_;
  std::size_t n_, d_;
  const float* g_;
  const float* h_;  // nullptr: constant hessian 1
  const std::vector<int>& nbnm_;
  const std::vector<char>& has_missing_;
  const GrowerOptions& opt_;
  const ParallelFor& pf_;
  std::vector<std::uint32_t>& partition_;
  std::vector<std::vector<HistBin>>& pool_;
  std::vector<bool> pool_used_;
  std::vector<Node> nodes_;
  std::vector<int> heap_, leaves_;
  std::vector<SplitInfo> splits_;
  std::vector<float> ordered_g_, ordered_h_;
  std::vector<std::uint32_t> tmp_;
};

// ---- losses ------------------------------------------------------------------------------------

enum class LossKind { kSquared, kBinomial, kMultinomial };

// sklearn's log1pexp (the piecewise log(1 + exp(x)) of _loss.pyx).
double log1pexp(double x) {
  if (x <= -37) return std::exp(x);
  if (x <= -2) return std::log1p(std::exp(x));
  if (x <= 18) return std::log(1. + std::exp(x));
  if (x <= 33.3) return x + std::exp(-x);
  return x;
}

// Mean loss over rows (early stopping's score is its negative). raw is row-major n x k.
double mean_loss(LossKind kind, const std::vector<double>& y, const std::vector<double>& raw,
                 std::size_t k) {
  std::vector<double> per(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double* r = raw.data() + i * k;
    switch (kind) {
      case LossKind::kSquared:
        per[i] = 0.5 * (r[0] - y[i]) * (r[0] - y[i]);
        break;
      case LossKind::kBinomial:
        per[i] = log1pexp(r[0]) - y[i] * r[0];
        break;
      case LossKind::kMultinomial: {
        double mx = r[0];
        for (std::size_t c = 1; c < k; ++c) mx = std::max(mx, r[c]);
        double s = 0;
        for (std::size_t c = 0; c < k; ++c) s += std::exp(r[c] - mx);
        per[i] = std::log(s) + mx - r[static_cast<std::size_t>(y[i])];
        break;
      }
    }
  }
  return numpy_mean(per);
}

// ---- the model ---------------------------------------------------------------------------------

class HistGradientBoosting final : public Model {
 public:
  HistGradientBoosting(bool classifier, const ModelParams& params) : classifier_(classifier) {
    const std::string m = name();
    if (classifier_) {
      loss_ = param_choice(params, "loss", "log_loss", {"log_loss"}, m);
    } else {
      loss_ = param_choice(params, "loss", "squared_error", {"squared_error"}, m);
    }
    learning_rate_ = param_number(params, "learning_rate", 0.1, m, kPositive);
    max_iter_ = param_int(params, "max_iter", 100, m, 1, 1000000);
    max_leaf_nodes_ = param_optional_int(params, "max_leaf_nodes", 31, m, 2, 0x7FFFFFFF);
    max_depth_ = param_optional_int(params, "max_depth", std::nullopt, m, 1, 0x7FFFFFFF);
    min_samples_leaf_ = param_int(params, "min_samples_leaf", 20, m, 1, 0x7FFFFFFF);
    l2_ = param_number(params, "l2_regularization", 0.0, m, kNonNegative);
    max_bins_ = param_int(params, "max_bins", 255, m, 2, 255);
    early_stopping_ = param_choice(params, "early_stopping", "auto",
                                   {"auto", "true", "false", "True", "False"}, m);
    if (early_stopping_ == "True") early_stopping_ = "true";
    if (early_stopping_ == "False") early_stopping_ = "false";
    scoring_ = param_choice(params, "scoring", "loss", {"loss"}, m);
    validation_fraction_ =
        param_number(params, "validation_fraction", 0.1, m,
                     {.min = 0.0, .max = 1.0, .min_open = true, .max_open = true});
    n_iter_no_change_ = param_int(params, "n_iter_no_change", 10, m, 1, 0x7FFFFFFF);
    tol_ = param_number(params, "tol", 1e-7, m, kNonNegative);
    random_state_ = param_int(params, "random_state", 0, m, 0, 0xFFFFFFFFll);
  }

  std::string name() const override {
    return classifier_ ? "hist_gradient_boosting_classifier" : "hist_gradient_boosting_regressor";
  }
  bool is_classifier() const override { return classifier_; }
  bool has_decision_function() const override { return classifier_; }
  std::vector<double> classes() const override { return classes_; }

  ModelParams params() const override {
    return {{"loss", loss_},
            {"learning_rate", param_text(learning_rate_)},
            {"max_iter", param_text(max_iter_)},
            {"max_leaf_nodes", param_text(max_leaf_nodes_)},
            {"max_depth", param_text(max_depth_)},
            {"min_samples_leaf", param_text(min_samples_leaf_)},
            {"l2_regularization", param_text(l2_)},
            {"max_bins", param_text(max_bins_)},
            {"early_stopping", early_stopping_},
            {"scoring", scoring_},
            {"validation_fraction", param_text(validation_fraction_)},
            {"n_iter_no_change", param_text(n_iter_no_change_)},
            {"tol", param_text(tol_)},
            {"random_state", param_text(random_state_)}};
  }
  std::unique_ptr<Model> clone() const override {
    return std::make_unique<HistGradientBoosting>(classifier_, params());
  }

  // Number of boosting iterations fitted (sklearn's n_iter_).
  std::size_t n_iter() const { return predictors_.size(); }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext& context) override {
    const std::string m = name();
    check_input(X, y);
    const auto n_all = static_cast<std::size_t>(X.rows());
    const auto d = static_cast<std::size_t>(X.cols());
    std::vector<double> target(y.begin(), y.end());
    if (classifier_) {
      EncodedLabels enc = encode_labels(y);
      classes_ = std::move(enc.classes);
      if (classes_.size() < 2) {
        throw Error(Errc::kInvalidArgument,
                    "model '" + m + "': needs samples of at least 2 classes, got only class " +
                        param_text(classes_.front()));
      }
      target.assign(enc.codes.begin(), enc.codes.end());
      kind_ = classes_.size() == 2 ? LossKind::kBinomial : LossKind::kMultinomial;
    } else {
      classes_.clear();
      kind_ = LossKind::kSquared;
    }
    const std::size_t K = kind_ == LossKind::kMultinomial ? classes_.size() : 1;

    // Early stopping and the held-out rows.
    const bool stop_early = early_stopping_ == "auto" ? n_all > 10000 : early_stopping_ == "true";
    std::vector<std::size_t> train_rows, val_rows;
    if (stop_early) {
      split_validation(target, train_rows, val_rows);
    } else {
      train_rows.resize(n_all);
      for (std::size_t i = 0; i < n_all; ++i) train_rows[i] = i;
    }
    const std::size_t n = train_rows.size();
    Matrix Xtrain(static_cast<Eigen::Index>(n), X.cols());
    std::vector<double> ytrain(n);
    for (std::size_t r = 0; r < n; ++r) {
      Xtrain.row(static_cast<Eigen::Index>(r)) = X.row(static_cast<Eigen::Index>(train_rows[r]));
      ytrain[r] = target[train_rows[r]];
    }

    mapper_.fit(Xtrain, static_cast<int>(max_bins_));
    const std::vector<Bin> xb = mapper_.transform(Xtrain);
    std::vector<char> has_missing(d, 0);
    for (std::size_t f = 0; f < d; ++f)
      for (std::size_t i = 0; i < n && !has_missing[f]; ++i)
        if (xb[f * n + i] == kMissingBin) has_missing[f] = 1;

    std::vector<Bin> xb_val;
    std::vector<double> yval, raw_val;
    if (stop_early) {
      Matrix Xval(static_cast<Eigen::Index>(val_rows.size()), X.cols());
      for (std::size_t r = 0; r < val_rows.size(); ++r) {
        Xval.row(static_cast<Eigen::Index>(r)) = X.row(static_cast<Eigen::Index>(val_rows[r]));
        yval.push_back(target[val_rows[r]]);
      }
      xb_val = mapper_.transform(Xval);
    }

    baseline_ = baseline(ytrain, K);
    std::vector<double> raw(n * K);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t c = 0; c < K; ++c) raw[i * K + c] = 0.0 + baseline_[c];
    if (stop_early) {
      raw_val.resize(yval.size() * K);
      for (std::size_t i = 0; i < yval.size(); ++i)
        for (std::size_t c = 0; c < K; ++c) raw_val[i * K + c] = 0.0 + baseline_[c];
    }
    std::vector<double> val_scores;
    if (stop_early) val_scores.push_back(-mean_loss(kind_, yval, raw_val, K));

    GrowerOptions gopt;
    gopt.max_leaf_nodes = max_leaf_nodes_;
    gopt.max_depth = max_depth_;
    gopt.min_samples_leaf = min_samples_leaf_;
    gopt.l2 = l2_;
    gopt.shrinkage = learning_rate_;

    // Gradients and hessians, float32, class-major (class c's at [c * n, (c + 1) * n)).
    std::vector<float> grad(n * K), hess(kind_ == LossKind::kSquared ? 0 : n * K);
    std::vector<std::uint32_t> partition;
    std::vector<std::vector<HistBin>> pool;
    std::vector<double> p(K);
    predictors_.clear();
    for (std::int64_t it = 0; it < max_iter_; ++it) {
      for (std::size_t i = 0; i < n; ++i) {
        const double* r = raw.data() + i * K;
        switch (kind_) {
          case LossKind::kSquared:
            grad[i] = static_cast<float>(r[0] - ytrain[i]);
            break;
          case LossKind::kBinomial: {
            const double e = std::exp(-r[0]);
            grad[i] = static_cast<float>(((1 - ytrain[i]) - ytrain[i] * e) / (1 + e));
            hess[i] = static_cast<float>(e / ((1 + e) * (1 + e)));
            break;
          }
          case LossKind::kMultinomial: {
            double mx = r[0];
            for (std::size_t c = 1; c < K; ++c)
              if (mx < r[c]) mx = r[c];
            double s = 0;
            for (std::size_t c = 0; c < K; ++c) {
              p[c] = std::exp(r[c] - mx);
              s += p[c];
            }
            for (std::size_t c = 0; c < K; ++c) {
              p[c] /= s;
              grad[c * n + i] = static_cast<float>(p[c] - (ytrain[i] == static_cast<double>(c)));
              hess[c * n + i] = static_cast<float>(p[c] * (1. - p[c]));
            }
            break;
          }
        }
      }
      std::vector<Predictor> trees;
      for (std::size_t c = 0; c < K; ++c) {
        Grower grower(xb, n, d, grad.data() + c * n, hess.empty() ? nullptr : hess.data() + c * n,
                      mapper_.n_bins_non_missing, has_missing, gopt, context.parallel_for,
                      partition, pool);
        grower.grow();
        grower.add_to(raw.data() + c, K);
        trees.push_back(grower.predictor(mapper_.thresholds));
      }
      predictors_.push_back(std::move(trees));
      if (stop_early) {
        const std::size_t nv = yval.size();
        for (std::size_t c = 0; c < K; ++c) {
          const Predictor& t = predictors_.back()[c];
          for (std::size_t i = 0; i < nv; ++i)
            raw_val[i * K + c] += t.predict_binned(xb_val.data(), nv, i);
        }
        val_scores.push_back(-mean_loss(kind_, yval, raw_val, K));
        if (should_stop(val_scores)) break;
      }
    }
    n_features_ = d;
  }

  Vector predict(const MatrixRef& X) const override {
    const Matrix raw = raw_predict(X);
    if (!classifier_) return raw.col(0);
    const Matrix proba = to_proba(raw);
    Vector out(X.rows());
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      Eigen::Index best = 0;
      for (Eigen::Index c = 1; c < proba.cols(); ++c)
        if (proba(i, c) > proba(i, best)) best = c;
      out(i) = classes_[static_cast<std::size_t>(best)];
    }
    return out;
  }

  Matrix predict_proba(const MatrixRef& X) const override {
    if (!classifier_) return Model::predict_proba(X);
    return to_proba(raw_predict(X));
  }

  Matrix decision_function(const MatrixRef& X) const override {
    if (!classifier_) return Model::decision_function(X);
    return raw_predict(X);
  }

 private:
  void check_input(const MatrixRef& X, std::span<const double> y) const {
    const std::string m = name();
    if (X.rows() == 0 || X.cols() == 0) {
      throw Error(Errc::kInvalidArgument, "model '" + m + "': X is empty");
    }
    if (static_cast<std::size_t>(X.rows()) != y.size()) {
      throw Error(Errc::kInvalidArgument, "model '" + m + "': X has " + std::to_string(X.rows()) +
                                              " rows but y has " + std::to_string(y.size()));
    }
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (!std::isfinite(y[i])) {
        throw Error(Errc::kInvalidArgument,
                    "model '" + m + "': y has a non-finite value at row " + std::to_string(i));
      }
    }
  }

  // freshet's held-out split: per class (classifier) or over all rows, a Fisher-Yates shuffle
  // on mt19937_64(random_state); the first ceil(fraction * count) of each group are held out.
  void split_validation(const std::vector<double>& target, std::vector<std::size_t>& train,
                        std::vector<std::size_t>& val) const {
    std::mt19937_64 rng(static_cast<std::uint64_t>(random_state_));
    std::vector<std::vector<std::size_t>> groups;
    if (classifier_) {
      groups.resize(classes_.size());
      for (std::size_t i = 0; i < target.size(); ++i)
        groups[static_cast<std::size_t>(target[i])].push_back(i);
    } else {
      groups.resize(1);
      for (std::size_t i = 0; i < target.size(); ++i) groups[0].push_back(i);
    }
    std::vector<char> held(target.size(), 0);
    for (auto& g : groups) {
      for (std::size_t i = g.size(); i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(rng() % i);
        std::swap(g[i - 1], g[j]);
      }
      const auto k =
          static_cast<std::size_t>(std::ceil(validation_fraction_ * static_cast<double>(g.size())));
      for (std::size_t t = 0; t < std::min(k, g.size()); ++t) held[g[t]] = 1;
    }
    for (std::size_t i = 0; i < target.size(); ++i) (held[i] ? val : train).push_back(i);
    if (train.empty() || val.empty()) {
      throw Error(Errc::kInvalidArgument,
                  "model '" + name() + "': too few rows to hold out validation_fraction=" +
                      param_text(validation_fraction_) + " for early stopping");
    }
  }

  bool should_stop(const std::vector<double>& scores) const {
    const auto ref = static_cast<std::size_t>(n_iter_no_change_) + 1;
    if (scores.size() < ref) return false;
    const double reference = scores[scores.size() - ref] + tol_;
    for (std::size_t i = scores.size() - ref + 1; i < scores.size(); ++i)
      if (scores[i] > reference) return false;
    return true;
  }

  std::vector<double> baseline(const std::vector<double>& y, std::size_t K) const {
    switch (kind_) {
      case LossKind::kSquared:
        return {numpy_mean(y)};
      case LossKind::kBinomial: {
        const double eps = 10 * std::numeric_limits<double>::epsilon();
        const double p = std::clamp(numpy_mean(y), 0 + eps, 1 - eps);
        return {std::log(p / (1 - p))};
      }
      case LossKind::kMultinomial: {
        const double eps = std::numeric_limits<double>::epsilon();
        std::vector<double> p(K), indicator(y.size());
        for (std::size_t c = 0; c < K; ++c) {
          for (std::size_t i = 0; i < y.size(); ++i)
            indicator[i] = y[i] == static_cast<double>(c) ? 1.0 : 0.0;
          p[c] = std::clamp(numpy_mean(indicator), eps, 1 - eps);
        }
        // MultinomialLogit.link: log(p / gmean(p)), gmean = exp(mean(log p)).
        std::vector<double> logs(K);
        for (std::size_t c = 0; c < K; ++c) logs[c] = std::log(p[c]);
        const double gm = std::exp(numpy_mean(logs));
        std::vector<double> out(K);
        for (std::size_t c = 0; c < K; ++c) out[c] = std::log(p[c] / gm);
        return out;
      }
    }
    return {};
  }

  Matrix raw_predict(const MatrixRef& X) const {
    const std::string m = name();
    if (n_features_ == 0) {
      throw Error(Errc::kInvalidArgument, "model '" + m + "' is not fitted");
    }
    if (static_cast<std::size_t>(X.cols()) != n_features_) {
      throw Error(Errc::kInvalidArgument, "model '" + m + "': X has " + std::to_string(X.cols()) +
                                              " columns, but the model was fitted on " +
                                              std::to_string(n_features_));
    }
    const std::size_t K = baseline_.size();
    Matrix raw(X.rows(), static_cast<Eigen::Index>(K));
    // One row at a time, copied out of the column-major X so that every tree reads it from
    // cache.
    std::vector<double> row(n_features_);
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      for (std::size_t f = 0; f < n_features_; ++f) row[f] = X(i, static_cast<Eigen::Index>(f));
      for (std::size_t c = 0; c < K; ++c) {
        double r = 0.0 + baseline_[c];
        for (const auto& trees : predictors_) r += trees[c].predict_row(row.data(), 1);
        raw(i, static_cast<Eigen::Index>(c)) = r;
      }
    }
    return raw;
  }

  Matrix to_proba(const Matrix& raw) const {
    Matrix proba(raw.rows(), static_cast<Eigen::Index>(classes_.size()));
    for (Eigen::Index i = 0; i < raw.rows(); ++i) {
      if (kind_ == LossKind::kBinomial) {
        const double p1 = 1.0 / (1.0 + std::exp(-raw(i, 0)));  // scipy's expit
        proba(i, 1) = p1;
        proba(i, 0) = 1 - p1;
      } else {
        // sklearn's softmax: subtract the row maximum, exp, divide by the sum.
        const double mx = raw.row(i).maxCoeff();
        double s = 0;
        for (Eigen::Index c = 0; c < raw.cols(); ++c) {
          proba(i, c) = std::exp(raw(i, c) - mx);
          s += proba(i, c);
        }
        proba.row(i) /= s;
      }
    }
    return proba;
  }

  bool classifier_;
  std::string loss_, early_stopping_, scoring_;
  double learning_rate_ = 0.1, l2_ = 0, validation_fraction_ = 0.1, tol_ = 1e-7;
  std::int64_t max_iter_ = 100, min_samples_leaf_ = 20, max_bins_ = 255, n_iter_no_change_ = 10;
  std::int64_t random_state_ = 0;
  std::optional<std::int64_t> max_leaf_nodes_ = 31, max_depth_;

  LossKind kind_ = LossKind::kSquared;
  std::vector<double> classes_;
  BinMapper mapper_;
  std::vector<double> baseline_;
  std::vector<std::vector<Predictor>> predictors_;  // [iteration][class]
  std::size_t n_features_ = 0;
};

std::vector<ModelParamInfo> hgb_params(bool classifier) {
  return {{"loss", classifier ? "log_loss" : "squared_error",
           classifier ? "log_loss (binary or multinomial)" : "squared_error"},
          {"learning_rate", "0.1", "shrinkage of the leaf values"},
          {"max_iter", "100", "boosting iterations (trees per class)"},
          {"max_leaf_nodes", "31", "leaves per tree (none: unlimited)"},
          {"max_depth", "none", "depth limit of a tree (none: unlimited)"},
          {"min_samples_leaf", "20", "minimum samples in a leaf"},
          {"l2_regularization", "0.0", "L2 penalty on leaf values"},
          {"max_bins", "255", "bins for non-missing values (2..255); NaN gets its own bin"},
          {"early_stopping", "auto", "auto (on above 10000 rows), true or false"},
          {"scoring", "loss", "early-stopping score: loss"},
          {"validation_fraction", "0.1", "rows held out for early stopping"},
          {"n_iter_no_change", "10", "iterations without improvement before stopping"},
          {"tol", "1e-07", "improvement below which an iteration does not count"},
          {"random_state", "0",
           "seed of the held-out rows for early stopping (freshet's own generator, not numpy's)"}};
}

}  // namespace

void register_hgb_models() {
  register_model({.name = "hist_gradient_boosting_classifier",
                  .description = "sklearn.ensemble.HistGradientBoostingClassifier: histogram "
                                 "gradient boosting, log loss",
                  .classifier = true,
                  .params = hgb_params(true),
                  .make = [](const ModelParams& p) -> std::unique_ptr<Model> {
                    return std::make_unique<HistGradientBoosting>(true, p);
                  }});
  register_model({.name = "hist_gradient_boosting_regressor",
                  .description = "sklearn.ensemble.HistGradientBoostingRegressor: histogram "
                                 "gradient boosting, squared error",
                  .classifier = false,
                  .params = hgb_params(false),
                  .make = [](const ModelParams& p) -> std::unique_ptr<Model> {
                    return std::make_unique<HistGradientBoosting>(false, p);
                  }});
}

}  // namespace freshet
