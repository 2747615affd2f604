// Worked examples for the catch22 building blocks and the per-series conventions; the values of
// whole features against the C reference are in tests/catch22_golden_test.cpp.
#include "fresh/catch22.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "fresh/calculator.hpp"
#include "fresh/series.hpp"
#include "fresh/settings.hpp"

using namespace freshet::fresh;
namespace c22 = freshet::fresh::catch22;

TEST_CASE("catch22 histogram_mode: centre of the fullest bin, tied bins averaged") {
  // 5 bins over [0, 10], width 2: [0,2) holds 0, 1, 1, 1 -> the mode is its centre 1.
  CHECK(c22::histogram_mode(std::vector<double>{0, 1, 1, 1, 2, 3, 5, 7, 9, 10}, 5) == 1.0);
  // Bins 0 and 4 tie (two values each; the maximum falls in the last, closed bin): (1 + 9) / 2.
  CHECK(c22::histogram_mode(std::vector<double>{0, 0, 10, 10, 5}, 5) == 5.0);
  // 10 bins of width 1 over [0, 10]: 3 and 3.5 share [3, 4), centre 3.5.
  CHECK(c22::histogram_mode(std::vector<double>{0, 3, 3.5, 10}, 10) == 3.5);
}

TEST_CASE("catch22 autocorrelation by FFT equals the direct sums") {
  // To 2e-12, not to rounding: the transform uses the reference's pi (3.14159265359, 2.1e-13
  // low) in its twiddle factors, as the reference does, which moves the ACF by ~1e-13.
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal;
  for (std::size_t n : {10u, 33u, 64u, 150u, 1000u}) {
    std::vector<double> x(n);
    double level = 0.0;
    for (double& v : x) v = level += normal(rng);  // a random walk: slowly decaying acf
    const double m = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
    std::vector<double> direct(n);
    for (std::size_t k = 0; k < n; ++k) {
      double s = 0.0;
      for (std::size_t i = 0; i + k < n; ++i) s += (x[i] - m) * (x[i + k] - m);
      direct[k] = s;
    }
    std::vector<double> acf;
    c22::autocorrelation(x, acf);
    REQUIRE(acf.size() == n);
    CHECK(acf[0] == doctest::Approx(1.0).epsilon(1e-15));
    for (std::size_t k = 0; k < n; ++k) CHECK(std::fabs(acf[k] - direct[k] / direct[0]) < 2e-12);
  }
}

TEST_CASE("catch22 first zero crossing of the acf") {
  CHECK(c22::first_zero_crossing(std::vector<double>{1, 0.5, 0.1, -0.2, 0.3}) == 3);
  CHECK(c22::first_zero_crossing(std::vector<double>{1, 0.5, 0.0, -0.2}) == 2);  // 0 counts
  CHECK(c22::first_zero_crossing(std::vector<double>{1, 0.9, 0.8}) == 3);        // none: n
}

TEST_CASE("catch22 matlab_quantile: sorted[i] is the (i + 0.5)/n quantile") {
  const std::vector<double> s = {1, 2, 3, 4};
  CHECK(c22::matlab_quantile(s, 0.5) == 2.5);                   // position 1.5
  CHECK(c22::matlab_quantile(s, 0.3) == doctest::Approx(1.7));  // position 0.7
  CHECK(c22::matlab_quantile(s, 0.1) == 1.0);                   // below 0.5/4: the minimum
  CHECK(c22::matlab_quantile(s, 0.95) == 4.0);                  // above 1 - 0.5/4
  CHECK(c22::matlab_quantile(s, 0.375) == 2.0);                 // exactly sorted[1]
}

TEST_CASE("catch22 coarse_grain_quantile: three equiprobable symbols") {
  const std::vector<double> x = {9, 1, 5, 2, 8, 3, 7, 4, 6};
  std::vector<double> sorted(x);
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> s;
  c22::coarse_grain_quantile(x, sorted, 3, s);
  // thresholds q(1/3) = position 2.5 -> 3.5, q(2/3) = position 5.5 -> 6.5
  CHECK(s == std::vector<int>{2, 0, 1, 0, 2, 0, 2, 1, 1});
}

