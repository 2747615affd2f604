#include "core/format.hpp"

// {fmt} header-only and private to this file: the library's users and the installed package
// need nothing of it.
#define FMT_HEADER_ONLY
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace freshet {

namespace {

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

int count_digits(std::uint64_t v) {
  int n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000u;
    n += 4;
  }
}

// The decimal digits of v, ending just before `end`, two at a time.
void put_digits(char* end, std::uint64_t v) {
  while (v >= 100) {
    const auto pair = static_cast<std::size_t>(v % 100);
    v /= 100;
    end -= 2;
    std::memcpy(end, kDigitPairs + 2 * pair, 2);
  }
  if (v >= 10) {
    end -= 2;
    std::memcpy(end, kDigitPairs + 2 * static_cast<std::size_t>(v), 2);
  } else {
    *--end = static_cast<char>('0' + v);
  }
}

}  // namespace

char* write_double(char* buf, double value) {
  char* w = buf;
  if (std::isnan(value)) {
    std::memcpy(w, "nan", 3);
    return w + 3;
  }
  if (std::isinf(value)) {
    if (value < 0) *w++ = '-';
    std::memcpy(w, "inf", 3);
    return w + 3;
  }
  // Integers below 2^53 in magnitude (counts, lags, many features): their shortest round-trip
  // digits are the integer's own, and Python prints them positionally with ".0".
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (value > -kExact && value < kExact && value == std::trunc(value)) {
    if (std::signbit(value)) *w++ = '-';  // -0.0 too
    w = std::to_chars(w, buf + kMaxDoubleChars, static_cast<std::int64_t>(std::fabs(value))).ptr;
    *w++ = '.';
    *w++ = '0';
    return w;
  }
  if (value < 0) {
    *w++ = '-';
    value = -value;
  }
  // The shortest digits that read back to `value` (the closest such when several are), as
  // significand * 10^exponent: {fmt}'s Dragonbox. The same digits as std::to_chars' Ryu (a test
  // compares them over random bit patterns), at about half the cost; rolled extractions format
  // tens of millions of these. fmt declares to_decimal in its detail namespace: the test is the
  // guard should a later fmt change it.
  const auto decimal = fmt::detail::dragonbox::to_decimal(value);
  char digits[24];
  const int n = count_digits(decimal.significand);
  put_digits(digits + n, decimal.significand);
  const int exponent = decimal.exponent + n - 1;  // of the first digit
  // Python's repr layout: positional when -4 <= exponent < 16, scientific otherwise; always a
  // ".0" on positional integers.
  const auto put = [&w](const char* from, int count) {
    std::memcpy(w, from, static_cast<std::size_t>(count));
    w += count;
  };
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      *w++ = '0';
      *w++ = '.';
      for (int i = 0; i < -exponent - 1; ++i) *w++ = '0';
      put(digits, n);
    } else if (exponent + 1 >= n) {
      put(digits, n);
      for (int i = 0; i < exponent + 1 - n; ++i) *w++ = '0';
      *w++ = '.';
      *w++ = '0';
    } else {
      put(digits, exponent + 1);
      *w++ = '.';
      put(digits + exponent + 1, n - exponent - 1);
    }
  } else {
    *w++ = digits[0];
    if (n > 1) {
      *w++ = '.';
      put(digits + 1, n - 1);
    }
    *w++ = 'e';
    *w++ = exponent < 0 ? '-' : '+';
    const int a = exponent < 0 ? -exponent : exponent;
    if (a < 10) *w++ = '0';
    w = std::to_chars(w, buf + kMaxDoubleChars, a).ptr;
  }
  return w;
}

void append_double(std::string& out, double value) {
  char buf[kMaxDoubleChars];
  out.append(buf, static_cast<std::size_t>(write_double(buf, value) - buf));
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
