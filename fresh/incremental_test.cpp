// Sliding-window updates: over random series and window sizes, every incremental value equals the
// registered calculator's from-scratch value on the same window, within the documented tolerance
// (bit for bit for the exact ones), across re-anchoring, steps of several points and non-finite
// values.
#include "fresh/incremental.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
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

// Every incremental calculator, with several parameter sets where it takes them.
FcParameters all_incremental() {
  FcParameters p;
  for (const auto name : incremental_calculator_names()) p[std::string(name)] = nullptr;
  p["quantile"] = Json::array({{{"q", 0.1}}, {{"q", 0.5}}, {{"q", 0.9}}, {{"q", 0.0}}});
  p["count_above"] = Json::array({{{"t", 0}}, {{"t", 1.5}}});
  p["count_below"] = Json::array({{{"t", 0}}, {{"t", -0.5}}});
  return p;
}

bool exact_kind(const std::string& name) {
  for (const char* e : {"__length", "__minimum", "__maximum", "__absolute_maximum", "__median",
                        "__quantile", "__count_above", "__count_below"})
    if (name.find(e) != std::string::npos) return true;
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

// Natural scale of a feature's rounding error (see incremental.hpp).
double scale_of(const std::string& name, std::span<const double> w) {
  double abs_mean = 0, sq_mean = 0;
  for (double x : w) abs_mean += std::fabs(x), sq_mean += x * x;
  abs_mean /= static_cast<double>(w.size());
  sq_mean /= static_cast<double>(w.size());
  const double n = static_cast<double>(w.size());
  if (name.find("__sum_values") != std::string::npos) return abs_mean * n;
  if (name.find("__mean") != std::string::npos) return abs_mean;
  if (name.find("__abs_energy") != std::string::npos) return sq_mean * n;
  if (name.find("__standard_deviation") != std::string::npos) return std::sqrt(sq_mean);
  if (name.find("__root_mean_square") != std::string::npos) return std::sqrt(sq_mean);
  return sq_mean;  // variance
}

}  // namespace

TEST_CASE("incremental: property: random series, windows and steps equal the from-scratch values") {
  const FcParameters params = all_incremental();
  std::mt19937_64 rng(20261202);
  std::size_t compared = 0, bitwise = 0;
  double worst = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t len = 1 + rng() % 400;
    const std::size_t w = 1 + rng() % 60;
    const std::size_t step = 1 + rng() % 4;
    const double offset =
        std::uniform_real_distribution<double>(-1e3, 1e3)(rng) * (trial % 3 == 0 ? 1.0 : 0.0);
    const double spread = std::pow(10.0, std::uniform_real_distribution<double>(-3, 3)(rng));
    std::normal_distribution<double> noise(offset, spread);
    std::vector<double> x(len);
    for (auto& v : x) v = trial % 5 == 1 ? std::round(noise(rng)) : noise(rng);  // ties too
    if (trial % 7 == 3 && len > 5) x[len / 2] = std::numeric_limits<double>::infinity();
    if (trial % 11 == 4 && len > 5) x[len / 3] = std::numeric_limits<double>::quiet_NaN();

    SlidingFeatures sf(params, "v");
    REQUIRE(sf.width() == 19);
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
        if (std::isnan(want[i]) || std::isinf(want[i]) || exact_kind(name)) {
          INFO(name << " window " << end << " of " << len << " (w " << w << ")");
          CHECK((got[i] == want[i] || (std::isnan(got[i]) && std::isnan(want[i]))));
          ++bitwise;
          continue;
        }
        const double err = std::fabs(got[i] - want[i]);
        const double tol = 1e-9 * std::fabs(want[i]) + 1e-13 * scale_of(name, window);
        if (want[i] != 0) worst = std::max(worst, err / std::fabs(want[i]));
        INFO(name << " window " << end << " of " << len << " (w " << w << "): " << got[i] << " vs "
                  << want[i]);
        CHECK(err <= tol);
      }
    }
  }
  CHECK(compared > 10000);
  CHECK(bitwise > compared / 3);
  MESSAGE("worst relative error " << worst << " over " << compared << " values");
}

TEST_CASE(
    "incremental: splitting settings; names are extract's; non-incremental calculators ignored") {
  FcParameters p;
  p["mean"] = nullptr;
  p["skewness"] = nullptr;
  p["count_above"] = Json::array({{{"t", 0}}, {{"t", 0}}});  // a duplicate is computed once
  Settings s;
  s.all_kinds = p;
  const SplitSettings split = split_incremental(s);
  CHECK(split.incremental.all_kinds.size() == 2);
  CHECK(split.rest.all_kinds.size() == 1);
  CHECK(split.rest.all_kinds.count("skewness") == 1);
  SlidingFeatures sf(p, "x");
  CHECK(sf.names() == std::vector<std::string>{"x__count_above__t_0", "x__mean"});
  CHECK(has_incremental_form("median"));
  CHECK_FALSE(has_incremental_form("skewness"));
}

TEST_CASE("incremental: a long series does not drift (re-anchoring)") {
  // 200,000 points with a large offset through a window of 50: the last window's variance still
  // equals the from-scratch value.
  FcParameters p;
  p["variance"] = nullptr;
  p["mean"] = nullptr;
  SlidingFeatures sf(p, "v");
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(1e6, 1.0);
  std::vector<double> x(200000);
  for (auto& v : x) v = noise(rng);
  std::vector<double> got(2);
  for (std::size_t i = 0; i < x.size(); ++i) {
    sf.push(x[i]);
    if (sf.size() > 50) sf.pop();
  }
  const std::span<const double> last(x.data() + x.size() - 50, 50);
  sf.values(last, got);
  const auto want = scratch(p, last);
  CHECK(std::fabs(got[0] - want[0]) <= 1e-9 * std::fabs(want[0]));  // mean
  CHECK(std::fabs(got[1] - want[1]) <= 1e-9 * std::fabs(want[1]));  // variance
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
        else
          CHECK(std::fabs(a[r] - b[r]) <= 1e-9 * std::fabs(b[r]) + 1e-13);
      }
    }
  }
}
