// catch22 features, written from the published definitions (see catch22.hpp).
#include "fresh/catch22.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>

#include "fresh/spectral.hpp"

namespace freshet::fresh::catch22 {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Names {
  std::string_view long_name, short_name;
};
constexpr Names kNames[kNumFeatures] = {
    {"DN_HistogramMode_5", "mode_5"},
    {"DN_HistogramMode_10", "mode_10"},
    {"DN_OutlierInclude_p_001_mdrmd", "outlier_timing_pos"},
    {"DN_OutlierInclude_n_001_mdrmd", "outlier_timing_neg"},
    {"CO_f1ecac", "acf_timescale"},
    {"CO_FirstMin_ac", "acf_first_min"},
    {"SP_Summaries_welch_rect_area_5_1", "low_freq_power"},
    {"SP_Summaries_welch_rect_centroid", "centroid_freq"},
    {"FC_LocalSimple_mean3_stderr", "forecast_error"},
    {"FC_LocalSimple_mean1_tauresrat", "whiten_timescale"},
    {"MD_hrv_classic_pnn40", "high_fluctuation"},
    {"SB_BinaryStats_mean_longstretch1", "stretch_high"},
    {"SB_BinaryStats_diff_longstretch0", "stretch_decreasing"},
    {"SB_MotifThree_quantile_hh", "entropy_pairs"},
    {"CO_HistogramAMI_even_2_5", "ami2"},
    {"CO_trev_1_num", "trev"},
    {"IN_AutoMutualInfoStats_40_gaussian_fmmi", "ami_timescale"},
    {"SB_TransitionMatrix_3ac_sumdiagcov", "transition_variance"},
    {"PD_PeriodicityWang_th0_01", "periodicity"},
    {"CO_Embed2_Dist_tau_d_expfit_meandiff", "embedding_dist"},
    {"SC_FluctAnal_2_rsrangefit_50_1_logi_prop_r1", "rs_range"},
    {"SC_FluctAnal_2_dfa_50_1_2_logi_prop_r1", "dfa"},
    {"DN_Mean", "mean"},
    {"DN_Spread_Std", "std"},
};

// The reference computes with pi to 11 decimals, 3.14159265359 (2.1e-13 below pi), in its FFT's
// twiddle factors and in the frequency axis of its spectrum. Its spectra, autocorrelations and
// spectral centroids carry that error (up to ~1e-12 relative in CO_f1ecac on slowly decaying
// series, 6.6e-14 in the centroid, 1e-13 in the low-frequency power). Transforms here use the
// same constant, which reproduces the reference's values to rounding (~1e-16).
constexpr double kReferencePi = 3.14159265359;

// In-place radix-2 FFT (forward, e^{-2 pi i jk/N}) of a power-of-two length, each twiddle factor
// computed directly from `pi` (no recurrence, so no drift across the table).
void fft_pow2(std::vector<std::complex<double>>& a, double pi) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  // The twiddle table of the last (length, pi) is kept: consecutive series usually share it.
  thread_local std::vector<std::complex<double>> tw;
  thread_local std::size_t tw_n = 0;
  thread_local double tw_pi = 0.0;
  if (tw_n != n || tw_pi != pi) {
    tw.resize(n / 2);
    for (std::size_t k = 0; k < n / 2; ++k) {
      const double ang = -2.0 * pi * static_cast<double>(k) / static_cast<double>(n);
      tw[k] = {std::cos(ang), std::sin(ang)};
    }
    tw_n = n;
    tw_pi = pi;
  }
  const std::complex<double>* const twiddle = tw.data();  // no thread_local lookups in the loop
  std::complex<double>* const x = a.data();
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::size_t step = n / len;
    for (std::size_t i = 0; i < n; i += len)
      for (std::size_t k = 0; k < len / 2; ++k) {
        // Plain products (no std::complex operator*, whose NaN/inf repair path costs a call):
        // the same (ac - bd, ad + bc) C's complex multiply computes for finite values.
        const std::complex<double> u = x[i + k], b = x[i + k + len / 2], w = twiddle[k * step];
        const std::complex<double> v(b.real() * w.real() - b.imag() * w.imag(),
                                     b.real() * w.imag() + b.imag() * w.real());
        x[i + k] = u + v;
        x[i + k + len / 2] = u - v;
      }
  }
}

std::size_t next_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

