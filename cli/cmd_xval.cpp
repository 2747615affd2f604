// `freshet xval TABLE.csv --target y --model SPEC --cv SPEC --scoring accuracy,f1_macro
//  --out SCORES.csv`: cross-validates one model; writes split,metric,score,fit_seconds,
// score_seconds (one row per split and metric) and prints mean and std per metric.

#include <iomanip>
#include <iostream>

#include "cli/command.hpp"
#include "cli/dataset_args.hpp"
#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/format.hpp"
#include "xval/cross_validate.hpp"

namespace freshet::cli {
namespace {

struct XvalArgs : DatasetArgs {
  std::string out;
};

std::function<int()> setup_xval(CLI::App& app, const Common& common) {
  auto a = std::make_shared<XvalArgs>();
  add_dataset_options(app, *a, "model SPEC, e.g. ridge:alpha=0.5 (see 'freshet models')",
                      "comma-separated sklearn scorer names (default: accuracy for classifiers, r2 "
                      "for regressors)");
  app.add_option("--out", a->out, "scores CSV: split,metric,score,fit_seconds,score_seconds")
      ->type_name("SCORES.csv");
  return [a, &common] {
    auto executor = common.make_executor();  // loads --plugin models before they are named
    const std::string model = usage_check([&] { return model_spec(*a); });
    const auto splitter = make_splitter(*a, model);
    std::vector<std::string> scoring = split_commas(a->scoring);
    usage_check([&] {
      if (scoring.empty()) scoring.push_back(xval::default_scorer(model));
      check_models({model}, scoring);
    });
    Outputs outputs;  // opened (and so checked) before the work; never an input
    const std::size_t out = a->out.empty() ? 0 : outputs.add(a->out, "--out");
    outputs.refuse_input(a->table, "input");
    outputs.refuse_input(a->labels, "--labels file");
    const Table table = read_table(*a, *executor);
    const xval::Dataset data = make_dataset(table, *a, *splitter);
    std::vector<std::string> warnings;
    const xval::CvResult result =
        xval::cross_validate(data, *splitter, model, scoring, *executor, &warnings);
    for (const auto& w : warnings) warn(common, w);

    if (!a->out.empty()) {
      std::vector<std::int64_t> split;
      std::vector<std::string> metric;
      std::vector<double> score, fit, score_time;
      for (std::size_t s = 0; s < result.splits.size(); ++s)
        for (std::size_t m = 0; m < scoring.size(); ++m) {
          split.push_back(static_cast<std::int64_t>(s));
          metric.push_back(scoring[m]);
          score.push_back(result.splits[s].scores[m]);
          fit.push_back(result.splits[s].fit_seconds);
          score_time.push_back(result.splits[s].score_seconds[m]);
        }
      Table scores;
      scores.add_column(Column("split", split));
      scores.add_column(Column("metric", metric));
      scores.add_column(Column("score", score));
      scores.add_column(Column("fit_seconds", fit));
      scores.add_column(Column("score_seconds", score_time));
      outputs.write(out, format_csv(scores));
    }
    outputs.commit();
    std::cout << model << " on " << data.num_rows() << " rows x " << data.feature_names.size()
              << " features, " << result.splits.size() << " splits (" << splitter->spec() << ")\n";
    std::cout << "metric,mean,std\n";
    for (std::size_t m = 0; m < scoring.size(); ++m)
      std::cout << scoring[m] << "," << format_double(result.mean(m)) << ","
                << format_double(result.std(m)) << "\n";
    return 0;
  };
}

FRESHET_COMMAND("xval", "cross-validate a model: scores per split and metric", setup_xval, 42);

}  // namespace
}  // namespace freshet::cli
