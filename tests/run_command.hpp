#pragma once
// Runs a shell command line for CLI tests and captures its exit status, stdout and stderr.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace freshet::testing {

struct CommandResult {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh temporary directory, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "freshet_test_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }

 private:
  std::filesystem::path path_;
};

// Runs `command` with sh -c; stdout and stderr go to files in a temporary directory.
inline CommandResult run_command(const std::string& command) {
  TempDir dir;
  const std::string out = dir.file("stdout"), err = dir.file("stderr");
  const std::string full = "(" + command + ") >'" + out + "' 2>'" + err + "' </dev/null";
  const int raw = std::system(full.c_str());
  CommandResult r;
  if (raw != -1 && WIFEXITED(raw))
    r.status = WEXITSTATUS(raw);
  else if (raw != -1 && WIFSIGNALED(raw))
    r.status = 128 + WTERMSIG(raw);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// A command run without a shell, its standard output read through a pipe, its peak memory from
// wait4 (ru_maxrss). `tmpdir` (optional) becomes its TMPDIR.
struct MeasuredRun {
  int status = -1;  // exit status, or 128 + signal
  std::string out;
  std::size_t peak_rss_bytes = 0;
};

inline MeasuredRun run_measured(std::vector<std::string> args, const std::string& tmpdir = "") {
  MeasuredRun r;
  int ends[2];
  if (::pipe(ends) != 0) return r;
  const pid_t pid = ::fork();
  if (pid < 0) return r;
  if (pid == 0) {
    ::dup2(ends[1], STDOUT_FILENO);
    ::close(ends[0]);
    ::close(ends[1]);
    if (!tmpdir.empty()) ::setenv("TMPDIR", tmpdir.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(ends[1]);
  std::vector<char> buf(std::size_t{1} << 20);
  for (;;) {
    const ssize_t n = ::read(ends[0], buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.out.append(buf.data(), static_cast<std::size_t>(n));
  }
  ::close(ends[0]);
  int status = 0;
  rusage usage{};
  if (::wait4(pid, &status, 0, &usage) != pid) return r;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.peak_rss_bytes = static_cast<std::size_t>(usage.ru_maxrss) * 1024;
  return r;
}

inline std::string freshet_exe() { return FRESHET_EXE; }
inline std::string shared_dir() { return std::string(FRESHET_SOURCE_DIR) + "/../shared"; }

}  // namespace freshet::testing
