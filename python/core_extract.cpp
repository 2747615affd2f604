// Feature extraction from numpy buffers: the rows of one or more blocks go straight into the
// engine's SeriesSet (one gather of the values, no CSV, no intermediate Table), then
// fresh::extract_features runs on the thread executor with the GIL released.

#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "fresh/extract.hpp"
#include "fresh/names.hpp"
#include "fresh/roll.hpp"
#include "fresh/settings.hpp"
#include "mproc/executor.hpp"
#include "python/core_module.hpp"

namespace freshet::python {
namespace {

// A strided 1-D view of a numpy buffer; the owning array is kept alive by the caller.
template <class T>
struct Strided {
  const char* data = nullptr;
  py::ssize_t stride = 0;
  T operator[](std::size_t i) const {
    T v;
    std::memcpy(&v, data + static_cast<py::ssize_t>(i) * stride, sizeof(T));
    return v;
  }
};

// Views `obj` as T without copying when its dtype is already T (any strides); otherwise converts
// once (e.g. int32 codes, integer values) into an array kept in `keep`.
template <class T>
Strided<T> view(const py::handle& obj, std::size_t n, const char* what,
                std::vector<py::array>& keep) {
  py::array arr = py::array::ensure(obj);
  if (!arr) throw Error(Errc::kInvalidArgument, std::string(what) + ": expected an array");
  if (!arr.dtype().is(py::dtype::of<T>())) arr = py::array_t<T, py::array::forcecast>::ensure(arr);
  if (arr.ndim() != 1 || static_cast<std::size_t>(arr.shape(0)) != n)
    throw Error(Errc::kInvalidArgument, std::string(what) + ": expected " + std::to_string(n) +
                                            " rows, got shape " + std::to_string(arr.shape(0)));
  keep.push_back(arr);
  return {static_cast<const char*>(arr.data()), arr.strides(0)};
}

struct Block {
  std::size_t n = 0;
  Strided<std::int64_t> id;
  bool kind_is_const = false;
  std::int64_t kind_const = 0;
  Strided<std::int64_t> kind;
  Strided<double> value;
  bool has_sort = false;
  Strided<double> sort;
};

// Groups the rows of every block by (id code, kind) into a SeriesSet: series ordered by id code
// then kind name (bytes), rows of a series in block order, then stable-sorted by the sort key
// (equal keys keep input order). Ids are the codes 0..n_ids-1 (the Python side keeps the labels).
// keep_times: the sort keys become the series' time stamps (linear_trend_timewise).
// source_rows (optional): for every point of the set, its row across the blocks (block b's row
// i is the sum of the earlier blocks' sizes plus i), so a caller can name windows after the
// original sort values.
fresh::SeriesSet build_series(const std::vector<Block>& blocks, std::size_t n_ids,
                              const std::vector<std::string>& kinds, bool keep_times,
                              std::vector<std::uint64_t>* source_rows = nullptr) {
  const std::size_t nk = kinds.size();
  std::vector<std::size_t> order(nk);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return kinds[a] < kinds[b]; });
  std::vector<std::uint32_t> rank(nk);
  for (std::size_t r = 0; r < nk; ++r) rank[order[r]] = static_cast<std::uint32_t>(r);

  auto slot_of = [&](const Block& b, std::size_t i) -> std::size_t {
    const std::int64_t id = b.id[i];
    const std::int64_t kind = b.kind_is_const ? b.kind_const : b.kind[i];
    if (id < 0 || static_cast<std::uint64_t>(id) >= n_ids)
      throw Error(Errc::kInvalidArgument, "id code " + std::to_string(id) + " out of range");
    if (kind < 0 || static_cast<std::uint64_t>(kind) >= nk)
      throw Error(Errc::kInvalidArgument, "kind code " + std::to_string(kind) + " out of range");
    return static_cast<std::size_t>(id) * nk + rank[static_cast<std::size_t>(kind)];
  };

