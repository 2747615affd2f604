#pragma once
// The executor: where library code runs its parallel work. Library code takes an Executor& and
// never creates threads or processes itself.
//
// The model is q's `peach` over named tasks: map(task, arguments) applies the registered task to
// every argument, in parallel, and returns the results **in argument order**. Large read-only
// inputs are published once with share(key, bytes) and read by tasks through
// TaskContext::shared(key): threads see the caller's memory directly; worker processes map one
// shared-memory segment read-only. Arguments should therefore be small (a range, a seed, a
// parameter set); results are whatever the task returns.
//
// Determinism: an executor never changes what a task computes or the order of results; a caller
// that partitions work by data (never by worker count) and merges results in order gets the same
// bytes from every backend and worker count.
//
// Failure: if any task throws, map() throws Error(kWorkerFailed) for the failing task with the
// lowest index, naming the task, its index and the worker, e.g.
//   task 'fresh.extract_chunk' #3 failed on worker 1 (pid 4242): <original message>
// and no further tasks are started. A process backend re-runs a task whose worker died.
//
// Thread-safety: one map() at a time per executor; map() may not be called from inside a task.
// share/share_with/unshare/init are called from the thread that drives map(), never while a map
// runs: tasks read shared data without taking a lock.

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "mproc/registry.hpp"

namespace freshet::mproc {

enum class Backend { kSerial, kThreads, kProcesses, kMpi };
std::string_view backend_name(Backend backend) noexcept;

class Executor {
 public:
  virtual ~Executor() = default;
  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  virtual Backend backend() const = 0;
  // Number of workers that run tasks concurrently (1 for serial).
  virtual int workers() const = 0;

  // Publishes a read-only blob under key for later tasks. The threads and serial backends keep
  // only the view: `data` must stay alive and unchanged until unshare(key) or the executor's
  // destruction. The process backend copies it once into shared memory. Re-sharing a key
  // replaces it.
  virtual void share(std::string key, std::span<const std::byte> data) = 0;
  virtual void unshare(std::string_view key) = 0;

  // Publishes a blob of `size` bytes that `fill` writes in place, so a large input exists once:
  // the process backend hands `fill` the shared-memory segment itself (no staging copy); the
  // in-process backends allocate a buffer the executor owns until unshare(key) or destruction.
  // Otherwise as share(). Exceptions from fill propagate and nothing is published.
  virtual void share_with(std::string key, std::size_t size,
                          const std::function<void(std::span<std::byte>)>& fill);

  // Applies the named task to every argument; results in argument order. With one argument, or a
  // serial executor, tasks run inline on the calling thread. Throws Error(kNotFound) naming the
  // task if it is not registered, Error(kWorkerFailed) as described above.
  virtual std::vector<Bytes> map(std::string_view task, std::span<const Bytes> arguments) = 0;

  // Loads a plug-in shared library (its tasks, calculators, models) on every current worker and
  // on every worker started later (q's .ml.mproc.init). The in-process backends load it once.
  // Throws Error(kNotFound) if the library cannot be loaded, naming the path and dlerror().
  virtual void init(const std::string& plugin_path) = 0;

  // In-process parallel loop for work that never leaves this process (it cannot cross a process
  // boundary: the body is a closure). body(i) is called once for each i in [0, n), in any order,
  // from any thread; the first exception by lowest i is rethrown. The process backend runs it on
  // its own thread pool in the central process. Prefer map() for anything that should scale
  // past one process.
  virtual void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) = 0;

 private:
  // Buffers of the default share_with (backends that do not override it).
  std::vector<Bytes> owned_shares_;
};

// Publishes a blob for the lifetime of this object: share (or share_with) in the constructor,
// unshare in the destructor, on every exit path. The one way callers publish map inputs:
//
//   mproc::ScopedShare input(executor, mproc::unique_share_key("xval.data"), layout.size(),
//                            [&](std::span<std::byte> out) { /* write the blob in place */ });
//   executor.map(task, arguments);  // tasks read context.shared(input.key())
//
// The executor must outlive the guard; the guard is used on the thread that drives map().
class ScopedShare {
 public:
  // share(key, data): `data` must stay alive and unchanged while the guard lives.
  ScopedShare(Executor& executor, std::string key, std::span<const std::byte> data);
  // share_with(key, size, fill): the blob is written once, in its final place.
  ScopedShare(Executor& executor, std::string key, std::size_t size,
              const std::function<void(std::span<std::byte>)>& fill);
  ~ScopedShare();  // unshare; never throws
  ScopedShare(const ScopedShare&) = delete;
  ScopedShare& operator=(const ScopedShare&) = delete;
  const std::string& key() const { return key_; }

 private:
  Executor& executor_;
  std::string key_;
};

