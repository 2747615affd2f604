#include "fresh/roll.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <numeric>
#include <tuple>

#include "core/error.hpp"
#include "core/format.hpp"
#include "fresh/incremental.hpp"

namespace freshet::fresh {

namespace {

// The civil date of a day count since 1970-01-01 (H. Hinnant's algorithm).
void civil_from_days(long long z, long long& y, unsigned& m, unsigned& d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<long long>(yoe) + era * 400 + (m <= 2);
}

// pandas' repr of a naive Timestamp: Timestamp('2020-01-31 12:00:00'), microseconds when set.
std::string timestamp_repr(double seconds) {
  const double whole = std::floor(seconds);
  const auto micros = static_cast<long long>(std::llround((seconds - whole) * 1e6));
  const auto s = static_cast<long long>(whole);
  long long days = s / 86400, rem = s % 86400;
  if (rem < 0) rem += 86400, --days;
  long long y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[96];
  std::snprintf(buf, sizeof buf, "Timestamp('%04lld-%02u-%02u %02lld:%02lld:%02lld", y, m, d,
                rem / 3600, rem / 60 % 60, rem % 60);
  std::string out = buf;
  if (micros > 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", micros);
    out += buf;
  }
  return out + "')";
}

// Python's repr of the tuple (a, b) from the reprs of its items. Appended in place: GCC 12
// warns (-Wrestrict, bug 105329) on `"(" + std::string&&` chains.
std::string tuple_repr(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(a.size() + b.size() + 4);
  out.append("(").append(a).append(", ").append(b).append(")");
  return out;
}

std::string id_repr(const Column& ids, std::size_t i) {
  switch (ids.dtype()) {
    case DType::kInt64:
      return std::to_string(ids.i64()[i]);
    case DType::kFloat64:
      return format_double(ids.f64()[i]);
    case DType::kString:
      return python_str_repr(ids.str()[i]);
  }
  throw Error(Errc::kInternal, "unknown column type");
}

std::string label_repr(SortKeyType type, double v) {
  switch (type) {
    case SortKeyType::kNone:
    case SortKeyType::kInteger:
      return std::to_string(static_cast<long long>(v));
    case SortKeyType::kFloat:
      return format_double(v);
    case SortKeyType::kTimestamp:
      return timestamp_repr(v);
  }
  throw Error(Errc::kInternal, "unknown sort key type");
}

std::int64_t parse_key_value(std::string_view key, std::string_view value) {
  std::int64_t v = 0;
  if (!parse_int64(value, v))
    throw Error(Errc::kInvalidArgument, "--roll: " + std::string(key) +
                                            ": expected an integer, got \"" + std::string(value) +
                                            "\"");
  return v;
}

}  // namespace

std::string sort_value_repr(SortKeyType type, double v) { return label_repr(type, v); }

std::string python_str_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char q = has_single && !has_double ? '"' : '\'';
  std::string out(1, q);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == q) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;  // UTF-8 bytes of printable characters pass through, as Python prints them
    }
  }
  out += q;
  return out;
}

void validate_roll_options(const RollOptions& options) {
  if (options.rolling_direction == 0)
    throw Error(Errc::kInvalidArgument, "roll: rolling_direction 0 is not possible (tsfresh)");
  if (options.max_timeshift && *options.max_timeshift <= 0)
    throw Error(Errc::kInvalidArgument, "roll: max_timeshift must be positive, got " +
                                            std::to_string(*options.max_timeshift));
  if (options.min_timeshift < 0)
    throw Error(Errc::kInvalidArgument, "roll: min_timeshift must be zero or positive, got " +
                                            std::to_string(options.min_timeshift));
}

