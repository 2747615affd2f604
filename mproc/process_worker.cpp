// The supervisor and worker processes of the process backend (see process_internal.hpp).
// Both are single-threaded and end with _exit: they are forks of the program and must never run
// its static destructors or flush its stdio buffers.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "core/error.hpp"
#include "core/html.hpp"
#include "mproc/auth.hpp"
#include "mproc/local_executor.hpp"
#include "mproc/port.hpp"
#include "mproc/process_internal.hpp"
#include "mproc/registry.hpp"
#include "mproc/shm.hpp"
#include "mproc/wire.hpp"

namespace freshet::mproc::detail {

std::string format_status(const ControlBlock& b) {
  std::string s;
  auto line = [&](const std::string& key, const std::string& value) {
    s += key;
    s += ' ';
    s += value;
    s += '\n';
  };
  line("protocol", std::to_string(wire::kVersion));
  line("central_pid", std::to_string(b.central_pid));
  line("supervisor_pid", std::to_string(b.supervisor_pid));
  line("supervisor_restarts", std::to_string(b.supervisor_restarts.load()));
  line("endpoint", std::string(b.address) + ":" + std::to_string(b.port));
  line("workers", std::to_string(b.workers));
  static const char* kStates[] = {"none", "starting", "idle", "busy", "dead"};
  for (int i = 0; i < b.workers && i < kMaxWorkers; ++i) {
    const auto& w = b.slots[i];
    const int st = w.state.load();
    std::string where;
    if (w.remote.load()) {
      char host[sizeof w.host + 1] = {};
      std::memcpy(host, w.host, sizeof w.host);
      where = std::string(" remote ") + (host[0] ? host : "?") + " threads " +
              std::to_string(w.threads.load());
    }
    line("worker", std::to_string(i) + " pid " + std::to_string(w.pid.load()) + " state " +
                       (st >= 0 && st <= 4 ? kStates[st] : "?") + " tasks_done " +
                       std::to_string(w.tasks_done.load()) + " respawns " +
                       std::to_string(w.respawns.load()) + where);
  }
  char task[sizeof b.task + 1] = {};
  std::memcpy(task, b.task, sizeof b.task);
  const auto total = b.tasks_total.load(), done = b.tasks_done.load();
  line("job", std::to_string(b.job.load()));
  line("task", task[0] ? task : "-");
  line("running", std::to_string(b.running.load()));
  line("tasks_total", std::to_string(total));
  line("tasks_done", std::to_string(done));
  line("tasks_pending", std::to_string(b.running.load() && total > done ? total - done : 0));
  line("jobs_done", std::to_string(b.jobs_done.load()));
  // Throughput and ETA of the running map, from its start time and the tasks done so far.
  if (b.running.load() && b.job_started_ns.load() > 0) {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    const double now = static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
    const double elapsed =
        std::max(0.0, (now - static_cast<double>(b.job_started_ns.load())) / 1e9);
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    char text[64];
    std::snprintf(text, sizeof text, "%.3f", elapsed);
    line("elapsed_s", text);
    std::snprintf(text, sizeof text, "%.1f", rate);
    line("tasks_per_s", text);
    if (rate > 0 && total > done) {
      std::snprintf(text, sizeof text, "%.1f", static_cast<double>(total - done) / rate);
      line("eta_s", text);
    }
  }
  return s;
}

std::string format_status_html(const ControlBlock& b, const std::vector<std::string>& errors) {
  // One source of truth: the text reply, laid out as tables.
  const std::string text = format_status(b);
  std::string workers, job;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    const std::string row = text.substr(at, end - at);
    at = end == std::string::npos ? text.size() : end + 1;
    const std::size_t space = row.find(' ');
    if (space == std::string::npos) continue;
    const std::string key = row.substr(0, space), value = row.substr(space + 1);
    if (key == "worker") {
      // "I pid P state S tasks_done D respawns R[ remote HOST threads T]"
      const std::size_t remote = value.find(" remote ");
      const std::string head = value.substr(0, remote);
      const std::string where = remote == std::string::npos ? "local" : value.substr(remote + 1);
      std::string cells;
      std::size_t p = 0;
      int field = 0;
      while (p < head.size()) {
        std::size_t q = head.find(' ', p);
        if (q == std::string::npos) q = head.size();
        if (field % 2 == 0)
          cells += "<td>" + html_escape(head.substr(p, q - p), ControlBytes::kReplace) + "</td>";
        p = q + 1;
        ++field;
      }
      workers +=
          "<tr>" + cells + "<td>" + html_escape(where, ControlBytes::kReplace) + "</td></tr>\n";
    } else {
      job += "<tr><th>" + html_escape(key, ControlBytes::kReplace) + "</th><td>" +
             html_escape(value, ControlBytes::kReplace) + "</td></tr>\n";
    }
  }
  std::string errs;
  for (const auto& e : errors) errs += "<li>" + html_escape(e, ControlBytes::kReplace) + "</li>\n";
  return "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"refresh\" content=\"2\"><title>freshet status</title>"
         "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style></head><body>\n"
         "<h1>freshet job</h1>\n<table id=\"job\">\n" +
         job +
         "</table>\n<h2>workers</h2>\n<table id=\"workers\"><tr><th>slot</th><th>pid</th>"
         "<th>state</th><th>tasks done</th><th>respawns</th><th>where</th></tr>\n" +
         workers + "</table>\n<h2>last refused connections</h2>\n<ul id=\"errors\">\n" + errs +
         "</ul>\n</body></html>\n";
}

