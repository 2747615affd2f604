#include "fresh/input.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/format.hpp"

namespace freshet::fresh {

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

// Where a cell is, for messages: "SOURCE:LINE:FIELD: column 'NAME'" when the rows' lines are
// known (read from a file), else "SOURCE: row N: column 'NAME'" (N counts the header as row 1).
struct CellPlace {
  const Table& table;
  const std::string& source;
  const RowLines* lines;
  std::string operator()(std::size_t row, const std::string& column) const {
    const auto names = table.column_names();
    const std::size_t field =
        static_cast<std::size_t>(std::find(names.begin(), names.end(), column) - names.begin()) + 1;
    const std::string where =
        lines ? source + ":" + std::to_string(lines->line_of(row)) + ":" + std::to_string(field)
              : source + ": row " + std::to_string(row + 2);
    return where + ": column '" + escape_control(column) + "'";
  }
};

void check_kind_name(const std::string& kind, const std::string& source) {
  if (kind.empty() || kind.find("__") != std::string::npos || kind.back() == '_')
    throw Error(Errc::kInvalidArgument,
                source + ": kind '" + escape_control(kind) +
                    "' cannot name features: kinds must be non-empty, must not contain '__' and "
                    "must not end with '_' (tsfresh's rule)");
}

// Distinct ids ascending plus each row's index into them.
struct IdIndex {
  Column ids;
  std::vector<std::uint32_t> row_id;
};

// Rows usually come in runs of one id (or one kind): only the first row of a run is looked up.
template <class T>
std::vector<T> distinct_sorted(std::span<const T> v) {
  std::vector<T> u;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (i == 0 || !(v[i] == v[i - 1])) u.push_back(v[i]);
  std::sort(u.begin(), u.end());
  u.erase(std::unique(u.begin(), u.end()), u.end());
  return u;
}

template <class T>
std::vector<std::uint32_t> index_rows(std::span<const T> v, const std::vector<T>& u) {
  std::vector<std::uint32_t> row(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    row[i] =
        (i > 0 && v[i] == v[i - 1])
            ? row[i - 1]
            : static_cast<std::uint32_t>(std::lower_bound(u.begin(), u.end(), v[i]) - u.begin());
  return row;
}

// A dictionary-encoded column's distinct values in use (truncate() may leave unused ones), sorted
// by bytes, and each row's index into them. `check(value, first_row)` sees each used value once.
template <class Check>
std::pair<std::vector<std::string>, std::vector<std::uint32_t>> index_dictionary(
    const DictionaryStrings& d, Check check) {
  constexpr std::size_t kUnused = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> first_row(d.values.size(), kUnused);
  for (std::size_t i = 0; i < d.codes.size(); ++i)
    if (first_row[d.codes[i]] == kUnused) first_row[d.codes[i]] = i;
  std::vector<std::uint32_t> used;
  for (std::size_t j = 0; j < d.values.size(); ++j)
    if (first_row[j] != kUnused) {
      check(d.values[j], first_row[j]);
      used.push_back(static_cast<std::uint32_t>(j));
    }
  std::sort(used.begin(), used.end(),
            [&](std::uint32_t a, std::uint32_t b) { return d.values[a] < d.values[b]; });
  std::vector<std::uint32_t> rank(d.values.size(), 0);
  std::vector<std::string> sorted;
  sorted.reserve(used.size());
  for (std::size_t r = 0; r < used.size(); ++r) {
    rank[used[r]] = static_cast<std::uint32_t>(r);
    sorted.push_back(d.values[used[r]]);
  }
  std::vector<std::uint32_t> row(d.codes.size());
  for (std::size_t i = 0; i < d.codes.size(); ++i) row[i] = rank[d.codes[i]];
  return {std::move(sorted), std::move(row)};
}

template <class T>
IdIndex index_ids(const std::string& name, std::span<const T> v) {
  std::vector<T> u = distinct_sorted(v);
  IdIndex out;
  out.row_id = index_rows(v, u);
  out.ids = Column(name, std::move(u));
  return out;
}

IdIndex index_id_column(const Column& c, const CellPlace& place) {
  switch (c.dtype()) {
    case DType::kInt64:
      return index_ids<std::int64_t>(c.name(), c.i64());
    case DType::kFloat64: {
      const auto v = c.f64();
      for (std::size_t i = 0; i < v.size(); ++i)
        if (std::isnan(v[i]))
          throw Error(Errc::kInvalidArgument, place(i, c.name()) + ": missing id");
      return index_ids<double>(c.name(), v);
    }
    case DType::kString: {
      if (c.is_dictionary()) {
        auto [u, rows] = index_dictionary(c.dictionary(), [&](const std::string& v, std::size_t i) {
          if (is_missing_token(v))
            throw Error(Errc::kInvalidArgument,
                        place(i, c.name()) + ": missing id, found " + quote_cell(v));
        });
        IdIndex out;
        out.row_id = std::move(rows);
        out.ids = Column(c.name(), std::move(u));
        return out;
      }
      const auto v = c.str();
      for (std::size_t i = 0; i < v.size(); ++i)
        if (is_missing_token(v[i]))
          throw Error(Errc::kInvalidArgument,
                      place(i, c.name()) + ": missing id, found " + quote_cell(v[i]));
      return index_ids<std::string>(c.name(), v);
    }
  }
  throw Error(Errc::kInternal, "unknown column type");
}

// Sort keys per row (NaN = missing, sorts last), and whether they are time stamps.
// A text column is all numbers or all time stamps, as its first cell is: the cell reported is the
// first that is not (a column of numbers is text when one cell is bad, and that cell is the one
// to fix).
std::vector<double> sort_keys(const Column& c, const CellPlace& place, bool& timestamps) {
  timestamps = false;
  if (c.is_numeric()) return c.to_f64();
  std::vector<double> keys(c.size(), NAN);
  enum { kUnknown, kNumbers, kTimes } kind = kUnknown;
  for (std::size_t i = 0; i < c.size(); ++i) {
    const std::string_view cell = c.text(i);
    if (is_missing_token(cell)) continue;
    if (kind != kTimes && parse_double(cell, keys[i])) {
      kind = kNumbers;
      continue;
    }
    if (kind != kNumbers && parse_iso8601(cell, keys[i])) {
      kind = kTimes;
      continue;
    }
    throw Error(Errc::kParse, place(i, c.name()) + ": expected " +
                                  (kind == kNumbers ? "a number (as the cells above)"
                                   : kind == kTimes ? "an ISO-8601 time stamp (as the cells above)"
                                                    : "a number or an ISO-8601 time stamp") +
                                  ", found " + quote_cell(cell));
  }
  timestamps = kind == kTimes;
  return keys;
}

bool key_less(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

// The column, which must be numeric; else the first cell that is not a number is reported.
const Column& numeric_column(const Table& t, const std::string& name, const CellPlace& place) {
  const Column& c = t.column(name);
  if (c.is_numeric()) return c;
  double x;
  for (std::size_t i = 0; i < c.size(); ++i)
    if (!is_missing_token(c.text(i)) && !parse_double(c.text(i), x))
      throw Error(Errc::kInvalidArgument,
                  place(i, name) + ": value column '" + escape_control(name) +
                      "' is not numeric: expected a number, found " + quote_cell(c.text(i)));
  throw Error(Errc::kInvalidArgument,
              place.source + ": value column '" + name + "' is not numeric");
}

}  // namespace

bool parse_iso8601(std::string_view s, double& seconds) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  std::size_t pos = 10;
  double frac = 0;
  long long offset = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    if (!digits(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, mi))
      return false;
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!digits(s, pos + 1, 2, sec)) return false;
      pos += 3;
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        std::size_t e = pos + 1;
        while (e < s.size() && s[e] >= '0' && s[e] <= '9') ++e;
        if (e == pos + 1) return false;
        std::string f = "0." + std::string(s.substr(pos + 1, e - pos - 1));
        if (!parse_double(f, frac)) return false;
        pos = e;
      }
    }
    if (h > 24 || mi > 59 || sec > 60) return false;
    if (pos < s.size()) {
      if (s[pos] == 'Z' && pos + 1 == s.size()) {
        pos += 1;
      } else if (s[pos] == '+' || s[pos] == '-') {
        int oh = 0, om = 0;
        if (!digits(s, pos + 1, 2, oh)) return false;
        std::size_t p = pos + 3;
        if (p < s.size() && s[p] == ':') ++p;
        if (p < s.size() && !digits(s, p, 2, om)) return false;
        if (p < s.size()) p += 2;
        offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
        pos = p;
      }
    }
  }
  if (pos != s.size()) return false;
  const long long days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  seconds = static_cast<double>(days * 86400LL + h * 3600LL + mi * 60LL + sec - offset) + frac;
  return true;
}

