#pragma once
// Rolling windows as tsfresh 0.21.2's roll_time_series cuts them, extracted as tsfresh's
// extract_features extracts the rolled frame, without building that frame:
//
//   InputOptions in{.keep_sort_keys = true};           // windows are named after the sort value
//   SeriesSet data = read_series_csv("series.csv", in);
//   ExtractResult r = extract_rolled(data, {.max_timeshift = 20, .min_timeshift = 5}, settings,
//                                    executor);
//
// Which windows (per (id, kind) series, points in time order, P = the longest series' length,
// M = max_timeshift (default P), d = rolling_direction, a = |d|):
//   d > 0: for t = P, P-a, P-2a, ... > 0 (so the longest series' last point is always a window
//          end), a series of length L >= t gives the points [max(t-M-1, 0), t).
//   d < 0: for t = 1, 1+a, 1+2a, ... <= P, a series of length L >= t gives [t-1, min(t+M, L)).
//   Windows of fewer than min_timeshift + 1 points are dropped.
// Window ids: tsfresh's tuple (old id, v), where v is the sort value of point t-1 (the window's
// last point for d > 0, its first for d < 0), or t-1 itself without a sort column; written as
// Python's str() writes the tuple: "(0, 5)", "('a', 2.5)". All kinds of one id share the ids.
// Output rows are sorted by old id (the SeriesSet's order), then v ascending (numerically).
//
// Every window is a view (begin, end) into data.values: no point is copied, and each window's
// features are computed from scratch on its view, so they equal the features of the same points
// extracted as a series (the same summation order). Windows run in parallel over the executor
// like plain series (fresh/extract.hpp), with the same bytes for every backend and worker count.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "fresh/extract.hpp"
#include "fresh/input.hpp"
#include "fresh/settings.hpp"
#include "mproc/executor.hpp"

