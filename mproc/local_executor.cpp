#include "mproc/local_executor.hpp"

#include <dlfcn.h>
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "mproc/mpi_executor.hpp"

namespace freshet::mproc {

std::string_view backend_name(Backend backend) noexcept {
  switch (backend) {
    case Backend::kSerial:
      return "serial";
    case Backend::kThreads:
      return "threads";
    case Backend::kProcesses:
      return "processes";
    case Backend::kMpi:
      return "mpi";
  }
  return "unknown";
}

void Executor::share_with(std::string key, std::size_t size,
                          const std::function<void(std::span<std::byte>)>& fill) {
  Bytes buffer(size);
  fill(buffer);
  owned_shares_.push_back(std::move(buffer));
  share(std::move(key), owned_shares_.back());
}

ScopedShare::ScopedShare(Executor& executor, std::string key, std::span<const std::byte> data)
    : executor_(executor), key_(std::move(key)) {
  executor_.share(key_, data);
}

ScopedShare::ScopedShare(Executor& executor, std::string key, std::size_t size,
                         const std::function<void(std::span<std::byte>)>& fill)
    : executor_(executor), key_(std::move(key)) {
  executor_.share_with(key_, size, fill);
}

ScopedShare::~ScopedShare() {
  try {
    executor_.unshare(key_);
  } catch (...) {  // a destructor may run during unwinding: the first error is the one to report
  }
}

std::string unique_share_key(std::string_view prefix) {
  static std::atomic<std::uint64_t> counter{0};
  return std::string(prefix) + "." + std::to_string(counter.fetch_add(1));
}

std::vector<std::pair<std::size_t, std::size_t>> split_ranges(std::size_t n, std::size_t parts) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  if (n == 0) return out;
  if (parts == 0) parts = 1;
  if (parts > n) parts = n;
  const std::size_t base = n / parts, extra = n % parts;
  std::size_t begin = 0;
  for (std::size_t p = 0; p < parts; ++p) {
    const std::size_t len = base + (p >= parts - extra ? 1 : 0);  // longer ranges last
    out.emplace_back(begin, begin + len);
    begin += len;
  }
  return out;
}

namespace detail {

void SharedViews::put(std::string key, std::span<const std::byte> data) {
  if (auto it = owned_.find(key); it != owned_.end()) owned_.erase(it);
  views_[std::move(key)] = data;
}
void SharedViews::put_owned(std::string key, Bytes data) {
  Bytes& stored = owned_[key] = std::move(data);
  views_[std::move(key)] = stored;
}
void SharedViews::erase(std::string_view key) {
  if (auto it = views_.find(key); it != views_.end()) views_.erase(it);
  if (auto it = owned_.find(key); it != owned_.end()) owned_.erase(it);
}
std::span<const std::byte> SharedViews::get(std::string_view key) const {
  auto it = views_.find(key);
  if (it == views_.end())
    throw Error(Errc::kNotFound, "no shared data under key '" + std::string(key) + "'");
  return it->second;
}

void load_plugin(const std::string& path) {
  static std::mutex mutex;
  static std::set<std::string> loaded;
  std::lock_guard lock(mutex);
  if (loaded.count(path)) return;
  // RTLD_NODELETE: registered std::function objects point into the library; it must never be
  // unmapped while the registry lives.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
  if (!handle) {
    const char* why = ::dlerror();
    throw Error(Errc::kNotFound,
                "cannot load plug-in '" + path + "': " + (why ? why : "unknown dlopen error"));
  }
  loaded.insert(path);
}

Bytes run_task_inline(std::string_view task, const TaskFn& fn, const TaskContext& context,
                      std::span<const std::byte> argument) {
  return fn(context, argument);
}

namespace {

// oneTBB's scheduler (libtbb.so) is not built with TSan, so TSan cannot see that the caller's
// writes happen before the bodies run and the bodies' writes before parallel_for returns. These
// annotations state exactly that fork/join edge (nothing between concurrent bodies, so races
// between tasks are still reported). No-ops in other builds.
#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
inline void tsan_acquire(void* addr) { __tsan_acquire(addr); }
inline void tsan_release(void* addr) { __tsan_release(addr); }
#else
inline void tsan_acquire(void*) {}
inline void tsan_release(void*) {}
#endif

const TaskFn& lookup(std::string_view task) {
  const TaskFn* fn = Registry::global().find(task);
  if (!fn) throw no_such_function(task, "worker (pid " + std::to_string(::getpid()) + ")");
  return *fn;
}

class LocalContext final : public TaskContext {
 public:
  LocalContext(const SharedViews& views, int worker) : views_(views), worker_(worker) {}
  std::span<const std::byte> shared(std::string_view key) const override { return views_.get(key); }
  int worker() const override { return worker_; }
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) const override {
    if (pool_ == nullptr) {
      TaskContext::parallel_for(n, body);
      return;
    }
    // The task runs inside the executor's arena: its own loop nests there (oneTBB steals the
    // items into idle threads), with the same fork/join annotations and failure rule.
    pool_->parallel_for(n, body);
  }
  // The thread executor whose arena runs the task (its parallel maps); null: loops run in order.
  void set_pool(Executor* pool) { pool_ = pool; }

