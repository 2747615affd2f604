// Restarting a killed supervisor (docs/mproc-protocol.md §6): the central process executes its
// own program again with FRESHET_MPROC_SUPERVISOR in the environment, and that program's main()
// calls supervisor_entry_point() first, which turns the process into the supervisor.
//
// What the new process inherits, and nothing more (every other descriptor of the central
// process is close-on-exec): descriptor 3, its end of a fresh SOCK_SEQPACKET pair to the central
// process; descriptor 4, the job's listening socket when the job has a port (the central process
// keeps it open, so the port never closes while a supervisor is replaced). The marker names the
// control segment and the central pid. The job's key is not put in the environment (other
// processes of the user could read it from /proc/PID/environ): it is the first packet on the
// pair.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "mproc/process_internal.hpp"
#include "mproc/shm.hpp"
#include "mproc/supervisor.hpp"

extern char** environ;

namespace freshet::mproc {

namespace {

constexpr char kMarker[] = "FRESHET_MPROC_SUPERVISOR";
constexpr int kSockFd = 3;
constexpr int kListenFd = 4;
constexpr std::size_t kMaxKeyPacket = 1 + 4096;  // 'K' + the key (auth.cpp: at most 4096 bytes)

std::atomic<bool> g_restartable{false};

[[noreturn]] void die(const std::string& what) {
  const std::string line =
      "freshet: error: mproc supervisor (pid " + std::to_string(::getpid()) + "): " + what + "\n";
  [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
  ::_exit(2);
}

// Runs in the re-executed program; never returns.
[[noreturn]] void run_respawned_supervisor(const std::string& marker) {
  // Gone before anything else runs: a task on one of our workers that starts freshet again
  // must start a program, not another supervisor.
  ::unsetenv(kMarker);
  int version = 0, listen_fd = -1;
  long central = 0;
  char name[256] = {};
  if (std::sscanf(marker.c_str(), "v%d %d %255s %ld", &version, &listen_fd, name, &central) != 4 ||
      version != 1 || central <= 0 || (listen_fd != -1 && listen_fd != kListenFd))
    die("malformed " + std::string(kMarker) + " '" + marker + "'");
  const auto central_pid = static_cast<pid_t>(central);
  if (::getppid() != central_pid)
    die("started by pid " + std::to_string(::getppid()) + ", not by the central process " +
        std::to_string(central));
  std::vector<char> packet(kMaxKeyPacket + 1);
  ssize_t n;
  do {
    n = ::recv(kSockFd, packet.data(), packet.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 1 || packet[0] != 'K' || static_cast<std::size_t>(n) > kMaxKeyPacket)
    die("no key packet from the central process");
  const std::string key(packet.data() + 1, static_cast<std::size_t>(n - 1));
  ::fcntl(kSockFd, F_SETFD, FD_CLOEXEC);
  if (listen_fd >= 0) ::fcntl(listen_fd, F_SETFD, FD_CLOEXEC);
  detail::ControlBlock* block = nullptr;
  try {
    // Never unmapped (supervisor_main ends with _exit); not the owner, so never unlinked here.
    static detail::Segment control =
        detail::Segment::open_readwrite(name, sizeof(detail::ControlBlock));
    block = reinterpret_cast<detail::ControlBlock*>(control.data());
  } catch (const std::exception& e) {
    die(e.what());
  }
  if (block->magic != detail::kControlMagic || block->central_pid != central_pid)
    die("control segment " + std::string(name) + " is not this job's");
  detail::supervisor_main(kSockFd, listen_fd, block, central_pid, key);
}

}  // namespace

void supervisor_entry_point() {
  if (const char* marker = std::getenv(kMarker)) run_respawned_supervisor(marker);
  g_restartable.store(true);
}

bool supervisor_restartable() { return g_restartable.load(); }

namespace detail {

pid_t spawn_supervisor(int central_end, int sock, int listen_fd, const std::string& control_segment,
                       const std::string& key) {
  // Copies above the two target numbers, so that a dup2 never targets its own source (which
  // would leave close-on-exec set) and the second dup2 never overwrites the first's source.
  const int s = ::fcntl(sock, F_DUPFD_CLOEXEC, 10);
  const int l = listen_fd >= 0 ? ::fcntl(listen_fd, F_DUPFD_CLOEXEC, 10) : -1;
  struct Closer {
    int a, b;
    ~Closer() {
      if (a >= 0) ::close(a);
      if (b >= 0) ::close(b);
    }
  } closer{s, l};
  if (s < 0 || (listen_fd >= 0 && l < 0))
    throw Error(Errc::kIo, std::string("dup of the supervisor's sockets: ") + std::strerror(errno));

  const std::string marker = std::string(kMarker) + "=v1 " + (l >= 0 ? "4" : "-1") + " " +
                             control_segment + " " + std::to_string(::getpid());
  std::vector<char*> env;
  const std::size_t prefix = sizeof kMarker;  // "NAME="
  for (char** e = environ; e && *e; ++e)
    if (std::strncmp(*e, marker.c_str(), prefix) != 0) env.push_back(*e);
  env.push_back(const_cast<char*>(marker.c_str()));
  env.push_back(nullptr);
  char arg0[] = "freshet-mproc-supervisor";
  char* argv[] = {arg0, nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_adddup2(&actions, s, kSockFd);
  if (l >= 0) ::posix_spawn_file_actions_adddup2(&actions, l, kListenFd);
  // The central process may block or handle signals on this thread; the supervisor starts from
  // the defaults and installs its own handlers.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &all);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  // posix_spawn, not fork: this process has threads (parallel_for's pool, the program's own),
  // and glibc's posix_spawn uses clone(CLONE_VM | CLONE_VFORK) + exec, which copies nothing.
  const int rc = ::posix_spawn(&pid, "/proc/self/exe", &actions, &attr, argv, env.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0)
    throw Error(Errc::kIo, std::string("posix_spawn /proc/self/exe: ") + std::strerror(rc));
  std::string packet = "K" + key;
  if (::send(central_end, packet.data(), packet.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(packet.size())) {
    const int e = errno;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    throw Error(Errc::kIo,
                std::string("sending the key to the new supervisor: ") + std::strerror(e));
  }
  return pid;
}

}  // namespace detail

}  // namespace freshet::mproc
