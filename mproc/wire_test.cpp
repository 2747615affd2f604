// The wire codecs: every frame's payload round-trips, and every truncated, extended or corrupted
// payload is an Error (never UB, never an allocation the buffer cannot back). These are the
// codecs a remote or MPI transport will reuse on bytes it received from anywhere.
#include "mproc/wire.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <functional>
#include <limits>

#include "core/error.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

// Every proper prefix of a valid payload and the payload plus one byte must be refused.
template <class Decode>
void check_refuses_truncation_and_trailing(const Bytes& payload, Decode decode) {
  for (std::size_t n = 0; n < payload.size(); ++n) {
    CAPTURE(n);
    CHECK_THROWS_AS(decode(std::span<const std::byte>(payload.data(), n)), Error);
  }
  Bytes longer = payload;
  longer.push_back(std::byte{0});
  CHECK_THROWS_AS(decode(longer), Error);
}

void put_u64(Bytes& b, std::size_t at, std::uint64_t v) { std::memcpy(b.data() + at, &v, 8); }

}  // namespace

TEST_CASE("wire: every control and worker frame round-trips") {
  const wire::Hello hello{1, 3, "status"};
  const auto h = wire::decode_hello(wire::encode(hello));
  CHECK(h.min_version == 1);
  CHECK(h.max_version == 3);
  CHECK(h.role == "status");

  const auto w = wire::decode_welcome(wire::encode(wire::Welcome{1, "central pid 7"}));
  CHECK(w.version == 1);
  CHECK(w.description == "central pid 7");

  const auto e = wire::decode_error(wire::encode(wire::ErrorMessage{4, "no"}));
  CHECK(e.errc == 4);
  CHECK(e.message == "no");

  CHECK(wire::decode_status_reply(wire::encode(wire::StatusReply{"workers 2\n"})).text ==
        "workers 2\n");
  CHECK(wire::decode_init(wire::encode(wire::Init{"/x/p.so"})).plugin_path == "/x/p.so");

  const auto d = wire::decode_init_done(wire::encode(wire::InitDone{false, "dlopen failed"}));
  CHECK_FALSE(d.ok);
  CHECK(d.message == "dlopen failed");

  const auto s = wire::decode_share(wire::encode(wire::Share{"k", "/freshet-1-s0", 12345}));
  CHECK(s.key == "k");
  CHECK(s.segment == "/freshet-1-s0");
  CHECK(s.size == 12345);

  CHECK(wire::decode_unshare(wire::encode(wire::Unshare{"key"})).key == "key");

  const wire::Chunk chunk{.job = 3,
                          .chunk = 99,
                          .task = "fresh.extract_chunk",
                          .args_segment = "/freshet-1-a2",
                          .args_size = 65536,
                          .begin = 10,
                          .end = 20};
  const auto c = wire::decode_chunk(wire::encode(chunk));
  CHECK(c.job == 3);
  CHECK(c.chunk == 99);
  CHECK(c.task == "fresh.extract_chunk");
  CHECK(c.args_segment == "/freshet-1-a2");
  CHECK(c.args_size == 65536);
  CHECK(c.begin == 10);
  CHECK(c.end == 20);
}

