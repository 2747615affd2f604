#pragma once
// Internal to the Python module freshet._core: one bind_* function per source file, and the
// conversions they share. Not a public C++ header (the package's Python files are the contract).

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "core/table.hpp"

namespace freshet::python {

namespace py = pybind11;

void bind_extract(py::module_& m);
void bind_select(py::module_& m);
void bind_splitters(py::module_& m);

// A 1-D numpy array (any strides) or a list as a freshet Column named `name`: integer and
// boolean arrays -> int64, floating arrays -> float64, anything else -> text (Python str() of
// each item). One copy: Column owns std::vector storage.
Column column_from_python(const std::string& name, const py::handle& values);

}  // namespace freshet::python
