// Golden tests of the entropy / complexity calculators (sample_entropy, approximate_entropy,
// lempel_ziv_complexity, permutation_entropy, query_similarity_count) against tsfresh 0.21.2:
// each calculator is run directly over its comprehensive grid on every series of a data set and
// EVERY value is compared with the golden feature matrix (NaN/inf pattern exact, rtol 1e-9,
// atol 1e-10).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "fresh/numpy.hpp"
#include "fresh/test_series_util.hpp"

namespace freshet::fresh {
namespace {

using testing::check_golden;
using testing::kRef;
using testing::kShared;
using testing::naive_apen;
using testing::naive_sample_entropy;

const std::vector<std::string> kEntropy = {"sample_entropy", "approximate_entropy",
                                           "lempel_ziv_complexity", "permutation_entropy",
                                           "query_similarity_count"};

TEST_CASE("entropy golden: edge cases") {
  const auto st = check_golden(kRef + "/edge_cases/series.csv",
                               kRef + "/edge_cases/features_comprehensive.csv", kEntropy);
  CHECK(st.series == 12 * kEntropy.size());
}

TEST_CASE("entropy golden: GunPoint") {
  check_golden(kShared + "/data/GunPoint/series.csv", kRef + "/GunPoint/features_comprehensive.csv",
               kEntropy);
}

TEST_CASE("entropy golden: RobotFailureLP1 (constant series, inf sample entropy)") {
  const auto st = check_golden(kShared + "/data/RobotFailureLP1/series.csv",
                               kRef + "/RobotFailureLP1/features_comprehensive.csv", kEntropy);
  CHECK(st.inf_cells == 136);
}

TEST_CASE("entropy golden: ItalyPowerDemand") {
  const auto st = check_golden(kRef + "/ItalyPowerDemand/series_subset.csv",
                               kRef + "/ItalyPowerDemand/features_comprehensive.csv", kEntropy);
  CHECK(st.inf_cells == 29);
}

TEST_CASE("entropy golden: JapaneseVowels (short series)") {
  const auto st = check_golden(kRef + "/JapaneseVowels/series_subset.csv",
                               kRef + "/JapaneseVowels/features_comprehensive.csv", kEntropy);
  CHECK(st.inf_cells == 395);
}

TEST_CASE("entropy golden: PickupGestureWiimoteZ (ties)") {
  check_golden(kShared + "/data/PickupGestureWiimoteZ/series.csv",
               kRef + "/PickupGestureWiimoteZ/features_comprehensive.csv", kEntropy);
}

TEST_CASE("entropy golden: BasicMotions") {
  check_golden(kShared + "/data/BasicMotions/series.csv",
               kRef + "/BasicMotions/features_comprehensive.csv", kEntropy);
}

TEST_CASE("entropy golden: ERing") {
  check_golden(kRef + "/ERing/series_subset.csv", kRef + "/ERing/features_comprehensive.csv",
               kEntropy);
}

TEST_CASE("entropy golden: with_inf_10, each calculator on its own") {
  const auto st =
      check_golden(kRef + "/edge_cases/series.csv",
                   kRef + "/edge_cases/features_comprehensive_per_calculator.csv", kEntropy);
  CHECK(st.series == kEntropy.size());
}

// Small deterministic generator for the property tests.
std::vector<double> make_series(std::size_t n, unsigned seed, bool integers) {
  std::vector<double> x(n);
  unsigned long long s = seed * 2654435761ull + 1;
  double walk = 0;
  for (auto& v : x) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const double u = static_cast<double>(s >> 11) / 9007199254740992.0;
    walk += u - 0.5;
    v = integers ? std::floor(4 * u) : walk;
  }
  return x;
}

double np_std(const std::vector<double>& x) {
  Series s(x);
  return s.std_dev();
}

TEST_CASE("sample_entropy and approximate_entropy: band sweep counts equal the all-pairs counts") {
  const Calculator* se = find_calculator("sample_entropy");
  const Calculator* ap = find_calculator("approximate_entropy");
  REQUIRE(se != nullptr);
  REQUIRE(ap != nullptr);
  const ComputeFn se_fn = se->prepare({Params()});
  const std::vector<Params> ap_params = {{{"m", 1}, {"r", 0.25}},
                                         {{"m", 2}, {"r", 0.0}},
                                         {{"m", 2}, {"r", 0.6}},
                                         {{"m", 3}, {"r", 1.5}},
                                         {{"m", 2}, {"r", 0.2}}};
  const ComputeFn ap_fn = ap->prepare(ap_params);
  for (unsigned seed = 1; seed <= 6; ++seed) {
    for (bool integers : {false, true}) {
      const std::vector<double> x = make_series(150 + 37 * seed, seed, integers);
      const Series s(x);
      double out = 0;
      se_fn(s, std::span<double>(&out, 1));
      const double want = naive_sample_entropy(x, 0.2 * np_std(x));
      CHECK(out == doctest::Approx(want).epsilon(1e-14));
      std::vector<double> ap_out(ap_params.size());
      ap_fn(s, ap_out);
      for (std::size_t k = 0; k < ap_params.size(); ++k) {
        const double r = ap_params[k]["r"].get<double>() * np_std(x);
        const double want_ap = naive_apen(x, ap_params[k]["m"].get<std::size_t>(), r);
        CHECK_MESSAGE(ap_out[k] == doctest::Approx(want_ap).epsilon(1e-12), seed, " ", k);
      }
    }
  }
  CHECK(se->high_comp_cost);
  CHECK(ap->high_comp_cost);
  CHECK(se->parameterless);
}

TEST_CASE("lempel_ziv_complexity: the trie parse equals tsfresh's set-of-words parse") {
  const Calculator* c = find_calculator("lempel_ziv_complexity");
  REQUIRE(c != nullptr);
  for (unsigned seed = 1; seed <= 4; ++seed) {
    const std::vector<double> x = make_series(300, seed, seed % 2 == 0);
    // 100 and 1000 bins: too many symbols for a (node, symbol) table, the hashed trie is used.
    for (long long bins : {2LL, 3LL, 7LL, 100LL, 1000LL}) {
      double out = 0;
      c->prepare({{{"bins", bins}}})(Series(x), std::span<double>(&out, 1));
      // Symbols as np.searchsorted(np.linspace(min, max, bins + 1)[1:], x, "left").
      const double lo = *std::min_element(x.begin(), x.end());
      const double hi = *std::max_element(x.begin(), x.end());
      std::vector<double> edges;
      for (long long k = 1; k <= bins; ++k)
        edges.push_back(
            k == bins ? hi : static_cast<double>(k) * ((hi - lo) / static_cast<double>(bins)) + lo);
      std::vector<int> seq;
      for (double v : x)
        seq.push_back(
            static_cast<int>(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin()));
      std::set<std::vector<int>> words;
      std::size_t ind = 0, inc = 1;
      while (ind + inc <= seq.size()) {
        std::vector<int> w(seq.begin() + static_cast<std::ptrdiff_t>(ind),
                           seq.begin() + static_cast<std::ptrdiff_t>(ind + inc));
        if (words.count(w)) {
          ++inc;
        } else {
          words.insert(w);
          ind += inc;
          inc = 1;
        }
      }
      CHECK(out == static_cast<double>(words.size()) / static_cast<double>(x.size()));
    }
  }
}

TEST_CASE("permutation_entropy: ties ranked by position, tau > 1, too short -> NaN") {
  const Calculator* c = find_calculator("permutation_entropy");
  REQUIRE(c != nullptr);
  auto pe = [&](const std::vector<double>& x, long long tau, long long d) {
    double out = 0;
    c->prepare({{{"tau", tau}, {"dimension", d}}})(Series(x), std::span<double>(&out, 1));
    return out;
  };
  // Windows of 3 starting every 2: [1,1,2] [2,0,0] [0,3,3]; ranks (stable) 012, 201, 012.
  const std::vector<double> x = {1, 1, 2, 0, 0, 3, 3};
  const double p1 = 2.0 / 3.0, p2 = 1.0 / 3.0;
  CHECK(pe(x, 2, 3) == doctest::Approx(-(p1 * std::log(p1) + p2 * std::log(p2))).epsilon(1e-15));
  CHECK(std::isnan(pe(x, 1, 8)));
  CHECK(pe(std::vector<double>(10, 4.0), 1, 3) == 0.0);
  // dimension 18 (sorted Lehmer codes) on a strictly increasing series.
  std::vector<double> ramp(40);
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<double>(i);
  CHECK(pe(ramp, 1, 18) == 0.0);
}

// numpy's permutation_entropy spelled out: stable ranks per window, the distinct rank vectors in
// lexicographic order (np.unique), -sum p log p by numpy's pairwise sum. Finite values only.
double naive_permutation_entropy(std::span<const double> x, std::size_t tau, std::size_t d) {
  if (x.size() < d) return std::nan("");
  const std::size_t windows = (x.size() - d) / tau + 1;
  std::vector<std::vector<std::size_t>> patterns;
  for (std::size_t w = 0; w < windows; ++w) {
    std::vector<std::size_t> idx(d), rank(d);
    for (std::size_t k = 0; k < d; ++k) idx[k] = k;
    std::stable_sort(idx.begin(), idx.end(),
                     [&](std::size_t a, std::size_t b) { return x[w * tau + a] < x[w * tau + b]; });
    for (std::size_t k = 0; k < d; ++k) rank[idx[k]] = k;
    patterns.push_back(rank);
  }
  std::sort(patterns.begin(), patterns.end());
  std::vector<double> terms;
  for (std::size_t a = 0; a < patterns.size();) {
    std::size_t b = a;
    while (b < patterns.size() && patterns[b] == patterns[a]) ++b;
    const double p = static_cast<double>(b - a) / static_cast<double>(windows);
    terms.push_back(p * std::log(p));
    a = b;
  }
  return -pairwise_sum(terms);
}

TEST_CASE("permutation_entropy: numpy's bits on every window of a roll, whatever ran before") {
  // The calculator keeps per-thread state between series (a count table it resets, remembered
  // p log p terms per window count): rolled windows of growing and fixed length, two dimension
  // sets and tau 1 and 2, each value compared bit for bit with the naive computation; then the
  // same windows on a fresh thread, in reverse order, give the same bits.
  const Calculator* c = find_calculator("permutation_entropy");
  REQUIRE(c != nullptr);
  std::mt19937_64 rng(2026);
  std::uniform_int_distribution<int> level(0, 9);  // ties on purpose
  std::vector<double> x(400);
  for (double& v : x) v = level(rng) + 0.25 * level(rng);
  struct Param {
    std::size_t tau, d;
  };
  const std::vector<Param> params = {{1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 7}, {2, 3}, {1, 8}};
  std::vector<nlohmann::json> json;
  for (const Param& p : params) json.push_back({{"tau", p.tau}, {"dimension", p.d}});
  const auto run = c->prepare(json);
  std::vector<std::pair<std::size_t, std::size_t>> windows;  // [begin, end)
  for (std::size_t end = 1; end <= x.size(); ++end)
    windows.emplace_back(end > 60 ? end - 60 : 0, end);
  for (std::size_t end = 150; end <= 220; ++end) windows.emplace_back(end - 150, end);
  auto values_of = [&](std::size_t w) {
    std::vector<double> out(params.size());
    const std::span<const double> view(x.data() + windows[w].first,
                                       windows[w].second - windows[w].first);
    run(Series(view), out);
    return out;
  };
  std::vector<std::vector<double>> first(windows.size());
  std::size_t compared = 0;
  for (std::size_t w = 0; w < windows.size(); ++w) {
    first[w] = values_of(w);
    const std::span<const double> view(x.data() + windows[w].first,
                                       windows[w].second - windows[w].first);
    for (std::size_t k = 0; k < params.size(); ++k) {
      const double want = naive_permutation_entropy(view, params[k].tau, params[k].d);
      if (std::isnan(want)) {
        CHECK(std::isnan(first[w][k]));
      } else {
        ++compared;
        if (std::memcmp(&want, &first[w][k], sizeof want) != 0)
          FAIL_CHECK("window [" << windows[w].first << ", " << windows[w].second << ") tau "
                                << params[k].tau << " dimension " << params[k].d << ": "
                                << first[w][k] << " != " << want);
      }
    }
  }
  CHECK(compared > 3000);
  std::size_t differ = 0;
  std::thread([&] {
    for (std::size_t w = windows.size(); w-- > 0;) {
      const std::vector<double> again = values_of(w);
      differ += std::memcmp(again.data(), first[w].data(), again.size() * sizeof(double)) != 0;
    }
  }).join();
  CHECK(differ == 0);
}

TEST_CASE("query_similarity_count: z-normalised and plain distance counts") {
  const Calculator* c = find_calculator("query_similarity_count");
  REQUIRE(c != nullptr);
  REQUIRE(c->comprehensive.size() == 1);
  CHECK(c->comprehensive.at(0) == nlohmann::json{{"query", nullptr}, {"threshold", 0.0}});
  CHECK(feature_name("value", *c, c->comprehensive.at(0)) ==
        "value__query_similarity_count__query_None__threshold_0.0");
  // The pattern 1,2,4 appears scaled and shifted at 0 and 5 (z-normalised distance ~0), exactly
  // at 0 only in absolute terms; windows 3,3,3 and 1,1,1 are constant.
  const std::vector<double> x = {1, 2, 4, 9, 0, 10, 12, 16, 3, 3, 3, 7, 1, 1, 1};
  auto count = [&](const nlohmann::json& p) {
    double out = 0;
    c->prepare({p})(Series(x), std::span<double>(&out, 1));
    return out;
  };
  const nlohmann::json q = {1.0, 2.0, 4.0};
  CHECK(count({{"query", q}, {"threshold", 1e-6}}) == 2.0);
  CHECK(count({{"query", q}, {"threshold", 1e-6}, {"normalize", false}}) == 1.0);
  // A constant query matches the constant windows (distance 0) only.
  CHECK(count({{"query", {5.0, 5.0, 5.0}}, {"threshold", 0.0}}) == 2.0);
  // Against a constant window a non-constant query is sqrt(3) away.
  CHECK(count({{"query", q}, {"threshold", std::sqrt(3.0) + 1e-12}}) >= 4.0);
  CHECK(std::isnan(count({{"query", nullptr}, {"threshold", 0.0}})));
  CHECK(std::isnan(count({{"query", {1.0, 2.0}}, {"threshold", 0.0}})));
  CHECK(std::isnan(count({{"query", std::vector<double>(16, 1.0)}, {"threshold", 0.0}})));
  CHECK_THROWS_AS(c->prepare({{{"query", "abc"}}}), Error);
}

TEST_CASE("entropy calculators: registration and parameter checks") {
  const Calculator* ap = find_calculator("approximate_entropy");
  REQUIRE(ap != nullptr);
  CHECK(ap->comprehensive.size() == 5);
  CHECK(ap->comprehensive.at(0) == nlohmann::json{{"m", 2}, {"r", 0.1}});
  CHECK(ap->comprehensive.at(4) == nlohmann::json{{"m", 2}, {"r", 0.9}});
  CHECK(find_calculator("lempel_ziv_complexity")->comprehensive ==
        nlohmann::json::parse(R"([{"bins":2},{"bins":3},{"bins":5},{"bins":10},{"bins":100}])"));
  CHECK(find_calculator("permutation_entropy")->comprehensive.at(4) ==
        nlohmann::json{{"tau", 1}, {"dimension", 7}});
  for (const char* name :
       {"lempel_ziv_complexity", "permutation_entropy", "query_similarity_count"}) {
    CHECK_FALSE(find_calculator(name)->high_comp_cost);
    CHECK_FALSE(find_calculator(name)->minimal);
  }
  CHECK_THROWS_AS(ap->prepare({{{"m", 2}, {"r", -0.1}}}), Error);
  CHECK_THROWS_AS(find_calculator("lempel_ziv_complexity")->prepare({{{"bins", 0}}}), Error);
  CHECK_THROWS_AS(find_calculator("permutation_entropy")->prepare({{{"tau", 0}, {"dimension", 3}}}),
                  Error);
}

}  // namespace
}  // namespace freshet::fresh
