#include "job/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>

#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "fresh/extract.hpp"
#include "fresh/impute.hpp"
#include "fresh/settings.hpp"
#include "job/data.hpp"
#include "job/dataset_blob_internal.hpp"
#include "job/fresh_select.hpp"
#include "job/hash.hpp"
#include "job/journal.hpp"
#include "job/outputs.hpp"
#include "job/results.hpp"
#include "ml/metrics.hpp"
#include "ml/preprocess.hpp"
#include "mproc/registry.hpp"
#include "xval/cross_validate.hpp"
#include "xval/splitters.hpp"

namespace freshet::job {

namespace fs = std::filesystem;

// ---- task outcome encoding ------------------------------------------------------------------

Bytes encode_outcome(const TaskOutcome& o) {
  ByteWriter w;
  w.put<std::uint32_t>(1);  // format version
  w.put(o.chosen);
  w.put_span(std::span<const double>(o.inner_means));
  w.put_span(std::span<const double>(o.scores));
  w.put(o.fit_seconds);
  w.put(o.score_seconds);
  w.put_span(std::span<const std::uint32_t>(o.selected));
  w.put_span(std::span<const std::uint32_t>(o.test_rows));
  w.put_span(std::span<const double>(o.predictions));
  return std::move(w).take();
}

TaskOutcome decode_outcome(std::span<const std::byte> bytes) {
  ByteReader r(bytes);
  if (r.get<std::uint32_t>() != 1) throw Error(Errc::kParse, "job: unknown task result format");
  TaskOutcome o;
  o.chosen = r.get<std::uint32_t>();
  o.inner_means = r.get_vector<double>();
  o.scores = r.get_vector<double>();
  o.fit_seconds = r.get<double>();
  o.score_seconds = r.get<double>();
  o.selected = r.get_vector<std::uint32_t>();
  o.test_rows = r.get_vector<std::uint32_t>();
  o.predictions = r.get_vector<double>();
  if (!r.at_end() || o.test_rows.size() != o.predictions.size())
    throw Error(Errc::kParse, "job: malformed task result");
  return o;
}

namespace {

constexpr const char* kTaskName = "job.fit_score";

// ---- selection cache ------------------------------------------------------------------------
// The same (dataset, training rows, selection) recurs for every candidate and pipeline of a
// fold; the selection is deterministic, so a per-process cache changes no result, only time.
std::mutex g_select_mutex;
std::map<std::string, std::vector<std::size_t>> g_select_cache;

std::vector<std::size_t> cached_selection(const std::string& key, const MatrixRef& X,
                                          std::span<const double> y, const std::string& step) {
  {
    std::lock_guard lock(g_select_mutex);
    const auto it = g_select_cache.find(key);
    if (it != g_select_cache.end()) return it->second;
  }
  const ModelSpec s = parse_model_spec(step);
  auto kept = select_columns(X, y, fresh_select_options(s.params));
  std::lock_guard lock(g_select_mutex);
  if (g_select_cache.size() > 4096) g_select_cache.clear();
  g_select_cache[key] = kept;
  return kept;
}

struct TaskArgs {
  std::string data_key;
  std::string digest;
  std::uint64_t fold = 0;
  std::string select_step;
  std::vector<std::string> candidates;  // model specs; several = nested search
  std::string inner_cv;
  std::vector<std::string> scoring;
};

Bytes encode_args(const TaskArgs& a) {
  ByteWriter w;
  w.put_string(a.data_key);
  w.put_string(a.digest);
  w.put(a.fold);
  w.put_string(a.select_step);
  w.put<std::uint64_t>(a.candidates.size());
  for (const auto& c : a.candidates) w.put_string(c);
  w.put_string(a.inner_cv);
  w.put<std::uint64_t>(a.scoring.size());
  for (const auto& s : a.scoring) w.put_string(s);
  return std::move(w).take();
}

TaskArgs decode_args(std::span<const std::byte> bytes) {
  ByteReader r(bytes);
  TaskArgs a;
  a.data_key = r.get_string();
  a.digest = r.get_string();
  a.fold = r.get<std::uint64_t>();
  a.select_step = r.get_string();
  const auto nc = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < nc; ++i) a.candidates.push_back(r.get_string());
  a.inner_cv = r.get_string();
  const auto ns = r.get<std::uint64_t>();
  for (std::uint64_t i = 0; i < ns; ++i) a.scoring.push_back(r.get_string());
  return a;
}

Matrix take_columns(const Matrix& X, const std::vector<std::size_t>& cols) {
  Matrix out(X.rows(), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j)
    out.col(static_cast<Eigen::Index>(j)) = X.col(static_cast<Eigen::Index>(cols[j]));
  return out;
}

std::vector<std::size_t> all_columns(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

// Inner search: each candidate's mean first-scorer score over inner folds of (X, y) (training rows
// of the outer fold), selection refitted on each inner training set.
std::vector<double> inner_search(const TaskArgs& a, const Matrix& X, const std::vector<double>& y,
                                 bool classification) {
  const auto splitter = xval::make_splitter(a.inner_cv);
  std::optional<xval::Labels> labels;
  if (classification) labels = xval::encode_labels(std::span<const double>(y), "target");
  const xval::Folds folds = splitter->split({.n_rows = y.size(), .y = labels ? &*labels : nullptr});
  std::vector<std::vector<double>> per_candidate(a.candidates.size());
  for (std::size_t f = 0; f < folds.size(); ++f) {
    const auto& s = folds[f];
    Matrix Xtr(static_cast<Eigen::Index>(s.train.size()), X.cols());
    Matrix Xte(static_cast<Eigen::Index>(s.test.size()), X.cols());
    std::vector<double> ytr, yte;
    for (std::size_t i = 0; i < s.train.size(); ++i) {
      Xtr.row(static_cast<Eigen::Index>(i)) = X.row(static_cast<Eigen::Index>(s.train[i]));
      ytr.push_back(y[s.train[i]]);
    }
    for (std::size_t i = 0; i < s.test.size(); ++i) {
      Xte.row(static_cast<Eigen::Index>(i)) = X.row(static_cast<Eigen::Index>(s.test[i]));
      yte.push_back(y[s.test[i]]);
    }
    if (!a.select_step.empty()) {
      const auto kept =
          cached_selection(a.digest + "|" + std::to_string(a.fold) + "|inner" + std::to_string(f) +
                               "|" + a.inner_cv + "|" + a.select_step,
                           Xtr, ytr, a.select_step);
      Xtr = take_columns(Xtr, kept);
      Xte = take_columns(Xte, kept);
    }
    for (std::size_t c = 0; c < a.candidates.size(); ++c) {
      auto model = make_model(a.candidates[c]);
      model->fit(Xtr, ytr);
      per_candidate[c].push_back(score(a.scoring[0], *model, Xte, yte));
    }
  }
  std::vector<double> means;
  for (const auto& v : per_candidate) means.push_back(xval::mean_of(v));
  return means;
}

Bytes fit_score_task(const mproc::TaskContext& context, std::span<const std::byte> argument) {
  const TaskArgs a = decode_args(argument);
  if (a.candidates.empty() || a.scoring.empty())
    throw Error(Errc::kInvalidArgument, "job: a task without a model or a scorer");
  const BlobView blob(context.shared(a.data_key));
  const auto [train, test] = blob.fold(a.fold);
  if (train.empty() || test.empty())
    throw Error(Errc::kInvalidArgument, "fold " + std::to_string(a.fold) + " has no " +
                                            (train.empty() ? "training" : "test") + " rows");
  Matrix Xtr, Xte;
  std::vector<double> ytr, yte;
  blob.gather(train, nullptr, Xtr, ytr);
  TaskOutcome o;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  std::vector<std::size_t> kept = all_columns(blob.cols());
  if (!a.select_step.empty()) {
    kept = cached_selection(a.digest + "|" + std::to_string(a.fold) + "|outer|" + a.select_step,
                            Xtr, ytr, a.select_step);
    Xtr = take_columns(Xtr, kept);
  }
  blob.gather(test, &kept, Xte, yte);
  std::size_t chosen = 0;
  if (a.candidates.size() > 1) {
    o.inner_means = inner_search(a, Xtr, ytr, blob.classification());
    for (std::size_t c = 1; c < o.inner_means.size(); ++c)
      if (!std::isnan(o.inner_means[c]) &&
          (std::isnan(o.inner_means[chosen]) || o.inner_means[c] > o.inner_means[chosen]))
        chosen = c;
  }
  o.chosen = static_cast<std::uint32_t>(chosen);
  auto model = make_model(a.candidates[chosen]);
  model->fit(Xtr, ytr);
  o.fit_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const auto t1 = Clock::now();
  for (const auto& s : a.scoring) o.scores.push_back(score(s, *model, Xte, yte));
  const Vector pred = model->predict(Xte);
  o.score_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  for (auto c : kept) o.selected.push_back(static_cast<std::uint32_t>(c));
  for (auto r : test) o.test_rows.push_back(static_cast<std::uint32_t>(r));
  o.predictions.assign(pred.data(), pred.data() + pred.size());
  return encode_outcome(o);
}

// In the same file as run_job(), which every program running jobs calls, so the linker keeps it.
FRESHET_TASK(kTaskName, fit_score_task);

// ---- loading datasets -----------------------------------------------------------------------

struct LoadedDataset {
  xval::Dataset data;
  DatasetResult info;
  xval::Folds folds;
  std::string digest;
  Bytes blob;
};

std::string features_cache_path(const std::string& out, const std::string& digest) {
  // Named by digest only: datasets that differ only in their selection share one extraction.
  return (fs::path(out) / "cache" / ("features-" + digest + ".csv")).string();
}

LoadedDataset load_dataset(const JobSpec& spec, std::size_t index, const std::string& out,
                           const RunOptions& options, mproc::Executor& executor) {
  const JobDataset& d = spec.datasets[index];
  const std::string p = "/datasets/" + std::to_string(index);
  LoadedDataset L;
  L.digest = dataset_digest(d);
  const ParallelFor loop = [&executor](std::size_t n,
                                       const std::function<void(std::size_t)>& body) {
    executor.parallel_for(n, body);
  };
  Table table;
  if (!d.series.empty()) {
    const SeriesInput in = read_series_input(d, p, executor);
    const std::string cache = features_cache_path(out, L.digest);
    std::error_code ec;
    if (fs::is_regular_file(cache, ec)) {
      ReadCsvOptions ro;
      ro.parallel_for = loop;
      ro.types = {{d.id_column, ColumnType::kString}};
      ro.other_columns = ColumnType::kFloat64;
      table = read_csv(cache, ro);
    } else {
      if (options.progress) {
        Progress pr;
        pr.stage = "extract " + d.id;
        options.progress(pr);
      }
      const fresh::Settings settings =
          !d.features_settings.empty()       ? fresh::settings_from_json_file(d.features_settings)
          : !d.features_from_columns.empty() ? [&] {
              const std::vector<std::string> ignore = {d.id_column};
              return fresh::settings_from_columns_file(d.features_from_columns, ignore);
            }()
                                             : fresh::preset_settings(d.features_preset);
      fresh::ExtractResult r = fresh::extract_features(in.series, settings, executor);
      if (options.warn && !r.warnings.empty())
        options.warn(p + ": " + std::to_string(r.warnings.size()) +
                     " extraction warnings, first: " + r.warnings.front());
      table = std::move(r.features);
      if (d.impute) fresh::impute_features(table, table.column(0).name());
      // The id column as text, so that the cached file reads back to the same table.
      Column ids = table.column(0);
      std::vector<std::string> text;
      for (std::size_t i = 0; i < ids.size(); ++i) text.push_back(ids.as_string(i));
      Table cached;
      cached.add_column(Column(d.id_column, std::move(text)));
      for (std::size_t c = 1; c < table.num_columns(); ++c) cached.add_column(table.column(c));
      table = std::move(cached);
      fs::create_directories(fs::path(cache).parent_path());
      write_csv(table, cache, {.parallel_for = loop});
    }
    for (std::size_t i = 0; i < table.num_rows(); ++i)
      L.info.row_ids.push_back(table.column(0).as_string(i));
    table.drop_column(table.column(0).name());
    Column target = in.target;
    target.set_name(d.target);
    if (table.has_column(d.target))
      throw Error(Errc::kInvalidArgument,
                  p + "/target: a feature is named '" + d.target + "'; name the target otherwise");
    table.add_column(std::move(target));
  } else {
    table = read_table_input(d, p, executor);
    if (table.has_column(d.id_column)) {
      for (std::size_t i = 0; i < table.num_rows(); ++i)
        L.info.row_ids.push_back(table.column(d.id_column).as_string(i));
    } else {
      for (std::size_t i = 0; i < table.num_rows(); ++i)
        L.info.row_ids.push_back(std::to_string(i));
    }
  }
  L.data = table_dataset(table, d, p);
  const bool classification = spec.pipelines.front().classifier;
  const auto splitter = xval::make_splitter(spec.cv);
  std::vector<std::string> warnings;
  try {
    L.folds = splitter->split(L.data.split_data(&warnings));
  } catch (const Error& e) {
    throw Error(e.code(), "/cv: " + std::string(e.what()) + " (dataset '" + d.id + "', " +
                              std::to_string(L.data.num_rows()) + " rows)");
  }
  if (options.warn)
    for (const auto& w : warnings) options.warn("/cv: dataset '" + d.id + "': " + w);
  L.info.id = d.id;
  L.info.rows = L.data.num_rows();
  L.info.feature_names = L.data.feature_names;
  L.info.class_names = L.data.class_names;
  L.info.y = L.data.y;
  L.info.n_folds = L.folds.size();
  L.info.classification = classification;
  L.blob = serialize_blob(L.data, L.folds, classification);
  return L;
}

std::string task_key(const JobSpec& spec, const LoadedDataset& L, const JobDataset& d,
                     const std::vector<std::string>& candidates, std::size_t fold) {
  ContentHash h;
  h.field("job-task-v1").field(freshet_version()).field(L.digest).field(d.select_step);
  h.field(std::to_string(candidates.size()));
  for (const auto& c : candidates) h.field(c);
  h.field(spec.cv).field(std::to_string(fold)).field(spec.inner_cv);
  h.field(std::to_string(spec.scoring.size()));
  for (const auto& s : spec.scoring) h.field(s);
  h.field(std::to_string(spec.seed));
  return h.hex();
}

struct PlannedTask {
  std::size_t d, p, c, f;
  std::string key;
  Bytes args;
};

// Writable output folder, checked before any work.
void prepare_out(const std::string& out) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw Error(Errc::kIo, out + ": cannot create the output folder: " + ec.message());
  const std::string probe = (fs::path(out) / ".write-test").string();
  write_file_atomic(probe, "");
  fs::remove(probe, ec);
}

}  // namespace

