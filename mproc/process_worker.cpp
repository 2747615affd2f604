// The supervisor and worker processes of the process backend (see process_internal.hpp).
// Both are single-threaded and end with _exit: they are forks of the program and must never run
// its static destructors or flush its stdio buffers.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <vector>

#include "core/error.hpp"
#include "mproc/local_executor.hpp"
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
  line("endpoint", std::string(b.address) + ":" + std::to_string(b.port));
  line("workers", std::to_string(b.workers));
  static const char* kStates[] = {"none", "starting", "idle", "busy", "dead"};
  for (int i = 0; i < b.workers && i < kMaxWorkers; ++i) {
    const auto& w = b.slots[i];
    const int st = w.state.load();
    line("worker", std::to_string(i) + " pid " + std::to_string(w.pid.load()) + " state " +
                       (st >= 0 && st <= 4 ? kStates[st] : "?") + " tasks_done " +
                       std::to_string(w.tasks_done.load()) + " respawns " +
                       std::to_string(w.respawns.load()));
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
  return s;
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

void append_u64(Bytes& out, std::uint64_t v) {
  const auto* p = reinterpret_cast<const std::byte*>(&v);
  out.insert(out.end(), p, p + 8);
}

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
  Bytes out;
  for (;;) {
    bool got = false;
    try {
      got = wire::read_frame(fd, frame);
    } catch (const std::exception&) {
      ::_exit(3);  // the central process sent garbage or vanished mid-frame
    }
    if (!got) ::_exit(0);  // EOF: the central process is gone or shut us down
    try {
      ByteReader in(frame.payload);
      switch (frame.type) {
        case wire::Type::kInit: {
          const std::string path = in.get_string();
          ByteWriter reply;
          try {
            load_plugin(path);
            reply.put<std::uint8_t>(1);
            reply.put_string("");
          } catch (const std::exception& e) {
            reply.put<std::uint8_t>(0);
            reply.put_string(e.what());
          }
          if (!wire::write_frame(fd, wire::Type::kInitDone, reply.bytes())) ::_exit(0);
          break;
        }
        case wire::Type::kShare: {
          std::string key = in.get_string();
          std::string name = in.get_string();
          const auto size = in.get<std::uint64_t>();
          shares.erase(key);
          // A mapping failure leaves the key absent: tasks that need it fail naming it.
          try {
            shares.emplace(std::move(key), Segment::open_readonly(std::move(name), size));
          } catch (const std::exception&) {
          }
          break;
        }
        case wire::Type::kUnshare: {
          const std::string key = in.get_string();
          if (auto it = shares.find(key); it != shares.end()) shares.erase(it);
          break;
        }
        case wire::Type::kShutdown:
          ::_exit(0);
        case wire::Type::kChunk: {
          wire::ChunkResultHeader h;
          h.job = in.get<std::uint64_t>();
          h.chunk = in.get<std::uint64_t>();
          const std::string task = in.get_string();
          std::string args_name = in.get_string();
          const auto args_size = in.get<std::uint64_t>();
          const auto begin = in.get<std::uint64_t>();
          const auto end = in.get<std::uint64_t>();
          h.begin = begin;
          out.clear();
          out.resize(sizeof(wire::FrameHeader) + sizeof h);
          std::uint32_t errc = 0;
          std::string message;
          me.state.store(kBusy);
          const std::uint64_t t0 = now_ns();
          try {
            if (args.name() != args_name) {
              args = Segment();  // unmap the previous map's arguments first
              args = Segment::open_readonly(std::move(args_name), args_size);
            }
            const auto* base = args.data();
            std::uint64_t n;
            std::memcpy(&n, base, 8);
            if (end > n || begin > end || 8 + 8 * (n + 1) > args.size())
              throw Error(Errc::kInternal, "chunk [" + std::to_string(begin) + ", " +
                                               std::to_string(end) + ") outside the " +
                                               std::to_string(n) + " arguments");
            const auto* offsets = reinterpret_cast<const std::uint64_t*>(base + 8);
            const std::byte* data = base + 8 + 8 * (n + 1);
            const TaskFn* fn = Registry::global().find(task);
            if (!fn) {
              h.status = wire::kTaskFailed;
              h.missing_task = 1;
              errc = static_cast<std::uint32_t>(Errc::kNotFound);
              message = "'" + task + "': no such function on " + who +
                        "; load it with init (Executor::init / --plugin) first";
            } else {
              for (std::uint64_t i = begin; i < end; ++i) {
                if (block->cancel_job.load(std::memory_order_relaxed) == h.job) {
                  h.status = wire::kCancelled;
                  break;
                }
                me.current_task.store(static_cast<std::int64_t>(i), std::memory_order_relaxed);
                Bytes r;
                try {
                  r = (*fn)(context, std::span<const std::byte>(data + offsets[i],
                                                                offsets[i + 1] - offsets[i]));
                } catch (const Error& e) {
                  h.status = wire::kTaskFailed;
                  errc = static_cast<std::uint32_t>(e.code());
                  message = e.what();
                  break;
                } catch (const std::exception& e) {
                  h.status = wire::kTaskFailed;
                  errc = static_cast<std::uint32_t>(Errc::kWorkerFailed);
                  message = e.what();
                  break;
                } catch (...) {
                  h.status = wire::kTaskFailed;
                  errc = static_cast<std::uint32_t>(Errc::kWorkerFailed);
                  message = "unknown exception";
                  break;
                }
                append_u64(out, r.size());
                out.insert(out.end(), r.begin(), r.end());
                ++h.count;
                me.tasks_done.store(me.tasks_done.load(std::memory_order_relaxed) + 1,
                                    std::memory_order_relaxed);
              }
            }
          } catch (const std::exception& e) {
            h.status = wire::kTaskFailed;
            errc = static_cast<std::uint32_t>(Errc::kWorkerFailed);
            message = e.what();
          }
          h.elapsed_ns = now_ns() - t0;
          me.current_task.store(-1, std::memory_order_relaxed);
          if (h.status == wire::kTaskFailed) {
            const auto* p = reinterpret_cast<const std::byte*>(&errc);
            out.insert(out.end(), p, p + 4);
            append_u64(out, message.size());
            const auto* m = reinterpret_cast<const std::byte*>(message.data());
            out.insert(out.end(), m, m + message.size());
          }
          std::memcpy(out.data() + sizeof(wire::FrameHeader), &h, sizeof h);
          me.state.store(kIdle);
          if (!wire::write_framed_buffer(fd, wire::Type::kResults, out)) ::_exit(0);
          if (out.capacity() > (64u << 20)) Bytes().swap(out);  // do not hoard a huge buffer
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

struct Client {
  int fd = -1;
  wire::FrameParser parser{wire::kMaxUnauthenticatedPayload};
  std::chrono::steady_clock::time_point since;
};

void reply_error(int fd, Errc code, const std::string& message) {
  ByteWriter w;
  w.put<std::uint32_t>(static_cast<std::uint32_t>(code));
  w.put_string(message);
  wire::write_frame(fd, wire::Type::kError, w.bytes());
}

// Handles one frame from a control client; returns false to close the connection.
bool serve_client(int fd, const wire::Frame& frame, const ControlBlock& block) {
  switch (frame.type) {
    case wire::Type::kHello: {
      ByteWriter w;
      w.put<std::uint16_t>(wire::kVersion);
      w.put_string("freshet mproc central pid " + std::to_string(block.central_pid) +
                   "; protocol " + std::to_string(wire::kVersion) +
                   "; remote workers not accepted yet (status only)");
      return wire::write_frame(fd, wire::Type::kWelcome, w.bytes());
    }
    case wire::Type::kStatusRequest: {
      ByteWriter w;
      w.put_string(format_status(block));
      wire::write_frame(fd, wire::Type::kStatusReply, w.bytes());
      return false;  // one request per connection keeps the server trivially fair
    }
    default:
      reply_error(fd, Errc::kInvalidArgument,
                  "message type " + std::to_string(static_cast<int>(frame.type)) +
                      " needs an authenticated worker session, which protocol " +
                      std::to_string(wire::kVersion) + " does not offer yet");
      return false;
  }
}

}  // namespace

[[noreturn]] void supervisor_main(int central_sock, int listen_fd, ControlBlock* block,
                                  pid_t central_pid) {
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
      orderly = orderly && ::getppid() == central_pid;
      shutdown(0);
    }
    std::vector<pollfd> fds;
    fds.push_back({central_sock, POLLIN, 0});
    fds.push_back({g_wake_pipe[0], POLLIN, 0});
    if (listen_fd >= 0) fds.push_back({listen_fd, POLLIN, 0});
    const std::size_t first_client = fds.size();
    for (auto& c : clients) fds.push_back({c.fd, POLLIN, 0});
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
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) {
        // Replies are small: send them blocking (with a timeout) once a request is complete.
        const int flags = ::fcntl(fd, F_GETFL);
        ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        timeval tv{2, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        Client c;
        c.fd = fd;
        c.since = std::chrono::steady_clock::now();
        clients.push_back(std::move(c));
      }
    }
    const auto now = std::chrono::steady_clock::now();
    std::vector<Client> keep;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      bool open = true;
      if (first_client + i < fds.size() && fds[first_client + i].revents) {
        try {
          open = c.parser.fill(c.fd);
          wire::Frame f;
          while (open && c.parser.next(f)) open = serve_client(c.fd, f, *block);
        } catch (const std::exception& e) {
          reply_error(c.fd, Errc::kInvalidArgument, e.what());
          open = false;
        }
      }
      // Before authentication a client gets a few seconds to say what it wants.
      if (open && now - c.since > std::chrono::seconds(5)) open = false;
      if (open)
        keep.push_back(std::move(c));
      else
        ::close(c.fd);
    }
    clients.swap(keep);
  }
}

}  // namespace freshet::mproc::detail
