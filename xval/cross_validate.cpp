#include "xval/cross_validate.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "ml/metrics.hpp"
#include "ml/preprocess.hpp"
#include "mproc/registry.hpp"

namespace freshet::xval {

// ---- Dataset ------------------------------------------------------------------------------------

SplitData Dataset::split_data(std::vector<std::string>* warnings) const {
  return SplitData{num_rows(), y_labels ? &*y_labels : nullptr, groups ? &*groups : nullptr,
                   &split_columns, warnings};
}

namespace {
Labels take_labels(const Labels& l, std::span<const std::size_t> rows) {
  // Keep the relative order of the original codes: the same as np.unique over the subset.
  std::vector<std::int64_t> remap(l.n_classes, -1);
  std::vector<char> used(l.n_classes, 0);
  for (auto r : rows) used[static_cast<std::size_t>(l.codes[r])] = 1;
  Labels out;
  std::int64_t next = 0;
  for (std::size_t c = 0; c < l.n_classes; ++c)
    if (used[c]) {
      remap[c] = next++;
      out.names.push_back(l.names[c]);
    }
  out.n_classes = static_cast<std::size_t>(next);
  out.continuous = l.continuous;
  out.codes.reserve(rows.size());
  for (auto r : rows) out.codes.push_back(remap[static_cast<std::size_t>(l.codes[r])]);
  return out;
}
}  // namespace

Dataset Dataset::take(std::span<const std::size_t> rows) const {
  Dataset d;
  d.X.resize(static_cast<Eigen::Index>(rows.size()), X.cols());
  d.y.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    d.X.row(static_cast<Eigen::Index>(i)) = X.row(static_cast<Eigen::Index>(rows[i]));
    d.y.push_back(y[rows[i]]);
  }
  d.feature_names = feature_names;
  d.target_name = target_name;
  d.class_names = class_names;
  if (y_labels) d.y_labels = take_labels(*y_labels, rows);
  if (groups) d.groups = take_labels(*groups, rows);
  d.split_columns = split_columns.num_columns() ? split_columns.take(rows) : Table{};
  return d;
}

Dataset make_dataset(const Table& table, const DatasetOptions& options) {
  Dataset d;
  const Column& target = table.column(options.target);
  d.target_name = options.target;
  d.y_labels = encode_labels(target);
  if (target.dtype() == DType::kString) {
    LabelEncoder enc;
    enc.fit(target.str());
    d.y = enc.transform(target.str());
    d.class_names = enc.classes();
  } else {
    d.y = target.to_f64();
  }
  if (!options.groups.empty()) d.groups = encode_labels(table.column(options.groups));
  std::set<std::string> not_features(options.exclude.begin(), options.exclude.end());
  not_features.insert(options.target);
  if (!options.groups.empty()) not_features.insert(options.groups);
  for (const auto& name : options.exclude)
    if (table.has_column(name)) d.split_columns.add_column(table.column(name));
  if (!options.features.empty()) {
    for (const auto& f : options.features) {
      table.column(f);  // throws kNotFound naming it
      if (not_features.count(f))
        throw Error(Errc::kInvalidArgument,
                    "column '" + f +
                        "' is the target, the groups or a splitter column; it cannot "
                        "also be a feature");
    }
    d.feature_names = options.features;
  } else {
    for (const auto& c : table.columns())
      if (!not_features.count(c.name())) d.feature_names.push_back(c.name());
  }
  if (d.feature_names.empty())
    throw Error(Errc::kInvalidArgument,
                "no feature columns (every column is the target, groups "
                "or a splitter column)");
  d.X = table_to_matrix(table, d.feature_names);
  return d;
}

// ---- Specs --------------------------------------------------------------------------------------

std::string pipeline_spec(std::span<const std::string> preprocess, const std::string& model) {
  std::string out;
  for (const auto& step : preprocess) out += step + ">";
  return out + model;
}

