#include "fresh/spectral.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numbers>
#include <unsupported/Eigen/FFT>

#include "fresh/series.hpp"

namespace freshet::fresh::spectral {

namespace {

using Complex = std::complex<double>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Below this length a direct DFT is as fast as any FFT and avoids kissfft's degenerate plans.
constexpr std::size_t kDirectMax = 8;
// kissfft handles a prime factor p with an O(p) generic butterfly per output; above this we use
// Bluestein (power-of-two convolution) instead, keeping every length O(n log n).
constexpr std::size_t kMaxKissRadix = 31;
// Lengths up to this whose largest prime factor is above kMaxKissRadix (37, 41, ..., 101, 74,
// ...: every window of a roll with max_timeshift=100) take a direct DFT on a table of twiddles
// instead of Bluestein's three power-of-two transforms: ~n^2/2 multiply-adds, vectorised across
// coefficients, ~5x faster at n = 101 (bench/rolling.md). That is also how numpy's pocketfft
// transforms these lengths (a generic-radix pass: O(n^2), no Bluestein below ~n = 190), so the
// rounding is of the same kind. Tables take (n/2 + 1)(n/2) x 16 bytes, at most ~100 KB.
constexpr std::size_t kTableDftMax = 160;
// Plans are cached per length; unequal-length data could grow the cache without bound, so it is
// dropped when it holds more lengths than this.
constexpr std::size_t kMaxCachedLengths = 64;

std::size_t largest_prime_factor(std::size_t n) {
  std::size_t largest = 1;
  for (std::size_t p = 2; p * p <= n; ++p) {
    while (n % p == 0) {
      largest = p;
      n /= p;
    }
  }
  return n > 1 ? std::max(largest, n) : largest;
}

std::size_t next_pow2(std::size_t n) {
  std::size_t m = 1;
  while (m < n) m <<= 1;
  return m;
}

// exp(-i pi k^2 / n) with k^2 reduced mod 2n in integers, so the angle stays accurate.
Complex chirp(std::size_t k, std::size_t n) {
  const auto two_n = static_cast<std::uint64_t>(2 * n);
  const std::uint64_t kk =
      (static_cast<std::uint64_t>(k) % two_n) * (static_cast<std::uint64_t>(k) % two_n) % two_n;
  const double angle = std::numbers::pi * static_cast<double>(kk) / static_cast<double>(n);
  return {std::cos(angle), -std::sin(angle)};
}

struct BluesteinPlan {
  std::size_t m = 0;                // power-of-two convolution length >= 2n - 1
  std::vector<Complex> chirp;       // c_k = exp(-i pi k^2 / n), k < n
  std::vector<Complex> kernel_fft;  // FFT_m of conj(c) laid out circularly
};

// cos and sin of 2 pi r / n for r = (j k) mod n, by pair j = 1..h (h = (n - 1) / 2) and
// coefficient k = 0..n/2: row j holds the row's n/2 + 1 values, so one pass over j updates every
// coefficient's sum (independent sums, in the order of j, vectorised across k).
struct DftTable {
  std::size_t half = 0;   // n / 2 + 1 coefficients
  std::size_t pairs = 0;  // h
  std::vector<double> cos, sin;
};

// cos and sin of 2 pi r / n, from the angle reduced into [0, pi] (so r and n - r give the same
// cosine and opposite sines exactly) and exact at multiples of pi / 2.
void twiddle(std::size_t r, std::size_t n, double& c, double& s) {
  const bool upper = 2 * r > n;
  const std::size_t q = upper ? n - r : r;  // 2 q <= n
  if (q == 0) {
    c = 1.0, s = 0.0;
  } else if (2 * q == n) {
    c = -1.0, s = 0.0;
  } else if (4 * q == n) {
    c = 0.0, s = 1.0;
  } else {
    const double angle = 2.0 * std::numbers::pi * static_cast<double>(q) / static_cast<double>(n);
    c = std::cos(angle), s = std::sin(angle);
  }
  if (upper) s = -s;
}

DftTable make_dft_table(std::size_t n) {
  DftTable t;
  t.half = n / 2 + 1;
  t.pairs = (n - 1) / 2;
  t.cos.resize(t.pairs * t.half);
  t.sin.resize(t.pairs * t.half);
  for (std::size_t j = 1; j <= t.pairs; ++j)
    for (std::size_t k = 0; k < t.half; ++k)
      twiddle(j * k % n, n, t.cos[(j - 1) * t.half + k], t.sin[(j - 1) * t.half + k]);
  return t;
}

// X_k = x_0 + sum_j (x_j + x_{n-j}) cos(2 pi j k / n) [+ (-1)^k x_{n/2}]
//       - i sum_j (x_j - x_{n-j}) sin(2 pi j k / n), j = 1..h: the real input's symmetry halves
// the work of a direct DFT.
void table_rfft(const DftTable& t, std::span<const double> x, Complex* out, std::vector<double>& re,
                std::vector<double>& im) {
  const std::size_t n = x.size(), half = t.half;
  re.assign(half, x[0]);
  im.assign(half, 0.0);
  double* __restrict r = re.data();
  double* __restrict m = im.data();
  for (std::size_t j = 1; j <= t.pairs; ++j) {
    const double a = x[j] + x[n - j], b = x[j] - x[n - j];
    const double* __restrict c = t.cos.data() + (j - 1) * half;
    const double* __restrict s = t.sin.data() + (j - 1) * half;
    for (std::size_t k = 0; k < half; ++k) {
      r[k] += a * c[k];
      m[k] -= b * s[k];
    }
  }
  if (n % 2 == 0) {
    const double mid = x[n / 2];
    for (std::size_t k = 0; k < half; ++k) r[k] += k % 2 ? -mid : mid;
  }
  for (std::size_t k = 0; k < half; ++k) out[k] = Complex(r[k], m[k]);
  out[0].imag(0.0);  // DC (and Nyquist) of a real signal are real, +0.0 as pocketfft's
  if (n % 2 == 0) out[n / 2].imag(0.0);
}

struct FftWorkspace {
  Eigen::FFT<double> half;  // real input, half spectrum
  Eigen::FFT<double> full;  // complex transforms (Bluestein)
  std::map<std::size_t, BluesteinPlan> bluestein;
  std::map<std::size_t, DftTable> tables;
  std::vector<double> re, im;
  std::map<std::size_t, bool> lengths_seen;
  std::vector<Complex> a, b;

