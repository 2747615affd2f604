// `freshet frame SERIES.csv`: tsfresh's make_forecasting_frame + extract_features: features of
// the previous values of every point, and that point's value as the target (fresh/roll.hpp).
#include <limits>

#include "cli/block_writer.hpp"
#include "cli/command.hpp"
#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "fresh/impute.hpp"
#include "fresh/roll.hpp"

namespace freshet::cli {
namespace {

struct FrameArgs {
  std::string input;
  std::string out;
  std::string target_out;
  std::string features = "efficient";
  fresh::InputOptions columns;
  std::int64_t max_timeshift = 0;  // 0 = the whole past
  std::int64_t min_timeshift = 0;
  std::int64_t target_shift = 1;
  bool impute = false;
};

std::function<int()> setup_frame(CLI::App& app, const Common& common) {
  auto a = std::make_shared<FrameArgs>();
  app.add_option("SERIES", a->input, "series CSV of one kind (long: id,time,value; or wide)")
      ->required()
      ->type_name("SERIES.csv");
  app.add_option("--out,-o", a->out, "features CSV to write, one row per target")
      ->required()
      ->type_name("FEATURES.csv");
  app.add_option("--target-out", a->target_out,
                 "labels CSV to write (id,y: the value to predict), usable as --labels")
      ->required()
      ->type_name("TARGETS.csv");
  app.add_option("--features", a->features,
                 "minimal | efficient | comprehensive | catch22 | catch24 | FILE.json")
      ->capture_default_str();
  app.add_option("--max-timeshift", a->max_timeshift,
                 "features from at most this many previous values (default: all of them)")
      ->check(int_range(1, std::numeric_limits<long long>::max()));
  app.add_option("--min-timeshift", a->min_timeshift,
                 "drop targets with fewer previous values than this")
      ->check(int_range(0, std::numeric_limits<long long>::max()));
  app.add_option("--target-shift", a->target_shift,
                 "the target lies this many points after the window's last point")
      ->capture_default_str()
      ->check(int_range(1, std::numeric_limits<long long>::max()));
  app.add_option("--column-id", a->columns.column_id, "id column (default: id)");
  app.add_option("--column-sort", a->columns.column_sort, "sort column (default: time if present)");
  app.add_option("--column-value", a->columns.column_value, "value column (default: value)");
  app.add_flag("--impute", a->impute, "replace NaN/inf per column as tsfresh's impute does");
  return [a, &common] {
    auto executor = common.make_executor();  // before anything starts a thread
    const fresh::Settings settings =
        (a->features == "minimal" || a->features == "efficient" || a->features == "comprehensive" ||
         a->features == "catch22" || a->features == "catch24")
            ? fresh::preset_settings(a->features)
            : fresh::settings_from_json_file(a->features);
    fresh::ForecastOptions options;
    if (a->max_timeshift > 0) options.max_timeshift = a->max_timeshift;
    options.min_timeshift = a->min_timeshift;
    options.target_shift = a->target_shift;
    a->columns.keep_sort_keys = true;
    // Both outputs opened (and so checked) before the work; neither may replace the input.
    Outputs outputs;
    const std::size_t out = outputs.add(a->out, "--out");
    const std::size_t target_out = outputs.add(a->target_out, "--target-out");
    outputs.refuse_input(a->input, "input");
    const ParallelFor loop = executor_loop(*executor);
    const fresh::SeriesSet data = fresh::read_series_csv(a->input, a->columns, loop);
    WriteCsvOptions write;
    write.parallel_for = loop;
    std::vector<std::string> warnings;
    std::size_t n_warnings = 0;
    const auto collect = [&](std::vector<std::string>& from) {
      for (auto& w : from)
        if (n_warnings++ == 0) warnings.push_back(std::move(w));
    };
    Table targets;
    if (a->impute) {  // impute needs whole columns: the whole table
      fresh::ForecastResult result = [&] {
        try {
          return fresh::extract_forecasting(data, options, settings, *executor);
        } catch (const Error& e) {
          throw Error(e.code(), a->input + ": " + e.what());
        }
      }();
      collect(result.extracted.warnings);
      fresh::impute_features(result.extracted.features, "id");
      write_csv_to(outputs, out, result.extracted.features, write);
      targets = std::move(result.targets);
    } else {
      // Block by block, as extract --roll: each block of rows formatted, appended and dropped.
      BlockWriter writer(outputs, out, "frame", block_writer_options(*executor));
      bool in_sink = false;  // an error of the sink (writing) is not the input's
      try {
        targets = fresh::extract_forecasting_blocks(data, options, settings, *executor,
                                                    [&](std::size_t, fresh::ExtractResult&& block) {
                                                      in_sink = true;
                                                      collect(block.warnings);
                                                      writer.push(std::move(block.features));
                                                      in_sink = false;
                                                    });
      } catch (const Error& e) {
        if (in_sink) throw;
        throw Error(e.code(), a->input + ": " + e.what());
      }
      writer.finish();
    }
    if (!warnings.empty())
      warn(common, warnings.front() + (n_warnings > 1 ? " (and " + std::to_string(n_warnings - 1) +
                                                            " more series warnings)"
                                                      : std::string()));
    outputs.write(target_out, format_csv(targets, write));
    outputs.commit();
    return 0;
  };
}

FRESHET_COMMAND("frame",
                "tsfresh's make_forecasting_frame: features of the previous values, next value "
                "as target",
                setup_frame, 11);

}  // namespace
}  // namespace freshet::cli
