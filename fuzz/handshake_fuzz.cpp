// The mutual HMAC-SHA256 handshake (docs/mproc-protocol.md §4), both halves, fed what a hostile
// peer sends:
//   central side: the supervisor's real per-frame state machine (mproc/port.hpp,
//     serve_port_frame), the client's bytes read from a real socketpair by the port's
//     FrameParser (capped at 256 bytes per frame), in pieces of a size the input picks;
//   worker side: mproc::authenticate_client (mproc/remote.hpp) on a real socketpair whose other
//     end holds the input (what the "central process" answers).
// Beyond "Error or success": nothing authenticates without the key. The harness can play a
// legitimate peer: with the "fix up" flag it overwrites the MAC of a RESPONSE frame with the proof
// the key gives (nonces come from a counter installed with auth::set_nonce_source_for_fuzzing, so
// it knows the worker's nonce in advance; the supervisor's it reads from the state). Then:
//   central side: a client reaches the proved or authenticated stage only through a RESPONSE the
//     harness fixed up; a socket is handed off only for an authenticated "worker"; without a key a
//     "worker" is never accepted; with a key, a STATUS_REPLY is queued only for an authenticated
//     client (without one, status needs no handshake); the
//     central's own RESPONSE is the proof of the client's nonce; every frame queued for the client
//     is well formed;
//   worker side: authenticate_client returns only if the harness fixed up the central's
//     RESPONSE; every failure is Error(kIo), names the peer and is one printable line.
// The counter makes every nonce fresh (a replayed input meets other nonces) while no branch
// depends on a nonce's value except through the proofs, which the harness computes: a finding
// replays.
// fuzz-links: freshet::core freshet::mproc
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <optional>

#include "fuzz/harness.hpp"
#include "mproc/auth.hpp"
#include "mproc/port.hpp"
#include "mproc/process_internal.hpp"
#include "mproc/remote.hpp"
#include "mproc/wire.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

// Input byte 0: which side and how the harness plays.
constexpr std::uint8_t kWorkerSide = 1;  // else the central side
constexpr std::uint8_t kFixUp = 2;       // the harness computes the RESPONSE's MAC from the key
constexpr std::uint8_t kKeyed = 4;       // central side: the job has a key (else none)
constexpr std::uint8_t kStatusRole = 8;  // worker side: HELLO's role is "status" (else "worker")
// Input byte 1: central side, bytes per read (0: all at once).

const std::string kKey = "0123456789abcdef0123456789abcdef-fuzz-key";

std::uint64_t g_nonce_counter = 0;
auth::Nonce nonce_for(std::uint64_t n) {
  auth::Nonce out{};
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::byte>((n >> (8 * (i % 8))) ^ (i * 37));
  return out;
}
void counter_nonce(auth::Nonce& out) { out = nonce_for(g_nonce_counter++); }

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

std::span<const std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// The frames in `bytes` (as the supervisor queued them for its client): all must be well formed.
std::vector<wire::Frame> frames_in(const Bytes& bytes) {
  std::vector<wire::Frame> out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    FUZZ_CHECK(bytes.size() - at >= sizeof(wire::FrameHeader));
    const wire::FrameHeader h =
        wire::decode_header(std::span(bytes).subspan(at, sizeof(wire::FrameHeader)), 1 << 20);
    at += sizeof(wire::FrameHeader);
    FUZZ_CHECK(bytes.size() - at >= h.length);
    wire::Frame f;
    f.type = h.type;
    f.payload.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                     bytes.begin() + static_cast<std::ptrdiff_t>(at + h.length));
    at += h.length;
    out.push_back(std::move(f));
  }
  return out;
}