  std::vector<std::uint64_t> start(n_ids * nk + 1, 0);
  bool any_sort = false;
  for (const Block& b : blocks) {
    any_sort = any_sort || b.has_sort;
    for (std::size_t i = 0; i < b.n; ++i) ++start[slot_of(b, i) + 1];
  }
  fresh::SeriesSet set;
  std::vector<std::int64_t> id_codes(n_ids);
  std::iota(id_codes.begin(), id_codes.end(), std::int64_t{0});
  set.ids = Column("id", std::move(id_codes));
  for (std::size_t r = 0; r < nk; ++r) set.kinds.push_back(kinds[order[r]]);
  set.offsets.push_back(0);
  for (std::size_t slot = 0; slot < n_ids * nk; ++slot) {
    if (start[slot + 1] == 0) continue;
    set.id_index.push_back(static_cast<std::uint32_t>(slot / nk));
    set.kind_index.push_back(static_cast<std::uint32_t>(slot % nk));
    set.offsets.push_back(set.offsets.back() + start[slot + 1]);
  }
  for (std::size_t slot = 0; slot < n_ids * nk; ++slot) start[slot + 1] += start[slot];

  const std::size_t total = start.back();
  set.values.resize(total);
  std::vector<double> keys(any_sort ? total : 0);
  std::vector<std::uint64_t> rows(source_rows ? total : 0);
  std::uint64_t row = 0;
  for (const Block& b : blocks) {
    for (std::size_t i = 0; i < b.n; ++i, ++row) {
      const std::uint64_t pos = start[slot_of(b, i)]++;
      set.values[pos] = b.value[i];
      if (any_sort) keys[pos] = b.has_sort ? b.sort[i] : 0.0;
      if (source_rows) rows[pos] = row;
    }
  }
  if (any_sort) {
    std::vector<std::size_t> perm;
    std::vector<double> tmp;
    for (std::size_t s = 0; s + 1 < set.offsets.size(); ++s) {
      const std::size_t lo = set.offsets[s], hi = set.offsets[s + 1];
      if (std::is_sorted(keys.begin() + lo, keys.begin() + hi)) continue;
      perm.resize(hi - lo);
      std::iota(perm.begin(), perm.end(), lo);
      std::stable_sort(perm.begin(), perm.end(),
                       [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
      tmp.resize(hi - lo);
      for (std::size_t k = 0; k < perm.size(); ++k) tmp[k] = set.values[perm[k]];
      std::copy(tmp.begin(), tmp.end(), set.values.begin() + lo);
      for (std::size_t k = 0; k < perm.size(); ++k) tmp[k] = keys[perm[k]];
      std::copy(tmp.begin(), tmp.end(), keys.begin() + lo);
      if (source_rows) {
        std::vector<std::uint64_t> moved(perm.size());
        for (std::size_t k = 0; k < perm.size(); ++k) moved[k] = rows[perm[k]];
        std::copy(moved.begin(), moved.end(), rows.begin() + lo);
      }
    }
    if (keep_times) set.times = keys;
    if (source_rows) {
      set.sort_keys = std::move(keys);
      set.sort_key_type = fresh::SortKeyType::kFloat;
    }
  }
  if (source_rows) *source_rows = std::move(rows);
  return set;
}

// settings_from_json of a settings JSON text, remembered for a few texts: a loop of
// extract_features calls with one settings object parses and validates it once (tsfresh's
// efficient settings are ~800 parameter sets; parsing them is a visible part of a small call).
std::shared_ptr<const fresh::Settings> parsed_settings(const std::string& text) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const fresh::Settings>, std::less<>> cache;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(text); it != cache.end()) return it->second;
  }
  auto settings = std::make_shared<const fresh::Settings>(
      fresh::settings_from_json(nlohmann::json::parse(text), "fc_parameters"));
  std::lock_guard lock(mutex);
  if (cache.size() >= 8) cache.clear();
  cache.emplace(text, settings);
  return settings;
}

