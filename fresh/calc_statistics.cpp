// Calculators: basic statistics (tsfresh 0.21.2 semantics, numpy/pandas arithmetic order where a
// decision or an exact count depends on it).
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "fresh/calc_util.hpp"

namespace freshet::fresh {

namespace detail {

// First significant digit as np.format_float_scientific writes it (shortest repr digits).
int first_digit(double v) {
  if (v == 0) return 0;
  // Fast path: v / 10^e in [1, 10) by scaling with a table. The shortest repr starts with
  // another digit than the exact value only within about 1e-16 (relative) of a digit boundary
  // k * 10^e; the scaled value is off by a few ulp at most, so a value at least 1e-9 away from
  // every boundary has its digit decided here, and anything closer goes to to_chars.
  static const auto kPow10 = [] {
    std::array<double, 601> t{};
    for (int e = -300; e <= 300; ++e) t[static_cast<std::size_t>(e + 300)] = std::pow(10.0, e);
    return t;
  }();
  if (v >= 1e-290 && v <= 1e290) {
    // frexp's exponent (v = m 2^bexp, 0.5 <= m < 1) from the bits of a normal double, and the
    // floors below as integer conversions: without SSE4.1 both are libm calls, and benford
    // takes the digit of every value of every window.
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    const int bexp = static_cast<int>((bits >> 52) & 0x7ff) - 1022;
    const double t = (bexp - 1) * 0.30102999566398120;
    int e = static_cast<int>(t);
    if (static_cast<double>(e) > t) --e;  // floor
    double q = v / kPow10[static_cast<std::size_t>(e + 300)];
    if (q >= 10.0) {
      ++e;
      q = v / kPow10[static_cast<std::size_t>(e + 300)];
    } else if (q < 1.0) {
      --e;
      q = v / kPow10[static_cast<std::size_t>(e + 300)];
    }
    const double d = q >= 0.0 && q < 100.0 ? static_cast<double>(static_cast<int>(q)) : -1.0;
    if (d >= 1.0 && d <= 9.0 && q - d > 1e-9 && (d + 1.0) - q > 1e-9) return static_cast<int>(d);
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  (void)res;
  return buf[0] - '0';
}

}  // namespace detail

namespace {

using detail::kNaN;
using detail::make_combiner;
using detail::make_param;
using detail::make_simple;
using Json = nlohmann::json;

double zero_out_fperr(double v) { return std::fabs(v) < 1e-14 ? 0.0 : v; }

// pandas 1.5 nanops.nanskew on a float64 Series (skipna=False).
double skewness(const Series& s) {
  const double count = static_cast<double>(s.size());
  if (s.size() == 0) return kNaN;
  const double mean = s.sum() / count;
  auto& a2 = s.scratch(0);
  auto& a3 = s.scratch(1);
  a2.resize(s.size());
  a3.resize(s.size());
  const auto x = s.values();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double d = x[i] - mean;
    a2[i] = d * d;
    a3[i] = a2[i] * d;
  }
  const double m2 = zero_out_fperr(pairwise_sum(a2));
  const double m3 = zero_out_fperr(pairwise_sum(a3));
  if (count < 3) return kNaN;
  if (m2 == 0) return 0.0;
  return (count * std::pow(count - 1, 0.5) / (count - 2)) * (m3 / std::pow(m2, 1.5));
}

// pandas 1.5 nanops.nankurt.
double kurtosis(const Series& s) {
  const double count = static_cast<double>(s.size());
  if (s.size() == 0) return kNaN;
  const double mean = s.sum() / count;
  auto& a2 = s.scratch(0);
  auto& a4 = s.scratch(1);
  a2.resize(s.size());
  a4.resize(s.size());
  const auto x = s.values();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double d = x[i] - mean;
    a2[i] = d * d;
    a4[i] = a2[i] * a2[i];
  }
  const double m2 = pairwise_sum(a2);
  const double m4 = pairwise_sum(a4);
  const double adj = 3 * ((count - 1) * (count - 1)) / ((count - 2) * (count - 3));
  const double numerator = zero_out_fperr(count * (count + 1) * (count - 1) * m4);
  const double denominator = zero_out_fperr((count - 2) * (count - 3) * (m2 * m2));
  if (count < 4) return kNaN;
  if (denominator == 0) return 0.0;
  return numerator / denominator - adj;
}

double root_mean_square(const Series& s) {
  if (s.empty()) return kNaN;
  auto& sq = s.scratch(0);
  sq.resize(s.size());
  const auto x = s.values();
  for (std::size_t i = 0; i < x.size(); ++i) sq[i] = x[i] * x[i];
  return std::sqrt(pairwise_sum(sq) / static_cast<double>(x.size()));
}

double absolute_maximum(const Series& s) {
  if (s.empty()) return kNaN;
  double m = -INFINITY;
  for (double v : s.values()) {
    const double a = std::fabs(v);
    if (std::isnan(a)) return kNaN;
    m = std::max(m, a);
  }
  return m;
}

double abs_energy(const Series& s) {
  const auto x = s.values();
  return detail::netlib_dot(x.data(), x.data(), x.size());
}

double variation_coefficient(const Series& s) {
  const double avg = s.mean();
  if (avg == 0) return kNaN;
  return s.std_dev() / avg;
}

double count_above_mean(const Series& s) {
  const double m = s.mean();
  std::size_t c = 0;
  for (double v : s.values()) c += v > m;
  return static_cast<double>(c);
}
double count_below_mean(const Series& s) {
  const double m = s.mean();
  std::size_t c = 0;
  for (double v : s.values()) c += v < m;
  return static_cast<double>(c);
}

template <bool kAbove>
double longest_strike(const Series& s) {
  if (s.empty()) return 0.0;
  const double m = s.mean();
  std::size_t best = 0, run = 0;
  for (double v : s.values()) {
    const bool in = kAbove ? v > m : v < m;
    run = in ? run + 1 : 0;
    best = std::max(best, run);
  }
  return static_cast<double>(best);
}

// np.argmax / np.argmin: first index of the extreme (first NaN if any).
std::size_t argext(std::span<const double> x, bool want_max) {
  std::size_t best = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) return i;
    if (want_max ? x[i] > x[best] : x[i] < x[best]) best = i;
  }
  return best;
}
std::size_t argext_last(std::span<const double> x, bool want_max) {
  // np.argmax(x[::-1]) -> index from the end of the last occurrence.
  std::size_t best = x.size() - 1;
  for (std::size_t k = x.size(); k-- > 0;) {
    if (std::isnan(x[k])) return k;
    if (want_max ? x[k] > x[best] : x[k] < x[best]) best = k;
  }
  return best;
}

