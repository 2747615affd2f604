// Column blobs: what callers publish with share/share_with. A corrupt or hostile blob is an
// Error(kParse) naming it, never a read outside the buffer.
#include "mproc/blob.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <numeric>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "mproc/executor.hpp"
#include "mproc/registry.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

struct Sample {
  BlobLayout layout;
  std::size_t u8, i32, u64, f64, empty;
  Bytes blob;
  Sample() {
    u8 = layout.add<std::uint8_t>(3);
    i32 = layout.add<std::int32_t>(5);
    u64 = layout.add<std::uint64_t>(2);
    f64 = layout.add<double>(4);
    empty = layout.add<double>(0);
    blob.assign(layout.size(), std::byte{0xcd});
    layout.write_header(blob);
    auto a = layout.section<std::uint8_t>(blob, u8);
    std::iota(a.begin(), a.end(), std::uint8_t{1});
    auto b = layout.section<std::int32_t>(blob, i32);
    std::iota(b.begin(), b.end(), -2);
    auto c = layout.section<std::uint64_t>(blob, u64);
    c[0] = 10;
    c[1] = std::uint64_t{1} << 40;
    auto d = layout.section<double>(blob, f64);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = 0.5 * static_cast<double>(i);
  }
};

void put_u64(Bytes& b, std::size_t at, std::uint64_t v) { std::memcpy(b.data() + at, &v, 8); }

}  // namespace

TEST_CASE("blob: sections round-trip, 8-byte aligned, padding zeroed") {
  const Sample s;
  const BlobView view(s.blob, "sample");
  view.expect_sections(5);
  CHECK_THROWS_AS(view.expect_sections(4), Error);
  CHECK(view.section<std::uint8_t>(s.u8).size() == 3);
  CHECK(view.section<std::uint8_t>(s.u8)[2] == 3);
  CHECK(view.section<std::int32_t>(s.i32)[0] == -2);
  CHECK(view.section<std::int32_t>(s.i32)[4] == 2);
  CHECK(view.section<std::uint64_t>(s.u64)[1] == std::uint64_t{1} << 40);
  CHECK(view.section<double>(s.f64)[3] == 1.5);
  CHECK(view.section<double>(s.empty).empty());
  CHECK(reinterpret_cast<std::uintptr_t>(view.section<double>(s.f64).data()) % 8 == 0);
  // Header 16 + 5 x 16, then 3 -> 8, 20 -> 24, 16, 32, 0.
  CHECK(s.blob.size() == 16 + 80 + 8 + 24 + 16 + 32);
  // The padding after the 3 bytes is zero whatever the buffer held: same input, same bytes.
  for (std::size_t i = 96 + 3; i < 96 + 8; ++i) CHECK(s.blob[i] == std::byte{0});
  // Asking for the wrong type or a missing section is an error.
  CHECK_THROWS_AS(view.section<double>(s.u64), Error);
  CHECK_THROWS_AS(view.section<double>(9), Error);
}

TEST_CASE("blob: truncated, extended and corrupted blobs are errors") {
  const Sample s;
  // Every truncation.
  for (std::size_t n = 0; n < s.blob.size(); n += 1) {
    CAPTURE(n);
    Bytes cut(s.blob.begin(), s.blob.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_THROWS_AS(BlobView(cut, "sample"), Error);
  }
  Bytes longer = s.blob;
  longer.resize(longer.size() + 8);
  CHECK_THROWS_AS(BlobView(longer, "sample"), Error);

  Bytes b = s.blob;
  b[0] = std::byte{'X'};  // magic
  CHECK_THROWS_AS(BlobView(b, "sample"), Error);
  b = s.blob;
  put_u64(b, 8, std::numeric_limits<std::uint64_t>::max());  // section count
  CHECK_THROWS_AS(BlobView(b, "sample"), Error);
  b = s.blob;
  put_u64(b, 8, 1u << 20);
  CHECK_THROWS_AS(BlobView(b, "sample"), Error);
  // An oversized element count in each section (the f64 one: 2^61 x 8 overflows 64 bits).
  for (std::size_t sec = 0; sec < 5; ++sec) {
    CAPTURE(sec);
    for (std::uint64_t count :
         {std::uint64_t{1} << 61, std::uint64_t{1} << 32, std::uint64_t{999}}) {
      b = s.blob;
      put_u64(b, 16 + 16 * sec + 8, count);
      CHECK_THROWS_AS(BlobView(b, "sample"), Error);
    }
  }
  b = s.blob;
  b[16] = std::byte{77};  // unknown element type
  CHECK_THROWS_AS(BlobView(b, "sample"), Error);
  b = s.blob;
  b[20] = std::byte{1};  // reserved field
  CHECK_THROWS_AS(BlobView(b, "sample"), Error);
  // Misaligned base.
  Bytes shifted(s.blob.size() + 1);
  std::memcpy(shifted.data() + 1, s.blob.data(), s.blob.size());
  CHECK_THROWS_AS(BlobView(std::span<const std::byte>(shifted.data() + 1, s.blob.size()), "x"),
                  Error);
  // The message names the blob.
  try {
    BlobView(Bytes(8), "fresh.series");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kParse);
    CHECK(std::string(e.what()).find("fresh.series") != std::string::npos);
  }
}

namespace {
// Sums the f64 section 0 of the blob shared under the key given as argument.
Bytes sum_blob(const TaskContext& context, std::span<const std::byte> argument) {
  const std::string key(reinterpret_cast<const char*>(argument.data()), argument.size());
  const BlobView view(context.shared(key), key);
  double sum = 0;
  for (double v : view.section<double>(0)) sum += v;
  ByteWriter w;
  w.put(sum);
  return std::move(w).take();
}
FRESHET_TASK("test.blob.sum", sum_blob);
}  // namespace

TEST_CASE("blob: ScopedShare publishes for its scope, written in place") {
  for (int workers : {0, 2}) {
    CAPTURE(workers);
    auto ex = make_executor({.workers = workers});
    BlobLayout layout;
    const auto values = layout.add<double>(3);
    std::vector<Bytes> args;
    {
      ScopedShare share(*ex, unique_share_key("test.blob"), layout.size(),
                        [&](std::span<std::byte> out) {
                          layout.write_header(out);
                          auto v = layout.section<double>(out, values);
                          v[0] = 1;
                          v[1] = 2;
                          v[2] = 4;
                        });
      CHECK(share.key().rfind("test.blob.", 0) == 0);
      CHECK(unique_share_key("test.blob") != share.key());
      const auto* p = reinterpret_cast<const std::byte*>(share.key().data());
      args.assign(2, Bytes(p, p + share.key().size()));
      for (const auto& r : ex->map("test.blob.sum", args)) {
        ByteReader in(r);
        CHECK(in.get<double>() == 7.0);
      }
    }
    // Unshared at scope exit.
    CHECK_THROWS_AS(ex->map("test.blob.sum", args), Error);
    // A fill that throws publishes nothing, and the error propagates.
    CHECK_THROWS_AS(
        ScopedShare(*ex, "k", 8, [](std::span<std::byte>) { throw Error(Errc::kIo, "no"); }),
        Error);
  }
}
