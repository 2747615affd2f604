// The remote worker (see remote.hpp): one I/O thread (this one) reads frames, applies blobs,
// plug-ins and cancels, and sends heartbeats; `threads` compute threads run chunks and write
// their results. Frames that change what tasks read (BLOB, UNSHARE, REMOTE_INIT) are applied only
// when no chunk is running: the central process sends them only between maps, and waiting keeps
// the blob table free of locks while tasks read it.

#include "mproc/remote.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "mproc/auth.hpp"
#include "mproc/local_executor.hpp"
#include "mproc/process_internal.hpp"
#include "mproc/registry.hpp"
#include "mproc/wire.hpp"

namespace freshet::mproc {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::uint64_t now_ns(clockid_t clock = CLOCK_MONOTONIC) {
  timespec ts;
  ::clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void set_timeouts(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// What the peer wrote (an ERROR message), as one printable line: a hostile endpoint must not send
// escape sequences or extra lines to the terminal that prints the worker's error.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

// The port dropped the connection before its CHALLENGE: a job that is not accepting yet, or a
// port whose pre-handshake slots are full (mproc/process_worker.cpp closes connections past
// them at once, by design). Nothing was proven either way, so a worker may try again.
class DroppedBeforeChallenge : public Error {
 public:
  using Error::Error;
};

// One frame of the handshake (at most 256 bytes, like every pre-authentication frame).
// `first`: the port's first frame, whose absence (a close, a reset, a timeout) is
// DroppedBeforeChallenge.
wire::Frame read_handshake_frame(int fd, const std::string& where, const char* expecting,
                                 bool first = false) {
  wire::Frame f;
  bool got = false;
  std::string lost;
  try {
    got = wire::read_frame(fd, f, wire::kMaxUnauthenticatedPayload);
    if (!got)
      lost = where + " closed the connection during the handshake (expecting " + expecting + ")";
  } catch (const Error& e) {
    lost = where + ": handshake failed waiting for " + expecting + ": " + e.what();
  }
  if (!lost.empty()) {
    if (first) throw DroppedBeforeChallenge(Errc::kIo, lost);
    throw Error(Errc::kIo, lost);
  }
  if (f.type == wire::Type::kError)
    throw Error(Errc::kIo, where + " refused this client: " +
                               printable(wire::decode_error(f.payload).message));
  return f;
}

void write_or_throw(int fd, wire::Type type, const Bytes& payload, const std::string& where) {
  bool ok = false;
  try {
    ok = wire::write_frame(fd, type, payload);
  } catch (const Error& e) {
    throw Error(Errc::kIo, where + ": " + e.what());
  }
  if (!ok) throw Error(Errc::kIo, where + " closed the connection during the handshake");
}

class RemoteContext final : public TaskContext {
 public:
  RemoteContext(const std::map<std::string, std::shared_ptr<const Bytes>, std::less<>>& blobs,
                int thread, const std::string& who)
      : blobs_(blobs), thread_(thread), who_(who) {}
  std::span<const std::byte> shared(std::string_view key) const override {
    auto it = blobs_.find(key);
    if (it == blobs_.end())
      throw Error(Errc::kNotFound,
                  "no shared data under key '" + std::string(key) + "' on " + who_);
    return {it->second->data(), it->second->size()};
  }
  int worker() const override { return thread_; }

 private:
  const std::map<std::string, std::shared_ptr<const Bytes>, std::less<>>& blobs_;
  int thread_;
  const std::string& who_;
};

class RemoteWorker {
 public:
  RemoteWorker(int fd, const RemoteWorkerOptions& options, std::string where)
      : fd_(fd), options_(options), where_(std::move(where)) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    host_ = host;
    who_ = "remote worker " + host_ + " (pid " + std::to_string(::getpid()) + ")";
  }

  RemoteWorkerStats stats() const { return {tasks_done_.load(), chunks_done_.load(), blob_bytes_}; }

  void run() {
    send_frame(wire::Type::kJoin,
               wire::encode(wire::Join{static_cast<std::uint32_t>(options_.threads),
                                       static_cast<std::uint32_t>(::getpid()), host_}));
    std::vector<std::thread> pool;
    for (int t = 0; t < options_.threads; ++t) pool.emplace_back([this, t] { compute(t); });
    struct Join {
      RemoteWorker* self;
      std::vector<std::thread>& pool;
      ~Join() {
        {
          std::lock_guard lock(self->m_);
          self->stopping_ = true;
          self->queue_.clear();
        }
        self->work_cv_.notify_all();
        for (auto& t : pool) t.join();
      }
    } join{this, pool};

    const auto hb_ns = static_cast<std::uint64_t>(options_.heartbeat_seconds * 1e9);
    std::uint64_t last_hb = now_ns();
    wire::FrameParser parser;
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(std::max<std::uint64_t>(hb_ns / 1000000, 10)));
      if (rc < 0 && errno != EINTR)
        throw Error(Errc::kIo, std::string("poll: ") + std::strerror(errno));
      if (peer_gone_.load()) return;
      if (now_ns() - last_hb >= hb_ns) {
        last_hb = now_ns();
        if (busy()) heartbeat();
      }
      if (rc <= 0) continue;
      bool alive = parser.fill(fd_);
      wire::Frame f;
      while (parser.next(f))
        if (!handle(f)) return;
      if (!alive) return;  // the central process closed the connection: the job is over
    }
  }

