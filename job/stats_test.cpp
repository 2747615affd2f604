// Rank statistics, checked against values derived by hand from Demšar (2006)'s formulas.

#include "job/stats.hpp"

#include <doctest/doctest.h>

#include <cmath>

using namespace freshet::job;

TEST_CASE("average ranks: 1 = largest, ties share the mean rank, NaN last") {
  const std::vector<double> v = {0.5, 0.9, 0.5, NAN, 0.1};
  const auto r = average_ranks(v);
  CHECK(r == std::vector<double>{2.5, 1.0, 2.5, 5.0, 4.0});
}

TEST_CASE("Friedman statistic and Nemenyi critical difference") {
  // Three datasets, three pipelines; ranks per dataset (1,2,3), (1,3,2), (1,2,3).
  const std::vector<std::vector<double>> scores = {
      {0.9, 0.8, 0.7}, {0.9, 0.6, 0.8}, {0.9, 0.5, 0.4}};
  const FriedmanResult r = friedman_nemenyi(scores);
  CHECK(r.mean_ranks[0] == doctest::Approx(1.0));
  CHECK(r.mean_ranks[1] == doctest::Approx(7.0 / 3));
  CHECK(r.mean_ranks[2] == doctest::Approx(8.0 / 3));
  // chi2_F = 12N/(k(k+1)) [sum R^2 - k(k+1)^2/4] = 3 (1 + 49/9 + 64/9 - 12) = 14/3.
  CHECK(r.chi2 == doctest::Approx(14.0 / 3));
  // chi-square with 2 df: p = exp(-chi2/2).
  CHECK(r.p_chi2 == doctest::Approx(std::exp(-7.0 / 3)));
  // F_F = (N-1) chi2 / (N(k-1) - chi2) = 2 (14/3) / (6 - 14/3) = 7.
  CHECK(r.f == doctest::Approx(7.0));
  REQUIRE(r.critical_difference);
  CHECK(*r.critical_difference == doctest::Approx(2.343 * std::sqrt(3.0 * 4.0 / (6.0 * 3.0))));
}

TEST_CASE("Demšar's worked example: k = 4, N = 14 gives CD = 1.25") {
  std::vector<std::vector<double>> scores(14, std::vector<double>{0.1, 0.2, 0.3, 0.4});
  const FriedmanResult r = friedman_nemenyi(scores);
  REQUIRE(r.critical_difference);
  CHECK(*r.critical_difference == doctest::Approx(1.25).epsilon(0.005));
  CHECK(nemenyi_q05(11) == std::nullopt);
  CHECK(nemenyi_q05(2) == doctest::Approx(1.960));
  CHECK(nemenyi_q05(10) == doctest::Approx(3.164));
}
