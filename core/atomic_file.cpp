#include "core/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <new>
#include <vector>

#include "core/error.hpp"

namespace freshet {

namespace {

constexpr std::string_view kTmpMarker = ".freshet-tmp-";

std::string os_error(const std::string& path, const char* what, int err = errno) {
  return path + ": " + what + ": " + std::strerror(err);
}

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// "<pid>-<random>" suffix material: unique enough with O_EXCL retrying on a clash.
std::string random_tag() {
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t x =
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
      (counter.fetch_add(1) * 0x9E3779B97F4A7C15ULL);
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string tag;
  for (int i = 0; i < 6; ++i) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    tag.push_back(kAlphabet[x % 36]);
  }
  return tag;
}

// Creates "<target>.freshet-tmp-<pid>-<random>" with O_EXCL and mode 0666 (the kernel applies
// the umask). Returns the fd and sets tmp_path; -1 with errno on failure.
int create_temp(const std::string& target, std::string& tmp_path) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    tmp_path = target + std::string(kTmpMarker) + std::to_string(::getpid()) + "-" + random_tag();
    const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

// Writes all of data; 0, or the errno of the write that failed.
int write_fully(int fd, std::string_view data) noexcept {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

void write_all(int fd, std::string_view data, const std::string& name) {
  if (const int err = write_fully(fd, data))
    throw Error(Errc::kIo, os_error(name, "write failed", err));
}

// The folders already cleaned of stale temporary files by this process.
bool first_visit(const std::string& folder) {
  static std::mutex mutex;
  static std::vector<std::string> seen;
  std::lock_guard lock(mutex);
  for (const auto& f : seen)
    if (f == folder) return false;
  seen.push_back(folder);
  return true;
}

}  // namespace

std::size_t Outputs::remove_stale_temp_files(const std::string& folder_in) {
  const std::string folder = folder_in.empty() ? "." : folder_in;
  DIR* dir = ::opendir(folder.c_str());
  if (!dir) return 0;
  std::size_t removed = 0;
  const pid_t self = ::getpid();
  while (dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    const auto at = name.rfind(kTmpMarker);
    if (at == std::string_view::npos || at == 0) continue;
    // "<pid>-<6 characters>" and nothing else after the marker.
    const std::string_view rest = name.substr(at + kTmpMarker.size());
    const auto dash = rest.find('-');
    if (dash == std::string_view::npos || dash == 0 || rest.size() != dash + 7) continue;
    pid_t pid = 0;
    bool digits = true;
    for (char c : rest.substr(0, dash)) {
      if (c < '0' || c > '9' || pid > 100000000) {
        digits = false;
        break;
      }
      pid = pid * 10 + (c - '0');
    }
    if (!digits || pid <= 0 || pid == self) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    const std::string path = folder + "/" + std::string(name);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::unlink(path.c_str()) == 0) ++removed;
  }
  ::closedir(dir);
  return removed;
}