 private:
  struct Pending {
    Bytes payload;  // owns the bytes chunk.inline_args views (a moved vector keeps its buffer)
    wire::Chunk chunk;
  };

  bool busy() {
    std::lock_guard lock(m_);
    return running_ > 0 || !queue_.empty();
  }

  void wait_idle() {
    std::unique_lock lock(m_);
    idle_cv_.wait(lock, [&] { return (running_ == 0 && queue_.empty()) || peer_gone_.load(); });
  }

  void send_frame(wire::Type type, const Bytes& payload) {
    std::lock_guard lock(write_m_);
    if (!wire::write_frame(fd_, type, payload)) peer_gone_ = true;
  }

  // Progress for the central process's stall rule: tasks finished and CPU time used. Skipped
  // when a compute thread is writing results (that is progress too, and must not be waited on).
  void heartbeat() {
    std::unique_lock lock(write_m_, std::try_to_lock);
    if (!lock) return;
    const Bytes m =
        wire::encode(wire::Heartbeat{tasks_done_.load(), now_ns(CLOCK_PROCESS_CPUTIME_ID)});
    if (!wire::write_frame(fd_, wire::Type::kHeartbeat, m)) peer_gone_ = true;
  }

  // False: the job is over (SHUTDOWN).
  bool handle(wire::Frame& f) {
    switch (f.type) {
      case wire::Type::kChunk: {
        Pending p;
        p.payload = std::move(f.payload);
        p.chunk = wire::decode_chunk(p.payload);
        if (!p.chunk.args_segment.empty())
          throw Error(Errc::kIo, where_ + " sent a shared-memory chunk to a remote worker");
        {
          std::lock_guard lock(m_);
          queue_.push_back(std::move(p));
        }
        work_cv_.notify_one();
        return true;
      }
      case wire::Type::kCancel:
        cancel_job_.store(wire::decode_cancel(f.payload).job);
        return true;
      case wire::Type::kBlob: {
        wire::Blob blob = wire::decode_blob(f.payload);
        if (incoming_) throw Error(Errc::kIo, where_ + ": BLOB inside another blob's data");
        if (!blob.data_follows) {
          // Same bytes as a blob we hold under another key: keep one copy.
          std::shared_ptr<const Bytes> same;
          for (auto& [k, d] : digests_)
            if (d == blob.sha256) same = blobs_.at(k);
          if (!same)
            throw Error(Errc::kIo, where_ + " referred to a blob this worker does not hold");
          install(blob.key, blob.sha256, std::move(same));
          return true;
        }
        incoming_data_ = std::make_shared<Bytes>(blob.size);
        received_ = 0;
        incoming_ = std::move(blob);
        if (incoming_->size == 0) finish_blob();
        return true;
      }
      case wire::Type::kBlobData: {
        if (!incoming_ || f.payload.size() > incoming_->size - received_)
          throw Error(Errc::kIo, where_ + " sent blob data beyond the announced size");
        std::memcpy(incoming_data_->data() + received_, f.payload.data(), f.payload.size());
        received_ += f.payload.size();
        blob_bytes_ += f.payload.size();
        if (received_ == incoming_->size) finish_blob();
        return true;
      }
      case wire::Type::kUnshare: {
        const wire::Unshare u = wire::decode_unshare(f.payload);
        wait_idle();
        blobs_.erase(u.key);
        digests_.erase(u.key);
        return true;
      }
      case wire::Type::kRemoteInit:
        remote_init(wire::decode_remote_init(f.payload));
        return true;
      case wire::Type::kShutdown:
        return false;
      default:
        throw Error(Errc::kIo, where_ + " sent an unexpected " + wire::type_name(f.type) +
                                   " frame to a remote worker");
    }
  }

