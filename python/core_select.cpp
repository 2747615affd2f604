// Imputation in place on numpy buffers, and the FRESH relevance table.

#include <pybind11/stl.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "fresh/impute.hpp"
#include "fresh/relevance.hpp"
#include "mproc/executor.hpp"
#include "python/core_module.hpp"

namespace freshet::python {
namespace {

// A column name no DataFrame column can collide with: the relevance code then uses row order.
constexpr const char* kNoIdColumn = "\x1f freshet: no id column";

// tsfresh's impute on a writable float64 matrix (any strides), column by column, in place.
// Returns the number of cells replaced.
std::size_t impute_inplace(py::array_t<double> matrix) {
  if (matrix.ndim() != 2) throw Error(Errc::kInvalidArgument, "impute: expected a 2-D array");
  if (!matrix.writeable()) throw Error(Errc::kInvalidArgument, "impute: the array is read-only");
  auto m = matrix.mutable_unchecked<2>();
  std::size_t replaced = 0;
  {
    py::gil_scoped_release release;
    std::vector<double> col(static_cast<std::size_t>(m.shape(0)));
    for (py::ssize_t c = 0; c < m.shape(1); ++c) {
      bool finite = true;
      for (py::ssize_t r = 0; r < m.shape(0); ++r) {
        col[static_cast<std::size_t>(r)] = m(r, c);
        finite = finite && std::isfinite(m(r, c));
      }
      if (finite) continue;
      fresh::impute_column(col, fresh::impute_values(col));
      for (py::ssize_t r = 0; r < m.shape(0); ++r) {
        replaced += !std::isfinite(m(r, c));
        m(r, c) = col[static_cast<std::size_t>(r)];
      }
    }
  }
  return replaced;
}

py::dict relevance(const py::array_t<double>& matrix, const std::vector<std::string>& names,
                   const py::object& target, const std::string& ml_task, bool multiclass,
                   int n_significant, const std::string& binary_real_test, double fdr_level,
                   bool hypotheses_independent, int n_jobs) {
  if (matrix.ndim() != 2 || static_cast<std::size_t>(matrix.shape(1)) != names.size())
    throw Error(Errc::kInvalidArgument, "relevance: matrix and names disagree");
  auto m = matrix.unchecked<2>();
  Table features;
  for (std::size_t c = 0; c < names.size(); ++c) {
    std::vector<double> v(static_cast<std::size_t>(m.shape(0)));
    for (py::ssize_t r = 0; r < m.shape(0); ++r)
      v[static_cast<std::size_t>(r)] = m(r, static_cast<py::ssize_t>(c));
    features.add_column(Column(names[c], std::move(v)));
  }
  const Column y = column_from_python("y", target);

  fresh::RelevanceOptions o;
  o.fdr_level = fdr_level;
  o.hypotheses_independent = hypotheses_independent;
  o.ml_task = ml_task == "classification" ? fresh::MlTask::kClassification
              : ml_task == "regression"   ? fresh::MlTask::kRegression
                                          : fresh::MlTask::kAuto;
  o.multiclass = multiclass;
  o.n_significant = n_significant;
  o.test_for_binary_target_real_feature = binary_real_test == "smir"
                                              ? fresh::BinaryRealTest::kKolmogorovSmirnov
                                              : fresh::BinaryRealTest::kMannWhitney;
  fresh::RelevanceTable table;
  {
    py::gil_scoped_release release;
    auto executor = mproc::make_executor({.workers = n_jobs <= 1 ? 0 : n_jobs});
    table = fresh::calculate_relevance_table(features, y, o, *executor, kNoIdColumn);
  }
  const std::size_t n = table.rows.size(), nl = table.labels.size();
  std::vector<std::string> feature, type;
  py::array_t<double> p_value(static_cast<py::ssize_t>(n));
  py::array_t<bool> relevant(static_cast<py::ssize_t>(n));
  py::array_t<std::int64_t> n_sig(static_cast<py::ssize_t>(n));
  const bool per_label = table.multiclass;
  py::array_t<double> label_p({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(nl)});
  py::array_t<bool> label_rel({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(nl)});
  auto lp = label_p.mutable_unchecked<2>();
  auto lr = label_rel.mutable_unchecked<2>();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& row = table.rows[i];
    feature.push_back(row.feature);
    type.emplace_back(fresh::feature_type_name(row.type));
    p_value.mutable_at(static_cast<py::ssize_t>(i)) = row.p_value;
    relevant.mutable_at(static_cast<py::ssize_t>(i)) = row.relevant;
    n_sig.mutable_at(static_cast<py::ssize_t>(i)) = row.n_significant;
    for (std::size_t l = 0; l < nl; ++l) {
      const bool have = l < row.label_p.size();
      lp(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(l)) =
          have ? row.label_p[l] : std::nan("");
      lr(static_cast<py::ssize_t>(i), static_cast<py::ssize_t>(l)) =
          l < row.label_relevant.size() && row.label_relevant[l] != 0;
    }
  }
  py::dict out;
  out["task"] = table.task == fresh::MlTask::kRegression ? "regression" : "classification";
  out["multiclass"] = per_label;
  out["labels"] = table.labels;
  out["feature"] = feature;
  out["type"] = type;
  out["p_value"] = p_value;
  out["relevant"] = relevant;
  out["n_significant"] = n_sig;
  out["label_p"] = label_p;
  out["label_relevant"] = label_rel;
  return out;
}

}  // namespace

void bind_select(py::module_& m) {
  m.def("impute_inplace", &impute_inplace, py::arg("matrix").noconvert(),
        "tsfresh's impute on a float64 matrix, in place; returns the number of cells replaced");
  m.def("relevance", &relevance, py::arg("matrix"), py::arg("names"), py::arg("target"),
        py::arg("ml_task"), py::arg("multiclass"), py::arg("n_significant"),
        py::arg("binary_real_test"), py::arg("fdr_level"), py::arg("hypotheses_independent"),
        py::arg("n_jobs"), "tsfresh's calculate_relevance_table as columns (rows in its order)");
}

}  // namespace freshet::python
