// peach fronts and the in-process backends (serial, threads). No fork here: this file is what the
// TSan build checks (mproc/process_executor_test.cpp covers the process backend).
#include "mproc/peach.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <numeric>

#include "core/error.hpp"
#include "mproc/executor.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

double square(const double& x) { return x * x; }
std::string repeat(const std::string& s, const std::int32_t& n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
// Elementwise, as .Q.fc expects: x -> 2x + 1.
std::vector<double> affine(std::span<const double> xs) {
  std::vector<double> out(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) out[i] = 2 * xs[i] + 1;
  return out;
}
FRESHET_TASK("test.peach.square", unary_task(&square));
FRESHET_TASK("test.peach.repeat", binary_task(&repeat));
FRESHET_TASK("test.peach.affine", cut_task(&affine));
Bytes sum_shared(const TaskContext& context, std::span<const std::byte> argument) {
  const auto range = codec::from_bytes<std::pair<std::uint64_t, std::uint64_t>>(argument);
  const auto blob = context.shared("values");
  const auto* values = reinterpret_cast<const double*>(blob.data());
  double sum = 0;
  for (auto i = range.first; i < range.second; ++i) sum += values[i];
  return codec::to_bytes(sum);
}
Bytes fail_on_7(const TaskContext&, std::span<const std::byte> argument) {
  const auto i = codec::from_bytes<std::int64_t>(argument);
  if (i == 7 || i == 9) throw Error(Errc::kInvalidArgument, "seven is bad");
  return codec::to_bytes(i);
}
FRESHET_TASK("test.peach.sum_shared", sum_shared);
FRESHET_TASK("test.peach.fail_on_7", fail_on_7);

std::vector<std::unique_ptr<Executor>> local_executors() {
  std::vector<std::unique_ptr<Executor>> out;
  out.push_back(make_executor({.workers = 0}));
  for (int n : {1, 2, 3, 7}) out.push_back(make_executor({.workers = n}));
  return out;
}

}  // namespace

TEST_CASE("split_ranges: contiguous, sizes differ by at most one, longer last") {
  const auto r = split_ranges(10, 3);
  REQUIRE(r.size() == 3);
  CHECK(r[0] == std::pair<std::size_t, std::size_t>{0, 3});
  CHECK(r[1] == std::pair<std::size_t, std::size_t>{3, 6});
  CHECK(r[2] == std::pair<std::size_t, std::size_t>{6, 10});
  CHECK(split_ranges(2, 5).size() == 2);
  CHECK(split_ranges(0, 5).empty());
}

TEST_CASE("peach_each / peach_pairs / peach_cut on serial and thread backends") {
  std::vector<double> xs(1000);
  std::iota(xs.begin(), xs.end(), -3.5);
  std::vector<double> squares, affines;
  for (double x : xs) squares.push_back(x * x), affines.push_back(2 * x + 1);
  for (auto& ex : local_executors()) {
    CAPTURE(backend_name(ex->backend()));
    CAPTURE(ex->workers());
    CHECK(peach_each<double>(*ex, "test.peach.square", xs) == squares);
    const std::vector<std::string> s = {"a", "bc", "", "d"};
    const std::vector<std::int32_t> n = {3, 2, 5, 0};
    CHECK(peach_pairs<std::string>(*ex, "test.peach.repeat", s, n) ==
          std::vector<std::string>{"aaa", "bcbc", "", ""});
    CHECK_THROWS_AS(
        peach_pairs<std::string>(*ex, "test.peach.repeat", s, std::vector<std::int32_t>{1}), Error);
    for (std::size_t parts : {0, 1, 3, 7, 1000}) {
      CAPTURE(parts);
      CHECK(peach_cut<double>(*ex, "test.peach.affine", xs, parts) == affines);
    }
    // One item and no items run inline.
    CHECK(peach_each<double>(*ex, "test.peach.square", std::vector<double>{3}) ==
          std::vector<double>{9});
    CHECK(peach_each<double>(*ex, "test.peach.square", std::vector<double>{}).empty());
  }
}

TEST_CASE("share / share_with: tasks read the blob by key, same sums on every backend") {
  std::vector<double> values(100000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 0.5 * static_cast<double>(i % 97);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (const auto& [b, e] : split_ranges(values.size(), 37)) ranges.emplace_back(b, e);
  std::vector<double> expected;
  for (const auto& [b, e] : ranges) {
    double s = 0;
    for (auto i = b; i < e; ++i) s += values[i];
    expected.push_back(s);
  }
  for (auto& ex : local_executors()) {
    CAPTURE(ex->workers());
    ex->share("values", std::as_bytes(std::span<const double>(values)));
    CHECK(peach_each<double>(*ex, "test.peach.sum_shared", ranges) == expected);
    ex->share_with("values", values.size() * sizeof(double), [&](std::span<std::byte> out) {
      std::memcpy(out.data(), values.data(), out.size());
    });
    CHECK(peach_each<double>(*ex, "test.peach.sum_shared", ranges) == expected);
    ex->unshare("values");
    CHECK_THROWS_AS(peach_each<double>(*ex, "test.peach.sum_shared", ranges), Error);
  }
}

TEST_CASE("a failing task: error names the task, its index and the worker") {
  std::vector<std::int64_t> items(20);
  std::iota(items.begin(), items.end(), 0);
  for (auto& ex : local_executors()) {
    CAPTURE(ex->workers());
    try {
      peach_each<std::int64_t>(*ex, "test.peach.fail_on_7", items);
      FAIL("expected a failure");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::kWorkerFailed);
      const std::string what = e.what();
      CHECK(what.find("task 'test.peach.fail_on_7'") != std::string::npos);
      CHECK(what.find("seven is bad") != std::string::npos);
      CHECK(what.find("worker") != std::string::npos);
      // The serial backend stops at the first failure, #7; threads report the lowest failing
      // index they saw, which is 7 or 9.
      CHECK((what.find("#7 ") != std::string::npos || what.find("#9 ") != std::string::npos));
    }
    // The executor is still usable afterwards.
    CHECK(peach_each<double>(*ex, "test.peach.square", std::vector<double>{1, 2}) ==
          std::vector<double>{1, 4});
  }
}

TEST_CASE("an unknown task name throws kNotFound naming it") {
  for (auto& ex : local_executors()) {
    try {
      peach_each<double>(*ex, "no.such.task", std::vector<double>{1, 2});
      FAIL("expected kNotFound");
    } catch (const Error& e) {
      CHECK(e.code() == Errc::kNotFound);
      CHECK(std::string(e.what()).find("'no.such.task'") != std::string::npos);
    }
  }
}

#if defined(__SANITIZE_THREAD__)
// oneTBB's scheduler (libtbb.so) is not built with TSan, so TSan cannot see the synchronisation
// that hands a task object from one thread to another and reports races on the task's own fields
// (start_for, blocked_range, partitioner state) inside TBB's headers. Those reports, and only
// those, are suppressed.
extern "C" const char* __tsan_default_suppressions() {
  // race_top: only reports whose innermost frame is TBB's own code; the race: lines name TBB
  // bookkeeping functions that never call a task body. A race in a task body is still reported
  // (checked with a deliberately racy task); mproc/local_executor.cpp annotates the fork/join
  // edges that TBB's uninstrumented scheduler hides.
  return "race_top:oneapi/tbb/\n"
         "race:tbb::detail::d1::task_group_context\n"
         "race:check_being_stolen\n"
         "race:tbb::detail::d1::fold_tree\n"
         "called_from_lib:libtbb.so\n";
}
#endif
