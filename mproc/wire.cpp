#include "mproc/wire.hpp"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace freshet::mproc::wire {

namespace {

[[noreturn]] void io_error(const char* what) {
  throw Error(Errc::kIo, std::string("mproc wire: ") + what + ": " + std::strerror(errno));
}

// False if the peer is gone.
bool write_all(int fd, const std::byte* data, std::size_t size) {
  while (size > 0) {
    // send(MSG_NOSIGNAL): a dead peer gives EPIPE instead of killing us with SIGPIPE.
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == ECONNRESET) return false;
      if (errno == ENOTSOCK) {
        n = ::write(fd, data, size);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno == EPIPE) return false;
          io_error("write");
        }
      } else {
        io_error("send");
      }
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Returns bytes read: 0 on EOF before anything was read; throws on EOF in the middle.
std::size_t read_all(int fd, std::byte* data, std::size_t size, bool eof_ok) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNRESET && eof_ok && done == 0) return 0;
      io_error("read");
    }
    if (n == 0) {
      if (eof_ok && done == 0) return 0;
      throw Error(Errc::kIo, "mproc wire: connection closed inside a frame");
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

void check_header(const FrameHeader& h, std::uint64_t max_payload) {
  if (h.magic != kMagic) throw Error(Errc::kIo, "mproc wire: bad frame magic (not a freshet peer)");
  if (h.version != kVersion)
    throw Error(Errc::kIo, "mproc wire: unsupported protocol version " + std::to_string(h.version) +
                               " (this build speaks " + std::to_string(kVersion) + ")");
  if (h.length > max_payload)
    throw Error(Errc::kIo, "mproc wire: frame of " + std::to_string(h.length) +
                               " bytes exceeds the limit of " + std::to_string(max_payload));
}

}  // namespace

std::string type_name(Type type) {
  switch (type) {
    case Type::kHello:
      return "HELLO";
    case Type::kWelcome:
      return "WELCOME";
    case Type::kChallenge:
      return "CHALLENGE";
    case Type::kResponse:
      return "RESPONSE";
    case Type::kStatusRequest:
      return "STATUS_REQUEST";
    case Type::kStatusReply:
      return "STATUS_REPLY";
    case Type::kError:
      return "ERROR";
    case Type::kInit:
      return "INIT";
    case Type::kInitDone:
      return "INIT_DONE";
    case Type::kShare:
      return "SHARE";
    case Type::kUnshare:
      return "UNSHARE";
    case Type::kChunk:
      return "CHUNK";
    case Type::kResults:
      return "RESULTS";
    case Type::kShutdown:
      return "SHUTDOWN";
    case Type::kJoin:
      return "JOIN";
    case Type::kBlob:
      return "BLOB";
    case Type::kBlobData:
      return "BLOB_DATA";
    case Type::kRemoteInit:
      return "REMOTE_INIT";
    case Type::kHeartbeat:
      return "HEARTBEAT";
    case Type::kCancel:
      return "CANCEL";
  }
  return "type " + std::to_string(static_cast<unsigned>(type));
}

FrameHeader decode_header(std::span<const std::byte> bytes, std::uint64_t max_payload) {
  if (bytes.size() < sizeof(FrameHeader))
    throw Error(Errc::kIo, "mproc wire: frame header of " + std::to_string(bytes.size()) +
                               " bytes (16 expected)");
  FrameHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  check_header(h, max_payload);
  return h;
}

Bytes encode_frame(Type type, std::span<const std::byte> payload) {
  FrameHeader h;
  h.type = type;
  h.length = payload.size();
  Bytes out(sizeof h + payload.size());
  std::memcpy(out.data(), &h, sizeof h);
  if (!payload.empty()) std::memcpy(out.data() + sizeof h, payload.data(), payload.size());
  return out;
}

