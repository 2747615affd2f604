#pragma once
// Small helpers the built-in calculator files share to declare calculators: parse the parameter
// sets once in prepare(), then compute per series without allocating. Internal to fresh/.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "fresh/calculator.hpp"

namespace freshet::fresh::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Throws Error(kInvalidArgument) "calculator '<calc>': <what>" (prepare-time validation).
[[noreturn]] inline void bad(const std::string& calc, const std::string& what) {
  throw Error(Errc::kInvalidArgument, "calculator '" + calc + "': " + what);
}

// What a parameterless calculator is besides its name and function.
struct SimpleFlags {
  bool minimal = false;  // in tsfresh's MinimalFCParameters
};

// A calculator without parameters: out[0] = fn(series).
inline Calculator make_simple(std::string name, double (*fn)(const Series&),
                              SimpleFlags flags = {}) {
  Calculator c;
  c.name = std::move(name);
  c.parameterless = true;
  c.minimal = flags.minimal;
  c.prepare = [fn, n = c.name](const std::vector<Params>& params) -> ComputeFn {
    for (const auto& p : params)
      if (!p.is_null() && !(p.is_object() && p.empty()))
        throw Error(Errc::kInvalidArgument,
                    "calculator '" + n + "' takes no parameters, got " + p.dump());
    return [fn](const Series& s, std::span<double> out) {
      const double v = fn(s);
      for (double& o : out) o = v;
    };
  };
  return c;
}

// A tsfresh "combiner": one call computes every requested parameter set:
// compute(series, span<const P>, span<double> out).
template <class P, class Parse, class Compute>
Calculator make_combiner(std::string name, nlohmann::json grid, Parse parse, Compute compute) {
  Calculator c;
  c.name = std::move(name);
  c.comprehensive = std::move(grid);
  c.prepare = [parse, compute, n = c.name](const std::vector<Params>& params) -> ComputeFn {
    std::vector<P> parsed;
    parsed.reserve(params.size());
    for (const auto& p : params) {
      if (!p.is_object())
        throw Error(Errc::kInvalidArgument,
                    "calculator '" + n + "' needs parameter objects, got " + p.dump());
      parsed.push_back(parse(p, n));
    }
    return [parsed = std::move(parsed), compute](const Series& s, std::span<double> out) {
      compute(s, std::span<const P>(parsed), out);
    };
  };
  return c;
}

// A calculator with parameters whose sets are computed one by one:
// parse(params, name) -> P validates one set; compute(series, P) -> value.
template <class P, class Parse, class Compute>
Calculator make_param(std::string name, nlohmann::json grid, Parse parse, Compute compute) {
  return make_combiner<P>(
      std::move(name), std::move(grid), parse,
      [compute](const Series& s, std::span<const P> parsed, std::span<double> out) {
        for (std::size_t k = 0; k < parsed.size(); ++k) out[k] = compute(s, parsed[k]);
      });
}

// out[i] = (((0 + base[i] w[0]) + base[s + i] w[1]) + base[2s + i] w[2]) + ... over `terms`
// weights (s = term_stride), for i in [0, n): per output exactly the sequential sum of a plain
// loop over the terms, computed for 8 outputs at a time in vector registers (IEEE operations
// lane by lane, so the bits are those of the scalar loop). Used for "same"-order convolutions and
// fitted values X b of column-major matrices.
inline void weighted_term_sums(const double* base, std::ptrdiff_t term_stride, const double* w,
                               std::size_t terms, std::size_t n, double* out) {
  typedef double V2 __attribute__((vector_size(16)));
  std::size_t i0 = 0;
  for (; i0 + 8 <= n; i0 += 8) {
    V2 a0 = {0.0, 0.0}, a1 = a0, a2 = a0, a3 = a0;
    const double* src = base + i0;
    for (std::size_t t = 0; t < terms; ++t, src += term_stride) {
      const V2 wt = {w[t], w[t]};
      V2 v0, v1, v2, v3;
      std::memcpy(&v0, src, sizeof v0);
      std::memcpy(&v1, src + 2, sizeof v1);
      std::memcpy(&v2, src + 4, sizeof v2);
      std::memcpy(&v3, src + 6, sizeof v3);
      a0 += v0 * wt;
      a1 += v1 * wt;
      a2 += v2 * wt;
      a3 += v3 * wt;
    }
    std::memcpy(out + i0, &a0, sizeof a0);
    std::memcpy(out + i0 + 2, &a1, sizeof a1);
    std::memcpy(out + i0 + 4, &a2, sizeof a2);
    std::memcpy(out + i0 + 6, &a3, sizeof a3);
  }
  for (std::size_t i = i0; i < n; ++i) {
    double acc = 0.0;
    const double* src = base + i;
    for (std::size_t t = 0; t < terms; ++t, src += term_stride) acc += *src * w[t];
    out[i] = acc;
  }
}

