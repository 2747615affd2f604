// CART builder following scikit-learn 1.2's DepthFirstTreeBuilder / BestSplitter / Criterion
// step for step (see tree.hpp for why each detail matters). Written from the algorithm's
// description; the order of floating-point operations is kept where it changes results.
#include "ml/tree.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/format.hpp"

namespace freshet::tree {

// ---- RNG
// -----------------------------------------------------------------------------------------

std::int64_t LegacyRandomState::randint(std::int64_t low, std::int64_t high) {
  // numpy legacy bounded integers: rng = high - low - 1 (inclusive range); 32-bit words masked to
  // the smallest all-ones mask covering rng, rejected while above rng.
  const std::uint64_t rng = static_cast<std::uint64_t>(high - low - 1);
  if (rng == 0) return low;
  if (rng == 0xFFFFFFFFull) return low + static_cast<std::int64_t>(mt_());
  std::uint32_t mask = static_cast<std::uint32_t>(rng);
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  std::uint32_t v = 0;
  do {
    v = static_cast<std::uint32_t>(mt_()) & mask;
  } while (v > rng);
  return low + static_cast<std::int64_t>(v);
}

namespace {

constexpr std::uint32_t kRandRMax = 0x7FFFFFFFu;
constexpr double kFeatureThreshold = 1e-7;
constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

// sklearn's our_rand_r: 32-bit xorshift (13, 17, 5), reduced modulo 2^31.
inline std::uint32_t our_rand_r(std::uint32_t& state) {
  if (state == 0) state = 1;
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state % (kRandRMax + 1u);
}

inline std::size_t rand_int(std::size_t low, std::size_t high, std::uint32_t& state) {
  return low + our_rand_r(state) % (high - low);
}

// sklearn's tree log: natural log divided by ln 2 (not log2, which rounds differently).
inline double log_2(double x) { return std::log(x) / std::log(2.0); }

// ---- sklearn's introsort (median-of-3 pivot, 3-way partition, heapsort fallback) ---------------
// Sorts Xf and samples together by Xf. Unstable; reproduced because the resulting sample order
// fixes the order of later floating-point sums.

inline void swap2(float* xf, int* s, std::size_t i, std::size_t j) {
  std::swap(xf[i], xf[j]);
  std::swap(s[i], s[j]);
}

inline float median3(const float* xf, std::size_t n) {
  const float a = xf[0], b = xf[n / 2], c = xf[n - 1];
  if (a < b) {
    if (b < c) return b;
    if (a < c) return c;
    return a;
  }
  if (b < c) {
    if (a < c) return a;
    return c;
  }
  return b;
}

void sift_down(float* xf, int* s, std::size_t start, std::size_t end) {
  std::size_t root = start;
  while (true) {
    const std::size_t child = root * 2 + 1;
    std::size_t maxind = root;
    if (child < end && xf[maxind] < xf[child]) maxind = child;
    if (child + 1 < end && xf[maxind] < xf[child + 1]) maxind = child + 1;
    if (maxind == root) return;
    swap2(xf, s, root, maxind);
    root = maxind;
  }
}

void heapsort(float* xf, int* s, std::size_t n) {
  std::size_t start = (n - 2) / 2;
  while (true) {
    sift_down(xf, s, start, n);
    if (start == 0) break;
    --start;
  }
  for (std::size_t end = n - 1; end > 0; --end) {
    swap2(xf, s, 0, end);
    sift_down(xf, s, 0, end);
  }
}

void introsort(float* xf, int* s, std::size_t n, int maxd) {
  while (n > 1) {
    if (maxd <= 0) {
      heapsort(xf, s, n);
      return;
    }
    --maxd;
    const float pivot = median3(xf, n);
    std::size_t i = 0, l = 0, r = n;
    while (i < r) {
      if (xf[i] < pivot) {
        swap2(xf, s, i, l);
        ++i;
        ++l;
      } else if (xf[i] > pivot) {
        --r;
        swap2(xf, s, i, r);
      } else {
        ++i;
      }
    }
    introsort(xf, s, l, maxd);
    xf += r;
    s += r;
    n -= r;
  }
}

void sort_samples(float* xf, int* s, std::size_t n) {
  if (n == 0) return;
  const int maxd = 2 * static_cast<int>(log_2(static_cast<double>(n)));
  introsort(xf, s, n, maxd);
}

// ---- Builder
// -------------------------------------------------------------------------------------

struct SplitRecord {
  std::size_t feature = 0;
  std::size_t pos = 0;
  double threshold = 0;
  double improvement = -std::numeric_limits<double>::infinity();
  double impurity_left = std::numeric_limits<double>::infinity();
  double impurity_right = std::numeric_limits<double>::infinity();
};

class Builder {
 public:
  Builder(const FloatMatrix& X, std::span<const double> y, std::size_t n_classes,
          std::span<const double> weights, const TreeOptions& options)
      : X_(X), y_(y), w_(weights), opt_(options) {
    classification_ = options.criterion != Criterion::kSquaredError;
    width_ = classification_ ? n_classes : 1;
    const std::size_t n = static_cast<std::size_t>(X.rows());
    samples_.reserve(n);
    weighted_n_samples_ = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (w_.empty() || w_[i] != 0.0) samples_.push_back(static_cast<int>(i));
      weighted_n_samples_ += w_.empty() ? 1.0 : w_[i];
    }
    n_features_ = static_cast<std::size_t>(X.cols());
    features_.resize(n_features_);
    for (std::size_t f = 0; f < n_features_; ++f) features_[f] = f;
    constant_features_.assign(n_features_, 0);
    xf_.resize(samples_.size());
    max_features_ =
        options.max_features == 0 ? n_features_ : std::min(options.max_features, n_features_);
    rand_state_ = options.rand_r_seed;
    sum_total_.assign(width_, 0.0);
    sum_left_.assign(width_, 0.0);
    sum_right_.assign(width_, 0.0);
  }

