// knn_classifier / knn_regressor: sklearn's KNeighborsClassifier(5) fold accuracies
// (reference/sklearn/cv_scores.csv, exact), tie rules, distance weights, and exactness of the
// neighbour search where the blocked matrix product alone would round wrongly.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/models_testdata.hpp"

using namespace freshet;
using namespace freshet::testdata;

TEST_CASE(
    "knn_classifier: wine and digits fold accuracies equal sklearn's KNeighborsClassifier(5)") {
  for (const std::string dataset : {"wine", "digits"}) {
    const Dataset data = load_dataset(dataset);
    for (const std::string splitter : {"kfold5", "stratifiedkfold5"}) {
      CAPTURE(dataset);
      CAPTURE(splitter);
      const auto folds =
          splitter == "kfold5" ? kfold(data.y.size(), 5) : read_folds(dataset, splitter);
      const auto expected = reference_scores(dataset, "KNeighborsClassifier", splitter);
      REQUIRE(expected.size() == 5);
      const auto got = cross_val("knn_classifier:n_neighbors=5", data, folds, accuracy);
      for (std::size_t f = 0; f < 5; ++f) {
        CAPTURE(f);
        if (dataset == "digits" && splitter == "kfold5" && f == 3) {
          // The one row in all these folds whose prediction depends on how a 5th/6th-neighbour
          // distance tie is broken (reference README, notes.json knn_ties): digits row 1149,
          // where training rows 833 (label 2) and 923 (label 8) tie for 5th. Both sklearn's brute
          // force and freshet's (distance, training row) order keep row 833 and predict 2, so
          // today the scores are equal; sklearn's order is its heap's, not a documented rule, so
          // the README allows one test row (1/359) either way.
          const double diff = std::abs(got[f] - expected[f]);
          CHECK((diff < 1e-12 || std::abs(diff - 1.0 / 359.0) < 1e-12));
        } else {
          CHECK(got[f] == doctest::Approx(expected[f]).epsilon(1e-12));
        }
      }
    }
  }
}

TEST_CASE(
    "knn_classifier: distance ties go to the lower training row, vote ties to the smaller label") {
  // Training rows on a line; the query at 0 has rows 1 and 2 both at distance 1.
  Matrix X(4, 1);
  X << 5, 1, -1, 9;
  const std::vector<double> y = {0, 8, 4, 0};
  Matrix q(1, 1);
  q << 0.0;
  {
    // k = 1: rows 1 (label 8) and 2 (label 4) tie at distance 1; row 1 comes first.
    auto m = make_model("knn_classifier:n_neighbors=1");
    m->fit(X, y);
    CHECK(m->predict(q)(0) == 8);
  }
  {
    // k = 2: one vote each for 8 and 4: the smaller label wins.
    auto m = make_model("knn_classifier:n_neighbors=2");
    m->fit(X, y);
    CHECK(m->predict(q)(0) == 4);
    const Matrix p = m->predict_proba(q);
    CHECK(m->classes() == std::vector<double>{0, 4, 8});
    CHECK(p(0, 0) == 0.0);
    CHECK(p(0, 1) == 0.5);
    CHECK(p(0, 2) == 0.5);
  }
  {
    // k = 3 with distance weights: neighbours 1 (d 1, label 8), 2 (d 1, label 4), 0 (d 5, label
    // 0): weights 1, 1, 0.2 -> probabilities 1/2.2, 1/2.2, 0.2/2.2; 4 and 8 tie -> 4.
    auto m = make_model("knn_classifier:n_neighbors=3,weights=distance");
    m->fit(X, y);
    CHECK(m->predict(q)(0) == 4);
    const Matrix p = m->predict_proba(q);
    CHECK(p(0, 0) == doctest::Approx(0.2 / 2.2));
    CHECK(p(0, 1) == doctest::Approx(1.0 / 2.2));
  }
}

TEST_CASE("knn: a query on a training row takes that row alone with distance weights") {
  Matrix X(3, 1);
  X << 0, 1, 2;
  const std::vector<double> y = {10, 20, 40};
  Matrix q(1, 1);
  q << 1.0;
  auto reg = make_model("knn_regressor:n_neighbors=3,weights=distance");
  reg->fit(X, y);
  CHECK(reg->predict(q)(0) == 20.0);  // sklearn: zero distance -> weight 1, others 0
  auto uni = make_model("knn_regressor:n_neighbors=3");
  uni->fit(X, y);
  CHECK(uni->predict(q)(0) == doctest::Approx(70.0 / 3.0).epsilon(1e-15));
  Matrix q2(1, 1);
  q2 << 0.25;  // distances 0.25, 0.75, 1.75: weights 4, 4/3, 4/7
  auto reg2 = make_model("knn_regressor:n_neighbors=3,weights=distance");
  reg2->fit(X, y);
  const double w0 = 4.0, w1 = 4.0 / 3.0, w2 = 4.0 / 7.0;
  CHECK(reg2->predict(q2)(0) ==
        doctest::Approx((10 * w0 + 20 * w1 + 40 * w2) / (w0 + w1 + w2)).epsilon(1e-14));
  CHECK_THROWS_AS(reg2->predict_proba(q2), Error);
}

