// Placeholder until the process backend lands (issue: mproc processes). Replaced wholesale.
#include "core/error.hpp"
#include "mproc/local_executor.hpp"

namespace freshet::mproc::detail {

std::unique_ptr<Executor> make_process_executor(const ExecutorOptions& options) {
  throw Error(Errc::kInvalidArgument, "the process backend (--workers N --port P) is not built yet");
}

}  // namespace freshet::mproc::detail
