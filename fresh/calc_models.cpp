// Calculators: agg_autocorrelation, partial_autocorrelation, ar_coefficient,
// augmented_dickey_fuller, friedrich_coefficients, max_langevin_fixed_point.
//
// Each reproduces tsfresh 0.21.2 and the statsmodels 0.13.5 / numpy 1.24 / pandas 1.5 routines
// it calls (see the notes at each calculator); the arithmetic is ours (Eigen for the small
// dense algebra, its FFT module for long autocovariances).
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <string>
#include <unsupported/Eigen/FFT>
#include <vector>

#include "core/error.hpp"
#include "fresh/calc_util.hpp"
#include "fresh/calculator.hpp"
#include "fresh/regression.hpp"

namespace freshet::fresh {

namespace {

using detail::kNaN;
using nlohmann::json;

using detail::bad;

// ---------------------------------------------------------------------------------------------
// Autocovariance with the "adjusted" divisor (statsmodels acovf(adjusted=True, demean=True)):
// acov[k] = sum_t (x[t+k]-mean)(x[t]-mean) / (n-k), k = 0..nlags (nlags <= n-1).
// A direct sum costs O(nlags * n); above kDirectMaxLags lags one FFT (O(n log n)) is cheaper, so
// the cost is never quadratic in n. Both agree to ~1e-16 * acov[0].
constexpr std::size_t kDirectMaxLags = 64;

std::vector<double> adjusted_acov(std::span<const double> x, double mean, std::size_t nlags) {
  const std::size_t n = x.size();
  std::vector<double> xo(n);
  for (std::size_t i = 0; i < n; ++i) xo[i] = x[i] - mean;
  std::vector<double> acov(nlags + 1);
  if (nlags + 1 <= kDirectMaxLags) {
    detail::netlib_lag_dots(xo.data(), n, 0, nlags + 1, acov.data());
    for (std::size_t k = 0; k <= nlags; ++k) acov[k] /= static_cast<double>(n - k);
    return acov;
  }
  std::size_t m = 1;
  while (m < 2 * n + 1) m <<= 1;
  std::vector<double> padded(m, 0.0);
  std::copy(xo.begin(), xo.end(), padded.begin());
  Eigen::FFT<double> fft;
  std::vector<std::complex<double>> spec;
  fft.fwd(spec, padded);
  for (auto& c : spec) c = std::complex<double>(std::norm(c), 0.0);
  std::vector<double> corr;
  fft.inv(corr, spec);
  for (std::size_t k = 0; k <= nlags; ++k) acov[k] = corr[k] / static_cast<double>(n - k);
  return acov;
}

// ---------------------------------------------------------------------------------------------
// agg_autocorrelation: r = acf(x, adjusted=True, nlags=max maxlag)[1:] (min(maxlag, n-1) lags);
// zeros when var < 1e-10 or n == 1; feature = f_agg(r[:maxlag]).
enum class Agg { kMean, kMedian, kVar, kStd, kSum, kMax, kMin };

struct AggAcfParam {
  Agg agg;
  long long maxlag;
};

double apply_agg(Agg agg, std::span<const double> v) {
  switch (agg) {
    case Agg::kMean:
      return np_mean(v);
    case Agg::kMedian:
      return np_median(v);
    case Agg::kVar:
      return np_var(v);
    case Agg::kStd:
      return std::sqrt(np_var(v));
    case Agg::kSum:
      return pairwise_sum(v);
    case Agg::kMax:
    case Agg::kMin: {
      if (v.empty()) return kNaN;  // numpy raises on an empty reduction
      double r = v[0];
      for (double d : v) {
        if (std::isnan(d)) return kNaN;
        r = agg == Agg::kMax ? std::max(r, d) : std::min(r, d);
      }
      return r;
    }
  }
  return kNaN;
}

void agg_autocorrelation(const Series& s, std::span<const AggAcfParam> ps, std::span<double> out) {
  const std::size_t n = s.size();
  long long max_maxlag = 0;
  for (const auto& p : ps) max_maxlag = std::max(max_maxlag, p.maxlag);
  if (n == 0) {
    std::fill(out.begin(), out.end(), kNaN);
    return;
  }
  std::vector<double> a;
  const double var = s.variance();
  if (std::abs(var) < 1e-10 || n == 1) {
    a.assign(n, 0.0);
  } else {
    const std::size_t nlags = std::min<std::size_t>(static_cast<std::size_t>(max_maxlag), n - 1);
    std::vector<double> acov = adjusted_acov(s.values(), s.mean(), nlags);
    a.resize(nlags);
    for (std::size_t k = 1; k <= nlags; ++k) a[k - 1] = acov[k] / acov[0];
  }
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const std::size_t len = std::min<std::size_t>(a.size(), static_cast<std::size_t>(ps[i].maxlag));
    out[i] = apply_agg(ps[i].agg, std::span<const double>(a.data(), len));
  }
}

// ---------------------------------------------------------------------------------------------
// partial_autocorrelation: statsmodels pacf(x, method="ld", nlags=L): Levinson-Durbin on the
// adjusted autocovariances, L = min(max lag, n//2 - 1); lags beyond L are NaN.
void partial_autocorrelation(const Series& s, std::span<const long long> lags,
                             std::span<double> out) {
  const long long n = static_cast<long long>(s.size());
  long long max_demanded = 0;
  for (long long l : lags) max_demanded = std::max(max_demanded, l);
  std::vector<double> coeffs;  // lags 0..L where computed; NaN beyond
  if (n > 1) {
    const long long max_lag = max_demanded >= n / 2 ? n / 2 - 1 : max_demanded;
    if (max_lag > 0) {
      const std::size_t L = static_cast<std::size_t>(max_lag);
      std::vector<double> sxx = adjusted_acov(s.values(), s.mean(), L);
      // phi[j][k] as in statsmodels.tsa.stattools.levinson_durbin.
      std::vector<double> phi((L + 1) * (L + 1), 0.0);
      auto P = [&](std::size_t j, std::size_t k) -> double& { return phi[j * (L + 1) + k]; };
      std::vector<double> sig(L + 1, 0.0);
      P(1, 1) = sxx[1] / sxx[0];
      sig[1] = sxx[0] - P(1, 1) * sxx[1];
      for (std::size_t k = 2; k <= L; ++k) {
        double dot = 0.0;
        for (std::size_t j = 1; j < k; ++j) dot += P(j, k - 1) * sxx[k - j];
        P(k, k) = (sxx[k] - dot) / sig[k - 1];
        for (std::size_t j = 1; j < k; ++j) P(j, k) = P(j, k - 1) - P(k, k) * P(k - j, k - 1);
        sig[k] = sig[k - 1] * (1.0 - P(k, k) * P(k, k));
      }
      coeffs.assign(L + 1, 1.0);
      for (std::size_t k = 1; k <= L; ++k) coeffs[k] = P(k, k);
    }
  }
  for (std::size_t i = 0; i < lags.size(); ++i)
    out[i] = static_cast<std::size_t>(lags[i]) < coeffs.size()
                 ? coeffs[static_cast<std::size_t>(lags[i])]
                 : kNaN;
}

// ---------------------------------------------------------------------------------------------
// ar_coefficient: statsmodels AutoReg(x, lags=k, trend="c").fit().params (conditional OLS,
// pinv). When the model cannot be fitted (no more rows than regressors: n <= 2k + 1) tsfresh stores
// [NaN] * k, so coeff < k is NaN and coeff == k is 0 (its IndexError branch).
struct ArParam {
  long long coeff, k;
};

std::vector<double> fit_autoreg(std::span<const double> x, long long k) {
  const long long n = static_cast<long long>(x.size());
  const long long rows = n - k;
  // rows < k + 1: ValueError; rows == k + 1: ZeroDivisionError in AutoReg.fit (nobs / (nobs - k)).
  if (rows <= k + 1 || k >= n) return {};
  for (double v : x)
    if (!std::isfinite(v)) return {};
  Eigen::MatrixXd X(rows, k + 1);
  Eigen::VectorXd y(rows);
  for (long long t = k; t < n; ++t) {
    const Eigen::Index r = t - k;
    X(r, 0) = 1.0;
    for (long long j = 1; j <= k; ++j) X(r, j) = x[static_cast<std::size_t>(t - j)];
    y(r) = x[static_cast<std::size_t>(t)];
  }
  const detail::OlsResult fit = detail::ols_pinv(X, y);
  if (!fit.ok) return {};
  return std::vector<double>(fit.params.data(), fit.params.data() + fit.params.size());
}

void ar_coefficient(const Series& s, std::span<const ArParam> ps, std::span<double> out) {
  std::vector<std::pair<long long, std::vector<double>>> cache;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const auto [p, k] = ps[i];
    auto it =
        std::find_if(cache.begin(), cache.end(), [k = k](const auto& e) { return e.first == k; });
    if (it == cache.end()) {
      cache.emplace_back(k, fit_autoreg(s.values(), k));
      it = cache.end() - 1;
    }
    // An empty fit stands for tsfresh's [NaN] * k: index k of it raises IndexError -> 0.
    const auto& mod = it->second;
    if (p > k)
      out[i] = kNaN;
    else if (mod.empty())
      out[i] = p < k ? kNaN : 0.0;
    else
      out[i] = mod[static_cast<std::size_t>(p)];
  }
}

