// The splitter registry, SPEC parsing, label encoding and the folds CSV format.

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/registry.hpp"
#include "ml/labels.hpp"
#include "xval/splitters.hpp"

namespace freshet::xval {

// ---- Labels -----------------------------------------------------------------------------------

std::vector<std::int64_t> Labels::first_seen_codes() const {
  std::vector<std::int64_t> renumber(n_classes, -1);
  std::int64_t next = 0;
  std::vector<std::int64_t> out(codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i) {
    auto& r = renumber[static_cast<std::size_t>(codes[i])];
    if (r < 0) r = next++;
    out[i] = r;
  }
  return out;
}

namespace {

// Labels from the one label encoding (ml/labels.hpp).
template <class T>
Labels labels_of(const std::vector<T>& values) {
  LabelCoding<T> coding = encode_sorted(std::span<const T>(values));
  Labels out;
  out.codes = std::move(coding.codes);
  out.n_classes = coding.classes.size();
  return out;
}

}  // namespace

Labels encode_labels(std::span<const double> values, std::string_view what) {
  std::vector<double> v(values.begin(), values.end());
  for (std::size_t i = 0; i < v.size(); ++i)
    if (std::isnan(v[i]))
      throw Error(Errc::kInvalidArgument,
                  std::string(what) + ": row " + std::to_string(i) + " is missing (NaN)");
  Labels out = labels_of(v);
  out.names.resize(out.n_classes);
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.names[static_cast<std::size_t>(out.codes[i])] = format_double(v[i]);
    if (v[i] != std::floor(v[i])) out.continuous = true;
  }
  return out;
}

Labels encode_labels(const Column& column) {
  const std::string what = "column '" + column.name() + "'";
  switch (column.dtype()) {
    case DType::kFloat64:
      return encode_labels(column.f64(), what);
    case DType::kInt64: {
      const auto s = column.i64();
      std::vector<std::int64_t> v(s.begin(), s.end());
      Labels out = labels_of(v);
      out.names.resize(out.n_classes);
      for (std::size_t i = 0; i < v.size(); ++i)
        out.names[static_cast<std::size_t>(out.codes[i])] = std::to_string(v[i]);
      return out;
    }
    case DType::kString: {
      const auto s = column.str();
      std::vector<std::string> v(s.begin(), s.end());
      for (std::size_t i = 0; i < v.size(); ++i)
        if (v[i].empty())
          throw Error(Errc::kInvalidArgument,
                      what + ": row " + std::to_string(i) + " is missing (empty)");
      Labels out = labels_of(v);
      out.names.resize(out.n_classes);
      for (std::size_t i = 0; i < v.size(); ++i)
        out.names[static_cast<std::size_t>(out.codes[i])] = v[i];
      return out;
    }
  }
  throw Error(Errc::kInternal, "encode_labels: unknown column type");
}

// ---- Parameter parsing --------------------------------------------------------------------------

namespace {

class ParamReader {
 public:
  ParamReader(const SplitterInfo& info, const SplitterParams& params)
      : info_(info), params_(params) {
    for (const auto& [name, value] : params) {
      const std::string& key = name;  // clang 14 cannot capture a structured binding
      const bool known = std::any_of(info.params.begin(), info.params.end(),
                                     [&](const SplitterParamInfo& p) { return p.name == key; });
      if (!known) {
        std::string list;
        for (const auto& p : info.params) list += (list.empty() ? "" : ", ") + p.name;
        throw Error(Errc::kInvalidArgument,
                    "splitter '" + info.name + "': unknown parameter '" + name +
                        "' (known: " + (list.empty() ? "none" : list) + ")");
      }
    }
  }
  const std::string* raw(std::string_view name) const {
    auto it = params_.find(name);
    if (it == params_.end()) return nullptr;
    const std::string& v = it->second;
    if (v == "none" || v == "None" || v.empty()) return nullptr;
    return &v;
  }
  [[noreturn]] void bad(std::string_view name, std::string_view expected) const {
    throw Error(Errc::kInvalidArgument,
                "splitter '" + info_.name + "': parameter '" + std::string(name) + "' must be " +
                    std::string(expected) + ", got \"" + params_.find(name)->second + "\"");
  }
  std::optional<std::int64_t> opt_int(std::string_view name, std::int64_t min) const {
    const std::string* v = raw(name);
    if (!v) return std::nullopt;
    std::int64_t out;
    if (!parse_int64(*v, out) || out < min) bad(name, "an integer >= " + std::to_string(min));
    return out;
  }
  int integer(std::string_view name, int fallback, int min = INT32_MIN) const {
    auto v = opt_int(name, min);
    if (v && *v > INT32_MAX) bad(name, "a smaller integer");
    return v ? static_cast<int>(*v) : fallback;
  }
  std::optional<std::uint32_t> seed(std::string_view name) const {
    auto v = opt_int(name, 0);
    if (v && *v > 0xffffffffLL) bad(name, "an integer in [0, 2^32)");
    if (!v) return std::nullopt;
    return static_cast<std::uint32_t>(*v);
  }
  bool boolean(std::string_view name, bool fallback) const {
    const std::string* v = raw(name);
    if (!v) return fallback;
    if (*v == "true" || *v == "True" || *v == "1" || *v == "yes") return true;
    if (*v == "false" || *v == "False" || *v == "0" || *v == "no") return false;
    bad(name, "true or false");
  }
  double number(std::string_view name, double fallback) const {
    const std::string* v = raw(name);
    if (!v) return fallback;
    double out;
    if (!parse_double(*v, out) || !std::isfinite(out)) bad(name, "a number");
    return out;
  }
  std::optional<SplitSize> size(std::string_view name) const {
    const std::string* v = raw(name);
    if (!v) return std::nullopt;
    std::int64_t count;
    if (parse_int64(*v, count)) return SplitSize{static_cast<double>(count), true};
    double frac;
    if (!parse_double(*v, frac) || !std::isfinite(frac))
      bad(name, "a fraction in (0, 1) or a row count");
    return SplitSize{frac, false};
  }
  std::string text(std::string_view name, std::string fallback) const {
    const std::string* v = raw(name);
    return v ? *v : fallback;
  }

