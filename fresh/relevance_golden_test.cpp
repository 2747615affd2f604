// FRESH relevance against tsfresh 0.21.2 (shared/reference/tsfresh/*/relevance_*.csv and
// selected_*.txt, see shared/reference/README.md "Relevance"): for every reference table, the
// features_comprehensive.csv of the set is imputed with fresh::impute_features and tested against
// the same target. Rows are keyed by feature: type and every relevant flag must be identical,
// p-values equal within rtol 1e-6 (NaN for constant features), n_significant identical; the row
// order must agree up to tsfresh's unstable ordering of equal p-values, and the selected features
// must be exactly the reference list (same order up to ties). Run on the serial and the threads
// executor.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "fresh/impute.hpp"
#include "fresh/relevance.hpp"
#include "mproc/executor.hpp"

using namespace freshet;

namespace {

std::string shared_dir() { return std::string(FRESHET_SOURCE_DIR) + "/../shared"; }
std::string ref_path(const std::string& rel) { return shared_dir() + "/reference/tsfresh/" + rel; }

Table load_imputed_features(const std::string& set) {
  ReadCsvOptions o;
  o.types = {{"id", ColumnType::kAuto}};
  o.other_columns = ColumnType::kFloat64;
  Table t = read_csv(ref_path(set + "/features_comprehensive.csv"), o);
  fresh::impute_features(t);
  return t;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

bool p_close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= 1e-6 * std::max(std::abs(a), std::abs(b));
}

struct Case {
  std::string set, tag;
  bool multiclass;
};

void check_against_reference(const Case& c, const fresh::Selection& got) {
  INFO(c.set << " relevance_" << c.tag);
  const Table expected = read_csv(ref_path(c.set + "/relevance_" + c.tag + ".csv"),
                                  ReadCsvOptions{.types = {{"feature", ColumnType::kString},
                                                           {"type", ColumnType::kString},
                                                           {"relevant", ColumnType::kString}}});
  const Table mine = got.relevance.to_table();
  REQUIRE(mine.column_names() == expected.column_names());
  REQUIRE(mine.num_rows() == expected.num_rows());

  std::map<std::string, std::size_t> row_of;
  const auto features = mine.column("feature").str();
  for (std::size_t r = 0; r < features.size(); ++r) row_of[features[r]] = r;
  REQUIRE(row_of.size() == features.size());

  std::size_t type_mismatch = 0, flag_mismatch = 0, p_mismatch = 0, count_mismatch = 0;
  const auto exp_features = expected.column("feature").str();
  for (std::size_t r = 0; r < expected.num_rows(); ++r) {
    const auto it = row_of.find(exp_features[r]);
    REQUIRE_MESSAGE(it != row_of.end(), "feature missing: " << exp_features[r]);
    const std::size_t m = it->second;
    if (mine.column("type").str()[m] != expected.column("type").str()[r]) ++type_mismatch;
    for (const auto& col : expected.columns()) {
      const std::string& name = col.name();
      if (name == "feature" || name == "type") continue;
      const Column& mc = mine.column(name);
      if (name.rfind("p_value", 0) == 0) {
        const double a = mc.f64()[m], b = col.as_double(r);
        if (!p_close(a, b) && ++p_mismatch <= 5)
          MESSAGE(name << " of " << exp_features[r] << ": " << a << " vs tsfresh " << b);
        else if (!p_close(a, b))
          ++p_mismatch;
      } else if (name == "n_significant") {
        if (mc.as_double(m) != col.as_double(r)) ++count_mismatch;
      } else {  // relevant*
        if (mc.as_string(m) != col.as_string(r)) {
          if (++flag_mismatch <= 5) MESSAGE(name << " of " << exp_features[r] << " differs");
        }
      }
    }
  }
  CHECK(type_mismatch == 0);
  CHECK(p_mismatch == 0);
  CHECK(flag_mismatch == 0);
  CHECK(count_mismatch == 0);

  // Row order: the first label's p-value (regression / non-multiclass tables: tsfresh sorts by
  // the first label, which for multiclass=False is not the printed min) must be non-decreasing in
  // both tables at the same positions, and constant features come last.
  const std::string key_column = c.multiclass ? expected.column_names()[2] : "p_value";
  if (!c.multiclass && got.relevance.task == fresh::MlTask::kClassification) {
    // first-label p-values are not printed: check that our order sorts them
    double prev = -1;
    for (const auto& row : got.relevance.rows) {
      if (row.type == fresh::FeatureType::kConstant) break;
      CHECK(row.label_p[0] >= prev);
      prev = row.label_p[0];
    }
  } else {
    std::size_t order_mismatch = 0;
    for (std::size_t r = 0; r < expected.num_rows(); ++r)
      if (!p_close(mine.column(key_column).f64()[r], expected.column(key_column).as_double(r)))
        ++order_mismatch;
    CHECK(order_mismatch == 0);
  }
  bool seen_constant = false;
  for (const auto& row : got.relevance.rows) {
    if (row.type == fresh::FeatureType::kConstant)
      seen_constant = true;
    else
      CHECK_FALSE(seen_constant);
  }

  // the selection: exactly the reference list; order equal up to rows whose p-values tie
  const auto want = read_lines(ref_path(c.set + "/selected_" + c.tag + ".txt"));
  std::vector<std::string> have;
  for (std::size_t col = 1; col < got.selected.num_columns(); ++col)
    have.push_back(got.selected.column(col).name());
  CHECK(got.selected.column(0).name() == "id");
  REQUIRE(have.size() == want.size());
  CHECK(std::multiset<std::string>(have.begin(), have.end()) ==
        std::multiset<std::string>(want.begin(), want.end()));
  std::size_t misplaced = 0;
  for (std::size_t i = 0; i < have.size(); ++i) {
    if (have[i] == want[i]) continue;
    // allowed only when both rows share the sort key
    const auto& a = got.relevance.rows[row_of.at(have[i])];
    const auto& b = got.relevance.rows[row_of.at(want[i])];
    const double ka = a.label_p.empty() ? a.p_value : a.label_p[0];
    const double kb = b.label_p.empty() ? b.p_value : b.label_p[0];
    if (!p_close(ka, kb)) ++misplaced;
  }
  CHECK(misplaced == 0);
}

Table labels_table(const std::string& path) { return read_csv(path); }

// Keeps the label rows whose id is in the feature matrix (ERing's features cover 150 of 300 ids).
Table restrict_to_ids(const Table& labels, const Table& features) {
  std::set<std::string> ids;
  for (std::size_t r = 0; r < features.num_rows(); ++r)
    ids.insert(features.column("id").as_string(r));
  std::vector<std::size_t> keep;
  for (std::size_t r = 0; r < labels.num_rows(); ++r)
    if (ids.count(labels.column("id").as_string(r))) keep.push_back(r);
  return labels.take(keep);
}

void run_case(const Case& c, const Table& features, const Table& labels,
              const std::string& label_column, mproc::Executor& executor) {
  fresh::RelevanceOptions options;
  options.multiclass = c.multiclass;
  const auto got = fresh::select_relevant(features, labels, options, executor, label_column);
  check_against_reference(c, got);
}

}  // namespace

