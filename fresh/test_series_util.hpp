#pragma once
// Test-only helpers shared by calc_models_test.cpp and calc_entropy_test.cpp: load a long-format
// series file, run calculators directly (prepare + ComputeFn over the comprehensive grid) and
// compare every value with a tsfresh golden feature matrix. Not part of the library API.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/csv.hpp"
#include "fresh/calculator.hpp"
#include "fresh/names.hpp"
#include "fresh/series.hpp"

namespace freshet::fresh::testing {

inline const std::string kShared = FRESHET_SOURCE_DIR + "/../shared";
inline const std::string kRef = kShared + "/reference/tsfresh";

// (id, kind) -> values in time order.
using SeriesMap = std::map<std::pair<std::string, std::string>, std::vector<double>>;

inline SeriesMap load_series(const std::string& path) {
  const Table t = read_csv(path, {.types = {{"id", ColumnType::kString},
                                            {"kind", ColumnType::kString},
                                            {"time", ColumnType::kFloat64},
                                            {"value", ColumnType::kFloat64}}});
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<double, double>>> rows;
  const auto id = t.column("id").str();
  const auto kind = t.column("kind").str();
  const auto time = t.column("time").f64();
  const auto value = t.column("value").f64();
  for (std::size_t r = 0; r < t.num_rows(); ++r)
    rows[{id[r], kind[r]}].emplace_back(time[r], value[r]);
  SeriesMap out;
  for (auto& [key, tv] : rows) {
    std::stable_sort(tv.begin(), tv.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    auto& v = out[key];
    for (const auto& p : tv) v.push_back(p.second);
  }
  return out;
}

struct Tolerance {
  double rtol = 1e-9;
  double atol = 1e-10;
};

// A documented exception: return a reason to skip the comparison of one value (empty: compare).
using SkipRule = std::function<std::string(const std::string& feature, const std::vector<double>& x,
                                           double ours, double theirs)>;

struct GoldenStats {
  std::size_t compared = 0, skipped = 0, series = 0, nan_cells = 0, inf_cells = 0;
  double worst_rel = 0;
  std::string worst;
};

inline bool close(double a, double b, Tolerance t) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= t.rtol * std::max(std::fabs(a), std::fabs(b)) + t.atol;
}

// Runs each calculator over its comprehensive grid for every (id, kind) of the series file that
// the feature matrix has a row for, and compares every value (NaN and +-inf exactly, the rest
// with the calculator's tolerance).
inline GoldenStats check_golden(const std::string& series_path, const std::string& features_path,
                                const std::vector<std::string>& calculators,
                                const std::map<std::string, Tolerance>& tolerances = {},
                                const SkipRule& skip = {}) {
  const SeriesMap series = load_series(series_path);
  const Table features = read_csv(features_path, {.types = {{"id", ColumnType::kString}}});
  const auto ids = features.column("id").str();
  std::map<std::string, std::size_t> row_of;
  for (std::size_t r = 0; r < ids.size(); ++r) row_of[ids[r]] = r;
  GoldenStats stats;
  std::vector<double> out;
  for (const std::string& name : calculators) {
    const Calculator* calc = find_calculator(name);
    REQUIRE_MESSAGE(calc != nullptr, name);
    // A parameterless calculator is prepared with one null parameter set and writes one value.
    const std::vector<Params> params =
        calc->parameterless
            ? std::vector<Params>{Params()}
            : std::vector<Params>(calc->comprehensive.begin(), calc->comprehensive.end());
    REQUIRE_MESSAGE(!params.empty(), name);
    const ComputeFn fn = calc->prepare(params);
    const Tolerance tol = tolerances.count(name) ? tolerances.at(name) : Tolerance{};
    out.assign(params.size(), 0.0);
    for (const auto& [key, values] : series) {
      const auto& [id, kind] = key;
      auto row_it = row_of.find(id);
      if (row_it == row_of.end()) continue;  // ids tsfresh could not process
      ++stats.series;
      Series s(values);
      fn(s, out);
      for (std::size_t k = 0; k < params.size(); ++k) {
        const std::string feature = feature_name(kind, *calc, params[k]);
        const double a = out[k];
        const double b = features.column(feature).as_double(row_it->second);
        if (skip) {
          const std::string why = skip(feature, values, a, b);
          if (!why.empty()) {
            ++stats.skipped;
            continue;
          }
        }
        ++stats.compared;
        if (std::isnan(b)) ++stats.nan_cells;
        if (std::isinf(b)) ++stats.inf_cells;
        CHECK_MESSAGE(close(a, b, tol), id, " ", feature, " ours=", a, " tsfresh=", b);
        if (std::isfinite(a) && std::isfinite(b) && a != b) {
          const double rel = std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
          if (rel > stats.worst_rel) {
            stats.worst_rel = rel;
            stats.worst = id + " " + feature;
          }
        }
      }
    }
  }
  MESSAGE(features_path, ": compared ", stats.compared, " values of ", stats.series,
          " (series x calculators), skipped ", stats.skipped, ", NaN ", stats.nan_cells, ", inf ",
          stats.inf_cells, ", worst relative difference ", stats.worst_rel, " (", stats.worst, ")");
  return stats;
}

// The plain definitions (all template pairs; ApEn's phi as a plain sum): what the entropy
// calculators' fast counts are compared with (calc_entropy_test, template_counts_test).
inline double naive_sample_entropy(const std::vector<double>& x, double tol) {
  auto count = [&](std::size_t m) {
    long long c = 0;
    const std::size_t T = x.size() + 1 - m;
    for (std::size_t i = 0; i < T; ++i)
      for (std::size_t j = 0; j < T; ++j) {
        if (i == j) continue;
        bool ok = true;
        for (std::size_t k = 0; k < m; ++k) ok = ok && std::fabs(x[i + k] - x[j + k]) <= tol;
        c += ok;
      }
    return c;
  };
  return -std::log(static_cast<double>(count(3)) / static_cast<double>(count(2)));
}

inline double naive_apen(const std::vector<double>& x, std::size_t m, double r) {
  auto phi = [&](std::size_t mm) {
    const std::size_t T = x.size() - mm + 1;
    double s = 0;
    for (std::size_t i = 0; i < T; ++i) {
      long long c = 0;
      for (std::size_t j = 0; j < T; ++j) {
        double d = 0;
        for (std::size_t k = 0; k < mm; ++k) d = std::max(d, std::fabs(x[i + k] - x[j + k]));
        c += d <= r;
      }
      s += std::log(static_cast<double>(c) / static_cast<double>(T));
    }
    return s / static_cast<double>(T);
  };
  return std::fabs(phi(m) - phi(m + 1));
}

}  // namespace freshet::fresh::testing
