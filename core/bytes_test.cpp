// ByteWriter / ByteReader: arrays read back into a reused vector, and truncated input refused.
#include "core/bytes.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "core/error.hpp"

namespace freshet {
namespace {

TEST_CASE(
    "ByteReader::get_vector into a reused vector reads each array whole, then refuses a short "
    "one") {
  ByteWriter w;
  const std::vector<double> a = {1.5, -2.0, 3.25}, b = {7.0}, none;
  w.put_span(std::span<const double>(a));
  w.put_span(std::span<const double>(none));
  w.put_span(std::span<const double>(b));
  w.put<std::uint64_t>(4);  // claims four values, carries one
  w.put<double>(9.0);
  const Bytes bytes = std::move(w).take();
  ByteReader r(bytes);
  std::vector<double> v = {42.0, 43.0, 44.0, 45.0, 46.0};
  r.get_vector(v);
  CHECK(v == a);
  r.get_vector(v);
  CHECK(v.empty());
  r.get_vector(v);
  CHECK(v == b);
  try {
    r.get_vector(v);
    FAIL("a truncated array was read");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kParse);
    CHECK(std::string(e.what()).find("truncated message") != std::string::npos);
  }
}

}  // namespace
}  // namespace freshet
