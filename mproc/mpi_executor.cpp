// The MPI backend (contract: mproc/mpi_executor.hpp). Built with MPI when CMake defines
// FRESHET_HAVE_MPI; otherwise only the launcher checks and clear "built without MPI" errors.
//
// Messages (MPI_COMM_WORLD duplicated, so no user message can match ours; the tag is the wire
// frame type, so MPI frames the messages and mproc/wire.hpp encodes the payloads):
//   rank 0 -> worker  kInit (Init), kShare (Share: key, size), kUnshare (Unshare), kShutdown,
//                     kChunk (a CHUNK frame, header included, then the chunk's arguments in the
//                     arguments encoding, indices relative to the chunk), kTagThreads (i32),
//                     kTagCancel (u64 job: drop queued chunks of that job)
//   worker -> rank 0  kInitDone (InitDone), kResults (a RESULTS payload)
// A worker handles its messages in the order rank 0 sent them (MPI does not overtake messages
// between one pair of ranks on one communicator); only a cancel is looked for out of order.

#include "mproc/mpi_executor.hpp"

#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>

#include "core/error.hpp"
#include "mproc/local_executor.hpp"
#include "mproc/wire.hpp"

#if FRESHET_HAVE_MPI
// The C API only: the deprecated C++ bindings warn under -Wextra and need libmpi_cxx.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace freshet::mproc {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

[[maybe_unused]] std::string built_without_mpi() {
  return "this freshet was built without MPI (install libopenmpi-dev and configure with "
         "-DFRESHET_MPI=ON)";
}

}  // namespace

bool mpi_built() noexcept { return FRESHET_HAVE_MPI != 0; }

bool mpi_launched() noexcept {
  return env("OMPI_COMM_WORLD_SIZE") || env("PMI_SIZE") || env("PMIX_RANK");
}

int mpi_launcher_rank() noexcept {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"})
    if (const char* v = env(name)) return std::atoi(v);
  return -1;
}

#if !FRESHET_HAVE_MPI

struct MpiSession::State {};

MpiSession::MpiSession(bool requested) {
  if (!requested && !mpi_launched()) return;
  throw Error(Errc::kUsage,
              built_without_mpi() + (requested ? std::string(", but --mpi asked for it")
                                               : std::string(", but an MPI launcher (mpirun/srun) "
                                                             "started it: every rank would run the "
                                                             "whole command")));
}
MpiSession::~MpiSession() = default;
int MpiSession::serve() {
  throw Error(Errc::kInvalidArgument, "MpiSession::serve: no MPI session");
}

bool mpi_session_active() noexcept { return false; }

namespace detail {
std::unique_ptr<Executor> make_mpi_executor(const ExecutorOptions&) {
  throw Error(Errc::kUsage, built_without_mpi() + ", but the MPI backend (--mpi) was asked for");
}
}  // namespace detail

#else  // FRESHET_HAVE_MPI

namespace {

constexpr int kTagThreads = 1001;
constexpr int kTagCancel = 1002;
constexpr std::uint64_t kTargetChunkNs = 2'000'000;  // as the process backend
constexpr std::uint64_t kMinChunkNs = 100'000;
constexpr int kInFlightPerRank = 2;
constexpr std::size_t kBcastPiece = std::size_t{1} << 30;  // MPI 3.1 counts are int

int tag_of(wire::Type type) { return static_cast<int>(type); }

using Clock = std::chrono::steady_clock;

std::uint64_t ns_since(Clock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count());
}

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(Errc::kIo,
              std::string(what) + ": " + std::string(text, static_cast<std::size_t>(len)));
}

int mpi_count(std::size_t bytes, const char* what) {
  if (bytes > static_cast<std::size_t>(INT32_MAX))
    throw Error(Errc::kInvalidArgument,
                std::string(what) + " of " + std::to_string(bytes) +
                    " bytes is too large for one MPI message (2 GiB); use smaller chunks");
  return static_cast<int>(bytes);
}

// Doorbells: one futex word per rank of this node, in a small MPI shared-memory window. MPI
// has no way to wait for a message without spinning; a sender on the same node rings the
// receiver's bell after each message, so an idle rank sleeps in the kernel and wakes the moment
// work arrives, like the process backend's poll() (a rank that sleep-polls instead wakes on a
// timer and, on a busy node, queues behind every other runnable process).
struct Doorbells {
  MPI_Win win = MPI_WIN_NULL;
  std::uint32_t* mine = nullptr;
  std::vector<std::uint32_t*> of_rank;  // by world rank; nullptr: on another node
  bool all_local = false;               // every rank shares this node: every message rings
};
Doorbells g_bells;

