#pragma once
// One series as calculators see it, with the intermediates that many features share computed
// once, on first use (sorted copy, mean and deviation, differences). A Series is used by one
// thread at a time; the viewed values must outlive it.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace freshet::fresh {

class Series {
 public:
  // values: the series in time order. times: optional timestamps (seconds since the epoch) when
  // the sort column holds dates; empty otherwise.
  explicit Series(std::span<const double> values, std::span<const double> times = {});

  std::span<const double> values() const { return values_; }
  std::size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  std::span<const double> times() const { return times_; }
  bool has_times() const { return !times_.empty(); }

  // Ascending copy (NaN last, as numpy sorts).
  std::span<const double> sorted() const;
  // Arithmetic mean as np.mean computes it (pairwise sum / n). NaN when empty.
  double mean() const;
  // Population variance (ddof 0) and its square root, numpy's two-pass formula. NaN when empty.
  double variance() const;
  double std_dev() const;
  // x[i+1] - x[i], size n-1 (empty when n < 2).
  std::span<const double> diff() const;
  // Sum of values, numpy-compatible pairwise summation.
  double sum() const;
  double min() const;
  double max() const;

  // A calculator that cannot compute a value for this series may leave a note; the engine
  // reports it once per (id, kind) with the id named. Thread-compatible (one Series, one thread).
  void warn(std::string message) const;
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::span<const double> values_;
  std::span<const double> times_;
  mutable std::optional<std::vector<double>> sorted_;
  mutable std::optional<std::vector<double>> diff_;
  mutable std::optional<double> mean_, variance_, sum_;
  mutable std::vector<std::string> warnings_;
};

// numpy's pairwise summation (np.add.reduce on a contiguous float64 array): blocks of 8
// accumulators below 128 elements, recursive halves above. Used wherever tsfresh calls np.sum /
// np.mean, so sums match numpy bit for bit.
double pairwise_sum(std::span<const double> values);

}  // namespace freshet::fresh