TEST_CASE("relevance golden: every tsfresh relevance table") {
  auto serial = mproc::make_executor({.workers = 0});
  auto threads = mproc::make_executor({.workers = 2});
  const std::string data = shared_dir() + "/data/";

  SUBCASE("GunPoint") {
    const Table f = load_imputed_features("GunPoint");
    run_case({"GunPoint", "y", false}, f, labels_table(data + "GunPoint/labels.csv"), "y", *serial);
    run_case({"GunPoint", "y_real", false}, f, labels_table(ref_path("GunPoint/y_real.csv")),
             "y_real", *threads);
  }
  SUBCASE("RobotFailureLP1") {
    const Table f = load_imputed_features("RobotFailureLP1");
    const Table labels = labels_table(data + "RobotFailureLP1/labels.csv");
    run_case({"RobotFailureLP1", "y", false}, f, labels, "y", *threads);
    run_case({"RobotFailureLP1", "multiclass", true}, f, labels, "y", *serial);
    // tsfresh's example target: y == "normal" (bool)
    std::vector<std::string> normal;
    for (const auto& v : labels.column("y").str())
      normal.push_back(v == "normal" ? "True" : "False");
    Table t;
    t.add_column(labels.column("id"));
    t.add_column(Column("y", normal));
    run_case({"RobotFailureLP1", "normal", false}, f, t, "y", *threads);
  }
  SUBCASE("BasicMotions") {
    const Table f = load_imputed_features("BasicMotions");
    const Table labels = labels_table(data + "BasicMotions/labels.csv");
    run_case({"BasicMotions", "multiclass", true}, f, labels, "y", *threads);
    run_case({"BasicMotions", "y", false}, f, labels, "y", *serial);
  }
  SUBCASE("ERing") {
    const Table f = load_imputed_features("ERing");
    run_case({"ERing", "binary", false}, f, labels_table(ref_path("ERing/target_binary.csv")), "y",
             *serial);
    run_case({"ERing", "multiclass", true}, f,
             restrict_to_ids(labels_table(data + "ERing/labels.csv"), f), "y", *threads);
  }
  SUBCASE("PickupGestureWiimoteZ") {
    const Table f = load_imputed_features("PickupGestureWiimoteZ");
    run_case({"PickupGestureWiimoteZ", "binary", false}, f,
             labels_table(ref_path("PickupGestureWiimoteZ/target_binary.csv")), "y", *threads);
    run_case({"PickupGestureWiimoteZ", "multiclass", true}, f,
             labels_table(data + "PickupGestureWiimoteZ/labels.csv"), "y", *serial);
  }
}

TEST_CASE("relevance: serial and threads give identical tables") {
  ReadCsvOptions o;
  o.other_columns = ColumnType::kFloat64;
  o.types = {{"id", ColumnType::kAuto}};
  Table f = load_imputed_features("RobotFailureLP1");
  const Table labels = labels_table(shared_dir() + "/data/RobotFailureLP1/labels.csv");
  auto serial = mproc::make_executor({.workers = 0});
  auto threads = mproc::make_executor({.workers = 2});
  fresh::RelevanceOptions options;
  options.multiclass = true;
  options.chunk_columns = 37;
  const auto a = fresh::select_relevant(f, labels, options, *serial);
  const auto b = fresh::select_relevant(f, labels, options, *threads);
  CHECK(format_csv(a.relevance.to_table()) == format_csv(b.relevance.to_table()));
  CHECK(a.selected == b.selected);
}