TEST_CASE("wire: truncated, extended or corrupted payloads are errors") {
  check_refuses_truncation_and_trailing(wire::encode(wire::Hello{1, 1, "worker"}),
                                        wire::decode_hello);
  check_refuses_truncation_and_trailing(wire::encode(wire::Welcome{1, "x"}), wire::decode_welcome);
  check_refuses_truncation_and_trailing(wire::encode(wire::ErrorMessage{1, "m"}),
                                        wire::decode_error);
  check_refuses_truncation_and_trailing(wire::encode(wire::StatusReply{"t"}),
                                        wire::decode_status_reply);
  check_refuses_truncation_and_trailing(wire::encode(wire::Init{"p"}), wire::decode_init);
  check_refuses_truncation_and_trailing(wire::encode(wire::InitDone{true, ""}),
                                        wire::decode_init_done);
  check_refuses_truncation_and_trailing(wire::encode(wire::Share{"k", "s", 1}), wire::decode_share);
  check_refuses_truncation_and_trailing(wire::encode(wire::Unshare{"k"}), wire::decode_unshare);
  const Bytes chunk = wire::encode(wire::Chunk{.task = "t", .args_segment = "a", .end = 4});
  check_refuses_truncation_and_trailing(chunk, wire::decode_chunk);

  // A string length far past the buffer (a hostile peer's 2^63) is refused, not allocated.
  Bytes hostile = wire::encode(wire::Init{"p"});
  put_u64(hostile, 0, std::uint64_t{1} << 63);
  CHECK_THROWS_AS(wire::decode_init(hostile), Error);
  // An inverted range, an invalid flag, min above max.
  CHECK_THROWS_AS(wire::decode_chunk(wire::encode(
                      wire::Chunk{.task = "t", .args_segment = "a", .begin = 5, .end = 4})),
                  Error);
  Bytes flag = wire::encode(wire::InitDone{true, ""});
  flag[0] = std::byte{7};
  CHECK_THROWS_AS(wire::decode_init_done(flag), Error);
  CHECK_THROWS_AS(wire::decode_hello(wire::encode(wire::Hello{3, 1, "x"})), Error);
  // Errors name the frame.
  try {
    wire::decode_share(Bytes(3));
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == Errc::kParse);
    CHECK(std::string(e.what()).find("SHARE") != std::string::npos);
  }
}

TEST_CASE("wire: frame headers are checked") {
  const Bytes frame = wire::encode_frame(wire::Type::kStatusRequest, {});
  REQUIRE(frame.size() == 16);
  const auto h = wire::decode_header(frame, 256);
  CHECK(h.type == wire::Type::kStatusRequest);
  CHECK(h.length == 0);
  CHECK_THROWS_AS(wire::decode_header(std::span<const std::byte>(frame.data(), 15), 256), Error);
  Bytes bad = frame;
  bad[0] = std::byte{'G'};
  CHECK_THROWS_AS(wire::decode_header(bad, 256), Error);
  bad = frame;
  bad[4] = std::byte{9};  // version 9
  CHECK_THROWS_AS(wire::decode_header(bad, 256), Error);
  bad = frame;
  put_u64(bad, 8, 257);  // longer than an unauthenticated peer may send
  CHECK_THROWS_AS(wire::decode_header(bad, 256), Error);
  CHECK_NOTHROW(wire::decode_header(bad, 1024));
  CHECK(wire::type_name(wire::Type::kResults) == "RESULTS");
}

TEST_CASE("wire: results round-trip, with and without a failure") {
  wire::ResultsWriter out;
  out.start(7, 8, 100);
  const Bytes a = {std::byte{1}, std::byte{2}, std::byte{3}};
  out.add(a);
  out.add({});
  out.finish(wire::kOk, 5000, 3000);
  {
    const Bytes payload(out.payload().begin(), out.payload().end());
    const auto r = wire::decode_results(payload);
    CHECK(r.header.job == 7);
    CHECK(r.header.chunk == 8);
    CHECK(r.header.begin == 100);
    CHECK(r.header.count == 2);
    CHECK(r.header.elapsed_ns == 5000);
    CHECK(r.header.max_task_ns == 3000);
    CHECK(r.header.status == wire::kOk);
    REQUIRE(r.results.size() == 2);
    CHECK(Bytes(r.results[0].begin(), r.results[0].end()) == a);
    CHECK(r.results[1].empty());
    check_refuses_truncation_and_trailing(payload, wire::decode_results);
  }
  // The frame buffer holds the header room: what write_framed_buffer sends.
  CHECK(out.buffer().size() == 16 + out.payload().size());

  out.start(1, 2, 0);  // reuse
  out.add(a);
  out.finish(wire::kTaskFailed, 10, 10, true, 2, "'f': no such function");
  const Bytes failed(out.payload().begin(), out.payload().end());
  const auto r = wire::decode_results(failed);
  CHECK(r.header.count == 1);
  CHECK(r.header.status == wire::kTaskFailed);
  CHECK(r.header.missing_task == 1);
  CHECK(r.errc == 2);
  CHECK(r.message == "'f': no such function");
  check_refuses_truncation_and_trailing(failed, wire::decode_results);
}

