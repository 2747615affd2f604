// Exact Chebyshev neighbour counts of embedded templates by ranks (see the header).
#include "fresh/template_counts.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

namespace freshet::fresh::detail {

namespace {

// The ranked counts' cost per tolerance and template, in units of log2(count)^2 (length 3) or
// log2(count) (length 2) band-sweep steps (a pair times a coordinate or a tolerance): measured
// with bench/fresh_long.cpp on random walks and white noise.
constexpr double kRankedUnitCost = 12.0;

// ---- Counting by ranks (no pair is visited) ------------------------------------------------

// Fenwick tree of counts over [0, n).
class Fenwick {
 public:
  explicit Fenwick(std::size_t n) : t_(n + 1, 0) {}
  void clear() { std::fill(t_.begin(), t_.end(), 0); }
  void add(std::size_t i, int d) {
    for (++i; i < t_.size(); i += i & (~i + 1)) t_[i] += d;
  }
  // Sum over [0, i).
  long long prefix(std::size_t i) const {
    long long s = 0;
    for (; i > 0; i &= i - 1) s += t_[i];
    return s;
  }
  // Sum over [lo, hi): both prefix walks stop where they meet.
  long long range(std::size_t lo, std::size_t hi) const {
    long long s = 0;
    while (hi > lo) {
      s += t_[hi];
      hi &= hi - 1;
    }
    while (lo > hi) {
      s -= t_[lo];
      lo &= lo - 1;
    }
    return s;
  }

 private:
  std::vector<int> t_;
};

// Signed counts over ranks [0, n) where a rank holds at most one +1 and one -1 at a time (a
// template is inserted once and deleted once): a +1 and a -1 bit mask per 64 ranks and a Fenwick
// tree over the 64-rank blocks. Range counts walk a 64x smaller tree plus two masked popcounts,
// and everything stays in L1 for n = 64k (2 x 8 KiB + 4 KiB).
class RankCounter {
 public:
  explicit RankCounter(std::size_t n)
      : plus_(n / 64 + 1, 0), minus_(n / 64 + 1, 0), blocks_(n / 64 + 1) {}
  // sign +1 or -1; undo() with the same arguments takes it back.
  void add(std::size_t i, int sign) {
    (sign > 0 ? plus_ : minus_)[i >> 6] ^= std::uint64_t{1} << (i & 63);
    blocks_.add(i >> 6, sign);
  }
  void undo(std::size_t i, int sign) {
    (sign > 0 ? plus_ : minus_)[i >> 6] ^= std::uint64_t{1} << (i & 63);
    blocks_.add(i >> 6, -sign);
  }
  // Back to all zero: n / 21 word writes (memset), cheaper than undoing more than ~n / 200 updates.
  void clear() {
    std::fill(plus_.begin(), plus_.end(), 0);
    std::fill(minus_.begin(), minus_.end(), 0);
    blocks_.clear();
  }
  std::size_t size() const { return plus_.size() * 64; }
  // Sum over [lo, hi), lo <= hi <= n.
  long long range(std::size_t lo, std::size_t hi) const {
    const std::size_t bl = lo >> 6, bh = hi >> 6;
    const std::uint64_t from = ~std::uint64_t{0} << (lo & 63);        // bits >= lo in block bl
    const std::uint64_t below = (std::uint64_t{1} << (hi & 63)) - 1;  // bits < hi in block bh
    if (bl == bh) return masked(bl, from & below);
    return masked(bl, from) + blocks_.range(bl + 1, bh) + masked(bh, below);
  }

 private:
  // SWAR bit count: the build targets baseline x86-64 (no POPCNT instruction), where
  // std::popcount is a library call.
  static long long bits(std::uint64_t v) {
    v -= (v >> 1) & 0x5555555555555555ull;
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return static_cast<long long>((v * 0x0101010101010101ull) >> 56);
  }
  long long masked(std::size_t b, std::uint64_t mask) const {
    return bits(plus_[b] & mask) - bits(minus_[b] & mask);
  }
  std::vector<std::uint64_t> plus_, minus_;
  Fenwick blocks_;
};

// The positions [0, n) of x in ascending order of value, ties by position: the one sort every
// coordinate's order is cut from. Long series: a stable LSD radix sort of the values' bit
// patterns mapped to an unsigned order (-0.0 taken as +0.0, so equal values stay in position
// order, as the comparison sort orders them), four 16-bit passes: ~3x faster than std::sort at
// 64k. Values finite (precondition of the callers).
std::vector<std::uint32_t> argsort(std::span<const double> x, std::size_t n) {
  std::vector<std::uint32_t> g(n);
  if (n < 16384) {
    std::vector<std::pair<double, std::uint32_t>> keyed(n);
    for (std::size_t i = 0; i < n; ++i) keyed[i] = {x[i], static_cast<std::uint32_t>(i)};
    std::sort(keyed.begin(), keyed.end());
    for (std::size_t i = 0; i < n; ++i) g[i] = keyed[i].second;
    return g;
  }
  std::vector<std::uint64_t> key(n), key2(n);
  std::vector<std::uint32_t> g2(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i] == 0.0 ? 0.0 : x[i];
    std::uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    // Negative: all bits flipped (larger magnitude sorts first); positive: the sign bit set.
    key[i] = (b >> 63) != 0 ? ~b : (b | (std::uint64_t{1} << 63));
    g[i] = static_cast<std::uint32_t>(i);
  }
  std::vector<std::uint32_t> count(65537);
  for (int shift = 0; shift < 64; shift += 16) {
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < n; ++i) ++count[((key[i] >> shift) & 0xFFFF) + 1];
    for (std::size_t d = 1; d < count.size(); ++d) count[d] += count[d - 1];
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t at = count[(key[i] >> shift) & 0xFFFF]++;
      key2[at] = key[i];
      g2[at] = g[i];
    }
    key.swap(key2);
    g.swap(g2);
  }
  return g;
}

