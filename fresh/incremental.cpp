#include "fresh/incremental.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <limits>
#include <numbers>
#include <utility>

#include "core/error.hpp"
#include "fresh/calculator.hpp"
#include "fresh/names.hpp"
#include "fresh/numpy.hpp"
#include "fresh/series.hpp"

namespace freshet::fresh {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Kind {
  kAbsEnergy,
  kAbsMax,
  kAbsSumChanges,
  kAutocorrelation,
  kC3,
  kCidCe,
  kCountAbove,
  kCountBelow,
  kFftCoefficient,
  kKurtosis,
  kLength,
  kMax,
  kMean,
  kMeanAbsChange,
  kMeanChange,
  kMeanSecondDerivative,
  kMedian,
  kMin,
  kQuantile,
  kRms,
  kSkewness,
  kStd,
  kSum,
  kTimeReversal,
  kVariance
};

// Sorted by name (binary search); Kind's order is the same.
constexpr std::array<std::string_view, 25> kNames = {"abs_energy",
                                                     "absolute_maximum",
                                                     "absolute_sum_of_changes",
                                                     "autocorrelation",
                                                     "c3",
                                                     "cid_ce",
                                                     "count_above",
                                                     "count_below",
                                                     "fft_coefficient",
                                                     "kurtosis",
                                                     "length",
                                                     "maximum",
                                                     "mean",
                                                     "mean_abs_change",
                                                     "mean_change",
                                                     "mean_second_derivative_central",
                                                     "median",
                                                     "minimum",
                                                     "quantile",
                                                     "root_mean_square",
                                                     "skewness",
                                                     "standard_deviation",
                                                     "sum_values",
                                                     "time_reversal_asymmetry_statistic",
                                                     "variance"};

// The parameter sets of an incremental calculator that have the incremental form: cid_ce only
// without normalisation (normalize=true divides by the window's deviation, a different series
// per window). Anything else that is not plainly normalize=false stays with the registered
// calculator, which validates it.
bool incremental_params(std::string_view calculator, const Params& p) {
  if (calculator != "cid_ce") return true;
  if (!p.is_object()) return false;
  const auto it = p.find("normalize");
  return it != p.end() && it->is_boolean() && !it->get<bool>();
}

// A compensated sum (Neumaier's scheme with Knuth's branch-free TwoSum for the rounding error of
// each addition, which the data-dependent branch of the textbook form would mispredict);
// subtracting is adding the negation. Its error stays near one rounding of the true sum however
// many terms pass through, until re-anchored.
struct CompensatedSum {
  double sum = 0, carry = 0;
  void add(double x) {
    const double t = sum + x;
    const double z = t - sum;
    carry += (sum - (t - z)) + (x - z);
    sum = t;
  }
  double value() const { return sum + carry; }
  void clear() { sum = carry = 0; }
};

// A sliding sum over the window of one product of lagged points: (x_i - K)(x_{i+l} - K) for
// autocorrelation, x_{i+2l} x_{i+l} x_i for c3, x_{i+2l}^2 x_{i+l} - x_{i+l} x_i^2 for
// time_reversal_asymmetry_statistic. Each term is computed with the same operations (and
// operand order) as the registered calculator, so only the summation differs.
struct LagSum {
  Kind kind;
  std::size_t lag;
  CompensatedSum sum;
  // Points a term spans after its first one.
  std::size_t reach() const { return kind == Kind::kAutocorrelation ? lag : 2 * lag; }
};

struct Output {
  Kind kind;
  double param = 0;         // q or t
  std::size_t t = 0;        // index into thresholds (count_above / count_below)
  std::size_t lag = 0;      // autocorrelation, c3, time_reversal_asymmetry_statistic
  std::size_t term = 0;     // index into lag sums
  std::size_t coeff = 0;    // fft_coefficient: k (o.term indexes Impl::fft_coeffs)
  int attr = 0;             // fft_coefficient: 0 real, 1 imag, 2 abs, 3 angle
  std::size_t scratch = 0;  // index into Impl::scratch, and the output's place in it
  std::size_t scratch_pos = 0;
};

// pandas' nanops rounds |m| < 1e-14 to 0 (zero_out_fperr); a sliding moment this close to the
// cut could fall on the other side of it, so such windows are computed from scratch.
constexpr double kMomentCut = 1e-12;
// np.isclose(variance, 0) in autocorrelation: |v| <= 1e-8. Within this relative margin of the
// cut, from scratch.
constexpr double kAcfCut = 1e-8;
constexpr double kAcfMargin = 1e-6;
// fft_coefficient's angle is recomputed from scratch when the coefficient lies within this
// fraction of the window's sum |x| of 0 (any direction within rounding) or of the negative real
// axis (where the angle jumps from 180 to -180 degrees): there the sliding and the FFT's
// rounding could give angles far apart, both right to rounding.
constexpr double kAngleCut = 1e-6;

}  // namespace

