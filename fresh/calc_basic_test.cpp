// Worked examples for the basic calculators, derived by hand from tsfresh's definitions.
#include <doctest/doctest.h>

#include <cmath>

#include "core/error.hpp"
#include "fresh/calculator.hpp"
#include "fresh/series.hpp"

using namespace freshet::fresh;
using Json = nlohmann::json;

namespace {
std::vector<double> calc(const std::string& name, std::vector<double> x, Json params = nullptr) {
  const Calculator* c = find_calculator(name);
  REQUIRE(c != nullptr);
  std::vector<Params> ps;
  if (params.is_null())
    ps = {Params(nullptr)};
  else
    for (const auto& p : params) ps.push_back(p);
  auto fn = c->prepare(ps);
  Series s(x);
  std::vector<double> out(ps.size());
  fn(s, out);
  return out;
}
}  // namespace

TEST_CASE("quantile and median follow numpy") {
  // np.quantile([1,2,3,4], 0.1) = 1 + 0.3 = 1.3; np.median = 2.5
  CHECK(calc("quantile", {4, 1, 3, 2}, Json::array({{{"q", 0.1}}}))[0] == doctest::Approx(1.3));
  CHECK(calc("median", {4, 1, 3, 2})[0] == 2.5);
}

TEST_CASE("counts and locations") {
  const std::vector<double> x = {1, 3, 3, 0, 2, 0};
  CHECK(calc("count_above_mean", x)[0] == 3);  // mean 1.5: 3, 3, 2
  CHECK(calc("longest_strike_above_mean", x)[0] == 2);
  CHECK(calc("first_location_of_maximum", x)[0] == doctest::Approx(1.0 / 6));
  CHECK(calc("last_location_of_maximum", x)[0] == doctest::Approx(1 - 3.0 / 6));
  CHECK(calc("last_location_of_minimum", x)[0] == doctest::Approx(1 - 0.0 / 6));
  CHECK(calc("has_duplicate_max", x)[0] == 1);
  CHECK(calc("percentage_of_reoccurring_values_to_all_values", x)[0] == 0.5);  // {0,3} of 4
  CHECK(calc("percentage_of_reoccurring_datapoints_to_all_datapoints", x)[0] ==
        doctest::Approx(4.0 / 6));
  CHECK(calc("sum_of_reoccurring_values", x)[0] == 3);
  CHECK(calc("sum_of_reoccurring_data_points", x)[0] == 6);
  CHECK(calc("number_crossing_m", x, Json::array({{{"m", 1}}}))[0] == 4);  // F T T F T F
  CHECK(calc("number_peaks", x, Json::array({{{"n", 1}}}))[0] == 1);       // 2 at index 4
  CHECK(calc("count_above", x, Json::array({{{"t", 0}}}))[0] == 1.0);
  CHECK(calc("range_count", x, Json::array({{{"min", 0}, {"max", 3}}}))[0] == 4);
}

TEST_CASE("changes, energy chunks, autocorrelation on constants") {
  CHECK(calc("mean_second_derivative_central", {1, 4, 9, 16})[0] == doctest::Approx(1.0));
  CHECK(std::isnan(calc("mean_change", {1})[0]));
  CHECK(calc("cid_ce", {0, 0, 0}, Json::array({{{"normalize", true}}}))[0] == 0.0);
  // np.array_split(range 5, 3): [0,1], [2,3], [4]; energy 0+1+4+9+16 = 30
  const auto e = calc("energy_ratio_by_chunks", {0, 1, 2, 3, 4},
                      Json::array({{{"num_segments", 3}, {"segment_focus", 1}},
                                   {{"num_segments", 3}, {"segment_focus", 2}}}));
  CHECK(e[0] == doctest::Approx(13.0 / 30));
  CHECK(e[1] == doctest::Approx(16.0 / 30));
  CHECK(std::isnan(calc("autocorrelation", {2, 2, 2}, Json::array({{{"lag", 0}}}))[0]));
  // c3 lag 1 on 1,2,3,4: mean(3*2*1, 4*3*2) = 15
  CHECK(calc("c3", {1, 2, 3, 4}, Json::array({{{"lag", 1}}}))[0] == 15);
}

TEST_CASE("linear_trend of a line, binned_entropy of a constant") {
  const auto r =
      calc("linear_trend", {1, 3, 5, 7},
           Json::array({{{"attr", "slope"}}, {{"attr", "intercept"}}, {{"attr", "rvalue"}}}));
  CHECK(r[0] == doctest::Approx(2.0));
  CHECK(r[1] == doctest::Approx(1.0));
  CHECK(r[2] == doctest::Approx(1.0));
  CHECK(calc("binned_entropy", {5, 5, 5}, Json::array({{{"max_bins", 10}}}))[0] == 0.0);
}

TEST_CASE("parameter errors name the calculator and the parameter") {
  const Calculator* c = find_calculator("number_peaks");
  try {
    c->prepare({Params{{"n", "three"}}});
    FAIL("no error");
  } catch (const freshet::Error& e) {
    CHECK(std::string(e.what()).find("'number_peaks': parameter 'n'") != std::string::npos);
  }
}
