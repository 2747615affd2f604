// Calculators: fft_coefficient, fft_aggregated, spkt_welch_density, fourier_entropy,
// cwt_coefficients, number_cwt_peaks (tsfresh 0.21.2 semantics; see fresh/spectral.hpp and
// fresh/cwt.hpp for the peer routines they reproduce).
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "fresh/calc_util.hpp"
#include "fresh/cwt.hpp"
#include "fresh/spectral.hpp"

namespace freshet::fresh {

namespace {

using detail::kNaN;
using detail::make_combiner;
using Json = nlohmann::json;

[[noreturn]] void bad(const std::string& calc, const std::string& what) {
  throw Error(Errc::kInvalidArgument, "calculator '" + calc + "': " + what);
}

// ---- per-series spectra shared by several calculators ----------------------------------------
// fft_coefficient and fft_aggregated both take rfft(x), spkt_welch_density and fourier_entropy
// both take welch(x): each is computed once per series and thread (keyed by Series::generation(),
// which no other series shares) and read by the others; the values are those of the same call.

// rfft(x) of a finite series (the only case both calculators use the full spectrum for).
const std::vector<std::complex<double>>& series_rfft(const Series& s) {
  thread_local std::uint64_t generation = 0;
  thread_local bool known = false;
  thread_local std::vector<std::complex<double>> spectrum;
  if (!known || generation != s.generation()) {
    spectral::rfft(s.values(), spectrum);
    generation = s.generation();
    known = true;
  }
  return spectrum;
}

const std::vector<double>& series_welch(const Series& s) {
  thread_local std::uint64_t generation = 0;
  thread_local bool known = false;
  thread_local std::vector<double> pxx;
  if (!known || generation != s.generation()) {
    spectral::welch_density(s.values(), pxx);
    generation = s.generation();
    known = true;
  }
  return pxx;
}

bool all_finite(std::span<const double> x) {
  for (double v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

// ---- fft_coefficient ----------------------------------------------------------------------

enum class ComplexAttr { kReal, kImag, kAbs, kAngle };

struct FftCoefficient {
  std::size_t coeff;
  ComplexAttr attr;
};

FftCoefficient parse_fft_coefficient(const Params& p, const std::string& n) {
  const long long coeff = param_int(p, "coeff", n);
  if (coeff < 0)
    bad(n, "parameter 'coeff' must be >= 0 (tsfresh asserts it), got " + std::to_string(coeff));
  const std::string attr = param_string(p, "attr", n);
  ComplexAttr a;
  if (attr == "real")
    a = ComplexAttr::kReal;
  else if (attr == "imag")
    a = ComplexAttr::kImag;
  else if (attr == "abs")
    a = ComplexAttr::kAbs;
  else if (attr == "angle")
    a = ComplexAttr::kAngle;
  else
    bad(n,
        "parameter 'attr' must be \"real\", \"imag\", \"abs\" or \"angle\", got \"" + attr + "\"");
  return {static_cast<std::size_t>(coeff), a};
}

void fft_coefficient(const Series& s, std::span<const FftCoefficient> params,
                     std::span<double> out) {
  const auto x = s.values();
  std::size_t want = 0;
  for (const auto& p : params) want = std::max(want, p.coeff + 1);
  // Finite input: the head of the full rfft, which rfft_head computes too (shared with
  // fft_aggregated). Non-finite: rfft_head's direct DFT of the wanted coefficients only.
  thread_local std::vector<std::complex<double>> head;
  const bool finite = all_finite(x);
  if (!finite) spectral::rfft_head(x, want, head);
  const std::vector<std::complex<double>>& spectrum = finite ? series_rfft(s) : head;
  // np.angle(z, deg=True) multiplies arctan2 by the double 180 / pi.
  constexpr double kDegrees = 180 / std::numbers::pi;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto& p = params[k];
    if (x.empty() || p.coeff >= x.size() / 2 + 1) {  // coeff >= len(rfft(x)); empty: numpy raises
      out[k] = kNaN;
      continue;
    }
    const std::complex<double> z = spectrum[p.coeff];
    switch (p.attr) {
      case ComplexAttr::kReal:
        out[k] = z.real();
        break;
      case ComplexAttr::kImag:
        out[k] = z.imag();
        break;
      case ComplexAttr::kAbs:
        out[k] = std::hypot(z.real(), z.imag());
        break;
      case ComplexAttr::kAngle:
        out[k] = std::atan2(z.imag(), z.real()) * kDegrees;
        break;
    }
  }
}

// ---- fft_aggregated -----------------------------------------------------------------------

enum class AggType { kCentroid, kVariance, kSkew, kKurtosis };

AggType parse_fft_aggregated(const Params& p, const std::string& n) {
  const std::string t = param_string(p, "aggtype", n);
  if (t == "centroid") return AggType::kCentroid;
  if (t == "variance") return AggType::kVariance;
  if (t == "skew") return AggType::kSkew;
  if (t == "kurtosis") return AggType::kKurtosis;
  bad(n,
      "parameter 'aggtype' must be \"centroid\", \"variance\", \"skew\" or \"kurtosis\", got \"" +
          t + "\"");
}

// Sequential dot product, as the reference BLAS ddot behind numpy's y.dot(w) sums.
double seq_dot(const std::vector<double>& a, const std::vector<double>& b) {
  return detail::netlib_dot(a.data(), b.data(), a.size());
}

void fft_aggregated(const Series& s, std::span<const AggType> params, std::span<double> out) {
  const auto x = s.values();
  bool finite = true;
  for (double v : x) finite = finite && std::isfinite(v);
  // Empty input: numpy's rfft raises. Non-finite input: |X_0| is inf or NaN, so the weight sum is
  // too and every moment is inf/inf or NaN -> NaN.
  if (x.empty() || !finite) {
    std::fill(out.begin(), out.end(), kNaN);
    return;
  }
  thread_local std::vector<double> y, w1, w2, w3, w4;
  const std::vector<std::complex<double>>& spectrum = series_rfft(s);
  const std::size_t m = spectrum.size();
  y.resize(m);
  for (std::size_t i = 0; i < m; ++i) y[i] = std::hypot(spectrum[i].real(), spectrum[i].imag());
  // np.arange(m, dtype=float) ** k. Exact integer powers (numpy's SIMD power is off by an ulp for
  // a few i; the effect on the moments is ~1e-16 relative).
  if (w1.size() != m) {
    w1.resize(m);
    w2.resize(m);
    w3.resize(m);
    w4.resize(m);
    for (std::size_t i = 0; i < m; ++i) {
      const double v = static_cast<double>(i);
      w1[i] = v;
      w2[i] = v * v;
      w3[i] = v * v * v;
      w4[i] = v * v * v * v;
    }
  }
  const double total = pairwise_sum(y);
  const double m1 = seq_dot(y, w1) / total;
  const double m2 = seq_dot(y, w2) / total;
  const double variance = m2 - spectral::libm_pow(m1, 2.0);
  for (std::size_t k = 0; k < params.size(); ++k) {
    switch (params[k]) {
      case AggType::kCentroid:
        out[k] = m1;
        break;
      case AggType::kVariance:
        out[k] = variance;
        break;
      case AggType::kSkew: {
        // var < 0.5: NaN (tsfresh's resolution rule); NaN variance falls through to NaN.
        if (variance < 0.5) {
          out[k] = kNaN;
          break;
        }
        const double m3 = seq_dot(y, w3) / total;
        out[k] = (m3 - 3 * m1 * variance - spectral::libm_pow(m1, 3.0)) /
                 spectral::libm_pow(variance, 1.5);
        break;
      }
      case AggType::kKurtosis: {
        if (variance < 0.5) {
          out[k] = kNaN;
          break;
        }
        const double m3 = seq_dot(y, w3) / total;
        const double m4 = seq_dot(y, w4) / total;
        // tsfresh's formula, including its "- 3 * centroid" last term.
        out[k] = (m4 - 4 * m1 * m3 + 6 * m2 * spectral::libm_pow(m1, 2.0) - 3 * m1) /
                 spectral::libm_pow(variance, 2.0);
        break;
      }
    }
  }
}

// ---- spkt_welch_density -------------------------------------------------------------------

void spkt_welch_density(const Series& s, std::span<const long long> coeffs, std::span<double> out) {
  const std::vector<double>& pxx = series_welch(s);
  const auto len = static_cast<long long>(pxx.size());
  // Python indexing: negative coefficients count from the end; out of range raises (-> NaN).
  bool raised = false;
  auto at = [&](long long c) {
    const long long i = c < 0 ? c + len : c;
    if (i < 0 || i >= len) {
      raised = true;
      return kNaN;
    }
    return pxx[static_cast<std::size_t>(i)];
  };
  long long max_coeff = coeffs.empty() ? 0 : *std::max_element(coeffs.begin(), coeffs.end());
  if (len > max_coeff) {
    for (std::size_t k = 0; k < coeffs.size(); ++k) out[k] = at(coeffs[k]);
  } else {
    // tsfresh's short-series branch: the values of the coefficients that exist come first, in
    // order, then one NaN per missing coefficient, zipped with the names in the original order.
    // For ascending coefficient lists (the default grid) this is simply NaN where missing.
    std::vector<double> values;
    std::size_t missing = 0;
    for (long long c : coeffs) {
      if (len > c)
        values.push_back(at(c));
      else
        ++missing;
    }
    values.insert(values.end(), missing, kNaN);
    for (std::size_t k = 0; k < coeffs.size(); ++k) out[k] = values[k];
  }
  if (raised) std::fill(out.begin(), out.end(), kNaN);
}

// ---- fourier_entropy ----------------------------------------------------------------------

void fourier_entropy(const Series& s, std::span<const int> bins, std::span<double> out) {
  thread_local std::vector<double> pxx;  // normalised below: a copy of the shared density
  const std::vector<double>& density = series_welch(s);
  pxx.assign(density.begin(), density.end());
  if (pxx.empty()) {  // np.max of an empty array raises
    std::fill(out.begin(), out.end(), kNaN);
    return;
  }
  double peak = pxx[0];
  for (double v : pxx) peak = (std::isnan(v) || std::isnan(peak)) ? kNaN : std::max(peak, v);
  for (double& v : pxx) v /= peak;
  for (std::size_t k = 0; k < bins.size(); ++k) out[k] = spectral::histogram_entropy(pxx, bins[k]);
}

// ---- cwt_coefficients ---------------------------------------------------------------------

struct CwtParam {
  std::shared_ptr<const cwt::MexhScale> scale;
  long long coeff;
};

Calculator make_cwt_coefficients() {
  Calculator c;
  c.name = "cwt_coefficients";
  Json grid = Json::array();
  for (int coeff = 0; coeff < 15; ++coeff)
    for (int w : {2, 5, 10, 20})
      grid.push_back({{"widths", {2, 5, 10, 20}}, {"coeff", coeff}, {"w", w}});
  c.comprehensive = std::move(grid);
  c.prepare = [name = c.name](const std::vector<Params>& params) -> ComputeFn {
    std::map<double, std::shared_ptr<const cwt::MexhScale>> scales;
    std::vector<CwtParam> parsed;
    for (const auto& p : params) {
      if (!p.is_object()) bad(name, "needs parameter objects, got " + p.dump());
      auto it = p.find("widths");
      if (it == p.end() || !it->is_array() || it->empty())
        bad(name, "parameter 'widths' must be a non-empty list of positive numbers, got " +
                      (it == p.end() ? std::string("nothing") : it->dump()));
      std::vector<double> widths;
      for (const auto& v : *it) {
        if (!v.is_number() || !(v.get<double>() > 0))
          bad(name, "parameter 'widths' must hold positive numbers, got " + it->dump());
        widths.push_back(v.get<double>());
      }
      const double w = param_double(p, "w", name);
      if (std::find(widths.begin(), widths.end(), w) == widths.end())
        bad(name, "parameter 'w' (" + p.at("w").dump() + ") must be one of 'widths' " + it->dump());
      const long long coeff = param_int(p, "coeff", name);
      auto& scale = scales[w];
      if (!scale) scale = std::make_shared<const cwt::MexhScale>(w);
      parsed.push_back({scale, coeff});
    }
    return [parsed = std::move(parsed)](const Series& s, std::span<double> out) {
      const auto x = s.values();
      const auto n = static_cast<long long>(x.size());
      for (std::size_t k = 0; k < parsed.size(); ++k) {
        long long coeff = parsed[k].coeff;
        if (coeff >= n) {  // tsfresh: shape[1] <= coeff -> NaN
          out[k] = kNaN;
          continue;
        }
        if (coeff < 0) coeff += n;  // numpy indexing from the end
        out[k] =
            coeff < 0 ? kNaN : parsed[k].scale->coefficient(x, static_cast<std::size_t>(coeff));
      }
    };
  };
  return c;
}

// ---- number_cwt_peaks ---------------------------------------------------------------------

Calculator make_number_cwt_peaks() {
  Calculator c;
  c.name = "number_cwt_peaks";
  c.comprehensive = Json::array({{{"n", 1}}, {{"n", 5}}});
  c.prepare = [name = c.name](const std::vector<Params>& params) -> ComputeFn {
    std::vector<int> widths;
    for (const auto& p : params) {
      if (!p.is_object()) bad(name, "needs parameter objects, got " + p.dump());
      const long long n = param_int(p, "n", name);
      // scipy needs widths[0]; 10 * n is a kernel length, keep it sane.
      if (n < 1 || n > 1000)
        bad(name, "parameter 'n' must be in 1..1000, got " + std::to_string(n));
      widths.push_back(static_cast<int>(n));
    }
    return [widths = std::move(widths)](const Series& s, std::span<double> out) {
      cwt::count_cwt_peaks(s.values(), widths, out);
    };
  };
  return c;
}

}  // namespace

void register_spectral_calculators() {
  {
    Json g = Json::array();
    for (const char* a : {"real", "imag", "abs", "angle"})
      for (int k = 0; k < 100; ++k) g.push_back({{"coeff", k}, {"attr", a}});
    register_calculator(make_combiner<FftCoefficient>("fft_coefficient", std::move(g),
                                                      parse_fft_coefficient, fft_coefficient));
  }
  {
    Json g = Json::array();
    for (const char* a : {"centroid", "variance", "skew", "kurtosis"})
      g.push_back({{"aggtype", a}});
    register_calculator(make_combiner<AggType>("fft_aggregated", std::move(g), parse_fft_aggregated,
                                               fft_aggregated));
  }
  register_calculator(make_number_cwt_peaks());
  register_calculator(make_cwt_coefficients());
  {
    Json g = Json::array();
    for (int k : {2, 5, 8}) g.push_back({{"coeff", k}});
    register_calculator(make_combiner<long long>(
        "spkt_welch_density", std::move(g),
        [](const Params& p, const std::string& n) { return param_int(p, "coeff", n); },
        spkt_welch_density));
  }
  {
    Json g = Json::array();
    for (int b : {2, 3, 5, 10, 100}) g.push_back({{"bins", b}});
    register_calculator(make_combiner<int>(
        "fourier_entropy", std::move(g),
        [](const Params& p, const std::string& n) {
          const long long b = param_int(p, "bins", n);
          // np.histogram needs a positive bin count; cap it at something allocatable.
          if (b < 1 || b > 10000000)
            bad(n, "parameter 'bins' must be in 1..10000000, got " + std::to_string(b));
          return static_cast<int>(b);
        },
        fourier_entropy));
  }
}

}  // namespace freshet::fresh
