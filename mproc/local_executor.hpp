#pragma once
// The in-process backends: serial (a plain `each` on the calling thread) and threads (oneTBB with
// dynamic load balancing). Internal to mproc: use make_executor().

#include <map>
#include <memory>
#include <mutex>

#include "mproc/executor.hpp"

namespace freshet::mproc::detail {

// Shared blobs by key, as views of the caller's memory. No lock: the executor's contract is that
// share/unshare run on the thread that drives map(), never during one, so while tasks read (every
// tiny task looks its input up here) nothing writes. A mutex here was most of the thread backend's
// per-task cost with two threads: both cores bounced its cache line on every lookup.
class SharedViews {
 public:
  void put(std::string key, std::span<const std::byte> data);
  // Keeps `data` itself (share_with): owned until erased or replaced.
  void put_owned(std::string key, Bytes data);
  void erase(std::string_view key);
  std::span<const std::byte> get(std::string_view key) const;

 private:
  std::map<std::string, std::span<const std::byte>, std::less<>> views_;
  std::map<std::string, Bytes, std::less<>> owned_;
};

std::unique_ptr<Executor> make_serial_executor();
std::unique_ptr<Executor> make_thread_executor(int threads);  // threads <= 0: all cores
// Implemented by the process backend (mproc/process_executor.cpp).
std::unique_ptr<Executor> make_process_executor(const ExecutorOptions& options);

// Implemented by the MPI backend (mproc/mpi_executor.cpp; without MPI, throws Error(kUsage)).
std::unique_ptr<Executor> make_mpi_executor(const ExecutorOptions& options);

// Loads a plug-in into this process (dlopen RTLD_NOW|RTLD_GLOBAL; the library's static
// registrars add its tasks). Loading the same path twice is a no-op. Throws Error(kNotFound).
void load_plugin(const std::string& path);

// Runs a registered task in this process; wraps failures as the executor contract says.
Bytes run_task_inline(std::string_view task, const TaskFn& fn, const TaskContext& context,
                      std::span<const std::byte> argument);

}  // namespace freshet::mproc::detail
