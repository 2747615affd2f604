// scikit-learn 1.2's splitters (sklearn/model_selection/_split.py), reproduced fold for fold.
// Each class below notes the sklearn code path it follows; the numpy stream is numpy_random.hpp.

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.hpp"
#include "core/format.hpp"
#include "xval/numpy_random.hpp"
#include "xval/splitters.hpp"
#include "xval/splitters_detail.hpp"

namespace freshet::xval {
namespace detail {

void check_n_splits(std::string_view splitter, int n_splits, int min) {
  if (n_splits < min)
    throw Error(Errc::kInvalidArgument, "splitter '" + std::string(splitter) +
                                            "': n_splits must be at least " + std::to_string(min) +
                                            ", got " + std::to_string(n_splits));
}

const Labels& need_target(std::string_view splitter, const SplitData& data) {
  if (!data.y)
    throw Error(Errc::kInvalidArgument,
                "splitter '" + std::string(splitter) + "' needs a target (--target COLUMN)");
  if (data.y->codes.size() != data.n_rows)
    throw Error(Errc::kInvalidArgument, "splitter '" + std::string(splitter) + "': target has " +
                                            std::to_string(data.y->codes.size()) + " values for " +
                                            std::to_string(data.n_rows) + " rows");
  return *data.y;
}

const Labels& need_groups(std::string_view splitter, const SplitData& data) {
  if (!data.groups)
    throw Error(Errc::kInvalidArgument,
                "splitter '" + std::string(splitter) + "' needs groups (--groups COLUMN)");
  if (data.groups->codes.size() != data.n_rows)
    throw Error(Errc::kInvalidArgument, "splitter '" + std::string(splitter) + "': groups has " +
                                            std::to_string(data.groups->codes.size()) +
                                            " values for " + std::to_string(data.n_rows) + " rows");
  return *data.groups;
}

RandomState make_rng(std::optional<std::uint32_t> seed) {
  if (seed) return RandomState(*seed);
  std::random_device device;
  return RandomState(device());
}

void warn(const SplitData& data, std::string message) {
  if (data.warnings) data.warnings->push_back(std::move(message));
}

Split split_from_test_mask(const std::vector<char>& is_test) {
  Split s;
  for (std::size_t i = 0; i < is_test.size(); ++i) (is_test[i] ? s.test : s.train).push_back(i);
  return s;
}

}  // namespace detail

using namespace detail;

namespace {

// ---- KFold: contiguous folds of arange(n) (shuffled once per split() call), first n % k folds
// one longer; test and train come back ascending (sklearn goes through a boolean mask).
Folds kfold_folds(std::size_t n, int n_splits, RandomState* rng, std::string_view name) {
  const auto k = static_cast<std::size_t>(n_splits);
  if (k > n)
    throw Error(Errc::kInvalidArgument,
                "splitter '" + std::string(name) +
                    "': cannot have number of splits n_splits=" + std::to_string(k) +
                    " greater than the number of samples: n_samples=" + std::to_string(n));
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  if (rng) rng->shuffle(idx);
  Folds folds;
  folds.reserve(k);
  std::vector<char> mask(n);
  std::size_t start = 0;
  for (std::size_t f = 0; f < k; ++f) {
    const std::size_t size = n / k + (f < n % k ? 1 : 0);
    std::fill(mask.begin(), mask.end(), 0);
    for (std::size_t i = start; i < start + size; ++i) mask[idx[i]] = 1;
    folds.push_back(split_from_test_mask(mask));
    start += size;
  }
  return folds;
}

// ---- StratifiedKFold._make_test_folds (1.2): classes by first appearance, round-robin
// allocation over the sorted encoded labels, per-class fold numbers shuffled with one stream.
Folds stratified_folds(const Labels& y, std::size_t n, int n_splits, RandomState* rng,
                       std::string_view name, const SplitData& data) {
  const auto k = static_cast<std::size_t>(n_splits);
  if (k > n)
    throw Error(Errc::kInvalidArgument,
                "splitter '" + std::string(name) +
                    "': cannot have number of splits n_splits=" + std::to_string(k) +
                    " greater than the number of samples: n_samples=" + std::to_string(n));
  if (y.continuous)
    throw Error(Errc::kInvalidArgument,
                "splitter '" + std::string(name) +
                    "': supported target types are binary and multiclass, got a continuous target");
  const std::vector<std::int64_t> enc = y.first_seen_codes();
  const std::size_t n_classes = y.n_classes;
  std::vector<std::size_t> counts(n_classes, 0);
  for (auto c : enc) ++counts[static_cast<std::size_t>(c)];
  const std::size_t min_count = *std::min_element(counts.begin(), counts.end());
  const bool all_smaller =
      std::all_of(counts.begin(), counts.end(), [&](std::size_t c) { return k > c; });
  if (all_smaller)
    throw Error(Errc::kInvalidArgument,
                "splitter '" + std::string(name) + "': n_splits=" + std::to_string(k) +
                    " cannot be greater than the number of members in each class");
  if (k > min_count)
    warn(data, "The least populated class in y has only " + std::to_string(min_count) +
                   " members, which is less than n_splits=" + std::to_string(k) + ".");
  // allocation[f][c] = count of class c among sorted(enc)[f::k]; sorted(enc) is a run of class 0,
  // then class 1, ... so position p holds the class whose cumulative range contains p.
  std::vector<std::vector<std::size_t>> allocation(k, std::vector<std::size_t>(n_classes, 0));
  {
    std::size_t p = 0;
    for (std::size_t c = 0; c < n_classes; ++c)
      for (std::size_t j = 0; j < counts[c]; ++j, ++p) ++allocation[p % k][c];
  }
  std::vector<int> test_fold(n, 0);
  std::vector<int> folds_for_class;
  std::vector<std::vector<std::size_t>> rows_of_class(n_classes);
  for (std::size_t i = 0; i < n; ++i) rows_of_class[static_cast<std::size_t>(enc[i])].push_back(i);
  for (std::size_t c = 0; c < n_classes; ++c) {
    folds_for_class.clear();
    for (std::size_t f = 0; f < k; ++f)
      folds_for_class.insert(folds_for_class.end(), allocation[f][c], static_cast<int>(f));
    if (rng) rng->shuffle(folds_for_class);
    for (std::size_t j = 0; j < rows_of_class[c].size(); ++j)
      test_fold[rows_of_class[c][j]] = folds_for_class[j];
  }
  Folds folds;
  std::vector<char> mask(n);
  for (std::size_t f = 0; f < k; ++f) {
    for (std::size_t i = 0; i < n; ++i) mask[i] = test_fold[i] == static_cast<int>(f);
    folds.push_back(split_from_test_mask(mask));
  }
  return folds;
}

class KFold final : public Splitter {
 public:
  KFold(KFoldOptions o, bool stratified) : o_(o), stratified_(stratified) {
    check_n_splits(name(), o_.n_splits, 2);
    if (!o_.shuffle && o_.random_state)
      throw Error(Errc::kInvalidArgument,
                  "splitter '" + name() +
                      "': setting a random_state has no effect since shuffle is false; leave "
                      "random_state unset or set shuffle=true");
  }
  std::string name() const override { return stratified_ ? "stratified_kfold" : "kfold"; }
  std::string spec() const override {
    std::string s = name() + ":n_splits=" + std::to_string(o_.n_splits) +
                    ",shuffle=" + (o_.shuffle ? "true" : "false");
    if (o_.random_state) s += ",random_state=" + std::to_string(*o_.random_state);
    return s;
  }
  bool needs_target() const override { return stratified_; }
  Folds split(const SplitData& data) const override {
    std::optional<RandomState> rng;
    if (o_.shuffle) rng = make_rng(o_.random_state);
    if (stratified_)
      return stratified_folds(need_target(name(), data), data.n_rows, o_.n_splits,
                              rng ? &*rng : nullptr, name(), data);
    return kfold_folds(data.n_rows, o_.n_splits, rng ? &*rng : nullptr, name());
  }

