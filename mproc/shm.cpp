#include "mproc/shm.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "core/error.hpp"

namespace freshet::mproc::detail {

namespace {

// Async-signal-safe table of live segment names: a slot is claimed with a CAS on `state`
// (0 free, 1 being written, 2 live) so the handler only ever reads complete names.
constexpr int kMaxTracked = 1024;
constexpr std::size_t kMaxName = 64;
struct TrackedName {
  std::atomic<int> state{0};
  char name[kMaxName];
};
TrackedName g_tracked[kMaxTracked];

void track(const std::string& name) {
  if (name.size() >= kMaxName) return;
  for (auto& slot : g_tracked) {
    int expected = 0;
    if (slot.state.compare_exchange_strong(expected, 1)) {
      std::memcpy(slot.name, name.c_str(), name.size() + 1);
      slot.state.store(2);
      return;
    }
  }
}

void untrack(const std::string& name) {
  for (auto& slot : g_tracked) {
    if (slot.state.load() == 2 && std::strcmp(slot.name, name.c_str()) == 0) {
      slot.state.store(0);
      return;
    }
  }
}

void unlink_tracked() noexcept {
  for (auto& slot : g_tracked)
    if (slot.state.load() == 2) ::shm_unlink(slot.name);
}

// The signals whose default action ends the process without a core dump and that a user or a
// job controller sends to stop a program: on these the segments must go.
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int kNumCleanupSignals = 3;

std::mutex g_handler_mutex;
int g_handler_refs = 0;
struct sigaction g_old[kNumCleanupSignals];
bool g_installed[kNumCleanupSignals] = {};

// Installed only for signals whose disposition was SIG_DFL, i.e. signals that end the process:
// an ignored signal (`freshet ... &` in a script ignores SIGINT) or one the program handles
// itself does not end it, and removing the segments of a job that keeps running would break
// its next worker ("shm_open: No such file or directory").
void cleanup_handler(int sig) {
  unlink_tracked();
  // Re-raise with the default disposition so the exit status says "killed by SIGINT/SIGTERM".
  // The signal is blocked while this handler runs, so it is delivered, and ends the process,
  // as soon as the handler returns.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  ::raise(sig);
}

}  // namespace

Segment Segment::map(std::string name, std::size_t size, int oflag, int prot, bool create) {
  const int fd = ::shm_open(name.c_str(), oflag | O_CLOEXEC, 0600);
  if (fd < 0)
    throw Error(Errc::kIo,
                "shared memory segment '" + name + "': shm_open: " + std::strerror(errno));
  if (create) track(name);
  const std::size_t mapped = size == 0 ? 1 : size;  // mmap refuses length 0
  if (create && ::ftruncate(fd, static_cast<off_t>(mapped)) != 0) {
    const int e = errno;
    ::close(fd);
    ::shm_unlink(name.c_str());
    untrack(name);
    throw Error(Errc::kIo, "shared memory segment '" + name + "' (" + std::to_string(size) +
                               " bytes): ftruncate: " + std::strerror(e));
  }
  // A reader maps every page up front (MAP_POPULATE): workers read most of what is shared, and
  // under dynamic distribution each one would otherwise take a page fault on each 4 KiB page the
  // first time a chunk lands there -- map after map, until it had touched them all. The creator
  // writes its pages first, so populating there would only zero-fill twice.
  const int flags = MAP_SHARED | (create ? 0 : MAP_POPULATE);
  void* p = ::mmap(nullptr, mapped, prot, flags, fd, 0);
  const int e = errno;
  ::close(fd);  // the mapping keeps the segment alive; the descriptor is not needed
  if (p == MAP_FAILED) {
    if (create) {
      ::shm_unlink(name.c_str());
      untrack(name);
    }
    throw Error(Errc::kIo, "shared memory segment '" + name + "': mmap: " + std::strerror(e));
  }
  Segment s;
  s.name_ = std::move(name);
  s.data_ = static_cast<std::byte*>(p);
  s.size_ = size;
  s.owner_ = create;
  return s;
}

Segment Segment::create(std::string name, std::size_t size) {
  return map(std::move(name), size, O_CREAT | O_EXCL | O_RDWR, PROT_READ | PROT_WRITE, true);
}
Segment Segment::open_readonly(std::string name, std::size_t size) {
  return map(std::move(name), size, O_RDONLY, PROT_READ, false);
}
Segment Segment::open_readwrite(std::string name, std::size_t size) {
  return map(std::move(name), size, O_RDWR, PROT_READ | PROT_WRITE, false);
}

Segment::~Segment() { release(); }
Segment::Segment(Segment&& o) noexcept
    : name_(std::move(o.name_)), data_(o.data_), size_(o.size_), owner_(o.owner_) {
  o.data_ = nullptr;
  o.owner_ = false;
}
Segment& Segment::operator=(Segment&& o) noexcept {
  if (this != &o) {
    release();
    name_ = std::move(o.name_);
    data_ = o.data_;
    size_ = o.size_;
    owner_ = o.owner_;
    o.data_ = nullptr;
    o.owner_ = false;
  }
  return *this;
}

void Segment::release() noexcept {
  if (data_) ::munmap(data_, size_ == 0 ? 1 : size_);
  if (owner_) {
    ::shm_unlink(name_.c_str());
    untrack(name_);
  }
  data_ = nullptr;
  owner_ = false;
}

std::string segment_prefix(pid_t owner) { return "/freshet-" + std::to_string(owner) + "-"; }

namespace {
// Calls f(name_without_slash, owner_pid) for every freshet segment in /dev/shm.
template <class F>
void for_each_segment(F&& f) noexcept {
  DIR* dir = ::opendir("/dev/shm");
  if (!dir) return;
  while (dirent* e = ::readdir(dir)) {
    const char* name = e->d_name;
    if (std::strncmp(name, "freshet-", 8) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(name + 8, &end, 10);
    if (end == name + 8 || *end != '-' || pid <= 0) continue;
    f(name, static_cast<pid_t>(pid));
  }
  ::closedir(dir);
}
}  // namespace

std::size_t remove_stale_segments() noexcept {
  std::size_t n = 0;
  for_each_segment([&](const char* name, pid_t pid) {
    if (::kill(pid, 0) == 0 || errno != ESRCH) return;  // alive (or not ours to judge)
    std::string path = std::string("/") + name;
    if (::shm_unlink(path.c_str()) == 0) ++n;
  });
  return n;
}

std::size_t remove_segments_of(pid_t owner) noexcept {
  std::size_t n = 0;
  for_each_segment([&](const char* name, pid_t pid) {
    if (pid != owner) return;
    std::string path = std::string("/") + name;
    if (::shm_unlink(path.c_str()) == 0) ++n;
  });
  return n;
}

std::size_t count_segments_of(pid_t owner) noexcept {
  std::size_t n = 0;
  for_each_segment([&](const char*, pid_t pid) { n += pid == owner; });
  return n;
}

void install_cleanup_handlers() {
  std::lock_guard lock(g_handler_mutex);
  if (g_handler_refs++ > 0) return;
  struct sigaction sa {};
  sa.sa_handler = cleanup_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  for (int i = 0; i < kNumCleanupSignals; ++i) {
    g_installed[i] = false;
    if (::sigaction(kCleanupSignals[i], nullptr, &g_old[i]) != 0) continue;
    const bool is_default = !(g_old[i].sa_flags & SA_SIGINFO) && g_old[i].sa_handler == SIG_DFL;
    if (!is_default) continue;  // ignored or the program's own: leave it alone
    g_installed[i] = ::sigaction(kCleanupSignals[i], &sa, nullptr) == 0;
  }
}

void uninstall_cleanup_handlers() {
  std::lock_guard lock(g_handler_mutex);
  if (g_handler_refs == 0 || --g_handler_refs > 0) return;
  for (int i = 0; i < kNumCleanupSignals; ++i)
    if (g_installed[i]) ::sigaction(kCleanupSignals[i], &g_old[i], nullptr);
  for (bool& b : g_installed) b = false;
}

}  // namespace freshet::mproc::detail
