#include "fresh/ordinal.hpp"

#include <algorithm>
#include <cmath>

namespace freshet::fresh::detail {

void ordinal_bits(std::span<const double> x, int width, std::vector<std::uint32_t>& bits) {
  const std::size_t n = x.size();
  bits.assign(n, 0u);
  const std::size_t w = static_cast<std::size_t>(width);
  for (std::size_t i = 0; i < n; ++i) {
    const double a = x[i];
    const std::size_t jmax = std::min(w - 1, n - 1 - i);
    std::uint32_t b = 0;
    if (std::isnan(a)) {
      // Every number sorts before NaN; NaN does not sort before NaN.
      for (std::size_t j = 1; j <= jmax; ++j)
        b |= static_cast<std::uint32_t>(!std::isnan(x[i + j])) << (j - 1);
    } else {
      // NaN never sorts before a number, and NaN < a is false.
      for (std::size_t j = 1; j <= jmax; ++j)
        b |= static_cast<std::uint32_t>(x[i + j] < a) << (j - 1);
    }
    bits[i] = b;
  }
}

std::uint64_t factorial(int n) {
  std::uint64_t f = 1;
  for (int k = 2; k <= n; ++k) f *= static_cast<std::uint64_t>(k);
  return f;
}

}  // namespace freshet::fresh::detail
