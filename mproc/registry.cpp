#include "mproc/registry.hpp"

#include <map>
#include <mutex>
#include <shared_mutex>

namespace freshet::mproc {

struct Registry::Impl {
  mutable std::shared_mutex mutex;
  std::map<std::string, TaskFn, std::less<>> tasks;
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
  std::unique_lock lock(impl().mutex);
  impl().tasks[std::move(name)] = std::move(fn);
}

const TaskFn* Registry::find(std::string_view name) const {
  std::shared_lock lock(impl().mutex);
  auto it = impl().tasks.find(name);
  return it == impl().tasks.end() ? nullptr : &it->second;
}

std::vector<std::string> Registry::names() const {
  std::shared_lock lock(impl().mutex);
  std::vector<std::string> out;
  for (const auto& [name, fn] : impl().tasks) out.push_back(name);
  return out;
}

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
