// The model registry, spec parsing, the Model defaults and the parameter helpers of
// ml/model_params.hpp.
#include "ml/model.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/registry.hpp"
#include "ml/labels.hpp"
#include "ml/model_params.hpp"
#include "ml/pipeline_spec.hpp"
#include "ml/preprocess.hpp"

namespace freshet {

// ---- Model defaults ----------------------------------------------------------------------------

Matrix Model::predict_proba(const MatrixRef& /*X*/) const {
  throw Error(Errc::kInvalidArgument,
              "model '" + name() + "' has no predict_proba" +
                  (is_classifier() ? std::string() : std::string(" (it is a regressor)")));
}

Matrix Model::decision_function(const MatrixRef& /*X*/) const {
  throw Error(Errc::kInvalidArgument, "model '" + name() + "' has no decision_function");
}

// ---- Registry ----------------------------------------------------------------------------------

namespace {

void register_builtin_models() {
  register_linear_models();
  register_bayes_models();
  register_neighbors_models();
  register_tree_models();
  register_svm_models();
  register_hgb_models();
}

// Built-ins register on first use, before any plug-in, so a plug-in that reuses a built-in name
// is refused rather than silently shadowed (or shadowing) depending on load order.
Registry<ModelInfo>& registry() {
  static Registry<ModelInfo> instance("model", register_builtin_models);
  return instance;
}

}  // namespace

const Registry<ModelInfo>& model_registry() { return registry(); }

void register_model(ModelInfo info) {
  if (!info.make) {
    throw Error(Errc::kInvalidArgument, "register model: '" + info.name + "' has no factory");
  }
  registry().add(std::move(info));
}

const ModelInfo* find_model(std::string_view name) { return registry().find(name); }

std::vector<const ModelInfo*> all_models() { return registry().sorted(); }

// ---- Specs -------------------------------------------------------------------------------------

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool valid_identifier(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

}  // namespace

ModelSpec parse_model_spec(std::string_view spec) {
  const auto fail = [&](const std::string& why) -> Error {
    return Error(Errc::kParse, "model spec \"" + std::string(spec) + "\": " + why);
  };
  ModelSpec out;
  const std::size_t colon = spec.find(':');
  const std::string_view name = trim(spec.substr(0, colon));
  if (!valid_identifier(name)) throw fail("expected a model name such as 'ridge'");
  out.name = std::string(name);
  if (colon == std::string_view::npos) return out;
  std::string_view rest = spec.substr(colon + 1);
  if (trim(rest).empty()) return out;  // "ridge:" is the same as "ridge"
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      throw fail("expected name=value, got \"" + std::string(trim(item)) + "\"");
    }
    const std::string_view key = trim(item.substr(0, eq));
    const std::string_view value = trim(item.substr(eq + 1));
    if (!valid_identifier(key)) throw fail("bad parameter name \"" + std::string(key) + "\"");
    if (value.empty()) throw fail("parameter '" + std::string(key) + "' has an empty value");
    if (!out.params.emplace(std::string(key), std::string(value)).second) {
      throw fail("parameter '" + std::string(key) + "' given twice");
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

std::unique_ptr<Model> make_model(const ModelSpec& spec) {
  const ModelInfo* info = &registry().get(spec.name);
  check_param_names(spec.params, *info);
  auto model = info->make(spec.params);
  if (!model) throw Error(Errc::kInternal, "model '" + spec.name + "': factory returned null");
  return model;
}

std::vector<std::unique_ptr<Model>> Model::fit_variants(const MatrixRef& X,
                                                        std::span<const double> y,
                                                        std::span<const ModelParams> variants,
                                                        const FitContext& context) const {
  std::vector<std::unique_ptr<Model>> out;
  out.reserve(variants.size());
  for (const auto& variant : variants) {
    ModelSpec spec{name(), params()};
    for (const auto& [k, v] : variant) spec.params[k] = v;
    out.push_back(make_model(spec));
    out.back()->fit(X, y, context);
  }
  return out;
}

std::unique_ptr<Model> make_model(std::string_view spec) {
  if (spec.find('>') != std::string_view::npos) return PipelineSpec(spec).make();
  return make_model(parse_model_spec(spec));
}

// ---- Parameter helpers -------------------------------------------------------------------------

namespace {

std::string join_names(std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out.empty() ? "none" : out;
}

// "ridge" -> "model 'ridge'"; a subject that already quotes itself ("transformer 'x'") as is.
std::string subject(std::string_view model) {
  if (model.find('\'') != std::string_view::npos) return std::string(model);
  return "model '" + std::string(model) + "'";
}

[[noreturn]] void bad_param(std::string_view model, std::string_view name, std::string_view what,
                            std::string_view got) {
  throw Error(Errc::kInvalidArgument, subject(model) + ": parameter '" + std::string(name) +
                                          "' must be " + std::string(what) + ", got \"" +
                                          std::string(got) + "\"");
}

const std::string* lookup(const ModelParams& params, std::string_view name) {
  const auto it = params.find(name);
  return it == params.end() ? nullptr : &it->second;
}

std::string range_text(const NumberRange& r, bool integer) {
  std::string out = integer ? "an integer" : "a number";
  // An integer parameter's bounds as integers ("in [1, 1073741824]", not "[1.0, ...]").
  const auto bound = [integer](double v) {
    if (integer && v == std::trunc(v) && std::abs(v) < 9.0e15)
      return std::to_string(static_cast<long long>(v));
    return format_double(v);
  };
  if (r.min && r.max) {
    out += std::string(" in ") + (r.min_open ? "(" : "[") + bound(*r.min) + ", " + bound(*r.max) +
           (r.max_open ? ")" : "]");
  } else if (r.min) {
    if (*r.min == 0.0 && !r.min_open)
      return integer ? "a non-negative integer" : "a non-negative number";
    if (*r.min == 0.0 && r.min_open) return integer ? "a positive integer" : "a positive number";
    out += std::string(r.min_open ? " > " : " >= ") + bound(*r.min);
  } else if (r.max) {
    out += std::string(r.max_open ? " < " : " <= ") + bound(*r.max);
  }
  return out;
}

bool in_range(double v, const NumberRange& r) {
  if (r.min && (r.min_open ? !(v > *r.min) : !(v >= *r.min))) return false;
  if (r.max && (r.max_open ? !(v < *r.max) : !(v <= *r.max))) return false;
  return true;
}

}  // namespace

void check_param_names(const ModelParams& params, std::span<const std::string_view> known,
                       std::string_view model) {
  for (const auto& [name, value] : params) {
    if (std::find(known.begin(), known.end(), std::string_view(name)) == known.end()) {
      throw Error(Errc::kInvalidArgument, subject(model) + ": unknown parameter '" + name +
                                              "' (known: " + join_names(known) + ")");
    }
  }
}

void check_param_names(const ModelParams& params, std::initializer_list<std::string_view> known,
                       std::string_view model) {
  check_param_names(params, std::span<const std::string_view>(known.begin(), known.size()), model);
}

void check_param_names(const ModelParams& params, const ModelInfo& info) {
  std::vector<std::string_view> known;
  known.reserve(info.params.size());
  for (const auto& p : info.params) known.push_back(p.name);
  check_param_names(params, std::span<const std::string_view>(known), info.name);
}

ModelParams variant_params(const Model& base, const ModelParams& variant) {
  ModelParams p = base.params();
  for (const auto& [k, v] : variant) p[k] = v;
  if (const ModelInfo* info = find_model(base.name())) check_param_names(p, *info);
  return p;
}

double param_number(const ModelParams& params, std::string_view name, double fallback,
                    std::string_view model, NumberRange range) {
  const std::string* text = lookup(params, name);
  if (text == nullptr) return fallback;
  double v = 0;
  if (!parse_double(*text, v) || !std::isfinite(v) || !in_range(v, range)) {
    bad_param(model, name, range_text(range, false), *text);
  }
  return v;
}

std::int64_t param_int(const ModelParams& params, std::string_view name, std::int64_t fallback,
                       std::string_view model, std::int64_t min, std::int64_t max) {
  const std::string* text = lookup(params, name);
  if (text == nullptr) return fallback;
  std::int64_t v = 0;
  if (!parse_int64(*text, v) || v < min || v > max) {
    NumberRange r;
    if (min != INT64_MIN) r.min = static_cast<double>(min);
    if (max != INT64_MAX) r.max = static_cast<double>(max);
    bad_param(model, name, range_text(r, true), *text);
  }
  return v;
}

std::optional<std::int64_t> param_optional_int(const ModelParams& params, std::string_view name,
                                               std::optional<std::int64_t> fallback,
                                               std::string_view model, std::int64_t min,
                                               std::int64_t max) {
  const std::string* text = lookup(params, name);
  if (text == nullptr) return fallback;
  if (*text == "none" || *text == "None") return std::nullopt;
  std::int64_t v = 0;
  if (!parse_int64(*text, v) || v < min || v > max) {
    NumberRange r;
    if (min != INT64_MIN) r.min = static_cast<double>(min);
    if (max != INT64_MAX) r.max = static_cast<double>(max);
    bad_param(model, name, range_text(r, true) + " or none", *text);
  }
  return v;
}

bool param_bool(const ModelParams& params, std::string_view name, bool fallback,
                std::string_view model) {
  const std::string* text = lookup(params, name);
  if (text == nullptr) return fallback;
  const std::string& t = *text;
  if (t == "true" || t == "True" || t == "1" || t == "yes") return true;
  if (t == "false" || t == "False" || t == "0" || t == "no") return false;
  bad_param(model, name, "true or false", t);
}

std::string param_choice(const ModelParams& params, std::string_view name,
                         std::string_view fallback, std::initializer_list<std::string_view> choices,
                         std::string_view model) {
  const std::string* text = lookup(params, name);
  if (text == nullptr) return std::string(fallback);
  for (auto c : choices) {
    if (*text == c) return *text;
  }
  bad_param(
      model, name,
      "one of " + join_names(std::span<const std::string_view>(choices.begin(), choices.size())),
      *text);
}

std::string param_text(double value) { return format_double(value); }
std::string param_text(bool value) { return value ? "true" : "false"; }
std::string param_text(std::int64_t value) { return std::to_string(value); }
std::string param_text(int value) { return std::to_string(value); }
std::string param_text(std::optional<std::int64_t> value) {
  return value ? std::to_string(*value) : std::string("none");
}

void check_fit_input(std::string_view model, const MatrixRef& X, std::span<const double> y) {
  const std::string m = "model '" + std::string(model) + "': ";
  if (X.rows() == 0) throw Error(Errc::kInvalidArgument, m + "cannot fit on 0 rows");
  if (X.cols() == 0) throw Error(Errc::kInvalidArgument, m + "cannot fit on 0 feature columns");
  if (static_cast<std::size_t>(X.rows()) != y.size()) {
    throw Error(Errc::kInvalidArgument, m + "X has " + std::to_string(X.rows()) +
                                            " rows but y has " + std::to_string(y.size()));
  }
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      if (!std::isfinite(X(i, j))) {
        throw Error(Errc::kInvalidArgument,
                    m + "X has a non-finite value (" + format_double(X(i, j)) + ") at row " +
                        std::to_string(i) + ", column " + std::to_string(j) +
                        " (impute it first, e.g. simple_imputer)");
      }
    }
  }
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      throw Error(Errc::kInvalidArgument, m + "y has a non-finite value (" + format_double(y[i]) +
                                              ") at row " + std::to_string(i));
    }
  }
}

void check_predict_input(std::string_view model, const MatrixRef& X, std::size_t n_features) {
  const std::string m = "model '" + std::string(model) + "': ";
  if (n_features == 0) throw Error(Errc::kInvalidArgument, m + "predict called before fit");
  if (static_cast<std::size_t>(X.cols()) != n_features) {
    throw Error(Errc::kInvalidArgument, m + "X has " + std::to_string(X.cols()) +
                                            " feature columns, but the model was fitted on " +
                                            std::to_string(n_features));
  }
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      if (!std::isfinite(X(i, j))) {
        throw Error(Errc::kInvalidArgument,
                    m + "X has a non-finite value (" + format_double(X(i, j)) + ") at row " +
                        std::to_string(i) + ", column " + std::to_string(j));
      }
    }
  }
}

EncodedLabels encode_labels(std::span<const double> y) {
  LabelCoding<double> coding = encode_sorted(y);
  EncodedLabels out;
  out.classes = std::move(coding.classes);
  out.codes.assign(coding.codes.begin(), coding.codes.end());
  return out;
}

}  // namespace freshet