RollOptions parse_roll_options(std::string_view spec) {
  RollOptions options;
  std::size_t pos = 0;
  while (pos <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', pos), spec.size());
    const std::string_view item = spec.substr(pos, comma - pos);
    pos = comma + 1;
    if (item.empty()) {
      if (comma == spec.size()) break;
      continue;
    }
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      throw Error(Errc::kInvalidArgument,
                  "--roll: expected KEY=VALUE, got \"" + std::string(item) + "\"");
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "max_timeshift")
      options.max_timeshift = parse_key_value(key, value);
    else if (key == "min_timeshift")
      options.min_timeshift = parse_key_value(key, value);
    else if (key == "rolling_direction")
      options.rolling_direction = parse_key_value(key, value);
    else
      throw Error(Errc::kInvalidArgument,
                  "--roll: unknown key \"" + std::string(key) +
                      "\" (expected max_timeshift, min_timeshift or rolling_direction)");
  }
  validate_roll_options(options);
  return options;
}

SeriesWindows roll_windows(const SeriesSet& data, const RollOptions& options) {
  validate_roll_options(options);
  const std::size_t n = data.num_series();
  if (data.values.size() <= 1)
    throw Error(Errc::kInvalidArgument,
                "roll: the input has " + std::to_string(data.values.size()) +
                    " points; rolling needs at least two (as tsfresh's roll_time_series)");
  const bool keyed = data.sort_key_type != SortKeyType::kNone;
  if (keyed && data.sort_keys.size() != data.values.size())
    throw Error(Errc::kInvalidArgument, "roll: the sort values do not parallel the series' values");
  if (keyed)
    for (std::size_t i = 0; i < data.sort_keys.size(); ++i)
      if (std::isnan(data.sort_keys[i]))
        throw Error(Errc::kInvalidArgument,
                    "roll: the sort column has a missing value (tsfresh's roll_time_series "
                    "refuses NaN in the sort column)");

  // tsfresh's prediction_steps: the longest (id, kind) series. Shifts are aligned to it.
  std::int64_t steps = 0;
  for (std::size_t s = 0; s < n; ++s)
    steps = std::max<std::int64_t>(
        steps, static_cast<std::int64_t>(data.offsets[s + 1] - data.offsets[s]));
  const std::int64_t max_shift = options.max_timeshift.value_or(steps);
  const std::int64_t amount =
      options.rolling_direction > 0 ? options.rolling_direction : -options.rolling_direction;
  std::vector<std::int64_t> shifts;  // tsfresh's timeshift values t, ascending
  if (options.rolling_direction > 0) {
    for (std::int64_t t = steps; t > 0; t -= amount) shifts.push_back(t);
    std::reverse(shifts.begin(), shifts.end());
  } else {
    for (std::int64_t t = 1; t <= steps; t += amount) shifts.push_back(t);
  }

  struct Cut {
    std::uint32_t id;    // old id index
    double label;        // v of the tuple id
    std::uint32_t kind;  // kind index
    std::uint64_t begin, end;
  };
  std::vector<Cut> cuts;
  for (std::size_t s = 0; s < n; ++s) {
    const std::uint64_t off = data.offsets[s];
    const auto len = static_cast<std::int64_t>(data.offsets[s + 1] - off);
    for (const std::int64_t t : shifts) {
      if (t > len) break;  // shifts ascend: a series shorter than t gives nothing from here on
      std::int64_t from, until;
      if (options.rolling_direction > 0) {
        until = t;
        from = std::max<std::int64_t>(t - max_shift - 1, 0);
      } else {
        from = t - 1;
        until = std::min<std::int64_t>(from + max_shift + 1, len);
      }
      if (until - from < options.min_timeshift + 1) continue;
      const std::uint64_t label_at = off + static_cast<std::uint64_t>(t - 1);
      cuts.push_back({data.id_index[s],
                      keyed ? data.sort_keys[label_at] : static_cast<double>(t - 1),
                      data.kind_index[s], off + static_cast<std::uint64_t>(from),
                      off + static_cast<std::uint64_t>(until)});
    }
  }
  // Rows: distinct (old id, label), by old id then label (tsfresh's tuple order).
  std::stable_sort(cuts.begin(), cuts.end(), [](const Cut& a, const Cut& b) {
    return std::tie(a.id, a.label, a.kind) < std::tie(b.id, b.label, b.kind);
  });
  if (cuts.size() > std::numeric_limits<std::uint32_t>::max())
    throw Error(Errc::kInvalidArgument, "roll: more than 2^32 windows");

  SeriesWindows out;
  std::vector<std::string> ids;
  out.id_index.reserve(cuts.size());
  out.kind_index.reserve(cuts.size());
  out.begin.reserve(cuts.size());
  out.end.reserve(cuts.size());
  for (std::size_t w = 0; w < cuts.size(); ++w) {
    const Cut& c = cuts[w];
    if (w > 0 && c.id == cuts[w - 1].id && c.label == cuts[w - 1].label &&
        c.kind == cuts[w - 1].kind)
      throw Error(Errc::kInvalidArgument,
                  "roll: id " + data.ids.as_string(c.id) + ", kind '" + data.kinds[c.kind] +
                      "': two windows are named after the same sort value " +
                      label_repr(data.sort_key_type, c.label) +
                      " (the sort column repeats a value; tsfresh would merge them)");
    if (w == 0 || c.id != cuts[w - 1].id || c.label != cuts[w - 1].label)
      ids.push_back(
          tuple_repr(id_repr(data.ids, c.id),
                     label_repr(keyed ? data.sort_key_type : SortKeyType::kNone, c.label)));
    out.id_index.push_back(static_cast<std::uint32_t>(ids.size() - 1));
    out.kind_index.push_back(c.kind);
    out.begin.push_back(c.begin);
    out.end.push_back(c.end);
  }
  out.ids = Column("id", std::move(ids));
  return out;
}