std::size_t Outputs::add(const std::string& path, const std::string& what) {
  if (committed_) throw Error(Errc::kInternal, "Outputs::add after commit");
  if (path.empty()) throw Error(Errc::kInvalidArgument, what + ": empty path");
  Output out;
  out.path = path;
  out.what = what;
  if (path == "-") {
    for (const auto& o : outputs_)
      if (o.kind == Output::kStdout)
        throw Error(Errc::kUsage, what + " and " + o.what + " both write to stdout ('-')");
    out.kind = Output::kStdout;
    outputs_.push_back(std::move(out));
    return outputs_.size() - 1;
  }
  // Follow links to the file they name (which may not exist yet): that file is replaced, the
  // link stays.
  std::string target = path;
  struct stat st {};
  bool exists = false;
  for (int hops = 0;; ++hops) {
    if (::lstat(target.c_str(), &st) != 0) {
      if (errno != ENOENT) throw Error(Errc::kIo, os_error(path, "cannot create output"));
      break;
    }
    if (!S_ISLNK(st.st_mode)) {
      exists = true;
      break;
    }
    if (hops >= 40) throw Error(Errc::kIo, os_error(path, "cannot create output", ELOOP));
    std::string link(4096, '\0');
    const ssize_t n = ::readlink(target.c_str(), link.data(), link.size());
    if (n < 0) throw Error(Errc::kIo, os_error(path, "cannot create output"));
    link.resize(static_cast<std::size_t>(n));
    target = link.starts_with('/') ? link : folder_of(target) + "/" + link;
  }
  out.target = target;
  if (exists && S_ISDIR(st.st_mode))
    throw Error(Errc::kIo, os_error(path, "cannot create output", EISDIR));
  if (exists && !S_ISREG(st.st_mode)) {
    // A device, FIFO or socket: write through, as the shell's '>' does. (A FIFO's open waits
    // for a reader.)
    out.kind = Output::kStream;
    out.fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (out.fd < 0) throw Error(Errc::kIo, os_error(path, "cannot open output"));
    out.dev = st.st_rdev ? st.st_rdev : st.st_dev;
    out.ino = st.st_ino;
    // /dev/null (character device 1:3) takes anything: nothing to hold until commit.
    out.null_device = S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
  } else {
    out.kind = Output::kReplace;
    out.existed = exists;
    if (exists) {
      out.dev = st.st_dev;
      out.ino = st.st_ino;
    }
    for (const auto& o : outputs_)
      if (o.kind == Output::kReplace &&
          (o.target == target || (exists && o.existed && o.dev == out.dev && o.ino == out.ino)))
        throw Error(Errc::kUsage,
                    what + " '" + path + "' and " + o.what + " '" + o.path + "' name one file");
    const std::string folder = folder_of(target);
    if (first_visit(folder)) remove_stale_temp_files(folder);
    out.fd = create_temp(target, out.tmp_path);
    if (out.fd < 0) {
      const int err = errno;
      throw Error(Errc::kIo, path + ": cannot create output: " + std::strerror(err) +
                                 (err == ENOENT ? " (no folder '" + folder + "')" : ""));
    }
    if (exists) {
      // Keep the replaced file's owner and mode (an owner change needs privileges; without them
      // the new file is the caller's, as any new file is). chown before chmod: it clears set-id
      // bits.
      if (::fchown(out.fd, st.st_uid, st.st_gid) != 0) {
        // not permitted: the file becomes the caller's
      }
      ::fchmod(out.fd, st.st_mode & 07777);
    }
  }
  outputs_.push_back(std::move(out));
  return outputs_.size() - 1;
}