namespace freshet::fresh {

struct RollOptions {
  // A window holds at most max_timeshift + 1 points; nullopt = the longest series' length
  // (tsfresh's None, every window starts at the series' start).
  std::optional<std::int64_t> max_timeshift = std::nullopt;
  // Windows of fewer than min_timeshift + 1 points are dropped.
  std::int64_t min_timeshift = 0;
  // Step between window ends (> 0) or window starts (< 0), in points.
  std::int64_t rolling_direction = 1;
  // Not tsfresh's: compute the calculators that have a sliding-window update
  // (fresh/incremental.hpp) by sliding along each series instead of from scratch on every window;
  // their values then equal the from-scratch ones within incremental.hpp's tolerance (the exact
  // ones bit for bit). The other calculators are computed from scratch as without it.
  bool incremental = false;
};

// Parses "max_timeshift=20,min_timeshift=5,rolling_direction=-1" (any subset, any order; the
// CLI's --roll). Throws Error(kInvalidArgument) naming the key or value that is wrong, and as
// validate_roll_options.
RollOptions parse_roll_options(std::string_view spec);

// Throws Error(kInvalidArgument) as tsfresh's ValueErrors do: rolling_direction 0,
// max_timeshift <= 0, min_timeshift < 0.
void validate_roll_options(const RollOptions& options);

// The windows, in output order (by row, then kind). ids is a text column named "id". Needs the
// sort values: read data with InputOptions::keep_sort_keys when it has a sort column (without
// them the windows are named by position, as tsfresh does without column_sort). Throws as
// validate_roll_options, and Error(kInvalidArgument) if a sort value is missing (tsfresh refuses
// NaN in the sort column).
SeriesWindows roll_windows(const SeriesSet& data, const RollOptions& options);

// extract_features on roll_windows(data, options): one row per window id. With
// options.incremental the same table (columns, rows, names), the incremental calculators' values
// within their tolerance; their series are slid in parallel over executor.parallel_for.
ExtractResult extract_rolled(const SeriesSet& data, const RollOptions& options,
                             const Settings& settings, mproc::Executor& executor,
                             const ExtractOptions& extract = {});

// extract_rolled in blocks of consecutive rows, so that a caller that writes each block and drops
// it (the CLI's `extract --roll`) holds one block of the table at a time instead of all of it:
// 50,000 windows x 777 `efficient` features are 311 MB as doubles (and ~0.5 GB as CSV text), a
// block of 2^19 cells 4 MB (~10 MB of text).
struct RollBlockOptions {
  // Rows per block: about this many cells (rows x columns, the id included), at least one row.
  // Never depends on the executor, so the blocks (and the bytes) are the same for every backend.
  std::size_t block_cells = std::size_t{1} << 19;
};

// Called on the calling thread once per block, in row order: block.features has extract_rolled's
// columns and the rows [first_row, first_row + block.features.num_rows()) of its table, and
// block.warnings the warnings of those rows' windows (extract_rolled's, in the same order). Called
// once with an empty block when there are no windows. An exception thrown by the sink stops the
// extraction and propagates.
using RolledBlockSink = std::function<void(std::size_t first_row, ExtractResult&& block)>;

// Validates everything extract_rolled validates before the first block. Concatenating the blocks'
// rows (and warnings) gives extract_rolled's table (and warnings) exactly, for any block size,
// incremental or not; extract.progress sees (windows done, windows in all).
void extract_rolled_blocks(const SeriesSet& data, const RollOptions& options,
                           const Settings& settings, mproc::Executor& executor,
                           const RolledBlockSink& sink, const ExtractOptions& extract = {},
                           const RollBlockOptions& blocks = {});

// tsfresh's make_forecasting_frame, for every series of a one-kind SeriesSet: for each point t
// of a series (t >= target_shift), the window of the at most max_timeshift points that end
// target_shift - 1 points before t, named (id, time of point t), and the target: point t's value.
// With target_shift 1 that is make_forecasting_frame's (df, y) with rolling_direction 1: the
// previous <= max_timeshift values predict the next one. Windows of fewer than
// max(min_timeshift, 1) points are dropped (tsfresh: a rolled window of min_timeshift + 1 points
// minus the predicted one).
struct ForecastOptions {
  std::optional<std::int64_t> max_timeshift = std::nullopt;  // nullopt = the whole past
  std::int64_t min_timeshift = 0;
  std::int64_t target_shift = 1;  // how many points ahead the target lies (>= 1)
};

struct ForecastWindows {
  SeriesWindows windows;  // one window per row of windows.ids
  Table targets;          // columns id (as windows.ids) and y, one row per window, same order
};

// Throws Error(kInvalidArgument) for a SeriesSet of several kinds, max_timeshift <= 0,
// min_timeshift < 0, target_shift < 1, and as roll_windows for the sort values.
ForecastWindows forecasting_windows(const SeriesSet& data, const ForecastOptions& options);

struct ForecastResult {
  ExtractResult extracted;  // features, one row per window
  Table targets;            // id, y in the same row order
};

ForecastResult extract_forecasting(const SeriesSet& data, const ForecastOptions& options,
                                   const Settings& settings, mproc::Executor& executor,
                                   const ExtractOptions& extract = {});

// extract_forecasting in blocks of rows, as extract_rolled_blocks (the same sink contract);
// returns the targets (id, y: every row, in the blocks' row order). Throws as
// forecasting_windows before the first block.
Table extract_forecasting_blocks(const SeriesSet& data, const ForecastOptions& options,
                                 const Settings& settings, mproc::Executor& executor,
                                 const RolledBlockSink& sink, const ExtractOptions& extract = {},
                                 const RollBlockOptions& blocks = {});

// How a window id writes the sort value v (the tuple's second item): an integer "5", a float
// as Python's repr "2.5", a time stamp as pandas' repr "Timestamp('2020-01-31 12:00:00')"
// (kNone: a position, written as an integer).
std::string sort_value_repr(SortKeyType type, double v);

// Python's repr() of a str, as str(tuple) writes a text id: 'a', "it's", 'a\\b'.
std::string python_str_repr(std::string_view text);

}  // namespace freshet::fresh
