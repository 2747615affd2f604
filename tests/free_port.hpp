#pragma once
// A loopback TCP port that was free a moment ago (bound to port 0, read back, closed), for tests
// that start a job on a port. Another process may take it in between; tests that need certainty
// retry or wait on the job's own bind error.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace freshet::testing {

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace freshet::testing
