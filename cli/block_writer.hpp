#pragma once
// One CSV output that arrives as blocks of rows (extract --roll, frame: fresh/roll.hpp's
// RolledBlockSink), written in order: the header once, then every block's rows. The bytes are
// format_csv's of the blocks' concatenation, whichever mode writes them.
//
// In the background mode a thread of its own formats and writes each block while the caller
// extracts the next one, so the formatting and the write() into the page cache (a third of a
// rolled extraction's CPU time: bench/rolling.md) overlap the extraction instead of stalling the
// executor's workers between blocks. At most `max_queued` blocks wait for the thread; push()
// waits while that many do, so memory holds a bounded number of blocks. The synchronous mode
// formats and writes in push(), for a serial run that must stay on one core.
//
// Errors: a failed write (or any exception of the writer thread) is rethrown by the next push()
// or by finish(), as it was thrown; the blocks after it are dropped. Blocks whose column names
// differ from the first block's are Error(kInternal). The destructor stops the thread without
// writing what is queued (the Outputs' own destructor then removes the temporary file).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/table.hpp"
#include "mproc/executor.hpp"

namespace freshet::cli {

struct BlockWriterOptions {
  char delimiter = ',';
  bool background = true;
  std::size_t max_queued = 1;
};

// Background unless the run keeps to one core: the serial backend, or one thread. With worker
// processes or MPI ranks the extraction runs elsewhere and this process mostly waits for it.
BlockWriterOptions block_writer_options(const mproc::Executor& executor);

class BlockWriter {
 public:
  // Writes into outputs' output `index`; `what` prefixes the column-mismatch error.
  BlockWriter(Outputs& outputs, std::size_t index, std::string what,
              BlockWriterOptions options = {});
  ~BlockWriter();
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // The next block of rows (the first one sets the columns).
  void push(Table&& block);
  // Waits until every pushed block is written; rethrows the writer's error. Call once, before
  // the Outputs' commit().
  void finish();

 private:
  void check_columns(const Table& block);
  void write_block(const Table& block);  // formats and writes (the writer's side)
  void run();
  void rethrow_locked();

  Outputs& outputs_;
  std::size_t index_;
  std::string what_;
  BlockWriterOptions options_;
  std::vector<std::string> names_;  // the first block's column names
  bool first_ = true;
  bool header_written_ = false;  // the writer's side
  std::string text_;             // the writer's side: one block's text, reused

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Table> queue_;
  bool busy_ = false;  // the thread is writing a block it took
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace freshet::cli
