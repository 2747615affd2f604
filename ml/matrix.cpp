#include "ml/matrix.hpp"

#include <algorithm>

namespace freshet {

std::string shape_text(std::size_t rows, std::size_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

namespace detail {
void throw_strided_view(long long inner_stride) {
  throw Error(Errc::kInvalidArgument,
              "MatrixView: the matrix's columns are not contiguous (inner stride " +
                  std::to_string(inner_stride) + "); copy it into a DenseMatrix first");
}
}  // namespace detail

DenseMatrix DenseMatrix::from_column_major(std::size_t rows, std::size_t cols,
                                           std::vector<double> values) {
  if (values.size() != rows * cols)
    throw Error(Errc::kInvalidArgument, "DenseMatrix: " + std::to_string(values.size()) +
                                            " values for a " + shape_text(rows, cols) + " matrix");
  DenseMatrix m;
  m.rows_ = rows;
  m.cols_ = cols;
  m.values_ = std::move(values);
  return m;
}

DenseMatrix DenseMatrix::from_row_major(std::size_t rows, std::size_t cols,
                                        std::span<const double> values) {
  if (values.size() != rows * cols)
    throw Error(Errc::kInvalidArgument, "DenseMatrix: " + std::to_string(values.size()) +
                                            " values for a " + shape_text(rows, cols) + " matrix");
  DenseMatrix m(rows, cols);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) m(i, j) = values[i * cols + j];
  return m;
}

DenseMatrix::DenseMatrix(const MatrixView& view) : DenseMatrix(view.rows(), view.cols()) {
  for (std::size_t j = 0; j < cols_; ++j) {
    const auto src = view.column(j);
    std::copy(src.begin(), src.end(), column(j).begin());
  }
}

DenseMatrix DenseMatrix::take_rows(std::span<const std::size_t> rows) const {
  DenseMatrix out(rows.size(), cols_);
  for (std::size_t j = 0; j < cols_; ++j) {
    const double* src = values_.data() + j * rows_;
    double* dst = out.values_.data() + j * rows.size();
    for (std::size_t i = 0; i < rows.size(); ++i) dst[i] = src[rows[i]];
  }
  return out;
}

MatrixView::MatrixView(const double* data, std::size_t rows, std::size_t cols,
                       std::size_t outer_stride)
    : data_(data), rows_(rows), cols_(cols), outer_stride_(outer_stride) {
  if (rows > 0 && cols > 1 && outer_stride < rows)
    throw Error(Errc::kInvalidArgument, "MatrixView: outer stride " + std::to_string(outer_stride) +
                                            " is below the row count " + std::to_string(rows));
}

}  // namespace freshet