 private:
  const SharedViews& views_;
  int worker_;
  Executor* pool_ = nullptr;
};

[[noreturn]] void rethrow_task_failure(std::string_view task, std::size_t index, int worker,
                                       std::exception_ptr error) {
  std::string what;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  throw Error(Errc::kWorkerFailed, "task '" + std::string(task) + "' #" + std::to_string(index) +
                                       " failed on worker " + std::to_string(worker) + " (pid " +
                                       std::to_string(::getpid()) + "): " + what);
}

class SerialExecutor final : public Executor {
 public:
  Backend backend() const override { return Backend::kSerial; }
  int workers() const override { return 1; }
  void share(std::string key, std::span<const std::byte> data) override {
    views_.put(std::move(key), data);
  }
  void unshare(std::string_view key) override { views_.erase(key); }
  void share_with(std::string key, std::size_t size,
                  const std::function<void(std::span<std::byte>)>& fill) override {
    Bytes buffer(size);
    fill(buffer);
    views_.put_owned(std::move(key), std::move(buffer));
  }
  std::vector<Bytes> map(std::string_view task, std::span<const Bytes> arguments) override {
    const TaskFn& fn = lookup(task);
    LocalContext context(views_, -1);
    std::vector<Bytes> results(arguments.size());
    for (std::size_t i = 0; i < arguments.size(); ++i) {
      try {
        results[i] = fn(context, arguments[i]);
      } catch (...) {
        rethrow_task_failure(task, i, 0, std::current_exception());
      }
    }
    return results;
  }
  void init(const std::string& plugin_path) override { load_plugin(plugin_path); }
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) override {
    for (std::size_t i = 0; i < n; ++i) body(i);
  }

 private:
  SharedViews views_;
};

class ThreadExecutor final : public Executor {
 public:
  explicit ThreadExecutor(int threads)
      : threads_(threads > 0 ? threads : static_cast<int>(tbb::info::default_concurrency())),
        allow_(tbb::global_control::max_allowed_parallelism,
               static_cast<std::size_t>(std::max(threads_, 1))),
        arena_(threads_) {}
  Backend backend() const override { return Backend::kThreads; }
  int workers() const override { return threads_; }
  void share(std::string key, std::span<const std::byte> data) override {
    views_.put(std::move(key), data);
  }
  void unshare(std::string_view key) override { views_.erase(key); }
  void share_with(std::string key, std::size_t size,
                  const std::function<void(std::span<std::byte>)>& fill) override {
    Bytes buffer(size);
    fill(buffer);
    views_.put_owned(std::move(key), std::move(buffer));
  }

  std::vector<Bytes> map(std::string_view task, std::span<const Bytes> arguments) override {
    const TaskFn& fn = lookup(task);
    std::vector<Bytes> results(arguments.size());
    if (arguments.size() <= 1 || threads_ == 1) {
      LocalContext context(views_, arguments.size() <= 1 ? -1 : 0);
      for (std::size_t i = 0; i < arguments.size(); ++i) {
        try {
          results[i] = fn(context, arguments[i]);
        } catch (...) {
          rethrow_task_failure(task, i, 0, std::current_exception());
        }
      }
      return results;
    }
    Failure failure;
    run_indexed(arguments.size(), failure, [&](std::size_t i, int slot) {
      LocalContext context(views_, slot);
      context.set_pool(this);
      results[i] = fn(context, arguments[i]);
    });
    if (failure.error) rethrow_task_failure(task, failure.index, failure.worker, failure.error);
    return results;
  }

