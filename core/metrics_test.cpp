// Metrics against scikit-learn 1.2.1 (shared/reference/sklearn/metrics.csv, computed by
// sklearn.metrics from metrics_inputs.csv): every row of the golden file is checked.
#include <cmath>
#include <map>
#include <string>

#include <doctest/doctest.h>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"

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
    if (metric == "roc_auc_ovr_macro") return roc_auc_score_multiclass(yt, proba, classes, MultiClass::kOvr);
    if (metric == "roc_auc_ovo_macro") return roc_auc_score_multiclass(yt, proba, classes, MultiClass::kOvo);
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
  CHECK_THROWS_AS(f1_score(three, three), Error);   // multiclass with average=binary
  CHECK_THROWS_AS(f1_score(two, two), Error);       // pos_label 1 not among {2, 3}
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