namespace {

// Reads one payload with the frame's name in every error, and insists that nothing is left over.
class PayloadReader {
 public:
  PayloadReader(std::span<const std::byte> payload, const char* frame)
      : in_(payload), payload_(payload), frame_(frame) {}
  template <class T>
  T get() {
    try {
      return in_.get<T>();
    } catch (const Error& e) {
      fail(e.what());
    }
  }
  std::string get_string() {
    try {
      return in_.get_string();
    } catch (const Error& e) {
      fail(e.what());
    }
  }
  Digest32 get_digest() {
    Digest32 d;
    for (auto& b : d) b = static_cast<std::byte>(get<std::uint8_t>());
    return d;
  }
  void finish() const {
    if (!in_.at_end()) fail("trailing bytes after the last field");
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw Error(Errc::kParse, std::string("mproc wire: malformed ") + frame_ + " payload (" +
                                  std::to_string(payload_.size()) + " bytes): " + why);
  }

 private:
  ByteReader in_;
  std::span<const std::byte> payload_;
  const char* frame_;
};

}  // namespace

Bytes encode(const Hello& m) {
  ByteWriter w;
  w.put<std::uint16_t>(m.min_version);
  w.put<std::uint16_t>(m.max_version);
  w.put_string(m.role);
  w.put<std::uint32_t>(m.byte_order);
  w.put<std::uint8_t>(m.word_size);
  return std::move(w).take();
}
Hello decode_hello(std::span<const std::byte> payload) {
  PayloadReader r(payload, "HELLO");
  Hello m;
  m.min_version = r.get<std::uint16_t>();
  m.max_version = r.get<std::uint16_t>();
  m.role = r.get_string();
  m.byte_order = r.get<std::uint32_t>();
  m.word_size = r.get<std::uint8_t>();
  r.finish();
  if (m.min_version > m.max_version) r.fail("min_version above max_version");
  return m;
}

Bytes encode(const Welcome& m) {
  ByteWriter w;
  w.put<std::uint16_t>(m.version);
  w.put_string(m.description);
  return std::move(w).take();
}
Welcome decode_welcome(std::span<const std::byte> payload) {
  PayloadReader r(payload, "WELCOME");
  Welcome m;
  m.version = r.get<std::uint16_t>();
  m.description = r.get_string();
  r.finish();
  return m;
}

Bytes encode(const ErrorMessage& m) {
  ByteWriter w;
  w.put<std::uint32_t>(m.errc);
  w.put_string(m.message);
  return std::move(w).take();
}
ErrorMessage decode_error(std::span<const std::byte> payload) {
  PayloadReader r(payload, "ERROR");
  ErrorMessage m;
  m.errc = r.get<std::uint32_t>();
  m.message = r.get_string();
  r.finish();
  return m;
}

Bytes encode(const StatusReply& m) {
  ByteWriter w;
  w.put_string(m.text);
  return std::move(w).take();
}
StatusReply decode_status_reply(std::span<const std::byte> payload) {
  PayloadReader r(payload, "STATUS_REPLY");
  StatusReply m;
  m.text = r.get_string();
  r.finish();
  return m;
}

Bytes encode(const Init& m) {
  ByteWriter w;
  w.put_string(m.plugin_path);
  return std::move(w).take();
}
Init decode_init(std::span<const std::byte> payload) {
  PayloadReader r(payload, "INIT");
  Init m;
  m.plugin_path = r.get_string();
  r.finish();
  return m;
}

Bytes encode(const InitDone& m) {
  ByteWriter w;
  w.put<std::uint8_t>(m.ok ? 1 : 0);
  w.put_string(m.message);
  return std::move(w).take();
}
InitDone decode_init_done(std::span<const std::byte> payload) {
  PayloadReader r(payload, "INIT_DONE");
  InitDone m;
  const auto ok = r.get<std::uint8_t>();
  if (ok > 1) r.fail("ok flag " + std::to_string(ok) + " (0 or 1 expected)");
  m.ok = ok == 1;
  m.message = r.get_string();
  r.finish();
  return m;
}