// ---------------------------------------------------------------------------------------------
// friedrich_coefficients / max_langevin_fixed_point: signal = x[:-1], delta = diff(x);
// pd.qcut(signal, r) (np.quantile edges; duplicate edges raise -> NaN); per non-empty bin the
// means of signal and delta (pandas' Kahan-compensated group mean); np.polyfit(deg=m).

// numpy's linspace(0, 1, num)[k].
double linspace01(long long k, long long num) {
  const long long div = num - 1;
  if (k == div) return 1.0;
  const double step = 1.0 / static_cast<double>(div);
  return static_cast<double>(k) * step + 0.0;
}

std::vector<double> estimate_friedrich(const Series& s, long long m, long long r) {
  std::vector<double> fail(static_cast<std::size_t>(m + 1), kNaN);
  const std::span<const double> x = s.values();
  const std::size_t n = x.size();
  if (n < 2) return fail;  // np.quantile of an empty signal raises IndexError
  const std::span<const double> signal = x.first(n - 1);
  for (double v : x)
    if (!std::isfinite(v)) return fail;
  // sort(x[:-1]) is the series' sorted copy less one instance of the last value (all finite).
  const std::span<const double> all = s.sorted();
  thread_local std::vector<double> sorted;
  const auto drop = std::lower_bound(all.begin(), all.end(), x[n - 1]);
  sorted.assign(all.begin(), drop);
  sorted.insert(sorted.end(), drop + 1, all.end());
  const long long nedges = r + 1;
  std::vector<double> edges(static_cast<std::size_t>(nedges));
  for (long long k = 0; k < nedges; ++k)
    edges[static_cast<std::size_t>(k)] = sorted_quantile(sorted, linspace01(k, nedges));
  if (nedges != 2) {
    std::vector<double> u = edges;
    std::sort(u.begin(), u.end());
    if (std::adjacent_find(u.begin(), u.end()) != u.end()) return fail;  // duplicate edges
  }
  // Kahan-compensated sums per bin, in series order (pandas group_mean).
  const std::size_t nb = static_cast<std::size_t>(r);
  std::vector<double> sx(nb, 0.0), cx(nb, 0.0), sy(nb, 0.0), cy(nb, 0.0);
  std::vector<long long> cnt(nb, 0);
  auto kahan = [](double& sum, double& comp, double v) {
    const double y = v - comp;
    const double t = sum + y;
    comp = t - sum - y;
    sum = t;
  };
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double v = signal[i];
    // searchsorted(edges, v, side="left"), with v == edges[0] put in the first bin.
    long long id = std::lower_bound(edges.begin(), edges.end(), v) - edges.begin();
    if (v == edges[0]) id = 1;
    if (id == 0 || id == nedges) continue;  // outside every bin
    const std::size_t b = static_cast<std::size_t>(id - 1);
    kahan(sx[b], cx[b], v);
    kahan(sy[b], cy[b], x[i + 1] - x[i]);
    ++cnt[b];
  }
  std::vector<double> xm, ym;
  for (std::size_t b = 0; b < nb; ++b) {
    if (cnt[b] == 0) continue;
    const double mx = sx[b] / static_cast<double>(cnt[b]);
    const double my = sy[b] / static_cast<double>(cnt[b]);
    if (std::isnan(mx) || std::isnan(my)) continue;
    xm.push_back(mx);
    ym.push_back(my);
  }
  if (xm.empty()) return fail;
  std::vector<double> c = detail::polyfit(xm, ym, static_cast<int>(m));
  if (c.empty()) return fail;
  return c;
}