double first_location_of_maximum(const Series& s) {
  if (s.empty()) return kNaN;
  return static_cast<double>(argext(s.values(), true)) / static_cast<double>(s.size());
}
double first_location_of_minimum(const Series& s) {
  if (s.empty()) return kNaN;
  return static_cast<double>(argext(s.values(), false)) / static_cast<double>(s.size());
}
double last_location_of_maximum(const Series& s) {
  if (s.empty()) return kNaN;
  const std::size_t rev = s.size() - 1 - argext_last(s.values(), true);
  return 1.0 - static_cast<double>(rev) / static_cast<double>(s.size());
}
double last_location_of_minimum(const Series& s) {
  if (s.empty()) return kNaN;
  const std::size_t rev = s.size() - 1 - argext_last(s.values(), false);
  return 1.0 - static_cast<double>(rev) / static_cast<double>(s.size());
}

double has_duplicate_max(const Series& s) {
  const double m = s.max();
  std::size_t c = 0;
  for (double v : s.values()) c += v == m;
  return c >= 2 ? 1.0 : 0.0;
}
double has_duplicate_min(const Series& s) {
  const double m = s.min();
  std::size_t c = 0;
  for (double v : s.values()) c += v == m;
  return c >= 2 ? 1.0 : 0.0;
}
double has_duplicate(const Series& s) { return s.size() != s.distinct().size() ? 1.0 : 0.0; }

double percentage_of_reoccurring_values_to_all_values(const Series& s) {
  if (s.empty()) return kNaN;
  const auto counts = s.distinct_counts();
  std::size_t re = 0;
  for (auto c : counts) re += c > 1;
  return static_cast<double>(re) / static_cast<double>(counts.size());
}
double percentage_of_reoccurring_datapoints_to_all_datapoints(const Series& s) {
  if (s.empty()) return kNaN;
  std::size_t re = 0;
  const auto counts = s.distinct_counts();
  const auto values = s.distinct();
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i] > 1 && !std::isnan(values[i])) re += counts[i];  // value_counts drops NaN
  return static_cast<double>(re) / static_cast<double>(s.size());
}
// np.sum(counts * unique) with counts zeroed below 2 (and set to 1 for the values version):
// built as numpy builds it (0 * inf = nan included) and summed pairwise.
template <bool kDataPoints>
double sum_of_reoccurring(const Series& s) {
  const auto counts = s.distinct_counts();
  const auto values = s.distinct();
  auto& terms = s.scratch(0);
  terms.resize(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double c = counts[i] < 2 ? 0.0 : (kDataPoints ? static_cast<double>(counts[i]) : 1.0);
    terms[i] = c * values[i];
  }
  return pairwise_sum(terms);
}
double ratio_value_number_to_time_series_length(const Series& s) {
  if (s.empty()) return kNaN;
  return static_cast<double>(s.distinct().size()) / static_cast<double>(s.size());
}

