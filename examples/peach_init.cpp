// peach and init on worker processes: the C++ version of KX's mproc walk-through.
//
//   q)\s -3              / three secondaries ...
//   q)func peach 1 2 3   / 'func: the workers do not have it yet
//   q).ml.mproc.init[3; enlist".ml.loadfile`:multip.q"]
//   q)func peach 1 2 3   / 0 0.25 0.5 0.75 1 / 0 0.5 1 1.5 2 / 0 0.75 1.5 2.25 3
//
// usage: example_peach_init [PLUGIN.so]   (default: plugins/multip.so beside the build tree)
#include <iostream>

#include "core/error.hpp"
#include "mproc/executor.hpp"
#include "mproc/peach.hpp"

int main(int argc, char** argv) {
  using namespace freshet;
  const std::string plugin = argc > 1 ? argv[1] : "plugins/multip.so";
  // Fork three worker processes first thing, before any thread exists. No port: this example
  // needs no control endpoint (`--workers 3 --port 5001` on the command line would add one).
  auto executor = mproc::make_executor({.workers = 3, .processes = true});
  const std::vector<std::vector<double>> items = {{1}, {2}, {3}};
  try {
    mproc::peach_each<std::vector<double>>(*executor, "func", items);
  } catch (const Error& e) {
    std::cout << "before init: " << e.what() << "\n";  // names 'func' and the worker
  }
  executor->init(plugin);  // loaded on every worker, and replayed to any worker started later
  for (const auto& row : mproc::peach_each<std::vector<double>>(*executor, "func", items)) {
    for (double v : row) std::cout << v << ' ';
    std::cout << "\n";
  }
  return 0;
}
