// Rolling windows (tsfresh's roll_time_series + extract_features) from C++: every window of at
// most 4 points of each series becomes one feature row, named "(id, time)".
//
//   ./build/examples/example_rolling_windows [series.csv]
#include <iostream>

#include "core/csv.hpp"
#include "fresh/roll.hpp"
#include "mproc/executor.hpp"

using namespace freshet;

int main(int argc, char** argv) {
  auto executor = mproc::make_executor({.workers = 2});  // before anything starts a thread
  fresh::InputOptions input;
  input.keep_sort_keys = true;  // windows are named after the time of their last point
  const fresh::SeriesSet data =
      argc > 1 ? fresh::read_series_csv(argv[1], input)
               : fresh::series_from_table(
                     parse_csv("id,time,value\n1,0,1\n1,1,4\n1,2,9\n1,3,16\n1,4,25\n2,7,2\n2,8,3\n",
                               "inline.csv"),
                     input, "inline.csv");
  const fresh::RollOptions roll{.max_timeshift = 3, .min_timeshift = 1};
  const fresh::ExtractResult result =
      fresh::extract_rolled(data, roll, fresh::preset_settings("minimal"), *executor);
  std::cout << format_csv(result.features);
  return 0;
}
