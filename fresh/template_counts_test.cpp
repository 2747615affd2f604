// The ranked and band-sweep neighbour counts (fresh/template_counts.hpp) against the plain
// all-pairs count kept here, and sample_entropy / approximate_entropy on series long enough to
// take the ranked counts against the all-pairs definitions (tsfresh's formulas written out).
#include "fresh/template_counts.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "fresh/calculator.hpp"
#include "fresh/series.hpp"
#include "fresh/test_series_util.hpp"

namespace freshet::fresh {
namespace {

// Deterministic series: random walk, white noise, few distinct values (ties), constant, and a
// random walk with a spike every 97 points (templates with a spike have a spread far above 2r:
// pairs of them are where the dominance route's "neither" correction is needed).
enum class Shape { kWalk, kNoise, kTies, kConstant, kSpikes };

std::vector<double> make(std::size_t n, unsigned seed, Shape shape) {
  std::vector<double> x(n);
  unsigned long long s = seed * 2654435761ull + 17;
  double walk = 0;
  for (auto& v : x) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const double u = static_cast<double>(s >> 11) / 9007199254740992.0;
    walk += u - 0.5;
    switch (shape) {
      case Shape::kWalk:
        v = walk;
        break;
      case Shape::kNoise:
        v = u;
        break;
      case Shape::kTies:
        v = std::floor(5 * u) * 0.1;
        break;
      case Shape::kConstant:
        v = 3.25;
        break;
      case Shape::kSpikes:
        v = walk;
        break;
    }
  }
  if (shape == Shape::kSpikes)
    for (std::size_t i = 5; i < n; i += 97) x[i] += (i / 97) % 2 == 0 ? 30.0 : -25.0;
  return x;
}

// Template i's neighbours (itself included) within every tolerance, visiting every pair.
std::vector<std::uint32_t> all_pairs(const std::vector<double>& x, std::size_t length,
                                     std::size_t count, const std::vector<double>& tols) {
  std::vector<std::uint32_t> out(tols.size() * count, 0);
  for (std::size_t i = 0; i < count; ++i)
    for (std::size_t j = 0; j < count; ++j) {
      double d = 0;
      for (std::size_t c = 0; c < length; ++c) d = std::max(d, std::fabs(x[i + c] - x[j + c]));
      for (std::size_t k = 0; k < tols.size(); ++k) out[k * count + i] += d <= tols[k];
    }
  return out;
}

double np_std(const std::vector<double>& x) { return Series(x).std_dev(); }

TEST_CASE("count_template_neighbours equals the all-pairs counts") {
  // Every r of the presets (approximate_entropy 0.1 ... 0.9, sample_entropy 0.2), 0, and a
  // tolerance larger than the range, in no particular order (the tree sorts them).
  const std::vector<double> rs = {0.9, 0.1, 0.3, 0.2, 0.0, 0.5, 0.7, 50.0};
  int cases = 0;
  for (Shape shape : {Shape::kWalk, Shape::kNoise, Shape::kTies, Shape::kConstant})
    for (std::size_t n : {1, 2, 3, 5, 13, 40, 257, 700})
      for (std::size_t length = 1; length <= detail::kMaxTemplateLength; ++length) {
        if (length > n) continue;
        const std::vector<double> x = make(n, static_cast<unsigned>(n + length), shape);
        const double sd = np_std(x);
        std::vector<double> tols;
        for (double r : rs) tols.push_back(r * sd);
        // Tolerances exactly equal to some pair's distance: the `<=` boundary.
        tols.push_back(std::fabs(x[0] - x[n / 2]));
        tols.push_back(std::fabs(x[n - 1] - x[n / 3]));
        const std::size_t count = n - length + 1;
        std::vector<std::uint32_t> got(tols.size() * count, 7);
        detail::count_template_neighbours(x, length, count, tols, got);
        const auto want = all_pairs(x, length, count, tols);
        CHECK_MESSAGE(got == want, "shape ", static_cast<int>(shape), " n ", n, " length ", length);
        ++cases;
      }
  CHECK(cases == 84);  // 4 shapes x 8 lengths x 3 template lengths, less 3 too long per shape
}

// The tolerances of the presets (approximate_entropy 0.1 ... 0.9, sample_entropy 0.2) times the
// standard deviation, 0, one above the range, and two equal to some pair's distance (the `<=`
// boundary).
std::vector<double> test_tolerances(const std::vector<double>& x) {
  const double sd = np_std(x);
  std::vector<double> tols;
  for (double r : {0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.0, 50.0}) tols.push_back(r * sd);
  const std::size_t n = x.size();
  tols.push_back(std::fabs(x[0] - x[n / 2]));
  tols.push_back(std::fabs(x[n - 1] - x[n / 3]));
  return tols;
}

TEST_CASE("length 3: the sliding and dominance routes equal the all-pairs counts") {
  std::size_t neither = 0;
  for (Shape shape : {Shape::kWalk, Shape::kNoise, Shape::kTies, Shape::kConstant, Shape::kSpikes})
    for (std::size_t n : {3, 4, 5, 13, 64, 257, 700, 1500}) {
      const std::vector<double> x = make(n, static_cast<unsigned>(5 * n + 1), shape);
      const std::vector<double> tols = test_tolerances(x);
      const std::size_t count = n - 2;
      const auto want = all_pairs(x, 3, count, tols);
      for (detail::Length3Route route :
           {detail::Length3Route::kAuto, detail::Length3Route::kSliding,
            detail::Length3Route::kDominance}) {
        std::vector<std::uint32_t> got(tols.size() * count, 7);
        detail::Length3Stats stats;
        detail::count_template_neighbours(x, 3, count, tols, got, route, &stats);
        CHECK_MESSAGE(got == want, "shape ", static_cast<int>(shape), " n ", n, " route ",
                      static_cast<int>(route));
        CHECK(stats.sliding + stats.dominance == tols.size());
        if (route == detail::Length3Route::kSliding) CHECK(stats.dominance == 0);
        if (route == detail::Length3Route::kDominance) {
          CHECK(stats.sliding == 0);
          neither += stats.neither_pairs;
        }
      }
      // One tolerance at a time (sample_entropy's call): fewer queries per point, where the
      // dominance count uses its other counter.
      if (n >= 700)
        for (std::size_t k = 0; k < tols.size(); ++k) {
          std::vector<std::uint32_t> one(count, 7);
          detail::count_template_neighbours(x, 3, count, std::span<const double>(&tols[k], 1), one,
                                            detail::Length3Route::kDominance);
          CHECK(std::equal(one.begin(), one.end(),
                           want.begin() + static_cast<std::ptrdiff_t>(k * count)));
        }
    }
  // The correction was exercised (spikes, white noise): without it the counts above would differ.
  CHECK(neither > 1000);
}

TEST_CASE("length 3 kAuto: dominance for long walks, sliding for white noise, exact either way") {
  struct Case {
    Shape shape;  // kSpikes here: a walk with six spikes (few big spreads, within the budget)
    bool all_dominance;  // every tolerance of the preset by the dominance route
    bool any_sliding;    // some by the sliding route (the budget of pair checks exceeded)
    bool neither;        // some "neither" pairs must be counted (the spikes' templates)
  };
  const std::vector<double> rs = {0.1, 0.3, 0.5, 0.7, 0.9, 0.2};
  for (const Case& c :
       {Case{Shape::kWalk, true, false, false}, Case{Shape::kSpikes, true, false, true},
        Case{Shape::kNoise, false, true, false}}) {
    const std::size_t n = 6000;
    std::vector<double> x = make(n, 11, c.shape == Shape::kSpikes ? Shape::kWalk : c.shape);
    if (c.shape == Shape::kSpikes)
      for (std::size_t i = 7; i < n; i += 1000) x[i] += i % 2000 == 7 ? 30.0 : -25.0;
    const double sd = np_std(x);
    std::vector<double> tols;
    for (double r : rs) tols.push_back(r * sd);
    const std::size_t T2 = n - 1, T3 = n - 2, K = tols.size();
    std::vector<std::uint32_t> got(K * T3), band2(K * T2), band3(K * T3);
    detail::Length3Stats stats;
    detail::count_template_neighbours(x, 3, T3, tols, got, detail::Length3Route::kAuto, &stats);
    CHECK_MESSAGE((stats.dominance == K) == c.all_dominance, static_cast<int>(c.shape));
    CHECK_MESSAGE((stats.sliding > 0) == c.any_sliding, static_cast<int>(c.shape));
    if (c.neither) CHECK(stats.neither_pairs > 0);
    // The band sweep (a different algorithm: exact distances of the pairs within the band).
    detail::count_template_neighbours_band(x, 2, tols, *std::max_element(tols.begin(), tols.end()),
                                           band2, band3);
    for (std::size_t k = 0; k < K; ++k)
      CHECK_MESSAGE(std::equal(got.begin() + static_cast<std::ptrdiff_t>(k * T3),
                               got.begin() + static_cast<std::ptrdiff_t>((k + 1) * T3),
                               band3.begin() + static_cast<std::ptrdiff_t>(k * T3)),
                    "shape ", static_cast<int>(c.shape), " r ", rs[k]);
  }
}

// Series of 16,384 values and more are sorted by a radix sort of the values' bits: ties, -0.0
// next to 0.0, and negative values must give the counts the band sweep gives.
TEST_CASE("count_template_neighbours on long series with ties and signed zeros (radix sort)") {
  const std::size_t n = 17000;
  std::vector<double> x = make(n, 77, Shape::kWalk);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = std::round(4 * x[i]) / 4;  // ties
    // Signed zeros where the walk is near 0 (its start), and a few far from it.
    if ((i < 300 && i % 7 == 0) || i % 4001 == 0) x[i] = -0.0;
    if ((i < 300 && i % 11 == 0) || i % 4003 == 0) x[i] = 0.0;
  }
  const double sd = np_std(x);
  const std::vector<double> tols = {0.2 * sd, 0.3 * sd, 0.0};
  const std::size_t T2 = n - 1, T3 = n - 2, K = tols.size();
  std::vector<std::uint32_t> band2(K * T2), band3(K * T3), got2(K * T2), got3(K * T3);
  detail::count_template_neighbours_band(x, 2, tols, 0.3 * sd, band2, band3);
  detail::count_template_neighbours(x, 2, T2, tols, got2);
  detail::Length3Stats stats;
  detail::count_template_neighbours(x, 3, T3, tols, got3, detail::Length3Route::kAuto, &stats);
  CHECK(got2 == band2);
  CHECK(got3 == band3);
  CHECK(stats.dominance > 0);
}

