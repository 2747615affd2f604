// The process backend: forked workers, shared memory, init, faults, cleanup, determinism.
// Excluded from TSan builds: TSan does not support fork() from a process that already has
// threads (the thread-backend tests in this binary start oneTBB's).
#if !defined(__SANITIZE_THREAD__)

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "mproc/control.hpp"
#include "mproc/executor.hpp"
#include "mproc/peach.hpp"
#include "mproc/shm.hpp"
#include "mproc/wire.hpp"
#include "tests/free_port.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

// ---- tasks ------------------------------------------------------------------------------------

// A deterministic function of the argument and the shared blob, with a result whose length
// varies: catches any mix-up of result order, lengths or shared data.
Bytes mix(const TaskContext& context, std::span<const std::byte> argument) {
  const auto i = codec::from_bytes<std::uint64_t>(argument);
  const auto blob = context.shared("salt");
  std::vector<double> out(i % 5);
  for (std::size_t k = 0; k < out.size(); ++k)
    out[k] = static_cast<double>(i) * 0.25 +
             static_cast<double>(std::to_integer<int>(blob[(i + k) % blob.size()]));
  return codec::to_bytes(out);
}
Bytes pid_of(const TaskContext&, std::span<const std::byte> argument) {
  const auto ms = codec::from_bytes<std::int32_t>(argument);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return codec::to_bytes(static_cast<std::int32_t>(::getpid()));
}
// Argument: (marker path, signal). The first call that finds no marker creates it and dies by
// the signal; every later call returns 42.
Bytes die_once(const TaskContext&, std::span<const std::byte> argument) {
  const auto [path, sig] = codec::from_bytes<std::pair<std::string, std::int32_t>>(argument);
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::kill(::getpid(), sig);
    ::pause();
  }
  return codec::to_bytes(std::int32_t{42});
}
Bytes always_die(const TaskContext&, std::span<const std::byte>) {
  ::kill(::getpid(), SIGKILL);
  ::pause();
  return {};
}
Bytes throw_at(const TaskContext&, std::span<const std::byte> argument) {
  const auto i = codec::from_bytes<std::int64_t>(argument);
  if (i == 13) throw Error(Errc::kInvalidArgument, "thirteen");
  std::this_thread::sleep_for(std::chrono::microseconds(200));
  return codec::to_bytes(i);
}
FRESHET_TASK("test.proc.mix", mix);
FRESHET_TASK("test.proc.pid", pid_of);
FRESHET_TASK("test.proc.die_once", die_once);
FRESHET_TASK("test.proc.always_die", always_die);
FRESHET_TASK("test.proc.throw_at", throw_at);
// Argument: (marker path, index). The first call that finds no marker creates it and stops its
// own process (SIGSTOP: a hung worker, alive but making no progress); every call returns index.
Bytes stop_once(const TaskContext&, std::span<const std::byte> argument) {
  const auto [path, index] = codec::from_bytes<std::pair<std::string, std::int64_t>>(argument);
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    ::raise(SIGSTOP);
  }
  return codec::to_bytes(index);
}
// Busy on the CPU for the given milliseconds: slow, but making progress.
Bytes spin(const TaskContext&, std::span<const std::byte> argument) {
  const auto ms = codec::from_bytes<std::int32_t>(argument);
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  volatile std::uint64_t x = 0;
  while (std::chrono::steady_clock::now() < end) x = x + 1;
  return codec::to_bytes(ms);
}
FRESHET_TASK("test.proc.stop_once", stop_once);
FRESHET_TASK("test.proc.spin", spin);

// ---- helpers ------------------------------------------------------------------------------------

std::unique_ptr<Executor> processes(int n) {
  return make_executor({.workers = n, .processes = true});
}

using freshet::testing::free_port;

// Alive and not a zombie.
bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

