#pragma once
// A command's outputs, written so that readers see either the old files or all the complete new
// ones, and reading inputs with a bound.
//
// Outputs::add(path) opens an output at once (before the computation, so a missing or read-only
// folder is reported before any work is done), by what the path names:
//   "-"                         standard output, written through at commit();
//   a character or block device, a FIFO (e.g. /dev/null, /dev/full, a named pipe)
//                               written through at commit(), never replaced;
//   a symbolic link             followed to the file it names (also when that file does not exist
//                               yet), which is then treated as below: the link stays a link;
//   a regular file, or nothing  written to a temporary file beside it, created with the process's
//                               umask (0666 & ~umask) or, when it replaces a file, with that
//                               file's mode (and owner, where the process may set it), and
//                               renamed over it by commit();
//   a directory                 Error(kIo).
// commit() publishes all outputs or none: every temporary file is written and synced first, then
// the streams are written, then the temporary files are renamed into place (a rename that fails
// puts the files already renamed back). Without commit() (an exception), the destructor removes
// the temporary files and the targets are untouched.
//
// Temporary files are named "<name>.freshet-tmp-<pid>-<random>". A run killed while writing leaves
// one behind; the next Outputs::add into the same folder removes those of processes that no longer
// exist (as mproc removes stale shared segments).

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace freshet {

class Outputs {
 public:
  Outputs() = default;
  Outputs(const Outputs&) = delete;
  Outputs& operator=(const Outputs&) = delete;
  ~Outputs();

  // Opens the output `path` as described above and returns its index. `what` names it in messages
  // (e.g. "--out"). Throws Error(kIo) "PATH: cannot create output: <reason>" when it cannot be
  // opened, Error(kUsage) when it is the same file as an output added before.
  std::size_t add(const std::string& path, const std::string& what = "output");
  // The buffer of a temporary file (a multiple of 4096 bytes, the largest logical block size
  // O_DIRECT asks alignment to).
  static constexpr std::size_t kStageBytes = std::size_t{4} << 20;
  // Throws Error(kUsage) when an output replaces the file `input` names (the same file
  // through any path or link); "-" and paths that do not exist are no input to protect.
  void refuse_input(const std::string& input, const std::string& what = "input") const;

  // Appends data to output `index`. A temporary file gets it in full buffers of kStageBytes
  // (the rest at commit()), written with O_DIRECT where the file system takes it: large outputs
  // then go from the buffer to the disk while the computation goes on, without the kernel's copy
  // into the page cache (about a tenth of a rolled extraction's CPU) or a long fsync at commit;
  // elsewhere (EINVAL: tmpfs, some FUSE and network file systems) they are written as usual.
  // A stream (standard output, a device, a FIFO) keeps it until commit(): up to kSpillBytes in
  // memory, more in an unlinked temporary file in $TMPDIR (/tmp when unset), so a large output
  // to a pipe holds a bounded amount of memory (a rolled extraction's CSV is hundreds of MB);
  // where no such file can be created it stays in memory. Throws Error(kIo) naming the path on a
  // failed write (for a stream's temporary file: naming the folder, with what to do instead).
  // Data for /dev/null is dropped at once.
  static constexpr std::size_t kSpillBytes = std::size_t{16} << 20;
  void write(std::size_t index, std::string_view data);
  void write(std::size_t index, std::string&& data);

  // Publishes every output (see above). Throws Error(kIo) naming the path on failure; then no
  // file target was replaced. Call once.
  void commit();

  std::size_t size() const { return outputs_.size(); }
  const std::string& path(std::size_t index) const { return outputs_[index].path; }

  // Removes the temporary files of dead processes in `folder` ("" = "."); returns how many.
  static std::size_t remove_stale_temp_files(const std::string& folder);

 private:
  struct Output {
    std::string path;    // as given
    std::string what;    // the flag, for messages
    std::string target;  // after following links ("" for stdout)
    enum Kind { kStdout, kStream, kReplace } kind = kReplace;
    int fd = -1;
    std::string tmp_path;  // kReplace
    bool existed = false;  // kReplace: target was a file
    dev_t dev = 0;         // the target file (kReplace and existed, or kStream)
    ino_t ino = 0;
    std::string pending;  // kStdout / kStream: data written at commit(), after spill_fd's
    int spill_fd = -1;    // kStdout / kStream: an unlinked temporary file holding the first part
    std::string spill_folder;   // where spill_fd lives (for messages)
    bool spill_failed = false;  // no temporary file could be created: all of it in memory
    bool null_device = false;   // kStream onto /dev/null: nothing to keep
    // kReplace: bytes not yet written, in a page-aligned buffer of kStageBytes (see write()).
    struct Free {
      void operator()(char* p) const noexcept;
    };
    std::unique_ptr<char, Free> stage;
    std::size_t staged = 0;
    enum class Direct { kUntried, kOn, kOff } direct = Direct::kUntried;
  };
  void flush_stage(Output& o, bool last);
  bool spill(Output& o, std::string_view more);
  void drain_spill(Output& o, int to, const std::string& name);
  void discard() noexcept;
  std::vector<Output> outputs_;
  bool committed_ = false;
};

// Writes data to path as one output (Outputs::add + write + commit).
void write_file_atomic(const std::string& path, std::string_view data);

// The most bytes read_file takes from a pipe, device or standard input: half of the machine's
// physical memory (at least 1 GiB). Regular files are bounded by their size.
std::size_t max_stream_bytes();

// Reads the whole file; "-" reads standard input. Throws Error(kIo) "PATH: cannot open: <reason>",
// and Error(kParse) when a pipe or device gives more than `max_bytes` (0 = max_stream_bytes()) or
// when `text` is set and the data holds a NUL byte (binary data such as /dev/zero is then refused
// at its first block instead of read without end).
std::string read_file(const std::string& path, bool text = false, std::size_t max_bytes = 0);

}  // namespace freshet
