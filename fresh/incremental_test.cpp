// Sliding-window updates: over random series and window sizes, every incremental value equals the
// registered calculator's from-scratch value on the same window, within the documented tolerance
// (bit for bit for the exact ones), across re-anchoring, steps of several points and non-finite
// values.
#include "fresh/incremental.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "core/csv.hpp"
#include "fresh/calculator.hpp"
#include "fresh/roll.hpp"
#include "fresh/series.hpp"
#include "mproc/executor.hpp"

using namespace freshet;
using namespace freshet::fresh;

namespace {

using Json = nlohmann::json;

// Every incremental calculator, with several parameter sets where it takes them (cid_ce only with
// normalize=false: normalize=true has no sliding form and stays with the registered calculator).
FcParameters all_incremental() {
  FcParameters p;
  for (const auto name : incremental_calculator_names()) p[std::string(name)] = nullptr;
  p["quantile"] = Json::array({{{"q", 0.1}}, {{"q", 0.5}}, {{"q", 0.9}}, {{"q", 0.0}}});
  p["count_above"] = Json::array({{{"t", 0}}, {{"t", 1.5}}});
  p["count_below"] = Json::array({{{"t", 0}}, {{"t", -0.5}}});
  p["autocorrelation"] = Json::array({{{"lag", 0}}, {{"lag", 1}}, {{"lag", 3}}, {{"lag", 7}}});
  p["c3"] = Json::array({{{"lag", 1}}, {{"lag", 2}}});
  p["time_reversal_asymmetry_statistic"] = Json::array({{{"lag", 1}}, {{"lag", 3}}});
  p["cid_ce"] = Json::array({{{"normalize", false}}});
  p["fft_coefficient"] = Json::array();
  for (int k : {0, 1, 2, 5, 13, 29, 30})
    for (const char* attr : {"real", "imag", "abs", "angle"})
      p["fft_coefficient"].push_back({{"coeff", k}, {"attr", attr}});
  return p;
}

// "v__c3__lag_1" -> "c3".
std::string calculator_of(const std::string& name) {
  const std::size_t b = name.find("__") + 2, e = name.find("__", b);
  return name.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

bool exact_kind(const std::string& name) {
  const std::string c = calculator_of(name);
  for (const char* e :
       {"length", "minimum", "maximum", "absolute_maximum", "median", "quantile", "count_above",
        "count_below", "mean_change", "mean_second_derivative_central"})
    if (c == e) return true;
  return false;
}

// The from-scratch values, in SlidingFeatures' order.
std::vector<double> scratch(const FcParameters& params, std::span<const double> window) {
  Series s(window);
  std::vector<double> out;
  for (const auto& [name, value] : params) {
    const Calculator* calc = find_calculator(name);
    std::vector<Params> sets;
    if (calc->parameterless)
      sets = {Params(nullptr)};
    else
      for (const auto& p : value) sets.push_back(p);
    std::vector<double> o(sets.size());
    calc->prepare(sets)(s, o);
    out.insert(out.end(), o.begin(), o.end());
  }
  return out;
}

long long lag_of(const std::string& name) {
  const std::size_t at = name.find("__lag_");
  return at == std::string::npos ? 0 : std::stoll(name.substr(at + 6));
}

// For the features of the deviations from the window's mean (skewness, kurtosis,
// autocorrelation): sum_j |df/dx_j| |x_j| + |df/dc| |mean|, how far the value moves when every
// point moves by one part of itself and when the centre c the deviations are taken from (the
// mean) moves by one part of itself. That is what two correct roundings may disagree by: the
// registered calculators (pandas' and numpy's two-pass formulas) round the mean to ~1e-16 |mean|,
// which shifts every deviation and matters when the window's offset is large against its spread
// (offset 1e6, spread 0.02: the from-scratch skewness is off by ~1e-8 relative, the sliding one
// is closer to the exact value).
double condition_scale(const std::string& c, std::size_t l, std::span<const double> w) {
  const std::size_t n = w.size();
  const long double dn = static_cast<long double>(n);
  long double mean = 0;
  for (double x : w) mean += x;
  mean /= dn;
  std::vector<long double> d(n);
  long double m2 = 0, m3 = 0, m4 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    d[i] = w[i] - mean;
    m2 += d[i] * d[i], m3 += d[i] * d[i] * d[i], m4 += d[i] * d[i] * d[i] * d[i];
  }
  long double total = 0;
  if (c == "skewness") {
    const long double a = dn * std::sqrt(dn - 1) / (dn - 2);
    for (std::size_t i = 0; i < n; ++i) {
      const long double dm3 = 3 * d[i] * d[i] - 3 * m2 / dn, dm2 = 2 * d[i];
      const long double g = a * (dm3 / std::pow(m2, 1.5L) - 1.5L * m3 * dm2 / std::pow(m2, 2.5L));
      total += std::fabs(g) * std::fabs(static_cast<long double>(w[i]));
    }
    total += 3 * a / std::sqrt(m2) * std::fabs(mean);  // d m3 / dc = -3 m2
  } else if (c == "kurtosis") {
    const long double a = dn * (dn + 1) * (dn - 1) / ((dn - 2) * (dn - 3));
    for (std::size_t i = 0; i < n; ++i) {
      const long double dm4 = 4 * d[i] * d[i] * d[i] - 4 * m3 / dn, dm2 = 2 * d[i];
      const long double g = a * (dm4 / (m2 * m2) - 2 * m4 * dm2 / (m2 * m2 * m2));
      total += std::fabs(g) * std::fabs(static_cast<long double>(w[i]));
    }
    total += a * 4 * std::fabs(m3) / (m2 * m2) * std::fabs(mean);  // d m4 / dc = -4 m3
  } else {  // autocorrelation: r = P n / ((n - l) m2), P = sum_{i < n-l} d_i d_{i+l}
    long double pr = 0, ends = 0;
    for (std::size_t i = 0; i + l < n; ++i) pr += d[i] * d[i + l], ends += d[i] + d[i + l];
    const long double a = dn / static_cast<long double>(n - l);
    for (std::size_t j = 0; j < n; ++j) {
      long double dp = -ends / dn;
      if (j + l < n) dp += d[j + l];
      if (j >= l) dp += d[j - l];
      const long double g = a * (dp / m2 - pr * 2 * d[j] / (m2 * m2));
      total += std::fabs(g) * std::fabs(static_cast<long double>(w[j]));
    }
    total += a * std::fabs(ends) / m2 * std::fabs(mean);  // d P / dc = -(sum of both ends)
  }
  return static_cast<double>(total);
}

// Natural scale of a feature's rounding error (see incremental.hpp): the value the feature would
// have if none of its terms cancelled.
double scale_of(const std::string& name, std::span<const double> w) {
  const std::size_t n = w.size();
  const double dn = static_cast<double>(n);
  double abs_sum = 0, sq_sum = 0, mean = 0;
  for (double x : w) abs_sum += std::fabs(x), sq_sum += x * x, mean += x;
  mean /= dn;
  double m2 = 0, a3 = 0, m4 = 0, abs_diff = 0, sq_diff = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = w[i] - mean;
    m2 += d * d, a3 += std::fabs(d * d * d), m4 += d * d * d * d;
    if (i > 0)
      abs_diff += std::fabs(w[i] - w[i - 1]), sq_diff += (w[i] - w[i - 1]) * (w[i] - w[i - 1]);
  }
  const std::string c = calculator_of(name);
  const auto l = static_cast<std::size_t>(lag_of(name));
  if (c == "sum_values") return abs_sum;
  if (c == "mean") return abs_sum / dn;
  if (c == "abs_energy") return sq_sum;
  if (c == "standard_deviation" || c == "root_mean_square") return std::sqrt(sq_sum / dn);
  if (c == "variance") return sq_sum / dn;
  // The deviations' features: the value without cancellation, and the change when the points
  // move by one part of themselves (see condition_scale).
  if (c == "skewness")
    return dn * std::sqrt(dn - 1) / (dn - 2) * a3 / std::pow(m2, 1.5) + condition_scale(c, l, w);
  if (c == "kurtosis")
    return dn * (dn + 1) * (dn - 1) * m4 / ((dn - 2) * (dn - 3) * m2 * m2) +
           condition_scale(c, l, w);
  if (c == "autocorrelation") {
    double t = 0;
    for (std::size_t i = 0; i + l < n; ++i) t += std::fabs((w[i] - mean) * (w[i + l] - mean));
    return t / (static_cast<double>(n - l) * m2 / dn) + condition_scale(c, l, w);
  }
  if (c == "absolute_sum_of_changes") return abs_diff;
  if (c == "mean_abs_change") return abs_diff / (dn - 1);
  if (c == "cid_ce") return std::sqrt(sq_diff);
  if (c == "fft_coefficient") {
    // real, imag, abs: sum |x|, the DFT's natural scale. angle: the angle of a coefficient known
    // to within e is known to within e / |X_k| radians, so its scale is sum |x| / |X_k| (in
    // degrees).
    if (name.find("angle") == std::string::npos) return abs_sum;
    const std::size_t at = name.find("__coeff_") + 8;
    const auto k = static_cast<long double>(std::stoll(name.substr(at)));
    long double re = 0, im = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const long double phase = -2 * 3.14159265358979323846264338327950288L * k *
                                static_cast<long double>(j) / static_cast<long double>(n);
      re += w[j] * std::cos(phase), im += w[j] * std::sin(phase);
    }
    return 180 / std::numbers::pi * abs_sum / static_cast<double>(std::hypot(re, im));
  }
  double t = 0;  // c3, time_reversal_asymmetry_statistic
  for (std::size_t i = 0; i + 2 * l < n; ++i) {
    const double a = w[i], b = w[i + l], z = w[i + 2 * l];
    t += c == "c3" ? std::fabs(z * b * a) : std::fabs(z * z * b) + std::fabs(b * a * a);
  }
  return t / static_cast<double>(n - 2 * l);
}

