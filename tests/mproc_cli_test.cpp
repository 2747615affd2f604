// The process backend through the freshet binary: `freshet status`, and `freshet extract` giving
// the same bytes on threads, serial and worker processes, surviving a SIGKILLed worker, and
// leaving nothing behind (no process, nothing in /dev/shm).
#include <dirent.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "mproc/control.hpp"
#include "mproc/executor.hpp"
#include "tests/free_port.hpp"
#include "tests/run_command.hpp"

using namespace freshet;
using freshet::testing::run_command;
using freshet::testing::slurp;
using freshet::testing::TempDir;

namespace {

using freshet::testing::free_port;

std::set<std::string> freshet_segments() {
  std::set<std::string> out;
  if (DIR* d = ::opendir("/dev/shm")) {
    while (dirent* e = ::readdir(d))
      if (std::strncmp(e->d_name, "freshet-", 8) == 0) out.insert(e->d_name);
    ::closedir(d);
  }
  return out;
}

std::set<std::string> segments_of(pid_t pid) {
  std::set<std::string> out;
  const std::string prefix = "freshet-" + std::to_string(pid) + "-";
  for (const auto& s : freshet_segments())
    if (s.rfind(prefix, 0) == 0) out.insert(s);
  return out;
}

bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

std::map<std::string, std::string> parse_status(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const std::string key = line.substr(0, sp);
    out[key == "worker" ? "worker " + line.substr(sp + 1, line.find(' ', sp + 1) - sp - 1) : key] =
        line.substr(sp + 1);
  }
  return out;
}

pid_t worker_pid(const std::string& status_line) {  // "0 pid 123 state ..."
  std::istringstream in(status_line);
  int slot;
  std::string word;
  pid_t pid = 0;
  in >> slot >> word >> pid;
  return pid;
}

// Long-format series: ids x points, two kinds, deterministic values.
std::string make_series(int ids, int points) {
  std::ostringstream out;
  out << "id,time,kind,value\n";
  for (int id = 0; id < ids; ++id)
    for (int kind = 0; kind < 2; ++kind)
      for (int t = 0; t < points; ++t) {
        const double v = ((id * 31 + t * 17 + kind * 7) % 101) * 0.25 - 3.0 + (t % 5 == 0 ? id : 0);
        out << "s" << id << "," << t << "," << (kind ? "b" : "a") << "," << v << "\n";
      }
  return out.str();
}

}  // namespace

TEST_CASE("mproc cli: freshet status --connect prints the workers of a running executor" *
          doctest::timeout(120)) {
  const int port = free_port();
  auto ex = mproc::make_executor({.workers = 2, .port = port});
  const auto r =
      run_command(std::string(FRESHET_EXE) + " status --connect 127.0.0.1:" + std::to_string(port));
  CHECK(r.status == 0);
  CHECK(r.out.find("workers 2\n") != std::string::npos);
  CHECK(r.out.find("central_pid " + std::to_string(::getpid())) != std::string::npos);
  CHECK(r.out.find("worker 1 pid ") != std::string::npos);

  const auto bad = run_command(std::string(FRESHET_EXE) + " status --connect 127.0.0.1:" +
                               std::to_string(free_port()) + " --timeout-ms 2000");
  CHECK(bad.status == 1);
  CHECK(bad.err.find("freshet: error: cannot connect to 127.0.0.1:") != std::string::npos);
  CHECK(run_command(std::string(FRESHET_EXE) + " status --connect nonsense").status == 2);
}

TEST_CASE(
    "mproc cli: extract gives the same bytes on serial, threads and processes, survives a "
    "SIGKILLed worker and leaves nothing behind" *
    doctest::timeout(600)) {
  TempDir dir;
  dir.write("series.csv", make_series(60, 200));
  const std::string exe = FRESHET_EXE;
  const std::string in = dir.file("series.csv");
  const auto before = freshet_segments();

  auto extract = [&](const std::string& name, const std::string& flags) {
    const auto r = run_command(exe + " extract " + in + " --features efficient -q --out " +
                               dir.file(name) + " " + flags);
    INFO(r.err);
    REQUIRE(r.status == 0);
    return slurp(dir.file(name));
  };
  const std::string serial = extract("serial.csv", "--workers 0");
  REQUIRE(serial.size() > 1000);
  CHECK(extract("threads.csv", "--workers 2") == serial);
  CHECK(extract("procs.csv", "--workers 2 --port " + std::to_string(free_port())) == serial);
  CHECK(extract("procs3.csv", "--workers 3 --port " + std::to_string(free_port())) == serial);

  // A worker SIGKILLed mid-run: start extract in the background, find a worker through the
  // control endpoint while tasks are pending, kill it, and expect the same bytes.
  dir.write("big.csv", make_series(400, 400));
  const std::string big = dir.file("big.csv");
  const std::string expected_big = [&] {
    const auto r = run_command(exe + " extract " + big + " --features efficient -q --out " +
                               dir.file("big_threads.csv") + " --workers 2");
    REQUIRE(r.status == 0);
    return slurp(dir.file("big_threads.csv"));
  }();
  const int port = free_port();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string out = dir.file("big_procs.csv");
    const std::string port_text = std::to_string(port);
    ::execl(exe.c_str(), exe.c_str(), "extract", big.c_str(), "--features", "efficient", "-q",
            "--out", out.c_str(), "--workers", "2", "--port", port_text.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  bool killed_mid_run = false;
  std::set<pid_t> tree;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!killed_mid_run && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::map<std::string, std::string> st;
    try {
      st = parse_status(mproc::request_status("127.0.0.1", port, 1000));
    } catch (const std::exception&) {
      int status;
      if (::waitpid(child, &status, WNOHANG) == child) break;  // finished before we got in
      continue;
    }
    tree.insert(std::stoi(st["supervisor_pid"]));
    for (const char* w : {"worker 0", "worker 1"}) tree.insert(worker_pid(st[w]));
    if (st["running"] == "1" && st["tasks_done"] != "0" && st["tasks_pending"] != "0") {
      killed_mid_run = ::kill(worker_pid(st["worker 0"]), SIGKILL) == 0;
    }
  }
  int status = 0;
  if (::waitpid(child, &status, 0) == child) {
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(killed_mid_run);  // the run was long enough to be interrupted
  CHECK(slurp(dir.file("big_procs.csv")) == expected_big);
  for (pid_t p : tree) CHECK_FALSE(process_alive(p));
  CHECK(segments_of(child).empty());
  // No run of ours left anything (other engineers' runs may come and go meanwhile).
  for (const auto& s : freshet_segments())
    if (!before.count(s)) {
      const pid_t owner = std::stoi(s.substr(8));
      CHECK_MESSAGE(process_alive(owner), "segment left behind: " << s);
    }
}
