// Calculators: sample_entropy, approximate_entropy, lempel_ziv_complexity, permutation_entropy,
// query_similarity_count.
//
// tsfresh 0.21.2 semantics. The two template-matching entropies are O(n^2) in tsfresh (all
// template pairs). Here short series sort the templates by their first value and visit only the
// pairs inside the tolerance band of that coordinate (each unordered pair once), checking the
// other coordinates exactly; long series count each template's neighbours by ranks with Fenwick
// trees (fresh/template_counts.hpp) without visiting the pairs. Both give the same integer counts,
// hence the same values.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "fresh/calc_util.hpp"
#include "fresh/calculator.hpp"
#include "fresh/ordinal.hpp"
#include "fresh/template_counts.hpp"

namespace freshet::fresh {

namespace {

using detail::kNaN;
using nlohmann::json;

using detail::bad;

bool all_finite(std::span<const double> x) {
  for (double v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

// Calls visit(i, j) for every unordered pair of template starts i != j in [0, count) whose first
// values differ by at most `band` (finite values only). Cost O(count log count + visited pairs).
template <class Visit>
void for_each_band_pair(std::span<const double> x, std::size_t count, double band, Visit&& visit) {
  std::vector<std::uint32_t> order(count);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return x[a] < x[b]; });
  for (std::size_t a = 0; a < count; ++a) {
    const std::uint32_t i = order[a];
    const double xi = x[i];
    for (std::size_t b = a + 1; b < count; ++b) {
      const std::uint32_t j = order[b];
      // Sorted ascending, so x[j] - xi == |x[i] - x[j]| and grows with b.
      if (!(x[j] - xi <= band)) break;
      visit(i, j);
    }
  }
}

// sample_entropy's pair counts of one series, left per thread by approximate_entropy: when it
// counts by ranks with m = 2 it adds sample_entropy's tolerance (0.2 std) to its own five (the
// same templates, lengths 2 and 3; a sixth tolerance costs the dominance route about a third of
// what sample_entropy's own call would), and sample_entropy, computed after it on the same thread
// (the extraction runs a series' calculators in name order), takes the totals if the values and
// the tolerance are the same. Exact integers either way, so the same bits.
struct SampleCounts {
  std::vector<double> values;
  double tol = 0;
  long long B = 0, A = 0;
};
SampleCounts& sample_counts() {
  thread_local SampleCounts memo;
  return memo;
}

bool same_values(const std::vector<double>& a, std::span<const double> x) {
  return a.size() == x.size() &&
         (x.empty() || std::memcmp(a.data(), x.data(), x.size() * sizeof(double)) == 0);
}

// ---------------------------------------------------------------------------------------------
// sample_entropy: m = 2, tolerance 0.2 * np.std(x); B (A) = number of ordered pairs i != j of
// length-2 (length-3) templates within Chebyshev distance <= tolerance; -log(A / B). The pairs
// are counted by the band sweep or, where cheaper (long series), from each template's neighbour
// count (itself included) by ranks (fresh/template_counts.hpp): the same integers.
double sample_entropy(const Series& s) {
  const std::span<const double> x = s.values();
  const std::size_t n = x.size();
  for (double v : x)
    if (std::isnan(v)) return kNaN;
  const double tol = 0.2 * s.std_dev();
  const long long t2 = n >= 2 ? static_cast<long long>(n - 1) : 0;
  const long long t3 = n >= 3 ? static_cast<long long>(n - 2) : 0;
  long long B, A;
  if (!all_finite(x) || std::isnan(tol)) {
    // np.std is NaN with an infinite value: no comparison holds, not even a template with itself,
    // and tsfresh subtracts 1 per template.
    B = -t2;
    A = -t3;
  } else if (const SampleCounts& memo = sample_counts();
             n >= 3 && memo.tol == tol && same_values(memo.values, x)) {
    B = memo.B;
    A = memo.A;
  } else if (detail::ranked_counts_cheaper(s.sorted(), 2, static_cast<std::size_t>(t2), 1, tol)) {
    const double tols[] = {tol};
    thread_local std::vector<std::uint32_t> cnt;
    cnt.resize(static_cast<std::size_t>(t2));
    const auto sum_minus_self = [&](std::size_t length, std::size_t templates) {
      detail::count_template_neighbours(x, length, templates, tols,
                                        std::span<std::uint32_t>(cnt.data(), templates));
      long long total = 0;
      for (std::size_t i = 0; i < templates; ++i) total += cnt[i];
      return total - static_cast<long long>(templates);
    };
    B = sum_minus_self(2, static_cast<std::size_t>(t2));
    A = sum_minus_self(3, static_cast<std::size_t>(t3));
  } else {
    long long pairs2 = 0, pairs3 = 0;
    const std::size_t last3 = n >= 3 ? n - 3 : 0;  // largest start of a length-3 template
    if (t2 > 0) {
      for_each_band_pair(
          x, static_cast<std::size_t>(t2), tol, [&](std::uint32_t i, std::uint32_t j) {
            if (!(std::abs(x[i + 1] - x[j + 1]) <= tol)) return;
            ++pairs2;
            if (t3 > 0 && i <= last3 && j <= last3 && std::abs(x[i + 2] - x[j + 2]) <= tol)
              ++pairs3;
          });
    }
    B = 2 * pairs2;
    A = 2 * pairs3;
  }
  return -std::log(static_cast<double>(A) / static_cast<double>(B));
}

// ---------------------------------------------------------------------------------------------
// approximate_entropy(m, r): r' = r * np.std(x); phi(k) = sum_i log(C_i) / (N-k+1) with
// C_i = #{j : Chebyshev distance of length-k templates <= r'} / (N-k+1) (j == i included);
// |phi(m) - phi(m+1)|; 0 when N <= m + 1. All parameter sets with the same m share one count
// of neighbours per template (band sweep or ranks, exact integers either way), then the logs
// are summed in template order as numpy does.
struct ApEnParam {
  long long m;
  double r;
};

void approximate_entropy(const Series& s, std::span<const ApEnParam> ps, std::span<double> out) {
  const std::span<const double> x = s.values();
  const std::size_t N = x.size();
  const double sd = s.std_dev();
  std::vector<bool> done(ps.size(), false);
  for (std::size_t p0 = 0; p0 < ps.size(); ++p0) {
    if (done[p0]) continue;
    const long long m = ps[p0].m;
    // The parameter sets with this m, sorted by tolerance.
    std::vector<std::size_t> group;
    for (std::size_t p = p0; p < ps.size(); ++p)
      if (ps[p].m == m) {
        group.push_back(p);
        done[p] = true;
      }
    if (static_cast<long long>(N) <= m + 1) {
      for (std::size_t p : group) out[p] = 0.0;
      continue;
    }
    if (N == 0 || !all_finite(x) || std::isnan(sd)) {
      for (std::size_t p : group) out[p] = kNaN;  // every C_i is 0: |-inf - -inf|
      continue;
    }
    const std::size_t K = group.size();
    std::vector<double> tols(K);
    double band = 0.0;
    for (std::size_t g = 0; g < K; ++g) {
      tols[g] = ps[group[g]].r * sd;
      band = std::max(band, tols[g]);
    }
    const std::size_t M = static_cast<std::size_t>(m);
    const std::size_t T1 = N - M + 1;  // templates of length m
    const std::size_t T2 = N - M;      // templates of length m + 1
    // cnt1[k * T1 + i] (cnt2[k * T2 + i]): templates of length m (m + 1) within tolerance k of
    // template i, itself included.
    std::vector<std::uint32_t> cnt1(K * T1), cnt2(K * T2);
    if (detail::ranked_counts_cheaper(s.sorted(), M, T1, K, band)) {
      // With m = 2, sample_entropy's tolerance rides along (see SampleCounts): slot K.
      const bool with_sample = M == 2;
      std::vector<double> rtols = tols;
      if (with_sample) {
        rtols.push_back(0.2 * sd);
        cnt1.resize((K + 1) * T1);
        cnt2.resize((K + 1) * T2);
      }
      detail::count_template_neighbours(x, M, T1, rtols, cnt1);
      detail::count_template_neighbours(x, M + 1, T2, rtols, cnt2);
      if (with_sample) {
        SampleCounts& memo = sample_counts();
        memo.values.assign(x.begin(), x.end());
        memo.tol = rtols[K];
        memo.B = -static_cast<long long>(T1);
        memo.A = -static_cast<long long>(T2);
        for (std::size_t i = 0; i < T1; ++i) memo.B += cnt1[K * T1 + i];
        for (std::size_t i = 0; i < T2; ++i) memo.A += cnt2[K * T2 + i];
      }
    } else {
      detail::count_template_neighbours_band(x, M, tols, band, cnt1, cnt2);
    }
    std::vector<double> logs1(T1), logs2(T2);
    // log(count / T) once per distinct count (counts repeat; the same call gives the same bits).
    std::vector<double> memo(T1 + 1);
    std::vector<std::uint32_t> memo_of(T1 + 1, 0);
    std::uint32_t stamp = 0;
    const auto logs = [&](std::span<const std::uint32_t> c, std::size_t T, std::vector<double>& l) {
      ++stamp;
      for (std::size_t i = 0; i < T; ++i) {
        const std::uint32_t v = c[i];
        if (memo_of[v] != stamp) {
          memo[v] = std::log(static_cast<double>(v) / static_cast<double>(T));
          memo_of[v] = stamp;
        }
        l[i] = memo[v];
      }
    };
    for (std::size_t k = 0; k < K; ++k) {
      // np.sum(np.log(C)) in template order (pairwise), C = count / (N - m' + 1).
      logs(std::span<const std::uint32_t>(cnt1).subspan(k * T1, T1), T1, logs1);
      logs(std::span<const std::uint32_t>(cnt2).subspan(k * T2, T2), T2, logs2);
      const double phi1 =
          pairwise_sum(logs1) / (static_cast<double>(N) - static_cast<double>(m) + 1.0);
      const double phi2 =
          pairwise_sum(logs2) / (static_cast<double>(N) - static_cast<double>(m + 1) + 1.0);
      out[group[k]] = std::abs(phi1 - phi2);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// lempel_ziv_complexity(bins): symbols = searchsorted(linspace(min, max, bins+1)[1:], x, "left");
// greedy parse into new words (LZ78: each new word is a known word plus one symbol, so a trie
// replaces tsfresh's set of tuples); #words / n.
bool nan_last_less(double a, double b) { return a < b || (std::isnan(b) && !std::isnan(a)); }

double lempel_ziv_complexity(std::span<const double> x, double lo, double hi, long long bins) {
  const std::size_t n = x.size();
  // np.linspace(lo, hi, bins + 1)[1:]
  const long long num = bins + 1;
  const double delta = hi - lo;
  const double step = delta / static_cast<double>(num - 1);
  thread_local std::vector<double> edges;
  edges.resize(static_cast<std::size_t>(bins));
  for (long long k = 1; k < num; ++k) {
    double y = step == 0 ? static_cast<double>(k) / static_cast<double>(num - 1) * delta
                         : static_cast<double>(k) * step;
    edges[static_cast<std::size_t>(k - 1)] = y + lo;
  }
  edges.back() = hi;
  // Trie of seen words: a direct (node, symbol) -> child table when it is small, else open
  // addressing on (node, symbol).
  const std::uint64_t radix = static_cast<std::uint64_t>(bins) + 1;
  // (Its (n + 1) * radix entries are zero between calls, the rows used cleared after each parse;
  // worth it for few symbols only.)
  const bool direct =
      radix <= 16 && static_cast<std::uint64_t>(n + 1) * radix <= (std::uint64_t{1} << 17);
  thread_local std::vector<std::uint32_t> child;  // 0: no such word (node 0 is the root)
  std::size_t cap = 16;
  thread_local std::vector<std::uint64_t> keys;
  thread_local std::vector<std::uint32_t> vals;
  if (direct) {
    // All zero between calls: only the rows of the nodes made are cleared after the parse.
    const auto need = static_cast<std::size_t>((n + 1) * radix);
    if (child.size() < need) child.resize(need, 0u);
  } else {
    while (cap < 2 * (n + 1)) cap <<= 1;
    keys.assign(cap, ~std::uint64_t{0});
    vals.assign(cap, 0);
  }
  // Symbols: a guess from the edge spacing, corrected by comparing with the edges themselves,
  // gives exactly searchsorted's index (the edges ascend); lower_bound where no spacing helps.
  const bool guess = std::isfinite(lo) && std::isfinite(hi) && step > 0 && std::isfinite(step);
  const double inv_step = guess ? 1.0 / step : 0.0;
  const std::size_t nb = edges.size();
  auto symbol = [&](double v) -> std::size_t {
    if (guess && std::isfinite(v)) {
      const double g = (v - lo) * inv_step;
      std::size_t k = g <= 0 ? 0 : g >= static_cast<double>(nb) ? nb : static_cast<std::size_t>(g);
      while (k > 0 && !(edges[k - 1] < v)) --k;
      while (k < nb && edges[k] < v) ++k;
      return k;
    }
    return static_cast<std::size_t>(std::lower_bound(edges.begin(), edges.end(), v, nan_last_less) -
                                    edges.begin());
  };
  std::uint32_t nodes = 1;  // node 0 = the empty word
  std::size_t words = 0;
  std::uint32_t cur = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t sym = static_cast<std::uint64_t>(symbol(x[i]));
    const std::uint64_t key = cur * radix + sym;
    if (direct) {
      std::uint32_t& next = child[static_cast<std::size_t>(key)];
      if (next != 0) {
        cur = next;  // known word: extend it
      } else {
        next = nodes++;
        ++words;
        cur = 0;  // the new word ends here; the next word starts at i + 1
      }
      continue;
    }
    std::size_t h = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
    while (keys[h] != ~std::uint64_t{0} && keys[h] != key) h = (h + 1) & (cap - 1);
    if (keys[h] == key) {
      cur = vals[h];  // known word: extend it
    } else {
      keys[h] = key;
      vals[h] = nodes++;
      ++words;
      cur = 0;  // the new word ends here; the next word starts at i + 1
    }
  }
  if (direct) std::fill_n(child.begin(), static_cast<std::size_t>(nodes * radix), 0u);
  return static_cast<double>(words) / static_cast<double>(n);
}

// Every requested bin count; the range (NaN when any value is NaN) is found once.
void lempel_ziv_complexities(const Series& s, std::span<const long long> bins,
                             std::span<double> out) {
  const std::span<const double> x = s.values();
  if (x.empty()) {
    std::fill(out.begin(), out.end(), kNaN);
    return;
  }
  double lo = x[0], hi = x[0];
  for (double v : x) {
    if (std::isnan(v) || std::isnan(lo)) {
      lo = hi = kNaN;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  for (std::size_t k = 0; k < bins.size(); ++k) out[k] = lempel_ziv_complexity(x, lo, hi, bins[k]);
}

// ---------------------------------------------------------------------------------------------
// permutation_entropy(tau, dimension): windows of `dimension` consecutive values starting every
// tau; pattern = ranks of the window (ties by position, as numpy's stable small-array argsort);
// -sum p log p over the distinct patterns in numpy's np.unique (lexicographic) order.
struct PermParam {
  long long tau, dimension;
};

// The general path (any dimension): an explicit stable argsort per window.
double permutation_entropy_general(const Series& s, const PermParam& p) {
  const std::span<const double> x = s.values();
  const long long n = static_cast<long long>(x.size());
  const long long D = p.dimension;
  const long long diff = n - D;
  // Python floor division.
  const long long shifts = (diff >= 0 ? diff / p.tau : -((-diff + p.tau - 1) / p.tau)) + 1;
  if (shifts <= 0) return kNaN;
  const std::size_t W = static_cast<std::size_t>(shifts);
  const std::size_t d = static_cast<std::size_t>(D);
  std::vector<std::uint32_t> idx(d);
  std::vector<std::uint16_t> ranks(W * d);
  for (std::size_t w = 0; w < W; ++w) {
    const double* win = x.data() + w * static_cast<std::size_t>(p.tau);
    std::iota(idx.begin(), idx.end(), 0u);
    // Stable insertion sort with numpy's NaN-last order.
    for (std::size_t a = 1; a < d; ++a) {
      const std::uint32_t v = idx[a];
      std::size_t b = a;
      while (b > 0 && nan_last_less(win[v], win[idx[b - 1]])) {
        idx[b] = idx[b - 1];
        --b;
      }
      idx[b] = v;
    }
    for (std::size_t r = 0; r < d; ++r) ranks[w * d + idx[r]] = static_cast<std::uint16_t>(r);
  }
  std::vector<std::size_t> counts;
  if (d <= 16) {
    std::vector<std::uint64_t> keys(W);
    for (std::size_t w = 0; w < W; ++w) {
      std::uint64_t k = 0;
      for (std::size_t r = 0; r < d; ++r) k = (k << 4) | ranks[w * d + r];
      keys[w] = k;
    }
    std::sort(keys.begin(), keys.end());
    for (std::size_t a = 0; a < W;) {
      std::size_t b = a;
      while (b < W && keys[b] == keys[a]) ++b;
      counts.push_back(b - a);
      a = b;
    }
  } else {
    std::vector<std::size_t> order(W);
    std::iota(order.begin(), order.end(), 0);
    auto row = [&](std::size_t w) { return ranks.begin() + static_cast<std::ptrdiff_t>(w * d); };
    auto less = [&](std::size_t a, std::size_t b) {
      return std::lexicographical_compare(row(a), row(a) + static_cast<std::ptrdiff_t>(d), row(b),
                                          row(b) + static_cast<std::ptrdiff_t>(d));
    };
    std::sort(order.begin(), order.end(), less);
    for (std::size_t a = 0; a < W;) {
      std::size_t b = a;
      while (b < W && std::equal(row(order[a]), row(order[a]) + static_cast<std::ptrdiff_t>(d),
                                 row(order[b])))
        ++b;
      counts.push_back(b - a);
      a = b;
    }
  }
  std::vector<double> terms(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double prob = static_cast<double>(counts[i]) / static_cast<double>(W);
    terms[i] = prob * std::log(prob);
  }
  return -pairwise_sum(terms);
}

// Every requested (tau, dimension) from one pass of pairwise comparisons: a window's pattern is
// its Lehmer code (fresh/ordinal.hpp), counted in a table indexed by the code (d <= 8) or by
// sorting the codes; both visit patterns in np.unique's order, so the sum is numpy's.
// p log p for p = count / total, remembered per total (totals up to kMaxMemoTotal, at most
// kMaxMemoRows of them per thread: a flat extraction of series of many lengths must not grow it
// without bound): a rolled extraction asks for the same few totals (window length - dimension +
// 1) on every window, and the logs were most of this calculator's time. The same expression as
// computed directly, so the same bits.
class EntropyTerms {
 public:
  explicit EntropyTerms(std::size_t total) : total_(total) {
    constexpr std::size_t kMaxMemoTotal = 4096, kMaxMemoRows = 32;
    if (total > kMaxMemoTotal) return;
    struct Row {
      std::size_t total;
      std::vector<double> terms;  // terms[count]; +1: not computed yet
    };
    thread_local std::vector<Row> memo;
    for (Row& r : memo)
      if (r.total == total) row_ = r.terms.data();
    if (row_ != nullptr) return;
    if (memo.size() >= kMaxMemoRows) memo.clear();
    memo.push_back({total, std::vector<double>(total + 1, 1.0)});
    row_ = memo.back().terms.data();
  }
  double operator()(std::size_t count) const {
    if (row_ == nullptr) return compute(count);
    double& term = row_[count];
    if (term == 1.0) term = compute(count);  // a term is never positive
    return term;
  }

 private:
  double compute(std::size_t count) const {
    const double prob = static_cast<double>(count) / static_cast<double>(total_);
    return prob * std::log(prob);
  }
  std::size_t total_;
  double* row_ = nullptr;
};

void permutation_entropy(const Series& s, std::span<const PermParam> ps, std::span<double> out) {
  thread_local std::vector<std::uint32_t> bits, table;
  thread_local std::vector<std::uint64_t> codes, seen;
  thread_local std::vector<double> terms;
  const std::span<const double> x = s.values();
  const long long n = static_cast<long long>(x.size());
  int width = 0;
  for (const PermParam& p : ps)
    if (p.dimension <= detail::kMaxOrdinalWidth)
      width = std::max(width, static_cast<int>(p.dimension));
  bool have_bits = false;
  for (std::size_t k = 0; k < ps.size(); ++k) {
    const PermParam& p = ps[k];
    if (p.dimension > detail::kMaxOrdinalWidth) {
      out[k] = permutation_entropy_general(s, p);
      continue;
    }
    const long long diff = n - p.dimension;
    // Python floor division.
    const long long shifts = (diff >= 0 ? diff / p.tau : -((-diff + p.tau - 1) / p.tau)) + 1;
    if (shifts <= 0) {
      out[k] = kNaN;
      continue;
    }
    if (!have_bits) {
      detail::ordinal_bits(x, width, bits);
      have_bits = true;
    }
    const std::size_t W = static_cast<std::size_t>(shifts);
    const std::size_t tau = static_cast<std::size_t>(p.tau);
    const int d = static_cast<int>(p.dimension);
    terms.clear();
    const EntropyTerms entropy_term(W);
    auto add_term = [&](std::size_t count) { terms.push_back(entropy_term(count)); };
    if (d <= 8) {
      // Counts in a table indexed by the code, the codes seen in a bitmap: the distinct codes come
      // out ascending by scanning d!/64 words, and only their entries are reset (the table stays
      // zero between calls), instead of clearing and scanning all d! entries per series.
      const std::size_t n_codes = static_cast<std::size_t>(detail::factorial(d));
      if (table.size() < n_codes) table.resize(n_codes, 0u);
      seen.assign((n_codes + 63) / 64, 0u);
      codes.clear();
      codes.reserve(W);  // allocates before the table is touched: nothing throws until it is reset
      for (std::size_t w = 0; w < W; ++w) {
        const std::uint64_t c = detail::ordinal_code(bits.data(), w * tau, d);
        ++table[c];
        seen[c >> 6] |= std::uint64_t{1} << (c & 63);
      }
      for (std::size_t word = 0; word < seen.size(); ++word) {
        for (std::uint64_t m = seen[word]; m != 0; m &= m - 1) {
          const std::size_t c = word * 64 + static_cast<std::size_t>(__builtin_ctzll(m));
          codes.push_back(table[c]);  // the counts, in code order
          table[c] = 0;
        }
      }
      for (std::uint64_t count : codes) add_term(count);
    } else {
      codes.resize(W);
      for (std::size_t w = 0; w < W; ++w) codes[w] = detail::ordinal_code(bits.data(), w * tau, d);
      std::sort(codes.begin(), codes.end());
      for (std::size_t a = 0; a < W;) {
        std::size_t b = a;
        while (b < W && codes[b] == codes[a]) ++b;
        add_term(b - a);
        a = b;
      }
    }
    out[k] = -pairwise_sum(terms);
  }
}

// ---------------------------------------------------------------------------------------------
// query_similarity_count(query, threshold, normalize): number of length-m windows of x whose
// distance to the query is <= threshold; the z-normalised Euclidean distance of stumpy.core.mass
// (constant windows: 0 to a constant query, sqrt(m) to any other; correlation clipped at 1;
// windows with a non-finite value are infinitely far) or, with normalize=False, the plain
// Euclidean distance (stumpy.core.mass_absolute). NaN without a query of at least 3 values (as
// tsfresh; its default query is None) and when the query is longer than the series.
struct QueryParam {
  std::vector<double> query;  // empty: None (or fewer than 3 values)
  double threshold = 0.0;
  bool normalize = true;
};

// Population mean and std of v[0..m).
void mean_std(const double* v, std::size_t m, double& mean, double& sd) {
  double sum = 0.0;
  for (std::size_t i = 0; i < m; ++i) sum += v[i];
  mean = sum / static_cast<double>(m);
  double sq = 0.0;
  for (std::size_t i = 0; i < m; ++i) sq += (v[i] - mean) * (v[i] - mean);
  sd = std::sqrt(sq / static_cast<double>(m));
}

double query_similarity_count(const Series& s, const QueryParam& p) {
  const std::vector<double>& Q = p.query;
  const std::span<const double> x = s.values();
  const std::size_t m = Q.size();
  if (m < 3 || m > x.size()) return kNaN;
  const std::size_t windows = x.size() - m + 1;
  const bool q_finite = all_finite(Q);
  long long count = 0;
  double mq = 0.0, sq = 0.0;
  bool q_const = false;
  if (q_finite) {
    mean_std(Q.data(), m, mq, sq);
    q_const = *std::max_element(Q.begin(), Q.end()) == *std::min_element(Q.begin(), Q.end());
  }
  for (std::size_t i = 0; i < windows; ++i) {
    const double* w = x.data() + i;
    double dist;
    if (!q_finite || !all_finite(std::span<const double>(w, m))) {
      dist = std::numeric_limits<double>::infinity();
    } else if (!p.normalize) {
      double acc = 0.0;
      for (std::size_t k = 0; k < m; ++k) acc += (Q[k] - w[k]) * (Q[k] - w[k]);
      dist = std::sqrt(acc);
    } else {
      double mt, st;
      mean_std(w, m, mt, st);
      const bool t_const = *std::max_element(w, w + m) == *std::min_element(w, w + m);
      double d2;
      if (q_const && t_const) {
        d2 = 0.0;
      } else if (q_const || t_const) {
        d2 = static_cast<double>(m);
      } else {
        double qt = 0.0;
        for (std::size_t k = 0; k < m; ++k) qt += Q[k] * w[k];
        const double md = static_cast<double>(m);
        const double denom = std::max(sq * st * md, 1e-14);
        const double rho = std::min((qt - (mq * mt) * md) / denom, 1.0);
        d2 = std::abs(2 * md * (1.0 - rho));
      }
      dist = std::sqrt(d2);
    }
    if (dist <= p.threshold) ++count;
  }
  return static_cast<double>(count);
}

long long int_at_least(const Params& p, const char* key, const std::string& calc, long long min) {
  const long long v = param_int(p, key, calc);
  if (v < min)
    bad(calc, std::string("parameter '") + key + "' must be >= " + std::to_string(min) + ", got " +
                  std::to_string(v));
  return v;
}

}  // namespace

void register_entropy_calculators() {
  using detail::make_combiner;
  using detail::make_param;
  {
    Calculator c = detail::make_simple("sample_entropy", sample_entropy);
    c.high_comp_cost = true;
    register_calculator(std::move(c));
  }
  {
    json grid = json::array();
    for (double r : {0.1, 0.3, 0.5, 0.7, 0.9}) grid.push_back({{"m", 2}, {"r", r}});
    Calculator c = make_combiner<ApEnParam>(
        "approximate_entropy", grid,
        [](const Params& p, const std::string& n) {
          ApEnParam r{int_at_least(p, "m", n, 1), param_double(p, "r", n)};
          if (!(r.r >= 0)) bad(n, "parameter 'r' must be positive, got " + p.at("r").dump());
          return r;
        },
        approximate_entropy);
    c.high_comp_cost = true;
    register_calculator(std::move(c));
  }
  {
    json grid = json::array();
    for (int b : {2, 3, 5, 10, 100}) grid.push_back({{"bins", b}});
    register_calculator(make_combiner<long long>(
        "lempel_ziv_complexity", grid,
        [](const Params& p, const std::string& n) {
          const long long bins = int_at_least(p, "bins", n, 1);
          if (bins > 100000000) bad(n, "parameter 'bins' must be <= 100000000");
          return bins;
        },
        lempel_ziv_complexities));
  }
  {
    json grid = json::array();
    for (int d : {3, 4, 5, 6, 7}) grid.push_back({{"tau", 1}, {"dimension", d}});
    register_calculator(make_combiner<PermParam>(
        "permutation_entropy", grid,
        [](const Params& p, const std::string& n) {
          PermParam r{int_at_least(p, "tau", n, 1), int_at_least(p, "dimension", n, 2)};
          if (r.dimension > 65535) bad(n, "parameter 'dimension' is too large");
          return r;
        },
        permutation_entropy));
  }
  {
    json grid = json::array({{{"query", nullptr}, {"threshold", 0.0}}});
    register_calculator(make_param<QueryParam>(
        "query_similarity_count", grid,
        [](const Params& p, const std::string& n) {
          QueryParam r;
          auto q = p.find("query");
          if (q != p.end() && !q->is_null()) {
            if (q->is_number()) {
              r.query.clear();  // a scalar query has size 1: NaN, as in tsfresh
            } else if (q->is_array()) {
              for (const auto& v : *q) {
                if (!v.is_number())
                  bad(n, "parameter 'query' must be an array of numbers, got " + q->dump());
                r.query.push_back(v.get<double>());
              }
            } else {
              bad(n, "parameter 'query' must be null or an array of numbers, got " + q->dump());
            }
          }
          if (p.contains("threshold")) r.threshold = param_double(p, "threshold", n);
          if (p.contains("normalize")) r.normalize = param_bool(p, "normalize", n);
          return r;
        },
        query_similarity_count));
  }
}

}  // namespace freshet::fresh