double benford_correlation(const Series& s) {
  const auto x = s.values();
  if (x.empty()) return kNaN;
  std::size_t counts[10] = {};
  for (double v : x) {
    double a = v;
    if (std::isnan(a))
      a = 0.0;  // np.nan_to_num
    else if (std::isinf(a))
      a = a > 0 ? std::numeric_limits<double>::max() : -std::numeric_limits<double>::max();
    ++counts[detail::first_digit(std::fabs(a))];
  }
  // np.corrcoef of the Benford distribution and the observed first-digit frequencies.
  double b[9], d[9];
  for (int k = 1; k <= 9; ++k) {
    b[k - 1] = std::log10(1.0 + 1.0 / k);
    d[k - 1] = static_cast<double>(counts[k]) / static_cast<double>(x.size());
  }
  double mb = 0, md = 0;
  for (int k = 0; k < 9; ++k) mb += b[k], md += d[k];
  mb /= 9;
  md /= 9;
  double sbd = 0, sbb = 0, sdd = 0;
  for (int k = 0; k < 9; ++k) {
    sbd += (b[k] - mb) * (d[k] - md);
    sbb += (b[k] - mb) * (b[k] - mb);
    sdd += (d[k] - md) * (d[k] - md);
  }
  const double c = (sbd / 8) / (std::sqrt(sbb / 8) * std::sqrt(sdd / 8));
  if (std::isnan(c)) return kNaN;
  return std::clamp(c, -1.0, 1.0);
}

// ---- parameterised ----

struct RParam {
  double r;
};
RParam parse_r(const Params& p, const std::string& n) { return {param_double(p, "r", n)}; }

Json r_grid(int from, int to) {
  Json g = Json::array();
  for (int k = from; k <= to; ++k) g.push_back({{"r", k * 0.05}});
  return g;
}

double quantile_of(const Series& s, double q) { return s.quantile(q); }

struct Range {
  double min, max;
};

struct MaxBins {
  long long bins;
};

// np.histogram(x, bins) counts for equal-width bins, as numpy 1.24 computes the bin indices.
double binned_entropy(const Series& s, long long max_bins) {
  const auto x = s.values();
  if (x.empty()) return kNaN;  // numpy: range 0..1, all bins empty, 0/0
  if (s.has_nan()) return kNaN;
  double first = s.min(), last = s.max();
  if (!std::isfinite(first) || !std::isfinite(last)) {
    s.warn("binned_entropy: autodetected range of [" + std::to_string(first) + ", " +
           std::to_string(last) + "] is not finite (tsfresh raises)");
    return kNaN;
  }
  if (first == last) {
    first -= 0.5;
    last += 0.5;
  }
  const std::size_t nb = static_cast<std::size_t>(max_bins);
  // np.linspace(first, last, nb + 1)
  auto& edges = s.scratch(0);
  edges.resize(nb + 1);
  const double delta = last - first;
  const double step = delta / static_cast<double>(nb);
  for (std::size_t i = 0; i <= nb; ++i) {
    double y = static_cast<double>(i);
    if (step == 0)
      y = y / static_cast<double>(nb) * delta;
    else
      y = y * step;
    edges[i] = y + first;
  }
  edges[nb] = last;
  auto& hist = s.scratch(1);
  hist.assign(nb, 0.0);
  const double norm = static_cast<double>(nb) / (last - first);
  for (double v : x) {
    const double f = (v - first) * norm;
    std::ptrdiff_t idx = static_cast<std::ptrdiff_t>(f);
    if (idx == static_cast<std::ptrdiff_t>(nb)) --idx;
    if (v < edges[static_cast<std::size_t>(idx)]) --idx;
    if (idx != static_cast<std::ptrdiff_t>(nb) - 1 && v >= edges[static_cast<std::size_t>(idx) + 1])
      ++idx;
    hist[static_cast<std::size_t>(idx)] += 1.0;
  }
  const double n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < nb; ++i) {
    double p = hist[i] / n;
    if (p == 0) p = 1.0;
    hist[i] = p * std::log(p);
  }
  return -pairwise_sum(hist);
}

}  // namespace

