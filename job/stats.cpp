#include "job/stats.hpp"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace freshet::job {

std::vector<double> average_ranks(std::span<const double> values) {
  const std::size_t n = values.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Descending; NaN last. Stable, so equal values are adjacent in index order.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const double x = values[a], y = values[b];
    if (std::isnan(x)) return false;
    if (std::isnan(y)) return true;
    return x > y;
  });
  std::vector<double> ranks(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    const double v = values[order[i]];
    while (j < n && (values[order[j]] == v || (std::isnan(v) && std::isnan(values[order[j]])))) ++j;
    const double r = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t t = i; t < j; ++t) ranks[order[t]] = r;
    i = j;
  }
  return ranks;
}

std::optional<double> nemenyi_q05(std::size_t k) {
  static constexpr double kTable[] = {1.960, 2.343, 2.569, 2.728, 2.850,
                                      2.949, 3.031, 3.102, 3.164};
  if (k < 2 || k > 10) return std::nullopt;
  return kTable[k - 2];
}

FriedmanResult friedman_nemenyi(const std::vector<std::vector<double>>& scores) {
  FriedmanResult r;
  r.n = scores.size();
  if (r.n == 0) throw Error(Errc::kInvalidArgument, "friedman: no datasets");
  r.k = scores[0].size();
  if (r.k < 2) throw Error(Errc::kInvalidArgument, "friedman: need at least 2 pipelines");
  r.mean_ranks.assign(r.k, 0.0);
  for (const auto& row : scores) {
    if (row.size() != r.k) throw Error(Errc::kInvalidArgument, "friedman: ragged score table");
    const auto ranks = average_ranks(row);
    for (std::size_t j = 0; j < r.k; ++j) r.mean_ranks[j] += ranks[j];
  }
  for (auto& v : r.mean_ranks) v /= static_cast<double>(r.n);
  const double n = static_cast<double>(r.n), k = static_cast<double>(r.k);
  double sum_sq = 0;
  for (double R : r.mean_ranks) sum_sq += R * R;
  r.chi2 = 12.0 * n / (k * (k + 1.0)) * (sum_sq - k * (k + 1.0) * (k + 1.0) / 4.0);
  r.chi2 = std::max(r.chi2, 0.0);
  r.p_chi2 = boost::math::cdf(boost::math::complement(boost::math::chi_squared(k - 1.0), r.chi2));
  const double denom = n * (k - 1.0) - r.chi2;
  if (r.n >= 2 && denom > 0) {
    r.f = (n - 1.0) * r.chi2 / denom;
    r.p_f = boost::math::cdf(
        boost::math::complement(boost::math::fisher_f(k - 1.0, (k - 1.0) * (n - 1.0)), r.f));
  } else {
    r.f = NAN;
    r.p_f = NAN;
  }
  if (const auto q = nemenyi_q05(r.k))
    r.critical_difference = *q * std::sqrt(k * (k + 1.0) / (6.0 * n));
  return r;
}

}  // namespace freshet::job