// argsort(x, n), remembered per thread for the last values asked about: a series' counts
// (approximate_entropy's lengths m and m + 1, sample_entropy's 2 and 3) all sort the same values,
// and a byte comparison (O(n)) is much cheaper than the sort (O(n log n), ~4 ms at 64k).
const std::vector<std::uint32_t>& cached_argsort(std::span<const double> x, std::size_t n) {
  thread_local std::vector<double> seen;
  thread_local std::vector<std::uint32_t> order;
  if (seen.size() != n || (n > 0 && std::memcmp(seen.data(), x.data(), n * sizeof(double)) != 0)) {
    order = argsort(x, n);
    seen.assign(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return order;
}

// For each position p of the ascending values v, the positions [lo[p], hi[p]] of the values within
// r of v[p]: |a - b| is computed as (larger - smaller), which equals fabs(a - b) after rounding,
// and grows with the distance in sorted order (rounded subtraction is monotone), so the set is an
// interval and both ends move right with p.
void sorted_windows(std::span<const double> v, double r, std::vector<std::uint32_t>& lo,
                    std::vector<std::uint32_t>& hi) {
  const std::size_t n = v.size();
  lo.resize(n);
  hi.resize(n);
  if (n == 0) return;
  // Two merges without data-dependent branches (the pointers advance by about one per step in
  // an unpredictable pattern: mispredicted branches cost more than the arithmetic), in kWays
  // independent stretches of p run side by side (one merge is a chain of dependent loads and
  // compares; several chains keep the core busy). Each stretch starts from a binary search.
  // lo: a step either moves a (v[p] - v[a] > r) or records a for p and moves p; a <= p always.
  // hi: b is the last position within r of p; a step either moves b (v[b + 1] within r of v[p])
  // or records b for p and moves p (b reaches p first: v[p] - v[p] = 0 <= r).
  constexpr std::size_t kWays = 4;
  const double* w = v.data();
  std::uint32_t* plo = lo.data();
  std::uint32_t* phi = hi.data();
  std::size_t p[kWays], pe[kWays], a[kWays], b[kWays];
  for (std::size_t s = 0; s < kWays; ++s) {
    p[s] = n * s / kWays;
    pe[s] = n * (s + 1) / kWays;
    const double ws = w[p[s] < n ? p[s] : n - 1];
    // First a with ws - w[a] <= r; last b with w[b] - ws <= r (both predicates monotone).
    a[s] = static_cast<std::size_t>(
        std::partition_point(w, w + n, [&](double y) { return ws - y > r; }) - w);
    b[s] = static_cast<std::size_t>(
               std::partition_point(w, w + n, [&](double y) { return y - ws <= r; }) - w) -
           1;
  }
  std::size_t q[kWays];
  for (std::size_t s = 0; s < kWays; ++s) q[s] = p[s];
  for (bool busy = true; busy;) {
    busy = false;
    for (std::size_t s = 0; s < kWays; ++s) {
      if (p[s] >= pe[s]) continue;
      busy = true;
      const bool far = w[p[s]] - w[a[s]] > r;
      plo[p[s]] = static_cast<std::uint32_t>(a[s]);
      a[s] += far;
      p[s] += !far;
    }
  }
  for (bool busy = true; busy;) {
    busy = false;
    for (std::size_t s = 0; s < kWays; ++s) {
      if (q[s] >= pe[s]) continue;
      busy = true;
      const std::size_t nb = b[s] + 1 < n ? b[s] + 1 : b[s];
      const bool near = (b[s] + 1 < n) & (w[nb] - w[q[s]] <= r);
      phi[q[s]] = static_cast<std::uint32_t>(b[s]);
      b[s] += near;
      q[s] += !near;
    }
  }
}

// All values of the series in ascending order (ties by position) with, per tolerance, their
// windows: every coordinate's windows are cut from these (one pass per tolerance, not one per
// coordinate).
struct Sorted {
  std::vector<std::uint32_t> g;  // positions in ascending order of value
  std::vector<double> v;         // the values in that order
  std::vector<std::uint32_t> lo, hi;
  Sorted(std::span<const double> x, std::size_t n) : g(cached_argsort(x, n)), v(n) {
    for (std::size_t q = 0; q < n; ++q) v[q] = x[g[q]];
  }
  void windows(double r) { sorted_windows(v, r, lo, hi); }
};

// One coordinate c of the templates 0..T-1: `order` sorts the templates by it (ties by index),
// `pos` is the inverse. Cut from the argsort of the values in O(n): the positions c..c+T-1 in its
// order are the templates in theirs.
struct Axis {
  std::vector<std::uint32_t> order, pos;
  std::vector<std::uint32_t> at;     // at[q]: the sorted position (in Sorted) of axis position q
  std::vector<std::uint32_t> below;  // below[G]: axis positions among sorted positions < G
  Axis(const Sorted& s, std::size_t c, std::size_t T)
      : order(T), pos(T), at(T), below(s.g.size() + 1) {
    std::size_t q = 0;
    for (std::size_t G = 0; G < s.g.size(); ++G) {
      below[G] = static_cast<std::uint32_t>(q);
      const std::uint32_t i = s.g[G];
      if (i < c || i >= c + T) continue;
      order[q] = static_cast<std::uint32_t>(i - c);
      pos[i - c] = static_cast<std::uint32_t>(q);
      at[q] = static_cast<std::uint32_t>(G);
      ++q;
    }
    below[s.g.size()] = static_cast<std::uint32_t>(q);
  }
  // For each axis position q, the axis positions [lo[q], hi[q]] of the templates within r in this
  // coordinate, from the sorted values' windows (s.windows(r) called): the axis members inside
  // the window of q's sorted position.
  void windows(const Sorted& s, std::vector<std::uint32_t>& lo,
               std::vector<std::uint32_t>& hi) const {
    const std::size_t T = order.size();
    lo.resize(T);
    hi.resize(T);
    for (std::size_t q = 0; q < T; ++q) {
      const std::uint32_t G = at[q];
      lo[q] = below[s.lo[G]];
      hi[q] = below[s.hi[G] + 1] - 1;
    }
  }
};

// Length 2: templates in order of the first coordinate with a sliding window of those within r
// in it; a (bit-mask) Fenwick tree over the second coordinate's ranks counts the window's templates
// within r there. O(T log T) per tolerance.
void count_by_ranks_2(std::span<const double> x, std::size_t T, std::span<const double> tols,
                      std::span<std::uint32_t> out) {
  Sorted S(x, T + 1);
  const Axis A(S, 0, T), B(S, 1, T);
  // The B rank of the template at each A position (read in A order: sequential).
  std::vector<std::uint32_t> bq(T);
  for (std::size_t p = 0; p < T; ++p) bq[p] = B.pos[A.order[p]];
  std::vector<std::uint32_t> alo, ahi, blo, bhi;
  RankCounter f(T);
  for (std::size_t k = 0; k < tols.size(); ++k) {
    const double r = tols[k];
    S.windows(r);
    A.windows(S, alo, ahi);
    B.windows(S, blo, bhi);
    f.clear();
    std::size_t in_lo = 0, in_hi = 0;  // A positions [in_lo, in_hi) are in the counter
    for (std::size_t p = 0; p < T; ++p) {
      for (; in_hi <= ahi[p]; ++in_hi) f.add(bq[in_hi], +1);
      for (; in_lo < alo[p]; ++in_lo) f.add(bq[in_lo], -1);  // (a -1 bit: net 0)
      const std::uint32_t q = bq[p];
      out[k * T + A.order[p]] = static_cast<std::uint32_t>(f.range(blo[q], bhi[q] + 1));
    }
  }
}

// Length 3: the same sliding window in the first coordinate makes the window's templates a
// dynamic set (insertions, deletions) queried with squares in the other two; offline, CDQ divide
// and conquer over the event sequence turns it into static 2D dominance counts (a sweep over the
// second coordinate's ranks with a Fenwick tree over the third's). O(T log^2 T) per tolerance.
//
// Events (16 bytes, so a level's passes stream little memory): the updates made before the query
// of A position p have time 2p, that query 2p + 1.
struct Event {
  std::uint32_t key;   // B rank: of the template (update) or of the query's bound (query)
  std::uint32_t tf;    // time << 2 | query << 1 | negative
  std::uint32_t c_lo;  // update: C rank of the template; query: [c_lo, c_hi] in C ranks
  std::uint32_t c_hi;
  std::uint32_t time() const { return tf >> 2; }
  bool query() const { return (tf & 2) != 0; }
  int sign() const { return (tf & 1) != 0 ? -1 : 1; }
};

// Divide and conquer over event times, four ways: the updates of each quarter against the queries
// of the later quarters are a static problem, solved by one pass in key order with (bit-mask)
// Fenwick trees over C ranks; then each quarter on its own (half the levels of a two-way split,
// 10-15% faster). The same pass splits the events stably into the quarters (the key order
// survives, so nothing is sorted again): a node holds exactly the events of its time range, so
// the quarters' sizes are known beforehand from the events per time.
class Cdq {
 public:
  // Nodes with at most this many events count their pairs directly.
  static constexpr std::size_t kLeaf = 64;
  // result[p]: the count of the query at A position p. before[t]: the number of events with time
  // < t, t in [0, last time + 1].
  Cdq(std::size_t T, std::vector<long long>& result, const std::vector<std::uint32_t>& before)
      : counters_{RankCounter(T), RankCounter(T), RankCounter(T)},
        result_(result),
        before_(before) {}
  // a: the events of times [t0, t1) in key order (updates before queries on equal keys); b: as
  // much scratch space. Adds every (earlier update, later query) pair's contribution.
  void run(Event* a, Event* b, std::uint32_t t0, std::uint32_t t1) {
    const std::size_t n = before_[t1] - before_[t0];
    if (n < 2 || t1 - t0 < 2) return;
    if (n <= kLeaf) {
      leaf(a, n);
      return;
    }
    // Quarters of the time range: the updates of quarter q count for the queries of every later
    // quarter; counters_[k] holds the updates of quarters 0..k.
    const std::uint32_t span = t1 - t0;
    const std::uint32_t m1 = t0 + span / 4, m2 = t0 + span / 2,
                        m3 = t0 + static_cast<std::uint32_t>(3ull * span / 4);
    const std::uint32_t bound[5] = {t0, m1, m2, m3, t1};
    std::size_t start[5], off[4];
    for (int q = 0; q < 5; ++q) start[q] = before_[bound[q]] - before_[t0];
    for (int q = 0; q < 4; ++q) off[q] = start[q];
    // Large nodes clear the counters at once (break-even near n = T / 170); small ones undo.
    const bool clear_all = n > counters_[0].size() / 128;
    for (std::size_t i = 0; i < n; ++i) {
      const Event e = a[i];
      const std::uint32_t tm = e.time();
      const unsigned qd = static_cast<unsigned>(tm >= m1) + (tm >= m2) + (tm >= m3);
      b[off[qd]++] = e;
      if (!e.query()) {
        for (unsigned k = qd; k < 3; ++k) counters_[k].add(e.c_lo, e.sign());
      } else if (qd > 0) {
        result_[tm / 2] += e.sign() * counters_[qd - 1].range(e.c_lo, e.c_hi + 1);
      }
    }
    if (clear_all) {
      for (RankCounter& c : counters_) c.clear();
    } else {
      for (unsigned q = 0; q < 3; ++q)
        for (std::size_t i = start[q]; i < start[q + 1]; ++i)
          if (!b[i].query())
            for (unsigned k = q; k < 3; ++k) counters_[k].undo(b[i].c_lo, b[i].sign());
    }
    for (int q = 0; q < 4; ++q) run(b + start[q], a + start[q], bound[q], bound[q + 1]);
  }

 private:
  // Few events: every (update, later query) pair directly; the updates seen so far in a small
  // table, so each query scans only updates (a branch-free loop).
  void leaf(const Event* a, std::size_t n) {
    std::uint32_t ut[kLeaf], uc[kLeaf];
    int us[kLeaf];
    std::size_t u = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Event& e = a[i];
      if (!e.query()) {
        ut[u] = e.time();
        uc[u] = e.c_lo;
        us[u] = e.sign();
        ++u;
        continue;
      }
      // Key order: only earlier entries have key <= e's.
      const std::uint32_t qt = e.time(), lo = e.c_lo, width = e.c_hi - e.c_lo;
      int s = 0;
      for (std::size_t j = 0; j < u; ++j) {
        const bool hit = (ut[j] < qt) & (uc[j] - lo <= width);  // unsigned: lo <= uc <= c_hi
        s += hit ? us[j] : 0;
      }
      result_[qt / 2] += e.sign() * s;
    }
  }

  RankCounter counters_[3];
  std::vector<long long>& result_;
  const std::vector<std::uint32_t>& before_;
};

// ---- Length 3 by two dominance counts per template ----------------------------------------
//
// With the window of template i in each coordinate [lo_c, hi_c] (ranks), let L(i) be the templates
// j with every coordinate >= its lo_c and H(i) those with every coordinate <= its hi_c. The box is
// L and H, so |box| = |L| + |H| - T + |neither|, where "neither" are the j with some coordinate
// below its window and another above its window. Such a pair needs x[i + c] - x[j + c] > r and
// x[j + c'] - x[i + c'] > r, so the spreads (max - min of a template's three values) of i and j
// add up to more than 2r (less a rounding margin, kSpreadMargin). For signals whose steps are
// small against r (random walks from a few thousand points on) few or no pairs qualify, and those
// are checked one by one; where too many do (white noise), the sliding route is taken. |L| and
// |H| are static 3-D dominance counts over the same points for every tolerance: one divide and
// conquer over T points and 2 one-sided queries per template and tolerance (the sliding route
// needs 2 updates and 2 two-sided queries per template and tolerance, and redoes the points for
// each tolerance): 2-2.5x cheaper for the preset's five tolerances at 64k.

// An event of the dominance count: a point (template) at time 2a or a query at time 2a + 1 (it
// counts the points of times < 2a + 2, i.e. a' <= a), key the B rank, c the C rank (query: count
// C ranks <= c), id the query's slot in the results.
struct DomEvent {
  std::uint32_t key;
  std::uint32_t tf;  // time << 1 | query
  std::uint32_t c;
  std::uint32_t id;
  std::uint32_t time() const { return tf >> 1; }
  bool query() const { return (tf & 1) != 0; }
};

// SWAR bit count (baseline x86-64 has no POPCNT instruction; see RankCounter).
long long popcount64(std::uint64_t v) {
  v -= (v >> 1) & 0x5555555555555555ull;
  v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
  v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<long long>((v * 0x0101010101010101ull) >> 56);
}

// Counts over ranks [0, n) that only grow (each rank set at most once) with prefix sums: one bit
// mask per 64 ranks and a Fenwick tree over the blocks, as RankCounter.
class PrefixCounter {
 public:
  explicit PrefixCounter(std::size_t n) : bits_(n / 64 + 1, 0), blocks_(n / 64 + 1) {}
  void add(std::size_t i) {
    bits_[i >> 6] |= std::uint64_t{1} << (i & 63);
    blocks_.add(i >> 6, 1);
  }
  void undo(std::size_t i) {
    bits_[i >> 6] &= ~(std::uint64_t{1} << (i & 63));
    blocks_.add(i >> 6, -1);
  }
  void clear() {
    std::fill(bits_.begin(), bits_.end(), 0);
    blocks_.clear();
  }
  std::size_t size() const { return bits_.size() * 64; }
  // Count over [0, i], i < n.
  long long upto(std::size_t i) const {
    const std::uint64_t mask = ~std::uint64_t{0} >> (63 - (i & 63));  // bits <= i in the block
    return blocks_.prefix(i >> 6) + popcount64(bits_[i >> 6] & mask);
  }

 private:
  std::vector<std::uint64_t> bits_;
  Fenwick blocks_;
};

// The same counts with O(1) prefix sums: the bit masks, the count of each block's earlier blocks
// within its group of 32 blocks, and the count of each group's earlier groups. An update adds to
// the later blocks of its group and to the later groups (~32 contiguous increments, vectorised);
// a prefix sum is 3 loads. Faster than PrefixCounter where queries outnumber points ~3:1 or more
// (the preset's five tolerances: 12% less time), slower with one tolerance.
class GroupCounter {
 public:
  explicit GroupCounter(std::size_t n)
      : bits_(n / 64 + 1, 0), in_group_(n / 64 + 1, 0), groups_((n / 64 + 1) / 32 + 1, 0) {}
  void add(std::size_t i) { change(i, 1); }
  void undo(std::size_t i) { change(i, -1); }
  void clear() {
    std::fill(bits_.begin(), bits_.end(), 0);
    std::fill(in_group_.begin(), in_group_.end(), 0);
    std::fill(groups_.begin(), groups_.end(), 0);
  }
  std::size_t size() const { return bits_.size() * 64; }
  // Count over [0, i], i < n.
  long long upto(std::size_t i) const {
    const std::size_t b = i >> 6;
    const std::uint64_t mask = ~std::uint64_t{0} >> (63 - (i & 63));  // bits <= i in the block
    return static_cast<long long>(groups_[b >> 5]) + in_group_[b] + popcount64(bits_[b] & mask);
  }

 private:
  void change(std::size_t i, int d) {
    const std::size_t b = i >> 6, g = b >> 5;
    bits_[b] ^= std::uint64_t{1} << (i & 63);
    const std::size_t group_end = std::min(in_group_.size(), (g + 1) * 32);
    const auto du = static_cast<std::uint16_t>(d);  // wraps: -1 adds 65535, mod 2^16
    std::uint16_t* ig = in_group_.data();
    for (std::size_t k = b + 1; k < group_end; ++k) ig[k] = static_cast<std::uint16_t>(ig[k] + du);
    const auto dg = static_cast<std::uint32_t>(d);
    std::uint32_t* gr = groups_.data();
    for (std::size_t k = g + 1, e = groups_.size(); k < e; ++k) gr[k] += dg;
  }
  std::vector<std::uint64_t> bits_;
  std::vector<std::uint16_t> in_group_;  // < 32 * 64 per group: fits
  std::vector<std::uint32_t> groups_;
};

// Offline 3-D dominance counts: divide and conquer over time, four ways (as Cdq), the points of a
// quarter against the queries of the later quarters by one pass in key order with counters over C
// ranks.
template <class Counter>
class DomCdq {
 public:
  static constexpr std::size_t kLeaf = 512;
  DomCdq(std::size_t T, std::vector<std::uint32_t>& result,
         const std::vector<std::uint32_t>& before)
      : counters_{Counter(T), Counter(T), Counter(T)}, result_(result), before_(before) {}
  void run(DomEvent* a, DomEvent* b, std::uint32_t t0, std::uint32_t t1) {
    const std::size_t n = before_[t1] - before_[t0];
    if (n < 2 || t1 - t0 < 2) return;
    if (n <= kLeaf) {
      leaf(a, n);
      return;
    }
    const std::uint32_t span = t1 - t0;
    const std::uint32_t m1 = t0 + span / 4, m2 = t0 + span / 2,
                        m3 = t0 + static_cast<std::uint32_t>(3ull * span / 4);
    const std::uint32_t bound[5] = {t0, m1, m2, m3, t1};
    std::size_t start[5], off[4];
    for (int q = 0; q < 5; ++q) start[q] = before_[bound[q]] - before_[t0];
    for (int q = 0; q < 4; ++q) off[q] = start[q];
    const bool clear_all = n > counters_[0].size() / 128;
    for (std::size_t i = 0; i < n; ++i) {
      const DomEvent e = a[i];
      const std::uint32_t tm = e.time();
      const unsigned qd = static_cast<unsigned>(tm >= m1) + (tm >= m2) + (tm >= m3);
      b[off[qd]++] = e;
      if (!e.query()) {
        for (unsigned k = qd; k < 3; ++k) counters_[k].add(e.c);
      } else if (qd > 0) {
        result_[e.id] += static_cast<std::uint32_t>(counters_[qd - 1].upto(e.c));
      }
    }
    if (clear_all) {
      for (Counter& c : counters_) c.clear();
    } else {
      for (unsigned q = 0; q < 3; ++q)
        for (std::size_t i = start[q]; i < start[q + 1]; ++i)
          if (!b[i].query())
            for (unsigned k = q; k < 3; ++k) counters_[k].undo(b[i].c);
    }
    for (int q = 0; q < 4; ++q) run(b + start[q], a + start[q], bound[q], bound[q + 1]);
  }

 private:
  void leaf(const DomEvent* a, std::size_t n) {
    std::uint32_t ut[kLeaf], uc[kLeaf];
    std::size_t u = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const DomEvent& e = a[i];
      if (!e.query()) {
        ut[u] = e.time();
        uc[u] = e.c;
        ++u;
        continue;
      }
      const std::uint32_t qt = e.time(), qc = e.c;
      std::uint32_t s = 0;
      for (std::size_t j = 0; j < u; ++j) s += (ut[j] < qt) & (uc[j] <= qc);
      result_[e.id] += s;
    }
  }

  Counter counters_[3];
  std::vector<std::uint32_t>& result_;
  const std::vector<std::uint32_t>& before_;
};

