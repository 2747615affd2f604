#pragma once
// Reading series for extraction: tsfresh's long and wide layouts into one compact SeriesSet.
//
// Long layout: one value per row, columns id, sort (optional), kind (optional), value.
// Wide layout: columns id, sort (optional), and one value column per kind.
// Column defaults (an empty name in InputOptions): id = "id" (required); sort = "time" when it
// exists; kind = "kind" and value = "value" when they exist. A table with neither a kind nor a
// value column is read as wide: every column other than id and sort is a kind. A value column
// without a kind column gives one kind named after the value column (as tsfresh does).
//
// Order: series are grouped by (id, kind); within a series rows are stable-sorted by the sort
// column (equal time stamps keep file order; tsfresh's quicksort leaves them unspecified), or
// kept in file order without one. A sort column of text is read as ISO-8601 time stamps
// ("2020-01-31", "2020-01-31T12:00:00.5", optional "Z" or "+hh:mm"); the seconds since the epoch
// are kept as the series' times (linear_trend_timewise needs them).
// Ids: int64 and float64 ids are ordered numerically, text ids by bytes. read_series_csv reads an
// id column as int64 when every id is an integer that fits, else as text: ids are never rounded
// to doubles (1000000000000000000000000000001 and ...002 stay two series).
// Missing values: a NaN in the long layout stays in the series (the engine then reports the
// series and gives it NaN features, as tsfresh refuses NaN input); an empty cell in the wide
// layout means "no observation of this kind at this time" and is skipped.
//
// Every error names the source, the column and, where one applies, the row and the id.

#include <cstdint>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/parallel.hpp"
#include "core/table.hpp"

namespace freshet::fresh {

struct InputOptions {
  std::string column_id = "";     // "" = "id"
  std::string column_sort = "";   // "" = "time" if present, else none
  std::string column_kind = "";   // "" = "kind" if present
  std::string column_value = "";  // "" = "value" if present
  // Keep every point's sort value in SeriesSet::sort_keys (rolling windows are named after it,
  // fresh/roll.hpp). Off by default: plain extraction does not need it.
  bool keep_sort_keys = false;
};

// What the sort column held (how a rolled window's time label is written).
enum class SortKeyType { kNone, kInteger, kFloat, kTimestamp };

// Every (id, kind) series, laid out contiguously: series s has id ids[id_index[s]], kind
// kinds[kind_index[s]] and values values[offsets[s] .. offsets[s+1]). Series are ordered by id
// then kind. times is empty unless the sort column holds time stamps (then it parallels values).
struct SeriesSet {
  Column ids;                      // distinct ids, ascending; named after the id column
  std::vector<std::string> kinds;  // distinct kinds, ascending (byte order)
  std::vector<std::uint32_t> id_index;
  std::vector<std::uint32_t> kind_index;
  std::vector<std::uint64_t> offsets;  // size = number of series + 1
  std::vector<double> values;
  std::vector<double> times;
  // With InputOptions::keep_sort_keys and a sort column: each point's sort value (parallel to
  // values; seconds since the epoch for time stamps). Empty otherwise.
  std::vector<double> sort_keys;
  SortKeyType sort_key_type = SortKeyType::kNone;
  bool has_times() const { return !times.empty(); }
  std::size_t num_series() const { return id_index.size(); }
};

// Throws Error(kNotFound) for a missing column, Error(kInvalidArgument) for a value column that
// is not numeric, a kind name tsfresh forbids (containing "__" or ending in "_"), an empty id,
// Error(kParse) for a sort cell that is neither a number nor a time stamp (or not of the kind of
// the column's first cell). `source` names the input in messages; with `lines` (from the CSV
// reader) a bad cell is named by its file line and field, else by its data row.
SeriesSet series_from_table(const Table& table, const InputOptions& options,
                            const std::string& source, const RowLines* lines = nullptr);
// Reads a CSV file (kind column read as text) and calls series_from_table.
// `parallel_for` as ReadCsvOptions::parallel_for (the CLI passes its executor's loop).
SeriesSet read_series_csv(const std::string& path, const InputOptions& options = {},
                          const ParallelFor& parallel_for = {});

// Parses an ISO-8601 date or date-time to seconds since 1970-01-01T00:00:00Z; false if the text
// is not one.
bool parse_iso8601(std::string_view text, double& seconds);

}  // namespace freshet::fresh
