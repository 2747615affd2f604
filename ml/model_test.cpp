// The model registry, spec parsing, parameter helpers and plug-in models.
#include "ml/model.hpp"

#include <dlfcn.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "core/format.hpp"
#include "ml/model_params.hpp"
#include "tests/errors.hpp"

using namespace freshet;
using freshet::testing::code_of;
using freshet::testing::error_of;

TEST_CASE("parse_model_spec: name, parameters, spaces, malformed specs name themselves") {
  const ModelSpec s = parse_model_spec("ridge:alpha=0.5, fit_intercept=false");
  CHECK(s.name == "ridge");
  CHECK(s.params == ModelParams{{"alpha", "0.5"}, {"fit_intercept", "false"}});
  CHECK(parse_model_spec("ridge").params.empty());
  CHECK(parse_model_spec("ridge:").params.empty());
  CHECK(parse_model_spec("m:x=1e-5").params.at("x") == "1e-5");

  CHECK(error_of([] { parse_model_spec("ridge:alpha"); }) ==
        "model spec \"ridge:alpha\": expected name=value, got \"alpha\"");
  CHECK(error_of([] { parse_model_spec("ridge:alpha=1,alpha=2"); }) ==
        "model spec \"ridge:alpha=1,alpha=2\": parameter 'alpha' given twice");
  CHECK(error_of([] { parse_model_spec(":alpha=1"); }) ==
        "model spec \":alpha=1\": expected a model name such as 'ridge'");
  CHECK(error_of([] { parse_model_spec("ridge:alpha="); }) ==
        "model spec \"ridge:alpha=\": parameter 'alpha' has an empty value");
  CHECK(code_of([] { parse_model_spec("ridge:,"); }) == Errc::kParse);
}

TEST_CASE("registry: built-ins on first use, sorted, unknown names list the known ones") {
  const auto models = all_models();
  REQUIRE(!models.empty());
  CHECK(std::is_sorted(models.begin(), models.end(),
                       [](const ModelInfo* a, const ModelInfo* b) { return a->name < b->name; }));
  for (const char* name :
       {"linear_regression", "ridge", "lasso", "elastic_net", "logistic_regression"}) {
    const ModelInfo* info = find_model(name);
    REQUIRE(info != nullptr);
    CHECK(info->name == name);
    // Defaults listed in ModelInfo are the values a default-built model reports.
    const auto model = make_model(name);
    CHECK(model->name() == name);
    CHECK(model->is_classifier() == info->classifier);
    for (const auto& p : info->params) {
      INFO(name << "." << p.name);
      REQUIRE(model->params().count(p.name) == 1);
      double listed = 0, actual = 0;
      if (parse_double(p.default_value, listed) &&
          parse_double(model->params().at(p.name), actual)) {
        CHECK(listed == actual);
      } else {
        CHECK(model->params().at(p.name) == p.default_value);
      }
    }
    CHECK(model->params().size() == info->params.size());
  }
  CHECK(find_model("no_such_model") == nullptr);
  const std::string e = error_of([] { make_model("no_such_model:x=1"); });
  CHECK(e.find("unknown model 'no_such_model'; known: ") == 0);
  CHECK(e.find("ridge") != std::string::npos);
  CHECK(code_of([] { make_model("no_such_model"); }) == Errc::kNotFound);
}

TEST_CASE("register_model refuses duplicates and incomplete entries") {
  CHECK(error_of([] {
          register_model(
              {.name = "ridge", .make = [](const ModelParams&) { return make_model("ridge"); }});
        }) == "register model: 'ridge' is already registered");
  CHECK(error_of([] { register_model({.name = "no_factory"}); }) ==
        "register model: 'no_factory' has no factory");
  CHECK(find_model("no_factory") == nullptr);
}

