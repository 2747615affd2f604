#include "mproc/wire.hpp"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace freshet::mproc::wire {

namespace {

[[noreturn]] void io_error(const char* what) {
  throw Error(Errc::kIo, std::string("mproc wire: ") + what + ": " + std::strerror(errno));
}

// False if the peer is gone.
bool write_all(int fd, const std::byte* data, std::size_t size) {
  while (size > 0) {
    // send(MSG_NOSIGNAL): a dead peer gives EPIPE instead of killing us with SIGPIPE.
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) return false;
      if (errno == ENOTSOCK) {
        n = ::write(fd, data, size);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno == EPIPE) return false;
          io_error("write");
        }
      } else {
        io_error("send");
      }
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Returns bytes read: 0 on EOF before anything was read; throws on EOF in the middle.
std::size_t read_all(int fd, std::byte* data, std::size_t size, bool eof_ok) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNRESET && eof_ok && done == 0) return 0;
      io_error("read");
    }
    if (n == 0) {
      if (eof_ok && done == 0) return 0;
      throw Error(Errc::kIo, "mproc wire: connection closed inside a frame");
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

void check_header(const FrameHeader& h, std::uint64_t max_payload) {
  if (h.magic != kMagic) throw Error(Errc::kIo, "mproc wire: bad frame magic (not a freshet peer)");
  if (h.version != kVersion)
    throw Error(Errc::kIo, "mproc wire: unsupported protocol version " + std::to_string(h.version) +
                               " (this build speaks " + std::to_string(kVersion) + ")");
  if (h.length > max_payload)
    throw Error(Errc::kIo, "mproc wire: frame of " + std::to_string(h.length) +
                               " bytes exceeds the limit of " + std::to_string(max_payload));
}

}  // namespace

bool write_frame(int fd, Type type, std::span<const std::byte> payload) {
  FrameHeader h;
  h.type = type;
  h.length = payload.size();
  if (payload.size() <= 4096) {  // one syscall for small frames
    std::byte buf[sizeof(FrameHeader) + 4096];
    std::memcpy(buf, &h, sizeof h);
    if (!payload.empty()) std::memcpy(buf + sizeof h, payload.data(), payload.size());
    return write_all(fd, buf, sizeof h + payload.size());
  }
  return write_all(fd, reinterpret_cast<const std::byte*>(&h), sizeof h) &&
         write_all(fd, payload.data(), payload.size());
}

bool write_framed_buffer(int fd, Type type, Bytes& buffer) {
  FrameHeader h;
  h.type = type;
  h.length = buffer.size() - sizeof(FrameHeader);
  std::memcpy(buffer.data(), &h, sizeof h);
  return write_all(fd, buffer.data(), buffer.size());
}

bool read_frame(int fd, Frame& out, std::uint64_t max_payload) {
  FrameHeader h;
  if (read_all(fd, reinterpret_cast<std::byte*>(&h), sizeof h, true) == 0) return false;
  check_header(h, max_payload);
  out.type = h.type;
  out.payload.resize(h.length);
  if (h.length) read_all(fd, out.payload.data(), h.length, false);
  return true;
}

bool FrameParser::fill(int fd) {
  // Compact consumed bytes before growing.
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > (1u << 20) && start_ * 2 > buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  for (;;) {
    const std::size_t old = buffer_.size();
    const std::size_t want = std::max<std::size_t>(1 << 16, old / 2);
    buffer_.resize(old + want);
    ssize_t n = ::recv(fd, buffer_.data() + old, want, MSG_DONTWAIT);
    if (n < 0) {
      buffer_.resize(old);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      if (errno == ECONNRESET || errno == EPIPE) return false;
      io_error("recv");
    }
    buffer_.resize(old + static_cast<std::size_t>(n));
    if (n == 0) return false;  // EOF: the peer is gone (frames already read stay parsable)
    if (static_cast<std::size_t>(n) < want) return true;
  }
}

bool FrameParser::next(Frame& out) {
  const std::size_t avail = buffer_.size() - start_;
  if (avail < sizeof(FrameHeader)) return false;
  FrameHeader h;
  std::memcpy(&h, buffer_.data() + start_, sizeof h);
  check_header(h, max_payload_);
  if (avail - sizeof h < h.length) return false;
  out.type = h.type;
  const auto* p = buffer_.data() + start_ + sizeof h;
  out.payload.assign(p, p + h.length);
  start_ += sizeof h + h.length;
  return true;
}

bool send_supervisor_message(int sock, const SupervisorMessage& msg, int fd) {
  iovec iov{const_cast<SupervisorMessage*>(&msg), sizeof msg};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    std::memset(control, 0, sizeof control);
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  for (;;) {
    if (::sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0) return true;
    if (errno == EINTR) continue;
    if (errno == EPIPE || errno == ECONNRESET) return false;
    io_error("sendmsg");
  }
}

bool recv_supervisor_message(int sock, SupervisorMessage& msg, int& fd) {
  fd = -1;
  iovec iov{&msg, sizeof msg};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t n;
  for (;;) {
    n = ::recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return false;
    io_error("recvmsg");
  }
  if (n == 0) return false;
  if (static_cast<std::size_t>(n) != sizeof msg)
    throw Error(Errc::kIo, "mproc: short message from the supervisor");
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return true;
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "stopped (wait status " + std::to_string(status) + ")";
}

}  // namespace freshet::mproc::wire
