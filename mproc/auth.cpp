#include "mproc/auth.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace freshet::mproc::auth {

namespace {

constexpr std::size_t kMaxKeyBytes = 4096;
constexpr std::string_view kProtocolLabel = "freshet/1";
constexpr std::string_view kDigestName = "sha256";

std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string load_key_file(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (f.fd < 0) {
    const int e = errno;
    throw Error(e == ENOENT ? Errc::kNotFound : Errc::kIo,
                "key file '" + path + "': " + std::strerror(e));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw Error(Errc::kIo, "key file '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw Error(Errc::kInvalidArgument, "key file '" + path + "' is not a regular file");
  // The same rule as ssh's private keys: a secret others can read is no secret.
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw Error(Errc::kInvalidArgument, "key file '" + path + "' has mode " + mode +
                                            ": group and others must have no access (chmod 600 '" +
                                            path + "')");
  }
  if (st.st_size < static_cast<off_t>(kMinKeyBytes) ||
      st.st_size > static_cast<off_t>(kMaxKeyBytes))
    throw Error(Errc::kInvalidArgument,
                "key file '" + path + "' holds " + std::to_string(st.st_size) +
                    " bytes; a key is " + std::to_string(kMinKeyBytes) + " to " +
                    std::to_string(kMaxKeyBytes) + " bytes (make one with 'freshet keygen FILE')");
  std::string key(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < key.size()) {
    const ssize_t n = ::read(f.fd, key.data() + done, key.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(Errc::kIo, "key file '" + path + "': short read");
    done += static_cast<std::size_t>(n);
  }
  return key;
}

void write_key_file(const std::string& path, std::size_t bytes, bool overwrite) {
  if (bytes < kMinKeyBytes || bytes > kMaxKeyBytes)
    throw Error(Errc::kInvalidArgument, "a key is " + std::to_string(kMinKeyBytes) + " to " +
                                            std::to_string(kMaxKeyBytes) + " bytes, got " +
                                            std::to_string(bytes));
  struct stat st {};
  if (!overwrite && ::lstat(path.c_str(), &st) == 0)
    throw Error(Errc::kInvalidArgument, "key file '" + path + "' exists; not replacing it");
  std::vector<std::byte> key(bytes);
  random_bytes(key);
  // Write beside the target (same file system), then rename: a reader never sees half a key,
  // and the file is 0600 from its first byte (O_CREAT with mode 0600, umask can only narrow it).
  std::string tmp = path + ".tmpXXXXXX";
  Fd f{::mkstemp(tmp.data())};
  if (f.fd < 0) throw Error(Errc::kIo, "key file '" + path + "': " + std::strerror(errno));
  auto fail = [&](const char* what) {
    const int e = errno;
    ::unlink(tmp.c_str());
    throw Error(Errc::kIo, "key file '" + path + "': " + what + ": " + std::strerror(e));
  };
  if (::fchmod(f.fd, 0600) != 0) fail("chmod");
  std::size_t done = 0;
  while (done < key.size()) {
    const ssize_t n = ::write(f.fd, key.data() + done, key.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(f.fd) != 0) fail("fsync");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename");
  OPENSSL_cleanse(key.data(), key.size());
}

void random_bytes(std::span<std::byte> out) {
  if (out.empty()) return;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1)
    throw Error(Errc::kInternal, "OpenSSL RAND_bytes failed");
}

namespace {
std::atomic<void (*)(Nonce&)> g_nonce_source{nullptr};
}

void set_nonce_source_for_fuzzing(void (*source)(Nonce&)) { g_nonce_source.store(source); }

Nonce new_nonce() {
  Nonce n;
  if (auto* source = g_nonce_source.load()) {
    source(n);
    return n;
  }
  random_bytes(n);
  return n;
}

Digest hmac_sha256(std::string_view key, std::initializer_list<std::span<const std::byte>> parts) {
  std::size_t total = 0;
  for (auto p : parts) total += p.size();
  std::vector<unsigned char> message;
  message.reserve(total);
  for (auto p : parts) {
    const auto* b = reinterpret_cast<const unsigned char*>(p.data());
    message.insert(message.end(), b, b + p.size());
  }
  Digest out;
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(),
            reinterpret_cast<unsigned char*>(out.data()), &len) ||
      len != out.size())
    throw Error(Errc::kInternal, "OpenSSL HMAC-SHA256 failed");
  return out;
}

bool equal_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.size() != b.size()) return false;  // sizes are public (fixed by the protocol)
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Digest client_proof(std::string_view key, std::string_view role, const Nonce& central_nonce) {
  const std::string label = "client:" + std::string(role);
  return hmac_sha256(
      key, {as_bytes(kProtocolLabel), as_bytes(kDigestName), as_bytes(label), central_nonce});
}

Digest central_proof(std::string_view key, const Nonce& client_nonce, const Nonce& central_nonce) {
  return hmac_sha256(key, {as_bytes(kProtocolLabel), as_bytes(kDigestName), as_bytes("central"),
                           client_nonce, central_nonce});
}

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    throw Error(Errc::kInternal, "OpenSSL SHA-256 init failed");
}
Sha256::~Sha256() {
  if (impl_ && impl_->ctx) EVP_MD_CTX_free(impl_->ctx);
}
void Sha256::update(std::span<const std::byte> data) {
  if (!data.empty() && EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1)
    throw Error(Errc::kInternal, "OpenSSL SHA-256 update failed");
}
Digest Sha256::finish() {
  Digest out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
      len != out.size())
    throw Error(Errc::kInternal, "OpenSSL SHA-256 final failed");
  return out;
}

Digest sha256(std::span<const std::byte> data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

Digest sha256_file(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    const int e = errno;
    throw Error(e == ENOENT ? Errc::kNotFound : Errc::kIo, "'" + path + "': " + std::strerror(e));
  }
  Sha256 h;
  std::vector<std::byte> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::read(f.fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(Errc::kIo, "'" + path + "': " + std::strerror(errno));
    if (n == 0) break;
    h.update(std::span<const std::byte>(buf.data(), static_cast<std::size_t>(n)));
  }
  return h.finish();
}

std::string hex(std::span<const std::byte> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    s += digits[static_cast<unsigned>(b) >> 4];
    s += digits[static_cast<unsigned>(b) & 15];
  }
  return s;
}

}  // namespace freshet::mproc::auth
