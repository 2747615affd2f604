// Candidates that differ only in path parameters share one task per split (group_by_path); the
// scores must be exactly those of evaluating every candidate on its own, for every backend.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "mproc/executor.hpp"
#include "xval/cross_validate.hpp"
#include "xval/search.hpp"
#include "xval/search_space.hpp"

using namespace freshet;
using namespace freshet::xval;

namespace {

// 3 classes from integer features (distance ties, as in digits).
Dataset make_classes() {
  Table t;
  std::vector<double> x0(90), x1(90), x2(90), y(90);
  for (int i = 0; i < 90; ++i) {
    x0[i] = (i * 7) % 5;
    x1[i] = (i * 11) % 4;
    x2[i] = (i * 3) % 6;
    y[i] = static_cast<double>((static_cast<int>(x0[i] + x1[i]) + (i % 4 == 0 ? 1 : 0)) % 3);
  }
  t.add_column(Column("x0", x0));
  t.add_column(Column("x1", x1));
  t.add_column(Column("x2", x2));
  t.add_column(Column("y", y));
  return make_dataset(t, {.target = "y"});
}

}  // namespace

TEST_CASE("group_by_path: candidates differing only in path parameters share a group") {
  const std::vector<PipelineSpec> models = {
      "knn_classifier:n_neighbors=1",
      "ridge:alpha=1",
      "knn_classifier:n_neighbors=3",
      "standard_scaler>knn_classifier:n_neighbors=3",
      "knn_classifier:n_neighbors=5,weights=distance",
      "ridge:alpha=2",
      "standard_scaler>knn_classifier:n_neighbors=7",
      "logistic_regression:C=0.1",
      "logistic_regression:C=10",
      "logistic_regression:C=1,fit_intercept=false",
      "lasso:alpha=1",
      "lasso:alpha=2",
  };
  const auto groups = group_by_path(models);
  // kNN's path is n_neighbors and weights; ridge's alpha; the pipeline prefix must match;
  // logistic's path is C only; lasso has none.
  const std::vector<std::vector<std::size_t>> want = {{0, 2, 4}, {1, 5}, {3, 6}, {7, 8},
                                                      {9},       {10},   {11}};
  CHECK(groups == want);
}

TEST_CASE("evaluate: grouped candidates score exactly as candidates evaluated alone") {
  const Dataset data = make_classes();
  const auto splitter = make_splitter("stratified_kfold:n_splits=3,shuffle=true,random_state=4");
  const Folds folds = splitter->split(data.split_data());
  std::vector<PipelineSpec> models;
  for (int k : {1, 2, 4, 6, 9})
    for (const std::string w : {"uniform", "distance"})
      models.push_back("standard_scaler>knn_classifier:n_neighbors=" + std::to_string(k) +
                       ",weights=" + w);
  const std::vector<std::string> scoring = {"accuracy", "f1_macro", "neg_log_loss"};
  auto serial = mproc::make_executor({.workers = 0});
  REQUIRE(group_by_path(models).size() == 1);
  const auto grouped = evaluate(data, folds, models, scoring, *serial);
  REQUIRE(grouped.size() == models.size() * folds.size());
  for (std::size_t m = 0; m < models.size(); ++m) {
    const PipelineSpec one[] = {models[m]};
    const auto alone = evaluate(data, folds, one, scoring, *serial);
    const std::string spec_text = models[m].to_string();
    for (std::size_t s = 0; s < folds.size(); ++s) {
      CAPTURE(spec_text);
      CAPTURE(s);
      CHECK(grouped[m * folds.size() + s].scores == alone[s].scores);
    }
  }
  for (int workers : {1, 2, 3}) {
    auto ex = mproc::make_executor({.workers = workers});
    const auto got = evaluate(data, folds, models, scoring, *ex);
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i].scores == grouped[i].scores);
  }
}

TEST_CASE("search: a logistic C path gives the cold fits' accuracies and best candidate") {
  const Dataset data = make_classes();
  const auto splitter = make_splitter("kfold:n_splits=3");
  SearchOptions options;
  options.model = "standard_scaler>logistic_regression:max_iter=500";
  for (const std::string c : {"100", "0.01", "1", "0.1"}) options.candidates.push_back({{"C", c}});
  options.scoring = {"accuracy", "neg_log_loss"};
  auto serial = mproc::make_executor({.workers = 0});
  const SearchResult result = search(data, *splitter, options, *serial);
  REQUIRE(result.scores.size() == 4 * 3);
  const Folds folds = splitter->split(data.split_data());
  for (std::size_t c = 0; c < 4; ++c) {
    const PipelineSpec one[] = {options.model.with_params(options.candidates[c])};
    const auto alone = evaluate(data, folds, one, options.scoring, *serial);
    for (std::size_t s = 0; s < 3; ++s) {
      CAPTURE(c);
      CAPTURE(s);
      CHECK(result.split_score(0, c, s) == alone[s].scores[0]);
      CHECK(std::abs(result.split_score(1, c, s) - alone[s].scores[1]) <= 1e-7);
    }
  }
}