void Outputs::refuse_input(const std::string& input, const std::string& what) const {
  if (input.empty() || input == "-") return;
  struct stat st {};
  if (::stat(input.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  for (const auto& o : outputs_)
    if (o.kind == Output::kReplace && o.existed && o.dev == st.st_dev && o.ino == st.st_ino)
      throw Error(Errc::kUsage, o.what + " '" + o.path + "' is the " + what + " '" + input +
                                    "': refusing to replace an input; write elsewhere");
}

void Outputs::Output::Free::operator()(char* p) const noexcept { std::free(p); }

namespace {

constexpr std::size_t kAlign = 4096;

bool set_direct(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  return ::fcntl(fd, F_SETFL, on ? flags | O_DIRECT : flags & ~O_DIRECT) == 0;
}

}  // namespace

// Writes the stage: whole when it is full, at the end the aligned part directly and the tail
// (under kAlign bytes) without O_DIRECT. A direct write the file system refuses (EINVAL) or cuts
// short of a block boundary is finished without O_DIRECT from where it stopped.
void Outputs::flush_stage(Output& o, bool last) {
  using Direct = Output::Direct;
  if (o.staged == 0) return;
  if (o.direct == Direct::kUntried && !last)
    o.direct = set_direct(o.fd, true) ? Direct::kOn : Direct::kOff;
  const char* p = o.stage.get();
  std::size_t left = o.staged;
  const std::size_t tail = o.direct == Direct::kOn && last ? left % kAlign : 0;
  left -= tail;
  auto end_direct = [&o] {
    set_direct(o.fd, false);
    o.direct = Direct::kOff;
  };
  while (left > 0) {
    const ssize_t n = ::write(o.fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EINVAL && o.direct == Direct::kOn) {
        end_direct();
        continue;
      }
      throw Error(Errc::kIo, os_error(o.path, "write failed"));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
    if (left > 0 && o.direct == Direct::kOn && static_cast<std::size_t>(n) % kAlign != 0)
      end_direct();
  }
  if (tail > 0) {
    end_direct();
    write_all(o.fd, std::string_view(p, tail), o.path);
  }
  o.staged = 0;
}

namespace {

// An unlinked read-write file in `folder`: O_TMPFILE, or a named file removed at once where the
// file system lacks it. -1 with errno on failure.
int open_unlinked(const std::string& folder) {
  int fd = ::open(folder.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
  std::string name = folder + "/freshet-stream-XXXXXX";
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) ::unlink(name.c_str());
  return fd;
}

}  // namespace

// Moves a stream's pending data, then `more`, to its temporary file (created at the first call;
// `more` is written from where it is, not copied). False when no such file can be created: the
// caller keeps the data in memory.
bool Outputs::spill(Output& o, std::string_view more) {
  if (o.spill_failed) return false;
  if (o.spill_fd < 0) {
    const char* env = std::getenv("TMPDIR");
    o.spill_folder = env && *env ? env : "/tmp";
    o.spill_fd = open_unlinked(o.spill_folder);
    if (o.spill_fd < 0) {
      o.spill_failed = true;
      return false;
    }
  }
  for (const std::string_view part : {std::string_view(o.pending), more})
    if (const int err = write_fully(o.spill_fd, part))
      throw Error(Errc::kIo, (o.kind == Output::kStdout ? std::string("stdout") : o.path) +
                                 ": cannot keep the output in TMPDIR '" + o.spill_folder +
                                 "' until the run ends: " + std::strerror(err) +
                                 " (set TMPDIR to another folder, or write to a file)");
  o.pending.clear();
  return true;
}

// Copies the temporary file's bytes to `to`: sendfile, or reads and writes where it does not
// apply (e.g. an output opened for appending).
void Outputs::drain_spill(Output& o, int to, const std::string& name) {
  if (o.spill_fd < 0) return;
  const off_t size = ::lseek(o.spill_fd, 0, SEEK_END);
  if (size < 0) throw Error(Errc::kIo, os_error(name, "write failed"));
  off_t at = 0;
  while (at < size) {
    const ssize_t n = ::sendfile(to, o.spill_fd, &at, static_cast<std::size_t>(size - at));
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EINVAL && errno != ENOSYS)
      throw Error(Errc::kIo, os_error(name, "write failed"));
    break;  // not for this pair of files: copy below
  }
  std::vector<char> buffer(at < size ? std::size_t{1} << 20 : 0);
  while (at < size) {
    const ssize_t n = ::pread(o.spill_fd, buffer.data(), buffer.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(Errc::kIo, os_error(name, "write failed", n < 0 ? errno : EIO));
    write_all(to, std::string_view(buffer.data(), static_cast<std::size_t>(n)), name);
    at += n;
  }
  ::close(o.spill_fd);
  o.spill_fd = -1;
}

void Outputs::write(std::size_t index, std::string_view data) {
  Output& o = outputs_.at(index);
  if (o.kind != Output::kReplace) {
    if (o.null_device) return;
    if (o.pending.size() + data.size() < kSpillBytes || !spill(o, data)) o.pending.append(data);
    return;
  }
  while (!data.empty()) {
    if (!o.stage) {
      o.stage.reset(static_cast<char*>(std::aligned_alloc(kAlign, kStageBytes)));
      if (!o.stage) throw std::bad_alloc();
    }
    const std::size_t n = std::min(data.size(), kStageBytes - o.staged);
    std::memcpy(o.stage.get() + o.staged, data.data(), n);
    o.staged += n;
    data.remove_prefix(n);
    if (o.staged == kStageBytes) flush_stage(o, false);
  }
}

void Outputs::write(std::size_t index, std::string&& data) {
  Output& o = outputs_.at(index);
  if (o.kind == Output::kReplace || o.null_device) {
    write(index, std::string_view(data));
    return;
  }
  // A whole output's text handed over at once (format_csv's): to the temporary file from where
  // it is, or kept by moving it; never copied.
  if (o.pending.size() + data.size() >= kSpillBytes && spill(o, data)) return;
  if (o.pending.empty())
    o.pending = std::move(data);
  else
    o.pending.append(data);
}

void Outputs::commit() {
  if (committed_) throw Error(Errc::kInternal, "Outputs::commit twice");
  // 1. Every temporary file complete and on disk.
  for (auto& o : outputs_) {
    if (o.kind != Output::kReplace) continue;
    flush_stage(o, true);
    o.stage.reset();
    if (::fsync(o.fd) != 0) throw Error(Errc::kIo, os_error(o.path, "write failed"));
    const int fd = o.fd;
    o.fd = -1;
    if (::close(fd) != 0) throw Error(Errc::kIo, os_error(o.path, "write failed"));
  }
  // 2. Streams (nothing can be taken back from them, so they go before any rename).
  for (auto& o : outputs_) {
    if (o.kind == Output::kStdout) {
      std::cout.flush();
      if (std::fflush(stdout) != 0) throw Error(Errc::kIo, os_error("stdout", "write failed"));
      drain_spill(o, STDOUT_FILENO, "stdout");
      write_all(STDOUT_FILENO, o.pending, "stdout");
    } else if (o.kind == Output::kStream) {
      drain_spill(o, o.fd, o.path);
      write_all(o.fd, o.pending, o.path);
      const int fd = o.fd;
      o.fd = -1;
      if (::close(fd) != 0) throw Error(Errc::kIo, os_error(o.path, "write failed"));
    }
    o.pending = {};
  }
  // 3. Renames. With more than one file, each replaced file is kept under a second name (a hard
  // link) until all renames succeeded, so a failed rename can put the earlier ones back.
  std::size_t files = 0;
  for (const auto& o : outputs_) files += o.kind == Output::kReplace;
  std::vector<std::string> backups(outputs_.size());
  if (files > 1) {
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
      const Output& o = outputs_[i];
      if (o.kind != Output::kReplace || !o.existed) continue;
      std::string b = o.tmp_path + "-old";
      if (::link(o.target.c_str(), b.c_str()) == 0) backups[i] = std::move(b);
    }
  }
  std::size_t done = 0;
  for (; done < outputs_.size(); ++done) {
    Output& o = outputs_[done];
    if (o.kind != Output::kReplace) continue;
    if (::rename(o.tmp_path.c_str(), o.target.c_str()) != 0) break;
    o.tmp_path.clear();
  }
  if (done < outputs_.size()) {
    const std::string msg = os_error(outputs_[done].path, "cannot rename output into place");
    for (std::size_t i = 0; i < done; ++i) {
      const Output& o = outputs_[i];
      if (o.kind != Output::kReplace) continue;
      if (!backups[i].empty())
        ::rename(backups[i].c_str(), o.target.c_str());
      else if (!o.existed)
        ::unlink(o.target.c_str());
      backups[i].clear();
    }
    for (const auto& b : backups)
      if (!b.empty()) ::unlink(b.c_str());
    throw Error(Errc::kIo, msg);
  }
  for (const auto& b : backups)
    if (!b.empty()) ::unlink(b.c_str());
  committed_ = true;
}

void Outputs::discard() noexcept {
  for (auto& o : outputs_) {
    if (o.fd >= 0) ::close(o.fd);
    o.fd = -1;
    if (o.spill_fd >= 0) ::close(o.spill_fd);
    o.spill_fd = -1;
    if (!o.tmp_path.empty()) ::unlink(o.tmp_path.c_str());
    o.tmp_path.clear();
  }
}

Outputs::~Outputs() { discard(); }

void write_file_atomic(const std::string& path, std::string_view data) {
  Outputs out;
  const std::size_t i = out.add(path);
  out.write(i, data);
  out.commit();
}

std::size_t max_stream_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  std::size_t half = pages > 0 && page > 0
                         ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) / 2
                         : std::size_t{1} << 30;
  return std::max<std::size_t>(half, std::size_t{1} << 30);
}

