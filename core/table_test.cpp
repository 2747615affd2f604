#include "core/table.hpp"

#include <doctest/doctest.h>

using namespace freshet;

TEST_CASE("table: dropping a column by a view of its own name keeps the name index right") {
  Table t;
  t.add_column(Column("id", std::vector<std::int64_t>{1, 2}));
  t.add_column(Column("x", std::vector<double>{0.5, 1.5}));
  t.add_column(Column("y", std::vector<double>{2, 3}));
  // The view points into the column being dropped (what `freshet run` does with its id column).
  t.drop_column(t.column(0).name());
  REQUIRE(t.num_columns() == 2);
  CHECK(!t.has_column("id"));
  CHECK(t.column("x").f64()[1] == 1.5);
  CHECK(t.column("y").f64()[0] == 2);
  t.drop_column(t.column(1).name());
  CHECK(t.column_names() == std::vector<std::string>{"x"});
  t.rename_column(t.column(0).name(), "z");
  CHECK(t.column("z").f64()[0] == 0.5);
}
