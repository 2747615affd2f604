#include "job/job.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "fresh/settings.hpp"
#include "job/data.hpp"
#include "job/fresh_select.hpp"
#include "ml/metrics.hpp"
#include "ml/preprocess.hpp"
#include "mproc/executor.hpp"
#include "xval/cross_validate.hpp"
#include "xval/splitters.hpp"

#ifndef FRESHET_VERSION
#define FRESHET_VERSION "unknown"
#endif

namespace freshet::job {

const char* freshet_version() { return FRESHET_VERSION; }

using nlohmann::json;

namespace {

namespace fs = std::filesystem;

// JSON pointer escaping (RFC 6901): '~' -> "~0", '/' -> "~1".
std::string escape_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string kind_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

class Parser {
 public:
  Parser(std::vector<JobIssue>& issues, fs::path base) : issues_(issues), base_(std::move(base)) {}

  void issue(const std::string& pointer, std::string message) {
    issues_.push_back({pointer, std::move(message)});
  }
  std::size_t count() const { return issues_.size(); }

  // Unknown keys are errors; lists the known ones.
  bool object(const json& v, const std::string& p, std::initializer_list<std::string_view> known) {
    if (!v.is_object()) {
      issue(p, "expected an object, got " + kind_of(v));
      return false;
    }
    for (const auto& [key, value] : v.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      issue(p + "/" + escape_token(key),
            "unknown key '" + key + "' (expected one of: " + list + ")");
    }
    return true;
  }

  std::optional<std::string> string(const json& obj, const std::string& p, const char* key,
                                    bool required) {
    const auto it = obj.find(key);
    const std::string q = p + "/" + key;
    if (it == obj.end()) {
      if (required) issue(q, "required; expected a string");
      return std::nullopt;
    }
    if (!it->is_string() || it->get<std::string>().empty()) {
      issue(q, "expected a non-empty string, got " +
                   (it->is_string() ? std::string("\"\"") : kind_of(*it)));
      return std::nullopt;
    }
    return it->get<std::string>();
  }

  // A data file: resolved against the job's folder; must exist.
  std::string file(const json& obj, const std::string& p, const char* key, bool required) {
    const auto s = string(obj, p, key, required);
    if (!s) return {};
    fs::path path = *s;
    if (path.is_relative()) path = base_ / path;
    path = path.lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) issue(p + "/" + key, "file not found: " + path.string());
    return path.string();
  }

  fs::path base() const { return base_; }