TEST_CASE("knn: neighbours are exact where |y|^2 - 2x.y rounds (large offsets)") {
  // All rows sit near 1e8: squared norms ~1e16 swamp the unit differences in the product form, so
  // only the exact re-scoring can rank them. Row i is at 1e8 + i; the query at 1e8 + 10.3 has
  // nearest rows 10, 11, 9 (distances 0.3, 0.7, 1.3).
  const Eigen::Index n = 40;
  Matrix X(n, 2);
  std::vector<double> y(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    X(i, 0) = 1e8 + static_cast<double>(i);
    X(i, 1) = -1e8;
    y[static_cast<std::size_t>(i)] = static_cast<double>(i);
  }
  Matrix q(1, 2);
  q << 1e8 + 10.3, -1e8;
  for (int k : {1, 2, 3}) {
    auto m = make_model("knn_regressor:n_neighbors=" + std::to_string(k));
    m->fit(X, y);
    const double expected = k == 1 ? 10.0 : k == 2 ? 10.5 : 10.0;
    CHECK(m->predict(q)(0) == doctest::Approx(expected).epsilon(1e-15));
  }
}

TEST_CASE("knn: matches a naive exact search on random data, many blocks") {
  // Integer-valued features (like digits) make exact distance ties common.
  const Eigen::Index n = 300, m = 600, d = 6;
  Matrix train(n, d), query(m, d);
  std::uint32_t s = 12345;
  const auto next = [&] {
    s = s * 1664525u + 1013904223u;
    return static_cast<double>((s >> 16) % 4);
  };
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < d; ++j) train(i, j) = next();
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = 0; j < d; ++j) query(i, j) = next();
  std::vector<double> y(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) y[static_cast<std::size_t>(i)] = static_cast<double>(i);
  // With y = row index, a 1-NN regressor returns the chosen neighbour's row.
  auto model = make_model("knn_regressor:n_neighbors=1");
  model->fit(train, y);
  const Vector got = model->predict(query);
  for (Eigen::Index i = 0; i < m; ++i) {
    Eigen::Index best = 0;
    double best_d = (query.row(i) - train.row(0)).squaredNorm();
    for (Eigen::Index j = 1; j < n; ++j) {
      const double dist = (query.row(i) - train.row(j)).squaredNorm();
      if (dist < best_d) {
        best_d = dist;
        best = j;
      }
    }
    REQUIRE(got(i) == static_cast<double>(best));
  }
}

TEST_CASE("knn: parameter and input errors") {
  CHECK_THROWS_WITH_AS(make_model("knn_classifier:n_neighbors=0"),
                       doctest::Contains("parameter 'n_neighbors'"), Error);
  CHECK_THROWS_WITH_AS(make_model("knn_classifier:weights=cosine"),
                       doctest::Contains("parameter 'weights'"), Error);
  auto m = make_model("knn_classifier:n_neighbors=5");
  CHECK(m->params().at("n_neighbors") == "5");
  CHECK(m->params().at("weights") == "uniform");
  Matrix X(3, 1);
  X << 0, 1, 2;
  CHECK_THROWS_WITH_AS(m->fit(X, std::vector<double>{0, 1, 0}),
                       doctest::Contains("exceeds the 3 training rows"), Error);
}

