// Calculators: changes and differences (tsfresh 0.21.2 semantics).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "fresh/calc_util.hpp"

namespace freshet::fresh {

namespace {

using detail::kNaN;
using detail::make_combiner;
using detail::make_param;
using detail::make_simple;
using Json = nlohmann::json;

double absolute_sum_of_changes(const Series& s) {
  const auto d = s.diff();
  auto& a = s.scratch(0);
  a.resize(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) a[i] = std::fabs(d[i]);
  return pairwise_sum(a);
}

double mean_abs_change(const Series& s) {
  const auto d = s.diff();
  if (d.empty()) return kNaN;  // np.mean of an empty array
  return absolute_sum_of_changes(s) / static_cast<double>(d.size());
}

double mean_change(const Series& s) {
  const auto x = s.values();
  if (x.size() <= 1) return kNaN;
  return (x.back() - x.front()) / static_cast<double>(x.size() - 1);
}

double mean_second_derivative_central(const Series& s) {
  const auto x = s.values();
  const std::size_t n = x.size();
  if (n <= 2) return kNaN;
  return (x[n - 1] - x[n - 2] - x[1] + x[0]) / static_cast<double>(2 * (n - 2));
}

// np.mean / np.var of the selected values (pairwise sums, two-pass variance).
double mean_of(std::span<const double> v) {
  if (v.empty()) return kNaN;
  return pairwise_sum(v) / static_cast<double>(v.size());
}
double var_of(std::span<const double> v, std::vector<double>& tmp) {
  if (v.empty()) return kNaN;
  const double m = mean_of(v);
  tmp.resize(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double d = v[i] - m;
    tmp[i] = d * d;
  }
  return pairwise_sum(tmp) / static_cast<double>(v.size());
}

struct ChangeQuantiles {
  double ql, qh;
  bool isabs;
  bool var;  // f_agg "var" (else "mean")
};

void change_quantiles(const Series& s, std::span<const ChangeQuantiles> ps, std::span<double> out) {
  const auto x = s.values();
  const auto d = s.diff();
  const std::size_t n = x.size();
  auto& sel = s.scratch(0);
  auto& tmp = s.scratch(1);
  // The grid repeats each corridor (ql, qh) for isabs and f_agg: the corridor's changes are
  // found once, and the selected values once per (corridor, isabs).
  thread_local std::vector<std::uint32_t> picked;
  bool have_corridor = false, have_sel = false;
  double cur_ql = 0.0, cur_qh = 0.0;
  bool cur_abs = false;
  for (std::size_t k = 0; k < ps.size(); ++k) {
    const auto& p = ps[k];
    if (p.ql >= p.qh) {
      out[k] = 0.0;
      continue;
    }
    if (n == 0 || s.has_nan()) {
      out[k] = n == 0 ? 0.0 : kNaN;
      continue;
    }
    if (!have_corridor || p.ql != cur_ql || p.qh != cur_qh) {
      // pd.qcut(x, [ql, qh], labels=False) == 0  <=>  lo < v <= hi, or v == lo
      // (include_lowest). Two equal edges do not raise in pandas 1.5 (the duplicate check skips
      // two-edge bins).
      const double lo = s.quantile(p.ql), hi = s.quantile(p.qh);
      const bool hi_nan = std::isnan(hi);
      // Without branches: whether a value is in the corridor is a coin toss on noisy data, and
      // mispredicted branches were most of this loop's time.
      picked.resize(n);
      std::size_t count = 0;
      bool prev_in = false;
      for (std::size_t i = 0; i < n; ++i) {
        const double v = x[i];
        // searchsorted orders NaN above everything: an upper edge of NaN (np.quantile over an
        // inf) lets every value above `lo` in.
        const bool in = ((v > lo) & ((v <= hi) | hi_nan)) | (v == lo);
        picked[count] = static_cast<std::uint32_t>(i - 1);
        count += static_cast<std::size_t>(in & prev_in);
        prev_in = in;
      }
      picked.resize(count);
      have_corridor = true;
      have_sel = false;
      cur_ql = p.ql;
      cur_qh = p.qh;
    }
    if (picked.empty()) {
      out[k] = 0.0;
      continue;
    }
    if (!have_sel || p.isabs != cur_abs) {
      sel.resize(picked.size());
      if (p.isabs)
        for (std::size_t j = 0; j < picked.size(); ++j) sel[j] = std::fabs(d[picked[j]]);
      else
        for (std::size_t j = 0; j < picked.size(); ++j) sel[j] = d[picked[j]];
      have_sel = true;
      cur_abs = p.isabs;
    }
    out[k] = p.var ? var_of(sel, tmp) : mean_of(sel);
  }
}

// number_peaks(n): #{i : x[i] > x[i-k] and x[i] > x[i+k] for k = 1..n}. One pass finds, per point,
// how many k in a row (up to the largest n requested) pass both tests; every n then only counts.
struct NumberPeaksParam {
  long long n;
};

void number_peaks(const Series& s, std::span<const NumberPeaksParam> ps, std::span<double> out) {
  const auto x = s.values();
  const std::size_t len = x.size();
  std::size_t max_support = 0;
  for (const auto& p : ps) max_support = std::max(max_support, static_cast<std::size_t>(p.n));
  // reach[i]: the largest r <= max_support with x[i] > x[i-k] and x[i] > x[i+k] for k = 1..r
  // (within the series).
  thread_local std::vector<std::uint32_t> reach;
  reach.resize(len);
  for (std::size_t i = 0; i < len; ++i) {
    const std::size_t limit = std::min({max_support, i, len - 1 - i});
    const double v = x[i];
    std::size_t r = 0;
    while (r < limit && v > x[i - r - 1] && v > x[i + r + 1]) ++r;
    reach[i] = static_cast<std::uint32_t>(r);
  }
  for (std::size_t q = 0; q < ps.size(); ++q) {
    const std::size_t support = static_cast<std::size_t>(ps[q].n);
    std::size_t c = 0;
    if (len > 2 * support)
      for (std::size_t i = support; i + support < len; ++i) c += reach[i] >= support;
    out[q] = static_cast<double>(c);
  }
}

struct Lag {
  long long lag;
};
Lag parse_lag(const Params& p, const std::string& n) {
  const long long lag = param_int(p, "lag", n);
  if (lag < 0)
    throw Error(Errc::kInvalidArgument, "calculator '" + n + "': parameter 'lag' must be >= 0");
  return {lag};
}

Json lag_grid(int from, int to) {
  Json g = Json::array();
  for (int l = from; l <= to; ++l) g.push_back({{"lag", l}});
  return g;
}

}  // namespace

void register_change_calculators() {
  register_calculator(make_simple("absolute_sum_of_changes", absolute_sum_of_changes));
  register_calculator(make_simple("mean_abs_change", mean_abs_change));
  register_calculator(make_simple("mean_change", mean_change));
  register_calculator(
      make_simple("mean_second_derivative_central", mean_second_derivative_central));

  {
    struct Normalize {
      bool normalize;
    };
    register_calculator(make_param<Normalize>(
        "cid_ce", Json::array({{{"normalize", true}}, {{"normalize", false}}}),
        [](const Params& p, const std::string& n) {
          return Normalize{param_bool(p, "normalize", n)};
        },
        [](const Series& s, const Normalize& p) {
          const auto x = s.values();
          if (x.empty()) return kNaN;
          auto& z = s.scratch(0);
          z.resize(x.size());
          if (p.normalize) {
            const double sd = s.std_dev();
            if (sd == 0) return 0.0;
            const double m = s.mean();
            for (std::size_t i = 0; i < x.size(); ++i) z[i] = (x[i] - m) / sd;
          } else {
            std::copy(x.begin(), x.end(), z.begin());
          }
          auto& d = s.scratch(1);
          d.resize(x.size() - 1);
          for (std::size_t i = 0; i + 1 < x.size(); ++i) d[i] = z[i + 1] - z[i];
          return std::sqrt(detail::netlib_dot(d.data(), d.data(), d.size()));
        }));
  }
  {
    struct M {
      double m;
    };
    register_calculator(make_param<M>(
        "number_crossing_m", Json::array({{{"m", 0}}, {{"m", -1}}, {{"m", 1}}}),
        [](const Params& p, const std::string& n) { return M{param_double(p, "m", n)}; },
        [](const Series& s, const M& p) {
          const auto x = s.values();
          std::size_t c = 0;
          for (std::size_t i = 1; i < x.size(); ++i) c += (x[i] > p.m) != (x[i - 1] > p.m);
          return static_cast<double>(c);
        }));
  }
  {
    using N = NumberPeaksParam;
    Json g = Json::array();
    for (int n : {1, 3, 5, 10, 50}) g.push_back({{"n", n}});
    register_calculator(make_combiner<N>(
        "number_peaks", g,
        [](const Params& p, const std::string& name) {
          const long long n = param_int(p, "n", name);
          if (n < 1)
            throw Error(Errc::kInvalidArgument,
                        "calculator '" + name + "': parameter 'n' must be >= 1");
          return N{n};
        },
        number_peaks));
  }
  register_calculator(make_param<Lag>("time_reversal_asymmetry_statistic", lag_grid(1, 3),
                                      parse_lag, [](const Series& s, const Lag& p) {
                                        const auto x = s.values();
                                        const std::size_t n = x.size(),
                                                          l = static_cast<std::size_t>(p.lag);
                                        if (2 * l >= n) return 0.0;
                                        auto& t = s.scratch(0);
                                        t.resize(n - 2 * l);
                                        for (std::size_t i = 0; i < n - 2 * l; ++i) {
                                          const double two = x[i + 2 * l], one = x[i + l];
                                          t[i] = two * two * one - one * x[i] * x[i];
                                        }
                                        return mean_of(t);
                                      }));
  register_calculator(
      make_param<Lag>("c3", lag_grid(1, 3), parse_lag, [](const Series& s, const Lag& p) {
        const auto x = s.values();
        const std::size_t n = x.size(), l = static_cast<std::size_t>(p.lag);
        if (2 * l >= n) return 0.0;
        auto& t = s.scratch(0);
        t.resize(n - 2 * l);
        for (std::size_t i = 0; i < n - 2 * l; ++i) t[i] = x[i + 2 * l] * x[i + l] * x[i];
        return mean_of(t);
      }));
  {
    Json g = Json::array();
    for (double ql : {0.0, 0.2, 0.4, 0.6, 0.8})
      for (double qh : {0.2, 0.4, 0.6, 0.8, 1.0})
        for (bool b : {false, true})
          for (const char* f : {"mean", "var"})
            if (ql < qh) g.push_back({{"ql", ql}, {"qh", qh}, {"isabs", b}, {"f_agg", f}});
    register_calculator(make_combiner<ChangeQuantiles>(
        "change_quantiles", g,
        [](const Params& p, const std::string& n) {
          const std::string f = param_string(p, "f_agg", n);
          if (f != "mean" && f != "var")
            throw Error(Errc::kInvalidArgument, "calculator '" + n +
                                                    "': parameter 'f_agg' must be \"mean\" or "
                                                    "\"var\", got \"" +
                                                    f + "\"");
          return ChangeQuantiles{param_double(p, "ql", n), param_double(p, "qh", n),
                                 param_bool(p, "isabs", n), f == "var"};
        },
        change_quantiles));
  }
  {
    struct Chunk {
      long long segments, focus;
    };
    Json g = Json::array();
    for (int i = 0; i < 10; ++i) g.push_back({{"num_segments", 10}, {"segment_focus", i}});
    register_calculator(make_combiner<Chunk>(
        "energy_ratio_by_chunks", g,
        [](const Params& p, const std::string& n) {
          const long long segs = param_int(p, "num_segments", n);
          const long long focus = param_int(p, "segment_focus", n);
          if (segs <= 0 || focus < 0 || focus >= segs)
            throw Error(Errc::kInvalidArgument,
                        "calculator '" + n +
                            "': needs num_segments > 0 and 0 <= segment_focus < num_segments");
          return Chunk{segs, focus};
        },
        [](const Series& s, std::span<const Chunk> ps, std::span<double> out) {
          const auto x = s.values();
          auto& sq = s.scratch(0);
          sq.resize(x.size());
          for (std::size_t i = 0; i < x.size(); ++i) sq[i] = x[i] * x[i];
          const double full = pairwise_sum(sq);
          for (std::size_t k = 0; k < ps.size(); ++k) {
            if (full == 0) {
              out[k] = kNaN;
              continue;
            }
            // np.array_split: the first n % segs chunks hold one more element.
            const std::size_t n = x.size(), segs = static_cast<std::size_t>(ps[k].segments);
            const std::size_t f = static_cast<std::size_t>(ps[k].focus);
            const std::size_t base = n / segs, extra = n % segs;
            const std::size_t begin = f * base + std::min(f, extra);
            const std::size_t len = base + (f < extra ? 1 : 0);
            out[k] = pairwise_sum(std::span<const double>(sq).subspan(begin, len)) / full;
          }
        }));
  }
}

}  // namespace freshet::fresh
