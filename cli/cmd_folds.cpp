// `freshet folds TABLE.csv --cv SPEC --out FOLDS.csv`: writes the folds a splitter makes, one
// "split,row,role" line per row of every split (the format of the sklearn reference files).

#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "xval/splitters.hpp"

namespace freshet::cli {
namespace {

struct FoldsArgs {
  std::string table;
  std::string cv;
  std::string out;
  std::string target;
  std::string groups;
};

std::function<int()> setup_folds(CLI::App& app, const Common& common) {
  auto a = std::make_shared<FoldsArgs>();
  app.add_option("TABLE", a->table, "CSV table (one row per sample)")
      ->required()
      ->type_name("TABLE.csv");
  app.add_option("--cv", a->cv, "splitter SPEC, e.g. kfold:n_splits=5 (see 'freshet splitters')")
      ->required()
      ->type_name("SPEC");
  app.add_option("--out", a->out, "output CSV (split,row,role); '-' or none: stdout")
      ->type_name("FOLDS.csv");
  app.add_option("--target", a->target, "target column (stratified splitters)")
      ->type_name("COLUMN");
  app.add_option("--groups", a->groups, "group column (group splitters)")->type_name("COLUMN");
  return [a, &common] {
    const auto splitter = usage_check([&] { return xval::make_splitter(a->cv); });
    if (splitter->needs_target() && a->target.empty())
      throw Error(Errc::kUsage, "splitter '" + splitter->name() + "' needs --target COLUMN");
    if (splitter->needs_groups() && a->groups.empty())
      throw Error(Errc::kUsage, "splitter '" + splitter->name() + "' needs --groups COLUMN");
    Outputs outputs;  // opened (and so checked) before the work; never an input
    const std::size_t out = outputs.add(a->out.empty() ? "-" : a->out, "--out");
    outputs.refuse_input(a->table, "input");
    const Table table = read_csv(a->table);
    std::optional<xval::Labels> y, groups;
    if (!a->target.empty()) y = xval::encode_labels(table.column(a->target));
    if (!a->groups.empty()) groups = xval::encode_labels(table.column(a->groups));
    std::vector<std::string> warnings;
    xval::SplitData data{table.num_rows(), y ? &*y : nullptr, groups ? &*groups : nullptr, &table,
                         &warnings};
    const xval::Folds folds = splitter->split(data);
    for (const auto& w : warnings) warn(common, w);
    outputs.write(out, xval::format_folds_csv(folds));
    outputs.commit();
    if (!a->out.empty() && a->out != "-") {
      if (!common.quiet)
        std::cerr << a->out << ": " << folds.size() << " splits of " << table.num_rows()
                  << " rows (" << splitter->spec() << ")\n";
    }
    return 0;
  };
}

FRESHET_COMMAND("folds", "write the train/test rows of every split a splitter makes", setup_folds,
                40);

}  // namespace
}  // namespace freshet::cli