  Tree build() {
    Tree tree;
    tree.value_width = width_;
    struct StackRecord {
      std::size_t start, end, depth;
      int parent;
      bool is_left;
      double impurity;
      std::size_t n_constant_features;
    };
    std::vector<StackRecord> stack;
    stack.push_back({0, samples_.size(), 0, -1, false, std::numeric_limits<double>::infinity(), 0});
    const auto min_split = static_cast<std::size_t>(opt_.min_samples_split);
    const auto min_leaf = static_cast<std::size_t>(opt_.min_samples_leaf);
    bool first = true;
    while (!stack.empty()) {
      const StackRecord rec = stack.back();
      stack.pop_back();
      const std::size_t n_node = rec.end - rec.start;
      criterion_init(rec.start, rec.end);
      bool is_leaf = static_cast<std::int64_t>(rec.depth) >= opt_.max_depth || n_node < min_split ||
                     n_node < 2 * min_leaf;
      double impurity = rec.impurity;
      if (first) {
        impurity = node_impurity();
        first = false;
      }
      is_leaf = is_leaf || impurity <= kEpsilon;
      SplitRecord split;
      split.pos = rec.end;
      std::size_t n_constant = rec.n_constant_features;
      if (!is_leaf) {
        split = node_split(rec.start, rec.end, impurity, n_constant);
        is_leaf = split.pos >= rec.end || split.improvement + kEpsilon < 0.0;
      }
      const int id = static_cast<int>(tree.nodes.size());
      Node node;
      if (!is_leaf) {
        node.feature = static_cast<int>(split.feature);
        node.threshold = split.threshold;
      }
      tree.nodes.push_back(node);
      if (rec.parent >= 0) {
        if (rec.is_left) {
          tree.nodes[static_cast<std::size_t>(rec.parent)].left = id;
        } else {
          tree.nodes[static_cast<std::size_t>(rec.parent)].right = id;
        }
      }
      // node_reset re-ran init above; node_split's criterion updates do not touch sum_total_.
      if (classification_) {
        tree.values.insert(tree.values.end(), sum_total_.begin(), sum_total_.end());
      } else {
        tree.values.push_back(sum_total_[0] / weighted_n_node_);
      }
      if (!is_leaf) {
        stack.push_back(
            {split.pos, rec.end, rec.depth + 1, id, false, split.impurity_right, n_constant});
        stack.push_back(
            {rec.start, split.pos, rec.depth + 1, id, true, split.impurity_left, n_constant});
      }
    }
    return tree;
  }

