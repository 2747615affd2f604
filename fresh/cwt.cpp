#include "fresh/cwt.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>

#include "core/error.hpp"
#include "fresh/calc_util.hpp"
#include "fresh/spectral.hpp"

namespace freshet::fresh::cwt {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// pywt's integrated Mexican hat: wavefun(level=10) samples psi on np.linspace(-8, 8, 1024) with
// the C formula (1 - x^2) * exp(-x^2 / 2) * 2 / (sqrt(3) * sqrt(sqrt(pi))); _integrate is
// np.cumsum(psi) * step with step = x[1] - x[0].
struct MexhTable {
  std::vector<double> int_psi;
  double step = 0.0;
  double span = 0.0;  // x[-1] - x[0]
};

const MexhTable& mexh_table() {
  static const MexhTable table = [] {
    constexpr std::size_t kPoints = 1024;
    MexhTable t;
    std::vector<double> x(kPoints);
    for (std::size_t i = 0; i < kPoints; ++i) x[i] = spectral::linspace_at(-8.0, 8.0, kPoints, i);
    const double norm = std::sqrt(3.0) * std::sqrt(std::sqrt(std::numbers::pi));
    t.int_psi.resize(kPoints);
    double acc = 0.0;
    for (std::size_t i = 0; i < kPoints; ++i) {
      const double sq = spectral::libm_pow(x[i], 2.0);
      const double psi = (1 - sq) * std::exp(-sq / 2) * 2 / norm;
      acc += psi;
      t.int_psi[i] = acc;
    }
    t.step = x[1] - x[0];
    for (double& v : t.int_psi) v *= t.step;
    t.span = x[kPoints - 1] - x[0];
    return t;
  }();
  return table;
}

}  // namespace

MexhScale::MexhScale(double scale) : scale_(scale) {
  if (!std::isfinite(scale) || scale <= 0.0)
    throw Error(Errc::kInvalidArgument,
                "cwt: scale (width) must be a positive number, got " + std::to_string(scale));
  const MexhTable& table = mexh_table();
  // j = (np.arange(scale * span + 1) / (scale * step)).astype(int), keeping j < len(int_psi).
  const double stop = scale * table.span + 1;
  const auto count = static_cast<std::size_t>(std::ceil(stop));
  const double denom = scale * table.step;
  std::vector<double> picked;
  picked.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    const double j = static_cast<double>(k) / denom;
    if (j >= static_cast<double>(table.int_psi.size())) continue;
    picked.push_back(table.int_psi[static_cast<std::size_t>(j)]);
  }
  kernel_.assign(picked.rbegin(), picked.rend());
  factor_ = -std::sqrt(scale);
  // d = (len(coef) - n) / 2 = (L - 2) / 2; pywt keeps coef[floor(d):-ceil(d)] when d > 0.
  if (kernel_.size() >= 2) trim_ = (kernel_.size() - 2) / 2;
}

double MexhScale::coefficient(std::span<const double> x, std::size_t k) const {
  const std::size_t n = x.size();
  const std::size_t len = kernel_.size();
  if (n == 0 || k >= n || len < 2) return kNaN;
  // np.convolve(x, kernel) full at j0 and j0 + 1: numpy puts the longer operand first and sums
  // its index upwards. Both sums run in one loop (two independent chains of additions instead
  // of one after the other: the loop is bound by the adds' latency), each still adding its terms
  // in numpy's order: conv(j0) may have one term more at the start, conv(j0 + 1) one at the end.
  const std::size_t j0 = k + trim_;
  const double* a = x.data();  // the longer operand
  const double* b = kernel_.data();
  std::size_t la = n, lb = len;
  if (n < len) {
    std::swap(a, b);
    std::swap(la, lb);
  }
  const auto lo_of = [&](std::size_t j) { return j + 1 >= lb ? j + 1 - lb : 0; };
  const auto hi_of = [&](std::size_t j) { return std::min(j, la - 1); };
  const std::size_t lo0 = lo_of(j0), hi0 = hi_of(j0), lo1 = lo_of(j0 + 1), hi1 = hi_of(j0 + 1);
  double s0 = 0.0, s1 = 0.0;
  std::size_t p = lo0;
  for (; p < lo1 && p <= hi0; ++p) s0 += a[p] * b[j0 - p];
  for (; p <= hi0; ++p) {
    s0 += a[p] * b[j0 - p];
    s1 += a[p] * b[j0 + 1 - p];
  }
  for (p = std::max(p, lo1); p <= hi1; ++p) s1 += a[p] * b[j0 + 1 - p];
  return factor_ * (s1 - s0);
}

