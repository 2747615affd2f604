#pragma once
// Secrets and the authentication primitives of remote workers (docs/mproc-protocol.md §4):
// key files, HMAC-SHA256, SHA-256, nonces and the constant-time comparison. Internal to mproc and
// the CLI; no public header includes OpenSSL.
//
// Thread-safety: every function is reentrant; Sha256 is a value used by one thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace freshet::mproc::auth {

using Digest = std::array<std::byte, 32>;
using Nonce = std::array<std::byte, 32>;

inline constexpr std::size_t kMinKeyBytes = 32;

// Reads a key file: the secret is the file's bytes (at least kMinKeyBytes, at most 4096). Throws
// Error(kInvalidArgument) naming the file if it is readable or writable by group or others ("chmod
// 600 FILE"), shorter than kMinKeyBytes or not a regular file; Error(kNotFound)/Error(kIo) if it
// cannot be read.
std::string load_key_file(const std::string& path);

// Writes `bytes` fresh random bytes (>= kMinKeyBytes) to `path` with mode 0600, atomically: a
// temporary file in the same folder, fsync'ed, then renamed over path. Refuses to replace an
// existing file unless `overwrite`. Throws Error(kInvalidArgument / kIo) naming the path.
void write_key_file(const std::string& path, std::size_t bytes = 32, bool overwrite = false);

// Cryptographically random bytes (OpenSSL RAND_bytes). Throws Error(kInternal) on failure.
void random_bytes(std::span<std::byte> out);
Nonce new_nonce();
// For the handshake fuzzer only (fuzz/handshake_fuzz.cpp): new_nonce() takes its nonces from
// `source` instead of RAND_bytes, so that the fuzzer can compute the proofs a legitimate peer
// would send and a finding replays; nullptr restores RAND_bytes. freshet's own code never calls
// it.
void set_nonce_source_for_fuzzing(void (*source)(Nonce&));

// HMAC-SHA256(key, concatenation of parts).
Digest hmac_sha256(std::string_view key, std::initializer_list<std::span<const std::byte>> parts);

// Constant-time equality (CRYPTO_memcmp): the time does not depend on where bytes differ.
bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b);

// The two proofs of the mutual handshake. `role` is the client's HELLO role ("worker",
// "status"); the labels make a client's proof useless as a central's proof and vice versa.
//   client  = HMAC(key, "freshet/1" | "sha256" | "client:" role | Nc)
//   central = HMAC(key, "freshet/1" | "sha256" | "central" | Nw | Nc)
Digest client_proof(std::string_view key, std::string_view role, const Nonce& central_nonce);
Digest central_proof(std::string_view key, const Nonce& client_nonce, const Nonce& central_nonce);

// Streaming SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::span<const std::byte> data);
  Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
Digest sha256(std::span<const std::byte> data);
// SHA-256 of a file's contents. Throws Error(kNotFound / kIo) naming the file.
Digest sha256_file(const std::string& path);
// Lower-case hex.
std::string hex(std::span<const std::byte> bytes);

}  // namespace freshet::mproc::auth