 private:
  double weight(int i) const { return w_.empty() ? 1.0 : w_[static_cast<std::size_t>(i)]; }
  std::size_t code(int i) const {
    return static_cast<std::size_t>(y_[static_cast<std::size_t>(i)]);
  }

  // ---- Criterion ----
  void criterion_init(std::size_t start, std::size_t end) {
    start_ = start;
    end_ = end;
    std::fill(sum_total_.begin(), sum_total_.end(), 0.0);
    sq_sum_total_ = 0;
    weighted_n_node_ = 0;
    for (std::size_t p = start; p < end; ++p) {
      const int i = samples_[p];
      const double w = weight(i);
      if (classification_) {
        sum_total_[code(i)] += w;
      } else {
        const double yi = y_[static_cast<std::size_t>(i)];
        const double wy = w * yi;
        sum_total_[0] += wy;
        sq_sum_total_ += wy * yi;
      }
      weighted_n_node_ += w;
    }
    reset();
  }

  void reset() {
    pos_ = start_;
    weighted_n_left_ = 0;
    weighted_n_right_ = weighted_n_node_;
    std::fill(sum_left_.begin(), sum_left_.end(), 0.0);
    std::copy(sum_total_.begin(), sum_total_.end(), sum_right_.begin());
  }

  void reverse_reset() {
    pos_ = end_;
    weighted_n_left_ = weighted_n_node_;
    weighted_n_right_ = 0;
    std::copy(sum_total_.begin(), sum_total_.end(), sum_left_.begin());
    std::fill(sum_right_.begin(), sum_right_.end(), 0.0);
  }

  // Moves samples [pos_, new_pos) to the left child, walking from whichever end is closer.
  void update(std::size_t new_pos) {
    if (new_pos - pos_ <= end_ - new_pos) {
      for (std::size_t p = pos_; p < new_pos; ++p) {
        const int i = samples_[p];
        const double w = weight(i);
        if (classification_) {
          sum_left_[code(i)] += w;
        } else {
          sum_left_[0] += w * y_[static_cast<std::size_t>(i)];
        }
        weighted_n_left_ += w;
      }
    } else {
      reverse_reset();
      for (std::size_t p = end_; p-- > new_pos;) {
        const int i = samples_[p];
        const double w = weight(i);
        if (classification_) {
          sum_left_[code(i)] -= w;
        } else {
          sum_left_[0] -= w * y_[static_cast<std::size_t>(i)];
        }
        weighted_n_left_ -= w;
      }
    }
    weighted_n_right_ = weighted_n_node_ - weighted_n_left_;
    for (std::size_t c = 0; c < width_; ++c) sum_right_[c] = sum_total_[c] - sum_left_[c];
    pos_ = new_pos;
  }

  double class_impurity(const std::vector<double>& sums, double wn) const {
    if (opt_.criterion == Criterion::kGini) {
      double sq = 0;
      for (std::size_t c = 0; c < width_; ++c) sq += sums[c] * sums[c];
      return 1.0 - sq / (wn * wn);
    }
    double entropy = 0;
    for (std::size_t c = 0; c < width_; ++c) {
      double count = sums[c];
      if (count > 0.0) {
        count /= wn;
        entropy -= count * log_2(count);
      }
    }
    return entropy;
  }

  double node_impurity() const {
    if (classification_) return class_impurity(sum_total_, weighted_n_node_);
    double impurity = sq_sum_total_ / weighted_n_node_;
    const double mean = sum_total_[0] / weighted_n_node_;
    impurity -= mean * mean;
    return impurity;
  }

