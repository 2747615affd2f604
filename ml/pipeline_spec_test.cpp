#include "ml/pipeline_spec.hpp"

#include <doctest/doctest.h>

#include "core/error.hpp"
#include "ml/labels.hpp"
#include "ml/model_params.hpp"
#include "ml/preprocess.hpp"
#include "tests/errors.hpp"

using namespace freshet;
using freshet::testing::code_of;
using freshet::testing::error_of;

TEST_CASE("PipelineSpec: parse, canonical text, round trip") {
  const PipelineSpec s(
      " simple_imputer:strategy=median, fill_value=0 > standard_scaler>ridge:alpha=1 ");
  REQUIRE(s.steps.size() == 2);
  CHECK(s.steps[0].name == "simple_imputer");
  CHECK(s.steps[0].params.at("strategy") == "median");
  CHECK(s.steps[1].name == "standard_scaler");
  CHECK(s.model.name == "ridge");
  CHECK(s.model.params.at("alpha") == "1");
  // Canonical: parameters in name order, no spaces.
  CHECK(s.to_string() ==
        "simple_imputer:fill_value=0,strategy=median>standard_scaler>ridge:alpha=1");
  CHECK(PipelineSpec(s.to_string()) == s);
  CHECK(PipelineSpec("knn_classifier").to_string() == "knn_classifier");
  CHECK(!PipelineSpec("ridge").has_steps());
}

TEST_CASE("PipelineSpec: with_params sets the final model's parameters only") {
  const PipelineSpec s("standard_scaler:with_mean=false>ridge:alpha=1,fit_intercept=true");
  const PipelineSpec t = s.with_params({{"alpha", "2"}, {"solver", "auto"}});
  CHECK(t.to_string() ==
        "standard_scaler:with_mean=false>ridge:alpha=2,fit_intercept=true,solver=auto");
  CHECK(s.model.params.at("alpha") == "1");  // a copy: the original is unchanged
}

TEST_CASE("PipelineSpec: is_classifier from the registry, make builds the same model") {
  CHECK(PipelineSpec("standard_scaler>logistic_regression").is_classifier());
  CHECK(!PipelineSpec("standard_scaler>ridge").is_classifier());
  const auto model = PipelineSpec("standard_scaler>ridge:alpha=0.5").make();
  CHECK(model->name() == make_model("standard_scaler>ridge:alpha=0.5")->name());
  CHECK(model->params() == make_model("standard_scaler>ridge:alpha=0.5")->params());
  CHECK(PipelineSpec("ridge").final_params().at("alpha") == "1.0");
}

TEST_CASE("PipelineSpec: malformed and unknown specs give the model errors") {
  CHECK(error_of([] { PipelineSpec("standard_scaler>>ridge"); }) ==
        "pipeline spec \"standard_scaler>>ridge\": empty step 2");
  CHECK(error_of([] { PipelineSpec("standard_scaler>"); }) ==
        "pipeline spec \"standard_scaler>\": no model at the end");
  CHECK(error_of([] { PipelineSpec("ridge:alpha"); }).find("model spec \"ridge:alpha\"") == 0);
  CHECK(error_of([] {
          (void)PipelineSpec("nosuch").is_classifier();
        }).find("unknown model 'nosuch'; known: ") == 0);
  CHECK(error_of([] {
          PipelineSpec("scaler>ridge").validate();
        }).find("unknown transformer 'scaler'; known: ") == 0);
  CHECK(error_of([] {
          PipelineSpec("ridge:alpah=1").validate();
        }).find("unknown parameter 'alpah'") != std::string::npos);
}

TEST_CASE("PipelineSpec: the wire record round-trips and rejects truncation") {
  const PipelineSpec s("simple_imputer:strategy=median>standard_scaler>ridge:alpha=0.1");
  ByteWriter w;
  put_spec(w, s);
  const Bytes bytes = std::move(w).take();
  ByteReader in(bytes);
  CHECK(get_spec(in) == s);
  CHECK(in.at_end());
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    ByteReader partial(std::span<const std::byte>(bytes.data(), cut));
    CHECK_THROWS_AS(get_spec(partial), Error);
  }
  // A hostile step count fails on the first missing step, without allocating for it.
  ByteWriter huge;
  huge.put<std::uint64_t>(~std::uint64_t{0});
  const Bytes h = std::move(huge).take();
  ByteReader hin(h);
  CHECK_THROWS_AS(get_spec(hin), Error);
}

TEST_CASE("labels: one encoding for classifiers, text targets and splitters") {
  const double y[] = {3, 1, 2, 1, -0.0, 0.0, 3};
  const auto coding = encode_sorted(std::span<const double>(y));
  CHECK(coding.classes == std::vector<double>{-0.0, 1, 2, 3});
  CHECK(coding.codes == std::vector<std::int64_t>{3, 1, 2, 1, 0, 0, 3});
  const EncodedLabels enc = encode_labels(y);
  CHECK(enc.classes == coding.classes);
  CHECK(enc.codes == std::vector<int>{3, 1, 2, 1, 0, 0, 3});
  const std::string text[] = {"b", "a", "B", "b"};
  LabelEncoder le;
  le.fit(text);
  CHECK(le.transform(text) == std::vector<double>{2, 1, 0, 2});  // byte order: "B" < "a" < "b"
}
