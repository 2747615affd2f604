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
#include "fresh/settings.hpp"
#include "mproc/blob.hpp"
#include "mproc/executor.hpp"
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

// Resolves the settings for each kind into calculators and de-duplicated parameter sets. Does not
// validate: compiling the plan (each calculator's prepare()) is the validation, and the compiled
// functions are what the task runs.
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

// The plan travels in binary, compiled once per process: the central process compiles it to
// validate the settings and registers that compiled plan under its bytes (so in-process backends
// never compile it again); a worker process decodes and compiles it at its first chunk and keeps
// it for every later chunk. Layout (core/bytes.hpp encoding):
//   u64 kinds, per kind: u64 calculators, per calculator: string name,
//   u8[] parameter list as MessagePack (one entry per output; [null] when parameterless)
Bytes plan_to_bytes(const Plan& plan) {
  ByteWriter w;
  w.put<std::uint64_t>(plan.kinds.size());
  for (const auto& kp : plan.kinds) {
    w.put<std::uint64_t>(kp.calcs.size());
    for (const auto& cp : kp.calcs) {
      w.put_string(cp.name);
      const std::vector<std::uint8_t> packed = Json::to_msgpack(Json(cp.params));
      w.put_span(std::span<const std::uint8_t>(packed));
    }
  }
  return std::move(w).take();
}

// Throws Error(kParse) on a malformed plan (every length is checked by ByteReader), and as
// compile_plan on an unknown calculator or bad parameters.
Plan plan_from_bytes(std::span<const std::byte> blob) {
  ByteReader r(blob);
  Plan plan;
  const auto kinds = r.get<std::uint64_t>();
  for (std::uint64_t k = 0; k < kinds; ++k) {  // each kind consumes bytes: bounded by the blob
    KindPlan kp;
    const auto calcs = r.get<std::uint64_t>();
    for (std::uint64_t c = 0; c < calcs; ++c) {
      CalcPlan cp;
      cp.name = r.get_string();
      const std::vector<std::uint8_t> packed = r.get_vector<std::uint8_t>();
      Json params;
      try {
        params = Json::from_msgpack(packed);
      } catch (const Json::exception& e) {
        throw Error(Errc::kParse, std::string("fresh.plan: parameters of '") + cp.name +
                                      "' are not valid MessagePack: " + e.what());
      }
      if (!params.is_array() || params.empty())
        throw Error(Errc::kParse, "fresh.plan: parameters of '" + cp.name + "' are not a list");
      for (auto& p : params) cp.params.push_back(std::move(p));
      cp.first_out = kp.width;
      kp.width += cp.params.size();
      kp.calcs.push_back(std::move(cp));
    }
    plan.kinds.push_back(std::move(kp));
  }
  if (!r.at_end()) throw Error(Errc::kParse, "fresh.plan: trailing bytes");
  compile_plan(plan);
  return plan;
}

// Compiled plans of this process by their bytes (a worker sees few distinct plans).
std::mutex g_plan_mutex;
std::map<std::string, std::shared_ptr<const Plan>, std::less<>> g_plans;

std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

void remember_plan(std::span<const std::byte> bytes, std::shared_ptr<const Plan> plan) {
  std::lock_guard lock(g_plan_mutex);
  if (g_plans.size() > 8) g_plans.clear();
  g_plans.insert_or_assign(std::string(as_text(bytes)), std::move(plan));
}

// The compiled plan of these bytes if this process has it, else null.
std::shared_ptr<const Plan> known_plan(std::span<const std::byte> blob) {
  std::lock_guard lock(g_plan_mutex);
  auto it = g_plans.find(as_text(blob));
  return it == g_plans.end() ? nullptr : it->second;
}

std::shared_ptr<const Plan> cached_plan(std::span<const std::byte> blob) {
  if (auto known = known_plan(blob)) return known;
  auto plan = std::make_shared<const Plan>(plan_from_bytes(blob));
  remember_plan(blob, plan);
  return plan;
}

