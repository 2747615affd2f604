// Remote workers through the C++ API (mproc/remote.hpp): forked children of the test play
// `freshet worker` (run_remote_worker, with this binary's test tasks). Same bytes as serial, each
// blob received once, a killed or stopped remote worker's chunks re-run, plug-ins by name and
// hash. The CLI-level tests (wrong key, attacks on the port, extract and search) are in
// tests/mproc_remote_test.cpp. Excluded from TSan builds, like the other process tests.
#if !defined(__SANITIZE_THREAD__)

#include "mproc/remote.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "mproc/auth.hpp"
#include "mproc/control.hpp"
#include "mproc/executor.hpp"
#include "mproc/peach.hpp"
#include "mproc/wire.hpp"
#include "tests/free_port.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

using freshet::testing::free_port;

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "freshet_remote_XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// A remote worker in a forked child: exit 0 after the job ends, 1 on an Error (its message on
// stderr); its stats go to `stats_file` ("tasks T blob_bytes B").
pid_t start_worker(int port, const std::string& key, const std::string& stats_file, int threads = 1,
                   const std::string& plugin_dir = {}) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    int rc = 0;
    try {
      RemoteWorkerOptions options;
      options.port = port;
      options.key_file = key;
      options.threads = threads;
      options.plugin_dir = plugin_dir;
      options.connect_timeout_seconds = 30;
      const RemoteWorkerStats s = run_remote_worker(options);
      std::ofstream(stats_file) << "tasks " << s.tasks << " blob_bytes " << s.blob_bytes << "\n";
    } catch (const std::exception& e) {
      std::fprintf(stderr, "remote worker: %s\n", e.what());
      rc = 1;
    }
    ::_exit(rc);
  }
  return pid;
}

// Kills and reaps the test's forked workers however a test case ends (a failed REQUIRE or an
// exception from the executor included), so a worker the test stopped with SIGSTOP is never left
// behind: SIGKILL ends a stopped process too. Workers already reaped by wait_exit are skipped.
struct Reaper {
  std::vector<pid_t> pids;
  Reaper(std::initializer_list<pid_t> p) : pids(p) {}
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;
  ~Reaper() {
    for (const pid_t p : pids) {
      int status = 0;
      if (::waitpid(p, &status, WNOHANG) != 0) continue;  // exited and reaped now, or reaped before
      ::kill(p, SIGKILL);
      ::waitpid(p, &status, 0);
    }
  }
};

int wait_exit(pid_t pid, int timeout_ms = 30000) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

std::pair<long, long> read_stats(const std::string& path) {
  std::ifstream in(path);
  std::string w1, w2;
  long tasks = -1, bytes = -1;
  in >> w1 >> tasks >> w2 >> bytes;
  return {tasks, bytes};
}

std::vector<Bytes> indices(std::size_t n) {
  std::vector<Bytes> args;
  for (std::uint64_t i = 0; i < n; ++i) args.push_back(codec::to_bytes(i));
  return args;
}

Bytes make_salt() {
  Bytes salt(1000);
  for (std::size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<std::byte>((i * 7919) % 251);
  return salt;
}

}  // namespace

TEST_CASE("remote: 1 local + 2 remote workers give the serial bytes, each blob arrives once" *
          doctest::timeout(120)) {
  TempDir dir;
  const std::string key = dir.path + "/job.key";
  auth::write_key_file(key);
  const Bytes salt = make_salt();
  const auto args = indices(20000);
  auto serial = make_executor({.workers = 0});
  serial->share("salt", salt);
  const auto expected = serial->map("test.proc.mix", args);

  const int port = free_port();
  const pid_t a = start_worker(port, key, dir.path + "/a", 2);
  const pid_t b = start_worker(port, key, dir.path + "/b", 1);
  const Reaper reaper{a, b};
  {
    auto ex = make_executor({.workers = 1,
                             .port = port,
                             .key_file = key,
                             .wait_workers = 2,
                             .wait_timeout_seconds = 60});
    CHECK(ex->workers() == 1 + 2 + 1);  // one local process, remote threads 2 + 1
    ex->share("salt", salt);
    CHECK(ex->map("test.proc.mix", args) == expected);
    CHECK(ex->map("test.proc.mix", args) == expected);  // blobs stay cached between maps
    // The same bytes under a second key: announced by hash, not sent again.
    ex->share("salt.copy", salt);
    ex->unshare("salt.copy");
    // Status (with the key) lists the remote workers.
    const std::string status = request_status("127.0.0.1", port, 5000, auth::load_key_file(key));
    CHECK(status.find(" remote ") != std::string::npos);
    CHECK(status.find("threads 2") != std::string::npos);
  }
  CHECK(wait_exit(a) == 0);
  CHECK(wait_exit(b) == 0);
  const auto [tasks_a, bytes_a] = read_stats(dir.path + "/a");
  const auto [tasks_b, bytes_b] = read_stats(dir.path + "/b");
  CHECK(tasks_a > 0);
  CHECK(tasks_b > 0);
  CHECK(bytes_a == static_cast<long>(salt.size()));
  CHECK(bytes_b == static_cast<long>(salt.size()));
}

