// `freshet extract --roll` and `freshet stream`: tsfresh's rolled extraction end to end: the window
// ids as pandas writes them, the same bytes on serial, threads and worker processes, one-line
// errors; and the memory large outputs take (to a pipe, a large table's text).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/csv.hpp"
#include "core/format.hpp"
#include "fresh/roll.hpp"
#include "mproc/executor.hpp"
#include "run_command.hpp"
#include "tests/free_port.hpp"

using namespace freshet;
using namespace freshet::testing;

namespace {

const std::string kSubset = shared_dir() + "/reference/tsfresh_rolling/GunPoint/series_subset.csv";

std::string extract(const TempDir& dir, const std::string& name, const std::string& flags) {
  const auto r = run_command("timeout 300 " + freshet_exe() + " extract " + kSubset +
                             " --features minimal --roll max_timeshift=20,min_timeshift=5 --quiet "
                             "--out " +
                             dir.file(name) + " " + flags);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  return slurp(dir.file(name));
}

// One series (id 7) of n points, value f(t) at time t, as a long CSV.
std::string one_series_csv(int n, double (*f)(int)) {
  std::string text = "id,time,value\n";
  for (int t = 0; t < n; ++t) text += "7," + std::to_string(t) + "," + format_double(f(t)) + "\n";
  return text;
}

// Settings of 999 quantiles: cheap to compute, ~19 bytes of text each, so a run writes a large
// output quickly.
std::string quantile_settings() {
  std::string settings = "{\"quantile\": [";
  for (int k = 1; k < 1000; ++k)
    settings += (k > 1 ? ", {\"q\": " : "{\"q\": ") + format_double(k / 1000.0) + "}";
  return settings + "]}";
}

}  // namespace

TEST_CASE("cli extract --roll: tsfresh's window ids, same bytes serial, threads, processes") {
  TempDir dir;
  const std::string serial = extract(dir, "serial.csv", "--workers 0");
  ReadCsvOptions o;
  o.types["id"] = ColumnType::kString;
  const Table t = parse_csv(serial, "serial.csv", o);
  // 5 GunPoint ids of 150 points, windows ending at points 5..149 (min_timeshift 5).
  REQUIRE(t.num_rows() == 5 * 145);
  CHECK(t.column(0).name() == "id");
  CHECK(t.column(0).as_string(0) == "(0, 5)");
  CHECK(t.column(0).as_string(144) == "(0, 149)");
  CHECK(t.column(0).as_string(145) == "(1, 5)");
  CHECK(serial.find("\n\"(0, 5)\",") != std::string::npos);  // quoted: the id holds a comma
  CHECK(t.column("value__length").as_string(0) == "6.0");
  CHECK(t.column("value__length").as_string(100) == "21.0");

  CHECK(extract(dir, "threads.csv", "--workers 2") == serial);
  const std::string port = std::to_string(free_port());
  CHECK(extract(dir, "procs.csv", "--workers 2 --port " + port) == serial);
}

TEST_CASE(
    "cli extract --roll: written block by block, the bytes of the whole table, for threads and "
    "processes, with and without --incremental") {
  // 725 windows x 778 efficient columns: more than one block of RollBlockOptions' default size,
  // so the file is the header and two blocks' rows appended in turn.
  TempDir dir;
  fresh::InputOptions in;
  in.keep_sort_keys = true;
  const fresh::SeriesSet data = fresh::read_series_csv(kSubset, in);
  auto serial = mproc::make_executor({.workers = 0});
  for (const bool incremental : {false, true}) {
    fresh::RollOptions roll{.max_timeshift = 20, .min_timeshift = 5};
    roll.incremental = incremental;
    // Without --incremental: the engine on every window at once (no blocks anywhere).
    const auto settings = fresh::preset_settings("efficient");
    const Table whole = incremental ? fresh::extract_rolled(data, roll, settings, *serial).features
                                    : fresh::extract_features(data, fresh::roll_windows(data, roll),
                                                              settings, *serial)
                                          .features;
    REQUIRE(whole.num_rows() * whole.num_columns() > fresh::RollBlockOptions{}.block_cells);
    const std::string expected = format_csv(whole);
    const std::string flags = incremental ? " --incremental" : "";
    // --workers 0 writes each block in turn; threads and processes on a writer thread
    // (cli/block_writer.hpp) while the next block is extracted.
    for (const std::string& workers : {std::string("--workers 0"), std::string("--workers 2"),
                                       "--workers 2 --port " + std::to_string(free_port())}) {
      const auto r = run_command("timeout 300 " + freshet_exe() + " extract " + kSubset +
                                 " --features efficient --roll max_timeshift=20,min_timeshift=5 "
                                 "--quiet --out " +
                                 dir.file("blocks.csv") + " " + workers + flags);
      REQUIRE_MESSAGE(r.status == 0, r.err);
      CHECK_MESSAGE(slurp(dir.file("blocks.csv")) == expected, workers << flags);
    }
  }
}

