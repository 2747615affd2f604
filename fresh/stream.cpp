#include "fresh/stream.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <unordered_map>

#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "fresh/extract.hpp"
#include "fresh/incremental.hpp"
#include "fresh/roll.hpp"
#include "fresh/series.hpp"

namespace freshet::fresh {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// One (id, kind) series: its last W points, kept contiguous in a buffer of 2W so that a window
// is always a plain span (when the buffer fills, the last W - 1 points move to its front: an
// amortised O(1) copy per point, and never a reallocation).
struct Track {
  std::vector<double> values, times;
  std::size_t start = 0, count = 0;
  std::uint64_t seen = 0;       // points so far
  std::uint64_t completed = 0;  // windows so far
  double last_key = 0;
  bool has_key = false;
  std::unique_ptr<SlidingFeatures> slide;  // with StreamOptions::incremental

  void push(std::size_t window, double value, double time, bool with_times) {
    if (values.empty()) {
      values.resize(2 * window);
      if (with_times) times.resize(2 * window);
    }
    if (start + count == values.size()) {
      const std::size_t keep = window - 1;
      std::memmove(values.data(), values.data() + start + count - keep, keep * sizeof(double));
      if (with_times)
        std::memmove(times.data(), times.data() + start + count - keep, keep * sizeof(double));
      start = 0;
      count = keep;
    }
    values[start + count] = value;
    if (with_times) times[start + count] = time;
    if (++count > window) ++start, --count;
    ++seen;
  }
};

// Window j of every kind of one id: one output row.
struct Row {
  double label = 0;
  std::size_t delivered = 0;  // kinds whose window j has completed
  std::size_t computed = 0;   // ... and whose features are in `features`
  std::vector<double> features = {};
};

struct IdState {
  std::string repr;  // as the window id writes it: 7 or 'a'
  std::vector<Track> tracks;
  std::deque<Row> pending;  // rows first_row, first_row + 1, ...
  std::uint64_t first_row = 0;
};

// A completed window waiting to be computed: its points are copied to the batch (W values).
struct Job {
  std::uint32_t id;
  std::uint32_t kind;
  std::uint64_t row;
};

std::string id_repr(std::string_view text) {
  std::int64_t v = 0;
  if (parse_int64(text, v)) return std::to_string(v);
  return python_str_repr(text);
}

}  // namespace

void validate_stream_options(const StreamOptions& options) {
  if (options.window == 0)
    throw Error(Errc::kInvalidArgument, "stream: the window must hold at least one point");
  if (options.step == 0) throw Error(Errc::kInvalidArgument, "stream: the step must be positive");
  if (options.max_pending_rows == 0 || options.batch_windows == 0 || options.max_ids == 0 ||
      options.max_line_bytes == 0)
    throw Error(Errc::kInvalidArgument, "stream: limits must be positive");
}

struct StreamExtractor::Impl {
  StreamOptions options;
  Settings settings;
  mproc::Executor& executor;
  std::string source;
  Sink sink;
  Warn warn;

  // Layout (from the header).
  bool have_header = false;
  std::vector<std::string> header;
  std::size_t n_fields = 0;
  std::size_t id_col = 0, sort_col = 0, kind_col = 0, value_col = 0;
  bool has_sort = false, has_kind = false, wide = false;
  std::vector<std::string> kinds;                                // sorted
  std::vector<std::pair<std::size_t, std::uint32_t>> wide_cols;  // (field, kind)

  // Fixed by the first data row.
  bool started = false;
  SortKeyType key_type = SortKeyType::kNone;
  bool with_times = false;
  std::unique_ptr<FeatureComputer> computer;  // the calculators computed per window
  std::size_t width = 0;                      // columns of a row
  std::vector<std::size_t> computer_column;   // computer's column c -> row column
  // With options.incremental: the sliding calculators' settings and, per kind, their columns.
  Settings sliding;
  std::vector<std::vector<std::size_t>> slide_columns;
  std::vector<double> slide_out;

  std::unordered_map<std::string, std::uint32_t> id_of;
  std::deque<IdState> ids;  // a deque: growing never moves an IdState