Bytes encode(const Share& m) {
  ByteWriter w;
  w.put_string(m.key);
  w.put_string(m.segment);
  w.put<std::uint64_t>(m.size);
  return std::move(w).take();
}
Share decode_share(std::span<const std::byte> payload) {
  PayloadReader r(payload, "SHARE");
  Share m;
  m.key = r.get_string();
  m.segment = r.get_string();
  m.size = r.get<std::uint64_t>();
  r.finish();
  return m;
}

Bytes encode(const Unshare& m) {
  ByteWriter w;
  w.put_string(m.key);
  return std::move(w).take();
}
Unshare decode_unshare(std::span<const std::byte> payload) {
  PayloadReader r(payload, "UNSHARE");
  Unshare m;
  m.key = r.get_string();
  r.finish();
  return m;
}

Bytes encode(const Chunk& m) {
  ByteWriter w;
  w.put<std::uint64_t>(m.job);
  w.put<std::uint64_t>(m.chunk);
  w.put_string(m.task);
  w.put_string(m.args_segment);
  w.put<std::uint64_t>(m.args_size);
  w.put<std::uint64_t>(m.begin);
  w.put<std::uint64_t>(m.end);
  Bytes out = std::move(w).take();
  if (m.args_segment.empty()) out.insert(out.end(), m.inline_args.begin(), m.inline_args.end());
  return out;
}
Chunk decode_chunk(std::span<const std::byte> payload) {
  PayloadReader r(payload, "CHUNK");
  Chunk m;
  m.job = r.get<std::uint64_t>();
  m.chunk = r.get<std::uint64_t>();
  m.task = r.get_string();
  m.args_segment = r.get_string();
  m.args_size = r.get<std::uint64_t>();
  m.begin = r.get<std::uint64_t>();
  m.end = r.get<std::uint64_t>();
  if (m.args_segment.empty())  // the fixed fields, then the inline arguments
    m.inline_args = payload.subspan(7 * sizeof(std::uint64_t) + m.task.size());
  else
    r.finish();
  if (m.begin > m.end)
    r.fail("range [" + std::to_string(m.begin) + ", " + std::to_string(m.end) + ")");
  return m;
}

namespace {
void put_digest(ByteWriter& w, const Digest32& d) {
  for (auto b : d) w.put<std::uint8_t>(static_cast<std::uint8_t>(b));
}
}  // namespace

Bytes encode(const Challenge& m) {
  ByteWriter w;
  w.put_string(m.digest);
  put_digest(w, m.nonce);
  w.put<std::uint32_t>(m.byte_order);
  w.put<std::uint8_t>(m.word_size);
  return std::move(w).take();
}
Challenge decode_challenge(std::span<const std::byte> payload) {
  PayloadReader r(payload, "CHALLENGE");
  Challenge m;
  m.digest = r.get_string();
  m.nonce = r.get_digest();
  m.byte_order = r.get<std::uint32_t>();
  m.word_size = r.get<std::uint8_t>();
  r.finish();
  return m;
}

Bytes encode(const Response& m) {
  ByteWriter w;
  put_digest(w, m.mac);
  return std::move(w).take();
}
Response decode_response(std::span<const std::byte> payload) {
  PayloadReader r(payload, "RESPONSE");
  Response m;
  m.mac = r.get_digest();
  r.finish();
  return m;
}

Bytes encode(const Join& m) {
  ByteWriter w;
  w.put<std::uint32_t>(m.threads);
  w.put<std::uint32_t>(m.pid);
  w.put_string(m.host);
  return std::move(w).take();
}
Join decode_join(std::span<const std::byte> payload) {
  PayloadReader r(payload, "JOIN");
  Join m;
  m.threads = r.get<std::uint32_t>();
  m.pid = r.get<std::uint32_t>();
  m.host = r.get_string();
  r.finish();
  if (m.threads < 1 || m.threads > 4096) r.fail("threads " + std::to_string(m.threads));
  return m;
}

