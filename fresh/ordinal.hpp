#pragma once
// Ordinal patterns of windows without sorting (internal to fresh/, used by permutation_entropy).
//
// numpy's argsort of a window of at most 16 values is an insertion sort, i.e. stable, in numpy's
// order (NaN after every number, NaNs equal). The pattern argsort(argsort(w)) is therefore the
// rank vector r_k = #{j : w_j before w_k, or w_j tied with w_k and j < k}. Its Lehmer code
// L_k = #{j > k : r_j < r_k} = #{j > k : w_j strictly before w_k} needs only the pairwise
// "strictly before" comparisons, and the number sum_k L_k (d-1-k)! orders patterns exactly as
// np.unique orders the rank vectors (lexicographically); equal codes are equal patterns.
//
// All functions are pure and thread-safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace freshet::fresh::detail {

// Largest window the code supports: 20! < 2^63.
inline constexpr int kMaxOrdinalWidth = 20;

// bits[i], bit j-1 (j = 1 .. width-1, i + j < x.size()): x[i + j] sorts strictly before x[i]
// (numpy order, NaN last). bits gets x.size() entries. 2 <= width <= kMaxOrdinalWidth.
void ordinal_bits(std::span<const double> x, int width, std::vector<std::uint32_t>& bits);

// Bits set in v < 2^20 (a table: the build does not assume a popcnt instruction).
inline int popcount20(std::uint32_t v) {
  static constexpr auto kTable = [] {
    std::array<std::uint8_t, 1024> t{};
    for (std::size_t i = 0; i < t.size(); ++i)
      t[i] = static_cast<std::uint8_t>((i & 1) + (i >> 1 & 1) + (i >> 2 & 1) + (i >> 3 & 1) +
                                       (i >> 4 & 1) + (i >> 5 & 1) + (i >> 6 & 1) + (i >> 7 & 1) +
                                       (i >> 8 & 1) + (i >> 9 & 1));
    return t;
  }();
  return kTable[v & 1023u] + kTable[v >> 10];
}

// The Lehmer code of the pattern of the d consecutive values starting at `start`, from bits made
// with a width >= d; start + d <= bits.size(). Codes lie in [0, d!).
inline std::uint64_t ordinal_code(const std::uint32_t* bits, std::size_t start, int d) {
  std::uint64_t code = 0;
  for (int k = 0; k < d - 1; ++k) {
    const std::uint32_t mask = (std::uint32_t{1} << (d - 1 - k)) - 1u;
    // Horner in the factorial base: code * (d - k) + L_k.
    code = code * static_cast<std::uint64_t>(d - k) +
           static_cast<std::uint64_t>(popcount20(bits[start + static_cast<std::size_t>(k)] & mask));
  }
  return code;  // the last digit L_{d-1} is always 0 (radix 1)
}

// n! for 0 <= n <= kMaxOrdinalWidth.
std::uint64_t factorial(int n);

}  // namespace freshet::fresh::detail
