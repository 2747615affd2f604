// Outputs' staged writes: every byte comes back in order whatever the piece sizes, on the file
// systems at hand; O_DIRECT is used where the file system takes it; a direct write cut short
// off a block boundary is finished without it (and the error is still the write's own).
#include "core/atomic_file.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
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

}  // namespace

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
  // the process's: set for this test only, SIGXFSZ ignored meanwhile.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGXFSZ, &ignore, &old) == 0);
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
  for (const auto& dir : folders()) {
    CAPTURE(dir.string());
    const std::string target = (dir / "limited.csv").string();
    const std::string data = pattern(3 * kStage, 5);
    std::string error;
    {
      const rlimit limit{kStage + 1000, saved.rlim_max};
      REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
      try {
        Outputs out;
        const std::size_t i = out.add(target);
        out.write(i, data);
        out.commit();
      } catch (const Error& e) {
        error = e.what();
      }
      REQUIRE(::setrlimit(RLIMIT_FSIZE, &saved) == 0);
    }
    CHECK(error == target + ": write failed: File too large");
    std::size_t files = 0;
    for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
    CHECK(files == 0);  // the temporary file is gone, nothing published
    fs::remove_all(dir);
  }
  ::sigaction(SIGXFSZ, &old, nullptr);
}
