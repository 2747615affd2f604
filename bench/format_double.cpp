// Number formatting: freshet's write_double (shortest round-trip digits laid out as Python's
// repr) against std::to_chars' shortest form (the baseline, same digits, its own layout) on the
// same values in the same run: every number cell of a CSV (a rolled extraction's output is the
// case that matters: tens of millions of numbers), or random features-like values.
//
//   bench_format_double [FILE.csv] [--repeat N]
//
// Prints ns per number (best of N passes over all values) for both and their ratio, and checks
// that every write_double text reads back to its value's bits.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/csv.hpp"
#include "core/format.hpp"
#include "core/table.hpp"

namespace {

// Every number cell of a CSV (core's reader; text columns such as ids skipped).
std::vector<double> numbers_of(const std::string& path) {
  const freshet::Table table = freshet::read_csv(path);
  std::vector<double> out;
  out.reserve(table.num_rows() * table.num_columns());
  for (std::size_t r = 0; r < table.num_rows(); ++r)
    for (std::size_t c = 0; c < table.num_columns(); ++c)
      if (table.column(c).dtype() == freshet::DType::kFloat64)
        out.push_back(table.column(c).f64()[r]);
  return out;
}

std::vector<double> synthetic(std::size_t n) {
  // Feature-like magnitudes: 53-bit significands at binary exponents -30..30, some integers
  // and NaNs, as a rolled output's columns mix them.
  std::mt19937_64 rng(1);
  std::vector<double> out(n);
  for (double& v : out) {
    const auto k = rng() % 10;
    if (k == 0)
      v = std::nan("");
    else if (k == 1)
      v = static_cast<double>(rng() % 1000);
    else
      v = std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 61) - 83) *
          (rng() % 2 ? 1 : -1);
  }
  return out;
}

template <class Format>
double best_ns(const std::vector<double>& values, std::vector<char>& buf, int repeat, Format f,
               std::size_t& bytes) {
  double best = 1e300;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    char* w = buf.data();
    for (double v : values) {
      w = f(w, v);
      *w++ = ',';
    }
    const auto t1 = std::chrono::steady_clock::now();
    bytes = static_cast<std::size_t>(w - buf.data());
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best * 1e9 / static_cast<double>(values.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  int repeat = 7;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
      repeat = std::max(1, std::atoi(argv[++i]));
    else
      path = argv[i];
  }
  const std::vector<double> values = path.empty() ? synthetic(4000000) : numbers_of(path);
  if (values.empty()) {
    std::fprintf(stderr, "no numbers\n");
    return 2;
  }
  std::size_t nan = 0, integral = 0;
  for (double v : values) {
    if (std::isnan(v))
      ++nan;
    else if (std::isfinite(v) && v == std::trunc(v))
      ++integral;
  }
  std::vector<char> buf(values.size() * (freshet::kMaxDoubleChars + 1) + 64);
  std::size_t ours_bytes = 0, base_bytes = 0;
  const double ours = best_ns(values, buf, repeat, freshet::write_double, ours_bytes);
  // Every text reads back to the same bits (the formatter's contract; NaN as NaN).
  std::size_t bad = 0;
  {
    const char* p = buf.data();
    for (double v : values) {
      const char* e = static_cast<const char*>(std::memchr(p, ',', 64));
      double back = 0;
      if (!freshet::parse_double(std::string_view(p, static_cast<std::size_t>(e - p)), back) ||
          (std::isnan(v) ? !std::isnan(back) : std::memcmp(&v, &back, sizeof v) != 0))
        ++bad;
      p = e + 1;
    }
  }
  const double base = best_ns(
      values, buf, repeat,
      [](char* w, double v) { return std::to_chars(w, w + freshet::kMaxDoubleChars, v).ptr; },
      base_bytes);
  std::printf("%zu numbers (%s; %zu NaN, %zu integral), best of %d\n", values.size(),
              path.empty() ? "synthetic" : path.c_str(), nan, integral, repeat);
  std::printf("write_double (repr layout)   %6.2f ns/number, %zu bytes\n", ours, ours_bytes);
  std::printf("std::to_chars (shortest)     %6.2f ns/number, %zu bytes\n", base, base_bytes);
  std::printf("ratio to_chars / write_double: %.2fx; texts not reading back: %zu\n", base / ours,
              bad);
  return bad == 0 ? 0 : 1;
}
