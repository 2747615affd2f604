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
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <optional>

#include "core/error.hpp"
#include "mproc/local_executor.hpp"
#include "mproc/process_internal.hpp"
#include "mproc/shm.hpp"
#include "mproc/wire.hpp"

namespace freshet::mproc::detail {

namespace {

constexpr std::uint64_t kTargetChunkNs = 2'000'000;  // at most ~2 ms of work per chunk
constexpr std::uint64_t kMinChunkNs = 100'000;       // at least ~0.1 ms, once tasks are timed
constexpr int kInFlightPerWorker = 2;
constexpr int kMaxAttempts = 3;  // a chunk whose worker dies this often fails the map
constexpr int kMaxFutileDeaths = 5;

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

struct Worker {
  int fd = -1;
  pid_t pid = 0;
  bool live = false;
  bool spawn_pending = false;
  int pending_acks = 0;
  int futile_deaths = 0;  // deaths since this slot last returned results
  std::string ack_error;
  wire::FrameParser parser;
  std::map<std::uint64_t, Range> in_flight;  // chunk id -> range
};

class CentralContext final : public TaskContext {
 public:
  explicit CentralContext(const std::map<std::string, Segment, std::less<>>& shares)
      : shares_(shares) {}
  std::span<const std::byte> shared(std::string_view key) const override {
    auto it = shares_.find(key);
    if (it == shares_.end())
      throw Error(Errc::kNotFound, "no shared data under key '" + std::string(key) + "'");
    return {it->second.data(), it->second.size()};
  }
  int worker() const override { return -1; }

 private:
  const std::map<std::string, Segment, std::less<>>& shares_;
};

class ProcessExecutor final : public Executor {
 public:
  explicit ProcessExecutor(const ExecutorOptions& options) : n_(options.workers) {
    if (n_ < 1 || n_ > kMaxWorkers)
      throw Error(Errc::kInvalidArgument, "--workers with --port must be in 1.." +
                                              std::to_string(kMaxWorkers) + ", got " +
                                              std::to_string(n_));
    remove_stale_segments();
    install_cleanup_handlers();
    try {
      start(options);
    } catch (...) {
      stop();
      throw;
    }
  }

  ~ProcessExecutor() override { stop(); }

  Backend backend() const override { return Backend::kProcesses; }
  int workers() const override { return n_; }

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
    for (auto& w : workers_)
      if (w.live) send_share(w, key, segment);
    shares_.insert_or_assign(std::move(key), std::move(segment));
  }

  void unshare(std::string_view key) override {
    auto it = shares_.find(key);
    if (it == shares_.end()) return;
    ByteWriter w;
    w.put_string(key);
    for (auto& worker : workers_)
      if (worker.live) send(worker, wire::Type::kUnshare, w.bytes());
    shares_.erase(it);
  }

  void init(const std::string& plugin_path) override {
    load_plugin(plugin_path);  // here too: one-item maps run inline on this process
    if (std::find(plugins_.begin(), plugins_.end(), plugin_path) == plugins_.end())
      plugins_.push_back(plugin_path);
    for (auto& w : workers_)
      if (w.live) send_init(w, plugin_path);
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
    block_->running.store(1);

    Job j;
    j.id = job;
    j.n = n;
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

    for (;;) {
      throw_ack_errors_into(j);
      // Hand out work to every live worker with room: first one chunk each, then a second, so a
      // short map spreads over all workers.
      for (int depth = 1; depth <= kInFlightPerWorker; ++depth) {
        for (std::size_t wi = 0; wi < workers_.size(); ++wi) {
          Worker& w = workers_[wi];
          if (!w.live || static_cast<int>(w.in_flight.size()) >= depth) continue;
          auto range = next_range(j);
          if (!range) break;
          send_chunk(static_cast<int>(wi), *range, j);
        }
      }
      bool in_flight = false;
      for (auto& w : workers_) in_flight |= w.live && !w.in_flight.empty();
      if (j.done == n || (j.failure && !in_flight)) break;
      if (!in_flight && !any_live_or_pending()) {
        j.fail(SIZE_MAX, Errc::kWorkerFailed,
               "task '" + task_ + "': no workers left (" +
                   (supervisor_alive_ ? "workers kept dying before finishing anything"
                                      : "the supervisor died, so none can be respawned") +
                   ")");
        break;
      }
      pump(1000, &j);
    }
    block_->tasks_done.store(j.done);
    if (j.failure) throw Error(j.failure_code, j.failure_message);
    return std::move(j.results);
  }

  void parallel_for(std::size_t n, const std::function<void(std::size_t)>& body) override {
    // Closures cannot cross a process boundary: this runs on the calling thread.
    for (std::size_t i = 0; i < n; ++i) body(i);
  }