double median_of(std::vector<double>& v) {
  const std::size_t n = v.size();
  if (n == 0) return kNaN;
  std::sort(v.begin(), v.end());
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

// ---- DN_OutlierInclude ------------------------------------------------------------------------
// hctsa DN_OutlierInclude(y, sign, 0.01): for thresholds 0, 0.01, 0.02, ... up to the largest
// (sign-flipped) value, the time indices (1-based) of the points at or above the threshold; per
// threshold the median index rescaled to [-1, 1] (median / (n/2) - 1) and the number of
// intervals between successive exceedances (count - 1) as a percentage of the points on that side
// of the mean (z >= 0 for 'p', z <= 0 for 'n'). Thresholds are kept up to the last one where that
// percentage exceeds 2; the feature is the median of the rescaled medians over the kept ones.
double outlier_include(std::span<const double> z, double sign, std::vector<double>& mdrmd,
                       std::vector<std::size_t>& order, std::vector<std::size_t>& tree) {
  // Thresholds rise, so each exceedance set holds the next one. The sets are built downwards
  // instead: each point enters at the highest threshold it reaches, and a Fenwick tree over the
  // time positions gives the median position of the current set in O(log n), O(n log n) in all
  // instead of a scan and a sort per threshold. Values are the same as the direct reading's.
  const std::size_t n = z.size();
  double top = -std::numeric_limits<double>::infinity();
  std::size_t on_side = 0;  // points at or beyond the mean on this side: the 100% of the trim
  for (double v : z) {
    top = std::max(top, sign * v);
    if (sign * v >= 0) ++on_side;
  }
  constexpr double kInc = 0.01;
  const std::size_t nthr = static_cast<std::size_t>(top / kInc) + 1;
  // Bucket the points by the highest threshold index j with sign * z >= j * kInc (the same
  // product the direct reading compares with), then order them by bucket, highest first.
  // thread_local buffers bound to references once: no TLS lookup per element access.
  thread_local std::vector<std::size_t> start_tls;
  std::vector<std::size_t>& start = start_tls;
  start.assign(nthr + 1, 0);
  order.resize(n);  // level of point i first, then the points in bucket order
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  for (std::size_t i = 0; i < n; ++i) {
    const double y = sign * z[i];
    if (!(y >= 0)) {
      order[i] = kNone;
      continue;
    }
    auto j = std::min(static_cast<std::size_t>(y / kInc), nthr - 1);
    while (j + 1 < nthr && static_cast<double>(j + 1) * kInc <= y) ++j;
    while (j > 0 && static_cast<double>(j) * kInc > y) --j;
    order[i] = j;
    ++start[j + 1];
  }
  for (std::size_t j = 0; j < nthr; ++j) start[j + 1] += start[j];
  // thread_local buffers bound to references once: no TLS lookup per element access.
  thread_local std::vector<std::size_t> by_level_tls;
  std::vector<std::size_t>& by_level = by_level_tls;
  by_level.resize(on_side);
  {
    // thread_local buffers bound to references once: no TLS lookup per element access.
    thread_local std::vector<std::size_t> fill_tls;
    std::vector<std::size_t>& fill = fill_tls;
    fill.assign(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n; ++i)
      if (order[i] != kNone) by_level[fill[order[i]]++] = i;
  }
  tree.assign(n + 1, 0);
  std::size_t high_bit = 1;
  while (high_bit * 2 <= n) high_bit *= 2;
  // The k-th smallest (1-based) position in the tree.
  auto kth = [&](std::size_t k) {
    std::size_t pos = 0;
    for (std::size_t step = high_bit; step > 0; step /= 2)
      if (pos + step <= n && tree[pos + step] < k) {
        pos += step;
        k -= tree[pos];
      }
    return static_cast<double>(pos + 1);
  };
  mdrmd.assign(nthr, std::numeric_limits<double>::quiet_NaN());
  std::size_t inserted = 0, last_kept = 0;
  bool any_kept = false;
  for (std::size_t j = nthr; j-- > 0;) {
    for (std::size_t b = start[j]; b < start[j + 1]; ++b)
      for (std::size_t p = by_level[b] + 1; p <= n; p += p & (~p + 1)) ++tree[p];
    inserted += start[j + 1] - start[j];
    const double pct = (static_cast<double>(inserted) - 1.0) * 100.0 / static_cast<double>(on_side);
    if (pct > 2.0 && !any_kept) {
      last_kept = j;
      any_kept = true;
    }
    if (inserted == 0) continue;
    const double med =
        inserted % 2 ? kth(inserted / 2 + 1) : (kth(inserted / 2) + kth(inserted / 2 + 1)) / 2.0;
    mdrmd[j] = med / (static_cast<double>(n) / 2.0) - 1.0;
  }
  mdrmd.resize(last_kept + 1);
  return median_of(mdrmd);
}

// ---- Spectrum --------------------------------------------------------------------------------
// The Welch estimate catch22 uses has a rectangular window as long as the series, so it is one
// periodogram of the mean-removed series zero-padded to the next power of two, one-sided (interior
// bins doubled), over angular frequency w = 2 pi f with S(w) = P(f) / (2 pi).
void welch_rect(std::span<const double> z, std::vector<double>& s, std::vector<double>& buf,
                double& dw) {
  const std::size_t n = z.size();
  const std::size_t nfft = next_pow2(n);
  const double m = mean(z);
  buf.assign(nfft, 0.0);
  for (std::size_t i = 0; i < n; ++i) buf[i] = z[i] - m;
  // thread_local buffers bound to references once: no TLS lookup per element access.
  thread_local std::vector<std::complex<double>> spec_tls;
  std::vector<std::complex<double>>& spec = spec_tls;
  spec.assign(buf.begin(), buf.end());
  fft_pow2(spec, kReferencePi);
  const std::size_t nf = nfft / 2 + 1;
  s.resize(nf);
  const double pi2 = 2.0 * kReferencePi;
  for (std::size_t k = 0; k < nf; ++k) {
    double p = std::norm(spec[k]) / static_cast<double>(n);
    if (k > 0 && k < nf - 1) p *= 2.0;
    s[k] = p / pi2;
  }
  dw = pi2 / static_cast<double>(nfft);
}

// ---- Histograms ------------------------------------------------------------------------------
// Equal-width bins over [lo, hi]: bin of v, the last bin closed.
inline int bin_of(double v, double lo, double width, int bins) {
  const double q = (v - lo) / width;
  if (!(q >= 0)) return 0;  // also NaN (zero width): never cast a NaN to int
  if (q >= bins) return bins - 1;
  return static_cast<int>(q);
}

// CO_HistogramAMI_even_2_5: automutual information (nats) of (z[t], z[t+2]) from a 5x5 joint
// histogram with equal-width bins over [min - 0.1, max + 0.1]; a value on an inner edge belongs
// to the upper bin.
double histogram_ami(std::span<const double> z, std::size_t tau, int bins) {
  const std::size_t n = z.size();
  if (n <= tau) return kNaN;
  const auto [mn, mx] = std::minmax_element(z.begin(), z.end());
  constexpr double pad = 0.1;
  const double lo = *mn - pad;
  const double step = (*mx - *mn + 2 * pad) / bins;
  std::vector<double> edges(static_cast<std::size_t>(bins) + 1);
  for (int i = 0; i <= bins; ++i) edges[static_cast<std::size_t>(i)] = lo + step * i;
  auto bin = [&](double v) {
    // first edge strictly above v, minus one (v on an inner edge belongs to the upper bin)
    int b = 0;
    while (b < bins - 1 && v >= edges[static_cast<std::size_t>(b) + 1]) ++b;
    return b;
  };
  const std::size_t m = n - tau;
  std::vector<double> joint(static_cast<std::size_t>(bins * bins), 0.0);
  for (std::size_t t = 0; t < m; ++t)
    joint[static_cast<std::size_t>(bin(z[t]) * bins + bin(z[t + tau]))] += 1.0;
  std::vector<double> pr(static_cast<std::size_t>(bins), 0.0), pc(pr);
  for (auto& v : joint) v /= static_cast<double>(m);
  for (int i = 0; i < bins; ++i)
    for (int j = 0; j < bins; ++j) {
      pr[static_cast<std::size_t>(i)] += joint[static_cast<std::size_t>(i * bins + j)];
      pc[static_cast<std::size_t>(j)] += joint[static_cast<std::size_t>(i * bins + j)];
    }
  double ami = 0.0;
  for (int i = 0; i < bins; ++i)
    for (int j = 0; j < bins; ++j) {
      const double p = joint[static_cast<std::size_t>(i * bins + j)];
      if (p > 0)
        ami +=
            p * std::log(p / (pr[static_cast<std::size_t>(i)] * pc[static_cast<std::size_t>(j)]));
    }
  return ami;
}

// ---- Symbolic features -----------------------------------------------------------------------
// SB_MotifThree_quantile_hh: Shannon entropy (nats) of the pairs of consecutive symbols of the
// 3-symbol quantile coarse-graining.
double motif_three_hh(std::span<const int> s) {
  const std::size_t n = s.size();
  double counts[9] = {0};
  for (std::size_t t = 0; t + 1 < n; ++t) counts[s[t] * 3 + s[t + 1]] += 1.0;
  double h = 0.0;
  for (double c : counts)
    if (c > 0) {
      const double p = c / static_cast<double>(n - 1);
      h -= p * std::log(p);
    }
  return h;
}

// SB_TransitionMatrix_3ac_sumdiagcov: the series sampled every tau points (tau = first zero of
// the autocorrelation), coarse-grained to 3 quantile symbols; the 3x3 matrix of transition
// probabilities; the sum of the variances (n - 1) of its columns.
double transition_sumdiagcov(std::span<const int> s) {
  const std::size_t n = s.size();
  if (n < 2) return kNaN;
  double t[3][3] = {{0}};
  for (std::size_t i = 0; i + 1 < n; ++i) t[s[i]][s[i + 1]] += 1.0;
  for (auto& row : t)
    for (double& v : row) v /= static_cast<double>(n - 1);
  double sum = 0.0;
  for (int c = 0; c < 3; ++c) {
    const double m = (t[0][c] + t[1][c] + t[2][c]) / 3.0;
    double v = 0.0;
    for (int r = 0; r < 3; ++r) v += (t[r][c] - m) * (t[r][c] - m);
    sum += v / 2.0;
  }
  return sum;
}

// ---- Least squares helpers -------------------------------------------------------------------
struct Line {
  double intercept, slope;
};

// Least-squares line through (x[i], y[i]), i < n, by the closed-form normal equations with plain
// running sums: slope = (n Sxy - Sx Sy) / D, intercept = (Sy Sxx - Sx Sxy) / D, D = n Sxx - Sx^2
// (both 0 when D = 0). The fluctuation analysis's result is the first minimum of a sum of fit
// errors, so its fits use this arithmetic, the reference's, rather than fit_line's centred sums:
// the two agree to ~1e-16, which is enough to move a near tie.
Line normal_equation_line(const double* x, const double* y, std::size_t n) {
  double sx = 0, sxx = 0, sxy = 0, sy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sx += x[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
    sy += y[i];
  }
  const double dn = static_cast<double>(n);
  const double denom = dn * sxx - sx * sx;
  if (denom == 0) return {0.0, 0.0};
  return {(sy * sxx - sx * sxy) / denom, (dn * sxy - sx * sy) / denom};
}

// SC_FluctAnal(x, 2, method, 50, 1, lag, logi, prop_r1): fluctuation analysis of the cumulative
// sum of every `lag`-th point over ~50 log-spaced window sizes. The reference works in integers
// where the lengths are concerned, and so does this: the sizes are round(exp(.)) of 50 steps from
// log 5 to log(floor(n / 2)) (n the original length), de-duplicated; the cumulative sum has
// floor(n / lag) points (x[0], x[lag], ...). Per size tau the floor(m / tau) non-overlapping
// windows are detrended by a least-squares line over t = 1..tau; a window's fluctuation is its
// residual range (rsrange: F = sqrt(sum range^2 / windows)) or its residual sum of squares (dfa:
// F = sqrt(sum SSR / (windows tau))). The log-log curve is split in two (split points
// 6 .. ntau - 6, the second line starting at the split point itself) where sqrt(SSE1) +
// sqrt(SSE2) of two straight-line fits is least (the first such split); the feature is
// split / ntau, 0 when there are fewer than 12 sizes.
double fluct_anal(std::span<const double> z, std::size_t lag, bool dfa, std::vector<double>& cs,
                  std::vector<double>& buf) {
  const std::size_t n = z.size();
  constexpr int kNumTau = 50;
  const double lmin = std::log(5.0), lmax = std::log(static_cast<double>(n / 2));
  const double step = (lmax - lmin) / (kNumTau - 1);
  // thread_local buffers bound to references once: no TLS lookup per element access.
  thread_local std::vector<std::size_t> taus_tls;
  std::vector<std::size_t>& taus = taus_tls;
  taus.clear();
  for (int k = 0; k < kNumTau; ++k) {
    const double tau = std::round(std::exp(lmin + k * step));
    const auto t = tau > 0 ? static_cast<std::size_t>(tau) : std::size_t{0};
    if (taus.empty() || taus.back() != t) taus.push_back(t);
  }
  const std::size_t ntt = taus.size();
  constexpr std::size_t kMinPoints = 6;
  if (ntt < 2 * kMinPoints) return 0.0;

  const std::size_t m = n / lag;
  cs.resize(m);
  if (m > 0) cs[0] = z[0];
  for (std::size_t i = 1; i < m; ++i) cs[i] = cs[i - 1] + z[i * lag];
  thread_local std::vector<double> logt_tls, logf_tls;
  std::vector<double>& logt = logt_tls;
  std::vector<double>& logf = logf_tls;
  logt.resize(ntt);
  logf.resize(ntt);
  for (std::size_t k = 0; k < ntt; ++k) {
    const std::size_t tau = taus[k];
    const std::size_t nbuf = tau == 0 ? 0 : m / tau;
    const double dtau = static_cast<double>(tau);
    // The time terms of every window's fit (t = 1..tau) depend on tau only.
    double sx = 0.0, sxx = 0.0;
    for (std::size_t i = 1; i <= tau; ++i) {
      const double t = static_cast<double>(i);
      sx += t;
      sxx += t * t;
    }
    const double denom = dtau * sxx - sx * sx;
    double f = 0.0;
    for (std::size_t w = 0; w < nbuf; ++w) {
      const double* seg = cs.data() + w * tau;
      double sxy = 0.0, sy = 0.0;
      for (std::size_t i = 0; i < tau; ++i) {
        sxy += static_cast<double>(i + 1) * seg[i];
        sy += seg[i];
      }
      double slope = 0.0, intercept = 0.0;
      if (denom != 0) {
        slope = (dtau * sxy - sx * sy) / denom;
        intercept = (sy * sxx - sx * sxy) / denom;
      }
      if (dfa) {
        for (std::size_t i = 0; i < tau; ++i) {
          const double r = seg[i] - (slope * static_cast<double>(i + 1) + intercept);
          f += r * r;
        }
      } else {
        double lo = seg[0] - (slope * 1.0 + intercept), hi = lo;
        for (std::size_t i = 1; i < tau; ++i) {
          const double r = seg[i] - (slope * static_cast<double>(i + 1) + intercept);
          if (r > hi) hi = r;
          if (r < lo) lo = r;
        }
        f += (hi - lo) * (hi - lo);
      }
    }
    const double fk = dfa ? std::sqrt(f / static_cast<double>(nbuf * tau))
                          : std::sqrt(f / static_cast<double>(nbuf));
    logt[k] = std::log(dtau);
    logf[k] = std::log(fk);
  }
  // Split points sp = 6 .. ntt - 6: the first line fits points [0, sp), the second [sp - 1, ntt).
  const auto fit_error = [&](std::size_t from, std::size_t count) {
    const Line line = normal_equation_line(logt.data() + from, logf.data() + from, count);
    double ss = 0.0;
    for (std::size_t i = from; i < from + count; ++i) {
      const double r = logt[i] * line.slope + line.intercept - logf[i];
      ss += r * r;
    }
    return std::sqrt(ss);
  };
  // The reference's argmin: the minimum is seeded with the first error and lowered by every
  // smaller one, then the first split whose error equals it wins. A NaN error (a window size whose
  // fluctuation is 0 gives log 0) never lowers it; a NaN first error leaves a NaN minimum that no
  // split equals, and the answer is then the first split point's rank, 1 / ntau.
  buf.clear();
  for (std::size_t sp = kMinPoints; sp + kMinPoints <= ntt; ++sp)
    buf.push_back(fit_error(0, sp) + fit_error(sp - 1, ntt - sp + 1));
  double least = buf[0];
  for (std::size_t i = 1; i < buf.size(); ++i)
    if (buf[i] < least) least = buf[i];
  std::size_t rank = 1;
  for (std::size_t i = 0; i < buf.size(); ++i)
    if (buf[i] == least) {
      rank = i + kMinPoints;
      break;
    }
  return static_cast<double>(rank) / static_cast<double>(ntt);
}

// ---- PD_PeriodicityWang ----------------------------------------------------------------------
// Cox-de Boor: the cubic B-spline basis values at x for the knot vector `knots`.
void bspline_basis(double x, const std::vector<double>& knots, int order, std::vector<double>& b) {
  const std::size_t nk = knots.size();
  const std::size_t nb = nk - static_cast<std::size_t>(order);
  // thread_local buffers bound to references once: no TLS lookup per element access.
  thread_local std::vector<double> n0_tls;
  std::vector<double>& n0 = n0_tls;
  n0.assign(nk - 1, 0.0);
  // degree 0: the half-open knot interval containing x; the last non-empty interval is closed.
  std::size_t span = 0;
  for (std::size_t i = 0; i + 1 < nk; ++i)
    if (knots[i] < knots[i + 1] && x >= knots[i]) span = i;
  n0[span] = 1.0;
  for (int d = 1; d < order; ++d) {
    for (std::size_t i = 0; i + static_cast<std::size_t>(d) + 1 < nk; ++i) {
      double v = 0.0;
      const double l = knots[i + static_cast<std::size_t>(d)] - knots[i];
      const double r = knots[i + static_cast<std::size_t>(d) + 1] - knots[i + 1];
      if (l > 0) v += (x - knots[i]) / l * n0[i];
      if (r > 0) v += (knots[i + static_cast<std::size_t>(d) + 1] - x) / r * n0[i + 1];
      n0[i] = v;
    }
  }
  b.assign(n0.begin(), n0.begin() + static_cast<std::ptrdiff_t>(nb));
}

// Least-squares cubic spline through (t, y) with the given breaks; writes y - fit into out.
void spline_detrend(std::span<const double> y, const std::vector<double>& breaks,
                    std::vector<double>& out) {
  constexpr int kOrder = 4;
  std::vector<double> knots;
  for (int i = 0; i < kOrder - 1; ++i) knots.push_back(breaks.front());
  for (double b : breaks) knots.push_back(b);
  for (int i = 0; i < kOrder - 1; ++i) knots.push_back(breaks.back());
  const std::size_t nb = knots.size() - kOrder;
  const std::size_t n = y.size();
  std::vector<double> ata(nb * nb, 0.0), aty(nb, 0.0);
  // thread_local buffers bound to references once: no TLS lookup per element access.
  thread_local std::vector<double> basis_tls, rows_tls;
  std::vector<double>& basis = basis_tls;
  std::vector<double>& rows = rows_tls;
  rows.resize(n * nb);
  for (std::size_t i = 0; i < n; ++i) {
    bspline_basis(static_cast<double>(i), knots, kOrder, basis);
    std::copy(basis.begin(), basis.end(), rows.begin() + static_cast<std::ptrdiff_t>(i * nb));
    for (std::size_t a = 0; a < nb; ++a) {
      aty[a] += basis[a] * y[i];
      for (std::size_t b = 0; b < nb; ++b) ata[a * nb + b] += basis[a] * basis[b];
    }
  }
  // Cholesky solve of the (small, symmetric positive definite) normal equations.
  std::vector<double> l(nb * nb, 0.0);
  for (std::size_t j = 0; j < nb; ++j) {
    double d = ata[j * nb + j];
    for (std::size_t k = 0; k < j; ++k) d -= l[j * nb + k] * l[j * nb + k];
    d = std::sqrt(d);
    l[j * nb + j] = d;
    for (std::size_t i = j + 1; i < nb; ++i) {
      double s = ata[i * nb + j];
      for (std::size_t k = 0; k < j; ++k) s -= l[i * nb + k] * l[j * nb + k];
      l[i * nb + j] = s / d;
    }
  }
  std::vector<double> c(aty);
  for (std::size_t i = 0; i < nb; ++i) {
    for (std::size_t k = 0; k < i; ++k) c[i] -= l[i * nb + k] * c[k];
    c[i] /= l[i * nb + i];
  }
  for (std::size_t i = nb; i-- > 0;) {
    for (std::size_t k = i + 1; k < nb; ++k) c[i] -= l[k * nb + i] * c[k];
    c[i] /= l[i * nb + i];
  }
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    double f = 0.0;
    for (std::size_t a = 0; a < nb; ++a) f += rows[i * nb + a] * c[a];
    out[i] = y[i] - f;
  }
}

