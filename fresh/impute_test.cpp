// impute_features against tsfresh's impute (golden file) and on hand-made columns.
#include "fresh/impute.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "core/csv.hpp"

using namespace freshet;

namespace {
std::string shared_dir() { return std::string(FRESHET_SOURCE_DIR) + "/../shared"; }

ReadCsvOptions feature_options() {
  ReadCsvOptions o;
  o.types = {{"id", ColumnType::kAuto}};
  o.other_columns = ColumnType::kFloat64;
  return o;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
}  // namespace

TEST_CASE("impute: tsfresh golden file RobotFailureLP1, bit for bit") {
  const std::string dir = shared_dir() + "/reference/tsfresh/RobotFailureLP1/";
  Table features = read_csv(dir + "features_comprehensive.csv", feature_options());
  const Table expected = read_csv(dir + "features_comprehensive_imputed.csv", feature_options());
  fresh::impute_features(features);
  REQUIRE(features.column_names() == expected.column_names());
  REQUIRE(features.num_rows() == expected.num_rows());
  CHECK(features.column("id") == expected.column("id"));
  std::size_t mismatches = 0;
  for (std::size_t c = 1; c < features.num_columns(); ++c) {
    const auto a = features.column(c).f64();
    const auto b = expected.column(c).f64();
    for (std::size_t r = 0; r < a.size(); ++r) {
      if (!same_bits(a[r], b[r])) {
        if (++mismatches <= 5)
          MESSAGE(features.column(c).name() << " row " << r << ": " << a[r] << " vs " << b[r]);
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("impute: the rules on small columns") {
  Table t;
  t.add_column(Column("id", std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  // finite values 1, 4, 2 -> median 2 (odd count), max 4, min 1
  t.add_column(Column("a", std::vector<double>{1, NAN, INFINITY, 4, 2}));
  // finite values 3, -1, 10, 7 -> median (3 + 7) / 2 = 5 (even count)
  t.add_column(Column("b", std::vector<double>{3, -1, 10, -INFINITY, 7}));
  t.add_column(Column("c", std::vector<double>{NAN, INFINITY, -INFINITY, NAN, NAN}));
  t.add_column(Column("d", std::vector<double>{0.5, 0.25, 0.5, 1, 2}));
  fresh::impute_features(t);
  CHECK(t.column("a").f64()[1] == 2.0);
  CHECK(t.column("a").f64()[2] == 4.0);
  CHECK(t.column("b").f64()[3] == -1.0);
  for (double v : t.column("c").f64()) CHECK(v == 0.0);
  CHECK(t.column("d").f64()[1] == 0.25);
  CHECK(t.column("id").i64()[4] == 5);

  // An id column stored as float64 is not imputed.
  Table u;
  u.add_column(Column("key", std::vector<double>{NAN, 1}));
  u.add_column(Column("x", std::vector<double>{NAN, 1}));
  fresh::impute_features(u, "key");
  CHECK(std::isnan(u.column("key").f64()[0]));
  CHECK(u.column("x").f64()[0] == 1.0);
}