// The blocks of a Python call: (id codes, kind code or kind codes, values, sort keys or None);
// the arrays they view are kept alive in `keep`.
std::vector<Block> parse_blocks(const py::list& py_blocks, std::vector<py::array>& keep) {
  std::vector<Block> blocks;
  for (const py::handle item : py_blocks) {
    const auto t = item.cast<py::tuple>();
    if (t.size() != 4)
      throw Error(Errc::kInvalidArgument, "a block is (id codes, kind, values, sort or None)");
    Block b;
    py::array ids = py::array::ensure(t[0]);
    if (!ids || ids.ndim() != 1) throw Error(Errc::kInvalidArgument, "id codes: expected 1-D");
    b.n = static_cast<std::size_t>(ids.shape(0));
    b.id = view<std::int64_t>(ids, b.n, "id codes", keep);
    if (py::isinstance<py::int_>(t[1])) {
      b.kind_is_const = true;
      b.kind_const = t[1].cast<std::int64_t>();
    } else {
      b.kind = view<std::int64_t>(t[1], b.n, "kind codes", keep);
    }
    b.value = view<double>(t[2], b.n, "values", keep);
    if (!t[3].is_none()) {
      b.has_sort = true;
      b.sort = view<double>(t[3], b.n, "sort keys", keep);
    }
    blocks.push_back(b);
  }
  return blocks;
}

