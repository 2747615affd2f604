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

constexpr std::uint64_t kPow10[20] = {1ULL,
                                      10ULL,
                                      100ULL,
                                      1000ULL,
                                      10000ULL,
                                      100000ULL,
                                      1000000ULL,
                                      10000000ULL,
                                      100000000ULL,
                                      1000000000ULL,
                                      10000000000ULL,
                                      100000000000ULL,
                                      1000000000000ULL,
                                      10000000000000ULL,
                                      100000000000000ULL,
                                      1000000000000000ULL,
                                      10000000000000000ULL,
                                      100000000000000000ULL,
                                      1000000000000000000ULL,
                                      10000000000000000000ULL};

// The number of decimal digits of v (1 for 0), from its bit length.
int count_digits(std::uint64_t v) {
  const int bits = 64 - __builtin_clzll(v | 1);
  const int t = (bits * 1233) >> 12;  // floor(bits * log10(2))
  return t + ((v | 1) >= kPow10[t]);
}

// The 8 digits of v < 10^8, leading zeros included, as 8 ASCII bytes to store at once (first digit
// at the lowest address): the halves, quarters and single digits split in parallel lanes of one
// 64-bit word (divisions by 100 and 10 as multiply-shifts exact below 10^4 and 10^2), instead of a
// table lookup per digit pair. Checked against printf for all 10^8 values when written.
std::uint64_t digits8(std::uint32_t v) {
  std::uint64_t x = (v / 10000) | (static_cast<std::uint64_t>(v % 10000) << 32);
  std::uint64_t q = ((x * 10486) >> 20) & 0x0000007F0000007FULL;  // each 32-bit lane / 100
  x = q | ((x - q * 100) << 16);
  q = ((x * 103) >> 10) & 0x000F000F000F000FULL;  // each 16-bit lane / 10
  x = q | ((x - q * 10) << 8);
  return x | 0x3030303030303030ULL;
}

// The 17 digits of v < 10^17 at p, leading zeros included: the n = count_digits(v) significant
// ones start at p + 17 - n. Fixed work whatever n is: no loop whose length the branch predictor
// would have to guess (a rolled output's columns alternate between lengths).
void put17(char* p, std::uint64_t v) {
  const std::uint64_t hi = v / 100000000U;  // < 10^9
  const auto lo = static_cast<std::uint32_t>(v % 100000000U);
  p[0] = static_cast<char>('0' + hi / 100000000U);
  const std::uint64_t mid = digits8(static_cast<std::uint32_t>(hi % 100000000U));
  const std::uint64_t low = digits8(lo);
  std::memcpy(p + 1, &mid, 8);
  std::memcpy(p + 9, &low, 8);
}

}  // namespace

// The layout writes whole 16-byte pieces and fixed runs of zeros where a length varies
// (kMaxDoubleChars leaves room past the longest text): no variable-length memcpy calls.
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
  // digits are the integer's own, and Python prints them positionally with ".0". (The test by
  // conversion, not std::trunc: without SSE4.1 that is a libm call.)
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (value > -kExact && value < kExact &&
      static_cast<double>(static_cast<std::int64_t>(value)) == value) {
    if (std::signbit(value)) *w++ = '-';  // -0.0 too
    const auto u = static_cast<std::uint64_t>(std::fabs(value));
    const int n = count_digits(u);  // at most 16
    char digits[48] = {};
    put17(digits, u);
    std::memcpy(w, digits + 17 - n, 16);
    w += n;
    std::memcpy(w, ".0", 2);
    return w + 2;
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
  const int n = count_digits(decimal.significand);  // at most 17
  const int exponent = decimal.exponent + n - 1;    // of the first digit
  // The digits at first[0..n) (and digits past them, overwritten or beyond the returned end).
  char digits[48] = {};
  put17(digits, decimal.significand);
  const char* const first = digits + 17 - n;
  // Python's repr layout: positional when -4 <= exponent < 16, scientific otherwise; always a
  // ".0" on positional integers.
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {  // "0." and -exponent - 1 zeros, then the digits
      std::memcpy(w, "0.00000", 8);
      w += 1 - exponent;
      std::memcpy(w, first, 24);
      return w + n;
    }
    if (exponent + 1 >= n) {  // an integer: the digits, zeros up to the point, ".0"
      std::memcpy(w, first, 16);
      w += n;
      const int zeros = exponent + 1 - n;
      if (zeros > 0) std::memset(w, '0', 16);
      w += zeros;
      std::memcpy(w, ".0", 2);
      return w + 2;
    }
    // The point after exponent + 1 (at most 16) digits.
    std::memcpy(w, first, 16);
    w[exponent + 1] = '.';
    std::memcpy(w + exponent + 2, first + exponent + 1, 16);
    return w + n + 1;
  }
  *w++ = first[0];
  if (n > 1) {
    *w++ = '.';
    std::memcpy(w, first + 1, 16);
    w += n - 1;
  }
  *w++ = 'e';
  *w++ = exponent < 0 ? '-' : '+';
  const int a = exponent < 0 ? -exponent : exponent;  // 5 to 324
  if (a < 100) {
    std::memcpy(w, kDigitPairs + 2 * a, 2);
    return w + 2;
  }
  *w++ = static_cast<char>('0' + a / 100);
  std::memcpy(w, kDigitPairs + 2 * (a % 100), 2);
  return w + 2;
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
