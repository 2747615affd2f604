#include "core/format.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace freshet {

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "nan";
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-inf" : "inf";
    return;
  }
  // Shortest round-trip digits in scientific form, then Python's repr layout: positional when
  // -4 <= exponent < 16, scientific otherwise; always a ".0" on positional integers.
  char sci[40];
  auto [end, ec] = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific);
  std::string_view s(sci, static_cast<std::size_t>(end - sci));
  bool negative = false;
  if (s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  const auto e_pos = s.find('e');
  std::string digits;
  digits.reserve(20);
  for (char c : s.substr(0, e_pos))
    if (c != '.') digits.push_back(c);
  int exponent = 0;
  std::from_chars(s.data() + e_pos + 1 + (s[e_pos + 1] == '+'), s.data() + s.size(), exponent);
  if (negative) out.push_back('-');
  const int n = static_cast<int>(digits.size());
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += digits;
    } else if (exponent + 1 >= n) {
      out += digits;
      out.append(static_cast<std::size_t>(exponent + 1 - n), '0');
      out += ".0";
    } else {
      out.append(digits, 0, static_cast<std::size_t>(exponent + 1));
      out.push_back('.');
      out.append(digits, static_cast<std::size_t>(exponent + 1));
    }
  } else {
    out.push_back(digits[0]);
    if (n > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(exponent < 0 ? '-' : '+');
    const int a = exponent < 0 ? -exponent : exponent;
    if (a < 10) out.push_back('0');
    out += std::to_string(a);
  }
}

std::string format_double(double value) {
  std::string out;
  append_double(out, value);
  return out;
}

namespace {
bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}
}  // namespace

bool parse_double(std::string_view text, double& value) noexcept {
  if (text.empty()) return false;
  const char* first = text.data();
  const char* last = first + text.size();
  bool plus = false;
  if (*first == '+') {
    plus = true;
    ++first;
    if (first == last || *first == '-') return false;
  }
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec == std::errc() && ptr == last) return true;
  if (ec == std::errc::result_out_of_range && ptr == last) {
    // from_chars reports overflow/underflow without a value; strtod gives the correctly rounded
    // +-inf or subnormal/zero. Only reached for extreme literals.
    std::string copy(first, last);
    value = std::strtod(copy.c_str(), nullptr);
    return true;
  }
  std::string_view rest(first, static_cast<std::size_t>(last - first));
  const bool neg = !plus && !rest.empty() && rest.front() == '-';
  if (neg) rest.remove_prefix(1);
  if (iequals(rest, "inf") || iequals(rest, "infinity")) {
    value = neg ? -INFINITY : INFINITY;
    return true;
  }
  if (iequals(rest, "nan")) {
    value = NAN;
    return true;
  }
  return false;
}

bool parse_int64(std::string_view text, std::int64_t& value) noexcept {
  if (text.empty()) return false;
  const char* first = text.data();
  const char* last = first + text.size();
  if (*first == '+') ++first;
  if (first == last) return false;
  auto [ptr, ec] = std::from_chars(first, last, value);
  return ec == std::errc() && ptr == last;
}

bool is_missing_token(std::string_view t) noexcept {
  return t.empty() || t == "NA" || t == "NaN" || t == "nan" || t == "null";
}

}  // namespace freshet
