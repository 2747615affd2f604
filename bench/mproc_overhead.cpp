// mproc overhead and throughput (see bench/mproc.md for results and bench/mproc_bench.sh).
//
//   bench_mproc_overhead tiny    [--reps R]   100,000 tasks, each sums 10 doubles
//   bench_mproc_overhead medium  [--reps R]   1,000 tasks, each sums 100,000 doubles (800 MB)
//   bench_mproc_overhead datamove [--reps R]  a 100 MB input shared with 2 workers, each sums it
//
// Every configuration: one untimed warm-up map, then R timed maps (default 7); prints one line per
// configuration with the median and min. Results are checked against an exact checksum (values are
// multiples of 0.5, so every summation order gives the same sum).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "mproc/control.hpp"
#include "mproc/executor.hpp"
#include "mproc/peach.hpp"
#include "tests/free_port.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

// args: u64 block index, u64 block length. Sums data[index*len .. (index+1)*len).
Bytes sum_block(const TaskContext& context, std::span<const std::byte> argument) {
  std::uint64_t index, len;
  std::memcpy(&index, argument.data(), 8);
  std::memcpy(&len, argument.data() + 8, 8);
  const auto blob = context.shared("data");
  const auto* values = reinterpret_cast<const double*>(blob.data()) + index * len;
  double s = 0;
  for (std::uint64_t i = 0; i < len; ++i) s += values[i];
  Bytes out(8);
  std::memcpy(out.data(), &s, 8);
  return out;
}
Bytes my_pid(const TaskContext&, std::span<const std::byte>) {
  return codec::to_bytes(static_cast<std::int32_t>(::getpid()));
}
FRESHET_TASK("bench.sum_block", sum_block);
FRESHET_TASK("bench.pid", my_pid);

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void fill_values(std::span<std::byte> out) {
  auto* v = reinterpret_cast<double*>(out.data());
  const std::size_t n = out.size() / sizeof(double);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.5 * static_cast<double>(i % 7);
}
double expected_sum(std::size_t begin, std::size_t len) {
  double s = 0;
  for (std::size_t i = begin; i < begin + len; ++i) s += 0.5 * static_cast<double>(i % 7);
  return s;
}

struct Config {
  std::string name;
  ExecutorOptions options;
};

std::vector<Config> configs() {
  return {{"serial", {.workers = 0}},
          {"threads-1", {.workers = 1}},
          {"threads-2", {.workers = 2}},
          {"processes-1", {.workers = 1, .processes = true}},
          {"processes-2", {.workers = 2, .processes = true}}};
}

void run_map_bench(const char* workload, std::size_t tasks, std::size_t len, int reps) {
  std::vector<Bytes> args(tasks);
  for (std::uint64_t i = 0; i < tasks; ++i) {
    args[i].resize(16);
    std::memcpy(args[i].data(), &i, 8);
    std::memcpy(args[i].data() + 8, &len, 8);
  }
  std::vector<double> expected(tasks);
  for (std::size_t i = 0; i < tasks; ++i) expected[i] = expected_sum(i * len, len);
  std::printf("# %s: %zu tasks x sum of %zu doubles, %d reps (median [min])\n", workload, tasks,
              len, reps);
  double serial_median = 0, one_worker = 0;
  for (const auto& config : configs()) {
    auto ex = make_executor(config.options);
    const double t0 = now_s();
    ex->share_with("data", tasks * len * sizeof(double), fill_values);
    const double share_s = now_s() - t0;
    std::vector<double> times;
    for (int r = -1; r < reps; ++r) {
      const double a = now_s();
      const auto results = ex->map("bench.sum_block", args);
      const double b = now_s();
      for (std::size_t i = 0; i < tasks; ++i) {
        double s;
        std::memcpy(&s, results[i].data(), 8);
        if (s != expected[i]) {
          std::fprintf(stderr, "wrong sum for task %zu on %s\n", i, config.name.c_str());
          std::exit(1);
        }
      }
      if (r >= 0) times.push_back(b - a);
    }
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2], min = times.front();
    if (config.name == "serial") serial_median = median;
    if (config.name == "processes-1") one_worker = median;
    std::printf("%-12s %s  us/task %8.4f [%8.4f]  tasks/s %10.0f  vs serial %5.2fx",
                config.name.c_str(), workload, 1e6 * median / static_cast<double>(tasks),
                1e6 * min / static_cast<double>(tasks), static_cast<double>(tasks) / median,
                serial_median / median);
    if (config.name == "processes-2" && one_worker > 0)
      std::printf("  vs processes-1 %5.2fx", one_worker / median);
    std::printf("  (share %.3f s)\n", share_s);
    std::fflush(stdout);
  }
}

