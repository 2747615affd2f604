// Column blobs (mproc/blob.hpp): BlobView must check every size before any element is read. An
// accepted blob is read in full (ASan checks each read), and rebuilt with BlobLayout it views the
// same sections.
// fuzz-links: freshet::core freshet::mproc
#include <algorithm>
#include <memory>

#include "fuzz/harness.hpp"
#include "mproc/blob.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

template <class T>
bool read_as(const BlobView& view, std::size_t i, std::vector<std::string>& bytes,
             BlobLayout& layout) {
  std::span<const T> s;
  if (!fuzz::accepts([&] { s = view.section<T>(i); })) return false;
  FUZZ_CHECK(reinterpret_cast<std::uintptr_t>(s.data()) % alignof(T) == 0);
  bytes.emplace_back(reinterpret_cast<const char*>(s.data()), s.size_bytes());
  layout.add<T>(s.size());
  return true;
}

// Section i, whichever type it holds; exactly one type must be accepted.
void read_section(const BlobView& view, std::size_t i, std::vector<std::string>& bytes,
                  BlobLayout& layout) {
  const int accepted = read_as<std::uint8_t>(view, i, bytes, layout) +
                       read_as<std::int32_t>(view, i, bytes, layout) +
                       read_as<std::uint32_t>(view, i, bytes, layout) +
                       read_as<std::uint64_t>(view, i, bytes, layout) +
                       read_as<double>(view, i, bytes, layout);
  FUZZ_CHECK(accepted == 1);
}

// Copies section i of the view into section i of the layout's buffer.
template <class T>
bool copy_as(const BlobView& view, const BlobLayout& layout, std::span<std::byte> out,
             std::size_t i) {
  std::span<const T> s;
  if (!fuzz::accepts([&] { s = view.section<T>(i); })) return false;
  std::ranges::copy(s, layout.section<T>(out, i).begin());
  return true;
}

}  // namespace

namespace freshet::fuzz {

Seeds seeds() {
  Seeds s;
  BlobLayout layout;
  const auto kinds = layout.add<std::uint32_t>(3);
  const auto begins = layout.add<std::uint64_t>(3);
  const auto values = layout.add<double>(5);
  const auto flags = layout.add<std::uint8_t>(3);
  const auto labels = layout.add<std::int32_t>(1);
  Bytes out(layout.size());
  layout.write_header(out);
  std::ranges::copy(std::vector<std::uint32_t>{0, 1, 0},
                    layout.section<std::uint32_t>(out, kinds).begin());
  std::ranges::copy(std::vector<std::uint64_t>{0, 2, 4},
                    layout.section<std::uint64_t>(out, begins).begin());
  std::ranges::copy(std::vector<double>{1.5, -2, 0, 1e300, 7},
                    layout.section<double>(out, values).begin());
  std::ranges::copy(std::vector<std::uint8_t>{1, 0, 1},
                    layout.section<std::uint8_t>(out, flags).begin());
  layout.section<std::int32_t>(out, labels)[0] = -3;
  s.push_back({"five_sections", to_string(out)});
  BlobLayout empty;
  Bytes none(empty.size());
  empty.write_header(none);
  s.push_back({"no_sections", to_string(none)});
  return s;
}

}  // namespace freshet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Bytes blob = fuzz::copy_bytes(data, size);
  std::unique_ptr<BlobView> view;
  if (!fuzz::accepts([&] { view = std::make_unique<BlobView>(blob, "fuzz"); })) return 0;
  fuzz::accepts([&] { (void)view->section<double>(view->sections()); });
  fuzz::accepts([&] { view->expect_sections(view->sections() + 1); });
  std::vector<std::string> bytes;
  BlobLayout layout;
  for (std::size_t i = 0; i < view->sections(); ++i) read_section(*view, i, bytes, layout);
  // Rebuilt, the blob has the same size (the layout is canonical up to padding) and sections.
  FUZZ_CHECK(layout.size() == blob.size());
  Bytes out(layout.size());
  layout.write_header(out);
  for (std::size_t i = 0; i < view->sections(); ++i)
    FUZZ_CHECK(copy_as<std::uint8_t>(*view, layout, out, i) +
                   copy_as<std::int32_t>(*view, layout, out, i) +
                   copy_as<std::uint32_t>(*view, layout, out, i) +
                   copy_as<std::uint64_t>(*view, layout, out, i) +
                   copy_as<double>(*view, layout, out, i) ==
               1);
  const BlobView again(out, "fuzz rebuilt");
  FUZZ_CHECK(again.sections() == view->sections());
  std::vector<std::string> bytes_again;
  BlobLayout ignored;
  for (std::size_t i = 0; i < again.sections(); ++i) read_section(again, i, bytes_again, ignored);
  FUZZ_CHECK(bytes_again == bytes);
  return 0;
}
