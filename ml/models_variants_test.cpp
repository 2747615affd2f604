// Model::fit_variants: several parameter settings fitted on the same rows must predict what
// separate fits predict -- bit for bit where work is shared exactly (kNN's one neighbour search,
// a pipeline's steps, the default), to the solver's tolerance for logistic regression's warm
// starts along C.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/models_testdata.hpp"

using namespace freshet;

namespace {

std::vector<double> labels_of(const Matrix& X, int classes) {
  std::vector<double> y(static_cast<std::size_t>(X.rows()));
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    y[static_cast<std::size_t>(i)] =
        static_cast<double>(static_cast<int>(X(i, 0) + 2 * X(i, 1) + X(i, 2) * X(i, 3)) % classes);
  return y;
}

std::unique_ptr<Model> fitted(const std::string& spec, const Matrix& X,
                              const std::vector<double>& y) {
  auto m = make_model(spec);
  m->fit(X, y);
  return m;
}

}  // namespace

TEST_CASE("fit_variants: knn variants predict exactly what separate fits predict") {
  const Matrix X = testdata::lcg_matrix(400, 8, 7, 5);
  const Matrix Q1 = testdata::lcg_matrix(150, 8, 99, 5);
  const Matrix Q2 = testdata::lcg_matrix(60, 8, 1234, 5);
  const std::vector<double> y = labels_of(X, 4);
  for (const std::string name : {"knn_classifier", "knn_regressor"}) {
    CAPTURE(name);
    std::vector<ModelParams> variants;
    for (int k : {1, 2, 3, 5, 8, 13})
      for (const std::string w : {"uniform", "distance"})
        variants.push_back({{"n_neighbors", std::to_string(k)}, {"weights", w}});
    const auto models = make_model(name)->fit_variants(X, y, variants);
    REQUIRE(models.size() == variants.size());
    // Alternate the query matrices so the shared search is redone and reused in turn.
    for (const Matrix* Q : {&Q1, &Q2, &Q1}) {
      for (std::size_t v = 0; v < variants.size(); ++v) {
        CAPTURE(v);
        const auto alone = fitted(name + ":n_neighbors=" + variants[v].at("n_neighbors") +
                                      ",weights=" + variants[v].at("weights"),
                                  X, y);
        CHECK(models[v]->params() == alone->params());
        CHECK(models[v]->predict(*Q) == alone->predict(*Q));
        if (name == "knn_classifier")
          CHECK(models[v]->predict_proba(*Q) == alone->predict_proba(*Q));
      }
    }
  }
}

TEST_CASE("fit_variants: a pipeline fits its steps once and varies the final model") {
  const Matrix X = testdata::lcg_matrix(300, 6, 5, 7);
  const Matrix Q = testdata::lcg_matrix(80, 6, 77, 7);
  const std::vector<double> y = labels_of(X, 3);
  const auto base = make_model("standard_scaler>knn_classifier");
  const std::vector<ModelParams> variants = {
      {{"n_neighbors", "4"}}, {{"n_neighbors", "1"}}, {{"n_neighbors", "9"}}};
  const auto models = base->fit_variants(X, y, variants);
  REQUIRE(models.size() == 3);
  for (std::size_t v = 0; v < 3; ++v) {
    const auto alone =
        fitted("standard_scaler>knn_classifier:n_neighbors=" + variants[v].at("n_neighbors"), X, y);
    CHECK(models[v]->name() == "standard_scaler>knn_classifier");
    CHECK(models[v]->params() == alone->params());
    CHECK(models[v]->predict(Q) == alone->predict(Q));
  }
}

TEST_CASE("fit_variants: ridge's alpha path gives the bytes of separate fits") {
  for (const auto& [rows, cols] : {std::pair{120, 5}, std::pair{8, 20}}) {  // primal and kernel
    CAPTURE(cols);
    const Matrix X = testdata::lcg_matrix(rows, cols, 21, 13);
    std::vector<double> y(static_cast<std::size_t>(rows));
    for (Eigen::Index i = 0; i < rows; ++i)
      y[static_cast<std::size_t>(i)] = X(i, 0) - 0.25 * X(i, 2) + 0.1 * static_cast<double>(i % 5);
    for (const std::string fi : {"true", "false"}) {
      std::vector<ModelParams> variants;
      for (const std::string a : {"0.001", "1", "0", "300"})
        variants.push_back({{"alpha", a}, {"fit_intercept", fi}});
      const auto models = make_model("ridge")->fit_variants(X, y, variants);
      REQUIRE(models.size() == variants.size());
      for (std::size_t v = 0; v < variants.size(); ++v) {
        const auto alone =
            fitted("ridge:alpha=" + variants[v].at("alpha") + ",fit_intercept=" + fi, X, y);
        CHECK(models[v]->params() == alone->params());
        CHECK(models[v]->linear_coefficients()->coef == alone->linear_coefficients()->coef);
        CHECK(models[v]->linear_coefficients()->intercept ==
              alone->linear_coefficients()->intercept);
      }
    }
  }
}

