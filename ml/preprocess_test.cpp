// Preprocessing and Pipeline: sklearn's StandardScaler > LogisticRegression cross-validation on
// breast_cancer (shared/reference/sklearn/cv_scores.csv), and each transformer's semantics.
#include "ml/preprocess.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "ml/metrics.hpp"
#include "ml/models_testdata.hpp"
#include "tests/errors.hpp"

using namespace freshet;
using freshet::testing::code_of;
using freshet::testing::error_of;
using namespace freshet::testdata;

namespace {

std::span<const double> span_of(const Vector& v) {
  return {v.data(), static_cast<std::size_t>(v.size())};
}

void check_breast_cancer(const std::string& splitter) {
  const Dataset d = load_dataset("breast_cancer");
  const auto folds =
      splitter == "kfold5" ? kfold(d.y.size(), 5) : read_folds("breast_cancer", splitter);
  REQUIRE(folds.size() == 5);
  const std::string ref_model = "StandardScaler>LogisticRegression";
  const auto acc = reference_scores("breast_cancer", ref_model, splitter, "accuracy");
  const auto auc = reference_scores("breast_cancer", ref_model, splitter, "roc_auc");
  const auto f1 = reference_scores("breast_cancer", ref_model, splitter, "f1");
  const auto nll = reference_scores("breast_cancer", ref_model, splitter, "neg_log_loss");
  REQUIRE(acc.size() == 5);
  const auto prototype = make_model("standard_scaler>logistic_regression:C=1.0,max_iter=5000");
  for (std::size_t f = 0; f < 5; ++f) {
    auto model = prototype->clone();  // as xval does: a fresh clone per fold
    model->fit(take_rows(d.X, folds[f].train), take(d.y, folds[f].train));
    const Matrix Xte = take_rows(d.X, folds[f].test);
    const auto yte = take(d.y, folds[f].test);
    const Vector pred = model->predict(Xte);
    const Matrix decision = model->decision_function(Xte);
    const Matrix proba = model->predict_proba(Xte);
    const Vector score = decision.col(0);
    const auto classes = model->classes();
    INFO(splitter << " fold " << f);
    CHECK(accuracy_score(yte, span_of(pred)) == acc[f]);
    // Exact up to the metric's last bit: a different ranking of the decision values would move
    // the AUC by at least 1 / (n_pos * n_neg) ~ 3e-4, while sklearn's trapezoid sums and an
    // exactly rounded count ratio may differ by 1 ulp (fold 2: 335/336).
    CHECK(roc_auc_score(yte, span_of(score)) == doctest::Approx(auc[f]).epsilon(1e-15));
    CHECK(f1_score(yte, span_of(pred)) == f1[f]);
    const double neg_log_loss = -log_loss(yte, proba, classes);
    CHECK(neg_log_loss == doctest::Approx(nll[f]).epsilon(1e-4));
  }
}

}  // namespace

TEST_CASE("standard_scaler > logistic_regression reproduces sklearn's KFold(5) scores") {
  check_breast_cancer("kfold5");
}

TEST_CASE("standard_scaler > logistic_regression reproduces sklearn's StratifiedKFold(5) scores") {
  check_breast_cancer("stratifiedkfold5");
}

TEST_CASE("standard_scaler: population std, constant column -> scale 1, statistics from fit only") {
  auto s = make_transformer("standard_scaler");
  Matrix train(4, 2);
  train << 1, 5, 2, 5, 3, 5, 6, 5;  // column 0: mean 3, population variance 3.5
  s->fit(train);
  Matrix test(2, 2);
  test << 3, 7, 10, 5;
  const Matrix out = s->transform(test);
  CHECK(out(0, 0) == 0.0);
  CHECK(out(1, 0) == doctest::Approx(7.0 / std::sqrt(3.5)).epsilon(1e-15));
  CHECK(out(0, 1) == 2.0);  // constant column: centred, scale 1
  CHECK(out(1, 1) == 0.0);
  auto no_mean = make_transformer("standard_scaler:with_mean=false");
  no_mean->fit(train);
  CHECK(no_mean->transform(test)(0, 0) == doctest::Approx(3.0 / std::sqrt(3.5)).epsilon(1e-15));
  // NaN is ignored in fit and kept in transform.
  Matrix with_nan(3, 1);
  with_nan << 1, NAN, 3;
  s->fit(with_nan);
  const Matrix t = s->transform(with_nan);
  CHECK(t(0, 0) == -1.0);
  CHECK(std::isnan(t(1, 0)));
  CHECK(t(2, 0) == 1.0);
  CHECK(error_of([&] { s->transform(train); }) ==
        "standard_scaler: X has 2 columns, but it was fitted on 1");
}

