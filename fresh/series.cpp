#include "fresh/series.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace freshet::fresh {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double pairwise(const double* a, std::size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise(a, n2) + pairwise(a + n2, n - n2);
}
}  // namespace

double pairwise_sum(std::span<const double> values) {
  return pairwise(values.data(), values.size());
}

Series::Series(std::span<const double> values, std::span<const double> times)
    : values_(values), times_(times) {}

std::span<const double> Series::sorted() const {
  if (!sorted_) {
    sorted_.emplace(values_.begin(), values_.end());
    // NaN last, as numpy.sort.
    std::sort(sorted_->begin(), sorted_->end(), [](double a, double b) {
      if (std::isnan(b)) return !std::isnan(a);
      return a < b;
    });
  }
  return *sorted_;
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
      std::vector<double> sq(values_.size());
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
  if (!diff_) {
    diff_.emplace();
    if (values_.size() >= 2) {
      diff_->resize(values_.size() - 1);
      for (std::size_t i = 0; i + 1 < values_.size(); ++i)
        (*diff_)[i] = values_[i + 1] - values_[i];
    }
  }
  return *diff_;
}

double Series::min() const {
  if (values_.empty()) return kNaN;
  return sorted().front();
}
double Series::max() const {
  if (values_.empty()) return kNaN;
  auto s = sorted();
  // NaN sorts last; np.max propagates NaN.
  return s.back();
}

void Series::warn(std::string message) const { warnings_.push_back(std::move(message)); }

}  // namespace freshet::fresh
