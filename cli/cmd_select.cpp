// `freshet select FEATURES.csv --labels LABELS.csv --out RELEVANT.csv`: FRESH feature selection
// (tsfresh's select_features; KX's k-best / percentile selectors), see fresh/relevance.hpp.

#include <cmath>
#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "fresh/impute.hpp"
#include "fresh/relevance.hpp"

namespace freshet::cli {
namespace {

struct SelectArgs {
  std::string features;
  std::string labels;
  std::string out;
  std::string relevance_table;
  std::string label_column = "y";
  std::string id_column = "id";
  std::string ml_task = "auto";
  std::string binary_real_test = "mann";
  bool impute = false;
  std::optional<std::size_t> k_best;
  std::optional<double> percentile;
  fresh::RelevanceOptions options;
};

std::function<int()> setup_select(CLI::App& app, const Common& common) {
  auto a = std::make_shared<SelectArgs>();
  app.add_option("FEATURES", a->features, "feature matrix CSV (id column + one column per feature)")
      ->required()
      ->type_name("FEATURES.csv");
  app.add_option("--labels", a->labels,
                 "target CSV: id and label columns (other columns are ignored)")
      ->required()
      ->type_name("LABELS.csv");
  app.add_option("--out", a->out,
                 "output CSV: id + the selected features, in relevance-table order ('-': stdout)")
      ->required()
      ->type_name("RELEVANT.csv");
  app.add_option("--relevance-table", a->relevance_table,
                 "also write tsfresh's relevance table (feature, type, p_value, relevant, ...)")
      ->type_name("FILE.csv");
  app.add_option("--target,--label-column", a->label_column, "label column of LABELS.csv")
      ->capture_default_str()
      ->type_name("COLUMN");
  app.add_option("--id-column", a->id_column, "id column of both files")
      ->capture_default_str()
      ->type_name("COLUMN");
  app.add_option("--fdr", a->options.fdr_level,
                 "false discovery rate of the Benjamini-Yekutieli/-Hochberg procedure")
      ->capture_default_str()
      ->check(real_range(0.0, 1.0, /*lo_open=*/true))
      ->type_name("LEVEL");
  app.add_flag("--hypotheses-independent", a->options.hypotheses_independent,
               "Benjamini-Hochberg (independent tests) instead of Benjamini-Yekutieli");
  app.add_option("--ml-task", a->ml_task,
                 "auto: integer or text labels -> classification, decimal numbers -> regression")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "classification", "regression"}));
  app.add_flag(
      "--multiclass", a->options.multiclass,
      "per-class one-vs-rest relevance; keep features relevant for >= --n-significant classes");
  app.add_option("--n-significant", a->options.n_significant,
                 "with --multiclass: number of classes a feature must be relevant for")
      ->capture_default_str()
      ->check(int_range(1, 1000000))
      ->type_name("K");
  app.add_option("--test-for-binary-target-real-feature", a->binary_real_test,
                 "mann (Mann-Whitney U) or smir (Kolmogorov-Smirnov)")
      ->capture_default_str()
      ->check(CLI::IsMember({"mann", "smir"}));
  auto* k = app.add_option("--k-best", a->k_best,
                           "KX selector: keep the K features with the smallest p-values")
                ->check(int_range(1, 1000000000))
                ->type_name("K");
  auto* q =
      app.add_option(
             "--percentile", a->percentile,
             "KX selector: keep features with p <= the Q-quantile of the p-values (Q in [0, 1])")
          ->check(real_range(0.0, 1.0))
          ->type_name("Q");
  k->excludes(q);
  app.add_flag("--impute", a->impute,
               "impute NaN/inf feature values first (tsfresh's impute: median / max / min, 0 for "
               "all-NaN columns); without it a NaN is an error");
  return [a, &common] {
    if (a->options.multiclass && a->ml_task == "regression")
      throw Error(Errc::kUsage, "--multiclass needs classification, not --ml-task regression");
    auto executor = common.make_executor();
    // Every output opened (and so checked) before the work; none may replace an input.
    Outputs outputs;
    const std::size_t out = outputs.add(a->out, "--out");
    const std::size_t relevance_out =
        a->relevance_table.empty() ? 0 : outputs.add(a->relevance_table, "--relevance-table");
    outputs.refuse_input(a->features, "input");
    outputs.refuse_input(a->labels, "--labels file");
    fresh::RelevanceOptions options = a->options;
    options.ml_task = a->ml_task == "classification" ? fresh::MlTask::kClassification
                      : a->ml_task == "regression"   ? fresh::MlTask::kRegression
                                                     : fresh::MlTask::kAuto;
    options.test_for_binary_target_real_feature = a->binary_real_test == "smir"
                                                      ? fresh::BinaryRealTest::kKolmogorovSmirnov
                                                      : fresh::BinaryRealTest::kMannWhitney;
    if (a->k_best) {
      options.selector = fresh::Selector::kKBest;
      options.k_best = *a->k_best;
    } else if (a->percentile) {
      options.selector = fresh::Selector::kPercentile;
      options.percentile = *a->percentile;
    }
    ReadCsvOptions feature_options;
    feature_options.types = {{a->id_column, ColumnType::kAuto}};
    feature_options.other_columns = ColumnType::kFloat64;
    feature_options.required = {a->id_column};
    Table features = read_csv(a->features, feature_options);
    if (a->impute) {
      fresh::impute_features(features, a->id_column);
    } else {
      // Name the fix: 'freshet extract' keeps tsfresh's NaN/inf for undefined features (e.g. on
      // short or constant series) unless --impute is given.
      for (const auto& col : features.columns()) {
        if (col.name() == a->id_column || col.dtype() != DType::kFloat64) continue;
        const auto v = col.f64();
        for (std::size_t r = 0; r < v.size(); ++r)
          if (!std::isfinite(v[r]))
            throw Error(Errc::kInvalidArgument,
                        a->features + ": feature '" + escape_control(col.name()) + "' is " +
                            format_double(v[r]) + " for id " +
                            escape_control(features.column(a->id_column).as_string(r)) +
                            "; add --impute (here, or to 'freshet extract') to replace NaN/inf "
                            "as tsfresh's impute does");
      }
    }
    ReadCsvOptions label_options;
    label_options.required = {a->id_column, a->label_column};
    const Table labels = read_csv(a->labels, label_options);
    const fresh::Selection s = [&] {
      try {
        return fresh::select_relevant(features, labels, options, *executor, a->label_column,
                                      a->id_column);
      } catch (const Error& e) {
        // name the files: the library speaks of "features" and "labels"
        throw Error(e.code(), a->features + " / " + a->labels + ": " + e.what());
      }
    }();
    outputs.write(out, format_csv(s.selected));
    if (!a->relevance_table.empty())
      outputs.write(relevance_out, format_csv(s.relevance.to_table()));
    outputs.commit();
    if (!common.quiet) {
      std::size_t constant = 0;
      for (const auto& row : s.relevance.rows)
        constant += row.type == fresh::FeatureType::kConstant;
      std::cerr << a->out << ": " << (s.selected.num_columns() - 1) << " of "
                << s.relevance.rows.size() << " features selected ("
                << (s.relevance.task == fresh::MlTask::kClassification
                        ? "classification, " + std::to_string(s.relevance.labels.size()) +
                              " classes"
                        : std::string("regression"))
                << ", " << constant << " constant)\n";
      if (s.selected.num_columns() == 1)
        warn(common,
             "no feature was found relevant; consider a higher --fdr, --k-best or --percentile");
    }
    return 0;
  };
}

FRESHET_COMMAND("select", "select relevant features (FRESH: per-feature tests + FDR control)",
                setup_select, 25);

}  // namespace
}  // namespace freshet::cli
