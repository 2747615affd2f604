#pragma once
// Test helpers shared by the model tests (core/*model*_test.cpp, core/preprocess_test.cpp):
// loading the scikit-learn reference tables and folds from ../shared. Test-only header.

#include <cstddef>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/model.hpp"

namespace freshet::testing {

inline std::string shared_dir() { return std::string(FRESHET_SOURCE_DIR) + "/../shared"; }

struct Dataset {
  Matrix X;
  std::vector<double> y;
  std::vector<std::string> feature_names;
};

// shared/data/<name>/table.csv: every column but `y` as X (file order), `y` as double.
inline Dataset load_dataset(const std::string& name) {
  const Table t = read_csv(shared_dir() + "/data/" + name + "/table.csv");
  Dataset d;
  const auto n = static_cast<Eigen::Index>(t.num_rows());
  std::vector<const Column*> features;
  for (const auto& c : t.columns()) {
    if (c.name() == "y") continue;
    features.push_back(&c);
    d.feature_names.push_back(c.name());
  }
  d.X.resize(n, static_cast<Eigen::Index>(features.size()));
  for (std::size_t j = 0; j < features.size(); ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      d.X(i, static_cast<Eigen::Index>(j)) = features[j]->as_double(static_cast<std::size_t>(i));
    }
  }
  d.y = t.column("y").to_f64();
  return d;
}

struct Fold {
  std::vector<std::size_t> train, test;
};

// KFold(k) without shuffling: contiguous test blocks, the first n % k one row longer.
inline std::vector<Fold> kfold(std::size_t n, std::size_t k) {
  std::vector<Fold> folds(k);
  std::size_t start = 0;
  for (std::size_t f = 0; f < k; ++f) {
    const std::size_t size = n / k + (f < n % k ? 1 : 0);
    for (std::size_t i = 0; i < n; ++i) {
      (i >= start && i < start + size ? folds[f].test : folds[f].train).push_back(i);
    }
    start += size;
  }
  return folds;
}

// shared/reference/sklearn/<dataset>/folds_<splitter>.csv.
inline std::vector<Fold> read_folds(const std::string& dataset, const std::string& splitter) {
  const Table t =
      read_csv(shared_dir() + "/reference/sklearn/" + dataset + "/folds_" + splitter + ".csv");
  std::vector<Fold> folds;
  const auto split = t.column("split").i64();
  const auto row = t.column("row").i64();
  const auto role = t.column("role").str();
  for (std::size_t i = 0; i < t.num_rows(); ++i) {
    const auto s = static_cast<std::size_t>(split[i]);
    if (folds.size() <= s) folds.resize(s + 1);
    (role[i] == "train" ? folds[s].train : folds[s].test)
        .push_back(static_cast<std::size_t>(row[i]));
  }
  return folds;
}

inline Matrix take_rows(const Matrix& X, const std::vector<std::size_t>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), X.cols());
  for (std::size_t i = 0; i < rows.size(); ++i)
    out.row(static_cast<Eigen::Index>(i)) = X.row(static_cast<Eigen::Index>(rows[i]));
  return out;
}
inline std::vector<double> take(const std::vector<double>& y,
                                const std::vector<std::size_t>& rows) {
  std::vector<double> out;
  out.reserve(rows.size());
  for (auto r : rows) out.push_back(y[r]);
  return out;
}

// The per-fold scores of cv_scores.csv for one (dataset, model, splitter, metric), fold order.
inline std::vector<double> reference_scores(const std::string& dataset, const std::string& model,
                                            const std::string& splitter,
                                            const std::string& metric) {
  static const Table t = read_csv(shared_dir() + "/reference/sklearn/cv_scores.csv");
  std::vector<double> out;
  for (std::size_t i = 0; i < t.num_rows(); ++i) {
    if (t.column("dataset").as_string(i) == dataset && t.column("model").as_string(i) == model &&
        t.column("splitter").as_string(i) == splitter &&
        t.column("metric").as_string(i) == metric) {
      const auto fold = static_cast<std::size_t>(t.column("fold").as_double(i));
      if (out.size() <= fold) out.resize(fold + 1);
      out[fold] = t.column("score").as_double(i);
    }
  }
  return out;
}

}  // namespace freshet::testing
