#pragma once
// tsfresh feature names, both ways.
//
// A feature is named "<kind>__<calculator>" when the calculator takes no parameters, else
// "<kind>__<calculator>__<k1>_<v1>__<k2>_<v2>..." with the keys in sorted (byte) order and each
// value written as tsfresh writes it (its convert_to_output_format): Python str() of the value,
// except that a string is wrapped in double quotes. So ints are "10", "-1"; floats Python repr
// ("0.1", "0.15000000000000002", "1e-05", "1.0"); booleans "True"/"False"; null "None"; arrays
// Python tuples with repr'ed items ("(2, 5, 10, 20)", "(1,)", "('a', 'b')").
//
// parse_feature_name is the inverse tsfresh's from_columns uses: split on "__", the first part is
// the kind, the second the calculator, every further part "<key>_<value>" split at its last '_'
// and the value read as a Python literal (ast.literal_eval; "nan"/"inf"/"-inf" as floats).
// All functions are pure and thread-safe.

#include <string>
#include <string_view>

#include "fresh/calculator.hpp"

namespace freshet::fresh {

// "<k1>_<v1>__<k2>_<v2>..." for a parameter object ("" for null or {}). Throws
// Error(kInvalidArgument) when params is neither null nor an object.
std::string params_suffix(const Params& params);

// The full tsfresh name of one feature.
std::string feature_name(std::string_view kind, std::string_view calculator, const Params& params);
std::string feature_name(std::string_view kind, const Calculator& calc, const Params& params);

// Python str() of one parameter value as it appears in a name (strings double-quoted at the top
// level, single-quoted inside tuples, as Python's repr of a tuple does).
std::string python_value_str(const Params& value);

struct ParsedFeatureName {
  std::string kind;
  std::string calculator;
  Params params;  // null when the name has no parameter parts, else an object
};

// Throws Error(kParse) naming the feature when the name has fewer than two "__" parts, a
// parameter part without '_', or a value that is not a Python literal. Does not check that the
// calculator exists (settings.hpp does).
ParsedFeatureName parse_feature_name(std::string_view name);

// Reads one Python literal as tsfresh's get_config_from_string does: int, float, True/False,
// None, '...' or "..." string, tuple/list of literals (-> JSON array); "nan", "inf", "-inf" in
// any case -> float. Throws Error(kParse) naming the text.
Params parse_python_literal(std::string_view text);

}  // namespace freshet::fresh
