#include "core/join.hpp"

#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"

namespace freshet {

Column align_by_id(const Table& features, const Table& labels, std::string_view label_column,
                   std::string_view id_column) {
  const Column& feature_ids = features.column(id_column);
  const Column& label_ids = labels.column(id_column);
  const Column& y = labels.column(label_column);
  std::unordered_map<std::string, std::size_t> row_of;
  for (std::size_t r = 0; r < labels.num_rows(); ++r) {
    const auto [it, fresh] = row_of.emplace(label_ids.as_string(r), r);
    if (!fresh)
      throw Error(Errc::kInvalidArgument,
                  "labels: id " + label_ids.as_string(r) + " appears more than once (rows " +
                      std::to_string(it->second + 2) + " and " + std::to_string(r + 2) + ")");
  }
  std::vector<std::size_t> take(features.num_rows());
  std::vector<std::string> missing;
  std::unordered_map<std::string, char> used;
  for (std::size_t r = 0; r < features.num_rows(); ++r) {
    const std::string id = feature_ids.as_string(r);
    const auto it = row_of.find(id);
    if (it == row_of.end()) {
      missing.push_back(id);
      continue;
    }
    take[r] = it->second;
    used[id] = 1;
  }
  const auto list = [](const std::vector<std::string>& ids) {
    std::string s;
    for (std::size_t i = 0; i < ids.size() && i < 10; ++i) s += (i ? ", " : "") + ids[i];
    if (ids.size() > 10) s += ", ... (" + std::to_string(ids.size()) + " in all)";
    return s;
  };
  if (!missing.empty())
    throw Error(Errc::kNotFound, "labels: no label for feature id(s) " + list(missing));
  std::vector<std::string> extra;
  for (std::size_t r = 0; r < labels.num_rows(); ++r)
    if (!used.count(label_ids.as_string(r))) extra.push_back(label_ids.as_string(r));
  if (!extra.empty())
    throw Error(Errc::kNotFound, "features: no feature row for labelled id(s) " + list(extra));
  Column out = y.take(take);
  return out;
}

}  // namespace freshet
