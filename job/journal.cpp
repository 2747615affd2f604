#include "job/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "job/hash.hpp"

namespace freshet::job {

namespace {
constexpr char kMagic[4] = {'F', 'J', 'R', '1'};

std::uint32_t load_u32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
[[noreturn]] void io_error(const std::string& path, const char* what) {
  throw Error(Errc::kIo, path + ": " + what + ": " + std::strerror(errno));
}
}  // namespace

Bytes encode_journal_record(const std::string& key, std::span<const std::byte> result) {
  // One buffer sized up front, filled with memcpy (GCC 12 warns falsely on vector::insert here).
  const std::size_t payload = 4 + key.size() + result.size();
  Bytes out(12 + payload);
  std::byte* p = out.data();
  const auto put = [&p](const void* src, std::size_t n) {
    if (n) std::memcpy(p, src, n);
    p += n;
  };
  const auto len = static_cast<std::uint32_t>(payload);
  const auto klen = static_cast<std::uint32_t>(key.size());
  put(kMagic, 4);
  put(&len, 4);
  std::byte* crc_at = p;
  p += 4;
  put(&klen, 4);
  put(key.data(), key.size());
  put(result.data(), result.size());
  const std::uint32_t crc = crc32(std::span<const std::byte>(out.data() + 12, payload));
  std::memcpy(crc_at, &crc, 4);
  return out;
}

Journal::Journal(std::string path, const std::function<void(const std::string&)>& warn)
    : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) io_error(path_, "cannot open journal");
  // One run per output folder: a second run appending to the same journal would interleave
  // records. The lock goes away with the process, however it ends; but forked worker processes
  // share the open file, so after a `kill -9` of a run the lock lives until the kernel has also
  // ended its workers (they die with it, PR_SET_PDEATHSIG), which on a loaded machine can take a
  // moment. A run started right after waits that long before calling the folder busy.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK &&
         std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw Error(Errc::kIo, path_ + ": another freshet run is using this output folder");
  }
  std::string text;
  {
    char buf[1 << 16];
    ssize_t n;
    while ((n = ::read(fd_, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    if (n < 0) io_error(path_, "cannot read journal");
  }
  const auto* data = reinterpret_cast<const std::byte*>(text.data());
  std::size_t pos = 0;
  std::string why;
  while (pos < text.size()) {
    if (text.size() - pos < 12) {
      why = "a torn record header";
      break;
    }
    if (std::memcmp(data + pos, kMagic, 4) != 0) {
      why = "a bad record marker";
      break;
    }
    const std::uint32_t len = load_u32(data + pos + 4);
    const std::uint32_t crc = load_u32(data + pos + 8);
    if (text.size() - pos - 12 < len) {
      why = "a torn record";
      break;
    }
    const std::span<const std::byte> payload(data + pos + 12, len);
    if (crc32(payload) != crc || len < 4 || load_u32(payload.data()) > len - 4) {
      why = "a record with a bad checksum";
      break;
    }
    const std::uint32_t klen = load_u32(payload.data());
    std::string key(reinterpret_cast<const char*>(payload.data() + 4), klen);
    records_[std::move(key)] = Bytes(payload.begin() + 4 + klen, payload.end());
    pos += 12 + len;
  }
  if (pos < text.size()) {
    if (warn)
      warn(path_ + ": dropped " + std::to_string(text.size() - pos) + " bytes at offset " +
           std::to_string(pos) + " (" + why + "; the tasks will run again)");
    if (::ftruncate(fd_, static_cast<off_t>(pos)) != 0) io_error(path_, "cannot truncate journal");
    ::fsync(fd_);
  }
  if (::lseek(fd_, static_cast<off_t>(pos), SEEK_SET) < 0) io_error(path_, "cannot seek journal");
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

const Bytes* Journal::find(const std::string& key) const {
  const auto it = records_.find(key);
  return it == records_.end() ? nullptr : &it->second;
}

void Journal::append(std::span<const std::pair<std::string, Bytes>> records) {
  if (records.empty()) return;
  std::string block;
  for (const auto& [key, result] : records) {
    const Bytes rec = encode_journal_record(key, result);
    block.append(reinterpret_cast<const char*>(rec.data()), rec.size());
  }
  std::size_t done = 0;
  while (done < block.size()) {
    const ssize_t n = ::write(fd_, block.data() + done, block.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      io_error(path_, "cannot append to journal");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) io_error(path_, "cannot fsync journal");
  for (const auto& [key, result] : records) records_[key] = result;
}

void Journal::compact(std::span<const std::string> keys) {
  std::string block;
  std::map<std::string, Bytes, std::less<>> kept;
  for (const auto& key : keys) {
    const auto it = records_.find(key);
    if (it == records_.end() || kept.count(key)) continue;
    const Bytes rec = encode_journal_record(key, it->second);
    block.append(reinterpret_cast<const char*>(rec.data()), rec.size());
    kept[key] = it->second;
  }
  write_file_atomic(path_, block);
  ::close(fd_);
  fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) io_error(path_, "cannot reopen journal");
  ::flock(fd_, LOCK_EX | LOCK_NB);  // the renamed file is a new inode: lock it again
  records_ = std::move(kept);
}

}  // namespace freshet::job
