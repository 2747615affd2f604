// The MPI backend's own checks, run by CTest under `mpiexec -np K` (tests/CMakeLists.txt): every
// rank runs this program; rank 0 runs the scenario named by argv[1], the others serve tasks.
// Prints "ok: <scenario>" and exits 0 when every check holds; otherwise one line per failed
// check on stderr and exit 1.
//
//   map        results equal the serial executor's, in order, for 2..5000 tasks; shared blobs
//              (re-shared, unshared) and a task's nested parallel_for seen on every rank
//   throw      task #37 throws: Error(kWorkerFailed) naming task, index, rank and host; the
//              executor then runs the next map correctly; a task no rank knows is 'func
//   plugin     init() of the walk-through plug-in on every rank, then its task; a missing
//              plug-in is Error(kNotFound) naming the path
//   kill       the rank running task #5 dies (SIGKILL): the launcher ends the job and rank 0's
//              last line names the task (the CTest checks the output; this never prints ok)

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <numeric>
#include <string>
#include <thread>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "mproc/executor.hpp"
#include "mproc/mpi_executor.hpp"
#include "mproc/peach.hpp"

using namespace freshet;

namespace {

std::uint64_t arg_u64(std::span<const std::byte> a) {
  std::uint64_t v = 0;
  if (a.size() != sizeof v) throw Error(Errc::kInvalidArgument, "expected a u64 argument");
  std::memcpy(&v, a.data(), sizeof v);
  return v;
}
Bytes u64_bytes(std::uint64_t v) {
  Bytes b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}

// i -> i*i, then as many bytes of the shared blob "blob" (if any) as i % 5, so results differ
// in length and depend on the shared data.
Bytes square(const mproc::TaskContext& context, std::span<const std::byte> argument) {
  const std::uint64_t i = arg_u64(argument);
  Bytes out = u64_bytes(i * i);
  std::span<const std::byte> blob;
  try {
    blob = context.shared("blob");
  } catch (const Error&) {
  }
  for (std::uint64_t k = 0; k < i % 5 && k < blob.size(); ++k)
    out.push_back(blob[(i + k) % blob.size()]);
  return out;
}
FRESHET_TASK("mpi_test.square", square);

// Sum of 0..i-1 computed by a nested parallel_for (on the rank's own threads).
Bytes nested_sum(const mproc::TaskContext& context, std::span<const std::byte> argument) {
  const std::uint64_t n = arg_u64(argument);
  std::vector<std::uint64_t> parts(n);
  context.parallel_for(n, [&](std::size_t k) { parts[k] = k; });
  return u64_bytes(std::accumulate(parts.begin(), parts.end(), std::uint64_t{0}));
}
FRESHET_TASK("mpi_test.nested_sum", nested_sum);

Bytes throw_at_37(const mproc::TaskContext&, std::span<const std::byte> argument) {
  const std::uint64_t i = arg_u64(argument);
  if (i == 37) throw Error(Errc::kInvalidArgument, "thirty-seven is not allowed");
  return u64_bytes(i);
}
FRESHET_TASK("mpi_test.throw_at", throw_at_37);

// Task #5 kills its rank (never rank 0: one-item maps are the only inline ones); the others
// take a while, so the job is still running when the launcher reacts.
Bytes kill_at_5(const mproc::TaskContext&, std::span<const std::byte> argument) {
  const std::uint64_t i = arg_u64(argument);
  if (i == 5) ::raise(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return u64_bytes(i);
}
FRESHET_TASK("mpi_test.kill_at", kill_at_5);

int failures = 0;
void expect(bool ok, const std::string& what) {
  if (ok) return;
  ++failures;
  std::cerr << "FAILED: " << what << "\n";
}

std::vector<Bytes> indices(std::size_t n) {
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(u64_bytes(i));
  return out;
}

void scenario_map(mproc::Executor& mpi) {
  auto serial = mproc::make_executor({.workers = 0});
  for (std::size_t n : {2, 7, 100, 5000}) {
    const auto args = indices(n);
    expect(mpi.map("mpi_test.square", args) == serial->map("mpi_test.square", args),
           "square over " + std::to_string(n) + " tasks, no blob");
  }
  Bytes blob(1 << 20);
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<std::byte>(i * 7 + 3);
  const auto args = indices(999);
  {
    mproc::ScopedShare a(mpi, "blob", blob);
    mproc::ScopedShare b(*serial, "blob", blob);
    expect(mpi.map("mpi_test.square", args) == serial->map("mpi_test.square", args),
           "square with a shared blob");
  }
  // Re-share under the same key with other bytes (share_with fills in place).
  mpi.share_with("blob", 333, [](std::span<std::byte> out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(255 - i);
  });
  serial->share_with("blob", 333, [](std::span<std::byte> out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(255 - i);
  });
  expect(mpi.map("mpi_test.square", args) == serial->map("mpi_test.square", args),
         "square with a re-shared blob");
  mpi.unshare("blob");
  serial->unshare("blob");
  expect(mpi.map("mpi_test.square", args) == serial->map("mpi_test.square", args),
         "square after unshare");
  // An empty blob is a blob.
  mpi.share("blob", {});
  expect(mpi.map("mpi_test.square", indices(50)) == serial->map("mpi_test.square", indices(50)),
         "an empty blob");
  mpi.unshare("blob");
  std::vector<Bytes> sizes;
  for (std::uint64_t n : {0, 1, 10, 1000, 100000}) sizes.push_back(u64_bytes(n));
  const auto sums = mpi.map("mpi_test.nested_sum", sizes);
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const std::uint64_t n = arg_u64(sizes[k]);
    expect(arg_u64(sums[k]) == n * (n == 0 ? 0 : n - 1) / 2, "nested parallel_for sum");
  }
}

void scenario_throw(mproc::Executor& mpi) {
  try {
    mpi.map("mpi_test.throw_at", indices(200));
    expect(false, "a throwing task fails the map");
  } catch (const Error& e) {
    const std::string what = e.what();
    std::cout << "error: " << what << "\n";
    expect(e.code() == Errc::kWorkerFailed, "kWorkerFailed");
    expect(what.find("task 'mpi_test.throw_at' #37 failed on rank ") != std::string::npos,
           "names task, index and rank: " + what);
    expect(what.find("(host ") != std::string::npos, "names the host: " + what);
    expect(what.find("thirty-seven is not allowed") != std::string::npos, "original message");
  }
  auto serial = mproc::make_executor({.workers = 0});
  const auto args = indices(300);
  expect(mpi.map("mpi_test.square", args) == serial->map("mpi_test.square", args),
         "the executor works after a failed map");
  try {
    mpi.map("no.such.task", indices(10));
    expect(false, "an unknown task fails the map");
  } catch (const Error& e) {
    expect(e.code() == Errc::kNotFound, "unknown task: kNotFound");
    expect(
        std::string(e.what()).find("'no.such.task': no such function on rank") != std::string::npos,
        std::string("unknown task names the rank: ") + e.what());
  }
}

void scenario_plugin(mproc::Executor& mpi, const std::string& plugin) {
  try {
    mpi.init("/nonexistent/plugin.so");
    expect(false, "a missing plug-in fails init");
  } catch (const Error& e) {
    expect(e.code() == Errc::kNotFound, "missing plug-in: kNotFound");
    expect(std::string(e.what()).find("/nonexistent/plugin.so") != std::string::npos,
           "names the path");
  }
  mpi.init(plugin);
  const std::vector<std::vector<double>> items{{1}, {2}, {3}, {4}, {5}, {6}, {7}};
  auto serial = mproc::make_executor({.workers = 0, .plugins = {plugin}});
  expect(mproc::peach_each<std::vector<double>>(mpi, "func", items) ==
             mproc::peach_each<std::vector<double>>(*serial, "func", items),
         "the plug-in's task on every rank");
}

}  // namespace