RunResult run_job(const JobSpec& spec, const RunOptions& options, mproc::Executor& executor) {
  register_fresh_select();
  RunResult result;
  result.out = options.out.empty() ? spec.out : options.out;
  const std::string& out = result.out;
  prepare_out(out);
  Journal journal((fs::path(out) / "journal.fjr").string(), options.warn);

  std::vector<LoadedDataset> loaded;
  for (std::size_t i = 0; i < spec.datasets.size(); ++i)
    loaded.push_back(load_dataset(spec, i, out, options, executor));

  // Plan every task, in (dataset, pipeline, candidate, fold) order.
  const bool nested = !spec.inner_cv.empty();
  std::vector<PlannedTask> plan;
  for (std::size_t d = 0; d < loaded.size(); ++d) {
    const std::string data_key = "job.data." + std::to_string(d);
    for (std::size_t p = 0; p < spec.pipelines.size(); ++p) {
      const JobPipeline& pl = spec.pipelines[p];
      std::vector<std::vector<std::string>> groups;
      if (nested) {
        groups.emplace_back();
        for (const auto& c : pl.candidates) groups.back().push_back(xval::with_params(pl.spec, c));
      } else {
        for (const auto& c : pl.candidates) groups.push_back({xval::with_params(pl.spec, c)});
      }
      for (std::size_t c = 0; c < groups.size(); ++c)
        for (std::size_t f = 0; f < loaded[d].folds.size(); ++f) {
          TaskArgs a{data_key,  loaded[d].digest, f,           spec.datasets[d].select_step,
                     groups[c], spec.inner_cv,    spec.scoring};
          plan.push_back({d, p, c, f, task_key(spec, loaded[d], spec.datasets[d], groups[c], f),
                          encode_args(a)});
        }
    }
  }
  result.tasks = plan.size();

  // Results, filled from the journal, then from batches of pending tasks.
  JobResults results;
  results.spec = &spec;
  results.nested = nested;
  results.outcomes.resize(loaded.size());
  for (std::size_t d = 0; d < loaded.size(); ++d) {
    results.datasets.push_back(loaded[d].info);
    results.outcomes[d].resize(spec.pipelines.size());
    for (std::size_t p = 0; p < spec.pipelines.size(); ++p)
      results.outcomes[d][p].assign(nested ? 1 : spec.pipelines[p].candidates.size(),
                                    std::vector<TaskOutcome>(loaded[d].folds.size()));
  }
  std::vector<std::size_t> pending;
  for (std::size_t t = 0; t < plan.size(); ++t) {
    const PlannedTask& pt = plan[t];
    if (const Bytes* b = journal.find(pt.key)) {
      try {
        TaskOutcome o = decode_outcome(*b);
        o.reused = true;
        results.outcomes[pt.d][pt.p][pt.c][pt.f] = std::move(o);
        ++result.reused;
        continue;
      } catch (const Error&) {
        // An undecodable record (another format): run the task again.
      }
    }
    pending.push_back(t);
  }

  // Progress: best mean of the first scorer over candidates whose folds are all done.
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  Progress progress;
  progress.total = plan.size();
  progress.reused = result.reused;
  progress.done = result.reused;
  progress.best = NAN;
  progress.stage = "tasks";
  std::vector<std::size_t> folds_done;  // per (d, p, c) flattened
  std::vector<std::size_t> group_base(loaded.size() * spec.pipelines.size() + 1, 0);
  {
    std::size_t n = 0;
    for (std::size_t d = 0; d < loaded.size(); ++d)
      for (std::size_t p = 0; p < spec.pipelines.size(); ++p) {
        group_base[d * spec.pipelines.size() + p] = n;
        n += results.outcomes[d][p].size();
      }
    folds_done.assign(n, 0);
  }
  const auto mark_done = [&](const PlannedTask& pt) {
    const std::size_t g = group_base[pt.d * spec.pipelines.size() + pt.p] + pt.c;
    if (++folds_done[g] == loaded[pt.d].folds.size()) {
      const double m = results.mean(pt.d, pt.p, pt.c, 0);
      if (!std::isnan(m) && (std::isnan(progress.best) || m > progress.best)) {
        progress.best = m;
        progress.best_what = spec.datasets[pt.d].id + "/" + spec.pipelines[pt.p].id +
                             (nested ? "" : "#" + std::to_string(pt.c));
      }
    }
  };
  for (const auto& pt : plan)
    if (results.outcomes[pt.d][pt.p][pt.c][pt.f].reused) mark_done(pt);
  if (options.progress) options.progress(progress);

  if (!pending.empty()) {
    // Share each dataset once (only those with pending work).
    std::vector<char> shared(loaded.size(), 0);
    for (auto t : pending) shared[plan[t].d] = 1;
    for (std::size_t d = 0; d < loaded.size(); ++d)
      if (shared[d]) executor.share("job.data." + std::to_string(d), loaded[d].blob);
    struct Unshare {
      mproc::Executor& e;
      std::vector<char>& s;
      ~Unshare() {
        for (std::size_t d = 0; d < s.size(); ++d)
          if (s[d]) try {
              e.unshare("job.data." + std::to_string(d));
            } catch (...) {
            }
      }
    } unshare{executor, shared};

    const std::size_t workers = static_cast<std::size_t>(std::max(1, executor.workers()));
    std::size_t batch = options.batch_tasks ? options.batch_tasks : 2 * workers;
    for (std::size_t at = 0; at < pending.size();) {
      const std::size_t n = std::min(batch, pending.size() - at);
      std::vector<Bytes> args;
      for (std::size_t i = 0; i < n; ++i) args.push_back(plan[pending[at + i]].args);
      const auto t0 = Clock::now();
      std::vector<Bytes> outs;
      try {
        outs = executor.map(kTaskName, args);
      } catch (const Error& e) {
        // Name the task in job terms: the executor names the batch index.
        std::string what = e.what();
        std::size_t index = 0;
        const auto hash = what.find('#');
        if (hash != std::string::npos) index = std::strtoul(what.c_str() + hash + 1, nullptr, 10);
        const PlannedTask& pt = plan[pending[at + std::min(index, n - 1)]];
        throw Error(e.code(), "dataset '" + spec.datasets[pt.d].id + "', pipeline '" +
                                  spec.pipelines[pt.p].id + "', candidate " + std::to_string(pt.c) +
                                  ", fold " + std::to_string(pt.f) + ": " + what);
      }
      const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
      std::vector<std::pair<std::string, Bytes>> records;
      for (std::size_t i = 0; i < n; ++i) {
        const PlannedTask& pt = plan[pending[at + i]];
        results.outcomes[pt.d][pt.p][pt.c][pt.f] = decode_outcome(outs[i]);
        records.emplace_back(pt.key, std::move(outs[i]));
      }
      journal.append(records);
      for (std::size_t i = 0; i < n; ++i) mark_done(plan[pending[at + i]]);
      at += n;
      result.ran += n;
      progress.done += n;
      progress.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      if (options.progress) options.progress(progress);
      // Adapt: about one second of work per batch (journal writes stay cheap), at least two
      // tasks per worker so that all of them are busy.
      if (!options.batch_tasks && secs > 0) {
        const double per_task = secs / static_cast<double>(n);
        const double target = std::max(2.0 * static_cast<double>(workers),
                                       std::min(1.0 / per_task * static_cast<double>(workers),
                                                64.0 * static_cast<double>(workers)));
        batch = static_cast<std::size_t>(target);
      }
    }
  }

  write_outputs(results, out, options.write_report);
  std::vector<std::string> keys;
  for (const auto& pt : plan) keys.push_back(pt.key);
  journal.compact(keys);
  return result;
}

}  // namespace freshet::job