// The dominance route's large buffers, kept per thread between calls: at 64k they are ~40 MB,
// and fresh allocations of that size cost page faults (the kernel zeroes every page) worth ~10%
// of the route. They hold as much as the longest series counted so far needed.
struct DomScratch {
  std::vector<DomEvent> ev, buf;
  std::vector<std::uint32_t> bucket, before, at, by_position;
  std::vector<std::uint32_t> ha, hb, hc, la, lb, lc, neither, hres, lres;
};

// For every query q (qa[q], qb[q], qc[q]), result[q] = the points p (p = 0..T-1 with coordinates
// (p, pb[p], pc[p])) with p <= qa, pb <= qb, pc <= qc.
void dominance_counts(std::size_t T, const std::vector<std::uint32_t>& pb,
                      const std::vector<std::uint32_t>& pc, const std::vector<std::uint32_t>& qa,
                      const std::vector<std::uint32_t>& qb, const std::vector<std::uint32_t>& qc,
                      DomScratch& s, std::vector<std::uint32_t>& result) {
  const std::size_t Q = qa.size();
  const auto slot = [](std::uint32_t key, bool query) { return 2 * std::size_t{key} + query; };
  std::vector<std::uint32_t>&bucket = s.bucket, &before = s.before;
  bucket.assign(2 * T + 1, 0);
  before.assign(2 * T + 1, 0);
  for (std::size_t p = 0; p < T; ++p) {
    ++bucket[slot(pb[p], false) + 1];
    ++before[2 * p + 1];
  }
  for (std::size_t q = 0; q < Q; ++q) {
    ++bucket[slot(qb[q], true) + 1];
    ++before[2 * std::size_t{qa[q]} + 2];
  }
  for (std::size_t i = 1; i < bucket.size(); ++i) bucket[i] += bucket[i - 1];
  for (std::size_t i = 1; i < before.size(); ++i) before[i] += before[i - 1];
  // A query's result goes to its position in key order: a node's pass reads its queries in key
  // order, so its result writes move forward through memory instead of jumping.
  s.ev.resize(T + Q);
  s.buf.resize(T + Q);
  s.at.resize(Q);
  for (std::size_t p = 0; p < T; ++p)
    s.ev[bucket[slot(pb[p], false)]++] =
        DomEvent{pb[p], static_cast<std::uint32_t>(2 * p) << 1, pc[p], 0};
  for (std::size_t q = 0; q < Q; ++q) {
    const std::uint32_t i = bucket[slot(qb[q], true)]++;
    s.at[q] = i;
    s.ev[i] = DomEvent{qb[q], (static_cast<std::uint32_t>(2 * qa[q] + 1) << 1) | 1, qc[q], i};
  }
  s.by_position.assign(T + Q, 0);
  const auto t_end = static_cast<std::uint32_t>(2 * T);
  if (Q >= 3 * T)
    DomCdq<GroupCounter>(T, s.by_position, before).run(s.ev.data(), s.buf.data(), 0, t_end);
  else
    DomCdq<PrefixCounter>(T, s.by_position, before).run(s.ev.data(), s.buf.data(), 0, t_end);
  result.resize(Q);
  for (std::size_t q = 0; q < Q; ++q) result[q] = s.by_position[s.at[q]];
}

