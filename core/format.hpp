#pragma once
// Number <-> text, exactly. format_double writes the shortest decimal that reads back to the same
// double, laid out as Python's repr() does (so files diff cleanly against tsfresh/pandas output):
// "0.0", "1.5", "1e-05", "1e+16", "123456789012345.0", "nan", "inf", "-inf".
// parse_double accepts what from_chars accepts plus a leading '+' and "inf"/"-inf"/"nan" in any
// case; it returns false (never throws) on anything else, including trailing characters.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace freshet {

std::string format_double(double value);
// Appends format_double(value) to out without a temporary.
void append_double(std::string& out, double value);
// Writes format_double(value) at buf, which must have room for kMaxDoubleChars characters, and
// returns the end (for writers that fill a buffer of many values without a string's checks).
// A text has at most 24 characters ("-2.2250738585072014e-308"); the room is larger because the
// writer stores whole 16-byte pieces past the end of a text (bytes after the returned end are
// unspecified).
inline constexpr std::size_t kMaxDoubleChars = 48;
char* write_double(char* buf, double value);

bool parse_double(std::string_view text, double& value) noexcept;
bool parse_int64(std::string_view text, std::int64_t& value) noexcept;

// True for the spellings the CSV reader treats as a missing value: "", NA, NaN, nan, null.
bool is_missing_token(std::string_view text) noexcept;

}  // namespace freshet
