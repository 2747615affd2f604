// scipy 1.10's two-sided tests as tsfresh calls them; see fresh/stat_tests.hpp. The comments give
// the scipy function each piece mirrors, because the p-values are compared against its output.
#include "fresh/stat_tests.hpp"

#include <algorithm>
#include <boost/math/distributions/hypergeometric.hpp>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "fresh/numpy.hpp"

namespace freshet::fresh {
namespace {

// 2 * norm.sf(|z|)
double two_sided_normal_p(double z) { return 2.0 * ndtr(-std::abs(z)); }

// ---- Fisher -------------------------------------------------------------------------------

using HyperPolicy = boost::math::policies::policy<boost::math::policies::promote_float<false>,
                                                  boost::math::policies::promote_double<false>>;
using Hypergeom = boost::math::hypergeometric_distribution<double, HyperPolicy>;

struct Hyper {
  Hypergeom dist;
  std::int64_t lo, hi;  // support
  Hyper(std::int64_t successes, std::int64_t draws, std::int64_t total)
      : dist(static_cast<unsigned>(successes), static_cast<unsigned>(draws),
             static_cast<unsigned>(total)),
        lo(std::max<std::int64_t>(0, draws + successes - total)),
        hi(std::min(successes, draws)) {}
  double pmf(std::int64_t k) const {
    if (k < lo || k > hi) return 0.0;
    return boost::math::pdf(dist, static_cast<unsigned>(k));
  }
  double cdf(std::int64_t k) const {  // P(X <= k)
    if (k < lo) return 0.0;
    if (k >= hi) return 1.0;
    return boost::math::cdf(dist, static_cast<unsigned>(k));
  }
  double sf(std::int64_t k) const {  // P(X > k)
    if (k < lo) return 1.0;
    if (k >= hi) return 0.0;
    return boost::math::cdf(boost::math::complement(dist, static_cast<unsigned>(k)));
  }
};

// scipy.stats._binomtest._binary_search_for_binom_tst: i in [lo, hi] with a(i) <= d < a(i + 1),
// for a function a ascending on [lo, hi].
template <class F>
std::int64_t binary_search(F a, double d, std::int64_t lo, std::int64_t hi) {
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    const double midval = a(mid);
    if (midval < d)
      lo = mid + 1;
    else if (midval > d)
      hi = mid - 1;
    else
      return mid;
  }
  return a(lo) <= d ? lo : lo - 1;
}

// ---- Mann-Whitney exact distribution -------------------------------------------------------

// P(U <= k) for group sizes m, n without ties: the coefficients of the Gaussian binomial
// [m + n choose m]_q count the arrangements with U = k.
double mann_whitney_cdf(std::int64_t m, std::int64_t n, std::int64_t k) {
  if (m > n) std::swap(m, n);
  const std::size_t degree = static_cast<std::size_t>(m * n);
  std::vector<double> poly(degree + 1, 0.0);
  poly[0] = 1.0;
  std::size_t current = 0;  // current degree
  for (std::int64_t i = 1; i <= m; ++i) {
    // multiply by (1 - q^(n + i)), then divide by (1 - q^i)
    const auto s = static_cast<std::size_t>(n + i);
    const std::size_t next = current + static_cast<std::size_t>(n);
    for (std::size_t d = next; d >= s; --d) poly[d] -= poly[d - s];
    const auto t = static_cast<std::size_t>(i);
    for (std::size_t d = t; d <= next; ++d) poly[d] += poly[d - t];
    current = next;
  }
  double total = 0, below = 0;
  for (std::size_t d = 0; d <= degree; ++d) {
    total += poly[d];
    if (static_cast<std::int64_t>(d) <= k) below += poly[d];
  }
  return below / total;
}

double mann_whitney_from_rank_sum(double rank_sum, std::int64_t n1, std::int64_t n2,
                                  double tie_term, bool has_ties) {
  if (n1 == 0 || n2 == 0)
    throw Error(Errc::kInvalidArgument, "Mann-Whitney U test: an empty group");
  const double u1 = rank_sum - static_cast<double>(n1) * static_cast<double>(n1 + 1) / 2.0;
  const double u2 = static_cast<double>(n1) * static_cast<double>(n2) - u1;
  const double u = std::max(u1, u2);
  // scipy 1.10 _mwu_choose_method
  const bool exact = !(n1 > 8 && n2 > 8) && !has_ties;
  double p;
  if (exact) {
    // sf(U) = cdf(m n - U) by symmetry (U >= m n / 2 here)
    const auto kc = static_cast<std::int64_t>(static_cast<double>(n1 * n2) - u);
    p = 2.0 * mann_whitney_cdf(n1, n2, kc);
  } else {
    const double mu = static_cast<double>(n1) * static_cast<double>(n2) / 2.0;
    const double n = static_cast<double>(n1 + n2);
    const double s = std::sqrt(static_cast<double>(n1) * static_cast<double>(n2) / 12.0 *
                               ((n + 1) - tie_term / (n * (n - 1))));
    const double z = (u - mu - 0.5) / s;
    p = 2.0 * ndtr(-z);
  }
  return std::clamp(p, 0.0, 1.0);
}

// ---- Kendall -------------------------------------------------------------------------------

// Number of strict inversions (i < j, v[i] > v[j]) by merge sort; v is reordered.
std::int64_t count_inversions(std::vector<std::int64_t>& v) {
  std::vector<std::int64_t> buffer(v.size());
  std::int64_t inversions = 0;
  for (std::size_t width = 1; width < v.size(); width *= 2) {
    for (std::size_t lo = 0; lo < v.size(); lo += 2 * width) {
      const std::size_t mid = std::min(lo + width, v.size()),
                        hi = std::min(lo + 2 * width, v.size());
      std::size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (v[j] < v[i]) {
          inversions += static_cast<std::int64_t>(mid - i);
          buffer[k++] = v[j++];
        } else {
          buffer[k++] = v[i++];
        }
      }
      while (i < mid) buffer[k++] = v[i++];
      while (j < hi) buffer[k++] = v[j++];
    }
    v.swap(buffer);
  }
  return inversions;
}

