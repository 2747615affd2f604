// The process backend: the central side (see process_internal.hpp for the process tree and
// docs/mproc-protocol.md for the messages).
//
// Scheduling: tasks are handed out in chunks of consecutive indices, at most two chunks in
// flight per worker (so a worker never waits for its next chunk), pulled by whichever worker
// answers first. The chunk size adapts: small probes until the first results come back (one task
// when there are few), then remaining / (2 * workers) tasks, kept between kMinChunkNs and
// kTargetChunkNs of measured work, so the tail stays balanced and tiny tasks travel in bulk.
// Arguments are written once per map into a shared-memory segment; a chunk message names only its
// range. Results come back over the worker's socket.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <optional>

#include "core/error.hpp"
#include "mproc/auth.hpp"
#include "mproc/local_executor.hpp"
#include "mproc/process_internal.hpp"
#include "mproc/shm.hpp"
#include "mproc/supervisor.hpp"
#include "mproc/wire.hpp"

namespace freshet::mproc::detail {

namespace {

constexpr std::uint64_t kTargetChunkNs = 2'000'000;  // at most ~2 ms of work per chunk
constexpr std::uint64_t kMinChunkNs = 100'000;       // at least ~0.1 ms, once tasks are timed
constexpr int kInFlightPerWorker = 2;
constexpr int kMaxAttempts = 3;  // a chunk whose worker dies this often fails the map
constexpr int kMaxFutileDeaths = 5;
// A supervisor that dies is replaced at most this often per executor; after that a job left
// without workers fails naming the supervisor (a supervisor that keeps dying must not loop).
constexpr int kMaxSupervisorRestarts = 3;

std::atomic<std::uint64_t> g_segment_counter{0};

std::string new_segment_name(char kind) {
  return segment_prefix(::getpid()) + kind + std::to_string(g_segment_counter.fetch_add(1));
}

int open_listener(const std::string& address, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1)
    throw Error(Errc::kInvalidArgument,
                "--address '" + address + "' is not an IPv4 address (e.g. 127.0.0.1)");
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(Errc::kIo, std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    const int e = errno;
    ::close(fd);
    throw Error(Errc::kIo, "cannot listen on " + address + ":" + std::to_string(port) + ": " +
                               std::strerror(e));
  }
  return fd;
}

struct Range {
  std::size_t begin = 0, end = 0;
  int attempts = 0;
};

using Clock = std::chrono::steady_clock;

// CPU time (user + system, in clock ticks) of a process from /proc/<pid>/stat; 0 if unreadable
// (a process that is gone shows up as EOF on its socket anyway).
std::uint64_t cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return 0;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  // After "pid (comm)": state is field 3, utime field 14, stime field 15.
  const char* p = line.c_str() + close + 1;
  std::uint64_t utime = 0, stime = 0;
  for (int field = 3; field <= 15 && *p; ++field) {
    while (*p == ' ') ++p;
    char* end = nullptr;
    if (field == 14) utime = std::strtoull(p, &end, 10);
    if (field == 15) stime = std::strtoull(p, &end, 10);
    while (*p && *p != ' ') ++p;
  }
  return utime + stime;
}

struct Worker {
  // A remote worker (freshet worker --connect): a TCP socket the supervisor authenticated; it
  // reads no shared memory, so blobs, plug-ins and arguments travel on the socket.
  bool remote = false;
  bool joined = false;                // remote: its JOIN arrived
  int capacity = kInFlightPerWorker;  // chunks in flight at most (remote: 2 x its threads)
  std::string host;                   // remote: "name (address:port)"
  std::uint64_t hb_tasks = 0;         // remote: the last heartbeat's counters
  std::uint64_t hb_cpu = 0;
  std::map<std::string, auth::Digest, std::less<>> blobs;  // remote: key -> hash it holds
  int fd = -1;
  pid_t pid = 0;
  bool live = false;
  // Which incarnation holds this slot (ProcessExecutor::generation_ when it became live): a poll
  // result for an earlier one, whose descriptor number a new one may reuse, is not this one's.
  std::uint64_t generation = 0;
  bool spawn_pending = false;
  int pending_acks = 0;
  int futile_deaths = 0;  // deaths since this slot last returned results
  std::string ack_error;
  wire::FrameParser parser;
  std::map<std::uint64_t, Range> in_flight;  // chunk id -> range
  // Stall detection (ExecutorOptions::stall_floor_seconds): the last time this worker showed
  // progress while holding chunks, and what it showed then.
  Clock::time_point progress_at{};
  Clock::time_point sampled_at{};
  std::uint64_t seen_tasks_done = 0;
  std::uint64_t seen_cpu = 0;
};

class CentralContext final : public TaskContext {
 public:
  // `executor`: the process executor, whose parallel_for starts its thread pool on first use
  // (a one-item map that never loops starts no threads).
  CentralContext(const std::map<std::string, Segment, std::less<>>& shares, Executor* executor)
      : shares_(shares), executor_(executor) {}
  std::span<const std::byte> shared(std::string_view key) const override {
    auto it = shares_.find(key);
    if (it == shares_.end())
      throw Error(Errc::kNotFound, "no shared data under key '" + std::string(key) + "'");
    return {it->second.data(), it->second.size()};
  }
  int worker() const override { return -1; }
  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) const override {
    executor_->parallel_for(n, body);
  }

 private:
  const std::map<std::string, Segment, std::less<>>& shares_;
  Executor* executor_;
};