namespace {

// The incremental calculators, slid along each (id, kind) series across the blocks of
// extract_rolled_blocks: in output order a series' window starts and ends never decrease, so one
// SlidingFeatures per series carries from one block to the next (a window that moves backwards,
// which roll_windows never makes, restarts the slide). A series' state is dropped after its last
// window, so at most the series that straddle a block boundary hold one.
class IncrementalSlides {
 public:
  IncrementalSlides(const SeriesSet& data, const SeriesWindows& windows, const Settings& settings)
      : data_(data), windows_(windows), settings_(settings) {
    const std::size_t n_kinds = data.kinds.size();
    names_.resize(n_kinds);
    for (std::size_t k = 0; k < n_kinds; ++k)
      names_[k] = SlidingFeatures(settings.for_kind(data.kinds[k]), data.kinds[k]).names();
    const std::size_t n_series = data.num_series();
    series_of_.assign(windows.size(), kNone);
    last_window_.assign(n_series, 0);
    for (std::size_t w = 0; w < windows.size(); ++w) {
      if (windows.begin[w] >= windows.end[w]) continue;
      const auto s = static_cast<std::size_t>(
          std::upper_bound(data.offsets.begin(), data.offsets.end(), windows.begin[w]) -
          data.offsets.begin() - 1);
      if (s < n_series && !names_[data.kind_index[s]].empty()) {
        series_of_[w] = static_cast<std::uint32_t>(s);
        last_window_[s] = w;
      }
    }
    states_.resize(n_series);
  }