// acf[k - 1] = sum_{i < n-k} r[i] r[i+k] / (n - k) for k = 1..lags, each sum in plain index order.
// Four lags run side by side (independent additions hide each other's latency); every lag's sum
// is still the sequential one, so the bits are those of one loop per lag.
//
// Above kDirectLagLimit points the direct sums (O(n^2 / 3)) would dominate everything else, so the
// products come from one exact-pi FFT instead (O(n log n)); they then equal the direct sums to
// ~1e-16 of sum r^2, and the feature (an integer lag) could differ from the reference's only where
// two neighbouring lags tie to that precision.
constexpr std::size_t kDirectLagLimit = 8192;

void lagged_mean_products(std::span<const double> r, std::size_t lags, std::vector<double>& acf) {
  const std::size_t n = r.size();
  acf.resize(lags);
  if (n > kDirectLagLimit) {
    thread_local std::vector<double> buf_tls;
    thread_local std::vector<std::complex<double>> spec_tls;
    std::vector<double>& buf = buf_tls;
    std::vector<std::complex<double>>& spec = spec_tls;
    const std::size_t nfft = next_pow2(2 * n);
    buf.assign(nfft, 0.0);
    std::copy(r.begin(), r.end(), buf.begin());
    spectral::rfft(buf, spec);
    // |X|^2 is real and even: its inverse DFT is the forward DFT of the mirrored power / nfft.
    for (std::size_t k = 0; k <= nfft / 2; ++k) buf[k] = std::norm(spec[k]);
    for (std::size_t k = nfft / 2 + 1; k < nfft; ++k) buf[k] = buf[nfft - k];
    spectral::rfft(buf, spec);
    for (std::size_t k = 1; k <= lags; ++k)
      acf[k - 1] = spec[k].real() / static_cast<double>(nfft) / static_cast<double>(n - k);
    return;
  }
  std::size_t k = 1;
  for (; k + 3 <= lags && k + 3 < n; k += 4) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const std::size_t common = n - (k + 3);
    std::size_t i = 0;
    for (; i < common; ++i) {
      const double x = r[i];
      s0 += x * r[i + k];
      s1 += x * r[i + k + 1];
      s2 += x * r[i + k + 2];
      s3 += x * r[i + k + 3];
    }
    for (std::size_t j = i; j + k + 2 < n; ++j) s2 += r[j] * r[j + k + 2];
    for (std::size_t j = i; j + k + 1 < n; ++j) s1 += r[j] * r[j + k + 1];
    for (std::size_t j = i; j + k < n; ++j) s0 += r[j] * r[j + k];
    acf[k - 1] = s0 / static_cast<double>(n - k);
    acf[k] = s1 / static_cast<double>(n - k - 1);
    acf[k + 1] = s2 / static_cast<double>(n - k - 2);
    acf[k + 2] = s3 / static_cast<double>(n - k - 3);
  }
  for (; k <= lags; ++k) {
    double s = 0.0;
    for (std::size_t i = 0; i + k < n; ++i) s += r[i] * r[i + k];
    acf[k - 1] = s / static_cast<double>(n - k);
  }
}

