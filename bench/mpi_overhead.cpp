// The MPI backend against forked worker processes (bench/mpi.sh runs it; results in bench/mpi.md).
//
//   bench_mpi_overhead BACKEND WORKLOAD [--workers W] [--reps R]
//     BACKEND   mpi (run under `mpiexec -np W+1`: rank 0 hands out, W ranks compute)
//               processes (W forked workers, the process backend)
//     WORKLOAD  tiny      100,000 tasks, each returns its index (pure overhead)
//               medium    400 tasks of ~5 ms of arithmetic each (throughput)
//               pingpong  1,000 maps of 2 one-byte tasks (the round trip per message)
//               share     a 100 MB blob shared, then every worker reads all of it; prints the
//                         share time and the Rss and Pss (proportional set size: shared pages
//                         counted once overall) summed over every process of the job
//
// One untimed warm-up map, then R timed ones (default 5); prints the median and min seconds.
// Results are checked (indices, a known arithmetic sum).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "mproc/executor.hpp"
#include "mproc/mpi_executor.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

Bytes u64_bytes(std::uint64_t v) {
  Bytes b(8);
  std::memcpy(b.data(), &v, 8);
  return b;
}
std::uint64_t u64_of(std::span<const std::byte> b) {
  std::uint64_t v = 0;
  std::memcpy(&v, b.data(), std::min<std::size_t>(8, b.size()));
  return v;
}

Bytes echo(const TaskContext&, std::span<const std::byte> a) { return Bytes(a.begin(), a.end()); }
FRESHET_TASK("bench_mpi.echo", echo);

// ~5 ms of dependent arithmetic (no memory traffic): the same result on every backend.
Bytes medium(const TaskContext&, std::span<const std::byte> a) {
  std::uint64_t x = u64_of(a) + 1;
  for (int k = 0; k < 4'000'000; ++k) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return u64_bytes(x);
}
FRESHET_TASK("bench_mpi.medium", medium);

// Reads the whole shared blob (every page), then reports pid, Rss and Pss in kB.
std::uint64_t smaps_kb(const std::string& field) {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  return 0;
}
Bytes touch(const TaskContext& context, std::span<const std::byte>) {
  const auto blob = context.shared("blob");
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < blob.size(); i += 4096) sum += static_cast<std::uint8_t>(blob[i]);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let every worker take one
  Bytes out(32);
  const std::uint64_t v[4] = {static_cast<std::uint64_t>(::getpid()), smaps_kb("Rss"),
                              smaps_kb("Pss"), sum};
  std::memcpy(out.data(), v, 32);
  return out;
}
FRESHET_TASK("bench_mpi.touch", touch);

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::vector<Bytes> indices(std::size_t n) {
  std::vector<Bytes> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(u64_bytes(i));
  return out;
}

void report(const std::string& what, std::vector<double> times, const std::string& extra = {}) {
  std::sort(times.begin(), times.end());
  std::printf("%s: median %.4f s, min %.4f s%s\n", what.c_str(), times[times.size() / 2],
              times.front(), extra.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const bool want_mpi = argc > 1 && std::string(argv[1]) == "mpi";
  MpiSession session(want_mpi);
  if (session.worker()) return session.serve();
  if (argc < 3) {
    std::cerr << "usage: bench_mpi_overhead mpi|processes tiny|medium|pingpong|share "
                 "[--workers W] [--reps R]\n";
    return 2;
  }
  const std::string backend = argv[1], workload = argv[2];
  int workers = 2, reps = 5;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--workers") workers = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--reps") reps = std::atoi(argv[i + 1]);
  }
  std::unique_ptr<Executor> ex;
  if (want_mpi) {
    ex = make_executor({.workers = 1, .mpi = true});  // one thread per rank
    workers = ex->workers();
  } else {
    ex = make_executor({.workers = workers, .processes = true});
  }
  const std::string label = backend + " " + std::to_string(workers) + " workers, " + workload;
  std::vector<double> times;
  if (workload == "tiny" || workload == "medium") {
    const std::size_t n = workload == "tiny" ? 100'000 : 400;
    const std::string task = workload == "tiny" ? "bench_mpi.echo" : "bench_mpi.medium";
    const auto args = indices(n);
    const auto expected = ex->map(task, args);  // warm-up
    for (int r = 0; r < reps; ++r) {
      const double t = now_s();
      const auto got = ex->map(task, args);
      times.push_back(now_s() - t);
      if (got != expected) {
        std::cerr << "wrong results\n";
        return 1;
      }
    }
    if (workload == "tiny") {
      for (std::size_t i = 0; i < n; i += 9973)
        if (u64_of(expected[i]) != i) return 1;
    }
    report(label, times);
  } else if (workload == "pingpong") {
    const auto args = indices(2);
    ex->map("bench_mpi.echo", args);
    for (int r = 0; r < reps; ++r) {
      const double t = now_s();
      for (int k = 0; k < 1000; ++k) ex->map("bench_mpi.echo", args);
      times.push_back((now_s() - t) / 1000 * 1e6);
    }
    std::sort(times.begin(), times.end());
    std::printf("%s: median %.1f us, min %.1f us per 2-task map\n", label.c_str(),
                times[times.size() / 2], times.front());
  } else if (workload == "share") {
    const std::size_t size = 100u << 20;
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> mem;  // pid -> rss, pss
    std::uint64_t checksum = 0;
    for (int r = 0; r < reps; ++r) {
      const double t = now_s();
      ex->share_with("blob", size, [](std::span<std::byte> out) {
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i % 251);
      });
      times.push_back(now_s() - t);
      const auto got = ex->map("bench_mpi.touch", indices(static_cast<std::size_t>(4 * workers)));
      for (const auto& b : got) {
        std::uint64_t v[4];
        std::memcpy(v, b.data(), 32);
        mem[v[0]] = {v[1], v[2]};
        checksum = v[3];
      }
      if (r + 1 < reps) ex->unshare("blob");
    }
    // Rank 0 / the central process holds the blob too: count it.
    const std::uint64_t self = static_cast<std::uint64_t>(::getpid());
    mem[self] = {smaps_kb("Rss"), smaps_kb("Pss")};
    std::uint64_t rss = 0, pss = 0;
    for (const auto& [pid, m] : mem) {
      rss += m.first;
      pss += m.second;
    }
    char extra[200];
    std::snprintf(extra, sizeof extra,
                  "; %zu processes reported; total Rss %.1f MB, total Pss %.1f MB (checksum %llu)",
                  mem.size(), rss / 1024.0, pss / 1024.0,
                  static_cast<unsigned long long>(checksum));
    report(label + " (share 100 MB)", times, extra);
  } else {
    std::cerr << "unknown workload " << workload << "\n";
    return 2;
  }
  return 0;
}