bool wait_until(const std::function<bool()>& done, int timeout_ms = 10000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

std::set<pid_t> pids_from_status(const std::string& status) {
  std::set<pid_t> out;
  std::istringstream in(status);
  std::string key;
  while (in >> key) {
    std::string rest;
    std::getline(in, rest);
    std::istringstream r(rest);
    if (key == "supervisor_pid") {
      pid_t p;
      r >> p;
      out.insert(p);
    } else if (key == "worker") {
      int slot;
      std::string word;
      pid_t p;
      r >> slot >> word >> p;
      out.insert(p);
    }
  }
  return out;
}

// The pids of the workers that answer a few tiny tasks (sorted).
std::set<std::int32_t> request_pids(Executor& ex) {
  const auto pids = peach_each<std::int32_t>(ex, "test.proc.pid", std::vector<std::int32_t>(8, 20));
  return {pids.begin(), pids.end()};
}

std::vector<Bytes> indices(std::size_t n) {
  std::vector<Bytes> args;
  for (std::uint64_t i = 0; i < n; ++i) args.push_back(codec::to_bytes(i));
  return args;
}

// Runs body in a forked child (a plain program: default SIGINT/SIGTERM, no test framework
// handlers) and returns its exit status, or -1 if it did not finish within timeout_ms (it is
// killed): a test of something that used to hang fails instead of hanging the suite.
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
    const pid_t r = ::waitpid(child, &status, WNOHANG);
    if (r == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-child, SIGKILL);
  ::kill(child, SIGKILL);
  ::waitpid(child, &status, 0);
  return -1;
}

std::string marker_path(const char* tag) {
  return "/tmp/freshet-mproc-test-" + std::to_string(::getpid()) + "-" + tag;
}

}  // namespace

TEST_CASE("processes: same bytes as serial and threads, for 1, 2, 3 and 7 workers" *
          doctest::timeout(120)) {
  Bytes salt(1000);
  for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<std::byte>((i * 7919) % 251);
  const auto args = indices(5000);
  auto serial = make_executor({.workers = 0});
  serial->share("salt", salt);
  const auto expected = serial->map("test.proc.mix", args);
  auto threads = make_executor({.workers = 2});
  threads->share("salt", salt);
  CHECK(threads->map("test.proc.mix", args) == expected);
  for (int n : {1, 2, 3, 7}) {
    CAPTURE(n);
    auto ex = processes(n);
    CHECK(ex->backend() == Backend::kProcesses);
    CHECK(ex->workers() == n);
    ex->share("salt", salt);
    CHECK(ex->map("test.proc.mix", args) == expected);
    // Again (reused argument segment), a short map, and a one-item map that runs inline.
    CHECK(ex->map("test.proc.mix", std::span(args).first(3)).size() == 3);
    CHECK(ex->map("test.proc.mix", args) == expected);
    CHECK(ex->map("test.proc.mix", std::span(args).first(1))[0] == expected[0]);
  }
}

TEST_CASE("processes: the walk-through: func before and after init" * doctest::timeout(60)) {
  const std::vector<std::vector<double>> items = {{1}, {2}, {3}};
  auto ex = processes(3);
  try {
    peach_each<std::vector<double>>(*ex, "func", items);
    FAIL("func must be unknown before init");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kNotFound);
    const std::string what = e.what();
    CHECK(what.find("'func'") != std::string::npos);
    CHECK(what.find("no such function on worker") != std::string::npos);
    CHECK(what.find("pid") != std::string::npos);
  }
  CHECK_THROWS_AS(ex->init("/nonexistent/plugin.so"), Error);
  ex->init(FRESHET_MULTIP_PLUGIN);
  const auto got = peach_each<std::vector<double>>(*ex, "func", items);
  const std::vector<std::vector<double>> expected = {
      {0, 0.25, 0.5, 0.75, 1}, {0, 0.5, 1, 1.5, 2}, {0, 0.75, 1.5, 2.25, 3}};
  CHECK(got == expected);
}

TEST_CASE("processes: init is replayed to a respawned worker" * doctest::timeout(60)) {
  auto ex = processes(1);
  ex->init(FRESHET_MULTIP_PLUGIN);
  const std::string marker = marker_path("replay");
  ::unlink(marker.c_str());
  std::vector<Bytes> args = {
      codec::to_bytes(std::pair<std::string, std::int32_t>{marker, SIGKILL}),
      codec::to_bytes(std::pair<std::string, std::int32_t>{marker, SIGKILL})};
  const auto r = ex->map("test.proc.die_once", args);  // the only worker dies once
  CHECK(codec::from_bytes<std::int32_t>(r[0]) == 42);
  ::unlink(marker.c_str());
  const auto got =
      peach_each<std::vector<double>>(*ex, "func", std::vector<std::vector<double>>{{4}, {8}});
  CHECK(got == std::vector<std::vector<double>>{{0, 1, 2, 3, 4}, {0, 2, 4, 6, 8}});
}

