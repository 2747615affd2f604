// The process backend's supervisor is not a single point of failure: a killed supervisor is
// replaced by an exec of this very test binary (tests/doctest_main.cpp calls
// mproc::supervisor_entry_point() first), its workers rejoin, and the job gives the serial bytes;
// a supervisor that keeps dying ends the job with a clear error (docs/mproc-protocol.md §6).
// Excluded from TSan builds, like process_executor_test.cpp: TSan does not support fork() from a
// process that already has threads.
#if !defined(__SANITIZE_THREAD__)

#include "mproc/supervisor.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <tuple>

#include "core/error.hpp"
#include "mproc/control.hpp"
#include "mproc/executor.hpp"
#include "mproc/peach.hpp"
#include "mproc/shm.hpp"
#include "tests/free_port.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

// A deterministic function of the index and the shared blob (so a new worker that failed to map
// the shared segment again would fail the job), with results of varying length.
Bytes value_of(const TaskContext& context, std::uint64_t i) {
  const auto blob = context.shared("salt");
  std::vector<double> out(i % 5 + 1);
  for (std::size_t k = 0; k < out.size(); ++k)
    out[k] = static_cast<double>(i) * 0.5 +
             static_cast<double>(std::to_integer<int>(blob[(i + k) % blob.size()]));
  return codec::to_bytes(out);
}

// Argument (milliseconds, index): sleeps, then value_of(index).
Bytes slow_value(const TaskContext& context, std::span<const std::byte> argument) {
  const auto [ms, i] = codec::from_bytes<std::pair<std::int32_t, std::uint64_t>>(argument);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return value_of(context, i);
}

pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  char state = 0;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

// Argument (marker path, central pid, index): on a worker (whose parent is the supervisor, whose
// parent is that central pid), SIGKILLs the supervisor, once if the marker path is not empty
// (the first call to create the file), else every time; then waits for its own death (it dies
// with the supervisor). Anywhere else, or once the marker exists: value_of(index).
Bytes kill_supervisor(const TaskContext& context, std::span<const std::byte> argument) {
  const auto [marker, rest] =
      codec::from_bytes<std::pair<std::string, std::pair<std::int32_t, std::uint64_t>>>(argument);
  const auto [central, i] = rest;
  const pid_t supervisor = ::getppid();
  if (parent_of(supervisor) == central) {
    bool kill = marker.empty();
    if (!kill) {
      const int fd = ::open(marker.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
      kill = fd >= 0;
      if (fd >= 0) ::close(fd);
    }
    if (kill) {
      ::kill(supervisor, SIGKILL);
      std::this_thread::sleep_for(std::chrono::seconds(5));  // SIGKILLed with it before that
    }
  }
  return value_of(context, i);
}
FRESHET_TASK("test.sup.slow_value", slow_value);
FRESHET_TASK("test.sup.kill_supervisor", kill_supervisor);

Bytes salt() {
  Bytes s(997);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::byte>((i * 7919) % 251);
  return s;
}

std::vector<Bytes> slow_args(std::size_t n, std::int32_t ms) {
  std::vector<Bytes> args;
  for (std::uint64_t i = 0; i < n; ++i)
    args.push_back(codec::to_bytes(std::pair<std::int32_t, std::uint64_t>{ms, i}));
  return args;
}

// The serial run's bytes: value_of(0..n-1).
std::vector<Bytes> serial_bytes(std::size_t n) {
  const Bytes blob = salt();  // the serial backend reads it in place: keep it alive
  auto serial = make_executor({.workers = 0});
  serial->share("salt", blob);
  return serial->map("test.sup.slow_value", slow_args(n, 0));
}

std::string status_value(const std::string& status, const std::string& key) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + " ", 0) == 0) return line.substr(key.size() + 1);
  return {};
}

std::string cmdline_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string s;
  std::getline(in, s, '\0');
  return s;
}

using freshet::testing::free_port;

// Runs body in a forked child, which is the central process of the jobs it starts (so the test
// can tell its supervisor from other processes), and returns its exit status, or -1 if it did
// not finish within timeout_ms (then it is killed): a restart that hangs fails the test.
int run_in_child(const std::function<int()>& body, int timeout_ms) {
  const pid_t child = ::fork();
  if (child < 0) return -2;
  if (child == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    int rc = 99;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      rc = 98;
    }
    ::_exit(rc);
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (::waitpid(child, &status, WNOHANG) == child)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, &status, 0);
  return -1;
}

#define EXPECT_OR_RETURN(cond, code)                                          \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "child: failed: %s (line %d)\n", #cond, __LINE__); \
      return code;                                                            \
    }                                                                         \
  } while (0)

}  // namespace

TEST_CASE("supervisor: this test binary can be re-executed as a supervisor") {
  CHECK(supervisor_restartable());  // tests/doctest_main.cpp called supervisor_entry_point()
}

