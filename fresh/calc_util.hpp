#pragma once
// Small helpers the built-in calculator files share to declare calculators: parse the parameter
// sets once in prepare(), then compute per series without allocating. Internal to fresh/.

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "fresh/calculator.hpp"

namespace freshet::fresh::detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A calculator without parameters: out[0] = fn(series).
inline Calculator make_simple(std::string name, bool minimal, double (*fn)(const Series&)) {
  Calculator c;
  c.name = std::move(name);
  c.parameterless = true;
  c.minimal = minimal;
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
// x, y of equal length n >= 1 (x not all equal when n > 1).
LinregressResult linregress(std::span<const double> x, std::span<const double> y);

}  // namespace freshet::fresh::detail
