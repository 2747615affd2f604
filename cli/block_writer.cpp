#include "cli/block_writer.hpp"

#include <utility>

#include "core/error.hpp"

namespace freshet::cli {

BlockWriterOptions block_writer_options(const mproc::Executor& executor) {
  BlockWriterOptions options;
  options.background =
      !(executor.backend() == mproc::Backend::kSerial ||
        (executor.backend() == mproc::Backend::kThreads && executor.workers() <= 1));
  return options;
}

BlockWriter::BlockWriter(Outputs& outputs, std::size_t index, std::string what,
                         BlockWriterOptions options)
    : outputs_(outputs), index_(index), what_(std::move(what)), options_(std::move(options)) {
  if (options_.max_queued == 0) options_.max_queued = 1;
  if (options_.background) thread_ = std::thread([this] { run(); });
}

BlockWriter::~BlockWriter() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  thread_.join();
}

void BlockWriter::check_columns(const Table& block) {
  if (first_) {
    first_ = false;
    names_.reserve(block.num_columns());
    for (std::size_t c = 0; c < block.num_columns(); ++c) names_.push_back(block.column(c).name());
    return;
  }
  bool same = block.num_columns() == names_.size();
  for (std::size_t c = 0; same && c < names_.size(); ++c)
    same = block.column(c).name() == names_[c];
  if (!same) throw Error(Errc::kInternal, what_ + ": a block's columns differ");
}

void BlockWriter::write_block(const Table& block) {
  text_.clear();
  if (!header_written_) {
    text_ = csv_header(block, options_.delimiter);
    header_written_ = true;
  }
  append_csv_rows(text_, block, 0, block.num_rows(), options_.delimiter);
  outputs_.write(index_, std::string_view(text_));
}

void BlockWriter::rethrow_locked() {
  if (error_) std::rethrow_exception(error_);
}

void BlockWriter::push(Table&& block) {
  check_columns(block);
  if (!options_.background) {
    write_block(block);
    return;
  }
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return error_ || queue_.size() < options_.max_queued; });
  rethrow_locked();
  queue_.push_back(std::move(block));
  lock.unlock();
  changed_.notify_all();
}

void BlockWriter::finish() {
  if (!options_.background) return;
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return error_ || (queue_.empty() && !busy_); });
  rethrow_locked();
}

void BlockWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Table block = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    changed_.notify_all();  // a slot is free for push()
    std::exception_ptr error;
    try {
      write_block(block);
    } catch (...) {
      error = std::current_exception();
    }
    block = Table();  // freed before the next block is taken
    lock.lock();
    busy_ = false;
    if (error) {
      error_ = error;
      queue_.clear();
    }
    changed_.notify_all();
    if (error_) return;  // nothing more is written; push() and finish() rethrow the error
  }
}

}  // namespace freshet::cli