// The windows of one tolerance in the three coordinates: alo/ahi by A position, blo/bhi by B
// rank, clo/chi by C rank.
struct Windows3 {
  std::vector<std::uint32_t> alo, ahi, blo, bhi, clo, chi;
};

// Length 3 of one tolerance by the sliding window and Cdq (any data). result[p]: the count of the
// template at A position p.
void sliding_counts_3(std::size_t T, const std::vector<std::uint32_t>& bq,
                      const std::vector<std::uint32_t>& cq, const Windows3& w,
                      std::vector<long long>& result) {
  const std::vector<std::uint32_t>&alo = w.alo, &ahi = w.ahi, &blo = w.blo, &bhi = w.bhi,
        &clo = w.clo, &chi = w.chi;
  // The sequence: per A position p, the templates entering the window and those leaving it
  // (time 2p), then p's query (time 2p + 1; two events: B rank <= bhi minus B rank < blo).
  // Made twice, to count and then to place (a stable counting sort by (key, update before
  // query)) without storing it unsorted.
  const auto emit = [&](auto&& take) {
    std::size_t in_lo = 0, in_hi = 0;
    for (std::size_t p = 0; p < T; ++p) {
      const auto tu = static_cast<std::uint32_t>(2 * p) << 2, tq = tu + 4 + 2;
      for (; in_hi <= ahi[p]; ++in_hi) take(Event{bq[in_hi], tu, cq[in_hi], 0});
      for (; in_lo < alo[p]; ++in_lo) take(Event{bq[in_lo], tu | 1, cq[in_lo], 0});
      const std::uint32_t qb = bq[p], qc = cq[p];
      take(Event{bhi[qb], tq, clo[qc], chi[qc]});
      if (blo[qb] > 0) take(Event{blo[qb] - 1, tq | 1, clo[qc], chi[qc]});
    }
  };
  const auto slot = [](const Event& e) { return 2 * std::size_t{e.key} + (e.query() ? 1 : 0); };
  // Kept per thread (as DomScratch): fresh allocations of this size cost page faults.
  thread_local std::vector<std::uint32_t> bucket, before;
  thread_local std::vector<Event> sorted, buf;
  bucket.assign(2 * T + 1, 0);
  before.assign(2 * T + 1, 0);
  emit([&](const Event& e) {
    ++bucket[slot(e) + 1];
    ++before[e.time() + 1];
  });
  for (std::size_t i = 1; i < bucket.size(); ++i) bucket[i] += bucket[i - 1];
  for (std::size_t i = 1; i < before.size(); ++i) before[i] += before[i - 1];
  sorted.resize(bucket.back());
  emit([&](const Event& e) { sorted[bucket[slot(e)]++] = e; });
  result.assign(T, 0);
  buf.resize(sorted.size());
  Cdq(T, result, before).run(sorted.data(), buf.data(), 0, static_cast<std::uint32_t>(2 * T));
}

