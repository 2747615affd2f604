#include "core/join.hpp"

#include <doctest/doctest.h>

#include "core/csv.hpp"
#include "core/error.hpp"

using namespace freshet;

namespace {
Error error_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  return Error(Errc::kInternal, "no error");
}
}  // namespace

TEST_CASE("align_by_id: labels in the rows' order, ids compared as text") {
  const Table rows = parse_csv("id,x\n3,0.5\n1,0.25\n2,1\n", "rows.csv");
  const Table labels = parse_csv("id,y\n1,a\n2,b\n3,c\n", "labels.csv");
  const Column y = align_by_id(rows, labels, "y", "id");
  REQUIRE(y.size() == 3);
  CHECK(y.as_string(0) == "c");
  CHECK(y.as_string(1) == "a");
  CHECK(y.as_string(2) == "b");
}

TEST_CASE("align_by_id: missing, extra and duplicate ids are errors naming them") {
  const Table rows = parse_csv("id,x\n1,0\n2,0\n", "rows.csv");
  const Error missing =
      error_of([&] { align_by_id(rows, parse_csv("id,y\n1,a\n", "l.csv"), "y", "id"); });
  CHECK(missing.code() == Errc::kNotFound);
  CHECK(std::string(missing.what()).find("id(s) 2") != std::string::npos);
  const Error extra =
      error_of([&] { align_by_id(rows, parse_csv("id,y\n1,a\n2,b\n9,c\n", "l.csv"), "y", "id"); });
  CHECK(extra.code() == Errc::kNotFound);
  CHECK(std::string(extra.what()).find("9") != std::string::npos);
  const Error twice =
      error_of([&] { align_by_id(rows, parse_csv("id,y\n1,a\n2,b\n1,c\n", "l.csv"), "y", "id"); });
  CHECK(twice.code() == Errc::kInvalidArgument);
  CHECK(std::string(twice.what()).find("rows 2 and 4") != std::string::npos);
}
