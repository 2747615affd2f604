#pragma once
// The extraction engine: every feature of every (id, kind) series, tsfresh-compatible.
//
//   SeriesSet data = read_series_csv("series.csv");
//   ExtractResult r = extract_features(data, preset_settings("efficient"), executor);
//   write_csv(r.features, "features.csv");
//
// Output: one row per id, ascending (SeriesSet order); first column the id, then one float64
// column per feature, sorted by name (byte order), named as tsfresh names them. A feature that
// a series of one id lacks (the id has no rows of that kind) is NaN for that id. Booleans are
// 0.0/1.0. Calculators that need time stamps (linear_trend_timewise) are skipped unless the
// input has them, as tsfresh skips them without a DatetimeIndex.
//
// Errors: settings are validated (every calculator's prepare()) before any series is read, and
// throw Error(kInvalidArgument/kNotFound) naming the calculator and parameter. After that,
// nothing about one series stops the run: a series holding NaN gets NaN for every feature (tsfresh
// refuses NaN input), a calculator that cannot compute (or throws) gets NaN for its features of
// that series, and each such event becomes a warning naming the id and kind.
//
// Parallelism: series are cut into chunks by data size (never by worker count); each chunk is
// one "fresh.extract_chunk" task on the executor, which reads the series and the plan through
// Executor::share, so it runs on threads and on worker processes alike, and every backend and
// worker count gives the same bytes.
//
// Installed (docs/cpp-api.md): freshet's own types and the standard library only. `Settings`
// (fresh/settings.hpp) holds nlohmann::json and is not installed: a program built against an
// installed freshet passes a FeatureSettings (fresh/feature_settings.hpp), which converts to it.

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/table.hpp"
#include "fresh/input.hpp"
#include "fresh/series.hpp"
#include "mproc/executor.hpp"

namespace freshet::fresh {

struct Settings;  // fresh/settings.hpp (in-tree); fresh/feature_settings.hpp (installed)

struct ExtractOptions {
  // A chunk (one task) holds whole series totalling about this many points (small enough to balance
  // 2-16 workers, large enough that a task costs far more than its dispatch) (at most
  // max_chunk_series series).
  std::size_t chunk_points = 1 << 13;
  std::size_t max_chunk_series = 64;
  // Called on the calling thread with (series done, series total) as chunks complete.
  std::function<void(std::size_t, std::size_t)> progress = {};
  // Non-empty: a text that identifies the settings exactly (e.g. the JSON text they were parsed
  // from). Calls with the same key, kinds and time stamps then reuse one validated plan and its
  // feature names (a few are kept per process): a loop of small calls with one settings object
  // (the Python module's) skips naming and encoding ~800 features every time. A key that names
  // different settings gives wrong columns: leave it empty unless the key comes from them.
  std::string plan_key = {};
};

struct ExtractResult {
  Table features;
  // One line per event: "id 3, kind 'value': <message>", in series order.
  std::vector<std::string> warnings;
};

// The feature names the settings produce for these kinds, sorted (what extract_features' columns
// after the id will be). Validates like extract_features.
std::vector<std::string> planned_feature_names(const std::vector<std::string>& kinds,
                                               const Settings& settings, bool has_times);

ExtractResult extract_features(const SeriesSet& data, const Settings& settings,
                               mproc::Executor& executor, const ExtractOptions& options = {});

// Windows over a SeriesSet's points, each extracted as a series of its own (rolling windows:
// fresh/roll.hpp builds them). Window w is the points [begin[w], end[w]) of data.values (and
// data.times), of kind data.kinds[kind_index[w]], and fills output row id_index[w] of `ids`.
// Windows may overlap: a window is a view, no point is copied. Every window is computed from
// scratch on its view, so its features equal those of the same points extracted as a series.
struct SeriesWindows {
  Column ids;  // the output rows' ids, in output order
  std::vector<std::uint32_t> id_index;
  std::vector<std::uint32_t> kind_index;
  std::vector<std::uint64_t> begin, end;
  std::size_t size() const { return begin.size(); }
};

// As extract_features above, one row per entry of windows.ids (NaN where no window of a kind
// gives that row). Throws Error(kInvalidArgument) if a window is out of range.
ExtractResult extract_features(const SeriesSet& data, const SeriesWindows& windows,
                               const Settings& settings, mproc::Executor& executor,
                               const ExtractOptions& options = {});

// One series at a time, on the calling thread, with extract_features' plan: the same calculators,
// feature names and values (fresh/stream.hpp computes every completed window with it).
//
//   FeatureComputer fc({"value"}, preset_settings("minimal"), false);
//   std::vector<double> local(fc.width(0));
//   fc.compute(0, series, local, warnings);   // local[i] belongs to column fc.columns(0)[i]
//
// compute() is const and may run concurrently on different Series objects.
class FeatureComputer {
 public:
  // Validates like extract_features (Error(kInvalidArgument/kNotFound) naming the calculator).
  FeatureComputer(const std::vector<std::string>& kinds, const Settings& settings, bool has_times);
  ~FeatureComputer();
  FeatureComputer(const FeatureComputer&) = delete;
  FeatureComputer& operator=(const FeatureComputer&) = delete;

  // Every feature of every kind, sorted (extract_features' columns after the id).
  const std::vector<std::string>& names() const;
  // How many features kind k has, and the column (index into names()) of each, in compute()'s
  // order.
  std::size_t width(std::size_t kind) const;
  std::span<const std::size_t> columns(std::size_t kind) const;
  // Writes kind k's features of `series` to out (size width(k)), as extract_features computes
  // them: all NaN with a warning for a series holding NaN, NaN and a warning for a calculator
  // that throws. Warnings (without id or kind) are appended to `warnings`. Never throws for a
  // series.
  void compute(std::size_t kind, const Series& series, std::span<double> out,
               std::vector<std::string>& warnings) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshet::fresh
