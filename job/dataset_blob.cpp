#include <cstring>

#include "job/dataset_blob_internal.hpp"

namespace freshet::job {

Bytes serialize_blob(const xval::Dataset& d, const xval::Folds& folds, bool classification) {
  std::vector<std::uint64_t> fold_area;
  std::vector<std::uint64_t> offsets;
  for (const auto& s : folds) {
    offsets.push_back(fold_area.size());
    fold_area.push_back(s.train.size());
    fold_area.push_back(s.test.size());
    fold_area.insert(fold_area.end(), s.train.begin(), s.train.end());
    fold_area.insert(fold_area.end(), s.test.begin(), s.test.end());
  }
  offsets.push_back(fold_area.size());
  const std::size_t rows = d.num_rows(), cols = static_cast<std::size_t>(d.X.cols());
  Bytes out((4 + rows * cols + rows + offsets.size() + fold_area.size()) * 8);
  std::byte* p = out.data();
  const auto put = [&p](const void* src, std::size_t n) {
    std::memcpy(p, src, n);
    p += n;
  };
  const std::uint64_t head[4] = {rows, cols, folds.size(), classification ? 1u : 0u};
  put(head, sizeof head);
  put(d.X.data(), rows * cols * 8);
  put(d.y.data(), rows * 8);
  put(offsets.data(), offsets.size() * 8);
  put(fold_area.data(), fold_area.size() * 8);
  return out;
}

}  // namespace freshet::job
