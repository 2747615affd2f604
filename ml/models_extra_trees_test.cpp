// extra_trees_classifier / extra_trees_regressor against scikit-learn 1.2.1's ExtraTrees* on the
// shared data sets: KFold(5) scores from tests/data/models/cv_scores.csv (written by
// ml/make_reference_models.py), determinism under any parallel_for schedule, and the defaults.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/models_testdata.hpp"

using namespace freshet;
using namespace freshet::testdata;

TEST_CASE("extra trees: KFold(5) scores match sklearn's ExtraTrees (random_state=0)") {
  const auto cases = read_reference("cv_scores.csv", "fold", "", "score");
  REQUIRE(cases.size() == 4);
  for (const RefCase& c : cases) {
    CAPTURE(c.dataset);
    const Dataset data = load_dataset(c.dataset);
    const auto folds = kfold(data.y.size(), 5);
    const bool regression = c.model == "extra_trees_regressor";
    const auto got = regression ? cross_val(c.spec(), data, folds, r2)
                                : cross_val(c.spec(), data, folds, accuracy);
    REQUIRE(got.size() == c.values.size());
    double mean_got = 0, mean_expected = 0, max_fold = 0;
    for (std::size_t f = 0; f < got.size(); ++f) {
      const double expected = c.values.at({static_cast<long>(f), 0});
      mean_got += got[f] / 5;
      mean_expected += expected / 5;
      max_fold = std::max(max_fold, std::abs(got[f] - expected));
    }
    MESSAGE(c.dataset << " " << c.spec() << ": mean " << mean_got << " vs sklearn " << mean_expected
                      << ", max fold diff " << max_fold);
    // The requirement: within 1 accuracy point / 0.01 R^2 of sklearn's mean.
    CHECK(std::abs(mean_got - mean_expected) <= 0.01);
    // The random splitter, its xorshift state and numpy's per-tree seeds are sklearn's, so the
    // forests are sklearn's forests: every fold's score to the metric's rounding.
    CHECK(max_fold <= 1e-12);
  }
}

TEST_CASE("extra trees: the same forest for any parallel_for schedule, defaults listed") {
  const Dataset data = load_dataset("wine");
  auto serial = make_model("extra_trees_classifier:n_estimators=15,random_state=3");
  serial->fit(data.X, data.y);
  // A schedule that runs the trees backwards: per-tree seeds are drawn up front, so the order
  // cannot matter.
  FitContext reversed;
  reversed.parallel_for = [](std::size_t n, const std::function<void(std::size_t)>& body) {
    for (std::size_t i = n; i-- > 0;) body(i);
  };
  auto parallel = make_model("extra_trees_classifier:n_estimators=15,random_state=3");
  parallel->fit(data.X, data.y, reversed);
  const Matrix a = serial->predict_proba(data.X), b = parallel->predict_proba(data.X);
  CHECK((a.array() == b.array()).all());

  const ModelInfo* info = find_model("extra_trees_regressor");
  REQUIRE(info != nullptr);
  std::map<std::string, std::string> defaults;
  for (const auto& p : info->params) defaults[p.name] = p.default_value;
  CHECK(defaults.at("bootstrap") == "false");
  CHECK(defaults.at("max_features") == "1.0");
  CHECK(defaults.at("n_estimators") == "100");
  CHECK(find_model("extra_trees_classifier")->params.size() == info->params.size());
  CHECK_THROWS_AS(make_model("extra_trees_classifier:max_features=0"), Error);
}
