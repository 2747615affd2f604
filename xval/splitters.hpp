#pragma once
// Cross-validation splitters: scikit-learn 1.2's (the same folds, bit for bit, for the same
// parameters and random_state), KX's `.ml.xv` family (KX's fold arithmetic), and purged /
// embargoed k-fold for time series. One registry keyed by the SPEC names users type:
//
//   kfold:n_splits=5,shuffle=true,random_state=0      time_series_split:n_splits=4,gap=2
//   kf_shuff:k=5,n=3,random_state=42                  purged_kfold:n_splits=5,time=t,embargo=2
//
// A splitter is a pure description: split() depends only on its parameters and the data, never
// on the executor, so every backend sees the same folds. Splits are materialised eagerly (a Split
// holds explicit row lists) because downstream tasks index them by number.
//
// Row order inside a split is the order the peer yields: ascending for every sklearn splitter
// except ShuffleSplit / StratifiedShuffleSplit (permutation order); KX's rotated training order
// for kf_* splitters (see xval/README.md).
//
// Errors: bad parameters throw Error(kInvalidArgument) naming the splitter and parameter; data
// that a splitter cannot split (too few rows, classes or groups, a continuous target for a
// stratified splitter, a missing column) throws Error(kInvalidArgument) with sklearn's reason.
// Thread-safety: splitters are immutable after construction; split() is const and reentrant.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/registry.hpp"
#include "core/table.hpp"

