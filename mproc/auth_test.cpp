// Keys, HMAC and the remote-worker frames: the primitives of docs/mproc-protocol.md §4.
#include "mproc/auth.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "mproc/wire.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

std::span<const std::byte> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

struct TempPath {
  std::string path;
  TempPath() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "freshet_auth_XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempPath() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST_CASE("auth: HMAC-SHA256 and SHA-256 match the published test vectors") {
  // RFC 4231 test case 2.
  CHECK(auth::hex(
            auth::hmac_sha256("Jefe", {bytes_of("what do ya want "), bytes_of("for nothing?")})) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // FIPS 180-2: SHA-256("abc").
  CHECK(auth::hex(auth::sha256(bytes_of("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auth::Sha256 streamed;
  streamed.update(bytes_of("a"));
  streamed.update(bytes_of("bc"));
  CHECK(streamed.finish() == auth::sha256(bytes_of("abc")));
}

TEST_CASE("auth: the two proofs differ by side, role and nonce, comparison is exact") {
  const std::string key(32, 'k');
  const auth::Nonce a = auth::new_nonce(), b = auth::new_nonce();
  CHECK(a != b);
  CHECK(auth::client_proof(key, "worker", a) == auth::client_proof(key, "worker", a));
  CHECK(auth::client_proof(key, "worker", a) != auth::client_proof(key, "worker", b));
  CHECK(auth::client_proof(key, "worker", a) != auth::client_proof(key, "status", a));
  CHECK(auth::client_proof(key, "worker", a) !=
        auth::client_proof(std::string(32, 'j'), "worker", a));
  CHECK(auth::central_proof(key, a, b) != auth::central_proof(key, b, a));
  const auth::Digest p = auth::client_proof(key, "worker", a);
  auth::Digest q = p;
  CHECK(auth::equal_constant_time(p, q));
  q[31] ^= std::byte{1};
  CHECK_FALSE(auth::equal_constant_time(p, q));
  CHECK_FALSE(auth::equal_constant_time(p, std::span<const std::byte>(q).first(31)));
}

TEST_CASE("auth: key files are 0600, at least 32 bytes, and never replaced by accident") {
  TempPath dir;
  const std::string key = dir.path + "/job.key";
  auth::write_key_file(key);
  struct stat st {};
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(auth::load_key_file(key).size() == 32);
  CHECK_THROWS_WITH_AS(auth::write_key_file(key), doctest::Contains("exists"), Error);
  const std::string first = auth::load_key_file(key);
  auth::write_key_file(key, 64, /*overwrite=*/true);
  CHECK(auth::load_key_file(key).size() == 64);
  CHECK(auth::load_key_file(key).substr(0, 32) != first);
  for (mode_t mode : {0640, 0604, 0660, 0700 | 0004}) {
    ::chmod(key.c_str(), mode);
    CHECK_THROWS_WITH_AS(auth::load_key_file(key),
                         doctest::Contains("group and others must have no access"), Error);
  }
  ::chmod(key.c_str(), 0400);
  CHECK(auth::load_key_file(key).size() == 64);
  std::ofstream(dir.path + "/short.key") << "short";
  ::chmod((dir.path + "/short.key").c_str(), 0600);
  CHECK_THROWS_WITH_AS(auth::load_key_file(dir.path + "/short.key"),
                       doctest::Contains("holds 5 bytes"), Error);
  CHECK_THROWS_AS(auth::load_key_file(dir.path + "/missing.key"), Error);
  CHECK_THROWS_AS(auth::write_key_file(dir.path + "/small.key", 16), Error);
}

TEST_CASE("wire: the handshake and remote-worker frames round-trip and refuse corruption") {
  wire::Challenge c;
  c.nonce = auth::new_nonce();
  const auto c2 = wire::decode_challenge(wire::encode(c));
  CHECK(c2.digest == "sha256");
  CHECK(c2.nonce == c.nonce);
  CHECK(c2.byte_order == wire::kByteOrderProbe);
  CHECK(c2.word_size == sizeof(void*));
  CHECK(wire::encode(c).size() <= wire::kMaxUnauthenticatedPayload);
  const wire::Hello hello{.role = "worker"};
  CHECK(wire::encode(hello).size() <= wire::kMaxUnauthenticatedPayload);
  CHECK(wire::decode_hello(wire::encode(hello)).byte_order == wire::kByteOrderProbe);

  const wire::Response r{auth::client_proof(std::string(32, 'x'), "worker", c.nonce)};
  CHECK(wire::decode_response(wire::encode(r)).mac == r.mac);
  const auto j = wire::decode_join(wire::encode(wire::Join{4, 77, "node7"}));
  CHECK(j.threads == 4);
  CHECK(j.pid == 77);
  CHECK(j.host == "node7");
  CHECK_THROWS_AS(wire::decode_join(wire::encode(wire::Join{0, 1, "x"})), Error);
  const auto hb = wire::decode_heartbeat(wire::encode(wire::Heartbeat{5, 6}));
  CHECK(hb.tasks_done == 5);
  CHECK(hb.cpu_ns == 6);
  const wire::Blob blob{"k", 100, auth::sha256(bytes_of("x")), false};
  const auto b2 = wire::decode_blob(wire::encode(blob));
  CHECK(b2.key == "k");
  CHECK(b2.size == 100);
  CHECK(b2.sha256 == blob.sha256);
  CHECK_FALSE(b2.data_follows);
  CHECK(wire::decode_remote_init(wire::encode(wire::RemoteInit{"p.so", blob.sha256})).name ==
        "p.so");
  CHECK(wire::decode_cancel(wire::encode(wire::Cancel{9})).job == 9);
  // Every proper prefix and every payload with one byte more is refused.
  auto refuses = [](const Bytes& payload, auto decode) {
    for (std::size_t n = 0; n < payload.size(); ++n)
      CHECK_THROWS_AS(decode(std::span<const std::byte>(payload.data(), n)), Error);
    Bytes longer = payload;
    longer.push_back(std::byte{0});
    CHECK_THROWS_AS(decode(longer), Error);
  };
  refuses(wire::encode(c), [](auto p) { return wire::decode_challenge(p); });
  refuses(wire::encode(r), [](auto p) { return wire::decode_response(p); });
  refuses(wire::encode(wire::Join{1, 2, "h"}), [](auto p) { return wire::decode_join(p); });
  refuses(wire::encode(wire::Heartbeat{}), [](auto p) { return wire::decode_heartbeat(p); });
  refuses(wire::encode(blob), [](auto p) { return wire::decode_blob(p); });
  refuses(wire::encode(wire::RemoteInit{"p.so", blob.sha256}),
          [](auto p) { return wire::decode_remote_init(p); });
  refuses(wire::encode(wire::Cancel{}), [](auto p) { return wire::decode_cancel(p); });
  refuses(wire::encode(hello), [](auto p) { return wire::decode_hello(p); });
}

TEST_CASE("wire: a remote CHUNK carries its own arguments inline") {
  const std::vector<Bytes> args = {Bytes(3, std::byte{1}), Bytes(), Bytes(5, std::byte{7})};
  Bytes encoded(wire::arguments_size(args));
  wire::encode_arguments(args, encoded);
  const Bytes payload = wire::encode(wire::Chunk{.job = 1,
                                                 .chunk = 2,
                                                 .task = "t",
                                                 .args_segment = "",
                                                 .begin = 10,
                                                 .end = 13,
                                                 .inline_args = encoded});
  const wire::Chunk chunk = wire::decode_chunk(payload);
  CHECK(chunk.begin == 10);
  CHECK(chunk.end == 13);
  CHECK(chunk.args_segment.empty());
  const wire::ArgumentsView view(chunk.inline_args);
  REQUIRE(view.size() == 3);
  CHECK(view[2].size() == 5);
  CHECK(view[1].empty());
  // A segment chunk still refuses trailing bytes.
  Bytes segment_chunk = wire::encode(wire::Chunk{.task = "t", .args_segment = "a", .end = 1});
  segment_chunk.push_back(std::byte{0});
  CHECK_THROWS_AS(wire::decode_chunk(segment_chunk), Error);
}