  // The incremental columns of the windows [w0, w1), whose rows are [r0, r0 + rows): NaN where a
  // row has no window of that kind. Columns by kind, then in SlidingFeatures' order.
  std::vector<Column> columns(std::size_t w0, std::size_t w1, std::size_t r0, std::size_t rows,
                              mproc::Executor& executor) {
    const std::size_t n_kinds = names_.size();
    std::vector<std::vector<std::vector<double>>> values(n_kinds);
    for (std::size_t k = 0; k < n_kinds; ++k)
      values[k].assign(names_[k].size(), std::vector<double>(rows, std::nan("")));
    // This block's windows by series, in output order.
    std::vector<std::uint32_t> series;
    std::vector<std::vector<std::uint32_t>> of_series;
    std::vector<std::size_t> slot(states_.size(), kNone);
    for (std::size_t w = w0; w < w1; ++w) {
      const std::uint32_t s = series_of_[w];
      if (s == kNone) continue;
      if (slot[s] == kNone) {
        slot[s] = series.size();
        series.push_back(s);
        of_series.emplace_back();
      }
      of_series[slot[s]].push_back(static_cast<std::uint32_t>(w));
    }
    executor.parallel_for(series.size(), [&](std::size_t i) {
      const std::uint32_t s = series[i];
      const std::uint32_t k = data_.kind_index[s];
      State& st = states_[s];
      if (!st.slide)
        st.slide =
            std::make_unique<SlidingFeatures>(settings_.for_kind(data_.kinds[k]), data_.kinds[k]);
      SlidingFeatures& slide = *st.slide;
      std::vector<double> out(slide.width());
      for (const std::uint32_t w : of_series[i]) {
        const std::uint64_t b = windows_.begin[w], e = windows_.end[w];
        if (b < st.from || e < st.until || b > st.until) {
          slide.clear();
          st.from = st.until = b;
        }
        while (st.until < e) slide.push(data_.values[st.until++]);
        while (st.from < b) slide.pop(), ++st.from;
        slide.values(std::span<const double>(data_.values.data() + b, e - b), out);
        const std::size_t row = windows_.id_index[w] - r0;
        for (std::size_t f = 0; f < out.size(); ++f) values[k][f][row] = out[f];
      }
      if (of_series[i].back() == last_window_[s]) st = State{};
    });
    std::vector<Column> columns;
    for (std::size_t k = 0; k < n_kinds; ++k)
      for (std::size_t f = 0; f < names_[k].size(); ++f)
        columns.emplace_back(names_[k][f], std::move(values[k][f]));
    return columns;
  }

 private:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  struct State {
    std::unique_ptr<SlidingFeatures> slide;
    std::uint64_t from = 0, until = 0;  // the points in `slide`
  };
  const SeriesSet& data_;
  const SeriesWindows& windows_;
  const Settings& settings_;
  std::vector<std::vector<std::string>> names_;  // per kind
  std::vector<std::uint32_t> series_of_;         // per window: its series, or kNone
  std::vector<std::size_t> last_window_;         // per series
  std::vector<State> states_;                    // per series
};

// The windows [w0, w1) as a SeriesWindows of their own, rows renumbered from r0.
SeriesWindows window_block(const SeriesWindows& all, std::size_t w0, std::size_t w1, std::size_t r0,
                           std::size_t r1) {
  SeriesWindows out;
  std::vector<std::string> ids;
  ids.reserve(r1 - r0);
  for (std::size_t r = r0; r < r1; ++r) ids.emplace_back(all.ids.text(r));
  out.ids = Column(all.ids.name(), std::move(ids));
  out.id_index.reserve(w1 - w0);
  for (std::size_t w = w0; w < w1; ++w)
    out.id_index.push_back(static_cast<std::uint32_t>(all.id_index[w] - r0));
  out.kind_index.assign(all.kind_index.begin() + static_cast<std::ptrdiff_t>(w0),
                        all.kind_index.begin() + static_cast<std::ptrdiff_t>(w1));
  out.begin.assign(all.begin.begin() + static_cast<std::ptrdiff_t>(w0),
                   all.begin.begin() + static_cast<std::ptrdiff_t>(w1));
  out.end.assign(all.end.begin() + static_cast<std::ptrdiff_t>(w0),
                 all.end.begin() + static_cast<std::ptrdiff_t>(w1));
  return out;
}

}  // namespace