// A random series of one of several shapes: noise around an offset (up to 1e6), rounded noise
// (ties), piecewise-constant levels with jumps (constant windows, level shifts that leave the
// sums' anchor far from the window), noise of spread 1e-9..1e-7 (moments near pandas' zero cut),
// a trend; sometimes with inf or NaN.
std::vector<double> random_series(std::mt19937_64& rng, int trial, std::size_t len) {
  auto uniform = [&](double a, double b) {
    return std::uniform_real_distribution<double>(a, b)(rng);
  };
  const double offsets[] = {0.0, 0.0, uniform(-1e3, 1e3), 1e6};
  const double offset = offsets[rng() % 4];
  const double spread = std::pow(10.0, uniform(-3, 3));
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> x(len);
  double level = offset;
  for (std::size_t i = 0; i < len; ++i) {
    switch (trial % 5) {
      case 0:
        x[i] = offset + spread * noise(rng);
        break;
      case 1:
        x[i] = std::round(offset + spread * noise(rng));
        break;
      case 2:
        if (rng() % 23 == 0) level = offset + spread * 1e3 * noise(rng);
        x[i] = level + (rng() % 3 == 0 ? spread * 1e-3 * noise(rng) : 0.0);
        break;
      case 3:
        x[i] = offset + uniform(1e-9, 1e-7) * noise(rng);
        break;
      default:
        x[i] = offset + spread * (0.05 * static_cast<double>(i) + noise(rng));
        break;
    }
  }
  if (trial % 7 == 3 && len > 5) x[len / 2] = std::numeric_limits<double>::infinity();
  if (trial % 11 == 4 && len > 5) x[len / 3] = std::numeric_limits<double>::quiet_NaN();
  return x;
}

}  // namespace

