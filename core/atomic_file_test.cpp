// Outputs' staged writes: every byte comes back in order whatever the piece sizes, on the file
// systems at hand; O_DIRECT is used where the file system takes it; a direct write cut short
// off a block boundary is finished without it (and the error is still the write's own). A large
// stream output (a FIFO, standard output) waits in an unlinked file in $TMPDIR, not in memory.
#include "core/atomic_file.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"

using namespace freshet;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kStage = Outputs::kStageBytes;

std::string pattern(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Folders on the file systems at hand: the temporary folder, the working folder (the build
// tree) and /dev/shm (tmpfs, where older kernels refuse O_DIRECT).
std::vector<fs::path> folders() {
  std::vector<fs::path> out;
  const std::string tag = "freshet_outputs_" + std::to_string(::getpid());
  for (const fs::path& base :
       {fs::temp_directory_path(), fs::current_path(), fs::path("/dev/shm")}) {
    std::error_code ec;
    if (!fs::is_directory(base, ec)) continue;
    const fs::path dir = base / tag;
    fs::create_directories(dir, ec);
    if (!ec) out.push_back(dir);
  }
  return out;
}

// Whether a file in `dir` takes an aligned O_DIRECT write.
bool takes_direct(const fs::path& dir) {
  const std::string probe = (dir / "probe").string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
  bool ok = false;
  if (fd >= 0) {
    void* buf = std::aligned_alloc(4096, 4096);
    ok = ::write(fd, buf, 4096) == 4096;
    std::free(buf);
    ::close(fd);
  }
  ::unlink(probe.c_str());
  return ok;
}

// The open file flags (/proc/self/fdinfo) of this process's descriptor on a temporary file of
// `target`; -1 when there is none.
long temp_file_flags(const std::string& target) {
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string to = fs::read_symlink(e.path(), ec).string();
    if (ec || to.rfind(target + ".freshet-tmp-", 0) != 0) continue;
    std::ifstream info("/proc/self/fdinfo/" + e.path().filename().string());
    std::string key;
    while (info >> key)
      if (key == "flags:") {
        std::string octal;
        info >> octal;
        return std::stol(octal, nullptr, 8);
      }
  }
  return -1;
}

// Reads a descriptor to its end on a thread of its own; received() counts the bytes so far.
class Drain {
 public:
  explicit Drain(std::string fifo) : fifo_(fifo) {
    thread_ = std::thread([this, fifo = std::move(fifo)] {
      const int fd = ::open(fifo.c_str(), O_RDONLY | O_CLOEXEC);  // waits for the writer
      if (fd < 0) return;
      run(fd);
    });
  }
  explicit Drain(int fd) {
    thread_ = std::thread([this, fd] { run(fd); });
  }
  // A test that stopped early: a reader still waiting for a writer is let go (an open for
  // writing, closed at once), so the thread ends.
  ~Drain() {
    if (!thread_.joinable()) return;
    if (!fifo_.empty()) {
      const int fd = ::open(fifo_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) ::close(fd);
    }
    thread_.join();
  }
  Drain(const Drain&) = delete;
  Drain& operator=(const Drain&) = delete;
  std::string join() {
    thread_.join();
    return data_;
  }
  std::size_t received() const { return count_.load(); }

 private:
  void run(int fd) {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      data_.append(buf, static_cast<std::size_t>(n));
      count_ += static_cast<std::size_t>(n);
    }
    ::close(fd);
  }
  std::string fifo_;  // "" for a descriptor
  std::thread thread_;
  std::string data_;
  std::atomic<std::size_t> count_{0};
};

// This process's descriptors on deleted files in `folder`, with their sizes.
std::vector<long long> unlinked_files_in(const fs::path& folder) {
  std::vector<long long> sizes;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string to = fs::read_symlink(e.path(), ec).string();
    if (ec || to.rfind(folder.string() + "/", 0) != 0 || !to.ends_with(" (deleted)")) continue;
    struct stat st {};
    if (::stat(e.path().c_str(), &st) == 0) sizes.push_back(st.st_size);
  }
  return sizes;
}

// Sets TMPDIR for the scope.
class TmpDir {
 public:
  explicit TmpDir(const std::string& value) {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", value.c_str(), 1);
  }
  ~TmpDir() {
    if (old_.empty())
      ::unsetenv("TMPDIR");
    else
      ::setenv("TMPDIR", old_.c_str(), 1);
  }

 private:
  std::string old_;
};

