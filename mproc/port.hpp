#pragma once
// The job's port as the supervisor serves it (mproc/process_worker.cpp): one connection's state
// and the handling of one frame from it, the server half of the handshake
// (docs/mproc-protocol.md §3, §4). Internal to mproc; apart so that fuzz/handshake_fuzz.cpp can
// drive the real state machine with any frames.

#include <chrono>
#include <cstddef>
#include <string>

#include "core/bytes.hpp"
#include "mproc/auth.hpp"
#include "mproc/process_internal.hpp"
#include "mproc/wire.hpp"

namespace freshet::mproc::detail {

// One connection to the port.
struct PortClient {
  int fd = -1;
  wire::FrameParser parser{wire::kMaxUnauthenticatedPayload};
  Bytes out;             // frames not yet sent
  std::size_t sent = 0;  // bytes of `out` already sent
  bool closing = false;  // close once `out` is sent (after an answer that ends the session)
  std::chrono::steady_clock::time_point since;
  std::string peer;  // "address:port", for the log
  bool log = true;   // refusals go to stderr and the status page (off only in the fuzzer)
  // The handshake (docs/mproc-protocol.md §4), when the job has a key.
  enum Stage { kStart, kChallenged, kProved, kAuthenticated } stage = kStart;
  std::string role;
  auth::Nonce central_nonce{};
  bool hand_off = false;  // an authenticated worker: give the socket to the central process
  // The port also answers HTTP GET (the status page): decided by the first 4 bytes.
  enum Proto { kUnknown, kFrames, kHttp } proto = kUnknown;
  std::string http_in;  // the request so far (at most kMaxHttpRequest bytes)
};

// Handles one frame from a client of the port: queues the answer in c.out (never touches c.fd).
// With a key (non-empty), nothing but the handshake is served before the client has proved it:
// HELLO, CHALLENGE (ours), RESPONSE + CHALLENGE (theirs), RESPONSE (ours) + WELCOME; c.stage
// reaches kAuthenticated only through a RESPONSE equal to auth::client_proof(key, role, our
// nonce), and c.hand_off is set only for an authenticated "worker". Returns false to drop the
// connection at once (after an ERROR frame, c.closing is set). Throws Error(kParse) for a
// malformed payload (the supervisor answers ERROR and closes).
bool serve_port_frame(PortClient& c, const wire::Frame& frame, const ControlBlock& block,
                      const std::string& key);

}  // namespace freshet::mproc::detail