struct FriedrichParam {
  long long coeff, m, r;
};

// estimate_friedrich(s, m, r), remembered per thread for the current series: friedrich_coefficients
// and max_langevin_fixed_point (both m=3, r=30 in tsfresh's grids) share one fit.
const std::vector<double>& friedrich_fit(const Series& s, long long m, long long r) {
  struct Fit {
    long long m, r;
    std::vector<double> coeffs;
  };
  thread_local std::uint64_t generation = 0;
  thread_local std::vector<Fit> fits;
  if (generation != s.generation()) {
    fits.clear();
    generation = s.generation();
  }
  for (const Fit& f : fits)
    if (f.m == m && f.r == r) return f.coeffs;
  fits.push_back({m, r, estimate_friedrich(s, m, r)});
  return fits.back().coeffs;
}

void friedrich_coefficients(const Series& s, std::span<const FriedrichParam> ps,
                            std::span<double> out) {
  for (std::size_t i = 0; i < ps.size(); ++i) {
    // Read before the next call: friedrich_fit may grow its cache (and move the vectors).
    const std::vector<double>& c = friedrich_fit(s, ps[i].m, ps[i].r);
    out[i] = static_cast<std::size_t>(ps[i].coeff) < c.size()
                 ? c[static_cast<std::size_t>(ps[i].coeff)]
                 : kNaN;
  }
}

