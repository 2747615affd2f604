// FRESH relevance on small hand-made tables: the pieces the tsfresh golden files do not reach
// (KS for binary targets, BH vs BY, the KX selectors, option checks, label order, chunking).
#include "fresh/relevance.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "core/error.hpp"
#include "fresh/stat_tests.hpp"
#include "mproc/executor.hpp"

using namespace freshet;

namespace {

// 40 ids (given in descending order, to check that label order follows sorted ids); features:
//   strong: tracks the class, weak: a little, noise: none, flag: binary, const: constant.
struct Data {
  Table features;
  Column target;
};

Data make_data() {
  const std::size_t n = 40;
  std::vector<std::int64_t> id(n);
  std::vector<double> strong(n), weak(n), noise(n), flag(n), constant(n, 2.5);
  std::vector<std::string> label(n);
  for (std::size_t r = 0; r < n; ++r) {
    const auto i = static_cast<std::int64_t>(n - 1 - r);  // ids 39 .. 0
    id[r] = i;
    const bool cat = i % 2 == 0;
    label[r] = i == 0 ? "bird" : (cat ? "cat" : "dog");
    strong[r] = (cat ? 10.0 : 0.0) + static_cast<double>((i * 7) % 5);
    weak[r] = (cat ? 1.0 : 0.0) + static_cast<double>((i * 13) % 11);
    noise[r] = static_cast<double>((i * 17) % 19);
    flag[r] = (cat && i % 3 != 0) ? 1.0 : 0.0;
  }
  Data d;
  d.features.add_column(Column("id", id));
  d.features.add_column(Column("const", constant));
  d.features.add_column(Column("flag", flag));
  d.features.add_column(Column("noise", noise));
  d.features.add_column(Column("strong", strong));
  d.features.add_column(Column("weak", weak));
  d.target = Column("y", label);
  return d;
}

const fresh::RelevanceRow& row_of(const fresh::RelevanceTable& t, const std::string& name) {
  for (const auto& r : t.rows)
    if (r.feature == name) return r;
  FAIL("no row " << name);
  return t.rows.front();
}

}  // namespace

TEST_CASE("relevance: label order, types, constant last, KS variant") {
  auto ex = mproc::make_executor({.workers = 0});
  const Data d = make_data();
  fresh::RelevanceOptions o;
  const auto t = fresh::calculate_relevance_table(d.features, d.target, o, *ex);
  // sorted by id: 0 bird, 1 dog, 2 cat
  CHECK(t.labels == std::vector<std::string>{"bird", "dog", "cat"});
  CHECK(t.task == fresh::MlTask::kClassification);
  REQUIRE(t.rows.size() == 5);
  CHECK(t.rows.back().feature == "const");
  CHECK(std::isnan(t.rows.back().p_value));
  CHECK(row_of(t, "flag").type == fresh::FeatureType::kBinary);
  CHECK(row_of(t, "strong").type == fresh::FeatureType::kReal);
  CHECK(row_of(t, "strong").relevant);
  CHECK_FALSE(row_of(t, "noise").relevant);
  // rows sorted by the first label's p-value
  for (std::size_t i = 1; i + 1 < t.rows.size(); ++i)
    CHECK(t.rows[i - 1].label_p[0] <= t.rows[i].label_p[0]);

  // p_value = min over labels; each per-label value is the direct test
  const auto& strong = row_of(t, "strong");
  const auto x = d.features.column("strong").f64();
  for (std::size_t l = 0; l < 3; ++l) {
    std::vector<double> in, out;
    for (std::size_t r = 0; r < x.size(); ++r)
      (d.target.str()[r] == t.labels[l] ? in : out).push_back(x[r]);
    CHECK(strong.label_p[l] == fresh::mann_whitney_u_p(in, out));
  }
  CHECK(strong.p_value == std::min({strong.label_p[0], strong.label_p[1], strong.label_p[2]}));

  o.test_for_binary_target_real_feature = fresh::BinaryRealTest::kKolmogorovSmirnov;
  const auto k = fresh::calculate_relevance_table(d.features, d.target, o, *ex);
  std::vector<double> cat, rest;
  for (std::size_t r = 0; r < x.size(); ++r)
    (d.target.str()[r] == "cat" ? cat : rest).push_back(x[r]);
  CHECK(row_of(k, "strong").label_p[2] ==
        doctest::Approx(fresh::ks_2samp_p(cat, rest)).epsilon(1e-14));
}

TEST_CASE("relevance: chunking and backends do not change the table") {
  const Data d = make_data();
  auto serial = mproc::make_executor({.workers = 0});
  auto threads = mproc::make_executor({.workers = 3});
  fresh::RelevanceOptions a;
  a.multiclass = true;
  fresh::RelevanceOptions b = a;
  b.chunk_columns = 1;
  const auto ta = fresh::calculate_relevance_table(d.features, d.target, a, *serial);
  const auto tb = fresh::calculate_relevance_table(d.features, d.target, b, *threads);
  CHECK(ta.to_table() == tb.to_table());
  CHECK(ta.multiclass);
  CHECK(ta.to_table().column_names() ==
        std::vector<std::string>{"feature", "type", "p_value_bird", "relevant_bird", "p_value_dog",
                                 "relevant_dog", "p_value_cat", "relevant_cat", "n_significant",
                                 "relevant"});
}