namespace {

// ---------------------------------------------------------------------------------------------
// Worker

class WorkerContext final : public TaskContext {
 public:
  WorkerContext(const std::map<std::string, Segment, std::less<>>& shares, int slot)
      : shares_(shares), slot_(slot) {}
  std::span<const std::byte> shared(std::string_view key) const override {
    auto it = shares_.find(key);
    if (it == shares_.end())
      throw Error(Errc::kNotFound, "no shared data under key '" + std::string(key) +
                                       "' on worker " + std::to_string(slot_) + " (pid " +
                                       std::to_string(::getpid()) + ")");
    return {it->second.data(), it->second.size()};
  }
  int worker() const override { return slot_; }

 private:
  const std::map<std::string, Segment, std::less<>>& shares_;
  int slot_;
};

std::uint64_t now_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

[[noreturn]] void worker_main(int slot, int fd, ControlBlock* block, pid_t supervisor) {
  // A worker dies with its supervisor (which dies with, or cleans up after, the central process).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != supervisor) ::_exit(0);
  // Ctrl-C reaches the whole process group: let the central process decide; we follow by EOF.
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  // The program's own crash handlers (a test framework's, say) must not run in a worker: a crash
  // kills the worker, the central process re-runs its task and reports the signal.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2})
    ::signal(sig, SIG_DFL);
  WorkerSlot& me = block->slots[slot];
  me.pid.store(::getpid());
  me.current_task.store(-1);
  me.state.store(kIdle);
  const std::string who =
      "worker " + std::to_string(slot) + " (pid " + std::to_string(::getpid()) + ")";

  std::map<std::string, Segment, std::less<>> shares;
  Segment args;
  WorkerContext context(shares, slot);
  wire::Frame frame;
  wire::ResultsWriter out;
  for (;;) {
    bool got = false;
    try {
      got = wire::read_frame(fd, frame);
    } catch (const std::exception&) {
      ::_exit(3);  // the central process sent garbage or vanished mid-frame
    }
    if (!got) ::_exit(0);  // EOF: the central process is gone or shut us down
    try {
      switch (frame.type) {
        case wire::Type::kInit: {
          const wire::Init init = wire::decode_init(frame.payload);
          wire::InitDone reply;
          try {
            load_plugin(init.plugin_path);
          } catch (const std::exception& e) {
            reply.ok = false;
            reply.message = e.what();
          }
          if (!wire::write_frame(fd, wire::Type::kInitDone, wire::encode(reply))) ::_exit(0);
          break;
        }
        case wire::Type::kShare: {
          wire::Share share = wire::decode_share(frame.payload);
          shares.erase(share.key);
          // A mapping failure leaves the key absent: tasks that need it fail naming it.
          try {
            shares.emplace(std::move(share.key),
                           Segment::open_readonly(std::move(share.segment), share.size));
          } catch (const std::exception&) {
          }
          break;
        }
        case wire::Type::kUnshare: {
          const wire::Unshare unshare = wire::decode_unshare(frame.payload);
          if (auto it = shares.find(unshare.key); it != shares.end()) shares.erase(it);
          break;
        }
        case wire::Type::kShutdown:
          ::_exit(0);
        case wire::Type::kChunk: {
          wire::Chunk chunk = wire::decode_chunk(frame.payload);
          out.start(chunk.job, chunk.chunk, chunk.begin);
          wire::ChunkStatus status = wire::kOk;
          bool missing = false;
          std::uint32_t errc = 0;
          std::string message;
          std::uint64_t max_task_ns = 0;
          me.state.store(kBusy);
          const std::uint64_t t0 = now_ns();
          try {
            if (args.name() != chunk.args_segment) {
              args = Segment();  // unmap the previous map's arguments first
              args = Segment::open_readonly(std::move(chunk.args_segment), chunk.args_size);
            }
            const wire::ArgumentsView arguments(
                std::span<const std::byte>(args.data(), args.size()));
            if (chunk.end > arguments.size())
              throw Error(Errc::kInternal, "chunk [" + std::to_string(chunk.begin) + ", " +
                                               std::to_string(chunk.end) + ") outside the " +
                                               std::to_string(arguments.size()) + " arguments");
            const TaskFn* fn = Registry::global().find(chunk.task);
            if (!fn) {
              status = wire::kTaskFailed;
              missing = true;
              const Error e = no_such_function(chunk.task, who);
              errc = static_cast<std::uint32_t>(e.code());
              message = e.what();
            } else {
              for (std::uint64_t i = chunk.begin; i < chunk.end; ++i) {
                if (block->cancel_job.load(std::memory_order_relaxed) == chunk.job) {
                  status = wire::kCancelled;
                  break;
                }
                me.current_task.store(static_cast<std::int64_t>(i), std::memory_order_relaxed);
                const std::uint64_t t_task = now_ns();
                detail::TaskFailure failure;
                const std::optional<Bytes> r =
                    detail::run_task(*fn, context, arguments[i], failure);
                if (!r) {
                  status = wire::kTaskFailed;
                  errc = failure.errc;
                  message = std::move(failure.message);
                  break;
                }
                max_task_ns = std::max(max_task_ns, now_ns() - t_task);
                out.add(*r);
                me.tasks_done.store(me.tasks_done.load(std::memory_order_relaxed) + 1,
                                    std::memory_order_relaxed);
              }
            }
          } catch (const std::exception& e) {
            status = wire::kTaskFailed;
            errc = static_cast<std::uint32_t>(Errc::kWorkerFailed);
            message = e.what();
          }
          me.current_task.store(-1, std::memory_order_relaxed);
          out.finish(status, now_ns() - t0, max_task_ns, missing, errc, message);
          me.state.store(kIdle);
          if (!wire::write_framed_buffer(fd, wire::Type::kResults, out.buffer())) ::_exit(0);
          if (out.buffer().capacity() > (64u << 20)) Bytes().swap(out.buffer());  // do not hoard
          break;
        }
        default:
          ::_exit(4);  // a protocol violation by our own central process: a bug
      }
    } catch (const std::exception&) {
      ::_exit(5);  // malformed message from the central process
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Supervisor

int g_wake_pipe[2] = {-1, -1};
volatile sig_atomic_t g_terminate = 0;

void wake_handler(int sig) {
  if (sig == SIGTERM) g_terminate = 1;
  const int saved = errno;
  const char c = 0;
  [[maybe_unused]] auto n = ::write(g_wake_pipe[1], &c, 1);
  errno = saved;
}

// Control clients. The supervisor must never block on one: a client that floods requests and
// never reads the replies (or just connects and waits) may cost its own connection, never the
// job. So sockets are non-blocking, replies are queued per connection and sent as the socket
// accepts them, and a connection is dropped when its queue passes kMaxClientOutput, when it has
// been open kClientDeadline, or when it breaks the protocol; at most kMaxClients are open (more
// are accepted and closed at once, so the listen backlog never fills up).
constexpr std::size_t kMaxClients = 32;
constexpr std::size_t kMaxClientOutput = 64 * 1024;
constexpr auto kClientDeadline = std::chrono::seconds(5);

using Client = PortClient;  // the connection type of the port (mproc/port.hpp)
constexpr std::size_t kMaxHttpRequest = 4096;

// Queues a frame; false if the client has let too much pile up (drop it).
bool queue_frame(Client& c, wire::Type type, std::span<const std::byte> payload) {
  if (c.out.size() - c.sent + sizeof(wire::FrameHeader) + payload.size() > kMaxClientOutput)
    return false;
  const Bytes frame = wire::encode_frame(type, payload);
  c.out.insert(c.out.end(), frame.begin(), frame.end());
  return true;
}

// Sends what the socket takes now; false if the connection is broken.
bool flush_client(Client& c) {
  while (c.sent < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return false;
    }
    c.sent += static_cast<std::size_t>(n);
  }
  if (c.sent == c.out.size()) {
    c.out.clear();
    c.sent = 0;
  }
  return true;
}

bool queue_error(Client& c, Errc code, const std::string& message) {
  c.closing = true;
  return queue_frame(c, wire::Type::kError,
                     wire::encode(wire::ErrorMessage{static_cast<std::uint32_t>(code), message}));
}

// The last refusals, for the status page (the supervisor is single-threaded).
std::vector<std::string> g_refusals;

void log_refusal(const Client& c, const std::string& why) {
  const std::string what = "refused " + (c.peer.empty() ? "?" : c.peer) + ": " + why;
  if (!c.log) return;
  const std::string line = "freshet: warning: mproc: " + what + "\n";
  [[maybe_unused]] auto n = ::write(2, line.data(), line.size());
  g_refusals.push_back(what);
  if (g_refusals.size() > 10) g_refusals.erase(g_refusals.begin());
}

bool is_loopback_peer(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  return ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0 && a.sin_family == AF_INET &&
         (ntohl(a.sin_addr.s_addr) >> 24) == 127;
}

std::span<const std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// Reads an HTTP request and queues the answer: the status page for GET / from loopback, or from
// anywhere with "Authorization: Bearer <the key in hex>" when the job has a key; 403 otherwise.
// False to drop the connection at once.
bool serve_http(Client& c, const ControlBlock& block, const std::string& key) {
  char buf[1024];
  for (;;) {
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return false;
    }
    c.http_in.append(buf, static_cast<std::size_t>(n));
    if (c.http_in.size() > kMaxHttpRequest) return false;
  }
  const std::size_t end = c.http_in.find("\r\n\r\n");
  if (end == std::string::npos) return true;  // wait for the rest (within the 5 s deadline)
  c.closing = true;
  auto respond = [&](const std::string& status, const std::string& type, const std::string& body) {
    const std::string head = "HTTP/1.0 " + status + "\r\nContent-Type: " + type +
                             "\r\nContent-Length: " + std::to_string(body.size()) +
                             "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
    const auto h = bytes_of(head), b = bytes_of(body);
    c.out.insert(c.out.end(), h.begin(), h.end());
    c.out.insert(c.out.end(), b.begin(), b.end());
    return true;
  };
  const std::string request_line = c.http_in.substr(0, c.http_in.find("\r\n"));
  const bool root = request_line.rfind("GET / ", 0) == 0 || request_line.rfind("GET /?", 0) == 0;
  bool allowed = is_loopback_peer(c.fd);
  if (!allowed && !key.empty()) {
    const std::string header = "\r\nAuthorization: Bearer ";
    const std::size_t h = c.http_in.find(header);
    if (h != std::string::npos && h < end) {
      const std::size_t v = h + header.size();
      const std::string presented = c.http_in.substr(v, c.http_in.find("\r\n", v) - v);
      allowed = auth::equal_constant_time(bytes_of(presented), bytes_of(auth::hex(bytes_of(key))));
    }
  }
  if (!allowed) {
    log_refusal(c, "status page requested from outside loopback without the key");
    return respond("403 Forbidden", "text/plain", "forbidden: loopback only, or present the key\n");
  }
  if (!root) return respond("404 Not Found", "text/plain", "not found: the status page is /\n");
  return respond("200 OK", "text/html; charset=utf-8", format_status_html(block, g_refusals));
}

// Handles one frame from a control client; false to drop the connection at once. With a key,
// nothing but the handshake is served before the client has proved it: HELLO, CHALLENGE (ours),
// RESPONSE + CHALLENGE (theirs), RESPONSE (ours) + WELCOME.
bool serve_client(Client& c, const wire::Frame& frame, const ControlBlock& block,
                  const std::string& key) {
  const bool keyed = !key.empty();
  switch (frame.type) {
    case wire::Type::kHello: {
      if (c.stage != Client::kStart) return queue_error(c, Errc::kInvalidArgument, "HELLO twice");
      const wire::Hello hello = wire::decode_hello(frame.payload);  // malformed: ERROR
      if (hello.min_version > wire::kVersion || hello.max_version < wire::kVersion)
        return queue_error(c, Errc::kInvalidArgument,
                           "protocol versions " + std::to_string(hello.min_version) + ".." +
                               std::to_string(hello.max_version) +
                               " offered; this central speaks " + std::to_string(wire::kVersion));
      if (hello.byte_order != wire::kByteOrderProbe || hello.word_size != wire::kWordSize) {
        log_refusal(c, "byte order or word size differs from this machine's");
        return queue_error(c, Errc::kInvalidArgument,
                           "byte order or word size differs from the central process's (" +
                               std::to_string(wire::kWordSize * 8) + "-bit little-endian)");
      }
      c.role = hello.role;
      if (hello.role != "worker" && hello.role != "status")
        return queue_error(c, Errc::kInvalidArgument, "unknown role '" + hello.role + "'");
      if (!keyed) {
        if (hello.role == "worker") {
          log_refusal(c, "a remote worker, but this job has no --key-file");
          return queue_error(c, Errc::kInvalidArgument,
                             "this job takes no remote workers: start it with --key-file");
        }
        c.stage = Client::kAuthenticated;  // status without a key: nothing to prove
        const wire::Welcome welcome{
            wire::kVersion, "freshet mproc central pid " + std::to_string(block.central_pid) +
                                "; protocol " + std::to_string(wire::kVersion)};
        return queue_frame(c, wire::Type::kWelcome, wire::encode(welcome));
      }
      c.central_nonce = auth::new_nonce();
      c.stage = Client::kChallenged;
      wire::Challenge challenge;
      challenge.nonce = c.central_nonce;
      return queue_frame(c, wire::Type::kChallenge, wire::encode(challenge));
    }
    case wire::Type::kResponse: {
      if (c.stage != Client::kChallenged)
        return queue_error(c, Errc::kInvalidArgument, "RESPONSE before CHALLENGE");
      const wire::Response response = wire::decode_response(frame.payload);
      const auth::Digest expected = auth::client_proof(key, c.role, c.central_nonce);
      if (!auth::equal_constant_time(expected, response.mac)) {
        log_refusal(c, "wrong key (its " + c.role + " proof does not match)");
        return queue_error(c, Errc::kInvalidArgument,
                           "authentication failed: the key does not match the job's");
      }
      c.stage = Client::kProved;
      return true;
    }
    case wire::Type::kChallenge: {
      if (c.stage != Client::kProved)
        return queue_error(c, Errc::kInvalidArgument, "CHALLENGE before a valid RESPONSE");
      const wire::Challenge challenge = wire::decode_challenge(frame.payload);
      if (challenge.digest != "sha256")
        return queue_error(c, Errc::kInvalidArgument, "digest '" + challenge.digest + "'");
      wire::Response ours;
      ours.mac = auth::central_proof(key, challenge.nonce, c.central_nonce);
      c.stage = Client::kAuthenticated;
      const wire::Welcome welcome{wire::kVersion,
                                  "freshet mproc central pid " + std::to_string(block.central_pid) +
                                      "; protocol " + std::to_string(wire::kVersion)};
      if (!queue_frame(c, wire::Type::kResponse, wire::encode(ours)) ||
          !queue_frame(c, wire::Type::kWelcome, wire::encode(welcome)))
        return false;
      if (c.role == "worker") {
        c.hand_off = true;  // once the WELCOME is out, the central process takes the socket
        c.closing = true;   // read nothing more here
      }
      return true;
    }
    case wire::Type::kStatusRequest:
      if (keyed && c.stage != Client::kAuthenticated)
        return queue_error(c, Errc::kInvalidArgument,
                           "this job has a key: authenticate (HELLO, CHALLENGE, RESPONSE) first");
      c.closing = true;  // one request per connection keeps the server trivially fair
      return queue_frame(c, wire::Type::kStatusReply,
                         wire::encode(wire::StatusReply{format_status(block)}));
    default:
      return queue_error(c, Errc::kInvalidArgument,
                         "message type " + std::to_string(static_cast<int>(frame.type)) +
                             " is not served to an unauthenticated client");
  }
}

std::string peer_name(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || a.sin_family != AF_INET)
    return "?";
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(a.sin_port));
}

}  // namespace

