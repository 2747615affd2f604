// The installed ml layer (ml/matrix.hpp, ml/estimator.hpp): freshet's matrices must hold and view
// the elements where Eigen has them, and an Estimator must give the in-tree Model's bytes.
#include "ml/estimator.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "ml/matrix.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"
#include "ml/models_testdata.hpp"
#include "tests/errors.hpp"

using namespace freshet;
using freshet::testing::code_of;
using freshet::testing::error_of;

TEST_CASE("DenseMatrix: column-major storage, row-major input, checked sizes") {
  // Element (i, j) = 10 i + j, given row by row.
  const std::vector<double> rows = {0, 1, 2, 10, 11, 12};
  const DenseMatrix m = DenseMatrix::from_row_major(2, 3, rows);
  REQUIRE(m.rows() == 2);
  REQUIRE(m.cols() == 3);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) CHECK(m(i, j) == 10.0 * i + j);
  // Column-major: the first column (0, 10) comes first in memory.
  CHECK(m.data()[0] == 0);
  CHECK(m.data()[1] == 10);
  CHECK(m.data()[2] == 1);
  CHECK(DenseMatrix::from_column_major(2, 3, {0, 10, 1, 11, 2, 12}) == m);
  CHECK(m.take_rows(std::vector<std::size_t>{1, 1, 0}) ==
        DenseMatrix::from_row_major(3, 3, std::vector<double>{10, 11, 12, 10, 11, 12, 0, 1, 2}));
  CHECK(error_of([] {
          DenseMatrix::from_column_major(2, 3, {1, 2});
        }) == "DenseMatrix: 2 values for a 2x3 matrix");
  CHECK(code_of([&] { DenseMatrix::from_row_major(4, 3, rows); }) == Errc::kInvalidArgument);
  DenseMatrix r = m;
  r.resize(3, 1);
  CHECK(r == DenseMatrix(3, 1));
}

TEST_CASE("MatrixView: Eigen matrices, blocks and DenseMatrix viewed in place") {
  const Matrix E = testdata::lcg_matrix(7, 5, 3, 0);
  const MatrixView whole = E;
  CHECK(whole.data() == E.data());  // borrowed, not copied
  // A block of rows 2..5, columns 1..3: columns are contiguous, the stride is E's row count.
  const auto block = E.block(2, 1, 4, 3);
  const MatrixView v = block;
  REQUIRE(v.rows() == 4);
  REQUIRE(v.cols() == 3);
  CHECK(v.outer_stride() == 7);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      CHECK(v(i, j) == E(static_cast<Eigen::Index>(i + 2), static_cast<Eigen::Index>(j + 1)));
  // Copied into a DenseMatrix and mapped back: the block's elements, exactly.
  const DenseMatrix d(v);
  CHECK(as_eigen(d) == Matrix(block));
  CHECK(as_eigen(v) == Matrix(block));
  CHECK(to_dense(E) == DenseMatrix(MatrixView(E)));
  CHECK(code_of([&] { MatrixView(E.data(), 7, 5, 6); }) == Errc::kInvalidArgument);
}

TEST_CASE("Estimator: the in-tree model's bytes, through views of any stride") {
  const testdata::Dataset data = testdata::load_dataset("breast_cancer");
  const std::size_t n = data.y.size();
  for (const char* spec : {"standard_scaler>logistic_regression:C=0.5",
                           "random_forest_classifier:n_estimators=8,random_state=3"}) {
    CAPTURE(spec);
    auto reference = make_model(spec);
    reference->fit(data.X, data.y);
    Estimator est(spec);
    CHECK(est.is_classifier());
    CHECK(est.params() == reference->params());
    // Fit through a DenseMatrix copy; predict through a block view with an outer stride.
    est.fit(to_dense(data.X), data.y);
    const Matrix padded = [&] {
      Matrix P = Matrix::Constant(data.X.rows() + 3, data.X.cols(), NAN);
      P.topRows(data.X.rows()) = data.X;
      return P;
    }();
    const MatrixView strided = padded.topRows(data.X.rows());
    CHECK(strided.outer_stride() == static_cast<std::size_t>(padded.rows()));
    const Vector expected = reference->predict(data.X);
    CHECK(est.predict(strided) == std::vector<double>(expected.data(), expected.data() + n));
    CHECK(as_eigen(est.predict_proba(strided)) == reference->predict_proba(data.X));
    CHECK(est.classes() == reference->classes());
    CHECK(est.score("roc_auc", strided, data.y) == score("roc_auc", *reference, data.X, data.y));
    // clone(): unfitted, same parameters.
    const Estimator fresh_copy = est.clone();
    CHECK(fresh_copy.params() == est.params());
    CHECK(code_of([&] { (void)fresh_copy.predict(strided); }) == Errc::kInvalidArgument);
  }
}

TEST_CASE("Estimator: linear coefficients reproduce predict, errors name the model") {
  const Matrix X = testdata::lcg_matrix(40, 3, 11, 0);
  std::vector<double> y(40);
  for (Eigen::Index i = 0; i < 40; ++i)
    y[static_cast<std::size_t>(i)] = 2 * X(i, 0) - X(i, 2) + 0.5 + 0.01 * X(i, 1) * X(i, 1);
  Estimator ridge("ridge:alpha=0.1");
  ridge.fit(X, y);
  DenseMatrix coef;
  std::vector<double> intercept;
  REQUIRE(ridge.linear_coefficients(coef, intercept));
  REQUIRE(coef.rows() == 1);
  REQUIRE(coef.cols() == 3);
  const std::vector<double> pred = ridge.predict(X);
  for (std::size_t i = 0; i < 40; ++i) {
    double v = intercept[0];
    for (std::size_t j = 0; j < 3; ++j)
      v += coef(0, j) * X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
    CHECK(v == doctest::Approx(pred[i]).epsilon(1e-12));
  }
  CHECK(!Estimator("knn_regressor").linear_coefficients(coef, intercept));
  CHECK(code_of([] { Estimator("ridgee"); }) == Errc::kNotFound);
  CHECK(error_of([&] { (void)ridge.predict(DenseMatrix(2, 4)); }).find("ridge") !=
        std::string::npos);
  CHECK(code_of([&] { (void)ridge.predict_proba(X); }) == Errc::kInvalidArgument);
}
