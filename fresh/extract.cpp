#include "fresh/extract.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "fresh/names.hpp"
#include "mproc/registry.hpp"

namespace freshet::fresh {

namespace {

using Json = nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kTask = "fresh.extract_chunk";
constexpr const char* kSeriesKey = "fresh.series";
constexpr const char* kPlanKey = "fresh.plan";

// ---- the plan: per kind, which calculators with which parameter sets ----

struct CalcPlan {
  std::string name;
  std::vector<Params> params;  // one entry per output; {null} for a parameterless calculator
  ComputeFn fn;
  std::size_t first_out = 0;
};

struct KindPlan {
  std::vector<CalcPlan> calcs;
  std::size_t width = 0;
};

struct Plan {
  std::vector<KindPlan> kinds;
};

// Resolves the settings for each kind into calculators and de-duplicated parameter sets.
// Validates (prepare) only when `compile` is set... every caller compiles: prepare() is the
// validation, and the compiled functions are what the task runs.
Plan build_plan(const std::vector<std::string>& kinds, const Settings& settings, bool has_times) {
  Plan plan;
  plan.kinds.resize(kinds.size());
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    auto& kp = plan.kinds[k];
    for (const auto& [name, value] : settings.for_kind(kinds[k])) {
      const Calculator* calc = find_calculator(name);
      if (!calc) continue;  // reported through Settings::unavailable
      if (calc->needs_timestamps && !has_times) continue;
      CalcPlan cp;
      cp.name = name;
      if (calc->parameterless) {
        if (value.is_array() && !value.empty() &&
            !(value.size() == 1 && (value[0].is_null() || value[0].empty())))
          throw Error(Errc::kInvalidArgument,
                      "calculator '" + name + "' takes no parameters, got " + value.dump());
        cp.params = {Params(nullptr)};
      } else {
        if (!value.is_array())
          throw Error(
              Errc::kInvalidArgument,
              "calculator '" + name + "' needs a list of parameter objects, got " + value.dump());
        std::vector<std::string> seen;
        for (const auto& p : value) {
          std::string n = feature_name("", name, p);
          if (std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
          seen.push_back(std::move(n));
          cp.params.push_back(p);
        }
        if (cp.params.empty()) continue;
      }
      cp.first_out = kp.width;
      kp.width += cp.params.size();
      kp.calcs.push_back(std::move(cp));
    }
  }
  return plan;
}

void compile_plan(Plan& plan) {
  for (auto& kp : plan.kinds)
    for (auto& cp : kp.calcs) {
      const Calculator* calc = find_calculator(cp.name);
      if (!calc)
        throw Error(Errc::kNotFound, "feature calculator '" + cp.name + "' is not registered here");
      cp.fn = calc->prepare(cp.params);
    }
}

std::string plan_to_text(const Plan& plan) {
  Json doc = Json::array();
  for (const auto& kp : plan.kinds) {
    Json k = Json::array();
    for (const auto& cp : kp.calcs) k.push_back({cp.name, cp.params});
    doc.push_back(k);
  }
  return doc.dump();
}

Plan plan_from_text(std::string_view text) {
  const Json doc = Json::parse(text);
  Plan plan;
  for (const auto& k : doc) {
    KindPlan kp;
    for (const auto& c : k) {
      CalcPlan cp;
      cp.name = c[0].get<std::string>();
      for (const auto& p : c[1]) cp.params.push_back(p);
      cp.first_out = kp.width;
      kp.width += cp.params.size();
      kp.calcs.push_back(std::move(cp));
    }
    plan.kinds.push_back(std::move(kp));
  }
  compile_plan(plan);
  return plan;
}

// A worker compiles each plan once, then reuses it for every chunk.
std::shared_ptr<const Plan> cached_plan(std::span<const std::byte> blob) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Plan>, std::less<>> cache;
  const std::string_view text(reinterpret_cast<const char*>(blob.data()), blob.size());
  {
    std::lock_guard lock(mutex);
    auto it = cache.find(text);
    if (it != cache.end()) return it->second;
  }
  auto plan = std::make_shared<const Plan>(plan_from_text(text));
  std::lock_guard lock(mutex);
  if (cache.size() > 8) cache.clear();
  cache.emplace(std::string(text), plan);
  return plan;
}

// ---- the series blob: header, kind index, offsets, values, times (all 8-byte words) ----

Bytes series_blob(const SeriesSet& data) {
  const std::uint64_t n = data.num_series(), nv = data.values.size(), nt = data.times.size();
  Bytes blob((3 + n + (n + 1)) * 8 + (nv + nt) * 8);
  auto* w = reinterpret_cast<std::uint64_t*>(blob.data());
  w[0] = n;
  w[1] = nv;
  w[2] = nt;
  for (std::uint64_t s = 0; s < n; ++s) w[3 + s] = data.kind_index[s];
  for (std::uint64_t s = 0; s <= n; ++s) w[3 + n + s] = data.offsets[s];
  auto* d = reinterpret_cast<double*>(w + 3 + n + n + 1);
  if (nv) std::memcpy(d, data.values.data(), nv * 8);
  if (nt) std::memcpy(d + nv, data.times.data(), nt * 8);
  return blob;
}

struct SeriesView {
  std::uint64_t n = 0, nv = 0, nt = 0;
  const std::uint64_t* kind = nullptr;
  const std::uint64_t* offsets = nullptr;
  const double* values = nullptr;
  const double* times = nullptr;