// The relative margin by which the spread test of the dominance route is widened: it covers the
// rounding of every subtraction and addition involved (a few units of 2^-53), so a pair the test
// rejects can never be in "neither" (see above).
constexpr double kSpreadMargin = 1e-6;

void count_by_ranks_3(std::span<const double> x, std::size_t T, std::span<const double> tols,
                      std::span<std::uint32_t> out, Length3Route route, Length3Stats& stats) {
  Sorted S(x, T + 2);
  const Axis A(S, 0, T), B(S, 1, T), C(S, 2, T);
  // The B and C ranks of the template at each A position (read in A order: sequential).
  std::vector<std::uint32_t> bq(T), cq(T);
  for (std::size_t p = 0; p < T; ++p) {
    bq[p] = B.pos[A.order[p]];
    cq[p] = C.pos[A.order[p]];
  }
  // Spreads by A position, and the templates that can be in some pair's "neither" for the
  // smallest tolerance, by decreasing spread (for larger tolerances a prefix of them).
  std::vector<double> spread(T);
  double max_spread = 0;
  for (std::size_t p = 0; p < T; ++p) {
    const std::size_t t = A.order[p];
    const double u = x[t], v = x[t + 1], w = x[t + 2];
    spread[p] = std::max({u, v, w}) - std::min({u, v, w});
    max_spread = std::max(max_spread, spread[p]);
  }
  double min_tol = std::numeric_limits<double>::infinity();
  for (double r : tols) min_tol = std::min(min_tol, r);
  const auto reach = [](double r) { return 2 * r * (1 - kSpreadMargin); };
  // Overflowing spreads or tolerances (or asked for): the sliding route only.
  const bool finite = route != Length3Route::kSliding && std::isfinite(max_spread) &&
                      std::isfinite(reach(min_tol) + max_spread);
  std::vector<std::uint32_t> big;  // A positions, decreasing spread
  if (finite) {
    for (std::size_t p = 0; p < T; ++p)
      if (spread[p] >= reach(min_tol) - max_spread) big.push_back(static_cast<std::uint32_t>(p));
    std::sort(big.begin(), big.end(), [&](std::uint32_t a, std::uint32_t b) {
      return spread[a] > spread[b] || (spread[a] == spread[b] && a < b);
    });
  }
  std::vector<double> big_spread(big.size());
  std::vector<std::uint32_t> big_b(big.size()), big_c(big.size());
  for (std::size_t q = 0; q < big.size(); ++q) {
    big_spread[q] = spread[big[q]];
    big_b[q] = bq[big[q]];
    big_c[q] = cq[big[q]];
  }
  // The partners of a template of spread s to check: the prefix of `big` with spread >= reach - s.
  const auto partners = [&](double rch, double s) {
    return static_cast<std::size_t>(std::partition_point(big_spread.begin(), big_spread.end(),
                                                         [&](double v) { return v >= rch - s; }) -
                                    big_spread.begin());
  };
  // Pair checks allowed per tolerance. Measured at T = 64k (random walks with spikes, one core):
  // a check costs about 1 ns, a tolerance by the sliding route ~45 ms and by the dominance route
  // without checks ~15 ms, so checks break even near 35 T log2(T); half that keeps the dominance
  // route clearly ahead where it is taken.
  const double lg = std::log2(static_cast<double>(std::max<std::size_t>(T, 2)));
  const double budget = 16.0 * static_cast<double>(T) * lg;

  Windows3 w;
  std::vector<long long> sliding;
  // The dominance route's tolerances, their queries (H, then L in reversed ranks) and "neither".
  std::vector<std::size_t> dom;
  thread_local DomScratch scratch;
  std::vector<std::uint32_t>&ha = scratch.ha, &hb = scratch.hb, &hc = scratch.hc, &la = scratch.la,
  &lb = scratch.lb, &lc = scratch.lc, &neither = scratch.neither;
  for (auto* v : {&ha, &hb, &hc, &la, &lb, &lc, &neither}) v->clear();
  for (std::size_t k = 0; k < tols.size(); ++k) {
    const double r = tols[k];
    S.windows(r);
    A.windows(S, w.alo, w.ahi);
    B.windows(S, w.blo, w.bhi);
    C.windows(S, w.clo, w.chi);
    const double rch = reach(r);
    bool use_dom = finite && std::isfinite(rch + max_spread) && route != Length3Route::kSliding;
    if (use_dom && route == Length3Route::kAuto) {
      double work = 0;
      for (std::size_t q = 0; q < big.size() && big_spread[q] >= rch - max_spread; ++q) {
        work += static_cast<double>(partners(rch, big_spread[q]));
        if (work > budget) break;
      }
      use_dom = work <= budget;
    }
    if (!use_dom) {
      ++stats.sliding;
      sliding_counts_3(T, bq, cq, w, sliding);
      for (std::size_t p = 0; p < T; ++p)
        out[k * T + A.order[p]] = static_cast<std::uint32_t>(sliding[p]);
      continue;
    }
    ++stats.dominance;
    const std::size_t d = dom.size();
    dom.push_back(k);
    neither.resize((d + 1) * T, 0);
    for (std::size_t q = 0; q < big.size() && big_spread[q] >= rch - max_spread; ++q) {
      const std::uint32_t p = big[q], pb = bq[p], pc = cq[p];
      const std::uint32_t alo = w.alo[p], ahi = w.ahi[p], blo = w.blo[pb], bhi = w.bhi[pb],
                          clo = w.clo[pc], chi = w.chi[pc];
      const std::size_t np = partners(rch, big_spread[q]);
      std::uint32_t e = 0;
      for (std::size_t j = 0; j < np; ++j) {
        const std::uint32_t ja = big[j], jb = big_b[j], jc = big_c[j];
        const bool below = (ja < alo) | (jb < blo) | (jc < clo);
        const bool above = (ja > ahi) | (jb > bhi) | (jc > chi);
        e += below & above;
      }
      neither[d * T + p] = e;
      stats.neither_pairs += e;
    }
    const auto rev = [&](std::uint32_t v) { return static_cast<std::uint32_t>(T - 1 - v); };
    for (std::size_t p = 0; p < T; ++p) {
      ha.push_back(w.ahi[p]);
      hb.push_back(w.bhi[bq[p]]);
      hc.push_back(w.chi[cq[p]]);
      // L in reversed ranks (every coordinate >= lo is every reversed one <= T - 1 - lo); the
      // queries in the reversed A order.
      const std::size_t p2 = T - 1 - p;
      la.push_back(rev(w.alo[p2]));
      lb.push_back(rev(w.blo[bq[p2]]));
      lc.push_back(rev(w.clo[cq[p2]]));
    }
  }
  if (dom.empty()) return;
  std::vector<std::uint32_t> rb(T), rc(T);
  std::vector<std::uint32_t>&hres = scratch.hres, &lres = scratch.lres;
  dominance_counts(T, bq, cq, ha, hb, hc, scratch, hres);
  for (std::size_t p = 0; p < T; ++p) {
    rb[p] = static_cast<std::uint32_t>(T - 1 - bq[T - 1 - p]);
    rc[p] = static_cast<std::uint32_t>(T - 1 - cq[T - 1 - p]);
  }
  dominance_counts(T, rb, rc, la, lb, lc, scratch, lres);
  for (std::size_t d = 0; d < dom.size(); ++d) {
    const std::size_t k = dom[d];
    for (std::size_t p = 0; p < T; ++p) {
      const std::uint32_t l = lres[d * T + (T - 1 - p)], h = hres[d * T + p];
      out[k * T + A.order[p]] =
          static_cast<std::uint32_t>(l + h - static_cast<std::uint32_t>(T) + neither[d * T + p]);
    }
  }
}

}  // namespace

