#pragma once
// The task registry: functions that an executor can run, keyed by the name users and the wire
// protocol use. A task is a plain function of bytes to bytes, so the same task runs in-process
// (serial, threads), in a forked worker, on a remote worker or on an MPI rank.
//
// Registration happens at static-initialisation time with FRESHET_TASK, so a forked worker (a
// copy of the same binary) has every built-in task before its first job. Put the FRESHET_TASK
// line in the same .cpp as a public function the program calls, or the static linker may drop
// the object file and the task with it. Plug-ins add tasks at runtime
// (Executor::init in mproc/executor.hpp loads them).
//
// Thread-safety: lookups are safe concurrently with each other; add() takes a lock.

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace freshet::mproc {

// What a running task can see besides its argument.
class TaskContext {
 public:
  virtual ~TaskContext() = default;
  // The read-only blob published with Executor::share(key). Throws Error(kNotFound) naming the
  // key. The view lives until the current task returns.
  virtual std::span<const std::byte> shared(std::string_view key) const = 0;
  // 0-based index of the worker (thread slot or process) running the task; -1 for inline runs.
  virtual int worker() const = 0;
  // Runs body(0..n-1) for work inside this task: on the thread backend nested in the same pool,
  // so threads that ran out of tasks help (body must then be safe to run concurrently for
  // different i); elsewhere in order on the calling thread. An exception from body propagates.
  virtual void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) const {
    for (std::size_t i = 0; i < n; ++i) body(i);
  }
};

// A task: reads its argument, returns its result. Failures throw (freshet::Error or any
// std::exception); the executor reports them with the task's name, index and worker.
using TaskFn =
    std::function<Bytes(const TaskContext& context, std::span<const std::byte> argument)>;

class Registry {
 public:
  static Registry& global();
  // Adds or replaces a task. Names are "module.verb", e.g. "fresh.extract_chunk".
  void add(std::string name, TaskFn fn);
  // The task, or nullptr.
  const TaskFn* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  Registry() = default;
  struct Impl;
  Impl& impl() const;
};

// The error for a task name that is not registered where it should run (q's 'func), the same on
// every backend: "'func': no such function on <where>; load it with init (Executor::init /
// --plugin) first". `where` names the process, e.g. "worker 0 (pid 4244)".
Error no_such_function(std::string_view task, std::string_view where);

struct TaskRegistrar {
  TaskRegistrar(const char* name, TaskFn fn) { Registry::global().add(name, std::move(fn)); }
};

}  // namespace freshet::mproc

#define FRESHET_TASK_CONCAT2(a, b) a##b
#define FRESHET_TASK_CONCAT(a, b) FRESHET_TASK_CONCAT2(a, b)
// FRESHET_TASK("fresh.extract_chunk", extract_chunk_task);
#define FRESHET_TASK(name, fn)                                                              \
  static const ::freshet::mproc::TaskRegistrar FRESHET_TASK_CONCAT(freshet_task_registrar_, \
                                                                   __LINE__)(name, fn)
