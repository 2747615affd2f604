// fresh_select inside the pipeline vs selection on all rows: on labels that are pure noise with
// many features, selecting first and cross-validating after scores far above chance (the test
// folds chose the features); selecting inside each training fold scores at chance.

#include "job/fresh_select.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "ml/preprocess.hpp"
#include "mproc/executor.hpp"
#include "xval/cross_validate.hpp"

using namespace freshet;

namespace {
xval::Dataset noise(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto uniform = [&] {
    return (static_cast<double>(rng() >> 11) + 0.5) / 9007199254740992.0;
  };
  xval::Dataset d;
  d.X = DenseMatrix(rows, cols);
  for (std::size_t j = 0; j < d.X.cols(); ++j)
    for (std::size_t i = 0; i < d.X.rows(); ++i)
      d.X(i, j) = std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  for (std::size_t i = 0; i < rows; ++i) d.y.push_back(i % 2 ? 1.0 : 0.0);
  std::shuffle(d.y.begin(), d.y.end(), rng);  // labels independent of X
  d.y_labels = xval::encode_labels(std::span<const double>(d.y));
  for (std::size_t j = 0; j < cols; ++j) d.feature_names.push_back(std::to_string(j));
  return d;
}
}  // namespace

TEST_CASE("the leak: select-then-CV scores noise well above chance, in-fold selection does not") {
  job::register_fresh_select();
  const xval::Dataset data = noise(80, 1000, 7);
  auto executor = mproc::make_executor({.workers = 2});
  const auto splitter =
      xval::make_splitter("stratified_kfold:n_splits=5,shuffle=true,random_state=0");

  // Leaky: the 10 features with the smallest p-values on ALL rows, then cross-validation.
  job::FreshSelectOptions o = job::fresh_select_options({{"method", "k_best"}, {"k", "10"}});
  const auto kept = job::select_columns(as_eigen(data.X), data.y, o);
  REQUIRE(kept.size() == 10);
  xval::Dataset leaky = data;
  leaky.X = DenseMatrix(data.X.rows(), 10);
  for (std::size_t j = 0; j < kept.size(); ++j)
    std::ranges::copy(data.X.column(kept[j]), leaky.X.column(j).begin());
  const double leaky_acc =
      xval::cross_validate(leaky, *splitter, "gaussian_nb", {"accuracy"}, *executor).mean(0);

  // Honest: the same selection as the first pipeline step, fitted in each training fold.
  const double honest_acc =
      xval::cross_validate(data, *splitter, "fresh_select:method=k_best,k=10>gaussian_nb",
                           {"accuracy"}, *executor)
          .mean(0);
  MESSAGE("select-then-CV accuracy " << leaky_acc << ", in-fold selection " << honest_acc);
  CHECK(leaky_acc >= 0.72);  // 0.775 with this seed
  CHECK(honest_acc <= 0.65);
  CHECK(honest_acc >= 0.30);
}

TEST_CASE("fresh_select keeps informative columns, at least min_features, and checks params") {
  job::register_fresh_select();
  xval::Dataset d = noise(60, 20, 3);
  for (std::size_t i = 0; i < d.X.rows(); ++i) d.X(i, 4) = d.y[i] * 3 + d.X(i, 4) * 0.1;
  auto step = make_transformer("fresh_select:fdr=0.05");
  step->fit_supervised(as_eigen(d.X), d.y);
  const auto kept = step->kept_columns();
  REQUIRE(!kept.empty());
  CHECK(std::find(kept.begin(), kept.end(), std::size_t{4}) != kept.end());
  CHECK(step->transform(as_eigen(d.X)).cols() == static_cast<Eigen::Index>(kept.size()));
  // Pure noise: FDR keeps nothing, min_features = 1 keeps the smallest p-value.
  const xval::Dataset n = noise(60, 20, 5);
  CHECK(job::select_columns(as_eigen(n.X), n.y, job::fresh_select_options({})).size() >= 1);
  CHECK_THROWS_WITH_AS(make_transformer("fresh_select:method=k_best"), doctest::Contains("needs k"),
                       Error);
  CHECK_THROWS_WITH_AS(make_transformer("fresh_select:fdr=2"), doctest::Contains("fdr"), Error);
  CHECK_THROWS_AS(step->fit(as_eigen(d.X)), Error);  // needs y
}