TEST_CASE("band sweep and ranked counts are the same integers (approximate_entropy's m, m + 1)") {
  for (Shape shape : {Shape::kWalk, Shape::kNoise, Shape::kTies, Shape::kConstant})
    for (std::size_t n : {3, 4, 9, 64, 333, 1200})
      for (std::size_t m : {1, 2}) {
        if (n < m + 2) continue;
        const std::vector<double> x = make(n, static_cast<unsigned>(3 * n + m), shape);
        const double sd = np_std(x);
        std::vector<double> tols;
        for (double r : {0.1, 0.3, 0.5, 0.7, 0.9}) tols.push_back(r * sd);
        const std::size_t T1 = n - m + 1, T2 = n - m, K = tols.size();
        std::vector<std::uint32_t> band1(K * T1), band2(K * T2), rank1(K * T1), rank2(K * T2);
        detail::count_template_neighbours_band(x, m, tols, tols.back(), band1, band2);
        detail::count_template_neighbours(x, m, T1, tols, rank1);
        detail::count_template_neighbours(x, m + 1, T2, tols, rank2);
        CHECK_MESSAGE(band1 == rank1, "shape ", static_cast<int>(shape), " n ", n, " m ", m);
        CHECK_MESSAGE(band2 == rank2, "shape ", static_cast<int>(shape), " n ", n, " m ", m);
        if (n <= 400) {
          CHECK(rank1 == all_pairs(x, m, T1, tols));
          CHECK(rank2 == all_pairs(x, m + 1, T2, tols));
        }
      }
}

