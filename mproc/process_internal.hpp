#pragma once
// Internals of the process backend shared by the central process (process_executor.cpp), its
// supervisor and its workers (process_worker.cpp). Not part of the public API.
//
// Process tree (see mproc/README.md):
//   central (the program)          owns the segments, hands out chunks, collects results
//     supervisor                   single-threaded: forks and reaps workers, serves the port
//       worker 0..N-1              run chunks of tasks; map inputs read-only
// The first supervisor is forked by make_executor before the program starts threads; one that
// dies is replaced by an exec of the program (spawn_supervisor, never a fork of the threaded
// central process). Every worker, the first ones and every respawn, is a fork of a
// single-threaded supervisor, so no worker is ever forked from a multi-threaded process and none
// inherits the central process's data.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "mproc/registry.hpp"

namespace freshet::mproc::detail {

// Runs one task as the forked and the remote workers run it: the result, or std::nullopt with
// the failure as the RESULTS frame reports it (an Error's code, else kWorkerFailed; the text).
struct TaskFailure {
  std::uint32_t errc = 0;
  std::string message;
};
inline std::optional<Bytes> run_task(const TaskFn& fn, const TaskContext& context,
                                     std::span<const std::byte> argument, TaskFailure& failure) {
  try {
    return fn(context, argument);
  } catch (const Error& e) {
    failure = {static_cast<std::uint32_t>(e.code()), e.what()};
  } catch (const std::exception& e) {
    failure = {static_cast<std::uint32_t>(Errc::kWorkerFailed), e.what()};
  } catch (...) {
    failure = {static_cast<std::uint32_t>(Errc::kWorkerFailed), "unknown exception"};
  }
  return std::nullopt;
}

inline constexpr int kMaxWorkers = 256;
inline constexpr std::uint64_t kControlMagic = 0x31434f5250455246ull;  // "FREPROC1"

enum WorkerState : std::int32_t { kNone = 0, kStarting = 1, kIdle = 2, kBusy = 3, kDead = 4 };

// One per worker slot, in the control segment. Written by the worker (its own slot) and the
// supervisor (pid, state on exit); read by the central process and the status endpoint.
struct WorkerSlot {
  std::atomic<std::int32_t> pid{0};
  std::atomic<std::int32_t> state{kNone};
  std::atomic<std::uint64_t> tasks_done{0};
  std::atomic<std::uint64_t> respawns{0};
  std::atomic<std::int64_t> current_task{-1};
  // Remote workers (written by the central process): 1 for a slot held by a remote worker, and
  // its peer address (cosmetic: the status reply may read it mid-write).
  std::atomic<std::int32_t> remote{0};
  std::atomic<std::int32_t> threads{1};
  char host[64] = {};
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "atomics must work across processes");

// The control segment: small, read-write in every process of the tree.
struct ControlBlock {
  std::uint64_t magic = kControlMagic;
  std::int32_t central_pid = 0;
  std::int32_t supervisor_pid = 0;
  std::int32_t workers = 0;
  std::int32_t port = 0;
  char address[64] = {};
  std::atomic<std::uint64_t> job{0};         // id of the current (or last) map
  std::atomic<std::uint64_t> cancel_job{0};  // workers stop chunks of this job between tasks
  std::atomic<std::int32_t> running{0};      // 1 while a map is in progress
  std::atomic<std::uint64_t> tasks_total{0};
  std::atomic<std::uint64_t> tasks_done{0};
  std::atomic<std::uint64_t> jobs_done{0};
  std::atomic<std::uint64_t> job_started_ns{0};      // CLOCK_MONOTONIC at the current map's start
  std::atomic<std::int32_t> supervisor_restarts{0};  // supervisors started after a death
  char task[96] = {};                                // name of the current map's task
  WorkerSlot slots[kMaxWorkers];
};

// Renders the control block as the status reply ("key value" lines; docs/mproc-protocol.md).
std::string format_status(const ControlBlock& block);
// The same as an HTML page that reloads itself every 2 s (GET / on the port), with the last
// refused connections (`errors`, newest last). Every string from outside is HTML-escaped.
std::string format_status_html(const ControlBlock& block, const std::vector<std::string>& errors);

// Runs the supervisor in a freshly forked child; never returns.
// `key`: the job's secret (empty: no key; remote workers are refused and status needs no
// authentication). With a key, a client must pass the mutual handshake (docs/mproc-protocol.md
// §4) before anything else; an authenticated remote worker's socket is handed to the central
// process (SupervisorMessage::kJoined).
[[noreturn]] void supervisor_main(int central_sock, int listen_fd, ControlBlock* block,
                                  pid_t central_pid, const std::string& key);

// Starts a replacement supervisor by executing this program again (/proc/self/exe) with the
// FRESHET_MPROC_SUPERVISOR marker (mproc/supervisor_entry.cpp; docs/mproc-protocol.md §6): `sock`
// (one end of a SOCK_SEQPACKET pair) becomes its descriptor 3, `listen_fd` (or none when -1) its
// descriptor 4; `key` is sent as the first packet on `central_end`, the pair's other end. Never
// forks this (multi-threaded) process: posix_spawn. Returns the child's pid; throws Error(kIo) if
// it cannot be started. Only meaningful when supervisor_restartable() (the program's main() calls
// supervisor_entry_point()).
pid_t spawn_supervisor(int central_end, int sock, int listen_fd, const std::string& control_segment,
                       const std::string& key);

}  // namespace freshet::mproc::detail