namespace {

// scipy's ricker(points, a) as tsfresh's _ricker writes it:
// A = 2 / (sqrt(3a) * pi**0.25); vec = arange(points) - (points - 1) / 2;
// (A * (1 - vec^2 / a^2)) * exp(-vec^2 / (2 a^2)).
void ricker(std::size_t points, int a, std::vector<double>& out) {
  const double amp =
      2 / (std::sqrt(static_cast<double>(3 * a)) * spectral::libm_pow(std::numbers::pi, 0.25));
  const double wsq = static_cast<double>(a) * static_cast<double>(a);
  const double centre = (static_cast<double>(points) - 1.0) / 2;
  out.resize(points);
  for (std::size_t k = 0; k < points; ++k) {
    const double v = static_cast<double>(k) - centre;
    const double xsq = v * v;
    const double mod = 1 - xsq / wsq;
    const double gauss = std::exp(-xsq / (2 * wsq));
    out[k] = amp * mod * gauss;
  }
}

// Row of scipy.signal.cwt: np.convolve(x, ricker(K, w)[::-1], "same") with K = min(10 w, n).
// numpy sums out[i] = sum_t x[i - K/2 + t] * ricker[t] over t ascending (missing terms at the
// borders are skipped, which equals adding exact zeros); the blocked loop below keeps that order
// per output while letting the compiler vectorise across outputs.
void ricker_row(std::span<const double> x, int width, std::vector<double>& padded, double* row) {
  const std::size_t n = x.size();
  const std::size_t len = std::min<std::size_t>(10 * static_cast<std::size_t>(width), n);
  // The wavelet depends on (len, width) only: rolled windows of one length ask for the same few
  // again and again, and each costs len exp() calls. Remembered per thread.
  struct Cached {
    std::size_t len;
    int width;
    std::vector<double> values;
  };
  thread_local std::vector<Cached> cache;
  const Cached* hit = nullptr;
  for (const Cached& c : cache)
    if (c.len == len && c.width == width) hit = &c;
  if (!hit) {
    if (cache.size() >= 64) cache.clear();
    Cached c{len, width, {}};
    ricker(len, width, c.values);
    cache.push_back(std::move(c));
    hit = &cache.back();
  }
  const std::size_t half = len / 2;
  padded.assign(n + len, 0.0);
  std::copy(x.begin(), x.end(), padded.begin() + static_cast<std::ptrdiff_t>(half));
  // Per output the same additions in the same order (t ascending), 8 outputs at a time.
  detail::weighted_term_sums(padded.data(), 1, hit->values.data(), len, n, row);
}

bool nan_last_less(double a, double b) { return a < b || (!std::isnan(a) && std::isnan(b)); }

// scipy.stats.scoreatpercentile(window, 10) with interpolation "fraction", given the order
// statistics s_i and s_{i+1} of the window (m values).
struct PercentileIndex {
  std::size_t i;
  bool exact;
  double idx;
};

PercentileIndex percentile_index(std::size_t m) {
  const double idx = 10 / 100. * static_cast<double>(m - 1);
  const auto i = static_cast<std::size_t>(idx);
  return {i, static_cast<double>(i) == idx, idx};
}

double interpolate(const PercentileIndex& p, double lo, double hi) {
  if (p.exact) return lo * 1 / 1.0;
  const double j = static_cast<double>(p.i + 1);
  const double w0 = j - p.idx, w1 = p.idx - static_cast<double>(p.i);
  return (lo * w0 + hi * w1) / (w0 + w1);
}

// Fenwick tree over value ranks: k-th smallest of a sliding window in O(log n).
class RankTree {
 public:
  // Uses (and clears) the caller's buffer, so no allocation per series. n < 2^31.
  RankTree(std::vector<std::int32_t>& buffer, std::size_t n) : tree_(buffer), n_(n) {
    tree_.assign(n + 1, 0);
    log_ = 1;
    while ((std::size_t{1} << log_) <= n_) ++log_;
  }
  void add(std::size_t rank, int delta) {
    for (std::size_t i = rank + 1; i <= n_; i += i & (~i + 1)) tree_[i] += delta;
  }
  // Rank of the k-th smallest present element (0-based k).
  std::size_t kth(std::size_t k) const {
    std::size_t pos = 0;
    auto remaining = static_cast<std::int64_t>(k);
    for (int b = log_; b >= 0; --b) {
      const std::size_t next = pos + (std::size_t{1} << b);
      if (next <= n_ && tree_[next] <= remaining) {
        pos = next;
        remaining -= tree_[next];
      }
    }
    return pos;  // 0-based rank
  }

