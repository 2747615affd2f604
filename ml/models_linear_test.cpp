// Linear models against scikit-learn 1.2.1 (shared/reference/sklearn) and against first
// principles (rank-deficient least squares, penalty limits, parameter errors).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include "core/error.hpp"
#include "core/format.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"
#include "ml/models_testdata.hpp"

using namespace freshet;
using namespace freshet::testdata;

namespace {

bool close(double a, double b, double rtol, double atol = 0.0) {
  return std::fabs(a - b) <= atol + rtol * std::fabs(b);
}

// Fits `spec` on each KFold(5) training block of diabetes and checks r2 and MSE per fold.
void check_diabetes_cv(const std::string& spec, const std::string& ref_model, double rtol) {
  const Dataset d = load_dataset("diabetes");
  const auto folds = kfold(d.y.size(), 5);
  const auto ref_r2 = reference_scores("diabetes", ref_model, "kfold5", "r2");
  const auto ref_mse = reference_scores("diabetes", ref_model, "kfold5", "neg_mean_squared_error");
  REQUIRE(ref_r2.size() == 5);
  REQUIRE(ref_mse.size() == 5);
  for (std::size_t f = 0; f < folds.size(); ++f) {
    auto model = make_model(spec);
    const Matrix Xtr = take_rows(d.X, folds[f].train);
    const auto ytr = take(d.y, folds[f].train);
    model->fit(Xtr, ytr);
    const Matrix Xte = take_rows(d.X, folds[f].test);
    const auto yte = take(d.y, folds[f].test);
    const Vector pred = model->predict(Xte);
    const std::span<const double> p(pred.data(), static_cast<std::size_t>(pred.size()));
    const double r2 = r2_score(yte, p);
    const double neg_mse = -mean_squared_error(yte, p);
    INFO(spec << " fold " << f << ": r2 " << r2 << " vs " << ref_r2[f] << ", -mse " << neg_mse
              << " vs " << ref_mse[f]);
    CHECK(close(r2, ref_r2[f], rtol));
    CHECK(close(neg_mse, ref_mse[f], rtol));
  }
}

}  // namespace

TEST_CASE("linear_regression reproduces sklearn's KFold(5) scores on diabetes") {
  check_diabetes_cv("linear_regression", "LinearRegression", 1e-9);
}

TEST_CASE("ridge reproduces sklearn's KFold(5) scores on diabetes") {
  check_diabetes_cv("ridge:alpha=1.0", "Ridge", 1e-9);
}

TEST_CASE("lasso copies sklearn's coordinate descent: KFold(5) scores on diabetes") {
  // rtol 1e-12 (README: 1e-8) holds only if the solver stops at the same sweep as sklearn's (the
  // converged solution differs by 1.5e-6 relative, see notes.json).
  check_diabetes_cv("lasso:alpha=0.1", "Lasso", 1e-12);
}

TEST_CASE("ridge refit of the grid search's best alpha matches sklearn's coefficients") {
  const Dataset d = load_dataset("diabetes");
  const Table ref = read_csv(shared_dir() + "/reference/sklearn/grid_search_best_estimator.csv");
  std::map<std::string, double> value;
  for (std::size_t i = 0; i < ref.num_rows(); ++i) {
    value[ref.column("term").as_string(i)] = ref.column("value").as_double(i);
  }
  auto model = make_model("ridge:alpha=" + format_double(value.at("alpha")));
  model->fit(d.X, d.y);
  const auto fitted = model->linear_coefficients();
  REQUIRE(fitted.has_value());
  REQUIRE(fitted->coef.rows() == 1);
  REQUIRE(fitted->coef.cols() == d.X.cols());
  CHECK(close(fitted->intercept[0], value.at("intercept"), 1e-9));
  for (Eigen::Index j = 0; j < d.X.cols(); ++j) {
    INFO("coef_" << j);
    CHECK(close(fitted->coef(0, j), value.at("coef_" + std::to_string(j)), 1e-9));
  }
}