  explicit SeriesView(std::span<const std::byte> blob) {
    if (blob.size() < 24) throw Error(Errc::kParse, "fresh.extract_chunk: truncated series blob");
    const auto* w = reinterpret_cast<const std::uint64_t*>(blob.data());
    n = w[0];
    nv = w[1];
    nt = w[2];
    if (blob.size() != (3 + 2 * n + 1 + nv + nt) * 8)
      throw Error(Errc::kParse, "fresh.extract_chunk: series blob has the wrong size");
    kind = w + 3;
    offsets = w + 3 + n;
    values = reinterpret_cast<const double*>(w + 3 + 2 * n + 1);
    times = values + nv;
  }
};

// ---- the task ----

Bytes extract_chunk(const mproc::TaskContext& context, std::span<const std::byte> argument) {
  ByteReader arg(argument);
  const auto begin = arg.get<std::uint64_t>();
  const auto end = arg.get<std::uint64_t>();
  const SeriesView view(context.shared(kSeriesKey));
  const auto plan = cached_plan(context.shared(kPlanKey));
  if (end > view.n || begin > end)
    throw Error(Errc::kInvalidArgument, "fresh.extract_chunk: bad range");

  ByteWriter out;
  std::vector<std::pair<std::uint64_t, std::string>> warnings;
  std::vector<double> values;
  Series series;
  for (std::uint64_t s = begin; s < end; ++s) {
    const auto& kp = plan->kinds.at(view.kind[s]);
    values.assign(kp.width, kNaN);
    const std::size_t off = view.offsets[s], len = view.offsets[s + 1] - off;
    series.reset(
        std::span<const double>(view.values + off, len),
        view.nt ? std::span<const double>(view.times + off, len) : std::span<const double>());
    if (series.has_nan()) {
      warnings.emplace_back(s,
                            "the series contains NaN: every feature is NaN (tsfresh rejects "
                            "NaN input)");
    } else {
      for (const auto& cp : kp.calcs) {
        std::span<double> o(values.data() + cp.first_out, cp.params.size());
        try {
          cp.fn(series, o);
        } catch (const std::exception& e) {
          std::fill(o.begin(), o.end(), kNaN);
          warnings.emplace_back(s, cp.name + " failed: " + e.what());
        }
      }
      for (const auto& w : series.warnings()) warnings.emplace_back(s, w);
    }
    out.put_span(std::span<const double>(values));
  }
  out.put<std::uint64_t>(warnings.size());
  for (const auto& [s, w] : warnings) {
    out.put<std::uint64_t>(s);
    out.put_string(w);
  }
  return std::move(out).take();
}

FRESHET_TASK(kTask, extract_chunk);

std::string id_text(const Column& ids, std::size_t i) { return ids.as_string(i); }

}  // namespace

std::vector<std::string> planned_feature_names(const std::vector<std::string>& kinds,
                                               const Settings& settings, bool has_times) {
  Plan plan = build_plan(kinds, settings, has_times);
  compile_plan(plan);
  std::vector<std::string> names;
  for (std::size_t k = 0; k < kinds.size(); ++k)
    for (const auto& cp : plan.kinds[k].calcs)
      for (const auto& p : cp.params) names.push_back(feature_name(kinds[k], cp.name, p));
  std::sort(names.begin(), names.end());
  return names;
}

