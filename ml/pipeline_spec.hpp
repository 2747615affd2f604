#pragma once
// PipelineSpec: what the user typed as
// "simple_imputer:strategy=median>standard_scaler>ridge:alpha=1" held as a value -- preprocessing
// steps, then the final model, each a name and parameters -- so that cross-validation, search and
// batch jobs pass it around, vary its parameters and ship it to tasks without printing and
// re-parsing text.
//
// Text form: steps and the model joined by '>', each "name" or "name:key=value,key=value" (the
// grammar of parse_model_spec). to_string() is canonical: parameters in name order, no spaces, so
// parse(to_string(s)) == s and two specs that mean the same model print the same text.
//
// Errors: parse throws Error(kParse) naming the whole spec; is_classifier / make / validate throw
// Error(kNotFound) for an unknown model or transformer (listing the known ones) and
// Error(kInvalidArgument) for an unknown parameter, exactly as make_model does.
// Thread-safety: a value type; const members are safe to call concurrently.
// Installed (docs/cpp-api.md): the standard library and project types only. make() returns the
// in-tree Model (ml/model.hpp, not installed): programs built against an installed freshet hold
// a model through Estimator (ml/estimator.hpp) instead.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "ml/model_spec.hpp"

namespace freshet {

class Model;  // ml/model.hpp

struct PipelineSpec {
  std::vector<ModelSpec> steps = {};  // transformers, applied in order
  ModelSpec model = {};               // the final estimator

  PipelineSpec() = default;
  // Parses the text form. Implicit on purpose, as std::string is from a literal: options structs
  // take specs the way users write them (`.model = "standard_scaler>ridge"`).
  PipelineSpec(std::string_view text);  // NOLINT(google-explicit-constructor)
  PipelineSpec(const std::string& text) : PipelineSpec(std::string_view(text)) {}  // NOLINT
  PipelineSpec(const char* text) : PipelineSpec(std::string_view(text)) {}         // NOLINT

  static PipelineSpec parse(std::string_view text) { return PipelineSpec(text); }

  // The canonical text form (see above).
  std::string to_string() const;

  // A copy with `params` set on the final model (existing values replaced).
  PipelineSpec with_params(const ModelParams& params) const;

  // Whether the final model is a classifier, from the model registry (nothing is built).
  bool is_classifier() const;

  // Builds the model (a Pipeline when there are steps); validates names and parameters.
  std::unique_ptr<Model> make() const;

  // The final model's full parameter set, defaults filled in (builds the final model only).
  ModelParams final_params() const;

  // Checks every name and parameter (builds and discards the model).
  void validate() const;

  bool has_steps() const { return !steps.empty(); }

  friend bool operator==(const PipelineSpec& a, const PipelineSpec& b) {
    return a.to_string() == b.to_string();
  }
};

// The structured form on the wire (task arguments): names and parameters, never re-parsed text.
void put_spec(ByteWriter& out, const PipelineSpec& spec);
// Throws Error(kParse) on a truncated or malformed record.
PipelineSpec get_spec(ByteReader& in);

}  // namespace freshet
