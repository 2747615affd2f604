#pragma once
// catch22 / catch24 (Lubba et al. 2019, "catch22: CAnonical Time-series CHaracteristics", Data
// Min. Knowl. Disc. 33:1821): 22 hctsa features, plus the mean and standard deviation (catch24).
//
// Written from the published definitions (the paper, the hctsa operation descriptions and the
// catch22 documentation), not from the GPL reference code; where a definition leaves a choice
// open, the choice that reproduces the C reference's outputs on shared/reference/catch22 was
// taken (fresh/README.md, "catch22", lists them).
//
// Conventions of the reference that hold for every feature here:
//  * every feature except DN_Mean and DN_Spread_Std is computed on the z-scored series
//    (x - mean) / std, std with n - 1;
//  * a series with fewer than 10 points, or holding NaN or +-inf, has no values (all NaN here);
//  * a constant series gives 0 for CO_f1ecac, CO_FirstMin_ac and PD_PeriodicityWang_th0_01 and
//    NaN for the other z-scored features.
//
// Thread-compatible: a Context is used by one thread at a time; the free functions are pure.

#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

namespace freshet::fresh::catch22 {

// In catch22's featureList order; kMean and kSpreadStd are catch24's additions.
enum class Feature : int {
  kHistogramMode5,
  kHistogramMode10,
  kOutlierIncludeP,
  kOutlierIncludeN,
  kF1ecac,
  kFirstMinAc,
  kWelchArea51,
  kWelchCentroid,
  kLocalSimpleMean3Stderr,
  kLocalSimpleMean1Tauresrat,
  kHrvPnn40,
  kBinaryStatsMeanLongstretch1,
  kBinaryStatsDiffLongstretch0,
  kMotifThreeHh,
  kHistogramAmi2_5,
  kTrev1Num,
  kAmiGaussianFmmi,
  kTransitionMatrixSumdiagcov,
  kPeriodicityWang,
  kEmbed2DistExpfitMeandiff,
  kFluctAnalRsrange,
  kFluctAnalDfa,
  kMean,
  kSpreadStd,
};
inline constexpr std::size_t kNumFeatures = 24;  // catch24
inline constexpr std::size_t kNumCatch22 = 22;   // the first 22 of Feature
inline constexpr std::size_t kMinLength = 10;    // shorter series have no values

// catch22's long name ("DN_HistogramMode_5") and short name ("mode_5").
std::string_view long_name(Feature f);
std::string_view short_name(Feature f);
// Every feature, in featureList order.
std::array<Feature, kNumFeatures> all_features();

// Computes the features of one series, sharing the z-scored series, its autocorrelation, its
// first zero crossing and its spectrum between features (each computed on first use). The
// series-length buffers keep their capacity across reset() calls (only small per-feature vectors,
// such as histogram bins, are allocated per call). Not thread-safe: one Context per thread.
class Context {
 public:
  // Points at a new series (the values must outlive the calls up to the next reset).
  void reset(std::span<const double> values);
  // The feature's value for the current series; NaN where it is undefined (see above). Never
  // throws except std::bad_alloc.
  double compute(Feature f);

 private:
  void ensure_zscore();
  void ensure_acf();
  std::size_t first_zero();

  std::span<const double> x_;
  bool valid_ = false;  // length >= kMinLength and every value finite
  bool have_z_ = false, constant_ = false, unscalable_ = false, have_acf_ = false;
  bool have_first_zero_ = false, have_welch_ = false;
  std::size_t first_zero_ = 0;
  double mean_ = 0.0, std_ = 0.0;
  double welch_dw_ = 0.0;
  std::vector<double> z_, acf_, welch_, work_, work2_;
  std::vector<int> ints_;
  std::vector<std::size_t> sizes_, sizes2_;
};

// ---- Building blocks (exposed for the unit tests) -------------------------------------------

// Sample mean (sequential sum / n) and sample standard deviation (n - 1).
double mean(std::span<const double> x);
double sample_std(std::span<const double> x, double mean);

// Autocorrelation at lags 0..n-1 of x (mean removed), normalised so acf[0] = 1: computed as the
// inverse FFT of |FFT(x zero-padded to a power of two >= 2n)|^2, O(n log n), with the reference's
// value of pi (3.14159265359) in the twiddle factors, so the values are the reference's to
// rounding (they differ from the exact ACF by ~1e-13). All NaN when x has zero variance.
void autocorrelation(std::span<const double> x, std::vector<double>& acf);
// First lag k >= 1 with acf[k] <= 0 (catch22's CO_FirstZero); acf.size() when there is none.
std::size_t first_zero_crossing(std::span<const double> acf);

// The mode of an equal-width histogram of x with `bins` bins spanning [min, max]: the centre of
// the fullest bin, or the mean of the centres of the fullest bins when several tie.
double histogram_mode(std::span<const double> x, int bins);

// MATLAB's quantile of an ascending array: sorted[i] is the (i + 0.5)/n quantile, linear in
// between, clamped to the extremes outside [0.5/n, 1 - 0.5/n].
double matlab_quantile(std::span<const double> sorted, double p);

// hctsa SB_CoarseGrain(x, 'quantile', k): symbol j (0-based) for values in
// (q(j/k), q((j+1)/k)] with q(0) lowered by 1, q = matlab_quantile. `sorted` is x ascending.
void coarse_grain_quantile(std::span<const double> x, std::span<const double> sorted, int k,
                           std::vector<int>& symbols);

// hctsa SB_BinaryStats' long stretch as the reference measures it: the largest distance between
// successive positions holding another symbol than `value`, starting from position 0 and closing
// at the last position. For a run of `value` between two other symbols that is the run length
// + 1; a run at the end counts its length; all-`value` bits give bits.size() - 1.
std::size_t longest_stretch(std::span<const int> bits, int value);

}  // namespace freshet::fresh::catch22
