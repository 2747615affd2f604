#include "fresh/names.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "core/error.hpp"

using freshet::fresh::feature_name;
using freshet::fresh::Params;
using freshet::fresh::parse_feature_name;
using freshet::fresh::parse_python_literal;

TEST_CASE("feature names are written as tsfresh writes them") {
  CHECK(feature_name("value", "mean", nullptr) == "value__mean");
  CHECK(feature_name("value", "mean", Params::object()) == "value__mean");
  CHECK(feature_name("value", "fft_coefficient", Params{{"coeff", 0}, {"attr", "real"}}) ==
        "value__fft_coefficient__attr_\"real\"__coeff_0");
  // 3 * 0.05 in float64, written as Python's repr.
  CHECK(feature_name("value", "large_standard_deviation", Params{{"r", 3 * 0.05}}) ==
        "value__large_standard_deviation__r_0.15000000000000002");
  CHECK(feature_name("value", "cwt_coefficients",
                     Params{{"widths", {2, 5, 10, 20}}, {"coeff", 0}, {"w", 2}}) ==
        "value__cwt_coefficients__coeff_0__w_2__widths_(2, 5, 10, 20)");
  CHECK(feature_name("x", "cid_ce", Params{{"normalize", true}}) == "x__cid_ce__normalize_True");
  CHECK(
      feature_name("x", "query_similarity_count", Params{{"query", nullptr}, {"threshold", 0.0}}) ==
      "x__query_similarity_count__query_None__threshold_0.0");
  CHECK(feature_name("x", "ratio_beyond_r_sigma", Params{{"r", 1}}) ==
        "x__ratio_beyond_r_sigma__r_1");
  CHECK(feature_name("x", "ratio_beyond_r_sigma", Params{{"r", 1.0}}) ==
        "x__ratio_beyond_r_sigma__r_1.0");
  CHECK(feature_name("x", "c", Params{{"t", {1}}}) == "x__c__t_(1,)");
  CHECK(feature_name("x", "c", Params{{"t", {"a", "b"}}}) == "x__c__t_('a', 'b')");
  CHECK(feature_name("x", "c", Params{{"t", 1e-5}}) == "x__c__t_1e-05");
}

TEST_CASE("python literals are read as ast.literal_eval reads them") {
  CHECK(parse_python_literal("10") == Params(10));
  CHECK(parse_python_literal("10").is_number_integer());
  CHECK(parse_python_literal("-1") == Params(-1));
  CHECK(parse_python_literal("1.0").is_number_float());
  CHECK(parse_python_literal("0.15000000000000002").get<double>() == 3 * 0.05);
  CHECK(parse_python_literal("True") == Params(true));
  CHECK(parse_python_literal("None").is_null());
  CHECK(parse_python_literal("\"mean\"") == Params("mean"));
  CHECK(parse_python_literal("(2, 5, 10, 20)") == Params({2, 5, 10, 20}));
  CHECK(parse_python_literal("(1,)") == Params({1}));
  CHECK(std::isinf(parse_python_literal("-inf").get<double>()));
  CHECK_THROWS_AS(parse_python_literal("mean"), freshet::Error);
  CHECK_THROWS_AS(parse_python_literal("(1, 2"), freshet::Error);
}

TEST_CASE("feature names are parsed back") {
  auto p =
      parse_feature_name("dim_3__change_quantiles__f_agg_\"mean\"__isabs_False__qh_0.2__ql_0.0");
  CHECK(p.kind == "dim_3");
  CHECK(p.calculator == "change_quantiles");
  CHECK(p.params == Params{{"f_agg", "mean"}, {"isabs", false}, {"qh", 0.2}, {"ql", 0.0}});
  auto q = parse_feature_name("value__mean");
  CHECK(q.params.is_null());
  CHECK_THROWS_AS(parse_feature_name("value"), freshet::Error);
  CHECK_THROWS_AS(parse_feature_name("value__fft_coefficient__coeff"), freshet::Error);
  CHECK_THROWS_AS(parse_feature_name("value__fft_coefficient__attr_real"), freshet::Error);
}

TEST_CASE("every comprehensive tsfresh name round-trips") {
  std::ifstream in(FRESHET_SOURCE_DIR + "/../shared/research/tsfresh_columns_comprehensive.txt");
  REQUIRE(in.good());
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto p = parse_feature_name(line);
    CHECK(feature_name(p.kind, p.calculator, p.params) == line);
    ++n;
  }
  CHECK(n == 788);
}
