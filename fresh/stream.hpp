#pragma once
// Streaming extraction: CSV rows in, one feature row per completed window out, in memory bounded
// by the number of (id, kind) series and the window, never by the stream's length.
//
//   StreamExtractor s({.window = 100, .step = 10}, preset_settings("minimal"), executor,
//                     "stdin", [](std::string_view text) { std::fwrite(...); });
//   while (read a block) s.feed(block), s.flush();   // flush: rows of the windows completed so far
//   s.finish();                                       // end of input
//
// Input: CSV text with a header line, in extract's layouts (fresh/input.hpp) and with its column
// defaults: long (id, [sort], [kind], value) or wide (id, [sort], one column per kind; an empty
// cell is no observation of that kind). Rows of one (id, kind) series must arrive in time order
// (ascending sort value, each value once); the ids and kinds may interleave freely. A long input
// with a kind column needs the kinds up front (StreamOptions::kinds: the header is written before
// they have all been seen).
//
// A completed window (W = window, S = step): for each (id, kind) series, after its n-th point
// with n >= W and (n - W) a multiple of S, the window of its last W points. Its row id is
// tsfresh's rolled-window id "(id, v)", v being the sort value of the window's last point (its
// position n - 1 without a sort column). So with S = 1 the rows are exactly those of
// `extract --roll max_timeshift=W-1,min_timeshift=W-1` on the same data (for S > 1: those of
// rolling_direction=S when the longest series' length P has (P - W) a multiple of S), and each
// window's features are computed from scratch on its W points, as extract computes them: same
// values, same bytes.
//
// Rows: the windows number j (j-th completed window) of every kind of one id make one row (the
// kinds must then share the sort value; tsfresh's roll names them alike and merges them). A row is
// written when every kind has completed its window j, or at finish() with NaN for the kinds that
// never did. With one kind every window is a row as soon as it is computed. Rows are written in
// the order they complete (for input ordered by id, the order of extract --roll).
//
// Ids: an id that reads as a 64-bit integer is written as one ("(7, 3)"), any other as Python's
// repr of a str ("('a', 3)"), as extract writes an all-integer or a text id column.
// The sort column's type is fixed by the first data row: integer, float (written as Python's
// repr) or ISO-8601 time stamp (then linear_trend_timewise is computed, as in extract).
//
// Memory: per (id, kind) 2W doubles (4W with time stamps) and per id the rows still waiting for a
// kind (at most max_pending_rows), plus one batch of windows (batch_windows x W doubles). An
// input line longer than max_line_bytes is an error (never a hang or an unbounded buffer).
//
// Errors (Error(kParse) / kInvalidArgument), each naming `source`, the line and the column: a
// wrong field count, an empty id, a value that is not a number (NaN and empty cells are kept in
// the long layout: the window's features are then NaN, as extract), a sort value that is
// missing, of another type than the first row's, or not above the series' previous one, an
// unknown kind, more than max_ids ids, a kind lagging by more than max_pending_rows windows.
// Feature computation never throws: events become warnings ("id 3, kind 'value', window
// (3, 99): ...").
//
// Parallelism: the windows completed between two flushes are computed over the executor's
// parallel_for, then written in order: the bytes do not depend on the worker count.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fresh/input.hpp"
#include "fresh/settings.hpp"
#include "mproc/executor.hpp"

namespace freshet::fresh {

struct StreamOptions {
  std::size_t window = 0;  // W, points per window (>= 1)
  std::size_t step = 1;    // S, points between two completed windows of a series (>= 1)
  InputOptions columns = {};
  // With a kind column: every kind the stream may hold (the output's columns). Empty otherwise.
  std::vector<std::string> kinds = {};
  // Slide the calculators that have an update (fresh/incremental.hpp) along each series instead
  // of recomputing them on every window (values within incremental.hpp's tolerance).
  bool incremental = false;
  std::size_t max_ids = std::size_t{1} << 20;
  std::size_t max_pending_rows = 1024;
  std::size_t batch_windows = 4096;  // feed() computes and writes once this many are waiting
  std::size_t max_line_bytes = std::size_t{1} << 20;
};

// Throws Error(kInvalidArgument): window 0, step 0, a kind list with a kind column missing.
void validate_stream_options(const StreamOptions& options);

class StreamExtractor {
 public:
  using Sink = std::function<void(std::string_view text)>;
  using Warn = std::function<void(const std::string& message)>;

  // Validates the options and the settings (as extract_features) before any input. The executor
  // must outlive the extractor. `source` names the input in errors. sink receives the output CSV
  // text (the header first, then whole rows); warn receives one line per event.
  StreamExtractor(const StreamOptions& options, const Settings& settings, mproc::Executor& executor,
                  std::string source, Sink sink, Warn warn = {});
  ~StreamExtractor();
  StreamExtractor(const StreamExtractor&) = delete;
  StreamExtractor& operator=(const StreamExtractor&) = delete;

  // Feeds input text (any split: a line may span calls). Throws as described above; after a
  // throw the extractor must not be fed again, but flush() may still be called: it writes the
  // rows of the windows the lines before the bad one completed (the bad line adds nothing).
  void feed(std::string_view text);
  // Computes the windows completed so far and writes their rows.
  void flush();
  // End of input: the last line (without a final newline), then every row still open. Writes the
  // header even when the input held no data row.
  void finish();

  std::uint64_t lines() const;    // input lines read (the header included)
  std::uint64_t windows() const;  // windows completed
  std::uint64_t rows() const;     // rows written

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshet::fresh