TEST_CASE("incremental: property: random series, windows and steps equal the from-scratch values") {
  const FcParameters params = all_incremental();
  std::size_t expected_width = 0;
  for (const auto& [name, value] : params) expected_width += value.is_array() ? value.size() : 1;
  std::mt19937_64 rng(20261202);
  std::size_t compared = 0, bitwise = 0;
  double worst = 0, worst_scaled = 0;
  std::string worst_name, worst_scaled_name;
  for (int trial = 0; trial < 150; ++trial) {
    const std::size_t len = 1 + rng() % 400;
    const std::size_t w = 1 + rng() % 60;
    const std::size_t step = 1 + rng() % 4;
    const std::vector<double> x = random_series(rng, trial, len);

    // Half the trials slide fft_coefficient wherever possible, half by the cost rule (which
    // recomputes it for small windows and coefficient sets like these).
    SlidingFeatures sf(params, "v", {.fft_cost_rule = trial % 2 == 1});
    REQUIRE(sf.width() == expected_width);
    std::vector<double> got(sf.width());
    std::size_t in = 0;
    for (std::size_t end = std::min(w, len); end <= len; end += step) {
      while (in < end) sf.push(x[in++]);
      while (sf.size() > w) sf.pop();
      const std::span<const double> window(x.data() + (end - sf.size()), sf.size());
      sf.values(window, got);
      const std::vector<double> want = scratch(params, window);
      bool has_nan = false;
      for (double v : window) has_nan |= std::isnan(v);
      for (std::size_t i = 0; i < got.size(); ++i) {
        const std::string& name = sf.names()[i];
        ++compared;
        if (has_nan) {  // extract's rule: a window holding NaN has every feature NaN
          CHECK(std::isnan(got[i]));
          continue;
        }
        INFO(name << " window " << end << " of " << len << " (w " << w << ", trial " << trial
                  << "): " << got[i] << " vs " << want[i]);
        if (std::isnan(want[i]) || std::isinf(want[i]) || exact_kind(name)) {
          CHECK((got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i]))));
          ++bitwise;
          continue;
        }
        const double err = std::fabs(got[i] - want[i]);
        const double scale = scale_of(name, window);
        const double tol = 1e-9 * std::fabs(want[i]) + 1e-13 * scale;
        // Relative errors of values that cancel to ~0 say nothing: those of values at least 1e-3
        // of their scale are reported.
        if (std::fabs(want[i]) >= 1e-3 * scale && err / std::fabs(want[i]) > worst)
          worst = err / std::fabs(want[i]), worst_name = name;
        if (scale > 0 && err / scale > worst_scaled)
          worst_scaled = err / scale, worst_scaled_name = name;
        INFO("error " << err << ", tolerance " << tol);
        CHECK((err == 0 || err <= tol));
      }
    }
  }
  CHECK(compared > 50000);
  CHECK(bitwise > compared / 4);
  MESSAGE("over " << compared << " values: worst relative error " << worst << " (" << worst_name
                  << "; values >= 1e-3 scale), worst error / scale " << worst_scaled << " ("
                  << worst_scaled_name << ")");
}

