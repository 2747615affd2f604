// hist_gradient_boosting_classifier / _regressor against scikit-learn 1.2.1's
// HistGradientBoosting* (no early stopping below 10001 rows, so the algorithm is deterministic):
// probabilities and predictions from tests/data/models/hgb_predictions.csv (written by
// ml/make_reference_models.py with OMP_NUM_THREADS=1), including native missing values; then
// determinism across parallel_for schedules, early stopping, and parameter errors.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/models_testdata.hpp"

using namespace freshet;
using namespace freshet::testdata;

namespace {

// The holes the reference script makes for "<dataset>_nan": (3 * row + 7 * column) % 11 == 0.
void punch_holes(Matrix& X) {
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (Eigen::Index j = 0; j < X.cols(); ++j)
      if ((3 * i + 7 * j) % 11 == 0) X(i, j) = std::numeric_limits<double>::quiet_NaN();
}

Dataset load(const std::string& name) {
  const bool holes = name.size() > 4 && name.substr(name.size() - 4) == "_nan";
  Dataset d = load_dataset(holes ? name.substr(0, name.size() - 4) : name);
  if (holes) punch_holes(d.X);
  return d;
}

}  // namespace

TEST_CASE("hist gradient boosting: predictions equal sklearn's on the shared data sets") {
  const auto cases = read_reference("hgb_predictions.csv", "row", "output");
  REQUIRE(cases.size() == 7);
  for (const RefCase& c : cases) {
    CAPTURE(c.dataset);
    CAPTURE(c.params);
    const Dataset d = load(c.dataset);
    auto model = make_model(c.spec());
    model->fit(d.X, d.y);
    const Matrix probe = d.X.topRows(c.rows());
    const Matrix got =
        model->is_classifier() ? model->predict_proba(probe) : Matrix(model->predict(probe));
    REQUIRE(static_cast<std::size_t>(got.size()) == c.values.size());
    double max_abs = 0, max_rel = 0;
    for (const auto& [key, expected] : c.values) {
      const double diff = std::abs(got(key.first, key.second) - expected);
      max_abs = std::max(max_abs, diff);
      max_rel = std::max(max_rel, diff / std::max(std::abs(expected), 1e-300));
    }
    MESSAGE(c.dataset << " " << c.spec() << ": max abs diff " << max_abs << ", max rel diff "
                      << max_rel);
    // Same bins, same trees: equal to the last bits but for the multinomial softmax's rounding.
    CHECK(max_abs <= 1e-12);
  }
}

TEST_CASE("hist gradient boosting: the same model for any parallel_for schedule") {
  const Dataset d = load("wine_nan");
  FitContext reversed;
  reversed.parallel_for = [](std::size_t n, const std::function<void(std::size_t)>& body) {
    for (std::size_t i = n; i-- > 0;) body(i);
  };
  auto a = make_model("hist_gradient_boosting_classifier:max_iter=20");
  auto b = a->clone();
  a->fit(d.X, d.y);
  b->fit(d.X, d.y, reversed);
  const Matrix pa = a->predict_proba(d.X), pb = b->predict_proba(d.X);
  CHECK((pa.array() == pb.array()).all());
  CHECK(accuracy(a->predict(d.X), d.y) > 0.95);
}

TEST_CASE("hist gradient boosting: early stopping stops when the held-out loss stalls") {
  // A noise-free step in x0: the held-out loss stops improving long before 200 iterations.
  const Matrix X = lcg_matrix(3000, 4, 11, 0);
  std::vector<double> y(3000);
  for (Eigen::Index i = 0; i < X.rows(); ++i) y[static_cast<std::size_t>(i)] = X(i, 0) > 0 ? 1 : 0;
  auto on = make_model("hist_gradient_boosting_regressor:max_iter=200,early_stopping=true");
  on->fit(X, y);
  auto off = make_model("hist_gradient_boosting_regressor:max_iter=200,early_stopping=false");
  off->fit(X, y);
  // Both fit the step; the early-stopped model has fewer trees, so its predictions differ.
  const Vector p_on = on->predict(X), p_off = off->predict(X);
  CHECK(r2(p_on, y) > 0.99);
  CHECK(r2(p_off, y) > 0.99);
  CHECK((p_on.array() != p_off.array()).any());
  CHECK(on->params().at("early_stopping") == "true");
}

TEST_CASE("hist gradient boosting: parameter and input errors") {
  CHECK_THROWS_AS(make_model("hist_gradient_boosting_regressor:learning_rate=0"), Error);
  CHECK_THROWS_AS(make_model("hist_gradient_boosting_regressor:max_bins=256"), Error);
  CHECK_THROWS_AS(make_model("hist_gradient_boosting_regressor:max_leaf_nodes=1"), Error);
  CHECK_THROWS_AS(make_model("hist_gradient_boosting_classifier:loss=squared_error"), Error);
  CHECK_THROWS_AS(make_model("hist_gradient_boosting_classifier:scoring=accuracy"), Error);
  auto m = make_model("hist_gradient_boosting_classifier");
  Matrix X = Matrix::Zero(4, 2);
  CHECK_THROWS_AS(m->fit(X, std::vector<double>{1, 1, 1, 1}), Error);  // one class
  CHECK_THROWS_AS(m->fit(X, std::vector<double>{1, 2, 1}), Error);     // 4 rows, 3 labels
  CHECK_THROWS_AS(m->predict(X), Error);                               // not fitted
  std::vector<double> y = {0, 1, 0, 1};
  m->fit(X, y);
  CHECK_THROWS_AS(m->predict(Matrix::Zero(2, 3)), Error);  // wrong column count
}
