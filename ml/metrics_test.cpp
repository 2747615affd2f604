// Metrics against scikit-learn 1.2.1 (shared/reference/sklearn/metrics.csv, computed by
// sklearn.metrics from metrics_inputs.csv): every row of the golden file is checked.
#include "ml/metrics.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "ml/model.hpp"

using namespace freshet;

namespace {

std::string shared_dir() { return std::string(FRESHET_SOURCE_DIR) + "/../shared"; }

// case -> vector name -> values (by index)
using Inputs = std::map<std::string, std::map<std::string, std::vector<double>>>;

Inputs read_inputs() {
  const Table t = read_csv(shared_dir() + "/reference/sklearn/metrics_inputs.csv");
  Inputs out;
  const auto& cs = t.column("case");
  const auto& vec = t.column("vector");
  const auto& index = t.column("index");
  const auto& value = t.column("value");
  for (std::size_t r = 0; r < t.num_rows(); ++r) {
    auto& v = out[cs.as_string(r)][vec.as_string(r)];
    const auto i = static_cast<std::size_t>(index.as_double(r));
    if (v.size() <= i) v.resize(i + 1, NAN);
    v[i] = value.as_double(r);
  }
  return out;
}

// The value of `metric` for `case_name` computed by freshet; NaN if freshet has no such metric
// (which fails the test).
double compute(const Inputs& in, const std::string& case_name, const std::string& metric) {
  const auto& v = in.at(case_name);
  const auto& yt = v.at("y_true");
  auto yp = [&] { return std::span<const double>(v.at("y_pred")); };
  if (metric == "accuracy") return accuracy_score(yt, yp());
  if (metric == "balanced_accuracy") return balanced_accuracy_score(yt, yp());
  if (metric == "matthews_corrcoef") return matthews_corrcoef(yt, yp());
  const std::pair<const char*, Average> averages[] = {{"_binary", Average::kBinary},
                                                      {"_micro", Average::kMicro},
                                                      {"_macro", Average::kMacro},
                                                      {"_weighted", Average::kWeighted}};
  for (const auto& [suffix, average] : averages) {
    if (metric == std::string("precision") + suffix) return precision_score(yt, yp(), average);
    if (metric == std::string("recall") + suffix) return recall_score(yt, yp(), average);
    if (metric == std::string("f1") + suffix) return f1_score(yt, yp(), average);
  }
  if (metric.rfind("confusion_matrix_true", 0) == 0) {
    // confusion_matrix_true<i>_pred<j>: i, j index the sorted labels
    const auto p = metric.find("_pred");
    const std::size_t i = std::stoul(metric.substr(21, p - 21));
    const std::size_t j = std::stoul(metric.substr(p + 5));
    return static_cast<double>(confusion_matrix(yt, yp()).at(i, j));
  }
  if (case_name == "multiclass") {
    const auto& p0 = v.at("p0");
    Matrix proba(static_cast<Eigen::Index>(p0.size()), 3);
    for (std::size_t r = 0; r < p0.size(); ++r)
      for (int c = 0; c < 3; ++c)
        proba(static_cast<Eigen::Index>(r), c) = v.at("p" + std::to_string(c))[r];
    const std::vector<double> classes = {0, 1, 2};
    if (metric == "log_loss") return log_loss(yt, proba, classes);
    if (metric == "roc_auc_ovr_macro")
      return roc_auc_score_multiclass(yt, proba, classes, MultiClass::kOvr);
    if (metric == "roc_auc_ovo_macro")
      return roc_auc_score_multiclass(yt, proba, classes, MultiClass::kOvo);
  }
  if (v.count("y_score")) {
    const auto& s = v.at("y_score");
    if (metric == "roc_auc") return roc_auc_score(yt, s);
    if (metric == "log_loss") return log_loss_binary(yt, s);
    if (metric == "average_precision") return average_precision_score(yt, s);
    if (metric == "brier_score") return brier_score_loss(yt, s);
  }
  if (metric == "mse") return mean_squared_error(yt, yp());
  if (metric == "rmse") return root_mean_squared_error(yt, yp());
  if (metric == "mae") return mean_absolute_error(yt, yp());
  if (metric == "r2") return r2_score(yt, yp());
  if (metric == "r2_perfect") return r2_score(yt, yt);
  if (metric == "explained_variance") return explained_variance_score(yt, yp());
  if (metric == "median_absolute_error") return median_absolute_error(yt, yp());
  if (metric == "max_error") return max_error(yt, yp());
  return NAN;
}

}  // namespace