  void finish_blob() {
    const auth::Digest got = auth::sha256(*incoming_data_);
    if (got != incoming_->sha256)
      throw Error(Errc::kIo, "shared blob '" + incoming_->key + "' from " + where_ +
                                 " failed its SHA-256 check (" + auth::hex(got) + ")");
    install(incoming_->key, incoming_->sha256, std::move(incoming_data_));
    incoming_.reset();
  }

  void install(const std::string& key, const auth::Digest& digest,
               std::shared_ptr<const Bytes> data) {
    wait_idle();
    blobs_.insert_or_assign(key, std::move(data));
    digests_.insert_or_assign(key, digest);
  }

  // Loads the plug-in from our own --plugin-dir if its SHA-256 is the one the central process
  // loaded; else tells the central process (which goes on without us) and leaves.
  void remote_init(const wire::RemoteInit& init) {
    wait_idle();
    wire::InitDone reply;
    std::string why;
    try {
      if (init.name.empty() || init.name.find('/') != std::string::npos || init.name == "." ||
          init.name == "..")
        throw Error(Errc::kInvalidArgument, "plug-in name '" + init.name + "' is not a file name");
      if (options_.plugin_dir.empty())
        throw Error(Errc::kNotFound, "the job loads plug-in '" + init.name +
                                         "' but this worker has no --plugin-dir");
      const std::string path = options_.plugin_dir + "/" + init.name;
      const auth::Digest have = auth::sha256_file(path);
      if (have != init.sha256)
        throw Error(Errc::kInvalidArgument, "plug-in '" + path + "' has SHA-256 " +
                                                auth::hex(have) + ", the job's has " +
                                                auth::hex(init.sha256));
      detail::load_plugin(path);
    } catch (const std::exception& e) {
      reply.ok = false;
      reply.message = who_ + ": " + e.what();
    }
    send_frame(wire::Type::kInitDone, wire::encode(reply));
    if (!reply.ok) throw Error(Errc::kNotFound, reply.message);
  }

  void compute(int thread) {
    RemoteContext context(blobs_, thread, who_);
    wire::ResultsWriter out;
    for (;;) {
      Pending p;
      {
        std::unique_lock lock(m_);
        work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        p = std::move(queue_.front());
        queue_.pop_front();
        ++running_;
      }
      run_chunk(p.chunk, context, out);
      {
        std::lock_guard lock(write_m_);
        if (!peer_gone_ && !wire::write_framed_buffer(fd_, wire::Type::kResults, out.buffer()))
          peer_gone_ = true;
      }
      chunks_done_.fetch_add(1, std::memory_order_relaxed);
      if (out.buffer().capacity() > (64u << 20)) Bytes().swap(out.buffer());
      {
        std::lock_guard lock(m_);
        --running_;
      }
      idle_cv_.notify_all();
    }
  }