 private:
  const SplitterInfo& info_;
  const SplitterParams& params_;
};

const char* const kRandomStateHelp =
    "seed of numpy's RandomState (MT19937); none = fresh entropy (not reproducible)";

std::vector<SplitterInfo> build_registry() {
  std::vector<SplitterInfo> r;
  auto add = [&](SplitterInfo info) { r.push_back(std::move(info)); };
  const SplitterParamInfo n_splits5{"n_splits", "5", "number of folds"};

  add({.name = "kfold",
       .description =
           "sklearn.model_selection.KFold: contiguous folds, the first n % k one row longer",
       .family = "sklearn",
       .params = {n_splits5,
                  {"shuffle", "false", "shuffle the rows once before folding"},
                  {"random_state", "", kRandomStateHelp}},
       .needs_target = false,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("kfold"), p);
         return make_kfold(
             {rd.integer("n_splits", 5), rd.boolean("shuffle", false), rd.seed("random_state")});
       }});
  add({.name = "stratified_kfold",
       .description = "sklearn.model_selection.StratifiedKFold: folds keep the class proportions "
                      "(needs --target)",
       .family = "sklearn",
       .params = {n_splits5,
                  {"shuffle", "false", "shuffle each class's fold assignment"},
                  {"random_state", "", kRandomStateHelp}},
       .needs_target = true,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("stratified_kfold"), p);
         return make_stratified_kfold(
             {rd.integer("n_splits", 5), rd.boolean("shuffle", false), rd.seed("random_state")});
       }});
  add({.name = "group_kfold",
       .description =
           "sklearn.model_selection.GroupKFold: no group in two folds (needs --groups); size ties: "
           "higher group label first",
       .family = "sklearn",
       .params = {n_splits5},
       .needs_target = false,
       .needs_groups = true,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("group_kfold"), p);
         return make_group_kfold({rd.integer("n_splits", 5)});
       }});
  add({.name = "time_series_split",
       .description = "sklearn.model_selection.TimeSeriesSplit: expanding train window, test "
                      "blocks at the end",
       .family = "sklearn",
       .params = {n_splits5,
                  {"max_train_size", "", "keep only the last N training rows"},
                  {"test_size", "", "rows per test block (default n // (n_splits + 1))"},
                  {"gap", "0", "rows dropped between train and test"}},
       .needs_target = false,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("time_series_split"), p);
         TimeSeriesSplitOptions o;
         o.n_splits = rd.integer("n_splits", 5);
         if (auto v = rd.opt_int("max_train_size", 0))
           o.max_train_size = static_cast<std::size_t>(*v);
         if (auto v = rd.opt_int("test_size", 1)) o.test_size = static_cast<std::size_t>(*v);
         o.gap = static_cast<std::size_t>(rd.opt_int("gap", 0).value_or(0));
         return make_time_series_split(o);
       }});
  const std::vector<SplitterParamInfo> shuffle_params = {
      {"n_splits", "10", "number of re-shuffled splits"},
      {"test_size", "", "fraction in (0,1) or row count (default 0.1 when train_size is unset)"},
      {"train_size", "", "fraction or row count (default: the complement of test_size)"},
      {"random_state", "", kRandomStateHelp}};
  add({.name = "shuffle_split",
       .description = "sklearn.model_selection.ShuffleSplit: random train/test permutations",
       .family = "sklearn",
       .params = shuffle_params,
       .needs_target = false,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("shuffle_split"), p);
         return make_shuffle_split({rd.integer("n_splits", 10), rd.size("test_size"),
                                    rd.size("train_size"), rd.seed("random_state")});
       }});
  add({.name = "stratified_shuffle_split",
       .description = "sklearn.model_selection.StratifiedShuffleSplit: random splits keeping class "
                      "proportions "
                      "(needs --target)",
       .family = "sklearn",
       .params = shuffle_params,
       .needs_target = true,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("stratified_shuffle_split"), p);
         return make_stratified_shuffle_split({rd.integer("n_splits", 10), rd.size("test_size"),
                                               rd.size("train_size"), rd.seed("random_state")});
       }});
  const std::vector<SplitterParamInfo> repeated_params = {
      n_splits5,
      {"n_repeats", "10", "number of repetitions"},
      {"random_state", "", kRandomStateHelp}};
  add({.name = "repeated_kfold",
       .description =
           "sklearn.model_selection.RepeatedKFold: shuffled KFold repeated with one random stream",
       .family = "sklearn",
       .params = repeated_params,
       .needs_target = false,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("repeated_kfold"), p);
         return make_repeated_kfold(
             {rd.integer("n_splits", 5), rd.integer("n_repeats", 10), rd.seed("random_state")});
       }});
  add({.name = "repeated_stratified_kfold",
       .description = "sklearn.model_selection.RepeatedStratifiedKFold (needs --target)",
       .family = "sklearn",
       .params = repeated_params,
       .needs_target = true,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("repeated_stratified_kfold"), p);
         return make_repeated_stratified_kfold(
             {rd.integer("n_splits", 5), rd.integer("n_repeats", 10), rd.seed("random_state")});
       }});
  add({.name = "leave_one_out",
       .description = "sklearn.model_selection.LeaveOneOut: each row once as the test set",
       .family = "sklearn",
       .params = {},
       .needs_target = false,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("leave_one_out"), p);
         return make_leave_one_out();
       }});
  add({.name = "leave_p_out",
       .description =
           "sklearn.model_selection.LeavePOut: every set of p rows as the test set (lexicographic)",
       .family = "sklearn",
       .params = {{"p", "2", "rows per test set"}},
       .needs_target = false,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("leave_p_out"), p);
         return make_leave_p_out({rd.integer("p", 2)});
       }});
  add({.name = "predefined_split",
       .description = "sklearn.model_selection.PredefinedSplit: folds from a column of fold "
                      "numbers (-1 = always "
                      "train)",
       .family = "sklearn",
       .params = {{"test_fold", "test_fold", "column holding the fold number of each row"}},
       .needs_target = false,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("predefined_split"), p);
         return make_predefined_split({rd.text("test_fold", "test_fold")});
       }});

  // KX .ml.xv family.
  struct Kx {
    const char* name;
    const char* description;
    bool pc;
    bool shuffles;
    bool target;
  };
  const Kx kx[] = {
      {.name = "kf_split",
       .description =
           "KX .ml.xv.kfSplit: sequential k-fold, longer chunks last, rotated training order",
       .pc = false,
       .shuffles = false,
       .target = false},
      {.name = "kf_shuff",
       .description = "KX .ml.xv.kfShuff: k-fold of a fresh permutation per repetition",
       .pc = false,
       .shuffles = true,
       .target = false},
      {.name = "kf_strat",
       .description = "KX .ml.xv.kfStrat: shuffled stratified k-fold (needs --target)",
       .pc = false,
       .shuffles = true,
       .target = true},
      {.name = "ts_rolls",
       .description = "KX .ml.xv.tsRolls: roll forward, train on chunk i, test on chunk i+1",
       .pc = false,
       .shuffles = false,
       .target = false},
      {.name = "ts_chain",
       .description = "KX .ml.xv.tsChain: chain forward, train on chunks 0..j-1, test on chunk j",
       .pc = false,
       .shuffles = false,
       .target = false},
      {.name = "pc_split",
       .description = "KX .ml.xv.pcSplit: train on the first floor(N(1-pc)) rows, test on the rest",
       .pc = true,
       .shuffles = false,
       .target = false},
      {.name = "mc_split",
       .description =
           "KX .ml.xv.mcSplit: Monte-Carlo, pc_split of a fresh permutation per repetition",
       .pc = true,
       .shuffles = true,
       .target = false},
  };
  for (const Kx& s : kx) {
    std::vector<SplitterParamInfo> params;
    if (s.pc)
      params.push_back({"pc", "0.2", "fraction of rows held out for testing"});
    else
      params.push_back({"k", "5", "number of folds (chunks)"});
    params.push_back({"n", "1", "number of repetitions"});
    if (s.shuffles)
      params.push_back({"random_state", "42",
                        "seed of numpy's RandomState, one stream across repetitions (q's RNG is "
                        "not reproducible)"});
    const std::string name = s.name;
    add({.name = name,
         .description = s.description,
         .family = "kx",
         .params = params,
         .needs_target = s.target,
         .needs_groups = false,
         .make = [name](const SplitterParams& p) {
           ParamReader rd(*find_splitter(name), p);
           KxOptions o;
           o.k = rd.integer("k", 5);
           o.n = rd.integer("n", 1);
           o.pc = rd.number("pc", 0.2);
           o.random_state = rd.seed("random_state").value_or(42);
           return make_kx_splitter(name, o);
         }});
  }

  add({.name = "purged_kfold",
       .description =
           "purged + embargoed k-fold for time series (combinatorial with n_test_groups > 1); rows "
           "carry a time or an interval [start, end]",
       .family = "freshet",
       .params = {n_splits5,
                  {"n_test_groups", "1", "groups per test set; > 1 gives combinatorial purged CV"},
                  {"time", "", "column of observation times (default: row position)"},
                  {"start", "", "column of interval starts (with end=)"},
                  {"end", "", "column of interval ends (label horizon)"},
                  {"embargo", "0", "time units after each test block removed from training"},
                  {"embargo_pct", "0",
                   "fraction of all rows after each test block removed from training"}},
       .needs_target = false,
       .needs_groups = false,
       .make = [](const SplitterParams& p) {
         ParamReader rd(*find_splitter("purged_kfold"), p);
         PurgedKFoldOptions o;
         o.n_splits = rd.integer("n_splits", 5);
         o.n_test_groups = rd.integer("n_test_groups", 1);
         o.time = rd.text("time", "");
         o.start = rd.text("start", "");
         o.end = rd.text("end", "");
         o.embargo = rd.number("embargo", 0);
         o.embargo_pct = rd.number("embargo_pct", 0);
         return make_purged_kfold(o);
       }});
  return r;
}

}  // namespace

