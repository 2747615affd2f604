#pragma once
// Joining a per-id table (labels) onto the rows of another table by id.

#include <string_view>

#include "core/table.hpp"

namespace freshet {

// The column `value_column` of `keyed` (columns id_column and value_column; others ignored) in
// the row order of `rows`, matched by id compared as text (so 7 in one file matches "7" in the
// other). Every id of `rows` must appear exactly once in `keyed`, and every id of `keyed` in
// `rows`. Throws Error(kNotFound) naming up to 10 ids missing from either side, or a missing
// column; Error(kInvalidArgument) for an id that appears twice in `keyed` (naming both data
// lines, counting the header as line 1). Thread-safe (a pure function).
Column align_by_id(const Table& rows, const Table& keyed, std::string_view value_column,
                   std::string_view id_column);

}  // namespace freshet
