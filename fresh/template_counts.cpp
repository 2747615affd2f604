// Exact Chebyshev neighbour counts of embedded templates by ranks (see the header).
#include "fresh/template_counts.hpp"

#include <algorithm>
#include <cmath>
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
// coordinate's order is cut from.
std::vector<std::uint32_t> argsort(std::span<const double> x, std::size_t n) {
  std::vector<std::pair<double, std::uint32_t>> keyed(n);
  for (std::size_t i = 0; i < n; ++i) keyed[i] = {x[i], static_cast<std::uint32_t>(i)};
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::uint32_t> g(n);
  for (std::size_t i = 0; i < n; ++i) g[i] = keyed[i].second;
  return g;
}

// One coordinate c of the templates 0..T-1: `order` sorts the templates by it (ties by index),
// `pos` is the inverse, `v` the sorted values. Cut from the argsort g of the values in O(T): the
// positions c..c+T-1 in g's order are the templates in theirs.
struct Axis {
  std::vector<std::uint32_t> order, pos;
  std::vector<double> v;
  Axis(std::span<const double> x, std::span<const std::uint32_t> g, std::size_t c, std::size_t T)
      : order(T), pos(T), v(T) {
    std::size_t q = 0;
    for (const std::uint32_t i : g) {
      if (i < c || i >= c + T) continue;
      order[q] = static_cast<std::uint32_t>(i - c);
      pos[i - c] = static_cast<std::uint32_t>(q);
      v[q] = x[i];
      ++q;
    }
  }
  // For each sorted position p, the sorted positions [lo[p], hi[p]] of the values within r of
  // v[p]: |a - b| is computed as (larger - smaller), which equals fabs(a - b) after rounding, and
  // grows with the distance in sorted order (rounded subtraction is monotone), so the set is an
  // interval and both ends move right with p.
  void windows(double r, std::vector<std::uint32_t>& lo, std::vector<std::uint32_t>& hi) const {
    const std::size_t T = v.size();
    lo.resize(T);
    hi.resize(T);
    std::size_t a = 0, b = 0;
    for (std::size_t p = 0; p < T; ++p) {
      while (v[p] - v[a] > r) ++a;
      if (b < p) b = p;
      while (b + 1 < T && v[b + 1] - v[p] <= r) ++b;
      lo[p] = static_cast<std::uint32_t>(a);
      hi[p] = static_cast<std::uint32_t>(b);
    }
  }
};