 private:
  KFoldOptions o_;
  bool stratified_;
};

// ---- RepeatedKFold / RepeatedStratifiedKFold: one RandomState for all repeats (sklearn passes
// the same instance to every KFold(shuffle=True)), so the stream carries on.
class RepeatedKFold final : public Splitter {
 public:
  RepeatedKFold(RepeatedKFoldOptions o, bool stratified) : o_(o), stratified_(stratified) {
    check_n_splits(name(), o_.n_splits, 2);
    if (o_.n_repeats < 1)
      throw Error(Errc::kInvalidArgument, "splitter '" + name() +
                                              "': n_repeats must be at least 1, got " +
                                              std::to_string(o_.n_repeats));
  }
  std::string name() const override {
    return stratified_ ? "repeated_stratified_kfold" : "repeated_kfold";
  }
  std::string spec() const override {
    std::string s = name() + ":n_splits=" + std::to_string(o_.n_splits) +
                    ",n_repeats=" + std::to_string(o_.n_repeats);
    if (o_.random_state) s += ",random_state=" + std::to_string(*o_.random_state);
    return s;
  }
  bool needs_target() const override { return stratified_; }
  Folds split(const SplitData& data) const override {
    RandomState rng = make_rng(o_.random_state);
    Folds all;
    for (int r = 0; r < o_.n_repeats; ++r) {
      Folds f = stratified_ ? stratified_folds(need_target(name(), data), data.n_rows, o_.n_splits,
                                               &rng, name(), data)
                            : kfold_folds(data.n_rows, o_.n_splits, &rng, name());
      for (auto& s : f) all.push_back(std::move(s));
    }
    return all;
  }