TEST_CASE("relevance: regression, ml_task override, two-class multiclass falls back") {
  auto ex = mproc::make_executor({.workers = 0});
  Data d = make_data();
  std::vector<double> yr(d.features.num_rows());
  const auto strong = d.features.column("strong").f64();
  for (std::size_t r = 0; r < yr.size(); ++r) yr[r] = strong[r] * 0.5 + static_cast<double>(r % 3);
  const Column real("y", yr);
  fresh::RelevanceOptions o;
  const auto t = fresh::calculate_relevance_table(d.features, real, o, *ex);
  CHECK(t.task == fresh::MlTask::kRegression);
  CHECK(row_of(t, "strong").p_value == fresh::kendall_tau_p(strong, yr));
  CHECK(t.to_table().column_names() ==
        std::vector<std::string>{"feature", "type", "p_value", "relevant"});

  o.ml_task = fresh::MlTask::kClassification;  // a float target forced to classes: "x.0" labels
  std::vector<double> two(yr.size());
  for (std::size_t r = 0; r < two.size(); ++r) two[r] = r % 2 == 0 ? 1.0 : 2.0;
  o.multiclass = true;
  const auto c = fresh::calculate_relevance_table(d.features, Column("y", two), o, *ex);
  CHECK(c.labels == std::vector<std::string>{"2.0", "1.0"});  // id 0 is the last row (r = 39)
  CHECK_FALSE(c.multiclass);  // <= 2 classes: tsfresh falls back to multiclass=False

  fresh::RelevanceOptions bad;
  bad.multiclass = true;
  bad.ml_task = fresh::MlTask::kRegression;
  CHECK_THROWS_AS(fresh::calculate_relevance_table(d.features, real, bad, *ex), Error);
  bad = {};
  bad.multiclass = true;
  bad.n_significant = 4;
  CHECK_THROWS_AS(fresh::calculate_relevance_table(d.features, d.target, bad, *ex), Error);
  bad = {};
  bad.fdr_level = 0;
  CHECK_THROWS_AS(fresh::calculate_relevance_table(d.features, d.target, bad, *ex), Error);
}

TEST_CASE("relevance: BH keeps at least what BY keeps, KX selectors") {
  auto ex = mproc::make_executor({.workers = 0});
  const Data d = make_data();
  fresh::RelevanceOptions by, bh;
  bh.hypotheses_independent = true;
  by.fdr_level = bh.fdr_level = 0.2;
  const auto a = fresh::calculate_relevance_table(d.features, d.target, by, *ex);
  const auto b = fresh::calculate_relevance_table(d.features, d.target, bh, *ex);
  for (const auto& r : a.rows)
    if (r.relevant) CHECK(row_of(b, r.feature).relevant);

  fresh::RelevanceOptions k;
  k.selector = fresh::Selector::kKBest;
  k.k_best = 2;
  const auto kt = fresh::calculate_relevance_table(d.features, d.target, k, *ex);
  std::vector<double> p;
  for (const auto& r : kt.rows)
    if (!std::isnan(r.p_value)) p.push_back(r.p_value);
  std::sort(p.begin(), p.end());
  std::size_t kept = 0;
  for (const auto& r : kt.rows)
    if (r.relevant) {
      ++kept;
      CHECK(r.p_value <= p[1]);
    }
  CHECK(kept == 2);
  k.k_best = 100;  // more than there are: every non-constant feature, never the constant one
  const auto all = fresh::calculate_relevance_table(d.features, d.target, k, *ex);
  CHECK(all.relevant_features().size() == 4);
  CHECK_FALSE(row_of(all, "const").relevant);

  fresh::RelevanceOptions q;
  q.selector = fresh::Selector::kPercentile;
  q.percentile = 0.0;  // the minimum p-value: at least one feature (KX PR #86)
  const auto qt = fresh::calculate_relevance_table(d.features, d.target, q, *ex);
  REQUIRE(qt.relevant_features().size() >= 1);
  CHECK(row_of(qt, qt.relevant_features()[0]).p_value == p[0]);
  q.percentile = 1.0;
  CHECK(fresh::calculate_relevance_table(d.features, d.target, q, *ex).relevant_features().size() ==
        4);
}

TEST_CASE("relevance: align_target and input errors") {
  auto ex = mproc::make_executor({.workers = 0});
  const Data d = make_data();
  Table labels;
  std::vector<std::int64_t> ids(40);
  std::iota(ids.begin(), ids.end(), 0);
  std::vector<std::string> ys;
  for (int i = 0; i < 40; ++i) ys.emplace_back(i == 5 || i == 6 ? "b" : "a");
  labels.add_column(Column("id", ids));
  labels.add_column(Column("y", ys));
  labels.add_column(Column("split", std::vector<std::string>(40, "train")));
  const Column y = fresh::align_target(d.features, labels);
  // feature rows hold ids 39..0
  CHECK(y.str()[39 - 5] == "b");
  CHECK(y.str()[0] == "a");

  Table short_labels = labels.take(std::vector<std::size_t>{0, 1, 2});
  try {
    fresh::align_target(d.features, short_labels);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kNotFound);
    CHECK(std::string(e.what()).find("no label for feature id(s) 39, 38") != std::string::npos);
  }

  Table with_nan = d.features;
  with_nan.column_mut("weak").f64_mut()[3] = NAN;
  try {
    fresh::calculate_relevance_table(with_nan, d.target, {}, *ex);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("feature 'weak' has a missing value (id 36)") !=
          std::string::npos);
  }
}
