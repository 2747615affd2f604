#include "mproc/blob.hpp"

#include <cstring>

namespace freshet::mproc {

namespace {

constexpr std::uint64_t kBlobMagic = 0x3130424f4c425246ull;  // "FRBLOB01" in memory order
constexpr std::size_t kMaxSections = 4096;

std::size_t element_size(BlobType type) {
  switch (type) {
    case BlobType::kU8:
      return 1;
    case BlobType::kI32:
    case BlobType::kU32:
      return 4;
    case BlobType::kU64:
    case BlobType::kF64:
      return 8;
  }
  return 0;
}

std::size_t round8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

}  // namespace

std::size_t BlobLayout::add_section(BlobType type, std::size_t element, std::size_t count) {
  if (count > (SIZE_MAX / 2) / element)
    throw Error(Errc::kInvalidArgument, "blob section of " + std::to_string(count) + " elements");
  sections_.push_back({type, count, 0});
  // Offsets depend on the header size, which grows with every section: recompute them all.
  std::size_t at = 16 + 16 * sections_.size();
  for (auto& s : sections_) {
    s.offset = at;
    at += round8(s.count * element_size(s.type));
  }
  size_ = at;
  data_size_ = at - (16 + 16 * sections_.size());
  return sections_.size() - 1;
}

void BlobLayout::write_header(std::span<std::byte> out) const {
  if (out.size() != size_)
    throw Error(Errc::kInternal, "blob buffer of " + std::to_string(out.size()) +
                                     " bytes for a layout of " + std::to_string(size_));
  const std::uint64_t head[2] = {kBlobMagic, sections_.size()};
  std::memcpy(out.data(), head, sizeof head);
  std::size_t at = 16;
  for (const auto& s : sections_) {
    const std::uint32_t type[2] = {static_cast<std::uint32_t>(s.type), 0};
    const std::uint64_t count = s.count;
    std::memcpy(out.data() + at, type, 8);
    std::memcpy(out.data() + at + 8, &count, 8);
    at += 16;
  }
  // Zero the padding after each section so the blob's bytes are deterministic.
  for (const auto& s : sections_) {
    const std::size_t used = s.count * element_size(s.type);
    std::memset(out.data() + s.offset + used, 0, round8(used) - used);
  }
}

void BlobLayout::check_section(std::span<std::byte> out, std::size_t i, BlobType type) const {
  if (i >= sections_.size() || sections_[i].type != type || out.size() != size_)
    throw Error(Errc::kInternal, "blob section " + std::to_string(i) + " misused");
  if (reinterpret_cast<std::uintptr_t>(out.data()) % 8 != 0)
    throw Error(Errc::kInternal, "blob buffer is not 8-byte aligned");
}

BlobView::BlobView(std::span<const std::byte> blob, std::string_view what)
    : blob_(blob), what_(what) {
  if (reinterpret_cast<std::uintptr_t>(blob.data()) % 8 != 0) fail("not 8-byte aligned");
  if (blob.size() < 16) fail("shorter than its 16-byte header");
  std::uint64_t head[2];
  std::memcpy(head, blob.data(), sizeof head);
  if (head[0] != kBlobMagic) fail("bad magic (not a freshet blob)");
  if (head[1] > kMaxSections || head[1] > (blob.size() - 16) / 16)
    fail(std::to_string(head[1]) + " sections cannot fit");
  const std::size_t n = head[1];
  std::size_t at = 16 + 16 * n;
  sections_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t type[2];
    std::uint64_t count;
    std::memcpy(type, blob.data() + 16 + 16 * i, 8);
    std::memcpy(&count, blob.data() + 16 + 16 * i + 8, 8);
    const auto t = static_cast<BlobType>(type[0]);
    const std::size_t element = element_size(t);
    if (element == 0 || type[1] != 0)
      fail("section " + std::to_string(i) + ": unknown element type " + std::to_string(type[0]));
    // Division first: a hostile count cannot overflow the size computation.
    if (count > (blob.size() - at) / element)
      fail("section " + std::to_string(i) + " of " + std::to_string(count) +
           " elements runs past the end");
    const std::size_t bytes = round8(count * element);
    if (bytes > blob.size() - at)
      fail("section " + std::to_string(i) + " padding runs past the end");
    sections_.push_back({t, static_cast<std::size_t>(count), at});
    at += bytes;
  }
  if (at != blob.size()) fail(std::to_string(blob.size() - at) + " bytes after the last section");
}

void BlobView::expect_sections(std::size_t n) const {
  if (sections_.size() != n)
    fail(std::to_string(sections_.size()) + " sections, " + std::to_string(n) + " expected");
}

const BlobView::Section& BlobView::get(std::size_t i, BlobType type) const {
  if (i >= sections_.size())
    fail("no section " + std::to_string(i) + " (" + std::to_string(sections_.size()) + ")");
  if (sections_[i].type != type)
    fail("section " + std::to_string(i) + " holds type " +
         std::to_string(static_cast<unsigned>(sections_[i].type)) + ", not " +
         std::to_string(static_cast<unsigned>(type)));
  return sections_[i];
}

void BlobView::fail(const std::string& why) const {
  throw Error(Errc::kParse, "shared blob '" + what_ + "' (" + std::to_string(blob_.size()) +
                                " bytes) is malformed: " + why);
}

}  // namespace freshet::mproc