TEST_CASE("supervisor: SIGKILLed mid-job from outside, it is replaced by an exec, same bytes" *
          doctest::timeout(180)) {
  const int port = free_port();
  const int rc = run_in_child(
      [port] {
        const auto expected = serial_bytes(600);
        auto ex = make_executor({.workers = 2, .port = port});
        ex->share("salt", salt());
        const pid_t first =
            std::stoi(status_value(request_status("127.0.0.1", port), "supervisor_pid"));
        EXPECT_OR_RETURN(parent_of(first) == ::getpid(), 10);
        // A second thread, as in a real program (parallel_for's pool): the replacement must be
        // started without fork() from this multi-threaded process. It kills the supervisor once
        // the job is under way.
        std::atomic<bool> killed{false}, map_done{false};
        std::thread killer([&] {
          while (!map_done) {
            try {
              const auto s = request_status("127.0.0.1", port, 2000);
              if (status_value(s, "running") == "1" &&
                  std::stoul("0" + status_value(s, "tasks_done")) >= 40 &&
                  status_value(s, "tasks_pending") != "0") {
                ::kill(first, SIGKILL);
                killed = true;
                return;
              }
            } catch (const std::exception&) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
          }
        });
        const auto got = ex->map("test.sup.slow_value", slow_args(600, 5));
        map_done = true;
        killer.join();
        EXPECT_OR_RETURN(killed, 11);  // else the job was too short to be interrupted
        EXPECT_OR_RETURN(got == expected, 12);
        // The port stayed open and is served by the new supervisor: an exec of this binary (its
        // command line is the marker's, not a copy of ours as a fork's would be), our child.
        const std::string status = request_status("127.0.0.1", port);
        const pid_t second = std::stoi(status_value(status, "supervisor_pid"));
        EXPECT_OR_RETURN(status_value(status, "supervisor_restarts") == "1", 13);
        EXPECT_OR_RETURN(second != first && second > 0, 14);
        EXPECT_OR_RETURN(parent_of(second) == ::getpid(), 15);
        EXPECT_OR_RETURN(cmdline_of(second) == "freshet-mproc-supervisor", 16);
        EXPECT_OR_RETURN(status.find("worker 0 pid ") != std::string::npos, 17);
        // The executor goes on: its new workers map the shared blob and run the next job.
        EXPECT_OR_RETURN(ex->map("test.sup.slow_value", slow_args(300, 0)) == serial_bytes(300),
                         18);
        ex.reset();
        EXPECT_OR_RETURN(detail::count_segments_of(::getpid()) == 0, 19);
        return 0;
      },
      120000);
  CHECK(rc == 0);
}

TEST_CASE("supervisor: killed by a worker mid-chunk: the chunks re-run on the new one's workers" *
          doctest::timeout(180)) {
  const std::string marker = "/tmp/freshet-sup-test-" + std::to_string(::getpid()) + "-once";
  ::unlink(marker.c_str());
  const int rc = run_in_child(
      [&marker] {
        const auto expected = serial_bytes(400);
        auto ex = make_executor({.workers = 3, .processes = true});
        ex->share("salt", salt());
        std::vector<Bytes> args;
        for (std::uint64_t i = 0; i < 400; ++i)
          args.push_back(
              codec::to_bytes(std::pair<std::string, std::pair<std::int32_t, std::uint64_t>>{
                  marker, {::getpid(), i}}));
        const auto got = ex->map("test.sup.kill_supervisor", args);
        EXPECT_OR_RETURN(got == expected, 20);
        EXPECT_OR_RETURN(::access(marker.c_str(), F_OK) == 0, 21);  // it really was killed
        return 0;
      },
      120000);
  ::unlink(marker.c_str());
  CHECK(rc == 0);
}

TEST_CASE("supervisor: one that keeps dying ends the job with a clear error, no hang" *
          doctest::timeout(180)) {
  const int rc = run_in_child(
      [] {
        auto ex = make_executor({.workers = 2, .processes = true});
        ex->share("salt", salt());
        std::vector<Bytes> args;
        for (std::uint64_t i = 0; i < 50; ++i)
          args.push_back(codec::to_bytes(
              std::pair<std::string, std::pair<std::int32_t, std::uint64_t>>{"", {::getpid(), i}}));
        std::string what;
        try {
          ex->map("test.sup.kill_supervisor", args);
        } catch (const Error& e) {
          EXPECT_OR_RETURN(e.code() == Errc::kWorkerFailed, 30);
          what = e.what();
        }
        std::fprintf(stderr, "child: the error: %s\n", what.c_str());
        EXPECT_OR_RETURN(what.find("no workers left") != std::string::npos, 31);
        EXPECT_OR_RETURN(what.find("the supervisor died (killed by signal 9") != std::string::npos,
                         32);
        EXPECT_OR_RETURN(
            what.find("died 4 times and is restarted at most 3 times") != std::string::npos, 33);
        ex.reset();  // stops cleanly, nothing left behind
        EXPECT_OR_RETURN(detail::count_segments_of(::getpid()) == 0, 34);
        EXPECT_OR_RETURN(::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD, 35);
        return 0;
      },
      120000);
  CHECK(rc == 0);
}

#endif  // !defined(__SANITIZE_THREAD__)
