#include "fresh/impute.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace freshet::fresh {

ImputeValues impute_values(std::span<const double> values) {
  std::vector<double> finite;
  finite.reserve(values.size());
  for (double v : values)
    if (std::isfinite(v)) finite.push_back(v);
  ImputeValues out;
  if (finite.empty()) return out;  // tsfresh fills a column without finite values with 0
  const auto [lo, hi] = std::minmax_element(finite.begin(), finite.end());
  out.min = *lo;
  out.max = *hi;
  // numpy.ma.median on the masked column: sum of the middle pair divided by 2 (for an odd count
  // the "pair" is one value, whose sum is itself).
  const std::size_t n = finite.size();
  const std::size_t h = n / 2;
  std::nth_element(finite.begin(), finite.begin() + static_cast<std::ptrdiff_t>(h), finite.end());
  const double high = finite[h];
  if (n % 2 == 1) {
    out.median = high;
  } else {
    const double low =
        *std::max_element(finite.begin(), finite.begin() + static_cast<std::ptrdiff_t>(h));
    out.median = (low + high) / 2.0;
  }
  return out;
}

void impute_column(std::span<double> values, const ImputeValues& r) {
  for (double& v : values) {
    if (std::isnan(v))
      v = r.median;
    else if (v == INFINITY)
      v = r.max;
    else if (v == -INFINITY)
      v = r.min;
  }
}

void impute_features(Table& features, std::string_view id_column) {
  for (std::size_t c = 0; c < features.num_columns(); ++c) {
    const Column& col = features.column(c);
    if (col.dtype() != DType::kFloat64 || col.name() == id_column) continue;
    const auto values = col.f64();
    bool all_finite = true;
    for (double v : values)
      if (!std::isfinite(v)) {
        all_finite = false;
        break;
      }
    if (all_finite) continue;
    const ImputeValues r = impute_values(values);
    auto& mut = features.column_mut(col.name()).f64_mut();
    impute_column(mut, r);
  }
}

}  // namespace freshet::fresh