TEST_CASE("cli extract --roll: bad specs are one-line usage errors") {
  for (const std::string spec :
       {"rolling_direction=0", "max_timeshift=-3", "size=3", "min_timeshift"}) {
    const auto r = run_command(freshet_exe() + " extract " + kSubset + " --roll " + spec);
    CHECK_MESSAGE(r.status == 2, spec << ": " << r.err);
    const bool named =
        r.err.find("--roll") != std::string::npos || r.err.find("roll:") != std::string::npos;
    CHECK_MESSAGE(named, r.err);
    CHECK(r.err.find('\n') == r.err.size() - 1);
    CHECK(r.out.empty());
  }
}

TEST_CASE("cli frame: features of the previous values, the next value as target") {
  // x_t = sin(0.3 t) * 10 at times 100..139: the target of row (1, t) is x_t, and its features are
  // those of the rolled window of the 4 points before t, i.e. `extract --roll max_timeshift=3`'s
  // row (1, t - 1).
  TempDir dir;
  std::string text = "id,time,value\n";
  std::vector<std::string> x;
  for (int t = 0; t < 40; ++t) {
    x.push_back(format_double(std::sin(0.3 * t) * 10));
    text += "1," + std::to_string(100 + t) + "," + x.back() + "\n";
  }
  dir.write("x.csv", text);
  auto r = run_command(freshet_exe() + " frame " + dir.file("x.csv") +
                       " --max-timeshift 4 --features efficient --workers 0 --out " +
                       dir.file("f.csv") + " --target-out " + dir.file("y.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  r = run_command(freshet_exe() + " extract " + dir.file("x.csv") +
                  " --roll max_timeshift=3 --features efficient --workers 0 --quiet --out " +
                  dir.file("rolled.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  ReadCsvOptions o;
  o.types["id"] = ColumnType::kString;
  o.other_columns = ColumnType::kString;  // compare the written text
  const Table f = read_csv(dir.file("f.csv"), o), y = read_csv(dir.file("y.csv"), o);
  const Table rolled = read_csv(dir.file("rolled.csv"), o);
  REQUIRE(f.num_rows() == 39);  // targets at times 101..139
  REQUIRE(y.num_rows() == 39);
  REQUIRE(rolled.num_rows() == 40);
  REQUIRE(f.column_names() == rolled.column_names());
  for (std::size_t i = 0; i < 39; ++i) {
    CHECK(f.column(0).as_string(i) == "(1, " + std::to_string(101 + i) + ")");
    CHECK(y.column("id").as_string(i) == f.column(0).as_string(i));
    CHECK(y.column("y").as_string(i) == x[i + 1]);
    for (std::size_t c = 1; c < f.num_columns(); ++c)
      if (f.column(c).as_string(i) != rolled.column(c).as_string(i)) {
        FAIL_CHECK(f.column(c).name() << " row " << i);
        break;
      }
  }
  r = run_command(freshet_exe() + " frame " + dir.file("x.csv") + " --out " + dir.file("a.csv") +
                  " --target-out " + dir.file("b.csv") + " --target-shift 0");
  CHECK(r.status == 2);
  CHECK(r.err ==
        "freshet: error: --target-shift: expected a whole number >= 1, found 0 (see "
        "'freshet --help')\n");
  // Each bound in plain numbers (CLI11's own checks print the largest double, 309 digits).
  for (const char* bad : {"--max-timeshift 0", "--max-timeshift -2", "--min-timeshift -1",
                          "--max-timeshift 1.5", "--max-timeshift x"}) {
    r = run_command(freshet_exe() + " frame " + dir.file("x.csv") + " --out " + dir.file("a.csv") +
                    " --target-out " + dir.file("b.csv") + " " + bad);
    CHECK_MESSAGE(r.status == 2, bad);
    CHECK_MESSAGE(r.err.find(std::string(bad).substr(0, 15)) != std::string::npos, r.err);
    CHECK_MESSAGE(r.err.find("expected a whole number >= ") != std::string::npos, r.err);
    CHECK_MESSAGE(r.err.size() < 120, r.err);
  }
}

TEST_CASE("cli frame: written block by block, the bytes of the whole frame and targets") {
  // 800 targets x 778 efficient columns: two blocks.
  TempDir dir;
  dir.write("x.csv", one_series_csv(801, [](int t) { return std::cos(0.07 * t) * t; }));
  fresh::InputOptions in;
  in.keep_sort_keys = true;
  const fresh::SeriesSet data = fresh::read_series_csv(dir.file("x.csv"), in);
  auto serial = mproc::make_executor({.workers = 0});
  const fresh::ForecastResult whole = fresh::extract_forecasting(
      data, {.max_timeshift = 10}, fresh::preset_settings("efficient"), *serial);
  REQUIRE(whole.extracted.features.num_rows() == 800);
  for (const char* workers : {"0", "2"}) {
    const auto r =
        run_command("timeout 300 " + freshet_exe() + " frame " + dir.file("x.csv") +
                    " --max-timeshift 10 --features efficient --workers " + workers + " --out " +
                    dir.file("f.csv") + " --target-out " + dir.file("y.csv"));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK_MESSAGE(slurp(dir.file("f.csv")) == format_csv(whole.extracted.features), workers);
    CHECK_MESSAGE(slurp(dir.file("y.csv")) == format_csv(whole.targets), workers);
  }
}

TEST_CASE("cli extract --roll and frame: a failed write ends the run with its error, no hang") {
  // A file size limit (ulimit -f, SIGXFSZ ignored so write() fails with EFBIG) makes a block's
  // write into the temporary file fail part-way through the run: with threads on the writer
  // thread while the main thread extracts the next block. The error must reach the command
  // (exit 1, the output's message), every thread must stop, and nothing is published.
  TempDir dir;
  dir.write("x.csv", one_series_csv(801, [](int t) { return std::sin(0.03 * t) * t; }));
  const std::string out = dir.file("out.csv"), targets = dir.file("y.csv");
  for (const char* workers : {"0", "2"}) {
    const std::vector<std::string> commands = {
        " extract " + dir.file("x.csv") +
            " --features efficient --roll max_timeshift=10 --quiet --out " + out + " --workers " +
            workers,
        " frame " + dir.file("x.csv") + " --max-timeshift 10 --features efficient --quiet --out " +
            out + " --target-out " + targets + " --workers " + workers};
    for (const std::string& command : commands) {
      // 800 rows of ~780 numbers: ~10 MB of CSV; the limit (1 MiB) is reached in the first blocks.
      const auto r = run_command("bash -c \"trap '' XFSZ; ulimit -f 1024; exec timeout 120 " +
                                 freshet_exe() + command + "\"");
      CHECK_MESSAGE(r.status == 1, command, ": ", r.err);
      CHECK_MESSAGE(r.err.find("write failed: File too large") != std::string::npos, command, ": ",
                    r.err);
      CHECK_FALSE(std::ifstream(out).good());  // nothing published
      CHECK_FALSE(std::ifstream(targets).good());
    }
  }
  std::size_t left = 0;  // no temporary file left behind
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    left += e.path().filename().string().find(".freshet-tmp-") != std::string::npos;
  CHECK(left == 0);
}

TEST_CASE("cli extract --roll to a pipe: the same bytes as to a file, in bounded memory") {
  // 12,000 windows x 999 quantiles (cheap to compute, ~19 bytes each): ~230 MB of CSV. Written
  // to standard output (a pipe read here), the text waits for the end of the run past its first
  // 16 MiB in an unlinked file in TMPDIR (core/atomic_file.hpp), not in memory: the process's
  // peak stays under half the output (it held all of it before: a peak above the output's size).
  TempDir dir;
  dir.write("x.csv", one_series_csv(12000, [](int t) { return std::sin(0.01 * t) * t; }));
  dir.write("q.json", quantile_settings());
  const std::string file = dir.file("file.csv"), tmp = dir.file("tmp");
  std::filesystem::create_directories(tmp);
  std::vector<std::string> to_pipe = {
      freshet_exe(), "extract",           dir.file("x.csv"), "--features", dir.file("q.json"),
      "--roll",      "max_timeshift=100", "--quiet",         "--workers",  "2"};
  std::vector<std::string> to_file = to_pipe;
  to_file.insert(to_file.end(), {"--out", file});
  const MeasuredRun f = run_measured(to_file, tmp);
  REQUIRE(f.status == 0);
  CHECK(f.out.empty());
  const MeasuredRun p = run_measured(to_pipe, tmp);
  REQUIRE(p.status == 0);
  const std::string expected = slurp(file);
  REQUIRE(expected.size() > 200'000'000);
  CHECK(p.out == expected);
  // (AddressSanitizer's allocator keeps freed memory in quarantine: no bound to check there.)
#if !defined(__SANITIZE_ADDRESS__)
  CHECK_MESSAGE(p.peak_rss_bytes < expected.size() / 2,
                "peak RSS " << p.peak_rss_bytes << " B for " << expected.size() << " B of output");
#endif
}

TEST_CASE("cli extract: a large table's text is written a group of blocks at a time") {
  // 10,000 series x 999 quantiles: an 80 MB table and ~195 MB of CSV. The text goes into the
  // output 16 blocks (~15 MB) at a time (write_csv_to) instead of being made whole, which
  // format_csv's join held twice: the peak stays under twice the text (~250 MB measured; ~500 MB
  // before), and the bytes are format_csv's (core's tests compare them).
  TempDir dir;
  std::string csv = "id,time,value\n";
  for (int id = 0; id < 10000; ++id)
    for (int t = 0; t < 50; ++t)
      csv += std::to_string(id) + "," + std::to_string(t) + "," +
             format_double(std::sin(0.37 * id + 0.11 * t) * (1 + t)) + "\n";
  dir.write("x.csv", csv);
  dir.write("q.json", quantile_settings());
  const std::string file = dir.file("file.csv");
  const MeasuredRun r =
      run_measured({freshet_exe(), "extract", dir.file("x.csv"), "--features", dir.file("q.json"),
                    "--quiet", "--workers", "2", "--out", file});
  REQUIRE(r.status == 0);
  const std::size_t text = std::filesystem::file_size(file);
  REQUIRE(text > 180'000'000);
#if !defined(__SANITIZE_ADDRESS__)
  CHECK_MESSAGE(r.peak_rss_bytes < 2 * text,
                "peak RSS " << r.peak_rss_bytes << " B for " << text << " B of output");
#endif
}

TEST_CASE("cli extract --roll and stream with --incremental: efficient's values within tolerance") {
  // The sliding calculators of the efficient preset (moments, autocorrelation, c3, cid_ce, ...)
  // against the same run without --incremental: same columns, same ids, the exact calculators
  // bit for bit and the others within 1e-9 relative + 1e-9 (GunPoint is z-normalised: every
  // scale of fresh/incremental.hpp's tolerance is below ~1e2 here, so its 1e-13 x scale term is
  // below 1e-11). stream --window 30 --incremental gives extract --incremental's bytes.
  TempDir dir;
  const std::string roll = " --features efficient --roll max_timeshift=29,min_timeshift=29 --quiet";
  auto r = run_command("timeout 600 " + freshet_exe() + " extract " + kSubset + roll + " --out " +
                       dir.file("plain.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  r = run_command("timeout 600 " + freshet_exe() + " extract " + kSubset + roll +
                  " --incremental --out " + dir.file("inc.csv"));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  ReadCsvOptions o;
  o.types["id"] = ColumnType::kString;
  const Table plain = parse_csv(slurp(dir.file("plain.csv")), "plain.csv", o);
  const Table inc = parse_csv(slurp(dir.file("inc.csv")), "inc.csv", o);
  REQUIRE(inc.column_names() == plain.column_names());
  REQUIRE(plain.num_rows() == 5 * 121);
  CHECK(inc.column(0) == plain.column(0));
  std::size_t differ = 0;
  for (std::size_t c = 1; c < plain.num_columns(); ++c) {
    const auto a = inc.column(c).f64(), b = plain.column(c).f64();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) continue;
      ++differ;
      CHECK_MESSAGE(std::fabs(a[i] - b[i]) <= 1e-9 * std::fabs(b[i]) + 1e-9,
                    plain.column(c).name() << " row " << i << ": " << a[i] << " vs " << b[i]);
    }
  }
  CHECK(differ > 0);  // the sliding sums did run (their rounding differs from pairwise sums)
  const auto s = run_command("timeout 600 " + freshet_exe() +
                             " stream --window 30 --kinds value --features efficient --quiet "
                             "--incremental < " +
                             kSubset + " > " + dir.file("stream.csv"));
  REQUIRE_MESSAGE(s.status == 0, s.err);
  CHECK(slurp(dir.file("stream.csv")) == slurp(dir.file("inc.csv")));
}

TEST_CASE("cli stream: extract --roll max_timeshift=W-1,min_timeshift=W-1's bytes from stdin") {
  TempDir dir;
  for (const std::string inc : {"", " --incremental"}) {
    const auto r = run_command("timeout 300 " + freshet_exe() + " extract " + kSubset +
                               " --features minimal --roll max_timeshift=9,min_timeshift=9" + inc +
                               " --quiet --out " + dir.file("roll.csv"));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto s = run_command("timeout 300 " + freshet_exe() +
                               " stream --window 10 --kinds value --features minimal --quiet "
                               "--workers 2" +
                               inc + " < " + kSubset + " > " + dir.file("stream.csv"));
    REQUIRE_MESSAGE(s.status == 0, s.err);
    CHECK(slurp(dir.file("stream.csv")) == slurp(dir.file("roll.csv")));
  }
  const auto bad = run_command("printf 'id,time,value\\n1,1,2\\n1,2,x\\n' | " + freshet_exe() +
                               " stream --window 1 --features minimal");
  CHECK(bad.status == 1);
  CHECK(bad.err == "freshet: error: stdin:3:3: column 'value': expected a number, got \"x\"\n");
  // A corrupt line late in a file: the rows of every window completed before it are written
  // (the file is read in full blocks, so without that they waited for a batch that never came),
  // equal to those of the good lines alone, then the error.
  {
    std::string good = "id,time,value\n";
    for (int t = 1; t <= 3000; ++t)
      good += "7," + std::to_string(t) + "," + std::to_string((t * 37) % 101) + "\n";
    dir.write("good.csv", good);
    dir.write("bad.csv", good + "7,3001,oops\n7,3002,5\n");
    const auto ok = run_command(freshet_exe() + " stream --window 3 --features minimal -q < " +
                                dir.file("good.csv") + " > " + dir.file("good_rows.csv"));
    REQUIRE_MESSAGE(ok.status == 0, ok.err);
    const auto cut = run_command(freshet_exe() + " stream --window 3 --features minimal -q < " +
                                 dir.file("bad.csv") + " > " + dir.file("bad_rows.csv"));
    CHECK(cut.status == 1);
    CHECK(cut.err ==
          "freshet: error: stdin:3002:3: column 'value': expected a number, got \"oops\"\n");
    const std::string rows = slurp(dir.file("bad_rows.csv"));
    CHECK(std::count(rows.begin(), rows.end(), '\n') == 1 + 2998);
    CHECK(rows == slurp(dir.file("good_rows.csv")));
    // The bad line as the last one, without a newline (read by finish()): the same.
    dir.write("bad_last.csv", good + "7,3001,oops");
    const auto last = run_command(freshet_exe() + " stream --window 3 --features minimal -q < " +
                                  dir.file("bad_last.csv") + " > " + dir.file("last_rows.csv"));
    CHECK(last.status == 1);
    CHECK(slurp(dir.file("last_rows.csv")) == slurp(dir.file("good_rows.csv")));
  }
  const auto usage = run_command(freshet_exe() + " stream --features minimal < /dev/null");
  CHECK(usage.status == 2);  // --window is required
}

namespace {

// A child process running `freshet args...` with stdout and stderr sent to files; killed (SIGKILL)
// and reaped on scope exit if still running, so a failed check never leaves it behind.
class FreshetProcess {
 public:
  FreshetProcess(const std::vector<std::string>& args, const std::string& out,
                 const std::string& err) {
    std::vector<std::string> all = {freshet_exe()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int in = ::open("/dev/null", O_RDONLY);
      if (o < 0 || e < 0 || in < 0) ::_exit(126);
      ::dup2(o, STDOUT_FILENO), ::dup2(e, STDERR_FILENO), ::dup2(in, STDIN_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~FreshetProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  FreshetProcess(const FreshetProcess&) = delete;
  FreshetProcess& operator=(const FreshetProcess&) = delete;

  bool started() const { return pid_ > 0; }
  void signal(int sig) const { ::kill(pid_, sig); }
  // The wait status once the process has ended, or -1 after `limit`.
  int wait_for_exit(std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

// Polls until `done()` holds, for at most `limit`.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

void append(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::app);
  f << text;
}

// Rows t = from..to of ids 1 and 2 (values vary with both).
std::string rows(int from, int to) {
  std::string text;
  for (int t = from; t <= to; ++t)
    for (int id : {1, 2})
      text += std::to_string(id) + "," + std::to_string(t) + "," +
              std::to_string(t * t % 7 + id * 0.5 + t * 0.25) + "\n";
  return text;
}

}  // namespace

TEST_CASE("cli stream --follow: rows appear as the file grows, SIGINT or SIGTERM end it cleanly") {
  // Three bursts appended to a file that `stream --follow --window 3` is reading: after each, the
  // rows of the windows it completed are in the output before the next burst is written (the
  // stream flushes at the end of the file). The signal then ends the stream as the end of the
  // input would: exit 0, and the output is byte for byte that of a plain `stream` over the same
  // complete rows (the unterminated last line, as if half written, is left out with a warning).
  for (const int sig : {SIGINT, SIGTERM}) {
    INFO("signal " << sig);
    TempDir dir;
    const std::string series = dir.file("series.csv"), out = dir.file("out.csv"),
                      err = dir.file("err.txt");
    append(series, "id,time,value\n" + rows(1, 4));
    // SIGTERM's run slides the incremental calculators (they too must keep up with the file).
    std::vector<std::string> args = {"stream",     series,    "--follow",  "--window", "3",
                                     "--features", "minimal", "--workers", "2"};
    if (sig == SIGTERM) args.push_back("--incremental");
    FreshetProcess proc(args, out, err);
    REQUIRE(proc.started());
    // Header + windows ending at t = 3, 4 of two ids.
    auto lines_are = [&](std::size_t n) { return count_lines(slurp(out)) == n; };
    REQUIRE_MESSAGE(eventually([&] { return lines_are(1 + 4); }, std::chrono::seconds(60)),
                    slurp(out) << slurp(err));
    append(series, rows(5, 7));
    REQUIRE_MESSAGE(eventually([&] { return lines_are(1 + 10); }, std::chrono::seconds(60)),
                    slurp(out) << slurp(err));
    append(series, rows(8, 9) + "1,10,3.");  // a line still being written
    REQUIRE_MESSAGE(eventually([&] { return lines_are(1 + 14); }, std::chrono::seconds(60)),
                    slurp(out) << slurp(err));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a poll at the end passes
    CHECK(lines_are(1 + 14));  // nothing from the unterminated line
    proc.signal(sig);
    const int status = proc.wait_for_exit(std::chrono::seconds(60));
    REQUIRE_MESSAGE(status != -1, "still running 60 s after the signal");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const std::string log = slurp(err);
    CHECK(log.find("unterminated last line (7 bytes), left out") != std::string::npos);
    CHECK(log.find("14 windows, 14 rows") != std::string::npos);  // 2 ids x 7 windows

    // The reference: the complete rows, read to their end without --follow.
    dir.write("complete.csv", "id,time,value\n" + rows(1, 9));
    const auto plain = run_command(
        "timeout 300 " + freshet_exe() + " stream " + dir.file("complete.csv") +
        " --window 3 --features minimal --quiet" + (sig == SIGTERM ? " --incremental" : ""));
    REQUIRE_MESSAGE(plain.status == 0, plain.err);
    CHECK(count_lines(plain.out) == 15);
    CHECK(slurp(out) == plain.out);
  }
}
