#pragma once
// The mproc wire format: framed, versioned messages between the central process, its workers and
// clients of the control endpoint. Internal to mproc (docs/mproc-protocol.md is the reference for
// anyone writing a peer). Every message is
//
//   FrameHeader (16 bytes, little-endian) | payload (`length` bytes)
//
// The same frames travel over the socketpair to a forked worker and over TCP to the control
// endpoint, so a remote worker will speak exactly what a local one speaks.
//
// Thread-safety: the functions are reentrant; one reader and one writer per descriptor.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/bytes.hpp"

namespace freshet::mproc::wire {

inline constexpr std::uint32_t kMagic = 0x48535246;  // "FRSH" in memory order
inline constexpr std::uint16_t kVersion = 1;
// Before authentication a peer may send at most this many payload bytes per frame.
inline constexpr std::uint64_t kMaxUnauthenticatedPayload = 256;
// Hard cap on any frame (a chunk of results may be large; a corrupt length must not allocate).
inline constexpr std::uint64_t kMaxPayload = std::uint64_t{1} << 36;

enum class Type : std::uint16_t {
  // Control endpoint (TCP).
  kHello = 1,           // client -> central: u16 min_version, u16 max_version, string role
  kWelcome = 2,         // central -> client: u16 version, string central description
  kChallenge = 3,       // planned: 32-byte nonce + digest name (see docs/mproc-protocol.md)
  kResponse = 4,        // planned: HMAC-SHA256(key, version|digest|nonces)
  kStatusRequest = 10,  // client -> central: empty
  kStatusReply = 11,    // central -> client: string, "key value" lines
  kError = 12,          // either way: u32 errc, string message; the sender closes afterwards
  // Central -> worker.
  kInit = 20,      // string plug-in path
  kInitDone = 21,  // worker -> central: u8 ok, string message
  kShare = 22,     // string key, string segment name, u64 size
  kUnshare = 23,   // string key
  kChunk = 30,    // u64 job, u64 chunk, string task, string args segment, u64 args size, u64 begin,
                  // u64 end
  kResults = 31,  // worker -> central: see ChunkResultHeader
  kShutdown = 40,  // empty: the worker exits
};

#pragma pack(push, 1)
struct FrameHeader {
  std::uint32_t magic = kMagic;
  std::uint16_t version = kVersion;
  Type type = Type::kError;
  std::uint64_t length = 0;
};
static_assert(sizeof(FrameHeader) == 16);

// Payload prefix of kResults; followed by `count` results (u64 length + bytes) for tasks
// [begin, begin + count), then, if status != kOk, u32 errc + string message.
struct ChunkResultHeader {
  std::uint64_t job = 0;
  std::uint64_t chunk = 0;
  std::uint64_t begin = 0;
  std::uint64_t count = 0;         // results that follow, all successful
  std::uint64_t elapsed_ns = 0;    // worker compute time for those tasks (drives chunk sizing)
  std::uint32_t status = 0;        // ChunkStatus
  std::uint32_t missing_task = 0;  // 1: the worker has no such task (q's 'func)
};
#pragma pack(pop)

enum ChunkStatus : std::uint32_t { kOk = 0, kTaskFailed = 1, kCancelled = 2 };

struct Frame {
  Type type = Type::kError;
  Bytes payload;
};

// Writes header + payload in full (retrying on EINTR and short writes). Returns false if the peer
// is gone (EPIPE/ECONNRESET); throws Error(kIo) on any other failure. Never raises SIGPIPE.
bool write_frame(int fd, Type type, std::span<const std::byte> payload);
// Writes a buffer whose first 16 bytes are reserved for the header (filled in here); saves a copy
// of large result payloads.
bool write_framed_buffer(int fd, Type type, Bytes& buffer_with_header_room);

// Blocking read of one whole frame. Returns false on a clean EOF before the header; throws
// Error(kIo) on a bad magic, version, oversized length or EOF inside a frame.
bool read_frame(int fd, Frame& out, std::uint64_t max_payload = kMaxPayload);

// Incremental parser for non-blocking readers: append what recv() returned, then take frames.
class FrameParser {
 public:
  explicit FrameParser(std::uint64_t max_payload = kMaxPayload) : max_payload_(max_payload) {}
  // Reads whatever is available on fd without blocking. Returns false on EOF or a reset
  // connection (the peer is gone); throws Error(kIo) on other errors.
  bool fill(int fd);
  // Moves the next complete frame into out; false if none is complete yet. Throws Error(kIo) on
  // a malformed header.
  bool next(Frame& out);

 private:
  Bytes buffer_;
  std::size_t start_ = 0;
  std::uint64_t max_payload_;
};

// Fixed-size messages between the central process and its supervisor (a SOCK_SEQPACKET pair).
struct SupervisorMessage {
  // kShutdown: an orderly stop follows (EOF without it means the central process died).
  enum Kind : std::int32_t { kSpawn = 1, kSpawned = 2, kExited = 3, kShutdown = 4 } kind = kSpawn;
  std::int32_t slot = -1;
  std::int32_t pid = 0;
  std::int32_t status = 0;  // wait status for kExited
};
// Sends msg, with fd attached via SCM_RIGHTS when fd >= 0. False if the peer is gone.
bool send_supervisor_message(int sock, const SupervisorMessage& msg, int fd = -1);
// Receives one message (and an attached fd, or -1). Returns false on EOF.
bool recv_supervisor_message(int sock, SupervisorMessage& msg, int& fd);

// "killed by signal 9 (Killed)", "exited with status 3".
std::string describe_wait_status(int status);

}  // namespace freshet::mproc::wire