namespace {

// The windows (in output order: id_index never decreases) in blocks of rows, as
// extract_rolled_blocks promises.
void extract_window_blocks(const SeriesSet& data, const SeriesWindows& windows, bool incremental,
                           const Settings& settings, mproc::Executor& executor,
                           const RolledBlockSink& sink, const ExtractOptions& extract,
                           const RollBlockOptions& blocks) {
  std::optional<SplitSettings> split;
  if (incremental) split = split_incremental(settings);
  const Settings& rest = split ? split->rest : settings;
  // Validates every calculator (as extract_features would) before the first block, and sizes the
  // blocks by the table's width (one block: extract_features validates it first thing).
  const bool one_block = blocks.block_cells == std::numeric_limits<std::size_t>::max();
  const std::size_t width =
      one_block ? 1 : planned_feature_names(data.kinds, settings, data.has_times()).size() + 1;
  std::optional<IncrementalSlides> slides;
  if (split) slides.emplace(data, windows, split->incremental);

  // Every block runs the same settings: one key lets extract_features name and encode them once
  // (ExtractOptions::plan_key), and the key is their own JSON text.
  ExtractOptions each = extract;
  if (each.plan_key.empty()) each.plan_key = "fresh.roll\n" + settings_to_json(rest).dump();
  const std::size_t n_windows = windows.size();
  std::size_t windows_before = 0;
  if (extract.progress)
    each.progress = [&](std::size_t done, std::size_t) {
      extract.progress(windows_before + done, n_windows);
    };

  const std::size_t rows = windows.ids.size();
  const std::size_t per_block = std::max<std::size_t>(1, blocks.block_cells / width);
  std::size_t w0 = 0;
  for (std::size_t r0 = 0; r0 < rows || (r0 == 0 && rows == 0);) {
    const std::size_t r1 = std::min(rows, r0 + std::min(per_block, rows - r0));
    std::size_t w1 = w0;
    while (w1 < n_windows && windows.id_index[w1] < r1) ++w1;
    const SeriesWindows block = window_block(windows, w0, w1, r0, r1);
    ExtractResult result = extract_features(data, block, rest, executor, each);
    if (slides) {
      std::vector<Column> columns = slides->columns(w0, w1, r0, r1 - r0, executor);
      // Both parts' columns, sorted by name as extract_features sorts them.
      for (std::size_t c = 1; c < result.features.num_columns(); ++c)
        columns.push_back(result.features.column(c));
      std::sort(columns.begin(), columns.end(),
                [](const Column& a, const Column& b) { return a.name() < b.name(); });
      Table merged;
      merged.add_column(result.features.column(0));
      for (auto& c : columns) merged.add_column(std::move(c));
      result.features = std::move(merged);
    }
    sink(r0, std::move(result));
    windows_before += w1 - w0;
    w0 = w1;
    if (rows == 0) break;
    r0 = r1;
  }
}

}  // namespace

void extract_rolled_blocks(const SeriesSet& data, const RollOptions& options,
                           const Settings& settings, mproc::Executor& executor,
                           const RolledBlockSink& sink, const ExtractOptions& extract,
                           const RollBlockOptions& blocks) {
  extract_window_blocks(data, roll_windows(data, options), options.incremental, settings, executor,
                        sink, extract, blocks);
}

ExtractResult extract_rolled(const SeriesSet& data, const RollOptions& options,
                             const Settings& settings, mproc::Executor& executor,
                             const ExtractOptions& extract) {
  ExtractResult all;
  extract_rolled_blocks(data, options, settings, executor,
                        [&](std::size_t, ExtractResult&& block) { all = std::move(block); },
                        extract, {.block_cells = std::numeric_limits<std::size_t>::max()});
  return all;
}

