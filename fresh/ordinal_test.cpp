// Ordinal-pattern codes (fresh/ordinal.hpp) against plain stable argsorts, and the
// permutation_entropy calculator against a direct transliteration of tsfresh's algorithm
// (argsort(argsort(window)), np.unique over rows, -sum p log p), bit for bit.
#include "fresh/ordinal.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include "fresh/calculator.hpp"
#include "fresh/series.hpp"

namespace freshet::fresh {
namespace {

bool numpy_less(double a, double b) { return a < b || (std::isnan(b) && !std::isnan(a)); }

// argsort(argsort(w)) with a stable sort in numpy's order.
std::vector<int> rank_pattern(const double* w, int d) {
  std::vector<int> idx(static_cast<std::size_t>(d));
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return numpy_less(w[a], w[b]); });
  std::vector<int> ranks(idx.size());
  for (int r = 0; r < d; ++r) ranks[static_cast<std::size_t>(idx[static_cast<std::size_t>(r)])] = r;
  return ranks;
}

// Values with many ties and some NaN.
std::vector<double> tied_series(std::mt19937_64& rng, std::size_t n, int levels, bool nan) {
  std::uniform_int_distribution<int> level(0, levels - 1);
  std::uniform_int_distribution<int> pick(0, 19);
  std::vector<double> x(n);
  for (double& v : x)
    v = (nan && pick(rng) == 0) ? std::numeric_limits<double>::quiet_NaN()
                                : static_cast<double>(level(rng)) * 0.5 - 1.0;
  return x;
}

TEST_CASE("ordinal codes order windows exactly as their stable-argsort rank vectors") {
  std::mt19937_64 rng(7);
  for (int d : {2, 3, 4, 5, 7, 8, 12, 20}) {
    for (int levels : {2, 4, 50}) {
      const std::vector<double> x = tied_series(rng, 300, levels, true);
      std::vector<std::uint32_t> bits;
      detail::ordinal_bits(x, d, bits);
      const std::size_t W = x.size() - static_cast<std::size_t>(d) + 1;
      std::vector<std::vector<int>> pats(W);
      std::vector<std::uint64_t> codes(W);
      for (std::size_t w = 0; w < W; ++w) {
        pats[w] = rank_pattern(x.data() + w, d);
        codes[w] = detail::ordinal_code(bits.data(), w, d);
        CHECK(codes[w] < detail::factorial(d));
      }
      std::size_t mismatches = 0;
      for (std::size_t a = 0; a < W; ++a)
        for (std::size_t b = 0; b < W; b += 7) {
          if ((pats[a] < pats[b]) != (codes[a] < codes[b])) ++mismatches;
          if ((pats[a] == pats[b]) != (codes[a] == codes[b])) ++mismatches;
        }
      CHECK(mismatches == 0);
    }
  }
  // The identity pattern is code 0, the reversed one d! - 1; ties rank by position.
  const std::vector<double> up = {1, 2, 3, 4}, down = {4, 3, 2, 1}, flat = {5, 5, 5, 5};
  std::vector<std::uint32_t> bits;
  detail::ordinal_bits(up, 4, bits);
  CHECK(detail::ordinal_code(bits.data(), 0, 4) == 0);
  detail::ordinal_bits(down, 4, bits);
  CHECK(detail::ordinal_code(bits.data(), 0, 4) == 23);
  detail::ordinal_bits(flat, 4, bits);
  CHECK(detail::ordinal_code(bits.data(), 0, 4) == 0);
}

// tsfresh permutation_entropy, step by step.
double reference_permutation_entropy(const std::vector<double>& x, long long tau, int d) {
  const long long n = static_cast<long long>(x.size());
  const long long diff = n - d;
  const long long shifts = (diff >= 0 ? diff / tau : -((-diff + tau - 1) / tau)) + 1;
  if (shifts <= 0) return std::numeric_limits<double>::quiet_NaN();
  std::map<std::vector<int>, std::size_t> counts;  // lexicographic, as np.unique
  for (long long w = 0; w < shifts; ++w)
    ++counts[rank_pattern(x.data() + static_cast<std::size_t>(w * tau), d)];
  std::vector<double> terms;
  for (const auto& [pat, c] : counts) {
    const double p = static_cast<double>(c) / static_cast<double>(shifts);
    terms.push_back(p * std::log(p));
  }
  return -pairwise_sum(terms);
}

TEST_CASE("permutation_entropy equals the argsort-of-argsort computation bit for bit") {
  const Calculator* c = find_calculator("permutation_entropy");
  REQUIRE(c != nullptr);
  std::vector<Params> params;
  std::vector<std::pair<long long, int>> grid;
  for (long long tau : {1, 2, 3})
    for (int d : {2, 3, 4, 5, 6, 7, 9, 21}) {
      params.push_back({{"tau", tau}, {"dimension", d}});
      grid.emplace_back(tau, d);
    }
  const ComputeFn fn = c->prepare(params);
  std::mt19937_64 rng(11);
  for (std::size_t n : {1, 5, 8, 40, 257}) {
    for (int levels : {3, 1000}) {
      const std::vector<double> x = tied_series(rng, n, levels, levels == 3);
      std::vector<double> out(params.size());
      fn(Series(x), out);
      for (std::size_t k = 0; k < grid.size(); ++k) {
        const double ref = reference_permutation_entropy(x, grid[k].first, grid[k].second);
        INFO("n=" << n << " tau=" << grid[k].first << " d=" << grid[k].second);
        if (std::isnan(ref))
          CHECK(std::isnan(out[k]));
        else
          CHECK(out[k] == ref);
      }
    }
  }
}

}  // namespace
}  // namespace freshet::fresh
