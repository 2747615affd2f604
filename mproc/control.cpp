#include "mproc/control.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"
#include "mproc/remote.hpp"
#include "mproc/wire.hpp"

namespace freshet::mproc {

std::pair<std::string, int> parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw Error(Errc::kInvalidArgument, "expected HOST:PORT, got '" + text + "'");
  const std::string port_text = text.substr(colon + 1);
  int port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535)
      throw Error(Errc::kInvalidArgument, "bad port in '" + text + "'");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) throw Error(Errc::kInvalidArgument, "bad port in '" + text + "'");
  return {text.substr(0, colon), port};
}

namespace {

// A peer's text with control bytes replaced by '?' (it is printed to a terminal): all of them for
// a line of an error message, all but newline and tab for the status text.
std::string printable(std::string text, bool multiline) {
  for (char& c : text)
    if ((static_cast<unsigned char>(c) < 0x20 && !(multiline && (c == '\n' || c == '\t'))) ||
        c == 0x7f)
      c = '?';
  return text;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string request_status(const std::string& host, int port, int timeout_ms,
                           const std::string& key) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    throw Error(Errc::kInvalidArgument, "cannot resolve '" + host + "'");
  Fd sock{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (sock.fd < 0) {
    ::freeaddrinfo(found);
    throw Error(Errc::kIo, std::string("socket: ") + std::strerror(errno));
  }
  const int rc = ::connect(sock.fd, found->ai_addr, found->ai_addrlen);
  const int connect_errno = errno;
  ::freeaddrinfo(found);
  if (rc != 0 && connect_errno != EINPROGRESS)
    throw Error(Errc::kIo, "cannot connect to " + where + ": " + std::strerror(connect_errno));
  pollfd p{sock.fd, POLLOUT, 0};
  if (::poll(&p, 1, timeout_ms) != 1)
    throw Error(Errc::kIo, "cannot connect to " + where + ": timed out");
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) throw Error(Errc::kIo, "cannot connect to " + where + ": " + std::strerror(err));
  // Blocking from here on, with a receive timeout.
  ::fcntl(sock.fd, F_SETFL, ::fcntl(sock.fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(sock.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (!key.empty()) {
    authenticate_client(sock.fd, key, "status", where);
    ::setsockopt(sock.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(sock.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  if (!wire::write_frame(sock.fd, wire::Type::kStatusRequest, {}))
    throw Error(Errc::kIo, where + " closed the connection");
  return read_status_reply(sock.fd, where);
}

std::string read_status_reply(int fd, const std::string& where) {
  wire::Frame reply;
  bool got = false;
  try {
    got = wire::read_frame(fd, reply, 1 << 20);
  } catch (const Error& e) {
    throw Error(Errc::kIo, "status from " + where + ": " + e.what());
  }
  if (!got) throw Error(Errc::kIo, where + " closed the connection without a reply");
  try {
    if (reply.type == wire::Type::kError)
      throw Error(Errc::kIo, where + " refused: " +
                                 printable(wire::decode_error(reply.payload).message, false));
    if (reply.type != wire::Type::kStatusReply)
      throw Error(Errc::kIo, where + " sent an unexpected message type " +
                                 std::to_string(static_cast<int>(reply.type)));
    return printable(wire::decode_status_reply(reply.payload).text, true);
  } catch (const Error& e) {
    if (e.code() == Errc::kIo) throw;
    throw Error(Errc::kIo, "status from " + where + ": " + e.what());
  }
}

}  // namespace freshet::mproc
