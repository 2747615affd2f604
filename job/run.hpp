#pragma once
// Running a job (job.hpp) on an executor, resumably.
//
//   JobSpec spec = load_job("bench.json");
//   RunResult r = run_job(spec, {.out = "runs/bench"}, executor);
//
// Plan: per dataset, features are extracted once (fresh, on the executor; cached in
// OUT/cache/features-<digest>.csv, so a resumed run, or a dataset that differs only in its
// selection, does not extract again), imputed, and the
// feature matrix, target and outer folds are serialized once and published with
// Executor::share -- tasks read rows from that blob, nothing is copied per task. Every
// (dataset, pipeline, candidate, outer fold) is one "job.fit_score" task; with inner_cv, every
// (dataset, pipeline, outer fold) is one task that searches the candidates on inner folds of the
// outer training rows only, refits the winner on them and scores it on the outer test fold.
// Selection (the dataset's fresh_select step) is fitted on each training set (outer, and inner
// for nested search), never on test rows.
//
// Resume: each task has a key, a hash of everything its result depends on (dataset digest,
// selection, pipeline spec and parameters, splitter, fold, inner splitter, scorers, seed, freshet
// version). Finished tasks are appended to OUT/journal.fjr (checksummed, fsync'd; see
// journal.hpp) in batches as they complete; a later run with the same outputs folder skips every
// task whose key is journaled. Editing one pipeline changes only its tasks' keys.
//
// Outputs (each written atomically, after all tasks finished; deterministic bytes for any
// backend, worker count and history of interruptions, except timings.csv):
//   results.csv            dataset,pipeline,candidate,params,fold,metric,value
//   candidates.csv         per searched candidate: mean, std, rank within its search
//   summary.csv            per dataset and pipeline: best candidate, mean, std, rank
//   inner_results.csv      nested search: each candidate's inner mean score per outer fold
//   selected_features.csv  dataset,pipeline,fold,feature (the features each fold's model saw)
//   predictions.csv        out-of-fold predictions of each pipeline's best candidate
//   timings.csv            fit and score seconds per task (not deterministic)
//   job.resolved.json      the job with defaults filled in and the freshet version
//   report.html            job/report.hpp
//
// Errors: data errors name the dataset's JSON pointer and the file/line; an unwritable output
// folder is Error(kIo) before any work; a failing task is Error(kWorkerFailed) naming dataset,
// pipeline, candidate and fold. Nothing half-written: outputs are only renamed into place.
// Thread-safety: one run per executor at a time.

#include <cstddef>
#include <functional>
#include <limits>
#include <string>

#include "job/job.hpp"
#include "mproc/executor.hpp"

namespace freshet::job {

struct Progress {
  std::size_t done = 0;  // tasks finished (reused ones included)
  std::size_t total = 0;
  std::size_t reused = 0;  // taken from the journal
  double seconds = 0;      // since tasks started
  // Best mean of the first scorer over candidates whose folds are all done (NaN: none yet).
  double best = std::numeric_limits<double>::quiet_NaN();
  std::string best_what;  // "dataset/pipeline#candidate"
  std::string stage;      // "extract <dataset>", "tasks"
};

struct RunOptions {
  std::string out = "";  // "" = the job's out
  std::function<void(const Progress&)> progress = {};
  std::function<void(const std::string&)> warn = {};
  // Tasks per map() call between journal writes; 0 = adaptive (about a second of work, at least
  // 2 per worker).
  std::size_t batch_tasks = 0;
  bool write_report = true;
};

struct RunResult {
  std::string out;
  std::size_t tasks = 0;
  std::size_t reused = 0;
  std::size_t ran = 0;
};

RunResult run_job(const JobSpec& spec, const RunOptions& options, mproc::Executor& executor);

}  // namespace freshet::job
