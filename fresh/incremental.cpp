#include "fresh/incremental.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "fresh/calculator.hpp"
#include "fresh/names.hpp"
#include "fresh/numpy.hpp"
#include "fresh/series.hpp"

namespace freshet::fresh {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr std::array<std::string_view, 14> kNames = {
    "abs_energy",  "absolute_maximum", "count_above",
    "count_below", "length",           "maximum",
    "mean",        "median",           "minimum",
    "quantile",    "root_mean_square", "standard_deviation",
    "sum_values",  "variance"};

enum class Kind {
  kAbsEnergy,
  kAbsMax,
  kCountAbove,
  kCountBelow,
  kLength,
  kMax,
  kMean,
  kMedian,
  kMin,
  kQuantile,
  kRms,
  kStd,
  kSum,
  kVariance
};

// Neumaier's compensated sum; subtracting is adding the negation. Its error stays near one
// rounding of the true sum however many terms pass through, until re-anchored.
struct CompensatedSum {
  double sum = 0, carry = 0;
  void add(double x) {
    const double t = sum + x;
    if (std::fabs(sum) >= std::fabs(x))
      carry += (sum - t) + x;
    else
      carry += (x - t) + sum;
    sum = t;
  }
  double value() const { return sum + carry; }
  void clear() { sum = carry = 0; }
};

struct Output {
  Kind kind;
  double param = 0;   // q or t
  std::size_t t = 0;  // index into thresholds (count_above / count_below)
};

}  // namespace

std::span<const std::string_view> incremental_calculator_names() { return kNames; }

bool has_incremental_form(std::string_view calculator) {
  return std::binary_search(kNames.begin(), kNames.end(), calculator);
}

SplitSettings split_incremental(const Settings& settings) {
  SplitSettings out;
  auto split = [](const FcParameters& all, FcParameters& inc, FcParameters& rest) {
    for (const auto& [name, params] : all)
      (has_incremental_form(name) ? inc : rest).emplace(name, params);
  };
  split(settings.all_kinds, out.incremental.all_kinds, out.rest.all_kinds);
  for (const auto& [kind, params] : settings.per_kind)
    split(params, out.incremental.per_kind[kind], out.rest.per_kind[kind]);
  out.rest.unavailable = settings.unavailable;
  return out;
}

struct SlidingFeatures::Impl {
  std::vector<std::string> names;
  std::vector<Output> outputs;
  // From scratch, for windows holding NaN or inf: the registered calculators, in output order.
  struct Scratch {
    ComputeFn fn;
    std::size_t first, width;
  };
  std::vector<Scratch> scratch;
  Series series;

  bool need_sums = false, need_var = false, need_minmax = false, need_sorted = false;
  std::vector<double> thresholds;  // count_above / count_below t values
  std::vector<std::size_t> above, below;

  std::deque<double> points;
  std::uint64_t pushed = 0, popped = 0;
  std::size_t nonfinite = 0, nans = 0;
  bool dirty = false;            // a non-finite value passed through the sums
  std::size_t since_anchor = 0;  // points pushed since the sums were re-anchored
  CompensatedSum s, q, s1, s2;   // x, x^2, x - k, (x - k)^2
  double k = 0;
  std::deque<std::pair<std::uint64_t, double>> maxq, minq;  // monotone: front is the extreme
  std::vector<double> sorted;                               // the window's non-NaN points

  void anchor(std::span<const double> window) {
    s.clear(), q.clear(), s1.clear(), s2.clear();
    for (double x : window) s.add(x), q.add(x * x);
    k = window.empty() ? 0.0 : s.value() / static_cast<double>(window.size());
    for (double x : window) {
      const double d = x - k;
      s1.add(d), s2.add(d * d);
    }
    since_anchor = 0;
    dirty = false;
  }
};

SlidingFeatures::SlidingFeatures(const FcParameters& params, const std::string& kind)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
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
        std::string n = feature_name("", name, p);
        if (std::find(seen.begin(), seen.end(), n) != seen.end()) continue;
        seen.push_back(std::move(n));
        sets.push_back(p);
      }
      if (sets.empty()) continue;
    }
    const ComputeFn fn = calc->prepare(sets);  // validates the parameters
    m.scratch.push_back({fn, m.outputs.size(), sets.size()});
    const auto index = static_cast<std::size_t>(
        std::lower_bound(kNames.begin(), kNames.end(), name) - kNames.begin());
    for (const auto& p : sets) {
      Output o{static_cast<Kind>(index)};
      if (o.kind == Kind::kQuantile) o.param = param_double(p, "q", name);
      if (o.kind == Kind::kCountAbove || o.kind == Kind::kCountBelow) {
        o.param = param_double(p, "t", name);
        o.t = m.thresholds.size();
        m.thresholds.push_back(o.param);
      }
      m.outputs.push_back(o);
      m.names.push_back(feature_name(kind, name, calc->parameterless ? Params(nullptr) : p));
      switch (o.kind) {
        case Kind::kAbsEnergy:
        case Kind::kMean:
        case Kind::kRms:
        case Kind::kSum:
          m.need_sums = true;
          break;
        case Kind::kStd:
        case Kind::kVariance:
          // min == max tells a constant window, whose variance is exactly 0.
          m.need_sums = m.need_var = m.need_minmax = true;
          break;
        case Kind::kAbsMax:
        case Kind::kMax:
        case Kind::kMin:
          m.need_minmax = true;
          break;
        case Kind::kMedian:
        case Kind::kQuantile:
          m.need_sorted = true;
          break;
        default:
          break;
      }
    }
  }
  m.above.assign(m.thresholds.size(), 0);
  m.below.assign(m.thresholds.size(), 0);
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
  m.s.clear(), m.q.clear(), m.s1.clear(), m.s2.clear();
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
  if (m.need_sums) {
    m.s.add(x), m.q.add(x * x);
    if (m.need_var) {
      const double d = x - m.k;
      m.s1.add(d), m.s2.add(d * d);
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
  m.points.pop_front();
  const std::uint64_t index = m.popped++;
  if (!std::isfinite(x)) --m.nonfinite;
  if (m.need_sums) {
    m.s.add(-x), m.q.add(-(x * x));
    if (m.need_var) {
      const double d = x - m.k;
      m.s1.add(-d), m.s2.add(-(d * d));
    }
  }
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
  if (n == 0 || m.nonfinite > 0 || window.size() != n) {
    // From scratch: the registered calculators on the view, exactly extract's values.
    m.series.reset(window);
    for (const auto& sc : m.scratch) sc.fn(m.series, out.subspan(sc.first, sc.width));
    return;
  }
  if (m.need_sums && (m.dirty || m.since_anchor >= n)) m.anchor(window);
  const double dn = static_cast<double>(n);
  double variance = kNaN;
  if (m.need_var) {
    const double m1 = m.s1.value() / dn;
    variance = m.maxq.front().second == m.minq.front().second
                   ? 0.0
                   : std::max(0.0, m.s2.value() / dn - m1 * m1);
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
    }
    out[i] = v;
  }
}

}  // namespace freshet::fresh
