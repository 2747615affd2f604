#pragma once
// freshet's own dense matrices of doubles, for the installed C++ API (the public headers show no
// Eigen, see docs/cpp-api.md): `DenseMatrix` owns its values, `MatrixView` borrows them.
//
// Layout: column-major, as Eigen's default and Fortran/LAPACK: element (i, j) is at
// data[i + j * outer_stride], and a DenseMatrix's outer stride is its row count. Rows are samples,
// columns are features (the model contract's layout, ml/model.hpp). Inside freshet both map onto
// Eigen without a copy (as_eigen in ml/model.hpp); a program that holds row-major data builds a
// DenseMatrix with from_row_major (one copy).
//
// A MatrixView is a non-owning (pointer, rows, cols, outer stride): it is valid while the storage
// it was made from is alive and unresized. It converts implicitly from a DenseMatrix and from any
// column-major dense matrix type that exposes data(), rows(), cols(), innerStride() and
// outerStride() (Eigen's Matrix, Map, Ref and column blocks), so in-tree code passes its Eigen
// matrices where a view is asked for; the header needs none of those types.
//
// Errors: shape mismatches throw Error(kInvalidArgument) with both shapes. Const members are
// thread-safe; a DenseMatrix is a value (copyable, movable).

#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace freshet {

class MatrixView;

class DenseMatrix {
 public:
  DenseMatrix() = default;
  // rows x cols, every element `fill`.
  DenseMatrix(std::size_t rows, std::size_t cols, double fill = 0.0)
      : rows_(rows), cols_(cols), values_(rows * cols, fill) {}
  // Takes column-major values (size rows * cols). Throws Error(kInvalidArgument) otherwise.
  static DenseMatrix from_column_major(std::size_t rows, std::size_t cols,
                                       std::vector<double> values);
  // Copies row-major values (values[i * cols + j] is element (i, j)); size rows * cols.
  static DenseMatrix from_row_major(std::size_t rows, std::size_t cols,
                                    std::span<const double> values);
  // Copies the viewed elements.
  explicit DenseMatrix(const MatrixView& view);

  // rows x cols of zeros; the previous elements are not kept (as Eigen's resize).
  void resize(std::size_t rows, std::size_t cols) {
    rows_ = rows;
    cols_ = cols;
    values_.assign(rows * cols, 0.0);
  }

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  const double* data() const { return values_.data(); }
  double* data() { return values_.data(); }
  // Element (i, j); unchecked, as std::vector's operator[].
  double operator()(std::size_t i, std::size_t j) const { return values_[i + j * rows_]; }
  double& operator()(std::size_t i, std::size_t j) { return values_[i + j * rows_]; }
  // Column j (contiguous).
  std::span<const double> column(std::size_t j) const {
    return {values_.data() + j * rows_, rows_};
  }
  std::span<double> column(std::size_t j) { return {values_.data() + j * rows_, rows_}; }
  // The listed rows, in the listed order (indices must be < rows()).
  DenseMatrix take_rows(std::span<const std::size_t> rows) const;

  friend bool operator==(const DenseMatrix&, const DenseMatrix&) = default;

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<double> values_;
};

namespace detail {
// Eigen's dense column-major matrices and their maps, refs and column blocks, by what they offer.
template <class M>
concept ColumnMajorDense = requires(const M& m) {
  { m.data() } -> std::convertible_to<const double*>;
  m.rows();
  m.cols();
  m.innerStride();
  m.outerStride();
  requires !M::IsRowMajor;
};
[[noreturn]] void throw_strided_view(long long inner_stride);
}  // namespace detail

class MatrixView {
 public:
  MatrixView() = default;
  // Throws Error(kInvalidArgument) when outer_stride < rows (columns would overlap) unless the
  // matrix is empty.
  MatrixView(const double* data, std::size_t rows, std::size_t cols, std::size_t outer_stride);
  // Contiguous column-major storage (outer stride = rows).
  MatrixView(const double* data, std::size_t rows, std::size_t cols)
      : MatrixView(data, rows, cols, rows) {}
  MatrixView(const DenseMatrix& m)  // NOLINT(google-explicit-constructor): a view of it
      : data_(m.data()), rows_(m.rows()), cols_(m.cols()), outer_stride_(m.rows()) {}
  // An Eigen column-major matrix, map, ref or block (elements of a column contiguous; throws
  // Error(kInvalidArgument) for a strided one).
  template <detail::ColumnMajorDense M>
  MatrixView(const M& m)  // NOLINT(google-explicit-constructor): borrowed, as std::span is
      : data_(m.data()),
        rows_(static_cast<std::size_t>(m.rows())),
        cols_(static_cast<std::size_t>(m.cols())),
        outer_stride_(m.cols() > 1 ? static_cast<std::size_t>(m.outerStride())
                                   : static_cast<std::size_t>(m.rows())) {
    if (m.innerStride() != 1 && m.rows() > 1)
      detail::throw_strided_view(static_cast<long long>(m.innerStride()));
  }

  const double* data() const { return data_; }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t outer_stride() const { return outer_stride_; }
  double operator()(std::size_t i, std::size_t j) const { return data_[i + j * outer_stride_]; }
  std::span<const double> column(std::size_t j) const {
    return {data_ + j * outer_stride_, rows_};  // contiguous: the inner stride is 1
  }

 private:
  const double* data_ = nullptr;
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::size_t outer_stride_ = 0;
};

// "3x4": for messages.
std::string shape_text(std::size_t rows, std::size_t cols);

}  // namespace freshet
