// freshet: time-series features (FRESH), feature selection, cross-validation and search.
// The one place that catches everything: one line on stderr, exit 2 for usage errors, 1 otherwise.

#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"
#include "mproc/mpi_executor.hpp"
#include "mproc/supervisor.hpp"

namespace freshet::cli {

namespace {
Registry<CommandInfo>& registry() {
  static Registry<CommandInfo> instance("command");
  return instance;
}
}  // namespace

void register_command(CommandInfo info) { registry().add(std::move(info)); }

std::vector<CommandInfo> commands() {
  std::vector<CommandInfo> out;
  for (const CommandInfo* info : registry().sorted()) out.push_back(*info);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  return out;
}

void warn(const Common& common, const std::string& message) {
  if (!common.quiet) std::cerr << "freshet: warning: " << escape_control(message) << "\n";
}

namespace {

void add_common_options(CLI::App& app, Common& common) {
  app.add_option("--workers", common.executor.workers,
                 "parallel workers: -1 = threads on all cores (default), 0 = serial, N = N "
                 "threads, or N worker processes with --port")
      ->type_name("N");
  // Without --port the executor runs threads; --port 0 would silently mean the same, so a given
  // --port must name a real port.
  app.add_option("--port", common.executor.port,
                 "with --workers N: fork N worker processes on this machine (shared memory) and "
                 "answer 'freshet status' on ADDRESS:PORT (1-65535)")
      ->type_name("PORT")
      ->check(int_range(1, 65535));
  app.add_option("--address", common.executor.address, "address of the control endpoint")
      ->type_name("ADDR")
      ->capture_default_str();
  app.add_option("--key-file", common.executor.key_file,
                 "with --port: remote workers (freshet worker --connect) that prove this key may "
                 "join; status requests must prove it too (mode 0600; freshet keygen)")
      ->type_name("FILE");
  app.add_option("--wait-workers", common.executor.wait_workers,
                 "with --port and --key-file: start once N remote workers joined (local "
                 "--workers may then be 0)")
      ->type_name("N")
      ->check(int_range(0, 256));
  app.add_option("--wait-timeout", common.executor.wait_timeout_seconds,
                 "seconds to wait for --wait-workers (and for any worker when none is left)")
      ->type_name("S")
      ->capture_default_str()
      ->check(real_range(0.0, 86400.0));
  app.add_option("--plugin", common.executor.plugins,
                 "plug-in shared library to load on every worker (repeatable)")
      ->type_name("LIB.so");
  app.add_flag("--mpi", common.executor.mpi,
               "run the tasks on MPI ranks (automatic under mpirun/srun; see docs/cluster.md); "
               "--workers N is then the threads per rank");
  app.add_flag("-q,--quiet", common.quiet, "no progress or warnings on stderr");
}

int run(int argc, char** argv) {
  CLI::App app{
      "freshet: time-series features (FRESH), feature selection, cross-validation and "
      "hyper-parameter search, on threads, forked worker processes, remote workers or MPI ranks",
      "freshet"};
  app.set_version_flag("--version", std::string("freshet ") + FRESHET_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  Common common;
  const auto sorted = commands();
  std::function<int()> runner;
  std::vector<std::pair<CLI::App*, std::function<int()>>> runners;
  // When the first argument names a subcommand, only that one gets its options: CLI11 builds
  // every option eagerly, and setting up all subcommands was half of freshet's start-up time (a
  // millisecond, which is most of a small search). The others are still listed for --help.
  const std::string first = argc > 1 ? argv[1] : "";
  const bool named = std::any_of(sorted.begin(), sorted.end(),
                                 [&](const CommandInfo& info) { return info.name == first; });
  for (const auto& info : sorted) {
    CLI::App* sub = app.add_subcommand(info.name, info.description);
    if (named && info.name != first) continue;
    add_common_options(*sub, common);
    runners.emplace_back(sub, info.setup(*sub, common));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    std::cerr << "freshet: error: " << escape_control(what) << " (see 'freshet --help')\n";
    return 2;
  }
  // Under mpirun/srun (or --mpi) every command's executor is the MPI ranks (main's session).
  common.executor.mpi = common.executor.mpi || mproc::mpi_session_active();
  for (auto& [sub, fn] : runners)
    if (sub->parsed()) return fn();
  return 2;
}

}  // namespace
}  // namespace freshet::cli

namespace {

// One line on stderr, safe for the terminal (control characters from input cells escaped).
void print_error(std::string what) {
  std::replace(what.begin(), what.end(), '\n', ' ');
  const std::string line = "freshet: error: " + freshet::escape_control(what) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

// Every byte written to stdout (by std::cout or stdio) reached it: flush and check, so a full disk
// or a closed pipe is an error, not a truncated output with exit status 0.
bool stdout_ok() {
  // errno is not cleared: a write that failed earlier (and set stdout's error flag) left its
  // reason there, and later successful calls do not reset it.
  std::cout.flush();
  const int flushed = std::fflush(stdout);
  const int err = errno;
  const bool ok = !std::cout.fail() && flushed == 0 && !std::ferror(stdout);
  if (!ok) print_error(std::string("stdout: write failed: ") + std::strerror(err ? err : EIO));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  // First of all: a process the process backend started to replace a killed supervisor becomes
  // that supervisor here and never returns (mproc/supervisor.hpp).
  freshet::mproc::supervisor_entry_point();
  // Keep freed memory in the process instead of handing blocks over 128 KiB back to the kernel
  // and taking them again: glibc's default mmap/trim policy made model fits and feature chunks
  // that allocate a few hundred KiB per call spend a quarter of their time in page faults.
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  // Exit status: 0 success; 2 the command line is wrong (Errc::kUsage: an unknown command, flag,
  // model, splitter, scorer, step or parameter, a value out of range, flags that conflict), found
  // before any input is read; 1 everything else (unreadable or malformed inputs, missing or
  // duplicate columns and ids, failed writes, failed workers). README "Exit status" says the same.
  // MPI before anything else (mproc/mpi_executor.hpp): under mpirun/srun, or with --mpi, every
  // rank starts MPI here; ranks > 0 then serve tasks for rank 0 and never parse the command line,
  // so only rank 0 reads inputs and writes outputs.
  std::optional<freshet::mproc::MpiSession> mpi;
  try {
    mpi.emplace(std::any_of(argv + 1, argv + argc,
                            [](const char* a) { return std::strcmp(a, "--mpi") == 0; }));
  } catch (const freshet::Error& e) {
    if (freshet::mproc::mpi_launcher_rank() <= 0) print_error(e.what());  // one line, not N
    return e.code() == freshet::Errc::kUsage ? 2 : 1;
  }
  if (mpi->worker()) return mpi->serve();
  int status = 1;
  try {
    status = freshet::cli::run(argc, argv);
  } catch (const freshet::Error& e) {
    print_error(e.what());
    status = e.code() == freshet::Errc::kUsage ? 2 : 1;
  } catch (const std::bad_alloc&) {
    print_error("out of memory");
    status = 1;
  } catch (const std::exception& e) {
    print_error(e.what());
    status = 1;
  }
  if (!stdout_ok() && status == 0) status = 1;
  return status;
}
