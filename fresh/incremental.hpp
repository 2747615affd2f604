#pragma once
// Sliding-window updates for the calculators that have an exact or numerically safe one: as a
// window moves along a series, these features are updated per point added and removed instead of
// recomputed on every window (`extract --roll ... --incremental`, `stream --incremental`).
//
// The incremental calculators, and how far their values may lie from the from-scratch ones:
//   exact (the same bits as from scratch):
//     length, minimum, maximum, absolute_maximum (monotone deques: O(1) amortised per point),
//     median, quantile(q) (an ordered window: O(log w) search and one move of at most w values
//     per point; numpy's interpolation on it), count_above(t), count_below(t) (counts),
//     mean_change, mean_second_derivative_central (the registered formula: two or four points)
//   within the tolerance below (in practice ~1e-15 relative), O(1) per point:
//     sum_values, mean, abs_energy, root_mean_square (compensated Neumaier sums of x and x^2);
//     variance, standard_deviation, skewness, kurtosis (compensated sums of (x - K)^j, j <= 4,
//     around an anchor K, turned into central moments by the binomial expansion; pandas'
//     bias-corrected formulas on them); absolute_sum_of_changes, mean_abs_change,
//     cid_ce(normalize=false) (sums of |dx| and dx^2); autocorrelation(lag) (a sum of
//     (x_i - K)(x_{i+lag} - K) with the window's mean and variance); c3(lag),
//     time_reversal_asymmetry_statistic(lag) (sums of their lagged products)
//   within the tolerance below, O(k) per point for k requested coefficients:
//     fft_coefficient(coeff, attr) (a sliding DFT; see below)
// cid_ce(normalize=true) has no sliding form (each window is scaled by its own deviation):
// split_incremental leaves it to the registered calculator.
//
// Every sum is re-anchored (recomputed exactly from the window's points, with K = their mean)
// once as many points have entered as the window holds, so errors never accumulate over a long
// series, at an amortised O(1) per point (O(k) with fft_coefficient), and also as soon as the
// window's mean lies more than two deviations from K (a level shift), where the sums around K
// would cancel. A window holding NaN gives NaN for every feature, one holding +-inf is computed
// from scratch (the registered calculators on the view): non-finite input gives exactly
// extract's values. Single values are computed from scratch where pandas' or numpy's cut-offs
// make the value jump on rounding: skewness and kurtosis when a moment sum is below 1e-12 (pandas
// rounds those below 1e-14 to 0) or the window is constant, autocorrelation when the variance is
// within 1e-6 relative of numpy's isclose(v, 0) cut 1e-8.
//
// fft_coefficient: for windows of one length N, A_k = sum x_p exp(-2 pi i k (p mod N) / N) over
// the window's points (p: the point's index in the series) moves by one term per point; the
// window from point b has X_k = exp(2 pi i k (b mod N) / N) A_k, the exponentials coming from
// one table (so a leaving term cancels exactly the one that entered). Windows of any other length
// than the previous window's are computed from scratch (a roll's first, growing windows), as are
// angles of coefficients within 1e-6 * sum |x| of 0 or of the negative real axis, where two
// roundings may give angles far apart (or +-180). X_0 and X_{N/2} are real, as numpy's. It
// slides only where that is cheaper than an FFT per window (SlidingOptions::fft_cost_rule).
//
// Tolerance: |incremental - scratch| <= 1e-9 * |scratch| + 1e-13 * scale, where scale is the
// value the feature would have if none of its terms cancelled: the window's sum |x| for
// sum_values, mean |x| for mean, sum x^2 for abs_energy, root of mean x^2 for root_mean_square
// and standard_deviation, mean x^2 for variance; n sqrt(n-1)/(n-2) sum |d|^3 / m2^1.5 for
// skewness and n(n+1)(n-1) sum d^4 / ((n-2)(n-3) m2^2) for kurtosis (d = x - mean, m2 = sum d^2:
// the bias-corrected ratio before cancellation) and sum_i |d_i d_{i+lag}| / ((n - lag) variance)
// for autocorrelation, each plus the value's condition sum_j |df/dx_j| |x_j| + |df/dc| |mean|
// (c: the centre the deviations are taken from; the from-scratch formulas round the mean to
// ~1e-16 |mean|, so at offset 1e6 and spread 0.02 their skewness is off by ~1e-8 relative while
// the sliding one is not); the mean of the absolute lagged products for c3 and
// time_reversal_asymmetry_statistic; sum |dx| for absolute_sum_of_changes (over n - 1 for
// mean_abs_change), root of sum dx^2 for cid_ce; sum |x| for fft_coefficient's real, imag and
// abs, and (180 / pi) sum |x| / |X_k| degrees for its angle (a coefficient known to within e has
// an angle known to within e / |X_k| radians). The second term only matters for a value that
// cancels to ~0 (a sum of +-x, a near-symmetric window's skewness, an autocorrelation or a
// Fourier coefficient near 0), which no summation order computes better than the rounding of its
// terms. The property test (fresh/incremental_test.cpp) checks this over random series, windows
// and steps, and reports the worst relative and scaled errors it saw.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fresh/settings.hpp"

namespace freshet::fresh {

// The calculators with an incremental form, sorted.
std::span<const std::string_view> incremental_calculator_names();
bool has_incremental_form(std::string_view calculator);

// settings split into the calculators with an incremental form and the others (same per-kind
// structure; `unavailable` stays with `rest`).
struct SplitSettings {
  Settings incremental;
  Settings rest;
};
SplitSettings split_incremental(const Settings& settings);

struct SlidingOptions {
  // fft_coefficient slides only where it is cheaper than the FFT of every window: the sliding DFT
  // costs ~14 k s operations per window (k coefficients <= N/2, s points entering between two
  // windows: 2 compensated complex updates per point and coefficient, measured in
  // bench/stream.md), the FFT ~N log2 N. With false it always slides (tests exercise the
  // sliding path on small windows).
  bool fft_cost_rule = true;
};

// The incremental features of one kind over the successive windows of one series. Windows move
// forward: push() the points entering at the end, pop() the points leaving at the front (oldest
// first), then values() on the window's points.
class SlidingFeatures {
 public:
  // The incremental calculators of `params` (others are ignored), named for `kind`. Throws
  // Error(kInvalidArgument) naming a bad parameter, as the registered calculators do.
  SlidingFeatures(const FcParameters& params, const std::string& kind, SlidingOptions options = {});
  ~SlidingFeatures();
  SlidingFeatures(SlidingFeatures&&) noexcept;
  SlidingFeatures& operator=(SlidingFeatures&&) noexcept;

  // Feature names ("<kind>__mean", ...), in values()' order (not sorted).
  const std::vector<std::string>& names() const;
  std::size_t width() const;
  bool empty() const;

  void push(double x);
  void pop();  // removes the oldest point still in the window
  void clear();
  std::size_t size() const;  // points in the window

  // The features of the current window; `window` must be its points, oldest first (they are
  // used to re-anchor the sums and for windows with non-finite values). out.size() == width().
  void values(std::span<const double> window, std::span<double> out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshet::fresh