class ProcessExecutor final : public Executor {
 public:
  explicit ProcessExecutor(const ExecutorOptions& options)
      : n_(options.workers),
        stall_floor_ns_(options.stall_floor_seconds * 1e9),
        stall_factor_(options.stall_factor) {
    const bool remote_only = options.port != 0 && options.wait_workers > 0;
    if (n_ < (remote_only ? 0 : 1) || n_ > kMaxWorkers)
      throw Error(Errc::kInvalidArgument, "--workers with --port must be in 1.." +
                                              std::to_string(kMaxWorkers) + ", got " +
                                              std::to_string(n_));
    if (!options.key_file.empty()) key_ = auth::load_key_file(options.key_file);
    if (options.port != 0 && key_.empty() && options.address.rfind("127.", 0) != 0)
      throw Error(Errc::kInvalidArgument,
                  "--address " + options.address +
                      " is not loopback: a port reachable from other machines needs --key-file "
                      "(make one with 'freshet keygen FILE')");
    wait_timeout_ns_ = options.wait_timeout_seconds * 1e9;
    if (!(options.stall_factor >= 0) || std::isnan(options.stall_floor_seconds))
      throw Error(Errc::kInvalidArgument,
                  "ExecutorOptions: stall_factor must be >= 0 and stall_floor_seconds a number");
    remove_stale_segments();
    install_cleanup_handlers();
    try {
      start(options);
      wait_for_remote(options.wait_workers, options.wait_timeout_seconds);
    } catch (...) {
      stop();
      throw;
    }
  }

  ~ProcessExecutor() override { stop(); }

  Backend backend() const override { return Backend::kProcesses; }
  int workers() const override {
    int n = n_;
    for (const auto& w : workers_)
      if (w.live && w.remote) n += std::max(1, w.capacity / kInFlightPerWorker);
    return std::max(n, 1);
  }

  void share(std::string key, std::span<const std::byte> data) override {
    share_with(std::move(key), data.size(), [&](std::span<std::byte> out) {
      if (!data.empty()) std::memcpy(out.data(), data.data(), data.size());
    });
  }

  void share_with(std::string key, std::size_t size,
                  const std::function<void(std::span<std::byte>)>& fill) override {
    unshare(key);  // drop the old copy first: a re-share never holds two in this process
    Segment segment = Segment::create(new_segment_name('s'), size);
    fill(std::span<std::byte>(segment.data(), size));
    auto& placed = shares_.insert_or_assign(key, std::move(segment)).first->second;
    for (auto& w : workers_)
      if (w.live) send_share(w, key, placed);
  }

  void unshare(std::string_view key) override {
    auto it = shares_.find(key);
    if (it == shares_.end()) return;
    const Bytes m = wire::encode(wire::Unshare{std::string(key)});
    for (auto& worker : workers_) {
      if (!worker.live) continue;
      if (worker.remote) {
        auto b = worker.blobs.find(key);
        if (b == worker.blobs.end()) continue;
        worker.blobs.erase(b);
      }
      send(worker, wire::Type::kUnshare, m);
    }
    shares_.erase(it);
    share_digests_.erase(std::string(key));
  }

  void init(const std::string& plugin_path) override {
    load_plugin(plugin_path);  // here too: one-item maps run inline on this process
    if (std::find(plugins_.begin(), plugins_.end(), plugin_path) == plugins_.end())
      plugins_.push_back(plugin_path);
    for (auto& w : workers_)
      if (w.live) w.remote ? send_remote_init(w, plugin_path) : send_init(w, plugin_path);
    // Wait for every live worker to answer (a worker that dies meanwhile is respawned and the
    // plug-in replayed to it; its answer is checked by the next map).
    for (;;) {
      bool waiting = false;
      for (auto& w : workers_) waiting |= w.live && w.pending_acks > 0;
      if (!waiting) break;
      pump(1000, nullptr);
    }
    throw_ack_errors();
  }