std::span<const std::string_view> incremental_calculator_names() { return kNames; }

bool has_incremental_form(std::string_view calculator) {
  return std::binary_search(kNames.begin(), kNames.end(), calculator);
}

SplitSettings split_incremental(const Settings& settings) {
  SplitSettings out;
  auto split = [](const FcParameters& all, FcParameters& inc, FcParameters& rest) {
    for (const auto& [name, params] : all) {
      if (!has_incremental_form(name)) {
        rest.emplace(name, params);
      } else if (!params.is_array()) {
        (name == "cid_ce" ? rest : inc).emplace(name, params);
      } else {
        // Per parameter set: those with the sliding form, the others from scratch.
        Params yes = Params::array(), no = Params::array();
        for (const auto& p : params) (incremental_params(name, p) ? yes : no).push_back(p);
        if (!yes.empty()) inc.emplace(name, std::move(yes));
        if (!no.empty()) rest.emplace(name, std::move(no));
      }
    }
  };
  split(settings.all_kinds, out.incremental.all_kinds, out.rest.all_kinds);
  for (const auto& [kind, params] : settings.per_kind)
    split(params, out.incremental.per_kind[kind], out.rest.per_kind[kind]);
  out.rest.unavailable = settings.unavailable;
  return out;
}

struct SlidingFeatures::Impl {
  SlidingOptions options;
  std::vector<std::string> names;
  std::vector<Output> outputs;
  // From scratch, for windows holding inf and for single values a sliding form cannot get
  // right (a moment at pandas' zero cut): the registered calculators, in output order.
  struct Scratch {
    ComputeFn fn;
    std::size_t first, width;
  };
  std::vector<Scratch> scratch;
  std::vector<double> scratch_out;  // their values for the current window
  std::vector<char> scratch_done;   // per Scratch: computed for the current window
  Series series;

  bool need_sums = false;  // x and x^2 (sum, mean, abs_energy, root_mean_square)
  int moments = 0;         // highest power of x - K summed (2: variance, 3, 4)
  bool need_minmax = false, need_sorted = false, need_diffs = false;
  std::vector<double> thresholds;  // count_above / count_below t values
  std::vector<std::size_t> above, below;
  std::vector<LagSum> lag_sums;

  // fft_coefficient: a sliding DFT for windows of one length N. For each requested k,
  //   A_k = sum over the window's points x_p (p: the point's index in the whole series) of
  //         x_p exp(-2 pi i k (p mod N) / N),
  // updated by one term per point entering or leaving; the window starting at point b has
  // X_k = exp(2 pi i k (b mod N) / N) A_k. The exponentials come from one table, so a leaving
  // term is exactly the one added when it entered.
  std::vector<std::size_t> fft_coeffs;         // distinct k, in first-request order
  std::size_t fft_n = 0;                       // N the sums are for; 0: not sliding
  std::size_t fft_last_n = 0;                  // the window's size at the previous values()
  std::uint64_t fft_last_pushed = 0;           // `pushed` at the previous values()
  std::vector<std::complex<double>> twiddle;   // exp(-2 pi i m / N), m < N
  std::vector<std::size_t> fft_active;         // indexes of the k <= N / 2
  std::vector<CompensatedSum> fft_re, fft_im;  // A_k, per fft_coeffs index
  CompensatedSum abs_sum;                      // |x|: the scale of the DFT's rounding