 private:
  RepeatedKFoldOptions o_;
  bool stratified_;
};

// ---- GroupKFold (1.2): groups by size, largest first, each to the currently lightest fold
// (first minimum). Ties in size: the group with the higher (sorted) label first -- what numpy's
// argsort(...)[::-1] gives for <= 16 groups (insertion sort is stable); sklearn's own order for
// more groups depends on the numpy build.
class GroupKFold final : public Splitter {
 public:
  explicit GroupKFold(GroupKFoldOptions o) : o_(o) { check_n_splits(name(), o_.n_splits, 2); }
  std::string name() const override { return "group_kfold"; }
  std::string spec() const override { return name() + ":n_splits=" + std::to_string(o_.n_splits); }
  bool needs_groups() const override { return true; }
  Folds split(const SplitData& data) const override {
    const Labels& g = need_groups(name(), data);
    const auto k = static_cast<std::size_t>(o_.n_splits);
    const std::size_t n_groups = g.n_classes;
    if (k > n_groups)
      throw Error(
          Errc::kInvalidArgument,
          "splitter 'group_kfold': cannot have number of splits n_splits=" + std::to_string(k) +
              " greater than the number of groups: " + std::to_string(n_groups));
    if (k > data.n_rows)
      throw Error(
          Errc::kInvalidArgument,
          "splitter 'group_kfold': cannot have number of splits n_splits=" + std::to_string(k) +
              " greater than the number of samples: n_samples=" + std::to_string(data.n_rows));
    std::vector<std::size_t> size(n_groups, 0);
    for (auto c : g.codes) ++size[static_cast<std::size_t>(c)];
    std::vector<std::size_t> order(n_groups);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return size[a] < size[b]; });
    std::reverse(order.begin(), order.end());
    std::vector<std::size_t> per_fold(k, 0);
    std::vector<std::size_t> group_to_fold(n_groups, 0);
    for (std::size_t gi : order) {
      const auto lightest = static_cast<std::size_t>(
          std::min_element(per_fold.begin(), per_fold.end()) - per_fold.begin());
      per_fold[lightest] += size[gi];
      group_to_fold[gi] = lightest;
    }
    Folds folds;
    std::vector<char> mask(data.n_rows);
    for (std::size_t f = 0; f < k; ++f) {
      for (std::size_t i = 0; i < data.n_rows; ++i)
        mask[i] = group_to_fold[static_cast<std::size_t>(g.codes[i])] == f;
      folds.push_back(split_from_test_mask(mask));
    }
    return folds;
  }

 private:
  GroupKFoldOptions o_;
};

