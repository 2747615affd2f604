#include "job/hash.hpp"

#include <array>
#include <cstdio>
#include <vector>

#include "core/error.hpp"

namespace freshet::job {

namespace {
constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}
}  // namespace

std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc) {
  crc = ~crc;
  for (std::byte b : data)
    crc = kCrcTable[(crc ^ static_cast<std::uint8_t>(b)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
  return crc32(std::as_bytes(std::span<const char>(data.data(), data.size())), crc);
}

ContentHash& ContentHash::add(std::string_view data) {
  // Two independent multiply-mix lanes over the bytes; position enters through the running state.
  for (unsigned char c : data) {
    a_ = (a_ ^ c) * 0x100000001B3ull;
    b_ = (b_ + c + 0x9Eu) * 0xFF51AFD7ED558CCDull;
    b_ ^= b_ >> 29;
  }
  length_ += data.size();
  return *this;
}

ContentHash& ContentHash::field(std::string_view data) {
  const std::string len = std::to_string(data.size()) + ":";
  add(len);
  return add(data);
}

std::string ContentHash::hex() const {
  const std::uint64_t h1 = mix(a_ ^ mix(length_));
  const std::uint64_t h2 = mix(b_ ^ mix(a_ + 0x632BE59BD9B4E019ull));
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h1),
                static_cast<unsigned long long>(h2));
  return buf;
}

std::string file_digest(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(Errc::kIo, path + ": cannot open");
  ContentHash h;
  std::vector<char> buf(1 << 20);
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) h.add(std::string_view(buf.data(), n));
  const bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) throw Error(Errc::kIo, path + ": read error");
  return h.hex();
}

}  // namespace freshet::job