TEST_CASE(
    "incremental: splitting settings, names are extract's, non-incremental calculators ignored") {
  FcParameters p;
  p["mean"] = nullptr;
  p["longest_strike_above_mean"] = nullptr;
  p["count_above"] = Json::array({{{"t", 0}}, {{"t", 0}}});  // a duplicate is computed once
  // normalize=true divides by each window's deviation: no sliding form, so it stays with the
  // registered calculator while normalize=false slides.
  p["cid_ce"] = Json::array({{{"normalize", true}}, {{"normalize", false}}});
  Settings s;
  s.all_kinds = p;
  s.per_kind["y"]["cid_ce"] = Json::array({{{"normalize", true}}});
  const SplitSettings split = split_incremental(s);
  CHECK(split.incremental.all_kinds.size() == 3);
  CHECK(split.rest.all_kinds.size() == 2);
  CHECK(split.rest.all_kinds.count("longest_strike_above_mean") == 1);
  CHECK(split.rest.all_kinds.at("cid_ce") == Json::array({{{"normalize", true}}}));
  CHECK(split.incremental.all_kinds.at("cid_ce") == Json::array({{{"normalize", false}}}));
  CHECK(split.incremental.per_kind.at("y").count("cid_ce") == 0);
  CHECK(split.rest.per_kind.at("y").at("cid_ce") == Json::array({{{"normalize", true}}}));
  SlidingFeatures sf(p, "x");
  CHECK(sf.names() ==
        std::vector<std::string>{"x__cid_ce__normalize_False", "x__count_above__t_0", "x__mean"});
  CHECK(has_incremental_form("median"));
  CHECK(has_incremental_form("skewness"));
  CHECK(has_incremental_form("autocorrelation"));
  CHECK_FALSE(has_incremental_form("longest_strike_above_mean"));
}