// ---- TimeSeriesSplit (1.2).
class TimeSeriesSplit final : public Splitter {
 public:
  explicit TimeSeriesSplit(TimeSeriesSplitOptions o) : o_(o) {
    check_n_splits(name(), o_.n_splits, 2);
    if (o_.test_size && *o_.test_size == 0)
      throw Error(Errc::kInvalidArgument,
                  "splitter 'time_series_split': test_size must be positive");
  }
  std::string name() const override { return "time_series_split"; }
  std::string spec() const override {
    std::string s = name() + ":n_splits=" + std::to_string(o_.n_splits);
    if (o_.max_train_size) s += ",max_train_size=" + std::to_string(*o_.max_train_size);
    if (o_.test_size) s += ",test_size=" + std::to_string(*o_.test_size);
    s += ",gap=" + std::to_string(o_.gap);
    return s;
  }
  Folds split(const SplitData& data) const override {
    const std::size_t n = data.n_rows;
    const auto n_splits = static_cast<std::size_t>(o_.n_splits);
    const std::size_t n_folds = n_splits + 1;
    const std::size_t test_size = o_.test_size ? *o_.test_size : n / n_folds;
    if (n_folds > n)
      throw Error(
          Errc::kInvalidArgument,
          "splitter 'time_series_split': cannot have number of folds=" + std::to_string(n_folds) +
              " greater than the number of samples=" + std::to_string(n));
    if (static_cast<long double>(n) - o_.gap - static_cast<long double>(test_size) * n_splits <= 0)
      throw Error(Errc::kInvalidArgument,
                  "splitter 'time_series_split': too many splits=" + std::to_string(n_splits) +
                      " for number of samples=" + std::to_string(n) + " with test_size=" +
                      std::to_string(test_size) + " and gap=" + std::to_string(o_.gap));
    Folds folds;
    for (std::size_t test_start = n - n_splits * test_size; test_start < n;
         test_start += test_size) {
      const std::size_t train_end = test_start - o_.gap;
      std::size_t train_begin = 0;
      if (o_.max_train_size && *o_.max_train_size > 0 && *o_.max_train_size < train_end)
        train_begin = train_end - *o_.max_train_size;
      Split s;
      for (std::size_t i = train_begin; i < train_end; ++i) s.train.push_back(i);
      for (std::size_t i = test_start; i < std::min(n, test_start + test_size); ++i)
        s.test.push_back(i);
      folds.push_back(std::move(s));
    }
    return folds;
  }

 private:
  TimeSeriesSplitOptions o_;
};

// _validate_shuffle_split: (n_train, n_test).
std::pair<std::size_t, std::size_t> shuffle_sizes(std::string_view name, std::size_t n,
                                                  std::optional<SplitSize> test,
                                                  std::optional<SplitSize> train) {
  const std::string who = "splitter '" + std::string(name) + "': ";
  if (!test && !train) test = SplitSize{0.1, false};
  auto check = [&](const std::optional<SplitSize>& s, const char* what) {
    if (!s) return;
    const bool bad = s->is_count ? (s->value >= static_cast<double>(n) || s->value <= 0)
                                 : (s->value <= 0 || s->value >= 1);
    if (bad)
      throw Error(Errc::kInvalidArgument,
                  who + what + "=" + format_double(s->value) + " should be either positive and " +
                      "smaller than the number of samples " + std::to_string(n) +
                      " or a float in the (0, 1) range");
  };
  check(test, "test_size");
  check(train, "train_size");
  if (test && train && !test->is_count && !train->is_count && test->value + train->value > 1)
    throw Error(
        Errc::kInvalidArgument,
        who + "the sum of test_size and train_size = " + format_double(test->value + train->value) +
            ", should be in the (0, 1) range; reduce test_size and/or train_size");
  double n_test = 0, n_train = 0;
  if (test) n_test = test->is_count ? test->value : std::ceil(test->value * static_cast<double>(n));
  if (train)
    n_train = train->is_count ? train->value : std::floor(train->value * static_cast<double>(n));
  if (!train)
    n_train = static_cast<double>(n) - n_test;
  else if (!test)
    n_test = static_cast<double>(n) - n_train;
  if (n_train + n_test > static_cast<double>(n))
    throw Error(Errc::kInvalidArgument,
                who + "the sum of train_size and test_size = " +
                    std::to_string(static_cast<long long>(n_train + n_test)) +
                    ", should be smaller than the number of samples " + std::to_string(n) +
                    "; reduce test_size and/or train_size");
  if (n_train <= 0)
    throw Error(Errc::kInvalidArgument,
                who + "with n_samples=" + std::to_string(n) +
                    " the resulting train set will be empty; adjust the parameters");
  return {static_cast<std::size_t>(n_train), static_cast<std::size_t>(n_test)};
}

std::string size_text(const SplitSize& s) {
  return s.is_count ? std::to_string(static_cast<long long>(s.value)) : format_double(s.value);
}

