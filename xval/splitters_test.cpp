// Unit tests of the numpy stream and the splitters. Expected numpy values were printed by numpy
// 1.24.2 (np.random.RandomState) and sklearn 1.2.1; fold shapes are derived in the tests.

#include "xval/splitters.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "core/error.hpp"
#include "xval/numpy_random.hpp"

using namespace freshet;
using namespace freshet::xval;

TEST_CASE("RandomState reproduces numpy's legacy stream") {
  RandomState r(0);
  CHECK(r.random_sample() == 0.5488135039273248);
  const std::vector<std::size_t> expected = {2, 8, 4, 9, 1, 6, 7, 3, 0, 5};
  CHECK(r.permutation(10) == expected);
  CHECK(r.randint(0, 1000) == 804);
  CHECK(r.randint(-5, std::int64_t{1} << 40) == 377492290625);  // the 64-bit masked path

  const std::uint32_t key[] = {1, 2, 3};
  RandomState a = RandomState::from_array(key);
  CHECK(a.random_sample() == 0.6098612722867289);
  CHECK(a.randint(0, std::int64_t{1} << 32) == 3808334787);

  RandomState b(4294967295U);
  std::vector<int> v = {0, 1, 2, 3, 4, 5, 6};
  b.shuffle(v);
  CHECK(v == std::vector<int>{1, 5, 0, 6, 4, 2, 3});
}

namespace {
Labels labels_of(std::vector<double> v) { return encode_labels(std::span<const double>(v)); }

// Every row is in exactly one test set, train is the complement (for partitioning splitters).
void check_partition(const Folds& folds, std::size_t n, bool tests_cover_all = true) {
  std::vector<int> seen(n, 0);
  for (const auto& s : folds) {
    for (auto r : s.test) ++seen[r];
    CHECK(s.train.size() + s.test.size() == n);
    std::set<std::size_t> all(s.train.begin(), s.train.end());
    all.insert(s.test.begin(), s.test.end());
    CHECK(all.size() == n);
  }
  if (tests_cover_all)
    for (int c : seen) CHECK(c == 1);
}
}  // namespace

TEST_CASE("encode_labels: np.unique codes and first-appearance codes") {
  const Labels l = labels_of({3, 1, 3, 2, 1});
  CHECK(l.n_classes == 3);
  CHECK(l.codes == std::vector<std::int64_t>{2, 0, 2, 1, 0});
  CHECK(l.first_seen_codes() == std::vector<std::int64_t>{0, 1, 0, 2, 1});
  CHECK_FALSE(l.continuous);
  CHECK(labels_of({0.5, 1}).continuous);
  CHECK_THROWS_AS(labels_of({1, NAN}), Error);
}

TEST_CASE("kfold: first n % k folds one longer, ascending") {
  const auto folds = make_splitter("kfold:n_splits=3")->split({.n_rows = 10});
  REQUIRE(folds.size() == 3);
  CHECK(folds[0].test == std::vector<std::size_t>{0, 1, 2, 3});
  CHECK(folds[1].test == std::vector<std::size_t>{4, 5, 6});
  CHECK(folds[2].test == std::vector<std::size_t>{7, 8, 9});
  check_partition(folds, 10);
  CHECK_THROWS_AS(make_splitter("kfold:n_splits=11")->split({.n_rows = 10}), Error);
  CHECK_THROWS_AS(make_splitter("kfold:random_state=1"), Error);  // sklearn: needs shuffle
  CHECK_THROWS_AS(make_splitter("kfold:n_split=3"), Error);       // unknown parameter
  CHECK_THROWS_AS(make_splitter("kfold:n_splits=x"), Error);
  CHECK_THROWS_AS(make_splitter("nosuch"), Error);
}

TEST_CASE("stratified_shuffle_split uses _approximate_mode's tie breaking") {
  // sklearn 1.2.1: list(StratifiedShuffleSplit(2, test_size=3, random_state=0).split(X, y))
  // for y = [0,0,0,0,1,1,1,2,2,2] gives
  //   train [4 3 1 7 9 2 6], test [0 5 8]   and   train [2 7 9 4 6 0 1], test [8 3 5]
  const Labels y = labels_of({0, 0, 0, 0, 1, 1, 1, 2, 2, 2});
  const auto folds = make_splitter("stratified_shuffle_split:n_splits=2,test_size=3,random_state=0")
                         ->split({.n_rows = 10, .y = &y});
  REQUIRE(folds.size() == 2);
  CHECK(folds[0].train == std::vector<std::size_t>{4, 3, 1, 7, 9, 2, 6});
  CHECK(folds[0].test == std::vector<std::size_t>{0, 5, 8});
  CHECK(folds[1].train == std::vector<std::size_t>{2, 7, 9, 4, 6, 0, 1});
  CHECK(folds[1].test == std::vector<std::size_t>{8, 3, 5});
}

