#pragma once
// Exact neighbour counts of embedded templates in Chebyshev distance, for sample_entropy and
// approximate_entropy. Internal to fresh/.

#include <cstddef>
#include <cstdint>
#include <span>

namespace freshet::fresh::detail {

// The longest template count_template_neighbours takes.
inline constexpr std::size_t kMaxTemplateLength = 3;

// How count_template_neighbours counts length-3 templates (see its Algorithm). kAuto picks, per
// tolerance, the dominance route where its pair checks stay within a budget and the sliding route
// otherwise; the others force one route (tests). Every route gives the same integers.
enum class Length3Route { kAuto, kSliding, kDominance };

// What a length-3 count did, for tests and benchmarks: tolerances counted by each route and the
// pairs found in "neither" (some coordinate below the window, another above it).
struct Length3Stats {
  std::size_t sliding = 0;
  std::size_t dominance = 0;
  std::size_t neither_pairs = 0;
};

// For every template i in [0, count) (template i = x[i], ..., x[i + length - 1]) and every
// tolerance tols[k], writes to out[k * count + i] the number of templates j in [0, count), j == i
// included, with max_c |x[i + c] - x[j + c]| <= tols[k], each |.| computed as
// std::fabs(x[i + c] - x[j + c]) in double: exactly the all-pairs count, found without visiting
// every pair.
//
// Preconditions (checked by the caller, not here): 1 <= length <= kMaxTemplateLength,
// count + length - 1 <= x.size(), count < 2^28, every x finite, every tolerance >= 0 (not NaN),
// out.size() == tols.size() * count. Allocates; thread-safe. `route` and `stats` (added to when
// not null) concern length 3 only.
//
// Algorithm: per coordinate, the templates sorted by it; the templates within r of one are then
// an interval of ranks (rounded subtraction is monotone, so the rounded distance grows along the
// sorted order). Length 1: the interval's size. Length 2: a sliding window over the first
// coordinate's order, with a Fenwick tree over the second's ranks. Length 3, two routes:
// * sliding: the same window makes a dynamic set queried with squares in the other two
//   coordinates; offline, divide and conquer over the event sequence (CDQ) with a Fenwick tree
//   over the third coordinate's ranks. O(count log^2 count) per tolerance, whatever the data.
// * dominance: |box| = |L| + |H| - count + |neither|, L (H) the templates with every coordinate
//   at or above (below) its window's low (high) end, "neither" those below in one coordinate and
//   above in another. L and H are static 3-D dominance counts over the same points for every
//   tolerance (one divide and conquer for all tolerances, 2 queries per template and tolerance);
//   a "neither" pair needs the two templates' spreads (max - min of the values) to add up to
//   more than 2r, so only such pairs are checked one by one. O(count log^2 count) plus the pairs
//   checked: for smooth signals (random walks) no or few pairs, ~2-3x cheaper than sliding with
//   the preset's five tolerances; for white noise most pairs, so kAuto takes sliding there.
void count_template_neighbours(std::span<const double> x, std::size_t length, std::size_t count,
                               std::span<const double> tols, std::span<std::uint32_t> out,
                               Length3Route route = Length3Route::kAuto,
                               Length3Stats* stats = nullptr);

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
