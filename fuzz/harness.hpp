#pragma once
// What every libFuzzer harness in fuzz/ shares (fuzz/README.md).
//
// A harness is one file, fuzz/<name>_fuzz.cpp (CMake globs them), that defines
//
//   extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
//   freshet::fuzz::Seeds freshet::fuzz::seeds();  // its seed corpus
//
// seeds() builds small valid inputs with the real encoders (wire::encode, BlobLayout, put_spec,
// format_csv) or takes the head of real files of the source tree (source_file). harness.cpp
// supplies LLVMFuzzerInitialize: run with FRESHET_FUZZ_WRITE_SEEDS=DIR in the environment, a
// harness writes its seeds into DIR, one file each, and exits; fuzz/make_corpus.sh does that for
// every harness to regenerate the committed fuzz/corpus/<name>/.
//
// The rule every harness checks: bad input is answered with freshet::Error (the decoders'
// documented contract), never a crash, undefined behaviour, a leak, an unbounded allocation, a
// hang, or another exception type. Where a decoder has an encoder, a harness also checks the round
// trip (decode, encode, decode gives the same value): FUZZ_CHECK aborts when it does not, which
// libFuzzer reports like a crash.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"

namespace freshet::fuzz {

struct Seed {
  std::string name;  // file name in the corpus folder
  std::string bytes;
};
using Seeds = std::vector<Seed>;

// Defined by each harness.
Seeds seeds();

// The source tree's root (absolute).
const char* source_dir();
// The first max_bytes (or fewer) of a file of the source tree, cut after the last line end.
std::string source_file(const std::string& relative, std::size_t max_bytes = 4096);

inline std::string to_string(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
// A copy in a Bytes buffer: 16-byte aligned from operator new, and exactly `size` long, so
// ASan sees any read past the end.
inline Bytes copy_bytes(const std::uint8_t* data, std::size_t size) {
  const auto* p = reinterpret_cast<const std::byte*>(data);
  return Bytes(p, p + size);
}

// Runs f and says whether it returned. freshet::Error is the documented answer to bad input: it is
// swallowed (its message must say something). Any other exception escapes to libFuzzer, which
// reports it as a crash.
template <class F>
bool accepts(F&& f) {
  try {
    f();
    return true;
  } catch (const Error& e) {
    if (std::string_view(e.what()).empty()) {
      std::fprintf(stderr, "fuzz: an Error without a message\n");
      std::abort();
    }
    return false;
  }
}

[[noreturn]] inline void check_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz: check failed at %s:%d: %s\n", file, line, what);
  std::abort();
}

}  // namespace freshet::fuzz

// An invariant of the decoder (a round trip, a bound): a failure is a finding, like a crash.
#define FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::freshet::fuzz::check_failed(#cond, __FILE__, __LINE__))
