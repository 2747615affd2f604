#pragma once
// Test support for the model tests (ml/models_*_test.cpp, ml/preprocess_test.cpp,
// tests/models_parallel_test.cpp): the shared tabular data sets, sklearn's folds and sklearn's
// cross-validated scores from ../shared/reference/sklearn (see its README). Header-only; not part
// of the library API. Requires the FRESHET_SOURCE_DIR macro that the test targets define.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/table.hpp"
#include "ml/model.hpp"

namespace freshet::testdata {

inline std::string shared_dir() { return std::string(FRESHET_SOURCE_DIR) + "/../shared"; }

// Features from a small LCG: integer levels in [0, levels) (exact distance ties everywhere, as in
// digits) or, with levels == 0, reals in [-1, 1) (distances with all their bits).
inline Matrix lcg_matrix(Eigen::Index rows, Eigen::Index cols, std::uint32_t seed, int levels) {
  Matrix X(rows, cols);
  std::uint32_t s = seed;
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j) {
      s = s * 1664525u + 1013904223u;
      X(i, j) = levels > 0 ? static_cast<double>((s >> 16) % static_cast<std::uint32_t>(levels))
                           : static_cast<double>(s >> 8) / 8388608.0 - 1.0;
    }
  return X;
}

struct Dataset {
  Matrix X;                                // every column of table.csv but y, in file order
  std::vector<double> y;                   // column y
  std::vector<std::string> feature_names;  // X's columns
};

inline Dataset load_dataset(const std::string& name) {
  const Table t = read_csv(shared_dir() + "/data/" + name + "/table.csv");
  Dataset d;
  const std::size_t n = t.num_rows();
  d.X.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(t.num_columns() - 1));
  Eigen::Index j = 0;
  for (const Column& c : t.columns()) {
    if (c.name() == "y") {
      d.y = c.to_f64();
      continue;
    }
    for (std::size_t i = 0; i < n; ++i) d.X(static_cast<Eigen::Index>(i), j) = c.as_double(i);
    d.feature_names.push_back(c.name());
    ++j;
  }
  return d;
}

struct Fold {
  std::vector<std::size_t> train, test;
};

// sklearn KFold(k) without shuffling: contiguous test blocks, the first n % k one row longer.
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

// Folds recorded by sklearn: reference/sklearn/<dataset>/folds_<splitter>.csv.
inline std::vector<Fold> read_folds(const std::string& dataset, const std::string& splitter) {
  const Table t =
      read_csv(shared_dir() + "/reference/sklearn/" + dataset + "/folds_" + splitter + ".csv");
  const auto split = t.column("split").i64();
  const auto row = t.column("row").i64();
  const auto role = t.column("role").str();
  std::vector<Fold> folds;
  for (std::size_t i = 0; i < t.num_rows(); ++i) {
    const auto s = static_cast<std::size_t>(split[i]);
    if (folds.size() <= s) folds.resize(s + 1);
    (role[i] == "train" ? folds[s].train : folds[s].test)
        .push_back(static_cast<std::size_t>(row[i]));
  }
  return folds;
}

// Per-fold scores in fold order from reference/sklearn/cv_scores.csv.
inline std::vector<double> reference_scores(const std::string& dataset, const std::string& model,
                                            const std::string& splitter,
                                            const std::string& metric = "accuracy") {
  const Table t = read_csv(shared_dir() + "/reference/sklearn/cv_scores.csv");
  std::vector<std::pair<std::int64_t, double>> rows;
  for (std::size_t i = 0; i < t.num_rows(); ++i) {
    if (t.column("dataset").as_string(i) == dataset && t.column("model").as_string(i) == model &&
        t.column("splitter").as_string(i) == splitter &&
        t.column("metric").as_string(i) == metric) {
      rows.emplace_back(static_cast<std::int64_t>(t.column("fold").as_double(i)),
                        t.column("score").as_double(i));
    }
  }
  std::sort(rows.begin(), rows.end());
  std::vector<double> out;
  for (const auto& r : rows) out.push_back(r.second);
  return out;
}