  std::vector<Job> jobs;
  std::vector<double> batch_values, batch_times;

  std::string carry;  // a partial line
  std::uint64_t line_no = 0, n_windows = 0, n_rows = 0;
  std::vector<std::string_view> fields;
  std::vector<std::string> unquoted;
  std::string out;

  Impl(const StreamOptions& o, const Settings& s, mproc::Executor& e, std::string src, Sink sk,
       Warn w)
      : options(o),
        settings(s),
        executor(e),
        source(std::move(src)),
        sink(std::move(sk)),
        warn(std::move(w)) {}

  std::string where() const { return source + ":" + std::to_string(line_no); }
  std::string where(std::size_t field) const { return where() + ":" + std::to_string(field + 1); }

  [[noreturn]] void fail(Errc code, const std::string& message) const {
    throw Error(code, where() + ": " + message);
  }

  // Splits a line on commas; double-quoted fields may hold commas and "" for a quote.
  void split(std::string_view line) {
    fields.clear();
    if (line.find('"') == std::string_view::npos) {
      std::size_t pos = 0;
      while (true) {
        const std::size_t comma = line.find(',', pos);
        if (comma == std::string_view::npos) {
          fields.push_back(line.substr(pos));
          return;
        }
        fields.push_back(line.substr(pos, comma - pos));
        pos = comma + 1;
      }
    }
    std::string field;
    std::size_t i = 0;
    std::vector<std::string> parts;
    while (true) {
      field.clear();
      if (i < line.size() && line[i] == '"') {
        ++i;
        while (true) {
          if (i >= line.size()) fail(Errc::kParse, "a quoted field is not closed on its line");
          if (line[i] == '"') {
            if (i + 1 < line.size() && line[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          field += line[i++];
        }
        if (i < line.size() && line[i] != ',')
          fail(Errc::kParse,
               "text after a closing quote in field " + std::to_string(parts.size() + 1));
      } else {
        const std::size_t comma = std::min(line.find(',', i), line.size());
        field.assign(line.substr(i, comma - i));
        i = comma;
      }
      parts.push_back(field);
      if (i >= line.size()) break;
      ++i;  // the comma
      if (i == line.size()) {
        parts.emplace_back();
        break;
      }
    }
    unquoted = std::move(parts);
    for (const auto& p : unquoted) fields.push_back(p);
  }

  void read_header() {
    header.assign(fields.begin(), fields.end());
    const std::vector<std::string>& names = header;
    n_fields = names.size();
    auto find = [&](const std::string& name) -> std::ptrdiff_t {
      const auto it = std::find(names.begin(), names.end(), name);
      return it == names.end() ? -1 : it - names.begin();
    };
    auto require = [&](const std::string& given, const std::string& fallback, const char* what,
                       bool needed) -> std::ptrdiff_t {
      const std::string name = given.empty() ? fallback : given;
      const std::ptrdiff_t at = find(name);
      if (at < 0 && (needed || !given.empty()))
        throw Error(Errc::kNotFound, source + ": no " + what + " column '" + name +
                                         "' (columns are: " + join_names(names) + ")");
      return at;
    };
    const auto& c = options.columns;
    id_col = static_cast<std::size_t>(require(c.column_id, "id", "id", true));
    const auto s = require(c.column_sort, "time", "sort", false);
    const auto k = require(c.column_kind, "kind", "kind", false);
    const auto v = require(c.column_value, "value", "value", false);
    has_sort = s >= 0;
    has_kind = k >= 0;
    if (has_sort) sort_col = static_cast<std::size_t>(s);
    if (has_kind && v < 0)
      throw Error(Errc::kNotFound, source + ": a kind column but no value column (columns are: " +
                                       join_names(names) + ")");
    wide = !has_kind && v < 0;
    if (!wide && !has_kind && !options.kinds.empty())
      throw Error(Errc::kInvalidArgument,
                  source + ": kinds were given but the input has no kind column");
    if (wide) {
      if (!options.kinds.empty())
        throw Error(
            Errc::kInvalidArgument,
            source + ": kinds were given but the input is wide (its kinds are its columns)");
      for (std::size_t f = 0; f < names.size(); ++f)
        if (f != id_col && !(has_sort && f == sort_col)) kinds.push_back(names[f]);
      if (kinds.empty())
        throw Error(Errc::kInvalidArgument,
                    source + ": no value column (columns are: " + join_names(names) + ")");
    } else if (has_kind) {
      kind_col = static_cast<std::size_t>(k);
      value_col = static_cast<std::size_t>(v);
      if (options.kinds.empty())
        throw Error(Errc::kInvalidArgument,
                    source +
                        ": the input has a kind column: name its kinds up front (--kinds "
                        "a,b,...); the output's columns are written before every kind has "
                        "been seen");
      kinds = options.kinds;
    } else {
      value_col = static_cast<std::size_t>(v);
      kinds = {names[value_col]};
    }
    std::sort(kinds.begin(), kinds.end());
    if (std::adjacent_find(kinds.begin(), kinds.end()) != kinds.end())
      throw Error(Errc::kInvalidArgument, source + ": a kind is named twice");
    for (const auto& kind : kinds)
      if (kind.empty() || kind.find("__") != std::string::npos || kind.back() == '_')
        throw Error(Errc::kInvalidArgument,
                    source + ": kind '" + kind +
                        "' cannot name features: kinds must be non-empty, must not contain '__' "
                        "and must not end with '_' (tsfresh's rule)");
    if (wide)
      for (std::size_t f = 0; f < names.size(); ++f)
        if (f != id_col && !(has_sort && f == sort_col))
          wide_cols.emplace_back(
              f, static_cast<std::uint32_t>(std::lower_bound(kinds.begin(), kinds.end(), names[f]) -
                                            kinds.begin()));
    have_header = true;
  }

  // The first data row fixes the sort column's type, and with it the features (time stamps add
  // linear_trend_timewise): the header is written here.
  void start(const std::string_view* sort_text) {
    if (sort_text) {
      std::int64_t i = 0;
      double d = 0;
      if (is_missing_token(*sort_text))
        throw Error(Errc::kParse, where(sort_col) + ": column " + in_quotes(header[sort_col]) +
                                      ": the sort value is missing (tsfresh refuses NaN in the "
                                      "sort column)");
      if (parse_int64(*sort_text, i))
        key_type = SortKeyType::kInteger;
      else if (parse_double(*sort_text, d))
        key_type = SortKeyType::kFloat;
      else if (parse_iso8601(*sort_text, d))
        key_type = SortKeyType::kTimestamp;
      else
        throw Error(Errc::kParse, where(sort_col) + ": column " + in_quotes(header[sort_col]) +
                                      ": sort value \"" + std::string(*sort_text) +
                                      "\" is neither a number nor an ISO-8601 time stamp");
    }
    with_times = key_type == SortKeyType::kTimestamp;
    write_header();
  }

  void write_header() {
    std::vector<std::string> names;
    if (options.incremental) {
      SplitSettings split = split_incremental(settings);
      computer = std::make_unique<FeatureComputer>(kinds, split.rest, with_times);
      sliding = std::move(split.incremental);
      names = computer->names();
      for (const auto& kind : kinds) {
        const auto more = SlidingFeatures(sliding.for_kind(kind), kind).names();
        names.insert(names.end(), more.begin(), more.end());
      }
      std::sort(names.begin(), names.end());
      auto column_of = [&](const std::string& name) {
        return static_cast<std::size_t>(std::lower_bound(names.begin(), names.end(), name) -
                                        names.begin());
      };
      for (const auto& n : computer->names()) computer_column.push_back(column_of(n));
      for (const auto& kind : kinds) {
        const SlidingFeatures probe(sliding.for_kind(kind), kind);
        slide_columns.emplace_back();
        for (const auto& n : probe.names()) slide_columns.back().push_back(column_of(n));
      }
    } else {
      computer = std::make_unique<FeatureComputer>(kinds, settings, with_times);
      names = computer->names();
      for (std::size_t c = 0; c < names.size(); ++c) computer_column.push_back(c);
    }
    width = names.size();
    out += "id";
    for (const auto& n : names) {
      out += ',';
      append_csv_field(out, n);
    }
    out += '\n';
    started = true;
  }

  double parse_key(std::string_view text) {
    double v = 0;
    std::int64_t i = 0;
    bool ok = false;
    if (!is_missing_token(text)) switch (key_type) {
        case SortKeyType::kInteger:
          ok = parse_int64(text, i);
          v = static_cast<double>(i);
          break;
        case SortKeyType::kFloat:
          ok = parse_double(text, v) && !std::isnan(v);
          break;
        case SortKeyType::kTimestamp:
          ok = parse_iso8601(text, v);
          break;
        case SortKeyType::kNone:
          break;
      }
    if (!ok) {
      const char* type = key_type == SortKeyType::kInteger ? "an integer"
                         : key_type == SortKeyType::kFloat ? "a number"
                                                           : "an ISO-8601 time stamp";
      throw Error(Errc::kParse, where(sort_col) + ": column " + in_quotes(header[sort_col]) +
                                    ": sort value \"" + std::string(text) + "\" is not " + type +
                                    " like the first row's (missing sort values are refused)");
    }
    return v;
  }

  double parse_value(std::size_t field) {
    const std::string_view text = fields[field];
    if (is_missing_token(text)) return kNaN;
    double v = 0;
    if (!parse_double(text, v))
      throw Error(Errc::kParse, where(field) + ": column " + in_quotes(header[field]) +
                                    ": expected a number, got \"" + std::string(text) + "\"");
    return v;
  }

  std::uint32_t id_index(std::string_view text) {
    if (text.empty())
      throw Error(Errc::kParse,
                  where(id_col) + ": column " + in_quotes(header[id_col]) + ": the id is empty");
    const auto it = id_of.find(std::string(text));
    if (it != id_of.end()) return it->second;
    if (ids.size() >= options.max_ids)
      fail(Errc::kInvalidArgument, "more than " + std::to_string(options.max_ids) +
                                       " ids (the stream keeps every id's last window; raise "
                                       "the limit if that is what you want)");
    const auto index = static_cast<std::uint32_t>(ids.size());
    id_of.emplace(std::string(text), index);
    IdState s;
    s.repr = id_repr(text);
    s.tracks.resize(kinds.size());
    ids.push_back(std::move(s));
    return index;
  }

  void push(std::uint32_t id, std::uint32_t kind, double value, double key) {
    IdState& state = ids[id];
    Track& track = state.tracks[kind];
    if (has_sort) {
      if (track.has_key && !(key > track.last_key))
        fail(Errc::kInvalidArgument,
             "id " + state.repr + ", kind '" + kinds[kind] + "': sort value " +
                 sort_value_repr(key_type, key) + " does not come after the previous " +
                 sort_value_repr(key_type, track.last_key) +
                 " (a series' rows must arrive in time order, each time once)");
      track.last_key = key;
      track.has_key = true;
    }
    const double label = has_sort ? key : static_cast<double>(track.seen);
    track.push(options.window, value, key, with_times);
    if (options.incremental && !slide_columns[kind].empty()) {
      if (!track.slide)
        track.slide = std::make_unique<SlidingFeatures>(sliding.for_kind(kinds[kind]), kinds[kind]);
      track.slide->push(value);
      if (track.slide->size() > options.window) track.slide->pop();
    }
    if (track.seen < options.window || (track.seen - options.window) % options.step != 0) return;

    const std::uint64_t j = track.completed++;
    const std::uint64_t r = j - state.first_row;
    if (r == state.pending.size()) {
      // Rows waiting for another kind (not those only waiting for their batch to be computed):
      // the rows past the slowest kind's last window.
      std::uint64_t slowest = track.completed;
      for (const Track& t : state.tracks) slowest = std::min(slowest, t.completed);
      if (j + 1 - std::max(slowest, state.first_row) > options.max_pending_rows)
        fail(Errc::kInvalidArgument,
             "id " + state.repr + ": kind '" + kinds[kind] + "' is " +
                 std::to_string(options.max_pending_rows) +
                 " windows ahead of another kind of the id (every kind of an id must be observed "
                 "at the same sort values)");
      state.pending.push_back({.label = label});
    } else if (state.pending[r].label != label) {
      fail(Errc::kInvalidArgument,
           "id " + state.repr + ": window " + std::to_string(j + 1) + " of kind '" + kinds[kind] +
               "' ends at " + sort_value_repr(key_type, label) + ", another kind's at " +
               sort_value_repr(key_type, state.pending[r].label) +
               " (every kind of an id must be observed at the same sort values)");
    }
    Row& row = state.pending[r];
    ++row.delivered;
    ++n_windows;
    if (track.slide) {  // the sliding features now, in input order; the others in the batch
      slide_out.resize(track.slide->width());
      track.slide->values(std::span<const double>(track.values.data() + track.start, track.count),
                          slide_out);
      if (row.features.empty()) row.features.assign(width, kNaN);
      for (std::size_t f = 0; f < slide_out.size(); ++f)
        row.features[slide_columns[kind][f]] = slide_out[f];
    }
    jobs.push_back({id, kind, j});
    const double* v = track.values.data() + track.start;
    batch_values.insert(batch_values.end(), v, v + options.window);
    if (with_times) {
      const double* t = track.times.data() + track.start;
      batch_times.insert(batch_times.end(), t, t + options.window);
    }
    if (jobs.size() >= options.batch_windows) flush();
  }

  void line(std::string_view text) {
    ++line_no;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty()) return;
    split(text);
    if (!have_header) {
      read_header();
      return;
    }
    if (fields.size() != n_fields)
      fail(Errc::kParse, "expected " + std::to_string(n_fields) + " fields, got " +
                             std::to_string(fields.size()));
    if (!started) start(has_sort ? &fields[sort_col] : nullptr);
    const double key = has_sort ? parse_key(fields[sort_col]) : 0.0;
    const std::uint32_t id = id_index(fields[id_col]);
    if (wide) {
      for (const auto& [f, kind] : wide_cols)
        if (!is_missing_token(fields[f])) push(id, kind, parse_value(f), key);
      return;
    }
    std::uint32_t kind = 0;
    if (has_kind) {
      const std::string_view name = fields[kind_col];
      const auto it = std::lower_bound(kinds.begin(), kinds.end(), name);
      if (it == kinds.end() || *it != name)
        throw Error(Errc::kInvalidArgument,
                    where(kind_col) + ": column " + in_quotes(header[kind_col]) + ": kind '" +
                        std::string(name) + "' is not one of the kinds given (" +
                        join_names(kinds) + ")");
      kind = static_cast<std::uint32_t>(it - kinds.begin());
    }
    push(id, kind, parse_value(value_col), key);
  }

  void write_row(const IdState& state, const Row& row) {
    std::string id = "(" + state.repr + ", " + sort_value_repr(key_type, row.label) + ")";
    append_csv_field(out, id);
    for (std::size_t c = 0; c < width; ++c) {
      out += ',';
      append_double(out, row.features.empty() ? kNaN : row.features[c]);
    }
    out += '\n';
    ++n_rows;
  }

  void emit() {
    if (!out.empty()) sink(out);
    out.clear();
  }

  void flush() {
    if (!jobs.empty()) compute_jobs();
    emit();
  }

  void compute_jobs() {
    const std::size_t n = jobs.size();
    const std::size_t w = options.window;
    std::vector<std::size_t> offset(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) offset[i + 1] = offset[i] + computer->width(jobs[i].kind);
    std::vector<double> results(offset[n]);
    std::vector<std::vector<std::string>> events(n);
    // Contiguous ranges of jobs, one Series each (its buffers are reused within the range).
    const std::size_t chunks =
        std::min<std::size_t>(n, 4 * static_cast<std::size_t>(std::max(1, executor.workers())));
    auto run = [&](std::size_t c) {
      Series series;
      for (std::size_t i = c * n / chunks; i < (c + 1) * n / chunks; ++i) {
        const std::span<const double> v(batch_values.data() + i * w, w);
        const std::span<const double> t =
            with_times ? std::span<const double>(batch_times.data() + i * w, w)
                       : std::span<const double>();
        series.reset(v, t);
        computer->compute(jobs[i].kind, series,
                          std::span<double>(results.data() + offset[i], offset[i + 1] - offset[i]),
                          events[i]);
      }
    };
    if (chunks <= 1)
      run(0);
    else
      executor.parallel_for(chunks, run);

    for (std::size_t i = 0; i < n; ++i) {
      const Job& job = jobs[i];
      IdState& state = ids[job.id];
      Row& row = state.pending[job.row - state.first_row];
      if (row.features.empty()) row.features.assign(width, kNaN);
      const auto columns = computer->columns(job.kind);
      for (std::size_t k = 0; k < columns.size(); ++k)
        row.features[computer_column[columns[k]]] = results[offset[i] + k];
      ++row.computed;
      if (warn)
        for (const auto& e : events[i])
          warn("id (" + state.repr + ", " + sort_value_repr(key_type, row.label) + "), kind '" +
               kinds[job.kind] + "': " + e);
      while (!state.pending.empty() && state.pending.front().computed == kinds.size()) {
        write_row(state, state.pending.front());
        state.pending.pop_front();
        ++state.first_row;
      }
    }
    jobs.clear();
    batch_values.clear();
    batch_times.clear();
  }

  void feed(std::string_view text) {
    while (!text.empty()) {
      const std::size_t nl = text.find('\n');
      if (nl == std::string_view::npos) {
        if (carry.size() + text.size() > options.max_line_bytes)
          throw Error(Errc::kParse, source + ":" + std::to_string(line_no + 1) +
                                        ": the line is longer than " +
                                        std::to_string(options.max_line_bytes) + " bytes");
        carry.append(text);
        return;
      }
      if (carry.empty()) {
        if (nl > options.max_line_bytes)
          throw Error(Errc::kParse, source + ":" + std::to_string(line_no + 1) +
                                        ": the line is longer than " +
                                        std::to_string(options.max_line_bytes) + " bytes");
        line(text.substr(0, nl));
      } else {
        carry.append(text.substr(0, nl));
        if (carry.size() > options.max_line_bytes)
          throw Error(Errc::kParse, source + ":" + std::to_string(line_no + 1) +
                                        ": the line is longer than " +
                                        std::to_string(options.max_line_bytes) + " bytes");
        const std::string whole = std::move(carry);
        carry.clear();
        line(whole);
      }
      text.remove_prefix(nl + 1);
    }
  }

  void finish() {
    if (!carry.empty()) {
      const std::string whole = std::move(carry);
      carry.clear();
      line(whole);
    }
    if (!have_header) throw Error(Errc::kParse, source + ": the input is empty (no header line)");
    if (!started) start(nullptr);
    if (!jobs.empty()) compute_jobs();
    // Rows some kind never completed: NaN for that kind, as extract --roll gives.
    for (auto& state : ids) {
      for (const Row& row : state.pending) write_row(state, row);
      state.first_row += state.pending.size();
      state.pending.clear();
    }
    emit();
  }
};

StreamExtractor::StreamExtractor(const StreamOptions& options, const Settings& settings,
                                 mproc::Executor& executor, std::string source, Sink sink,
                                 Warn warn) {
  validate_stream_options(options);
  // Validate the settings now, before any input: every kind the settings name, with time stamps
  // (the largest plan).
  std::vector<std::string> probe = {"value"};
  for (const auto& [kind, _] : settings.per_kind) probe.push_back(kind);
  std::sort(probe.begin(), probe.end());
  probe.erase(std::unique(probe.begin(), probe.end()), probe.end());
  FeatureComputer check(probe, settings, true);
  impl_ = std::make_unique<Impl>(options, settings, executor, std::move(source), std::move(sink),
                                 std::move(warn));
}

StreamExtractor::~StreamExtractor() = default;

void StreamExtractor::feed(std::string_view text) { impl_->feed(text); }
void StreamExtractor::flush() { impl_->flush(); }
void StreamExtractor::finish() { impl_->finish(); }
std::uint64_t StreamExtractor::lines() const { return impl_->line_no; }
std::uint64_t StreamExtractor::windows() const { return impl_->n_windows; }
std::uint64_t StreamExtractor::rows() const { return impl_->n_rows; }

}  // namespace freshet::fresh
