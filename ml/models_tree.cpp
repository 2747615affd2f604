// Models: decision_tree_classifier, decision_tree_regressor, random_forest_classifier,
// random_forest_regressor, extra_trees_classifier, extra_trees_regressor (sklearn.tree /
// sklearn.ensemble 1.2), on the CART engine of ml/tree.hpp. Extra trees are forests whose trees
// use sklearn's RandomSplitter (tree::TreeOptions::random_splits) and, by default, no bootstrap;
// their seeding is the forests' below, so they are the trees sklearn grows.
//
// Forests follow sklearn's seeding so that a forest is the same one sklearn grows:
// RandomState(random_state).randint(2^31 - 1) once per tree, in tree order, before any tree is
// fitted; tree t then draws its bootstrap rows from RandomState(seed_t).randint(0, n, n) and its
// splitter state from a fresh RandomState(seed_t). Trees are independent given their seeds, so
// FitContext::parallel_for may fit them in any order on any number of workers with the same result.
//
// Deviation: sklearn's random_state defaults to None (a fresh seed each fit); freshet has no
// nondeterministic mode and defaults to 0.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_params.hpp"
#include "ml/tree.hpp"

namespace freshet {

namespace {

// kExtra: sklearn's ExtraTrees*, a forest of trees with random splits and no bootstrap by default.
enum class TreeKind { kTree, kForest, kExtra };

struct TreeModelSettings {
  std::string name;
  bool classifier = true;
  TreeKind kind = TreeKind::kTree;
};

class TreeModel final : public Model {
 public:
  TreeModel(TreeModelSettings settings, const ModelParams& params)
      : settings_(std::move(settings)), params_text_(params) {
    const std::string& m = settings_.name;
    if (settings_.classifier) {
      criterion_text_ =
          param_choice(params, "criterion", "gini", {"gini", "entropy", "log_loss"}, m);
      options_.criterion =
          criterion_text_ == "gini" ? tree::Criterion::kGini : tree::Criterion::kEntropy;
    } else {
      criterion_text_ = param_choice(params, "criterion", "squared_error", {"squared_error"}, m);
      options_.criterion = tree::Criterion::kSquaredError;
    }
    max_depth_ = param_optional_int(params, "max_depth", std::nullopt, m, 1, 0x7FFFFFFF);
    min_samples_split_ = param_int(params, "min_samples_split", 2, m, 2, 0x7FFFFFFF);
    min_samples_leaf_ = param_int(params, "min_samples_leaf", 1, m, 1, 0x7FFFFFFF);
    const auto mf = params.find("max_features");
    const std::string mf_default =
        settings_.kind != TreeKind::kTree ? (settings_.classifier ? "sqrt" : "1.0") : "none";
    max_features_ = tree::parse_max_features(mf == params.end() ? mf_default : mf->second, m);
    random_state_ = param_int(params, "random_state", 0, m, 0, 0xFFFFFFFFll);
    if (settings_.kind != TreeKind::kTree) {
      n_estimators_ = param_int(params, "n_estimators", 100, m, 1, 1000000);
      bootstrap_ = param_bool(params, "bootstrap", settings_.kind == TreeKind::kForest, m);
    }
  }

  std::string name() const override { return settings_.name; }
  bool is_classifier() const override { return settings_.classifier; }
  std::vector<double> classes() const override { return classes_; }

  ModelParams params() const override {
    ModelParams p;
    p["criterion"] = criterion_text_;
    p["max_depth"] = param_text(max_depth_);
    p["min_samples_split"] = param_text(min_samples_split_);
    p["min_samples_leaf"] = param_text(min_samples_leaf_);
    p["max_features"] = max_features_.text();
    p["random_state"] = param_text(random_state_);
    if (settings_.kind != TreeKind::kTree) {
      p["n_estimators"] = param_text(n_estimators_);
      p["bootstrap"] = param_text(bootstrap_);
    }
    return p;
  }