inline Matrix take_rows(const Matrix& X, const std::vector<std::size_t>& rows) {
  Matrix out(static_cast<Eigen::Index>(rows.size()), X.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.row(static_cast<Eigen::Index>(i)) = X.row(static_cast<Eigen::Index>(rows[i]));
  }
  return out;
}

inline std::vector<double> take(const std::vector<double>& y,
                                const std::vector<std::size_t>& rows) {
  std::vector<double> out;
  out.reserve(rows.size());
  for (std::size_t r : rows) out.push_back(y[r]);
  return out;
}

// sklearn's accuracy_score: matches / n.
inline double accuracy(const Vector& predicted, const std::vector<double>& truth) {
  std::size_t hits = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    hits += predicted(static_cast<Eigen::Index>(i)) == truth[i] ? 1 : 0;
  }
  return static_cast<double>(hits) / static_cast<double>(truth.size());
}

// sklearn's r2_score for one output.
inline double r2(const Vector& predicted, const std::vector<double>& truth) {
  double mean = 0;
  for (double v : truth) mean += v;
  mean /= static_cast<double>(truth.size());
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double e = truth[i] - predicted(static_cast<Eigen::Index>(i));
    ss_res += e * e;
    ss_tot += (truth[i] - mean) * (truth[i] - mean);
  }
  return 1.0 - ss_res / ss_tot;
}

// Fits a fresh model from `spec` on each fold's training rows and scores its test rows.
template <typename Score>
std::vector<double> cross_val(const std::string& spec, const Dataset& data,
                              const std::vector<Fold>& folds, Score score,
                              const FitContext& context = {}) {
  std::vector<double> out;
  for (const Fold& f : folds) {
    auto model = make_model(spec);
    const std::vector<double> ytr = take(data.y, f.train);
    model->fit(take_rows(data.X, f.train), ytr, context);
    out.push_back(score(model->predict(take_rows(data.X, f.test)), take(data.y, f.test)));
  }
  return out;
}

// Reference outputs of ml/make_reference_models.py (Debian's scikit-learn 1.2.1), committed under
// tests/data/models.
inline std::string models_data(const std::string& file) {
  return std::string(FRESHET_SOURCE_DIR) + "/tests/data/models/" + file;
}

// One reference case: a model fitted with `params` on `dataset`; values[(index, output)].
struct RefCase {
  std::string dataset, model, params;
  std::map<std::pair<long, long>, double> values;
  // The freshet spec of the same model: "linear_svc:C=0.5,loss=hinge".
  std::string spec() const { return params.empty() ? model : model + ":" + params; }
  long rows() const {
    long r = 0;
    for (const auto& [key, v] : values) r = std::max(r, key.first + 1);
    return r;
  }
};

// Reads dataset,model,params,<index>,<output>,value rows, grouped by (dataset, model, params).
inline std::vector<RefCase> read_reference(const std::string& file, const std::string& index,
                                           const std::string& output,
                                           const std::string& value = "value") {
  const Table t = read_csv(models_data(file));
  std::map<std::tuple<std::string, std::string, std::string>, RefCase> cases;
  for (std::size_t i = 0; i < t.num_rows(); ++i) {
    const auto key =
        std::make_tuple(t.column("dataset").as_string(i), t.column("model").as_string(i),
                        t.column("params").as_string(i));
    RefCase& c = cases[key];
    std::tie(c.dataset, c.model, c.params) = key;
    const auto r = static_cast<long>(t.column(index).as_double(i));
    const auto o = output.empty() ? 0L : static_cast<long>(t.column(output).as_double(i));
    c.values[{r, o}] = t.column(value).as_double(i);
  }
  std::vector<RefCase> out;
  for (auto& [k, c] : cases) out.push_back(std::move(c));
  return out;
}

}  // namespace freshet::testdata