  // The same loop as a forked worker's (process_worker.cpp), over inline arguments.
  void run_chunk(const wire::Chunk& chunk, const RemoteContext& context, wire::ResultsWriter& out) {
    out.start(chunk.job, chunk.chunk, chunk.begin);
    wire::ChunkStatus status = wire::kOk;
    bool missing = false;
    std::uint32_t errc = 0;
    std::string message;
    std::uint64_t max_task_ns = 0;
    const std::uint64_t t0 = now_ns();
    try {
      const wire::ArgumentsView arguments(chunk.inline_args);
      if (arguments.size() != chunk.end - chunk.begin)
        throw Error(Errc::kInternal, "chunk [" + std::to_string(chunk.begin) + ", " +
                                         std::to_string(chunk.end) + ") carries " +
                                         std::to_string(arguments.size()) + " arguments");
      const TaskFn* fn = Registry::global().find(chunk.task);
      if (!fn) {
        status = wire::kTaskFailed;
        missing = true;
        const Error e = no_such_function(chunk.task, who_);
        errc = static_cast<std::uint32_t>(e.code());
        message = e.what();
      } else {
        for (std::uint64_t i = 0; i < arguments.size(); ++i) {
          if (cancel_job_.load(std::memory_order_relaxed) == chunk.job) {
            status = wire::kCancelled;
            break;
          }
          const std::uint64_t t_task = now_ns();
          detail::TaskFailure failure;
          const std::optional<Bytes> r = detail::run_task(*fn, context, arguments[i], failure);
          if (!r) {
            status = wire::kTaskFailed;
            errc = failure.errc;
            message = std::move(failure.message);
            break;
          }
          max_task_ns = std::max(max_task_ns, now_ns() - t_task);
          out.add(*r);
          tasks_done_.fetch_add(1, std::memory_order_relaxed);
        }
      }
    } catch (const std::exception& e) {
      status = wire::kTaskFailed;
      errc = static_cast<std::uint32_t>(Errc::kWorkerFailed);
      message = e.what();
    }
    out.finish(status, now_ns() - t0, max_task_ns, missing, errc, message);
  }

  int fd_;
  const RemoteWorkerOptions& options_;
  std::string where_;
  std::string host_;
  std::string who_;
  std::mutex m_;  // queue_, running_, stopping_
  std::condition_variable work_cv_, idle_cv_;
  std::deque<Pending> queue_;
  int running_ = 0;
  bool stopping_ = false;
  std::mutex write_m_;  // one writer at a time on the socket
  std::atomic<bool> peer_gone_{false};
  std::atomic<std::uint64_t> cancel_job_{0};
  std::atomic<std::uint64_t> tasks_done_{0};
  std::atomic<std::uint64_t> chunks_done_{0};
  std::uint64_t blob_bytes_ = 0;
  // Written by the I/O thread only while no chunk runs; read by tasks without a lock.
  std::map<std::string, std::shared_ptr<const Bytes>, std::less<>> blobs_;
  std::map<std::string, auth::Digest, std::less<>> digests_;
  std::optional<wire::Blob> incoming_;
  std::shared_ptr<Bytes> incoming_data_;
  std::size_t received_ = 0;
};

}  // namespace

int connect_tcp(const std::string& host, int port, int timeout_ms) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    throw Error(Errc::kInvalidArgument, "cannot resolve '" + host + "'");
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw Error(Errc::kIo, std::string("socket: ") + std::strerror(errno));
    if (::connect(fd, found->ai_addr, found->ai_addrlen) == 0) return fd;
    const int e = errno;
    ::close(fd);
    const bool retry = e == ECONNREFUSED || e == EINTR || e == ETIMEDOUT || e == EAGAIN;
    if (!retry || std::chrono::steady_clock::now() >= deadline)
      throw Error(Errc::kIo, "cannot connect to " + where + ": " + std::strerror(e));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

namespace {
void authenticate_or_throw(int fd, const std::string& key, const std::string& role,
                           const std::string& where);
}  // namespace

void authenticate_client(int fd, const std::string& key, const std::string& role,
                         const std::string& where) {
  try {
    authenticate_or_throw(fd, key, role, where);
  } catch (const Error& e) {
    if (e.code() == Errc::kIo) throw;
    // A payload that does not decode (found with fuzz/handshake_fuzz.cpp's contract: every
    // failure is kIo and names the peer).
    throw Error(Errc::kIo, where + " sent a malformed handshake frame: " + e.what());
  }
}

