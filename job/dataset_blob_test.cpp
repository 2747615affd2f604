// The shared dataset blob: a round trip gives back every value, row and fold, and a corrupt blob
// (a remote worker receives it over TCP) is an Error naming what is wrong: never an overread, a
// wrap-around, a huge allocation or a row outside the matrix. Under ASan an overread fails here.

#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <string>

#include "job/dataset_blob_internal.hpp"

using namespace freshet;
using freshet::job::BlobView;

namespace {

xval::Dataset small_dataset() {
  xval::Dataset d;
  d.X.resize(5, 3);
  for (Eigen::Index i = 0; i < 5; ++i)
    for (Eigen::Index j = 0; j < 3; ++j) d.X(i, j) = 10.0 * static_cast<double>(i) + 0.5 * j;
  d.y = {1, 0, 1, 0, 1};
  return d;
}

xval::Folds small_folds() {
  return {{{0, 1, 2}, {3, 4}}, {{2, 3, 4}, {0, 1}}, {{0, 4}, {1, 2, 3}}};
}

std::uint64_t word(const Bytes& b, std::size_t i) {
  std::uint64_t v;
  std::memcpy(&v, b.data() + i * 8, 8);
  return v;
}
void set_word(Bytes& b, std::size_t i, std::uint64_t v) { std::memcpy(b.data() + i * 8, &v, 8); }

// Reads everything a task reads. Returns "" on success, else the Error's message; any other
// exception (bad_alloc, length_error) escapes and fails the test.
std::string read_all(std::span<const std::byte> blob) {
  try {
    const BlobView v(blob);
    for (std::size_t f = 0; f < v.n_folds(); ++f) {
      const auto [train, test] = v.fold(f);
      Matrix X;
      std::vector<double> y;
      v.gather(train, nullptr, X, y);
      const std::vector<std::size_t> cols = {v.cols() ? v.cols() - 1 : 0};
      if (v.cols()) v.gather(test, &cols, X, y);
    }
    return "";
  } catch (const Error& e) {
    CHECK((e.code() == Errc::kParse || e.code() == Errc::kInvalidArgument));
    return e.what();
  }
}

}  // namespace

TEST_CASE("the dataset blob round-trips every value, row and fold") {
  const auto d = small_dataset();
  const auto folds = small_folds();
  const Bytes b = job::serialize_blob(d, folds, true);
  const BlobView v(b);
  CHECK(v.rows() == 5);
  CHECK(v.cols() == 3);
  CHECK(v.n_folds() == 3);
  CHECK(v.classification());
  for (std::size_t f = 0; f < folds.size(); ++f) {
    const auto [train, test] = v.fold(f);
    CHECK(train == folds[f].train);
    CHECK(test == folds[f].test);
    Matrix X;
    std::vector<double> y;
    v.gather(test, nullptr, X, y);
    REQUIRE(X.rows() == static_cast<Eigen::Index>(test.size()));
    for (std::size_t i = 0; i < test.size(); ++i) {
      CHECK(y[i] == d.y[test[i]]);
      for (Eigen::Index j = 0; j < 3; ++j)
        CHECK(X(static_cast<Eigen::Index>(i), j) == d.X(static_cast<Eigen::Index>(test[i]), j));
    }
  }
  CHECK_FALSE(job::BlobView(job::serialize_blob(d, folds, false)).classification());
}

TEST_CASE("every truncation of the dataset blob is an error, never an overread") {
  const Bytes b = job::serialize_blob(small_dataset(), small_folds(), false);
  CHECK(read_all(b).empty());
  for (std::size_t n = 0; n < b.size(); ++n) {
    CAPTURE(n);
    // A copy of exactly n bytes, so ASan sees any read past them.
    const Bytes cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_FALSE(read_all(cut).empty());
  }
}

TEST_CASE("hostile counts, offsets and rows in the dataset blob are errors") {
  const Bytes good = job::serialize_blob(small_dataset(), small_folds(), false);
  const std::size_t words = good.size() / 8;
  const std::uint64_t hostile[] = {0,
                                   1,
                                   5,
                                   6,
                                   words,
                                   words + 1,
                                   std::uint64_t{1} << 32,
                                   std::uint64_t{1} << 61,
                                   std::numeric_limits<std::uint64_t>::max() / 8 + 1,
                                   std::numeric_limits<std::uint64_t>::max()};
  // Every word outside X and y (they are data: any bits are a valid double).
  const std::size_t x_y_end = 4 + 5 * 3 + 5;
  std::size_t errors = 0;
  for (std::size_t i = 0; i < words; ++i) {
    if (i >= 4 && i < x_y_end) continue;
    for (const std::uint64_t h : hostile) {
      if (word(good, i) == h) continue;
      Bytes b = good;
      set_word(b, i, h);
      CAPTURE(i);
      CAPTURE(h);
      if (!read_all(b).empty()) ++errors;
    }
  }
  // Most substitutions must be caught (a few are benign, e.g. a train row replaced by another
  // valid row); the exact ones below must be.
  CHECK(errors > 0);

  const std::size_t offsets = x_y_end;       // fold offsets[0..3]
  const std::size_t area = offsets + 3 + 1;  // fold 0: n_train, n_test, rows...
  {
    Bytes b = good;
    set_word(b, area + 2, 5);  // fold 0's first train row = rows: outside the matrix
    CHECK(read_all(b).find("fold row out of range") != std::string::npos);
  }
  {
    Bytes b = good;
    set_word(b, area, std::numeric_limits<std::uint64_t>::max());  // n_train
    CHECK(read_all(b).find("fold sizes exceed the blob") != std::string::npos);
  }
  {
    Bytes b = good;
    set_word(b, offsets + 1, std::uint64_t{1} << 62);  // fold 1's offset
    CHECK(read_all(b).find("fold offset outside the blob") != std::string::npos);
  }
  {
    Bytes b = good;
    set_word(b, 0, std::uint64_t{1} << 62);  // rows
    CHECK(read_all(b).find("sizes exceed the blob") != std::string::npos);
  }
  {
    Bytes b = good;
    set_word(b, 1, std::uint64_t{1} << 32);  // cols: rows * cols overflows 32 bits of words
    CHECK(read_all(b).find("sizes exceed the blob") != std::string::npos);
  }
  CHECK_THROWS_AS(BlobView(good).fold(3), Error);
}