ForecastWindows forecasting_windows(const SeriesSet& data, const ForecastOptions& options) {
  if (data.kinds.size() > 1)
    throw Error(Errc::kInvalidArgument, "forecasting frame: the input has " +
                                            std::to_string(data.kinds.size()) + " kinds ('" +
                                            data.kinds[0] + "', '" + data.kinds[1] +
                                            "', ...); the target must come from one kind");
  if (options.max_timeshift && *options.max_timeshift <= 0)
    throw Error(Errc::kInvalidArgument, "forecasting frame: max_timeshift must be positive, got " +
                                            std::to_string(*options.max_timeshift));
  if (options.min_timeshift < 0)
    throw Error(Errc::kInvalidArgument,
                "forecasting frame: min_timeshift must be zero or positive, got " +
                    std::to_string(options.min_timeshift));
  if (options.target_shift < 1)
    throw Error(Errc::kInvalidArgument, "forecasting frame: target_shift must be at least 1, got " +
                                            std::to_string(options.target_shift));
  const bool keyed = data.sort_key_type != SortKeyType::kNone;
  if (keyed && data.sort_keys.size() != data.values.size())
    throw Error(Errc::kInvalidArgument,
                "forecasting frame: the sort values do not parallel the series' values");
  const std::int64_t min_len = std::max<std::int64_t>(options.min_timeshift, 1);

  ForecastWindows out;
  std::vector<std::string> ids;
  std::vector<double> y;
  for (std::size_t s = 0; s < data.num_series(); ++s) {
    const std::uint64_t off = data.offsets[s];
    const auto len = static_cast<std::int64_t>(data.offsets[s + 1] - off);
    double last_label = -std::numeric_limits<double>::infinity();
    for (std::int64_t t = options.target_shift; t < len; ++t) {
      const std::int64_t until = t - options.target_shift + 1;
      const std::int64_t from =
          options.max_timeshift ? std::max<std::int64_t>(until - *options.max_timeshift, 0) : 0;
      if (until - from < min_len) continue;
      const std::uint64_t at = off + static_cast<std::uint64_t>(t);
      const double label = keyed ? data.sort_keys[at] : static_cast<double>(t);
      if (std::isnan(label) || !(label > last_label))
        throw Error(Errc::kInvalidArgument,
                    "forecasting frame: id " + data.ids.as_string(data.id_index[s]) +
                        ": the sort column has a missing or repeated value");
      last_label = label;
      ids.push_back(tuple_repr(id_repr(data.ids, data.id_index[s]),
                               label_repr(keyed ? data.sort_key_type : SortKeyType::kNone, label)));
      out.windows.id_index.push_back(static_cast<std::uint32_t>(ids.size() - 1));
      out.windows.kind_index.push_back(data.kind_index[s]);
      out.windows.begin.push_back(off + static_cast<std::uint64_t>(from));
      out.windows.end.push_back(off + static_cast<std::uint64_t>(until));
      y.push_back(data.values[at]);
    }
  }
  out.windows.ids = Column("id", ids);
  out.targets.add_column(Column("id", std::move(ids)));
  out.targets.add_column(Column("y", std::move(y)));
  return out;
}

Table extract_forecasting_blocks(const SeriesSet& data, const ForecastOptions& options,
                                 const Settings& settings, mproc::Executor& executor,
                                 const RolledBlockSink& sink, const ExtractOptions& extract,
                                 const RollBlockOptions& blocks) {
  ForecastWindows w = forecasting_windows(data, options);
  extract_window_blocks(data, w.windows, false, settings, executor, sink, extract, blocks);
  return std::move(w.targets);
}

ForecastResult extract_forecasting(const SeriesSet& data, const ForecastOptions& options,
                                   const Settings& settings, mproc::Executor& executor,
                                   const ExtractOptions& extract) {
  ForecastWindows w = forecasting_windows(data, options);
  ForecastResult out;
  out.extracted = extract_features(data, w.windows, settings, executor, extract);
  out.targets = std::move(w.targets);
  return out;
}

}  // namespace freshet::fresh