TEST_CASE("processes: a worker killed by a signal mid-task: the task re-runs, same result" *
          doctest::timeout(120)) {
  Bytes salt(17, std::byte{3});
  auto serial = make_executor({.workers = 0});
  serial->share("salt", salt);
  const auto expected = serial->map("test.proc.mix", indices(2000));
  for (int sig : {SIGKILL, SIGSEGV, SIGTERM, SIGBUS}) {
    CAPTURE(sig);
    auto ex = processes(2);
    ex->share("salt", salt);
    const std::string marker = marker_path("sig");
    ::unlink(marker.c_str());
    std::vector<Bytes> args(8, codec::to_bytes(std::pair<std::string, std::int32_t>{marker, sig}));
    const auto r = ex->map("test.proc.die_once", args);
    CHECK(::access(marker.c_str(), F_OK) == 0);  // someone really died
    for (const auto& b : r) CHECK(codec::from_bytes<std::int32_t>(b) == 42);
    ::unlink(marker.c_str());
    // The respawned worker has the shared blob too.
    CHECK(ex->map("test.proc.mix", indices(2000)) == expected);
  }
}

TEST_CASE("processes: a task that kills every worker fails after three attempts" *
          doctest::timeout(60)) {
  auto ex = processes(2);
  try {
    ex->map("test.proc.always_die", indices(4));
    FAIL("expected kWorkerFailed");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kWorkerFailed);
    const std::string what = e.what();
    CHECK(what.find("task 'test.proc.always_die'") != std::string::npos);
    CHECK(what.find("killed by signal 9") != std::string::npos);
  }
  // Still usable.
  CHECK(peach_each<std::int32_t>(*ex, "test.proc.pid", std::vector<std::int32_t>{0, 0}).size() ==
        2);
}

TEST_CASE("processes: a task that throws names task, index and worker, others are cancelled" *
          doctest::timeout(60)) {
  auto ex = processes(2);
  std::vector<std::int64_t> items(400);
  std::iota(items.begin(), items.end(), 0);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    peach_each<std::int64_t>(*ex, "test.proc.throw_at", items);
    FAIL("expected kWorkerFailed");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kWorkerFailed);
    const std::string what = e.what();
    CHECK(what.find("task 'test.proc.throw_at' #13 failed on worker") != std::string::npos);
    CHECK(what.find("(pid ") != std::string::npos);
    CHECK(what.find("thirteen") != std::string::npos);
  }
  // 400 tasks of 0.2 ms on 2 workers would take 40 ms; cancelled, it stops early. (Loose bound:
  // only guards against running everything to the end on a loaded machine.)
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
  CHECK(peach_each<std::int64_t>(*ex, "test.proc.throw_at", std::vector<std::int64_t>{1, 2}) ==
        std::vector<std::int64_t>{1, 2});
}

TEST_CASE("processes: work is spread over workers and nothing is left behind" *
          doctest::timeout(60)) {
  std::set<pid_t> seen;
  {
    auto ex = processes(3);
    const auto pids =
        peach_each<std::int32_t>(*ex, "test.proc.pid", std::vector<std::int32_t>(12, 20));
    seen.insert(pids.begin(), pids.end());
    CHECK(seen.size() >= 2);  // dynamic, but 12 tasks of 20 ms do not all fit on one worker
    CHECK(seen.count(::getpid()) == 0);
    CHECK(detail::count_segments_of(::getpid()) > 0);
  }
  CHECK(detail::count_segments_of(::getpid()) == 0);
  for (pid_t p : seen) CHECK_FALSE(process_alive(p));
}

TEST_CASE("processes: the control endpoint answers status and refuses bad frames" *
          doctest::timeout(60)) {
  const int port = free_port();
  auto ex = make_executor({.workers = 2, .port = port});
  const std::string status = request_status("127.0.0.1", port);
  CHECK(status.find("workers 2\n") != std::string::npos);
  CHECK(status.find("central_pid " + std::to_string(::getpid()) + "\n") != std::string::npos);
  CHECK(status.find("worker 0 pid ") != std::string::npos);
  CHECK(status.find("worker 1 pid ") != std::string::npos);
  CHECK(status.find("tasks_pending 0\n") != std::string::npos);
  ex->map("test.proc.pid", std::vector<Bytes>(4, codec::to_bytes(std::int32_t{0})));
  CHECK(request_status("127.0.0.1", port).find("jobs_done 1\n") != std::string::npos);
  // A second executor cannot take the same port.
  CHECK_THROWS_AS(make_executor({.workers = 1, .port = port}), Error);
  // Garbage is refused without hurting the endpoint.
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    const char junk[] = "GET / HTTP/1.0\r\n\r\n";
    CHECK(::write(fd, junk, sizeof junk) > 0);
    char buf[256];
    ::read(fd, buf, sizeof buf);  // an error frame, then close
    ::close(fd);
  }
  CHECK(request_status("127.0.0.1", port).find("workers 2") != std::string::npos);
  CHECK_THROWS_AS(request_status("127.0.0.1", free_port(), 2000), Error);
  CHECK(parse_endpoint("localhost:5001") == std::pair<std::string, int>{"localhost", 5001});
  CHECK_THROWS_AS(parse_endpoint("localhost"), Error);
  CHECK_THROWS_AS(parse_endpoint("h:99999"), Error);
}