namespace {

// `owned`: the same table when the caller gives it up (read_series_csv): a float value column
// of rows already in order then becomes the series' values without a copy.
SeriesSet series_from_table_impl(const Table& table, Table* owned, const InputOptions& options,
                                 const std::string& source, const RowLines* lines) {
  const CellPlace place{table, source, lines};
  const std::string id_name = options.column_id.empty() ? "id" : options.column_id;
  if (!table.has_column(id_name))
    throw Error(Errc::kNotFound,
                source + ": no id column '" + id_name + "' (name it with --column-id)");
  std::string sort_name = options.column_sort;
  if (sort_name.empty() && table.has_column("time")) sort_name = "time";
  std::string kind_name = options.column_kind;
  if (kind_name.empty() && table.has_column("kind")) kind_name = "kind";
  std::string value_name = options.column_value;
  if (value_name.empty() && table.has_column("value")) value_name = "value";
  for (const auto* n : {&sort_name, &kind_name, &value_name})
    if (!n->empty() && !table.has_column(*n))
      throw Error(Errc::kNotFound, source + ": no column '" + *n + "'");
  if (!kind_name.empty() && value_name.empty())
    throw Error(Errc::kInvalidArgument, source + ": a kind column ('" + kind_name +
                                            "') needs a value column (--column-value)");
  for (const auto* n : {&sort_name, &kind_name, &value_name})
    if (*n == id_name)
      throw Error(Errc::kInvalidArgument, source + ": column '" + id_name + "' used twice");

  const std::size_t rows = table.num_rows();
  IdIndex idx = index_id_column(table.column(id_name), place);
  bool timestamps = false;
  std::vector<double> keys;
  if (!sort_name.empty()) keys = sort_keys(table.column(sort_name), place, timestamps);

  SeriesSet out;
  out.ids = std::move(idx.ids);
  const bool keep_keys = options.keep_sort_keys && !keys.empty();
  if (keep_keys)
    out.sort_key_type = timestamps                                         ? SortKeyType::kTimestamp
                        : table.column(sort_name).dtype() == DType::kInt64 ? SortKeyType::kInteger
                                                                           : SortKeyType::kFloat;
  const auto& row_id = idx.row_id;

  if (!value_name.empty()) {
    // Long layout.
    const Column& value_col = numeric_column(table, value_name, place);
    std::vector<double> converted;  // an integer value column as doubles
    if (value_col.dtype() != DType::kFloat64) converted = value_col.to_f64();
    const std::span<const double> values =
        value_col.dtype() == DType::kFloat64 ? value_col.f64() : std::span<const double>(converted);
    std::vector<std::uint32_t> row_kind(rows, 0);
    if (!kind_name.empty()) {
      const Column& kc = table.column(kind_name);
      std::vector<std::string> kind_text;
      std::span<const std::string> text;
      if (kc.is_dictionary()) {
        auto [u, rows_kind] =
            index_dictionary(kc.dictionary(), [](const std::string&, std::size_t) {});
        for (const auto& k : u) check_kind_name(k, source + ": column '" + kind_name + "'");
        row_kind = std::move(rows_kind);
        out.kinds = std::move(u);
      } else if (kc.dtype() == DType::kString) {
        text = kc.str();
      } else {
        kind_text.resize(rows);
        for (std::size_t i = 0; i < rows; ++i) kind_text[i] = kc.as_string(i);
        text = kind_text;
      }
      if (!kc.is_dictionary()) {
        std::vector<std::string> u = distinct_sorted(text);
        for (const auto& k : u) check_kind_name(k, source + ": column '" + kind_name + "'");
        row_kind = index_rows(text, u);
        out.kinds = std::move(u);
      }
    } else {
      check_kind_name(value_name, source);
      out.kinds = {value_name};
    }
    const auto row_less = [&](std::size_t a, std::size_t b) {
      if (row_id[a] != row_id[b]) return row_id[a] < row_id[b];
      if (row_kind[a] != row_kind[b]) return row_kind[a] < row_kind[b];
      if (!keys.empty()) return key_less(keys[a], keys[b]);
      return false;
    };
    // Files written in order are common: their rows are taken as they are (a stable sort of
    // sorted rows is the identity), without an order vector.
    bool sorted = true;
    for (std::size_t i = 1; i < rows && sorted; ++i) sorted = !row_less(i, i - 1);
    std::vector<std::size_t> order;
    if (!sorted) {
      order.resize(rows);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), row_less);
    }
    const auto at = [&](std::size_t i) { return sorted ? i : order[i]; };
    if (sorted) {
      if (owned && value_col.dtype() == DType::kFloat64)
        out.values = std::move(owned->column_mut(value_name).f64_mut());  // `values` dangles now
      else
        out.values.assign(values.begin(), values.end());
      if (keep_keys) out.sort_keys = keys;
      if (timestamps) out.times = std::move(keys);
    } else {
      out.values.resize(rows);
      for (std::size_t i = 0; i < rows; ++i) out.values[i] = values[order[i]];
      if (timestamps) {
        out.times.resize(rows);
        for (std::size_t i = 0; i < rows; ++i) out.times[i] = keys[order[i]];
      }
      if (keep_keys) {
        out.sort_keys.resize(rows);
        for (std::size_t i = 0; i < rows; ++i) out.sort_keys[i] = keys[order[i]];
      }
    }
    out.offsets.push_back(0);
    for (std::size_t i = 0; i < rows; ++i) {
      const std::size_t r = at(i);
      if (i == 0 || row_id[r] != row_id[at(i - 1)] || row_kind[r] != row_kind[at(i - 1)]) {
        if (i > 0) out.offsets.push_back(i);
        out.id_index.push_back(row_id[r]);
        out.kind_index.push_back(row_kind[r]);
      }
    }
    if (rows > 0) out.offsets.push_back(rows);
    return out;
  }

  // Wide layout: every other column is a kind.
  std::vector<std::string> kind_cols;
  for (const auto& c : table.columns())
    if (c.name() != id_name && c.name() != sort_name) kind_cols.push_back(c.name());
  if (kind_cols.empty())
    throw Error(Errc::kInvalidArgument,
                source +
                    ": no value columns (wide layout: every column other than the id and "
                    "sort columns is a kind)");
  std::sort(kind_cols.begin(), kind_cols.end());
  std::vector<std::vector<double>> cols;
  for (const auto& k : kind_cols) {
    check_kind_name(k, source);
    cols.push_back(numeric_column(table, k, place).to_f64());
  }
  out.kinds = kind_cols;
  std::vector<std::size_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  const auto row_less = [&](std::size_t a, std::size_t b) {
    if (row_id[a] != row_id[b]) return row_id[a] < row_id[b];
    if (!keys.empty()) return key_less(keys[a], keys[b]);
    return false;
  };
  if (!std::is_sorted(order.begin(), order.end(), row_less))
    std::stable_sort(order.begin(), order.end(), row_less);
  out.offsets.push_back(0);
  for (std::size_t begin = 0; begin < rows;) {
    std::size_t end = begin;
    while (end < rows && row_id[order[end]] == row_id[order[begin]]) ++end;
    for (std::size_t k = 0; k < cols.size(); ++k) {
      const std::size_t before = out.values.size();
      for (std::size_t i = begin; i < end; ++i) {
        const double v = cols[k][order[i]];
        if (std::isnan(v)) continue;  // no observation of this kind at this time
        out.values.push_back(v);
        if (timestamps) out.times.push_back(keys[order[i]]);
        if (keep_keys) out.sort_keys.push_back(keys[order[i]]);
      }
      if (out.values.size() == before) continue;
      out.id_index.push_back(row_id[order[begin]]);
      out.kind_index.push_back(static_cast<std::uint32_t>(k));
      out.offsets.push_back(out.values.size());
    }
    begin = end;
  }
  return out;
}

}  // namespace

SeriesSet series_from_table(const Table& table, const InputOptions& options,
                            const std::string& source, const RowLines* lines) {
  return series_from_table_impl(table, nullptr, options, source, lines);
}

SeriesSet read_series_csv(const std::string& path, const InputOptions& options,
                          const ParallelFor& parallel_for) {
  ReadCsvOptions csv;
  csv.parallel_for = parallel_for;
  std::string kind = options.column_kind.empty() ? "kind" : options.column_kind;
  // Kinds and text ids repeat: dictionary-encoded, a row costs 4 bytes instead of a string's 32.
  csv.types[kind] = ColumnType::kDictionary;
  // A non-numeric value cell is then reported by the reader with its line and column.
  csv.types[options.column_value.empty() ? "value" : options.column_value] = ColumnType::kFloat64;
  // Ids are integers or text, never rounded floats that would merge distinct ids.
  csv.types[options.column_id.empty() ? "id" : options.column_id] =
      ColumnType::kIntegerOrDictionary;
  RowLines lines;
  csv.row_lines = &lines;
  Table table = read_csv(path, csv);
  return series_from_table_impl(table, &table, options, path == "-" ? "stdin" : path, &lines);
}

}  // namespace freshet::fresh