std::string read_file(const std::string& path, bool text, std::size_t max_bytes) {
  const bool stdin_input = path == "-";
  const std::string name = stdin_input ? "stdin" : path;
  const int fd = stdin_input ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(Errc::kIo, os_error(path, "cannot open"));
  struct Closer {
    int fd;
    bool own;
    ~Closer() {
      if (own) ::close(fd);
    }
  } closer{fd, !stdin_input};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(Errc::kIo, os_error(name, "cannot read"));
  if (S_ISDIR(st.st_mode)) throw Error(Errc::kIo, os_error(name, "cannot read", EISDIR));
  const bool regular = S_ISREG(st.st_mode);
  if (max_bytes == 0) max_bytes = max_stream_bytes();
  std::string data;
  if (regular) data.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  for (;;) {
    if (got == data.size()) {
      if (!regular && got >= max_bytes)
        throw Error(Errc::kParse, name + ": more than " + std::to_string(max_bytes >> 20) +
                                      " MiB from a pipe or device; save it to a regular file");
      data.resize(data.size() + 65536);  // files that grow, pipes and devices
    }
    const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(Errc::kIo, os_error(name, "cannot read"));
    }
    if (n == 0) break;
    if (text) {
      const void* nul = std::memchr(data.data() + got, '\0', static_cast<std::size_t>(n));
      if (nul)
        throw Error(Errc::kParse,
                    name + ": byte " +
                        std::to_string(static_cast<const char*>(nul) - data.data() + 1) +
                        ": expected text, found a NUL byte (binary data?)");
    }
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
  return data;
}

}  // namespace freshet