// (names, float64 matrix rows x features in F order, warnings, unavailable calculators)
py::tuple result_tuple(const fresh::ExtractResult& result, const fresh::Settings& settings) {
  const Table& table = result.features;
  const std::size_t rows = table.num_rows();
  const std::size_t cols = table.num_columns() == 0 ? 0 : table.num_columns() - 1;
  std::vector<std::string> names;
  names.reserve(cols);
  py::array_t<double, py::array::f_style> matrix(
      {static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
  double* out = matrix.mutable_data();
  for (std::size_t c = 0; c < cols; ++c) {
    const Column& column = table.column(c + 1);
    names.push_back(column.name());
    const auto v = column.f64();
    std::copy(v.begin(), v.end(), out + c * rows);
  }
  return py::make_tuple(names, matrix, result.warnings, settings.unavailable);
}

py::tuple extract(const py::list& py_blocks, std::size_t n_ids,
                  const std::vector<std::string>& kinds, const std::string& settings_json,
                  int n_jobs, bool keep_times) {
  std::vector<py::array> keep;
  const std::vector<Block> blocks = parse_blocks(py_blocks, keep);
  const auto settings_ptr = parsed_settings(settings_json);
  const fresh::Settings& settings = *settings_ptr;
  fresh::ExtractResult result;
  {
    py::gil_scoped_release release;
    const fresh::SeriesSet set = build_series(blocks, n_ids, kinds, keep_times);
    auto executor = mproc::make_executor({.workers = n_jobs <= 1 ? 0 : n_jobs});
    result = fresh::extract_features(set, settings, *executor, {.plan_key = settings_json});
  }
  return result_tuple(result, settings);
}

// extract on fresh::roll_windows: every window a view into the gathered series. Besides the
// result, per output row: the old id's code and what names the window: the row (across the
// blocks) of the point the window is named after when there are sort keys, else that point's
// position in its series (tsfresh's timeshift - 1).
//
// The extraction runs in blocks of rows (fresh::extract_rolled_blocks), each copied straight into
// the final column-major matrix and dropped: a rolled result is large (50,000 windows x 777
// `efficient` features are 311 MB) and is held once, not also as the engine's table and its
// chunks' bytes (bench/python.md).
py::tuple extract_rolled(const py::list& py_blocks, std::size_t n_ids,
                         const std::vector<std::string>& kinds, const std::string& settings_json,
                         int n_jobs, std::int64_t max_timeshift, std::int64_t min_timeshift,
                         std::int64_t rolling_direction) {
  std::vector<py::array> keep;
  const std::vector<Block> blocks = parse_blocks(py_blocks, keep);
  const auto settings_ptr = parsed_settings(settings_json);
  const fresh::Settings& settings = *settings_ptr;
  fresh::RollOptions options;
  if (max_timeshift >= 0) options.max_timeshift = max_timeshift;  // < 0: tsfresh's None
  options.min_timeshift = min_timeshift;
  options.rolling_direction = rolling_direction;

  std::vector<std::string> names, warnings;
  std::unique_ptr<double[]> matrix;  // rows x names.size(), column-major
  std::vector<std::int64_t> row_id, row_label;
  std::size_t rows = 0;
  {
    py::gil_scoped_release release;
    std::vector<std::uint64_t> source_rows;
    const fresh::SeriesSet set = build_series(blocks, n_ids, kinds, false, &source_rows);
    const fresh::SeriesWindows windows = fresh::roll_windows(set, options);
    const bool keyed = set.sort_key_type != fresh::SortKeyType::kNone;
    rows = windows.ids.size();
    row_id.assign(rows, -1);
    row_label.assign(rows, -1);
    for (std::size_t w = 0; w < windows.size(); ++w) {
      const std::uint32_t r = windows.id_index[w];
      if (row_id[r] >= 0) continue;  // the row's first window names it
      const auto it = std::upper_bound(set.offsets.begin(), set.offsets.end(), windows.begin[w]);
      const auto s = static_cast<std::size_t>(it - set.offsets.begin()) - 1;
      // the window is named after its last point (d > 0) or its first (d < 0)
      const std::uint64_t at = rolling_direction > 0 ? windows.end[w] - 1 : windows.begin[w];
      row_id[r] = set.id_index[s];
      row_label[r] = keyed ? static_cast<std::int64_t>(source_rows[at])
                           : static_cast<std::int64_t>(at - set.offsets[s]);
    }
    auto executor = mproc::make_executor({.workers = n_jobs <= 1 ? 0 : n_jobs});
    // The columns every block has (the id's aside), known from the settings before any block.
    names = fresh::planned_feature_names(set.kinds, settings, set.has_times());
    matrix =
        std::make_unique_for_overwrite<double[]>(std::max<std::size_t>(1, rows * names.size()));
    const fresh::RolledBlockSink sink = [&](std::size_t first_row, fresh::ExtractResult&& block) {
      const Table& table = block.features;
      const std::size_t cols = table.num_columns() == 0 ? 0 : table.num_columns() - 1;
      if (table.num_rows() > 0 && (cols != names.size() || first_row + table.num_rows() > rows))
        throw Error(Errc::kInternal, "extract_rolled: a block does not fit the planned shape");
      for (std::size_t c = 0; c < cols && table.num_rows() > 0; ++c) {
        if (table.column(c + 1).name() != names[c])
          throw Error(Errc::kInternal, "extract_rolled: a block's columns differ from the plan");
        const auto v = table.column(c + 1).f64();
        std::copy(v.begin(), v.end(), matrix.get() + c * rows + first_row);
      }
      warnings.insert(warnings.end(), std::make_move_iterator(block.warnings.begin()),
                      std::make_move_iterator(block.warnings.end()));
    };
    fresh::extract_rolled_blocks(set, options, settings, *executor, sink,
                                 {.plan_key = settings_json});
  }
  const auto cols = static_cast<py::ssize_t>(names.size());
  const auto nrows = static_cast<py::ssize_t>(rows);
  double* data = matrix.release();
  py::capsule owner(data, [](void* p) { delete[] static_cast<double*>(p); });
  py::array_t<double, py::array::f_style> array(
      {nrows, cols},
      {static_cast<py::ssize_t>(sizeof(double)), static_cast<py::ssize_t>(sizeof(double)) * nrows},
      data, owner);
  return py::make_tuple(names, array, warnings, settings.unavailable, py::array(py::cast(row_id)),
                        py::array(py::cast(row_label)));
}

// matrix (2-D, column-major, float64) with its columns permuted in place: column j becomes the
// old column order[j]. Cycle by cycle with one column of scratch, so a large result is reordered
// without a second copy of it (numpy's take(..., out=) buffers the whole output).
void permute_columns(py::array_t<double, py::array::f_style> matrix,
                     const std::vector<std::int64_t>& order) {
  if (matrix.ndim() != 2 || !(matrix.flags() & py::array::f_style))
    throw Error(Errc::kInvalidArgument, "permute_columns: expected a column-major 2-D array");
  const auto rows = static_cast<std::size_t>(matrix.shape(0));
  const auto cols = static_cast<std::size_t>(matrix.shape(1));
  if (order.size() != cols)
    throw Error(Errc::kInvalidArgument, "permute_columns: " + std::to_string(order.size()) +
                                            " positions for " + std::to_string(cols) + " columns");
  std::vector<char> seen(cols, 0);
  for (const std::int64_t o : order) {
    if (o < 0 || static_cast<std::size_t>(o) >= cols || seen[static_cast<std::size_t>(o)])
      throw Error(Errc::kInvalidArgument, "permute_columns: not a permutation of the columns");
    seen[static_cast<std::size_t>(o)] = 1;
  }
  double* data = matrix.mutable_data();
  py::gil_scoped_release release;
  std::vector<double> scratch(rows);
  std::vector<char>& done = seen;  // now: the columns already in place
  std::fill(done.begin(), done.end(), 0);
  const auto column = [&](std::size_t c) { return data + c * rows; };
  for (std::size_t start = 0; start < cols; ++start) {
    if (done[start] || static_cast<std::size_t>(order[start]) == start) continue;
    // The cycle start <- order[start] <- order[order[start]] ...: save column start, pull each
    // source into its destination, and put the saved column at the cycle's last destination.
    std::copy(column(start), column(start) + rows, scratch.begin());
    std::size_t to = start;
    for (;;) {
      done[to] = 1;
      const auto from = static_cast<std::size_t>(order[to]);
      if (from == start) break;
      std::copy(column(from), column(from) + rows, column(to));
      to = from;
    }
    std::copy(scratch.begin(), scratch.end(), column(to));
  }
}

}  // namespace

void bind_extract(py::module_& m) {
  m.def("extract", &extract, py::arg("blocks"), py::arg("n_ids"), py::arg("kinds"),
        py::arg("settings_json"), py::arg("n_jobs"), py::arg("keep_times"),
        "(names, float64 matrix ids x features in F order, warnings, unavailable calculators)");
  m.def("extract_rolled", &extract_rolled, py::arg("blocks"), py::arg("n_ids"), py::arg("kinds"),
        py::arg("settings_json"), py::arg("n_jobs"), py::arg("max_timeshift"),
        py::arg("min_timeshift"), py::arg("rolling_direction"),
        "extract on tsfresh's rolled windows (fresh/roll.hpp), no window copied: (names, "
        "matrix, warnings, unavailable, old id code per row, naming row or position per row)");
  m.def("permute_columns", &permute_columns, py::arg("matrix").noconvert(), py::arg("order"),
        "permute a column-major float64 matrix's columns in place: column j becomes old column "
        "order[j]");
  m.def(
      "preset_json",
      [](const std::string& name) {
        return fresh::settings_to_json(fresh::preset_settings(name))["default_fc_parameters"]
            .dump();
      },
      "tsfresh's Minimal/Efficient/ComprehensiveFCParameters as JSON (keys sorted)");
  m.def(
      "params_suffixes",
      [](const std::string& params_list_json) {
        std::vector<std::string> out;
        for (const auto& p : nlohmann::json::parse(params_list_json))
          out.push_back(fresh::params_suffix(p));
        return out;
      },
      "the name suffix ('coeff_0__attr_\"real\"') of each parameter set of a JSON list");
  m.def(
      "parse_feature_name",
      [](const std::string& name) {
        const auto parsed = fresh::parse_feature_name(name);
        return py::make_tuple(parsed.kind, parsed.calculator, parsed.params.dump());
      },
      "(kind, calculator, params JSON or 'null') of a tsfresh feature name");
  m.def("calculator_names", [] {
    std::vector<std::string> out;
    for (const auto* c : fresh::all_calculators()) out.push_back(c->name);
    return out;
  });
}

}  // namespace freshet::python
