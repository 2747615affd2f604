// Extracts tsfresh's minimal features from a series CSV into FEATURES.csv and cross-validates
// ridge on two of them, through the installed headers and libraries only. Prints the mean r2.
#include <iostream>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "fresh/extract.hpp"
#include "fresh/input.hpp"
#include "fresh/settings.hpp"
#include "mproc/executor.hpp"
#include "xval/cross_validate.hpp"
#include "xval/splitters.hpp"

int main(int argc, char** argv) {
  using namespace freshet;
  if (argc != 3) {
    std::cerr << "usage: consumer SERIES.csv FEATURES.csv\n";
    return 2;
  }
  try {
    auto executor = mproc::make_executor({.workers = 0});
    const fresh::SeriesSet series = fresh::read_series_csv(argv[1]);
    const auto result =
        fresh::extract_features(series, fresh::preset_settings("minimal"), *executor);
    const Table& table = result.features;
    write_csv(table, argv[2]);
    xval::DatasetOptions options;
    options.target = "accel__mean";
    options.features = {"accel__median", "gyro__maximum"};
    const xval::Dataset data = xval::make_dataset(table, options);
    const auto cv = xval::cross_validate(data, *xval::make_splitter("kfold:n_splits=3"), "ridge",
                                         {"r2"}, *executor);
    std::cout << cv.mean(0) << "\n";
  } catch (const Error& e) {
    std::cerr << "consumer: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