TEST_CASE("catch22 longest_stretch measures runs between other symbols") {
  // Other symbols at 2 and the end (6): distances 2 - 0 and 6 - 2.
  CHECK(c22::longest_stretch(std::vector<int>{1, 1, 0, 1, 1, 1, 0}, 1) == 4);
  // Alternating: every run of 1 lies between two 0s two apart.
  CHECK(c22::longest_stretch(std::vector<int>{1, 0, 1, 0, 1, 0}, 1) == 2);
  // All the same symbol: only the closing position, distance size - 1.
  CHECK(c22::longest_stretch(std::vector<int>{1, 1, 1, 1}, 1) == 3);
  CHECK(c22::longest_stretch(std::vector<int>{1, 1, 1, 1}, 0) == 1);
}

TEST_CASE("catch22 Context: rejected, constant and simple series") {
  c22::Context ctx;
  const std::vector<double> short9 = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  ctx.reset(short9);
  for (c22::Feature f : c22::all_features()) CHECK(std::isnan(ctx.compute(f)));
  std::vector<double> with_inf = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  with_inf[4] = INFINITY;
  ctx.reset(with_inf);
  for (c22::Feature f : c22::all_features()) CHECK(std::isnan(ctx.compute(f)));

  const std::vector<double> constant(12, 3.5);
  ctx.reset(constant);
  CHECK(ctx.compute(c22::Feature::kMean) == 3.5);
  CHECK(ctx.compute(c22::Feature::kSpreadStd) == 0.0);
  CHECK(ctx.compute(c22::Feature::kF1ecac) == 0.0);
  CHECK(ctx.compute(c22::Feature::kFirstMinAc) == 0.0);
  CHECK(ctx.compute(c22::Feature::kPeriodicityWang) == 0.0);
  CHECK(std::isnan(ctx.compute(c22::Feature::kHistogramMode5)));
  CHECK(std::isnan(ctx.compute(c22::Feature::kTrev1Num)));

  // 0, 1, 0, 1, ... (n = 10): mean 0.5, sample std sqrt(10 * 0.25 / 9); z = +-0.5 / std.
  std::vector<double> alt(10);
  for (std::size_t i = 0; i < alt.size(); ++i) alt[i] = static_cast<double>(i % 2);
  ctx.reset(alt);
  const double sd = std::sqrt(2.5 / 9.0);
  CHECK(ctx.compute(c22::Feature::kMean) == doctest::Approx(0.5));
  CHECK(ctx.compute(c22::Feature::kSpreadStd) == doctest::Approx(sd));
  // Every step is +-1/sd (> 0.04): pnn40 = 1. Steps alternate +d, -d: the mean cube of 9 steps is
  // (5 d^3 - 4 d^3) / 9 with d = 1/sd.
  CHECK(ctx.compute(c22::Feature::kHrvPnn40) == 1.0);
  CHECK(ctx.compute(c22::Feature::kTrev1Num) == doctest::Approx(std::pow(1 / sd, 3) / 9));
  // Residuals of the 3-point mean forecast alternate +-(2/3) d: their sample std.
  {
    const double d = 1 / sd;
    std::vector<double> r;
    for (int i = 3; i < 10; ++i) r.push_back((i % 2 ? 1.0 : -1.0) * 2.0 / 3.0 * d);
    const double m = std::accumulate(r.begin(), r.end(), 0.0) / 7.0;
    double ss = 0;
    for (double v : r) ss += (v - m) * (v - m);
    CHECK(ctx.compute(c22::Feature::kLocalSimpleMean3Stderr) ==
          doctest::Approx(std::sqrt(ss / 6.0)));
  }
  // The acf alternates in sign (negative at odd lags): its first local minimum is lag 1.
  CHECK(ctx.compute(c22::Feature::kFirstMinAc) == 1.0);
}

