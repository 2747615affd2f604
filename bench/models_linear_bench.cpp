// Fit + predict timings of freshet's linear models on one CSV data set (column "y" is the
// target; the first `--train` rows train, the rest are predicted). Driven by
// bench/models_vs_sklearn.py, which times scikit-learn on the same rows in the same run; run
// alone it prints one JSON line per model spec:
//   build/bench/bench_models_linear_bench --csv FILE [--train N] [--repeat R] SPEC...
// score: accuracy for classifiers, MSE for regressors (to check both sides fit the same model).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/table.hpp"
#include "ml/model.hpp"
#include "ml/preprocess.hpp"

using namespace freshet;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string csv;
  std::size_t train = 0;
  int repeat = 3;
  std::vector<std::string> specs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--csv" && i + 1 < argc) {
      csv = argv[++i];
    } else if (a == "--train" && i + 1 < argc) {
      train = std::stoul(argv[++i]);
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::stoi(argv[++i]);
    } else {
      specs.push_back(a);
    }
  }
  if (csv.empty() || specs.empty()) {
    std::fprintf(stderr, "usage: %s --csv FILE [--train N] [--repeat R] SPEC...\n", argv[0]);
    return 2;
  }
  Table t = read_csv(csv);
  const std::vector<double> y = t.column("y").to_f64();
  t.drop_column("y");
  const Matrix X = table_to_matrix(t);
  const auto n = static_cast<std::size_t>(X.rows());
  if (train == 0 || train >= n) train = n * 4 / 5;
  const Matrix Xtr = X.topRows(static_cast<Eigen::Index>(train));
  const Matrix Xte = X.bottomRows(static_cast<Eigen::Index>(n - train));
  const std::vector<double> ytr(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(train));

  for (const std::string& spec : specs) {
    double best_fit = 1e300, best_predict = 1e300, score = 0;
    for (int r = 0; r < repeat; ++r) {
      auto model = make_model(spec);
      auto t0 = std::chrono::steady_clock::now();
      model->fit(Xtr, ytr);
      best_fit = std::min(best_fit, seconds_since(t0));
      t0 = std::chrono::steady_clock::now();
      const Vector pred = model->predict(Xte);
      best_predict = std::min(best_predict, seconds_since(t0));
      double acc = 0;
      for (Eigen::Index i = 0; i < pred.size(); ++i) {
        const double truth = y[train + static_cast<std::size_t>(i)];
        acc += model->is_classifier() ? (pred[i] == truth) : (pred[i] - truth) * (pred[i] - truth);
      }
      score = acc / static_cast<double>(pred.size());
    }
    std::printf("{\"spec\": \"%s\", \"fit_s\": %.6g, \"predict_s\": %.6g, \"score\": %.10g}\n",
                spec.c_str(), best_fit, best_predict, score);
  }
  return 0;
}
