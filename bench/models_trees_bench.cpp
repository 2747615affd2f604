// Fit + predict timings of freshet's kNN and random-forest models on one CSV data set (last
// column or column "y" is the target; the first `--train` rows train, the rest are predicted).
// Driven by bench/models_vs_sklearn_trees.py, which times scikit-learn on the same rows in the
// same run; run alone it prints one JSON line per model:
//   build/bench/bench_models_trees_bench --csv FILE --train N --workers W --repeat R SPEC...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/table.hpp"
#include "ml/model.hpp"
#include "mproc/executor.hpp"

using namespace freshet;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string csv;
  std::size_t train = 0;
  int workers = 1, repeat = 3;
  std::vector<std::string> specs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--csv" && i + 1 < argc) {
      csv = argv[++i];
    } else if (a == "--train" && i + 1 < argc) {
      train = std::stoul(argv[++i]);
    } else if (a == "--workers" && i + 1 < argc) {
      workers = std::stoi(argv[++i]);
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::stoi(argv[++i]);
    } else {
      specs.push_back(a);
    }
  }
  if (csv.empty() || specs.empty()) {
    std::fprintf(stderr, "usage: %s --csv FILE [--train N] [--workers W] [--repeat R] SPEC...\n",
                 argv[0]);
    return 2;
  }
  const Table t = read_csv(csv);
  const std::size_t n = t.num_rows();
  if (train == 0 || train >= n) train = n * 4 / 5;
  Matrix X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(t.num_columns() - 1));
  std::vector<double> y;
  Eigen::Index j = 0;
  for (const Column& c : t.columns()) {
    if (c.name() == "y") {
      y = c.to_f64();
      continue;
    }
    for (std::size_t i = 0; i < n; ++i) X(static_cast<Eigen::Index>(i), j) = c.as_double(i);
    ++j;
  }
  const Matrix Xtr = X.topRows(static_cast<Eigen::Index>(train));
  const Matrix Xte = X.bottomRows(static_cast<Eigen::Index>(n - train));
  const std::vector<double> ytr(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(train));

  auto executor = mproc::make_executor({.workers = workers <= 1 ? 0 : workers});
  FitContext context;
  if (workers > 1) {
    context.parallel_for = [&](std::size_t count, const std::function<void(std::size_t)>& body) {
      executor->parallel_for(count, body);
    };
  }
  for (const std::string& spec : specs) {
    double best_fit = 1e300, best_predict = 1e300, score = 0;
    for (int r = 0; r < repeat; ++r) {
      auto model = make_model(spec);
      auto t0 = std::chrono::steady_clock::now();
      model->fit(Xtr, ytr, context);
      best_fit = std::min(best_fit, seconds_since(t0));
      t0 = std::chrono::steady_clock::now();
      const Vector pred = model->predict(Xte);
      best_predict = std::min(best_predict, seconds_since(t0));
      std::size_t hits = 0;
      double sse = 0;
      for (std::size_t i = 0; i < n - train; ++i) {
        const double truth = y[train + i];
        hits += pred(static_cast<Eigen::Index>(i)) == truth ? 1 : 0;
        sse += (pred(static_cast<Eigen::Index>(i)) - truth) *
               (pred(static_cast<Eigen::Index>(i)) - truth);
      }
      score = model->is_classifier() ? static_cast<double>(hits) / static_cast<double>(n - train)
                                     : sse / static_cast<double>(n - train);
    }
    std::printf(
        "{\"spec\": \"%s\", \"workers\": %d, \"fit_s\": %.6f, \"predict_s\": %.6f, "
        "\"score\": %.17g}\n",
        spec.c_str(), workers, best_fit, best_predict, score);
  }
  return 0;
}