namespace freshet::xval {

// One (train, test) pair: 0-based row positions.
struct Split {
  std::vector<std::size_t> train;
  std::vector<std::size_t> test;
  bool operator==(const Split&) const = default;
};
using Folds = std::vector<Split>;

// Distinct values of a label or group column, encoded as numpy's np.unique(..., return_inverse)
// does: codes index the distinct values in ascending order (numbers numerically, strings by
// bytes). `first_seen` renumbers them by order of first appearance (sklearn's StratifiedKFold,
// KX's `group`).
struct Labels {
  std::vector<std::int64_t> codes;  // one per row, in [0, n_classes)
  std::size_t n_classes = 0;
  std::vector<std::string> names;  // distinct values as text, ascending
  // sklearn's type_of_target says "continuous": a float column with a non-integral value.
  bool continuous = false;
  std::vector<std::int64_t> first_seen_codes() const;
};
// Throws Error(kInvalidArgument) naming the column and row on a missing (NaN / empty) value.
Labels encode_labels(const Column& column);
Labels encode_labels(std::span<const double> values, std::string_view what = "labels");

// What a splitter may look at. Only n_rows is always needed; a splitter that needs y or groups
// throws Error(kInvalidArgument) when they are absent. `table` gives splitters that read their own
// columns (predefined_split's test_fold, purged_kfold's times) access to them.
struct SplitData {
  std::size_t n_rows = 0;
  const Labels* y = nullptr;
  const Labels* groups = nullptr;
  const Table* table = nullptr;
  // Non-fatal notes (sklearn's warnings, e.g. a class smaller than n_splits) are appended here.
  std::vector<std::string>* warnings = nullptr;
};

class Splitter {
 public:
  virtual ~Splitter() = default;
  // Registry name, e.g. "stratified_kfold".
  virtual std::string name() const = 0;
  // Full spec with every parameter, e.g. "kfold:n_splits=5,shuffle=false".
  virtual std::string spec() const = 0;
  virtual bool needs_target() const { return false; }
  virtual bool needs_groups() const { return false; }
  // Table columns the splitter reads itself (not features).
  virtual std::vector<std::string> columns() const { return {}; }
  // The folds, in the order the peer yields them.
  virtual Folds split(const SplitData& data) const = 0;
};

// ---------------------------------------------------------------------------------------------
// Options of the built-in splitters (sklearn's parameter names and defaults). A random_state
// that is not set means "fresh entropy" (sklearn's None): not reproducible.

struct KFoldOptions {
  int n_splits = 5;
  bool shuffle = false;
  std::optional<std::uint32_t> random_state = std::nullopt;
};
struct GroupKFoldOptions {
  int n_splits = 5;
};
struct TimeSeriesSplitOptions {
  int n_splits = 5;
  std::optional<std::size_t> max_train_size = std::nullopt;
  std::optional<std::size_t> test_size = std::nullopt;
  std::size_t gap = 0;
};
// A size as sklearn takes it: a float in (0, 1) is a fraction, an integer a count.
struct SplitSize {
  double value = 0;
  bool is_count = false;
};
struct ShuffleSplitOptions {
  int n_splits = 10;
  std::optional<SplitSize> test_size = std::nullopt;  // default 0.1 when train_size is unset
  std::optional<SplitSize> train_size = std::nullopt;
  std::optional<std::uint32_t> random_state = std::nullopt;
};
struct RepeatedKFoldOptions {
  int n_splits = 5;
  int n_repeats = 10;
  std::optional<std::uint32_t> random_state = std::nullopt;
};
struct LeavePOutOptions {
  int p = 2;
};
struct PredefinedSplitOptions {
  std::string test_fold =
      "test_fold";  // column holding sklearn's test_fold array (-1 = always train)
};

// KX's .ml.xv splitters: k folds, n repetitions; pc the held-out fraction.
struct KxOptions {
  int k = 5;
  int n = 1;
  double pc = 0.2;
  std::uint32_t random_state = 42;  // KX's default seed (randomState `::` means 42)
};

// Purged (and embargoed, optionally combinatorial) k-fold; see xval/README.md.
struct PurgedKFoldOptions {
  int n_splits = 5;
  // Number of groups in each test set: 1 = purged k-fold; > 1 = combinatorial purged CV
  // (every choice of n_test_groups of the n_splits groups, lexicographic order).
  int n_test_groups = 1;
  std::string time = "";   // column of observation times (interval [t, t]); "" = row position
  std::string start = "";  // or: interval start column ...
  std::string end = "";    // ... and interval end column (the label's information horizon)
  double embargo = 0;      // time units after each test block whose rows leave training
  double embargo_pct = 0;  // plus this fraction of all rows (rows, in time order) after each block
};

std::unique_ptr<Splitter> make_kfold(const KFoldOptions& options);
std::unique_ptr<Splitter> make_stratified_kfold(const KFoldOptions& options);
std::unique_ptr<Splitter> make_group_kfold(const GroupKFoldOptions& options);
std::unique_ptr<Splitter> make_time_series_split(const TimeSeriesSplitOptions& options);
std::unique_ptr<Splitter> make_shuffle_split(const ShuffleSplitOptions& options);
std::unique_ptr<Splitter> make_stratified_shuffle_split(const ShuffleSplitOptions& options);
std::unique_ptr<Splitter> make_repeated_kfold(const RepeatedKFoldOptions& options);
std::unique_ptr<Splitter> make_repeated_stratified_kfold(const RepeatedKFoldOptions& options);
std::unique_ptr<Splitter> make_leave_one_out();
std::unique_ptr<Splitter> make_leave_p_out(const LeavePOutOptions& options);
std::unique_ptr<Splitter> make_predefined_split(const PredefinedSplitOptions& options);
// name: kf_split, kf_shuff, kf_strat, ts_rolls, ts_chain, pc_split, mc_split.
std::unique_ptr<Splitter> make_kx_splitter(std::string_view name, const KxOptions& options);
std::unique_ptr<Splitter> make_purged_kfold(const PurgedKFoldOptions& options);

// ---------------------------------------------------------------------------------------------
// The registry (habit 12): the CLI, `freshet splitters` and the C++ API all read it.

using SplitterParams = std::map<std::string, std::string, std::less<>>;

struct SplitterParamInfo {
  std::string name;
  std::string default_value;  // "" = none (sklearn's None)
  std::string description;
};

struct SplitterInfo {
  std::string name;
  std::string description;
  std::string family;  // "sklearn", "kx" or "freshet"
  std::vector<SplitterParamInfo> params;
  bool needs_target = false;
  bool needs_groups = false;
  std::function<std::unique_ptr<Splitter>(const SplitterParams& params)> make;
};

// All registered splitters, in registry order (sklearn's, KX's, then freshet's).
const std::vector<SplitterInfo>& all_splitters();
const SplitterInfo* find_splitter(std::string_view name);
// The same splitters as a registry (lookup, sorted listing, the one "unknown splitter" error).
const Registry<SplitterInfo>& splitter_registry();

// "kfold:n_splits=5,shuffle=true" -> name and params. Throws Error(kParse) naming the spec.
struct SplitterSpec {
  std::string name;
  SplitterParams params;
};
SplitterSpec parse_splitter_spec(std::string_view spec);
// Builds a splitter; Error(kNotFound) lists the known names; unknown or malformed parameters are
// Error(kInvalidArgument) naming the splitter and listing its parameters.
std::unique_ptr<Splitter> make_splitter(std::string_view spec);

// Golden/CLI format: one "split,row,role" line per row of every split (train rows first, then
// test rows, each in split order), with the header.
std::string format_folds_csv(const Folds& folds);

}  // namespace freshet::xval