namespace {
void authenticate_or_throw(int fd, const std::string& key, const std::string& role,
                           const std::string& where) {
  set_timeouts(fd, 5000);
  try {
    write_or_throw(fd, wire::Type::kHello, wire::encode(wire::Hello{.role = role}), where);
  } catch (const Error& e) {
    throw DroppedBeforeChallenge(Errc::kIo, e.what());
  }
  wire::Frame f = read_handshake_frame(fd, where, "CHALLENGE", /*first=*/true);
  if (f.type != wire::Type::kChallenge)
    throw Error(Errc::kIo, where + " answered HELLO with " + wire::type_name(f.type) +
                               " (a job without --key-file, or not a freshet port)");
  const wire::Challenge theirs = wire::decode_challenge(f.payload);
  if (theirs.digest != "sha256")
    throw Error(Errc::kIo,
                where + " offers digest '" + printable(theirs.digest) + "' (sha256 expected)");
  if (theirs.byte_order != wire::kByteOrderProbe || theirs.word_size != wire::kWordSize)
    throw Error(Errc::kIo, where + " has another byte order or word size than this machine");
  wire::Challenge ours;
  ours.nonce = auth::new_nonce();
  write_or_throw(fd, wire::Type::kResponse,
                 wire::encode(wire::Response{auth::client_proof(key, role, theirs.nonce)}), where);
  write_or_throw(fd, wire::Type::kChallenge, wire::encode(ours), where);
  f = read_handshake_frame(fd, where, "RESPONSE");
  if (f.type != wire::Type::kResponse)
    throw Error(Errc::kIo, where + " answered with " + wire::type_name(f.type) + ", not RESPONSE");
  const wire::Response proof = wire::decode_response(f.payload);
  if (!auth::equal_constant_time(auth::central_proof(key, ours.nonce, theirs.nonce), proof.mac))
    throw Error(Errc::kIo, where + " failed to prove the key (another job's port, or an impostor)");
  f = read_handshake_frame(fd, where, "WELCOME");
  if (f.type != wire::Type::kWelcome)
    throw Error(Errc::kIo, where + " answered with " + wire::type_name(f.type) + ", not WELCOME");
  const wire::Welcome welcome = wire::decode_welcome(f.payload);
  if (welcome.version != wire::kVersion)
    throw Error(Errc::kIo, where + " speaks protocol " + std::to_string(welcome.version));
  set_timeouts(fd, 0);
}
}  // namespace

RemoteWorkerStats run_remote_worker(const RemoteWorkerOptions& options) {
  if (options.threads < 1 || options.threads > 1024)
    throw Error(Errc::kInvalidArgument,
                "--threads must be in 1..1024, got " + std::to_string(options.threads));
  const std::string key = auth::load_key_file(options.key_file);
  const std::string where = options.host + ":" + std::to_string(options.port);
  // Connects and authenticates until the connect timeout: a port that drops the connection
  // before its challenge (pre-handshake slots full while a burst of connections is served, or a
  // job between its listen() and its first accept loop) is tried again, 0.1 s then doubling up
  // to 1 s apart. Any answer the port did give (a refusal, a failed proof) ends it at once.
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(static_cast<std::int64_t>(options.connect_timeout_seconds * 1000));
  Fd sock;
  for (auto pause = std::chrono::milliseconds(100);;
       pause = std::min(2 * pause, std::chrono::milliseconds(1000))) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    sock.fd = connect_tcp(options.host, options.port,
                          static_cast<int>(std::max<std::int64_t>(0, left.count())));
    try {
      authenticate_client(sock.fd, key, "worker", where);
      break;
    } catch (const DroppedBeforeChallenge&) {
      if (std::chrono::steady_clock::now() + pause >= deadline) throw;
      ::close(sock.fd);
      sock.fd = -1;
      std::this_thread::sleep_for(pause);
    }
  }
  const int one = 1;
  ::setsockopt(sock.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // A central host that vanishes without closing the connection is noticed within ~30 s.
  ::setsockopt(sock.fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  int idle = 10, interval = 5, count = 4;
  ::setsockopt(sock.fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(sock.fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(sock.fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
  RemoteWorker worker(sock.fd, options, where);
  try {
    worker.run();
  } catch (const Error& e) {
    if (e.code() == Errc::kParse)
      throw Error(Errc::kIo, where + " sent a malformed frame: " + e.what());
    throw;
  }
  return worker.stats();
}

}  // namespace freshet::mproc
