#pragma once
// Exact neighbour counts of embedded templates in Chebyshev distance, for sample_entropy and
// approximate_entropy. Internal to fresh/.

#include <cstddef>
#include <cstdint>
#include <span>

namespace freshet::fresh::detail {

// The longest template count_template_neighbours takes.
inline constexpr std::size_t kMaxTemplateLength = 3;

// For every template i in [0, count) (template i = x[i], ..., x[i + length - 1]) and every
// tolerance tols[k], writes to out[k * count + i] the number of templates j in [0, count), j == i
// included, with max_c |x[i + c] - x[j + c]| <= tols[k], each |.| computed as
// std::fabs(x[i + c] - x[j + c]) in double: exactly the all-pairs count, found without visiting
// any pair.
//
// Preconditions (checked by the caller, not here): 1 <= length <= kMaxTemplateLength,
// count + length - 1 <= x.size(), count < 2^28, every x finite, every tolerance >= 0 (not NaN),
// out.size() == tols.size() * count. Allocates; thread-safe.
//
// Algorithm: per coordinate, the templates sorted by it; the templates within r of one are then
// an interval of ranks (rounded subtraction is monotone, so the rounded distance grows along the
// sorted order). Length 1: the interval's size. Length 2: a sliding window over the first
// coordinate's order, with a Fenwick tree over the second's ranks. Length 3: the same window
// makes a dynamic set queried with squares in the other two coordinates; offline, divide and
// conquer over the event sequence (CDQ) with a Fenwick tree over the third coordinate's ranks.
// Cost per tolerance O(count log count) for lengths 1 and 2, O(count log^2 count) for length 3.
void count_template_neighbours(std::span<const double> x, std::size_t length, std::size_t count,
                               std::span<const double> tols, std::span<std::uint32_t> out);

// approximate_entropy's counts by the band sweep: templates sorted by first value, for each the
// window of later templates within `band` (>= every tolerance) there, whose other coordinates are
// then compared exactly. cnt_m[k * (N - m + 1) + i] and cnt_m1[k * (N - m) + i] as
// count_template_neighbours gives them for lengths m and m + 1 (N = x.size() >= m + 2, finite
// values). O(N log N + pairs within the band): the fastest route for short series, quadratic when
// the band is a sizeable part of the range (tsfresh's r = 0.1 ... 0.9 standard deviations).
void count_template_neighbours_band(std::span<const double> x, std::size_t m,
                                    std::span<const double> tols, double band,
                                    std::span<std::uint32_t> cnt_m,
                                    std::span<std::uint32_t> cnt_m1);

// Whether count_template_neighbours (lengths m and m + 1, `templates` of length m, num_tols
// tolerances) should beat the band sweep with this band, from the number of pairs of `sorted`
// (the series' values in ascending order, finite) within the band, which is about what the sweep
// visits, and a cost model of both. False when m + 1 exceeds kMaxTemplateLength, for short
// series and for templates >= 2^28. O(n). Either choice gives the same counts.
bool ranked_counts_cheaper(std::span<const double> sorted, std::size_t m, std::size_t templates,
                           std::size_t num_tols, double band);

}  // namespace freshet::fresh::detail
