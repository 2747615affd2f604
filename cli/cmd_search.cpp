// `freshet search TABLE.csv --model ridge --grid alpha=0.01,0.1,1 --cv kfold:n_splits=5
//  --scoring r2 --out RESULTS.csv`: grid, random (--random NAME=KIND:ARGS --n-iter N) or Sobol
// (--sobol NAME=KIND:ARGS --n-iter 2^m) search; writes sklearn's cv_results_ as CSV, the refitted
// best estimator with --best-out, and prints the best candidate.

#include <iostream>

#include "cli/command.hpp"
#include "cli/dataset_args.hpp"
#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/format.hpp"
#include "xval/search.hpp"
#include "xval/search_space.hpp"

namespace freshet::cli {
namespace {

struct SearchArgs : DatasetArgs {
  std::vector<std::string> grid;
  std::vector<std::string> random;
  std::vector<std::string> sobol;
  std::size_t n_iter = 16;
  std::uint32_t random_state = 42;
  double holdout = 0;
  bool holdout_shuffle = false;
  bool no_refit = false;
  std::string out;
  std::string best_out;
};

std::function<int()> setup_search(CLI::App& app, const Common& common) {
  auto a = std::make_shared<SearchArgs>();
  add_dataset_options(app, *a, "model SPEC; searched parameters are set on it",
                      "scorer names; the first ranks the candidates");
  auto* grid = app.add_option("--grid", a->grid,
                              "grid parameter NAME=V1,V2,... (repeat for more parameters; "
                              "sklearn's ParameterGrid order)")
                   ->type_name("NAME=VALUES");
  auto* random = app.add_option("--random", a->random,
                                "random-search parameter NAME=uniform:LO:HI | loguniform:LO:HI | "
                                "randint:LO:HI | choice:A|B (repeatable)")
                     ->type_name("NAME=DIST");
  auto* sobol = app.add_option("--sobol", a->sobol,
                               "Sobol-search parameter (same forms as --random; KX's sequence)")
                    ->type_name("NAME=DIST");
  grid->excludes(random)->excludes(sobol);
  random->excludes(sobol);
  app.add_option("--n-iter", a->n_iter, "candidates for --random / --sobol (Sobol: a power of 2)")
      ->capture_default_str()
      ->check(int_range(1, 1000000));
  app.add_option("--random-state", a->random_state,
                 "seed for --random / --sobol choices and the hold-out shuffle")
      ->capture_default_str();
  app.add_option("--holdout", a->holdout,
                 "fraction of rows held out before the search and scored by the refitted best "
                 "model (KX's tstTyp)")
      ->capture_default_str();
  app.add_flag("--holdout-shuffle", a->holdout_shuffle, "shuffle before holding out (tstTyp < 0)");
  app.add_flag("--no-refit", a->no_refit, "do not refit the best candidate");
  app.add_option("--out", a->out, "cv_results CSV")->type_name("RESULTS.csv");
  app.add_option("--best-out", a->best_out, "refitted best estimator: term,value rows")
      ->type_name("BEST.csv");
  return [a, &common] {
    if (a->grid.empty() && a->random.empty() && a->sobol.empty())
      throw Error(Errc::kUsage, "search needs --grid, --random or --sobol parameters");
    auto executor = common.make_executor();  // loads --plugin models before they are named
    xval::SearchOptions opt;
    opt.model = usage_check([&] { return model_spec(*a); });
    const auto splitter = make_splitter(*a, opt.model);
    opt.scoring = split_commas(a->scoring);
    opt.holdout = a->holdout;
    opt.holdout_shuffle = a->holdout_shuffle;
    opt.random_state = a->random_state;
    opt.refit = !a->no_refit;
    usage_check([&] {
      if (!a->grid.empty()) {
        xval::ParamGrid grid;
        for (const auto& g : a->grid) grid.push_back(xval::parse_grid_param(g));
        opt.candidates = xval::parameter_grid(grid);
      } else {
        std::vector<xval::ParamDistribution> space;
        for (const auto& d : a->random.empty() ? a->sobol : a->random)
          space.push_back(xval::parse_distribution(d));
        opt.candidates = a->random.empty() ? xval::sample_sobol(space, a->n_iter, a->random_state)
                                           : xval::sample_random(space, a->n_iter, a->random_state);
        const std::size_t dropped = xval::drop_duplicates(opt.candidates);
        if (dropped)
          warn(common, "distinct parameter sets less than n - returning " +
                           std::to_string(opt.candidates.size()) + " sets");
      }
      std::vector<std::string> specs;
      for (const auto& c : opt.candidates) specs.push_back(opt.model.with_params(c).to_string());
      check_models(specs, opt.scoring.empty()
                              ? std::vector<std::string>{xval::default_scorer(opt.model)}
                              : opt.scoring);
    });
    // Every output opened (and so checked) before the work; none may replace an input.
    Outputs outputs;
    const std::size_t out = a->out.empty() ? 0 : outputs.add(a->out, "--out");
    const std::size_t best_out = a->best_out.empty() ? 0 : outputs.add(a->best_out, "--best-out");
    outputs.refuse_input(a->table, "input");
    outputs.refuse_input(a->labels, "--labels file");
    if (!a->best_out.empty() && a->no_refit)
      throw Error(Errc::kUsage, "--best-out needs the refit (drop --no-refit)");
    const xval::Dataset data = make_dataset(read_table(*a, *executor), *a, *splitter);
    std::vector<std::string> warnings;
    const xval::SearchResult r = xval::search(data, *splitter, opt, *executor, &warnings);
    for (const auto& w : warnings) warn(common, w);
    if (!a->out.empty()) outputs.write(out, format_csv(xval::cv_results_table(r)));
    if (!a->best_out.empty()) {
      if (!r.best_model) throw Error(Errc::kUsage, "--best-out needs the refit (drop --no-refit)");
      outputs.write(best_out, format_csv(xval::best_estimator_table(r)));
    }
    outputs.commit();
    std::cout << r.candidates.size() << " candidates x " << r.n_splits << " splits on "
              << r.n_search_rows << " rows (" << splitter->spec() << ")\n";
    std::cout << "best: " << r.candidate_specs[r.best_index].to_string() << " (candidate "
              << r.best_index << "), mean " << r.scoring[0] << " " << format_double(r.best_score)
              << "\n";
    for (std::size_t s = 0; s < r.holdout_scores.size(); ++s)
      std::cout << "holdout " << r.scoring[s] << " (" << r.n_holdout_rows
                << " rows): " << format_double(r.holdout_scores[s]) << "\n";
    return 0;
  };
}

FRESHET_COMMAND("search", "grid, random or Sobol hyper-parameter search with cross-validation",
                setup_search, 43);

}  // namespace
}  // namespace freshet::cli
