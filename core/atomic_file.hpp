#pragma once
// Writes a file so that readers see either the old file or the complete new one, never a torn
// one: the data goes to a temporary file beside the target, which commit() flushes and renames
// over the target. If commit() is never called (an exception, a crash), the temporary file is
// removed by the destructor and the target is untouched.

#include <cstdio>
#include <string>
#include <string_view>

namespace freshet {

class AtomicFile {
 public:
  // Creates "<path>.tmp.<pid>.XXXXXX" beside path. Throws Error(kIo) naming path on failure.
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(std::string_view data);
  // Flushes, fsyncs and renames onto the target. Throws Error(kIo) naming the path on failure.
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
};

// Writes data to path atomically (AtomicFile + commit).
void write_file_atomic(const std::string& path, std::string_view data);
// Reads the whole file. Throws Error(kIo) "PATH: cannot open: <reason>".
std::string read_file(const std::string& path);

}  // namespace freshet