void ring(int rank) {
  if (rank < 0 || static_cast<std::size_t>(rank) >= g_bells.of_rank.size()) return;
  std::uint32_t* bell = g_bells.of_rank[static_cast<std::size_t>(rank)];
  if (bell == nullptr) return;
  std::atomic_ref<std::uint32_t>(*bell).fetch_add(1, std::memory_order_release);
  ::syscall(SYS_futex, bell, FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

// Waits for the next message: polls for the first 100 us (a reply is often microseconds
// away), then sleeps on this rank's doorbell (a 20 ms timeout as a safety net), or, when
// messages may come from another node (which cannot ring), sleeps with growing pauses up to
// 250 us, so an idle rank does not take a core from the ranks that compute. Read bell() before
// polling and pass it to wait(): a ring between the poll and the sleep is then not lost.
class Waiter {
 public:
  std::uint32_t bell() const {
    return g_bells.mine ? std::atomic_ref<std::uint32_t>(*g_bells.mine).load() : 0;
  }
  void wait(std::uint32_t seen) {
    if (spinning_) {
      if (Clock::now() - start_ < std::chrono::microseconds(100)) return;
      spinning_ = false;
    }
    if (g_bells.all_local && g_bells.mine) {
      timespec timeout{0, 5'000'000};
      ::syscall(SYS_futex, g_bells.mine, FUTEX_WAIT, seen, &timeout, nullptr, 0);
      // Rung: the message may need a few more polls to show up (MPI delivers it during
      // progress), so poll again before the next sleep.
      spinning_ = true;
      start_ = Clock::now();
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    sleep_us_ = std::min(sleep_us_ * 2, 250);
  }

 private:
  Clock::time_point start_ = Clock::now();
  bool spinning_ = true;
  int sleep_us_ = 10;
};

// Receives the next message from `source` (or any) with `tag` (or any).
Bytes receive(MPI_Comm comm, int source, int tag, MPI_Status& status) {
  Waiter waiter;
  for (;;) {
    const std::uint32_t seen = waiter.bell();
    int flag = 0;
    check(MPI_Iprobe(source, tag, comm, &flag, &status), "MPI_Iprobe");
    if (flag) break;
    waiter.wait(seen);
  }
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  Bytes buffer(static_cast<std::size_t>(count));
  check(MPI_Recv(buffer.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, comm,
                 MPI_STATUS_IGNORE),
        "MPI_Recv");
  return buffer;
}

MpiSession* g_session = nullptr;

// A blob in a node's shared window: `data` views memory of the node's first rank.
struct Window {
  MPI_Win win = MPI_WIN_NULL;
  std::span<const std::byte> data;
};

}  // namespace

struct MpiSession::State {
  MPI_Comm world = MPI_COMM_NULL;    // a duplicate of MPI_COMM_WORLD: our messages only
  MPI_Comm node = MPI_COMM_NULL;     // the ranks of this node (MPI_COMM_TYPE_SHARED)
  MPI_Comm leaders = MPI_COMM_NULL;  // every node's first rank; MPI_COMM_NULL on the others
  int node_rank = 0;
  std::vector<std::string> names;  // rank 0: "rank 2 (host h, pid p)" for every rank
  std::uint64_t next_job = 0;
  std::uint64_t next_chunk = 0;
  bool executor_alive = false;

  // Collective on every rank: a blob of `size` bytes in this node's window; rank 0 fills it
  // (`fill`, may throw: every rank then frees the window and rank 0 rethrows), then the nodes'
  // first ranks receive it from rank 0.
  Window share(std::size_t size, const std::function<void(std::span<std::byte>)>* fill) {
    Window w;
    void* base = nullptr;
    const MPI_Aint own = node_rank == 0 ? static_cast<MPI_Aint>(size) : 0;
    check(MPI_Win_allocate_shared(own, 1, MPI_INFO_NULL, node, &base, &w.win),
          "MPI_Win_allocate_shared");
    MPI_Aint got = 0;
    int disp = 1;
    void* leader_base = nullptr;
    check(MPI_Win_shared_query(w.win, 0, &got, &disp, &leader_base), "MPI_Win_shared_query");
    auto* bytes = static_cast<std::byte*>(leader_base);
    std::exception_ptr failed;
    int ok = 1;
    if (fill != nullptr) {
      try {
        (*fill)(std::span<std::byte>(bytes, size));
      } catch (...) {
        failed = std::current_exception();
        ok = 0;
      }
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, world);
    if (!ok) {
      MPI_Win_free(&w.win);
      if (failed) std::rethrow_exception(failed);
      return Window{};
    }
    if (leaders != MPI_COMM_NULL) {
      for (std::size_t at = 0; at < size; at += kBcastPiece) {
        const int n = static_cast<int>(std::min(kBcastPiece, size - at));
        MPI_Bcast(bytes + at, n, MPI_BYTE, 0, leaders);
      }
    }
    // The node's ranks read the leader's bytes only after it has them all.
    MPI_Barrier(node);
    w.data = std::span<const std::byte>(bytes, size);
    return w;
  }
};

namespace {

// What a task on a worker rank, or inline on rank 0, sees.
class RankContext final : public TaskContext {
 public:
  RankContext(const std::map<std::string, Window, std::less<> >& shares, Executor* pool, int worker)
      : shares_(shares), pool_(pool), worker_(worker) {}
  std::span<const std::byte> shared(std::string_view key) const override {
    auto it = shares_.find(key);
    if (it == shares_.end())
      throw Error(Errc::kNotFound, "no shared data under key '" + std::string(key) + "'");
    return it->second.data;
  }
  int worker() const override { return worker_; }
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) const override {
    pool_->parallel_for(n, body);
  }

 private:
  const std::map<std::string, Window, std::less<> >& shares_;
  Executor* pool_;
  int worker_;
};

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return "?";
  return host;
}

std::string describe_rank(int rank, const std::string& host, long pid) {
  return "rank " + std::to_string(rank) + " (host " + host + ", pid " + std::to_string(pid) + ")";
}

// ---- rank 0's last words ------------------------------------------------------------------
// When a rank dies, the launcher terminates the others (SIGTERM, then SIGKILL). Rank 0 says what
// it was waiting for: a line kept up to date as chunks go out and come back, written by the
// handler with write(2) (async-signal-safe), then the signal's default action.
char g_last_words[2][2048];
std::atomic<int> g_last_words_at{-1};
struct sigaction g_old_term;
bool g_term_installed = false;

void set_last_words(const std::string& line) {
  const int next = g_last_words_at.load() == 0 ? 1 : 0;
  const std::size_t n = std::min(line.size(), sizeof g_last_words[0] - 2);
  std::memcpy(g_last_words[next], line.data(), n);
  g_last_words[next][n] = '\n';
  g_last_words[next][n + 1] = '\0';
  g_last_words_at.store(next);
}
void clear_last_words() { g_last_words_at.store(-1); }

extern "C" void on_terminate(int sig) {
  const int at = g_last_words_at.load();
  if (at >= 0) {
    const char* line = g_last_words[at];
    ssize_t ignored = ::write(2, line, std::strlen(line));
    (void)ignored;
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_terminate_handler() {
  struct sigaction current {};
  if (::sigaction(SIGTERM, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) return;
  struct sigaction sa {};
  sa.sa_handler = on_terminate;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGTERM, &sa, &g_old_term) == 0) g_term_installed = true;
}

// ---- the worker ranks ---------------------------------------------------------------------

class WorkerLoop {
 public:
  WorkerLoop(MpiSession::State& s, int rank)
      : s_(s), rank_(rank), where_(describe_rank(rank, host_name(), ::getpid())) {
    pool_ = detail::make_thread_executor(0);
  }

  void run() {
    for (;;) {
      MPI_Status st;
      Bytes m = receive(s_.world, 0, MPI_ANY_TAG, st);
      const int tag = st.MPI_TAG;
      if (tag == tag_of(wire::Type::kShutdown)) break;
      if (tag == kTagCancel) {
        note_cancel(m);
      } else if (tag == kTagThreads) {
        std::int32_t threads = 0;
        if (m.size() == sizeof threads) std::memcpy(&threads, m.data(), sizeof threads);
        if (threads != threads_) {
          pool_.reset();
          pool_ = detail::make_thread_executor(threads);
          threads_ = threads;
        }
      } else if (tag == tag_of(wire::Type::kInit)) {
        wire::InitDone done;
        try {
          detail::load_plugin(wire::decode_init(m).plugin_path);
        } catch (const std::exception& e) {
          done.ok = false;
          done.message = e.what();
        }
        const Bytes reply = wire::encode(done);
        MPI_Send(reply.data(), mpi_count(reply.size(), "INIT_DONE"), MPI_BYTE, 0,
                 tag_of(wire::Type::kInitDone), s_.world);
        ring(0);
      } else if (tag == tag_of(wire::Type::kShare)) {
        const wire::Share share = wire::decode_share(m);
        Window w = s_.share(static_cast<std::size_t>(share.size), nullptr);
        if (w.win != MPI_WIN_NULL) put_share(share.key, w);
      } else if (tag == tag_of(wire::Type::kUnshare)) {
        drop_share(wire::decode_unshare(m).key);
      } else if (tag == tag_of(wire::Type::kChunk)) {
        run_chunk(m);
      }
      // Anything else is not ours to answer; rank 0 never sends it.
    }
    // Rank 0's executor unshared everything before the session ended, so nothing is left to
    // free here; a window rank 0 did not free is left to MPI_Finalize (freeing it alone, a
    // collective call, would wait forever).
    shares_.clear();
  }

 private:
  void put_share(const std::string& key, Window w) {
    drop_share(key);
    shares_.emplace(key, w);
  }
  void drop_share(const std::string& key) {
    auto it = shares_.find(key);
    if (it == shares_.end()) return;
    MPI_Win_free(&it->second.win);  // collective over the node, in the order rank 0 freed
    shares_.erase(it);
  }
  void note_cancel(const Bytes& m) {
    std::uint64_t job = 0;
    if (m.size() == sizeof job) std::memcpy(&job, m.data(), sizeof job);
    cancelled_job_ = std::max(cancelled_job_, job);
  }
  // Takes every cancel already sent (they may overtake queued chunks: a different tag).
  void poll_cancels() {
    for (;;) {
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(0, kTagCancel, s_.world, &flag, &st);
      if (!flag) return;
      note_cancel(receive(s_.world, 0, kTagCancel, st));
    }
  }

  void run_chunk(const Bytes& m) {
    const std::span<const std::byte> all(m);
    if (all.size() < sizeof(wire::FrameHeader))
      throw Error(Errc::kParse, "CHUNK message shorter than its header on " + where_);
    const wire::FrameHeader h = wire::decode_header(all.first(sizeof h), wire::kMaxPayload);
    if (h.type != wire::Type::kChunk || h.length > all.size() - sizeof h)
      throw Error(Errc::kParse, "malformed CHUNK message on " + where_);
    const auto payload = all.subspan(sizeof h, static_cast<std::size_t>(h.length));
    const wire::Chunk chunk = wire::decode_chunk(payload);
    const wire::ArgumentsView args(all.subspan(sizeof h + payload.size()));
    const std::uint64_t count = chunk.end - chunk.begin;
    if (args.size() != count)
      throw Error(Errc::kParse, "CHUNK arguments do not match on " + where_);

    poll_cancels();
    writer_.start(chunk.job, chunk.chunk, chunk.begin);
    const TaskFn* fn = Registry::global().find(chunk.task);
    if (chunk.job <= cancelled_job_) {
      writer_.finish(wire::kCancelled, 0, 0);
    } else if (fn == nullptr) {
      writer_.finish(wire::kTaskFailed, 0, 0, true, static_cast<std::uint32_t>(Errc::kNotFound),
                     no_such_function(chunk.task, where_).what());
    } else {
      run_tasks(*fn, args, count);
    }
    const auto payload_out = writer_.payload();
    MPI_Send(payload_out.data(), mpi_count(payload_out.size(), "RESULTS"), MPI_BYTE, 0,
             tag_of(wire::Type::kResults), s_.world);
    ring(0);
  }

  // Runs the chunk's tasks on this rank's threads (in order with one thread); results in order,
  // up to the first failure.
  void run_tasks(const TaskFn& fn, const wire::ArgumentsView& args, std::uint64_t count) {
    const auto started = Clock::now();
    std::vector<Bytes> results(count);
    std::mutex mutex;
    std::uint64_t failed_at = count;
    std::string message;
    std::uint32_t errc = static_cast<std::uint32_t>(Errc::kWorkerFailed);
    std::atomic<std::uint64_t> max_ns{0};
    std::atomic<bool> stop{false};
    RankContext context(shares_, pool_.get(), rank_ - 1);
    pool_->parallel_for(count, [&](std::size_t i) {
      if (stop.load(std::memory_order_relaxed)) return;
      const auto t = Clock::now();
      try {
        results[i] = fn(context, args[i]);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        if (i < failed_at) {
          failed_at = i;
          message = e.what();
          const auto* fe = dynamic_cast<const Error*>(&e);
          errc = static_cast<std::uint32_t>(fe ? fe->code() : Errc::kWorkerFailed);
        }
        stop.store(true);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (i < failed_at) {
          failed_at = i;
          message = "unknown exception";
        }
        stop.store(true);
      }
      const std::uint64_t ns = ns_since(t);
      std::uint64_t seen = max_ns.load();
      while (ns > seen && !max_ns.compare_exchange_weak(seen, ns)) {
      }
    });
    for (std::uint64_t i = 0; i < failed_at; ++i) writer_.add(results[i]);
    const std::uint64_t elapsed = ns_since(started);
    if (failed_at < count)
      writer_.finish(wire::kTaskFailed, elapsed, max_ns.load(), false, errc, message);
    else
      writer_.finish(wire::kOk, elapsed, max_ns.load());
  }

  MpiSession::State& s_;
  int rank_;
  std::string where_;
  std::int32_t threads_ = 0;
  std::unique_ptr<Executor> pool_;
  std::map<std::string, Window, std::less<> > shares_;
  std::uint64_t cancelled_job_ = 0;
  wire::ResultsWriter writer_;
};

// ---- rank 0: the executor -----------------------------------------------------------------

struct Range {
  std::size_t begin = 0, end = 0;
};

class MpiExecutor final : public Executor {
 public:
  MpiExecutor(MpiSession& session, const ExecutorOptions& options)
      : session_(session), s_(*session.state()), size_(session.size()) {
    if (s_.executor_alive)
      throw Error(Errc::kInvalidArgument,
                  "one MPI executor at a time: destroy the previous one first");
    threads_ = options.workers < 0 ? 0 : std::max(options.workers, 1);
    pool_ = detail::make_thread_executor(threads_);
    const std::int32_t t = threads_;
    for (int r = 1; r < size_; ++r) post(r, kTagThreads, as_bytes(t));
    in_flight_.resize(static_cast<std::size_t>(size_));
    s_.executor_alive = true;
  }

  ~MpiExecutor() override {
    try {
      while (!shares_.empty()) unshare(std::string(shares_.begin()->first));
      complete_sends();
    } catch (...) {
    }
    s_.executor_alive = false;
  }

  Backend backend() const override { return Backend::kMpi; }
  int workers() const override { return size_ > 1 ? size_ - 1 : pool_->workers(); }

  void share(std::string key, std::span<const std::byte> data) override {
    share_with(std::move(key), data.size(), [&](std::span<std::byte> out) {
      if (!data.empty()) std::memcpy(out.data(), data.data(), data.size());
    });
  }

  void share_with(std::string key, std::size_t size,
                  const std::function<void(std::span<std::byte>)>& fill) override {
    unshare(key);
    const Bytes m = wire::encode(wire::Share{key, "", size});
    for (int r = 1; r < size_; ++r) post(r, tag_of(wire::Type::kShare), m);
    Window w = s_.share(size, &fill);
    pool_->share(key, w.data);
    shares_.emplace(std::move(key), w);
  }

  void unshare(std::string_view key) override {
    auto it = shares_.find(key);
    if (it == shares_.end()) return;
    const Bytes m = wire::encode(wire::Unshare{std::string(key)});
    for (int r = 1; r < size_; ++r) post(r, tag_of(wire::Type::kUnshare), m);
    pool_->unshare(key);
    MPI_Win_free(&it->second.win);
    shares_.erase(it);
  }

  void init(const std::string& plugin_path) override {
    detail::load_plugin(plugin_path);  // here too: one-item maps run inline on rank 0
    const Bytes m = wire::encode(wire::Init{plugin_path});
    for (int r = 1; r < size_; ++r) post(r, tag_of(wire::Type::kInit), m);
    std::string first_error;
    for (int answered = 1; answered < size_;) {
      MPI_Status st;
      const Bytes reply = next_message(st);
      if (st.MPI_TAG != tag_of(wire::Type::kInitDone)) continue;  // nothing else is pending
      ++answered;
      const wire::InitDone done = wire::decode_init_done(reply);
      if (!done.ok && first_error.empty())
        first_error = "plug-in failed to load on " + name(st.MPI_SOURCE) + ": " + done.message;
    }
    if (!first_error.empty()) throw Error(Errc::kNotFound, first_error);
  }

  std::vector<Bytes> map(std::string_view task, std::span<const Bytes> arguments) override {
    const std::size_t n = arguments.size();
    if (n == 0) return {};
    if (n == 1) return {run_inline(task, arguments[0])};
    if (size_ == 1) return pool_->map(task, arguments);

    Job j;
    j.id = ++s_.next_job;
    j.n = n;
    j.task = std::string(task);
    j.arguments = arguments;
    j.results.resize(n);
    struct Quiet {
      ~Quiet() { clear_last_words(); }
    } quiet;
    for (;;) {
      if (!j.failure) {
        for (int depth = 1; depth <= kInFlightPerRank; ++depth) {
          for (int r = 1; r < size_; ++r) {
            if (static_cast<int>(in_flight_[r].size()) >= depth) continue;
            auto range = next_range(j);
            if (!range) break;
            send_chunk(r, *range, j);
          }
        }
      }
      bool any = false;
      for (int r = 1; r < size_; ++r) any |= !in_flight_[r].empty();
      if (!any) break;
      update_last_words(j);
      MPI_Status st;
      const Bytes reply = next_message(st);
      if (st.MPI_TAG == tag_of(wire::Type::kResults)) handle_results(st.MPI_SOURCE, reply, j);
    }
    if (j.failure) throw Error(j.failure_code, j.failure_message);
    return std::move(j.results);
  }

  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) override {
    pool_->parallel_for(n, body);
  }

 private:
  struct Job {
    std::uint64_t id = 0;
    std::size_t n = 0;
    std::string task;
    std::span<const Bytes> arguments;
    std::vector<Bytes> results;
    std::size_t next = 0;
    std::size_t done = 0;
    double ns_per_task = -1;
    bool failure = false;
    std::size_t failure_index = SIZE_MAX;
    Errc failure_code = Errc::kWorkerFailed;
    std::string failure_message;
    void fail(std::size_t index, Errc code, std::string message) {
      if (failure && index >= failure_index) return;
      failure = true;
      failure_index = index;
      failure_code = code;
      failure_message = std::move(message);
    }
  };
  struct Send {
    MPI_Request request = MPI_REQUEST_NULL;
    Bytes buffer;
  };

  template <class T>
  static Bytes as_bytes(const T& value) {
    Bytes b(sizeof value);
    std::memcpy(b.data(), &value, sizeof value);
    return b;
  }

  const std::string& name(int rank) const { return s_.names[static_cast<std::size_t>(rank)]; }

  // Non-blocking send: rank 0 keeps handing out work while a worker is still computing. The
  // buffer lives until the send completes.
  void post(int rank, int tag, Bytes buffer) {
    sends_.push_back({MPI_REQUEST_NULL, std::move(buffer)});
    Send& s = sends_.back();
    check(MPI_Isend(s.buffer.data(), mpi_count(s.buffer.size(), "message"), MPI_BYTE, rank, tag,
                    s_.world, &s.request),
          "MPI_Isend");
    ring(rank);
    reap_sends();
  }
  void reap_sends() {
    while (!sends_.empty()) {
      int done = 0;
      MPI_Test(&sends_.front().request, &done, MPI_STATUS_IGNORE);
      if (!done) return;
      sends_.pop_front();
    }
  }
  void complete_sends() {
    for (auto& s : sends_) MPI_Wait(&s.request, MPI_STATUS_IGNORE);
    sends_.clear();
  }

  // The next message from any worker (sends progress meanwhile).
  Bytes next_message(MPI_Status& st) {
    Waiter waiter;
    for (;;) {
      const std::uint32_t seen = waiter.bell();
      int flag = 0;
      check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, s_.world, &flag, &st), "MPI_Iprobe");
      if (flag) break;
      reap_sends();
      waiter.wait(seen);
    }
    reap_sends();
    return receive(s_.world, st.MPI_SOURCE, st.MPI_TAG, st);
  }

  Bytes run_inline(std::string_view task, const Bytes& argument) {
    const TaskFn* fn = Registry::global().find(task);
    const std::string where = name(0);
    if (!fn) throw no_such_function(task, where);
    RankContext context(shares_, pool_.get(), -1);
    try {
      return (*fn)(context, argument);
    } catch (const std::exception& e) {
      throw Error(Errc::kWorkerFailed,
                  "task '" + std::string(task) + "' #0 failed on " + where + ": " + e.what());
    }
  }

  std::optional<Range> next_range(Job& j) const {
    if (j.next >= j.n) return std::nullopt;
    const std::size_t remaining = j.n - j.next;
    const std::size_t live = static_cast<std::size_t>(size_ - 1);
    std::size_t size = std::clamp<std::size_t>(j.n / (16 * live), 1, 64);
    if (j.ns_per_task >= 0) {
      const double per_task = std::max(j.ns_per_task, 1.0);
      const auto most = static_cast<std::size_t>(static_cast<double>(kTargetChunkNs) / per_task);
      const auto least = static_cast<std::size_t>(static_cast<double>(kMinChunkNs) / per_task);
      size = std::clamp<std::size_t>(remaining / (2 * live), std::max<std::size_t>(least, 1),
                                     std::max<std::size_t>(most, 1));
    }
    size = std::min(size, remaining);
    Range r{j.next, j.next + size};
    j.next += size;
    return r;
  }

  void send_chunk(int rank, const Range& r, Job& j) {
    const std::uint64_t id = ++s_.next_chunk;
    const auto args = j.arguments.subspan(r.begin, r.end - r.begin);
    const std::size_t args_size = wire::arguments_size(args);
    const Bytes payload = wire::encode(wire::Chunk{.job = j.id,
                                                   .chunk = id,
                                                   .task = j.task,
                                                   .args_segment = {},
                                                   .args_size = args_size,
                                                   .begin = r.begin,
                                                   .end = r.end});
    const Bytes frame = wire::encode_frame(wire::Type::kChunk, payload);
    Bytes m(frame.size() + args_size);
    std::memcpy(m.data(), frame.data(), frame.size());
    wire::encode_arguments(args, std::span<std::byte>(m).subspan(frame.size()));
    in_flight_[static_cast<std::size_t>(rank)].emplace(id, r);
    // Before the chunk leaves: its rank may run it and die while this rank is still sending the
    // next ones (a loaded machine can deschedule it for the launcher's whole reaction time).
    update_last_words(j);
    post(rank, tag_of(wire::Type::kChunk), std::move(m));
  }

  void handle_results(int rank, const Bytes& payload, Job& j) {
    const wire::Results res = wire::decode_results(payload);
    const wire::ResultsHeader& h = res.header;
    auto& held = in_flight_[static_cast<std::size_t>(rank)];
    auto it = held.find(h.chunk);
    if (h.job != j.id || it == held.end())
      throw Error(Errc::kIo, "results for a chunk it does not hold from " + name(rank));
    const Range r = it->second;
    held.erase(it);
    if (h.begin != r.begin || h.count > r.end - r.begin)
      throw Error(Errc::kIo, "results for the wrong tasks from " + name(rank));
    for (std::uint64_t k = 0; k < h.count; ++k)
      j.results[r.begin + k].assign(res.results[k].begin(), res.results[k].end());
    j.done += h.count;
    if (h.count > 0) {
      const double est = static_cast<double>(h.elapsed_ns) / static_cast<double>(h.count);
      j.ns_per_task = j.ns_per_task < 0 ? est : 0.5 * (j.ns_per_task + est);
    }
    if (h.status == wire::kTaskFailed) {
      const std::size_t index = r.begin + h.count;
      if (h.missing_task)
        j.fail(index, Errc::kNotFound, res.message + " (task #" + std::to_string(index) + ")");
      else
        j.fail(index, Errc::kWorkerFailed,
               "task '" + j.task + "' #" + std::to_string(index) + " failed on " + name(rank) +
                   ": " + res.message);
      // The other ranks drop the chunks they hold but have not started.
      const Bytes cancel = as_bytes(j.id);
      for (int other = 1; other < size_; ++other)
        if (!in_flight_[static_cast<std::size_t>(other)].empty()) post(other, kTagCancel, cancel);
    } else if (h.status == wire::kOk && h.count != r.end - r.begin) {
      throw Error(Errc::kIo, "short results from " + name(rank));
    }
  }

  // The line rank 0 writes if the launcher terminates it (a rank died): what each rank holds.
  void update_last_words(const Job& j) {
    if (!g_term_installed) return;
    std::string line = "freshet: error: the MPI job was terminated (a rank died or was killed)";
    // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "..." + string.
    line += " while task '";
    line += j.task;
    line += "' was running; unfinished:";
    for (int r = 1; r < size_; ++r) {
      for (const auto& [id, range] : in_flight_[static_cast<std::size_t>(r)]) {
        line += " #";
        line += std::to_string(range.begin);
        if (range.end - range.begin > 1) {
          line += '-';
          line += std::to_string(range.end - 1);
        }
        line += " on ";
        line += name(r);
        line += ';';
      }
      if (line.size() > 1800) break;
    }
    line.back() = line.back() == ';' ? '.' : line.back();
    set_last_words(line);
  }

  MpiSession& session_;
  MpiSession::State& s_;
  int size_;
  int threads_ = 0;
  std::unique_ptr<Executor> pool_;
  std::map<std::string, Window, std::less<> > shares_;
  std::vector<std::map<std::uint64_t, Range> > in_flight_;
  std::deque<Send> sends_;
};

}  // namespace

