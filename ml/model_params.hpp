#pragma once
// Shared helpers for model implementations (ml/models_*.cpp and plug-ins): parsing the text
// parameters of a ModelParams, writing them back, and validating fit/predict inputs, all with
// the one-line errors the model contract promises ("model 'ridge': parameter 'alpha' must be a
// non-negative number, got \"x\"").
//
// Every function is pure (no global state) and thread-safe. Errors are Error(kInvalidArgument).
// `model` names the owner in messages: a bare name is written "model 'ridge'"; text that already
// quotes itself ("transformer 'standard_scaler'") is written as given.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ml/model.hpp"

namespace freshet {

// Throws if `params` holds a name not in `known`; the message names the model and lists the
// known names: "model 'ridge': unknown parameter 'alpah' (known: alpha, fit_intercept)".
void check_param_names(const ModelParams& params, std::span<const std::string_view> known,
                       std::string_view model);
void check_param_names(const ModelParams& params, std::initializer_list<std::string_view> known,
                       std::string_view model);
// Same, with the names taken from a registry entry (what make_model calls).
void check_param_names(const ModelParams& params, const ModelInfo& info);
// For Model::fit_variants: `base`'s parameters with `variant` applied, the names checked against
// base's registry entry (when it has one).
ModelParams variant_params(const Model& base, const ModelParams& variant);

// How a number parameter is bounded. Each bound is inclusive unless the *_open flag says so.
struct NumberRange {
  std::optional<double> min = std::nullopt;
  std::optional<double> max = std::nullopt;
  bool min_open = false;  // true: value must be > min
  bool max_open = false;  // true: value must be < max
};
inline constexpr NumberRange kAnyNumber{};
inline constexpr NumberRange kNonNegative{.min = 0.0};
inline constexpr NumberRange kPositive{.min = 0.0, .min_open = true};
inline constexpr NumberRange kUnitInterval{.min = 0.0, .max = 1.0};

// The value of `name`, or `fallback` when absent. Must be a finite number within `range`.
double param_number(const ModelParams& params, std::string_view name, double fallback,
                    std::string_view model, NumberRange range = kAnyNumber);
// An integer ("5"; "5.0" is refused) within [min, max].
std::int64_t param_int(const ModelParams& params, std::string_view name, std::int64_t fallback,
                       std::string_view model, std::int64_t min = INT64_MIN,
                       std::int64_t max = INT64_MAX);
// An integer or "none"/"None" (std::nullopt), e.g. max_depth.
std::optional<std::int64_t> param_optional_int(const ModelParams& params, std::string_view name,
                                               std::optional<std::int64_t> fallback,
                                               std::string_view model, std::int64_t min = INT64_MIN,
                                               std::int64_t max = INT64_MAX);
// true/false, True/False, 1/0, yes/no.
bool param_bool(const ModelParams& params, std::string_view name, bool fallback,
                std::string_view model);
// One of `choices` (exact spelling); the error lists them.
std::string param_choice(const ModelParams& params, std::string_view name,
                         std::string_view fallback, std::initializer_list<std::string_view> choices,
                         std::string_view model);

// Text forms for Model::params(): format_double, "true"/"false", integer, "none".
std::string param_text(double value);
std::string param_text(bool value);
std::string param_text(std::int64_t value);
std::string param_text(int value);
std::string param_text(std::optional<std::int64_t> value);

// Fit-time validation: X has at least one row and one column, y has X.rows() entries, nothing
// is NaN or infinite. Throws naming the model ("model 'ridge': X has 10 rows but y has 9").
void check_fit_input(std::string_view model, const MatrixRef& X, std::span<const double> y);
// Predict-time validation: the model is fitted (n_features > 0) and X has n_features columns of
// finite values.
void check_predict_input(std::string_view model, const MatrixRef& X, std::size_t n_features);

// Classifier labels: the distinct values of y in ascending order (sklearn's classes_), and each
// row's index into them. Labels must be finite (check_fit_input ensures it).
struct EncodedLabels {
  std::vector<double> classes;
  std::vector<int> codes;  // one per row, index into classes
};
EncodedLabels encode_labels(std::span<const double> y);

}  // namespace freshet
