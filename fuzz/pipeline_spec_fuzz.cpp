// Pipeline specs (ml/pipeline_spec.hpp) in both forms: the text users type (--model, job files)
// and the record tasks receive (get_spec). The first input byte picks the form. Text that parses
// prints canonically (parse(to_string(s)) prints the same) and validates or throws Error; a record
// that decodes re-encodes to one that decodes to the same spec.
// fuzz-links: freshet::core freshet::mproc freshet::ml
#include "fuzz/harness.hpp"
#include "ml/pipeline_spec.hpp"

using namespace freshet;

namespace {

bool same(const ModelSpec& a, const ModelSpec& b) {
  return a.name == b.name && a.params == b.params;
}
bool same(const PipelineSpec& a, const PipelineSpec& b) {
  if (a.steps.size() != b.steps.size() || !same(a.model, b.model)) return false;
  for (std::size_t i = 0; i < a.steps.size(); ++i)
    if (!same(a.steps[i], b.steps[i])) return false;
  return true;
}

}  // namespace

namespace freshet::fuzz {

Seeds seeds() {
  Seeds s;
  for (const char* text :
       {"ridge", "standard_scaler>ridge:alpha=1",
        "simple_imputer:strategy=median>"
        "standard_scaler>logistic_regression:C=0.5,max_iter=500",
        "random_forest_classifier:n_estimators=100,max_depth=none,random_state=0",
        " knn_classifier : n_neighbors = 5 , weights = distance "}) {
    s.push_back({"text_" + std::to_string(s.size()), std::string("\x00", 1) + text});
    ByteWriter w;
    put_spec(w, PipelineSpec(text));
    s.push_back({"record_" + std::to_string(s.size()), "\x01" + to_string(w.bytes())});
  }
  return s;
}

}  // namespace freshet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  PipelineSpec spec;
  if (data[0] % 2 == 0) {
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    if (!fuzz::accepts([&] { spec = PipelineSpec(text); })) return 0;
    const std::string canonical = spec.to_string();
    PipelineSpec again;
    FUZZ_CHECK(fuzz::accepts([&] { again = PipelineSpec(canonical); }));
    FUZZ_CHECK(same(again, spec));
    FUZZ_CHECK(again.to_string() == canonical);
    fuzz::accepts([&] {
      spec.validate();
      (void)spec.is_classifier();
      (void)spec.final_params();
    });
  } else {
    const Bytes record = fuzz::copy_bytes(data + 1, size - 1);
    ByteReader in(record);
    if (!fuzz::accepts([&] { spec = get_spec(in); })) return 0;
    ByteWriter w;
    put_spec(w, spec);
    ByteReader in2(w.bytes());
    const PipelineSpec again = get_spec(in2);
    FUZZ_CHECK(in2.at_end());
    FUZZ_CHECK(same(again, spec));
  }
  return 0;
}
