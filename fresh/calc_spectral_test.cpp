// Golden tests of the spectral calculators (fft_coefficient, fft_aggregated, spkt_welch_density,
// fourier_entropy, cwt_coefficients, number_cwt_peaks) against tsfresh 0.21.2's outputs in
// shared/reference/tsfresh, plus unit checks of the FFT, Welch and CWT building blocks.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "fresh/calculator.hpp"
#include "fresh/cwt.hpp"
#include "fresh/names.hpp"
#include "fresh/series.hpp"
#include "fresh/spectral.hpp"

namespace freshet::fresh {
namespace {

const std::string kShared = FRESHET_SOURCE_DIR + "/../shared";
const std::vector<std::string> kSpectral = {"fft_coefficient",    "fft_aggregated",
                                            "spkt_welch_density", "fourier_entropy",
                                            "cwt_coefficients",   "number_cwt_peaks"};

// (id, kind) -> values in time order.
using SeriesMap = std::map<std::pair<std::string, std::string>, std::vector<double>>;

SeriesMap load_series(const std::string& path) {
  const Table t = read_csv(path, {.types = {{"id", ColumnType::kString},
                                            {"kind", ColumnType::kString},
                                            {"time", ColumnType::kFloat64},
                                            {"value", ColumnType::kFloat64}}});
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<double, double>>> rows;
  const auto id = t.column("id").str();
  const auto kind = t.column("kind").str();
  const auto time = t.column("time").f64();
  const auto value = t.column("value").f64();
  for (std::size_t r = 0; r < t.num_rows(); ++r)
    rows[{id[r], kind[r]}].emplace_back(time[r], value[r]);
  SeriesMap out;
  for (auto& [key, tv] : rows) {
    std::stable_sort(tv.begin(), tv.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    auto& v = out[key];
    for (const auto& p : tv) v.push_back(p.second);
  }
  return out;
}

double sum_abs(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += std::fabs(v);
  return s;
}

struct GoldenStats {
  std::size_t compared = 0, skipped_angle = 0, series = 0;
  double worst_rel = 0;  // largest |a-b| / max(|a|,|b|) among finite values
  std::string worst;
};

// Compares every value of the spectral calculators for every (id, kind) of the series file with
// the reference feature matrix: NaN/inf pattern exact, |a - b| <= 1e-9 max(|a|,|b|) + 1e-10,
// counts exact; fft angles (degrees, compared modulo 360) to 1e-7 absolute where
// |X_k| >= 1e-9 sum|x| (README exception: the angle of a tiny coefficient is ill-conditioned).
GoldenStats check_golden(const std::string& series_path, const std::string& features_path,
                         const std::vector<std::string>& only_ids = {}) {
  const SeriesMap series = load_series(series_path);
  const Table features = read_csv(features_path, {.types = {{"id", ColumnType::kString}}});
  const auto ids = features.column("id").str();
  std::map<std::string, std::size_t> row_of;
  for (std::size_t r = 0; r < ids.size(); ++r) row_of[ids[r]] = r;

  GoldenStats stats;
  std::vector<double> out;
  for (const std::string& name : kSpectral) {
    const Calculator* calc = find_calculator(name);
    REQUIRE_MESSAGE(calc != nullptr, name);
    const std::vector<Params> params(calc->comprehensive.begin(), calc->comprehensive.end());
    const ComputeFn fn = calc->prepare(params);
    out.assign(params.size(), 0.0);
    std::string kind_cached;
    std::vector<const Column*> cols;
    std::vector<std::string> names;
    for (const auto& [key, values] : series) {
      const auto& [id, kind] = key;
      if (!only_ids.empty() && std::find(only_ids.begin(), only_ids.end(), id) == only_ids.end())
        continue;
      auto row_it = row_of.find(id);
      if (row_it == row_of.end()) continue;  // ids tsfresh could not process
      if (kind != kind_cached || cols.empty()) {
        cols.clear();
        names.clear();
        for (const auto& p : params) {
          names.push_back(feature_name(kind, *calc, p));
          cols.push_back(&features.column(names.back()));
        }
        kind_cached = kind;
      }
      ++stats.series;
      Series s(values);
      fn(s, out);
      const double scale = sum_abs(values);
      for (std::size_t k = 0; k < params.size(); ++k) {
        const double a = out[k];
        const double b = cols[k]->as_double(row_it->second);
        const std::string& what = names[k];
        if (std::isnan(b) || std::isnan(a)) {
          CHECK_MESSAGE(std::isnan(a) == std::isnan(b), id, " ", what, " ours=", a, " tsfresh=", b);
          ++stats.compared;
          continue;
        }
        if (std::isinf(a) || std::isinf(b)) {
          CHECK_MESSAGE(a == b, id, " ", what, " ours=", a, " tsfresh=", b);
          ++stats.compared;
          continue;
        }
        const bool is_angle = name == "fft_coefficient" && params[k]["attr"] == "angle";
        if (is_angle) {
          const auto c = static_cast<std::size_t>(params[k]["coeff"].get<int>());
          // |X_c| from our own abs feature would be circular; recompute it independently.
          double re = 0, im = 0;
          for (std::size_t j = 0; j < values.size(); ++j) {
            const double ang = -2 * std::numbers::pi *
                               static_cast<double>((j * c) % values.size()) /
                               static_cast<double>(values.size());
            re += values[j] * std::cos(ang);
            im += values[j] * std::sin(ang);
          }
          if (std::hypot(re, im) < 1e-9 * scale) {
            ++stats.skipped_angle;
            continue;
          }
          double d = std::fabs(a - b);
          d = std::min(d, std::fabs(360 - d));
          CHECK_MESSAGE(d <= 1e-7, id, " ", what, " ours=", a, " tsfresh=", b);
          ++stats.compared;
          continue;
        }
        if (name == "number_cwt_peaks") {
          CHECK_MESSAGE(a == b, id, " ", what, " ours=", a, " tsfresh=", b);
        } else {
          const double m = std::max(std::fabs(a), std::fabs(b));
          CHECK_MESSAGE(std::fabs(a - b) <= 1e-9 * m + 1e-10, id, " ", what, " ours=", a,
                        " tsfresh=", b);
          if (m > 1e-3 && std::fabs(a - b) / m > stats.worst_rel) {
            stats.worst_rel = std::fabs(a - b) / m;
            stats.worst = id + " " + what;
          }
        }
        ++stats.compared;
      }
    }
  }
  MESSAGE(features_path.substr(features_path.rfind("tsfresh/")), ": ", stats.series,
          " (calculator, series) pairs, ", stats.compared, " values compared, ",
          stats.skipped_angle, " tiny-modulus angles skipped, worst relative difference ",
          stats.worst_rel, " (", stats.worst, ")");
  return stats;
}

std::string ref(const std::string& rel) { return kShared + "/reference/tsfresh/" + rel; }
std::string data(const std::string& rel) { return kShared + "/data/" + rel; }

}  // namespace

TEST_CASE("spectral calculators: registered with tsfresh's grids, flags and order") {
  const Calculator* fft = find_calculator("fft_coefficient");
  REQUIRE(fft != nullptr);
  REQUIRE(fft->comprehensive.size() == 400);
  CHECK(fft->comprehensive[0] == Params({{"attr", "real"}, {"coeff", 0}}));
  CHECK(fft->comprehensive[99] == Params({{"attr", "real"}, {"coeff", 99}}));
  CHECK(fft->comprehensive[100] == Params({{"attr", "imag"}, {"coeff", 0}}));
  CHECK(fft->comprehensive[399] == Params({{"attr", "angle"}, {"coeff", 99}}));
  const Calculator* cwt = find_calculator("cwt_coefficients");
  REQUIRE(cwt != nullptr);
  REQUIRE(cwt->comprehensive.size() == 60);
  CHECK(feature_name("value", *cwt, cwt->comprehensive[1]) ==
        "value__cwt_coefficients__coeff_0__w_5__widths_(2, 5, 10, 20)");
  CHECK(cwt->comprehensive[4]["coeff"] == 1);
  std::size_t total = 0;
  for (const auto& name : kSpectral) {
    const Calculator* c = find_calculator(name);
    REQUIRE_MESSAGE(c != nullptr, name);
    CHECK_FALSE(c->parameterless);
    CHECK_FALSE(c->minimal);
    CHECK_FALSE(c->high_comp_cost);
    total += c->comprehensive.size();
  }
  // tsfresh_calculators.csv: 400 + 4 + 3 + 5 + 60 + 2 features.
  CHECK(total == 474);
  CHECK(find_calculator("spkt_welch_density")->comprehensive ==
        Params::parse(R"([{"coeff":2},{"coeff":5},{"coeff":8}])"));
  CHECK(find_calculator("fourier_entropy")->comprehensive ==
        Params::parse(R"([{"bins":2},{"bins":3},{"bins":5},{"bins":10},{"bins":100}])"));
  CHECK(find_calculator("number_cwt_peaks")->comprehensive ==
        Params::parse(R"([{"n":1},{"n":5}])"));
  CHECK(find_calculator("fft_aggregated")->comprehensive ==
        Params::parse(R"([{"aggtype":"centroid"},{"aggtype":"variance"},{"aggtype":"skew"},
                          {"aggtype":"kurtosis"}])"));
}

TEST_CASE("spectral calculators: bad parameters are rejected in prepare") {
  auto rejects = [](const char* name, const char* params) {
    const Calculator* c = find_calculator(name);
    REQUIRE(c != nullptr);
    const Params p = Params::parse(params);
    CHECK_THROWS_AS(c->prepare({p}), Error);
  };
  rejects("fft_coefficient", R"({"coeff": -1, "attr": "real"})");
  rejects("fft_coefficient", R"({"coeff": 1, "attr": "phase"})");
  rejects("fft_aggregated", R"({"aggtype": "mean"})");
  rejects("fourier_entropy", R"({"bins": 0})");
  rejects("number_cwt_peaks", R"({"n": 0})");
  rejects("cwt_coefficients", R"({"widths": [2, 5], "coeff": 0, "w": 3})");
  rejects("cwt_coefficients", R"({"widths": [0, 5], "coeff": 0, "w": 5})");
  rejects("spkt_welch_density", R"({"coeff": 1.5})");
}

TEST_CASE("spectral golden: edge cases (lengths 1..1000, constants, ramp, alternating)") {
  const auto st =
      check_golden(ref("edge_cases/series.csv"), ref("edge_cases/features_comprehensive.csv"));
  CHECK(st.series == 12 * kSpectral.size());
}

TEST_CASE("spectral golden: the series with an inf, calculators run one by one") {
  const auto st =
      check_golden(ref("edge_cases/series.csv"),
                   ref("edge_cases/features_comprehensive_per_calculator.csv"), {"with_inf_10"});
  CHECK(st.series == kSpectral.size());
}

TEST_CASE("spectral golden: GunPoint (200 x 150)") {
  check_golden(data("GunPoint/series.csv"), ref("GunPoint/features_comprehensive.csv"));
}

TEST_CASE("spectral golden: PickupGestureWiimoteZ (unequal lengths 29..361, quantised)") {
  check_golden(data("PickupGestureWiimoteZ/series.csv"),
               ref("PickupGestureWiimoteZ/features_comprehensive.csv"));
}

TEST_CASE("spectral golden: JapaneseVowels (12 kinds, lengths 7..29)") {
  check_golden(ref("JapaneseVowels/series_subset.csv"),
               ref("JapaneseVowels/features_comprehensive.csv"));
}

TEST_CASE("spectral golden: RobotFailureLP1 (integer values, constants, length 15)") {
  check_golden(data("RobotFailureLP1/series.csv"),
               ref("RobotFailureLP1/features_comprehensive.csv"));
}

TEST_CASE("spectral golden: BasicMotions (6 kinds, length 100)") {
  check_golden(data("BasicMotions/series.csv"), ref("BasicMotions/features_comprehensive.csv"));
}

TEST_CASE("spectral golden: ItalyPowerDemand and ERing") {
  check_golden(ref("ItalyPowerDemand/series_subset.csv"),
               ref("ItalyPowerDemand/features_comprehensive.csv"));
  check_golden(ref("ERing/series_subset.csv"), ref("ERing/features_comprehensive.csv"));
}

TEST_CASE("spectral golden: PLAID (efficient settings, lengths 100..620)") {
  check_golden(ref("PLAID/series_subset.csv"), ref("PLAID/features_efficient.csv"));
}

TEST_CASE("spectral: rfft agrees with a long-double DFT for every code path") {
  // Direct DFT below 8 points, kissfft for small prime factors (<= 31), for larger ones the
  // table DFT up to 160 points (37, 74 = 2 * 37, 97, 101, 158 = 2 * 79) and Bluestein above
  // (163, 251, 1009, 2018 = 2 * 1009), powers of two and 19^2 (generic radix 19).
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal;
  std::vector<std::size_t> lengths;
  for (std::size_t n = 1; n <= 40; ++n) lengths.push_back(n);
  for (std::size_t n : {64, 74, 97, 101, 150, 158, 160, 163, 250, 251, 256, 361, 1000, 1009, 2018})
    lengths.push_back(n);
  std::vector<std::complex<double>> got;
  for (std::size_t n : lengths) {
    std::vector<double> x(n);
    double scale = 0;
    for (double& v : x) {
      v = normal(rng) * 100;
      scale += std::fabs(v);
    }
    spectral::rfft(x, got);
    REQUIRE(got.size() == n / 2 + 1);
    double worst = 0;
    for (std::size_t k = 0; k < got.size(); ++k) {
      long double re = 0, im = 0;
      for (std::size_t j = 0; j < n; ++j) {
        const long double ang = -2.0L * std::numbers::pi_v<long double> *
                                static_cast<long double>((j * k) % n) / static_cast<long double>(n);
        re += x[j] * std::cos(ang);
        im += x[j] * std::sin(ang);
      }
      worst =
          std::max(worst, static_cast<double>(std::hypot(got[k].real() - re, got[k].imag() - im)));
    }
    CHECK_MESSAGE(worst <= 1e-14 * scale, "n=", n, " worst abs error ", worst, " scale ", scale);
    // +0.0 exactly (np.angle of a negative DC term is +180, not -180).
    CHECK((got[0].imag() == 0.0 && !std::signbit(got[0].imag())));
    if (n % 2 == 0) CHECK((got[n / 2].imag() == 0.0 && !std::signbit(got[n / 2].imag())));
  }
}

TEST_CASE("spectral: the rfft of zeros is +0.0 throughout, so every fft angle is 0 as in tsfresh") {
  // Every code path: direct DFT (< 8 points), kissfft (small prime factors) and Bluestein (37,
  // 59, 97: primes above 31), where -0.0 real parts used to give np.angle = 180 degrees (numpy
  // gives +0.0 real parts at all these lengths; docs/calculators.md for its own Bluestein).
  std::vector<std::complex<double>> got;
  for (std::size_t n : {1, 2, 5, 8, 12, 30, 37, 59, 64, 97, 100, 194}) {
    const std::vector<double> x(n, 0.0);
    spectral::rfft(x, got);
    REQUIRE(got.size() == n / 2 + 1);
    for (std::size_t k = 0; k < got.size(); ++k) {
      INFO("n=", n, " k=", k, " got ", got[k].real(), " ", got[k].imag());
      CHECK((got[k].real() == 0.0 && !std::signbit(got[k].real())));
      CHECK((got[k].imag() == 0.0 && !std::signbit(got[k].imag())));
      CHECK(std::arg(got[k]) == 0.0);
    }
  }
}

TEST_CASE("spectral: a constant series has only a DC term, and fft_aggregated's variance is 0") {
  // 535 = 5 * 107 and 555 = 3 * 5 * 37 take the Bluestein path, whose rounding noise outside DC
  // gave a variance of ~1e-10 (numpy's noise: ~2e-12; exact: 0), outside the shared atol.
  std::vector<std::complex<double>> got;
  for (double c : {3.0, -1.0, 0.1}) {
    for (std::size_t n : {1, 2, 7, 12, 37, 64, 97, 150, 535, 555, 1000}) {
      const std::vector<double> x(n, c);
      spectral::rfft(x, got);
      REQUIRE(got.size() == n / 2 + 1);
      INFO("c=", c, " n=", n);
      CHECK(got[0].real() == doctest::Approx(static_cast<double>(n) * c).epsilon(1e-12));
      CHECK((got[0].imag() == 0.0 && !std::signbit(got[0].imag())));
      for (std::size_t k = 1; k < got.size(); ++k) {
        CHECK((got[k].real() == 0.0 && !std::signbit(got[k].real())));
        CHECK((got[k].imag() == 0.0 && !std::signbit(got[k].imag())));
      }
    }
  }
  const Calculator* agg = find_calculator("fft_aggregated");
  REQUIRE(agg != nullptr);
  const std::vector<Params> params(agg->comprehensive.begin(), agg->comprehensive.end());
  const ComputeFn fn = agg->prepare(params);
  std::vector<double> out(params.size(), 1.0);
  const std::vector<double> x(555, -1.0);
  Series s(x);
  fn(s, out);
  int checked = 0;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const std::string type = params[k]["aggtype"].get<std::string>();
    if (type == "centroid" || type == "variance") {
      CHECK_MESSAGE(out[k] == 0.0, type, " = ", out[k]);
      ++checked;
    }
  }
  CHECK(checked == 2);
}

TEST_CASE(
    "spectral: Welch density of a pure tone peaks at its frequency and integrates to the power") {
  // x = sin(2 pi 8 t / 256), n = 1024: 7 segments of 256 with the periodic Hann window; the
  // one-sided density sums (times the bin width 1/256) to the mean power 1/2.
  std::vector<double> x(1024);
  for (std::size_t t = 0; t < x.size(); ++t)
    x[t] = std::sin(2 * std::numbers::pi * 8 * static_cast<double>(t) / 256);
  std::vector<double> pxx;
  spectral::welch_density(x, pxx);
  REQUIRE(pxx.size() == 129);
  CHECK(std::max_element(pxx.begin(), pxx.end()) - pxx.begin() == 8);
  double total = 0;
  for (double v : pxx) total += v;
  CHECK(total / 256 == doctest::Approx(0.5).epsilon(1e-12));
  x[300] = std::numeric_limits<double>::infinity();
  spectral::welch_density(x, pxx);
  CHECK(std::isnan(pxx[8]));
}

TEST_CASE("spectral: histogram entropy follows numpy's bins") {
  // 0, 0.25, 0.5, 0.75, 1 in 2 bins: [0, 0.5) holds 2, [0.5, 1] holds 3 (last bin closed).
  const std::vector<double> v = {0, 0.25, 0.5, 0.75, 1};
  const double p = 0.4, q = 0.6;
  CHECK(spectral::histogram_entropy(v, 2) == doctest::Approx(-(p * std::log(p) + q * std::log(q))));
  CHECK(spectral::histogram_entropy(std::vector<double>{3, 3, 3}, 10) == 0.0);  // one bin
  CHECK(std::isnan(spectral::histogram_entropy(std::vector<double>{1, std::nan("")}, 3)));
}

TEST_CASE("cwt: pywt's mexh kernel has 16 * scale + 1 points and coefficients end at n") {
  for (int s : {2, 5, 10, 20}) CHECK(cwt::MexhScale(s).kernel_size() == 16u * s + 1);
  const cwt::MexhScale scale(2);
  const std::vector<double> x = {1, 2, 3};
  CHECK_FALSE(std::isnan(scale.coefficient(x, 2)));
  CHECK(std::isnan(scale.coefficient(x, 3)));
  // A constant far from the borders has no wavelet response (the mexh kernel integrates to ~0).
  const std::vector<double> flat(200, 5.0);
  CHECK(std::fabs(cwt::MexhScale(5).coefficient(flat, 100)) < 1e-6);
  CHECK_THROWS_AS(cwt::MexhScale(0.0), Error);
}

TEST_CASE(
    "cwt: find_peaks_cwt noise floors are the same by window sort, rank tree and block lists") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  const std::vector<int> widths = {1, 2, 5, 8};
  for (std::size_t n : {3, 20, 150, 1000, 5000}) {
    for (int variant : {0, 1, 2}) {
      // 0: a random walk; 1: rounded (many ties); 2: rounded, with some NaN.
      const bool quantised = variant > 0;
      std::vector<double> x(n);
      double level = 0;
      for (double& v : x) {
        level += normal(rng);
        v = quantised ? std::round(level) : level;
      }
      if (variant == 2)
        for (std::size_t i = 5; i < n; i += 97) x[i] = std::numeric_limits<double>::quiet_NaN();
      std::vector<double> a(widths.size()), b(widths.size()), c(widths.size()), d(widths.size());
      cwt::count_cwt_peaks(x, widths, a, {.noise = cwt::CwtPeakOptions::Noise::kSortWindow});
      cwt::count_cwt_peaks(x, widths, b, {.noise = cwt::CwtPeakOptions::Noise::kRankTree});
      cwt::count_cwt_peaks(x, widths, c);
      cwt::count_cwt_peaks(x, widths, d, {.noise = cwt::CwtPeakOptions::Noise::kBlockLists});
      CHECK_MESSAGE(a == b, "n=", n, " quantised=", quantised);
      CHECK(a == c);
      CHECK_MESSAGE(a == d, "n=", n, " quantised=", quantised);
      if (n >= 150 && variant < 2) CHECK(a[0] > 0);
    }
  }
  std::vector<double> out(1);
  const std::vector<int> one = {1};
  cwt::count_cwt_peaks(std::vector<double>{1.0, 2.0}, one, out);
  CHECK(out[0] == 0.0);
  cwt::count_cwt_peaks(std::vector<double>{}, one, out);
  CHECK(std::isnan(out[0]));
}

