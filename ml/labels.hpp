#pragma once
// The one label encoding (sklearn's np.unique / LabelEncoder order): the distinct values in
// ascending order, and each row's index into them. Classifiers (encode_labels in
// ml/model_params.hpp), text targets (LabelEncoder in ml/preprocess.hpp) and the splitters'
// labels and groups (xval::Labels) all encode through it, so a class has the same code
// everywhere.
//
// Values must be totally ordered by `<` (no NaN: callers reject it first, naming the row).
// Strings compare bytewise, which is Python's order for UTF-8. Thread-safe (a pure function).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

namespace freshet {

template <class T>
struct LabelCoding {
  std::vector<T> classes;           // distinct values, ascending
  std::vector<std::int64_t> codes;  // one per value, index into classes
};

template <class T>
LabelCoding<T> encode_sorted(std::span<const T> values) {
  const std::size_t n = values.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  LabelCoding<T> out;
  out.codes.assign(n, 0);
  for (std::size_t p = 0; p < n; ++p) {
    const T& v = values[order[p]];
    if (p == 0 || out.classes.back() < v) out.classes.push_back(v);
    out.codes[order[p]] = static_cast<std::int64_t>(out.classes.size() - 1);
  }
  return out;
}

}  // namespace freshet
