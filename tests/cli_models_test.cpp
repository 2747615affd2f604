// `freshet models`: every registered model and preprocessing step is listed with its parameters
// and defaults, read from the same registries the C++ API uses.
#include <doctest/doctest.h>

#include <algorithm>

#include "ml/model.hpp"
#include "ml/preprocess.hpp"
#include "tests/run_command.hpp"

using namespace freshet::testing;

TEST_CASE("models lists every registered model and step with parameters and defaults") {
  const auto r = run_command(freshet_exe() + " models --workers 0");
  REQUIRE(r.status == 0);
  CHECK(r.err.empty());
  for (const freshet::ModelInfo* m : freshet::all_models()) {
    INFO("model ", m->name);
    const auto at = r.out.find("\n  " + m->name + "  ");
    REQUIRE(at != std::string::npos);
    // Classifiers are listed under "classifiers:", regressors after "regressors:".
    const auto regressors = r.out.find("regressors:");
    CHECK((at < regressors) == m->classifier);
    for (const auto& p : m->params) {
      CHECK(r.out.find("      " + p.name + "=" + p.default_value + "  ", at) != std::string::npos);
    }
  }
  for (const freshet::TransformerInfo* t : freshet::all_transformers()) {
    INFO("step ", t->name);
    CHECK(r.out.find("\n  " + t->name + "  ") > r.out.find("preprocessing"));
  }

  const auto one = run_command(freshet_exe() + " models ridge --workers 0");
  CHECK(one.status == 0);
  CHECK(one.out.find("ridge (regressor)") == 2);
  CHECK(one.out.find("lasso") == std::string::npos);

  const auto unknown = run_command(freshet_exe() + " models nope --workers 0");
  CHECK(unknown.status == 2);  // a name on the command line (README "Exit status")
  CHECK(unknown.err.find("freshet: error: unknown model 'nope'; known: ") == 0);
  CHECK(std::count(unknown.err.begin(), unknown.err.end(), '\n') == 1);
}
