// The control port's request side (mproc/process_worker.cpp, supervisor): what a client sends is
// read by a FrameParser capped at kMaxUnauthenticatedPayload, straight from a socket, and each
// frame is handled as the supervisor does (HELLO decoded, STATUS_REQUEST or anything else ends
// the session). Here the client's bytes arrive through a real socketpair, in pieces whose size the
// first input byte picks, so partial headers and payloads are parsed as they are on the port.
// fuzz-links: freshet::core freshet::mproc
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz/harness.hpp"
#include "mproc/wire.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

struct Pair {
  int fd[2] = {-1, -1};
  Pair() {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) != 0) std::abort();
  }
  ~Pair() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
};

std::string frame(wire::Type type, const Bytes& payload) {
  return fuzz::to_string(wire::encode_frame(type, payload));
}

}  // namespace

namespace freshet::fuzz {

Seeds seeds() {
  Seeds s;
  const std::string hello = frame(wire::Type::kHello, wire::encode(wire::Hello{.role = "status"}));
  const std::string status = frame(wire::Type::kStatusRequest, {});
  s.push_back({"status", "\x10" + status});
  s.push_back({"hello_status", std::string("\x03") + hello + status});
  s.push_back({"hello_hello", std::string("\xff") + hello + hello});
  s.push_back({"chunk_unauthenticated",
               "\x08" + frame(wire::Type::kChunk, wire::encode(wire::Chunk{.task = "x"}))});
  return s;
}

}  // namespace freshet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = data[0] == 0 ? size : data[0];
  const std::uint8_t* in = data + 1;
  std::size_t left = size - 1;
  Pair pair;
  wire::FrameParser parser{wire::kMaxUnauthenticatedPayload};
  bool open = true, closing = false;
  try {
    while (open && !closing) {
      const std::size_t n = std::min(piece, left);
      if (n > 0 && ::write(pair.fd[1], in, n) != static_cast<ssize_t>(n)) std::abort();
      in += n;
      left -= n;
      if (left == 0) ::shutdown(pair.fd[1], SHUT_WR);
      open = parser.fill(pair.fd[0]);
      try {
        wire::Frame f;
        while (open && !closing && parser.next(f)) {
          FUZZ_CHECK(f.payload.size() <= wire::kMaxUnauthenticatedPayload);
          if (f.type == wire::Type::kHello)
            wire::decode_hello(f.payload);
          else
            closing = true;  // a status reply, or an ERROR for anything else, ends the session
        }
      } catch (const Error&) {
        closing = true;  // answered with ERROR, then closed
      }
    }
  } catch (const Error&) {
    // fill() failed: the connection is dropped.
  }
  return 0;
}