  void children_impurity(double& left, double& right) const {
    if (classification_) {
      left = class_impurity(sum_left_, weighted_n_left_);
      right = class_impurity(sum_right_, weighted_n_right_);
      return;
    }
    double sq_sum_left = 0;
    for (std::size_t p = start_; p < pos_; ++p) {
      const int i = samples_[p];
      const double yi = y_[static_cast<std::size_t>(i)];
      sq_sum_left += weight(i) * yi * yi;
    }
    const double sq_sum_right = sq_sum_total_ - sq_sum_left;
    left = sq_sum_left / weighted_n_left_;
    right = sq_sum_right / weighted_n_right_;
    const double ml = sum_left_[0] / weighted_n_left_;
    const double mr = sum_right_[0] / weighted_n_right_;
    left -= ml * ml;
    right -= mr * mr;
  }

  double proxy_impurity_improvement() const {
    if (classification_) {
      double left = 0, right = 0;
      children_impurity(left, right);
      return -weighted_n_right_ * right - weighted_n_left_ * left;
    }
    const double pl = sum_left_[0] * sum_left_[0];
    const double pr = sum_right_[0] * sum_right_[0];
    return pl / weighted_n_left_ + pr / weighted_n_right_;
  }

  double impurity_improvement(double parent, double left, double right) const {
    return (weighted_n_node_ / weighted_n_samples_) *
           (parent - weighted_n_right_ / weighted_n_node_ * right -
            weighted_n_left_ / weighted_n_node_ * left);
  }

  // ---- Splitter ----
  SplitRecord node_split(std::size_t start, std::size_t end, double impurity,
                         std::size_t& n_constant_features) {
    SplitRecord best;
    best.pos = end;
    SplitRecord current;
    double best_proxy = -std::numeric_limits<double>::infinity();
    std::size_t f_i = n_features_;
    std::size_t n_visited = 0;
    std::size_t n_found_constants = 0;
    std::size_t n_drawn_constants = 0;
    const std::size_t n_known_constants = n_constant_features;
    std::size_t n_total_constants = n_known_constants;
    const std::size_t min_leaf = static_cast<std::size_t>(opt_.min_samples_leaf);
    float* xf = xf_.data();
    int* s = samples_.data();
    std::size_t last_feature = n_features_;  // random splitter: feature of the last partition

    // Fisher-Yates over the features, skipping known constants; at least one non-constant
    // feature is evaluated even past max_features.
    while (f_i > n_total_constants &&
           (n_visited < max_features_ || n_visited <= n_found_constants + n_drawn_constants)) {
      ++n_visited;
      std::size_t f_j = rand_int(n_drawn_constants, f_i - n_found_constants, rand_state_);
      if (f_j < n_known_constants) {
        std::swap(features_[n_drawn_constants], features_[f_j]);
        ++n_drawn_constants;
        continue;
      }
      f_j += n_found_constants;
      current.feature = features_[f_j];
      const float* column = X_.col(static_cast<Eigen::Index>(current.feature)).data();
      if (opt_.random_splits) {
        last_feature = current.feature;
        random_split_candidate(start, end, f_j, n_found_constants, n_total_constants, f_i, current,
                               best, best_proxy);
        continue;
      }
      for (std::size_t p = start; p < end; ++p) xf[p] = column[s[p]];
      sort_samples(xf + start, s + start, end - start);

      if (static_cast<double>(xf[end - 1]) <= static_cast<double>(xf[start]) + kFeatureThreshold) {
        std::swap(features_[f_j], features_[n_total_constants]);
        ++n_found_constants;
        ++n_total_constants;
        continue;
      }
      --f_i;
      std::swap(features_[f_i], features_[f_j]);

      reset();
      std::size_t p = start;
      while (p < end) {
        while (p + 1 < end &&
               static_cast<double>(xf[p + 1]) <= static_cast<double>(xf[p]) + kFeatureThreshold) {
          ++p;
        }
        ++p;
        if (p >= end) continue;
        current.pos = p;
        if (p - start < min_leaf || end - p < min_leaf) continue;
        update(p);
        const double proxy = proxy_impurity_improvement();
        if (proxy > best_proxy) {
          best_proxy = proxy;
          // Sum of halves avoids overflow; fall back to the lower value when the midpoint rounds
          // onto the upper one.
          double threshold =
              static_cast<double>(xf[p - 1]) / 2.0 + static_cast<double>(xf[p]) / 2.0;
          if (threshold == static_cast<double>(xf[p]) || std::isinf(threshold)) {
            threshold = static_cast<double>(xf[p - 1]);
          }
          current.threshold = threshold;
          best = current;
        }
      }
    }

    if (best.pos < end) {
      const float* column = X_.col(static_cast<Eigen::Index>(best.feature)).data();
      std::size_t partition_end = end;
      std::size_t p = start;
      // sklearn's random splitter re-partitions only when the last feature it drew is not the
      // best one (partitioning twice would reorder the right side, and with it later sums).
      if (opt_.random_splits && last_feature == best.feature) partition_end = start;
      while (p < partition_end) {
        if (static_cast<double>(column[s[p]]) <= best.threshold) {
          ++p;
        } else {
          --partition_end;
          std::swap(s[p], s[partition_end]);
        }
      }
      reset();
      update(best.pos);
      children_impurity(best.impurity_left, best.impurity_right);
      best.improvement = impurity_improvement(impurity, best.impurity_left, best.impurity_right);
    }

    // Known constants keep their original order for the children; newly found ones follow.
    std::copy(constant_features_.begin(),
              constant_features_.begin() + static_cast<std::ptrdiff_t>(n_known_constants),
              features_.begin());
    std::copy(
        features_.begin() + static_cast<std::ptrdiff_t>(n_known_constants),
        features_.begin() + static_cast<std::ptrdiff_t>(n_known_constants + n_found_constants),
        constant_features_.begin() + static_cast<std::ptrdiff_t>(n_known_constants));
    n_constant_features = n_total_constants;
    return best;
  }