TEST_CASE("wire: hostile results are refused") {
  wire::ResultsWriter out;
  out.start(1, 1, 0);
  out.add(Bytes(16, std::byte{5}));
  out.finish(wire::kOk, 1, 1);
  const Bytes good(out.payload().begin(), out.payload().end());
  REQUIRE_NOTHROW(wire::decode_results(good));
  const std::size_t count_at = 24, status_at = 48, missing_at = 52, first_len_at = 56;

  Bytes b = good;
  put_u64(b, count_at, std::numeric_limits<std::uint64_t>::max());  // would reserve 2^64
  CHECK_THROWS_AS(wire::decode_results(b), Error);
  b = good;
  put_u64(b, count_at, 2);  // one more result than present
  CHECK_THROWS_AS(wire::decode_results(b), Error);
  b = good;
  put_u64(b, first_len_at, std::uint64_t{1} << 62);  // a result longer than the frame
  CHECK_THROWS_AS(wire::decode_results(b), Error);
  b = good;
  b[status_at] = std::byte{9};  // unknown status
  CHECK_THROWS_AS(wire::decode_results(b), Error);
  b = good;
  b[missing_at] = std::byte{1};  // missing task without a failure
  CHECK_THROWS_AS(wire::decode_results(b), Error);
  b = good;
  b[status_at] = std::byte{wire::kTaskFailed};  // a failure without its error fields
  CHECK_THROWS_AS(wire::decode_results(b), Error);
  CHECK_THROWS_AS(wire::decode_results(Bytes(55)), Error);  // shorter than the header
}

TEST_CASE("wire: the arguments segment, read in place and bounds-checked") {
  const std::vector<Bytes> args = {Bytes{std::byte{1}}, Bytes{}, Bytes(300, std::byte{7})};
  const std::size_t need = wire::arguments_size(args);
  CHECK(need == 8 + 8 * 4 + 301);
  Bytes segment(need + 100, std::byte{0xee});  // segments are reused: may be larger
  wire::encode_arguments(args, segment);
  const wire::ArgumentsView view(segment);
  REQUIRE(view.size() == 3);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto a = view[i];
    CHECK(Bytes(a.begin(), a.end()) == args[i]);
  }
  CHECK_THROWS_AS(view[3], Error);
  CHECK_THROWS_AS(wire::encode_arguments(args, std::span<std::byte>(segment.data(), need - 1)),
                  Error);

  // A count whose table cannot fit, and offsets that point outside the segment.
  Bytes bad = segment;
  put_u64(bad, 0, std::numeric_limits<std::uint64_t>::max());
  CHECK_THROWS_AS(wire::ArgumentsView{bad}, Error);
  CHECK_THROWS_AS(wire::ArgumentsView{std::span<const std::byte>(segment.data(), 15)}, Error);
  bad = segment;
  put_u64(bad, 8 + 8 * 3, std::uint64_t{1} << 40);  // end of argument 2
  const wire::ArgumentsView corrupt(bad);
  CHECK_NOTHROW(corrupt[0]);
  CHECK_THROWS_AS(corrupt[2], Error);
  bad = segment;
  put_u64(bad, 8 + 8 * 1, 5);  // argument 0 ends after argument 1 begins... and 1 runs backwards
  put_u64(bad, 8 + 8 * 2, 2);
  CHECK_THROWS_AS((wire::ArgumentsView{bad})[1], Error);
}