TEST_CASE("processes: central killed or interrupted: workers exit, segments removed" *
          doctest::timeout(120)) {
  for (int sig : {SIGKILL, SIGTERM, SIGINT, SIGHUP}) {
    CAPTURE(sig);
    const int port = free_port();
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(ready[0]);
      // A plain program: no doctest crash handlers in the child.
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      ::signal(SIGHUP, SIG_DFL);
      try {
        auto ex = make_executor({.workers = 2, .port = port});
        std::vector<std::byte> blob(1 << 20, std::byte{1});
        ex->share("blob", blob);
        [[maybe_unused]] auto n = ::write(ready[1], "r", 1);
        // Busy in a long map when the signal comes.
        ex->map("test.proc.pid", std::vector<Bytes>(1000, codec::to_bytes(std::int32_t{50})));
      } catch (...) {
      }
      ::_exit(7);
    }
    ::close(ready[1]);
    char c;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
    const auto pids = pids_from_status(request_status("127.0.0.1", port));
    REQUIRE(pids.size() == 3);  // supervisor + 2 workers
    CHECK(detail::count_segments_of(child) >= 2);
    ::kill(child, sig);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == sig);
    CHECK(wait_until([&] {
      for (pid_t p : pids)
        if (process_alive(p)) return false;
      return true;
    }));
    CHECK(wait_until([&] { return detail::count_segments_of(child) == 0; }));
  }
}

TEST_CASE("processes: an ignored SIGINT leaves the running job's segments alone" *
          doctest::timeout(60)) {
  // `freshet ... &` in a script runs with SIGINT ignored: a Ctrl-C in the terminal must neither
  // stop the job nor remove its data (a respawned worker would then fail in shm_open).
  const int rc = run_in_child(
      [] {
        ::signal(SIGINT, SIG_IGN);
        Bytes salt(333, std::byte{5});
        auto serial = make_executor({.workers = 0});
        serial->share("salt", salt);
        const auto expected = serial->map("test.proc.mix", indices(500));
        auto ex = processes(2);
        ex->share("salt", salt);
        const std::size_t before = detail::count_segments_of(::getpid());
        ::raise(SIGINT);  // ignored
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (detail::count_segments_of(::getpid()) != before) return 1;
        // A worker dies and is respawned: the new one maps the shared blob.
        const std::string marker = marker_path("sigint-ignored");
        ::unlink(marker.c_str());
        const auto r =
            ex->map("test.proc.die_once",
                    std::vector<Bytes>(
                        4, codec::to_bytes(std::pair<std::string, std::int32_t>{marker, SIGKILL})));
        ::unlink(marker.c_str());
        for (const auto& b : r)
          if (codec::from_bytes<std::int32_t>(b) != 42) return 2;
        if (ex->map("test.proc.mix", indices(500)) != expected) return 3;
        if (::signal(SIGINT, SIG_IGN) != SIG_IGN) return 4;  // our disposition untouched
        return 0;
      },
      50000);
  CHECK(rc == 0);
}

TEST_CASE("processes: a hung worker's chunks re-run elsewhere, it is killed and replaced" *
          doctest::timeout(60)) {
  const std::string marker = marker_path("stall");
  ::unlink(marker.c_str());
  const int rc = run_in_child(
      [&] {
        auto ex = make_executor(
            {.workers = 2, .processes = true, .stall_floor_seconds = 0.5, .stall_factor = 20});
        std::vector<Bytes> args;
        for (std::int64_t i = 0; i < 12; ++i)
          args.push_back(codec::to_bytes(std::pair<std::string, std::int64_t>{marker, i}));
        const auto r = ex->map("test.proc.stop_once", args);  // one worker stops itself
        if (::access(marker.c_str(), F_OK) != 0) return 1;    // someone really hung
        for (std::int64_t i = 0; i < 12; ++i)
          if (codec::from_bytes<std::int64_t>(r[static_cast<std::size_t>(i)]) != i) return 2;
        // The hung worker was replaced: both slots run tasks again.
        const auto pids =
            peach_each<std::int32_t>(*ex, "test.proc.pid", std::vector<std::int32_t>(8, 30));
        if (std::set<std::int32_t>(pids.begin(), pids.end()).size() != 2) return 3;
        return 0;
      },
      40000);
  ::unlink(marker.c_str());
  CHECK(rc == 0);
}