  FftWorkspace() { half.SetFlag(Eigen::FFT<double>::HalfSpectrum); }

  void note_length(std::size_t n) {
    if (lengths_seen.count(n)) return;
    if (lengths_seen.size() >= kMaxCachedLengths) {
      half.impl().clear();
      full.impl().clear();
      bluestein.clear();
      tables.clear();
      lengths_seen.clear();
    }
    lengths_seen[n] = true;
  }

  const DftTable& table_for(std::size_t n) {
    auto it = tables.find(n);
    if (it == tables.end()) it = tables.emplace(n, make_dft_table(n)).first;
    return it->second;
  }

  const BluesteinPlan& plan_for(std::size_t n) {
    auto it = bluestein.find(n);
    if (it != bluestein.end()) return it->second;
    BluesteinPlan plan;
    plan.m = next_pow2(2 * n - 1);
    plan.chirp.resize(n);
    for (std::size_t k = 0; k < n; ++k) plan.chirp[k] = chirp(k, n);
    std::vector<Complex> kernel(plan.m, Complex(0.0, 0.0));
    kernel[0] = std::conj(plan.chirp[0]);
    for (std::size_t k = 1; k < n; ++k) {
      kernel[k] = std::conj(plan.chirp[k]);
      kernel[plan.m - k] = std::conj(plan.chirp[k]);
    }
    plan.kernel_fft.resize(plan.m);
    full.fwd(plan.kernel_fft.data(), kernel.data(), static_cast<Eigen::Index>(plan.m));
    return bluestein.emplace(n, std::move(plan)).first->second;
  }
};

FftWorkspace& workspace() {
  thread_local FftWorkspace ws;
  return ws;
}

bool all_finite(std::span<const double> x) {
  for (double v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

// Direct DFT of coefficients 0..count-1. Twiddle components that are exactly zero (angles at
// multiples of pi/2) are skipped rather than multiplied, so an inf input yields +-inf where a
// radix FFT's structural zeros leave it, not inf * 0 = NaN.
void direct_dft(std::span<const double> x, std::size_t count, Complex* out) {
  const std::size_t n = x.size();
  for (std::size_t k = 0; k < count; ++k) {
    double re = 0.0, im = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t r = (j * k) % n;  // angle = 2 pi r / n
      if (r == 0) {
        re += x[j];
        continue;
      }
      if (4 * r == n) {  // exp(-i pi/2) = -i
        im -= x[j];
        continue;
      }
      if (2 * r == n) {
        re -= x[j];
        continue;
      }
      if (4 * r == 3 * n) {  // exp(-3i pi/2) = +i
        im += x[j];
        continue;
      }
      const double angle = 2.0 * std::numbers::pi * static_cast<double>(r) / static_cast<double>(n);
      re += x[j] * std::cos(angle);
      im -= x[j] * std::sin(angle);
    }
    out[k] = Complex(re, im);
  }
}

void bluestein_rfft(FftWorkspace& ws, std::span<const double> x, Complex* out) {
  const std::size_t n = x.size();
  const BluesteinPlan& plan = ws.plan_for(n);
  const std::size_t m = plan.m;
  ws.a.assign(m, Complex(0.0, 0.0));
  for (std::size_t j = 0; j < n; ++j) ws.a[j] = x[j] * plan.chirp[j];
  ws.b.resize(m);
  ws.full.fwd(ws.b.data(), ws.a.data(), static_cast<Eigen::Index>(m));
  for (std::size_t i = 0; i < m; ++i) ws.b[i] *= plan.kernel_fft[i];
  ws.full.inv(ws.a.data(), ws.b.data(), static_cast<Eigen::Index>(m));
  const std::size_t half = n / 2 + 1;
  for (std::size_t k = 0; k < half; ++k) out[k] = ws.a[k] * plan.chirp[k];
  out[0].imag(0.0);  // DC (and Nyquist) of a real signal are real; keep pocketfft's exact zeros
  if (n % 2 == 0) out[n / 2].imag(0.0);
}

// The FFT for the length: a direct DFT, kissfft, a table DFT or Bluestein. DC and Nyquist imaginary
// parts are +0.0 on every path.
void fft_by_length(std::span<const double> x, Complex* out) {
  const std::size_t n = x.size();
  if (n < kDirectMax) {
    direct_dft(x, n / 2 + 1, out);
    return;
  }
  FftWorkspace& ws = workspace();
  ws.note_length(n);
  if (largest_prime_factor(n) > kMaxKissRadix) {
    if (n <= kTableDftMax)
      table_rfft(ws.table_for(n), x, out, ws.re, ws.im);
    else
      bluestein_rfft(ws, x, out);
    return;
  }
  ws.half.fwd(out, x.data(), static_cast<Eigen::Index>(n));
  // pocketfft writes +0.0 as the imaginary part of DC and of Nyquist (even n); the sign of that
  // zero decides np.angle = 180 or -180 for a negative sum.
  out[0].imag(0.0);
  if (n % 2 == 0) out[n / 2].imag(0.0);
}

void finite_rfft(std::span<const double> x, Complex* out) {
  const std::size_t n = x.size();
  // A constant series (a sensor at rest) has no spectrum outside DC: those coefficients are +0.0
  // here. Computed, they are rounding noise, and Bluestein's (lengths with a prime factor above
  // 31) is ~100 times numpy's: fft_aggregated's variance of a 555-point constant came out
  // 1.2e-10 against numpy's 1.8e-12 (exact: 0). For zeros, Bluestein's chirp products and
  // kissfft's twiddles also left -0.0 real parts, read by np.angle as 180 degrees where tsfresh
  // reports 0. (numpy itself gives +0.0 real parts for zeros at every length except those its
  // own Bluestein takes, primes from 191 on, where about a tenth are -0.0: an undefined angle.)
  // The scan stops at the first value that differs, so other series pay ~2 comparisons.
  const double first = x[0];
  const bool constant = std::all_of(x.begin(), x.end(), [first](double v) { return v == first; });
  if (constant && first == 0.0) {
    std::fill(out, out + n / 2 + 1, Complex(0.0, 0.0));
    return;
  }
  fft_by_length(x, out);
  if (constant) std::fill(out + 1, out + n / 2 + 1, Complex(0.0, 0.0));  // DC as the FFT sums it
}

}  // namespace

void rfft(std::span<const double> x, std::vector<Complex>& out) {
  const std::size_t n = x.size();
  out.resize(n == 0 ? 0 : n / 2 + 1);
  if (n == 0) return;
  if (all_finite(x)) {
    finite_rfft(x, out.data());
  } else {
    direct_dft(x, out.size(), out.data());
  }
}

void rfft_head(std::span<const double> x, std::size_t count, std::vector<Complex>& out) {
  const std::size_t n = x.size();
  count = std::min(count, n == 0 ? std::size_t{0} : n / 2 + 1);
  if (all_finite(x)) {
    rfft(x, out);
    out.resize(count);
  } else {
    out.resize(count);
    direct_dft(x, count, out.data());
  }
}

// Keep the exponent a runtime value even under LTO (see the header): noinline alone does not,
// since interprocedural constant propagation then clones the function for a constant exponent
// and folds pow(x, 2.0) into x * x (an LTO build differed in ~8,000 cells of a rolled
// extraction); noipa stops that.
[[gnu::noinline, gnu::noipa]] double libm_pow(double base, double exponent) {
  return std::pow(base, exponent);
}

double linspace_at(double start, double stop, std::size_t num, std::size_t i) {
  if (num > 1 && i == num - 1) return stop;
  const double div = static_cast<double>(num - 1);
  const double step = (stop - start) / div;
  return static_cast<double>(i) * step + start;
}

namespace {

// scipy.signal.get_window("hann", m) (periodic): general_cosine over linspace(-pi, pi, m + 1)
// truncated to m points: 0.5 + 0.5 * cos(fac). m <= 1 gives ones.
struct HannWindow {
  std::vector<double> w;
  double scale = 0.0;  // 1 / sum(w * w), scipy's density scaling with fs = 1
};

const HannWindow& hann_window(std::size_t m) {
  thread_local std::map<std::size_t, HannWindow> cache;
  auto it = cache.find(m);
  if (it != cache.end()) return it->second;
  HannWindow hw;
  hw.w.resize(m);
  if (m <= 1) {
    std::fill(hw.w.begin(), hw.w.end(), 1.0);
  } else {
    for (std::size_t k = 0; k < m; ++k) {
      const double fac = linspace_at(-std::numbers::pi, std::numbers::pi, m + 1, k);
      hw.w[k] = 0.5 + 0.5 * std::cos(fac);
    }
  }
  std::vector<double> sq(m);
  for (std::size_t k = 0; k < m; ++k) sq[k] = hw.w[k] * hw.w[k];
  hw.scale = 1.0 / (1.0 * pairwise_sum(sq));
  if (cache.size() > kMaxCachedLengths) cache.clear();
  return cache.emplace(m, std::move(hw)).first->second;
}

}  // namespace

void welch_density(std::span<const double> x, std::vector<double>& out) {
  const std::size_t n = x.size();
  if (n == 0) {
    out.clear();
    return;
  }
  const std::size_t nperseg = std::min<std::size_t>(n, 256);
  const std::size_t noverlap = nperseg / 2;
  const std::size_t nstep = nperseg - noverlap;
  const std::size_t nseg = (n - noverlap) / nstep;
  const std::size_t nfreq = nperseg / 2 + 1;
  const HannWindow& hw = hann_window(nperseg);

  thread_local std::vector<double> segment;
  thread_local std::vector<Complex> spectrum;
  segment.resize(nperseg);
  out.assign(nfreq, 0.0);
  for (std::size_t s = 0; s < nseg; ++s) {
    const std::span<const double> seg = x.subspan(s * nstep, nperseg);
    if (!all_finite(seg)) {
      out.assign(nfreq, kNaN);
      return;
    }
    // detrend="constant": subtract np.mean of the segment (pairwise sum / nperseg), then window.
    const double mean = pairwise_sum(seg) / static_cast<double>(nperseg);
    for (std::size_t t = 0; t < nperseg; ++t) segment[t] = hw.w[t] * (seg[t] - mean);
    rfft(segment, spectrum);
    // conj(X) * X, times the density scale, doubled except DC (and Nyquist for even nperseg);
    // segments are summed in order (numpy reduces the non-contiguous segment axis elementwise).
    for (std::size_t f = 0; f < nfreq; ++f) {
      const double re = spectrum[f].real(), im = spectrum[f].imag();
      double p = (re * re + im * im) * hw.scale;
      const bool doubled = f > 0 && (nperseg % 2 == 1 || f + 1 < nfreq);
      if (doubled) p *= 2.0;
      out[f] = s == 0 ? p : out[f] + p;
    }
  }
  if (nseg > 1) {
    const double count = static_cast<double>(nseg);
    for (double& v : out) v /= count;
  }
}

double histogram_entropy(std::span<const double> v, int bins) {
  const std::size_t size = v.size();
  if (size == 0 || bins < 1) return kNaN;
  double first = v[0], last = v[0];
  for (double e : v) {
    if (std::isnan(e)) return kNaN;
    first = std::min(first, e);
    last = std::max(last, e);
  }
  if (!std::isfinite(first) || !std::isfinite(last)) return kNaN;  // numpy raises
  if (first == last) {
    first -= 0.5;
    last += 0.5;
  }
  const auto nb = static_cast<std::size_t>(bins);
  thread_local std::vector<double> edges;
  thread_local std::vector<std::size_t> counts;
  thread_local std::vector<double> terms;
  edges.resize(nb + 1);
  for (std::size_t i = 0; i <= nb; ++i) edges[i] = linspace_at(first, last, nb + 1, i);
  counts.assign(nb, 0);
  const double norm = static_cast<double>(bins) / (last - first);
  for (double e : v) {
    auto idx = static_cast<std::ptrdiff_t>((e - first) * norm);
    if (idx == bins) --idx;
    // numpy's corrections: the computed index may be off by one within an ulp of an edge.
    if (e < edges[static_cast<std::size_t>(idx)]) --idx;
    if (e >= edges[static_cast<std::size_t>(idx) + 1] && idx != bins - 1) ++idx;
    ++counts[static_cast<std::size_t>(idx)];
  }
  terms.resize(nb);
  for (std::size_t i = 0; i < nb; ++i) {
    double p = static_cast<double>(counts[i]) / static_cast<double>(size);
    if (p == 0.0) p = 1.0;
    terms[i] = p * std::log(p);
  }
  return -pairwise_sum(terms);
}

}  // namespace freshet::fresh::spectral