  std::vector<Bytes> map(std::string_view task, std::span<const Bytes> arguments) override {
    const std::size_t n = arguments.size();
    if (n == 0) return {};
    if (n == 1) return {run_inline(task, arguments[0])};
    write_arguments(arguments);
    const std::uint64_t job = ++job_;
    task_ = std::string(task);
    block_->job.store(job);
    block_->tasks_total.store(n);
    block_->tasks_done.store(0);
    std::memset(block_->task, 0, sizeof block_->task);
    std::memcpy(block_->task, task.data(), std::min(task.size(), sizeof block_->task - 1));
    {
      timespec ts;
      ::clock_gettime(CLOCK_MONOTONIC, &ts);
      block_->job_started_ns.store(static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
                                   static_cast<std::uint64_t>(ts.tv_nsec));
    }
    block_->running.store(1);

    Job j;
    j.id = job;
    j.n = n;
    j.arguments = arguments;
    j.results.resize(n);
    job_state_ = &j;
    struct Reset {
      ProcessExecutor* self;
      ~Reset() {
        self->job_state_ = nullptr;
        self->block_->running.store(0);
        self->block_->jobs_done.fetch_add(1);
      }
    } reset{this};

    Clock::time_point no_worker_since{};
    bool no_worker = false;
    for (;;) {
      throw_ack_errors_into(j);
      // Hand out work to every live worker with room: first one chunk each, then a second, so a
      // short map spreads over all workers (a remote worker with T threads takes up to 2T).
      int max_depth = kInFlightPerWorker;
      for (auto& w : workers_)
        if (w.live) max_depth = std::max(max_depth, w.capacity);
      for (int depth = 1; depth <= max_depth; ++depth) {
        for (std::size_t wi = 0; wi < workers_.size(); ++wi) {
          Worker& w = workers_[wi];
          if (!w.live || static_cast<int>(w.in_flight.size()) >= std::min(depth, w.capacity))
            continue;
          auto range = next_range(j);
          if (!range) break;
          send_chunk(static_cast<int>(wi), *range, j);
        }
      }
      check_stalls();
      bool in_flight = false;
      for (auto& w : workers_) in_flight |= w.live && !w.in_flight.empty();
      if (j.done == n || (j.failure && !in_flight)) break;
      // With a key, a job whose workers are all gone waits (wait_timeout_seconds) for a remote
      // one to join before it fails.
      if (!in_flight && !any_live_or_pending() && !key_.empty()) {
        const auto now = Clock::now();
        if (!no_worker) no_worker_since = now;
        no_worker = true;
        if (static_cast<double>((now - no_worker_since).count()) < wait_timeout_ns_) {
          pump(100, &j);
          continue;
        }
      } else {
        no_worker = false;
      }
      if (supervisor_ > 0 && !supervisor_alive_) supervisor_lost();
      if (!in_flight && !any_live_or_pending()) {
        j.fail(SIZE_MAX, Errc::kWorkerFailed,
               "task '" + task_ + "': no workers left (" +
                   (supervisor_alive_ ? "workers kept dying before finishing anything"
                                      : supervisor_failure()) +
                   ")");
        break;
      }
      pump(poll_ms(), &j);
    }
    block_->tasks_done.store(j.done);
    if (j.failure) throw Error(j.failure_code, j.failure_message);
    return std::move(j.results);
  }

  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) override {
    // Closures cannot cross a process boundary: this runs on threads of this process (CSV
    // parsing and formatting, say), started on first use. Threads here are safe: every worker
    // is forked by the single-threaded supervisor, never by this process.
    pool().parallel_for(n, body);
  }

 private:
  struct Job {
    std::uint64_t id = 0;
    std::size_t n = 0;
    std::span<const Bytes> arguments;  // remote workers get theirs inline, chunk by chunk
    std::vector<Bytes> results;
    std::size_t next = 0;  // first index never handed out
    std::size_t done = 0;
    std::deque<Range> retry;
    double ns_per_task = -1;
    bool failure = false;
    std::size_t failure_index = SIZE_MAX;
    Errc failure_code = Errc::kWorkerFailed;
    std::string failure_message;

    // Keeps the failure with the lowest task index.
    void fail(std::size_t index, Errc code, std::string message) {
      if (failure && index >= failure_index) return;
      failure = true;
      failure_index = index;
      failure_code = code;
      failure_message = std::move(message);
    }
  };

  void start(const ExecutorOptions& options) {
    control_ = Segment::create(new_segment_name('c'), sizeof(ControlBlock));
    block_ = new (control_.data()) ControlBlock();
    block_->central_pid = ::getpid();
    block_->workers = n_;
    block_->port = options.port;
    std::strncpy(block_->address, options.address.c_str(), sizeof block_->address - 1);

    const int listen_fd = options.port != 0 ? open_listener(options.address, options.port) : -1;
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
      if (listen_fd >= 0) ::close(listen_fd);
      throw Error(Errc::kIo, std::string("socketpair: ") + std::strerror(errno));
    }
    const pid_t central = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int e = errno;
      if (listen_fd >= 0) ::close(listen_fd);
      ::close(pair[0]);
      ::close(pair[1]);
      throw Error(Errc::kIo, std::string("fork: ") + std::strerror(e));
    }
    if (pid == 0) {
      ::close(pair[0]);
      // Nothing may unwind from here into the copy of the program's stack this child inherited.
      try {
        supervisor_main(pair[1], listen_fd, block_, central, key_);
      } catch (...) {
      }
      ::_exit(2);
    }
    ::close(pair[1]);
    // The supervisor serves the port; this process keeps its copy of the listening socket (and
    // never accepts on it), so the port stays open while a killed supervisor is replaced and the
    // replacement inherits it (supervisor_lost).
    listen_fd_ = listen_fd;
    supervisor_ = pid;
    sup_fd_ = pair[0];
    supervisor_alive_ = true;
    // Never reallocated: references to a Worker stay valid while remote workers join.
    workers_.reserve(kMaxWorkers);
    workers_.resize(static_cast<std::size_t>(n_));
    for (int i = 0; i < n_; ++i) request_spawn(i);
    // Wait until every first worker exists: a map right after make_executor needs them.
    for (;;) {
      bool pending = false;
      for (auto& w : workers_) pending |= w.spawn_pending;
      if (!pending) break;
      if (!supervisor_alive_)
        throw Error(Errc::kWorkerFailed, "the mproc supervisor died while starting workers");
      pump(1000, nullptr);
    }
    for (int i = 0; i < n_; ++i)
      if (!workers_[i].live)
        throw Error(Errc::kWorkerFailed, "could not start worker " + std::to_string(i));
  }

  void stop() noexcept {
    for (auto& w : workers_) {
      if (w.fd >= 0) {
        try {
          wire::write_frame(w.fd, wire::Type::kShutdown, {});
        } catch (...) {
        }
        ::close(w.fd);
        w.fd = -1;
        w.live = false;
      }
    }
    if (sup_fd_ >= 0) {
      try {
        wire::send_supervisor_message(sup_fd_, {wire::SupervisorMessage::kShutdown, -1, 0, 0});
      } catch (...) {
      }
      ::close(sup_fd_);  // EOF: the supervisor kills and reaps the workers, then exits
      sup_fd_ = -1;
    }
    if (supervisor_ > 0) {
      while (::waitpid(supervisor_, nullptr, 0) < 0 && errno == EINTR) {
      }
      supervisor_ = 0;
    }
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
    shares_.clear();
    args_ = Segment();
    block_ = nullptr;
    control_ = Segment();
    uninstall_cleanup_handlers();
  }

  Executor& pool() {
    if (!pool_) pool_ = make_thread_executor(n_);
    return *pool_;
  }

  Bytes run_inline(std::string_view task, const Bytes& argument) {
    const TaskFn* fn = Registry::global().find(task);
    const std::string where = "the central process (pid " + std::to_string(::getpid()) + ")";
    if (!fn) throw no_such_function(task, where);
    CentralContext context(shares_, this);
    try {
      return (*fn)(context, argument);
    } catch (const std::exception& e) {
      throw Error(Errc::kWorkerFailed,
                  "task '" + std::string(task) + "' #0 failed on " + where + ": " + e.what());
    }
  }

  void write_arguments(std::span<const Bytes> arguments) {
    const std::size_t need = wire::arguments_size(arguments);
    if (!args_ || args_.size() < need)
      args_ = Segment::create(new_segment_name('a'),
                              std::max<std::size_t>({need, args_.size() * 2, 1 << 16}));
    wire::encode_arguments(arguments, std::span<std::byte>(args_.data(), args_.size()));
  }

  std::optional<Range> next_range(Job& j) {
    if (j.failure) return std::nullopt;
    if (!j.retry.empty()) {
      Range r = j.retry.front();
      j.retry.pop_front();
      return r;
    }
    if (j.next >= j.n) return std::nullopt;
    const std::size_t remaining = j.n - j.next;
    std::size_t live = 0;
    for (auto& w : workers_)
      if (w.live) live += w.remote ? std::max(1, w.capacity / kInFlightPerWorker) : 1;
    live = std::max<std::size_t>(live, 1);
    // Before any timing: small probes, one task when tasks are few (they may be long).
    std::size_t size = std::clamp<std::size_t>(j.n / (16 * live), 1, 64);
    if (j.ns_per_task >= 0) {
      // Guided: a share of what is left, but between kMinChunkNs and kTargetChunkNs of measured
      // work, so the tail stays balanced without a round trip per handful of tiny tasks.
      const double per_task = std::max(j.ns_per_task, 1.0);
      const auto most = static_cast<std::size_t>(static_cast<double>(kTargetChunkNs) / per_task);
      const auto least = static_cast<std::size_t>(static_cast<double>(kMinChunkNs) / per_task);
      size = std::clamp<std::size_t>(remaining / (2 * live), std::max<std::size_t>(least, 1),
                                     std::max<std::size_t>(most, 1));
    }
    size = std::min(size, remaining);
    Range r{j.next, j.next + size, 0};
    j.next += size;
    return r;
  }

  void send_chunk(int wi, const Range& r, Job& j) {
    Worker& w = workers_[static_cast<std::size_t>(wi)];
    const std::uint64_t id = ++chunk_id_;
    Bytes inline_args;
    if (w.remote) {
      const auto mine = j.arguments.subspan(r.begin, r.end - r.begin);
      inline_args.resize(wire::arguments_size(mine));
      wire::encode_arguments(mine, inline_args);
    }
    const Bytes m = wire::encode(wire::Chunk{.job = j.id,
                                             .chunk = id,
                                             .task = task_,
                                             .args_segment = w.remote ? "" : args_.name(),
                                             .args_size = w.remote ? 0 : args_.size(),
                                             .begin = r.begin,
                                             .end = r.end,
                                             .inline_args = inline_args});
    if (w.in_flight.empty()) mark_progress(w, Clock::now());  // its stall clock starts now
    w.in_flight.emplace(id, r);  // before sending: a failed send requeues it
    send(w, wire::Type::kChunk, m);
  }

  // Sends to a worker; a dead worker is handled (its chunks requeued, a respawn requested).
  void send(Worker& w, wire::Type type, std::span<const std::byte> payload) {
    if (!w.live) return;
    bool ok = false;
    try {
      ok = wire::write_frame(w.fd, type, payload);
    } catch (const Error&) {
      ok = false;  // a remote worker that stopped reading (send timeout) or a broken socket
    }
    if (!ok) worker_died(w);
  }

  void send_init(Worker& w, const std::string& path) {
    ++w.pending_acks;
    send(w, wire::Type::kInit, wire::encode(wire::Init{path}));
  }

  void send_share(Worker& w, std::string_view key, const Segment& segment) {
    if (w.remote) return send_blob(w, key, segment);
    send(w, wire::Type::kShare,
         wire::encode(wire::Share{std::string(key), segment.name(), segment.size()}));
  }

  // A remote worker gets the blob's bytes once, in pieces, with their SHA-256 (the worker checks
  // it); a blob whose content it already holds under another key is announced without its bytes.
  void send_blob(Worker& w, std::string_view key, const Segment& segment) {
    auto d = share_digests_.find(std::string(key));
    if (d == share_digests_.end())
      d = share_digests_
              .emplace(std::string(key),
                       auth::sha256(std::span<const std::byte>(segment.data(), segment.size())))
              .first;
    bool have = false;
    for (const auto& [k, digest] : w.blobs) have |= k != key && digest == d->second;
    send(w, wire::Type::kBlob,
         wire::encode(wire::Blob{std::string(key), segment.size(), d->second, !have}));
    for (std::size_t at = 0; !have && w.live && at < segment.size(); at += wire::kBlobPiece) {
      const std::size_t piece = std::min<std::size_t>(wire::kBlobPiece, segment.size() - at);
      send(w, wire::Type::kBlobData, std::span<const std::byte>(segment.data() + at, piece));
      blob_bytes_sent_ += piece;
    }
    if (w.live) w.blobs.insert_or_assign(std::string(key), d->second);
  }

  // Plug-ins travel by name and hash only: the remote worker loads its own copy.
  void send_remote_init(Worker& w, const std::string& path) {
    auto h = plugin_digests_.find(path);
    if (h == plugin_digests_.end())
      h = plugin_digests_.emplace(path, auth::sha256_file(path)).first;
    const auto slash = path.rfind('/');
    ++w.pending_acks;
    send(w, wire::Type::kRemoteInit,
         wire::encode(wire::RemoteInit{slash == std::string::npos ? path : path.substr(slash + 1),
                                       h->second}));
  }

  // Tells every worker to stop chunks of job `id` at the next task boundary: forked ones through
  // the control block, remote ones with a CANCEL frame.
  void cancel_job(std::uint64_t id) {
    block_->cancel_job.store(id);
    for (auto& w : workers_)
      if (w.live && w.remote && !w.in_flight.empty())
        send(w, wire::Type::kCancel, wire::encode(wire::Cancel{id}));
  }

  std::size_t joined_remote() const {
    std::size_t n = 0;
    for (const auto& w : workers_) n += w.live && w.remote && w.joined;
    return n;
  }

  // make_executor's --wait-workers: returns once `count` remote workers have joined.
  void wait_for_remote(int count, double timeout_seconds) {
    if (count <= 0) return;
    const auto deadline =
        Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(timeout_seconds * 1e3));
    while (joined_remote() < static_cast<std::size_t>(count)) {
      if (Clock::now() >= deadline)
        throw Error(Errc::kWorkerFailed,
                    std::to_string(joined_remote()) + " of " + std::to_string(count) +
                        " remote workers joined within " + std::to_string(timeout_seconds) +
                        " s (--wait-workers, --wait-timeout)");
      pump(100, nullptr);
    }
  }

  // ---- the stall rule (ExecutorOptions::stall_floor_seconds) ----

  double stall_window_ns() const {
    return std::max(stall_floor_ns_, stall_factor_ * slowest_task_ns_);
  }
  int poll_ms() const {
    if (stall_floor_ns_ <= 0) return 1000;
    return static_cast<int>(std::clamp(stall_window_ns() / 4e6, 10.0, 1000.0));
  }
  void mark_progress(Worker& w, Clock::time_point now) {
    const std::size_t wi = static_cast<std::size_t>(&w - workers_.data());
    w.progress_at = now;
    w.sampled_at = now;
    w.seen_tasks_done =
        w.remote ? w.hb_tasks : block_->slots[wi].tasks_done.load(std::memory_order_relaxed);
    w.seen_cpu =
        w.remote
            ? w.hb_cpu
            : UINT64_MAX;  // read at the next sample (not on every result: it costs a file read)
  }

  // A worker holding chunks that has shown no progress (no results, no finished task, no CPU
  // time) for the stall window is hung: kill it through the supervisor and re-run its chunks.
  void check_stalls() {
    if (stall_floor_ns_ <= 0) return;
    const auto now = Clock::now();
    const double window = stall_window_ns();
    const auto sample_every =
        std::chrono::nanoseconds(static_cast<std::int64_t>(std::clamp(window / 4, 10e6, 1e9)));
    for (std::size_t wi = 0; wi < workers_.size(); ++wi) {
      Worker& w = workers_[wi];
      if (!w.live || w.in_flight.empty() || now - w.sampled_at < sample_every) continue;
      w.sampled_at = now;
      // A remote worker reports both in its heartbeats (every second while it holds chunks); one
      // that goes silent (stopped, cut off) shows no progress.
      const std::uint64_t tasks =
          w.remote ? w.hb_tasks : block_->slots[wi].tasks_done.load(std::memory_order_relaxed);
      const std::uint64_t cpu = w.remote ? w.hb_cpu : cpu_ticks(w.pid);
      if (tasks != w.seen_tasks_done || cpu != w.seen_cpu) {
        w.progress_at = now;
        w.seen_tasks_done = tasks;
        w.seen_cpu = cpu;
        continue;
      }
      const double idle = static_cast<double>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - w.progress_at).count());
      if (idle <= window) continue;
      if (supervisor_alive_ && !w.remote) {
        wire::SupervisorMessage kill{wire::SupervisorMessage::kKill, static_cast<int>(wi), w.pid,
                                     0};
        if (!wire::send_supervisor_message(sup_fd_, kill)) supervisor_alive_ = false;
      }
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.1f", idle / 1e9);
      worker_died(w, std::string("made no progress for ") + seconds +
                         " s (stall window: max(stall_floor_seconds, stall_factor x slowest "
                         "task)); " +
                         (w.remote ? "it was dropped" : "it was killed"));
    }
  }

  void request_spawn(int slot) {
    Worker& w = workers_[static_cast<std::size_t>(slot)];
    if (w.spawn_pending || !supervisor_alive_) return;
    wire::SupervisorMessage m{wire::SupervisorMessage::kSpawn, slot, 0, 0};
    if (wire::send_supervisor_message(sup_fd_, m))
      w.spawn_pending = true;
    else
      supervisor_alive_ = false;
  }

  bool any_live_or_pending() const {
    for (auto& w : workers_)
      if (w.live || w.spawn_pending) return true;
    return false;
  }

  std::string worker_name(std::size_t wi, pid_t pid) const {
    if (wi < workers_.size() && workers_[wi].remote)
      return "remote worker " + std::to_string(wi) + " (" + workers_[wi].host + ", pid " +
             std::to_string(pid) + ")";
    return "worker " + std::to_string(wi) + " (pid " + std::to_string(pid) + ")";
  }

  // `stalled`: why the central process gave up on a live worker (the stall rule); empty when the
  // worker died by itself.
  void worker_died(Worker& w, const std::string& stalled = {}) {
    // A local worker dies with its supervisor (PR_SET_PDEATHSIG), and its EOF can reach us
    // before the supervisor's: then it is the supervisor's death, which costs no attempt.
    if (!w.remote && stalled.empty()) {
      if (supervisor_gone()) return supervisor_lost();
      // Not known yet: the supervisor reports every death it reaps (EXITED); a worker killed with
      // its supervisor gets no report, and the supervisor's EOF comes instead.
      const int deaths = supervisor_deaths_;
      wait_for_exit_status(w.pid, 2000);
      if (supervisor_deaths_ != deaths || supervisor_gone()) {
        if (w.live) supervisor_lost();  // (supervisor_lost already took every live local worker)
        return;
      }
    }
    const std::size_t wi = static_cast<std::size_t>(&w - workers_.data());
    const std::int64_t current = block_->slots[wi].current_task.load();
    w.live = false;
    if (w.remote) ::shutdown(w.fd, SHUT_RDWR);  // a stalled remote worker sees EOF and leaves
    ::close(w.fd);
    w.fd = -1;
    w.pending_acks = 0;
    if (w.remote) {
      block_->slots[wi].state.store(kDead);
      w.blobs.clear();
      w.joined = false;
    }
    const pid_t pid = w.pid;
    if (!w.in_flight.empty() && job_state_) {
      Job& j = *job_state_;
      for (auto& [id, r] : w.in_flight) {
        if (++r.attempts >= kMaxAttempts) {
          const std::size_t index = current >= static_cast<std::int64_t>(r.begin) &&
                                            current < static_cast<std::int64_t>(r.end)
                                        ? static_cast<std::size_t>(current)
                                        : r.begin;
          // Collect the wait status for a useful message (the supervisor reaps at once).
          std::string what = stalled;
          if (what.empty() && w.remote) what = "disconnected";
          if (what.empty()) {
            wait_for_exit_status(pid, 500);
            auto st = exit_status_.find(pid);
            what = st != exit_status_.end() ? wire::describe_wait_status(st->second) : "died";
          }
          j.fail(index, Errc::kWorkerFailed,
                 "task '" + task_ + "' #" + std::to_string(index) + " failed on " +
                     worker_name(wi, pid) + ": the worker " + what + " while running it, " +
                     std::to_string(kMaxAttempts) + " times on fresh workers; giving up");
        } else {
          j.retry.push_front(r);
        }
      }
      if (j.failure) cancel_job(j.id);
    }
    w.in_flight.clear();
    if (w.remote) return;  // nobody respawns a remote worker: it may join again
    // A slot whose workers keep dying without finishing anything (a plug-in that crashes on
    // load, say) is not respawned forever: after kMaxFutileDeaths it stays empty, and a map
    // with no workers left fails.
    if (++w.futile_deaths >= kMaxFutileDeaths) return;
    block_->slots[wi].respawns.fetch_add(1);
    request_spawn(static_cast<int>(wi));
  }

  // True when the supervisor's socket shows it closed (the supervisor exited), or a send to it
  // failed.
  bool supervisor_gone() {
    if (!supervisor_alive_) return supervisor_ > 0;
    pollfd p{sup_fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
  }

  // The supervisor is gone (EOF on its socket, or a send to it failed). Its workers die with it
  // (PR_SET_PDEATHSIG SIGKILL): their chunks go back to the queue without counting as attempts
  // (their tasks did nothing wrong). Then, at most kMaxSupervisorRestarts times, a new supervisor
  // is started by exec of this program (spawn_supervisor: never a fork of this multi-threaded
  // process); it inherits the listening socket and forks a fresh worker for every local slot,
  // which maps the shared segments by name again (their names stay valid: this process owns
  // them) and gets the plug-ins and blobs replayed, like any respawned worker. Idempotent.
  void supervisor_lost() {
    if (supervisor_ <= 0) return;
    supervisor_alive_ = false;
    ::close(sup_fd_);
    sup_fd_ = -1;
    const pid_t old = supervisor_;
    supervisor_ = 0;
    int status = 0;
    bool reaped = false;
    for (int k = 0; k < 100 && !reaped; ++k) {  // it is exiting: its socket closed
      const pid_t r = ::waitpid(old, &status, WNOHANG);
      reaped = r == old || (r < 0 && errno != EINTR);
      if (!reaped) ::usleep(20000);
    }
    if (!reaped) {  // closed its socket but lives on: not ours to trust any more
      ::kill(old, SIGKILL);
      while (::waitpid(old, &status, 0) < 0 && errno == EINTR) {
      }
    }
    ++supervisor_deaths_;
    supervisor_death_ = "died (" + wire::describe_wait_status(status) + ")";
    for (std::size_t wi = 0; wi < workers_.size(); ++wi) {
      Worker& w = workers_[wi];
      if (w.remote) continue;  // its socket is ours: it goes on working
      w.spawn_pending = false;
      if (!w.live) continue;
      w.live = false;
      ::close(w.fd);
      w.fd = -1;
      w.pending_acks = 0;
      block_->slots[wi].state.store(kDead);
      if (job_state_)
        for (auto& [id, r] : w.in_flight) job_state_->retry.push_front(r);
      w.in_flight.clear();
    }
    if (!supervisor_restartable() || supervisor_restarts_ >= kMaxSupervisorRestarts) return;
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
      supervisor_spawn_error_ = std::string("socketpair: ") + std::strerror(errno);
      return;
    }
    try {
      supervisor_ = spawn_supervisor(pair[0], pair[1], listen_fd_, control_.name(), key_);
    } catch (const Error& e) {
      supervisor_spawn_error_ = e.what();
      ::close(pair[0]);
      ::close(pair[1]);
      return;
    }
    ::close(pair[1]);
    sup_fd_ = pair[0];
    supervisor_alive_ = true;
    ++supervisor_restarts_;
    block_->supervisor_restarts.store(supervisor_restarts_);
    const std::string line = "freshet: warning: the mproc supervisor (pid " + std::to_string(old) +
                             ") " + supervisor_death_ + "; started a new one (pid " +
                             std::to_string(supervisor_) + ", restart " +
                             std::to_string(supervisor_restarts_) + " of at most " +
                             std::to_string(kMaxSupervisorRestarts) + ")\n";
    [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
    for (int i = 0; i < n_; ++i)
      if (workers_[static_cast<std::size_t>(i)].futile_deaths < kMaxFutileDeaths) request_spawn(i);
  }

  // Why no local worker can be started any more (the supervisor is gone for good).
  std::string supervisor_failure() const {
    std::string s = "the supervisor " + supervisor_death_;
    if (!supervisor_restartable())
      return s +
             ", and this program cannot replace it: its main() does not call "
             "mproc::supervisor_entry_point() (mproc/supervisor.hpp)";
    if (!supervisor_spawn_error_.empty())
      return s + ", and no new one could be started: " + supervisor_spawn_error_;
    return s + "; it died " + std::to_string(supervisor_deaths_) +
           " times and is restarted at most " + std::to_string(kMaxSupervisorRestarts) + " times";
  }

  // Reads the supervisor's messages until it reports `pid`'s exit, it dies, or timeout_ms pass.
  void wait_for_exit_status(pid_t pid, int timeout_ms) {
    const int deaths = supervisor_deaths_;
    for (int waited = 0; waited < timeout_ms && !exit_status_.count(pid) && supervisor_alive_ &&
                         supervisor_deaths_ == deaths;
         waited += 20) {
      pollfd p{sup_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) read_supervisor();
    }
  }

  void read_supervisor() {
    wire::SupervisorMessage m;
    int fd = -1;
    bool ok = false;
    try {
      ok = wire::recv_supervisor_message(sup_fd_, m, fd);
    } catch (const std::exception&) {
      ok = false;
    }
    if (!ok) return supervisor_lost();
    if (m.kind == wire::SupervisorMessage::kExited) {
      exit_status_[m.pid] = m.status;
      if (exit_status_.size() > 4096) exit_status_.clear();
    } else if (m.kind == wire::SupervisorMessage::kSpawned && m.slot >= 0 && m.slot < n_) {
      Worker& w = workers_[static_cast<std::size_t>(m.slot)];
      w.spawn_pending = false;
      if (fd < 0 || m.pid <= 0) {
        if (fd >= 0) ::close(fd);
        return;  // fork failed; the map notices that no worker is left
      }
      w.fd = fd;
      w.pid = m.pid;
      w.live = true;
      w.generation = ++generation_;
      w.parser = wire::FrameParser();
      w.in_flight.clear();
      w.pending_acks = 0;
      w.ack_error.clear();
      // Replay what every worker must have: plug-ins first, then shared blobs.
      for (const auto& path : plugins_) send_init(w, path);
      for (const auto& [key, segment] : shares_) send_share(w, key, segment);
    } else if (m.kind == wire::SupervisorMessage::kJoined && fd >= 0) {
      remote_joined(fd);
    } else if (fd >= 0) {
      ::close(fd);
    }
  }

  // An authenticated remote worker's socket (from the supervisor): give it a slot, replay what
  // every worker must have (plug-ins, then blobs), and it takes chunks like any other.
  void remote_joined(int fd) {
    std::size_t wi = workers_.size();
    for (std::size_t i = static_cast<std::size_t>(n_); i < workers_.size(); ++i)
      if (workers_[i].remote && !workers_[i].live) {
        wi = i;
        break;
      }
    if (wi == workers_.size()) {
      if (workers_.size() >= static_cast<std::size_t>(kMaxWorkers)) {
        ::close(fd);  // no slot left: it sees EOF
        return;
      }
      workers_.emplace_back();
    }
    Worker& w = workers_[wi];
    w = Worker();
    w.remote = true;
    w.fd = fd;
    w.live = true;
    w.generation = ++generation_;
    w.host = peer_of(fd);
    // A remote worker that stops reading must not hang the central process: a send that cannot
    // complete within the stall floor (at least 10 s) fails, and the worker is dropped.
    const double seconds = std::max(10.0, stall_floor_ns_ / 1e9);
    timeval tv{static_cast<time_t>(seconds), 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    WorkerSlot& slot = block_->slots[wi];
    slot.remote.store(1);
    slot.pid.store(0);
    slot.threads.store(1);
    slot.tasks_done.store(0);
    slot.current_task.store(-1);
    slot.state.store(kIdle);
    std::memset(slot.host, 0, sizeof slot.host);
    std::strncpy(slot.host, w.host.c_str(), sizeof slot.host - 1);
    block_->workers = std::max<std::int32_t>(block_->workers, static_cast<std::int32_t>(wi + 1));
    for (const auto& path : plugins_) send_remote_init(w, path);
    for (const auto& [key, segment] : shares_) send_share(w, key, segment);
  }

  static std::string peer_of(int fd) {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return "?";
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(a.sin_port));
  }

  // Waits up to timeout_ms for messages from workers or the supervisor and handles them.
  void pump(int timeout_ms, Job* j) {
    if (supervisor_ > 0 && !supervisor_alive_) supervisor_lost();
    std::vector<pollfd> fds;
    std::vector<std::size_t> index;
    std::vector<std::uint64_t> generation;
    const int polled_sup_fd = supervisor_alive_ ? sup_fd_ : -1;
    const int sup_deaths = supervisor_deaths_;
    if (supervisor_alive_) fds.push_back({sup_fd_, POLLIN, 0});
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      if (!workers_[i].live) continue;
      fds.push_back({workers_[i].fd, POLLIN, 0});
      index.push_back(i);
      generation.push_back(workers_[i].generation);
    }
    const int rc = ::poll(fds.data(), fds.size(), timeout_ms);
    if (rc < 0) {
      if (errno == EINTR) return;
      throw Error(Errc::kIo, std::string("poll: ") + std::strerror(errno));
    }
    if (rc == 0) return;
    const std::size_t first = polled_sup_fd >= 0 ? 1 : 0;
    for (std::size_t k = 0; k < index.size(); ++k) {
      if (!fds[first + k].revents) continue;
      Worker& w = workers_[index[k]];
      // Gone meanwhile (a worker_died above waited for the supervisor, which may have replaced
      // it): this poll result belongs to the old one.
      if (!w.live || w.generation != generation[k]) continue;
      bool alive = false;
      try {
        alive = w.parser.fill(w.fd);
        wire::Frame f;
        while (w.live && w.parser.next(f)) handle_frame(index[k], f, j);
      } catch (const Error&) {
        alive = false;  // garbage from a worker: treat it as dead
      }
      if (!alive && w.live) worker_died(w);
    }
    // Only the socket polled: a supervisor replaced meanwhile (supervisor_lost) has a new one.
    if (first && fds[0].revents && supervisor_alive_ && supervisor_deaths_ == sup_deaths)
      read_supervisor();
  }

  // Throws Error on a malformed frame: the caller treats the worker as dead.
  void handle_frame(std::size_t wi, const wire::Frame& f, Job* j) {
    Worker& w = workers_[wi];
    if (w.remote && f.type == wire::Type::kJoin) {
      const wire::Join join = wire::decode_join(f.payload);
      w.joined = true;
      w.pid = static_cast<pid_t>(join.pid);
      w.capacity = kInFlightPerWorker * static_cast<int>(std::min<std::uint32_t>(join.threads, 64));
      w.host = join.host + " " + w.host;
      block_->slots[wi].pid.store(w.pid);
      block_->slots[wi].threads.store(static_cast<std::int32_t>(join.threads));
      std::memset(block_->slots[wi].host, 0, sizeof block_->slots[wi].host);
      std::strncpy(block_->slots[wi].host, w.host.c_str(), sizeof block_->slots[wi].host - 1);
      return;
    }
    if (w.remote && f.type == wire::Type::kHeartbeat) {
      const wire::Heartbeat hb = wire::decode_heartbeat(f.payload);
      w.hb_tasks = hb.tasks_done;
      w.hb_cpu = hb.cpu_ns;
      block_->slots[wi].tasks_done.store(hb.tasks_done, std::memory_order_relaxed);
      return;
    }
    if (f.type == wire::Type::kInitDone) {
      const wire::InitDone done = wire::decode_init_done(f.payload);
      if (w.pending_acks > 0) --w.pending_acks;
      if (!done.ok && w.remote) {
        // No code travels: a remote worker without a matching copy of the plug-in leaves, and
        // the job goes on without it.
        const std::string line = "freshet: warning: " + worker_name(wi, w.pid) +
                                 " refused a plug-in and leaves the job: " + done.message + "\n";
        [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
        worker_died(w);
        return;
      }
      if (!done.ok && w.ack_error.empty())
        w.ack_error = "plug-in failed to load on " + worker_name(wi, w.pid) + ": " + done.message;
      return;
    }
    if (f.type != wire::Type::kResults)
      throw Error(Errc::kIo, "unexpected " + wire::type_name(f.type) + " frame from " +
                                 worker_name(wi, w.pid));
    const wire::Results res = wire::decode_results(f.payload);
    const wire::ResultsHeader& h = res.header;
    mark_progress(w, Clock::now());
    auto it = w.in_flight.find(h.chunk);
    // Stale: a chunk of an earlier job, or one this worker no longer holds (it was re-run
    // elsewhere): its results, duplicates of what the re-run returns, are dropped.
    if (!j || h.job != j->id || it == w.in_flight.end()) return;
    const Range r = it->second;
    w.in_flight.erase(it);
    w.futile_deaths = 0;
    if (h.begin != r.begin || h.count > r.end - r.begin)
      throw Error(Errc::kIo, "results for the wrong tasks from " + worker_name(wi, w.pid));
    for (std::uint64_t k = 0; k < h.count; ++k)
      j->results[r.begin + k].assign(res.results[k].begin(), res.results[k].end());
    j->done += h.count;
    block_->tasks_done.store(j->done, std::memory_order_relaxed);
    slowest_task_ns_ = std::max(slowest_task_ns_, static_cast<double>(h.max_task_ns));
    if (h.count > 0) {
      const double est = static_cast<double>(h.elapsed_ns) / static_cast<double>(h.count);
      j->ns_per_task = j->ns_per_task < 0 ? est : 0.5 * (j->ns_per_task + est);
    }
    if (h.status == wire::kTaskFailed) {
      const std::string& message = res.message;
      const std::size_t index = r.begin + h.count;
      if (h.missing_task)
        j->fail(index, Errc::kNotFound, message + " (task #" + std::to_string(index) + ")");
      else
        j->fail(index, Errc::kWorkerFailed,
                "task '" + task_ + "' #" + std::to_string(index) + " failed on " +
                    worker_name(wi, w.pid) + ": " + message);
      cancel_job(j->id);  // other workers stop at their next task boundary
    } else if (h.status == wire::kOk && h.count != r.end - r.begin) {
      throw Error(Errc::kIo, "short results from " + worker_name(wi, w.pid));
    }
  }

  void throw_ack_errors() {
    for (auto& w : workers_) {
      if (!w.ack_error.empty()) {
        std::string e = std::move(w.ack_error);
        w.ack_error.clear();
        throw Error(Errc::kNotFound, e);
      }
    }
  }
  void throw_ack_errors_into(Job& j) {
    for (auto& w : workers_) {
      if (!w.ack_error.empty()) {
        j.fail(0, Errc::kNotFound, std::move(w.ack_error));
        w.ack_error.clear();
        cancel_job(j.id);
      }
    }
  }

  int n_;
  double stall_floor_ns_;
  double stall_factor_;
  double slowest_task_ns_ = 0;      // the slowest task any worker reported (the stall window)
  std::unique_ptr<Executor> pool_;  // parallel_for's threads, started on first use
  Segment control_;
  ControlBlock* block_ = nullptr;
  Segment args_;
  std::map<std::string, Segment, std::less<>> shares_;
  std::vector<std::string> plugins_;
  std::vector<Worker> workers_;
  std::map<pid_t, int> exit_status_;
  pid_t supervisor_ = 0;
  int sup_fd_ = -1;
  bool supervisor_alive_ = false;
  std::uint64_t generation_ = 0;        // Worker::generation
  int listen_fd_ = -1;                  // the port's listening socket (kept for replacements)
  int supervisor_deaths_ = 0;           // supervisors lost (supervisor_lost)
  int supervisor_restarts_ = 0;         // replacements started (at most kMaxSupervisorRestarts)
  std::string supervisor_death_;        // the last lost supervisor's wait status, in words
  std::string supervisor_spawn_error_;  // why the last replacement could not be started
  std::uint64_t job_ = 0;
  std::uint64_t chunk_id_ = 0;
  std::string task_;
  Job* job_state_ = nullptr;
  std::string key_;  // the job's secret (ExecutorOptions::key_file); empty: no remote workers
  double wait_timeout_ns_ = 60e9;
  std::map<std::string, auth::Digest> share_digests_;   // SHA-256 of shared blobs, computed once
  std::map<std::string, auth::Digest> plugin_digests_;  // SHA-256 of plug-ins, by path
  std::uint64_t blob_bytes_sent_ = 0;                   // to remote workers, all of them
};

}  // namespace

std::unique_ptr<Executor> make_process_executor(const ExecutorOptions& options) {
  return std::make_unique<ProcessExecutor>(options);
}

}  // namespace freshet::mproc::detail