TEST_CASE("incremental: a long series at a large offset stays within the tolerance") {
  // 200,000 points at offset 1e6 through a window of 50, values() on every window (so the sums
  // slide between re-anchorings, as in a roll): every 9,973rd window and the last equal the
  // from-scratch values within the tolerance. (The compensated sums alone keep this: with the
  // periodic re-anchoring switched off this test still passes; the re-anchoring bounds the error
  // for any input rather than fixing a drift seen here.)
  FcParameters p;
  for (const char* name : {"variance", "mean", "skewness", "kurtosis", "abs_energy"})
    p[name] = nullptr;
  p["autocorrelation"] = Json::array({{{"lag", 2}}});
  p["c3"] = Json::array({{{"lag", 1}}});
  p["cid_ce"] = Json::array({{{"normalize", false}}});
  p["fft_coefficient"] = Json::array({{{"coeff", 3}, {"attr", "real"}},
                                      {{"coeff", 3}, {"attr", "abs"}},
                                      {{"coeff", 7}, {"attr", "angle"}}});
  SlidingFeatures sf(p, "v", {.fft_cost_rule = false});
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(1e6, 1.0);
  std::vector<double> x(200000);
  for (auto& v : x) v = noise(rng);
  std::vector<double> got(sf.width());
  std::size_t checked = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sf.push(x[i]);
    if (sf.size() > 50) sf.pop();
    const std::span<const double> window(x.data() + i + 1 - sf.size(), sf.size());
    sf.values(window, got);
    if (i + 1 < 50 || (i % 9973 != 0 && i + 1 != x.size())) continue;
    const auto want = scratch(p, window);
    for (std::size_t f = 0; f < got.size(); ++f) {
      const std::string& name = sf.names()[f];
      INFO(name << " window ending at " << i << ": " << got[f] << " vs " << want[f]);
      CHECK(std::fabs(got[f] - want[f]) <=
            1e-9 * std::fabs(want[f]) + 1e-13 * scale_of(name, window));
      ++checked;
    }
  }
  CHECK(checked == 21 * sf.width());
}

TEST_CASE("incremental: extract --roll --incremental gives extract --roll's table") {
  // Three series (one with inf, one with NaN) of two kinds, windows of at most 7 points.
  std::mt19937_64 rng(9);
  std::normal_distribution<double> noise(3.0, 2.0);
  std::string csv = "id,time,kind,value\n";
  for (int id = 0; id < 3; ++id)
    for (int t = 0; t < 40; ++t)
      for (const char* kind : {"a", "b"}) {
        double v = noise(rng);
        if (id == 1 && t == 20 && kind[0] == 'a') v = std::numeric_limits<double>::infinity();
        if (id == 2 && t == 5 && kind[0] == 'b') v = std::numeric_limits<double>::quiet_NaN();
        csv += std::to_string(id) + "," + std::to_string(t) + "," + kind + "," +
               (std::isnan(v)   ? std::string("nan")
                : std::isinf(v) ? "inf"
                                : std::to_string(v)) +
               "\n";
      }
  ReadCsvOptions read;
  read.types["kind"] = ColumnType::kString;
  const SeriesSet data =
      series_from_table(parse_csv(csv, "t.csv", read), {.keep_sort_keys = true}, "t.csv");
  Settings settings = preset_settings("minimal");
  settings.all_kinds["quantile"] = Json::array({{{"q", 0.3}}});
  settings.all_kinds["count_above"] = Json::array({{{"t", 3}}});
  // Every other incremental calculator too (cid_ce with both normalisations: one slides, one is
  // recomputed, and their columns must interleave as extract's), with efficient's parameters.
  const Settings efficient = preset_settings("efficient");
  for (const auto name : incremental_calculator_names())
    if (!settings.all_kinds.count(std::string(name)))
      settings.all_kinds[std::string(name)] = efficient.all_kinds.at(std::string(name));
  auto ex = mproc::make_executor({.workers = 2});
  for (const std::int64_t dir : {1, 3, -2}) {
    RollOptions roll{.max_timeshift = 6, .rolling_direction = dir};
    const Table plain = extract_rolled(data, roll, settings, *ex).features;
    roll.incremental = true;
    const Table inc = extract_rolled(data, roll, settings, *ex).features;
    REQUIRE(inc.column_names() == plain.column_names());
    CHECK(inc.column(0) == plain.column(0));
    for (std::size_t c = 1; c < plain.num_columns(); ++c) {
      const auto a = inc.column(c).f64(), b = plain.column(c).f64();
      const std::string& name = plain.column(c).name();
      for (std::size_t r = 0; r < a.size(); ++r) {
        INFO(name << " row " << plain.column(0).as_string(r));
        if (exact_kind(name) || std::isnan(b[r]) || std::isinf(b[r]))
          CHECK((a[r] == b[r] || (std::isnan(a[r]) && std::isnan(b[r]))));
        else  // unit-scale data: every scale of incremental.hpp's tolerance is below ~100
          CHECK(std::fabs(a[r] - b[r]) <= 1e-9 * std::fabs(b[r]) + 1e-11);
      }
    }
  }
}
