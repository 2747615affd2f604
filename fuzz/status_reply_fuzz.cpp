// The `freshet status` client's side (mproc/control.hpp, read_status_reply): whatever the endpoint
// sends back is read from a real pipe, as from the socket. The answer is the reply text or an
// Error(kIo) naming the peer, and the text never carries control bytes to the terminal.
// fuzz-links: freshet::core freshet::mproc
#include <fcntl.h>
#include <unistd.h>

#include "fuzz/harness.hpp"
#include "mproc/control.hpp"
#include "mproc/wire.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

std::string frame(wire::Type type, const Bytes& payload) {
  return fuzz::to_string(wire::encode_frame(type, payload));
}

}  // namespace

namespace freshet::fuzz {

Seeds seeds() {
  Seeds s;
  s.push_back({"reply", frame(wire::Type::kStatusReply,
                              wire::encode(wire::StatusReply{
                                  "protocol 1\ncentral_pid 4242\nworkers 2\n"
                                  "worker 0 pid 4244 state busy tasks_done 17 respawns 0\n"
                                  "worker 1 pid 4245 state idle tasks_done 16 respawns 1\n"
                                  "job 3\ntask fresh.extract_chunk\nrunning 1\ntasks_total 40\n"
                                  "tasks_done 33\ntasks_pending 7\njobs_done 2\n"}))});
  s.push_back({"refused", frame(wire::Type::kError,
                                wire::encode(wire::ErrorMessage{2,
                                                                "message type 30 needs an "
                                                                "authenticated session"}))});
  s.push_back({"welcome", frame(wire::Type::kWelcome, wire::encode(wire::Welcome{1, "freshet"}))});
  return s;
}

}  // namespace freshet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 60000) return 0;  // the whole reply must fit in the pipe's buffer (64 KiB)
  int fd[2];
  if (::pipe2(fd, O_CLOEXEC) != 0) std::abort();
  if (size > 0 && ::write(fd[1], data, size) != static_cast<ssize_t>(size)) std::abort();
  ::close(fd[1]);
  std::string text;
  const bool ok = fuzz::accepts([&] {
    try {
      text = read_status_reply(fd[0], "fuzz:7070");
    } catch (const Error& e) {
      FUZZ_CHECK(e.code() == Errc::kIo);
      const std::string_view what = e.what();
      FUZZ_CHECK(what.find("fuzz:7070") != std::string_view::npos);
      // One line: the peer's bytes are quoted, never printed raw.
      for (char c : what) FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
      throw;
    }
  });
  ::close(fd[0]);
  if (ok)
    for (char c : text)
      FUZZ_CHECK(c == '\n' || c == '\t' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
  return 0;
}
