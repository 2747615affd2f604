// Golden test: rolled extraction (fresh/roll.hpp) against tsfresh 0.21.2's roll_time_series +
// extract_features(EfficientFCParameters) in shared/reference/tsfresh_rolling: GunPoint and
// BasicMotions, (M=20, m=5, d=1) and (M=10, m=0, d=-1). Every cell is compared: the ids in the
// same order, the same column set, NaN exactly where tsfresh has NaN, and values by that folder's
// README rule: |a - b| <= 1e-9 max(|a|,|b|) + 1e-10; integer and count features exactly; its
// rolled-window exceptions (friedrich_coefficients and max_langevin_fixed_point rtol 1e-3 on
// windows of <= 21 points; augmented_dickey_fuller |value| > 1e6 is noise) and those of
// ../tsfresh/README.md (variation_coefficient with a mean near 0, fft angles at a tiny modulus,
// partial_autocorrelation rtol 1e-6).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "core/csv.hpp"
#include "fresh/names.hpp"
#include "fresh/roll.hpp"
#include "mproc/executor.hpp"
#include "tests/golden.hpp"

using namespace freshet;

namespace {

const std::string kRef = FRESHET_SOURCE_DIR + "/../shared/reference/tsfresh_rolling";

using freshet::testing::exact_calculator;

Table read_ref(const std::string& path) {
  ReadCsvOptions o;
  o.types["id"] = ColumnType::kString;
  o.other_columns = ColumnType::kFloat64;
  return read_csv(path, o);
}

void golden(const std::string& dataset, const std::string& file, const fresh::RollOptions& roll) {
  fresh::InputOptions in;
  in.keep_sort_keys = true;
  const auto data = fresh::read_series_csv(kRef + "/" + dataset + "/series_subset.csv", in);
  auto executor = mproc::make_executor({.workers = 2});
  const Table ours =
      fresh::extract_rolled(data, roll, fresh::preset_settings("efficient"), *executor).features;
  const Table ref = read_ref(kRef + "/" + dataset + "/" + file);
  const std::string label = dataset + "/" + file;

  // Ids: the same, in the same order (tsfresh's tuple order).
  REQUIRE(ours.num_rows() == ref.num_rows());
  std::size_t id_diff = 0;
  for (std::size_t i = 0; i < ref.num_rows(); ++i)
    id_diff += ours.column(0).as_string(i) != ref.column(0).as_string(i);
  CHECK_MESSAGE(id_diff == 0, label << ": " << id_diff << " ids differ");
  CHECK(ours.column(0).name() == "id");

  // Columns: the same set (every reference column's calculator is registered here).
  std::set<std::string> ours_names, ref_names;
  for (std::size_t c = 1; c < ours.num_columns(); ++c) ours_names.insert(ours.column(c).name());
  for (std::size_t c = 1; c < ref.num_columns(); ++c) ref_names.insert(ref.column(c).name());
  CHECK_MESSAGE(ours_names == ref_names, label << ": column sets differ (" << ours_names.size()
                                               << " vs " << ref_names.size() << ")");

  struct Bad {
    std::size_t count = 0;
    std::string first;
  };
  std::map<std::string, Bad> bad;
  std::size_t compared = 0, nan_cells = 0, excepted = 0, loosened = 0;
  // Under the plain rule: the largest relative deviation among values of magnitude >= 1e-6, and
  // the largest share of the tolerance any cell used.
  double max_rel = 0, max_used = 0, max_ill = 0;
  std::string max_rel_at;
  for (const auto& name : ref_names) {
    if (!ours_names.count(name)) continue;
    const auto p = fresh::parse_feature_name(name);
    const auto a_col = ours.column(name).to_f64();
    const auto b_col = ref.column(name).to_f64();
    const auto [means, stds, angle, fft_abs, absmax, len] =
        freshet::testing::exception_columns(ref, p);
    for (std::size_t i = 0; i < ref.num_rows(); ++i) {
      const double a = a_col[i], b = b_col[i];
      bool ok;
      ++compared;
      if (std::isnan(a) || std::isnan(b) || std::isinf(a) || std::isinf(b)) {
        ok = (std::isnan(a) && std::isnan(b)) || a == b;
        nan_cells += std::isnan(b);
      } else if (exact_calculator(p.calculator)) {
        ok = a == b;
      } else if (!means.empty() && !(std::fabs(means[i]) > 1e-6 * stds[i])) {
        ok = true;
        ++excepted;
      } else if (angle) {
        const double d = std::fabs(std::remainder(a - b, 360.0));
        ok = fft_abs[i] < 1e-9 * len[i] * absmax[i] || d <= 1e-7;
      } else if (p.calculator == "augmented_dickey_fuller" &&
                 std::max(std::fabs(a), std::fabs(b)) > 1e6) {
        ok = true;  // a near-degenerate regression: noise (README)
        ++excepted;
      } else {
        double rtol = 1e-9, atol = 1e-10;
        if (p.calculator == "partial_autocorrelation") rtol = 1e-6, atol = 1e-9;
        const bool ill =
            p.calculator == "friedrich_coefficients" || p.calculator == "max_langevin_fixed_point";
        if (ill) rtol = 1e-3;
        const double scale = std::max(std::fabs(a), std::fabs(b));
        const double d = std::fabs(a - b);
        ok = d <= rtol * scale + atol;
        if (ill && ok && d > 1e-9 * scale + 1e-10) ++loosened;
        if (ill && scale > 0) max_ill = std::max(max_ill, d / scale);
        if (!ill && p.calculator != "partial_autocorrelation") {
          max_used = std::max(max_used, d / (rtol * scale + atol));
          if (scale >= 1e-6 && d / scale > max_rel) {
            max_rel = d / scale;
            max_rel_at = name + " id " + ref.column(0).as_string(i);
          }
        }
      }
      if (!ok) {
        auto& m = bad[p.calculator];
        if (m.count++ == 0)
          m.first = name + " id " + ref.column(0).as_string(i) + ": ours " +
                    ours.column(name).as_string(i) + " tsfresh " + ref.column(name).as_string(i);
      }
    }
  }
  MESSAGE(label << ": " << compared << " cells compared (" << nan_cells << " NaN, " << excepted
                << " under an exception, " << loosened
                << " friedrich/langevin cells within rtol 1e-3 only, at most " << max_ill
                << " relative); largest relative deviation " << max_rel << " (|value| >= 1e-6) at "
                << max_rel_at << "; largest share of the tolerance used " << max_used);
  for (const auto& [calc, m] : bad)
    CHECK_MESSAGE(m.count == 0,
                  label << ": " << calc << ": " << m.count << " cells differ, first: " << m.first);
  CHECK(compared == ref.num_rows() * (ref.num_columns() - 1));
}

}  // namespace

TEST_CASE("golden tsfresh rolling: GunPoint, max_timeshift 20, min_timeshift 5, direction 1") {
  golden("GunPoint", "rolled_efficient_M20_m5_d1.csv", {.max_timeshift = 20, .min_timeshift = 5});
}

TEST_CASE("golden tsfresh rolling: GunPoint, max_timeshift 10, direction -1") {
  golden("GunPoint", "rolled_efficient_M10_m0_d-1.csv",
         {.max_timeshift = 10, .rolling_direction = -1});
}

TEST_CASE("golden tsfresh rolling: BasicMotions (6 kinds), max_timeshift 20, min_timeshift 5") {
  golden("BasicMotions", "rolled_efficient_M20_m5_d1.csv",
         {.max_timeshift = 20, .min_timeshift = 5});
}

TEST_CASE("golden tsfresh rolling: BasicMotions (6 kinds), max_timeshift 10, direction -1") {
  golden("BasicMotions", "rolled_efficient_M10_m0_d-1.csv",
         {.max_timeshift = 10, .rolling_direction = -1});
}
