#pragma once
// One series as calculators see it, with the intermediates that many features share computed
// once, on first use (sorted copy, mean and deviation, differences, distinct values). A Series
// is used by one thread at a time; the viewed values must outlive it (or the next reset()).
//
// The engine keeps one Series per worker thread and calls reset() for every new series, so the
// cached buffers keep their capacity: calculators that use the caches and scratch() allocate
// nothing per series once the buffers have grown. The sorted copy also outlives reset(): when the
// new values are the previous ones moved on (or grown) by one point, as a rolled extraction's
// consecutive windows are, it is updated by one removal and one insertion instead of a sort
// (the same values bit for bit: see slide_sorted()).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fresh/numpy.hpp"

namespace freshet::fresh {

class Series {
 public:
  Series() = default;
  // values: the series in time order. times: optional timestamps (seconds since the epoch) when
  // the sort column holds dates; empty otherwise.
  explicit Series(std::span<const double> values, std::span<const double> times = {});
  Series(const Series&) = delete;
  Series& operator=(const Series&) = delete;

  // Points the series at new values and forgets every cached intermediate and warning (buffers
  // keep their capacity).
  void reset(std::span<const double> values, std::span<const double> times = {});

  std::span<const double> values() const { return values_; }
  // A number no other series (no other Series object, no other reset) in this process shares:
  // a key for per-thread caches of results several calculators need.
  std::uint64_t generation() const { return generation_; }
  std::size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  std::span<const double> times() const { return times_; }
  bool has_times() const { return !times_.empty(); }

  // Ascending copy (NaN last, as numpy sorts).
  std::span<const double> sorted() const;
  // Distinct values ascending (np.unique) and how often each occurs (return_counts).
  std::span<const double> distinct() const;
  std::span<const std::size_t> distinct_counts() const;
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
  // np.quantile(x, q) with the default 'linear' method, bit for bit (numpy 1.24's _lerp). NaN
  // when empty.
  double quantile(double q) const;
  // np.median(x): the middle value, or the mean of the two middle values. NaN when empty.
  double median() const;
  // True when any value is NaN / any value is +-inf.
  bool has_nan() const;
  bool has_inf() const;

  // A reusable buffer for a calculator's temporary values (slot 0..kScratchSlots-1). Its contents
  // are unspecified on entry; a calculator must not expect them to survive another calculator.
  static constexpr int kScratchSlots = 4;
  std::vector<double>& scratch(int slot = 0) const { return scratch_[slot]; }

  // A calculator that cannot compute a value for this series may leave a note; the engine
  // reports it once per (id, kind) with the id named. Thread-compatible (one Series, one thread).
  void warn(std::string message) const;
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  void compute_distinct() const;
  // sorted() of a window one point on from the previously sorted one, by removing and inserting
  // one value; false when the values are not such a window (then sorted() sorts them).
  bool slide_sorted() const;
  // Windows longer than this are sorted from scratch (no copy of their values is kept).
  static constexpr std::size_t kMaxSlideValues = std::size_t{1} << 16;

  static std::uint64_t next_generation();

  std::span<const double> values_;
  std::span<const double> times_;
  std::uint64_t generation_ = next_generation();
  mutable std::vector<double> sorted_buf_, diff_buf_, distinct_buf_, tmp_buf_;
  mutable std::vector<std::size_t> counts_buf_;
  mutable bool have_sorted_ = false, have_diff_ = false, have_distinct_ = false;
  // The values sorted_buf_ was last made from (kept across reset()), and whether they held no NaN
  // and no zero (then sorted_buf_ may be updated for the next window: slide_sorted()).
  mutable std::vector<double> sorted_of_;
  mutable bool sorted_plain_ = false;
  mutable std::optional<double> mean_, variance_, sum_;
  mutable std::optional<bool> has_nan_, has_inf_;
  mutable std::vector<double> scratch_[kScratchSlots];
  mutable std::vector<std::string> warnings_;
};

}  // namespace freshet::fresh
