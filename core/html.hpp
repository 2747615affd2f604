#pragma once
// HTML text escaping, for the pages freshet writes (the job report, the status page).

#include <string>
#include <string_view>

namespace freshet {

// What happens to bytes below 0x20 (tabs, newlines, escape sequences).
enum class ControlBytes {
  kKeep,     // unchanged (text the program wrote itself)
  kReplace,  // each one becomes '?' (text from a peer or an error message, shown on one line)
};

// `text` with &, <, >, " and ' replaced by their entities: safe inside an element and inside a
// quoted attribute value. Other bytes (UTF-8 included) pass unchanged, control bytes as asked.
std::string html_escape(std::string_view text, ControlBytes control = ControlBytes::kKeep);

}  // namespace freshet
