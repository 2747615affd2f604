// Candidates for grid / random / Sobol search against their peers: sklearn's ParameterGrid and
// ParameterSampler (values printed by sklearn 1.2.1 / scipy 1.10.1) and KX's documented Sobol
// example (ml/docs/xval.md, .ml.rs with typ=sobol, n=8).

#include "xval/search_space.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "core/error.hpp"
#include "core/format.hpp"
#include "xval/sobol.hpp"

using namespace freshet;
using namespace freshet::xval;

TEST_CASE("sobol_points: van der Corput first dimension and sobol_seq's third") {
  const auto p = sobol_points(3, 8);
  const double d1[] = {.5, .75, .25, .375, .875, .625, .125, .1875};
  const double d2[] = {.5, .25, .75, .375, .875, .125, .625, .3125};
  for (int i = 0; i < 8; ++i) {
    CHECK(p[i][0] == d1[i]);
    CHECK(p[i][1] == d2[i]);
  }
  // sobol_seq.i4_sobol_generate(3, 5) documented: [.5,.5,.5],[.75,.25,.75],[.25,.75,.25],
  // [.375,.375,.625],[.875,.875,.125]
  const double d3[] = {.5, .75, .25, .625, .125};
  for (int i = 0; i < 5; ++i) CHECK(p[i][2] == d3[i]);
  CHECK_THROWS_AS(sobol_points(41, 2), Error);

  // sobol_seq.i4_sobol_generate(40, 300), points 100 and 300, dimensions 4, 10, 20, 38, 39, 40
  // (printed by sobol_seq; every coordinate of the 300 x 40 points was compared once).
  const auto q = sobol_points(40, 300);
  const std::size_t dims[] = {3, 9, 19, 37, 38, 39};
  const double p100[] = {0.4765625, 0.6953125, 0.4453125, 0.1015625, 0.5078125, 0.2421875};
  const double p300[] = {0.298828125, 0.837890625, 0.892578125,
                         0.044921875, 0.990234375, 0.935546875};
  for (int j = 0; j < 6; ++j) {
    CHECK(q[99][dims[j]] == p100[j]);
    CHECK(q[299][dims[j]] == p300[j]);
  }
}

TEST_CASE("sample_sobol reproduces KX's documented example") {
  // KX: n_estimators:(`uniform;1;5;"j"), learning_rate:(`loguniform;-3;0;"f") gives
  // (3,0.03162278) (4,0.005623413) (2,0.1778279) (3,0.01333521) (5,0.4216965) (4,0.002371374)
  // (2,0.07498942) (2,0.008659643). Here loguniform takes the values 10^-3 and 10^0; dimensions
  // follow the given (dictionary) order: n_estimators is dimension 1.
  std::vector<ParamDistribution> space = {
      parse_distribution("n_estimators=randint:1:5"),
      parse_distribution("learning_rate=loguniform:0.001:1"),
  };
  const auto c = sample_sobol(space, 8, 0);
  const int n_est[] = {3, 4, 2, 3, 5, 4, 2, 2};
  const double lr[] = {0.03162278, 0.005623413, 0.1778279,  0.01333521,
                       0.4216965,  0.002371374, 0.07498942, 0.008659643};
  REQUIRE(c.size() == 8);
  for (int i = 0; i < 8; ++i) {
    CHECK(c[i].at("n_estimators") == std::to_string(n_est[i]));
    double v;
    REQUIRE(parse_double(c[i].at("learning_rate"), v));
    CHECK(v == doctest::Approx(lr[i]).epsilon(1e-6));  // KX prints 7 significant digits
  }
  CHECK_THROWS_AS(sample_sobol(space, 10, 0), Error);  // "trials must equal 2^n"
}

TEST_CASE("parameter_grid: keys sorted, last key fastest") {
  const auto g = parameter_grid({{"b", {"1", "2"}}, {"a", {"x", "y", "z"}}});
  REQUIRE(g.size() == 6);
  CHECK(g[0] == ModelParams{{"a", "x"}, {"b", "1"}});
  CHECK(g[1] == ModelParams{{"a", "x"}, {"b", "2"}});
  CHECK(g[5] == ModelParams{{"a", "z"}, {"b", "2"}});
  CHECK_THROWS_AS(parameter_grid({{"a", {}}}), Error);
}

TEST_CASE("sample_random matches sklearn's ParameterSampler draw for draw") {
  // list(ParameterSampler({'a': loguniform(1e-3, 1e2), 'b': uniform(1, 3), 'c': randint(2, 9),
  //                        'd': ['x', 'y', 'z']}, 3, random_state=5))
  std::vector<ParamDistribution> space = {
      parse_distribution("d=choice:x|y|z"), parse_distribution("c=randint:2:9"),
      parse_distribution("b=uniform:1:4"), parse_distribution("a=loguniform:1e-3:1e2")};
  const auto c = sample_random(space, 3, 5);
  REQUIRE(c.size() == 3);
  CHECK(c[0] ==
        ModelParams{
            {"a", "0.012881482725480998"}, {"b", "3.6121969185321294"}, {"c", "8"}, {"d", "z"}});
  CHECK(
      c[1] ==
      ModelParams{{"a", "39.17910760336114"}, {"b", "2.4652335663844873"}, {"c", "8"}, {"d", "x"}});
  CHECK(c[2] ==
        ModelParams{
            {"a", "0.3909218446035297"}, {"b", "1.8904015047286657"}, {"c", "3"}, {"d", "y"}});
  std::vector<ModelParams> dup = {c[0], c[1], c[0]};
  CHECK(drop_duplicates(dup) == 1);
  CHECK(dup.size() == 2);
  CHECK_THROWS_AS(parse_distribution("a=normal:0:1"), Error);
}