// Pss and peak RSS (VmHWM) of one process, in MB.
std::pair<double, double> memory_mb(pid_t pid) {
  double pss = 0, hwm = 0;
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string key;
  double kb;
  std::string unit;
  std::string line;
  while (std::getline(rollup, line)) {
    std::istringstream in(line);
    if (in >> key >> kb && key == "Pss:") pss = kb / 1024;
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    std::istringstream in(line);
    if (in >> key >> kb && key == "VmHWM:") hwm = kb / 1024;
  }
  return {pss, hwm};
}

void run_datamove(int reps) {
  const std::size_t bytes = 100u << 20;
  const std::size_t n = bytes / sizeof(double);
  const int port = freshet::testing::free_port();  // reserved below the ephemeral range
  std::printf(
      "# datamove: 100 MB (%zu doubles) shared with 2 worker processes, each sums all of "
      "it; %d reps\n",
      n, reps);
  auto ex = make_executor({.workers = 2, .port = port});
  const auto status_before = request_status("127.0.0.1", port);
  std::vector<Bytes> args(2);
  for (auto& a : args) {
    a.resize(16);
    const std::uint64_t zero = 0, len = n;
    std::memcpy(a.data(), &zero, 8);
    std::memcpy(a.data() + 8, &len, 8);
  }
  const double want = expected_sum(0, n);
  std::vector<double> share_times, map_times;
  for (int r = -1; r < reps; ++r) {
    ex->unshare("data");
    const double a = now_s();
    ex->share_with("data", bytes, fill_values);  // written once, in place, into shared memory
    const double b = now_s();
    const auto results = ex->map("bench.sum_block", args);
    const double c = now_s();
    for (const auto& res : results) {
      double s;
      std::memcpy(&s, res.data(), 8);
      if (s != want) {
        std::fprintf(stderr, "wrong sum\n");
        std::exit(1);
      }
    }
    if (r >= 0) share_times.push_back(b - a), map_times.push_back(c - b);
  }
  std::sort(share_times.begin(), share_times.end());
  std::sort(map_times.begin(), map_times.end());
  // All processes of the tree while the data is shared and mapped everywhere.
  std::vector<pid_t> pids = {::getpid()};
  std::istringstream st(request_status("127.0.0.1", port));
  std::string key;
  while (st >> key) {
    std::string rest;
    std::getline(st, rest);
    std::istringstream r(rest);
    if (key == "supervisor_pid") {
      pid_t p;
      r >> p;
      pids.push_back(p);
    } else if (key == "worker") {
      int slot;
      std::string w;
      pid_t p;
      r >> slot >> w >> p;
      pids.push_back(p);
    }
  }
  double pss = 0, hwm = 0;
  for (pid_t p : pids) {
    const auto [a, b] = memory_mb(p);
    pss += a;
    hwm += b;
    std::printf("  pid %d: Pss %.1f MB, peak RSS %.1f MB\n", p, a, b);
  }
  // Reference: one process summing the array itself (the compute floor of one round).
  std::vector<double> local(n);
  fill_values(std::as_writable_bytes(std::span<double>(local)));
  const double l0 = now_s();
  double ls = 0;
  for (double v : local) ls += v;
  const double local_s = now_s() - l0;
  if (ls != want) std::exit(1);
  local = {};
  std::printf(
      "datamove  share (write 100 MB into shm) ms %.1f [%.1f]  map (2 workers each sum "
      "it) ms %.1f [%.1f]  one process summing its own copy ms %.1f  total Pss %.1f MB "
      "(%.2fx of 100 MB)  sum of peak RSS %.1f MB (shared pages counted in each process)\n",
      1e3 * share_times[share_times.size() / 2], 1e3 * share_times.front(),
      1e3 * map_times[map_times.size() / 2], 1e3 * map_times.front(), 1e3 * local_s, pss,
      pss / 100.0, hwm);
  (void)status_before;
}

}  // namespace

int main(int argc, char** argv) {
  std::string what = argc > 1 ? argv[1] : "tiny";
  int reps = 7;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--reps") reps = std::atoi(argv[i + 1]);
  try {
    if (what == "tiny")
      run_map_bench("tiny", 100000, 10, reps);
    else if (what == "medium")
      run_map_bench("medium", 1000, 100000, reps);
    else if (what == "datamove")
      run_datamove(reps);
    else {
      std::fprintf(stderr, "usage: %s tiny|medium|datamove [--reps R]\n", argv[0]);
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