Bytes encode(const Heartbeat& m) {
  ByteWriter w;
  w.put<std::uint64_t>(m.tasks_done);
  w.put<std::uint64_t>(m.cpu_ns);
  return std::move(w).take();
}
Heartbeat decode_heartbeat(std::span<const std::byte> payload) {
  PayloadReader r(payload, "HEARTBEAT");
  Heartbeat m;
  m.tasks_done = r.get<std::uint64_t>();
  m.cpu_ns = r.get<std::uint64_t>();
  r.finish();
  return m;
}

Bytes encode(const Blob& m) {
  ByteWriter w;
  w.put_string(m.key);
  w.put<std::uint64_t>(m.size);
  put_digest(w, m.sha256);
  w.put<std::uint8_t>(m.data_follows ? 1 : 0);
  return std::move(w).take();
}
Blob decode_blob(std::span<const std::byte> payload) {
  PayloadReader r(payload, "BLOB");
  Blob m;
  m.key = r.get_string();
  m.size = r.get<std::uint64_t>();
  m.sha256 = r.get_digest();
  const auto follows = r.get<std::uint8_t>();
  if (follows > 1) r.fail("data_follows flag " + std::to_string(follows));
  m.data_follows = follows == 1;
  r.finish();
  return m;
}

Bytes encode(const RemoteInit& m) {
  ByteWriter w;
  w.put_string(m.name);
  put_digest(w, m.sha256);
  return std::move(w).take();
}
RemoteInit decode_remote_init(std::span<const std::byte> payload) {
  PayloadReader r(payload, "REMOTE_INIT");
  RemoteInit m;
  m.name = r.get_string();
  m.sha256 = r.get_digest();
  r.finish();
  return m;
}

Bytes encode(const Cancel& m) {
  ByteWriter w;
  w.put<std::uint64_t>(m.job);
  return std::move(w).take();
}
Cancel decode_cancel(std::span<const std::byte> payload) {
  PayloadReader r(payload, "CANCEL");
  Cancel m;
  m.job = r.get<std::uint64_t>();
  r.finish();
  return m;
}

void ResultsWriter::start(std::uint64_t job, std::uint64_t chunk, std::uint64_t begin) {
  buffer_.clear();
  buffer_.resize(sizeof(FrameHeader) + sizeof(ResultsHeader));
  header_ = ResultsHeader{};
  header_.job = job;
  header_.chunk = chunk;
  header_.begin = begin;
}

void ResultsWriter::add(std::span<const std::byte> result) {
  const std::uint64_t len = result.size();
  const auto* p = reinterpret_cast<const std::byte*>(&len);
  buffer_.insert(buffer_.end(), p, p + sizeof len);
  buffer_.insert(buffer_.end(), result.begin(), result.end());
  ++header_.count;
}

void ResultsWriter::finish(ChunkStatus status, std::uint64_t elapsed_ns, std::uint64_t max_task_ns,
                           bool missing_task, std::uint32_t errc, std::string_view message) {
  header_.status = status;
  header_.elapsed_ns = elapsed_ns;
  header_.max_task_ns = max_task_ns;
  header_.missing_task = missing_task ? 1 : 0;
  if (status == kTaskFailed) {
    ByteWriter w;
    w.put<std::uint32_t>(errc);
    w.put_string(message);
    buffer_.insert(buffer_.end(), w.bytes().begin(), w.bytes().end());
  }
  std::memcpy(buffer_.data() + sizeof(FrameHeader), &header_, sizeof header_);
}