TEST_CASE("fit_variants: models without a path fit each variant on its own, same bytes") {
  const Matrix X = testdata::lcg_matrix(120, 5, 3, 11);
  std::vector<double> y(120);
  for (Eigen::Index i = 0; i < 120; ++i)
    y[static_cast<std::size_t>(i)] = X(i, 0) - 0.5 * X(i, 3) + 0.1 * static_cast<double>(i % 7);
  const std::vector<ModelParams> variants = {{{"alpha", "0.1"}}, {{"alpha", "10"}}};
  const auto models = make_model("lasso:fit_intercept=false")->fit_variants(X, y, variants);
  REQUIRE(models.size() == 2);
  for (std::size_t v = 0; v < 2; ++v) {
    const auto alone = fitted("lasso:fit_intercept=false,alpha=" + variants[v].at("alpha"), X, y);
    CHECK(models[v]->params().at("fit_intercept") == "false");
    CHECK(models[v]->predict(X) == alone->predict(X));
  }
  CHECK_THROWS_WITH_AS(
      make_model("ridge")->fit_variants(X, y, std::vector<ModelParams>{{{"k", "1"}}}),
      doctest::Contains("'k'"), Error);
  CHECK_THROWS_WITH_AS(make_model("knn_classifier")
                           ->fit_variants(X, y, std::vector<ModelParams>{{{"n_neighbors", "500"}}}),
                       doctest::Contains("exceeds the 120 training rows"), Error);
}

TEST_CASE("fit_variants: logistic regression's warm path reaches each C's cold optimum") {
  // Overlapping classes (a linear score plus a deterministic disturbance): the optimum is finite
  // for every C, and large C needs many Newton steps from zero.
  const Matrix X = testdata::lcg_matrix(300, 5, 11, 9);
  for (int classes : {2, 3}) {
    CAPTURE(classes);
    std::vector<double> y(300);
    for (Eigen::Index i = 0; i < 300; ++i) {
      const double score = X(i, 0) - X(i, 1) + 0.5 * X(i, 2) + ((i * 37) % 11) - 5.0;
      y[static_cast<std::size_t>(i)] = classes == 2 ? (score > 0 ? 1.0 : 0.0)
                                                    : (score > 2    ? 2.0
                                                       : score > -2 ? 1.0
                                                                    : 0.0);
    }
    const std::vector<std::string> Cs = {"30", "0.01", "1", "0.1", "300"};  // any order
    std::vector<ModelParams> variants;
    for (const auto& c : Cs) variants.push_back({{"C", c}});
    const auto models =
        make_model("logistic_regression:max_iter=1000")->fit_variants(X, y, variants);
    REQUIRE(models.size() == Cs.size());
    for (std::size_t v = 0; v < Cs.size(); ++v) {
      CAPTURE(Cs[v]);
      const auto alone = fitted("logistic_regression:max_iter=1000,C=" + Cs[v], X, y);
      CHECK(models[v]->params() == alone->params());
      const auto a = models[v]->linear_coefficients(), b = alone->linear_coefficients();
      REQUIRE(a.has_value());
      REQUIRE(b.has_value());
      // The solver stops at a gradient of 1e-10 of the cold start's, or when a step no longer
      // lowers the objective beyond its rounding -- which pins the coefficients only to about
      // sqrt(epsilon) where the optimum is flat (large C): both fits are that close to it, not to
      // each other's last bits. Softmax intercepts are unpenalised and only
      // defined up to a common shift, so they are compared centred.
      const double scale = 1.0 + b->coef.cwiseAbs().maxCoeff();
      CHECK((a->coef - b->coef).cwiseAbs().maxCoeff() <= 1e-7 * scale);
      const auto centred = [](const Vector& v) {
        return Vector(v.array() - (v.size() > 1 ? v.mean() : 0.0));
      };
      CHECK((centred(a->intercept) - centred(b->intercept)).cwiseAbs().maxCoeff() <= 1e-7 * scale);
      CHECK(models[v]->predict(X) == alone->predict(X));
      const Matrix pa = models[v]->predict_proba(X), pb = alone->predict_proba(X);
      CHECK((pa - pb).cwiseAbs().maxCoeff() <= 1e-7);
    }
  }
}
