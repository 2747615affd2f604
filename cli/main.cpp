// freshet: time-series features (FRESH), cross-validation and batch model evaluation.
// The one place that catches everything: one line on stderr, exit 2 for usage errors, 1 otherwise.

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

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
  if (!common.quiet) std::cerr << "freshet: warning: " << message << "\n";
}

namespace {

void add_common_options(CLI::App& app, Common& common) {
  app.add_option("--workers", common.executor.workers,
                 "parallel workers: -1 = threads on all cores (default), 0 = serial, N = N "
                 "threads, or N worker processes with --port")
      ->type_name("N");
  app.add_option("--port", common.executor.port,
                 "fork --workers processes and listen on ADDRESS:PORT for status and remote "
                 "workers")
      ->type_name("PORT");
  app.add_option("--address", common.executor.address, "address of the control endpoint")
      ->type_name("ADDR")
      ->capture_default_str();
  app.add_option("--plugin", common.executor.plugins,
                 "plug-in shared library to load on every worker (repeatable)")
      ->type_name("LIB.so");
  app.add_flag("-q,--quiet", common.quiet, "no progress or warnings on stderr");
}

int run(int argc, char** argv) {
  CLI::App app{
      "freshet: time-series features (FRESH), cross-validation and batch model "
      "evaluation, on threads, processes or a cluster",
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
    std::cerr << "freshet: error: " << what << " (see 'freshet --help')\n";
    return 2;
  }
  for (auto& [sub, fn] : runners)
    if (sub->parsed()) return fn();
  return 2;
}

}  // namespace
}  // namespace freshet::cli

int main(int argc, char** argv) {
  // Keep freed memory in the process instead of handing blocks over 128 KiB back to the kernel
  // and taking them again: glibc's default mmap/trim policy made model fits and feature chunks
  // that allocate a few hundred KiB per call spend a quarter of their time in page faults.
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  try {
    return freshet::cli::run(argc, argv);
  } catch (const freshet::Error& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    std::cerr << "freshet: error: " << what << "\n";
    const bool usage =
        e.code() == freshet::Errc::kUsage || e.code() == freshet::Errc::kInvalidArgument;
    return usage ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "freshet: error: " << e.what() << "\n";
    return 1;
  }
}