TEST_CASE("remote: remote workers only, a SIGKILLed one and a stopped one change nothing" *
          doctest::timeout(120)) {
  TempDir dir;
  const std::string key = dir.path + "/job.key";
  auth::write_key_file(key);
  const int port = free_port();
  const pid_t a = start_worker(port, key, dir.path + "/a");
  const pid_t b = start_worker(port, key, dir.path + "/b");
  const pid_t c = start_worker(port, key, dir.path + "/c");
  const Reaper reaper{a, b, c};
  auto ex = make_executor({.workers = 0,
                           .port = port,
                           .stall_floor_seconds = 1.0,
                           .stall_factor = 0,
                           .key_file = key,
                           .wait_workers = 3});
  // 60 tasks of 30 ms: kill one worker and stop another while they run.
  std::jthread saboteur([&] {  // joined on every way out (a std::thread would terminate)
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(a, SIGKILL);
    ::kill(b, SIGSTOP);
  });
  const auto pids =
      peach_each<std::int32_t>(*ex, "test.proc.pid", std::vector<std::int32_t>(60, 30));
  saboteur.join();
  CHECK(pids.size() == 60);
  // Afterwards only c is left: every later task runs there.
  const auto later =
      peach_each<std::int32_t>(*ex, "test.proc.pid", std::vector<std::int32_t>(6, 1));
  for (auto p : later) CHECK(p == c);
  ::kill(b, SIGCONT);  // it finds its connection shut down and leaves
  ex.reset();
  CHECK(wait_exit(a) == 128 + SIGKILL);
  CHECK(wait_exit(b) == 0);
  CHECK(wait_exit(c) == 0);
}

