#pragma once
// A model as the user names it: "ridge:alpha=0.5,fit_intercept=false" -> name and parameters.
// The standard library only (an installed header, see docs/cpp-api.md); the Model contract that
// gives the names meaning is ml/model.hpp, the structured pipeline form ml/pipeline_spec.hpp.

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace freshet {

// Parameter values as the user typed them ("0.5", "true", "gini", "none"); each model parses and
// validates its own, throwing Error(kInvalidArgument) "model 'ridge': parameter 'alpha' must be a
// non-negative number, got \"x\"". Unknown names are an error listing the known ones.
using ModelParams = std::map<std::string, std::string, std::less<>>;

struct ModelSpec {
  std::string name;
  ModelParams params;
};

// "ridge:alpha=0.5,fit_intercept=false" -> name and params. Throws Error(kParse) naming the
// spec on malformed text. Names are not looked up (make_model / PipelineSpec::validate do).
ModelSpec parse_model_spec(std::string_view spec);

}  // namespace freshet
