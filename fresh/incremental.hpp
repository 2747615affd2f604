#pragma once
// Sliding-window updates for the calculators that have an exact or numerically safe one: as a
// window moves along a series, these features are updated per point added and removed instead of
// recomputed on every window (`extract --roll ... --incremental`, `stream --incremental`).
//
// The incremental calculators, and how far their values may lie from the from-scratch ones:
//   exact (the same bits as from scratch):
//     length, minimum, maximum, absolute_maximum (monotone deques: O(1) amortised per point),
//     median, quantile(q) (an ordered window: O(log w) search and one move of at most w values
//     per point; numpy's interpolation on it), count_above(t), count_below(t) (counts)
//   within 1e-9 relative (see below; in practice ~1e-15):
//     sum_values, mean, abs_energy, root_mean_square (compensated Neumaier sums of x and x^2),
//     variance, standard_deviation (compensated sums of x - K and (x - K)^2 around an anchor K)
// Every sum is re-anchored (recomputed exactly from the window's points, with K = their mean)
// once as many points have entered as the window holds, so errors never accumulate over a long
// series, at an amortised O(1) per point. A window holding NaN or +-inf is computed from scratch
// (the registered calculators on the view), so non-finite input gives exactly extract's values.
//
// Tolerance: |incremental - scratch| <= 1e-9 * |scratch| + 1e-13 * scale, where scale is the
// window's sum |x| for sum_values, mean |x| for mean, sum x^2 for abs_energy, root of mean x^2
// for root_mean_square and standard_deviation, mean x^2 for variance. The second term only
// matters for a value that cancels to ~0 (a sum of +-x, a constant window's variance), which no
// summation order computes better than the rounding of its terms. The property test
// (fresh/incremental_test.cpp) checks this over random series, windows and steps, and reports
// the worst relative error it saw.

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

// The incremental features of one kind over the successive windows of one series. Windows move
// forward: push() the points entering at the end, pop() the points leaving at the front (oldest
// first), then values() on the window's points.
class SlidingFeatures {
 public:
  // The incremental calculators of `params` (others are ignored), named for `kind`. Throws
  // Error(kInvalidArgument) naming a bad parameter, as the registered calculators do.
  SlidingFeatures(const FcParameters& params, const std::string& kind);
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