TEST_CASE("ranked_counts_cheaper: the band sweep for short series and few close pairs") {
  const std::vector<double> walk = make(20000, 1, Shape::kWalk);
  const double sd = np_std(walk);
  std::vector<double> sorted_walk = walk;
  std::sort(sorted_walk.begin(), sorted_walk.end());
  CHECK_FALSE(detail::ranked_counts_cheaper(sorted_walk, 2, 300, 5, 0.9 * sd));  // short
  CHECK(detail::ranked_counts_cheaper(sorted_walk, 2, 19999, 5, 0.9 * sd));      // dense band
  CHECK_FALSE(detail::ranked_counts_cheaper(sorted_walk, 2, 19999, 5, 0.0));  // (almost) no pairs
  CHECK_FALSE(detail::ranked_counts_cheaper(sorted_walk, 3, 19998, 5, 0.9 * sd));  // length 4
}

TEST_CASE("count_template_neighbours: fewer templates than the series allows") {
  // sample_entropy counts length-3 templates among the first n - 2 starts only.
  const std::vector<double> x = make(300, 5, Shape::kWalk);
  const std::vector<double> tols = {0.2 * np_std(x)};
  std::vector<std::uint32_t> got(250);
  detail::count_template_neighbours(x, 3, 250, tols, got);
  CHECK(got == all_pairs(x, 3, 250, tols));
}

