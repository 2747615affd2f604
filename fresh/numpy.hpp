#pragma once
// numpy / scipy-compatible numerics for the calculators: one home for the routines whose bits
// must match what tsfresh gets from numpy 1.24 and scipy 1.10 (internal to fresh/). Pure
// functions, thread-safe; none throws.

#include <span>

namespace freshet::fresh {

// numpy's pairwise summation (np.add.reduce on a contiguous float64 array): blocks of 8
// accumulators below 128 elements, recursive halves above. Used wherever tsfresh calls np.sum /
// np.mean, so sums match numpy bit for bit.
double pairwise_sum(std::span<const double> values);

// np.mean and np.var(ddof) (pairwise sums, two passes). NaN when empty.
double np_mean(std::span<const double> values);
double np_var(std::span<const double> values, int ddof = 0);

// np.quantile(x, q) with the default 'linear' method on an ascending array (no NaN check),
// numpy 1.24's _lerp bit for bit. NaN when empty.
double sorted_quantile(std::span<const double> sorted, double q);

// np.median: NaN when empty or when any value is NaN.
double np_median(std::span<const double> values);

// scipy.special.ndtr (cephes): the standard normal CDF, accurate in both tails.
double ndtr(double a);

}  // namespace freshet::fresh