  std::deque<double> points;
  std::uint64_t pushed = 0, popped = 0;
  std::size_t nonfinite = 0, nans = 0;
  bool dirty = false;                // a non-finite value passed through the sums
  std::size_t since_anchor = 0;      // points pushed since the sums were re-anchored
  CompensatedSum s, q;               // x, x^2
  std::array<CompensatedSum, 5> p;   // p[j]: (x - k)^j, j = 1..moments
  CompensatedSum abs_diff, sq_diff;  // |x_{i+1} - x_i|, (x_{i+1} - x_i)^2
  double k = 0;
  std::deque<std::pair<std::uint64_t, double>> maxq, minq;  // monotone: front is the extreme
  std::vector<double> sorted;                               // the window's non-NaN points

  bool any_sums() const {
    return need_sums || moments > 0 || need_diffs || !lag_sums.empty() || !fft_coeffs.empty();
  }

  // Adds (sign 1) or removes (sign -1) the DFT terms of point `index` of the series.
  void fft_term(double x, std::uint64_t index, double sign) {
    const auto r = static_cast<std::size_t>(index % fft_n);
    // m = k r mod N, stepped along the ascending k (no division for consecutive k).
    std::size_t m = 0, k_prev = 0;
    for (const std::size_t c : fft_active) {
      const std::size_t gap = fft_coeffs[c] - k_prev;
      k_prev = fft_coeffs[c];
      if (gap == 1) {
        m += r;
        if (m >= fft_n) m -= fft_n;
      } else if (gap > 1) {
        m = (m + gap * r) % fft_n;
      }
      const std::complex<double> w = twiddle[m];
      fft_re[c].add(sign * (x * w.real()));
      fft_im[c].add(sign * (x * w.imag()));
    }
  }

  // Starts sliding the DFT for windows of n points (the current one among them).
  void fft_setup(std::size_t n) {
    fft_n = n;
    twiddle.resize(n);
    for (std::size_t m = 0; m < n; ++m) {
      // Exact at the quarter turns, so X_0 and X_{N/2} stay real.
      if (m == 0)
        twiddle[m] = {1.0, 0.0};
      else if (4 * m == n)
        twiddle[m] = {0.0, -1.0};
      else if (2 * m == n)
        twiddle[m] = {-1.0, 0.0};
      else if (4 * m == 3 * n)
        twiddle[m] = {0.0, 1.0};
      else
        twiddle[m] = std::polar(
            1.0, -2 * std::numbers::pi * static_cast<double>(m) / static_cast<double>(n));
    }
    fft_active.clear();
    for (std::size_t c = 0; c < fft_coeffs.size(); ++c)
      if (fft_coeffs[c] <= n / 2) fft_active.push_back(c);
    std::sort(fft_active.begin(), fft_active.end(),
              [&](std::size_t a, std::size_t b) { return fft_coeffs[a] < fft_coeffs[b]; });
    fft_anchor();
  }

  void fft_anchor() {
    for (auto& c : fft_re) c.clear();
    for (auto& c : fft_im) c.clear();
    if (fft_n == 0) return;
    for (std::size_t j = 0; j < points.size(); ++j) fft_term(points[j], popped + j, 1.0);
  }

  void add_moments(double x, double sign) {
    const double d = x - k;
    double pw = d;
    for (int j = 1; j <= moments; ++j) {
      p[j].add(sign * pw);
      pw *= d;
    }
  }

  // The lag term that starts at window position i (i + reach < points.size()).
  double lag_term(const LagSum& ls, std::size_t i) const {
    const std::size_t l = ls.lag;
    switch (ls.kind) {
      case Kind::kAutocorrelation:
        return (points[i] - k) * (points[i + l] - k);
      case Kind::kC3:
        return points[i + 2 * l] * points[i + l] * points[i];
      default: {  // time_reversal_asymmetry_statistic
        const double two = points[i + 2 * l], one = points[i + l];
        return two * two * one - one * points[i] * points[i];
      }
    }
  }