ExtractResult extract_features(const SeriesSet& data, const Settings& settings,
                               mproc::Executor& executor, const ExtractOptions& options) {
  // Validate and name everything before any series is read.
  Plan plan = build_plan(data.kinds, settings, data.has_times());
  compile_plan(plan);
  struct Feature {
    std::string name;
    std::uint32_t kind;
    std::size_t local;
  };
  std::vector<Feature> features;
  for (std::size_t k = 0; k < data.kinds.size(); ++k) {
    std::size_t local = 0;
    for (const auto& cp : plan.kinds[k].calcs)
      for (const auto& p : cp.params)
        features.push_back(
            {feature_name(data.kinds[k], cp.name, p), static_cast<std::uint32_t>(k), local++});
  }
  std::sort(features.begin(), features.end(),
            [](const Feature& a, const Feature& b) { return a.name < b.name; });
  std::vector<std::vector<std::size_t>> column_of(data.kinds.size());
  for (std::size_t k = 0; k < data.kinds.size(); ++k) column_of[k].resize(plan.kinds[k].width);
  for (std::size_t c = 0; c < features.size(); ++c)
    column_of[features[c].kind][features[c].local] = c;

  const std::size_t n_ids = data.ids.size();
  std::vector<std::vector<double>> columns(features.size(), std::vector<double>(n_ids, kNaN));

  // Chunks by data size only.
  std::vector<Bytes> arguments;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  const std::size_t n = data.num_series();
  for (std::size_t s = 0; s < n;) {
    std::size_t e = s, points = 0;
    while (e < n && (e == s || (points < options.chunk_points &&
                                e - s < std::max<std::size_t>(1, options.max_chunk_series)))) {
      points += data.offsets[e + 1] - data.offsets[e];
      ++e;
    }
    ByteWriter w;
    w.put<std::uint64_t>(s);
    w.put<std::uint64_t>(e);
    arguments.push_back(std::move(w).take());
    ranges.emplace_back(s, e);
    s = e;
  }

  ExtractResult result;
  if (!arguments.empty()) {
    const Bytes blob = series_blob(data);
    const std::string plan_text = plan_to_text(plan);
    executor.share(kSeriesKey, blob);
    executor.share(kPlanKey, std::as_bytes(std::span<const char>(plan_text)));
    struct Unshare {
      mproc::Executor& e;
      ~Unshare() {
        e.unshare(kSeriesKey);
        e.unshare(kPlanKey);
      }
    } unshare{executor};

    const std::size_t batch =
        options.progress ? std::max<std::size_t>(
                               4, 4 * static_cast<std::size_t>(std::max(1, executor.workers())))
                         : arguments.size();
    std::size_t done_series = 0;
    for (std::size_t b = 0; b < arguments.size(); b += batch) {
      const std::size_t e = std::min(arguments.size(), b + batch);
      const auto results = executor.map(kTask, std::span<const Bytes>(arguments.data() + b, e - b));
      for (std::size_t i = 0; i < results.size(); ++i) {
        ByteReader r(results[i]);
        const auto [s0, s1] = ranges[b + i];
        for (std::size_t s = s0; s < s1; ++s) {
          const auto vals = r.get_vector<double>();
          const auto k = data.kind_index[s];
          const auto id = data.id_index[s];
          if (vals.size() != column_of[k].size())
            throw Error(Errc::kInternal, "fresh.extract_chunk returned the wrong width");
          for (std::size_t j = 0; j < vals.size(); ++j) columns[column_of[k][j]][id] = vals[j];
        }
        const auto nw = r.get<std::uint64_t>();
        for (std::uint64_t w = 0; w < nw; ++w) {
          const auto s = r.get<std::uint64_t>();
          const std::string msg = r.get_string();
          result.warnings.push_back("id " + id_text(data.ids, data.id_index[s]) + ", kind '" +
                                    data.kinds[data.kind_index[s]] + "': " + msg);
        }
        done_series += s1 - s0;
      }
      if (options.progress) options.progress(done_series, n);
    }
  }

  result.features.add_column(data.ids);
  for (std::size_t c = 0; c < features.size(); ++c)
    result.features.add_column(Column(features[c].name, std::move(columns[c])));
  return result;
}

}  // namespace freshet::fresh