struct TieStats {
  std::int64_t pairs = 0;  // sum t (t - 1) / 2
  double t0 = 0;           // sum t (t - 1) (t - 2)
  double t1 = 0;           // sum t (t - 1) (2 t + 5)
  void add(std::int64_t t) {
    if (t < 2) return;
    const double d = static_cast<double>(t);
    pairs += t * (t - 1) / 2;
    t0 += d * (d - 1.0) * (d - 2);
    t1 += d * (d - 1.0) * (2 * d + 5);
  }
};

void check_finite(std::span<const double> v, const char* what) {
  for (double x : v)
    if (std::isnan(x))
      throw Error(Errc::kInvalidArgument, std::string(what) + ": input contains NaN");
}

}  // namespace

double fisher_exact_p(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d) {
  if (a < 0 || b < 0 || c < 0 || d < 0)
    throw Error(Errc::kInvalidArgument, "Fisher exact test: negative count in the table");
  if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0) return 1.0;
  const std::int64_t n1 = a + b, n2 = c + d, n = a + c;
  const Hyper h(n1, n, n1 + n2);
  // scipy 1.10 fisher_exact(alternative="two-sided")
  const auto mode = static_cast<std::int64_t>(static_cast<double>((n + 1) * (n1 + 1)) /
                                              static_cast<double>(n1 + n2 + 2));
  const double pexact = h.pmf(a);
  const double pmode = h.pmf(mode);
  constexpr double kEpsilon = 1e-14;
  const double gamma = 1 + kEpsilon;
  if (std::abs(pexact - pmode) / std::max(pexact, pmode) <= kEpsilon) return 1.0;
  double p;
  if (a < mode) {
    const double plower = h.cdf(a);
    if (h.pmf(n) > pexact * gamma) return plower;
    const std::int64_t guess =
        binary_search([&](std::int64_t x) { return -h.pmf(x); }, -pexact * gamma, mode, n);
    p = plower + h.sf(guess);
  } else {
    const double pupper = h.sf(a - 1);
    if (h.pmf(0) > pexact * gamma) return pupper;
    const std::int64_t guess =
        binary_search([&](std::int64_t x) { return h.pmf(x); }, pexact * gamma, 0, mode);
    p = pupper + h.cdf(guess);
  }
  return std::min(p, 1.0);
}

