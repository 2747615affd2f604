#pragma once
// One registry shape for every kind of named thing users type (habit 12): tasks, calculators,
// models, transformers, splitters, scorers and commands. Each is a Registry<Info> keyed by
// Info::name, listed in name order, with the same error for an unknown name:
//   unknown model 'ridg'; known: elastic_net, gaussian_nb, ...
//
// Built-ins register on first use: the constructor takes a function that adds them, called once,
// before the first lookup or addition from any thread. It may call add() (directly or through a
// module's register_* function): calls made by the thread running it do not wait for it.
//
// Thread-safety: every member is safe to call concurrently. Entries are never removed, and
// std::map nodes are stable, so a returned pointer stays valid for the program's life; replacing
// an entry (Duplicate::kReplace) changes what it points to, so only plug-in loading and tests
// should do that, never while tasks run.

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace freshet {

// "a, b, c": the names, in order.
inline std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

enum class Duplicate { kReject, kReplace };

template <class Info>
class Registry {
 public:
  // `kind` names the things in messages ("model", "splitter"). `builtins` adds the built-in
  // entries; empty for registries filled only by static registrars.
  explicit Registry(std::string kind, std::function<void()> builtins = {})
      : kind_(std::move(kind)), builtins_(std::move(builtins)) {}
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  const std::string& kind() const { return kind_; }

  // Adds `info` under info.name. Throws Error(kInvalidArgument) for an empty name, and for a
  // name already registered unless on_duplicate is kReplace.
  void add(Info info, Duplicate on_duplicate = Duplicate::kReject) {
    ensure_builtins();
    if (info.name.empty()) {
      throw Error(Errc::kInvalidArgument, "register " + kind_ + ": empty name");
    }
    std::unique_lock lock(mutex_);
    auto it = items_.find(info.name);
    if (it == items_.end()) {
      std::string key = info.name;
      items_.emplace(std::move(key), std::move(info));
      return;
    }
    if (on_duplicate == Duplicate::kReject) {
      throw Error(Errc::kInvalidArgument,
                  "register " + kind_ + ": '" + info.name + "' is already registered");
    }
    it->second = std::move(info);
  }

  // The entry, or nullptr.
  const Info* find(std::string_view name) const {
    ensure_builtins();
    std::shared_lock lock(mutex_);
    const auto it = items_.find(name);
    return it == items_.end() ? nullptr : &it->second;
  }

  // The entry; throws Error(kNotFound) "unknown <kind> '<name>'; known: a, b, c".
  const Info& get(std::string_view name) const {
    if (const Info* info = find(name)) return *info;
    throw unknown(name);
  }

  // The error get() throws, for callers that look names up their own way.
  Error unknown(std::string_view name) const {
    return Error(Errc::kNotFound, "unknown " + kind_ + " '" + std::string(name) +
                                      "'; known: " + join_names(names()));
  }

  // Every entry, sorted by name.
  std::vector<const Info*> sorted() const {
    ensure_builtins();
    std::shared_lock lock(mutex_);
    std::vector<const Info*> out;
    out.reserve(items_.size());
    for (const auto& [name, info] : items_) out.push_back(&info);
    return out;
  }

  std::vector<std::string> names() const {
    ensure_builtins();
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (const auto& [name, info] : items_) out.push_back(name);
    return out;
  }

 private:
  // Runs builtins_ once. The thread running it may re-enter (its registrations call add());
  // every other thread waits until it has finished.
  void ensure_builtins() const {
    if (ready_.load(std::memory_order_acquire)) return;
    if (builder_.load(std::memory_order_acquire) == std::this_thread::get_id()) return;
    std::lock_guard lock(init_mutex_);
    if (ready_.load(std::memory_order_relaxed)) return;
    builder_.store(std::this_thread::get_id(), std::memory_order_release);
    struct Done {
      const Registry* self;
      ~Done() {
        self->builder_.store(std::thread::id(), std::memory_order_release);
        self->ready_.store(true, std::memory_order_release);
      }
    } done{this};
    if (builtins_) builtins_();
  }

  std::string kind_;
  std::function<void()> builtins_;
  mutable std::mutex init_mutex_;
  mutable std::atomic<bool> ready_{false};
  mutable std::atomic<std::thread::id> builder_{};
  mutable std::shared_mutex mutex_;
  std::map<std::string, Info, std::less<>> items_;
};

}  // namespace freshet