// approximate_entropy from counts as the calculator forms it (numpy's pairwise np.sum of the logs
// in template order): equal counts must give equal bits.
double apen_from_counts(std::size_t N, std::size_t m, std::span<const std::uint32_t> c1,
                        std::span<const std::uint32_t> c2) {
  std::vector<double> l1(c1.size()), l2(c2.size());
  for (std::size_t i = 0; i < c1.size(); ++i)
    l1[i] = std::log(static_cast<double>(c1[i]) / static_cast<double>(c1.size()));
  for (std::size_t i = 0; i < c2.size(); ++i)
    l2[i] = std::log(static_cast<double>(c2[i]) / static_cast<double>(c2.size()));
  const double Nd = static_cast<double>(N), md = static_cast<double>(m);
  return std::fabs(pairwise_sum(l1) / (Nd - md + 1.0) - pairwise_sum(l2) / (Nd - (md + 1) + 1.0));
}

TEST_CASE("sample_entropy and approximate_entropy: long series bit-identical to band counts") {
  const Calculator* se = find_calculator("sample_entropy");
  const Calculator* ap = find_calculator("approximate_entropy");
  REQUIRE(se != nullptr);
  REQUIRE(ap != nullptr);
  const ComputeFn se_fn = se->prepare({Params()});
  const std::vector<double> rs = {0.1, 0.3, 0.5, 0.7, 0.9};
  std::vector<Params> ap_params;
  for (double r : rs) ap_params.push_back({{"m", 2}, {"r", r}});
  for (double r : rs) ap_params.push_back({{"m", 1}, {"r", r}});
  const ComputeFn ap_fn = ap->prepare(ap_params);
  for (Shape shape : {Shape::kWalk, Shape::kNoise, Shape::kTies, Shape::kConstant, Shape::kSpikes})
    for (std::size_t n : {611, 4000}) {
      const std::vector<double> x = make(n, static_cast<unsigned>(n), shape);
      const Series s(x);
      const double sd = np_std(x);
      if (shape == Shape::kWalk && n == 4000)
        CHECK(detail::ranked_counts_cheaper(s.sorted(), 2, n - 1, 5, 0.9 * sd));
      // sample_entropy: pair counts from the band sweep's per-template counts.
      double se_out = 0;
      se_fn(s, std::span<double>(&se_out, 1));
      {
        const std::vector<double> tol = {0.2 * sd};
        std::vector<std::uint32_t> c2(n - 1), c3(n - 2);
        detail::count_template_neighbours_band(x, 2, tol, tol[0], c2, c3);
        long long B = 0, A = 0;
        for (auto c : c2) B += c - 1;
        for (auto c : c3) A += c - 1;
        const double want = -std::log(static_cast<double>(A) / static_cast<double>(B));
        CHECK_MESSAGE((se_out == want || (std::isnan(se_out) && std::isnan(want))), n);
        if (n < 1000)
          CHECK(se_out ==
                doctest::Approx(testing::naive_sample_entropy(x, 0.2 * np_std(x))).epsilon(1e-14));
      }
      std::vector<double> ap_out(ap_params.size());
      ap_fn(s, ap_out);
      for (std::size_t m : {1, 2}) {
        std::vector<double> tols;
        for (double r : rs) tols.push_back(r * sd);
        const std::size_t T1 = n - m + 1, T2 = n - m, K = tols.size();
        std::vector<std::uint32_t> c1(K * T1), c2(K * T2);
        detail::count_template_neighbours_band(x, m, tols, tols.back(), c1, c2);
        for (std::size_t k = 0; k < K; ++k) {
          const double want = apen_from_counts(n, m, std::span(c1).subspan(k * T1, T1),
                                               std::span(c2).subspan(k * T2, T2));
          const double got = ap_out[(m == 2 ? 0 : K) + k];
          CHECK_MESSAGE(got == want, "n ", n, " m ", m, " r ", rs[k]);
          if (n < 1000)
            CHECK(got ==
                  doctest::Approx(testing::naive_apen(x, m, tols[k])).epsilon(1e-12).scale(1e-13));
        }
      }
    }
}

