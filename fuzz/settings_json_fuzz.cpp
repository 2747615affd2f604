// The feature settings JSON reader (fresh/settings.hpp, settings_from_json_text: what
// `extract --features FILE.json` and a job's {"settings": FILE} read). Bad documents are
// Error(kParse / kInvalidArgument / kNotFound) naming the source; accepted settings survive the
// round trip through settings_to_json.
// fuzz-links: freshet::core freshet::mproc freshet::fresh
#include "fresh/settings.hpp"
#include "fuzz/harness.hpp"

using namespace freshet;
using namespace freshet::fresh;

namespace freshet::fuzz {

Seeds seeds() {
  Seeds s;
  s.push_back({"minimal", settings_to_json(preset_settings("minimal")).dump(1)});
  s.push_back({"catch22_mean", R"({"catch22": null, "mean": null})"});
  s.push_back({"params", R"({"autocorrelation": [{"lag": 1}, {"lag": 3}],
 "quantile": [{"q": 0.1}], "fft_coefficient": [{"coeff": 0, "attr": "abs"}],
 "agg_linear_trend": [{"attr": "slope", "chunk_len": 5, "f_agg": "mean"}],
 "number_peaks": [{"n": 1}], "length": null})"});
  s.push_back({"per_kind", R"({"default_fc_parameters": {"mean": null, "maximum": null},
 "kind_to_fc_parameters": {"accel": {"variance": null, "cwt_coefficients":
 [{"widths": [2, 5], "coeff": 1, "w": 2}]}, "gyro": {}}})"});
  return s;
}

}  // namespace freshet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Settings settings;
  if (!fuzz::accepts([&] { settings = settings_from_json_text(text, "fuzz.json"); })) return 0;
  const nlohmann::json doc = settings_to_json(settings);
  Settings again;
  FUZZ_CHECK(fuzz::accepts([&] { again = settings_from_json(doc, "fuzz.json (written)"); }));
  FUZZ_CHECK(settings_to_json(again) == doc);
  return 0;
}