TEST_CASE("metrics: every row of sklearn's metrics.csv") {
  const Inputs in = read_inputs();
  const Table expected = read_csv(shared_dir() + "/reference/sklearn/metrics.csv");
  REQUIRE(expected.num_rows() > 60);
  for (std::size_t r = 0; r < expected.num_rows(); ++r) {
    const std::string case_name = expected.column("case").as_string(r);
    const std::string metric = expected.column("metric").as_string(r);
    const double want = expected.column("value").as_double(r);
    const double got = compute(in, case_name, metric);
    INFO(case_name << " " << metric << ": got " << got << ", sklearn " << want);
    if (metric.rfind("confusion_matrix", 0) == 0) {
      CHECK(got == want);
    } else {
      CHECK(std::abs(got - want) <= 1e-12 * std::abs(want));
    }
  }
}

TEST_CASE("metrics: argument errors") {
  const std::vector<double> a = {0, 1, 1}, b = {0, 1};
  CHECK_THROWS_AS(accuracy_score(a, b), Error);
  const std::vector<double> three = {0, 1, 2}, two = {2, 3, 2};
  CHECK_THROWS_AS(f1_score(three, three), Error);  // multiclass with average=binary
  CHECK_THROWS_AS(f1_score(two, two), Error);      // pos_label 1 not among {2, 3}
  CHECK_THROWS_AS(roc_auc_score(std::vector<double>{1, 1}, std::vector<double>{0.2, 0.3}), Error);
  CHECK(find_scorer("neg_log_loss") != nullptr);
  CHECK_FALSE(find_scorer("neg_log_loss")->greater_is_better);
  CHECK(find_scorer("roc_auc")->input == ScorerInput::kThreshold);
  CHECK(find_scorer("f1_weighted") != nullptr);
  CHECK(find_scorer("nope") == nullptr);
}

TEST_CASE("metrics: ROC AUC of tied and perfect scores") {
  // One positive above one negative, the other pair tied: AUC = (1 + 0.5 + 1 + 1) / 4... computed
  // by hand: pairs (pos, neg): (0.9, 0.1) 1, (0.9, 0.5) 1, (0.5, 0.1) 1, (0.5, 0.5) 0.5 -> 3.5 / 4.
  const std::vector<double> y = {1, 0, 1, 0}, s = {0.9, 0.1, 0.5, 0.5};
  CHECK(roc_auc_score(y, s) == 0.875);
  const std::vector<double> perfect = {0.1, 0.2, 0.8, 0.9}, yp = {0, 0, 1, 1};
  CHECK(roc_auc_score(yp, perfect) == 1.0);
}

namespace {

// A fitted stand-in: a classifier over labels {0, 1} whose probability of 1 is X(:, 0), or a
// regressor predicting X(:, 0). With `decision` its decision function is -X(:, 0), so a scorer
// that uses it (sklearn's roc_auc) gives 1 - AUC and shows which output it read.
class FakeModel : public Model {
 public:
  FakeModel(bool classifier, bool decision) : classifier_(classifier), decision_(decision) {}
  std::string name() const override { return "fake"; }
  ModelParams params() const override { return {}; }
  bool is_classifier() const override { return classifier_; }
  void fit(const MatrixRef&, std::span<const double>, const FitContext&) override {}
  Vector predict(const MatrixRef& X) const override {
    Vector out(X.rows());
    for (Eigen::Index r = 0; r < X.rows(); ++r)
      out(r) = classifier_ ? (X(r, 0) >= 0.5 ? 1.0 : 0.0) : X(r, 0);
    return out;
  }
  Matrix predict_proba(const MatrixRef& X) const override {
    Matrix p(X.rows(), 2);
    for (Eigen::Index r = 0; r < X.rows(); ++r) {
      p(r, 0) = 1 - X(r, 0);
      p(r, 1) = X(r, 0);
    }
    return p;
  }
  Matrix decision_function(const MatrixRef& X) const override { return -X.col(0); }
  bool has_decision_function() const override { return decision_; }
  std::vector<double> classes() const override {
    return classifier_ ? std::vector<double>{0, 1} : std::vector<double>{};
  }
  std::unique_ptr<Model> clone() const override { return std::make_unique<FakeModel>(*this); }