fs::path fresh_folder(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A fresh folder holding a FIFO, with TMPDIR set to the folder (or `tmp` under it) for the
// scope; removed at the end.
struct FifoFolder {
  explicit FifoFolder(const std::string& name, const std::string& tmp = "")
      : dir(fresh_folder(name)),
        tmpdir(tmp.empty() ? dir.string() : (dir / tmp).string()),
        fifo((dir / "fifo").string()) {
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  }
  ~FifoFolder() { fs::remove_all(dir); }
  fs::path dir;
  TmpDir tmpdir;
  std::string fifo;
};

// The message of the Error fn() throws while the process's file size limit is `bytes` (SIGXFSZ
// ignored meanwhile; both restored after); "" when it throws none.
std::string error_under_size_limit(rlim_t bytes, const std::function<void()>& fn) {
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGXFSZ, &ignore, &old) == 0);
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
  const rlimit limit{bytes, saved.rlim_max};
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  std::string error;
  try {
    fn();
  } catch (const Error& e) {
    error = e.what();
  }
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &saved) == 0);
  ::sigaction(SIGXFSZ, &old, nullptr);
  return error;
}

// Writes data to output i in pieces of 1 byte to 3 MB.
void write_pieces(Outputs& out, std::size_t i, const std::string& data, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 3000000, data.size() - at);
    out.write(i, std::string_view(data).substr(at, n));
    at += n;
  }
}

}  // namespace

TEST_CASE(
    "Outputs: a large stream output waits in an unlinked file in TMPDIR and comes out whole") {
  const FifoFolder folder("freshet_spill", "tmp");
  const fs::path& dir = folder.dir;
  const fs::path spill = dir / "tmp";
  fs::create_directories(spill);
  const std::string& fifo = folder.fifo;
  const std::string data = pattern(5 * Outputs::kSpillBytes / 2 + 777, 11);
  Drain reader(fifo);
  {
    Outputs out;
    const std::size_t i = out.add(fifo, "--out");
    write_pieces(out, i, data, 1);
    // Nothing reached the stream before commit; all but the last part is in the file, not in
    // memory.
    CHECK(reader.received() == 0);
    const auto files = unlinked_files_in(spill);
    REQUIRE(files.size() == 1);
    CHECK(files[0] >= static_cast<long long>(2 * Outputs::kSpillBytes));
    CHECK(files[0] <= static_cast<long long>(data.size()));
    out.commit();
    CHECK(unlinked_files_in(spill).empty());
  }
  CHECK(reader.join() == data);

  // Standard output, onto a pipe (sendfile) and onto a file opened for appending (where
  // sendfile may refuse and the bytes are copied).
  for (const bool pipe_out : {true, false}) {
    CAPTURE(pipe_out);
    std::cout.flush();
    const int saved = ::dup(STDOUT_FILENO);
    REQUIRE(saved >= 0);
    const std::string file = (dir / "stdout.txt").string();
    int ends[2] = {-1, -1};
    if (pipe_out) {
      REQUIRE(::pipe(ends) == 0);
    } else {
      ends[1] = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
      REQUIRE(ends[1] >= 0);
      REQUIRE(::write(ends[1], "head\n", 5) == 5);
    }
    REQUIRE(::dup2(ends[1], STDOUT_FILENO) == STDOUT_FILENO);
    ::close(ends[1]);
    std::unique_ptr<Drain> drain;
    if (pipe_out) drain = std::make_unique<Drain>(ends[0]);
    std::string error;
    std::size_t before_commit = 0;
    try {
      Outputs out;
      const std::size_t i = out.add("-");
      write_pieces(out, i, data, 2);
      before_commit = pipe_out ? drain->received() : fs::file_size(file) - 5;
      out.commit();
    } catch (const std::exception& e) {
      error = e.what();
    }
    ::dup2(saved, STDOUT_FILENO);  // the pipe's last writer closes: the reader sees its end
    ::close(saved);
    CHECK(error.empty());
    CHECK(before_commit == 0);
    if (pipe_out)
      CHECK(drain->join() == data);
    else
      CHECK(read_file(file) == "head\n" + data);
  }
}

TEST_CASE("Outputs: a stream's whole text handed over at once goes to TMPDIR as it is") {
  // write(std::string&&) of a large text (format_csv's whole output): into the temporary file
  // in full, straight from the caller's string; a small one is kept, and both come out in order.
  const FifoFolder folder("freshet_spill_moved");
  const std::string& fifo = folder.fifo;
  const std::string small = pattern(1000, 15), large = pattern(3 * Outputs::kSpillBytes, 16);
  Drain reader(fifo);
  {
    Outputs out;
    const std::size_t i = out.add(fifo);
    out.write(i, std::string(small));
    CHECK(unlinked_files_in(folder.dir).empty());
    out.write(i, std::string(large));
    const auto files = unlinked_files_in(folder.dir);
    REQUIRE(files.size() == 1);
    CHECK(files[0] == static_cast<long long>(small.size() + large.size()));
    out.write(i, std::string(small));
    out.commit();
  }
  CHECK(reader.join() == small + large + small);
}