  // sklearn's RandomSplitter for one drawn feature f_j: min and max over the node, a threshold
  // drawn uniformly in [min, max) with the xorshift state (max itself maps to min), samples
  // partitioned around it, and the split kept if it beats the best proxy so far. A constant
  // feature is moved to the constants as the best splitter does.
  void random_split_candidate(std::size_t start, std::size_t end, std::size_t f_j,
                              std::size_t& n_found_constants, std::size_t& n_total_constants,
                              std::size_t& f_i, SplitRecord& current, SplitRecord& best,
                              double& best_proxy) {
    const float* column = X_.col(static_cast<Eigen::Index>(current.feature)).data();
    float* xf = xf_.data();
    int* s = samples_.data();
    float min_value = column[s[start]];
    float max_value = min_value;
    xf[start] = min_value;
    for (std::size_t p = start + 1; p < end; ++p) {
      const float v = column[s[p]];
      xf[p] = v;
      if (v < min_value) {
        min_value = v;
      } else if (v > max_value) {
        max_value = v;
      }
    }
    if (static_cast<double>(max_value) <= static_cast<double>(min_value) + kFeatureThreshold) {
      std::swap(features_[f_j], features_[n_total_constants]);
      ++n_found_constants;
      ++n_total_constants;
      return;
    }
    --f_i;
    std::swap(features_[f_i], features_[f_j]);
    const double lo = min_value, hi = max_value;
    current.threshold =
        (hi - lo) * static_cast<double>(our_rand_r(rand_state_)) / static_cast<double>(kRandRMax) +
        lo;
    if (current.threshold == hi) current.threshold = lo;
    std::size_t p = start, partition_end = end;
    while (p < partition_end) {
      if (static_cast<double>(xf[p]) <= current.threshold) {
        ++p;
      } else {
        --partition_end;
        std::swap(xf[p], xf[partition_end]);
        std::swap(s[p], s[partition_end]);
      }
    }
    current.pos = partition_end;
    const auto min_leaf = static_cast<std::size_t>(opt_.min_samples_leaf);
    if (current.pos - start < min_leaf || end - current.pos < min_leaf) return;
    reset();
    update(current.pos);
    const double proxy = proxy_impurity_improvement();
    if (proxy > best_proxy) {
      best_proxy = proxy;
      best = current;
    }
  }

