#include "ml/pipeline_spec.hpp"

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/preprocess.hpp"

namespace freshet {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void append(std::string& out, const ModelSpec& spec) {
  out += spec.name;
  char sep = ':';
  for (const auto& [k, v] : spec.params) {
    out += sep;
    out += k;
    out += '=';
    out += v;
    sep = ',';
  }
}

void put_model_spec(ByteWriter& out, const ModelSpec& spec) {
  out.put_string(spec.name);
  out.put<std::uint64_t>(spec.params.size());
  for (const auto& [k, v] : spec.params) {
    out.put_string(k);
    out.put_string(v);
  }
}

ModelSpec get_model_spec(ByteReader& in) {
  ModelSpec spec;
  spec.name = in.get_string();
  const auto n = in.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string key = in.get_string();
    std::string value = in.get_string();
    if (!spec.params.emplace(std::move(key), std::move(value)).second) {
      throw Error(Errc::kParse, "pipeline spec record: parameter given twice");
    }
  }
  return spec;
}

}  // namespace

PipelineSpec::PipelineSpec(std::string_view text) {
  std::vector<std::string_view> parts;
  std::string_view rest = text;
  while (true) {
    const std::size_t gt = rest.find('>');
    parts.push_back(trim(rest.substr(0, gt)));
    if (gt == std::string_view::npos) break;
    rest = rest.substr(gt + 1);
  }
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].empty()) {
      throw Error(Errc::kParse, "pipeline spec \"" + std::string(text) + "\": empty step " +
                                    std::to_string(i + 1));
    }
    steps.push_back(parse_model_spec(parts[i]));
  }
  if (parts.size() > 1 && parts.back().empty()) {
    throw Error(Errc::kParse, "pipeline spec \"" + std::string(text) + "\": no model at the end");
  }
  model = parse_model_spec(parts.back());
}

std::string PipelineSpec::to_string() const {
  std::string out;
  for (const auto& step : steps) {
    append(out, step);
    out += '>';
  }
  append(out, model);
  return out;
}

PipelineSpec PipelineSpec::with_params(const ModelParams& params) const {
  PipelineSpec out = *this;
  for (const auto& [k, v] : params) out.model.params[k] = v;
  return out;
}

bool PipelineSpec::is_classifier() const { return model_registry().get(model.name).classifier; }

void PipelineSpec::validate() const { (void)make(); }

std::unique_ptr<Model> PipelineSpec::make() const {
  if (steps.empty()) return make_model(model);
  std::vector<std::unique_ptr<Transformer>> built;
  built.reserve(steps.size());
  for (const auto& step : steps) built.push_back(make_transformer(step));
  return std::make_unique<Pipeline>(std::move(built), make_model(model));
}

ModelParams PipelineSpec::final_params() const { return make_model(model)->params(); }

void put_spec(ByteWriter& out, const PipelineSpec& spec) {
  out.put<std::uint64_t>(spec.steps.size());
  for (const auto& step : spec.steps) put_model_spec(out, step);
  put_model_spec(out, spec.model);
}

PipelineSpec get_spec(ByteReader& in) {
  PipelineSpec spec;
  const auto n = in.get<std::uint64_t>();
  // No reserve(n): a corrupt count fails at the first missing step instead of allocating.
  for (std::uint64_t i = 0; i < n; ++i) spec.steps.push_back(get_model_spec(in));
  spec.model = get_model_spec(in);
  return spec;
}

}  // namespace freshet
