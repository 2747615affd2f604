#pragma once
// What `freshet xval` and `freshet search` share: the table, labels, target, model, splitter,
// scorers, preprocessing, features and groups flags, and turning them into a table, a model spec,
// a splitter and a dataset.

#include <memory>
#include <string>

#include "cli/command.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/join.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"
#include "xval/cross_validate.hpp"
#include "xval/splitters.hpp"

namespace freshet::cli {

struct DatasetArgs {
  std::string table;
  std::string target = "y";
  std::string model;
  std::string cv;
  std::string scoring;
  std::string preprocess;
  std::string features;
  std::string groups;
  std::string labels;
  std::string id_column = "id";
};

inline void add_dataset_options(CLI::App& app, DatasetArgs& a, const std::string& model_help,
                                const std::string& scoring_help) {
  app.add_option("TABLE", a.table, "CSV table: one row per sample")
      ->required()
      ->type_name("TABLE.csv");
  app.add_option("--target", a.target, "target column")->capture_default_str()->type_name("COLUMN");
  app.add_option("--model", a.model, model_help)->required()->type_name("SPEC");
  app.add_option("--cv", a.cv,
                 "splitter SPEC (see 'freshet splitters'); default: stratified_kfold:n_splits=5 "
                 "for classifiers, kfold:n_splits=5 otherwise (sklearn's cv=5)")
      ->type_name("SPEC");
  app.add_option("--scoring", a.scoring, scoring_help)->type_name("S1,S2");
  app.add_option("--preprocess", a.preprocess,
                 "steps fitted inside each training fold, e.g. standard_scaler,min_max_scaler")
      ->type_name("STEPS");
  app.add_option("--features", a.features, "comma-separated feature columns (default: all others)")
      ->type_name("C1,C2");
  app.add_option("--groups", a.groups, "group column (group splitters)")->type_name("COLUMN");
  app.add_option("--labels", a.labels,
                 "take the target from this id,<target> CSV, matched by --id-column (e.g. the "
                 "labels of a feature matrix from 'freshet extract'); the id is then no feature")
      ->type_name("LABELS.csv");
  app.add_option("--id-column", a.id_column, "with --labels: the id column of both files")
      ->capture_default_str()
      ->type_name("COLUMN");
}

// TABLE (read on the executor's loop), with the --labels target joined by id when given.
inline Table read_table(const DatasetArgs& a, mproc::Executor& executor) {
  ReadCsvOptions read;
  read.parallel_for = executor_loop(executor);
  Table table = read_csv(a.table, read);
  if (a.labels.empty()) return table;
  ReadCsvOptions label_options;
  label_options.required = {a.id_column, a.target};
  const Table labels = read_csv(a.labels, label_options);
  if (table.has_column(a.target))
    throw Error(Errc::kInvalidArgument, a.table + ": already has a column '" + a.target +
                                            "'; drop --labels or name another --target");
  Column target = [&] {
    try {
      return align_by_id(table, labels, a.target, a.id_column);
    } catch (const Error& e) {
      throw Error(e.code(), a.table + " / " + a.labels + ": " + e.what());
    }
  }();
  target.set_name(a.target);
  table.add_column(std::move(target));
  table.drop_column(a.id_column);
  return table;
}

// The model spec with the --preprocess steps in front.
inline std::string model_spec(const DatasetArgs& a) {
  return xval::pipeline_spec(xval::parse_step_list(a.preprocess), a.model);
}

// --cv, or sklearn's cv=5 default for the model; Error(kUsage) for an unknown splitter or
// parameter, or when it needs --groups.
inline std::unique_ptr<xval::Splitter> make_splitter(const DatasetArgs& a,
                                                     const PipelineSpec& model) {
  return usage_check([&] {
    auto splitter = xval::make_splitter(a.cv.empty() ? xval::default_cv(model) : a.cv);
    if (splitter->needs_groups() && a.groups.empty())
      throw Error(Errc::kUsage, "splitter '" + splitter->name() + "' needs --groups COLUMN");
    return splitter;
  });
}

// Every model spec builds (known model and steps, known parameters with valid values) and every
// scorer is known and fits the model (a classification scorer needs a classifier): checks of the
// command line, so Error(kUsage) (call inside usage_check).
inline void check_models(const std::vector<std::string>& specs,
                         const std::vector<std::string>& scoring) {
  for (const auto& s : scoring)
    if (!find_scorer(s)) {
      throw Error(Errc::kUsage,
                  std::string(scorer_registry().unknown(s).what()) + " (see 'freshet scorers')");
    }
  for (const auto& spec : specs) {
    const auto model = make_model(spec);
    for (const auto& s : scoring)
      if (find_scorer(s)->classification && !model->is_classifier())
        throw Error(Errc::kUsage, "scorer '" + s + "' needs a classifier, but model '" +
                                      model->name() + "' is a regressor");
  }
}

inline xval::Dataset make_dataset(const Table& table, const DatasetArgs& a,
                                  const xval::Splitter& splitter) {
  for (const auto& name : splitter.columns())
    if (!table.has_column(name))
      throw Error(Errc::kNotFound, a.table + ": no column '" + name + "' for splitter '" +
                                       splitter.spec() +
                                       "' (columns are: " + list_names(table.column_names()) + ")");
  xval::DatasetOptions options;
  options.target = a.target;
  options.groups = a.groups;
  options.features = split_commas(a.features);
  options.exclude = splitter.columns();
  return xval::make_dataset(table, options);
}

}  // namespace freshet::cli
