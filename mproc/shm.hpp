#pragma once
// POSIX shared-memory segments for the process backend. Internal to mproc.
//
// Naming: every segment is "/freshet-<owner pid>-<kind><n>" (a file /dev/shm/freshet-...), so a
// segment left behind by a run that crashed can be recognised (its owner pid is dead) and removed
// by the next run, and a supervisor can remove everything its central process owned.
//
// Cleanup on every exit path: the owner unlinks a segment when it is released; names that are
// live are kept in an async-signal-safe table, and handlers for SIGINT/SIGTERM/SIGHUP (when their
// disposition was the default) unlink them before re-raising the signal; if the owner is killed
// outright (SIGKILL), its supervisor removes them.
//
// Thread-safety: Segment objects are not shared between threads; the tracking table is safe to
// use from any thread and from signal handlers.

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace freshet::mproc::detail {

class Segment {
 public:
  Segment() = default;
  // Creates a new segment of `size` bytes (O_EXCL: never reuses a name), mapped read-write and
  // tracked for signal cleanup. Throws Error(kIo) naming the segment.
  static Segment create(std::string name, std::size_t size);
  // Maps an existing segment read-only (workers). Throws Error(kIo) naming it.
  static Segment open_readonly(std::string name, std::size_t size);
  // Maps an existing segment read-write (the control block in workers and the supervisor).
  static Segment open_readwrite(std::string name, std::size_t size);
  ~Segment();  // unmaps; unlinks too if this object created the segment
  Segment(Segment&& other) noexcept;
  Segment& operator=(Segment&& other) noexcept;
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& name() const { return name_; }
  explicit operator bool() const { return data_ != nullptr; }
  // Forget ownership without unlinking (a forked child must not unlink its parent's segments).
  void disown() { owner_ = false; }

 private:
  static Segment map(std::string name, std::size_t size, int oflag, int prot, bool create);
  void release() noexcept;
  std::string name_;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool owner_ = false;
};

// "/freshet-<pid>-"
std::string segment_prefix(pid_t owner);
// Unlinks every /dev/shm/freshet-<pid>-* whose pid is no longer alive. Returns how many.
std::size_t remove_stale_segments() noexcept;
// Unlinks every /dev/shm/freshet-<owner>-*. Returns how many.
std::size_t remove_segments_of(pid_t owner) noexcept;
// Names of freshet segments present in /dev/shm now (for tests).
std::size_t count_segments_of(pid_t owner) noexcept;

// Installs SIGINT/SIGTERM/SIGHUP handlers that unlink all tracked segments and re-raise the
// signal with the default disposition (the process ends "killed by SIGINT"). Only for signals
// whose disposition is SIG_DFL at install time: an ignored signal, or one the program handles
// itself, does not end the process, so it must not remove a running job's segments (if the
// program then dies anyway, its supervisor removes them). Reference-counted; uninstall restores
// what was there.
void install_cleanup_handlers();
void uninstall_cleanup_handlers();

}  // namespace freshet::mproc::detail
