#pragma once
// Shared rules of the tsfresh golden comparisons (tests/fresh_golden_test.cpp and
// tests/fresh_roll_golden_test.cpp): which calculators are compared exactly.

#include <set>
#include <string>
#include <vector>

#include "core/table.hpp"
#include "fresh/names.hpp"

namespace freshet::testing {

// Calculators whose values are counts, locations or booleans: equal to tsfresh's exactly, not
// within a tolerance.
inline bool exact_calculator(const std::string& c) {
  static const std::set<std::string> exact = {
      "length",
      "has_duplicate",
      "has_duplicate_max",
      "has_duplicate_min",
      "count_above_mean",
      "count_below_mean",
      "longest_strike_above_mean",
      "longest_strike_below_mean",
      "first_location_of_maximum",
      "first_location_of_minimum",
      "last_location_of_maximum",
      "last_location_of_minimum",
      "number_peaks",
      "number_crossing_m",
      "number_cwt_peaks",
      "value_count",
      "range_count",
      "count_above",
      "count_below",
      "ratio_beyond_r_sigma",
      "large_standard_deviation",
      "symmetry_looking",
      "variance_larger_than_standard_deviation",
      "index_mass_quantile",
      "percentage_of_reoccurring_values_to_all_values",
      "percentage_of_reoccurring_datapoints_to_all_datapoints",
      "ratio_value_number_to_time_series_length"};
  return exact.count(c) > 0;
}

// The reference columns the README's exceptions read for one feature: variation_coefficient is
// compared only where |mean| > 1e-6 * std; an fft angle is free where its bin's magnitude is
// below rounding noise (|X_k| < 1e-9 * n * max|x|).
struct ExceptionColumns {
  std::vector<double> means, stds;           // variation_coefficient's mean and std (else empty)
  bool angle = false;                        // an fft_coefficient angle
  std::vector<double> fft_abs, absmax, len;  // the angle's |X_k|, max|x| and n
};

inline ExceptionColumns exception_columns(const Table& ref, const fresh::ParsedFeatureName& p) {
  ExceptionColumns e;
  if (p.calculator == "variation_coefficient") {
    e.means = ref.column(p.kind + "__mean").to_f64();
    e.stds = ref.column(p.kind + "__standard_deviation").to_f64();
  }
  e.angle = p.calculator == "fft_coefficient" && p.params.is_object() &&
            p.params.value("attr", "") == "angle";
  if (e.angle) {
    auto q = p.params;
    q["attr"] = "abs";
    e.fft_abs = ref.column(fresh::feature_name(p.kind, "fft_coefficient", q)).to_f64();
    e.absmax = ref.column(p.kind + "__absolute_maximum").to_f64();
    e.len = ref.column(p.kind + "__length").to_f64();
  }
  return e;
}

}  // namespace freshet::testing
