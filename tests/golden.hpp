#pragma once
// Shared rules of the tsfresh golden comparisons (tests/fresh_golden_test.cpp and
// tests/fresh_roll_golden_test.cpp): which calculators are compared exactly.

#include <set>
#include <string>

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

}  // namespace freshet::testing
