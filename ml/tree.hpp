#pragma once
// CART decision trees as scikit-learn 1.2 builds them (DepthFirstTreeBuilder + BestSplitter), the
// engine behind decision_tree_* and random_forest_* (ml/models_tree.cpp).
//
// Reproducing sklearn's fitted trees split for split needs four of its details, all kept here:
//  * X is float32 (sklearn's DTYPE): thresholds are midpoints of adjacent float32 values, stored as
//    double, and prediction compares the float32 feature value with them;
//  * the features of a node are visited in a Fisher-Yates order drawn from sklearn's xorshift
//    generator (`our_rand_r`), whose state persists from node to node in depth-first, left-first
//    order and is seeded by numpy's legacy RandomState(random_state).randint(0, 2^31 - 1);
//  * among equally good splits the first one found wins (strict `>`), samples are ordered by
//    sklearn's introsort (unstable; the order fixes the summation order of regression sums);
//  * criterion sums are updated forward or backward from the split position exactly as sklearn's
//    Criterion.update does, so float rounding is the same.
// splitter="random" (TreeOptions::random_splits, extra trees) follows sklearn's RandomSplitter with
// the same xorshift state. Not supported: max_leaf_nodes (best-first builder),
// min_impurity_decrease, min_weight_fraction_leaf, missing values.
//
// Thread-safety: fit_tree is reentrant (all state is local); a fitted Tree is immutable.

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace freshet::tree {

// numpy's legacy RandomState for the two draws sklearn makes from it: MT19937 seeded with
// init_genrand(seed) (std::mt19937 seeds the same way) and randint on int64 with masked rejection
// of 32-bit words.
class LegacyRandomState {
 public:
  explicit LegacyRandomState(std::uint32_t seed) : mt_(seed) {}
  // Uniform integer in [low, high); requires low < high and high - low <= 2^32.
  std::int64_t randint(std::int64_t low, std::int64_t high);

 private:
  std::mt19937 mt_;
};

enum class Criterion { kGini, kEntropy, kLogLoss, kSquaredError };

// sklearn's max_features: None (all), "sqrt", "log2", an int count, or a float fraction.
struct MaxFeatures {
  enum class Kind { kAll, kSqrt, kLog2, kCount, kFraction };
  Kind kind = Kind::kAll;
  double value = 0;  // the count or the fraction
  // Number of features drawn per node for `n_features` columns, as sklearn computes it.
  std::size_t resolve(std::size_t n_features) const;
  std::string text() const;
};
// Parses "none"/"None", "sqrt", "log2", "3" (count >= 1), "0.5" (fraction in (0, 1]). Throws
// Error(kInvalidArgument) naming the model and the parameter.
MaxFeatures parse_max_features(const std::string& text, const std::string& model);

struct TreeOptions {
  Criterion criterion = Criterion::kGini;
  std::int64_t max_depth = 0x7FFFFFFF;  // sklearn's "None"
  std::int64_t min_samples_split = 2;   // already max(min_samples_split, 2 * min_samples_leaf)
  std::int64_t min_samples_leaf = 1;
  std::size_t max_features = 0;  // features drawn per node; 0 = all
  // Seed of the splitter's xorshift state (sklearn: RandomState(seed).randint(0, 0x7FFFFFFF)).
  std::uint32_t rand_r_seed = 1;
  // sklearn's RandomSplitter (extra trees): per drawn feature one threshold uniform between the
  // node's minimum and maximum, instead of the best of all cut points.
  bool random_splits = false;
};

// Converts a seed the way sklearn's BaseDecisionTree.fit does before building.
std::uint32_t splitter_seed(std::uint32_t random_state);

// Feature matrix as sklearn's trees see it: float32, column-major (one column per feature).
using FloatMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
// Rows of a query matrix as float32, row-major, for prediction.
using FloatRows = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Node {
  int feature = -1;  // -1: leaf
  double threshold = 0;
  int left = -1;   // child for x[feature] <= threshold
  int right = -1;  // child for x[feature] > threshold
};

class Tree {
 public:
  std::vector<Node> nodes;
  // Per node: weighted class counts (classification, width = n_classes) or the weighted mean
  // (regression, width 1).
  std::size_t value_width = 1;
  std::vector<double> values;

  // Index of the leaf that `row` (float32 values, one per feature) falls into.
  std::size_t apply(const float* row) const {
    std::size_t n = 0;
    while (nodes[n].feature >= 0) {
      const Node& node = nodes[n];
      n = static_cast<std::size_t>(row[node.feature] <= node.threshold ? node.left : node.right);
    }
    return n;
  }
  const double* value(std::size_t node) const { return values.data() + node * value_width; }
  std::size_t depth() const;
  std::size_t leaves() const;
};

// Fits one tree on the rows of X with nonzero weight. `y`: class codes 0..n_classes-1 (as
// doubles) for classification criteria, targets for squared_error. `sample_weight`: empty for
// unit weights, else one non-negative weight per row (forests pass bootstrap counts).
// `n_classes` is ignored for regression. The caller validates shapes and finiteness.
Tree fit_tree(const FloatMatrix& X, std::span<const double> y, std::size_t n_classes,
              std::span<const double> sample_weight, const TreeOptions& options);

}  // namespace freshet::tree