// Wang, Smith & Hyndman (2006) periodicity: detrend with a cubic least-squares spline (breaks at
// 0, n/2 - 1 and n - 1), take the lagged mean products of the residuals, sum_i r_i r_{i+k} / (n-k)
// for k = 1..ceil(n/3), and pick the first local peak that has a local trough before it, rises
// at least th = 0.01 above the last such trough and is not negative (Wang's "positive
// correlation"); 0 if none. The reference reports that peak's lag minus one (its array index),
// and so does this.
double periodicity_wang(std::span<const double> z, std::vector<double>& res,
                        std::vector<double>& acf) {
  constexpr double kTh = 0.01;
  const std::size_t n = z.size();
  const std::vector<double> breaks = {0.0, std::floor(static_cast<double>(n) / 2.0) - 1.0,
                                      static_cast<double>(n - 1)};
  spline_detrend(z, breaks, res);
  const std::size_t acmax = static_cast<std::size_t>(std::ceil(static_cast<double>(n) / 3.0));
  acf.resize(acmax);
  lagged_mean_products(res, acmax, acf);
  // troughs and peaks of acf (acf[i] is lag i + 1)
  std::vector<std::size_t> troughs, peaks;
  for (std::size_t i = 1; i + 1 < acmax; ++i) {
    const double a = acf[i] - acf[i - 1], b = acf[i + 1] - acf[i];
    if (a < 0 && b > 0) troughs.push_back(i);
    if (a > 0 && b < 0) peaks.push_back(i);
  }
  for (std::size_t p : peaks) {
    std::size_t tr = 0;
    bool have = false;
    for (std::size_t t : troughs)
      if (t < p) {
        tr = t;
        have = true;
      }
    if (!have) continue;
    if (acf[p] - acf[tr] < kTh) continue;
    if (acf[p] < 0) continue;
    return static_cast<double>(p);
  }
  return 0.0;
}