  // Every sum recomputed from the window's points (`points`), with K = their mean.
  void anchor() {
    s.clear(), q.clear(), abs_diff.clear(), sq_diff.clear();
    for (auto& c : p) c.clear();
    for (double x : points) s.add(x), q.add(x * x);
    k = points.empty() ? 0.0 : s.value() / static_cast<double>(points.size());
    if (moments > 0)
      for (double x : points) add_moments(x, 1.0);
    if (need_diffs)
      for (std::size_t i = 1; i < points.size(); ++i) {
        const double d = points[i] - points[i - 1];
        abs_diff.add(std::fabs(d)), sq_diff.add(d * d);
      }
    for (auto& ls : lag_sums) {
      ls.sum.clear();
      for (std::size_t i = 0; i + ls.reach() < points.size(); ++i) ls.sum.add(lag_term(ls, i));
    }
    abs_sum.clear();
    if (!fft_coeffs.empty()) {
      for (double x : points) abs_sum.add(std::fabs(x));
      fft_anchor();
    }
    since_anchor = 0;
    dirty = false;
  }

  // The central power sums sum (x - mean)^j of the window, j = 2..moments, from the sums around
  // K (binomial expansion; exact in real arithmetic).
  void central(double dn, double& m2, double& m3, double& m4) const {
    const double s1 = p[1].value(), s2 = p[2].value();
    const double mu = s1 / dn;
    m2 = s2 - s1 * mu;
    m3 = m4 = kNaN;
    if (moments >= 3) m3 = p[3].value() - 3 * mu * s2 + 2 * mu * mu * s1;
    if (moments >= 4)
      m4 = p[4].value() - 4 * mu * p[3].value() + 6 * mu * mu * s2 - 3 * mu * mu * mu * s1;
  }
};