MpiSession::MpiSession(bool requested) {
  if (!requested && !mpi_launched()) return;
  if (g_session != nullptr)
    throw Error(Errc::kInvalidArgument, "an MPI session already exists in this process");
  int initialized = 0;
  MPI_Initialized(&initialized);
  int provided = 0;
  if (!initialized)
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  state_ = std::make_unique<State>();
  State& s = *state_;
  MPI_Comm_dup(MPI_COMM_WORLD, &s.world);
  MPI_Comm_rank(s.world, &rank_);
  MPI_Comm_size(s.world, &size_);
  // Ranks of one node, rank order kept (so rank 0 is its node's first rank), and the nodes'
  // first ranks, which receive shared blobs for their node.
  MPI_Comm_split_type(s.world, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &s.node);
  MPI_Comm_rank(s.node, &s.node_rank);
  MPI_Comm_split(s.world, s.node_rank == 0 ? 0 : MPI_UNDEFINED, rank_, &s.leaders);
  {
    int node_size = 1;
    MPI_Comm_size(s.node, &node_size);
    void* base = nullptr;
    const MPI_Aint bytes = s.node_rank == 0 ? node_size * MPI_Aint{sizeof(std::uint32_t)} : 0;
    MPI_Win_allocate_shared(bytes, sizeof(std::uint32_t), MPI_INFO_NULL, s.node, &base,
                            &g_bells.win);
    MPI_Aint got = 0;
    int unit = 0;
    MPI_Win_shared_query(g_bells.win, 0, &got, &unit, &base);
    auto* bells = static_cast<std::uint32_t*>(base);
    if (s.node_rank == 0) std::memset(bells, 0, static_cast<std::size_t>(bytes));
    MPI_Barrier(s.node);
    g_bells.mine = bells + s.node_rank;
    MPI_Group world_group, node_group;
    MPI_Comm_group(s.world, &world_group);
    MPI_Comm_group(s.node, &node_group);
    std::vector<int> world_ranks(static_cast<std::size_t>(size_)), node_ranks(world_ranks.size());
    std::iota(world_ranks.begin(), world_ranks.end(), 0);
    MPI_Group_translate_ranks(world_group, size_, world_ranks.data(), node_group,
                              node_ranks.data());
    MPI_Group_free(&world_group);
    MPI_Group_free(&node_group);
    g_bells.of_rank.assign(world_ranks.size(), nullptr);
    for (std::size_t r = 0; r < node_ranks.size(); ++r)
      if (node_ranks[r] != MPI_UNDEFINED) g_bells.of_rank[r] = bells + node_ranks[r];
    g_bells.all_local = node_size == size_;
  }
  // Rank 0 names every rank in its messages: "rank 2 (host h, pid p)".
  char me[128] = {};
  std::snprintf(me, sizeof me, "%s %ld", host_name().c_str(), static_cast<long>(::getpid()));
  std::vector<char> all(rank_ == 0 ? sizeof me * static_cast<std::size_t>(size_) : 1);
  MPI_Gather(me, sizeof me, MPI_CHAR, all.data(), sizeof me, MPI_CHAR, 0, s.world);
  if (rank_ == 0) {
    for (int r = 0; r < size_; ++r) {
      const std::string entry(all.data() + sizeof me * static_cast<std::size_t>(r));
      const auto sp = entry.rfind(' ');
      s.names.push_back(describe_rank(r, entry.substr(0, sp), std::atol(entry.c_str() + sp + 1)));
    }
    install_terminate_handler();
  }
  active_ = true;
  g_session = this;
}