long long positive_int(const Params& p, const char* key, const std::string& calc, long long min) {
  const long long v = param_int(p, key, calc);
  if (v < min)
    bad(calc, std::string("parameter '") + key + "' must be >= " + std::to_string(min) + ", got " +
                  std::to_string(v));
  return v;
}

// Polynomial degrees and bin counts beyond these are not meaningful and would only allocate.
long long bounded_int(const Params& p, const char* key, const std::string& calc, long long min,
                      long long max) {
  const long long v = positive_int(p, key, calc, min);
  if (v > max)
    bad(calc, std::string("parameter '") + key + "' must be <= " + std::to_string(max) + ", got " +
                  std::to_string(v));
  return v;
}

}  // namespace

void register_model_calculators() {
  using detail::make_combiner;
  using detail::make_param;

  {
    json grid = json::array();
    for (const char* f : {"mean", "median", "var"}) grid.push_back({{"f_agg", f}, {"maxlag", 40}});
    register_calculator(make_combiner<AggAcfParam>(
        "agg_autocorrelation", grid,
        [](const Params& p, const std::string& n) {
          const std::string f = param_string(p, "f_agg", n);
          AggAcfParam r{};
          if (f == "mean")
            r.agg = Agg::kMean;
          else if (f == "median")
            r.agg = Agg::kMedian;
          else if (f == "var")
            r.agg = Agg::kVar;
          else if (f == "std")
            r.agg = Agg::kStd;
          else if (f == "sum")
            r.agg = Agg::kSum;
          else if (f == "max")
            r.agg = Agg::kMax;
          else if (f == "min")
            r.agg = Agg::kMin;
          else
            bad(n,
                "parameter 'f_agg' must be one of mean, median, var, std, sum, max, min, got \"" +
                    f + "\"");
          r.maxlag = positive_int(p, "maxlag", n, 0);
          return r;
        },
        agg_autocorrelation));
  }
  {
    json grid = json::array();
    for (int lag = 0; lag < 10; ++lag) grid.push_back({{"lag", lag}});
    register_calculator(make_combiner<long long>(
        "partial_autocorrelation", grid,
        [](const Params& p, const std::string& n) { return positive_int(p, "lag", n, 0); },
        partial_autocorrelation));
  }
  {
    json grid = json::array();
    for (int c = 0; c <= 10; ++c) grid.push_back({{"coeff", c}, {"k", 10}});
    register_calculator(make_combiner<ArParam>(
        "ar_coefficient", grid,
        [](const Params& p, const std::string& n) {
          return ArParam{positive_int(p, "coeff", n, 0), positive_int(p, "k", n, 0)};
        },
        ar_coefficient));
  }
  {
    json grid = json::array();
    for (int c = 0; c <= 3; ++c) grid.push_back({{"coeff", c}, {"m", 3}, {"r", 30}});
    register_calculator(make_combiner<FriedrichParam>(
        "friedrich_coefficients", grid,
        [](const Params& p, const std::string& n) {
          return FriedrichParam{positive_int(p, "coeff", n, 0), bounded_int(p, "m", n, 1, 100),
                                bounded_int(p, "r", n, 1, 10000000)};
        },
        friedrich_coefficients));
  }
  {
    struct LangevinParam {
      long long m, r;
    };
    json grid = json::array({{{"m", 3}, {"r", 30}}});
    register_calculator(make_param<LangevinParam>(
        "max_langevin_fixed_point", grid,
        [](const Params& p, const std::string& n) {
          return LangevinParam{bounded_int(p, "m", n, 1, 100), bounded_int(p, "r", n, 1, 10000000)};
        },
        [](const Series& s, const LangevinParam& p) {
          return detail::max_real_root(friedrich_fit(s, p.m, p.r));
        }));
  }
}

}  // namespace freshet::fresh