// The band sweep: templates sorted by first value, for each one the window of templates within
// the largest r' in that coordinate (two pointers), then the exact Chebyshev distances over that
// window, counted against every r' (contiguous, vectorisable loops). O(N log N + pairs within the
// band): the fastest route for short series, quadratic when r' is a sizeable part of the range.
// cnt1 / cnt2 as in approximate_entropy (template order, the template itself included).
void count_template_neighbours_band(std::span<const double> x, std::size_t M,
                                    std::span<const double> tols, double band,
                                    std::span<std::uint32_t> cnt1_out,
                                    std::span<std::uint32_t> cnt2_out) {
  const std::size_t N = x.size();
  const std::size_t K = tols.size();
  const std::size_t T1 = N - M + 1;  // templates of length m
  const std::size_t T2 = N - M;      // templates of length m + 1
  // Templates sorted by their first value; coordinate c of the template at sorted position q
  // is col[c][q] (+inf where the length-(m+1) template does not exist: never within r').
  std::vector<std::uint32_t> order(T1);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return x[a] < x[b]; });
  std::vector<std::vector<double>> col(M + 1, std::vector<double>(T1));
  for (std::size_t c = 0; c <= M; ++c)
    for (std::size_t q = 0; q < T1; ++q) {
      const std::size_t at = order[q] + c;
      col[c][q] = at < N ? x[at] : std::numeric_limits<double>::infinity();
    }
  // cnt[k * T1 + q]: templates within tolerance k of the template at sorted position q, the
  // template itself excluded. Each unordered pair is visited once, from its lower position p:
  // p gets the window's total, the window positions get +1 each (contiguous updates).
  std::vector<std::uint32_t> cnt1(K * T1, 0), cnt2(K * T1, 0);
  std::vector<double> dm(T1), dm1(T1);
  // For each tolerance: the window positions within it get +1 each, p gets their number.
  const auto tally = [&](const double* dist, std::vector<std::uint32_t>& cnt, std::size_t p,
                         std::size_t lo, std::size_t w) {
    for (std::size_t k = 0; k < K; ++k) {
      const double r = tols[k];
      std::uint32_t* row = cnt.data() + k * T1 + lo;
      std::uint32_t hits = 0;
      for (std::size_t q = 0; q < w; ++q) {
        const std::uint32_t hit = dist[q] <= r;
        hits += hit;
        row[q] += hit;
      }
      cnt[k * T1 + p] += hits;
    }
  };
  const double* a0 = col[0].data();
  std::size_t hi = 0;
  for (std::size_t p = 0; p < T1; ++p) {
    const double ap = a0[p];
    // Positions (p, hi) hold the later templates within the largest r' in the first value.
    if (hi < p + 1) hi = p + 1;
    while (hi < T1 && a0[hi] - ap <= band) ++hi;
    const std::size_t lo = p + 1, w = hi - lo;
    if (w == 0) continue;
    for (std::size_t q = 0; q < w; ++q) dm[q] = a0[lo + q] - ap;
    for (std::size_t c = 1; c < M; ++c) {
      const double v = col[c][p];
      const double* cc = col[c].data() + lo;
      for (std::size_t q = 0; q < w; ++q) dm[q] = std::max(dm[q], std::abs(v - cc[q]));
    }
    tally(dm.data(), cnt1, p, lo, w);
    if (order[p] < T2) {
      // Invalid templates hold +inf there: |v - inf| = inf, never within r'.
      const double v = col[M][p];
      const double* cc = col[M].data() + lo;
      for (std::size_t q = 0; q < w; ++q) dm1[q] = std::max(dm[q], std::abs(v - cc[q]));
      tally(dm1.data(), cnt2, p, lo, w);
    }
  }
  // Back to template order, the template itself added (distance 0 <= r').
  std::vector<std::uint32_t> pos_of(T1);
  for (std::size_t q = 0; q < T1; ++q) pos_of[order[q]] = static_cast<std::uint32_t>(q);
  for (std::size_t k = 0; k < K; ++k) {
    for (std::size_t i = 0; i < T1; ++i) cnt1_out[k * T1 + i] = cnt1[k * T1 + pos_of[i]] + 1;
    for (std::size_t i = 0; i < T2; ++i) cnt2_out[k * T2 + i] = cnt2[k * T1 + pos_of[i]] + 1;
  }
}

