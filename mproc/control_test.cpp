// The `freshet status` client's reply reader on bytes a hostile or broken endpoint may send
// (fuzz/status_reply_fuzz.cpp fuzzes the same function).
#include "mproc/control.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "core/error.hpp"
#include "mproc/wire.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

// What read_status_reply makes of `bytes` arriving on a pipe: the text, or "error: <what>".
std::string reply_of(const Bytes& bytes) {
  int fd[2];
  REQUIRE(::pipe2(fd, O_CLOEXEC) == 0);
  REQUIRE(::write(fd[1], bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd[1]);
  std::string out;
  try {
    out = read_status_reply(fd[0], "10.0.0.9:7070");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kIo);
    out = std::string("error: ") + e.what();
  }
  ::close(fd[0]);
  return out;
}

Bytes frame(wire::Type type, const Bytes& payload) { return wire::encode_frame(type, payload); }

}  // namespace

TEST_CASE("control: the status reply is the text, with the peer's control bytes defused") {
  CHECK(reply_of(frame(wire::Type::kStatusReply, wire::encode(wire::StatusReply{"workers 2\n"}))) ==
        "workers 2\n");
  // An escape sequence (ESC [ 2 J clears a terminal) and a bell arrive as '?'; lines and tabs stay.
  CHECK(reply_of(frame(wire::Type::kStatusReply,
                       wire::encode(wire::StatusReply{"\x1b[2Jworkers\t2\a\n\x7f"}))) ==
        "?[2Jworkers\t2?\n?");
  // A refusal is one line naming the peer, whatever the message holds.
  CHECK(reply_of(frame(wire::Type::kError, wire::encode(wire::ErrorMessage{2, "no\nway\x1b"}))) ==
        "error: 10.0.0.9:7070 refused: no?way?");
}

TEST_CASE("control: a malformed status reply is an I/O error naming the peer") {
  // Every answer below is refused with the peer named (not a bare "truncated message").
  const Bytes good = wire::encode(wire::StatusReply{"workers 2\n"});
  const Bytes truncated_error = {std::byte{2}, std::byte{0}};  // half an errc, no message
  Bytes extended = good;
  extended.push_back(std::byte{0});
  const Bytes whole = frame(wire::Type::kStatusReply, good);
  const Bytes header_only(whole.begin(), whole.begin() + 16);
  for (const Bytes& bytes :
       {frame(wire::Type::kError, truncated_error), frame(wire::Type::kStatusReply, extended),
        frame(wire::Type::kStatusReply, Bytes(good.begin(), good.end() - 1)),
        frame(wire::Type::kWelcome, wire::encode(wire::Welcome{})), header_only, Bytes{},
        Bytes(16, std::byte{0x46})}) {
    const std::string got = reply_of(bytes);
    CAPTURE(got);
    CHECK(got.starts_with("error: "));
    CHECK(got.find("10.0.0.9:7070") != std::string::npos);
  }
}