TEST_CASE("remote: plug-ins travel by name and hash, a worker without a matching copy leaves" *
          doctest::timeout(120)) {
  TempDir dir;
  const std::string key = dir.path + "/job.key";
  auth::write_key_file(key);
  const std::string plugin_dir = std::filesystem::path(FRESHET_MULTIP_PLUGIN).parent_path();
  const std::string other_dir = dir.path + "/plugins";
  std::filesystem::create_directory(other_dir);
  std::ofstream(other_dir + "/" + std::filesystem::path(FRESHET_MULTIP_PLUGIN).filename().string())
      << "not the same library";
  const int port = free_port();
  const pid_t good = start_worker(port, key, dir.path + "/good", 1, plugin_dir);
  const pid_t bad = start_worker(port, key, dir.path + "/bad", 1, other_dir);
  const Reaper reaper{good, bad};
  auto ex = make_executor({.workers = 0, .port = port, .key_file = key, .wait_workers = 2});
  ex->init(FRESHET_MULTIP_PLUGIN);
  const std::vector<std::vector<double>> items = {{1}, {2}, {3}, {4}};
  const auto got = peach_each<std::vector<double>>(*ex, "func", items);
  CHECK(got[3] == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(wait_exit(bad) == 1);  // refused: another SHA-256
  ex.reset();
  CHECK(wait_exit(good) == 0);
  CHECK(read_stats(dir.path + "/good").first == 4);
}

TEST_CASE("remote: a remote worker leaves cleanly when the central process dies" *
          doctest::timeout(120)) {
  TempDir dir;
  const std::string key = dir.path + "/job.key";
  auth::write_key_file(key);
  const int port = free_port();
  const pid_t worker = start_worker(port, key, dir.path + "/w");
  const Reaper reaper{worker};
  const pid_t central = ::fork();
  if (central == 0) {
    try {
      auto ex = make_executor({.workers = 0, .port = port, .key_file = key, .wait_workers = 1});
      peach_each<std::int32_t>(*ex, "test.proc.pid", std::vector<std::int32_t>(2000, 20));
    } catch (...) {
    }
    ::_exit(0);
  }
  // Wait until the worker is running tasks of the job, then kill the central process outright.
  const std::string secret = auth::load_key_file(key);
  bool running = false;
  for (int k = 0; k < 1000 && !running; ++k) {
    try {
      const std::string st = request_status("127.0.0.1", port, 2000, secret);
      running =
          st.find("running 1\n") != std::string::npos && st.find(" remote ") != std::string::npos;
    } catch (const std::exception&) {
    }
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(running);
  ::kill(central, SIGKILL);
  int status = 0;
  ::waitpid(central, &status, 0);
  CHECK(wait_exit(worker) == 0);  // EOF: the job is over; not an error for the worker
  CHECK(read_stats(dir.path + "/w").first > 0);
}

TEST_CASE("remote: the port answers GET / with a status page that refreshes itself" *
          doctest::timeout(60)) {
  auto get = [](int port, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, n);
    ::close(fd);
    return reply;
  };
  TempDir dir;
  const std::string key = dir.path + "/job.key";
  auth::write_key_file(key);
  const int port = free_port();
  auto ex = make_executor({.workers = 2, .port = port, .key_file = key});
  const std::string page = get(port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  CHECK(page.rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
  CHECK(page.find("<meta http-equiv=\"refresh\"") != std::string::npos);
  CHECK(page.find("<td>1</td><td>") != std::string::npos);  // worker slot 1 and its pid
  CHECK(page.find("<th>central_pid</th><td>" + std::to_string(::getpid()) + "</td>") !=
        std::string::npos);
  CHECK(get(port, "GET /nothing HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 404", 0) == 0);
  // A request that never ends is dropped by the deadline, and the job is unharmed.
  CHECK(get(port, "GET / HTTP/1.0\r\n").empty());
  CHECK(ex->map("test.proc.pid", std::vector<Bytes>(4, codec::to_bytes(std::int32_t{1}))).size() ==
        4);
}

TEST_CASE("remote: a wrong key is refused with one clear error" * doctest::timeout(60)) {
  TempDir dir;
  const std::string key = dir.path + "/job.key", wrong = dir.path + "/wrong.key";
  auth::write_key_file(key);
  auth::write_key_file(wrong);
  const int port = free_port();
  auto ex = make_executor({.workers = 1, .port = port, .key_file = key});
  RemoteWorkerOptions options;
  options.port = port;
  options.key_file = wrong;
  CHECK_THROWS_WITH_AS(run_remote_worker(options),
                       doctest::Contains("refused this client: authentication failed"), Error);
  // Without a key the job takes no remote worker at all.
  auto keyless = make_executor({.workers = 1, .port = free_port()});
  CHECK_THROWS_AS(make_executor({.workers = 1, .port = free_port(), .wait_workers = 1}), Error);
  CHECK_THROWS_AS(make_executor({.workers = 1, .key_file = key}), Error);  // no port
}

// Found while writing fuzz/handshake_fuzz.cpp: a CHALLENGE whose payload does not decode escaped
// authenticate_client as Error(kParse) without the peer's name (its contract: kIo naming the
// peer), and a refusal's message reached the worker's error line with its control bytes.
TEST_CASE("remote: a malformed or hostile handshake answer is one kIo line naming the peer" *
          doctest::timeout(30)) {
  const std::string key(32, 'k');
  auto answer = [&](const Bytes& bytes) -> Error {
    int fd[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) == 0);
    REQUIRE(::write(fd[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::shutdown(fd[1], SHUT_WR);
    std::optional<Error> got;
    try {
      authenticate_client(fd[0], key, "worker", "peer:7");
    } catch (const Error& e) {
      got = e;
    }
    ::close(fd[0]);
    ::close(fd[1]);
    REQUIRE(got.has_value());
    return *got;
  };
  const Error malformed = answer(wire::encode_frame(wire::Type::kChallenge, Bytes(5)));
  CHECK(malformed.code() == Errc::kIo);
  CHECK(std::string(malformed.what()).find("peer:7 sent a malformed handshake frame") !=
        std::string::npos);
  const Error hostile = answer(wire::encode_frame(
      wire::Type::kError, wire::encode(wire::ErrorMessage{2, "no\x1b[2J\nfake line"})));
  CHECK(hostile.code() == Errc::kIo);
  const std::string what = hostile.what();
  CHECK(what.find("peer:7 refused this client: no?[2J?fake line") != std::string::npos);
  for (char c : what) CHECK(static_cast<unsigned char>(c) >= 0x20);
}

#endif