void register_statistics_calculators() {
  register_calculator(make_simple(
      "sum_values", [](const Series& s) { return s.empty() ? 0.0 : s.sum(); }, {.minimal = true}));
  register_calculator(
      make_simple("median", [](const Series& s) { return s.median(); }, {.minimal = true}));
  register_calculator(
      make_simple("mean", [](const Series& s) { return s.mean(); }, {.minimal = true}));
  register_calculator(make_simple(
      "length", [](const Series& s) { return static_cast<double>(s.size()); }, {.minimal = true}));
  register_calculator(make_simple("standard_deviation", [](const Series& s) { return s.std_dev(); },
                                  {.minimal = true}));
  register_calculator(
      make_simple("variance", [](const Series& s) { return s.variance(); }, {.minimal = true}));
  register_calculator(make_simple("root_mean_square", root_mean_square, {.minimal = true}));
  register_calculator(
      make_simple("maximum", [](const Series& s) { return s.max(); }, {.minimal = true}));
  register_calculator(
      make_simple("minimum", [](const Series& s) { return s.min(); }, {.minimal = true}));
  register_calculator(make_simple("absolute_maximum", absolute_maximum, {.minimal = true}));
  register_calculator(make_simple("abs_energy", abs_energy));
  register_calculator(make_simple("variance_larger_than_standard_deviation", [](const Series& s) {
    const double v = s.variance();
    return v > std::sqrt(v) ? 1.0 : 0.0;
  }));
  register_calculator(make_simple("variation_coefficient", variation_coefficient));
  register_calculator(make_simple("skewness", skewness));
  register_calculator(make_simple("kurtosis", kurtosis));
  register_calculator(make_simple("count_above_mean", count_above_mean));
  register_calculator(make_simple("count_below_mean", count_below_mean));
  register_calculator(make_simple("longest_strike_above_mean", longest_strike<true>));
  register_calculator(make_simple("longest_strike_below_mean", longest_strike<false>));
  register_calculator(make_simple("first_location_of_maximum", first_location_of_maximum));
  register_calculator(make_simple("first_location_of_minimum", first_location_of_minimum));
  register_calculator(make_simple("last_location_of_maximum", last_location_of_maximum));
  register_calculator(make_simple("last_location_of_minimum", last_location_of_minimum));
  register_calculator(make_simple("has_duplicate_max", has_duplicate_max));
  register_calculator(make_simple("has_duplicate_min", has_duplicate_min));
  register_calculator(make_simple("has_duplicate", has_duplicate));
  register_calculator(make_simple("percentage_of_reoccurring_values_to_all_values",
                                  percentage_of_reoccurring_values_to_all_values));
  register_calculator(make_simple("percentage_of_reoccurring_datapoints_to_all_datapoints",
                                  percentage_of_reoccurring_datapoints_to_all_datapoints));
  register_calculator(make_simple("sum_of_reoccurring_values", sum_of_reoccurring<false>));
  register_calculator(make_simple("sum_of_reoccurring_data_points", sum_of_reoccurring<true>));
  register_calculator(make_simple("ratio_value_number_to_time_series_length",
                                  ratio_value_number_to_time_series_length));
  register_calculator(make_simple("benford_correlation", benford_correlation));

  // ratio_beyond_r_sigma: #{|x - mean| > r * std} / n
  {
    Json g = Json::array();
    for (Json r : {Json(0.5), Json(1), Json(1.5), Json(2), Json(2.5), Json(3), Json(5), Json(6),
                   Json(7), Json(10)})
      g.push_back({{"r", r}});
    register_calculator(make_param<RParam>(
        "ratio_beyond_r_sigma", g, parse_r, [](const Series& s, const RParam& p) {
          if (s.empty()) return kNaN;
          const double m = s.mean();
          const double lim = p.r * s.std_dev();
          std::size_t c = 0;
          for (double v : s.values()) c += std::fabs(v - m) > lim;
          return static_cast<double>(c) / static_cast<double>(s.size());
        }));
  }
  register_calculator(make_param<RParam>(
      "large_standard_deviation", r_grid(1, 19), parse_r, [](const Series& s, const RParam& p) {
        if (s.empty()) return kNaN;
        return s.std_dev() > p.r * (s.max() - s.min()) ? 1.0 : 0.0;
      }));
  register_calculator(
      make_combiner<RParam>("symmetry_looking", r_grid(0, 19), parse_r,
                            [](const Series& s, std::span<const RParam> ps, std::span<double> out) {
                              const double mmd = std::fabs(s.mean() - s.median());
                              const double range = s.max() - s.min();
                              for (std::size_t k = 0; k < ps.size(); ++k) {
                                out[k] = s.empty() ? kNaN : (mmd < ps[k].r * range ? 1.0 : 0.0);
                              }
                            }));
  {
    struct Q {
      double q;
    };
    Json g = Json::array();
    for (double q : {0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9}) g.push_back({{"q", q}});
    register_calculator(make_param<Q>(
        "quantile", g,
        [](const Params& p, const std::string& n) { return Q{param_double(p, "q", n)}; },
        [](const Series& s, const Q& q) { return quantile_of(s, q.q); }));
  }
  {
    struct K {
      long long k;
    };
    register_calculator(make_param<K>(
        "mean_n_absolute_max", Json::array({{{"number_of_maxima", 7}}}),
        [](const Params& p, const std::string& n) {
          const long long k = param_int(p, "number_of_maxima", n);
          if (k <= 0)
            throw Error(Errc::kInvalidArgument, "calculator '" + n +
                                                    "': parameter 'number_of_maxima' must be "
                                                    "greater than 0, got " +
                                                    std::to_string(k));
          return K{k};
        },
        [](const Series& s, const K& p) {
          const std::size_t k = static_cast<std::size_t>(p.k);
          if (s.size() <= k) return kNaN;
          auto& a = s.scratch(0);
          a.resize(s.size());
          const auto x = s.values();
          for (std::size_t i = 0; i < x.size(); ++i) a[i] = std::fabs(x[i]);
          // np.sort(|x|)[-k:], then np.mean over the k largest in ascending order.
          std::nth_element(a.begin(), a.end() - static_cast<std::ptrdiff_t>(k), a.end());
          std::sort(a.end() - static_cast<std::ptrdiff_t>(k), a.end());
          return pairwise_sum(std::span<const double>(a).last(k)) / static_cast<double>(k);
        }));
  }
  {
    struct T {
      double t;
    };
    auto parse_t = [](const Params& p, const std::string& n) { return T{param_double(p, "t", n)}; };
    register_calculator(make_param<T>(
        "count_above", Json::array({{{"t", 0}}}), parse_t, [](const Series& s, const T& p) {
          std::size_t c = 0;
          for (double v : s.values()) c += v >= p.t;
          return static_cast<double>(c) / static_cast<double>(s.size());
        }));
    register_calculator(make_param<T>(
        "count_below", Json::array({{{"t", 0}}}), parse_t, [](const Series& s, const T& p) {
          std::size_t c = 0;
          for (double v : s.values()) c += v <= p.t;
          return static_cast<double>(c) / static_cast<double>(s.size());
        }));
  }
  register_calculator(make_param<Range>(
      "range_count",
      Json::array(
          {{{"min", -1}, {"max", 1}}, {{"min", -1e12}, {"max", 0}}, {{"min", 0}, {"max", 1e12}}}),
      [](const Params& p, const std::string& n) {
        return Range{param_double(p, "min", n), param_double(p, "max", n)};
      },
      [](const Series& s, const Range& r) {
        std::size_t c = 0;
        for (double v : s.values()) c += (v >= r.min) & (v < r.max);
        return static_cast<double>(c);
      }));
  {
    struct V {
      double value;
    };
    register_calculator(make_param<V>(
        "value_count", Json::array({{{"value", 0}}, {{"value", 1}}, {{"value", -1}}}),
        [](const Params& p, const std::string& n) { return V{param_double(p, "value", n)}; },
        [](const Series& s, const V& p) {
          std::size_t c = 0;
          if (std::isnan(p.value)) {
            for (double v : s.values()) c += std::isnan(v);
          } else {
            for (double v : s.values()) c += v == p.value;
          }
          return static_cast<double>(c);
        }));
  }
  register_calculator(make_param<MaxBins>(
      "binned_entropy", Json::array({{{"max_bins", 10}}}),
      [](const Params& p, const std::string& n) {
        const long long b = param_int(p, "max_bins", n);
        if (b <= 0)
          throw Error(Errc::kInvalidArgument,
                      "calculator '" + n + "': parameter 'max_bins' must be positive");
        return MaxBins{b};
      },
      [](const Series& s, const MaxBins& p) { return binned_entropy(s, p.bins); }));
}

}  // namespace freshet::fresh
