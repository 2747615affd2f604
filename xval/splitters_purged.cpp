// Purged and embargoed k-fold (López de Prado, "Advances in Financial Machine Learning", ch. 7),
// with its combinatorial variant. Design (also in xval/README.md):
//
//   * Every row i carries an interval [start_i, end_i] (a single time t gives [t, t]; no time
//     column means the row position): the period whose information its label uses.
//   * Rows are ordered by (start, row) and cut into n_splits contiguous groups, sklearn KFold's
//     sizes (the first n % n_splits groups one longer).
//   * A split tests on n_test_groups groups (1 = plain k-fold, n_splits splits; more = every
//     combination in lexicographic order). Consecutive test groups form one test block.
//   * For each test block with period [T0, T1] (min start, max end of its rows) a training row is
//     **purged** if its interval overlaps [T0, T1] and **embargoed** if its start lies in
//     (T1, T1 + embargo] or it is one of the first floor(embargo_pct * N) rows after the block
//     in time order. So no training label looks into a test period, and none starts right after
//     it (serial correlation leaks the test period forward).
//   * Train and test are ascending row positions.

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "core/format.hpp"
#include "xval/splitters.hpp"
#include "xval/splitters_detail.hpp"

namespace freshet::xval {
namespace {

class PurgedKFold final : public Splitter {
 public:
  explicit PurgedKFold(PurgedKFoldOptions o) : o_(std::move(o)) {
    detail::check_n_splits(name(), o_.n_splits, 2);
    const std::string who = "splitter 'purged_kfold': ";
    if (o_.n_test_groups < 1 || o_.n_test_groups >= o_.n_splits)
      throw Error(Errc::kInvalidArgument, who + "n_test_groups must be in [1, n_splits), got " +
                                              std::to_string(o_.n_test_groups));
    if (!o_.time.empty() && (!o_.start.empty() || !o_.end.empty()))
      throw Error(Errc::kInvalidArgument, who + "give either time=COLUMN or start=/end= columns");
    if (o_.start.empty() != o_.end.empty())
      throw Error(Errc::kInvalidArgument, who + "start= and end= must be given together");
    if (!(o_.embargo >= 0) || !std::isfinite(o_.embargo))
      throw Error(Errc::kInvalidArgument, who + "embargo must be a non-negative number");
    if (!(o_.embargo_pct >= 0 && o_.embargo_pct < 1))
      throw Error(Errc::kInvalidArgument, who + "embargo_pct must be in [0, 1)");
  }
  std::string name() const override { return "purged_kfold"; }
  std::string spec() const override {
    std::string s = name() + ":n_splits=" + std::to_string(o_.n_splits) +
                    ",n_test_groups=" + std::to_string(o_.n_test_groups);
    if (!o_.time.empty()) s += ",time=" + o_.time;
    if (!o_.start.empty()) s += ",start=" + o_.start + ",end=" + o_.end;
    s += ",embargo=" + format_double(o_.embargo) + ",embargo_pct=" + format_double(o_.embargo_pct);
    return s;
  }
  std::vector<std::string> columns() const override {
    if (!o_.time.empty()) return {o_.time};
    if (!o_.start.empty()) return {o_.start, o_.end};
    return {};
  }

  Folds split(const SplitData& data) const override {
    const std::size_t n = data.n_rows;
    const auto k = static_cast<std::size_t>(o_.n_splits);
    if (k > n)
      throw Error(
          Errc::kInvalidArgument,
          "splitter 'purged_kfold': cannot have number of splits n_splits=" + std::to_string(k) +
              " greater than the number of samples: n_samples=" + std::to_string(n));
    std::vector<double> start(n), end(n);
    read_times(data, start, end);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return start[a] < start[b]; });
    // Group g = positions [bounds[g], bounds[g+1]) of `order`.
    std::vector<std::size_t> bounds(k + 1, 0);
    for (std::size_t g = 0; g < k; ++g) bounds[g + 1] = bounds[g] + n / k + (g < n % k ? 1 : 0);
    const auto embargo_rows =
        static_cast<std::size_t>(std::floor(o_.embargo_pct * static_cast<double>(n)));

