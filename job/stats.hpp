#pragma once
// Rank statistics for comparing pipelines over datasets (Demšar, "Statistical comparisons of
// classifiers over multiple data sets", JMLR 7, 2006). Pure functions.

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace freshet::job {

// Ranks of `values`, 1 = the largest (best), ties share the average of their ranks; NaN ranks
// after every number (NaNs tie with each other).
std::vector<double> average_ranks(std::span<const double> values);

struct FriedmanResult {
  std::size_t n = 0;  // datasets
  std::size_t k = 0;  // pipelines
  std::vector<double> mean_ranks;
  double chi2 = 0;                            // Friedman's statistic
  double p_chi2 = 0;                          // chi-square with k-1 df
  double f = 0;                               // Iman-Davenport's F_F
  double p_f = 0;                             // F with (k-1, (k-1)(n-1)) df; NaN when undefined
  std::optional<double> critical_difference;  // Nemenyi CD at alpha 0.05 (k <= 10), else none
};

// scores[i][j]: dataset i, pipeline j (higher is better). Needs n >= 1 and k >= 2.
FriedmanResult friedman_nemenyi(const std::vector<std::vector<double>>& scores);

// q_alpha of the Nemenyi test for k = 2..10 at alpha = 0.05, Demšar (2006), Table 5(a)
// (studentized range statistic / sqrt 2); std::nullopt for other k.
std::optional<double> nemenyi_q05(std::size_t k);

}  // namespace freshet::job
