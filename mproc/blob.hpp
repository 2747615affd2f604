#pragma once
// Column blobs: the one layout for the read-only inputs that callers publish with
// Executor::share / share_with (a series set, a feature matrix, folds). A blob is a list of
// typed sections (arrays of u8, i32, u32, u64 or f64), each 8-byte aligned, so a task reads its
// columns in place from a shared-memory segment or any byte buffer a transport received.
//
//   u64 magic "FRBLOB01" | u64 sections | per section: u32 element type, u32 reserved (0),
//   u64 count | sections' bytes, each starting at a multiple of 8, zero padding between
//
// The reader (BlobView) checks everything a corrupt or hostile blob could get wrong before any
// element is read: magic, section count, element types, that every section lies inside the blob
// and that the sizes add up to exactly the blob's size, and the base alignment. Any violation is
// Error(kParse) naming the blob ("what"); never undefined behaviour. What the values mean (an
// offset inside bounds, a label below the label count) is the caller's to check.
//
// Writing: describe the sections with a BlobLayout, then fill a buffer of layout.size() bytes:
// layout.write_header(out) and layout.section<T>(out, i) for each section. With
// Executor::share_with the buffer is the shared segment itself (one copy of the data, in place):
//
//   mproc::BlobLayout layout;
//   const auto values = layout.add<double>(n);
//   mproc::ScopedShare share(executor, key, layout.size(), [&](std::span<std::byte> out) {
//     layout.write_header(out);
//     std::ranges::copy(source, layout.section<double>(out, values).begin());
//   });
//
// Thread-safety: BlobLayout is a value; BlobView is read-only after construction.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.hpp"

namespace freshet::mproc {

enum class BlobType : std::uint32_t { kU8 = 1, kI32 = 2, kU32 = 3, kU64 = 4, kF64 = 5 };

template <class T>
constexpr BlobType blob_type_of() {
  if constexpr (std::is_same_v<T, std::uint8_t>)
    return BlobType::kU8;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return BlobType::kI32;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return BlobType::kU32;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return BlobType::kU64;
  else if constexpr (std::is_same_v<T, double>)
    return BlobType::kF64;
  else
    static_assert(sizeof(T) == 0, "blob sections hold u8, i32, u32, u64 or f64");
}

class BlobLayout {
 public:
  // Adds a section of `count` elements of T; returns its index.
  template <class T>
  std::size_t add(std::size_t count) {
    return add_section(blob_type_of<T>(), sizeof(T), count);
  }
  // Bytes of the whole blob.
  std::size_t size() const { return size_; }
  std::size_t sections() const { return sections_.size(); }
  // Writes the header and clears the padding. out.size() must be size(), and out.data() 8-byte
  // aligned (a Bytes buffer or a segment is).
  void write_header(std::span<std::byte> out) const;
  // Section i of out, typed.
  template <class T>
  std::span<T> section(std::span<std::byte> out, std::size_t i) const {
    check_section(out, i, blob_type_of<T>());
    return {reinterpret_cast<T*>(out.data() + sections_[i].offset), sections_[i].count};
  }

 private:
  struct Section {
    BlobType type;
    std::size_t count;
    std::size_t offset;
  };
  std::size_t add_section(BlobType type, std::size_t element_size, std::size_t count);
  void check_section(std::span<std::byte> out, std::size_t i, BlobType type) const;
  std::vector<Section> sections_;
  std::size_t data_size_ = 0;  // bytes of all sections with padding
  std::size_t size_ = 16;
};

class BlobView {
 public:
  // Validates the blob (see the file comment). `what` names it in errors, e.g. "fresh.series".
  BlobView(std::span<const std::byte> blob, std::string_view what);
  std::size_t sections() const { return sections_.size(); }
  // Throws Error(kParse) if the blob has fewer sections than expected.
  void expect_sections(std::size_t n) const;
  // Section i as T; Error(kParse) if i is out of range or the section holds another type.
  template <class T>
  std::span<const T> section(std::size_t i) const {
    const auto& s = get(i, blob_type_of<T>());
    return {reinterpret_cast<const T*>(blob_.data() + s.offset), s.count};
  }
  [[noreturn]] void fail(const std::string& why) const;

 private:
  struct Section {
    BlobType type;
    std::size_t count;
    std::size_t offset;
  };
  const Section& get(std::size_t i, BlobType type) const;
  std::span<const std::byte> blob_;
  std::string what_;
  std::vector<Section> sections_;
};

}  // namespace freshet::mproc
