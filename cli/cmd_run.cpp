// `freshet run JOB.json [--check] [--out DIR]`: a batch model-evaluation job (job/job.hpp):
// datasets x pipelines x parameter candidates x folds, resumable, with a report. --check validates
// the job (every problem by JSON pointer) without running it.
//
// Also makes the fresh_select pipeline step (job/fresh_select.hpp) known to every subcommand, so
// `freshet xval/search --model fresh_select:fdr=0.05>random_forest_classifier` work.

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "job/fresh_select.hpp"
#include "job/job.hpp"
#include "job/run.hpp"

namespace freshet::cli {
namespace {

// Registered before main() runs, hence before the process backend forks its workers.
const bool kFreshSelectRegistered = [] {
  job::register_fresh_select();
  return true;
}();

struct RunArgs {
  std::string job;
  std::string out;
  bool check = false;
  bool restart = false;
  std::size_t batch = 0;
};

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%llds", s);
  return buf;
}

// A one-line progress bar on a terminal: done/total, rate, ETA, best mean so far.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { finish(); }
  void update(const job::Progress& p) {
    if (!enabled_) return;
    std::string line;
    if (p.stage != "tasks") {
      line = p.stage + " ...";
    } else {
      const std::size_t width = 28;
      const std::size_t filled = p.total ? p.done * width / p.total : width;
      line = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] " +
             std::to_string(p.done) + "/" + std::to_string(p.total) + " tasks";
      const std::size_t ran = p.done - p.reused;
      if (p.reused) line += " (" + std::to_string(p.reused) + " from journal)";
      if (ran > 0 && p.seconds > 0) {
        const double rate = static_cast<double>(ran) / p.seconds;
        char buf[64];
        std::snprintf(buf, sizeof buf, "  %.1f/s  ETA %s", rate,
                      duration(static_cast<double>(p.total - p.done) / rate).c_str());
        line += buf;
      }
      if (!std::isnan(p.best)) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "  best %.4f", p.best);
        line += buf + (" (" + p.best_what + ")");
      }
    }
    if (line.size() > 150) line.resize(150);
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    std::fflush(stderr);
    shown_ = true;
  }
  void finish() {
    if (shown_) std::fputc('\n', stderr);
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
};

std::function<int()> setup_run(CLI::App& app, const Common& common) {
  auto a = std::make_shared<RunArgs>();
  app.add_option("JOB", a->job, "job file (JSON; see docs/jobs.md)")
      ->required()
      ->type_name("JOB.json");
  app.add_flag("--check", a->check,
               "validate the job (schema, registries, data files, folds) without running it");
  app.add_option("--out", a->out, "output folder (default: the job's \"out\", else JOB.out)")
      ->type_name("DIR");
  app.add_flag("--restart", a->restart,
               "ignore the journal of an earlier run in the output folder (run every task)");
  app.add_option("--batch", a->batch,
                 "tasks per executor call between journal writes (default: adaptive, about a "
                 "second of work)")
      ->type_name("N");
  return [a, &common]() -> int {
    if (a->check) {
      std::vector<job::JobIssue> issues;
      const job::JobSpec spec = job::parse_job(a->job, issues);
      for (const auto& i : issues)
        std::cerr << "freshet: error: " << a->job << ": " << i.line() << "\n";
      if (!issues.empty()) return 1;
      std::size_t tasks = 0;
      for (const auto& p : spec.pipelines) tasks += spec.inner_cv.empty() ? p.candidates.size() : 1;
      std::cout << a->job << ": ok: " << spec.datasets.size() << " dataset(s) x "
                << spec.pipelines.size() << " pipeline(s), " << tasks
                << " task(s) per dataset and outer fold\n";
      return 0;
    }
    const job::JobSpec spec = job::load_job(a->job);
    job::RunOptions options;
    options.out = a->out;
    options.batch_tasks = a->batch;
    if (a->restart) {
      const std::string out = a->out.empty() ? spec.out : a->out;
      std::remove((out + "/journal.fjr").c_str());
    }
    ProgressBar bar(!common.quiet && ::isatty(STDERR_FILENO));
    options.progress = [&bar](const job::Progress& p) { bar.update(p); };
    options.warn = [&common, &bar](const std::string& w) {
      bar.finish();
      warn(common, w);
    };
    auto executor = common.make_executor();
    const job::RunResult r = [&] {
      try {
        return job::run_job(spec, options, *executor);
      } catch (const Error& e) {
        // Everything a run reads comes from the job file and its data files: a bad value there
        // is bad input (exit 1), not a malformed command line (exit 2).
        if (e.code() == Errc::kInvalidArgument) throw Error(Errc::kParse, e.what());
        throw;
      }
    }();
    bar.finish();
    if (!common.quiet)
      std::cout << r.tasks << " tasks (" << r.ran << " run, " << r.reused
                << " from the journal); outputs in " << r.out << "/ (report.html)\n";
    return 0;
  };
}

FRESHET_COMMAND("run", "run a batch model-evaluation job: datasets x pipelines x grids x folds",
                setup_run, 44);

}  // namespace
}  // namespace freshet::cli