 private:
  std::vector<JobIssue>& issues_;
  fs::path base_;
};

// Candidates one pipeline may have (a grid's product, n_iter): a job file is outside input, and
// an n_iter of 10^12 must be an issue, not an attempt to allocate that many parameter sets.
constexpr std::size_t kMaxCandidates = 100000;

bool valid_id(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

// Runs f, turning an Error into an issue at pointer. Returns whether it succeeded.
template <class F>
bool attempt(Parser& P, const std::string& pointer, F&& f) {
  try {
    f();
    return true;
  } catch (const Error& e) {
    // Data errors carry their own pointer ("/datasets/0/labels: ..."): use it.
    const std::string what = e.what();
    const auto colon = what.find(": ");
    if (pointer.empty() && what.starts_with("/") && colon != std::string::npos)
      P.issue(what.substr(0, colon), what.substr(colon + 2));
    else
      P.issue(pointer, what);
    return false;
  }
}

// "select": "none" | {"method": "fdr", "fdr_level": 0.05, ...} -> step spec ("" = none).
std::string parse_select(Parser& P, const json& v, const std::string& p, json& resolved) {
  if (v.is_string()) {
    if (v.get<std::string>() == "none") {
      resolved = "none";
      return "";
    }
    P.issue(p,
            "expected \"none\" or an object {\"method\": \"fdr\" | \"k_best\" | "
            "\"percentile\", ...}, got \"" +
                v.get<std::string>() + "\"");
    return "";
  }
  if (!P.object(
          v, p,
          {"method", "fdr_level", "k", "percentile", "hypotheses_independent", "min_features"}))
    return "";
  ModelParams params;
  for (const auto& [key, value] : v.items()) {
    if (!(value.is_string() || value.is_number() || value.is_boolean())) {
      P.issue(p + "/" + key, "expected a string, number or boolean, got " + kind_of(value));
      continue;
    }
    params[key] = json_param_text(value);
  }
  if (!params.count("method")) params["method"] = "fdr";
  if (params["method"] == "fdr" && !params.count("fdr_level")) params["fdr_level"] = "0.05";
  std::string spec = "fresh_select";
  char sep = ':';
  for (const auto& [k, val] : params) {
    spec += sep + k + "=" + val;
    sep = ',';
  }
  if (!attempt(P, p, [&] { fresh_select_options(params); })) return "";
  resolved = json::object();
  for (const auto& [k, val] : params) {
    const json& orig = v.contains(k) ? v[k] : json(val);
    resolved[k] = (k == "fdr_level" && !v.contains(k)) ? json(0.05) : orig;
  }
  return spec;
}

void parse_dataset(Parser& P, const json& v, const std::string& p, const json& default_select,
                   JobSpec& spec, std::set<std::string>& ids, const CheckOptions& options) {
  if (!P.object(v, p,
                {"id", "series", "labels", "table", "id_column", "target", "columns", "features",
                 "impute", "select"}))
    return;
  const std::size_t before = P.count();
  JobDataset d;
  json r = json::object();
  if (auto id = P.string(v, p, "id", true)) {
    if (!valid_id(*id))
      P.issue(p + "/id", "expected letters, digits, '_', '-' or '.', got \"" + *id + "\"");
    else if (!ids.insert(*id).second)
      P.issue(p + "/id", "duplicate dataset id \"" + *id + "\"");
    d.id = *id;
  }
  r["id"] = d.id;
  const bool has_series = v.contains("series"), has_table = v.contains("table");
  if (has_series == has_table) {
    P.issue(p, has_series ? "give \"series\" (+ \"labels\") or \"table\", not both"
                          : "required: \"series\" (+ \"labels\") or \"table\"");
    return;
  }
  if (auto s = P.string(v, p, "id_column", false)) d.id_column = *s;
  if (auto s = P.string(v, p, "target", false)) d.target = *s;
  if (has_series) {
    d.series = P.file(v, p, "series", true);
    d.labels = P.file(v, p, "labels", true);
    if (v.contains("columns")) {
      const json& c = v["columns"];
      if (P.object(c, p + "/columns", {"sort", "kind", "value"})) {
        if (auto s = P.string(c, p + "/columns", "sort", false)) d.column_sort = *s;
        if (auto s = P.string(c, p + "/columns", "kind", false)) d.column_kind = *s;
        if (auto s = P.string(c, p + "/columns", "value", false)) d.column_value = *s;
      }
    }
    if (v.contains("features")) {
      const json& f = v["features"];
      const std::string fp = p + "/features";
      if (f.is_string()) {
        d.features_preset = f.get<std::string>();
      } else if (P.object(f, fp, {"preset", "settings", "from_columns"})) {
        if (f.size() != 1) {
          P.issue(fp, "expected exactly one of \"preset\", \"settings\", \"from_columns\"");
        } else if (f.contains("preset")) {
          if (auto s = P.string(f, fp, "preset", true)) d.features_preset = *s;
        } else if (f.contains("settings")) {
          d.features_preset.clear();
          d.features_settings = P.file(f, fp, "settings", true);
          if (!d.features_settings.empty() && P.count() == before)
            attempt(P, fp + "/settings",
                    [&] { fresh::settings_from_json_file(d.features_settings); });
        } else {
          d.features_preset.clear();
          d.features_from_columns = P.file(f, fp, "from_columns", true);
          if (!d.features_from_columns.empty() && P.count() == before)
            attempt(P, fp + "/from_columns", [&] {
              const std::vector<std::string> ignore = {d.id_column};
              fresh::settings_from_columns_file(d.features_from_columns, ignore);
            });
        }
      }
      if (!d.features_preset.empty())
        attempt(P, f.is_string() ? fp : fp + "/preset",
                [&] { fresh::preset_settings(d.features_preset); });
    }
    if (v.contains("impute")) {
      if (!v["impute"].is_boolean())
        P.issue(p + "/impute", "expected true or false, got " + kind_of(v["impute"]));
      else
        d.impute = v["impute"].get<bool>();
    }
    r["series"] = d.series;
    r["labels"] = d.labels;
    r["columns"] = {{"sort", d.column_sort}, {"kind", d.column_kind}, {"value", d.column_value}};
    if (!d.features_settings.empty())
      r["features"] = {{"settings", d.features_settings}};
    else if (!d.features_from_columns.empty())
      r["features"] = {{"from_columns", d.features_from_columns}};
    else
      r["features"] = {{"preset", d.features_preset}};
    r["impute"] = d.impute;
  } else {
    d.table = P.file(v, p, "table", true);
    d.features_preset.clear();
    for (const char* key : {"labels", "columns", "features", "impute"})
      if (v.contains(key))
        P.issue(p + "/" + key, std::string("only for series datasets (this one has \"table\")"));
    r["table"] = d.table;
  }
  r["id_column"] = d.id_column;
  r["target"] = d.target;
  // Selection: the dataset's, else the job's default, else FDR 0.05 for extracted features and
  // none for tables (their columns are not FRESH features).
  json sel_r;
  if (v.contains("select"))
    d.select_step = parse_select(P, v["select"], p + "/select", sel_r);
  else if (!default_select.is_null())
    d.select_step = parse_select(P, default_select, "/select", sel_r);
  else if (has_series)
    d.select_step = parse_select(P, json{{"method", "fdr"}}, p, sel_r);
  else
    d.select_step = parse_select(P, json("none"), p, sel_r);
  r["select"] = sel_r;

  // Data: readable, ids matching, a target for every id (without extracting).
  if (options.check_data && P.count() == before) {
    attempt(P, "", [&] {
      auto serial = mproc::make_executor({.workers = 0});
      if (has_series) {
        read_series_input(d, p, *serial);
      } else {
        const Table t = read_table_input(d, p, *serial);
        table_dataset(t, d, p + "/table");
      }
    });
  }
  spec.datasets.push_back(std::move(d));
  spec.resolved["datasets"].push_back(std::move(r));
}

void parse_pipeline(Parser& P, const json& v, const std::string& p, JobSpec& spec,
                    std::set<std::string>& ids) {
  if (!P.object(v, p, {"id", "steps", "model", "grid", "random", "sobol", "n_iter"})) return;
  const std::size_t before = P.count();
  JobPipeline pl;
  json r = json::object();
  if (auto id = P.string(v, p, "id", true)) {
    if (!valid_id(*id))
      P.issue(p + "/id", "expected letters, digits, '_', '-' or '.', got \"" + *id + "\"");
    else if (!ids.insert(*id).second)
      P.issue(p + "/id", "duplicate pipeline id \"" + *id + "\"");
    pl.id = *id;
  }
  std::vector<std::string> steps;
  if (v.contains("steps")) {
    const json& s = v["steps"];
    if (!s.is_array()) {
      P.issue(p + "/steps", "expected an array of transformer specs, got " + kind_of(s));
    } else {
      for (std::size_t i = 0; i < s.size(); ++i) {
        const std::string q = p + "/steps/" + std::to_string(i);
        if (!s[i].is_string()) {
          P.issue(q, "expected a transformer spec string, got " + kind_of(s[i]));
          continue;
        }
        const std::string step = s[i].get<std::string>();
        if (attempt(P, q, [&] { make_transformer(step); })) steps.push_back(step);
      }
    }
  }
  const auto model = P.string(v, p, "model", true);
  if (!model) return;
  const ModelInfo* info = nullptr;
  if (!attempt(P, p + "/model", [&] {
        const ModelSpec ms = parse_model_spec(*model);
        info = find_model(ms.name);
        make_model(ms);
      }))
    return;
  pl.spec = xval::pipeline_spec(steps, *model);
  if (P.count() != before) return;
  pl.classifier = info->classifier;

  const int modes = v.contains("grid") + v.contains("random") + v.contains("sobol");
  if (modes > 1) P.issue(p, "give one of \"grid\", \"random\", \"sobol\"");
  const auto known_param = [&](const std::string& name, const std::string& q) {
    for (const auto& pi : info->params)
      if (pi.name == name) return true;
    std::string list;
    for (const auto& pi : info->params) list += (list.empty() ? "" : ", ") + pi.name;
    P.issue(q, "model '" + info->name + "' has no parameter '" + name + "' (known: " + list + ")");
    return false;
  };
  std::size_t n_iter = 0;
  if (v.contains("n_iter")) {
    if (!v["n_iter"].is_number_unsigned() || v["n_iter"].get<std::size_t>() == 0 ||
        v["n_iter"].get<std::size_t>() > kMaxCandidates)
      P.issue(p + "/n_iter", "expected a positive integer up to " + std::to_string(kMaxCandidates) +
                                 ", got " + v["n_iter"].dump());
    else
      n_iter = v["n_iter"].get<std::size_t>();
    if (!v.contains("random") && !v.contains("sobol"))
      P.issue(p + "/n_iter", "only with \"random\" or \"sobol\"");
  }
  if (v.contains("grid")) {
    pl.search = "grid";
    const json& g = v["grid"];
    const std::string gp = p + "/grid";
    xval::ParamGrid grid;
    if (!g.is_object() || g.empty()) {
      P.issue(gp, "expected a non-empty object {\"parameter\": [values]}, got " +
                      (g.is_object() ? std::string("{}") : kind_of(g)));
    } else {
      for (const auto& [key, values] : g.items()) {
        const std::string q = gp + "/" + escape_token(key);
        if (!known_param(key, q)) continue;
        if (!values.is_array() || values.empty()) {
          P.issue(q, "expected a non-empty array of values, got " +
                         (values.is_array() ? std::string("[]") : kind_of(values)));
          continue;
        }
        std::vector<std::string> texts;
        for (std::size_t i = 0; i < values.size(); ++i) {
          const std::string vq = q + "/" + std::to_string(i);
          if (values[i].is_array() || values[i].is_object()) {
            P.issue(vq, "expected a number, string, boolean or null, got " + kind_of(values[i]));
            continue;
          }
          const std::string text = json_param_text(values[i]);
          const std::string& name = key;  // clang 14 cannot capture a structured binding
          if (attempt(P, vq, [&] { make_model(xval::with_params(pl.spec, {{name, text}})); }))
            texts.push_back(text);
        }
        grid.push_back({key, texts});
      }
    }
    // The product of the value counts, saturating: checked before the grid is expanded.
    std::size_t product = 1;
    for (const auto& [key, texts] : grid)
      product = texts.empty() ? product : std::min(product * texts.size(), kMaxCandidates + 1);
    if (product > kMaxCandidates)
      P.issue(gp, "the grid has more than " + std::to_string(kMaxCandidates) +
                      " candidates (the product of its value counts)");
    if (P.count() == before) attempt(P, gp, [&] { pl.candidates = xval::parameter_grid(grid); });
    r["grid"] = g;
  } else if (v.contains("random") || v.contains("sobol")) {
    pl.search = v.contains("random") ? "random" : "sobol";
    const json& g = v[pl.search];
    const std::string gp = p + "/" + pl.search;
    std::vector<xval::ParamDistribution> space;
    if (!g.is_object() || g.empty()) {
      P.issue(gp,
              "expected a non-empty object {\"parameter\": \"uniform:LO:HI\" | "
              "\"loguniform:LO:HI\" | \"randint:LO:HI\" | \"choice:A|B\"}");
    } else {
      for (const auto& [key, dist] : g.items()) {
        const std::string q = gp + "/" + escape_token(key);
        if (!known_param(key, q)) continue;
        if (!dist.is_string()) {
          P.issue(q, "expected a distribution string such as \"loguniform:1e-3:1e2\", got " +
                         kind_of(dist));
          continue;
        }
        const std::string text = key + "=" + dist.get<std::string>();
        attempt(P, q, [&] {  // (clang 14 cannot capture the structured bindings themselves)
          space.push_back(xval::parse_distribution(text));
        });
      }
    }
    if (n_iter == 0) n_iter = pl.search == "sobol" ? 16 : 10;
    if (P.count() == before) {
      attempt(P, gp, [&] {
        pl.candidates = pl.search == "random" ? xval::sample_random(space, n_iter, spec.seed)
                                              : xval::sample_sobol(space, n_iter, spec.seed);
        xval::drop_duplicates(pl.candidates);
        for (const auto& c : pl.candidates) make_model(xval::with_params(pl.spec, c));
      });
    }
    r[pl.search] = g;
    r["n_iter"] = n_iter;
  } else {
    pl.candidates = {ModelParams{}};
  }
  // A model with a random_state that the spec leaves unset gets the job's seed, so that runs
  // repeat (sklearn's None would draw fresh entropy).
  for (const auto& pi : info->params)
    if (pi.name == "random_state" && !parse_model_spec(*model).params.count("random_state")) {
      bool searched_seed = false;
      for (const auto& c : pl.candidates) searched_seed |= c.count("random_state") > 0;
      if (!searched_seed)
        pl.spec = xval::with_params(pl.spec, {{"random_state", std::to_string(spec.seed)}});
    }
  std::set<std::string> searched;
  if (pl.candidates.size() > 1)
    for (const auto& c : pl.candidates)
      for (const auto& [k, val] : c) searched.insert(k);
  pl.searched.assign(searched.begin(), searched.end());
  r["spec"] = pl.spec;
  r["id"] = pl.id;
  r["steps"] = steps;
  r["model"] = *model;
  r["search"] = pl.search;
  r["candidates"] = pl.candidates.size();
  spec.pipelines.push_back(std::move(pl));
  spec.resolved["pipelines"].push_back(std::move(r));
}

}  // namespace

std::string json_param_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_null()) return "none";
  return value.dump();
}