TEST_CASE("processes: the stall rule spares slow tasks that use the CPU" * doctest::timeout(60)) {
  // A window of 1 s, tasks of 2.5 s: each worker is silent far longer than the window, but
  // its CPU time advances, so nothing is killed. (A shorter window fails on a machine so loaded
  // that a runnable process gets no CPU for that long: then the rule cannot tell it from a hung
  // one.)
  auto ex = make_executor(
      {.workers = 2, .processes = true, .stall_floor_seconds = 1.0, .stall_factor = 0});
  const auto before = request_pids(*ex);
  const auto r =
      peach_each<std::int32_t>(*ex, "test.proc.spin", std::vector<std::int32_t>(4, 2500));
  CHECK(r == std::vector<std::int32_t>(4, 2500));
  CHECK(request_pids(*ex) == before);
}

TEST_CASE("processes: a control client that floods without reading costs only its connection" *
          doctest::timeout(90)) {
  // HELLO after HELLO, never reading the WELCOMEs, on more connections than the endpoint keeps,
  // for longer than any send timeout: the job must finish and status must still answer.
  const int rc = run_in_child(
      [] {
        const int port = free_port();
        auto ex = make_executor({.workers = 2, .port = port});
        std::atomic<bool> stop{false};
        std::thread flooder([&] {
          Bytes hello =
              wire::encode_frame(wire::Type::kHello, wire::encode(wire::Hello{1, 1, "status"}));
          Bytes burst;
          for (int k = 0; k < 256; ++k) burst.insert(burst.end(), hello.begin(), hello.end());
          std::vector<int> fds;
          while (!stop.load()) {
            if (fds.size() < 40) {
              const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
              // A tiny receive window: the endpoint's replies back up at once.
              const int small = 2048;
              ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
              sockaddr_in a{};
              a.sin_family = AF_INET;
              a.sin_port = htons(static_cast<std::uint16_t>(port));
              a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
              ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
              fds.push_back(fd);
            }
            for (int& fd : fds) {
              if (::send(fd, burst.data(), burst.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
                  errno != EAGAIN && errno != EWOULDBLOCK && errno != EINPROGRESS &&
                  errno != ENOTCONN) {
                ::close(fd);  // dropped by the endpoint: come back
                fd = -1;
              }
            }
            std::erase(fds, -1);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
          for (int fd : fds) ::close(fd);
        });
        std::vector<Bytes> args(200, codec::to_bytes(std::int32_t{20}));  // ~2 s on 2 workers
        int rc = 0;
        try {
          ex->map("test.proc.pid", args);
          std::this_thread::sleep_for(std::chrono::seconds(2));  // past the old 2 s send timeout
          ex->map("test.proc.pid", args);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "map failed: %s\n", e.what());
          rc = 1;
        }
        stop.store(true);
        flooder.join();
        if (rc) return rc;
        if (request_status("127.0.0.1", port).find("workers 2\n") == std::string::npos) return 2;
        return 0;
      },
      80000);
  CHECK(rc == 0);
}

TEST_CASE("processes: segments of a dead earlier run are removed at start" * doctest::timeout(60)) {
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  REQUIRE(::waitpid(dead, nullptr, 0) == dead);
  {
    auto stale = detail::Segment::create(detail::segment_prefix(dead) + "x0", 4096);
    stale.disown();  // as if its owner had crashed
  }
  CHECK(detail::count_segments_of(dead) == 1);
  auto ex = processes(1);
  CHECK(detail::count_segments_of(dead) == 0);
}

TEST_CASE("processes: option errors" * doctest::timeout(30)) {
  CHECK_THROWS_AS(make_executor({.workers = 0, .port = 5001}), Error);
  CHECK_THROWS_AS(make_executor({.workers = 1000, .processes = true}), Error);
  CHECK_THROWS_AS(make_executor({.workers = 1, .port = free_port(), .address = "not-an-ip"}),
                  Error);
}

#endif  // !__SANITIZE_THREAD__