TEST_CASE("repeated_stratified_kfold, leave_p_out, predefined_split match sklearn") {
  // sklearn 1.2.1: RepeatedStratifiedKFold(n_splits=2, n_repeats=2, random_state=3) on
  // y = [0,1,0,1,0,1,1,0] -> test sets [1 2 4 5] [0 3 6 7] [1 3 4 7] [0 2 5 6]
  const Labels y = labels_of({0, 1, 0, 1, 0, 1, 1, 0});
  const auto folds =
      make_splitter("repeated_stratified_kfold:n_splits=2,n_repeats=2,random_state=3")
          ->split({.n_rows = 8, .y = &y});
  REQUIRE(folds.size() == 4);
  CHECK(folds[0].test == std::vector<std::size_t>{1, 2, 4, 5});
  CHECK(folds[1].test == std::vector<std::size_t>{0, 3, 6, 7});
  CHECK(folds[2].test == std::vector<std::size_t>{1, 3, 4, 7});
  CHECK(folds[3].test == std::vector<std::size_t>{0, 2, 5, 6});

  const auto lpo = make_splitter("leave_p_out:p=2")->split({.n_rows = 4});
  REQUIRE(lpo.size() == 6);  // C(4, 2), lexicographic
  CHECK(lpo[0].test == std::vector<std::size_t>{0, 1});
  CHECK(lpo[2].test == std::vector<std::size_t>{0, 3});
  CHECK(lpo[5].test == std::vector<std::size_t>{2, 3});
  CHECK(lpo[5].train == std::vector<std::size_t>{0, 1});

  Table t;
  t.add_column(Column("fold", std::vector<std::int64_t>{1, -1, 0, 1, 0}));
  const auto pre =
      make_splitter("predefined_split:test_fold=fold")->split({.n_rows = 5, .table = &t});
  REQUIRE(pre.size() == 2);
  CHECK(pre[0].test == std::vector<std::size_t>{2, 4});
  CHECK(pre[0].train == std::vector<std::size_t>{0, 1, 3});
  CHECK(pre[1].test == std::vector<std::size_t>{0, 3});
}

TEST_CASE("KX fold arithmetic: longer chunks last, rotated training order") {
  // n = 10, k = 3: chunks [0,3) [3,6) [6,10) (sizes 3,3,4, q's 3 0N#til 10).
  const auto folds = make_splitter("kf_split:k=3,n=2")->split({.n_rows = 10});
  REQUIRE(folds.size() == 6);
  CHECK(folds[0].train == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});
  CHECK(folds[0].test == std::vector<std::size_t>{6, 7, 8, 9});
  CHECK(folds[1].train == std::vector<std::size_t>{6, 7, 8, 9, 0, 1, 2});  // chunks (2, 0)
  CHECK(folds[1].test == std::vector<std::size_t>{3, 4, 5});
  CHECK(folds[2].train == std::vector<std::size_t>{3, 4, 5, 6, 7, 8, 9});  // chunks (1, 2)
  CHECK(folds[2].test == std::vector<std::size_t>{0, 1, 2});
  CHECK(folds[3] == folds[0]);  // kfSplit repetitions are identical

  // KX test: splitIdx[2;1000] equals sklearn KFold(2) fold 0.
  const auto two = make_splitter("kf_split:k=2")->split({.n_rows = 1000});
  const auto sk = make_splitter("kfold:n_splits=2")->split({.n_rows = 1000});
  CHECK(two[1].test == sk[0].test);

  const auto rolls = make_splitter("ts_rolls:k=4")->split({.n_rows = 9});  // 2,2,2,3
  REQUIRE(rolls.size() == 3);
  CHECK(rolls[2].train == std::vector<std::size_t>{4, 5});
  CHECK(rolls[2].test == std::vector<std::size_t>{6, 7, 8});
  const auto chain = make_splitter("ts_chain:k=4")->split({.n_rows = 9});
  CHECK(chain[2].train == std::vector<std::size_t>{0, 1, 2, 3, 4, 5});

  // KX tests: pc .2 -> 800/200, .1 -> 900/100, .3 -> 700/300.
  for (auto [pc, tr] : {std::pair{"0.2", 800}, {"0.1", 900}, {"0.3", 700}}) {
    const auto pcs = make_splitter(std::string("pc_split:pc=") + pc)->split({.n_rows = 1000});
    CHECK(pcs[0].train.size() == static_cast<std::size_t>(tr));
    CHECK(pcs[0].test.front() == static_cast<std::size_t>(tr));
    const auto mc = make_splitter(std::string("mc_split:n=3,pc=") + pc)->split({.n_rows = 1000});
    REQUIRE(mc.size() == 3);
    CHECK(mc[0].train.size() == static_cast<std::size_t>(tr));
    CHECK(mc[0].train != mc[1].train);
    check_partition({mc[2]}, 1000, false);
  }

  // kf_shuff: 3 x 333(+1) chunks of a permutation; repetitions differ; seeded.
  const auto sh = make_splitter("kf_shuff:k=3,n=2,random_state=7")->split({.n_rows = 1000});
  REQUIRE(sh.size() == 6);
  CHECK(sh[0].test.size() == 334);
  CHECK(sh[2].test.size() == 333);
  CHECK(sh[0].test != sh[3].test);
  check_partition({sh[0], sh[1], sh[2]}, 1000);
  CHECK(sh == make_splitter("kf_shuff:k=3,n=2,random_state=7")->split({.n_rows = 1000}));
}