 private:
  std::vector<std::int32_t>& tree_;
  std::size_t n_;
  int log_;
};

}  // namespace

void count_cwt_peaks(std::span<const double> x, std::span<const int> max_widths,
                     std::span<double> out, const CwtPeakOptions& options) {
  const std::size_t n = x.size();
  int max_width = 0;
  for (int w : max_widths) max_width = std::max(max_width, w);
  if (n == 0 || max_width < 1) {
    std::fill(out.begin(), out.end(), kNaN);
    return;
  }
  thread_local std::vector<double> rows, padded;
  rows.resize(static_cast<std::size_t>(max_width) * n);
  for (int w = 1; w <= max_width; ++w)
    ricker_row(x, w, padded, rows.data() + static_cast<std::size_t>(w - 1) * n);
  auto at = [&](std::size_t r, std::size_t c) { return rows[r * n + c]; };

  // Relative maxima per row (scipy _boolrelextrema, order 1, mode "clip": the end points compare
  // with themselves and are never maxima).
  thread_local std::vector<std::size_t> max_cols, max_start;
  max_cols.clear();
  max_start.assign(static_cast<std::size_t>(max_width) + 1, 0);
  for (std::size_t r = 0; r < static_cast<std::size_t>(max_width); ++r) {
    max_start[r] = max_cols.size();
    const double* row = rows.data() + r * n;
    for (std::size_t c = 1; c + 1 < n; ++c)
      if (row[c] > row[c - 1] && row[c] > row[c + 1]) max_cols.push_back(c);
  }
  max_start[static_cast<std::size_t>(max_width)] = max_cols.size();

  // Noise floors: scoreatpercentile(row0[window], 10), window = ceil(n / 20) points around c.
  const auto window = static_cast<std::size_t>(std::ceil(static_cast<double>(n) / 20));
  const std::size_t hf = window / 2, odd = window % 2;
  const std::span<const double> row0(rows.data(), n);
  thread_local std::vector<double> noise;
  thread_local std::vector<char> noise_known;
  noise.resize(n);
  noise_known.assign(n, 0);
  auto window_of = [&](std::size_t c) {
    const std::size_t lo = c >= hf ? c - hf : 0;
    const std::size_t hi = std::min(c + hf + odd, n);
    return std::pair{lo, hi};
  };
  thread_local std::vector<std::pair<double, std::uint32_t>> keyed;
  thread_local std::vector<std::uint32_t> rank;
  thread_local std::vector<double> sorted;
  bool have_ranks = false;
  thread_local std::vector<double> pre, suf;  // block lists, block_k entries per point
  thread_local std::vector<std::size_t> pre_count, suf_count;
  std::size_t block_k = 0;
  bool have_blocks = false;
  auto compute_noise = [&](std::vector<std::size_t>& cols) {
    std::sort(cols.begin(), cols.end());
    cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
    std::erase_if(cols, [&](std::size_t c) { return noise_known[c] != 0; });
    if (cols.empty()) return;
    // Small windows: the block lists (about n * K work, once per series) unless only a few
    // windows are wanted; larger ones: a selection per window unless the rank tree is cheaper.
    const bool small_window = window <= 64;
    const std::size_t sort_budget = small_window ? (have_blocks ? 0 : n / 2 + 64) : 4 * n + 256;
    const bool sort_windows =
        options.noise == CwtPeakOptions::Noise::kSortWindow ||
        (options.noise == CwtPeakOptions::Noise::kAuto && cols.size() * window <= sort_budget);
    if (sort_windows) {
      thread_local std::vector<double> buf;
      for (std::size_t c : cols) {
        const auto [lo, hi] = window_of(c);
        if (window <= 64) {
          // Small windows: keep the i + 2 smallest values in a sorted buffer (i <= 6 here).
          const PercentileIndex p = percentile_index(hi - lo);
          const std::size_t cap = p.i + 2;
          buf.clear();
          for (std::size_t t = lo; t < hi; ++t) {
            const double v = row0[t];
            if (buf.size() == cap) {
              if (!nan_last_less(v, buf.back())) continue;
              buf.pop_back();
            }
            auto pos = std::upper_bound(buf.begin(), buf.end(), v, nan_last_less);
            buf.insert(pos, v);
          }
          noise[c] = interpolate(p, buf[p.i], p.exact ? buf[p.i] : buf[p.i + 1]);
          noise_known[c] = 1;
          continue;
        }
        buf.assign(row0.begin() + static_cast<std::ptrdiff_t>(lo),
                   row0.begin() + static_cast<std::ptrdiff_t>(hi));
        const PercentileIndex p = percentile_index(buf.size());
        auto nth = buf.begin() + static_cast<std::ptrdiff_t>(p.i);
        std::nth_element(buf.begin(), nth, buf.end(), nan_last_less);
        double next = *nth;
        if (!p.exact) next = *std::min_element(nth + 1, buf.end(), nan_last_less);
        noise[c] = interpolate(p, *nth, next);
        noise_known[c] = 1;
      }
      return;
    }
    // Block lists (small windows): with blocks of `window` points, every window is a suffix of
    // one block plus a prefix of the next (or one of them alone at the ends of the row), so the
    // K smallest values of every block prefix and suffix, made once per series, give any
    // window's order statistics by merging two short lists. Equal values are interchangeable:
    // only the order statistics' values are used.
    const bool blocks = options.noise == CwtPeakOptions::Noise::kBlockLists ||
                        (options.noise == CwtPeakOptions::Noise::kAuto && small_window);
    if (blocks) {
      if (!have_blocks) {
        block_k = percentile_index(window).i + 2;
        pre.resize(n * block_k);
        suf.resize(n * block_k);
        pre_count.resize(n);
        suf_count.resize(n);
        // Sorted insertion of v into the first `count` entries of dst (copied from src), keeping
        // at most block_k.
        auto push = [&](const double* src, std::size_t count, double v, double* dst) {
          std::size_t j = 0, o = 0;
          while (j < count && !nan_last_less(v, src[j]) && o < block_k) dst[o++] = src[j++];
          if (o < block_k) dst[o++] = v;
          while (j < count && o < block_k) dst[o++] = src[j++];
          return o;
        };
        for (std::size_t b0 = 0; b0 < n; b0 += window) {
          const std::size_t b1 = std::min(n, b0 + window);
          for (std::size_t i = b0; i < b1; ++i)
            pre_count[i] = push(i == b0 ? nullptr : &pre[(i - 1) * block_k],
                                i == b0 ? 0 : pre_count[i - 1], row0[i], &pre[i * block_k]);
          for (std::size_t i = b1; i-- > b0;)
            suf_count[i] = push(i + 1 == b1 ? nullptr : &suf[(i + 1) * block_k],
                                i + 1 == b1 ? 0 : suf_count[i + 1], row0[i], &suf[i * block_k]);
        }
        have_blocks = true;
      }
      for (std::size_t c : cols) {
        const auto [lo, hi] = window_of(c);
        const PercentileIndex p = percentile_index(hi - lo);
        // The window [lo, hi) as at most two sorted lists.
        const double *la = nullptr, *lb = nullptr;
        std::size_t ca = 0, cb = 0;
        const std::size_t block_lo = lo / window * window;
        const std::size_t block_end = std::min(n, block_lo + window);
        if (lo == block_lo) {
          // Starts a block: a prefix of it (hi - lo <= window).
          la = &pre[(hi - 1) * block_k];
          ca = pre_count[hi - 1];
        } else {
          la = &suf[lo * block_k];
          ca = suf_count[lo];
          if (hi > block_end) {
            lb = &pre[(hi - 1) * block_k];
            cb = pre_count[hi - 1];
          }
        }
        // Merge up to the order statistics p.i and p.i + 1.
        double stat[2] = {0.0, 0.0};
        std::size_t ia = 0, ib = 0;
        for (std::size_t r = 0; r <= p.i + 1 && r < hi - lo; ++r) {
          double v;
          if (ib >= cb || (ia < ca && !nan_last_less(lb[ib], la[ia])))
            v = la[ia++];
          else
            v = lb[ib++];
          if (r >= p.i) stat[r - p.i] = v;
        }
        noise[c] = interpolate(p, stat[0], p.exact ? stat[0] : stat[1]);
        noise_known[c] = 1;
      }
      return;
    }
    // Sliding windows over ranks: both window ends only move right as c grows. Ties may be
    // ranked in any order: only the order statistics' values are used.
    // The ranking of row 0 is made once per series, whichever call needs it first.
    if (!have_ranks) {
      keyed.resize(n);
      bool has_nan = false;
      for (std::size_t i = 0; i < n; ++i) {
        keyed[i] = {row0[i], static_cast<std::uint32_t>(i)};
        has_nan = has_nan || std::isnan(row0[i]);
      }
      if (has_nan)
        std::sort(keyed.begin(), keyed.end(),
                  [](const auto& a, const auto& b) { return nan_last_less(a.first, b.first); });
      else
        std::sort(keyed.begin(), keyed.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
      rank.resize(n);
      sorted.resize(n);
      for (std::size_t r = 0; r < n; ++r) {
        rank[keyed[r].second] = static_cast<std::uint32_t>(r);
        sorted[r] = keyed[r].first;
      }
      have_ranks = true;
    }
    thread_local std::vector<std::int32_t> tree_buffer;
    RankTree tree(tree_buffer, n);
    std::size_t cur_lo = 0, cur_hi = 0;
    for (std::size_t c : cols) {
      const auto [lo, hi] = window_of(c);
      while (cur_hi < hi) tree.add(rank[cur_hi++], +1);
      while (cur_lo < lo) tree.add(rank[cur_lo++], -1);
      const PercentileIndex p = percentile_index(hi - lo);
      const double s0 = sorted[tree.kth(p.i)];
      const double s1 = p.exact ? s0 : sorted[tree.kth(p.i + 1)];
      noise[c] = interpolate(p, s0, s1);
      noise_known[c] = 1;
    }
  };

  struct Line {
    std::size_t count;
    std::size_t last_row;
    std::size_t last_col;
    std::size_t gap;
  };
  thread_local std::vector<Line> active, done;
  thread_local std::vector<std::pair<std::size_t, std::size_t>> prev;  // (col, line index)
  thread_local std::vector<std::size_t> wanted;
  thread_local std::vector<std::int32_t> owner;  // column -> earliest line ending there, or -1
  thread_local std::vector<std::size_t> touched;
  owner.assign(n, -1);

  for (std::size_t q = 0; q < max_widths.size(); ++q) {
    const int width_count = max_widths[q];
    if (width_count < 1) {
      out[q] = kNaN;
      continue;
    }
    const auto rows_used = static_cast<std::size_t>(width_count);
    // scipy _identify_ridge_lines: start at the highest row with maxima and walk down.
    std::ptrdiff_t start_row = -1;
    for (std::size_t r = rows_used; r-- > 0;)
      if (max_start[r + 1] > max_start[r]) {
        start_row = static_cast<std::ptrdiff_t>(r);
        break;
      }
    if (start_row < 0) {
      out[q] = 0.0;
      continue;
    }
    active.clear();
    done.clear();
    const auto sr = static_cast<std::size_t>(start_row);
    for (std::size_t m = max_start[sr]; m < max_start[sr + 1]; ++m)
      active.push_back({1, sr, max_cols[m], 0});
    const double gap_thresh = 1.0;  // ceil(widths[0])
    for (std::size_t r = sr; r-- > 0;) {
      for (Line& line : active) ++line.gap;
      // Closest previous ridge end per maximum: argmin over |col - last_col| in list order, so
      // ties (equal distance or equal columns) go to the earliest line; farther than
      // max_distance means none. Only the earliest line per column can win.
      const double max_distance = static_cast<double>(r + 1) / 4.0;
      // Short reach (the low rows, and every row for tsfresh's widths): look the columns
      // col - d, col + d up in a column -> line table, d = 0, 1, ... up to the reach.
      const bool scan = max_distance < 16.0;
      if (scan) {
        touched.clear();
        for (std::size_t k = 0; k < active.size(); ++k) {
          const std::size_t c = active[k].last_col;
          if (owner[c] < 0) {
            owner[c] = static_cast<std::int32_t>(k);
            touched.push_back(c);
          }
        }
      } else {
        // Long reach: search the sorted ridge ends.
        prev.clear();
        for (std::size_t k = 0; k < active.size(); ++k) prev.emplace_back(active[k].last_col, k);
        std::sort(prev.begin(), prev.end());
        prev.erase(std::unique(prev.begin(), prev.end(),
                               [](const auto& a, const auto& b) { return a.first == b.first; }),
                   prev.end());
      }
      const auto reach = static_cast<std::size_t>(max_distance);  // distances are integers
      for (std::size_t m = max_start[r]; m < max_start[r + 1]; ++m) {
        const std::size_t col = max_cols[m];
        std::ptrdiff_t best = -1;
        if (scan) {
          for (std::size_t d = 0; d <= reach && best < 0; ++d) {
            const std::int32_t left = col >= d ? owner[col - d] : -1;
            const std::int32_t right = col + d < n ? owner[col + d] : -1;
            if (left >= 0 && (right < 0 || left <= right))
              best = left;
            else if (right >= 0)
              best = right;
          }
        } else if (!prev.empty()) {
          auto it = std::lower_bound(prev.begin(), prev.end(), std::pair{col, std::size_t{0}});
          std::size_t best_dist = 0;
          auto consider = [&](const std::pair<std::size_t, std::size_t>& cand) {
            const std::size_t dist = cand.first > col ? cand.first - col : col - cand.first;
            if (best < 0 || dist < best_dist ||
                (dist == best_dist && cand.second < static_cast<std::size_t>(best))) {
              best = static_cast<std::ptrdiff_t>(cand.second);
              best_dist = dist;
            }
          };
          if (it != prev.end()) consider(*it);
          if (it != prev.begin()) consider(*(it - 1));
          if (best >= 0 && static_cast<double>(best_dist) > max_distance) best = -1;
        }
        if (best >= 0) {
          Line& line = active[static_cast<std::size_t>(best)];
          ++line.count;
          line.last_row = r;
          line.last_col = col;
          line.gap = 0;
        } else {
          active.push_back({1, r, col, 0});
        }
      }
      if (scan)
        for (std::size_t c : touched) owner[c] = -1;
      // Lines whose gap exceeds gap_thresh are finished; the rest keep their order.
      std::size_t keep = 0;
      for (std::size_t k = 0; k < active.size(); ++k) {
        if (static_cast<double>(active[k].gap) > gap_thresh)
          done.push_back(active[k]);
        else
          active[keep++] = active[k];
      }
      active.resize(keep);
    }
    // scipy _filter_ridge_lines. min_length = ceil(len(widths) / 4). The SNR uses
    // cwt[rows[0], cols[0]] of the "sorted" line; scipy's `rows[argsort] = line` scatter makes
    // that the last point appended (lowest row, rightmost maximum of that row).
    const auto min_length = static_cast<std::size_t>(std::ceil(static_cast<double>(rows_used) / 4));
    wanted.clear();
    for (const auto* list : {&active, &done})
      for (const Line& line : *list)
        if (line.count >= min_length) wanted.push_back(line.last_col);
    compute_noise(wanted);
    std::size_t peaks = 0;
    for (const auto* list : {&active, &done})
      for (const Line& line : *list) {
        if (line.count < min_length) continue;
        const double snr = std::abs(at(line.last_row, line.last_col) / noise[line.last_col]);
        if (snr < 1.0) continue;  // NaN passes, as in scipy
        ++peaks;
      }
    out[q] = static_cast<double>(peaks);
  }
}

}  // namespace freshet::fresh::cwt
