// weighted_gram: the AVX2 tiles give the reference order's bits for every tile and tail shape,
// and the reference is A' diag(w) A.
#include "ml/weighted_gram.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ml/simd.hpp"

using namespace freshet;

TEST_CASE("weighted_gram: AVX2 tiles equal the reference order bit for bit, and A'WA") {
  std::uint32_t s = 2024;
  const auto next = [&] {
    s = s * 1664525u + 1013904223u;
    return static_cast<double>(s >> 8) / 8388608.0 - 1.0;  // [-1, 1)
  };
  // n covers every n mod 4 (and n < 4: no FMA chains at all); q every q mod 3 (tiles of 3 with a
  // ragged last one) up to a few tiles; the breast-cancer shape (455 x 31) too.
  std::vector<std::pair<Eigen::Index, Eigen::Index>> shapes;
  for (Eigen::Index n = 1; n <= 21; ++n)
    for (Eigen::Index q = 1; q <= 11; ++q) shapes.emplace_back(n, q);
  shapes.emplace_back(455, 31);
  for (const auto& [n, q] : shapes) {
    CAPTURE(n);
    CAPTURE(q);
    std::vector<double> A(static_cast<std::size_t>(n * q)), w(static_cast<std::size_t>(n));
    for (double& a : A) a = next() * 3.0;
    for (double& x : w) x = 0.25 * (1.0 + next());  // p (1 - p) is in [0, 1/4]
    std::vector<double> ref(static_cast<std::size_t>(q * q), -1.0);
    weighted_gram_reference(A.data(), w.data(), n, q, ref.data());
    for (Eigen::Index i = 0; i < q; ++i) {
      for (Eigen::Index j = 0; j < q; ++j) {
        double exact = 0, scale = 0;
        for (Eigen::Index r = 0; r < n; ++r) {
          const double t = w[static_cast<std::size_t>(r)] * A[static_cast<std::size_t>(i * n + r)] *
                           A[static_cast<std::size_t>(j * n + r)];
          exact += t;
          scale += std::fabs(t);
        }
        REQUIRE(std::fabs(ref[static_cast<std::size_t>(i + j * q)] - exact) <= 1e-13 * scale);
      }
    }
#if FRESHET_HAVE_AVX2_KERNELS
    if (cpu_has_avx2_fma()) {
      std::vector<double> got(static_cast<std::size_t>(q * q), -2.0);
      weighted_gram_avx2(A.data(), w.data(), n, q, got.data());
      REQUIRE(std::memcmp(got.data(), ref.data(), got.size() * sizeof(double)) == 0);
    }
#endif
  }
}