// ---- CO_Embed2_Dist_tau_d_expfit_meandiff ----------------------------------------------------
// Distances between successive points of the 2-d delay embedding (z[t], z[t+tau]), tau the first
// zero of the autocorrelation capped at n/10; an exponential fitted by its mean; the mean absolute
// difference between the distances' histogram as probabilities (count / m, Scott's rule for the
// number of bins) and the fitted density at the bin centres.
double embed2_expfit(std::span<const double> z, std::size_t tau, std::vector<double>& d) {
  const std::size_t n = z.size();
  if (static_cast<double>(tau) > static_cast<double>(n) / 10.0)
    tau = static_cast<std::size_t>(std::floor(static_cast<double>(n) / 10.0));
  d.clear();
  for (std::size_t i = 0; i + tau + 1 < n; ++i) {
    const double a = z[i + 1] - z[i], b = z[i + tau + 1] - z[i + tau];
    d.push_back(std::sqrt(a * a + b * b));
  }
  const std::size_t m = d.size();
  if (m == 0) return kNaN;
  const double l = mean(d);
  const double sd = sample_std(d, l);
  const auto [mn, mx] = std::minmax_element(d.begin(), d.end());
  const double range = *mx - *mn;
  const double width = 3.5 * sd / std::cbrt(static_cast<double>(m));
  if (!(range > 1e-12 * l)) return 0.0;  // all distances equal: the reference reports 0
  const double nbins = std::ceil(range / width);
  if (!(nbins >= 1 && nbins <= 1e8)) return kNaN;
  const int bins = static_cast<int>(nbins);
  std::vector<double> counts(static_cast<std::size_t>(bins), 0.0);
  const double step = range / bins;
  for (double v : d) counts[static_cast<std::size_t>(bin_of(v, *mn, step, bins))] += 1.0;
  double sum = 0.0;
  for (int i = 0; i < bins; ++i) {
    const double centre = *mn + step * (i + 0.5);
    const double dens = counts[static_cast<std::size_t>(i)] / static_cast<double>(m);
    const double expf = std::exp(-centre / l) / l;
    sum += std::fabs(dens - expf);
  }
  return sum / bins;
}

}  // namespace