    Folds folds;
    const auto t = static_cast<std::size_t>(o_.n_test_groups);
    std::vector<std::size_t> comb(t);
    std::iota(comb.begin(), comb.end(), std::size_t{0});
    std::vector<char> role(n);  // 0 train, 1 test, 2 dropped
    while (true) {
      std::fill(role.begin(), role.end(), 0);
      std::vector<char> is_test_group(k, 0);
      for (auto g : comb) is_test_group[g] = 1;
      for (auto g : comb)
        for (std::size_t p = bounds[g]; p < bounds[g + 1]; ++p) role[order[p]] = 1;
      // Each maximal run of test groups is one block.
      for (std::size_t g = 0; g < k;) {
        if (!is_test_group[g]) {
          ++g;
          continue;
        }
        std::size_t h = g;
        while (h < k && is_test_group[h]) ++h;
        const std::size_t p0 = bounds[g], p1 = bounds[h];  // block positions [p0, p1)
        double t0 = INFINITY, t1 = -INFINITY;
        for (std::size_t p = p0; p < p1; ++p) {
          t0 = std::min(t0, start[order[p]]);
          t1 = std::max(t1, end[order[p]]);
        }
        const double embargo_end = t1 + o_.embargo;
        for (std::size_t i = 0; i < n; ++i)
          if (role[i] == 0 && start[i] <= embargo_end && end[i] >= t0) role[i] = 2;
        for (std::size_t p = p1; p < std::min(n, p1 + embargo_rows); ++p)
          if (role[order[p]] == 0) role[order[p]] = 2;
        g = h;
      }
      Split s;
      for (std::size_t i = 0; i < n; ++i) {
        if (role[i] == 0)
          s.train.push_back(i);
        else if (role[i] == 1)
          s.test.push_back(i);
      }
      folds.push_back(std::move(s));
      std::size_t i = t;
      while (i > 0 && comb[i - 1] == k - t + (i - 1)) --i;
      if (i == 0) break;
      ++comb[i - 1];
      for (std::size_t j = i; j < t; ++j) comb[j] = comb[j - 1] + 1;
    }
    return folds;
  }

 private:
  void read_times(const SplitData& data, std::vector<double>& start,
                  std::vector<double>& end) const {
    const std::size_t n = data.n_rows;
    if (o_.time.empty() && o_.start.empty()) {
      for (std::size_t i = 0; i < n; ++i) start[i] = end[i] = static_cast<double>(i);
      return;
    }
    if (!data.table)
      throw Error(Errc::kInvalidArgument,
                  "splitter 'purged_kfold' needs a table with its time columns");
    auto read = [&](const std::string& name, std::vector<double>& out) {
      const Column& col = data.table->column(name);
      if (!col.is_numeric())
        throw Error(Errc::kInvalidArgument, "splitter 'purged_kfold': column '" + name +
                                                "' must be numeric (times as numbers)");
      for (std::size_t i = 0; i < n; ++i) {
        out[i] = col.as_double(i);
        if (std::isnan(out[i]))
          throw Error(Errc::kInvalidArgument, "splitter 'purged_kfold': column '" + name +
                                                  "' row " + std::to_string(i) + " is missing");
      }
    };
    if (!o_.time.empty()) {
      read(o_.time, start);
      end = start;
      return;
    }
    read(o_.start, start);
    read(o_.end, end);
    for (std::size_t i = 0; i < n; ++i)
      if (end[i] < start[i])
        throw Error(Errc::kInvalidArgument, "splitter 'purged_kfold': row " + std::to_string(i) +
                                                ": end " + format_double(end[i]) +
                                                " is before start " + format_double(start[i]));
  }

  PurgedKFoldOptions o_;
};

}  // namespace

std::unique_ptr<Splitter> make_purged_kfold(const PurgedKFoldOptions& options) {
  return std::make_unique<PurgedKFold>(options);
}

}  // namespace freshet::xval
