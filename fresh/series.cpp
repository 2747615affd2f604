#include "fresh/series.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

namespace freshet::fresh {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

Series::Series(std::span<const double> values, std::span<const double> times)
    : values_(values), times_(times) {}

std::uint64_t Series::next_generation() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

void Series::reset(std::span<const double> values, std::span<const double> times) {
  generation_ = next_generation();
  values_ = values;
  times_ = times;
  have_sorted_ = have_diff_ = have_distinct_ = false;
  mean_.reset();
  variance_.reset();
  sum_.reset();
  has_nan_.reset();
  has_inf_.reset();
  warnings_.clear();
}

std::span<const double> Series::sorted() const {
  if (!have_sorted_) {
    if (!slide_sorted()) {
      sorted_buf_.assign(values_.begin(), values_.end());
      if (has_nan()) {
        // NaN last, as numpy.sort.
        std::sort(sorted_buf_.begin(), sorted_buf_.end(), [](double a, double b) {
          if (std::isnan(b)) return !std::isnan(a);
          return a < b;
        });
      } else {
        std::sort(sorted_buf_.begin(), sorted_buf_.end());
      }
      // Without NaN and zeros, equal values are the same bits: every ascending order of them is
      // this one, so an updated copy can stand for a fresh sort.
      sorted_plain_ =
          !has_nan() && !std::binary_search(sorted_buf_.begin(), sorted_buf_.end(), 0.0);
    }
    if (values_.size() <= kMaxSlideValues) {
      sorted_of_.assign(values_.begin(), values_.end());
    } else {
      sorted_of_.clear();
      sorted_plain_ = false;
    }
    have_sorted_ = true;
  }
  return sorted_buf_;
}

bool Series::slide_sorted() const {
  // The previous sort was of sorted_of_; the values now are the same window moved on by one point
  // (sorted_of_[1..] then one new value) or grown by one (sorted_of_ then one new value), as a
  // rolled extraction's consecutive windows are. Checked on the values themselves (bit for bit),
  // so a Series pointed at anything else simply sorts.
  const std::size_t n = values_.size(), m = sorted_of_.size();
  if (!sorted_plain_ || n < 2 || m != sorted_buf_.size()) return false;
  const double in = values_[n - 1];
  if (std::isnan(in) || in == 0.0) return false;
  const std::size_t kept = n - 1;
  const double* prev = sorted_of_.data();
  if (n == m) {
    if (std::memcmp(prev + 1, values_.data(), kept * sizeof(double)) != 0) return false;
    // The leaving value's place (equal values are the same bits: any of them will do).
    const auto out = std::lower_bound(sorted_buf_.begin(), sorted_buf_.end(), prev[0]);
    sorted_buf_.erase(out);
  } else if (n == m + 1) {
    if (std::memcmp(prev, values_.data(), kept * sizeof(double)) != 0) return false;
  } else {
    return false;
  }
  sorted_buf_.insert(std::upper_bound(sorted_buf_.begin(), sorted_buf_.end(), in), in);
  return true;
}

void Series::compute_distinct() const {
  if (have_distinct_) return;
  const auto s = sorted();
  distinct_buf_.clear();
  counts_buf_.clear();
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = i + 1;
    // np.unique collapses equal values (and, since numpy 1.21, all NaNs into one).
    while (j < s.size() && (s[j] == s[i] || (std::isnan(s[j]) && std::isnan(s[i])))) ++j;
    distinct_buf_.push_back(s[i]);
    counts_buf_.push_back(j - i);
    i = j;
  }
  have_distinct_ = true;
}

std::span<const double> Series::distinct() const {
  compute_distinct();
  return distinct_buf_;
}

std::span<const std::size_t> Series::distinct_counts() const {
  compute_distinct();
  return counts_buf_;
}

double Series::sum() const {
  if (!sum_) sum_ = pairwise_sum(values_);
  return *sum_;
}

double Series::mean() const {
  if (!mean_) mean_ = values_.empty() ? kNaN : sum() / static_cast<double>(values_.size());
  return *mean_;
}

double Series::variance() const {
  if (!variance_) {
    if (values_.empty()) {
      variance_ = kNaN;
    } else {
      const double m = mean();
      auto& sq = tmp_buf_;
      sq.resize(values_.size());
      for (std::size_t i = 0; i < values_.size(); ++i) {
        const double d = values_[i] - m;
        sq[i] = d * d;
      }
      variance_ = pairwise_sum(sq) / static_cast<double>(values_.size());
    }
  }
  return *variance_;
}

double Series::std_dev() const { return std::sqrt(variance()); }

std::span<const double> Series::diff() const {
  if (!have_diff_) {
    diff_buf_.clear();
    if (values_.size() >= 2) {
      diff_buf_.resize(values_.size() - 1);
      for (std::size_t i = 0; i + 1 < values_.size(); ++i)
        diff_buf_[i] = values_[i + 1] - values_[i];
    }
    have_diff_ = true;
  }
  return diff_buf_;
}

double Series::min() const {
  if (values_.empty()) return kNaN;
  if (has_nan()) return kNaN;  // np.min propagates NaN
  return sorted().front();
}
double Series::max() const {
  if (values_.empty()) return kNaN;
  auto s = sorted();
  // NaN sorts last; np.max propagates NaN.
  return s.back();
}

double Series::quantile(double q) const {
  if (values_.empty()) return kNaN;
  if (has_nan()) return kNaN;
  return sorted_quantile(sorted(), q);
}

double Series::median() const {
  if (values_.empty() || has_nan()) return kNaN;
  const auto s = sorted();
  const std::size_t n = s.size();
  if (n % 2 == 1) return s[n / 2];
  // np.mean of the two middle values: (a + b) / 2.
  return (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

bool Series::has_nan() const {
  if (!has_nan_) {
    bool any = false;
    for (double v : values_) any |= std::isnan(v);
    has_nan_ = any;
  }
  return *has_nan_;
}

bool Series::has_inf() const {
  if (!has_inf_) {
    bool any = false;
    for (double v : values_) any |= std::isinf(v);
    has_inf_ = any;
  }
  return *has_inf_;
}

void Series::warn(std::string message) const { warnings_.push_back(std::move(message)); }

}  // namespace freshet::fresh