JobSpec parse_job_json(const json& doc, const std::string& path, std::vector<JobIssue>& issues,
                       const CheckOptions& options) {
  register_fresh_select();
  JobSpec spec;
  spec.path = path;
  fs::path base = fs::path(path).parent_path();
  Parser P(issues, base);
  if (!P.object(doc, "",
                {"$schema", "name", "description", "seed", "out", "datasets", "select", "pipelines",
                 "cv", "inner_cv", "scoring"}))
    return spec;
  spec.resolved = json::object();
  spec.name = fs::path(path).stem().string();
  if (auto s = P.string(doc, "", "name", false)) spec.name = *s;
  if (doc.contains("description") && !doc["description"].is_string())
    P.issue("/description", "expected a string, got " + kind_of(doc["description"]));
  if (doc.contains("seed")) {
    const json& s = doc["seed"];
    if (!s.is_number_unsigned() || s.get<std::uint64_t>() > 0xFFFFFFFFull)
      P.issue("/seed", "expected an integer in [0, 4294967295], got " + s.dump());
    else
      spec.seed = s.get<std::uint32_t>();
  }
  if (auto s = P.string(doc, "", "out", false)) {
    fs::path out = *s;
    spec.out = (out.is_relative() ? base / out : out).lexically_normal().string();
  } else {
    spec.out = (base / (fs::path(path).stem().string() + ".out")).lexically_normal().string();
  }
  spec.resolved["freshet_version"] = freshet_version();
  spec.resolved["name"] = spec.name;
  if (doc.contains("description")) spec.resolved["description"] = doc["description"];
  spec.resolved["seed"] = spec.seed;
  spec.resolved["out"] = spec.out;

  // Pipelines first: the default splitter and scorer depend on their kind.
  std::set<std::string> pipeline_ids;
  spec.resolved["pipelines"] = json::array();
  if (!doc.contains("pipelines") || !doc["pipelines"].is_array() || doc["pipelines"].empty()) {
    P.issue("/pipelines", "required; expected a non-empty array of pipelines");
  } else {
    for (std::size_t i = 0; i < doc["pipelines"].size(); ++i)
      parse_pipeline(P, doc["pipelines"][i], "/pipelines/" + std::to_string(i), spec, pipeline_ids);
    for (std::size_t i = 1; i < spec.pipelines.size(); ++i)
      if (spec.pipelines[i].classifier != spec.pipelines[0].classifier)
        P.issue("/pipelines/" + std::to_string(i) + "/model",
                std::string("a ") + (spec.pipelines[i].classifier ? "classifier" : "regressor") +
                    " in a job whose first pipeline is a " +
                    (spec.pipelines[0].classifier ? "classifier" : "regressor") +
                    " (pipelines are compared on the same target)");
  }
  const bool classifier = !spec.pipelines.empty() && spec.pipelines[0].classifier;

  // Splitters.
  const auto splitter = [&](const char* key, std::string& out) {
    const auto s = P.string(doc, "", key, false);
    if (!s) return;
    attempt(P, std::string("/") + key, [&] {
      auto sp = xval::make_splitter(*s);
      if (sp->needs_groups())
        throw Error(Errc::kInvalidArgument,
                    "splitter '" + sp->name() + "' needs groups, which jobs do not support yet");
      if (!sp->columns().empty())
        throw Error(Errc::kInvalidArgument, "splitter '" + sp->name() +
                                                "' reads its own columns, which jobs do not "
                                                "support yet");
      out = sp->spec();
    });
  };
  splitter("cv", spec.cv);
  if (!doc.contains("cv") && !spec.pipelines.empty())
    spec.cv = xval::make_splitter(classifier ? "stratified_kfold:n_splits=5" : "kfold:n_splits=5")
                  ->spec();
  splitter("inner_cv", spec.inner_cv);
  spec.resolved["cv"] = spec.cv;
  spec.resolved["inner_cv"] = spec.inner_cv.empty() ? json(nullptr) : json(spec.inner_cv);

  // Scorers.
  if (doc.contains("scoring")) {
    json sc = doc["scoring"];
    if (sc.is_string()) sc = json::array({sc});
    if (!sc.is_array() || sc.empty()) {
      P.issue("/scoring", "expected a scorer name or a non-empty array of them, got " +
                              kind_of(doc["scoring"]));
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < sc.size(); ++i) {
        const std::string q =
            doc["scoring"].is_string() ? "/scoring" : "/scoring/" + std::to_string(i);
        if (!sc[i].is_string()) {
          P.issue(q, "expected a scorer name, got " + kind_of(sc[i]));
          continue;
        }
        const std::string name = sc[i].get<std::string>();
        const ScorerInfo* info = find_scorer(name);
        if (!info) {
          std::string list;
          for (const auto& s : all_scorers()) list += (list.empty() ? "" : ", ") + s.name;
          P.issue(q, "unknown scorer '" + name + "' (known: " + list + ")");
          continue;
        }
        if (!spec.pipelines.empty() && info->classification != classifier)
          P.issue(q, "scorer '" + name + "' is for " +
                         (info->classification ? "classifiers" : "regressors") +
                         ", the pipelines are " + (classifier ? "classifiers" : "regressors"));
        if (!seen.insert(name).second) P.issue(q, "duplicate scorer '" + name + "'");
        spec.scoring.push_back(name);
      }
    }
  } else if (!spec.pipelines.empty()) {
    spec.scoring = {classifier ? "accuracy" : "r2"};
  }
  spec.resolved["scoring"] = spec.scoring;

  // Datasets.
  json default_select = doc.contains("select") ? doc["select"] : json();
  spec.resolved["datasets"] = json::array();
  std::set<std::string> dataset_ids;
  if (!doc.contains("datasets") || !doc["datasets"].is_array() || doc["datasets"].empty()) {
    P.issue("/datasets", "required; expected a non-empty array of datasets");
  } else {
    for (std::size_t i = 0; i < doc["datasets"].size(); ++i)
      parse_dataset(P, doc["datasets"][i], "/datasets/" + std::to_string(i), default_select, spec,
                    dataset_ids, options);
  }
  // The outer splitter on each dataset's rows (too many folds, classes smaller than n_splits).
  if (options.check_data && P.count() == 0 && !spec.cv.empty()) {
    auto serial = mproc::make_executor({.workers = 0});
    for (std::size_t i = 0; i < spec.datasets.size(); ++i) {
      const JobDataset& d = spec.datasets[i];
      const std::string p = "/datasets/" + std::to_string(i);
      attempt(P, "/cv", [&] {
        Column target;
        if (!d.series.empty()) {
          target = read_series_input(d, p, *serial).target;
        } else {
          target = read_table_input(d, p, *serial).column(d.target);
        }
        const xval::Labels labels = xval::encode_labels(target);
        try {
          xval::make_splitter(spec.cv)->split({.n_rows = target.size(), .y = &labels});
        } catch (const Error& e) {
          throw Error(e.code(), std::string(e.what()) + " (dataset '" + d.id + "', " +
                                    std::to_string(target.size()) + " rows)");
        }
      });
    }
  }
  return spec;
}

