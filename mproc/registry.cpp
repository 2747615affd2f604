#include "mproc/registry.hpp"

#include "core/registry.hpp"

namespace freshet::mproc {

namespace {
struct TaskInfo {
  std::string name;
  TaskFn fn;
};
}  // namespace

struct Registry::Impl {
  freshet::Registry<TaskInfo> tasks{"task"};
};

Registry& Registry::global() {
  static Registry registry;
  return registry;
}

Registry::Impl& Registry::impl() const {
  static Impl impl;  // function-local: safe to use from other static initialisers
  return impl;
}

void Registry::add(std::string name, TaskFn fn) {
  // A plug-in loaded again, or a test, may re-register a task: the newest function wins.
  impl().tasks.add({std::move(name), std::move(fn)}, Duplicate::kReplace);
}

const TaskFn* Registry::find(std::string_view name) const {
  const TaskInfo* info = impl().tasks.find(name);
  return info == nullptr ? nullptr : &info->fn;
}

std::vector<std::string> Registry::names() const { return impl().tasks.names(); }

Error no_such_function(std::string_view task, std::string_view where) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "'" + string.
  std::string message;
  message += '\'';
  message += task;
  message += "': no such function on ";
  message += where;
  message += "; load it with init (Executor::init / --plugin) first";
  return Error(Errc::kNotFound, message);
}

}  // namespace freshet::mproc