namespace {
// "a>b>model:p=1" -> {"a>b>", "model:p=1"}: the steps (with their '>') and the final model.
std::pair<std::string, std::string> split_final(const std::string& spec) {
  const auto gt = spec.rfind('>');
  if (gt == std::string::npos) return {"", spec};
  return {spec.substr(0, gt + 1), spec.substr(gt + 1)};
}
}  // namespace

std::string with_params(const std::string& spec, const ModelParams& params) {
  if (params.empty()) return spec;
  const auto [head, final_spec] = split_final(spec);
  ModelSpec last = parse_model_spec(final_spec);
  for (const auto& [k, v] : params) last.params[k] = v;
  std::string out = head + last.name;
  char sep = ':';
  for (const auto& [k, v] : last.params) {
    out += sep + k + "=" + v;
    sep = ',';
  }
  return out;
}

std::vector<std::string> parse_step_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string item(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    const bool continues =
        item.find('=') != std::string::npos && item.find(':') == std::string::npos;
    if (continues && !out.empty())
      out.back() += "," + item;
    else
      out.push_back(item);
  }
  return out;
}

std::string default_scorer(const std::string& model_spec) {
  return make_model(model_spec)->is_classifier() ? "accuracy" : "r2";
}

std::string default_cv(const std::string& model_spec) {
  return make_model(model_spec)->is_classifier() ? "stratified_kfold:n_splits=5"
                                                 : "kfold:n_splits=5";
}

