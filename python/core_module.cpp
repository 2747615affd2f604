// freshet._core: the compiled half of the Python package. Every function here is called by the
// package's Python files (python/freshet/*.py), which own argument checking, pandas and
// tsfresh's conventions; this module converts buffers and calls the C++ libraries with the GIL
// released.

#include "python/core_module.hpp"

#include <pybind11/stl.h>

#include <cstdint>
#include <exception>

#include "core/error.hpp"

namespace freshet::python {

Column column_from_python(const std::string& name, const py::handle& values) {
  py::array arr = py::array::ensure(values);
  if (!arr || arr.ndim() != 1)
    throw Error(Errc::kInvalidArgument, "'" + name + "' must be one-dimensional");
  const char kind = arr.dtype().kind();
  if (kind == 'i' || kind == 'u' || kind == 'b') {
    auto a = py::array_t<std::int64_t, py::array::forcecast>::ensure(arr);
    auto r = a.unchecked<1>();
    std::vector<std::int64_t> v(static_cast<std::size_t>(r.shape(0)));
    for (py::ssize_t i = 0; i < r.shape(0); ++i) v[static_cast<std::size_t>(i)] = r(i);
    return Column(name, std::move(v));
  }
  if (kind == 'f') {
    auto a = py::array_t<double, py::array::forcecast>::ensure(arr);
    auto r = a.unchecked<1>();
    std::vector<double> v(static_cast<std::size_t>(r.shape(0)));
    for (py::ssize_t i = 0; i < r.shape(0); ++i) v[static_cast<std::size_t>(i)] = r(i);
    return Column(name, std::move(v));
  }
  std::vector<std::string> v;
  v.reserve(static_cast<std::size_t>(arr.shape(0)));
  for (const py::handle item : values) v.push_back(py::str(item).cast<std::string>());
  return Column(name, std::move(v));
}

}  // namespace freshet::python

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  using freshet::Errc;
  m.doc() = "freshet's compiled core (use the freshet package, not this module)";

  // One line per failure, as the C++ API words it. Codes map to the built-in exception a Python
  // user would expect: bad arguments are ValueError, missing names KeyError-like LookupError,
  // I/O OSError, the rest RuntimeError.
  static py::exception<freshet::Error> error_type(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const freshet::Error& e) {
      switch (e.code()) {
        case Errc::kInvalidArgument:
        case Errc::kUsage:
        case Errc::kParse:
          PyErr_SetString(PyExc_ValueError, e.what());
          return;
        case Errc::kNotFound:
          PyErr_SetString(PyExc_LookupError, e.what());
          return;
        case Errc::kIo:
          PyErr_SetString(PyExc_OSError, e.what());
          return;
        default:
          error_type(e.what());
          return;
      }
    }
  });

  freshet::python::bind_extract(m);
  freshet::python::bind_select(m);
  freshet::python::bind_splitters(m);
}