// sklearn.utils._approximate_mode: per-class draws summing to n_draws; ties in the remainders
// broken with rng.choice(inds, add_now, replace=False) = rng.permutation(len(inds))[:add_now].
std::vector<std::size_t> approximate_mode(const std::vector<std::size_t>& class_counts,
                                          std::size_t n_draws, RandomState& rng) {
  double total = 0;
  for (auto c : class_counts) total += static_cast<double>(c);
  const std::size_t m = class_counts.size();
  std::vector<double> continuous(m), floored(m);
  double floored_sum = 0;
  for (std::size_t i = 0; i < m; ++i) {
    continuous[i] = static_cast<double>(class_counts[i]) / total * static_cast<double>(n_draws);
    floored[i] = std::floor(continuous[i]);
    floored_sum += floored[i];
  }
  auto need = static_cast<long long>(static_cast<double>(n_draws) - floored_sum);
  if (need > 0) {
    std::vector<double> remainder(m);
    for (std::size_t i = 0; i < m; ++i) remainder[i] = continuous[i] - floored[i];
    std::vector<double> values = remainder;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    std::reverse(values.begin(), values.end());
    for (double value : values) {
      std::vector<std::size_t> inds;
      for (std::size_t i = 0; i < m; ++i)
        if (remainder[i] == value) inds.push_back(i);
      const auto add_now = std::min<long long>(static_cast<long long>(inds.size()), need);
      const std::vector<std::size_t> perm = rng.permutation(inds.size());
      for (long long j = 0; j < add_now; ++j) floored[inds[perm[static_cast<std::size_t>(j)]]] += 1;
      need -= add_now;
      if (need == 0) break;
    }
  }
  std::vector<std::size_t> out(m);
  for (std::size_t i = 0; i < m; ++i) out[i] = static_cast<std::size_t>(floored[i]);
  return out;
}

// ---- ShuffleSplit / StratifiedShuffleSplit (1.2).
class ShuffleSplit final : public Splitter {
 public:
  ShuffleSplit(ShuffleSplitOptions o, bool stratified) : o_(o), stratified_(stratified) {
    check_n_splits(name(), o_.n_splits, 1);
  }
  std::string name() const override {
    return stratified_ ? "stratified_shuffle_split" : "shuffle_split";
  }
  std::string spec() const override {
    std::string s = name() + ":n_splits=" + std::to_string(o_.n_splits);
    if (o_.test_size) s += ",test_size=" + size_text(*o_.test_size);
    if (o_.train_size) s += ",train_size=" + size_text(*o_.train_size);
    if (o_.random_state) s += ",random_state=" + std::to_string(*o_.random_state);
    return s;
  }
  bool needs_target() const override { return stratified_; }
  Folds split(const SplitData& data) const override {
    const std::size_t n = data.n_rows;
    const auto [n_train, n_test] = shuffle_sizes(name(), n, o_.test_size, o_.train_size);
    Folds folds;
    if (!stratified_) {
      RandomState rng = make_rng(o_.random_state);
      for (int s = 0; s < o_.n_splits; ++s) {
        const auto perm = rng.permutation(n);
        Split sp;
        sp.test.assign(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(n_test));
        sp.train.assign(perm.begin() + static_cast<std::ptrdiff_t>(n_test),
                        perm.begin() + static_cast<std::ptrdiff_t>(n_test + n_train));
        folds.push_back(std::move(sp));
      }
      return folds;
    }
    const Labels& y = need_target(name(), data);
    const std::size_t n_classes = y.n_classes;
    std::vector<std::size_t> counts(n_classes, 0);
    for (auto c : y.codes) ++counts[static_cast<std::size_t>(c)];
    if (*std::min_element(counts.begin(), counts.end()) < 2)
      throw Error(Errc::kInvalidArgument,
                  "splitter 'stratified_shuffle_split': the least populated class in y has only 1 "
                  "member, which is too few; the minimum number of groups for any class cannot be "
                  "less than 2");
    if (n_train < n_classes)
      throw Error(Errc::kInvalidArgument, "splitter 'stratified_shuffle_split': the train_size = " +
                                              std::to_string(n_train) +
                                              " should be greater or equal to the number of "
                                              "classes = " +
                                              std::to_string(n_classes));
    if (n_test < n_classes)
      throw Error(Errc::kInvalidArgument,
                  "splitter 'stratified_shuffle_split': the test_size = " + std::to_string(n_test) +
                      " should be greater or equal to the number of "
                      "classes = " +
                      std::to_string(n_classes));
    // class_indices: rows of each class, ascending (stable argsort of the codes).
    std::vector<std::vector<std::size_t>> class_rows(n_classes);
    for (std::size_t i = 0; i < n; ++i)
      class_rows[static_cast<std::size_t>(y.codes[i])].push_back(i);
    RandomState rng = make_rng(o_.random_state);
    for (int s = 0; s < o_.n_splits; ++s) {
      const auto n_i = approximate_mode(counts, n_train, rng);
      std::vector<std::size_t> remaining(n_classes);
      for (std::size_t c = 0; c < n_classes; ++c) remaining[c] = counts[c] - n_i[c];
      const auto t_i = approximate_mode(remaining, n_test, rng);
      std::vector<std::size_t> train, test;
      for (std::size_t c = 0; c < n_classes; ++c) {
        const auto perm = rng.permutation(counts[c]);
        for (std::size_t j = 0; j < n_i[c]; ++j) train.push_back(class_rows[c][perm[j]]);
        for (std::size_t j = n_i[c]; j < n_i[c] + t_i[c]; ++j)
          test.push_back(class_rows[c][perm[j]]);
      }
      // rng.permutation(list) = a shuffled copy.
      rng.shuffle(train);
      rng.shuffle(test);
      folds.push_back(Split{std::move(train), std::move(test)});
    }
    return folds;
  }