TEST_CASE("min_max_scaler maps the training range to [feature_min, feature_max]") {
  auto s = make_transformer("min_max_scaler:feature_min=-1,feature_max=1");
  Matrix train(3, 2);
  train << 0, 4, 5, 4, 10, 4;
  s->fit(train);
  Matrix test(2, 2);
  test << 5, 4, 20, 9;
  const Matrix out = s->transform(test);
  CHECK(out(0, 0) == 0.0);
  CHECK(out(1, 0) == 3.0);   // outside the training range: not clipped by default
  CHECK(out(0, 1) == -1.0);  // constant column: range treated as 1
  CHECK(out(1, 1) == (9.0 - 4.0) * 2.0 - 1.0);
  auto clipped = make_transformer("min_max_scaler:clip=true");
  clipped->fit(train);
  CHECK(clipped->transform(test)(1, 0) == 1.0);
  CHECK(error_of([] { make_transformer("min_max_scaler:feature_min=2,feature_max=1"); }) ==
        "min_max_scaler: feature_min (2.0) must be below feature_max (1.0)");
}

TEST_CASE("simple_imputer: mean / median of training values, all-NaN columns dropped") {
  Matrix train(4, 3);
  train << 1, NAN, 7, NAN, NAN, 1, 3, NAN, 4, 8, NAN, 2;
  Matrix test(1, 3);
  test << NAN, NAN, NAN;
  auto mean = make_transformer("simple_imputer");
  mean->fit(train);
  CHECK(mean->kept_columns() == std::vector<std::size_t>{0, 2});
  const Matrix m = mean->transform(test);
  REQUIRE(m.cols() == 2);
  CHECK(m(0, 0) == 4.0);  // (1 + 3 + 8) / 3
  CHECK(m(0, 1) == 3.5);  // (7 + 1 + 4 + 2) / 4
  auto median = make_transformer("simple_imputer:strategy=median");
  median->fit(train);
  const Matrix md = median->transform(test);
  CHECK(md(0, 0) == 3.0);  // median of 1, 3, 8
  CHECK(md(0, 1) == 3.0);  // median of 1, 2, 4, 7 = (2 + 4) / 2
  auto constant = make_transformer("simple_imputer:strategy=constant,fill_value=-1");
  constant->fit(train);
  const Matrix c = constant->transform(test);
  REQUIRE(c.cols() == 3);
  CHECK(c(0, 1) == -1.0);
  CHECK(error_of([] { make_transformer("simple_imputer:strategy=mode"); }) ==
        "transformer 'simple_imputer': parameter 'strategy' must be one of mean, median, constant, "
        "got "
        "\"mode\"");
}

TEST_CASE("drop_constant keeps columns with two distinct training values") {
  auto t = make_transformer("drop_constant");
  Matrix train(3, 4);
  train << 1, 2, NAN, 5, 1, 3, NAN, 5, 1, 2, 4, NAN;
  t->fit(train);
  CHECK(t->kept_columns() == std::vector<std::size_t>{1});
  Matrix test(1, 4);
  test << 9, 8, 7, 6;
  const Matrix out = t->transform(test);
  REQUIRE(out.cols() == 1);
  CHECK(out(0, 0) == 8.0);
  Matrix flat = Matrix::Ones(2, 2);
  CHECK(error_of([&] { t->fit(flat); }) ==
        "drop_constant: all 2 columns are constant on the training rows");
}