TEST_CASE("linear_regression gives the minimum-norm solution for rank-deficient X") {
  // y = 1 + 2x exactly; X holds x twice. The least-squares solutions are w1 + w2 = 2; the
  // minimum-norm one splits it evenly.
  Matrix X(5, 2);
  std::vector<double> y;
  for (int i = 0; i < 5; ++i) {
    X(i, 0) = X(i, 1) = i;
    y.push_back(1.0 + 2.0 * i);
  }
  auto model = make_model("linear_regression");
  model->fit(X, y);
  Matrix probe(3, 2);
  probe << 0, 0, 1, 0, 0, 1;
  const Vector p = model->predict(probe);
  CHECK(p[0] == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(p[1] - p[0] == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(p[2] - p[0] == doctest::Approx(1.0).epsilon(1e-12));

  auto no_intercept = make_model("linear_regression:fit_intercept=false");
  no_intercept->fit(X, y);
  Matrix zero = Matrix::Zero(1, 2);
  CHECK(no_intercept->predict(zero)[0] == 0.0);
}

TEST_CASE("ridge with more features than rows uses the kernel form and agrees with the primal") {
  // 4 rows, 6 features: the dual solution X'(XX' + aI)^-1 y equals (X'X + aI)^-1 X'y.
  Matrix X(4, 6);
  X << 1, 2, 0, 1, 3, 1,  //
      0, 1, 4, 1, 0, 2,   //
      2, 0, 1, 3, 1, 0,   //
      1, 1, 1, 0, 2, 5;
  const std::vector<double> y{1.0, -2.0, 0.5, 3.0};
  auto model = make_model("ridge:alpha=0.7,fit_intercept=false");
  model->fit(X, y);
  const Eigen::VectorXd yv = Eigen::Map<const Vector>(y.data(), 4);
  const Vector primal =
      (X.transpose() * X + 0.7 * Matrix::Identity(6, 6)).ldlt().solve(X.transpose() * yv);
  const Vector got = model->predict(Matrix::Identity(6, 6));
  for (int j = 0; j < 6; ++j) CHECK(got[j] == doctest::Approx(primal[j]).epsilon(1e-12));
}

TEST_CASE("lasso and elastic_net: a large alpha zeroes every coefficient, l1_ratio=1 is lasso") {
  const Dataset d = load_dataset("diabetes");
  auto big = make_model("lasso:alpha=1e6");
  big->fit(d.X, d.y);
  double mean = 0;
  for (double v : d.y) mean += v;
  mean /= static_cast<double>(d.y.size());
  const Vector p = big->predict(d.X.topRows(3));
  for (int i = 0; i < 3; ++i) CHECK(p[i] == doctest::Approx(mean).epsilon(1e-12));

  auto lasso = make_model("lasso:alpha=0.3");
  auto enet = make_model("elastic_net:alpha=0.3,l1_ratio=1");
  lasso->fit(d.X, d.y);
  enet->fit(d.X, d.y);
  const Vector a = lasso->predict(d.X), b = enet->predict(d.X);
  CHECK((a - b).cwiseAbs().maxCoeff() == 0.0);
  auto mixed = make_model("elastic_net:alpha=0.3,l1_ratio=0.5");
  mixed->fit(d.X, d.y);
  CHECK((mixed->predict(d.X) - a).cwiseAbs().maxCoeff() > 1e-6);
}

TEST_CASE("logistic_regression: binary decision_function, probabilities and labels agree") {
  Matrix X(8, 1);
  X << -3, -2, -1, -0.5, 0.5, 1, 2, 3;
  const std::vector<double> y{4, 4, 4, 7, 4, 7, 7, 7};  // overlapping classes: finite optimum
  auto model = make_model("logistic_regression");
  model->fit(X, y);
  CHECK(model->is_classifier());
  CHECK(model->classes() == std::vector<double>{4, 7});
  const Matrix d = model->decision_function(X);
  const Matrix P = model->predict_proba(X);
  const Vector labels = model->predict(X);
  REQUIRE(d.cols() == 1);
  REQUIRE(P.cols() == 2);
  for (Eigen::Index i = 0; i < 8; ++i) {
    CHECK(P(i, 1) == doctest::Approx(1.0 / (1.0 + std::exp(-d(i, 0)))).epsilon(1e-14));
    CHECK(P(i, 0) + P(i, 1) == doctest::Approx(1.0));
    CHECK(labels[i] == (d(i, 0) > 0 ? 7.0 : 4.0));
  }
  // Symmetric data around 0 with a symmetric label pattern would give intercept 0; here the
  // slope must be positive (larger x -> class 7).
  CHECK(d(7, 0) > d(0, 0));
}

TEST_CASE("logistic_regression: the gradient of sklearn's objective vanishes at the fit") {
  // Multinomial on wine (3 classes): at the optimum of
  //   sum_i -log softmax(x_i W' + b)[y_i] + ||W||^2 / (2C)
  // the gradient (P - Y)'X + W/C is zero, so column sums of P equal class counts.
  const Dataset d = load_dataset("wine");
  Matrix X = d.X;
  for (Eigen::Index j = 0; j < X.cols(); ++j) {  // standardise so the problem is well scaled
    const double m = X.col(j).mean();
    const double s = std::sqrt((X.col(j).array() - m).square().mean());
    X.col(j) = (X.col(j).array() - m) / s;
  }
  auto model = make_model("logistic_regression:C=0.5");
  model->fit(X, d.y);
  const Matrix P = model->predict_proba(X);
  REQUIRE(P.cols() == 3);
  const auto classes = model->classes();
  for (Eigen::Index c = 0; c < 3; ++c) {
    double count = 0;
    for (double v : d.y) count += v == classes[static_cast<std::size_t>(c)];
    CHECK(P.col(c).sum() == doctest::Approx(count).epsilon(1e-9));
  }
  for (Eigen::Index i = 0; i < P.rows(); ++i) CHECK(P.row(i).sum() == doctest::Approx(1.0));
  CHECK(accuracy_score(d.y, std::span<const double>(model->predict(X).data(), d.y.size())) > 0.95);
}

TEST_CASE("linear models reject bad parameters and inputs with one-line errors") {
  auto message = [](auto&& fn) -> std::string {
    try {
      fn();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(message([] { make_model("ridge:alpha=-1"); }) ==
        "model 'ridge': parameter 'alpha' must be a non-negative number, got \"-1\"");
  CHECK(message([] { make_model("ridge:alpah=1"); }) ==
        "model 'ridge': unknown parameter 'alpah' (known: alpha, fit_intercept)");
  CHECK(message([] { make_model("logistic_regression:C=0"); }) ==
        "model 'logistic_regression': parameter 'C' must be a positive number, got \"0\"");
  CHECK(message([] { make_model("elastic_net:l1_ratio=2"); }) ==
        "model 'elastic_net': parameter 'l1_ratio' must be a number in [0.0, 1.0], got \"2\"");
  CHECK(message([] { make_model("lasso:max_iter=0"); }).find("'max_iter'") != std::string::npos);

  auto model = make_model("linear_regression");
  Matrix X(3, 1);
  X << 1, NAN, 3;
  const std::vector<double> y{1, 2, 3};
  CHECK(message([&] { model->fit(X, y); })
            .find("model 'linear_regression': X has a non-finite "
                  "value (nan) at row 1, column 0") == 0);
  CHECK(message([&] { model->fit(X.topRows(2), y); }) ==
        "model 'linear_regression': X has 2 rows but y has 3");
  CHECK(message([&] { model->predict(X); }) ==
        "model 'linear_regression': predict called before fit");
  CHECK(message([&] { model->predict_proba(X); }) ==
        "model 'linear_regression' has no predict_proba (it is a regressor)");
  auto logistic = make_model("logistic_regression");
  Matrix ones = Matrix::Ones(3, 1);
  const std::vector<double> one_class{2, 2, 2};
  CHECK(message([&] { logistic->fit(ones, one_class); }) ==
        "model 'logistic_regression': needs samples of at least 2 classes, got only class 2.0");
}

TEST_CASE("clone() gives an unfitted model with the same parameters") {
  auto model = make_model("elastic_net:alpha=0.25,l1_ratio=0.3,max_iter=50");
  const auto copy = model->clone();
  CHECK(copy->name() == "elastic_net");
  CHECK(copy->params() == model->params());
  CHECK(copy->params().at("l1_ratio") == "0.3");
  CHECK(copy->params().at("tol") == "0.0001");
  Matrix X = Matrix::Ones(2, 1);
  CHECK_THROWS_AS(copy->predict(X), Error);
}

TEST_CASE("logistic_regression: binary Newton steps converge fast for every Hessian tile shape") {
  // End to end over every shape of the binary Hessian's tiles (n mod 4 rows, q mod 3 columns;
  // weighted_gram_test checks its bits): Newton's method with the exact Hessian reaches the 1e-10
  // relative gradient tolerance from zero in well under 12 steps here, where a grossly wrong
  // Hessian tile (or a wrong probability from the exponential value() shares with gradient())
  // leaves it short. At the optimum of
  //   sum_i log(1 + exp(z_i)) - y_i z_i + ||w||^2 / (2C),   z = Xw + b,
  // the gradient X'(p - y) + w / C and (with an intercept) sum(p - y) vanish.
  for (const Eigen::Index n : {40, 41, 42, 43}) {
    for (const Eigen::Index p : {1, 2, 3, 4, 5}) {
      for (const bool intercept : {true, false}) {
        CAPTURE(n);
        CAPTURE(p);
        CAPTURE(intercept);
        Matrix X(n, p);
        std::vector<double> y(static_cast<std::size_t>(n));
        std::uint32_t s = static_cast<std::uint32_t>(n * 31 + p);
        const auto next = [&] {
          s = s * 1664525u + 1013904223u;
          return static_cast<double>(s >> 8) / 8388608.0 - 1.0;  // [-1, 1)
        };
        for (Eigen::Index i = 0; i < n; ++i) {
          double score = 0.3;
          for (Eigen::Index j = 0; j < p; ++j) score += (X(i, j) = 2.0 * next()) * (j % 2 ? -1 : 1);
          y[static_cast<std::size_t>(i)] = score + next() > 0 ? 1.0 : 0.0;  // noisy labels
        }
        auto model = make_model(std::string("logistic_regression:C=2,max_iter=12,fit_intercept=") +
                                (intercept ? "true" : "false"));
        model->fit(X, y);
        const Matrix P = model->predict_proba(X);
        const auto coef = model->linear_coefficients();
        REQUIRE(coef.has_value());
        Vector residual(n);
        for (Eigen::Index i = 0; i < n; ++i) residual[i] = P(i, 1) - y[static_cast<std::size_t>(i)];
        const Vector grad = X.transpose() * residual + coef->coef.row(0).transpose() / 2.0;
        // The gradient at zero is X'(1/2 - y) (and sum(1/2 - y)): of order n.
        CHECK(grad.cwiseAbs().maxCoeff() <= 1e-8 * static_cast<double>(n));
        if (intercept) CHECK(std::fabs(residual.sum()) <= 1e-8 * static_cast<double>(n));
      }
    }
  }
}