std::string_view long_name(Feature f) { return kNames[static_cast<int>(f)].long_name; }
std::string_view short_name(Feature f) { return kNames[static_cast<int>(f)].short_name; }

std::array<Feature, kNumFeatures> all_features() {
  std::array<Feature, kNumFeatures> a{};
  for (std::size_t i = 0; i < kNumFeatures; ++i) a[i] = static_cast<Feature>(i);
  return a;
}

double mean(std::span<const double> x) {
  double s = 0.0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double sample_std(std::span<const double> x, double m) {
  double s = 0.0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(x.size() - 1));
}

void autocorrelation(std::span<const double> x, std::vector<double>& acf) {
  const std::size_t n = x.size();
  const std::size_t nfft = next_pow2(2 * n);
  const double m = mean(x);
  // thread_local buffers bound to references once: no TLS lookup per element access.
  thread_local std::vector<std::complex<double>> spec_tls;
  std::vector<std::complex<double>>& spec = spec_tls;
  spec.assign(nfft, {0.0, 0.0});
  for (std::size_t i = 0; i < n; ++i) spec[i] = x[i] - m;
  fft_pow2(spec, kReferencePi);
  for (auto& c : spec) c = {c.real() * c.real() + c.imag() * c.imag(), 0.0};  // X conj(X)
  // The power is real, so the inverse transform's real part equals the forward one's (the
  // conjugate twiddles only negate imaginary parts, bit for bit).
  fft_pow2(spec, kReferencePi);
  acf.resize(n);
  const double c0 = spec[0].real();
  for (std::size_t k = 0; k < n; ++k) acf[k] = spec[k].real() / c0;
}

