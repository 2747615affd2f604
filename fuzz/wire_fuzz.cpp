// Every payload decoder of the mproc wire format (mproc/wire.hpp): the first input byte picks the
// decoder, the rest is the payload. Accepted payloads must survive the round trip: encode(decoded)
// is the same bytes (the encodings are canonical: decoders reject trailing bytes), and the
// arguments segment re-encoded reads back the same arguments.
// fuzz-links: freshet::core freshet::mproc
#include <functional>

#include "fuzz/harness.hpp"
#include "mproc/wire.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

template <class M>
void round_trip(std::span<const std::byte> payload, M (*decode)(std::span<const std::byte>)) {
  M m;
  if (!fuzz::accepts([&] { m = decode(payload); })) return;
  const Bytes again = wire::encode(m);
  FUZZ_CHECK(fuzz::to_string(again) == fuzz::to_string(payload));
}

void results(std::span<const std::byte> payload) {
  wire::Results r;
  if (!fuzz::accepts([&] { r = wire::decode_results(payload); })) return;
  FUZZ_CHECK(r.results.size() == r.header.count);
  // Each result views the payload (ASan checks the reads).
  std::size_t sum = 0;
  for (auto res : r.results)
    for (auto b : res) sum += static_cast<unsigned>(b);
  (void)sum;
  wire::ResultsWriter w;
  w.start(r.header.job, r.header.chunk, r.header.begin);
  for (auto res : r.results) w.add(res);
  w.finish(static_cast<wire::ChunkStatus>(r.header.status), r.header.elapsed_ns,
           r.header.max_task_ns, r.header.missing_task != 0, r.errc, r.message);
  FUZZ_CHECK(fuzz::to_string(w.payload()) == fuzz::to_string(payload));
}

void arguments(std::span<const std::byte> segment) {
  std::vector<Bytes> args;
  const bool ok = fuzz::accepts([&] {
    const wire::ArgumentsView view(segment);
    // A hostile n is bounded by the constructor (n + 1 offsets fit in the segment).
    FUZZ_CHECK(view.size() <= segment.size() / 8);
    for (std::uint64_t i = 0; i < view.size(); ++i) {
      const auto a = view[i];
      args.emplace_back(a.begin(), a.end());
    }
  });
  fuzz::accepts([&] { (void)wire::ArgumentsView(segment)[UINT64_MAX]; });
  if (!ok) return;
  Bytes out(wire::arguments_size(args));
  wire::encode_arguments(args, out);
  const wire::ArgumentsView again(out);
  FUZZ_CHECK(again.size() == args.size());
  for (std::size_t i = 0; i < args.size(); ++i)
    FUZZ_CHECK(fuzz::to_string(again[i]) == fuzz::to_string(args[i]));
}

void header(std::span<const std::byte> bytes) {
  for (std::uint64_t max : {wire::kMaxUnauthenticatedPayload, wire::kMaxPayload}) {
    wire::FrameHeader h;
    if (!fuzz::accepts([&] { h = wire::decode_header(bytes, max); })) continue;
    FUZZ_CHECK(h.length <= max && h.magic == wire::kMagic);
    (void)wire::type_name(h.type);
  }
}

using Decoder = std::function<void(std::span<const std::byte>)>;
const std::vector<Decoder>& decoders() {
  static const std::vector<Decoder> all = {
      header,
      [](auto p) { round_trip(p, wire::decode_hello); },
      [](auto p) { round_trip(p, wire::decode_welcome); },
      [](auto p) { round_trip(p, wire::decode_error); },
      [](auto p) { round_trip(p, wire::decode_status_reply); },
      [](auto p) { round_trip(p, wire::decode_init); },
      [](auto p) { round_trip(p, wire::decode_init_done); },
      [](auto p) { round_trip(p, wire::decode_share); },
      [](auto p) { round_trip(p, wire::decode_unshare); },
      [](auto p) { round_trip(p, wire::decode_chunk); },
      results,
      arguments,
  };
  return all;
}

std::string seed(std::uint8_t which, std::span<const std::byte> payload) {
  return std::string(1, static_cast<char>(which)) + fuzz::to_string(payload);
}

}  // namespace

namespace freshet::fuzz {

Seeds seeds() {
  Seeds s;
  const Bytes hdr = wire::encode_frame(wire::Type::kChunk, Bytes(40));
  s.push_back({"header", seed(0, std::span(hdr).first(16))});
  s.push_back({"hello", seed(1, wire::encode(wire::Hello{.role = "status"}))});
  s.push_back({"welcome", seed(2, wire::encode(wire::Welcome{.description = "freshet mproc"}))});
  s.push_back({"error", seed(3, wire::encode(wire::ErrorMessage{2, "no such task 'x'"}))});
  s.push_back({"status_reply",
               seed(4, wire::encode(wire::StatusReply{"protocol 1\nworkers 2\nrunning 0\n"}))});
  s.push_back({"init", seed(5, wire::encode(wire::Init{"/usr/lib/freshet/multip.so"}))});
  s.push_back({"init_done", seed(6, wire::encode(wire::InitDone{false, "dlopen failed"}))});
  s.push_back({"share", seed(7, wire::encode(wire::Share{"fresh.series", "/frs.1.2", 4096}))});
  s.push_back({"unshare", seed(8, wire::encode(wire::Unshare{"fresh.series"}))});
  s.push_back({"chunk", seed(9, wire::encode(wire::Chunk{3, 7, "fresh.extract_chunk", "/fra.1.3",
                                                         128, 10, 20}))});
  wire::ResultsWriter w;
  w.start(3, 7, 10);
  w.add(Bytes{std::byte{1}, std::byte{2}, std::byte{3}});
  w.add(Bytes{});
  w.finish(wire::kOk, 1000, 600);
  s.push_back({"results_ok", seed(10, w.payload())});
  w.start(3, 8, 12);
  w.add(Bytes(9, std::byte{7}));
  w.finish(wire::kTaskFailed, 10, 10, false, 4, "task failed: bad input");
  s.push_back({"results_failed", seed(10, w.payload())});
  const std::vector<Bytes> args = {Bytes{std::byte{1}}, Bytes{}, Bytes(12, std::byte{9})};
  Bytes segment(wire::arguments_size(args) + 8);  // segments may be larger than the encoding
  wire::encode_arguments(args, segment);
  s.push_back({"arguments", seed(11, segment)});
  return s;
}

}  // namespace freshet::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& all = decoders();
  const Bytes payload = fuzz::copy_bytes(data + 1, size - 1);
  all[data[0] % all.size()](payload);
  return 0;
}
