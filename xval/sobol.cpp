#include "xval/sobol.hpp"

#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace freshet::xval {
namespace {

constexpr int kBits = 30;

// Bratley & Fox (1988), Algorithm 659: for dimension d (1-based), the primitive polynomial
// (bits = coefficients, leading and constant terms included) and its initial odd direction
// integers m_1..m_degree. Dimension 1 (polynomial 1) has all m_j = 1.
struct Init {
  std::uint32_t poly;
  std::uint32_t m[8];
};
constexpr Init kInit[kSobolMaxDimensions] = {
    {1, {1}},
    {3, {1}},
    {7, {1, 1}},
    {11, {1, 3, 7}},
    {13, {1, 1, 5}},
    {19, {1, 3, 1, 1}},
    {25, {1, 1, 3, 7}},
    {37, {1, 3, 3, 9, 9}},
    {59, {1, 3, 7, 13, 3}},
    {47, {1, 1, 5, 11, 27}},
    {61, {1, 3, 5, 1, 15}},
    {55, {1, 1, 7, 3, 29}},
    {41, {1, 3, 7, 7, 21}},
    {67, {1, 1, 1, 9, 23, 37}},
    {97, {1, 3, 3, 5, 19, 33}},
    {91, {1, 1, 3, 13, 11, 7}},
    {109, {1, 1, 7, 13, 25, 5}},
    {103, {1, 3, 5, 11, 7, 11}},
    {115, {1, 1, 1, 3, 13, 39}},
    {131, {1, 3, 1, 15, 17, 63, 13}},
    {193, {1, 1, 5, 5, 1, 27, 33}},
    {137, {1, 3, 3, 3, 25, 17, 115}},
    {145, {1, 1, 3, 15, 29, 15, 41}},
    {143, {1, 3, 1, 7, 3, 23, 79}},
    {241, {1, 3, 7, 9, 31, 29, 17}},
    {157, {1, 1, 5, 13, 11, 3, 29}},
    {185, {1, 3, 1, 9, 5, 21, 119}},
    {167, {1, 1, 3, 1, 23, 13, 75}},
    {229, {1, 3, 3, 11, 27, 31, 73}},
    {171, {1, 1, 7, 7, 19, 25, 105}},
    {213, {1, 3, 5, 5, 21, 9, 7}},
    {191, {1, 1, 1, 15, 5, 49, 59}},
    {253, {1, 1, 1, 1, 1, 33, 65}},
    {203, {1, 3, 5, 15, 17, 19, 21}},
    {211, {1, 1, 7, 11, 13, 29, 3}},
    {239, {1, 3, 7, 5, 7, 11, 113}},
    {247, {1, 1, 5, 3, 15, 19, 61}},
    {285, {1, 3, 1, 1, 9, 27, 89, 7}},
    {369, {1, 1, 3, 7, 31, 15, 45, 23}},
    {299, {1, 3, 3, 9, 9, 25, 107, 39}},
};

int degree(std::uint32_t poly) {
  int d = 0;
  while (poly >>= 1) ++d;
  return d;
}

// Direction numbers v[j] = m_{j+1} * 2^(30 - (j+1)), j = 0..29, for one dimension.
std::vector<std::uint32_t> directions(std::size_t dim) {
  std::vector<std::uint32_t> m(kBits, 1);
  const Init& init = kInit[dim];
  const int s = dim == 0 ? 0 : degree(init.poly);
  for (int j = 0; j < s; ++j) m[static_cast<std::size_t>(j)] = init.m[j];
  if (s > 0) {
    // m_j = 2 a_1 m_{j-1} ^ 4 a_2 m_{j-2} ^ ... ^ 2^s m_{j-s} ^ m_{j-s}, where a_k is bit
    // (s - k) of the polynomial.
    for (int j = s; j < kBits; ++j) {
      std::uint32_t value = m[static_cast<std::size_t>(j - s)];
      for (int k = 1; k <= s; ++k) {
        const bool a = (init.poly >> (s - k)) & 1U;
        if (a) value ^= (1U << k) * m[static_cast<std::size_t>(j - k)];
      }
      m[static_cast<std::size_t>(j)] = value;
    }
  }
  std::vector<std::uint32_t> v(kBits);
  for (int j = 0; j < kBits; ++j)
    v[static_cast<std::size_t>(j)] = m[static_cast<std::size_t>(j)] << (kBits - 1 - j);
  return v;
}

}  // namespace

std::vector<std::vector<double>> sobol_points(std::size_t dimensions, std::size_t n) {
  if (dimensions < 1 || dimensions > kSobolMaxDimensions)
    throw Error(Errc::kInvalidArgument,
                "sobol: dimensions must be in [1, 40], got " + std::to_string(dimensions));
  if (n >= (std::size_t{1} << kBits))
    throw Error(Errc::kInvalidArgument, "sobol: too many points (" + std::to_string(n) + ")");
  std::vector<std::vector<std::uint32_t>> v(dimensions);
  for (std::size_t d = 0; d < dimensions; ++d) v[d] = directions(d);
  std::vector<std::uint32_t> x(dimensions, 0);
  std::vector<std::vector<double>> out(n, std::vector<double>(dimensions));
  constexpr double kScale = 1.0 / static_cast<double>(1U << kBits);
  // Point i (1-based) = XOR of v[lowest zero bit of t] for t = 0..i-1.
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t t = i, bit = 0;
    while (t & 1U) t >>= 1, ++bit;
    for (std::size_t d = 0; d < dimensions; ++d) {
      x[d] ^= v[d][bit];
      out[i][d] = static_cast<double>(x[d]) * kScale;
    }
  }
  return out;
}

}  // namespace freshet::xval