 private:
  struct Job {
    std::uint64_t id = 0;
    std::size_t n = 0;
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
      supervisor_main(pair[1], listen_fd, block_, central);
    }
    ::close(pair[1]);
    if (listen_fd >= 0) ::close(listen_fd);  // the supervisor serves the port
    supervisor_ = pid;
    sup_fd_ = pair[0];
    supervisor_alive_ = true;
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
    shares_.clear();
    args_ = Segment();
    block_ = nullptr;
    control_ = Segment();
    uninstall_cleanup_handlers();
  }

  Bytes run_inline(std::string_view task, const Bytes& argument) {
    const TaskFn* fn = Registry::global().find(task);
    const std::string where = "the central process (pid " + std::to_string(::getpid()) + ")";
    if (!fn)
      throw Error(Errc::kNotFound, "'" + std::string(task) + "': no such function on " + where +
                                       "; load it with init (Executor::init / --plugin) first");
    CentralContext context(shares_);
    try {
      return (*fn)(context, argument);
    } catch (const std::exception& e) {
      throw Error(Errc::kWorkerFailed,
                  "task '" + std::string(task) + "' #0 failed on " + where + ": " + e.what());
    }
  }

  void write_arguments(std::span<const Bytes> arguments) {
    const std::size_t n = arguments.size();
    std::size_t need = 8 + 8 * (n + 1);
    for (const auto& a : arguments) need += a.size();
    if (!args_ || args_.size() < need)
      args_ = Segment::create(new_segment_name('a'),
                              std::max<std::size_t>({need, args_.size() * 2, 1 << 16}));
    std::byte* base = args_.data();
    const std::uint64_t count = n;
    std::memcpy(base, &count, 8);
    auto* offsets = reinterpret_cast<std::uint64_t*>(base + 8);
    std::byte* data = base + 8 + 8 * (n + 1);
    std::uint64_t off = 0;
    for (std::size_t i = 0; i < n; ++i) {
      offsets[i] = off;
      if (!arguments[i].empty()) std::memcpy(data + off, arguments[i].data(), arguments[i].size());
      off += arguments[i].size();
    }
    offsets[n] = off;
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
    for (auto& w : workers_) live += w.live;
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
    ByteWriter m;
    m.put<std::uint64_t>(j.id);
    m.put<std::uint64_t>(id);
    m.put_string(task_);
    m.put_string(args_.name());
    m.put<std::uint64_t>(args_.size());
    m.put<std::uint64_t>(r.begin);
    m.put<std::uint64_t>(r.end);
    w.in_flight.emplace(id, r);  // before sending: a failed send requeues it
    send(w, wire::Type::kChunk, m.bytes());
  }

  // Sends to a worker; a dead worker is handled (its chunks requeued, a respawn requested).
  void send(Worker& w, wire::Type type, std::span<const std::byte> payload) {
    if (!w.live) return;
    if (!wire::write_frame(w.fd, type, payload)) worker_died(w);
  }

  void send_init(Worker& w, const std::string& path) {
    ByteWriter m;
    m.put_string(path);
    ++w.pending_acks;
    send(w, wire::Type::kInit, m.bytes());
  }

  void send_share(Worker& w, std::string_view key, const Segment& segment) {
    ByteWriter m;
    m.put_string(key);
    m.put_string(segment.name());
    m.put<std::uint64_t>(segment.size());
    send(w, wire::Type::kShare, m.bytes());
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
    return "worker " + std::to_string(wi) + " (pid " + std::to_string(pid) + ")";
  }

