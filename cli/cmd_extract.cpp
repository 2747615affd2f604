// `freshet extract SERIES.csv`: tsfresh-compatible feature extraction (fresh/extract.hpp).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/block_writer.hpp"
#include "cli/command.hpp"
#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "fresh/extract.hpp"
#include "fresh/impute.hpp"
#include "fresh/relevance.hpp"
#include "fresh/roll.hpp"
#include "fresh/stream_extract.hpp"

namespace freshet::cli {
namespace {

struct ExtractArgs {
  std::string input;
  std::string out;
  std::string features = "comprehensive";
  std::string from_columns;
  fresh::InputOptions columns;
  bool impute = false;
  // --select: tsfresh's extract_relevant_features (extract, impute, select).
  bool select = false;
  std::string labels;
  std::string label_column = "y";
  std::string relevance_table;
  double fdr = 0.05;
  bool multiclass = false;
  // --roll: tsfresh's roll_time_series before extraction (fresh/roll.hpp).
  std::string roll;
  bool incremental = false;
  // Input text per batch when the rows are grouped by id (fresh/stream_extract.hpp); 0: whole.
  std::size_t batch_bytes = fresh::StreamingExtractOptions{}.batch_bytes;
};

constexpr std::size_t kMaxWarningsShown = 5;

// "[=====>    ] 1200/5000 series  830/s  ETA 4s" on one stderr line.
class ProgressBar {
 public:
  void update(std::size_t done, std::size_t total) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    const double left = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
    const int width = 30;
    const int filled = total ? static_cast<int>(width * done / total) : width;
    std::string bar(static_cast<std::size_t>(filled), '=');
    bar.resize(width, ' ');
    std::fprintf(stderr, "\r[%s] %zu/%zu series  %.0f/s  ETA %.0fs ", bar.c_str(), done, total,
                 rate, left);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

std::function<int()> setup_extract(CLI::App& app, const Common& common) {
  auto a = std::make_shared<ExtractArgs>();
  app.add_option("SERIES", a->input, "series CSV (long: id,time,kind,value; or wide); '-': stdin")
      ->required()
      ->type_name("SERIES.csv");
  app.add_option("--out,-o", a->out, "features CSV to write ('-' or none: stdout)")
      ->type_name("FEATURES.csv");
  app.add_option("--features", a->features,
                 "minimal | efficient | comprehensive | catch22 | catch24 | FILE.json "
                 "(tsfresh-shaped settings)")
      ->capture_default_str();
  app.add_option("--from-columns", a->from_columns,
                 "compute only the features named in this CSV header (a .csv file) or text file "
                 "(one name per line; also standard input, -)")
      ->type_name("FILE");
  app.add_option("--id-column,--column-id", a->columns.column_id, "id column (default: id)");
  app.add_option("--sort-column,--column-sort", a->columns.column_sort,
                 "sort column (default: time if present; numbers or ISO-8601 time stamps)");
  app.add_option("--kind-column,--column-kind", a->columns.column_kind,
                 "kind column (default: kind if present)");
  app.add_option("--value-column,--column-value", a->columns.column_value,
                 "value column (default: value if present; without kind and value columns the "
                 "file is wide)");
  app.add_option("--roll", a->roll,
                 "extract every rolling window as tsfresh's roll_time_series cuts them: "
                 "max_timeshift=M,min_timeshift=m,rolling_direction=d (any subset)")
      ->type_name("SPEC");
  app.add_flag(
      "--incremental", a->incremental,
      "with --roll: slide the calculators that have an exact or numerically safe update (see "
      "'freshet stream --help') along each series instead of recomputing them per window");
  app.add_option("--batch-bytes", a->batch_bytes,
                 "read input grouped by id in batches of about this many bytes (memory stays "
                 "bounded); 0 reads it whole (rows in any order)")
      ->capture_default_str();
  app.add_flag("--impute", a->impute, "replace NaN/inf per column as tsfresh's impute does");
  auto* select =
      app.add_flag("--select", a->select,
                   "keep only the relevant features (tsfresh's extract_relevant_features: "
                   "extract, impute, select); needs --labels");
  auto* labels = app.add_option("--labels", a->labels, "with --select: id,y labels CSV")
                     ->type_name("LABELS.csv");
  select->needs(labels);
  labels->needs(select);
  app.add_option("--target,--label-column", a->label_column,
                 "with --select: label column of --labels")
      ->capture_default_str();
  app.add_option("--fdr", a->fdr, "with --select: false discovery rate")
      ->capture_default_str()
      ->check(real_range(0.0, 1.0, /*lo_open=*/true));
  app.add_flag("--multiclass", a->multiclass, "with --select: per-class one-vs-rest relevance");
  app.add_option("--relevance-table", a->relevance_table,
                 "with --select: also write tsfresh's relevance table")
      ->type_name("FILE.csv");
  return [a, &common] {
    auto executor = common.make_executor();  // before anything starts a thread
    // Every output opened (and so checked) before the work; none may replace an input.
    Outputs outputs;
    const std::size_t out = outputs.add(a->out.empty() ? "-" : a->out, "--out");
    const std::size_t relevance_out =
        a->relevance_table.empty() ? 0 : outputs.add(a->relevance_table, "--relevance-table");
    outputs.refuse_input(a->input, "input");
    outputs.refuse_input(a->labels, "--labels file");
    outputs.refuse_input(a->from_columns, "--from-columns file");
    outputs.refuse_input(a->features, "--features file");
    if (a->input == "-" && (a->features == "-" || a->from_columns == "-"))
      throw Error(Errc::kUsage, "only one input can be standard input ('-')");
    fresh::Settings settings;
    if (!a->from_columns.empty()) {
      const std::vector<std::string> ignore = {a->columns.column_id.empty() ? std::string("id")
                                                                            : a->columns.column_id};
      settings = fresh::settings_from_columns_file(a->from_columns, ignore);
    } else if (a->features == "minimal" || a->features == "efficient" ||
               a->features == "comprehensive" || a->features == "catch22" ||
               a->features == "catch24") {
      settings = fresh::preset_settings(a->features);
    } else {
      if (a->features != "-" && ::access(a->features.c_str(), F_OK) != 0)
        throw Error(Errc::kUsage, "--features '" + a->features +
                                      "': neither a preset (minimal, efficient, comprehensive, "
                                      "catch22, catch24) nor a settings file (see 'freshet "
                                      "calculators')");
      settings = fresh::settings_from_json_file(a->features);
    }
    if (!settings.unavailable.empty()) {
      std::string list;
      for (const auto& n : settings.unavailable) list += (list.empty() ? "" : ", ") + n;
      warn(common, "not available in this build, left out: " + list);
    }
    if (a->incremental && a->roll.empty())
      throw Error(Errc::kUsage, "--incremental needs --roll (it slides along rolled windows)");
    std::optional<fresh::RollOptions> roll;
    if (!a->roll.empty()) {
      roll = usage_check([&] { return fresh::parse_roll_options(a->roll); });
      roll->incremental = a->incremental;
      a->columns.keep_sort_keys = true;  // windows are named after their sort value
    }
    const ParallelFor loop = executor_loop(*executor);
    Table labels;
    if (a->select) {  // read (and so validate) the labels before the long part
      ReadCsvOptions label_options;
      label_options.required = {"id", a->label_column};
      labels = read_csv(a->labels, label_options);
    }

    fresh::ExtractOptions options;
    std::optional<fresh::ExtractResult> streamed;
    if (!roll && a->batch_bytes > 0) {
      fresh::StreamResult s = fresh::extract_csv_streaming(
          a->input, a->columns, settings, *executor,
          {.batch_bytes = a->batch_bytes, .parallel_for = loop, .extract = options});
      if (!s.result) warn(common, s.reason + "; reading the whole file instead");
      streamed = std::move(s.result);
    }
    std::unique_ptr<ProgressBar> bar;
    if (!streamed && !common.quiet && isatty(STDERR_FILENO)) {
      bar = std::make_unique<ProgressBar>();
      options.progress = [&bar](std::size_t done, std::size_t total) { bar->update(done, total); };
    }
    const auto show_warnings = [&](const std::vector<std::string>& first, std::size_t total) {
      for (std::size_t i = 0; i < first.size() && i < kMaxWarningsShown; ++i)
        warn(common, first[i]);
      if (total > kMaxWarningsShown)
        warn(common,
             "... and " + std::to_string(total - kMaxWarningsShown) + " more series warnings");
    };
    WriteCsvOptions write;
    write.parallel_for = loop;
    if (roll && !a->impute && !a->select) {
      // Block by block (fresh/roll.hpp): each block of rows is formatted, appended to the output's
      // temporary file and dropped, so memory holds one block, not the table of every window
      // (impute and select need whole columns and take the path below). The bytes are the
      // whole table's: the header once, then every block's rows in order.
      const fresh::SeriesSet data = fresh::read_series_csv(a->input, a->columns, loop);
      std::vector<std::string> first_warnings;
      std::size_t n_warnings = 0;
      BlockWriter writer(outputs, out, "extract --roll", block_writer_options(*executor));
      fresh::extract_rolled_blocks(
          data, *roll, settings, *executor,
          [&](std::size_t, fresh::ExtractResult&& block) {
            for (auto& w : block.warnings)
              if (n_warnings++ < kMaxWarningsShown) first_warnings.push_back(std::move(w));
            writer.push(std::move(block.features));
          },
          options);
      writer.finish();
      show_warnings(first_warnings, n_warnings);
      outputs.commit();
      return 0;
    }
    fresh::ExtractResult result = streamed ? std::move(*streamed) : [&] {
      const fresh::SeriesSet data = fresh::read_series_csv(a->input, a->columns, loop);
      return roll ? fresh::extract_rolled(data, *roll, settings, *executor, options)
                  : fresh::extract_features(data, settings, *executor, options);
    }();
    show_warnings(result.warnings, result.warnings.size());
    if (a->impute || a->select)
      fresh::impute_features(result.features, result.features.column(0).name());
    if (a->select) {
      fresh::RelevanceOptions relevance;
      relevance.fdr_level = a->fdr;
      relevance.multiclass = a->multiclass;
      const std::string id = result.features.column(0).name();
      if (id != "id") labels.rename_column("id", id);
      fresh::Selection selection = [&] {
        try {
          return fresh::select_relevant(result.features, labels, relevance, *executor,
                                        a->label_column, id);
        } catch (const Error& e) {
          throw Error(e.code(), a->labels + ": " + e.what());
        }
      }();
      if (!a->relevance_table.empty())
        outputs.write(relevance_out, format_csv(selection.relevance.to_table()));
      if (!common.quiet)
        std::cerr << "freshet: " << (selection.selected.num_columns() - 1) << " of "
                  << selection.relevance.rows.size() << " features relevant\n";
      result.features = std::move(selection.selected);
    }
    write_csv_to(outputs, out, result.features, write);
    outputs.commit();
    return 0;
  };
}

FRESHET_COMMAND("extract", "extract tsfresh features from time series (FRESH)", setup_extract, 10);

}  // namespace
}  // namespace freshet::cli
