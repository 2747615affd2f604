// cross_validate / search bookkeeping on small synthetic data: ranks with ties, the best
// candidate, hold-out sizes, and identical results for every executor and worker count.

#include "xval/search.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "core/error.hpp"
#include "mproc/executor.hpp"
#include "xval/cross_validate.hpp"
#include "xval/search_space.hpp"

using namespace freshet;
using namespace freshet::xval;

namespace {
// y = 2 x0 - x1 + noise-free pattern: a well-posed regression with 40 rows.
Dataset make_data() {
  Table t;
  std::vector<double> x0(40), x1(40), y(40);
  for (int i = 0; i < 40; ++i) {
    x0[i] = std::sin(i * 0.7) * 3;
    x1[i] = std::cos(i * 1.3) + (i % 5);
    y[i] = 2 * x0[i] - x1[i] + 0.1 * ((i * 7) % 3);
  }
  t.add_column(Column("x0", x0));
  t.add_column(Column("x1", x1));
  t.add_column(Column("y", y));
  return make_dataset(t, {.target = "y"});
}
}  // namespace

TEST_CASE("search: ties share the minimum rank, best is the first of rank 1") {
  const Dataset data = make_data();
  CHECK(data.feature_names == std::vector<std::string>{"x0", "x1"});
  auto executor = mproc::make_executor({.workers = 0});
  SearchOptions opt;
  opt.model = "ridge";
  // "1" and "1.0" are the same model: equal scores, equal rank.
  opt.candidates = {{{"alpha", "100"}}, {{"alpha", "1"}}, {{"alpha", "1.0"}}, {{"alpha", "1000"}}};
  opt.scoring = {"r2", "neg_mean_squared_error"};
  const auto splitter = make_splitter("kfold:n_splits=4");
  const SearchResult r = search(data, *splitter, opt, *executor);
  REQUIRE(r.rank_test.size() == 2);
  CHECK(r.mean_test[0][1] == r.mean_test[0][2]);
  CHECK(r.rank_test[0] == std::vector<int>{3, 1, 1, 4});
  CHECK(r.best_index == 1);
  CHECK(r.best_score == r.mean_test[0][1]);
  // std is the population std of the split scores.
  double m = 0, s = 0;
  for (std::size_t k = 0; k < 4; ++k) m += r.split_score(0, 0, k) / 4;
  for (std::size_t k = 0; k < 4; ++k)
    s += (r.split_score(0, 0, k) - m) * (r.split_score(0, 0, k) - m) / 4;
  CHECK(r.std_test[0][0] == doctest::Approx(std::sqrt(s)).epsilon(1e-12));
  REQUIRE(r.best_model);
  const Table t = cv_results_table(r);
  CHECK(t.has_column("rank_test_neg_mean_squared_error"));
  CHECK(t.column("is_best").as_string(1) == "True");
}

TEST_CASE("search: hold-out rows and scores") {
  const Dataset data = make_data();
  auto executor = mproc::make_executor({.workers = 0});
  SearchOptions opt;
  opt.model = "ridge";
  opt.candidates = parameter_grid({{"alpha", {"0.1", "10"}}});
  opt.holdout = 0.25;
  opt.holdout_shuffle = true;
  const auto splitter = make_splitter("kf_split:k=3");
  const SearchResult r = search(data, *splitter, opt, *executor);
  CHECK(r.n_search_rows == 30);
  CHECK(r.n_holdout_rows == 10);
  REQUIRE(r.holdout_scores.size() == 1);  // default scorer r2 for a regressor
  CHECK(r.scoring == std::vector<std::string>{"r2"});
  CHECK(r.holdout_scores[0] > 0.9);
  opt.holdout = 1.5;
  CHECK_THROWS_AS(search(data, *splitter, opt, *executor), Error);
}

TEST_CASE("cross_validate: identical scores for every backend and worker count") {
  const Dataset data = make_data();
  const auto splitter = make_splitter("repeated_kfold:n_splits=4,n_repeats=3,random_state=0");
  auto serial = mproc::make_executor({.workers = 0});
  const CvResult want = cross_validate(data, *splitter, "standard_scaler>lasso:alpha=0.05",
                                       {"r2", "neg_mean_absolute_error"}, *serial);
  REQUIRE(want.splits.size() == 12);
  for (int workers : {1, 2, 7}) {
    auto ex = mproc::make_executor({.workers = workers});
    const CvResult got = cross_validate(data, *splitter, "standard_scaler>lasso:alpha=0.05",
                                        {"r2", "neg_mean_absolute_error"}, *ex);
    for (std::size_t s = 0; s < 12; ++s) CHECK(got.splits[s].scores == want.splits[s].scores);
  }
  CHECK_THROWS_AS(cross_validate(data, *splitter, "ridge", {"nosuch"}, *serial), Error);
  CHECK_THROWS_AS(cross_validate(data, *splitter, "nosuch_model", {"r2"}, *serial), Error);
}

TEST_CASE("with_params and parse_step_list") {
  CHECK(with_params("standard_scaler>ridge:fit_intercept=true", {{"alpha", "2"}}) ==
        "standard_scaler>ridge:alpha=2,fit_intercept=true");
  CHECK(parse_step_list("simple_imputer:strategy=median,fill_value=0,standard_scaler") ==
        std::vector<std::string>{"simple_imputer:strategy=median,fill_value=0", "standard_scaler"});
}
