// Spot checks of the FRESH tests. The expected numbers were computed once, when this test was
// written, with Debian's scipy 1.10.1 (/usr/bin/python3), e.g.
//   stats.fisher_exact([[10, 2], [3, 15]])[1]
//   stats.mannwhitneyu(x, y, use_continuity=True, alternative="two-sided").pvalue
//   stats.ks_2samp(x, y).pvalue
//   stats.kendalltau(a, b, method="asymptotic").pvalue
// The golden coverage is tests/relevance_golden_test.cpp (tsfresh's relevance tables); these
// pin each branch (exact vs asymptotic, equal vs unequal group sizes) on its own.
#include "fresh/stat_tests.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

using namespace freshet::fresh;

namespace {
bool close(double a, double b, double rtol = 1e-12) {
  return std::abs(a - b) <= rtol * std::abs(b);
}
}  // namespace

TEST_CASE("stat_tests: Fisher exact, two-sided") {
  CHECK(close(fisher_exact_p(3, 1, 1, 3), 0.48571428571428565));
  CHECK(close(fisher_exact_p(10, 2, 3, 15), 0.0005367241191434357));
  CHECK(close(fisher_exact_p(0, 5, 7, 2), 0.020979020979020983));
  CHECK(fisher_exact_p(5, 5, 5, 5) == 1.0);
  CHECK(fisher_exact_p(0, 0, 3, 4) == 1.0);  // an empty row
}

TEST_CASE("stat_tests: Mann-Whitney U, exact and asymptotic branches") {
  // groups of 5 and 7 without ties: exact distribution
  const std::vector<double> x = {1.5, 2.5, 0.3, 4.4, 5.1},
                            y = {0.1, 0.2, 3.3, 0.25, 0.05, 0.7, 0.8};
  CHECK(close(mann_whitney_u_p(x, y), 0.04797979797979798));
  // ties: normal approximation with tie correction and continuity correction
  const std::vector<double> x2 = {1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                            y2 = {2, 3, 3, 0, 1, 1, 1, 0.5, 4, 4.5};
  CHECK(close(mann_whitney_u_p(x2, y2), 0.014503554709142058, 1e-9));
  // the grouped form used by the relevance code gives the same number
  std::vector<double> pooled(x2.begin(), x2.end());
  pooled.insert(pooled.end(), y2.begin(), y2.end());
  std::vector<char> group(pooled.size(), 0);
  for (std::size_t i = 0; i < x2.size(); ++i) group[i] = 1;
  CHECK(mann_whitney_u_p(rank_sample(pooled), group) == mann_whitney_u_p(x2, y2));
}

TEST_CASE("stat_tests: two-sample Kolmogorov-Smirnov, exact") {
  const std::vector<double> x = {1.5, 2.5, 0.3, 4.4, 5.1},
                            y = {0.1, 0.2, 3.3, 0.25, 0.05, 0.7, 0.8};
  CHECK(close(ks_2samp_p(x, y), 0.11616161616161617, 1e-10));
  const std::vector<double> x2 = {1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                            y2 = {2, 3, 3, 0, 1, 1, 1, 0.5, 4, 4.5};
  CHECK(close(ks_2samp_p(x2, y2), 0.043224577280304835, 1e-10));
  // equal sizes: the "outside square" formula
  CHECK(close(ks_2samp_p(std::vector<double>{1, 2, 3, 4}, std::vector<double>{2.5, 5, 6, 7}),
              0.22857142857142862, 1e-10));
  CHECK(ks_2samp_exact_p(5, 7, 0) == 1.0);
}

TEST_CASE("stat_tests: Kendall tau-b, asymptotic with ties") {
  const std::vector<double> a = {1, 2, 2, 3, 4, 5, 5, 5, 6, 7}, b = {2, 1, 3, 3, 5, 4, 6, 6, 8, 7};
  CHECK(close(kendall_tau_p(a, b), 0.0017889794722248033, 1e-10));
  CHECK(close(kendall_tau_p(b, a), 0.0017889794722248033, 1e-10));
  const std::vector<double> constant = {1, 1, 1, 1};
  CHECK(std::isnan(kendall_tau_p(constant, std::vector<double>{1, 2, 3, 4})));
}
