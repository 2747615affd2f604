#pragma once
// Helpers shared by the splitter implementations (internal to xval).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xval/numpy_random.hpp"
#include "xval/splitters.hpp"

namespace freshet::xval::detail {

// Throws Error(kInvalidArgument) "splitter 'kfold': n_splits must be at least 2, got 1".
void check_n_splits(std::string_view splitter, int n_splits, int min);
const Labels& need_target(std::string_view splitter, const SplitData& data);
const Labels& need_groups(std::string_view splitter, const SplitData& data);
// RandomState(seed), or one seeded from std::random_device when seed is unset (sklearn's None).
RandomState make_rng(std::optional<std::uint32_t> seed);
void warn(const SplitData& data, std::string message);
// Train = rows with is_test 0, test = rows with is_test 1, both ascending.
Split split_from_test_mask(const std::vector<char>& is_test);

}  // namespace freshet::xval::detail
