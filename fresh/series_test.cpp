// Series' cached intermediates: the sorted copy updated from one window to the next (a roll's
// windows move on by one point) must be the sort of the new values, bit for bit.
#include "fresh/series.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace freshet::fresh {
namespace {

// numpy.sort's order (NaN last) by a fresh Series: the reference the updated copy must equal.
std::vector<double> fresh_sort(std::span<const double> v) {
  const Series s(v);
  const auto sorted = s.sorted();
  return {sorted.begin(), sorted.end()};
}

bool same_bits(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST_CASE("Series::sorted: windows moved on, grown, jumped and copied equal a fresh sort") {
  // Runs of plain values (ties included) between runs holding -0.0 / 0.0, NaN and +-inf: one
  // Series walks the windows a roll makes and others, and every sorted() (and the quantities
  // made from it) equals that of a fresh Series bit for bit.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> level(-20, 20), kind(0, 30);
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> x(3000);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const bool special_run = (i / 250) % 3 == 2;
    const int k = kind(rng);
    if (special_run && k == 0)
      x[i] = -0.0;
    else if (special_run && k == 1)
      x[i] = 0.0;
    else if (special_run && k == 2)
      x[i] = std::nan("");
    else if (special_run && k == 3)
      x[i] = k % 2 ? inf : -inf;
    else if (k == 4)
      x[i] = -inf;  // infinities sort like numbers: the update keeps them
    else
      x[i] = (level(rng) < 0 ? -0.125 : 0.125) * (1 + std::abs(level(rng)));  // never zero
  }
  Series s;
  std::size_t windows = 0;
  auto check = [&](std::span<const double> view) {
    s.reset(view);
    const auto got = s.sorted();
    const auto want = fresh_sort(view);
    ++windows;
    if (!same_bits(got, want)) {
      FAIL_CHECK("window of " << view.size() << " at offset " << (view.data() - x.data()));
      return;
    }
    const Series f(view);
    CHECK(same_bits(s.distinct(), f.distinct()));
    const double q = s.quantile(0.3), fq = f.quantile(0.3);
    CHECK(std::memcmp(&q, &fq, sizeof q) == 0);
  };
  const std::size_t w = 101;
  for (std::size_t end = 1; end <= x.size(); ++end)  // a roll: growing, then moving by one
    check(std::span<const double>(x.data() + (end > w ? end - w : 0), std::min(end, w)));
  for (std::size_t b = 0; b + 40 <= x.size(); b += 3) check({x.data() + b, 40});  // jumps of 3
  for (std::size_t n = 60; n > 1; --n) check({x.data() + 100, n});                // shrinking
  // Equal values in another buffer (the check is on values, not on where they are), and a
  // window whose only difference from the previous one is the sign of a zero.
  std::vector<double> copy(x.begin() + 500, x.begin() + 700);
  check({x.data() + 499, 101});
  check({copy.data(), 101});
  std::vector<double> signs = {3.0, 1.0, 2.0, 4.0};
  check(signs);
  signs.erase(signs.begin());
  signs.push_back(-0.0);
  check(signs);
  signs.erase(signs.begin());
  signs.push_back(0.0);
  check(signs);
  CHECK(windows > 4000);
}

}  // namespace
}  // namespace freshet::fresh