  std::unique_ptr<Model> clone() const override {
    return std::make_unique<TreeModel>(settings_, params_text_);
  }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext& context) override {
    check_fit_input(settings_.name, X, y);
    const std::size_t n = static_cast<std::size_t>(X.rows());
    const std::size_t d = static_cast<std::size_t>(X.cols());
    if (max_features_.kind == tree::MaxFeatures::Kind::kCount &&
        max_features_.value > static_cast<double>(d)) {
      throw Error(Errc::kInvalidArgument,
                  "model '" + settings_.name + "': max_features=" + max_features_.text() +
                      " exceeds the " + std::to_string(d) + " feature columns");
    }
    // sklearn fits trees on float32 copies of X.
    const tree::FloatMatrix Xf = X.cast<float>();
    std::vector<double> target;
    std::size_t n_classes = 0;
    if (settings_.classifier) {
      EncodedLabels enc = encode_labels(y);
      classes_ = std::move(enc.classes);
      n_classes = classes_.size();
      target.assign(enc.codes.begin(), enc.codes.end());
    } else {
      classes_.clear();
      target.assign(y.begin(), y.end());
    }
    tree::TreeOptions opts;
    opts.criterion = options_.criterion;
    opts.max_depth = max_depth_ ? *max_depth_ : 0x7FFFFFFF;
    opts.min_samples_leaf = min_samples_leaf_;
    opts.min_samples_split = std::max(min_samples_split_, 2 * min_samples_leaf_);
    opts.max_features = max_features_.resolve(d);
    opts.random_splits = settings_.kind == TreeKind::kExtra;

    trees_.clear();
    if (settings_.kind == TreeKind::kTree) {
      opts.rand_r_seed = tree::splitter_seed(static_cast<std::uint32_t>(random_state_));
      trees_.push_back(tree::fit_tree(Xf, target, n_classes, {}, opts));
    } else {
      // Seeds are drawn up front in tree order: what a tree gets never depends on scheduling.
      tree::LegacyRandomState rs(static_cast<std::uint32_t>(random_state_));
      std::vector<std::uint32_t> seeds(static_cast<std::size_t>(n_estimators_));
      for (auto& s : seeds) s = static_cast<std::uint32_t>(rs.randint(0, 0x7FFFFFFF));
      trees_.resize(seeds.size());
      const auto fit_one = [&](std::size_t t) {
        tree::TreeOptions local = opts;
        local.rand_r_seed = tree::splitter_seed(seeds[t]);
        std::vector<double> counts;
        if (bootstrap_) {
          counts.assign(n, 0.0);
          tree::LegacyRandomState draw(seeds[t]);
          for (std::size_t k = 0; k < n; ++k) {
            counts[static_cast<std::size_t>(draw.randint(0, static_cast<std::int64_t>(n)))] += 1.0;
          }
        }
        trees_[t] = tree::fit_tree(Xf, target, n_classes, counts, local);
      };
      if (context.parallel_for) {
        context.parallel_for(seeds.size(), fit_one);
      } else {
        for (std::size_t t = 0; t < seeds.size(); ++t) fit_one(t);
      }
    }
    if (settings_.classifier) {
      // Class counts -> fractions once per node (sklearn divides at every predict_proba; same
      // numbers), so prediction only adds.
      for (auto& t : trees_) {
        for (std::size_t node = 0; node < t.nodes.size(); ++node) {
          double* v = t.values.data() + node * n_classes;
          double norm = 0;
          for (std::size_t c = 0; c < n_classes; ++c) norm += v[c];
          if (norm == 0.0) norm = 1.0;
          for (std::size_t c = 0; c < n_classes; ++c) v[c] /= norm;
        }
      }
    }
    n_features_ = d;
  }