RankedSample rank_sample(std::span<const double> values) {
  const std::size_t n = values.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  RankedSample out;
  out.rank.resize(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && values[order[j]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k) out.rank[order[k]] = rank;
    const auto t = static_cast<double>(j - i);
    if (j - i > 1) {
      out.has_ties = true;
      out.tie_term += t * t * t - t;
    }
    i = j;
  }
  return out;
}

double mann_whitney_u_p(const RankedSample& pooled, std::span<const char> in_group) {
  double rank_sum = 0;
  std::int64_t n1 = 0;
  for (std::size_t i = 0; i < in_group.size(); ++i)
    if (in_group[i]) {
      rank_sum += pooled.rank[i];
      ++n1;
    }
  const auto n2 = static_cast<std::int64_t>(in_group.size()) - n1;
  return mann_whitney_from_rank_sum(rank_sum, n1, n2, pooled.tie_term, pooled.has_ties);
}

double mann_whitney_u_p(std::span<const double> x, std::span<const double> y) {
  check_finite(x, "Mann-Whitney U test");
  check_finite(y, "Mann-Whitney U test");
  std::vector<double> pooled(x.begin(), x.end());
  pooled.insert(pooled.end(), y.begin(), y.end());
  std::vector<char> group(pooled.size(), 0);
  std::fill(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(x.size()), 1);
  return mann_whitney_u_p(rank_sample(pooled), group);
}

double ks_2samp_exact_p(std::int64_t n1, std::int64_t n2, std::int64_t h) {
  if (h == 0) return 1.0;
  double p;
  if (n1 == n2) {
    // scipy _compute_prob_outside_square
    const std::int64_t n = n1;
    double outside = 0.0;
    for (std::int64_t k = n / h; k >= 0; --k) {
      double p1 = 1.0;
      for (std::int64_t j = 0; j < h; ++j)
        p1 = static_cast<double>(n - k * h - j) * p1 / static_cast<double>(n + k * h + j + 1);
      outside = p1 * (1.0 - outside);
    }
    p = 2 * outside;
  } else {
    // scipy _compute_outer_prob_inside_method: lattice paths from (0, 0) to (m, n) that leave the
    // band |x/m - y/n| < h / lcm, computed column by column as 1 - (inside fraction) so that the
    // values stay in [0, 1] (Viehmann 2021).
    std::int64_t m = n1, n = n2;
    if (m < n) std::swap(m, n);
    const std::int64_t g = std::gcd(m, n);
    const std::int64_t mg = m / g, ng = n / g;
    std::int64_t minj = 0;
    std::int64_t maxj = std::min(
        static_cast<std::int64_t>(std::ceil(static_cast<double>(h) / static_cast<double>(mg))),
        n + 1);
    std::int64_t curlen = maxj - minj;
    const std::int64_t len_a = std::min(2 * maxj + 2, n + 1);
    std::vector<double> a(static_cast<std::size_t>(std::max<std::int64_t>(len_a, n + 2)), 1.0);
    for (std::int64_t j = minj; j < maxj; ++j) a[static_cast<std::size_t>(j)] = 0.0;
    for (std::int64_t i = 1; i <= m; ++i) {
      const std::int64_t lastminj = minj, lastlen = curlen;
      minj = std::max(static_cast<std::int64_t>(
                          std::floor(static_cast<double>(ng * i - h) / static_cast<double>(mg))) +
                          1,
                      std::int64_t{0});
      minj = std::min(minj, n);
      maxj = std::min(static_cast<std::int64_t>(
                          std::ceil(static_cast<double>(ng * i + h) / static_cast<double>(mg))),
                      n + 1);
      if (maxj <= minj) return 1.0;
      double val = minj == 0 ? 0.0 : 1.0;
      for (std::int64_t jj = 0; jj < maxj - minj; ++jj) {
        const std::int64_t j = jj + minj;
        val = (a[static_cast<std::size_t>(jj + minj - lastminj)] * static_cast<double>(i) +
               val * static_cast<double>(j)) /
              static_cast<double>(i + j);
        a[static_cast<std::size_t>(jj)] = val;
      }
      curlen = maxj - minj;
      if (lastlen > curlen)
        for (std::int64_t k = maxj - minj; k < maxj - minj + (lastlen - curlen); ++k)
          a[static_cast<std::size_t>(k)] = 1.0;
    }
    p = a[static_cast<std::size_t>(maxj - minj - 1)];
  }
  return std::clamp(p, 0.0, 1.0);
}