const std::vector<SplitterInfo>& all_splitters() {
  static const std::vector<SplitterInfo> registry = build_registry();
  return registry;
}

// Lookups and the unknown-name error go through the one registry shape; all_splitters() keeps
// the listing order users see (sklearn's, KX's, then freshet's).
const Registry<SplitterInfo>& splitter_registry() {
  static Registry<SplitterInfo> instance("splitter", [] {
    for (const auto& info : all_splitters()) instance.add(info);
  });
  return instance;
}

const SplitterInfo* find_splitter(std::string_view name) { return splitter_registry().find(name); }

SplitterSpec parse_splitter_spec(std::string_view spec) {
  SplitterSpec out;
  const auto colon = spec.find(':');
  out.name = std::string(spec.substr(0, colon));
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  out.name = std::string(trim(out.name));
  if (out.name.empty())
    throw Error(Errc::kParse,
                "splitter spec '" + std::string(spec) + "': missing the splitter name");
  if (colon == std::string_view::npos) return out;
  std::string_view rest = spec.substr(colon + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      throw Error(Errc::kParse, "splitter spec '" + std::string(spec) +
                                    "': expected NAME=VALUE, got '" + std::string(item) + "'");
    const std::string key(trim(item.substr(0, eq)));
    if (out.params.count(key))
      throw Error(Errc::kParse,
                  "splitter spec '" + std::string(spec) + "': parameter '" + key + "' given twice");
    out.params[key] = std::string(trim(item.substr(eq + 1)));
  }
  return out;
}

std::unique_ptr<Splitter> make_splitter(std::string_view spec) {
  const SplitterSpec parsed = parse_splitter_spec(spec);
  return splitter_registry().get(parsed.name).make(parsed.params);
}

std::string format_folds_csv(const Folds& folds) {
  std::string out = "split,row,role\n";
  std::size_t total = 0;
  for (const auto& s : folds) total += s.train.size() + s.test.size();
  out.reserve(out.size() + total * 14);
  for (std::size_t i = 0; i < folds.size(); ++i) {
    const std::string prefix = std::to_string(i) + ",";
    for (auto r : folds[i].train) {
      out += prefix;
      out += std::to_string(r);
      out += ",train\n";
    }
    for (auto r : folds[i].test) {
      out += prefix;
      out += std::to_string(r);
      out += ",test\n";
    }
  }
  return out;
}

}  // namespace freshet::xval