MpiSession::~MpiSession() {
  if (!active_) return;
  State& s = *state_;
  if (rank_ == 0) {
    // Workers end their loop, free their windows and finalize with us.
    std::vector<MPI_Request> requests(static_cast<std::size_t>(size_ > 1 ? size_ - 1 : 0));
    for (int r = 1; r < size_; ++r) {
      MPI_Isend(nullptr, 0, MPI_BYTE, r, tag_of(wire::Type::kShutdown), s.world,
                &requests[static_cast<std::size_t>(r - 1)]);
      ring(r);
    }
    MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
    if (g_term_installed) {
      ::sigaction(SIGTERM, &g_old_term, nullptr);
      g_term_installed = false;
    }
  }
  g_bells.mine = nullptr;
  g_bells.of_rank.clear();
  MPI_Win_free(&g_bells.win);  // collective over the node: every rank ends here
  if (s.leaders != MPI_COMM_NULL) MPI_Comm_free(&s.leaders);
  MPI_Comm_free(&s.node);
  MPI_Comm_free(&s.world);
  MPI_Finalize();
  g_session = nullptr;
}

bool mpi_session_active() noexcept { return g_session != nullptr && g_session->rank() == 0; }

int MpiSession::serve() {
  if (!worker())
    throw Error(Errc::kInvalidArgument, "MpiSession::serve runs on worker ranks (> 0) only");
  try {
    WorkerLoop(*state_, rank_).run();
  } catch (const std::exception& e) {
    // A worker that cannot go on (a malformed message: a bug) ends the job: rank 0 would wait
    // for its results forever.
    const std::string line =
        "freshet: error: " + describe_rank(rank_, host_name(), ::getpid()) + ": " + e.what() + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    MPI_Abort(state_->world, 1);
  }
  return 0;
}

namespace detail {
std::unique_ptr<Executor> make_mpi_executor(const ExecutorOptions& options) {
  if (g_session == nullptr || !g_session->active())
    throw Error(Errc::kUsage,
                "the MPI backend needs a running MPI session (mproc::MpiSession, which freshet's "
                "main starts under mpirun/srun or with --mpi)");
  return std::make_unique<MpiExecutor>(*g_session, options);
}
}  // namespace detail

#endif  // FRESHET_HAVE_MPI

}  // namespace freshet::mproc