  void init(const std::string& plugin_path) override { load_plugin(plugin_path); }

  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) override {
    if (n <= 1 || threads_ == 1) {
      for (std::size_t i = 0; i < n; ++i) body(i);
      return;
    }
    Failure failure;
    run_indexed(n, failure, [&](std::size_t i, int) { body(i); });
    if (failure.error) std::rethrow_exception(failure.error);
  }

 private:
  struct Failure {
    std::mutex mutex;
    std::exception_ptr error;
    std::size_t index = 0;
    int worker = 0;
    std::atomic<bool> stop{false};
    char fork_token = 0, join_token = 0;  // TSan happens-before tokens (see tsan_release)
  };

  // Runs f(i, slot) for every i with dynamic balancing (oneTBB's auto partitioner: ranges are
  // split further whenever a thread steals, so large uneven tasks still spread, while tiny tasks
  // are not scheduled one by one); records the failure with the lowest index and stops starting
  // new items after one.
  template <class F>
  void run_indexed(std::size_t n, Failure& failure, F&& f) {
    tsan_release(&failure.fork_token);
    arena_.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, n, 1),
          [&](const tbb::blocked_range<std::size_t>& range) {
            tsan_acquire(&failure.fork_token);
            struct Joined {
              Failure& f;
              ~Joined() { tsan_release(&f.join_token); }
            } joined{failure};
            const int slot = tbb::this_task_arena::current_thread_index();
            for (std::size_t i = range.begin(); i != range.end(); ++i) {
              if (failure.stop.load(std::memory_order_relaxed)) return;
              try {
                f(i, slot);
              } catch (...) {
                std::lock_guard lock(failure.mutex);
                if (!failure.error || i < failure.index) {
                  failure.error = std::current_exception();
                  failure.index = i;
                  failure.worker = slot;
                }
                failure.stop.store(true, std::memory_order_relaxed);
              }
            }
          },
          tbb::auto_partitioner());
    });
    tsan_acquire(&failure.join_token);
  }

  int threads_;
  // --workers N means N threads even past the core count: TBB's default caps its worker pool at
  // the cores (and warned "number of workers is currently limited"). While several executors
  // exist, the largest limit holds; each arena still runs at most its own N.
  tbb::global_control allow_;
  tbb::task_arena arena_;
  SharedViews views_;
};

}  // namespace

std::unique_ptr<Executor> make_serial_executor() { return std::make_unique<SerialExecutor>(); }
std::unique_ptr<Executor> make_thread_executor(int threads) {
  return std::make_unique<ThreadExecutor>(threads);
}

}  // namespace detail

std::unique_ptr<Executor> make_executor(const ExecutorOptions& options) {
  if (options.workers < -1)
    throw Error(Errc::kInvalidArgument,
                "--workers must be -1 (all cores), 0 (serial) or a positive count, got " +
                    std::to_string(options.workers));
  if (options.port < 0 || options.port > 65535)
    throw Error(Errc::kInvalidArgument,
                "--port must be in 1..65535, got " + std::to_string(options.port));
  std::unique_ptr<Executor> executor;
  if (options.wait_workers < 0)
    throw Error(Errc::kInvalidArgument,
                "--wait-workers must be >= 0, got " + std::to_string(options.wait_workers));
  if ((!options.key_file.empty() || options.wait_workers > 0) && options.port == 0)
    throw Error(Errc::kInvalidArgument,
                "--key-file and --wait-workers need --port (where remote workers connect)");
  if (options.wait_workers > 0 && options.key_file.empty())
    throw Error(Errc::kInvalidArgument,
                "--wait-workers needs --key-file (remote workers must authenticate)");
  // Under MPI the ranks are the workers: forking worker processes next to MPI would break the
  // fork discipline (MPI_Init starts threads) and double the workers.
  if ((options.mpi || mpi_session_active()) && (options.port != 0 || options.processes))
    throw Error(Errc::kUsage,
                "--port (worker processes) cannot be used under MPI: the MPI ranks are the "
                "workers (drop --port, or start freshet without mpirun/srun)");
  if (options.mpi) {
    executor = detail::make_mpi_executor(options);
  } else if (options.port != 0 || options.processes) {
    const bool remote_only = options.port != 0 && options.wait_workers > 0;
    if (options.workers == 0 && !remote_only)
      throw Error(Errc::kInvalidArgument,
                  "--port needs --workers N with N > 0 (the number of worker processes), or "
                  "--wait-workers N (remote workers only)");
    if (options.workers < 0 && !remote_only)
      throw Error(Errc::kInvalidArgument,
                  "--port needs --workers N with N > 0 (the number of worker processes)");
    ExecutorOptions process_options = options;
    if (process_options.workers < 0) process_options.workers = 0;  // remote workers only
    executor = detail::make_process_executor(process_options);
  } else if (options.workers == 0) {
    executor = detail::make_serial_executor();
  } else {
    executor = detail::make_thread_executor(options.workers);
  }
  for (const auto& plugin : options.plugins) executor->init(plugin);
  return executor;
}

std::vector<std::vector<double>> peach(Executor& executor, std::string_view task,
                                       std::span<const std::vector<double>> items) {
  std::vector<Bytes> args;
  args.reserve(items.size());
  for (const auto& item : items) {
    ByteWriter w;
    w.put_span(std::span<const double>(item));
    args.push_back(std::move(w).take());
  }
  auto results = executor.map(task, args);
  std::vector<std::vector<double>> out;
  out.reserve(results.size());
  for (const auto& r : results) {
    ByteReader reader(r);
    out.push_back(reader.get_vector<double>());
  }
  return out;
}

}  // namespace freshet::mproc