TEST_CASE("knn_classifier: the digits tie row keeps the lower training row, as sklearn does") {
  // KFold(5) fold 3 of digits tests rows 1079..1437. Row 1149's 5th and 6th nearest training rows
  // 833 (label 2) and 923 (label 8) are at the same distance; keeping 833 gives the vote 2
  // (sklearn 1.2.1: KNeighborsClassifier(5).fit(X[train], y[train]).predict(X[[1149]]) == [2],
  // its neighbours [1067, 347, 828, 437, 833]); keeping 923 would give 8 (the true label).
  const Dataset data = load_dataset("digits");
  const Fold fold = kfold(data.y.size(), 5)[3];
  REQUIRE(fold.test.front() == 1079);
  auto model = make_model("knn_classifier");
  model->fit(take_rows(data.X, fold.train), take(data.y, fold.train));
  CHECK(data.y[1149] == 8);
  CHECK(model->predict(take_rows(data.X, {1149}))(0) == 2);
  auto one = make_model("knn_regressor:n_neighbors=5");
  // With y = the original row number, the regressor's mean tells which five rows were used.
  std::vector<double> position(fold.train.size());
  for (std::size_t i = 0; i < position.size(); ++i)
    position[i] = static_cast<double>(fold.train[i]);
  one->fit(take_rows(data.X, fold.train), position);
  CHECK(one->predict(take_rows(data.X, {1149}))(0) ==
        doctest::Approx((1067.0 + 347 + 828 + 437 + 833) / 5).epsilon(1e-15));
}

namespace {

// The k nearest training rows of query row q by brute force: squared distances summed in feature
// order (the order freshet's exact re-scoring uses), ties to the lower training row.
std::vector<std::pair<double, Eigen::Index>> naive_neighbours(const Matrix& train,
                                                              const Matrix& query, Eigen::Index q,
                                                              std::size_t k) {
  std::vector<std::pair<double, Eigen::Index>> all;
  for (Eigen::Index j = 0; j < train.rows(); ++j) {
    double s = 0;
    for (Eigen::Index f = 0; f < train.cols(); ++f) {
      const double diff = query(q, f) - train(j, f);
      s += diff * diff;
    }
    all.emplace_back(s, j);
  }
  std::sort(all.begin(), all.end());
  all.resize(k);
  return all;
}

}  // namespace

TEST_CASE("knn: whole neighbour sets equal a naive search, many ties, ragged sizes") {
  // 203 training rows (the float scan's panels of 16 rows end in padding) and 101 queries (not a
  // multiple of the 6 queries per scan pass or of the 48 per block), integer levels 0..2 in 5
  // features: most distances tie with many others, so the k-th nearest sits in a large tie that
  // the candidate filter must keep whole. Each training row is its own class, so predict_proba
  // names the neighbour set: 1/k on exactly the k nearest. With one feature value below the
  // float range (1e-300, which changes no distance) the search takes the double path instead.
  for (const bool float_path : {true, false}) {
    CAPTURE(float_path);
    Matrix train = lcg_matrix(203, 5, 17, 3);
    const Matrix query = lcg_matrix(101, 5, 4242, 3);
    if (!float_path) {
      Eigen::Index at = 0;
      while (train.data()[at] != 0.0) ++at;
      train.data()[at] = 1e-300;
    }
    std::vector<double> label(203);
    for (std::size_t i = 0; i < label.size(); ++i) label[i] = static_cast<double>(i);
    for (const std::size_t k : {1, 3, 8, 13}) {
      CAPTURE(k);
      auto model = make_model("knn_classifier:n_neighbors=" + std::to_string(k));
      model->fit(train, label);
      const Matrix p = model->predict_proba(query);
      REQUIRE(p.cols() == 203);
      for (Eigen::Index q = 0; q < query.rows(); ++q) {
        CAPTURE(q);
        Matrix expected = Matrix::Zero(1, 203);
        for (const auto& [d2, j] : naive_neighbours(train, query, q, k))
          expected(0, j) = 1.0 / static_cast<double>(k);
        REQUIRE(p.row(q) == expected);
      }
    }
  }
}

TEST_CASE("knn: distance weights use the exact distances' bits (real-valued data)") {
  // Real-valued features in 7 dimensions (not a multiple of the 4-wide exact re-scoring) and 9
  // neighbours (candidate groups of 8 plus a ragged one): the regressor's 1/d weighted mean must
  // equal, bit for bit, one computed from the naive search's distances in neighbour order.
  const Matrix train = lcg_matrix(150, 7, 5, 0);
  const Matrix query = lcg_matrix(37, 7, 99, 0);
  std::vector<double> y(150);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::sin(static_cast<double>(i)) * 10.0;
  for (const std::size_t k : {1, 9}) {
    CAPTURE(k);
    auto model = make_model("knn_regressor:weights=distance,n_neighbors=" + std::to_string(k));
    model->fit(train, y);
    const Vector got = model->predict(query);
    for (Eigen::Index q = 0; q < query.rows(); ++q) {
      CAPTURE(q);
      double num = 0, den = 0;
      for (const auto& [d2, j] : naive_neighbours(train, query, q, k)) {
        const double w = 1.0 / std::sqrt(d2);
        num += y[static_cast<std::size_t>(j)] * w;
        den += w;
      }
      CHECK(got(q) == num / den);
    }
  }
}
