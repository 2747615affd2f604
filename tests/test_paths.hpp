#pragma once
// Where a test finds the source tree, the build tree and the freshet binary, decided when the
// test runs, not when it is compiled: the test targets define FRESHET_SOURCE_DIR,
// FRESHET_BINARY_DIR (and integration tests FRESHET_EXE) as calls of these functions and include
// this header first (CMakeLists.txt). A path compiled into every test object made each checkout
// compile them afresh (ccache keys on the command line); now a fresh clone (CI's) reuses them.
//
// Each is, in order: the environment variable of the same name, if set; else found from the
// running test binary: the nearest folder above it that holds CMakeCache.txt is the build tree,
// its CMAKE_HOME_DIRECTORY the source tree, and BUILD/freshet the binary. Throws
// std::runtime_error naming what it looked for when neither works.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace freshet::testing {

namespace detail {

struct TreePaths {
  std::string source, binary;
};

inline TreePaths find_tree_paths() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("test paths: cannot read /proc/self/exe: " + ec.message());
  for (fs::path dir = exe.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    std::ifstream cache(dir / "CMakeCache.txt");
    if (cache) {
      const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
      for (std::string line; std::getline(cache, line);)
        if (line.rfind(key, 0) == 0) return {line.substr(key.size()), dir.string()};
      throw std::runtime_error("test paths: no CMAKE_HOME_DIRECTORY in " +
                               (dir / "CMakeCache.txt").string());
    }
    if (dir == dir.root_path()) break;
  }
  throw std::runtime_error("test paths: no CMakeCache.txt above " + exe.string() +
                           " (set FRESHET_SOURCE_DIR and FRESHET_BINARY_DIR)");
}

inline const TreePaths& tree_paths() {
  static const TreePaths paths = find_tree_paths();
  return paths;
}

inline std::string from_env_or(const char* name, std::string (*fallback)()) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback();
}

}  // namespace detail

inline std::string source_dir() {
  return detail::from_env_or("FRESHET_SOURCE_DIR", [] { return detail::tree_paths().source; });
}

inline std::string binary_dir() {
  return detail::from_env_or("FRESHET_BINARY_DIR", [] { return detail::tree_paths().binary; });
}

inline std::string freshet_binary() {
  return detail::from_env_or("FRESHET_EXE", [] { return binary_dir() + "/freshet"; });
}

}  // namespace freshet::testing