TEST_CASE("Outputs: data for /dev/null is neither kept in memory nor in TMPDIR") {
  const fs::path dir = fresh_folder("freshet_spill_null");
  const TmpDir tmpdir(dir.string());
  Outputs out;
  const std::size_t i = out.add("/dev/null");
  write_pieces(out, i, pattern(3 * Outputs::kSpillBytes, 14), 5);
  CHECK(unlinked_files_in(dir).empty());
  out.commit();
  fs::remove_all(dir);
}

TEST_CASE("Outputs: a stream output without a usable TMPDIR stays in memory, still whole") {
  const FifoFolder folder("freshet_spill_none", "missing");
  const std::string& fifo = folder.fifo;
  const std::string data = pattern(Outputs::kSpillBytes + 4321, 12);
  Drain reader(fifo);
  {
    Outputs out;
    const std::size_t i = out.add(fifo);
    write_pieces(out, i, data, 3);
    CHECK(reader.received() == 0);
    out.commit();
  }
  CHECK(reader.join() == data);
}

TEST_CASE("Outputs: a stream's temporary file that cannot take the data is a clear error") {
  // A file size limit under one spill: the write into TMPDIR fails with EFBIG (SIGXFSZ
  // ignored meanwhile); the message names the output, the folder and what to do; nothing reached
  // the stream.
  const FifoFolder folder("freshet_spill_full");
  const std::string& fifo = folder.fifo;
  Drain reader(fifo);
  const std::string error = error_under_size_limit(Outputs::kSpillBytes / 2, [&] {
    Outputs out;
    const std::size_t i = out.add(fifo);
    write_pieces(out, i, pattern(2 * Outputs::kSpillBytes, 13), 4);
    out.commit();
  });
  CHECK(error == fifo + ": cannot keep the output in TMPDIR '" + folder.dir.string() +
                     "' until the run ends: File too large (set TMPDIR to another folder, or "
                     "write to a file)");
  CHECK(reader.join().empty());
}

TEST_CASE(
    "Outputs: staged writes come back byte for byte, for any piece sizes, on each file system") {
  const std::vector<std::size_t> sizes = {
      0, 1, 4095, 4096, kStage - 1, kStage, kStage + 1, 2 * kStage + 4097, 3 * kStage + 12345};
  for (const auto& dir : folders()) {
    CAPTURE(dir.string());
    for (std::size_t size : sizes) {
      CAPTURE(size);
      const std::string data = pattern(size, size + 7);
      const std::string target = (dir / "out.bin").string();
      Outputs out;
      const std::size_t i = out.add(target);
      // Pieces of 1 byte to 300 kB, and one piece of everything left over half-way.
      std::mt19937_64 rng(size);
      std::size_t at = 0;
      while (at < data.size()) {
        std::size_t n = 1 + rng() % 300000;
        if (at > data.size() / 2 && rng() % 4 == 0) n = data.size() - at;
        n = std::min(n, data.size() - at);
        out.write(i, std::string_view(data).substr(at, n));
        at += n;
      }
      out.commit();
      CHECK(read_file(target) == data);
    }
    fs::remove_all(dir);
  }
}

TEST_CASE(
    "Outputs: a file past one buffer is written with O_DIRECT where the file system takes it") {
  for (const auto& dir : folders()) {
    CAPTURE(dir.string());
    const bool direct = takes_direct(dir);
    const std::string target = (dir / "big.csv").string();
    const std::string data = pattern(kStage + 5000, 3);
    Outputs out;
    const std::size_t i = out.add(target);
    out.write(i, std::string_view(data).substr(0, kStage - 1));
    const long before = temp_file_flags(target);
    REQUIRE(before >= 0);
    CHECK((before & O_DIRECT) == 0);  // nothing written yet: a small output never goes direct
    out.write(i, std::string_view(data).substr(kStage - 1));
    const long after = temp_file_flags(target);
    CHECK(((after & O_DIRECT) != 0) == direct);
    out.commit();
    CHECK(read_file(target) == data);
    fs::remove_all(dir);
  }
}

TEST_CASE("Outputs: a direct write cut short off a block boundary ends with the write's error") {
  // A file size limit 1000 bytes past the first buffer: the second buffer's write may only
  // write 1000 bytes, off a block boundary (O_DIRECT may refuse it with EINVAL; the writer then
  // goes on without it); the next write fails with EFBIG, and that is the error. The limit is
  // the process's: set for this call only.
  for (const auto& dir : folders()) {
    CAPTURE(dir.string());
    const std::string target = (dir / "limited.csv").string();
    const std::string data = pattern(3 * kStage, 5);
    const std::string error = error_under_size_limit(kStage + 1000, [&] {
      Outputs out;
      const std::size_t i = out.add(target);
      out.write(i, data);
      out.commit();
    });
    CHECK(error == target + ": write failed: File too large");
    std::size_t files = 0;
    for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
    CHECK(files == 0);  // the temporary file is gone, nothing published
    fs::remove_all(dir);
  }
}
