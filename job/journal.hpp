#pragma once
// The job journal: an append-only file of finished tasks, so that a run killed at any moment
// (SIGKILL, Ctrl-C, power loss) resumes where it stopped.
//
// Record layout (little-endian): "FJR1" magic, u32 payload length, u32 CRC-32 of the payload,
// payload = u32 key length, key bytes, result bytes. append() writes whole records with one
// write() each and fsyncs before returning, so a record is either complete and checksummed or a
// torn tail. open() reads records in order and stops at the first one that is short, has a bad
// magic or a bad checksum: that tail (and anything after it) is dropped -- truncated away, with a
// warning naming the byte offset -- and the file continues from the last good record.
//
// Later records for the same key replace earlier ones. compact() rewrites the journal atomically
// with only the listed keys (stale keys of edited pipelines go away).
// Not thread-safe: one Journal per file, used from the thread that drives the run. The file is
// locked (flock) while open: a second Journal on it, in any process, throws Error(kIo).

#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.hpp"

namespace freshet::job {

class Journal {
 public:
  // Opens (creating if absent) and reads the journal. `warn` receives one line for a dropped
  // tail. Throws Error(kIo) naming the path when it cannot be opened or written, or when another
  // process holds the journal's lock (a run on the same output folder) for 3 seconds: a run that
  // was just killed lets go within that time, once its worker processes have ended.
  Journal(std::string path, const std::function<void(const std::string&)>& warn);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const Bytes* find(const std::string& key) const;
  std::size_t size() const { return records_.size(); }
  // Appends the records and fsyncs. Throws Error(kIo) on failure.
  void append(std::span<const std::pair<std::string, Bytes>> records);
  // Keeps only `keys` (in that order), rewriting the file atomically.
  void compact(std::span<const std::string> keys);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::map<std::string, Bytes, std::less<>> records_;
};

// One encoded record (exposed for tests that plant torn or corrupt tails).
Bytes encode_journal_record(const std::string& key, std::span<const std::byte> result);

}  // namespace freshet::job