TEST_CASE("spectral: timing of the six calculators on 1000-point series" * doctest::skip()) {
  // Run with: fresh_tests -tc='*timing of the six*' --no-skip
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  constexpr int kSeries = 2000;
  std::vector<std::vector<double>> xs(kSeries, std::vector<double>(1000));
  for (auto& x : xs) {
    double level = 0;
    for (double& v : x) v = level += normal(rng);
  }
  double total_ms = 0;
  for (const std::string& name : kSpectral) {
    const Calculator* calc = find_calculator(name);
    const std::vector<Params> params(calc->comprehensive.begin(), calc->comprehensive.end());
    const ComputeFn fn = calc->prepare(params);
    std::vector<double> out(params.size());
    // Thread CPU time: the build machine is shared, wall time would measure the neighbours.
    auto cpu_ms = [] {
      timespec ts{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
    };
    const double t0 = cpu_ms();
    double sink = 0;
    for (const auto& x : xs) {
      Series s(x);
      fn(s, out);
      sink += out[0];
    }
    const double ms = (cpu_ms() - t0) / kSeries;
    total_ms += ms;
    MESSAGE(name, ": ", ms * 1000, " us CPU per series (", sink, ")");
  }
  MESSAGE("all six: ", total_ms * 1000, " us CPU per 1000-point series");
  // find_peaks_cwt's two noise-floor methods on the same series (kAuto picks by cost).
  for (auto method :
       {cwt::CwtPeakOptions::Noise::kSortWindow, cwt::CwtPeakOptions::Noise::kRankTree,
        cwt::CwtPeakOptions::Noise::kBlockLists, cwt::CwtPeakOptions::Noise::kAuto}) {
    auto cpu_ms = [] {
      timespec ts{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
    };
    const std::vector<int> widths = {1, 5};
    std::vector<double> out(2);
    const double t0 = cpu_ms();
    for (const auto& x : xs) cwt::count_cwt_peaks(x, widths, out, {.noise = method});
    MESSAGE("count_cwt_peaks noise method ", static_cast<int>(method), ": ",
            (cpu_ms() - t0) / kSeries * 1000, " us CPU per series");
  }
}

}  // namespace freshet::fresh