void count_template_neighbours(std::span<const double> x, std::size_t length, std::size_t count,
                               std::span<const double> tols, std::span<std::uint32_t> out,
                               Length3Route route, Length3Stats* stats) {
  if (count == 0 || tols.empty()) return;
  if (length == 1) {
    Sorted S(x, count);
    const Axis A(S, 0, count);
    std::vector<std::uint32_t> lo, hi;
    for (std::size_t k = 0; k < tols.size(); ++k) {
      S.windows(tols[k]);
      A.windows(S, lo, hi);
      for (std::size_t p = 0; p < count; ++p) out[k * count + A.order[p]] = hi[p] - lo[p] + 1;
    }
  } else if (length == 2) {
    count_by_ranks_2(x, count, tols, out);
  } else {
    Length3Stats local;
    count_by_ranks_3(x, count, tols, out, route, stats != nullptr ? *stats : local);
  }
}

bool ranked_counts_cheaper(std::span<const double> sorted, std::size_t m, std::size_t templates,
                           std::size_t num_tols, double band) {
  if (m < 1 || m + 1 > kMaxTemplateLength || templates < 512 || templates >= (1u << 28))
    return false;
  // The band sweep's pairs: values within `band` of each other (all of them, not only the first
  // `templates`: a few more pairs, found without another sort).
  double pairs = 0;
  for (std::size_t lo = 0, hi = 0; hi < sorted.size(); ++hi) {
    while (sorted[hi] - sorted[lo] > band) ++lo;
    pairs += static_cast<double>(hi - lo);
  }
  const double band_cost = pairs * static_cast<double>(m + 1 + 2 * num_tols);
  const double lg = std::log2(static_cast<double>(templates));
  const double ranked_cost =
      kRankedUnitCost * static_cast<double>(num_tols * templates) * (m == 1 ? lg : lg * lg);
  return ranked_cost < band_cost;
}

}  // namespace freshet::fresh::detail