TEST_CASE("kf_strat: KX's per-fold class counts") {
  // KX xval.t: stratIdx[3; 1000#110011001100b] -> per-fold class counts (166 166;167 167;167 167)
  std::vector<double> yv(1000);
  const int pattern[12] = {1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0};
  for (std::size_t i = 0; i < 1000; ++i) yv[i] = pattern[i % 12];
  const Labels y = labels_of(yv);
  const auto folds = make_splitter("kf_strat:k=3")->split({.n_rows = 1000, .y = &y});
  REQUIRE(folds.size() == 3);
  // fold f tests on chunk 2 - f: chunk sizes 166+166, 167+167, 167+167.
  const std::size_t expect[3][2] = {{167, 167}, {167, 167}, {166, 166}};
  for (std::size_t f = 0; f < 3; ++f) {
    std::size_t ones = 0;
    for (auto r : folds[f].test) ones += yv[r] == 1;
    CHECK(ones == expect[f][0]);
    CHECK(folds[f].test.size() - ones == expect[f][1]);
  }
  check_partition(folds, 1000);
}

TEST_CASE("group_kfold: no group in two folds, documented tie order") {
  std::vector<double> g(14);
  for (std::size_t i = 0; i < 14; ++i) g[i] = static_cast<double>(i % 7);  // 7 groups of 2
  const Labels groups = labels_of(g);
  const auto folds =
      make_splitter("group_kfold:n_splits=3")->split({.n_rows = 14, .groups = &groups});
  REQUIRE(folds.size() == 3);
  // Equal sizes: higher label first -> 6,5,4 to folds 0,1,2; 3,2,1 likewise; 0 to fold 0.
  CHECK(folds[0].test == std::vector<std::size_t>{0, 3, 6, 7, 10, 13});
  CHECK(folds[1].test == std::vector<std::size_t>{2, 5, 9, 12});
  CHECK(folds[2].test == std::vector<std::size_t>{1, 4, 8, 11});
  check_partition(folds, 14);
  CHECK_THROWS_AS(make_splitter("group_kfold")->split({.n_rows = 14}), Error);  // no groups
}

TEST_CASE("purged_kfold: overlapping labels are purged, embargo after the test block") {
  // 10 rows at times 0..9, label intervals [t, t+2]; 5 groups of 2 rows.
  Table t;
  std::vector<double> s(10), e(10);
  for (int i = 0; i < 10; ++i) s[i] = i, e[i] = i + 2;
  t.add_column(Column("s", s));
  t.add_column(Column("e", e));
  const auto folds = make_splitter("purged_kfold:n_splits=5,start=s,end=e,embargo=1")
                         ->split({.n_rows = 10, .table = &t});
  REQUIRE(folds.size() == 5);
  // Fold 2 tests rows 4,5: period [4, 7]. Rows 2,3 end at 4,5 >= 4: purged. Rows 6,7 start
  // inside [4, 7]: purged; row 8 starts at 8 <= 7 + 1: embargoed. Train: 0, 1, 9.
  CHECK(folds[2].test == std::vector<std::size_t>{4, 5});
  CHECK(folds[2].train == std::vector<std::size_t>{0, 1, 9});
  // Property: no training interval overlaps the test period.
  for (const auto& f : folds) {
    double t0 = 1e9, t1 = -1e9;
    for (auto r : f.test) t0 = std::min(t0, s[r]), t1 = std::max(t1, e[r]);
    for (auto r : f.train) CHECK((e[r] < t0 || s[r] > t1 + 1));
  }
  // Combinatorial: C(5, 2) = 10 splits; test groups (0, 1) form one block [0, 5].
  const auto cpcv = make_splitter("purged_kfold:n_splits=5,n_test_groups=2,start=s,end=e")
                        ->split({.n_rows = 10, .table = &t});
  REQUIRE(cpcv.size() == 10);
  CHECK(cpcv[0].test == std::vector<std::size_t>{0, 1, 2, 3});
  CHECK(cpcv[0].train == std::vector<std::size_t>{6, 7, 8, 9});
  // Row positions as times, embargo_pct: 10% of 10 rows = 1 row after each block.
  const auto rows = make_splitter("purged_kfold:n_splits=5,embargo_pct=0.1")->split({.n_rows = 10});
  CHECK(rows[0].train == std::vector<std::size_t>{3, 4, 5, 6, 7, 8, 9});
  CHECK(rows[4].train == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("every registered splitter parses its own spec back") {
  for (const auto& info : all_splitters()) {
    SplitterParams params;
    if (info.name == "predefined_split") params["test_fold"] = "f";
    const auto s = info.make(params);
    CHECK(s->name() == info.name);
    CHECK(make_splitter(s->spec())->spec() == s->spec());
  }
}
