// `freshet stream --window W --features SETTINGS [SERIES]`: features of every completed window of
// a stream of rows, in bounded memory (fresh/stream.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "fresh/stream.hpp"

namespace freshet::cli {
namespace {

struct StreamArgs {
  std::string input = "-";
  std::string out;
  std::string features;
  std::string kinds;
  fresh::StreamOptions options;
  bool follow = false;
};

constexpr std::size_t kMaxWarningsShown = 5;
constexpr auto kFollowPoll = std::chrono::milliseconds(200);

// Set by SIGINT / SIGTERM while --follow waits for the file to grow: the stream then ends as at
// the end of the input (open rows written, summary, exit 0). The handler resets itself, so a
// second signal ends the process at once.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) { g_interrupted = 1; }

void catch_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}
constexpr std::size_t kReadBytes = std::size_t{1} << 20;

fresh::Settings load_settings(const std::string& features) {
  if (features == "minimal" || features == "efficient" || features == "comprehensive" ||
      features == "catch22" || features == "catch24")
    return fresh::preset_settings(features);
  if (::access(features.c_str(), F_OK) != 0)
    throw Error(Errc::kUsage, "--features '" + features +
                                  "': neither a preset (minimal, efficient, comprehensive, "
                                  "catch22, catch24) nor a settings file");
  return fresh::settings_from_json_file(features);
}

std::function<int()> setup_stream(CLI::App& app, const Common& common) {
  auto a = std::make_shared<StreamArgs>();
  app.footer(
      "Reads long (id,[time],[kind],value) or wide (id,[time],kind1,kind2,...) CSV rows from "
      "SERIES or standard input as they arrive, and writes one feature row per completed window "
      "per id. A window completes after the n-th point of an (id, kind) series when n >= W and "
      "n - W is a multiple of --step S; it holds the series' last W points and its row id is "
      "\"(id, time of its last point)\" (the point's position without a time column). With S = 1 "
      "the output equals 'extract --roll max_timeshift=W-1,min_timeshift=W-1' on the same rows "
      "(for input ordered by id). Rows of one series must arrive in time order; the windows of "
      "every kind of an id at the same position make one row. Memory is bounded by ids x kinds x "
      "W, never by the stream's length.");
  app.add_option("SERIES", a->input, "CSV file to read; '-' or none: standard input")
      ->type_name("SERIES.csv");
  app.add_option("--out,-o", a->out, "features CSV to write ('-' or none: stdout), row by row")
      ->type_name("FEATURES.csv");
  app.add_option("--window,-w", a->options.window, "W: points per window")
      ->required()
      ->check(int_range(1, 1LL << 30));
  app.add_option("--step", a->options.step, "S: points between two windows of a series")
      ->capture_default_str()
      ->check(int_range(1, 1LL << 30));
  app.add_option("--features", a->features,
                 "minimal | efficient | comprehensive | catch22 | catch24 | FILE.json")
      ->required();
  app.add_option("--kinds", a->kinds,
                 "with a kind column: every kind the stream holds (the output's columns)")
      ->type_name("K1,K2");
  app.add_option("--id-column,--column-id", a->options.columns.column_id,
                 "id column (default: id)");
  app.add_option("--sort-column,--column-sort", a->options.columns.column_sort,
                 "sort column (default: time if present; numbers or ISO-8601 time stamps)");
  app.add_option("--kind-column,--column-kind", a->options.columns.column_kind,
                 "kind column (default: kind if present)");
  app.add_option("--value-column,--column-value", a->options.columns.column_value,
                 "value column (default: value if present; without kind and value columns the "
                 "input is wide)");
  app.add_option("--max-ids", a->options.max_ids,
                 "refuse more distinct ids than this (each keeps its last window in memory)")
      ->capture_default_str()
      ->check(int_range(1, 1LL << 40));
  app.add_flag("--incremental", a->options.incremental,
               "slide the calculators that have an exact or numerically safe update (counts, "
               "extremes, quantiles, sums, moments, changes, autocorrelation, c3, "
               "fft_coefficient: docs/streaming.md lists them) instead of recomputing them per "
               "window; values within 1e-9 relative (plus a rounding term for values that "
               "cancel to ~0)");
  app.add_flag("--follow,-f", a->follow,
               "SERIES is a file that grows: at its end write the rows so far and wait for more "
               "(as tail -f) until SIGINT or SIGTERM, which end the stream as the end of the "
               "input would (an unterminated last line, perhaps half written, is dropped)");
  return [a, &common] {
    if (a->follow && a->input == "-")
      throw Error(Errc::kUsage, "--follow needs a SERIES file (standard input ends by itself)");
    a->options.kinds = split_commas(a->kinds);
    const fresh::Settings settings = usage_check([&] { return load_settings(a->features); });
    auto executor = common.make_executor();  // before anything starts a thread

    const bool from_stdin = a->input == "-";
    const int fd = from_stdin ? STDIN_FILENO : ::open(a->input.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      throw Error(Errc::kIo, a->input + ": cannot open: " + std::string(std::strerror(errno)));
    struct Closer {
      int fd;
      bool own;
      ~Closer() {
        if (own) ::close(fd);
      }
    } closer{fd, !from_stdin};

    std::FILE* out = stdout;
    const bool to_stdout = a->out.empty() || a->out == "-";
    if (!to_stdout) {
      if (a->out == a->input) throw Error(Errc::kUsage, "--out would replace the input");
      out = std::fopen(a->out.c_str(), "wb");
      if (!out)
        throw Error(Errc::kIo, a->out + ": cannot open: " + std::string(std::strerror(errno)));
    }
    struct FileCloser {
      std::FILE* f;
      bool own;
      ~FileCloser() {
        if (own) std::fclose(f);
      }
    } out_closer{out, !to_stdout};
    const std::string out_name = to_stdout ? std::string("stdout") : a->out;
    auto sink = [out, &out_name](std::string_view text) {
      if (std::fwrite(text.data(), 1, text.size(), out) != text.size() || std::fflush(out) != 0)
        throw Error(Errc::kIo, out_name + ": cannot write: " + std::string(std::strerror(errno)));
    };
    std::size_t warnings = 0;
    auto warn_line = [&](const std::string& message) {
      if (++warnings <= kMaxWarningsShown) warn(common, message);
    };

    fresh::StreamExtractor stream(a->options, settings, *executor,
                                  from_stdin ? std::string("stdin") : a->input, sink, warn_line);
    if (a->follow) catch_interrupts();
    std::vector<char> buffer(kReadBytes);
    // With --follow, the text after the last newline read: the writer may be halfway through
    // that line, so it is fed only once its newline arrives (or at the end without --follow).
    std::string partial;
    // A bad line ends the run, but the rows of the windows completed before it are written
    // first (up to batch_windows of them may be waiting): a long stream's output is not cut
    // back to the last flush by one corrupt line.
    const auto or_flush = [&](const auto& step) {
      try {
        step();
      } catch (...) {
        try {
          stream.flush();
        } catch (...) {
          // The feed's error is the one to report (a failing write says so on the next call).
        }
        throw;
      }
    };
    const auto feed = [&](std::string_view text) { or_flush([&] { stream.feed(text); }); };
    while (true) {
      if (a->follow && g_interrupted) break;
      const ssize_t got = ::read(fd, buffer.data(), buffer.size());
      if (got < 0) {
        if (errno == EINTR) continue;
        throw Error(Errc::kIo, (from_stdin ? std::string("stdin") : a->input) +
                                   ": cannot read: " + std::string(std::strerror(errno)));
      }
      if (got == 0) {
        if (!a->follow) break;
        stream.flush();  // rows so far go out before we wait
        std::this_thread::sleep_for(kFollowPoll);
        continue;
      }
      std::string_view text(buffer.data(), static_cast<std::size_t>(got));
      if (a->follow) {
        const std::size_t end = text.rfind('\n');
        if (end == std::string_view::npos) {
          partial.append(text);
          // A line longer than the extractor accepts: let it say so (its line-length error).
          if (partial.size() > a->options.max_line_bytes) {
            feed(partial);
            partial.clear();
          }
          continue;
        }
        if (!partial.empty()) {
          feed(partial);
          partial.clear();
        }
        partial.assign(text.substr(end + 1));
        text = text.substr(0, end + 1);
      }
      feed(text);
      // A short read means the writer paused: write what is complete now (live output).
      if (static_cast<std::size_t>(got) < buffer.size()) stream.flush();
    }
    if (!partial.empty())
      warn(common, a->input + ": interrupted with an unterminated last line (" +
                       std::to_string(partial.size()) + " bytes), left out");
    or_flush([&] { stream.finish(); });  // its last line may be the bad one
    if (warnings > kMaxWarningsShown)
      warn(common, "... and " + std::to_string(warnings - kMaxWarningsShown) + " more warnings");
    if (!common.quiet)
      std::fprintf(stderr, "freshet: %llu lines, %llu windows, %llu rows\n",
                   static_cast<unsigned long long>(stream.lines()),
                   static_cast<unsigned long long>(stream.windows()),
                   static_cast<unsigned long long>(stream.rows()));
    return 0;
  };
}

FRESHET_COMMAND("stream",
                "features of every completed window of a stream of rows, in bounded memory",
                setup_stream, 12);

}  // namespace
}  // namespace freshet::cli
