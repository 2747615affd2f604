#pragma once
// The Sobol' sequence KX's `.ml.rs` Sobol search uses: sobol_seq.i4_sobol_generate(dim, n), i.e.
// Bratley & Fox's (ACM TOMS Algorithm 659, 1988) primitive polynomials and initial direction
// numbers for up to 40 dimensions, 30-bit points in Antonov-Saleev (Gray code) order, starting at
// the second point (the all-zero point is skipped). Dimension 1 is the van der Corput sequence
// 0.5, 0.75, 0.25, 0.375, ... Checked equal, bit for bit, to sobol_seq for 40 dimensions x 300
// points.
//
// Pure functions; thread-safe.

#include <cstddef>
#include <vector>

namespace freshet::xval {

inline constexpr std::size_t kSobolMaxDimensions = 40;

// n points of `dimensions` coordinates in [0, 1): result[i][d]. Throws Error(kInvalidArgument)
// for dimensions outside [1, 40] or n >= 2^30.
std::vector<std::vector<double>> sobol_points(std::size_t dimensions, std::size_t n);

}  // namespace freshet::xval
