// TaskContext::parallel_for: a loop inside a task runs every item exactly once on every in-process
// backend (nested in the pool on threads), and an exception from an item fails the task. No fork
// here (the TSan build runs this file; the process backend's context uses the serial default).
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "mproc/executor.hpp"
#include "mproc/registry.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

// Argument: u64 n. Result: sum over i < n of i * i, each term written by its own item.
Bytes nested_squares(const TaskContext& context, std::span<const std::byte> argument) {
  std::uint64_t n;
  std::memcpy(&n, argument.data(), 8);
  std::vector<std::uint64_t> terms(n, 0);
  context.parallel_for(n, [&](std::size_t i) { terms[i] = i * i; });
  std::uint64_t sum = 0;
  for (auto t : terms) sum += t;
  Bytes out(8);
  std::memcpy(out.data(), &sum, 8);
  return out;
}
Bytes nested_throws(const TaskContext& context, std::span<const std::byte>) {
  context.parallel_for(100, [](std::size_t i) {
    if (i == 37) throw Error(Errc::kInvalidArgument, "item 37 is bad");
  });
  return {};
}
FRESHET_TASK("test.nested.squares", nested_squares);
FRESHET_TASK("test.nested.throws", nested_throws);

}  // namespace

TEST_CASE("TaskContext::parallel_for runs every item once, on every in-process backend") {
  std::vector<Bytes> args;
  for (std::uint64_t n : {0, 1, 7, 1000, 5000, 3}) {
    Bytes b(8);
    std::memcpy(b.data(), &n, 8);
    args.push_back(b);
  }
  for (int workers : {0, 1, 2, 4}) {
    CAPTURE(workers);
    auto ex = make_executor({.workers = workers});
    const auto results = ex->map("test.nested.squares", args);
    REQUIRE(results.size() == args.size());
    for (std::size_t k = 0; k < args.size(); ++k) {
      std::uint64_t n, got, want = 0;
      std::memcpy(&n, args[k].data(), 8);
      std::memcpy(&got, results[k].data(), 8);
      for (std::uint64_t i = 0; i < n; ++i) want += i * i;
      CHECK(got == want);
    }
    CHECK_THROWS_WITH_AS(ex->map("test.nested.throws", std::vector<Bytes>(3)),
                         doctest::Contains("item 37 is bad"), Error);
  }
}