// First significant digit of v >= 0 as np.format_float_scientific writes it (the shortest
// round-trip repr): 0 for 0. tsfresh's benford_correlation counts these.
int first_digit(double v);

// BLAS reference ddot (what np.dot on float64 vectors calls with netlib BLAS): the first n%5
// products one by one, then groups of five added left to right.
inline double netlib_dot(const double* x, const double* y, std::size_t n) {
  double t = 0.0;
  const std::size_t m = n % 5;
  for (std::size_t i = 0; i < m; ++i) t += x[i] * y[i];
  for (std::size_t i = m; i < n; i += 5)
    t = t + x[i] * y[i] + x[i + 1] * y[i + 1] + x[i + 2] * y[i + 2] + x[i + 3] * y[i + 3] +
        x[i + 4] * y[i + 4];
  return t;
}

// out[j] = netlib_dot(x + k, x, n - k) with k = first_lag + j, j < count (first_lag + count <= n):
// the lagged products of autocovariances. Four lags run interleaved, each still summed in
// netlib's order, so the values are netlib_dot's bit for bit; the interleaving only hides the
// latency of the sequential additions.
inline void netlib_lag_dots(const double* x, std::size_t n, std::size_t first_lag,
                            std::size_t count, double* out) {
  std::size_t j = 0;
  for (; j + 4 <= count; j += 4) {
    const double* a[4];
    std::size_t m[4], groups[4];
    double t[4];
    std::size_t common = static_cast<std::size_t>(-1);
    for (int l = 0; l < 4; ++l) {
      const std::size_t k = first_lag + j + static_cast<std::size_t>(l);
      const std::size_t len = n - k;
      a[l] = x + k;
      m[l] = len % 5;
      groups[l] = len / 5;
      common = std::min(common, groups[l]);
      double acc = 0.0;
      for (std::size_t i = 0; i < m[l]; ++i) acc += a[l][i] * x[i];
      t[l] = acc;
    }
    for (std::size_t g = 0; g < common; ++g) {
      for (int l = 0; l < 4; ++l) {
        const std::size_t i = m[l] + 5 * g;
        const double* p = a[l] + i;
        const double* q = x + i;
        t[l] = t[l] + p[0] * q[0] + p[1] * q[1] + p[2] * q[2] + p[3] * q[3] + p[4] * q[4];
      }
    }
    for (int l = 0; l < 4; ++l) {
      for (std::size_t g = common; g < groups[l]; ++g) {
        const std::size_t i = m[l] + 5 * g;
        const double* p = a[l] + i;
        const double* q = x + i;
        t[l] = t[l] + p[0] * q[0] + p[1] * q[1] + p[2] * q[2] + p[3] * q[3] + p[4] * q[4];
      }
      out[j + static_cast<std::size_t>(l)] = t[l];
    }
  }
  for (; j < count; ++j) {
    const std::size_t k = first_lag + j;
    out[j] = netlib_dot(x + k, x, n - k);
  }
}

// scipy.stats.linregress (1.10) result.
struct LinregressResult {
  double slope = kNaN, intercept = kNaN, rvalue = kNaN, pvalue = kNaN, stderr_ = kNaN;
  double get(int attr) const {
    switch (attr) {
      case 0:
        return pvalue;
      case 1:
        return rvalue;
      case 2:
        return intercept;
      case 3:
        return slope;
      default:
        return stderr_;
    }
  }
};
// attr name -> index for LinregressResult::get; -1 if unknown.
int linregress_attr(const std::string& attr);
// x, y of equal length n >= 1 (x not all equal when n > 1). with_pvalue = false leaves pvalue
// NaN (n > 2) and skips the Student t tail, the costly part.
LinregressResult linregress(std::span<const double> x, std::span<const double> y,
                            bool with_pvalue = true);

}  // namespace freshet::fresh::detail
