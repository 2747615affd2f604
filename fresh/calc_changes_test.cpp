// number_peaks and change_quantiles against direct transliterations of tsfresh's definitions on
// random series with many ties (and NaN), bit for bit.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fresh/calculator.hpp"
#include "fresh/series.hpp"

namespace freshet::fresh {
namespace {

std::vector<double> tied_walk(std::mt19937_64& rng, std::size_t n, bool nan) {
  std::normal_distribution<double> normal;
  std::vector<double> x(n);
  double level = 0;
  for (std::size_t i = 0; i < n; ++i) {
    level += normal(rng);
    x[i] = std::round(level * 0.7);
    if (nan && i % 37 == 11) x[i] = std::numeric_limits<double>::quiet_NaN();
  }
  return x;
}

TEST_CASE("number_peaks: the one-pass reach gives the direct count") {
  const Calculator* c = find_calculator("number_peaks");
  REQUIRE(c != nullptr);
  std::vector<Params> params;
  const std::vector<long long> supports = {1, 2, 3, 5, 10, 50, 400};
  for (long long n : supports) params.push_back({{"n", n}});
  const ComputeFn fn = c->prepare(params);
  std::mt19937_64 rng(21);
  for (std::size_t len : {0, 1, 2, 3, 10, 101, 1000}) {
    for (bool nan : {false, true}) {
      const std::vector<double> x = tied_walk(rng, len, nan);
      std::vector<double> out(params.size());
      fn(Series(x), out);
      for (std::size_t q = 0; q < supports.size(); ++q) {
        const std::size_t s = static_cast<std::size_t>(supports[q]);
        std::size_t count = 0;
        for (std::size_t i = s; i + s < len; ++i) {
          bool peak = true;
          for (std::size_t k = 1; k <= s; ++k) peak = peak && x[i] > x[i - k] && x[i] > x[i + k];
          count += peak;
        }
        CHECK_MESSAGE(out[q] == static_cast<double>(count), "len=", len, " n=", s, " nan=", nan);
      }
    }
  }
}

// np.quantile (linear) of an ascending array.
double quantile_sorted(const std::vector<double>& v, double q) {
  const double virt = static_cast<double>(v.size() - 1) * q;
  const double prev_d = std::floor(virt);
  const std::size_t prev = static_cast<std::size_t>(prev_d);
  const std::size_t next = std::min(prev + 1, v.size() - 1);
  const double gamma = virt - prev_d;
  const double diff = v[next] - v[prev];
  return gamma >= 0.5 ? v[next] - diff * (1 - gamma) : v[prev] + diff * gamma;
}

TEST_CASE("change_quantiles: shared corridors give each parameter set's own computation") {
  const Calculator* c = find_calculator("change_quantiles");
  REQUIRE(c != nullptr);
  const std::vector<Params> params(c->comprehensive.begin(), c->comprehensive.end());
  const ComputeFn fn = c->prepare(params);
  std::mt19937_64 rng(4);
  for (std::size_t len : {2, 17, 500}) {
    const std::vector<double> x = tied_walk(rng, len, false);
    std::vector<double> out(params.size());
    fn(Series(x), out);
    std::vector<double> sorted = x;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t k = 0; k < params.size(); ++k) {
      const double ql = params[k]["ql"].get<double>(), qh = params[k]["qh"].get<double>();
      const bool isabs = params[k]["isabs"].get<bool>();
      const bool var = params[k]["f_agg"].get<std::string>() == "var";
      const double lo = quantile_sorted(sorted, ql), hi = quantile_sorted(sorted, qh);
      std::vector<double> sel;
      for (std::size_t i = 1; i < len; ++i) {
        const bool a = (x[i - 1] > lo && x[i - 1] <= hi) || x[i - 1] == lo;
        const bool b = (x[i] > lo && x[i] <= hi) || x[i] == lo;
        if (a && b) sel.push_back(isabs ? std::fabs(x[i] - x[i - 1]) : x[i] - x[i - 1]);
      }
      double expect = 0.0;
      if (!sel.empty()) {
        const double m = pairwise_sum(sel) / static_cast<double>(sel.size());
        if (var) {
          std::vector<double> sq(sel.size());
          for (std::size_t i = 0; i < sel.size(); ++i) sq[i] = (sel[i] - m) * (sel[i] - m);
          expect = pairwise_sum(sq) / static_cast<double>(sel.size());
        } else {
          expect = m;
        }
      }
      CHECK_MESSAGE(out[k] == expect, "len=", len, " set=", params[k].dump());
    }
  }
}

}  // namespace
}  // namespace freshet::fresh