SlidingFeatures::SlidingFeatures(const FcParameters& params, const std::string& kind,
                                 SlidingOptions options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.options = options;
  for (const auto& [name, value] : params) {
    if (!has_incremental_form(name)) continue;
    const Calculator* calc = find_calculator(name);
    if (!calc)
      throw Error(Errc::kNotFound, "feature calculator '" + name + "' is not registered here");
    std::vector<Params> sets;
    std::vector<std::string> seen;
    if (calc->parameterless) {
      sets = {Params(nullptr)};
    } else {
      if (!value.is_array())
        throw Error(
            Errc::kInvalidArgument,
            "calculator '" + name + "' needs a list of parameter objects, got " + value.dump());
      for (const auto& p : value) {
        if (!incremental_params(name, p)) continue;
        std::string n = feature_name("", name, p);
        if (std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
        seen.push_back(std::move(n));
        sets.push_back(p);
      }
      if (sets.empty()) continue;
    }
    const ComputeFn fn = calc->prepare(sets);  // validates the parameters
    const std::size_t scratch_index = m.scratch.size();
    m.scratch.push_back({fn, m.outputs.size(), sets.size()});
    const auto index = static_cast<std::size_t>(
        std::lower_bound(kNames.begin(), kNames.end(), name) - kNames.begin());
    for (std::size_t si = 0; si < sets.size(); ++si) {
      const Params& p = sets[si];
      Output o{static_cast<Kind>(index)};
      o.scratch = scratch_index;
      o.scratch_pos = m.outputs.size();
      if (o.kind == Kind::kQuantile) o.param = param_double(p, "q", name);
      if (o.kind == Kind::kCountAbove || o.kind == Kind::kCountBelow) {
        o.param = param_double(p, "t", name);
        o.t = m.thresholds.size();
        m.thresholds.push_back(o.param);
      }
      switch (o.kind) {
        case Kind::kAbsEnergy:
        case Kind::kMean:
        case Kind::kRms:
        case Kind::kSum:
          m.need_sums = true;
          break;
        case Kind::kStd:
        case Kind::kVariance:
        case Kind::kAutocorrelation:
        case Kind::kSkewness:
        case Kind::kKurtosis: {
          // min == max tells a constant window, whose variance is exactly 0.
          const int power = o.kind == Kind::kSkewness ? 3 : o.kind == Kind::kKurtosis ? 4 : 2;
          m.moments = std::max(m.moments, power);
          m.need_minmax = true;
          break;
        }
        case Kind::kAbsMax:
        case Kind::kMax:
        case Kind::kMin:
          m.need_minmax = true;
          break;
        case Kind::kMedian:
        case Kind::kQuantile:
          m.need_sorted = true;
          break;
        case Kind::kAbsSumChanges:
        case Kind::kMeanAbsChange:
        case Kind::kCidCe:
          m.need_diffs = true;
          break;
        default:
          break;
      }
      if (o.kind == Kind::kFftCoefficient) {
        o.coeff = static_cast<std::size_t>(param_int(p, "coeff", name));  // >= 0: checked
        const std::string attr = param_string(p, "attr", name);
        o.attr = attr == "real" ? 0 : attr == "imag" ? 1 : attr == "abs" ? 2 : 3;
        const auto it = std::find(m.fft_coeffs.begin(), m.fft_coeffs.end(), o.coeff);
        o.term = static_cast<std::size_t>(it - m.fft_coeffs.begin());
        if (it == m.fft_coeffs.end()) m.fft_coeffs.push_back(o.coeff);
      }
      if (o.kind == Kind::kAutocorrelation || o.kind == Kind::kC3 ||
          o.kind == Kind::kTimeReversal) {
        const long long lag = param_int(p, "lag", name);  // >= 0: prepare() checked it
        o.lag = static_cast<std::size_t>(lag);
        auto same = [&](const LagSum& ls) { return ls.kind == o.kind && ls.lag == o.lag; };
        const auto it = std::find_if(m.lag_sums.begin(), m.lag_sums.end(), same);
        o.term = static_cast<std::size_t>(it - m.lag_sums.begin());
        if (it == m.lag_sums.end()) m.lag_sums.push_back({o.kind, o.lag, {}});
      }
      m.outputs.push_back(o);
      m.names.push_back(feature_name(kind, name, calc->parameterless ? Params(nullptr) : p));
    }
  }
  m.above.assign(m.thresholds.size(), 0);
  m.below.assign(m.thresholds.size(), 0);
  m.scratch_out.assign(m.outputs.size(), kNaN);
  m.fft_re.resize(m.fft_coeffs.size());
  m.fft_im.resize(m.fft_coeffs.size());
  m.scratch_done.assign(m.scratch.size(), 0);
}

SlidingFeatures::~SlidingFeatures() = default;
SlidingFeatures::SlidingFeatures(SlidingFeatures&&) noexcept = default;
SlidingFeatures& SlidingFeatures::operator=(SlidingFeatures&&) noexcept = default;

const std::vector<std::string>& SlidingFeatures::names() const { return impl_->names; }
std::size_t SlidingFeatures::width() const { return impl_->outputs.size(); }
bool SlidingFeatures::empty() const { return impl_->outputs.empty(); }
std::size_t SlidingFeatures::size() const { return impl_->points.size(); }

void SlidingFeatures::clear() {
  Impl& m = *impl_;
  m.points.clear();
  m.pushed = m.popped = 0;
  m.nonfinite = m.nans = 0;
  m.dirty = false;
  m.since_anchor = 0;
  m.s.clear(), m.q.clear(), m.abs_diff.clear(), m.sq_diff.clear();
  for (auto& c : m.p) c.clear();
  for (auto& ls : m.lag_sums) ls.sum.clear();
  m.abs_sum.clear();
  m.fft_n = m.fft_last_n = 0;
  m.fft_last_pushed = 0;
  m.k = 0;
  m.maxq.clear(), m.minq.clear();
  m.sorted.clear();
  std::fill(m.above.begin(), m.above.end(), 0);
  std::fill(m.below.begin(), m.below.end(), 0);
}

void SlidingFeatures::push(double x) {
  Impl& m = *impl_;
  m.points.push_back(x);
  const std::uint64_t index = m.pushed++;
  if (!std::isfinite(x)) {
    ++m.nonfinite;
    m.dirty = true;
  }
  if (m.any_sums()) {
    const std::size_t size = m.points.size();
    if (m.need_sums) m.s.add(x), m.q.add(x * x);
    if (m.moments > 0) m.add_moments(x, 1.0);
    if (m.need_diffs && size >= 2) {
      const double d = x - m.points[size - 2];
      m.abs_diff.add(std::fabs(d)), m.sq_diff.add(d * d);
    }
    for (auto& ls : m.lag_sums)  // the term ending at the new point
      if (size > ls.reach()) ls.sum.add(m.lag_term(ls, size - 1 - ls.reach()));
    if (!m.fft_coeffs.empty()) {
      m.abs_sum.add(std::fabs(x));
      if (m.fft_n > 0) m.fft_term(x, index, 1.0);
    }
    ++m.since_anchor;
  }
  if (m.need_minmax) {
    // A NaN stops the scans (its comparisons are false): the deques are only read while the
    // window holds no NaN, and by then every point older than the NaN has left as well.
    while (!m.maxq.empty() && m.maxq.back().second <= x) m.maxq.pop_back();
    m.maxq.emplace_back(index, x);
    while (!m.minq.empty() && m.minq.back().second >= x) m.minq.pop_back();
    m.minq.emplace_back(index, x);
  }
  if (std::isnan(x)) {
    ++m.nans;
  } else if (m.need_sorted) {
    m.sorted.insert(std::upper_bound(m.sorted.begin(), m.sorted.end(), x), x);
  }
  for (std::size_t i = 0; i < m.thresholds.size(); ++i) {
    m.above[i] += x >= m.thresholds[i];
    m.below[i] += x <= m.thresholds[i];
  }
}

void SlidingFeatures::pop() {
  Impl& m = *impl_;
  if (m.points.empty()) return;
  const double x = m.points.front();
  if (m.any_sums()) {
    // Terms that start at the leaving point, computed as push() added them (same K).
    const std::size_t size = m.points.size();
    if (m.need_sums) m.s.add(-x), m.q.add(-(x * x));
    if (m.moments > 0) m.add_moments(x, -1.0);
    if (m.need_diffs && size >= 2) {
      const double d = m.points[1] - x;
      m.abs_diff.add(-std::fabs(d)), m.sq_diff.add(-(d * d));
    }
    for (auto& ls : m.lag_sums)
      if (size > ls.reach()) ls.sum.add(-m.lag_term(ls, 0));
    if (!m.fft_coeffs.empty()) {
      m.abs_sum.add(-std::fabs(x));
      if (m.fft_n > 0) m.fft_term(x, m.popped, -1.0);
    }
  }
  m.points.pop_front();
  const std::uint64_t index = m.popped++;
  if (!std::isfinite(x)) --m.nonfinite;
  if (m.need_minmax) {
    if (!m.maxq.empty() && m.maxq.front().first == index) m.maxq.pop_front();
    if (!m.minq.empty() && m.minq.front().first == index) m.minq.pop_front();
  }
  if (std::isnan(x)) {
    --m.nans;
  } else if (m.need_sorted) {
    m.sorted.erase(std::lower_bound(m.sorted.begin(), m.sorted.end(), x));
  }
  for (std::size_t i = 0; i < m.thresholds.size(); ++i) {
    m.above[i] -= x >= m.thresholds[i];
    m.below[i] -= x <= m.thresholds[i];
  }
}

void SlidingFeatures::values(std::span<const double> window, std::span<double> out) {
  Impl& m = *impl_;
  const std::size_t n = m.points.size();
  if (m.nans > 0) {  // extract gives a series holding NaN NaN for every feature
    std::fill(out.begin(), out.end(), kNaN);
    return;
  }
  m.series.reset(window);
  if (n == 0 || m.nonfinite > 0 || window.size() != n) {
    // From scratch: the registered calculators on the view, exactly extract's values.
    for (const auto& sc : m.scratch) sc.fn(m.series, out.subspan(sc.first, sc.width));
    return;
  }
  std::fill(m.scratch_done.begin(), m.scratch_done.end(), 0);
  // One output from scratch (its calculator's whole parameter set, once per window).
  auto from_scratch = [&](const Output& o) {
    if (!m.scratch_done[o.scratch]) {
      const auto& sc = m.scratch[o.scratch];
      sc.fn(m.series, std::span<double>(m.scratch_out).subspan(sc.first, sc.width));
      m.scratch_done[o.scratch] = 1;
    }
    return m.scratch_out[o.scratch_pos];
  };

  if (m.any_sums() && (m.dirty || m.since_anchor >= n)) m.anchor();
  const double dn = static_cast<double>(n);
  const bool constant = m.need_minmax && m.maxq.front().second == m.minq.front().second;
  double variance = kNaN, m2 = kNaN, m3 = kNaN, m4 = kNaN;
  if (m.moments > 0) {
    m.central(dn, m2, m3, m4);
    // Re-anchor early when the window's mean has moved more than two deviations from K: the
    // sums around K then cancel, losing (|mean - K| / deviation)^j of their precision.
    const double mu = m.p[1].value() / dn;
    if (!constant && m.since_anchor > 0 && mu * mu > 4 * std::max(0.0, m2 / dn)) {
      m.anchor();
      m.central(dn, m2, m3, m4);
    }
    variance = constant ? 0.0 : std::max(0.0, m2 / dn);
  }
  if (!m.fft_coeffs.empty()) {
    // Slide the DFT once two successive windows have the same length (a roll's first, growing
    // windows and its last, shrinking ones are computed from scratch, as is any window of
    // another length than the sums are for: setting up costs a direct DFT of the window).
    bool slide = n == m.fft_last_n;
    if (slide && m.options.fft_cost_rule) {
      std::size_t k = 0;
      for (const std::size_t c : m.fft_coeffs) k += c <= n / 2;
      const double steps = static_cast<double>(m.pushed - m.fft_last_pushed);
      slide = 14.0 * static_cast<double>(k) * steps <= dn * std::log2(dn);
    }
    if (!slide)
      m.fft_n = 0;
    else if (n != m.fft_n)
      m.fft_setup(n);
    m.fft_last_n = n;
    m.fft_last_pushed = m.pushed;
  }
  for (std::size_t i = 0; i < m.outputs.size(); ++i) {
    const Output& o = m.outputs[i];
    double v = kNaN;
    switch (o.kind) {
      case Kind::kLength:
        v = dn;
        break;
      case Kind::kSum:
        v = m.s.value();
        break;
      case Kind::kMean:
        v = m.s.value() / dn;
        break;
      case Kind::kAbsEnergy:
        v = m.q.value();
        break;
      case Kind::kRms:
        v = std::sqrt(std::max(0.0, m.q.value()) / dn);
        break;
      case Kind::kVariance:
        v = variance;
        break;
      case Kind::kStd:
        v = std::sqrt(variance);
        break;
      case Kind::kMax:
        v = m.maxq.front().second;
        break;
      case Kind::kMin:
        v = m.minq.front().second;
        break;
      case Kind::kAbsMax:
        v = std::max(std::fabs(m.maxq.front().second), std::fabs(m.minq.front().second));
        break;
      case Kind::kMedian:
        v = n % 2 == 1 ? m.sorted[n / 2] : (m.sorted[n / 2 - 1] + m.sorted[n / 2]) / 2.0;
        break;
      case Kind::kQuantile:
        v = sorted_quantile(m.sorted, o.param);
        break;
      case Kind::kCountAbove:
        v = static_cast<double>(m.above[o.t]) / dn;
        break;
      case Kind::kCountBelow:
        v = static_cast<double>(m.below[o.t]) / dn;
        break;
      case Kind::kSkewness: {
        // pandas' nanskew: NaN below 3 points, 0 when m2 rounds to 0.
        if (n < 3) break;
        if (constant || std::fabs(m2) < kMomentCut || std::fabs(m3) < kMomentCut) {
          v = from_scratch(o);
          break;
        }
        v = (dn * std::pow(dn - 1, 0.5) / (dn - 2)) * (m3 / std::pow(m2, 1.5));
        break;
      }
      case Kind::kKurtosis: {
        // pandas' nankurt: NaN below 4 points, 0 when the denominator rounds to 0.
        if (n < 4) break;
        const double adj = 3 * ((dn - 1) * (dn - 1)) / ((dn - 2) * (dn - 3));
        const double num = dn * (dn + 1) * (dn - 1) * m4;
        const double den = (dn - 2) * (dn - 3) * (m2 * m2);
        if (constant || std::fabs(num) < kMomentCut || std::fabs(den) < kMomentCut) {
          v = from_scratch(o);
          break;
        }
        v = num / den - adj;
        break;
      }
      case Kind::kAutocorrelation: {
        // sum_{i < n-l} (x_i - mean)(x_{i+l} - mean) / ((n - l) variance); NaN when n <= l
        // (no pair: 0 / 0) or the variance is close to 0 (np.isclose).
        const std::size_t l = o.lag;
        if (n <= l) break;
        if (std::fabs(variance - kAcfCut) <= kAcfMargin * kAcfCut) {
          v = from_scratch(o);
          break;
        }
        if (variance <= kAcfCut) break;
        // With d = x - K and mu = mean - K: sum (d_i - mu)(d_{i+l} - mu)
        //   = sum d_i d_{i+l} - mu (sum_{i<n-l} d_i + sum_{i>=l} d_i) + (n - l) mu^2.
        double first = 0, last = 0;  // sum of the first / last l values of d
        for (std::size_t j = 0; j < l; ++j)
          first += window[j] - m.k, last += window[n - 1 - j] - m.k;
        const double s1 = m.p[1].value(), mu = s1 / dn;
        const double dl = static_cast<double>(n - l);
        const double products =
            m.lag_sums[o.term].sum.value() - mu * ((s1 - last) + (s1 - first)) + dl * mu * mu;
        v = products / (dl * variance);
        break;
      }
      case Kind::kC3:
      case Kind::kTimeReversal: {
        // The mean of the lag terms; 0 when the window has none (2 lag >= n).
        if (2 * o.lag >= n) {
          v = 0.0;
          break;
        }
        v = m.lag_sums[o.term].sum.value() / static_cast<double>(n - 2 * o.lag);
        break;
      }
      case Kind::kAbsSumChanges:
        v = std::max(0.0, m.abs_diff.value());
        break;
      case Kind::kMeanAbsChange:
        if (n > 1) v = std::max(0.0, m.abs_diff.value()) / static_cast<double>(n - 1);
        break;
      case Kind::kCidCe:
        v = std::sqrt(std::max(0.0, m.sq_diff.value()));
        break;
      case Kind::kFftCoefficient: {
        if (m.fft_n != n) {
          v = from_scratch(o);
          break;
        }
        const std::size_t k = o.coeff;
        if (k > n / 2) break;  // coeff >= len(rfft(x)): NaN
        const std::complex<double> a(m.fft_re[o.term].value(), m.fft_im[o.term].value());
        const auto b = static_cast<std::size_t>(m.popped % n);
        std::complex<double> z = std::conj(m.twiddle[(k * b) % n]) * a;
        const bool real = k == 0 || 2 * k == n;  // X_0 and X_{N/2} of a real series
        if (real) z.imag(0.0);
        if (o.attr == 0) {
          v = z.real();
        } else if (o.attr == 1) {
          v = z.imag();
        } else if (o.attr == 2) {
          v = std::hypot(z.real(), z.imag());
        } else {
          const double cut = kAngleCut * m.abs_sum.value();
          if (z.real() * z.real() + z.imag() * z.imag() <= cut * cut ||
              (!real && z.real() < 0 && std::fabs(z.imag()) <= cut)) {
            v = from_scratch(o);
            break;
          }
          // np.angle(z, deg=True) multiplies arctan2 by the double 180 / pi.
          constexpr double kDegrees = 180 / std::numbers::pi;
          v = std::atan2(z.imag(), z.real()) * kDegrees;
        }
        break;
      }
      case Kind::kMeanChange:  // the registered formula: two points of the window
        if (n > 1) v = (window[n - 1] - window[0]) / static_cast<double>(n - 1);
        break;
      case Kind::kMeanSecondDerivative:
        if (n > 2)
          v = (window[n - 1] - window[n - 2] - window[1] + window[0]) /
              static_cast<double>(2 * (n - 2));
        break;
    }
    out[i] = v;
  }
}

}  // namespace freshet::fresh
