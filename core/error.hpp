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
  kInvalidArgument,  // a bad option or parameter value, or input the operation cannot take
  kUsage,            // a malformed command line: the CLI's exit status 2 (every other code: 1)
  kNotFound,         // a missing file, column, id, function or registered name
  kParse,            // malformed input text (CSV, JSON, a spec string)
  kIo,               // the OS refused a read or a write
  kWorkerFailed,     // a task failed or a worker died and the task could not be re-run
  kCancelled,        // the job was interrupted
  kInternal,         // a broken invariant: a bug in freshet
};

// Name of the code, e.g. "parse".
std::string_view errc_name(Errc code) noexcept;

// `text` safe to print on a terminal and whole in a C string: control characters (bytes below
// 0x20, DEL, NUL and the C1 controls U+0080..U+009F) become escapes ("\n", "\t", "\x1b",
// "\u009b"); other bytes, UTF-8 included, are kept. Messages quote input cells through it, so a
// cell cannot move the cursor, recolour the terminal or cut the message short.
std::string escape_control(std::string_view text);
// A cell quoted for a message: "\"" + escape_control(first 60 bytes) + "\"", '"' as \", and
// "..." after a longer cell.
std::string quote_cell(std::string_view cell);

class Error : public std::runtime_error {
 public:
  Error(Errc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Errc code() const noexcept { return code_; }

 private:
  Errc code_;
};

}  // namespace freshet
