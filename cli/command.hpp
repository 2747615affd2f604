#pragma once
// The freshet command line: one registry of subcommands (habit 12). Each cmd_*.cpp registers one
// subcommand with FRESHET_COMMAND; main.cpp builds the CLI11 app from the registry, adds the
// options every subcommand shares (executor, verbosity), and is the only place that catches.
//
// A subcommand parses flags into the same options structs the C++ API takes, calls the
// libraries and writes files; no logic lives here.

#include <CLI/CLI.hpp>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/parallel.hpp"
#include "mproc/executor.hpp"

namespace freshet::cli {

// Options shared by every subcommand.
struct Common {
  mproc::ExecutorOptions executor;
  bool quiet = false;

  // Builds the executor the flags ask for. Call it before anything starts a thread (the process
  // backend forks here).
  std::unique_ptr<mproc::Executor> make_executor() const { return mproc::make_executor(executor); }
};

// The executor's in-process loop, for the CSV reader and writer (ReadCsvOptions::parallel_for,
// WriteCsvOptions::parallel_for). The executor must outlive the returned loop.
inline ParallelFor executor_loop(mproc::Executor& executor) {
  return [&executor](std::size_t n, const std::function<void(std::size_t)>& body) {
    executor.parallel_for(n, body);
  };
}

// Adds the subcommand's options to `app` and returns what runs it (after parsing). The runner
// returns the exit status.
using CommandSetup = std::function<std::function<int()>(CLI::App& app, const Common& common)>;

struct CommandInfo {
  std::string name;
  std::string description;
  CommandSetup setup;
  int order = 100;  // position in --help
};

// Throws Error(kInvalidArgument) for a name registered twice.
void register_command(CommandInfo info);
// Every command, in --help order (by `order`, then name).
std::vector<CommandInfo> commands();

struct CommandRegistrar {
  explicit CommandRegistrar(CommandInfo info) { register_command(std::move(info)); }
};

// "a,b,,c" -> {"a", "b", "c"}: a comma-separated list flag, empty items dropped.
inline std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text) {
    if (c != ',') {
      item += c;
      continue;
    }
    if (!item.empty()) out.push_back(item);
    item.clear();
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

// Runs `check`, a check of the command line alone (names of models, splitters, scorers, steps and
// their parameters; flag combinations), before any input is read, and makes every Error it throws
// a usage error: the exit status is then 2 (see main.cpp and the README's "Exit status").
template <class Check>
decltype(auto) usage_check(Check&& check) {
  try {
    return check();
  } catch (const Error& e) {
    if (e.code() == Errc::kUsage) throw;
    throw Error(Errc::kUsage, e.what());
  }
}

// A CLI11 check that a real-valued flag is a number in [lo, hi] ((lo, hi] with lo_open) (NaN
// refused: CLI11's Range lets it through, every comparison with it being false), in plain
// numbers: "expected a number in [0, 1], found 2".
inline CLI::Validator real_range(double lo, double hi, bool lo_open = false) {
  const auto plain = [](double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  };
  const std::string range = (lo_open ? "(" : "[") + plain(lo) + ", " + plain(hi) + "]";
  const std::string expected = "a number in " + range;
  return CLI::Validator(
      [lo, hi, lo_open, expected](std::string& text) -> std::string {
        double v = 0;
        std::size_t used = 0;
        try {
          v = std::stod(text, &used);
        } catch (...) {
          used = 0;
        }
        if (used != text.size() || used == 0)
          return "expected " + expected + ", found '" + text + "'";
        if (!((lo_open ? v > lo : v >= lo) && v <= hi))
          return "expected " + expected + ", found " + text;
        return {};
      },
      "NUMBER in " + range);
}

// A CLI11 check that an integer flag is in [lo, hi], with a message in plain numbers (CLI11's
// PositiveNumber prints the largest double in full). hi = the largest long long: no upper bound,
// said as ">= lo".
inline CLI::Validator int_range(long long lo, long long hi) {
  const std::string expected =
      hi == std::numeric_limits<long long>::max()
          ? "a whole number >= " + std::to_string(lo)
          : "a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return CLI::Validator(
      [lo, hi, expected](std::string& text) -> std::string {
        long long v = 0;
        std::size_t used = 0;
        try {
          v = std::stoll(text, &used);
        } catch (...) {
          used = 0;
        }
        if (used != text.size() || used == 0)
          return "expected " + expected + ", found '" + text + "'";
        if (v < lo || v > hi) return "expected " + expected + ", found " + text;
        return {};
      },
      hi == std::numeric_limits<long long>::max()
          ? "INT >= " + std::to_string(lo)
          : "INT in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

// --format text|json for listings and `info`.
inline void add_format_option(CLI::App& app, std::string& format) {
  app.add_option("--format", format, "text (for people) or json (for programs)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
}

// Writes "freshet: warning: <message>" to stderr unless quiet.
void warn(const Common& common, const std::string& message);

}  // namespace freshet::cli

#define FRESHET_COMMAND_CONCAT2(a, b) a##b
#define FRESHET_COMMAND_CONCAT(a, b) FRESHET_COMMAND_CONCAT2(a, b)
#define FRESHET_COMMAND(...)                                            \
  static const ::freshet::cli::CommandRegistrar FRESHET_COMMAND_CONCAT( \
      freshet_command_, __LINE__)(::freshet::cli::CommandInfo{__VA_ARGS__})