std::size_t first_zero_crossing(std::span<const double> acf) {
  for (std::size_t k = 1; k < acf.size(); ++k)
    if (acf[k] <= 0) return k;
  return acf.size();
}

double histogram_mode(std::span<const double> x, int bins) {
  const auto [mn, mx] = std::minmax_element(x.begin(), x.end());
  const double lo = *mn, width = (*mx - *mn) / bins;
  std::vector<int> counts(static_cast<std::size_t>(bins), 0);
  for (double v : x) ++counts[static_cast<std::size_t>(bin_of(v, lo, width, bins))];
  int best = -1, ties = 0;
  double centres = 0.0;
  for (int i = 0; i < bins; ++i) {
    const int c = counts[static_cast<std::size_t>(i)];
    const double centre = ((lo + width * i) + (lo + width * (i + 1))) / 2.0;
    if (c > best) {
      best = c;
      ties = 1;
      centres = centre;
    } else if (c == best) {
      ++ties;
      centres += centre;
    }
  }
  return centres / ties;
}

double matlab_quantile(std::span<const double> sorted, double p) {
  const std::size_t n = sorted.size();
  const double q = 0.5 / static_cast<double>(n);
  if (p < q) return sorted.front();
  if (p > 1.0 - q) return sorted.back();
  const double pos = static_cast<double>(n) * p - 0.5;
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = static_cast<std::size_t>(std::ceil(pos));
  if (lo == hi) return sorted[lo];
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

void coarse_grain_quantile(std::span<const double> x, std::span<const double> sorted, int k,
                           std::vector<int>& symbols) {
  std::vector<double> th(static_cast<std::size_t>(k) + 1);
  for (int j = 0; j <= k; ++j)
    th[static_cast<std::size_t>(j)] = matlab_quantile(sorted, static_cast<double>(j) / k);
  th[0] -= 1.0;
  symbols.assign(x.size(), 0);
  for (std::size_t i = 0; i < x.size(); ++i)
    for (int j = 0; j < k; ++j)
      if (x[i] > th[static_cast<std::size_t>(j)] && x[i] <= th[static_cast<std::size_t>(j) + 1]) {
        symbols[i] = j;
        break;
      }
}

std::size_t longest_stretch(std::span<const int> bits, int value) {
  // A stretch of `value` is measured from one other-symbol position to the next (its length + 1),
  // the first measured from position 0 and the last closed at the final position.
  std::size_t best = 0, last = 0;
  for (std::size_t i = 0; i < bits.size(); ++i)
    if (bits[i] != value || i + 1 == bits.size()) {
      best = std::max(best, i - last);
      last = i;
    }
  return best;
}

// ---- Context ---------------------------------------------------------------------------------

void Context::reset(std::span<const double> values) {
  x_ = values;
  valid_ = values.size() >= kMinLength;
  for (double v : values)
    if (!std::isfinite(v)) valid_ = false;
  have_z_ = have_acf_ = have_first_zero_ = have_welch_ = false;
}

void Context::ensure_zscore() {
  if (have_z_) return;
  have_z_ = true;
  mean_ = mean(x_);
  std_ = sample_std(x_, mean_);
  constant_ = !(std_ > 0);
  // A spread beyond the double range (values near +-1.8e308) cannot be z-scored: no values.
  unscalable_ = !std::isfinite(std_);
  z_.resize(x_.size());
  for (std::size_t i = 0; i < x_.size(); ++i) z_[i] = (x_[i] - mean_) / std_;
}

void Context::ensure_acf() {
  ensure_zscore();
  if (have_acf_) return;
  have_acf_ = true;
  autocorrelation(z_, acf_);
}

std::size_t Context::first_zero() {
  ensure_acf();
  if (!have_first_zero_) {
    first_zero_ = first_zero_crossing(acf_);
    have_first_zero_ = true;
  }
  return first_zero_;
}

double Context::compute(Feature f) {
  if (!valid_) return kNaN;
  ensure_zscore();
  if (f == Feature::kMean) return mean_;
  if (f == Feature::kSpreadStd) return std_;
  if (unscalable_) return kNaN;
  if (constant_) {
    if (f == Feature::kF1ecac || f == Feature::kFirstMinAc || f == Feature::kPeriodicityWang)
      return 0.0;
    return kNaN;
  }
  const std::span<const double> z(z_);
  const std::size_t n = z.size();
  switch (f) {
    case Feature::kHistogramMode5:
      return histogram_mode(z, 5);
    case Feature::kHistogramMode10:
      return histogram_mode(z, 10);
    case Feature::kOutlierIncludeP:
      return outlier_include(z, 1.0, work_, sizes_, sizes2_);
    case Feature::kOutlierIncludeN:
      return outlier_include(z, -1.0, work_, sizes_, sizes2_);
    case Feature::kF1ecac: {
      ensure_acf();
      const double th = 1.0 / std::exp(1.0);
      for (std::size_t k = 1; k < n; ++k)
        if (acf_[k] < th) {
          const double a = acf_[k - 1], b = acf_[k];
          return static_cast<double>(k - 1) + (th - a) / (b - a);
        }
      return static_cast<double>(n);
    }
    case Feature::kFirstMinAc: {
      ensure_acf();
      for (std::size_t k = 1; k + 1 < n; ++k)
        if (acf_[k] < acf_[k - 1] && acf_[k] < acf_[k + 1]) return static_cast<double>(k);
      return static_cast<double>(n);
    }
    case Feature::kWelchArea51:
    case Feature::kWelchCentroid: {
      if (!have_welch_) {  // both features read the same spectrum
        welch_rect(z, welch_, work2_, welch_dw_);
        have_welch_ = true;
      }
      const std::size_t nf = welch_.size();
      if (f == Feature::kWelchArea51) {
        double s = 0.0;
        for (std::size_t k = 0; k < nf / 5; ++k) s += welch_[k];
        return s * welch_dw_;
      }
      double total = 0.0;
      for (double v : welch_) total += v;
      double cs = 0.0;
      for (std::size_t k = 0; k < nf; ++k) {
        cs += welch_[k];
        if (cs > total / 2.0) return static_cast<double>(k) * welch_dw_;
      }
      return kNaN;
    }
    case Feature::kLocalSimpleMean3Stderr: {
      work_.resize(n - 3);
      for (std::size_t i = 0; i + 3 < n; ++i)
        work_[i] = z[i + 3] - (z[i] + z[i + 1] + z[i + 2]) / 3.0;
      return sample_std(work_, mean(work_));
    }
    case Feature::kLocalSimpleMean1Tauresrat: {
      work_.resize(n - 1);
      for (std::size_t i = 0; i + 1 < n; ++i) work_[i] = z[i + 1] - z[i];
      autocorrelation(work_, work2_);
      const double tres = static_cast<double>(first_zero_crossing(work2_));
      return tres / static_cast<double>(first_zero());
    }
    case Feature::kHrvPnn40: {
      std::size_t c = 0;
      for (std::size_t i = 0; i + 1 < n; ++i)
        if (std::fabs(z[i + 1] - z[i]) * 1000.0 > 40.0) ++c;
      return static_cast<double>(c) / static_cast<double>(n - 1);
    }
    case Feature::kBinaryStatsMeanLongstretch1: {
      // 1 above the mean; the last point is not scanned (reference behaviour).
      const double m = mean(z);
      ints_.resize(n - 1);
      for (std::size_t i = 0; i + 1 < n; ++i) ints_[i] = z[i] - m > 0 ? 1 : 0;
      return static_cast<double>(longest_stretch(ints_, 1));
    }
    case Feature::kBinaryStatsDiffLongstretch0: {
      // 0 for a decrease, 1 for a step up or a flat step.
      ints_.resize(n - 1);
      for (std::size_t i = 0; i + 1 < n; ++i) ints_[i] = z[i + 1] - z[i] < 0 ? 0 : 1;
      return static_cast<double>(longest_stretch(ints_, 0));
    }
    case Feature::kMotifThreeHh: {
      work_.assign(z.begin(), z.end());
      std::sort(work_.begin(), work_.end());
      coarse_grain_quantile(z, work_, 3, ints_);
      return motif_three_hh(ints_);
    }
    case Feature::kHistogramAmi2_5:
      return histogram_ami(z, 2, 5);
    case Feature::kTrev1Num: {
      double s = 0.0;
      for (std::size_t i = 0; i + 1 < n; ++i) {
        const double d = z[i + 1] - z[i];
        s += spectral::libm_pow(d, 3.0);  // the reference's pow: d * d * d differs in the last bit
      }
      return s / static_cast<double>(n - 1);
    }
    case Feature::kAmiGaussianFmmi: {
      // r is the Pearson correlation of the overlapping segments (their own means), not the ACF.
      const std::size_t tau = std::min<std::size_t>(
          40, static_cast<std::size_t>(std::ceil(static_cast<double>(n) / 2.0)));
      work_.resize(tau);
      for (std::size_t k = 1; k <= tau; ++k) {
        const std::size_t m = n - k;
        const double ma = mean(z.subspan(0, m)), mb = mean(z.subspan(k, m));
        double sab = 0, saa = 0, sbb = 0;
        for (std::size_t i = 0; i < m; ++i) {
          const double a = z[i] - ma, b = z[i + k] - mb;
          sab += a * b;
          saa += a * a;
          sbb += b * b;
        }
        const double r = sab / std::sqrt(saa * sbb);
        work_[k - 1] = -0.5 * std::log(1.0 - r * r);
      }
      for (std::size_t i = 1; i + 1 < tau; ++i)
        if (work_[i] < work_[i - 1] && work_[i] < work_[i + 1]) return static_cast<double>(i);
      return static_cast<double>(tau);
    }
    case Feature::kTransitionMatrixSumdiagcov: {
      const std::size_t tau = first_zero();
      work_.clear();
      for (std::size_t i = 0; i < n; i += tau) work_.push_back(z[i]);
      work2_.assign(work_.begin(), work_.end());
      std::sort(work2_.begin(), work2_.end());
      coarse_grain_quantile(work_, work2_, 3, ints_);
      return transition_sumdiagcov(ints_);
    }
    case Feature::kPeriodicityWang:
      return periodicity_wang(z, work_, work2_);
    case Feature::kEmbed2DistExpfitMeandiff:
      return embed2_expfit(z, first_zero(), work_);
    case Feature::kFluctAnalRsrange:
      return fluct_anal(z, 1, false, work_, work2_);
    case Feature::kFluctAnalDfa:
      return fluct_anal(z, 2, true, work_, work2_);
    default:
      return kNaN;
  }
}

}  // namespace freshet::fresh::catch22