void central_side(std::uint8_t flags, std::size_t piece, const std::uint8_t* in, std::size_t left) {
  static const auto block = std::make_unique<detail::ControlBlock>();
  const std::string key = (flags & kKeyed) ? kKey : "";
  const bool fix_up = flags & kFixUp;
  detail::PortClient c;
  c.log = false;
  c.peer = "fuzz:1";
  Pair pair;
  bool open = true;
  bool proved_by_harness = false;          // the RESPONSE that proved the client was computed here
  std::optional<auth::Nonce> their_nonce;  // the client's CHALLENGE, once proved
  try {
    while (open && !c.closing) {
      const std::size_t n = std::min(piece == 0 ? left : piece, left);
      if (n > 0 && ::write(pair.fd[1], in, n) != static_cast<ssize_t>(n)) std::abort();
      in += n;
      left -= n;
      if (left == 0) ::shutdown(pair.fd[1], SHUT_WR);
      open = c.parser.fill(pair.fd[0]);
      wire::Frame f;
      while (open && !c.closing && c.parser.next(f)) {
        FUZZ_CHECK(f.payload.size() <= wire::kMaxUnauthenticatedPayload);
        const auto before = c.stage;
        bool fixed = false;
        if (fix_up && f.type == wire::Type::kResponse &&
            c.stage == detail::PortClient::kChallenged) {
          const Bytes proof =
              wire::encode(wire::Response{auth::client_proof(key, c.role, c.central_nonce)});
          f.payload.assign(proof.begin(), proof.end());
          fixed = true;
        }
        if (f.type == wire::Type::kChallenge && c.stage == detail::PortClient::kProved) {
          try {
            their_nonce = wire::decode_challenge(f.payload).nonce;
          } catch (const Error&) {
          }
        }
        try {
          open = detail::serve_port_frame(c, f, *block, key);
        } catch (const Error& e) {
          FUZZ_CHECK(e.code() == Errc::kParse);  // a malformed payload: ERROR, then closed
          c.closing = true;
        }
        if (!key.empty() && before == detail::PortClient::kChallenged &&
            c.stage == detail::PortClient::kProved)
          proved_by_harness = fixed;
        if (!key.empty() && c.stage >= detail::PortClient::kProved) FUZZ_CHECK(proved_by_harness);
        if (c.hand_off)
          FUZZ_CHECK(!key.empty() && c.role == "worker" &&
                     c.stage == detail::PortClient::kAuthenticated);
        if (key.empty() && c.role == "worker")
          FUZZ_CHECK(c.stage != detail::PortClient::kAuthenticated);
      }
    }
  } catch (const Error&) {
    // fill() failed (an oversized length prefix, say): the connection is dropped.
  }
  for (const wire::Frame& f : frames_in(c.out)) {
    // Without a key status needs no handshake at all (docs/mproc-protocol.md §3).
    if (f.type == wire::Type::kStatusReply)
      FUZZ_CHECK(key.empty() || c.stage == detail::PortClient::kAuthenticated);
    if (f.type == wire::Type::kResponse) {
      FUZZ_CHECK(!key.empty() && their_nonce.has_value());
      const wire::Response ours = wire::decode_response(f.payload);
      FUZZ_CHECK(ours.mac == auth::central_proof(key, *their_nonce, c.central_nonce));
    }
    if (f.type == wire::Type::kWelcome) FUZZ_CHECK(c.stage == detail::PortClient::kAuthenticated);
  }
}

void worker_side(std::uint8_t flags, const std::uint8_t* in, std::size_t size) {
  const std::string role = (flags & kStatusRole) ? "status" : "worker";
  // The worker draws exactly one nonce (its CHALLENGE): the next of the counter.
  const auth::Nonce worker_nonce = nonce_for(g_nonce_counter);
  std::string input(reinterpret_cast<const char*>(in), size);
  bool fixed = false;
  if (flags & kFixUp) {
    // Playing a central process that knows the key: the MAC of the first RESPONSE becomes the
    // proof for the first CHALLENGE's nonce and the worker's.
    std::optional<auth::Nonce> central_nonce;
    std::size_t at = 0;
    while (input.size() - at >= sizeof(wire::FrameHeader)) {
      wire::FrameHeader h;
      try {
        h = wire::decode_header(bytes_of(input).subspan(at, sizeof(wire::FrameHeader)), 1 << 20);
      } catch (const Error&) {
        break;
      }
      const std::size_t body = at + sizeof(wire::FrameHeader);
      if (input.size() - body < h.length) break;
      const auto payload = bytes_of(input).subspan(body, h.length);
      if (h.type == wire::Type::kChallenge && !central_nonce) {
        try {
          central_nonce = wire::decode_challenge(payload).nonce;
        } catch (const Error&) {
        }
      }
      if (h.type == wire::Type::kResponse && central_nonce && h.length == 32 && !fixed) {
        const auth::Digest proof = auth::central_proof(kKey, worker_nonce, *central_nonce);
        std::memcpy(input.data() + body, proof.data(), proof.size());
        fixed = true;
      }
      at = body + h.length;
    }
  }
  Pair pair;
  if (!input.empty() &&
      ::write(pair.fd[1], input.data(), input.size()) != static_cast<ssize_t>(input.size()))
    std::abort();
  ::shutdown(pair.fd[1], SHUT_WR);  // the worker reads EOF after the input, never waits
  const bool ok = fuzz::accepts([&] {
    try {
      authenticate_client(pair.fd[0], kKey, role, "fuzz:2");
    } catch (const Error& e) {
      FUZZ_CHECK(e.code() == Errc::kIo);
      const std::string_view what = e.what();
      FUZZ_CHECK(what.find("fuzz:2") != std::string_view::npos);
      for (char ch : what) FUZZ_CHECK(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f);
      throw;
    }
  });
  FUZZ_CHECK(!ok || fixed);  // no garbage authenticates
  if (ok) FUZZ_CHECK(g_nonce_counter > 0 && nonce_for(g_nonce_counter - 1) == worker_nonce);
}