TEST_CASE("pipeline: fitted on training rows only, clone() is unfitted, spec round-trips") {
  // A pipeline fitted on rows 0..2 must scale with those rows' statistics: predictions for the
  // other rows equal a model fitted on manually scaled training rows.
  Matrix X(5, 1);
  X << 0, 1, 2, 100, -50;
  const std::vector<double> y{1, 3, 5, 0, 0};
  auto pipe = make_model("simple_imputer>standard_scaler>ridge:alpha=0.5");
  CHECK(pipe->name() == "simple_imputer>standard_scaler>ridge");
  CHECK(pipe->params().at("ridge__alpha") == "0.5");
  CHECK(pipe->params().at("standard_scaler__with_mean") == "true");
  pipe->fit(X.topRows(3), std::span<const double>(y).first(3));
  Matrix scaled = X;
  const double sd = std::sqrt(2.0 / 3.0);
  scaled.array() = (scaled.array() - 1.0) / sd;
  auto ridge = make_model("ridge:alpha=0.5");
  ridge->fit(scaled.topRows(3), std::span<const double>(y).first(3));
  const Vector a = pipe->predict(X), b = ridge->predict(scaled);
  for (int i = 0; i < 5; ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-13));

  const auto copy = pipe->clone();
  CHECK(copy->name() == pipe->name());
  CHECK(copy->params() == pipe->params());
  CHECK_THROWS_AS(copy->predict(X), Error);
  const auto* as_pipeline = dynamic_cast<const Pipeline*>(pipe.get());
  REQUIRE(as_pipeline != nullptr);
  CHECK(make_model(as_pipeline->spec())->params() == pipe->params());

  // NaN passes the imputer; without it the model names the problem.
  Matrix holes = X;
  holes(1, 0) = NAN;
  pipe->fit(holes, y);
  CHECK(std::isfinite(pipe->predict(holes)[1]));
  CHECK(error_of([&] {
          make_model("standard_scaler>ridge")->fit(holes, y);
        }).find("model 'ridge': X has a non-finite value (nan) at row 1") == 0);
  CHECK(error_of([] { make_model("standard_scaler>nope"); }).find("unknown model 'nope'") == 0);
  CHECK(error_of([] { make_model("scaler>ridge"); })
            .find("unknown transformer 'scaler'; known: "
                  "drop_constant, min_max_scaler, "
                  "simple_imputer, standard_scaler") == 0);
  CHECK(error_of([] { make_model("standard_scaler>"); }) ==
        "pipeline spec \"standard_scaler>\": no model at the end");
}

TEST_CASE("one_hot_encoder: sorted training categories, unknown -> zeros, numeric pass-through") {
  const Table t = parse_csv("x,colour,z\n1,red,a\n2,blue,b\n3,red,c\n4,green,a\n", "t.csv");
  OneHotEncoder enc({.columns = {"colour"}});
  const std::vector<std::size_t> train{0, 1, 2};
  enc.fit(t, train);
  CHECK(enc.categories("colour") == std::vector<std::string>{"blue", "red"});
  const Table out = enc.transform(t);
  CHECK(out.column_names() == std::vector<std::string>{"x", "colour_blue", "colour_red", "z"});
  CHECK(out.column("colour_blue").to_f64() == std::vector<double>{0, 1, 0, 0});
  CHECK(out.column("colour_red").to_f64() == std::vector<double>{1, 0, 1, 0});  // green: zeros
  OneHotEncoder all;
  all.fit(t);
  const Table both = all.transform(t);
  CHECK(both.num_columns() == 1 + 3 + 3);
  CHECK(table_to_matrix(both).cols() == 7);
  CHECK(error_of([&] { table_to_matrix(t); }) ==
        "column 'colour' is text, not a number (encode it with one_hot_encoder)");
  OneHotEncoder numeric({.columns = {"x"}});
  CHECK(error_of([&] { numeric.fit(t); }) == "one_hot_encoder: column 'x' is int64, not text");
}

TEST_CASE("label_encoder orders classes as sklearn (sorted) and round-trips") {
  LabelEncoder enc;
  const std::vector<std::string> y{"normal", "collision", "obstruction", "normal", "Fr1"};
  enc.fit(y);
  CHECK(enc.classes() == std::vector<std::string>{"Fr1", "collision", "normal", "obstruction"});
  const auto codes = enc.transform(y);
  CHECK(codes == std::vector<double>{2, 1, 3, 2, 0});
  CHECK(enc.inverse_transform(codes) == y);
  const std::vector<std::string> unseen{"normal", "lost"};
  CHECK(error_of([&] { enc.transform(unseen); }) ==
        "label_encoder: label \"lost\" (row 1) was not seen in fit");
  const std::vector<double> bad{4};
  CHECK(error_of([&] { enc.inverse_transform(bad); }) ==
        "label_encoder: code 4.0 (row 0) is not in [0, 4)");
}
