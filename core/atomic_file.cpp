#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace freshet {

namespace {
std::string os_error(const std::string& path, const char* what) {
  return path + ": " + what + ": " + std::strerror(errno);
}
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  tmp_path_ = path_ + ".tmp." + std::to_string(::getpid()) + ".XXXXXX";
  const int fd = ::mkstemp(tmp_path_.data());
  if (fd < 0) throw Error(Errc::kIo, os_error(path_, "cannot create output"));
  ::fchmod(fd, 0644);
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    ::close(fd);
    ::unlink(tmp_path_.c_str());
    throw Error(Errc::kIo, os_error(path_, "cannot create output"));
  }
}

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    ::unlink(tmp_path_.c_str());
  }
}

void AtomicFile::write(std::string_view data) {
  if (data.empty()) return;
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size())
    throw Error(Errc::kIo, os_error(path_, "write failed"));
}

void AtomicFile::commit() {
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0)
    throw Error(Errc::kIo, os_error(path_, "write failed"));
  std::FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) {
    ::unlink(tmp_path_.c_str());
    throw Error(Errc::kIo, os_error(path_, "write failed"));
  }
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    const std::string msg = os_error(path_, "cannot rename output into place");
    ::unlink(tmp_path_.c_str());
    throw Error(Errc::kIo, msg);
  }
}

void write_file_atomic(const std::string& path, std::string_view data) {
  AtomicFile f(path);
  f.write(data);
  f.commit();
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(Errc::kIo, os_error(path, "cannot open"));
  struct stat st{};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    ::close(fd);
    errno = S_ISDIR(st.st_mode) ? EISDIR : errno;
    throw Error(Errc::kIo, os_error(path, "cannot read"));
  }
  std::string data;
  data.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  for (;;) {
    if (got == data.size()) data.resize(data.size() + 65536);  // files that grow or lie (pipes)
    const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      throw Error(Errc::kIo, os_error(path, "cannot read"));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  data.resize(got);
  return data;
}

}  // namespace freshet
