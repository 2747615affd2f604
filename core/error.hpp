#pragma once
// The one exception type of freshet. Failures throw Error; outcomes (a feature undefined for a
// short series, a p-value that cannot be computed) are values such as NaN, never exceptions.
//
// The message carries the context a user needs to act: file:line:column, column name, series id,
// task, worker, pid. Only cli/main.cpp catches everything and prints "freshet: error: <what()>".

#include <stdexcept>
#include <string>
#include <string_view>

namespace freshet {

enum class Errc {
  kInvalidArgument,  // a bad option or parameter value; the CLI maps this to exit status 2
  kUsage,            // a malformed command line; exit status 2
  kNotFound,         // a missing file, column, id, function or registered name
  kParse,            // malformed input text (CSV, JSON, a spec string)
  kIo,               // the OS refused a read or a write
  kWorkerFailed,     // a task failed or a worker died and the task could not be re-run
  kCancelled,        // the job was interrupted
  kInternal,         // a broken invariant: a bug in freshet
};

// Name of the code, e.g. "parse".
std::string_view errc_name(Errc code) noexcept;

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Errc code() const noexcept { return code_; }

 private:
  Errc code_;
};

}  // namespace freshet