// ---- the series blob (mproc/blob.hpp): written once in place, read in place ----
//   0 u32 kind index per series | 1 u64 first point per series | 2 u64 end (one past the last
//   point) per series | 3 f64 values | 4 f64 times
// A series is a view [begin, end) of the values: plain series tile them, rolled windows
// (fresh/roll.hpp) overlap and share them, and neither copies a point.
enum SeriesSection : std::size_t { kKinds, kBegins, kEnds, kValues, kTimes, kSeriesSections };

// The series the engine extracts: views into data's values, each giving one output row.
struct SeriesIndex {
  const SeriesSet& data;
  const Column& ids;
  std::span<const std::uint32_t> id_index, kind_index;
  std::span<const std::uint64_t> begin, end;
  std::size_t size() const { return begin.size(); }
};

mproc::BlobLayout series_layout(const SeriesIndex& index) {
  mproc::BlobLayout layout;
  layout.add<std::uint32_t>(index.kind_index.size());
  layout.add<std::uint64_t>(index.begin.size());
  layout.add<std::uint64_t>(index.end.size());
  layout.add<double>(index.data.values.size());
  layout.add<double>(index.data.times.size());
  return layout;
}

void write_series(const SeriesIndex& index, const mproc::BlobLayout& layout,
                  std::span<std::byte> out) {
  layout.write_header(out);
  std::ranges::copy(index.kind_index, layout.section<std::uint32_t>(out, kKinds).begin());
  std::ranges::copy(index.begin, layout.section<std::uint64_t>(out, kBegins).begin());
  std::ranges::copy(index.end, layout.section<std::uint64_t>(out, kEnds).begin());
  std::ranges::copy(index.data.values, layout.section<double>(out, kValues).begin());
  std::ranges::copy(index.data.times, layout.section<double>(out, kTimes).begin());
}

struct SeriesView {
  std::span<const std::uint32_t> kind;
  std::span<const std::uint64_t> begins, ends;
  std::span<const double> values, times;
  std::size_t n = 0;

  explicit SeriesView(std::span<const std::byte> blob) {
    const mproc::BlobView view(blob, kSeriesKey);
    view.expect_sections(kSeriesSections);
    kind = view.section<std::uint32_t>(kKinds);
    begins = view.section<std::uint64_t>(kBegins);
    ends = view.section<std::uint64_t>(kEnds);
    values = view.section<double>(kValues);
    times = view.section<double>(kTimes);
    n = kind.size();
    // Bounds are checked where they are used (each chunk reads only its series).
    if (begins.size() != n || ends.size() != n) view.fail("the bounds do not match the series");
    if (!times.empty() && times.size() != values.size())
      view.fail("times and values differ in length");
  }
  // Values [begin, end) of series s; Error(kParse) if its bounds are out of order.
  std::pair<std::size_t, std::size_t> bounds(std::size_t s) const {
    if (begins[s] > ends[s] || ends[s] > values.size())
      throw Error(Errc::kParse, std::string(kSeriesKey) + ": series " + std::to_string(s) +
                                    " has bounds out of order");
    return {begins[s], ends[s]};
  }
};

// ---- one series ----

// Every feature of one series into values (size kp.width, NaN on entry); events go to warn.
template <class Warn>
void compute_series(const KindPlan& kp, const Series& series, std::span<double> values,
                    Warn&& warn) {
  if (series.has_nan()) {
    warn("the series contains NaN: every feature is NaN (tsfresh rejects NaN input)");
    return;
  }
  for (const auto& cp : kp.calcs) {
    std::span<double> o(values.data() + cp.first_out, cp.params.size());
    try {
      cp.fn(series, o);
    } catch (const std::exception& e) {
      std::fill(o.begin(), o.end(), kNaN);
      warn(cp.name + " failed: " + e.what());
    }
  }
  for (const auto& w : series.warnings()) warn(w);
}

