#pragma once
// tsfresh's `impute` (tsfresh.utilities.dataframe_functions.impute): replaces non-finite feature
// values column by column so that the FRESH tests and the models can run.
//
// Per float64 column, using only the column's finite values:
//   NaN  -> median of the finite values (numpy.ma.median: the middle value, or (low + high) / 2
//           of the two middle values for an even count),
//   +inf -> max of the finite values,  -inf -> min of the finite values;
//   a column without any finite value -> every cell 0.0.
// Int64 and string columns, and the id column, are left untouched (they cannot hold NaN/inf).
// Cost: O(rows) per column (selection, not sorting). Not thread-safe for the same table.

#include <span>
#include <string_view>

#include "core/table.hpp"

namespace freshet::fresh {

// The replacement values of one column (what tsfresh's get_range_values_per_column returns).
struct ImputeValues {
  double max = 0.0;     // replaces +inf
  double min = 0.0;     // replaces -inf
  double median = 0.0;  // replaces NaN
};

// Range values from the finite entries of `values`; all 0.0 when there is none.
ImputeValues impute_values(std::span<const double> values);

// Replaces NaN/+inf/-inf in `values` with the given replacements (impute_dataframe_range).
void impute_column(std::span<double> values, const ImputeValues& replacements);

// Imputes every float64 column of `features` except `id_column` (absent: every column), in place.
void impute_features(Table& features, std::string_view id_column = "id");

}  // namespace freshet::fresh