double mean_of(std::span<const double> v) {
  if (v.empty()) return NAN;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double std_of(std::span<const double> v) {
  if (v.empty()) return NAN;
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}

double CvResult::mean(std::size_t metric) const {
  std::vector<double> v;
  for (const auto& s : splits) v.push_back(s.scores.at(metric));
  return mean_of(v);
}

double CvResult::std(std::size_t metric) const {
  std::vector<double> v;
  for (const auto& s : splits) v.push_back(s.scores.at(metric));
  return std_of(v);
}

// ---- The task -----------------------------------------------------------------------------------

namespace {

constexpr const char* kTaskName = "xval.fit_score";

// Shared dataset blob: u64 rows, u64 cols, X column-major (rows*cols doubles), y (rows doubles).
Bytes serialize_dataset(const Dataset& d) {
  ByteWriter w;
  const auto rows = static_cast<std::uint64_t>(d.X.rows());
  const auto cols = static_cast<std::uint64_t>(d.X.cols());
  w.put(rows);
  w.put(cols);
  w.put_span(std::span<const double>(d.X.data(), static_cast<std::size_t>(rows * cols)));
  w.put_span(std::span<const double>(d.y));
  return std::move(w).take();
}

// Shared folds blob: u64 n_splits, u64 offsets[n_splits + 1] (byte offsets of each split from
// the start of the split area), then per split: u64 n_train, u64 n_test, train rows, test rows.
Bytes serialize_folds(const Folds& folds) {
  ByteWriter body;
  std::vector<std::uint64_t> offsets;
  for (const auto& s : folds) {
    offsets.push_back(body.bytes().size());
    body.put<std::uint64_t>(s.train.size());
    body.put<std::uint64_t>(s.test.size());
    for (auto r : s.train) body.put<std::uint64_t>(r);
    for (auto r : s.test) body.put<std::uint64_t>(r);
  }
  offsets.push_back(body.bytes().size());
  ByteWriter w;
  w.put<std::uint64_t>(folds.size());
  for (auto o : offsets) w.put(o);
  Bytes out = std::move(w).take();
  const Bytes& b = body.bytes();
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::uint64_t read_u64(std::span<const std::byte> data, std::size_t offset) {
  if (offset + 8 > data.size()) throw Error(Errc::kParse, "xval: truncated shared blob");
  std::uint64_t v;
  std::memcpy(&v, data.data() + offset, 8);
  return v;
}

// A read-only view of the shared dataset that gathers rows into Eigen matrices.
class DatasetView {
 public:
  explicit DatasetView(std::span<const std::byte> blob) : blob_(blob) {
    rows_ = read_u64(blob, 0);
    cols_ = read_u64(blob, 8);
    const std::uint64_t nx = read_u64(blob, 16);
    if (nx != rows_ * cols_) throw Error(Errc::kParse, "xval: corrupt shared dataset");
    x_offset_ = 24;
    const std::size_t y_len_at = x_offset_ + nx * 8;
    if (read_u64(blob, y_len_at) != rows_)
      throw Error(Errc::kParse, "xval: corrupt shared dataset");
    y_offset_ = y_len_at + 8;
    if (y_offset_ + rows_ * 8 > blob.size())
      throw Error(Errc::kParse, "xval: truncated shared dataset");
  }
  void gather(std::span<const std::uint64_t> rows, Matrix& X, std::vector<double>& y) const {
    const auto n = static_cast<Eigen::Index>(rows.size());
    X.resize(n, static_cast<Eigen::Index>(cols_));
    y.resize(rows.size());
    const std::byte* base = blob_.data();
    for (std::uint64_t c = 0; c < cols_; ++c) {
      const std::byte* col = base + x_offset_ + c * rows_ * 8;
      double* out = X.data() + c * rows.size();
      for (std::size_t i = 0; i < rows.size(); ++i) std::memcpy(out + i, col + rows[i] * 8, 8);
    }
    for (std::size_t i = 0; i < rows.size(); ++i)
      std::memcpy(&y[i], base + y_offset_ + rows[i] * 8, 8);
  }
  std::uint64_t rows() const { return rows_; }

 private:
  std::span<const std::byte> blob_;
  std::uint64_t rows_ = 0, cols_ = 0;
  std::size_t x_offset_ = 0, y_offset_ = 0;
};

// Returns the (train, test) rows of split `index` from the folds blob.
std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> read_split(
    std::span<const std::byte> blob, std::uint64_t index) {
  const std::uint64_t n = read_u64(blob, 0);
  if (index >= n)
    throw Error(Errc::kInvalidArgument,
                "xval: split " + std::to_string(index) + " of " + std::to_string(n));
  const std::size_t area = 8 + (n + 1) * 8;
  const std::size_t at = area + read_u64(blob, 8 + index * 8);
  const std::uint64_t n_train = read_u64(blob, at), n_test = read_u64(blob, at + 8);
  if (at + 16 + (n_train + n_test) * 8 > blob.size())
    throw Error(Errc::kParse, "xval: truncated shared folds");
  std::vector<std::uint64_t> train(n_train), test(n_test);
  if (n_train) std::memcpy(train.data(), blob.data() + at + 16, n_train * 8);
  if (n_test) std::memcpy(test.data(), blob.data() + at + 16 + n_train * 8, n_test * 8);
  return {std::move(train), std::move(test)};
}

// The final model's full parameter set (defaults filled in) of a spec, pipeline or not.
ModelParams final_params(const std::string& spec) {
  return make_model(split_final(spec).second)->params();
}

// Argument: data key, folds key, the group's model specs, split, scorers. Result: per spec, the
// fit seconds, the scores and the score seconds. A group of several specs differs only in the
// final model's path parameters: they are fitted together by Model::fit_variants.
Bytes fit_score_task(const mproc::TaskContext& context, std::span<const std::byte> argument) {
  ByteReader in(argument);
  const std::string data_key = in.get_string();
  const std::string folds_key = in.get_string();
  const auto n_models = in.get<std::uint64_t>();
  std::vector<std::string> model_specs;
  for (std::uint64_t i = 0; i < n_models; ++i) model_specs.push_back(in.get_string());
  const auto split = in.get<std::uint64_t>();
  const auto n_scorers = in.get<std::uint64_t>();
  std::vector<std::string> scorers;
  for (std::uint64_t i = 0; i < n_scorers; ++i) scorers.push_back(in.get_string());
  if (model_specs.empty()) throw Error(Errc::kInvalidArgument, "xval: a task without a model");

  const DatasetView data(context.shared(data_key));
  const auto [train, test] = read_split(context.shared(folds_key), split);
  for (auto r : train)
    if (r >= data.rows()) throw Error(Errc::kInvalidArgument, "xval: fold row out of range");
  for (auto r : test)
    if (r >= data.rows()) throw Error(Errc::kInvalidArgument, "xval: fold row out of range");
  if (train.empty())
    throw Error(Errc::kInvalidArgument, "split " + std::to_string(split) + " has no training rows");
  if (test.empty())
    throw Error(Errc::kInvalidArgument, "split " + std::to_string(split) + " has no test rows");

  Matrix X_train, X_test;
  std::vector<double> y_train, y_test;
  data.gather(train, X_train, y_train);
  data.gather(test, X_test, y_test);

  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  std::vector<std::unique_ptr<Model>> models;
  if (model_specs.size() == 1) {
    models.push_back(make_model(model_specs[0]));
    models[0]->fit(X_train, y_train);
  } else {
    std::vector<ModelParams> variants;
    for (const auto& spec : model_specs) variants.push_back(final_params(spec));
    // The task's loop lets a shared search use threads that ran out of tasks (the models live
    // only inside this task, so the loop outlives them).
    FitContext fit_context;
    fit_context.parallel_for = [&context](std::size_t n,
                                          const std::function<void(std::size_t)>& body) {
      context.parallel_for(n, body);
    };
    models = make_model(model_specs[0])->fit_variants(X_train, y_train, variants, fit_context);
  }
  // A shared fit's time is split evenly between the models it fitted.
  const double fit_seconds =
      std::chrono::duration<double>(Clock::now() - t0).count() / static_cast<double>(models.size());
  ByteWriter out;
  for (const auto& model : models) {
    std::vector<double> scores, score_seconds;
    for (const auto& s : scorers) {
      const auto t1 = Clock::now();
      scores.push_back(score(s, *model, X_test, y_test));
      score_seconds.push_back(std::chrono::duration<double>(Clock::now() - t1).count());
    }
    out.put(fit_seconds);
    out.put_span(std::span<const double>(scores));
    out.put_span(std::span<const double>(score_seconds));
  }
  return std::move(out).take();
}

FRESHET_TASK(kTaskName, fit_score_task);

std::atomic<std::uint64_t> g_share_counter{0};

// Shares a blob for the lifetime of the guard.
class ShareGuard {
 public:
  ShareGuard(mproc::Executor& executor, std::string key, const Bytes& data)
      : executor_(executor), key_(std::move(key)) {
    executor_.share(key_, data);
  }
  ~ShareGuard() {
    try {
      executor_.unshare(key_);
    } catch (...) {
    }
  }
  ShareGuard(const ShareGuard&) = delete;
  ShareGuard& operator=(const ShareGuard&) = delete;
  const std::string& key() const { return key_; }

 private:
  mproc::Executor& executor_;
  std::string key_;
};

}  // namespace

std::vector<std::vector<std::size_t>> group_by_path(std::span<const std::string> models) {
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::string, std::size_t> group_of;  // key -> index in groups
  for (std::size_t m = 0; m < models.size(); ++m) {
    const auto [prefix, final_spec] = split_final(models[m]);
    const ModelSpec last = parse_model_spec(final_spec);
    const ModelInfo* info = find_model(last.name);
    if (!info || info->path_params.empty()) {
      groups.push_back({m});
      continue;
    }
    // The key: everything but the path parameters, with defaults filled in.
    ModelParams rest = make_model(last)->params();
    for (const auto& p : info->path_params) rest.erase(p);
    std::string key = prefix + last.name;
    for (const auto& [k, v] : rest) key += "\n" + k + "=" + v;
    const auto [it, fresh] = group_of.emplace(key, groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(m);
  }
  return groups;
}

void register_xval_tasks() {
  if (!mproc::Registry::global().find(kTaskName))
    mproc::Registry::global().add(kTaskName, fit_score_task);
}

std::vector<FoldScores> evaluate(const Dataset& data, const Folds& folds,
                                 std::span<const std::string> models,
                                 std::span<const std::string> scoring, mproc::Executor& executor) {
  register_xval_tasks();
  if (scoring.empty()) throw Error(Errc::kInvalidArgument, "xval: no scorer given");
  for (const auto& s : scoring)
    if (!find_scorer(s)) {
      std::string list;
      for (const auto& info : all_scorers()) list += (list.empty() ? "" : ", ") + info.name;
      throw Error(Errc::kNotFound, "unknown scorer '" + s + "' (known: " + list + ")");
    }
  for (const auto& m : models) {
    const auto model = make_model(m);  // validates name and parameters
    // A text target is label-encoded for classifiers; a regressor would fit the codes as numbers
    // (scikit-learn raises "could not convert string to float"). Checked here, where every model
    // meets the data, so it holds for every regressor, plug-ins included.
    if (!data.class_names.empty() && !model->is_classifier())
      throw Error(Errc::kInvalidArgument,
                  "target column '" + data.target_name + "' holds text (e.g. " +
                      quote_cell(data.class_names.front()) + "), but model '" + model->name() +
                      "' is a regressor: it needs a numeric target");
    for (const auto& s : scoring) {
      const ScorerInfo* info = find_scorer(s);
      if (info->classification && !model->is_classifier())
        throw Error(Errc::kInvalidArgument, "scorer '" + s + "' needs a classifier, but model '" +
                                                model->name() + "' is a regressor");
    }
  }
  if (data.y.size() != data.num_rows())
    throw Error(Errc::kInvalidArgument, "xval: X has " + std::to_string(data.num_rows()) +
                                            " rows but y has " + std::to_string(data.y.size()));
  for (const auto& s : folds)
    for (const auto* rows : {&s.train, &s.test})
      for (auto r : *rows)
        if (r >= data.num_rows())
          throw Error(Errc::kInvalidArgument, "xval: fold row " + std::to_string(r) +
                                                  " is out of range for " +
                                                  std::to_string(data.num_rows()) + " rows");

  const std::uint64_t id = g_share_counter.fetch_add(1);
  const Bytes data_blob = serialize_dataset(data);
  const Bytes folds_blob = serialize_folds(folds);
  ShareGuard data_share(executor, "xval.data." + std::to_string(id), data_blob);
  ShareGuard folds_share(executor, "xval.folds." + std::to_string(id), folds_blob);

  const auto groups = group_by_path(models);
  std::vector<Bytes> args;
  args.reserve(groups.size() * folds.size());
  for (const auto& group : groups)
    for (std::size_t s = 0; s < folds.size(); ++s) {
      ByteWriter w;
      w.put_string(data_share.key());
      w.put_string(folds_share.key());
      w.put<std::uint64_t>(group.size());
      for (auto m : group) w.put_string(models[m]);
      w.put<std::uint64_t>(s);
      w.put<std::uint64_t>(scoring.size());
      for (const auto& sc : scoring) w.put_string(sc);
      args.push_back(std::move(w).take());
    }
  const std::vector<Bytes> results = executor.map(kTaskName, args);
  std::vector<FoldScores> out(models.size() * folds.size());
  std::size_t task = 0;
  for (const auto& group : groups)
    for (std::size_t s = 0; s < folds.size(); ++s) {
      ByteReader in(results[task++]);
      for (auto m : group) {
        FoldScores& f = out[m * folds.size() + s];
        f.fit_seconds = in.get<double>();
        f.scores = in.get_vector<double>();
        f.score_seconds = in.get_vector<double>();
      }
    }
  return out;
}

CvResult cross_validate(const Dataset& data, const Splitter& splitter, const std::string& model,
                        const std::vector<std::string>& scoring, mproc::Executor& executor,
                        std::vector<std::string>* warnings) {
  const Folds folds = splitter.split(data.split_data(warnings));
  CvResult r;
  r.model = model;
  r.scoring = scoring;
  const std::string models[] = {model};
  r.splits = evaluate(data, folds, models, scoring, executor);
  return r;
}

}  // namespace freshet::xval
