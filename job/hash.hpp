#pragma once
// Checksums and content keys for the job journal: CRC-32 (IEEE 802.3, the zlib/PNG polynomial
// 0xEDB88320, reflected) for torn-record detection, and a 128-bit non-cryptographic content hash
// for task keys and file digests (collisions are not a security concern here: keys only decide
// whether a journaled result is reused). Pure functions; thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace freshet::job {

// crc32("123456789") == 0xCBF43926.
std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc = 0);
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

// Incremental 128-bit hash, hex-encoded by hex() (32 lowercase digits). The same bytes fed in
// any split give the same hash.
class ContentHash {
 public:
  ContentHash& add(std::string_view data);
  // A length-prefixed field, so that ("ab","c") and ("a","bc") differ.
  ContentHash& field(std::string_view data);
  std::string hex() const;

 private:
  std::uint64_t a_ = 0x9E3779B97F4A7C15ull;
  std::uint64_t b_ = 0xC2B2AE3D27D4EB4Full;
  std::uint64_t length_ = 0;
};

// Digest of a file's bytes (hex). Throws Error(kIo) naming the path.
std::string file_digest(const std::string& path);

}  // namespace freshet::job