  const FloatMatrix& X_;
  std::span<const double> y_;
  std::span<const double> w_;
  const TreeOptions& opt_;
  bool classification_ = true;
  std::size_t width_ = 1;
  std::size_t n_features_ = 0;
  std::size_t max_features_ = 0;
  std::uint32_t rand_state_ = 1;
  std::vector<int> samples_;
  std::vector<float> xf_;
  std::vector<std::size_t> features_;
  std::vector<std::size_t> constant_features_;
  double weighted_n_samples_ = 0;

  // Criterion state for the node [start_, end_).
  std::size_t start_ = 0, end_ = 0, pos_ = 0;
  double weighted_n_node_ = 0, weighted_n_left_ = 0, weighted_n_right_ = 0;
  std::vector<double> sum_total_, sum_left_, sum_right_;
  double sq_sum_total_ = 0;
};

}  // namespace

// ---- Public
// --------------------------------------------------------------------------------------

std::uint32_t splitter_seed(std::uint32_t random_state) {
  LegacyRandomState rng(random_state);
  return static_cast<std::uint32_t>(rng.randint(0, kRandRMax));
}

std::size_t MaxFeatures::resolve(std::size_t n_features) const {
  const double n = static_cast<double>(n_features);
  switch (kind) {
    case Kind::kAll:
      return n_features;
    case Kind::kSqrt:
      return std::max<std::size_t>(1, static_cast<std::size_t>(std::sqrt(n)));
    case Kind::kLog2:
      return std::max<std::size_t>(1, static_cast<std::size_t>(std::log2(n)));
    case Kind::kCount:
      return std::min(n_features, static_cast<std::size_t>(value));
    case Kind::kFraction:
      return std::max<std::size_t>(1, static_cast<std::size_t>(value * n));
  }
  return n_features;
}

std::string MaxFeatures::text() const {
  switch (kind) {
    case Kind::kAll:
      return "none";
    case Kind::kSqrt:
      return "sqrt";
    case Kind::kLog2:
      return "log2";
    case Kind::kCount:
      return std::to_string(static_cast<std::int64_t>(value));
    case Kind::kFraction:
      return format_double(value);
  }
  return "none";
}

MaxFeatures parse_max_features(const std::string& text, const std::string& model) {
  MaxFeatures out;
  if (text == "none" || text == "None") return out;
  if (text == "sqrt") return {MaxFeatures::Kind::kSqrt, 0};
  if (text == "log2") return {MaxFeatures::Kind::kLog2, 0};
  std::int64_t count = 0;
  if (parse_int64(text, count) && count >= 1)
    return {MaxFeatures::Kind::kCount, static_cast<double>(count)};
  double fraction = 0;
  if (text.find_first_of(".eE") != std::string::npos && parse_double(text, fraction) &&
      fraction > 0.0 && fraction <= 1.0) {
    return {MaxFeatures::Kind::kFraction, fraction};
  }
  throw Error(Errc::kInvalidArgument,
              "model '" + model +
                  "': parameter 'max_features' must be none, sqrt, log2, an integer " +
                  ">= 1 or a fraction in (0, 1], got \"" + text + "\"");
}

std::size_t Tree::depth() const {
  std::size_t best = 0;
  std::vector<std::pair<std::size_t, std::size_t>> stack{{0, 0}};
  while (!stack.empty()) {
    const auto [n, d] = stack.back();
    stack.pop_back();
    best = std::max(best, d);
    if (nodes[n].feature >= 0) {
      stack.push_back({static_cast<std::size_t>(nodes[n].left), d + 1});
      stack.push_back({static_cast<std::size_t>(nodes[n].right), d + 1});
    }
  }
  return best;
}

std::size_t Tree::leaves() const {
  return static_cast<std::size_t>(
      std::count_if(nodes.begin(), nodes.end(), [](const Node& n) { return n.feature < 0; }));
}

Tree fit_tree(const FloatMatrix& X, std::span<const double> y, std::size_t n_classes,
              std::span<const double> sample_weight, const TreeOptions& options) {
  Builder builder(X, y, n_classes, sample_weight, options);
  return builder.build();
}

}  // namespace freshet::tree
