#include "fresh/numpy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace freshet::fresh {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double pairwise(const double* a, std::size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise(a, n2) + pairwise(a + n2, n - n2);
}
}  // namespace

double pairwise_sum(std::span<const double> values) {
  return pairwise(values.data(), values.size());
}

double sorted_quantile(std::span<const double> sorted, double q) {
  const std::size_t n = sorted.size();
  if (n == 0) return kNaN;
  // numpy 1.24 'linear': virtual index (n-1)*q, floor/next clipped to the last element, then
  // _lerp(a, b, t) = a + (b-a)*t, or b - (b-a)*(1-t) where t >= 0.5.
  const double virtual_index = static_cast<double>(n - 1) * q;
  double prev_d = std::floor(virtual_index);
  std::size_t prev, next;
  if (virtual_index >= static_cast<double>(n - 1)) {
    prev = next = n - 1;
  } else if (virtual_index < 0) {
    prev = next = 0;
  } else {
    prev = static_cast<std::size_t>(prev_d);
    next = prev + 1;
  }
  // gamma uses the floor before clipping (numpy computes it from previous_indexes after the
  // clip: previous = -1 -> last element, and gamma = virtual - (-1)); replicate that.
  double gamma;
  if (virtual_index >= static_cast<double>(n - 1))
    gamma = virtual_index - (-1.0);
  else if (virtual_index < 0)
    gamma = virtual_index;
  else
    gamma = virtual_index - prev_d;
  const double a = sorted[prev], b = sorted[next];
  const double diff = b - a;
  if (gamma >= 0.5) return b - diff * (1 - gamma);
  return a + diff * gamma;
}

double np_mean(std::span<const double> v) {
  if (v.empty()) return kNaN;
  return pairwise_sum(v) / static_cast<double>(v.size());
}

double np_var(std::span<const double> v, int ddof) {
  if (v.empty()) return kNaN;
  const double m = np_mean(v);
  std::vector<double> sq(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) sq[i] = (v[i] - m) * (v[i] - m);
  return pairwise_sum(sq) / static_cast<double>(static_cast<long long>(v.size()) - ddof);
}

double np_median(std::span<const double> v) {
  if (v.empty()) return kNaN;
  std::vector<double> s(v.begin(), v.end());
  for (double d : s)
    if (std::isnan(d)) return kNaN;
  std::sort(s.begin(), s.end());
  const std::size_t n = s.size();
  if (n % 2 == 1) return s[n / 2];
  return (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

double ndtr(double a) {
  const double x = a * M_SQRT1_2;
  const double z = std::abs(x);
  if (z < M_SQRT1_2) return 0.5 + 0.5 * std::erf(x);
  double y = 0.5 * std::erfc(z);
  if (x > 0) y = 1.0 - y;
  return y;
}

}  // namespace freshet::fresh