bool serve_port_frame(PortClient& c, const wire::Frame& frame, const ControlBlock& block,
                      const std::string& key) {
  return serve_client(c, frame, block, key);
}

[[noreturn]] void supervisor_main(int central_sock, int listen_fd, ControlBlock* block,
                                  pid_t central_pid, const std::string& key) {
  // If the central process dies we get SIGTERM (and EOF on central_sock): clean up after it.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT, SIGUSR1, SIGUSR2})
    ::signal(sig, SIG_DFL);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  if (::pipe2(g_wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) ::_exit(2);
  struct sigaction sa {};
  sa.sa_handler = wake_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGCHLD, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  // The listening socket is non-blocking: the accept loop takes what is waiting and no more.
  if (listen_fd >= 0) ::fcntl(listen_fd, F_SETFL, ::fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
  const pid_t self = ::getpid();
  block->supervisor_pid = self;
  if (::getppid() != central_pid) g_terminate = 1;  // the central process died during fork

  std::map<pid_t, int> children;  // pid -> slot
  std::vector<Client> clients;

  auto reap = [&] {
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      auto it = children.find(pid);
      if (it == children.end()) continue;
      WorkerSlot& slot = block->slots[it->second];
      if (slot.pid.load() == pid) slot.state.store(kDead);
      children.erase(it);
      wire::SupervisorMessage m{wire::SupervisorMessage::kExited, -1, pid, status};
      wire::send_supervisor_message(central_sock, m);
    }
  };

  bool orderly = false;  // the central process announced its stop
  auto shutdown = [&](int code) {
    for (auto& [pid, slot] : children) ::kill(pid, SIGKILL);
    for (auto& [pid, slot] : children) {
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    // If the central process died (EOF without an announced stop, or re-parented), nobody else
    // will remove its segments: do it here. While it lives, its segments are its own business.
    if (!orderly || ::getppid() != central_pid) remove_segments_of(central_pid);
    ::_exit(code);
  };

  for (;;) {
    if (g_terminate) {
      // PR_SET_PDEATHSIG's SIGTERM arrives after we were re-parented: the central process is
      // gone and nobody else removes its segments. A SIGTERM while it lives (sent by hand) ends
      // only this supervisor: the central process starts a new one, whose workers map the same
      // segments, so they must stay.
      orderly = ::getppid() == central_pid;
      shutdown(0);
    }
    std::vector<pollfd> fds;
    fds.push_back({central_sock, POLLIN, 0});
    fds.push_back({g_wake_pipe[0], POLLIN, 0});
    if (listen_fd >= 0) fds.push_back({listen_fd, POLLIN, 0});
    const std::size_t first_client = fds.size();
    for (auto& c : clients) {
      const short events =
          static_cast<short>((c.closing ? 0 : POLLIN) | (c.out.size() > c.sent ? POLLOUT : 0));
      fds.push_back({c.fd, events, 0});
    }
    const int rc = ::poll(fds.data(), fds.size(), clients.empty() ? -1 : 1000);
    if (rc < 0 && errno != EINTR) shutdown(2);
    if (rc <= 0 && clients.empty()) continue;

    if (fds[1].revents) {
      char buf[64];
      while (::read(g_wake_pipe[0], buf, sizeof buf) > 0) {
      }
      reap();
    }
    if (fds[0].revents) {
      wire::SupervisorMessage m;
      int ignored_fd = -1;
      bool ok = false;
      try {
        ok = wire::recv_supervisor_message(central_sock, m, ignored_fd);
      } catch (const std::exception&) {
        ok = false;
      }
      if (ignored_fd >= 0) ::close(ignored_fd);
      if (!ok) shutdown(0);  // the central process closed its end: stopped or died
      if (m.kind == wire::SupervisorMessage::kShutdown) orderly = true;
      if (m.kind == wire::SupervisorMessage::kKill) {
        // Only a child of ours still in that slot: a pid we reaped may belong to anyone now.
        auto it = children.find(m.pid);
        if (it != children.end() && it->second == m.slot) ::kill(m.pid, SIGKILL);
      }
      if (m.kind == wire::SupervisorMessage::kSpawn && m.slot >= 0 && m.slot < kMaxWorkers) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) shutdown(2);
        WorkerSlot& slot = block->slots[m.slot];
        slot.state.store(kStarting);
        const pid_t pid = ::fork();
        if (pid == 0) {
          // Child: keep only our end of our own socket.
          ::close(pair[0]);
          ::close(central_sock);
          if (listen_fd >= 0) ::close(listen_fd);
          for (auto& c : clients) ::close(c.fd);
          ::close(g_wake_pipe[0]);
          ::close(g_wake_pipe[1]);
          ::signal(SIGCHLD, SIG_DFL);
          ::signal(SIGTERM, SIG_DFL);
          worker_main(m.slot, pair[1], block, self);
        }
        ::close(pair[1]);
        if (pid < 0) {
          ::close(pair[0]);
          slot.state.store(kDead);
          wire::SupervisorMessage fail{wire::SupervisorMessage::kSpawned, m.slot, -errno, 0};
          wire::send_supervisor_message(central_sock, fail);
          continue;
        }
        children[pid] = m.slot;
        slot.pid.store(pid);
        wire::SupervisorMessage done{wire::SupervisorMessage::kSpawned, m.slot, pid, 0};
        const bool sent = wire::send_supervisor_message(central_sock, done, pair[0]);
        ::close(pair[0]);  // the central process holds the only parent-side end now
        if (!sent) shutdown(0);
      }
    }
    if (listen_fd >= 0 && fds[2].revents) {
      // Accept everything waiting; past kMaxClients a connection is closed at once.
      for (int k = 0; k < 64; ++k) {
        const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) break;
        if (clients.size() >= kMaxClients) {
          ::close(fd);
          continue;
        }
        Client c;
        c.fd = fd;
        c.since = std::chrono::steady_clock::now();
        c.peer = peer_name(fd);
        clients.push_back(std::move(c));
      }
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<Client> keep;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      bool open = true;
      // Nothing a client does may escape this loop: the worst it can cost is its connection.
      try {
        const short revents = first_client + i < fds.size() ? fds[first_client + i].revents : 0;
        const bool readable = (revents & (POLLIN | POLLHUP | POLLERR)) && !c.closing;
        if (readable && c.proto == Client::kUnknown) {
          char head[4];
          const ssize_t n = ::recv(c.fd, head, sizeof head, MSG_PEEK | MSG_DONTWAIT);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            open = false;
          else if (n == 4)
            c.proto = std::memcmp(head, "GET ", 4) == 0 ? Client::kHttp : Client::kFrames;
          else if (n > 0 && std::memcmp(head, "GET ", static_cast<std::size_t>(n)) != 0)
            c.proto = Client::kFrames;
        }
        if (open && readable && c.proto == Client::kHttp) {
          open = serve_http(c, *block, key);
        } else if (open && readable && c.proto == Client::kFrames) {
          open = c.parser.fill(c.fd);
          try {
            wire::Frame f;
            while (open && !c.closing && c.parser.next(f)) open = serve_client(c, f, *block, key);
          } catch (const Error& e) {
            open = queue_error(c, Errc::kInvalidArgument, e.what());
          }
        }
        if (open) open = flush_client(c);
        if (open && c.hand_off && c.out.empty()) {
          // Authenticated and welcomed: the central process serves this worker from now on
          // (blocking socket, no delay for small frames). Our copy of the socket goes.
          ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) & ~O_NONBLOCK);
          const int one = 1;
          ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          wire::SupervisorMessage joined{wire::SupervisorMessage::kJoined, -1, 0, 0};
          wire::send_supervisor_message(central_sock, joined, c.fd);
          open = false;
        }
        if (open && c.closing && c.out.empty()) open = false;  // answered: done
      } catch (...) {
        open = false;
      }
      // Before authentication a client gets a few seconds to say what it wants.
      if (open && now - c.since > kClientDeadline) {
        if (!key.empty() && c.stage != Client::kAuthenticated)
          log_refusal(c, "no complete handshake within 5 s");
        open = false;
      }
      if (open) {
        keep.push_back(std::move(c));
      } else {
        // Read what the client already sent before closing: closing with unread bytes makes
        // the kernel send a reset, which can destroy the ERROR frame the client has not read yet.
        // Never on a socket handed to the central process: the bytes are its worker's frames.
        char sink[512];
        for (int k = 0; !c.hand_off && k < 8 && ::recv(c.fd, sink, sizeof sink, MSG_DONTWAIT) > 0;
             ++k) {
        }
        ::close(c.fd);
      }
    }
    clients.swap(keep);
  }
}

}  // namespace freshet::mproc::detail
