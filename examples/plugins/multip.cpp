// A plug-in of named tasks, loaded on worker processes with Executor::init (or --plugin): the
// C++ analogue of KX's `.ml.mproc.init[n; enlist".ml.loadfile`:multip.q"]`.
//
// Task `func`: five evenly spaced values between 0 and x, i.e. x * {0, .25, .5, .75, 1}.
// Its argument and result use mproc/peach.hpp's encoding (a vector of doubles), so
//   mproc::peach_each<std::vector<double>>(executor, "func", std::vector<std::vector<double>>{...})
// calls it; each item must hold one value x.
#include <vector>

#include "core/error.hpp"
#include "mproc/peach.hpp"
#include "mproc/registry.hpp"

namespace {

std::vector<double> func(const std::vector<double>& x) {
  if (x.size() != 1)
    throw freshet::Error(freshet::Errc::kInvalidArgument,
                         "func: expects one value x, got " + std::to_string(x.size()));
  std::vector<double> out(5);
  for (int k = 0; k < 5; ++k) out[k] = x[0] * (k / 4.0);
  return out;
}

FRESHET_TASK("func", freshet::mproc::unary_task(&func));

}  // namespace