double ks_2samp_p(std::span<const double> values, std::span<const std::size_t> order,
                  std::span<const char> in_group) {
  std::int64_t n1 = 0;
  for (char c : in_group) n1 += c != 0;
  const std::int64_t n2 = static_cast<std::int64_t>(in_group.size()) - n1;
  if (n1 == 0 || n2 == 0)
    throw Error(Errc::kInvalidArgument, "Kolmogorov-Smirnov test: an empty group");
  // D * lcm(n1, n2) = max |c1 n2 - c2 n1| / gcd over the right-continuous ECDFs, in integers.
  std::int64_t c1 = 0, c2 = 0, max_diff = 0;
  const std::size_t n = order.size();
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && values[order[j]] == values[order[i]]) {
      if (in_group[order[j]])
        ++c1;
      else
        ++c2;
      ++j;
    }
    max_diff = std::max(max_diff, std::abs(c1 * n2 - c2 * n1));
    i = j;
  }
  const std::int64_t g = std::gcd(n1, n2);
  return ks_2samp_exact_p(n1, n2, max_diff / g);
}

double ks_2samp_p(std::span<const double> x, std::span<const double> y) {
  check_finite(x, "Kolmogorov-Smirnov test");
  check_finite(y, "Kolmogorov-Smirnov test");
  std::vector<double> pooled(x.begin(), x.end());
  pooled.insert(pooled.end(), y.begin(), y.end());
  std::vector<char> group(pooled.size(), 0);
  std::fill(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(x.size()), 1);
  std::vector<std::size_t> order(pooled.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return pooled[a] < pooled[b]; });
  return ks_2samp_p(pooled, order, group);
}

double kendall_tau_p(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size())
    throw Error(Errc::kInvalidArgument, "Kendall's tau: x has " + std::to_string(x.size()) +
                                            " values, y has " + std::to_string(y.size()));
  check_finite(x, "Kendall's tau");
  check_finite(y, "Kendall's tau");
  const std::size_t n = x.size();
  if (n == 0) return NAN;
  // dense ranks of y
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return y[a] < y[b]; });
  std::vector<std::int64_t> yr(n);
  TieStats ytie, xtie;
  {
    std::int64_t rank = 0;
    for (std::size_t i = 0; i < n;) {
      std::size_t j = i;
      while (j < n && y[order[j]] == y[order[i]]) yr[order[j++]] = rank;
      ytie.add(static_cast<std::int64_t>(j - i));
      ++rank;
      i = j;
    }
  }
  // sort by (x, y rank); count x ties and joint ties
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return x[a] < x[b] || (x[a] == x[b] && yr[a] < yr[b]);
  });
  std::int64_t ntie = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && x[order[j]] == x[order[i]]) ++j;
    xtie.add(static_cast<std::int64_t>(j - i));
    for (std::size_t k = i; k < j;) {
      std::size_t l = k;
      while (l < j && yr[order[l]] == yr[order[k]]) ++l;
      const auto t = static_cast<std::int64_t>(l - k);
      ntie += t * (t - 1) / 2;
      k = l;
    }
    i = j;
  }
  std::vector<std::int64_t> seq(n);
  for (std::size_t i = 0; i < n; ++i) seq[i] = yr[order[i]];
  const std::int64_t dis = count_inversions(seq);
  const auto size = static_cast<std::int64_t>(n);
  const std::int64_t tot = size * (size - 1) / 2;
  if (xtie.pairs == tot || ytie.pairs == tot) return NAN;
  const std::int64_t con_minus_dis = tot - xtie.pairs - ytie.pairs + ntie - 2 * dis;
  const double sz = static_cast<double>(size);
  const double m = sz * (sz - 1.0);
  const double var = (m * (2 * sz + 5) - xtie.t1 - ytie.t1) / 18 +
                     (2.0 * static_cast<double>(xtie.pairs) * static_cast<double>(ytie.pairs)) / m +
                     xtie.t0 * ytie.t0 / (9 * m * (sz - 2));
  const double z = static_cast<double>(con_minus_dis) / std::sqrt(var);
  return two_sided_normal_p(z);
}

}  // namespace freshet::fresh