// Length 2: templates in order of the first coordinate with a sliding window of those within r
// in it; a (bit-mask) Fenwick tree over the second coordinate's ranks counts the window's templates
// within r there. O(T log T) per tolerance.
void count_by_ranks_2(std::span<const double> x, std::size_t T, std::span<const double> tols,
                      std::span<std::uint32_t> out) {
  const std::vector<std::uint32_t> g = argsort(x, T + 1);
  const Axis A(x, g, 0, T), B(x, g, 1, T);
  std::vector<std::uint32_t> alo, ahi, blo, bhi;
  for (std::size_t k = 0; k < tols.size(); ++k) {
    const double r = tols[k];
    A.windows(r, alo, ahi);
    B.windows(r, blo, bhi);
    RankCounter f(T);
    std::size_t in_lo = 0, in_hi = 0;  // A positions [in_lo, in_hi) are in the counter
    for (std::size_t p = 0; p < T; ++p) {
      for (; in_hi <= ahi[p]; ++in_hi) f.add(B.pos[A.order[in_hi]], +1);
      for (; in_lo < alo[p]; ++in_lo) f.add(B.pos[A.order[in_lo]], -1);  // (a -1 bit: net 0)
      const std::uint32_t t = A.order[p];
      const std::uint32_t q = B.pos[t];
      out[k * T + t] = static_cast<std::uint32_t>(f.range(blo[q], bhi[q] + 1));
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
// 10-15% faster). Events are split stably between two buffers in turn (the key order survives),
// so nothing is sorted again.
class Cdq {
 public:
  // result[p]: the count of the query at A position p.
  Cdq(std::size_t T, std::vector<long long>& result)
      : counters_{RankCounter(T), RankCounter(T), RankCounter(T)}, result_(result) {}
  // a[0, n): events in key order (updates before queries on equal keys), times in [t0, t1); b: as
  // much scratch space. Adds every (earlier update, later query) pair's contribution.
  void run(Event* a, Event* b, std::size_t n, std::uint32_t t0, std::uint32_t t1) {
    if (n < 2 || t1 - t0 < 2) return;
    if (n <= 64) {
      // Few events: every (update, later query) pair directly.
      for (std::size_t i = 0; i < n; ++i) {
        const Event& q = a[i];
        if (!q.query()) continue;
        long long s = 0;
        for (std::size_t j = 0; j < i; ++j) {  // key order: only earlier entries have key <= q's
          const Event& u = a[j];
          const bool hit =
              !u.query() & (u.time() < q.time()) & (u.c_lo >= q.c_lo) & (u.c_lo <= q.c_hi);
          s += hit ? u.sign() : 0;
        }
        result_[q.time() / 2] += q.sign() * s;
      }
      return;
    }
    // Quarters of the time range: the updates of quarter q count for the queries of every later
    // quarter; counters_[k] holds the updates of quarters 0..k.
    const std::uint32_t span = t1 - t0;
    const std::uint32_t m1 = t0 + span / 4, m2 = t0 + span / 2,
                        m3 = t0 + static_cast<std::uint32_t>(3ull * span / 4);
    std::size_t cnt[4] = {0, 0, 0, 0};
    for (std::size_t i = 0; i < n; ++i) {
      const Event& e = a[i];
      const std::uint32_t tm = e.time();
      const unsigned qd = static_cast<unsigned>(tm >= m1) + (tm >= m2) + (tm >= m3);
      ++cnt[qd];
      if (!e.query()) {
        for (unsigned k = qd; k < 3; ++k) counters_[k].add(e.c_lo, e.sign());
      } else if (qd > 0) {
        result_[tm / 2] += e.sign() * counters_[qd - 1].range(e.c_lo, e.c_hi + 1);
      }
    }
    std::size_t off[4] = {0, cnt[0], cnt[0] + cnt[1], cnt[0] + cnt[1] + cnt[2]};
    const std::size_t start[4] = {off[0], off[1], off[2], off[3]};
    // Large nodes clear the counters at once (break-even near n = T / 170); small ones undo.
    const bool clear_all = n > counters_[0].size() / 128;
    if (clear_all)
      for (RankCounter& c : counters_) c.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const Event& e = a[i];
      const std::uint32_t tm = e.time();
      const unsigned qd = static_cast<unsigned>(tm >= m1) + (tm >= m2) + (tm >= m3);
      if (!clear_all && !e.query())
        for (unsigned k = qd; k < 3; ++k) counters_[k].undo(e.c_lo, e.sign());
      b[off[qd]++] = e;
    }
    const std::uint32_t bound[5] = {t0, m1, m2, m3, t1};
    for (int q = 0; q < 4; ++q) run(b + start[q], a + start[q], cnt[q], bound[q], bound[q + 1]);
  }

 private:
  RankCounter counters_[3];
  std::vector<long long>& result_;
};

void count_by_ranks_3(std::span<const double> x, std::size_t T, std::span<const double> tols,
                      std::span<std::uint32_t> out) {
  const std::vector<std::uint32_t> g = argsort(x, T + 2);
  const Axis A(x, g, 0, T), B(x, g, 1, T), C(x, g, 2, T);
  std::vector<std::uint32_t> alo, ahi, blo, bhi, clo, chi;
  std::vector<Event> sorted, buf;
  std::vector<std::uint32_t> bucket;
  std::vector<long long> result(T);
  for (std::size_t k = 0; k < tols.size(); ++k) {
    const double r = tols[k];
    A.windows(r, alo, ahi);
    B.windows(r, blo, bhi);
    C.windows(r, clo, chi);
    // The sequence: per A position p, the templates entering the window and those leaving it
    // (time 2p), then p's query (time 2p + 1; two events: B rank <= bhi minus B rank < blo).
    // Made twice, to count and then to place (a stable counting sort by (key, update before
    // query)) without storing it unsorted.
    const auto emit = [&](auto&& take) {
      std::size_t in_lo = 0, in_hi = 0;
      for (std::size_t p = 0; p < T; ++p) {
        const auto tu = static_cast<std::uint32_t>(2 * p) << 2, tq = tu + 4 + 2;
        for (; in_hi <= ahi[p]; ++in_hi) {
          const std::uint32_t t = A.order[in_hi];
          take(Event{B.pos[t], tu, C.pos[t], 0});
        }
        for (; in_lo < alo[p]; ++in_lo) {
          const std::uint32_t t = A.order[in_lo];
          take(Event{B.pos[t], tu | 1, C.pos[t], 0});
        }
        const std::uint32_t t = A.order[p];
        const std::uint32_t qb = B.pos[t], qc = C.pos[t];
        take(Event{bhi[qb], tq, clo[qc], chi[qc]});
        if (blo[qb] > 0) take(Event{blo[qb] - 1, tq | 1, clo[qc], chi[qc]});
      }
    };
    const auto slot = [](const Event& e) { return 2 * std::size_t{e.key} + (e.query() ? 1 : 0); };
    bucket.assign(2 * T + 1, 0);
    emit([&](const Event& e) { ++bucket[slot(e) + 1]; });
    for (std::size_t i = 1; i < bucket.size(); ++i) bucket[i] += bucket[i - 1];
    sorted.resize(bucket.back());
    emit([&](const Event& e) { sorted[bucket[slot(e)]++] = e; });
    std::fill(result.begin(), result.end(), 0);
    buf.resize(sorted.size());
    Cdq(T, result).run(sorted.data(), buf.data(), sorted.size(), 0,
                       static_cast<std::uint32_t>(2 * T));
    for (std::size_t p = 0; p < T; ++p)
      out[k * T + A.order[p]] = static_cast<std::uint32_t>(result[p]);
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
                               std::span<const double> tols, std::span<std::uint32_t> out) {
  if (count == 0 || tols.empty()) return;
  if (length == 1) {
    const Axis A(x, argsort(x, count), 0, count);
    std::vector<std::uint32_t> lo, hi;
    for (std::size_t k = 0; k < tols.size(); ++k) {
      A.windows(tols[k], lo, hi);
      for (std::size_t p = 0; p < count; ++p) out[k * count + A.order[p]] = hi[p] - lo[p] + 1;
    }
  } else if (length == 2) {
    count_by_ranks_2(x, count, tols, out);
  } else {
    count_by_ranks_3(x, count, tols, out);
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
