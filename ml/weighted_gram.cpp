// Weighted Gram matrices (see weighted_gram.hpp for the summation order both functions share).
#include "ml/weighted_gram.hpp"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace freshet {

#if FRESHET_HAVE_AVX2_KERNELS
namespace {

// Entries (i, j) of G = A' diag(w) A for rows i of one tile (up to 3: i0, i0 + 1, ...) and every
// j <= i in tiles of 3 columns; wa = diag(w) A. Each entry is sum_r wa_i[r] A_j[r] in a fixed
// order: four FMA chains over r = l mod 4 (while 4 rows remain), added as (l0 + l1) + (l2 + l3),
// then the last n mod 4 rows -- two as separately rounded products added in turn, an odd last one
// by FMA -- so its bits do not depend on the tile it falls in. TI x 3 tiles (9 chains, 6 loads
// per 9 FMAs for TI = 3) keep the FMA units busy; 4 x 3 spills.
template <int TI>
__attribute__((target("avx2,fma"))) void weighted_gram_rows(const double* A, const double* wa,
                                                            Eigen::Index n, Eigen::Index q,
                                                            Eigen::Index i0, double* G) {
  constexpr int kTj = 3;
  const Eigen::Index last = q - 1;
  const Eigen::Index n4 = n - n % 4;  // rows the FMA chains take
  const double* u[TI];
  for (int a = 0; a < TI; ++a) u[a] = wa + (i0 + a) * n;
  for (Eigen::Index j0 = 0; j0 <= i0 + TI - 1; j0 += kTj) {
    const double* v[kTj];
    Eigen::Index jv[kTj];
    for (int b = 0; b < kTj; ++b) {
      jv[b] = std::min<Eigen::Index>(j0 + b, last);
      v[b] = A + jv[b] * n;
    }
    // Named accumulators (an array of them ends up on the stack).
    __m256d s00 = _mm256_setzero_pd(), s01 = s00, s02 = s00, s10 = s00, s11 = s00, s12 = s00,
            s20 = s00, s21 = s00, s22 = s00;
    for (Eigen::Index r = 0; r < n4; r += 4) {
      const __m256d y0 = _mm256_loadu_pd(v[0] + r), y1 = _mm256_loadu_pd(v[1] + r);
      const __m256d y2 = _mm256_loadu_pd(v[2] + r);
      __m256d x = _mm256_loadu_pd(u[0] + r);
      s00 = _mm256_fmadd_pd(x, y0, s00);
      s01 = _mm256_fmadd_pd(x, y1, s01);
      s02 = _mm256_fmadd_pd(x, y2, s02);
      if constexpr (TI > 1) {
        x = _mm256_loadu_pd(u[1] + r);
        s10 = _mm256_fmadd_pd(x, y0, s10);
        s11 = _mm256_fmadd_pd(x, y1, s11);
        s12 = _mm256_fmadd_pd(x, y2, s12);
      }
      if constexpr (TI > 2) {
        x = _mm256_loadu_pd(u[2] + r);
        s20 = _mm256_fmadd_pd(x, y0, s20);
        s21 = _mm256_fmadd_pd(x, y1, s21);
        s22 = _mm256_fmadd_pd(x, y2, s22);
      }
    }
    alignas(32) double lanes[3][kTj][4];
    _mm256_store_pd(lanes[0][0], s00);
    _mm256_store_pd(lanes[0][1], s01);
    _mm256_store_pd(lanes[0][2], s02);
    _mm256_store_pd(lanes[1][0], s10);
    _mm256_store_pd(lanes[1][1], s11);
    _mm256_store_pd(lanes[1][2], s12);
    _mm256_store_pd(lanes[2][0], s20);
    _mm256_store_pd(lanes[2][1], s21);
    _mm256_store_pd(lanes[2][2], s22);
    for (int a = 0; a < TI; ++a) {
      const Eigen::Index i = i0 + a;
      for (int b = 0; b < kTj; ++b) {
        if (jv[b] > i || (b > 0 && jv[b] == jv[b - 1])) continue;  // mirrored, or clamped
        const double* l = lanes[a][b];
        __m128d t = _mm_add_sd(_mm_add_sd(_mm_set_sd(l[0]), _mm_set_sd(l[1])),
                               _mm_add_sd(_mm_set_sd(l[2]), _mm_set_sd(l[3])));
        Eigen::Index r = n4;
        if (n - r >= 2) {
          for (int e = 0; e < 2; ++e, ++r)
            t = _mm_add_sd(t, _mm_mul_sd(_mm_set_sd(u[a][r]), _mm_set_sd(v[b][r])));
        }
        if (r < n) t = _mm_fmadd_sd(_mm_set_sd(u[a][r]), _mm_set_sd(v[b][r]), t);
        G[i + jv[b] * q] = G[jv[b] + i * q] = _mm_cvtsd_f64(t);
      }
    }
  }
}

}  // namespace

__attribute__((target("avx2,fma"))) void weighted_gram_avx2(const double* A, const double* w,
                                                            Eigen::Index n, Eigen::Index q,
                                                            double* G) {
  Eigen::MatrixXd wa(n, q);  // uninitialised: every entry is written
  for (Eigen::Index c = 0; c < q; ++c)
    for (Eigen::Index r = 0; r < n; ++r) wa(r, c) = w[r] * A[c * n + r];
  Eigen::Index i0 = 0;
  for (; i0 + 3 <= q; i0 += 3) weighted_gram_rows<3>(A, wa.data(), n, q, i0, G);
  if (q - i0 == 2) weighted_gram_rows<2>(A, wa.data(), n, q, i0, G);
  if (q - i0 == 1) weighted_gram_rows<1>(A, wa.data(), n, q, i0, G);
}
#endif

void weighted_gram_reference(const double* A, const double* w, Eigen::Index n, Eigen::Index q,
                             double* G) {
  const Eigen::Index n4 = n - n % 4;
  for (Eigen::Index i = 0; i < q; ++i) {
    for (Eigen::Index j = 0; j <= i; ++j) {
      double l[4] = {0.0, 0.0, 0.0, 0.0};
      const auto u = [&](Eigen::Index r) { return w[r] * A[i * n + r]; };
      const double* v = A + j * n;
      for (Eigen::Index r = 0; r < n4; ++r) l[r % 4] = std::fma(u(r), v[r], l[r % 4]);
      double t = (l[0] + l[1]) + (l[2] + l[3]);
      Eigen::Index r = n4;
      if (n - r >= 2) {
        for (int e = 0; e < 2; ++e, ++r) {
          const double product = u(r) * v[r];  // rounded on its own (baseline x86-64 has no FMA
          t += product;                        // to contract it into; see weighted_gram.hpp)
        }
      }
      if (r < n) t = std::fma(u(r), v[r], t);
      G[i + j * q] = G[j + i * q] = t;
    }
  }
}

}  // namespace freshet
