// A C++ program against an installed freshet, through its public headers only (freshet's types and
// the standard library: tests/install_consumer.cmake compiles it with nothing but the install
// prefix on the include path). It
//   1. extracts tsfresh's minimal features from SERIES.csv into FEATURES.csv (the script compares
//      the file with what the installed `freshet extract` writes),
//   2. cross-validates ridge on two of them and prints "split <s> r2 <score>" per split (the
//      script compares them with `freshet xval` on the same features),
//   3. fits an Estimator on freshet's own matrices and checks what must hold whatever the data:
//      predictions are intercept + coef . x with the coefficients it reports, score("r2") is
//      r2_score of those predictions, and the same values given row-major fit the same model.
#include <cmath>
#include <cstddef>
#include <iostream>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "fresh/extract.hpp"
#include "fresh/feature_settings.hpp"
#include "fresh/input.hpp"
#include "ml/estimator.hpp"
#include "ml/matrix.hpp"
#include "ml/metrics.hpp"
#include "mproc/executor.hpp"
#include "mproc/supervisor.hpp"
#include "xval/cross_validate.hpp"
#include "xval/splitters.hpp"

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw freshet::Error(freshet::Errc::kInternal, "check failed: " + what);
}

}  // namespace

int main(int argc, char** argv) {
  freshet::mproc::supervisor_entry_point();  // the installed hook links and returns here
  using namespace freshet;
  if (argc != 3) {
    std::cerr << "usage: consumer SERIES.csv FEATURES.csv\n";
    return 2;
  }
  try {
    auto executor = mproc::make_executor({.workers = 0});

    // 1. Extraction.
    const fresh::SeriesSet series = fresh::read_series_csv(argv[1]);
    const auto settings = fresh::FeatureSettings::preset("minimal");
    const auto result = fresh::extract_features(series, settings, *executor);
    const Table& table = result.features;
    write_csv(table, argv[2]);

    // 2. Cross-validation.
    xval::DatasetOptions options;
    options.target = "accel__mean";
    options.features = {"accel__median", "gyro__maximum"};
    const xval::Dataset data = xval::make_dataset(table, options);
    const auto cv = xval::cross_validate(data, *xval::make_splitter("kfold:n_splits=3"), "ridge",
                                         {"r2"}, *executor);
    for (std::size_t s = 0; s < cv.splits.size(); ++s)
      std::cout << "split " << s << " r2 " << format_double(cv.splits[s].scores[0]) << "\n";

    // 3. An estimator on freshet's matrices.
    const DenseMatrix& X = data.X;
    Estimator model("standard_scaler>ridge:alpha=0.5");
    require(!model.is_classifier(), "ridge is a regressor");
    model.fit(X, data.y);
    const std::vector<double> pred = model.predict(X);
    require(pred.size() == X.rows(), "one prediction per row");

    // The scaler runs inside the pipeline, so reconstruct with plain ridge on the same rows.
    Estimator plain("ridge:alpha=0.5");
    plain.fit(X, data.y);
    DenseMatrix coef;
    std::vector<double> intercept;
    require(plain.linear_coefficients(coef, intercept), "ridge reports its coefficients");
    require(coef.rows() == 1 && coef.cols() == X.cols() && intercept.size() == 1,
            "one row of coefficients, one per feature");
    const std::vector<double> plain_pred = plain.predict(X);
    for (std::size_t i = 0; i < X.rows(); ++i) {
      double v = intercept[0];
      for (std::size_t j = 0; j < X.cols(); ++j) v += coef(0, j) * X(i, j);
      require(std::abs(v - plain_pred[i]) <= 1e-9 * (1 + std::abs(v)),
              "prediction " + std::to_string(i) + " is intercept + coef . x");
    }
    require(model.score("r2", X, data.y) == r2_score(data.y, pred),
            "score(\"r2\") is r2_score of predict");

    // The same values handed over row-major: the same model, the same predictions.
    std::vector<double> row_major(X.rows() * X.cols());
    for (std::size_t i = 0; i < X.rows(); ++i)
      for (std::size_t j = 0; j < X.cols(); ++j) row_major[i * X.cols() + j] = X(i, j);
    const DenseMatrix X2 = DenseMatrix::from_row_major(X.rows(), X.cols(), row_major);
    require(X2 == X, "from_row_major holds the same elements");
    Estimator again = model.clone();
    again.fit(X2, data.y);
    require(again.predict(X2) == pred, "a refit on the same data predicts the same bytes");

    // A shape mismatch is an error naming the model, not a crash.
    bool threw = false;
    try {
      model.predict(DenseMatrix(2, X.cols() + 1));
    } catch (const Error&) {
      threw = true;
    }
    require(threw, "predict with the wrong column count throws");
    std::cout << "fit r2 " << format_double(model.score("r2", X, data.y)) << "\n";
  } catch (const Error& e) {
    std::cerr << "consumer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