// ---- the task ----

Bytes extract_chunk(const mproc::TaskContext& context, std::span<const std::byte> argument) {
  ByteReader arg(argument);
  const auto begin = arg.get<std::uint64_t>();
  const auto end = arg.get<std::uint64_t>();
  const SeriesView view(context.shared(kSeriesKey));
  const auto plan = cached_plan(context.shared(kPlanKey));
  if (end > view.n || begin > end)
    throw Error(Errc::kInvalidArgument, "fresh.extract_chunk: bad range");
  for (std::uint64_t s = begin; s < end; ++s)
    if (view.kind[s] >= plan->kinds.size())
      throw Error(Errc::kParse, "fresh.extract_chunk: series " + std::to_string(s) + " has kind " +
                                    std::to_string(view.kind[s]) + " of " +
                                    std::to_string(plan->kinds.size()));

  ByteWriter out;
  std::size_t bytes = sizeof(std::uint64_t);
  for (std::uint64_t s = begin; s < end; ++s)
    bytes += sizeof(std::uint64_t) + plan->kinds[view.kind[s]].width * sizeof(double);
  out.reserve(bytes);  // a roll's chunk is hundreds of rows of ~800 values: no regrowth copies
  std::vector<std::pair<std::uint64_t, std::string>> warnings;
  std::vector<double> values;
  Series series;
  for (std::uint64_t s = begin; s < end; ++s) {
    const auto& kp = plan->kinds[view.kind[s]];
    values.assign(kp.width, kNaN);
    const auto [off, stop] = view.bounds(s);
    const std::size_t len = stop - off;
    series.reset(view.values.subspan(off, len),
                 view.times.empty() ? std::span<const double>() : view.times.subspan(off, len));
    compute_series(kp, series, values,
                   [&](std::string w) { warnings.emplace_back(s, std::move(w)); });
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

namespace {

// Everything about a call that depends only on the settings and the kinds: the compiled plan
// (its bytes travel to the workers) and the output columns.
struct Prepared {
  std::shared_ptr<const Plan> plan;
  Bytes plan_bytes;
  struct Feature {
    std::string name;
    std::uint32_t kind;
    std::size_t local;
  };
  std::vector<Feature> features;                    // sorted by name: the output columns
  std::vector<std::vector<std::size_t>> column_of;  // [kind][local output] -> column
};

std::shared_ptr<const Prepared> prepare(const std::vector<std::string>& kinds,
                                        const Settings& settings, bool has_times) {
  auto out = std::make_shared<Prepared>();
  // Compiled once per distinct plan in this process: compiling (every calculator's prepare())
  // validates the settings, and in-process backends run this very plan.
  Plan built = build_plan(kinds, settings, has_times);
  out->plan_bytes = plan_to_bytes(built);
  out->plan = known_plan(out->plan_bytes);
  if (!out->plan) {
    compile_plan(built);
    out->plan = std::make_shared<const Plan>(std::move(built));
    remember_plan(out->plan_bytes, out->plan);
  }
  const Plan& plan = *out->plan;
  auto& features = out->features;
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    std::size_t local = 0;
    for (const auto& cp : plan.kinds[k].calcs)
      for (const auto& p : cp.params)
        features.push_back(
            {feature_name(kinds[k], cp.name, p), static_cast<std::uint32_t>(k), local++});
  }
  std::sort(features.begin(), features.end(),
            [](const Prepared::Feature& a, const Prepared::Feature& b) { return a.name < b.name; });
  out->column_of.resize(kinds.size());
  for (std::size_t k = 0; k < kinds.size(); ++k) out->column_of[k].resize(plan.kinds[k].width);
  for (std::size_t c = 0; c < features.size(); ++c)
    out->column_of[features[c].kind][features[c].local] = c;
  return out;
}

// Prepared calls by ExtractOptions::plan_key, kinds and has_times (a few; a loop of calls with
// one settings object sees one). Naming ~800 features and encoding their plan costs about as
// much as extracting a short series.
std::mutex g_prepared_mutex;
std::map<std::string, std::shared_ptr<const Prepared>, std::less<>> g_prepared;

std::shared_ptr<const Prepared> prepared(const std::vector<std::string>& kinds,
                                         const Settings& settings, bool has_times,
                                         const std::string& plan_key) {
  if (plan_key.empty()) return prepare(kinds, settings, has_times);
  std::string key = plan_key;
  key += has_times ? "\n1" : "\n0";
  for (const auto& kind : kinds) {
    key += '\0';
    key += kind;
  }
  {
    std::lock_guard lock(g_prepared_mutex);
    if (auto it = g_prepared.find(key); it != g_prepared.end()) return it->second;
  }
  auto fresh_prepared = prepare(kinds, settings, has_times);
  std::lock_guard lock(g_prepared_mutex);
  if (g_prepared.size() >= 8) g_prepared.clear();
  g_prepared.insert_or_assign(std::move(key), fresh_prepared);
  return fresh_prepared;
}

ExtractResult extract_index(const SeriesIndex& index, const Settings& settings,
                            mproc::Executor& executor, const ExtractOptions& options) {
  const SeriesSet& data = index.data;
  // Validate and name everything before any series is read.
  const auto ready = prepared(data.kinds, settings, data.has_times(), options.plan_key);
  const Bytes& plan_bytes = ready->plan_bytes;
  const auto& features = ready->features;
  const auto& column_of = ready->column_of;

  const std::size_t n_ids = index.ids.size();
  std::vector<std::vector<double>> columns(features.size(), std::vector<double>(n_ids, kNaN));

  // Chunks by data size only.
  std::vector<Bytes> arguments;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  const std::size_t n = index.size();
  for (std::size_t s = 0; s < n;) {
    std::size_t e = s, points = 0;
    while (e < n && (e == s || (points < options.chunk_points &&
                                e - s < std::max<std::size_t>(1, options.max_chunk_series)))) {
      points += index.end[e] - index.begin[e];
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
    // The series are written once, straight into their final place (the shared segment on the
    // process backend): no staging blob.
    const mproc::BlobLayout layout = series_layout(index);
    const mproc::ScopedShare series_share(
        executor, kSeriesKey, layout.size(),
        [&](std::span<std::byte> out) { write_series(index, layout, out); });
    const mproc::ScopedShare plan_share(executor, kPlanKey, plan_bytes);

    const std::size_t batch =
        options.progress ? std::max<std::size_t>(
                               4, 4 * static_cast<std::size_t>(std::max(1, executor.workers())))
                         : arguments.size();
    std::size_t done_series = 0;
    std::vector<double> vals;  // one series' values, read out of a chunk's result
    for (std::size_t b = 0; b < arguments.size(); b += batch) {
      const std::size_t e = std::min(arguments.size(), b + batch);
      const auto results = executor.map(kTask, std::span<const Bytes>(arguments.data() + b, e - b));
      for (std::size_t i = 0; i < results.size(); ++i) {
        ByteReader r(results[i]);
        const auto [s0, s1] = ranges[b + i];
        for (std::size_t s = s0; s < s1; ++s) {
          r.get_vector(vals);
          const auto k = index.kind_index[s];
          const auto id = index.id_index[s];
          if (vals.size() != column_of[k].size())
            throw Error(Errc::kInternal, "fresh.extract_chunk returned the wrong width");
          for (std::size_t j = 0; j < vals.size(); ++j) columns[column_of[k][j]][id] = vals[j];
        }
        const auto nw = r.get<std::uint64_t>();
        for (std::uint64_t w = 0; w < nw; ++w) {
          const auto s = r.get<std::uint64_t>();
          const std::string msg = r.get_string();
          if (s >= n) throw Error(Errc::kInternal, "fresh.extract_chunk: warning for no series");
          result.warnings.push_back("id " + id_text(index.ids, index.id_index[s]) + ", kind '" +
                                    data.kinds[index.kind_index[s]] + "': " + msg);
        }
        done_series += s1 - s0;
      }
      if (options.progress) options.progress(done_series, n);
    }
  }

  result.features.add_column(index.ids);
  for (std::size_t c = 0; c < features.size(); ++c)
    result.features.add_column(Column(features[c].name, std::move(columns[c])));
  return result;
}

}  // namespace

struct FeatureComputer::Impl {
  Plan plan;
  std::vector<std::string> names;
  std::vector<std::vector<std::size_t>> columns;
};

FeatureComputer::FeatureComputer(const std::vector<std::string>& kinds, const Settings& settings,
                                 bool has_times)
    : impl_(std::make_unique<Impl>()) {
  impl_->plan = build_plan(kinds, settings, has_times);
  compile_plan(impl_->plan);
  std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> all;
  impl_->columns.resize(kinds.size());
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    std::size_t local = 0;
    for (const auto& cp : impl_->plan.kinds[k].calcs)
      for (const auto& p : cp.params)
        all.push_back({feature_name(kinds[k], cp.name, p), {k, local++}});
    impl_->columns[k].resize(local);
  }
  std::sort(all.begin(), all.end());
  for (std::size_t c = 0; c < all.size(); ++c) {
    impl_->names.push_back(all[c].first);
    impl_->columns[all[c].second.first][all[c].second.second] = c;
  }
}

FeatureComputer::~FeatureComputer() = default;

const std::vector<std::string>& FeatureComputer::names() const { return impl_->names; }

std::size_t FeatureComputer::width(std::size_t kind) const {
  return impl_->plan.kinds.at(kind).width;
}

std::span<const std::size_t> FeatureComputer::columns(std::size_t kind) const {
  return impl_->columns.at(kind);
}

void FeatureComputer::compute(std::size_t kind, const Series& series, std::span<double> out,
                              std::vector<std::string>& warnings) const {
  std::fill(out.begin(), out.end(), kNaN);
  compute_series(impl_->plan.kinds[kind], series, out,
                 [&](std::string w) { warnings.push_back(std::move(w)); });
}

ExtractResult extract_features(const SeriesSet& data, const Settings& settings,
                               mproc::Executor& executor, const ExtractOptions& options) {
  const std::size_t n = data.num_series();
  if ((n > 0 && data.offsets.size() != n + 1) || data.kind_index.size() != n)
    throw Error(Errc::kInvalidArgument, "extract_features: the SeriesSet's index is inconsistent");
  std::vector<std::uint64_t> begin(n), end(n);
  for (std::size_t s = 0; s < n; ++s) {
    begin[s] = data.offsets[s];
    end[s] = data.offsets[s + 1];
  }
  return extract_index({data, data.ids, data.id_index, data.kind_index, begin, end}, settings,
                       executor, options);
}

ExtractResult extract_features(const SeriesSet& data, const SeriesWindows& windows,
                               const Settings& settings, mproc::Executor& executor,
                               const ExtractOptions& options) {
  const std::size_t n = windows.begin.size();
  if (windows.end.size() != n || windows.id_index.size() != n || windows.kind_index.size() != n)
    throw Error(Errc::kInvalidArgument, "extract_features: the windows' arrays differ in length");
  for (std::size_t w = 0; w < n; ++w)
    if (windows.begin[w] > windows.end[w] || windows.end[w] > data.values.size() ||
        windows.id_index[w] >= windows.ids.size() || windows.kind_index[w] >= data.kinds.size())
      throw Error(Errc::kInvalidArgument,
                  "extract_features: window " + std::to_string(w) + " is out of range");
  return extract_index(
      {data, windows.ids, windows.id_index, windows.kind_index, windows.begin, windows.end},
      settings, executor, options);
}

}  // namespace freshet::fresh
