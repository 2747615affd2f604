#pragma once
// Continuous wavelet transforms as tsfresh 0.21 uses them:
//  * cwt_coefficients: PyWavelets 1.1.1 `pywt.cwt(x, scales, "mexh")` (method "conv"), and
//  * number_cwt_peaks: scipy 1.10 `signal.find_peaks_cwt(x, widths=1..n, wavelet=ricker)`.
//
// Both reproduce the peer's arithmetic: the convolutions are summed in the order numpy's
// `np.convolve` sums them (BLAS ddot over the longer operand, i.e. sequentially), with kernels
// built by the same formulas, so cwt values agree to the last bits in practice and the discrete
// decisions of find_peaks_cwt (relative maxima, ridge joins, the SNR test) come out the same.
// One known limit: the ricker kernel uses libm exp, as numpy does on CPUs without AVX512_SKX;
// numpy on AVX512_SKX uses SVML's exp, which differs by an ulp for ~28 % of the kernel entries,
// and on tie-heavy integer data that can move a near-tie in the ridge detection (tsfresh's own
// count then depends on the CPU).
// Costs are linear in the series length: a pywt coefficient is one dot product over the kernel
// (16 * scale + 1 points), and find_peaks_cwt is O(n * sum(10 w)) for the ricker rows plus, for
// its noise percentiles, a per-window selection (few ridge lines), block prefix/suffix lists of
// the few smallest values (windows of at most 64 points, O(n)) or O(n log n) with a Fenwick tree
// over value ranks, instead of scipy's sort of a window of n / 20 values at every point
// (O(n^2 log n)). Ridge ends are matched through a column table while the allowed distance is
// short.
//
// Thread-safety: MexhScale is immutable after construction and may be shared between threads;
// the functions use per-thread scratch buffers only. Nothing here throws except
// MexhScale's constructor (invalid scale) and std::bad_alloc.

#include <cstddef>
#include <span>
#include <vector>

namespace freshet::fresh::cwt {

// Everything pywt derives from one scale before it touches the data: the integrated Mexican-hat
// wavelet (wavefun(level 10) on linspace(-8, 8, 1024), cumsum * step) sampled at
// floor(arange(16 * scale + 1) / (scale * step)), reversed; the factor -sqrt(scale); and the
// centre trim of the differentiated full convolution.
class MexhScale {
 public:
  // Throws Error(kInvalidArgument) unless scale is finite and > 0.
  explicit MexhScale(double scale);

  // pywt.cwt(x, [scale], "mexh")[0][0][k]: -sqrt(scale) * (conv[k + trim + 1] - conv[k + trim])
  // with conv = np.convolve(x, kernel) (full). NaN when k >= x.size() (tsfresh's rule) or when
  // pywt would raise for this scale (kernel shorter than 2 points).
  double coefficient(std::span<const double> x, std::size_t k) const;

  double scale() const { return scale_; }
  std::size_t kernel_size() const { return kernel_.size(); }

 private:
  double scale_;
  std::vector<double> kernel_;  // int_psi[j][::-1]
  double factor_ = 0.0;         // -sqrt(scale)
  std::size_t trim_ = 0;        // floor((kernel_size - 2) / 2)
};

// How find_peaks_cwt's noise floors (10th percentile of a window of ceil(n / 20) values of the
// width-1 row) are found: a selection per window, a Fenwick tree over value ranks, or (small
// windows) the few smallest values of every block prefix and suffix, merged per window. All give
// identical values; kAuto picks by cost. The others exist so tests can check them against each
// other.
struct CwtPeakOptions {
  enum class Noise { kAuto, kSortWindow, kRankTree, kBlockLists };
  Noise noise = Noise::kAuto;
};

// len(scipy.signal.find_peaks_cwt(x, widths=np.arange(1, n + 1), wavelet=ricker)) for each n in
// max_widths (each >= 1), written to out (same size). The ricker rows for widths 1..max(n) are
// computed once and shared. 0 for series shorter than 3 points; NaN for an empty series.
void count_cwt_peaks(std::span<const double> x, std::span<const int> max_widths,
                     std::span<double> out, const CwtPeakOptions& options = {});

}  // namespace freshet::fresh::cwt
