#pragma once
// G = A' diag(w) A, the Hessian of binary logistic regression (A = [X 1], w = p (1 - p)), with a
// fixed summation order, so its bits do not depend on how the work is tiled:
//   wa_i = w * A_i (elementwise);
//   entry (i, j), i >= j (mirrored to (j, i)), sums wa_i[r] A_j[r] over the n rows as four FMA
//   chains l0..l3 over the rows r = 4m + l while 4 rows remain (l = fma(wa_i[r], A_j[r], l)),
//   t = (l0 + l1) + (l2 + l3), then the last n mod 4 rows: two of them (when 2 or 3 remain) as
//   separately rounded products added to t in turn, an odd last one as t = fma(wa_i[r], A_j[r], t).
// That is the order the original 2 x 2-blocked AVX2 kernel used; the tiled kernel keeps it, so the
// Newton iterates (and the fitted coefficients) are the bits they were.
//
// A is column-major n x q, w has n entries, G is column-major q x q (written in full). Both
// functions are pure and thread-safe.

#include <Eigen/Core>

#include "ml/simd.hpp"

namespace freshet {

#if FRESHET_HAVE_AVX2_KERNELS
// AVX2/FMA in register tiles. Call only when cpu_has_avx2_fma().
void weighted_gram_avx2(const double* A, const double* w, Eigen::Index n, Eigen::Index q,
                        double* G);
#endif

// The same sums in the same order one entry at a time (std::fma; slow without hardware FMA): the
// reference weighted_gram_avx2 is tested against, bit for bit.
void weighted_gram_reference(const double* A, const double* w, Eigen::Index n, Eigen::Index q,
                             double* G);

}  // namespace freshet