// Input byte 0 (flags), byte 1 (central side: bytes per read), then the peer's bytes.
std::string input(std::uint8_t flags, std::uint8_t piece, const std::string& bytes) {
  return std::string(1, static_cast<char>(flags)) + std::string(1, static_cast<char>(piece)) +
         bytes;
}

}  // namespace

namespace freshet::fuzz {

Seeds seeds() {
  Seeds s;
  const std::string hello_worker =
      frame(wire::Type::kHello, wire::encode(wire::Hello{.role = "worker"}));
  const std::string hello_status =
      frame(wire::Type::kHello, wire::encode(wire::Hello{.role = "status"}));
  const std::string response = frame(wire::Type::kResponse, wire::encode(wire::Response{}));
  wire::Challenge ch;
  for (std::size_t i = 0; i < ch.nonce.size(); ++i) ch.nonce[i] = static_cast<std::byte>(i);
  const std::string challenge = frame(wire::Type::kChallenge, wire::encode(ch));
  const std::string status = frame(wire::Type::kStatusRequest, {});
  const std::string welcome =
      frame(wire::Type::kWelcome, wire::encode(wire::Welcome{wire::kVersion, "freshet"}));
  // Central side: a whole worker handshake the harness completes, a status one, a wrong proof,
  // no key, pieces of 3 bytes.
  s.push_back(
      {"central_worker_fixed", input(kKeyed | kFixUp, 0, hello_worker + response + challenge)});
  s.push_back({"central_status_fixed",
               input(kKeyed | kFixUp, 7, hello_status + response + challenge + status)});
  s.push_back({"central_wrong_proof", input(kKeyed, 0, hello_worker + response + challenge)});
  s.push_back({"central_no_key_status", input(0, 3, hello_status + status)});
  s.push_back({"central_no_key_worker", input(0, 0, hello_worker + response)});
  s.push_back({"central_status_first", input(kKeyed, 0, status)});
  // Worker side: a central that knows the key (fixed up), one that does not, one that refuses.
  s.push_back({"worker_fixed", input(kWorkerSide | kFixUp, 0, challenge + response + welcome)});
  s.push_back({"worker_status_fixed",
               input(kWorkerSide | kFixUp | kStatusRole, 0, challenge + response + welcome)});
  s.push_back({"worker_wrong_proof", input(kWorkerSide, 0, challenge + response + welcome)});
  s.push_back({"worker_refused",
               input(kWorkerSide, 0,
                     frame(wire::Type::kError,
                           wire::encode(wire::ErrorMessage{2, "authentication failed"})))});
  return s;
}

}  // namespace freshet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool installed = (auth::set_nonce_source_for_fuzzing(counter_nonce), true);
  (void)installed;
  if (size < 2 || size > 16384) return 0;  // all of it fits in the socket's buffer
  if (data[0] & kWorkerSide)
    worker_side(data[0], data + 2, size - 2);
  else
    central_side(data[0], data[1], data + 2, size - 2);
  return 0;
}