TEST_CASE("parameter helpers: ranges, integers, booleans, choices, optional integers") {
  const ModelParams p{{"a", "0.5"},  {"n", "5"},    {"f", "5.5"}, {"b", "True"},
                      {"c", "gini"}, {"d", "none"}, {"x", "abc"}};
  CHECK(param_number(p, "a", 1.0, "m", kUnitInterval) == 0.5);
  CHECK(param_number(p, "missing", 1.5, "m") == 1.5);
  CHECK(param_int(p, "n", 0, "m", 1, 10) == 5);
  CHECK(error_of([&] { param_int(p, "f", 0, "m"); }) ==
        "model 'm': parameter 'f' must be an integer, got \"5.5\"");
  CHECK(error_of([&] { param_int(p, "n", 0, "m", 6); }) ==
        "model 'm': parameter 'n' must be an integer >= 6, got \"5\"");
  // Integer bounds read as integers, a real parameter's as Python writes them.
  CHECK(error_of([&] { param_int(p, "n", 0, "m", 6, 1073741824); }) ==
        "model 'm': parameter 'n' must be an integer in [6, 1073741824], got \"5\"");
  CHECK(error_of([&] { param_number(p, "n", 0, "m", {.min = 6.0}); }) ==
        "model 'm': parameter 'n' must be a number >= 6.0, got \"5\"");
  CHECK(param_bool(p, "b", false, "m"));
  CHECK(error_of([&] { param_bool(p, "x", false, "m"); }) ==
        "model 'm': parameter 'x' must be true or false, got \"abc\"");
  CHECK(param_choice(p, "c", "entropy", {"gini", "entropy"}, "m") == "gini");
  CHECK(!param_optional_int(p, "d", 3, "m").has_value());
  CHECK(param_optional_int(p, "missing", 3, "m") == 3);
  CHECK(error_of([&] { param_number(p, "x", 0, "transformer 't'"); }) ==
        "transformer 't': parameter 'x' must be a number, got \"abc\"");
  CHECK(error_of([&] {
          check_param_names(p, {"a", "n"}, "m");
        }) == "model 'm': unknown parameter 'b' (known: a, n)");
  CHECK(param_text(std::optional<std::int64_t>()) == "none");
  CHECK(param_text(0.1) == "0.1");

  const EncodedLabels l = encode_labels(std::vector<double>{3, 1, 3, 2});
  CHECK(l.classes == std::vector<double>{1, 2, 3});
  CHECK(l.codes == std::vector<int>{2, 0, 2, 1});
}

TEST_CASE("a plug-in model registers by name when loaded and works like a built-in") {
  // What mproc::detail::load_plugin (ExecutorOptions::plugins, --plugin) does.
  void* handle = dlopen(FRESHET_USER_MODEL_PLUGIN, RTLD_NOW | RTLD_GLOBAL);
  INFO((handle ? "" : dlerror()));
  REQUIRE(handle != nullptr);
  const ModelInfo* info = find_model("nearest_centroid");
  REQUIRE(info != nullptr);
  CHECK(info->classifier);
  const auto models = all_models();
  CHECK(std::any_of(models.begin(), models.end(),
                    [](const ModelInfo* m) { return m->name == "nearest_centroid"; }));

  // Two well-separated groups; a point is labelled by the nearer group mean.
  Matrix X(6, 2);
  X << 0, 0, 1, 0, 0, 1, 10, 10, 11, 10, 10, 11;
  const std::vector<double> y{5, 5, 5, 9, 9, 9};
  auto model = make_model("nearest_centroid");
  model->fit(X, y);
  Matrix probe(3, 2);
  probe << 1, 1, 9, 9, 5.4, 5.4;  // centroids (1/3, 1/3) and (31/3, 31/3)
  const Vector p = model->predict(probe);
  CHECK(p[0] == 5.0);
  CHECK(p[1] == 9.0);
  CHECK(p[2] == 9.0);
  CHECK(model->classes() == std::vector<double>{5, 9});
  CHECK(model->clone()->params() == model->params());
  // It shares the built-ins' validation helpers and errors.
  CHECK(error_of([] { make_model("nearest_centroid:shrink=0.2"); }) ==
        "model 'nearest_centroid': parameter 'shrink' must be one of none, got \"0.2\"");
  CHECK(error_of([] { make_model("nearest_centroid:k=1"); }) ==
        "model 'nearest_centroid': unknown parameter 'k' (known: shrink)");
  CHECK(error_of([&] { model->predict_proba(probe); }) ==
        "model 'nearest_centroid' has no predict_proba");
  // And it composes with preprocessing like any model.
  auto pipe = make_model("standard_scaler>nearest_centroid");
  pipe->fit(X, y);
  CHECK(pipe->predict(probe)[1] == 9.0);
  // Loading the same library again does not re-run its registration (dlopen refcounts).
  void* again = dlopen(FRESHET_USER_MODEL_PLUGIN, RTLD_NOW | RTLD_GLOBAL);
  CHECK(again == handle);
  // Never dlclose: the registry holds the plug-in's factory.
}
