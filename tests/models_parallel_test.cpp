// Forests fitted through an executor's parallel_for are the same forests at every worker count
// (the model contract's determinism rule; core cannot link mproc, so this lives here).
#include <doctest/doctest.h>

#include <string>

#include "ml/model.hpp"
#include "ml/models_testdata.hpp"
#include "mproc/executor.hpp"

using namespace freshet;

TEST_CASE("random forests: same predictions for serial and 1, 2, 3 thread workers") {
  const testdata::Dataset data = testdata::load_dataset("breast_cancer");
  for (const std::string spec : {"random_forest_classifier:n_estimators=24,random_state=11",
                                 "random_forest_regressor:n_estimators=24,random_state=11"}) {
    CAPTURE(spec);
    auto serial = make_model(spec);
    serial->fit(data.X, data.y);
    const Vector expected = serial->predict(data.X);
    for (int workers : {1, 2, 3}) {
      CAPTURE(workers);
      auto executor = mproc::make_executor({.workers = workers});
      FitContext context;
      context.parallel_for = [&executor](std::size_t n,
                                         const std::function<void(std::size_t)>& body) {
        executor->parallel_for(n, body);
      };
      auto model = make_model(spec);
      model->fit(data.X, data.y, context);
      CHECK(model->predict(data.X) == expected);
      if (model->is_classifier())
        CHECK(model->predict_proba(data.X) == serial->predict_proba(data.X));
    }
  }
}

TEST_CASE("issue #20 models: same fitted model for serial and 1, 2, 3 thread workers") {
  // digits is large enough (1797 x 64) for gradient boosting to hand its root and large nodes'
  // histograms to the executor; extra trees hand whole trees to it.
  const testdata::Dataset data = testdata::load_dataset("digits");
  for (const std::string spec : {"hist_gradient_boosting_classifier:max_iter=8",
                                 "hist_gradient_boosting_regressor:max_iter=8",
                                 "extra_trees_classifier:n_estimators=12,random_state=5"}) {
    CAPTURE(spec);
    auto serial = make_model(spec);
    serial->fit(data.X, data.y);
    const Vector expected = serial->predict(data.X);
    for (int workers : {1, 2, 3}) {
      CAPTURE(workers);
      auto executor = mproc::make_executor({.workers = workers});
      FitContext context;
      context.parallel_for = [&executor](std::size_t n,
                                         const std::function<void(std::size_t)>& body) {
        executor->parallel_for(n, body);
      };
      auto model = make_model(spec);
      model->fit(data.X, data.y, context);
      CHECK(model->predict(data.X) == expected);
      if (model->is_classifier())
        CHECK(model->predict_proba(data.X) == serial->predict_proba(data.X));
    }
  }
}