 private:
  ShuffleSplitOptions o_;
  bool stratified_;
};

class LeaveOneOut final : public Splitter {
 public:
  std::string name() const override { return "leave_one_out"; }
  std::string spec() const override { return name(); }
  Folds split(const SplitData& data) const override {
    const std::size_t n = data.n_rows;
    if (n <= 1)
      throw Error(Errc::kInvalidArgument,
                  "splitter 'leave_one_out': cannot perform LeaveOneOut with n_samples=" +
                      std::to_string(n));
    // The folds are materialised (n splits of n rows): refuse sizes that cannot fit in memory.
    if (static_cast<double>(n) * static_cast<double>(n) > 2e8)
      throw Error(Errc::kInvalidArgument,
                  "splitter 'leave_one_out': " + std::to_string(n) +
                      " rows give n^2 fold entries, too many to materialise; use kfold with "
                      "n_splits < n");
    Folds folds(n);
    for (std::size_t i = 0; i < n; ++i) {
      folds[i].test = {i};
      folds[i].train.reserve(n - 1);
      for (std::size_t j = 0; j < n; ++j)
        if (j != i) folds[i].train.push_back(j);
    }
    return folds;
  }
};

// ---- LeavePOut: itertools.combinations(range(n), p) in lexicographic order.
class LeavePOut final : public Splitter {
 public:
  explicit LeavePOut(LeavePOutOptions o) : o_(o) {
    if (o_.p < 1)
      throw Error(Errc::kInvalidArgument,
                  "splitter 'leave_p_out': p must be at least 1, got " + std::to_string(o_.p));
  }
  std::string name() const override { return "leave_p_out"; }
  std::string spec() const override { return name() + ":p=" + std::to_string(o_.p); }
  Folds split(const SplitData& data) const override {
    const std::size_t n = data.n_rows;
    const auto p = static_cast<std::size_t>(o_.p);
    if (n <= p)
      throw Error(Errc::kInvalidArgument,
                  "splitter 'leave_p_out': p=" + std::to_string(p) +
                      " must be strictly less than the number of samples=" + std::to_string(n));
    // Count C(n, p) with an early stop: the folds are materialised, so refuse absurd sizes.
    constexpr double kMaxCells = 2e8;
    double count = 1;
    for (std::size_t i = 0; i < p; ++i)
      count = count * static_cast<double>(n - i) / static_cast<double>(i + 1);
    if (count * static_cast<double>(n) > kMaxCells)
      throw Error(Errc::kInvalidArgument, "splitter 'leave_p_out': C(" + std::to_string(n) + ", " +
                                              std::to_string(p) +
                                              ") = " + format_double(std::round(count)) +
                                              " splits is too many to materialise");
    Folds folds;
    folds.reserve(static_cast<std::size_t>(count + 0.5));
    std::vector<std::size_t> comb(p);
    std::iota(comb.begin(), comb.end(), std::size_t{0});
    std::vector<char> mask(n);
    while (true) {
      std::fill(mask.begin(), mask.end(), 0);
      for (auto c : comb) mask[c] = 1;
      folds.push_back(split_from_test_mask(mask));
      // next combination
      std::size_t i = p;
      while (i > 0 && comb[i - 1] == n - p + (i - 1)) --i;
      if (i == 0) break;
      ++comb[i - 1];
      for (std::size_t j = i; j < p; ++j) comb[j] = comb[j - 1] + 1;
    }
    return folds;
  }

