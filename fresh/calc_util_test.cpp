// Helpers of fresh/calc_util.hpp that stand in for numpy arithmetic: the shortest-repr first
// digit (benford_correlation), the blocked weighted sums (convolutions, fitted values) and the
// interleaved lag dot products (autocovariances).
#include "fresh/calc_util.hpp"

#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <random>
#include <vector>

namespace freshet::fresh {
namespace {

int first_digit_by_to_chars(double v) {
  if (v == 0) return 0;
  char buf[64];
  std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return buf[0] - '0';
}

TEST_CASE("first_digit equals the shortest repr's first digit, also next to digit boundaries") {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> mant(1.0, 10.0);
  std::uniform_int_distribution<int> exp10(-320, 308);
  std::size_t checked = 0, mismatches = 0;
  auto check = [&](double v) {
    if (!(v >= 0) || std::isinf(v)) return;
    ++checked;
    if (detail::first_digit(v) != first_digit_by_to_chars(v)) ++mismatches;
  };
  for (int i = 0; i < 200000; ++i) check(mant(rng) * std::pow(10.0, exp10(rng)));
  // The doubles around k * 10^e (where the shortest repr may round up to the next digit).
  for (int e = -310; e <= 308; ++e)
    for (int k = 1; k <= 10; ++k) {
      double v = static_cast<double>(k) * std::pow(10.0, e);
      for (int step = 0; step < 4; ++step) v = std::nextafter(v, 0.0);
      for (int step = 0; step < 9; ++step, v = std::nextafter(v, INFINITY)) check(v);
    }
  for (double v : {0.0, 5e-324, 1e-300, 1.0, 9.999999999999999e22, 1e23, 1.7976931348623157e308})
    check(v);
  CHECK(checked > 250000);
  CHECK(mismatches == 0);
  // 1e23 is stored as 9.99999999999999916e22, whose shortest repr is "1e+23".
  CHECK(detail::first_digit(1e23) == 1);
}

TEST_CASE("weighted_term_sums equals the plain sequential loop bit for bit") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  for (std::size_t n : {0, 1, 7, 8, 9, 31, 200}) {
    for (std::size_t terms : {0, 1, 3, 25}) {
      for (std::ptrdiff_t stride : {std::ptrdiff_t{1}, static_cast<std::ptrdiff_t>(n + 3)}) {
        std::vector<double> base(n + terms * static_cast<std::size_t>(stride) + 8);
        for (double& v : base) v = normal(rng) * 1e3;
        std::vector<double> w(terms);
        for (double& v : w) v = normal(rng);
        std::vector<double> out(n, -1.0);
        detail::weighted_term_sums(base.data(), stride, w.data(), terms, n, out.data());
        std::size_t bad = 0;
        for (std::size_t i = 0; i < n; ++i) {
          double acc = 0.0;
          for (std::size_t t = 0; t < terms; ++t)
            acc += base[i + t * static_cast<std::size_t>(stride)] * w[t];
          if (!(acc == out[i])) ++bad;
        }
        CHECK_MESSAGE(bad == 0, "n=", n, " terms=", terms, " stride=", stride);
      }
    }
  }
}

TEST_CASE("netlib_lag_dots equals netlib_dot lag by lag, bit for bit") {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal;
  for (std::size_t n : {1, 2, 5, 6, 9, 13, 64, 1000}) {
    std::vector<double> x(n);
    for (double& v : x) v = normal(rng) * 100.0;
    for (std::size_t first : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
      if (first >= n) continue;
      for (std::size_t count = 1; first + count <= n && count <= 41; ++count) {
        std::vector<double> out(count, -1.0);
        detail::netlib_lag_dots(x.data(), n, first, count, out.data());
        std::size_t bad = 0;
        for (std::size_t j = 0; j < count; ++j) {
          const std::size_t k = first + j;
          if (!(out[j] == detail::netlib_dot(x.data() + k, x.data(), n - k))) ++bad;
        }
        CHECK_MESSAGE(bad == 0, "n=", n, " first=", first, " count=", count);
      }
    }
  }
}

}  // namespace
}  // namespace freshet::fresh
