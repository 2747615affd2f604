#pragma once
// A loopback TCP port for tests that start a job on a port, which no other test of this machine
// is handed until this test process ends, and which the kernel does not hand out on its own.
//
// Why not "bind port 0, read it back, close": the kernel picks that port from the ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range), the range it also takes the local port of every
// outgoing connection from. Between the test closing its probe and the job binding the port, a
// concurrent test's client connections (one test opens 200) or another test's probe could take
// it, and the job then fails to listen ("cannot listen on 127.0.0.1:P"), under load only.
//
// So: a port below the ephemeral range, reserved by an exclusive flock on
// $TMPDIR/freshet-test-ports/<port>.lock held (the descriptor is left open) until the process
// exits, and free at the moment of the call (a bind succeeds). Ports locked by another test
// process, or in use, are skipped. Falls back to the kernel's choice if nothing is found.

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

namespace freshet::testing {

namespace detail {

inline bool can_bind(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as the job's listener does
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

inline int kernel_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace detail

inline int free_port() {
  int ephemeral_low = 32768;
  if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) range >> ephemeral_low;
  const int low = 20000, high = ephemeral_low - 1;  // [low, high]: never handed out by the kernel
  if (high - low < 1000) return detail::kernel_port();
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/freshet-test-ports";
  ::mkdir(dir.c_str(), 0777);
  // Start somewhere different in each process, so concurrent tests rarely try the same ports.
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  const int span = high - low + 1;
  const int start = static_cast<int>(
      (static_cast<unsigned long long>(now) ^ (static_cast<unsigned long long>(::getpid()) << 16)) %
      static_cast<unsigned long long>(span));
  for (int k = 0; k < span && k < 4000; ++k) {
    // A prime stride: every port once unless span is a multiple of 7919.
    const int port = low + (start + k * 7919) % span;
    const std::string lock = dir + "/" + std::to_string(port) + ".lock";
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // another test process holds it
      ::close(fd);
      continue;
    }
    if (detail::can_bind(port)) return port;  // fd stays open: the lock lasts until we exit
    ::close(fd);
  }
  return detail::kernel_port();
}

}  // namespace freshet::testing
