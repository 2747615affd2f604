// gaussian_nb: sklearn's GaussianNB fold accuracies (reference/sklearn/cv_scores.csv, exact),
// a worked two-class example, probabilities and parameter errors.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/models_testdata.hpp"

using namespace freshet;
using namespace freshet::testdata;

TEST_CASE("gaussian_nb: wine and digits fold accuracies equal sklearn's GaussianNB()") {
  for (const std::string dataset : {"wine", "digits"}) {
    const Dataset data = load_dataset(dataset);
    for (const std::string splitter : {"kfold5", "stratifiedkfold5"}) {
      CAPTURE(dataset);
      CAPTURE(splitter);
      const auto folds =
          splitter == "kfold5" ? kfold(data.y.size(), 5) : read_folds(dataset, splitter);
      const auto expected = reference_scores(dataset, "GaussianNB", splitter);
      REQUIRE(expected.size() == 5);
      const auto got = cross_val("gaussian_nb", data, folds, accuracy);
      for (std::size_t f = 0; f < 5; ++f) {
        CAPTURE(f);
        CHECK(got[f] == doctest::Approx(expected[f]).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("gaussian_nb: worked example") {
  // Class 0 at {0, 2}, class 1 at {10, 12}: means 1 and 11, both variances 1 (+ epsilon = 1e-9 *
  // var of {0, 2, 10, 12} = 1e-9 * 26). Equal priors and variances: the boundary is x = 6.
  Matrix X(4, 1);
  X << 0, 2, 10, 12;
  const std::vector<double> y = {3, 3, 7, 7};
  auto model = make_model("gaussian_nb");
  model->fit(X, y);
  CHECK(model->classes() == std::vector<double>{3, 7});
  Matrix q(3, 1);
  q << 5.9, 6.1, 1.0;
  const Vector p = model->predict(q);
  CHECK(p(0) == 3);
  CHECK(p(1) == 7);
  CHECK(p(2) == 3);
  // At x = 1: P(class 7) / P(class 3) = exp(-(1 - 11)^2 / (2 v)) with v = 1 + 26e-9.
  const Matrix proba = model->predict_proba(q);
  const double v = 1.0 + 26e-9;
  const double ratio = std::exp(-100.0 / (2 * v));
  CHECK(proba(2, 0) == doctest::Approx(1.0 / (1.0 + ratio)).epsilon(1e-14));
  CHECK(proba(2, 1) == doctest::Approx(ratio / (1.0 + ratio)).epsilon(1e-10));
  for (Eigen::Index i = 0; i < 3; ++i) CHECK(proba.row(i).sum() == doctest::Approx(1.0));
}

TEST_CASE("gaussian_nb: var_smoothing scales with the largest feature variance") {
  // Each class is constant (variance 0), so its variance is epsilon alone: var_smoothing 0.5 times
  // the feature's variance 0.75 over all rows ({-1, -1, -1, 1}), v = 0.375. At x = -0.5:
  // P(1) / P(0) = (1/4) / (3/4) * exp(-(1.5^2 - 0.5^2) / (2 v)) = exp(-8/3) / 3.
  Matrix X(4, 1);
  X << -1, -1, -1, 1;
  const std::vector<double> y = {0, 0, 0, 1};
  auto model = make_model("gaussian_nb:var_smoothing=0.5");
  model->fit(X, y);
  Matrix q(1, 1);
  q << -0.5;
  const Matrix proba = model->predict_proba(q);
  const double ratio = std::exp(-8.0 / 3.0) / 3.0;
  CHECK(proba(0, 1) == doctest::Approx(ratio / (1.0 + ratio)).epsilon(1e-12));
  CHECK(proba(0, 0) == doctest::Approx(1.0 / (1.0 + ratio)).epsilon(1e-12));
  CHECK(model->params().at("var_smoothing") == "0.5");
}

TEST_CASE("gaussian_nb: errors name the model and the parameter") {
  CHECK_THROWS_WITH_AS(make_model("gaussian_nb:var_smoothing=-1"),
                       doctest::Contains("parameter 'var_smoothing'"), Error);
  CHECK_THROWS_WITH_AS(make_model("gaussian_nb:priors=1"), doctest::Contains("unknown parameter"),
                       Error);
  auto model = make_model("gaussian_nb");
  Matrix X(2, 2);
  X << 1, 2, 3, 4;
  CHECK_THROWS_WITH_AS(model->predict(X), doctest::Contains("before fit"), Error);
  model->fit(X, std::vector<double>{0, 1});
  CHECK_THROWS_WITH_AS(model->predict(Matrix(1, 3)), doctest::Contains("feature columns"), Error);
  auto clone = model->clone();
  CHECK(clone->name() == "gaussian_nb");
  CHECK_THROWS_AS(clone->predict(X), Error);  // a clone is unfitted
}