  Vector predict(const MatrixRef& X) const override {
    check_predict_input(settings_.name, X, n_features_);
    const tree::FloatRows rows = X.cast<float>();
    const std::size_t n = static_cast<std::size_t>(X.rows());
    Vector out(static_cast<Eigen::Index>(n));
    if (settings_.classifier) {
      const Matrix proba = probabilities(rows);
      for (std::size_t i = 0; i < n; ++i) {
        Eigen::Index best = 0;
        const auto r = static_cast<Eigen::Index>(i);
        for (Eigen::Index c = 1; c < proba.cols(); ++c) {
          if (proba(r, c) > proba(r, best)) best = c;  // first maximum, as numpy's argmax
        }
        out(r) = classes_[static_cast<std::size_t>(best)];
      }
      return out;
    }
    // Tree by tree (each tree's nodes stay in cache); every row still sums its trees in order.
    std::vector<double> sum(n, 0.0);
    for (const auto& t : trees_) {
      for (std::size_t i = 0; i < n; ++i) {
        sum[i] += t.value(t.apply(rows.row(static_cast<Eigen::Index>(i)).data()))[0];
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      out(static_cast<Eigen::Index>(i)) = sum[i] / static_cast<double>(trees_.size());
    }
    return out;
  }

  Matrix predict_proba(const MatrixRef& X) const override {
    if (!settings_.classifier) return Model::predict_proba(X);
    check_predict_input(settings_.name, X, n_features_);
    const tree::FloatRows rows = X.cast<float>();
    return probabilities(rows);
  }

 private:
  // Mean over trees of each tree's leaf class fractions (sklearn: per-tree predict_proba summed in
  // tree order, then divided by the number of trees). fit() stored the fractions as node values.
  Matrix probabilities(const tree::FloatRows& rows) const {
    const std::size_t k = classes_.size();
    const auto n = static_cast<std::size_t>(rows.rows());
    // Row-major accumulator, filled tree by tree; each entry adds its trees in tree order.
    std::vector<double> acc(n * k, 0.0);
    for (const auto& t : trees_) {
      for (std::size_t i = 0; i < n; ++i) {
        const double* v = t.value(t.apply(rows.row(static_cast<Eigen::Index>(i)).data()));
        double* a = acc.data() + i * k;
        for (std::size_t c = 0; c < k; ++c) a[c] += v[c];
      }
    }
    Matrix out(rows.rows(), static_cast<Eigen::Index>(k));
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < k; ++c) {
        out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)) = acc[i * k + c];
      }
    }
    if (trees_.size() > 1) out /= static_cast<double>(trees_.size());
    return out;
  }

  TreeModelSettings settings_;
  ModelParams params_text_;
  std::string criterion_text_;
  tree::TreeOptions options_;
  std::optional<std::int64_t> max_depth_;
  std::int64_t min_samples_split_ = 2;
  std::int64_t min_samples_leaf_ = 1;
  tree::MaxFeatures max_features_;
  std::int64_t random_state_ = 0;
  std::int64_t n_estimators_ = 1;
  bool bootstrap_ = false;

  std::vector<double> classes_;
  std::vector<tree::Tree> trees_;
  std::size_t n_features_ = 0;
};

std::vector<ModelParamInfo> tree_params(bool classifier, TreeKind kind) {
  std::vector<ModelParamInfo> p;
  if (kind != TreeKind::kTree) {
    p.push_back({"n_estimators", "100", "number of trees"});
  }
  p.push_back({"criterion", classifier ? "gini" : "squared_error",
               classifier ? "split quality: gini, entropy or log_loss (= entropy)"
                          : "split quality: squared_error"});
  p.push_back({"max_depth", "none", "maximum depth of a tree (none: grow until leaves are pure)"});
  p.push_back({"min_samples_split", "2", "minimum samples (distinct rows) to split a node"});
  p.push_back({"min_samples_leaf", "1", "minimum samples (distinct rows) in each leaf"});
  p.push_back({"max_features", kind != TreeKind::kTree ? (classifier ? "sqrt" : "1.0") : "none",
               "features drawn per split: none (all), sqrt, log2, a count or a fraction"});
  if (kind != TreeKind::kTree) {
    p.push_back({"bootstrap", kind == TreeKind::kForest ? "true" : "false",
                 "fit each tree on a bootstrap sample (as counts)"});
  }
  p.push_back({"random_state", "0",
               "seed of numpy's RandomState as sklearn uses it (sklearn's default None is "
               "nondeterministic; freshet uses 0)"});
  return p;
}

void register_tree_model(const std::string& name, const std::string& description, bool classifier,
                         TreeKind kind) {
  TreeModelSettings settings{name, classifier, kind};
  register_model(ModelInfo{.name = name,
                           .description = description,
                           .classifier = classifier,
                           .params = tree_params(classifier, kind),
                           .make = [settings](const ModelParams& params) -> std::unique_ptr<Model> {
                             return std::make_unique<TreeModel>(settings, params);
                           }});
}

}  // namespace

void register_tree_models() {
  register_tree_model("decision_tree_classifier",
                      "sklearn.tree.DecisionTreeClassifier: CART classification tree", true,
                      TreeKind::kTree);
  register_tree_model("decision_tree_regressor",
                      "sklearn.tree.DecisionTreeRegressor: CART regression tree", false,
                      TreeKind::kTree);
  register_tree_model("random_forest_classifier",
                      "sklearn.ensemble.RandomForestClassifier: bagged CART trees, mean of "
                      "probabilities",
                      true, TreeKind::kForest);
  register_tree_model("random_forest_regressor",
                      "sklearn.ensemble.RandomForestRegressor: bagged CART trees, mean prediction",
                      false, TreeKind::kForest);
  register_tree_model("extra_trees_classifier",
                      "sklearn.ensemble.ExtraTreesClassifier: trees with random thresholds, mean "
                      "of probabilities",
                      true, TreeKind::kExtra);
  register_tree_model("extra_trees_regressor",
                      "sklearn.ensemble.ExtraTreesRegressor: trees with random thresholds, mean "
                      "prediction",
                      false, TreeKind::kExtra);
}

}  // namespace freshet