  void worker_died(Worker& w) {
    const std::size_t wi = static_cast<std::size_t>(&w - workers_.data());
    const std::int64_t current = block_->slots[wi].current_task.load();
    w.live = false;
    ::close(w.fd);
    w.fd = -1;
    w.pending_acks = 0;
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
          wait_for_exit_status(pid, 500);
          auto st = exit_status_.find(pid);
          j.fail(index, Errc::kWorkerFailed,
                 "task '" + task_ + "' #" + std::to_string(index) + " failed on " +
                     worker_name(wi, pid) + ": the worker " +
                     (st != exit_status_.end() ? wire::describe_wait_status(st->second) : "died") +
                     " while running it, " + std::to_string(kMaxAttempts) +
                     " times on fresh workers; giving up");
        } else {
          j.retry.push_front(r);
        }
      }
      if (j.failure) block_->cancel_job.store(j.id);
    }
    w.in_flight.clear();
    // A slot whose workers keep dying without finishing anything (a plug-in that crashes on
    // load, say) is not respawned forever: after kMaxFutileDeaths it stays empty, and a map
    // with no workers left fails.
    if (++w.futile_deaths >= kMaxFutileDeaths) return;
    block_->slots[wi].respawns.fetch_add(1);
    request_spawn(static_cast<int>(wi));
  }

  void wait_for_exit_status(pid_t pid, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms && !exit_status_.count(pid) && supervisor_alive_;
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
    if (!ok) {
      supervisor_alive_ = false;
      for (auto& w : workers_) w.spawn_pending = false;
      return;
    }
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
      w.parser = wire::FrameParser();
      w.in_flight.clear();
      w.pending_acks = 0;
      w.ack_error.clear();
      // Replay what every worker must have: plug-ins first, then shared blobs.
      for (const auto& path : plugins_) send_init(w, path);
      for (const auto& [key, segment] : shares_) send_share(w, key, segment);
    } else if (fd >= 0) {
      ::close(fd);
    }
  }

  // Waits up to timeout_ms for messages from workers or the supervisor and handles them.
  void pump(int timeout_ms, Job* j) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> index;
    if (supervisor_alive_) fds.push_back({sup_fd_, POLLIN, 0});
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      if (!workers_[i].live) continue;
      fds.push_back({workers_[i].fd, POLLIN, 0});
      index.push_back(i);
    }
    const int rc = ::poll(fds.data(), fds.size(), timeout_ms);
    if (rc < 0) {
      if (errno == EINTR) return;
      throw Error(Errc::kIo, std::string("poll: ") + std::strerror(errno));
    }
    if (rc == 0) return;
    const std::size_t first = supervisor_alive_ ? 1 : 0;
    for (std::size_t k = 0; k < index.size(); ++k) {
      if (!fds[first + k].revents) continue;
      Worker& w = workers_[index[k]];
      if (!w.live) continue;
      bool alive = false;
      try {
        alive = w.parser.fill(w.fd);
        wire::Frame f;
        while (w.parser.next(f)) handle_frame(index[k], f, j);
      } catch (const Error&) {
        alive = false;  // garbage from a worker: treat it as dead
      }
      if (!alive && w.live) worker_died(w);
    }
    if (first && fds[0].revents) read_supervisor();
  }

  void handle_frame(std::size_t wi, const wire::Frame& f, Job* j) {
    Worker& w = workers_[wi];
    ByteReader in(f.payload);
    if (f.type == wire::Type::kInitDone) {
      const auto ok = in.get<std::uint8_t>();
      const std::string message = in.get_string();
      if (w.pending_acks > 0) --w.pending_acks;
      if (!ok && w.ack_error.empty())
        w.ack_error = "plug-in failed to load on " + worker_name(wi, w.pid) + ": " + message;
      return;
    }
    if (f.type != wire::Type::kResults || f.payload.size() < sizeof(wire::ChunkResultHeader))
      throw Error(Errc::kIo, "unexpected message from " + worker_name(wi, w.pid));
    wire::ChunkResultHeader h;
    std::memcpy(&h, f.payload.data(), sizeof h);
    auto it = w.in_flight.find(h.chunk);
    if (!j || h.job != j->id || it == w.in_flight.end()) return;  // stale
    const Range r = it->second;
    w.in_flight.erase(it);
    w.futile_deaths = 0;
    const std::byte* p = f.payload.data() + sizeof h;
    const std::byte* end = f.payload.data() + f.payload.size();
    if (h.begin != r.begin || h.count > r.end - r.begin)
      throw Error(Errc::kIo, "malformed results from " + worker_name(wi, w.pid));
    for (std::uint64_t k = 0; k < h.count; ++k) {
      std::uint64_t len;
      if (end - p < 8) throw Error(Errc::kIo, "truncated results from " + worker_name(wi, w.pid));
      std::memcpy(&len, p, 8);
      p += 8;
      if (static_cast<std::uint64_t>(end - p) < len)
        throw Error(Errc::kIo, "truncated results from " + worker_name(wi, w.pid));
      j->results[r.begin + k].assign(p, p + len);
      p += len;
    }
    j->done += h.count;
    block_->tasks_done.store(j->done, std::memory_order_relaxed);
    if (h.count > 0) {
      const double est = static_cast<double>(h.elapsed_ns) / static_cast<double>(h.count);
      j->ns_per_task = j->ns_per_task < 0 ? est : 0.5 * (j->ns_per_task + est);
    }
    if (h.status == wire::kTaskFailed) {
      std::uint32_t code = 0;
      std::memcpy(&code, p, 4);
      ByteReader rest(std::span<const std::byte>(p + 4, end));
      const std::string message = rest.get_string();
      const std::size_t index = r.begin + h.count;
      if (h.missing_task)
        j->fail(index, Errc::kNotFound, message + " (task #" + std::to_string(index) + ")");
      else
        j->fail(index, Errc::kWorkerFailed,
                "task '" + task_ + "' #" + std::to_string(index) + " failed on " +
                    worker_name(wi, w.pid) + ": " + message);
      block_->cancel_job.store(j->id);  // other workers stop at their next task boundary
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
        block_->cancel_job.store(j.id);
      }
    }
  }

  int n_;
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
  std::uint64_t job_ = 0;
  std::uint64_t chunk_id_ = 0;
  std::string task_;
  Job* job_state_ = nullptr;
};

}  // namespace

std::unique_ptr<Executor> make_process_executor(const ExecutorOptions& options) {
  return std::make_unique<ProcessExecutor>(options);
}

}  // namespace freshet::mproc::detail