 private:
  bool classifier_, decision_;
};

double golden(const std::string& case_name, const std::string& metric) {
  const Table t = read_csv(shared_dir() + "/reference/sklearn/metrics.csv");
  for (std::size_t r = 0; r < t.num_rows(); ++r)
    if (t.column("case").as_string(r) == case_name && t.column("metric").as_string(r) == metric)
      return t.column("value").as_double(r);
  FAIL("no golden value for " << case_name << " " << metric);
  return NAN;
}

}  // namespace

TEST_CASE("metrics: scorers read the right model output and sign") {
  const Inputs in = read_inputs();
  const auto& score_v = in.at("binary").at("y_score");
  const auto& y = in.at("binary").at("y_true");
  Matrix X(static_cast<Eigen::Index>(score_v.size()), 1);
  for (std::size_t i = 0; i < score_v.size(); ++i) X(static_cast<Eigen::Index>(i), 0) = score_v[i];
  const FakeModel proba_only(true, false), with_decision(true, true);
  auto near = [](double a, double b) { return std::abs(a - b) <= 1e-12 * std::abs(b); };
  // y_pred of the golden binary case is y_score >= 0.5, which is what the fake predicts
  CHECK(near(score("accuracy", proba_only, X, y), golden("binary", "accuracy")));
  CHECK(near(score("f1", proba_only, X, y), golden("binary", "f1_binary")));
  CHECK(near(score("precision_macro", proba_only, X, y), golden("binary", "precision_macro")));
  CHECK(near(score("neg_log_loss", proba_only, X, y), -golden("binary", "log_loss")));
  CHECK(near(score("neg_brier_score", proba_only, X, y), -golden("binary", "brier_score")));
  CHECK(near(score("roc_auc", proba_only, X, y), golden("binary", "roc_auc")));
  CHECK(near(score("average_precision", proba_only, X, y), golden("binary", "average_precision")));
  // roc_auc prefers the decision function (here reversed): 1 - AUC
  CHECK(near(score("roc_auc", with_decision, X, y), 1 - golden("binary", "roc_auc")));

  const auto& rt = in.at("regression").at("y_true");
  const auto& rp = in.at("regression").at("y_pred");
  Matrix Xr(static_cast<Eigen::Index>(rp.size()), 1);
  for (std::size_t i = 0; i < rp.size(); ++i) Xr(static_cast<Eigen::Index>(i), 0) = rp[i];
  const FakeModel regressor(false, false);
  CHECK(near(score("r2", regressor, Xr, rt), golden("regression", "r2")));
  CHECK(near(score("neg_mean_squared_error", regressor, Xr, rt), -golden("regression", "mse")));
  CHECK(
      near(score("neg_root_mean_squared_error", regressor, Xr, rt), -golden("regression", "rmse")));
  CHECK(near(score("neg_mean_absolute_error", regressor, Xr, rt), -golden("regression", "mae")));
  CHECK(near(score("neg_median_absolute_error", regressor, Xr, rt),
             -golden("regression", "median_absolute_error")));
  CHECK(near(score("max_error", regressor, Xr, rt), -golden("regression", "max_error")));
  CHECK(near(score("explained_variance", regressor, Xr, rt),
             golden("regression", "explained_variance")));

  CHECK_THROWS_AS(score("no_such_scorer", regressor, Xr, rt), Error);
  CHECK_THROWS_AS(score("neg_log_loss", regressor, Xr, rt), Error);
  const std::vector<double> three = {0, 1, 2};
  Matrix X3(3, 1);
  X3 << 0.1, 0.6, 0.9;
  CHECK_THROWS_AS(score("roc_auc", proba_only, X3, three), Error);  // multiclass target
}

TEST_CASE("metrics: all_scorers is sorted and knows sklearn's names") {
  const auto& all = all_scorers();
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].name < all[i].name);
  for (const char* name : {"accuracy",
                           "balanced_accuracy",
                           "f1",
                           "f1_macro",
                           "f1_micro",
                           "f1_weighted",
                           "precision",
                           "recall_weighted",
                           "matthews_corrcoef",
                           "roc_auc",
                           "roc_auc_ovr",
                           "roc_auc_ovo",
                           "neg_log_loss",
                           "average_precision",
                           "neg_brier_score",
                           "r2",
                           "explained_variance",
                           "max_error",
                           "neg_mean_squared_error",
                           "neg_root_mean_squared_error",
                           "neg_mean_absolute_error",
                           "neg_median_absolute_error"})
    CHECK_MESSAGE(find_scorer(name) != nullptr, name);
}