TEST_CASE("sample_entropy: a long random walk (ranked counts) bit-identical to band counts") {
  const std::vector<double> x = make(12000, 9, Shape::kWalk);
  const std::vector<double> tol = {0.2 * np_std(x)};
  REQUIRE(detail::ranked_counts_cheaper(Series(x).sorted(), 2, x.size() - 1, 1, tol[0]));
  std::vector<std::uint32_t> c2(x.size() - 1), c3(x.size() - 2);
  detail::count_template_neighbours_band(x, 2, tol, tol[0], c2, c3);
  long long B = 0, A = 0;
  for (auto c : c2) B += c - 1;
  for (auto c : c3) A += c - 1;
  double out = 0;
  find_calculator("sample_entropy")->prepare({Params()})(Series(x), std::span<double>(&out, 1));
  CHECK(out == -std::log(static_cast<double>(A) / static_cast<double>(B)));
}

// sample_entropy's counts, left by approximate_entropy (m = 2, ranked counts) for the same series
// on the same thread, give what sample_entropy's own count gives; another series of the same
// length (one value changed) is not mistaken for it.
TEST_CASE("sample_entropy after approximate_entropy on the same long series") {
  const ComputeFn se_fn = find_calculator("sample_entropy")->prepare({Params()});
  std::vector<Params> ap_params;
  for (double r : {0.1, 0.3, 0.5, 0.7, 0.9}) ap_params.push_back({{"m", 2}, {"r", r}});
  const ComputeFn ap_fn = find_calculator("approximate_entropy")->prepare(ap_params);
  const auto band_sample_entropy = [](const std::vector<double>& v) {
    const std::vector<double> tol = {0.2 * np_std(v)};
    std::vector<std::uint32_t> c2(v.size() - 1), c3(v.size() - 2);
    detail::count_template_neighbours_band(v, 2, tol, tol[0], c2, c3);
    long long B = 0, A = 0;
    for (auto c : c2) B += c - 1;
    for (auto c : c3) A += c - 1;
    return -std::log(static_cast<double>(A) / static_cast<double>(B));
  };
  for (Shape shape : {Shape::kWalk, Shape::kSpikes, Shape::kNoise}) {
    const std::size_t n = 5000;
    const std::vector<double> x = make(n, 4242 + static_cast<unsigned>(shape), shape);
    const Series s(x);
    if (shape != Shape::kNoise)
      REQUIRE(detail::ranked_counts_cheaper(s.sorted(), 2, n - 1, 5, 0.9 * np_std(x)));
    const double want = band_sample_entropy(x);
    double before = 0, after = 0, other = 0;
    se_fn(s, std::span<double>(&before, 1));
    std::vector<double> ap_out(ap_params.size());
    ap_fn(s, ap_out);
    se_fn(Series(x), std::span<double>(&after, 1));
    CHECK_MESSAGE(before == want, static_cast<int>(shape));
    CHECK_MESSAGE(after == want, static_cast<int>(shape));
    std::vector<double> y = x;
    y[n / 2] += 1e-3 * np_std(x);
    se_fn(Series(y), std::span<double>(&other, 1));
    CHECK_MESSAGE(other == band_sample_entropy(y), static_cast<int>(shape));
  }
}

TEST_CASE("sample_entropy and approximate_entropy on long series with NaN or inf") {
  const ComputeFn se_fn = find_calculator("sample_entropy")->prepare({Params()});
  const ComputeFn ap_fn = find_calculator("approximate_entropy")->prepare({{{"m", 2}, {"r", 0.3}}});
  std::vector<double> x = make(400, 3, Shape::kWalk);
  x[100] = std::numeric_limits<double>::quiet_NaN();
  double se_out = 0, ap_out = 0;
  se_fn(Series(x), std::span<double>(&se_out, 1));
  ap_fn(Series(x), std::span<double>(&ap_out, 1));
  CHECK(std::isnan(se_out));
  CHECK(std::isnan(ap_out));
  // With an inf, np.std is NaN: no template matches, B = -(n-1), A = -(n-2) in tsfresh.
  x[100] = std::numeric_limits<double>::infinity();
  se_fn(Series(x), std::span<double>(&se_out, 1));
  ap_fn(Series(x), std::span<double>(&ap_out, 1));
  CHECK(se_out == -std::log(398.0 / 399.0));
  CHECK(std::isnan(ap_out));
}

}  // namespace
}  // namespace freshet::fresh
