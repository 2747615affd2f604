#include "fresh/stream_extract.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/format.hpp"

namespace freshet::fresh {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The features of the batches so far: one row per id in the order the batches gave them, one
// column per feature name seen (NaN where an id's batch lacked that feature's kind).
struct Features {
  std::vector<std::string> id_text;                      // the ids as the file spells them
  std::unordered_map<std::string, std::size_t> id_rows;  // id -> row (finds reappearing ids)
  std::unordered_map<std::string, std::size_t> column_index;
  std::vector<std::string> column_names;
  std::vector<std::vector<double>> columns;
  std::vector<std::pair<std::size_t, std::string>> warnings;  // (row, text after "id <id>")
  std::vector<std::string> kinds;                             // distinct, unordered
  std::optional<bool> has_times;
};

}  // namespace

StreamResult extract_csv_streaming(const std::string& path, const InputOptions& input,
                                   const Settings& settings, mproc::Executor& executor,
                                   const StreamingExtractOptions& options) {
  const bool from_stdin = path == "-";
  const std::string id_name = input.column_id.empty() ? "id" : input.column_id;
  const std::string kind_name = input.column_kind.empty() ? "kind" : input.column_kind;
  const std::string value_name = input.column_value.empty() ? "value" : input.column_value;
  // As read_series_csv reads the file, except that ids are kept as text: whether they are all
  // integers (and so ordered as numbers) is known only at the end.
  RowLines lines;
  ReadCsvOptions csv;
  csv.parallel_for = options.parallel_for;
  csv.types[kind_name] = ColumnType::kDictionary;
  csv.types[value_name] = ColumnType::kFloat64;
  csv.types[id_name] = ColumnType::kDictionary;
  csv.row_lines = &lines;
  CsvBatchReader reader(path, csv, {.batch_bytes = options.batch_bytes});
  const std::string& source = reader.source();

  StreamResult out;
  const auto cannot_stream = [&](std::string reason) {
    if (from_stdin)
      throw Error(Errc::kInvalidArgument,
                  reason +
                      "; standard input is read once, in batches, so its rows must be grouped by "
                      "id (sort them by id) -- or pass the file");
    out.reason = std::move(reason);
    return out;
  };

  ExtractOptions extract = options.extract;
  extract.progress = {};
  Features acc;
  std::size_t batches = 0;
  Table table;
  while (reader.next(table)) {
    std::size_t rows = table.num_rows();
    if (!reader.at_end() && table.has_column(id_name)) {
      // The last id may go on in the next batch: give its rows back to be read with it.
      const auto& ids = table.column(id_name).dictionary().codes;
      std::size_t start = rows;
      while (start > 0 && ids[start - 1] == ids[rows - 1]) --start;
      reader.hold_back(rows - start);
      if (start == 0) continue;  // one id so far: read on
      table.truncate(start);
      rows = start;
    }
    ++batches;
    const SeriesSet set = series_from_table(table, input, source, &lines);
    if (acc.has_times && *acc.has_times != set.has_times())
      return cannot_stream(source + ":" + std::to_string(lines.line_of(0)) +
                           ": the sort column holds " +
                           (set.has_times() ? "time stamps" : "numbers") + " from here on but " +
                           (set.has_times() ? "numbers" : "time stamps") + " before");
    acc.has_times = set.has_times();
    const auto batch_ids = set.ids.str();
    const std::size_t base = acc.id_text.size();
    for (std::size_t i = 0; i < batch_ids.size(); ++i) {
      if (!acc.id_rows.emplace(batch_ids[i], base + i).second) {
        const Column& ids = table.column(id_name);
        std::size_t row = 0;
        while (row + 1 < ids.size() && ids.text(row) != batch_ids[i]) ++row;
        return cannot_stream(source + ":" + std::to_string(lines.line_of(row)) + ": id " +
                             quote_cell(batch_ids[i]) +
                             " appears again after other ids (the rows are not grouped by id)");
      }
      acc.id_text.push_back(batch_ids[i]);
    }
    for (const auto& k : set.kinds)
      if (std::find(acc.kinds.begin(), acc.kinds.end(), k) == acc.kinds.end())
        acc.kinds.push_back(k);

    ExtractResult r = extract_features(set, settings, executor, extract);
    const std::size_t total = acc.id_text.size();
    for (auto& c : acc.columns) c.resize(total, kNaN);
    for (std::size_t c = 1; c < r.features.num_columns(); ++c) {
      const Column& col = r.features.column(c);
      auto [at, added] = acc.column_index.emplace(col.name(), acc.columns.size());
      if (added) {
        acc.column_names.push_back(col.name());
        acc.columns.emplace_back(total, kNaN);
      }
      const auto v = col.f64();
      std::copy(v.begin(), v.end(), acc.columns[at->second].begin() + static_cast<long>(base));
    }
    // Warnings are in series order, so in id order: find each one's id by walking the ids.
    std::size_t id = 0;
    for (auto& w : r.warnings) {
      while (id + 1 < batch_ids.size() && !w.starts_with("id " + batch_ids[id] + ", kind '")) ++id;
      const std::size_t prefix = 3 + batch_ids[id].size();
      acc.warnings.emplace_back(base + id, w.substr(std::min(prefix, w.size())));
    }
  }

  if (batches == 0) {
    // No rows: the whole-input path on the header alone (the same checks and columns).
    Table empty;
    for (const auto& name : reader.column_names()) {
      if (name == value_name)
        empty.add_column(Column(name, std::vector<double>{}));
      else if (name == kind_name)
        empty.add_column(Column(name, std::vector<std::string>{}));
      else
        empty.add_column(Column(name, std::vector<std::int64_t>{}));
    }
    out.result =
        extract_features(series_from_table(empty, input, source), settings, executor, extract);
    return out;
  }

  // Ids: integers (ordered as numbers) when every id is one, as read_series_csv reads them;
  // else text in byte order.
  const std::size_t n = acc.id_text.size();
  std::vector<std::int64_t> ints(n);
  bool all_int = true;
  for (std::size_t i = 0; i < n && all_int; ++i) all_int = parse_int64(acc.id_text[i], ints[i]);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (all_int) {
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return ints[a] < ints[b]; });
    for (std::size_t i = 1; i < n; ++i)
      if (ints[order[i]] == ints[order[i - 1]])
        return cannot_stream(source + ": ids " + quote_cell(acc.id_text[order[i - 1]]) + " and " +
                             quote_cell(acc.id_text[order[i]]) +
                             " are one integer id, read in different id groups");
  } else {
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return acc.id_text[a] < acc.id_text[b]; });
  }

  ExtractResult result;
  if (all_int) {
    std::vector<std::int64_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = ints[order[i]];
    result.features.add_column(Column(id_name, std::move(ids)));
  } else {
    std::vector<std::string> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = acc.id_text[order[i]];
    result.features.add_column(Column(id_name, std::move(ids)));
  }
  std::sort(acc.kinds.begin(), acc.kinds.end());
  const auto names = planned_feature_names(acc.kinds, settings, *acc.has_times);
  if (names.size() != acc.columns.size())
    throw Error(Errc::kInternal, "extract_csv_streaming: " + std::to_string(acc.columns.size()) +
                                     " feature columns, planned " + std::to_string(names.size()));
  for (const auto& name : names) {
    const auto at = acc.column_index.find(name);
    if (at == acc.column_index.end())
      throw Error(Errc::kInternal, "extract_csv_streaming: no column " + name);
    std::vector<double>& from = acc.columns[at->second];
    from.resize(n, kNaN);
    std::vector<double> col(n);
    for (std::size_t i = 0; i < n; ++i) col[i] = from[order[i]];
    from = {};
    result.features.add_column(Column(name, std::move(col)));
  }
  std::vector<std::size_t> rank(n);
  for (std::size_t i = 0; i < n; ++i) rank[order[i]] = i;
  std::stable_sort(acc.warnings.begin(), acc.warnings.end(),
                   [&](const auto& a, const auto& b) { return rank[a.first] < rank[b.first]; });
  for (const auto& [row, text] : acc.warnings)
    result.warnings.push_back("id " + (all_int ? std::to_string(ints[row]) : acc.id_text[row]) +
                              text);
  out.result = std::move(result);
  return out;
}

}  // namespace freshet::fresh
