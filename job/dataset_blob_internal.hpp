#pragma once
// The shared dataset blob of a job: what run_job publishes once with Executor::share and every
// "job.fit_score" task reads rows from (in shared memory, or received over TCP by a remote
// worker, so its reader trusts nothing in it).
//
// Layout (little-endian u64 words; doubles as their 8 bytes): rows, cols, n_folds,
// classification, X column-major (rows*cols doubles), y (rows doubles), fold offsets[n_folds + 1]
// (in words from the start of the fold area), then per fold: n_train, n_test, train rows, test
// rows.
//
// Internal to job/ (not installed): it speaks Eigen matrices through ml's Matrix.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "ml/model.hpp"
#include "xval/cross_validate.hpp"
#include "xval/splitters.hpp"

namespace freshet::job {

Bytes serialize_blob(const xval::Dataset& d, const xval::Folds& folds, bool classification);

class BlobView {
 public:
  // Every count and offset read from the blob is checked against the words it holds before it
  // is used in arithmetic or an allocation: a corrupt blob (or one from a peer: remote workers
  // receive it over TCP) is an error, never a wrap-around, a huge allocation or an overread.
  explicit BlobView(std::span<const std::byte> blob) : blob_(blob), words_(blob.size() / 8) {
    if (words_ < 4) throw Error(Errc::kParse, "job: truncated shared dataset");
    std::memcpy(head_, blob.data(), 32);
    const std::size_t avail = words_ - 4;
    if (rows() > avail || cols() > avail || n_folds() > avail ||
        (cols() != 0 && rows() > avail / cols()))
      throw Error(Errc::kParse, "job: shared dataset sizes exceed the blob");
    const std::size_t need = 4 + rows() * cols() + rows() + n_folds() + 1;  // <= 3 avail + 5
    if (need > words_) throw Error(Errc::kParse, "job: truncated shared dataset");
  }
  std::size_t rows() const { return head_[0]; }
  std::size_t cols() const { return head_[1]; }
  std::size_t n_folds() const { return head_[2]; }
  bool classification() const { return head_[3] != 0; }
  double x(std::size_t row, std::size_t col) const { return value_at(4 + col * rows() + row); }
  double y(std::size_t row) const { return value_at(4 + rows() * cols() + row); }
  // Rows of fold f: train and test.
  std::pair<std::vector<std::size_t>, std::vector<std::size_t>> fold(std::size_t f) const {
    if (f >= n_folds()) throw Error(Errc::kInvalidArgument, "job: fold out of range");
    const std::size_t area = 4 + rows() * cols() + rows() + n_folds() + 1;
    const std::uint64_t offset = u64_at(4 + rows() * cols() + rows() + f);
    if (offset > words_ - area) throw Error(Errc::kParse, "job: fold offset outside the blob");
    const std::size_t at = area + offset;
    const std::size_t n_train = u64_at(at), n_test = u64_at(at + 1);
    if (n_train > words_ || n_test > words_ - n_train || at + 2 + n_train + n_test > words_)
      throw Error(Errc::kParse, "job: fold sizes exceed the blob");
    std::vector<std::size_t> train(n_train), test(n_test);
    for (std::size_t i = 0; i < n_train; ++i) train[i] = u64_at(at + 2 + i);
    for (std::size_t i = 0; i < n_test; ++i) test[i] = u64_at(at + 2 + n_train + i);
    for (auto r : train)
      if (r >= rows()) throw Error(Errc::kParse, "job: fold row out of range");
    for (auto r : test)
      if (r >= rows()) throw Error(Errc::kParse, "job: fold row out of range");
    return {std::move(train), std::move(test)};
  }
  // X and y of the listed rows, the listed columns (all when `cols` is null).
  void gather(std::span<const std::size_t> rows_, const std::vector<std::size_t>* columns,
              Matrix& X, std::vector<double>& y) const {
    const std::size_t nc = columns ? columns->size() : cols();
    X.resize(static_cast<Eigen::Index>(rows_.size()), static_cast<Eigen::Index>(nc));
    for (std::size_t j = 0; j < nc; ++j) {
      const std::size_t c = columns ? (*columns)[j] : j;
      if (c >= cols()) throw Error(Errc::kParse, "job: column out of range");
      double* out = X.data() + j * rows_.size();
      for (std::size_t i = 0; i < rows_.size(); ++i) out[i] = x(rows_[i], c);
    }
    y.resize(rows_.size());
    for (std::size_t i = 0; i < rows_.size(); ++i) y[i] = this->y(rows_[i]);
  }

 private:
  double value_at(std::size_t word) const {
    if (word >= words_) throw Error(Errc::kParse, "job: truncated shared dataset");
    double v;
    std::memcpy(&v, blob_.data() + word * 8, 8);
    return v;
  }
  std::uint64_t u64_at(std::size_t word) const {
    if (word >= words_) throw Error(Errc::kParse, "job: truncated shared dataset");
    std::uint64_t v;
    std::memcpy(&v, blob_.data() + word * 8, 8);
    return v;
  }
  std::span<const std::byte> blob_;
  std::size_t words_;
  std::uint64_t head_[4];
};

}  // namespace freshet::job
