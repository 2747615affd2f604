#pragma once
// Spectral building blocks for the fft / Welch calculators, with the semantics of the numpy and
// scipy routines tsfresh 0.21 calls (numpy 1.24 `np.fft.rfft`, scipy 1.10 `signal.welch`,
// numpy 1.24 `np.histogram`). Values agree with those routines to rounding (a different FFT
// algorithm: differences of a few ulps relative to the largest spectral magnitude), and the
// NaN/inf pattern is the same.
//
// All functions are thread-safe: FFT plans and scratch buffers are per thread (thread_local),
// so concurrent calls from different threads never share state. None of them throws except
// std::bad_alloc.

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

namespace freshet::fresh::spectral {

// numpy.fft.rfft(x): out is resized to x.size()/2 + 1 (empty for empty x).
// Finite input: mixed-radix FFT (Eigen's kissfft) for lengths whose prime factors are small;
// with a prime factor above 31, a direct DFT on a table of twiddles up to 160 points (O(n^2), as
// pocketfft's generic-radix pass) and Bluestein's algorithm above, so the cost is O(n log n) for
// long series.
// Non-finite input (inf/NaN) goes through a direct DFT whose exactly-zero twiddle components are
// skipped, which reproduces pocketfft's inf/NaN pattern (a structural zero times inf stays 0).
void rfft(std::span<const double> x, std::vector<std::complex<double>>& out);

// Only the coefficients 0..count-1 of rfft(x) (count <= x.size()/2 + 1), written to out.
// Uses the full FFT for finite input and an O(count * n) direct DFT for non-finite input.
void rfft_head(std::span<const double> x, std::size_t count,
               std::vector<std::complex<double>>& out);

// scipy.signal.welch(x, nperseg=min(n, 256)) as tsfresh calls it: periodic Hann window,
// noverlap = nperseg // 2, constant detrend per segment, density scaling (fs = 1), one-sided,
// mean over segments. Returns Pxx in out (size nperseg/2 + 1; empty for empty x). A segment
// holding a non-finite value makes every Pxx value NaN (as in scipy: the detrended segment then
// contains NaN, which spreads to every frequency).
void welch_density(std::span<const double> x, std::vector<double>& out);

// tsfresh binned_entropy(v, bins): NaN when v holds a NaN or a non-finite value (numpy's
// histogram raises there); else np.histogram(v, bins) with numpy's edge arithmetic (linspace
// edges, the +-1 index corrections, the last bin closed), p = count / size, and
// -sum(p * log(p)) over the bins with p > 0, summed as np.sum does. bins >= 1.
double histogram_entropy(std::span<const double> v, int bins);

// libm pow(base, exponent), never folded by the compiler into multiplications: the peers'
// `x ** 2` on numpy scalars and pywt's C `pow(x, 2.0)` call libm, whose result differs from x * x
// in the last bit for some x.
double libm_pow(double base, double exponent);

// numpy.linspace(start, stop, num) (endpoint=True): element i is i * ((stop - start) / (num - 1))
// + start, the last element is exactly stop.
double linspace_at(double start, double stop, std::size_t num, std::size_t i);

}  // namespace freshet::fresh::spectral
