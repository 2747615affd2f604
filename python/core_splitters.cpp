// scikit-learn's splitters through xval's registry: a spec string in, the folds out as int64
// numpy arrays (sklearn yields integer index arrays).

#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "python/core_module.hpp"
#include "xval/splitters.hpp"

namespace freshet::python {
namespace {

py::array_t<std::int64_t> to_numpy(const std::vector<std::size_t>& rows) {
  py::array_t<std::int64_t> out(static_cast<py::ssize_t>(rows.size()));
  auto* p = out.mutable_data();
  for (std::size_t i = 0; i < rows.size(); ++i) p[i] = static_cast<std::int64_t>(rows[i]);
  return out;
}

// (folds, warnings) for `spec` (e.g. "kfold:n_splits=5,shuffle=true,random_state=0").
// y and groups: 1-D arrays or None; columns: name -> 1-D array for splitters that read their own
// columns (predefined_split's test_fold, purged_kfold's times).
py::tuple folds(const std::string& spec, std::size_t n_rows, const py::object& y,
                const py::object& groups, const py::dict& columns) {
  const auto splitter = xval::make_splitter(spec);
  std::optional<xval::Labels> y_labels, group_labels;
  if (!y.is_none()) y_labels = xval::encode_labels(column_from_python("y", y));
  if (!groups.is_none()) group_labels = xval::encode_labels(column_from_python("groups", groups));
  Table table;
  for (const auto& [key, value] : columns)
    table.add_column(column_from_python(key.cast<std::string>(), value));
  std::vector<std::string> warnings;
  xval::SplitData data;
  data.n_rows = n_rows;
  data.y = y_labels ? &*y_labels : nullptr;
  data.groups = group_labels ? &*group_labels : nullptr;
  data.table = &table;
  data.warnings = &warnings;
  xval::Folds result;
  {
    py::gil_scoped_release release;
    result = splitter->split(data);
  }
  py::list out;
  for (const auto& split : result)
    out.append(py::make_tuple(to_numpy(split.train), to_numpy(split.test)));
  return py::make_tuple(out, warnings);
}

}  // namespace

void bind_splitters(py::module_& m) {
  m.def("folds", &folds, py::arg("spec"), py::arg("n_rows"), py::arg("y") = py::none(),
        py::arg("groups") = py::none(), py::arg("columns") = py::dict(),
        "(list of (train, test) int64 arrays, warnings) of a registered splitter");
  m.def(
      "splitter_spec", [](const std::string& spec) { return xval::make_splitter(spec)->spec(); },
      "the full spec of a splitter (validates the parameters)");
}

}  // namespace freshet::python