JobSpec parse_job(const std::string& path, std::vector<JobIssue>& issues,
                  const CheckOptions& options) {
  return parse_job_text(read_file(path), path, issues, options);
}

JobSpec parse_job_text(const std::string& text, const std::string& path,
                       std::vector<JobIssue>& issues, const CheckOptions& options) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::out_of_range& e) {
    // A number beyond double ("1e400"; found by fuzz/): nlohmann gives no offset.
    throw Error(Errc::kParse, path + ": malformed JSON: " + e.what());
  } catch (const json::parse_error& e) {
    // nlohmann's byte offset -> line and column.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < std::min<std::size_t>(e.byte ? e.byte - 1 : 0, text.size()); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    const auto colon = what.rfind(": ");
    throw Error(Errc::kParse, path + ":" + std::to_string(line) + ":" + std::to_string(col) +
                                  ": malformed JSON: " +
                                  (colon == std::string::npos ? what : what.substr(colon + 2)));
  }
  return parse_job_json(doc, path, issues, options);
}

JobSpec load_job(const std::string& path, const CheckOptions& options) {
  std::vector<JobIssue> issues;
  JobSpec spec = parse_job(path, issues, options);
  if (!issues.empty()) {
    std::string msg = path + ": " + issues[0].line();
    if (issues.size() > 1)
      msg += " (and " + std::to_string(issues.size() - 1) + " more: freshet run --check)";
    throw Error(Errc::kParse, msg);  // the job file's content is the input: not a usage error
  }
  return spec;
}

}  // namespace freshet::job
