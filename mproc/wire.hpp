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

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace freshet::mproc::wire {

inline constexpr std::uint32_t kMagic = 0x48535246;  // "FRSH" in memory order
inline constexpr std::uint16_t kVersion = 1;
// Before authentication a peer may send at most this many payload bytes per frame.
inline constexpr std::uint64_t kMaxUnauthenticatedPayload = 256;
// Hard cap on any frame (a chunk of results may be large; a corrupt length must not allocate).
inline constexpr std::uint64_t kMaxPayload = std::uint64_t{1} << 36;
// Written in host order in HELLO and CHALLENGE: a peer that reads another value has the other byte
// order (task arguments and results are raw host-layout bytes, so both ends must agree).
inline constexpr std::uint32_t kByteOrderProbe = 0x01020304;
inline constexpr std::uint8_t kWordSize = sizeof(void*);
// Remote workers: shared blobs travel in BLOB_DATA frames of at most this many bytes.
inline constexpr std::uint64_t kBlobPiece = std::uint64_t{4} << 20;

enum class Type : std::uint16_t {
  // Control endpoint (TCP).
  kHello = 1,           // client -> central: Hello
  kWelcome = 2,         // central -> client: Welcome
  kChallenge = 3,       // both ways: Challenge (docs/mproc-protocol.md §4)
  kResponse = 4,        // both ways: Response, an HMAC-SHA256 proof of the key
  kJoin = 5,            // remote worker -> central, first frame after WELCOME: Join
  kStatusRequest = 10,  // client -> central: empty
  kStatusReply = 11,    // central -> client: StatusReply
  kError = 12,          // either way: ErrorMessage; the sender closes afterwards
  // Central -> worker.
  kInit = 20,      // Init
  kInitDone = 21,  // worker -> central: InitDone
  kShare = 22,     // Share
  kUnshare = 23,   // Unshare
  // Central -> remote worker (it cannot map the segments): blobs and plug-ins by name and hash.
  kBlob = 24,        // Blob; `size` bytes follow in BLOB_DATA frames when data_follows
  kBlobData = 25,    // raw bytes of the blob announced last
  kRemoteInit = 26,  // RemoteInit; answered with INIT_DONE
  kChunk = 30,       // Chunk
  kResults = 31,     // worker -> central: ResultsHeader, results, error (ResultsWriter / Results)
  kHeartbeat = 32,   // remote worker -> central while it holds chunks: Heartbeat
  kShutdown = 40,    // empty: the worker exits
  kCancel = 41,      // central -> remote worker: Cancel (forked workers read the control block)
};
// "HELLO", "RESULTS", ... ("type 77" for an unknown value).
std::string type_name(Type type);

#pragma pack(push, 1)
struct FrameHeader {
  std::uint32_t magic = kMagic;
  std::uint16_t version = kVersion;
  Type type = Type::kError;
  std::uint64_t length = 0;
};
static_assert(sizeof(FrameHeader) == 16);

// Payload prefix of kResults; followed by `count` results (u64 length + bytes) for tasks
// [begin, begin + count), then, if status == kTaskFailed, u32 errc + string message.
struct ResultsHeader {
  std::uint64_t job = 0;
  std::uint64_t chunk = 0;
  std::uint64_t begin = 0;
  std::uint64_t count = 0;         // results that follow, all successful
  std::uint64_t elapsed_ns = 0;    // worker compute time for those tasks (drives chunk sizing)
  std::uint64_t max_task_ns = 0;   // the slowest of them (drives the stall window)
  std::uint32_t status = 0;        // ChunkStatus
  std::uint32_t missing_task = 0;  // 1: the worker has no such task (q's 'func)
};
static_assert(sizeof(ResultsHeader) == 56);
#pragma pack(pop)

enum ChunkStatus : std::uint32_t { kOk = 0, kTaskFailed = 1, kCancelled = 2 };

struct Frame {
  Type type = Type::kError;
  Bytes payload;
};

// ---- Codecs -----------------------------------------------------------------------------------
// Every frame's payload has an encode/decode pair here and nowhere else, so any transport (a
// socketpair, TCP, an MPI message) can carry them: decode_* take a byte buffer received from
// anywhere, check every length against what is left, reject trailing bytes, and throw
// Error(kParse) naming the frame on anything malformed. Never UB, never an allocation larger
// than the buffer.

// Checks a 16-byte header read from the wire: magic, version, length <= max_payload. Throws
// Error(kIo) (a peer that is not ours, or a length we refuse to allocate).
FrameHeader decode_header(std::span<const std::byte> bytes, std::uint64_t max_payload);
// Header + payload in one buffer (for transports that queue whole frames).
Bytes encode_frame(Type type, std::span<const std::byte> payload);

using Digest32 = std::array<std::byte, 32>;

struct Hello {
  std::uint16_t min_version = kVersion;
  std::uint16_t max_version = kVersion;
  std::string role;  // "status", "worker"
  std::uint32_t byte_order = kByteOrderProbe;
  std::uint8_t word_size = kWordSize;
};
// Nonce of one side of the handshake, with that side's byte order and word size.
struct Challenge {
  std::string digest = "sha256";
  Digest32 nonce{};
  std::uint32_t byte_order = kByteOrderProbe;
  std::uint8_t word_size = kWordSize;
};
struct Response {
  Digest32 mac{};
};
struct Join {
  std::uint32_t threads = 1;
  std::uint32_t pid = 0;
  std::string host;
};
struct Heartbeat {
  std::uint64_t tasks_done = 0;  // tasks this worker finished, ever
  std::uint64_t cpu_ns = 0;      // its process CPU time
};
struct Blob {
  std::string key;
  std::uint64_t size = 0;
  Digest32 sha256{};
  bool data_follows = true;  // false: the worker holds a blob with this hash already
};
struct RemoteInit {
  std::string name;  // file name only: the worker looks for it in its own --plugin-dir
  Digest32 sha256{};
};
struct Cancel {
  std::uint64_t job = 0;
};
struct Welcome {
  std::uint16_t version = kVersion;
  std::string description;
};
struct ErrorMessage {
  std::uint32_t errc = 0;  // freshet::Errc
  std::string message;
};
struct StatusReply {
  std::string text;
};
struct Init {
  std::string plugin_path;
};
struct InitDone {
  bool ok = true;
  std::string message;
};
struct Share {
  std::string key;
  std::string segment;  // shared-memory segment name
  std::uint64_t size = 0;
};
struct Unshare {
  std::string key;
};
struct Chunk {
  std::uint64_t job = 0;
  std::uint64_t chunk = 0;
  std::string task;
  std::string args_segment;  // the map's arguments segment (see ArgumentsView)
  std::uint64_t args_size = 0;
  std::uint64_t begin = 0;  // tasks [begin, end) of the map
  std::uint64_t end = 0;
  // Remote workers: args_segment is "" and the chunk's own arguments follow inline, encoded as
  // an arguments segment of end - begin entries (see ArgumentsView); on decode, a view of the
  // payload.
  std::span<const std::byte> inline_args = {};
};

Bytes encode(const Hello& m);
Bytes encode(const Welcome& m);
Bytes encode(const ErrorMessage& m);
Bytes encode(const StatusReply& m);
Bytes encode(const Init& m);
Bytes encode(const InitDone& m);
Bytes encode(const Share& m);
Bytes encode(const Unshare& m);
Bytes encode(const Chunk& m);
Bytes encode(const Challenge& m);
Bytes encode(const Response& m);
Bytes encode(const Join& m);
Bytes encode(const Heartbeat& m);
Bytes encode(const Blob& m);
Bytes encode(const RemoteInit& m);
Bytes encode(const Cancel& m);

Hello decode_hello(std::span<const std::byte> payload);
Welcome decode_welcome(std::span<const std::byte> payload);
ErrorMessage decode_error(std::span<const std::byte> payload);
StatusReply decode_status_reply(std::span<const std::byte> payload);
Init decode_init(std::span<const std::byte> payload);
InitDone decode_init_done(std::span<const std::byte> payload);
Share decode_share(std::span<const std::byte> payload);
Unshare decode_unshare(std::span<const std::byte> payload);
// Also checks begin <= end; with an empty args_segment, inline_args views the rest of payload.
Chunk decode_chunk(std::span<const std::byte> payload);
Challenge decode_challenge(std::span<const std::byte> payload);
Response decode_response(std::span<const std::byte> payload);
Join decode_join(std::span<const std::byte> payload);
Heartbeat decode_heartbeat(std::span<const std::byte> payload);
Blob decode_blob(std::span<const std::byte> payload);
RemoteInit decode_remote_init(std::span<const std::byte> payload);
Cancel decode_cancel(std::span<const std::byte> payload);

// Builds a RESULTS frame in place, one result at a time (a chunk's results can be large: they are
// written once, straight into the buffer that is sent). The buffer starts with room for the frame
// header, so write_framed_buffer sends it without another copy.
class ResultsWriter {
 public:
  // Starts a new frame (reusing the buffer's memory).
  void start(std::uint64_t job, std::uint64_t chunk, std::uint64_t begin);
  void add(std::span<const std::byte> result);
  std::uint64_t count() const { return header_.count; }
  // Completes the payload. `errc` and `message` are written only for kTaskFailed.
  void finish(ChunkStatus status, std::uint64_t elapsed_ns, std::uint64_t max_task_ns,
              bool missing_task = false, std::uint32_t errc = 0, std::string_view message = {});
  // The frame: 16 bytes of header room, then the payload.
  Bytes& buffer() { return buffer_; }
  // The payload alone (tests, transports that frame themselves).
  std::span<const std::byte> payload() const {
    return std::span<const std::byte>(buffer_).subspan(sizeof(FrameHeader));
  }

 private:
  Bytes buffer_;
  ResultsHeader header_;
};

// A decoded RESULTS payload; `results` view the payload, which must outlive this.
struct Results {
  ResultsHeader header;
  std::vector<std::span<const std::byte>> results;  // header.count of them
  std::uint32_t errc = 0;                           // with status kTaskFailed
  std::string message;
};
Results decode_results(std::span<const std::byte> payload);

// The arguments of one map, written once into a shared-memory segment and read in place:
//   u64 n, u64 offsets[n + 1], argument bytes (argument i is bytes[offsets[i], offsets[i+1])).
// The segment may be larger than the encoding (it is reused by later, smaller maps).
std::size_t arguments_size(std::span<const Bytes> arguments);
// Writes the encoding into out (out.size() >= arguments_size(arguments)).
void encode_arguments(std::span<const Bytes> arguments, std::span<std::byte> out);
// Reads arguments in place. The constructor checks that the offsets table fits; operator[]
// checks each argument's bounds, so a corrupt segment is an Error(kParse), never a wild read.
class ArgumentsView {
 public:
  explicit ArgumentsView(std::span<const std::byte> segment);
  std::uint64_t size() const { return n_; }
  std::span<const std::byte> operator[](std::uint64_t i) const;

 private:
  std::span<const std::byte> segment_;
  std::uint64_t n_ = 0;
  std::size_t data_at_ = 0;
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
  // kKill: the central process found the worker in `slot` with `pid` stalled; the supervisor
  // SIGKILLs it if that pid is still its child in that slot (no pid-reuse race: only the
  // supervisor reaps).
  enum Kind : std::int32_t {
    kSpawn = 1,
    kSpawned = 2,
    kExited = 3,
    kShutdown = 4,
    kKill = 5,
    kJoined = 6,  // supervisor -> central: an authenticated remote worker's socket is attached
  } kind = kSpawn;
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