TEST_CASE("catch22 calculators: registered with catch22's names, presets select them") {
  for (c22::Feature f : c22::all_features()) {
    const Calculator* c = find_calculator(c22::long_name(f));
    REQUIRE(c != nullptr);
    CHECK(c->parameterless);
  }
  CHECK(preset_settings("catch22").all_kinds.size() == 22);
  CHECK(preset_settings("catch24").all_kinds.size() == 24);
  CHECK(preset_settings("catch24").all_kinds.count("DN_Spread_Std") == 1);
  CHECK(preset_settings("catch22").all_kinds.count("DN_Mean") == 0);
  // tsfresh's presets stay tsfresh's.
  CHECK(preset_settings("comprehensive").all_kinds.count("DN_HistogramMode_5") == 0);
  CHECK(preset_settings("minimal").all_kinds.count("DN_Mean") == 0);
  // Settings mix catch22 and tsfresh calculators; "catch22": null expands to the 22.
  const auto s =
      settings_from_json(nlohmann::json::parse(R"({"catch22": null, "mean": null})"), "test.json");
  CHECK(s.all_kinds.size() == 23);
  CHECK(s.all_kinds.count("mean") == 1);
  CHECK(s.all_kinds.count("CO_f1ecac") == 1);
  const auto one = settings_from_json(
      nlohmann::json::parse(R"({"CO_trev_1_num": null, "maximum": null})"), "test.json");
  CHECK(one.all_kinds.size() == 2);
}

TEST_CASE("catch22 Context: odd inputs give values or NaN, never a crash, the same twice") {
  // Ties, plateaus, spikes, huge and tiny magnitudes, shortest accepted length: run under the
  // sanitizers this checks that no feature reads out of bounds or casts a NaN.
  std::mt19937_64 rng(22);
  std::uniform_int_distribution<int> pick(0, 5);
  std::normal_distribution<double> normal;
  c22::Context a, b;
  for (int rep = 0; rep < 300; ++rep) {
    const std::size_t n = 10 + static_cast<std::size_t>(rng() % 60);
    std::vector<double> x(n);
    const int kind = pick(rng);
    for (std::size_t i = 0; i < n; ++i) {
      switch (kind) {
        case 0:
          x[i] = static_cast<double>(rng() % 3);
          break;  // few distinct values
        case 1:
          x[i] = i < n / 2 ? 0.0 : 1.0;
          break;  // a step
        case 2:
          x[i] = i == n / 3 ? 1e6 : normal(rng) * 1e-9;
          break;  // a spike
        case 3:
          x[i] = normal(rng) * 1e300;
          break;  // near overflow
        case 4:
          x[i] = normal(rng) * 1e-300;
          break;  // subnormal scale
        default:
          x[i] = static_cast<double>(i % 7) + normal(rng);
          break;  // periodic
      }
    }
    a.reset(x);
    b.reset(x);
    for (c22::Feature f : c22::all_features()) {
      const double va = a.compute(f), vb = b.compute(f);
      CHECK(((std::isnan(va) && std::isnan(vb)) || va == vb));
    }
  }
}

TEST_CASE("catch22 feature names read back as settings (tsfresh's from_columns)") {
  const std::vector<std::string> names = {"id", "dim_0__CO_f1ecac", "dim_1__DN_Spread_Std",
                                          "dim_1__maximum"};
  const std::vector<std::string> ignore = {"id"};
  const Settings s = settings_from_feature_names(names, ignore);
  REQUIRE(s.per_kind.count("dim_0") == 1);
  CHECK(s.per_kind.at("dim_0").size() == 1);
  CHECK(s.per_kind.at("dim_0").at("CO_f1ecac").is_null());
  CHECK(s.per_kind.at("dim_1").size() == 2);
  CHECK(s.per_kind.at("dim_1").count("DN_Spread_Std") == 1);
}

TEST_CASE("catch22 per kind in kind_to_fc_parameters") {
  const auto s = settings_from_json(
      nlohmann::json::parse(
          R"({"kind_to_fc_parameters": {"a": {"catch24": null}, "b": {"CO_trev_1_num": null}}})"),
      "test.json");
  CHECK(s.for_kind("a").size() == 24);
  CHECK(s.for_kind("b").size() == 1);
  CHECK(s.for_kind("c").empty());
}