Results decode_results(std::span<const std::byte> payload) {
  PayloadReader check(payload, "RESULTS");
  if (payload.size() < sizeof(ResultsHeader))
    check.fail("shorter than its " + std::to_string(sizeof(ResultsHeader)) + "-byte header");
  Results out;
  std::memcpy(&out.header, payload.data(), sizeof out.header);
  const ResultsHeader& h = out.header;
  if (h.status > kCancelled) check.fail("unknown status " + std::to_string(h.status));
  if (h.missing_task > 1) check.fail("missing_task flag " + std::to_string(h.missing_task));
  if (h.missing_task && h.status != kTaskFailed) check.fail("missing_task without a failure");
  if (h.begin > UINT64_MAX - h.count) check.fail("task range overflows");
  std::span<const std::byte> rest = payload.subspan(sizeof(ResultsHeader));
  // Every result costs at least its 8-byte length: a count above that is a lie, and reserving
  // it would let a corrupt frame allocate without bound.
  if (h.count > rest.size() / 8)
    check.fail(std::to_string(h.count) + " results cannot fit in " + std::to_string(rest.size()) +
               " bytes");
  out.results.reserve(h.count);
  std::size_t at = 0;
  for (std::uint64_t k = 0; k < h.count; ++k) {
    std::uint64_t len;
    if (rest.size() - at < 8) check.fail("result " + std::to_string(k) + ": truncated length");
    std::memcpy(&len, rest.data() + at, 8);
    at += 8;
    if (len > rest.size() - at)
      check.fail("result " + std::to_string(k) + " of " + std::to_string(len) +
                 " bytes runs past the end");
    out.results.push_back(rest.subspan(at, len));
    at += len;
  }
  PayloadReader tail(rest.subspan(at), "RESULTS");
  if (h.status == kTaskFailed) {
    out.errc = tail.get<std::uint32_t>();
    out.message = tail.get_string();
  }
  tail.finish();
  return out;
}

std::size_t arguments_size(std::span<const Bytes> arguments) {
  std::size_t need = 8 + 8 * (arguments.size() + 1);
  for (const auto& a : arguments) need += a.size();
  return need;
}

void encode_arguments(std::span<const Bytes> arguments, std::span<std::byte> out) {
  const std::size_t n = arguments.size();
  if (out.size() < arguments_size(arguments))
    throw Error(Errc::kInternal, "mproc wire: arguments segment too small");
  std::byte* base = out.data();
  const std::uint64_t count = n;
  std::memcpy(base, &count, 8);
  std::byte* table = base + 8;
  std::byte* data = base + 8 + 8 * (n + 1);
  std::uint64_t off = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::memcpy(table + 8 * i, &off, 8);
    if (!arguments[i].empty()) std::memcpy(data + off, arguments[i].data(), arguments[i].size());
    off += arguments[i].size();
  }
  std::memcpy(table + 8 * n, &off, 8);
}

ArgumentsView::ArgumentsView(std::span<const std::byte> segment) : segment_(segment) {
  if (segment.size() < 16)
    throw Error(Errc::kParse, "mproc wire: arguments segment of " + std::to_string(segment.size()) +
                                  " bytes has no table");
  std::memcpy(&n_, segment.data(), 8);
  // n + 1 offsets must fit after the count (division first: no overflow for a hostile n).
  if (n_ > (segment.size() - 8) / 8 - 1)
    throw Error(Errc::kParse, "mproc wire: arguments segment of " + std::to_string(segment.size()) +
                                  " bytes cannot hold " + std::to_string(n_) + " arguments");
  data_at_ = 8 + 8 * (static_cast<std::size_t>(n_) + 1);
}

std::span<const std::byte> ArgumentsView::operator[](std::uint64_t i) const {
  if (i >= n_)
    throw Error(Errc::kParse,
                "mproc wire: argument " + std::to_string(i) + " of " + std::to_string(n_));
  std::uint64_t b, e;
  std::memcpy(&b, segment_.data() + 8 + 8 * i, 8);
  std::memcpy(&e, segment_.data() + 8 + 8 * (i + 1), 8);
  const std::size_t room = segment_.size() - data_at_;
  if (b > e || e > room)
    throw Error(Errc::kParse, "mproc wire: argument " + std::to_string(i) + " at [" +
                                  std::to_string(b) + ", " + std::to_string(e) +
                                  ") outside the segment's " + std::to_string(room) +
                                  " data bytes");
  return segment_.subspan(data_at_ + b, e - b);
}

