#pragma once
// A minimal binary encoding for task arguments and results that cross a process, socket or MPI
// boundary. Host byte order and word size: the serial, thread and process backends run one binary
// on one machine. A backend that crosses machines must agree on byte order and word size before
// it exchanges these records (a remote or MPI handshake). Reading past the end throws
// Error(kParse): a truncated message is an error, never undefined behaviour.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.hpp"

namespace freshet {

using Bytes = std::vector<std::byte>;

class ByteWriter {
 public:
  template <class T>
  requires std::is_trivially_copyable_v<T>
  void put(const T& value) {
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    buffer_.insert(buffer_.end(), p, p + sizeof(T));
  }
  // Length-prefixed (uint64) array of trivially copyable values.
  template <class T>
  requires std::is_trivially_copyable_v<T>
  void put_span(std::span<const T> values) {
    put<std::uint64_t>(values.size());
    const auto* p = reinterpret_cast<const std::byte*>(values.data());
    buffer_.insert(buffer_.end(), p, p + values.size_bytes());
  }
  void put_string(std::string_view s) { put_span(std::span<const char>(s.data(), s.size())); }
  // Room for `bytes` more without reallocating (a writer that knows its size copies once).
  void reserve(std::size_t bytes) { buffer_.reserve(buffer_.size() + bytes); }
  Bytes take() && { return std::move(buffer_); }
  const Bytes& bytes() const { return buffer_; }

 private:
  Bytes buffer_;
};

// Reads what ByteWriter wrote, in the same order. The viewed bytes must outlive the reader.
class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> data) : data_(data) {}

  template <class T>
  requires std::is_trivially_copyable_v<T> T get() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  template <class T>
  requires std::is_trivially_copyable_v<T> std::vector<T> get_vector() {
    const auto n = get<std::uint64_t>();
    if (n > (data_.size() - pos_) / (sizeof(T) ? sizeof(T) : 1)) fail(n * sizeof(T));
    std::vector<T> out(n);
    if (n) std::memcpy(out.data(), data_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return out;
  }
  // The same into `out`, reusing its capacity (a loop over many arrays allocates once).
  template <class T>
  requires std::is_trivially_copyable_v<T>
  void get_vector(std::vector<T>& out) {
    const auto n = get<std::uint64_t>();
    if (n > (data_.size() - pos_) / (sizeof(T) ? sizeof(T) : 1)) fail(n * sizeof(T));
    out.resize(n);
    if (n) std::memcpy(out.data(), data_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
  }
  std::string get_string() {
    const auto n = get<std::uint64_t>();
    need(n);
    std::string out(reinterpret_cast<const char*>(data_.data() + pos_), n);
    pos_ += n;
    return out;
  }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  void need(std::size_t n) const {
    if (n > data_.size() - pos_) fail(n);
  }
  [[noreturn]] void fail(std::size_t n) const {
    throw Error(Errc::kParse, "truncated message: need " + std::to_string(n) + " bytes at offset " +
                                  std::to_string(pos_) + " of " + std::to_string(data_.size()));
  }
  std::span<const std::byte> data_;
  std::size_t pos_ = 0;
};

}  // namespace freshet