 private:
  LeavePOutOptions o_;
};

// ---- PredefinedSplit: one split per distinct test_fold value except -1 (ascending).
class PredefinedSplit final : public Splitter {
 public:
  explicit PredefinedSplit(PredefinedSplitOptions o) : o_(std::move(o)) {}
  std::string name() const override { return "predefined_split"; }
  std::string spec() const override { return name() + ":test_fold=" + o_.test_fold; }
  std::vector<std::string> columns() const override { return {o_.test_fold}; }
  Folds split(const SplitData& data) const override {
    if (!data.table)
      throw Error(
          Errc::kInvalidArgument,
          "splitter 'predefined_split' needs a table with the column '" + o_.test_fold + "'");
    const Column& col = data.table->column(o_.test_fold);
    if (!col.is_numeric())
      throw Error(Errc::kInvalidArgument,
                  "splitter 'predefined_split': column '" + o_.test_fold + "' must hold integers");
    std::vector<std::int64_t> fold(data.n_rows);
    for (std::size_t i = 0; i < data.n_rows; ++i) {
      const double v = col.as_double(i);
      if (!std::isfinite(v) || v != std::floor(v))
        throw Error(Errc::kInvalidArgument, "splitter 'predefined_split': column '" + o_.test_fold +
                                                "' row " + std::to_string(i) +
                                                ": expected an integer fold number, got " +
                                                col.as_string(i));
      fold[i] = static_cast<std::int64_t>(v);
    }
    std::vector<std::int64_t> unique = fold;
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    unique.erase(std::remove(unique.begin(), unique.end(), -1), unique.end());
    Folds folds;
    std::vector<char> mask(data.n_rows);
    for (auto f : unique) {
      for (std::size_t i = 0; i < data.n_rows; ++i) mask[i] = fold[i] == f;
      folds.push_back(split_from_test_mask(mask));
    }
    return folds;
  }

 private:
  PredefinedSplitOptions o_;
};

}  // namespace

std::unique_ptr<Splitter> make_kfold(const KFoldOptions& o) {
  return std::make_unique<KFold>(o, false);
}
std::unique_ptr<Splitter> make_stratified_kfold(const KFoldOptions& o) {
  return std::make_unique<KFold>(o, true);
}
std::unique_ptr<Splitter> make_group_kfold(const GroupKFoldOptions& o) {
  return std::make_unique<GroupKFold>(o);
}
std::unique_ptr<Splitter> make_time_series_split(const TimeSeriesSplitOptions& o) {
  return std::make_unique<TimeSeriesSplit>(o);
}
std::unique_ptr<Splitter> make_shuffle_split(const ShuffleSplitOptions& o) {
  return std::make_unique<ShuffleSplit>(o, false);
}
std::unique_ptr<Splitter> make_stratified_shuffle_split(const ShuffleSplitOptions& o) {
  return std::make_unique<ShuffleSplit>(o, true);
}
std::unique_ptr<Splitter> make_repeated_kfold(const RepeatedKFoldOptions& o) {
  return std::make_unique<RepeatedKFold>(o, false);
}
std::unique_ptr<Splitter> make_repeated_stratified_kfold(const RepeatedKFoldOptions& o) {
  return std::make_unique<RepeatedKFold>(o, true);
}
std::unique_ptr<Splitter> make_leave_one_out() { return std::make_unique<LeaveOneOut>(); }
std::unique_ptr<Splitter> make_leave_p_out(const LeavePOutOptions& o) {
  return std::make_unique<LeavePOut>(o);
}
std::unique_ptr<Splitter> make_predefined_split(const PredefinedSplitOptions& o) {
  return std::make_unique<PredefinedSplit>(o);
}

}  // namespace freshet::xval