bool write_frame(int fd, Type type, std::span<const std::byte> payload) {
  FrameHeader h;
  h.type = type;
  h.length = payload.size();
  if (payload.size() <= 4096) {  // one syscall for small frames
    std::byte buf[sizeof(FrameHeader) + 4096];
    std::memcpy(buf, &h, sizeof h);
    if (!payload.empty()) std::memcpy(buf + sizeof h, payload.data(), payload.size());
    return write_all(fd, buf, sizeof h + payload.size());
  }
  return write_all(fd, reinterpret_cast<const std::byte*>(&h), sizeof h) &&
         write_all(fd, payload.data(), payload.size());
}

bool write_framed_buffer(int fd, Type type, Bytes& buffer) {
  FrameHeader h;
  h.type = type;
  h.length = buffer.size() - sizeof(FrameHeader);
  std::memcpy(buffer.data(), &h, sizeof h);
  return write_all(fd, buffer.data(), buffer.size());
}

bool read_frame(int fd, Frame& out, std::uint64_t max_payload) {
  FrameHeader h;
  if (read_all(fd, reinterpret_cast<std::byte*>(&h), sizeof h, true) == 0) return false;
  check_header(h, max_payload);
  out.type = h.type;
  out.payload.resize(h.length);
  if (h.length) read_all(fd, out.payload.data(), h.length, false);
  return true;
}

bool FrameParser::fill(int fd) {
  // Compact consumed bytes before growing.
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > (1u << 20) && start_ * 2 > buffer_.size()) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  for (;;) {
    const std::size_t old = buffer_.size();
    const std::size_t want = std::max<std::size_t>(1 << 16, old / 2);
    buffer_.resize(old + want);
    ssize_t n = ::recv(fd, buffer_.data() + old, want, MSG_DONTWAIT);
    if (n < 0) {
      buffer_.resize(old);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      if (errno == ECONNRESET || errno == EPIPE) return false;
      io_error("recv");
    }
    buffer_.resize(old + static_cast<std::size_t>(n));
    if (n == 0) return false;  // EOF: the peer is gone (frames already read stay parsable)
    if (static_cast<std::size_t>(n) < want) return true;
  }
}

bool FrameParser::next(Frame& out) {
  const std::size_t avail = buffer_.size() - start_;
  if (avail < sizeof(FrameHeader)) return false;
  FrameHeader h;
  std::memcpy(&h, buffer_.data() + start_, sizeof h);
  check_header(h, max_payload_);
  if (avail - sizeof h < h.length) return false;
  out.type = h.type;
  const auto* p = buffer_.data() + start_ + sizeof h;
  out.payload.assign(p, p + h.length);
  start_ += sizeof h + h.length;
  return true;
}

bool send_supervisor_message(int sock, const SupervisorMessage& msg, int fd) {
  iovec iov{const_cast<SupervisorMessage*>(&msg), sizeof msg};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    std::memset(control, 0, sizeof control);
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  for (;;) {
    if (::sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0) return true;
    if (errno == EINTR) continue;
    if (errno == EPIPE || errno == ECONNRESET) return false;
    io_error("sendmsg");
  }
}

bool recv_supervisor_message(int sock, SupervisorMessage& msg, int& fd) {
  fd = -1;
  iovec iov{&msg, sizeof msg};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t n;
  for (;;) {
    n = ::recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return false;
    io_error("recvmsg");
  }
  if (n == 0) return false;
  if (static_cast<std::size_t>(n) != sizeof msg)
    throw Error(Errc::kIo, "mproc: short message from the supervisor");
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return true;
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "stopped (wait status " + std::to_string(status) + ")";
}

}  // namespace freshet::mproc::wire
