#pragma once
// The univariate hypothesis tests of FRESH feature selection, with scipy 1.10's definitions (the
// versions tsfresh 0.21.2 calls). Every function returns a two-sided p-value in [0, 1]; NaN where
// scipy returns NaN (Kendall's tau with a constant input). Inputs must be free of NaN (the
// caller imputes first); sizes must be >= 1 per group.
//
//   fisher_exact_p      binary feature / binary target: scipy.stats.fisher_exact, two-sided
//                       (tables with pmf <= (1 + 1e-14) * pmf(observed); Boost.Math's
//                       hypergeometric distribution, which scipy 1.10 also uses)
//   mann_whitney_u_p    real feature / binary target: mannwhitneyu(use_continuity=True,
//                       alternative="two-sided", method="auto"): exact when a group has <= 8
//                       members and no value is tied, else the normal approximation with the tie
//                       correction
//   ks_2samp_p          binary target / real feature ("smir") and real target / binary feature:
//                       ks_2samp(method="auto"): the exact two-sided distribution (Hodges' inside
//                       method with Viehmann's 1 - p recursion). scipy switches to an asymptotic
//                       formula when a group has more than 10,000 values; freshet stays exact
//                       there (slower, more accurate, differs from scipy in the last digits).
//   kendall_tau_p       real feature / real target: kendalltau(variant="b",
//                       method="asymptotic") with the tie terms, O(n log n)
//
// Thread-safety: all functions are pure.

#include <cstdint>
#include <span>
#include <vector>

namespace freshet::fresh {

// Two-sided Fisher exact test of the 2x2 table [[a, b], [c, d]]. 1.0 when a row or column sum is 0.
double fisher_exact_p(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d);

// Mann-Whitney U test of sample x against sample y.
double mann_whitney_u_p(std::span<const double> x, std::span<const double> y);
// Two-sample Kolmogorov-Smirnov test.
double ks_2samp_p(std::span<const double> x, std::span<const double> y);
// Kendall's tau-b test of association of x and y (equal lengths).
double kendall_tau_p(std::span<const double> x, std::span<const double> y);

// ---- building blocks for testing one feature against many groupings -----------------------

// Average ranks (scipy.stats.rankdata "average") of a sample, with the tie statistics the
// Mann-Whitney test needs. Ranks are half-integers, so sums of them are exact.
struct RankedSample {
  std::vector<double> rank;  // 1-based average rank of each value, in input order
  double tie_term = 0;       // sum over tie groups of t^3 - t
  bool has_ties = false;
};
RankedSample rank_sample(std::span<const double> values);

// Mann-Whitney p-value of the group {i : in_group[i]} against the rest, from the ranks of the
// pooled sample. Both groups must be non-empty.
double mann_whitney_u_p(const RankedSample& pooled, std::span<const char> in_group);

// Kolmogorov-Smirnov p-value of the group {i : in_group[i]} against the rest; `order` is a
// permutation sorting `values` ascending (ties in any order).
double ks_2samp_p(std::span<const double> values, std::span<const std::size_t> order,
                  std::span<const char> in_group);

// Exact two-sided KS p-value for group sizes n1, n2 and statistic D = h / lcm(n1, n2)
// (scipy's _attempt_exact_2kssamp). Exposed for tests.
double ks_2samp_exact_p(std::int64_t n1, std::int64_t n2, std::int64_t h);

}  // namespace freshet::fresh