int main(int argc, char** argv) {
  mproc::MpiSession session(true);
  if (session.worker()) return session.serve();
  const std::string scenario = argc > 1 ? argv[1] : "";
  try {
    auto mpi = mproc::make_executor({.workers = 2, .mpi = true});
    expect(mpi->backend() == mproc::Backend::kMpi, "the MPI backend under a session");
    if (scenario == "map") {
      scenario_map(*mpi);
    } else if (scenario == "throw") {
      scenario_throw(*mpi);
    } else if (scenario == "plugin") {
      scenario_plugin(*mpi, argc > 2 ? argv[2] : "");
    } else if (scenario == "kill") {
      mpi->map("mpi_test.kill_at", indices(40));
      expect(false, "the job survived a killed rank");
    } else {
      std::cerr << "usage: mpi_driver map|throw|plugin PLUGIN|kill\n";
      return 2;
    }
    bool refused = false;
    try {
      mproc::make_executor({.workers = 2, .port = 0, .processes = true});
    } catch (const Error& e) {
      refused = e.code() == Errc::kUsage;
    }
    expect(refused, "no forked workers under MPI");
  } catch (const std::exception& e) {
    std::cerr << "FAILED: unexpected error: " << e.what() << "\n";
    return 1;
  }
  if (failures) return 1;
  std::cout << "ok: " << scenario << " on " << session.size() << " ranks\n";
  return 0;
}