// "<prefix>.<n>" with n unique in this process: for callers that may publish the same kind of
// input for several concurrent or nested jobs on one executor.
std::string unique_share_key(std::string_view prefix);

struct ExecutorOptions {
  // -1: threads on all cores; 0: serial; N > 0: N threads, or N processes with a port.
  int workers = -1;
  // With workers > 0 and a port, forks `workers` processes and listens on address:port for
  // status requests and (later) remote workers. 0 = no port (threads).
  int port = 0;
  std::string address = "127.0.0.1";
  // Plug-ins to init() on every worker right after start.
  std::vector<std::string> plugins = {};
  // Fork `workers` processes even without a port (no control endpoint): for tests, benchmarks
  // and programs that want processes but no listening socket.
  bool processes = false;
  // Process backend, stall rule: a worker that holds chunks and has for longer than
  //   max(stall_floor_seconds, stall_factor x the slowest task seen in this executor)
  // returned no result, finished no task and used no CPU time is hung (stopped, deadlocked):
  // its chunks re-run on other workers, and it is killed and replaced. A chunk stalled on
  // three workers fails the map. stall_floor_seconds <= 0 turns the rule off.
  double stall_floor_seconds = 10.0;
  double stall_factor = 20.0;
  // Remote workers (`freshet worker --connect`, docs/mproc-protocol.md §4). A file holding the
  // job's secret (`freshet keygen FILE`; mode 0600, >= 32 bytes): with a port and a key,
  // authenticated remote workers may join and leave at any time, and status requests must
  // authenticate too. Without a key remote workers are refused, and an address other than
  // loopback is refused. Remote workers get each shared blob once (by content hash), chunk
  // arguments inline, plug-ins by name and SHA-256 (loaded from their own --plugin-dir); the
  // stall rule above also drops a remote worker whose heartbeats show no progress.
  std::string key_file = {};
  // make_executor returns once this many remote workers have joined, or throws
  // Error(kWorkerFailed) after wait_timeout_seconds. With a port and wait_workers > 0, workers
  // may be 0 (no local worker processes). A map that finds no worker at all waits as long for
  // one to join before failing.
  int wait_workers = 0;
  double wait_timeout_seconds = 60.0;
  // The MPI backend (mproc/mpi_executor.hpp): ranks 1..N-1 of the running MpiSession are the
  // workers, and `workers` is the number of oneTBB threads on each rank (-1: the rank's cores,
  // 0 or 1: one). Without a session make_executor throws Error(kUsage) (naming the missing build
  // option when freshet was built without MPI). While a session is active, `port` and
  // `processes` are refused (no process is forked under MPI); serial and thread executors
  // remain available. The CLI sets this whenever its session is active (mpirun, srun, --mpi).
  bool mpi = false;
};

// Builds the executor the options describe. Must be called before the program starts any thread
// when it may fork (the process backend forks its supervisor here, which forks the workers), and
// from the thread that will outlive the executor (the supervisor is told of our death by
// PR_SET_PDEATHSIG, which follows the creating thread).
//
// The process backend (workers > 0 with a port, or with `processes`): N forked workers; map()
// ships arguments once per call through shared memory and hands out chunks of consecutive tasks
// to whichever worker asks first (sizes adapt to measured task time); share() writes the blob
// once into a named shared-memory segment that workers map read-only; a worker that dies, or
// stalls (ExecutorOptions::stall_floor_seconds), is replaced and its unfinished tasks re-run;
// parallel_for runs on a thread pool of `workers` threads in this process (started on first
// use, after the supervisor exists, so no fork ever happens with threads running); a
// one-item map runs inline here (so init also loads the plug-in here). Segments are removed on
// every exit path: orderly ends, SIGINT/SIGTERM/SIGHUP when their disposition at start was the
// default (handlers unlink, then re-raise; a signal the program ignores or handles itself is
// left alone, so an ignored SIGINT never removes a running job's data), and SIGKILL (the
// supervisor removes them); the next start removes segments whose owner died.
// See mproc/README.md and docs/mproc-protocol.md.
//
// The MPI backend (ExecutorOptions::mpi, with an MpiSession active on rank 0): the session's
// other ranks run the tasks; see mproc/mpi_executor.hpp.
std::unique_ptr<Executor> make_executor(const ExecutorOptions& options = {});

// Convenience typed front: peach over doubles for tasks that take and return vectors of double
// (the q walk-through: func over 1 2 3).
std::vector<std::vector<double>> peach(Executor& executor, std::string_view task,
                                       std::span<const std::vector<double>> items);

// Splits [0, n) into `parts` contiguous ranges whose sizes differ by at most one, longer ranges
// last (KX's fold arithmetic; q's .Q.fc "parallel on cut"). Depends only on n and parts.
std::vector<std::pair<std::size_t, std::size_t>> split_ranges(std::size_t n, std::size_t parts);

}  // namespace freshet::mproc
