#include "xval/cross_validate.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"
#include "ml/preprocess.hpp"
#include "mproc/blob.hpp"
#include "mproc/executor.hpp"
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
  d.X = X.take_rows(rows);
  d.y.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) d.y.push_back(y[rows[i]]);
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
  d.X = to_dense(table_to_matrix(table, d.feature_names));
  return d;
}

// ---- Specs --------------------------------------------------------------------------------------

std::string pipeline_spec(std::span<const std::string> preprocess, const std::string& model) {
  std::string out;
  for (const auto& step : preprocess) out += step + ">";
  return out + model;
}

std::string with_params(const std::string& spec, const ModelParams& params) {
  if (params.empty()) return spec;
  return PipelineSpec(spec).with_params(params).to_string();
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

std::string default_scorer(const PipelineSpec& model_spec) {
  return model_spec.is_classifier() ? "accuracy" : "r2";
}

std::string default_cv(const PipelineSpec& model_spec) {
  return model_spec.is_classifier() ? "stratified_kfold:n_splits=5" : "kfold:n_splits=5";
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

// The shared inputs are column blobs (mproc/blob.hpp), written once in place and read in place;
// every size is checked on read.
//   dataset: 0 u64[2] rows, cols | 1 f64 X column-major (rows x cols) | 2 f64 y (rows)
//   folds:   0 u64 bounds[2 n + 1] | 1 u64 rows: split s trains on rows[bounds[2s], bounds[2s+1])
//            and tests on rows[bounds[2s+1], bounds[2s+2])
mproc::BlobLayout dataset_layout(const Dataset& d) {
  mproc::BlobLayout layout;
  layout.add<std::uint64_t>(2);
  layout.add<double>(static_cast<std::size_t>(d.X.size()));
  layout.add<double>(d.y.size());
  return layout;
}

void write_dataset(const Dataset& d, const mproc::BlobLayout& layout, std::span<std::byte> out) {
  layout.write_header(out);
  const std::uint64_t meta[2] = {static_cast<std::uint64_t>(d.X.rows()),
                                 static_cast<std::uint64_t>(d.X.cols())};
  std::ranges::copy(meta, layout.section<std::uint64_t>(out, 0).begin());
  std::copy(d.X.data(), d.X.data() + d.X.size(), layout.section<double>(out, 1).begin());
  std::ranges::copy(d.y, layout.section<double>(out, 2).begin());
}

mproc::BlobLayout folds_layout(const Folds& folds) {
  std::size_t rows = 0;
  for (const auto& s : folds) rows += s.train.size() + s.test.size();
  mproc::BlobLayout layout;
  layout.add<std::uint64_t>(2 * folds.size() + 1);
  layout.add<std::uint64_t>(rows);
  return layout;
}

void write_folds(const Folds& folds, const mproc::BlobLayout& layout, std::span<std::byte> out) {
  layout.write_header(out);
  const auto bounds = layout.section<std::uint64_t>(out, 0);
  const auto rows = layout.section<std::uint64_t>(out, 1);
  std::size_t at = 0, b = 0;
  bounds[b++] = 0;
  for (const auto& s : folds) {
    for (const auto* part : {&s.train, &s.test}) {
      for (auto r : *part) rows[at++] = r;
      bounds[b++] = at;
    }
  }
}

// A read-only view of the shared dataset that gathers rows into Eigen matrices.
class DatasetView {
 public:
  explicit DatasetView(std::span<const std::byte> blob, const std::string& key) {
    const mproc::BlobView view(blob, key);
    view.expect_sections(3);
    const auto meta = view.section<std::uint64_t>(0);
    if (meta.size() != 2) view.fail("the header section holds " + std::to_string(meta.size()));
    rows_ = meta[0];
    cols_ = meta[1];
    x_ = view.section<double>(1);
    y_ = view.section<double>(2);
    if (y_.size() != rows_ ||
        (rows_ == 0 ? !x_.empty() : x_.size() % rows_ != 0 || x_.size() / rows_ != cols_))
      view.fail("X and y do not hold " + std::to_string(rows_) + " x " + std::to_string(cols_) +
                " values");
  }
  // rows: each below rows() (the caller checks).
  void gather(std::span<const std::uint64_t> rows, Matrix& X, std::vector<double>& y) const {
    const auto n = static_cast<Eigen::Index>(rows.size());
    X.resize(n, static_cast<Eigen::Index>(cols_));
    y.resize(rows.size());
    for (std::uint64_t c = 0; c < cols_; ++c) {
      const double* col = x_.data() + c * rows_;
      double* out = X.data() + c * rows.size();
      for (std::size_t i = 0; i < rows.size(); ++i) out[i] = col[rows[i]];
    }
    for (std::size_t i = 0; i < rows.size(); ++i) y[i] = y_[rows[i]];
  }
  std::uint64_t rows() const { return rows_; }

 private:
  std::uint64_t rows_ = 0, cols_ = 0;
  std::span<const double> x_, y_;
};

// Returns the (train, test) rows of split `index` from the folds blob.
std::pair<std::span<const std::uint64_t>, std::span<const std::uint64_t>> read_split(
    std::span<const std::byte> blob, const std::string& key, std::uint64_t index) {
  const mproc::BlobView view(blob, key);
  view.expect_sections(2);
  const auto bounds = view.section<std::uint64_t>(0);
  const auto rows = view.section<std::uint64_t>(1);
  if (bounds.empty() || bounds.size() % 2 == 0) view.fail("the bounds section is malformed");
  const std::uint64_t n = bounds.size() / 2;
  if (index >= n)
    throw Error(Errc::kInvalidArgument,
                "xval: split " + std::to_string(index) + " of " + std::to_string(n));
  const std::uint64_t b0 = bounds[2 * index], b1 = bounds[2 * index + 1],
                      b2 = bounds[2 * index + 2];
  if (b0 > b1 || b1 > b2 || b2 > rows.size())
    view.fail("split " + std::to_string(index) + " bounds outside its rows");
  return {rows.subspan(b0, b1 - b0), rows.subspan(b1, b2 - b1)};
}

// Argument: data key, folds key, the group's model specs, split, scorers. Result: per spec, the
// fit seconds, the scores and the score seconds. A group of several specs differs only in the
// final model's path parameters: they are fitted together by Model::fit_variants.
Bytes fit_score_task(const mproc::TaskContext& context, std::span<const std::byte> argument) {
  ByteReader in(argument);
  const std::string data_key = in.get_string();
  const std::string folds_key = in.get_string();
  const auto n_models = in.get<std::uint64_t>();
  std::vector<PipelineSpec> model_specs;
  for (std::uint64_t i = 0; i < n_models; ++i) model_specs.push_back(get_spec(in));
  const auto split = in.get<std::uint64_t>();
  const auto n_scorers = in.get<std::uint64_t>();
  std::vector<std::string> scorers;
  for (std::uint64_t i = 0; i < n_scorers; ++i) scorers.push_back(in.get_string());
  if (model_specs.empty()) throw Error(Errc::kInvalidArgument, "xval: a task without a model");

  const DatasetView data(context.shared(data_key), data_key);
  const auto [train, test] = read_split(context.shared(folds_key), folds_key, split);
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
    models.push_back(model_specs[0].make());
    models[0]->fit(X_train, y_train);
  } else {
    std::vector<ModelParams> variants;
    for (const auto& spec : model_specs) variants.push_back(spec.final_params());
    // The task's loop lets a shared search use threads that ran out of tasks (the models live
    // only inside this task, so the loop outlives them).
    FitContext fit_context;
    fit_context.parallel_for = [&context](std::size_t n,
                                          const std::function<void(std::size_t)>& body) {
      context.parallel_for(n, body);
    };
    models = model_specs[0].make()->fit_variants(X_train, y_train, variants, fit_context);
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

}  // namespace

std::vector<std::vector<std::size_t>> group_by_path(std::span<const PipelineSpec> models) {
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::string, std::size_t> group_of;  // key -> index in groups
  for (std::size_t m = 0; m < models.size(); ++m) {
    const ModelInfo* info = find_model(models[m].model.name);
    if (!info || info->path_params.empty()) {
      groups.push_back({m});
      continue;
    }
    // The key: the steps and everything but the path parameters, with defaults filled in.
    PipelineSpec rest = models[m];
    rest.model.params = models[m].final_params();
    for (const auto& p : info->path_params) rest.model.params.erase(p);
    const std::string key = rest.to_string();
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
  const std::vector<PipelineSpec> specs(models.begin(), models.end());
  return evaluate(data, folds, std::span<const PipelineSpec>(specs), scoring, executor);
}

std::vector<FoldScores> evaluate(const Dataset& data, const Folds& folds,
                                 std::span<const PipelineSpec> models,
                                 std::span<const std::string> scoring, mproc::Executor& executor) {
  register_xval_tasks();
  if (scoring.empty()) throw Error(Errc::kInvalidArgument, "xval: no scorer given");
  for (const auto& s : scoring) scorer_registry().get(s);  // throws for an unknown scorer
  for (const auto& m : models) {
    const auto model = m.make();  // validates names and parameters
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

  // Written once, in their final place (the shared segment, on the process backend).
  const mproc::BlobLayout data_layout = dataset_layout(data);
  const mproc::BlobLayout fold_layout = folds_layout(folds);
  const mproc::ScopedShare data_share(
      executor, mproc::unique_share_key("xval.data"), data_layout.size(),
      [&](std::span<std::byte> out) { write_dataset(data, data_layout, out); });
  const mproc::ScopedShare folds_share(
      executor, mproc::unique_share_key("xval.folds"), fold_layout.size(),
      [&](std::span<std::byte> out) { write_folds(folds, fold_layout, out); });

  const auto groups = group_by_path(models);
  std::vector<Bytes> args;
  args.reserve(groups.size() * folds.size());
  for (const auto& group : groups)
    for (std::size_t s = 0; s < folds.size(); ++s) {
      ByteWriter w;
      w.put_string(data_share.key());
      w.put_string(folds_share.key());
      w.put<std::uint64_t>(group.size());
      for (auto m : group) put_spec(w, models[m]);
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

CvResult cross_validate(const Dataset& data, const Splitter& splitter, const PipelineSpec& model,
                        const std::vector<std::string>& scoring, mproc::Executor& executor,
                        std::vector<std::string>* warnings) {
  const Folds folds = splitter.split(data.split_data(warnings));
  CvResult r;
  r.model = model.to_string();
  r.scoring = scoring;
  const PipelineSpec models[] = {model};
  r.splits = evaluate(data, folds, models, scoring, executor);
  return r;
}

}  // namespace freshet::xval
