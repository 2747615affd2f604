// Remote workers over loopback TCP against forked workers (see bench/remote.md and
// bench/remote_bench.sh). The same program is the remote worker: `bench_remote_overhead worker
// PORT KEY STATS_FILE` runs mproc::run_remote_worker, so it has the benchmark's tasks built in.
//
//   bench_remote_overhead tiny   [--reps R]  100,000 tasks, each sums 10 doubles
//   bench_remote_overhead medium [--reps R]  1,000 tasks, each sums 100,000 doubles (800 KB) of a
//                                            100 MB shared blob
//
// Configurations: processes-2 (2 forked workers, shared memory) and remote-2 (no local worker,
// 2 remote workers of 1 thread each on 127.0.0.1, authenticated with a fresh key). Each: one
// untimed warm-up map, then R timed maps (default 7); median and min. Results are checked against
// an exact checksum. remote-2 also reports the blob bytes each remote worker received (the
// 100 MB blob must arrive exactly once per worker, whatever the number of maps).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "mproc/auth.hpp"
#include "mproc/executor.hpp"
#include "mproc/remote.hpp"
#include "tests/free_port.hpp"

using namespace freshet;
using namespace freshet::mproc;

namespace {

constexpr std::size_t kBlobDoubles = (100u << 20) / sizeof(double);

// args: u64 first value index, u64 count. Sums data[first .. first + count).
Bytes sum_range(const TaskContext& context, std::span<const std::byte> argument) {
  std::uint64_t first, len;
  std::memcpy(&first, argument.data(), 8);
  std::memcpy(&len, argument.data() + 8, 8);
  const auto blob = context.shared("data");
  const auto* values = reinterpret_cast<const double*>(blob.data()) + first;
  double s = 0;
  for (std::uint64_t i = 0; i < len; ++i) s += values[i];
  Bytes out(8);
  std::memcpy(out.data(), &s, 8);
  return out;
}
FRESHET_TASK("bench.sum_range", sum_range);

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

struct RemoteSet {
  std::vector<pid_t> pids;
  std::vector<std::string> stats;
};

RemoteSet start_remote_workers(const char* self, int port, const std::string& key, int n) {
  RemoteSet set;
  for (int i = 0; i < n; ++i) {
    const std::string stats = key + ".stats" + std::to_string(i);
    const std::string port_text = std::to_string(port);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execl(self, self, "worker", port_text.c_str(), key.c_str(), stats.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    set.pids.push_back(pid);
    set.stats.push_back(stats);
  }
  return set;
}

void run(const char* self, const char* workload, std::size_t tasks, std::size_t len, int reps) {
  std::vector<Bytes> args(tasks);
  std::vector<double> expected(tasks);
  for (std::uint64_t i = 0; i < tasks; ++i) {
    const std::uint64_t first = (i * len) % (kBlobDoubles - len);
    args[i].resize(16);
    std::memcpy(args[i].data(), &first, 8);
    std::memcpy(args[i].data() + 8, &len, 8);
    expected[i] = expected_sum(first, len);
  }
  std::printf("# %s: %zu tasks x sum of %zu doubles of a 100 MB blob, %d reps (median [min])\n",
              workload, tasks, len, reps);
  char dir_template[] = "/tmp/freshet_bench_remote_XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  const std::string key = dir + "/job.key";
  auth::write_key_file(key);
  double forked_median = 0;
  for (const std::string config : {"processes-2", "remote-2"}) {
    const bool remote = config == "remote-2";
    const int port = freshet::testing::free_port();  // tests/free_port.hpp
    RemoteSet workers;
    if (remote) workers = start_remote_workers(self, port, key, 2);
    const double t_start = now_s();
    auto ex = remote ? make_executor({.workers = 0,
                                      .port = port,
                                      .key_file = key,
                                      .wait_workers = 2,
                                      .wait_timeout_seconds = 60})
                     : make_executor({.workers = 2, .processes = true});
    const double started_s = now_s() - t_start;
    const double t0 = now_s();
    ex->share_with("data", kBlobDoubles * sizeof(double), fill_values);
    const double share_s = now_s() - t0;
    std::vector<double> times;
    for (int r = -1; r < reps; ++r) {
      const double a = now_s();
      const auto results = ex->map("bench.sum_range", args);
      const double b = now_s();
      for (std::size_t i = 0; i < tasks; ++i) {
        double s;
        std::memcpy(&s, results[i].data(), 8);
        if (s != expected[i]) {
          std::fprintf(stderr, "wrong sum for task %zu on %s\n", i, config.c_str());
          std::exit(1);
        }
      }
      if (r >= 0) times.push_back(b - a);
    }
    ex.reset();  // SHUTDOWN: remote workers write their stats and exit
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2], min = times.front();
    if (!remote) forked_median = median;
    std::printf("%-12s %s  us/task %8.4f [%8.4f]  tasks/s %10.0f", config.c_str(), workload,
                1e6 * median / static_cast<double>(tasks), 1e6 * min / static_cast<double>(tasks),
                static_cast<double>(tasks) / median);
    if (remote) std::printf("  throughput vs processes-2 %5.2fx", forked_median / median);
    std::printf("  (start %.3f s, share %.3f s)\n", started_s, share_s);
    for (std::size_t i = 0; i < workers.pids.size(); ++i) {
      int status = 0;
      ::waitpid(workers.pids[i], &status, 0);
      std::ifstream in(workers.stats[i]);
      std::string line;
      std::getline(in, line);
      std::printf("    remote worker %zu: %s (exit %d)\n", i, line.c_str(),
                  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    std::fflush(stdout);
  }
  std::system(("rm -rf '" + dir + "'").c_str());
}

int worker_main(int argc, char** argv) {
  if (argc != 5) return 2;
  RemoteWorkerOptions options;
  options.port = std::atoi(argv[2]);
  options.key_file = argv[3];
  options.threads = 1;
  const RemoteWorkerStats stats = run_remote_worker(options);
  std::ofstream(argv[4]) << "tasks " << stats.tasks << " chunks " << stats.chunks << " blob_bytes "
                         << stats.blob_bytes << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "worker") return worker_main(argc, argv);
    int reps = 7;
    for (int i = 2; i + 1 < argc; ++i)
      if (std::string(argv[i]) == "--reps") reps = std::atoi(argv[i + 1]);
    if (mode == "tiny") {
      run(argv[0], "tiny", 100000, 10, reps);
    } else if (mode == "medium") {
      run(argv[0], "medium", 1000, 100000, reps);
    } else {
      std::fprintf(stderr, "usage: bench_remote_overhead tiny|medium [--reps R]\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_remote_overhead: %s\n", e.what());
    return 1;
  }
  return 0;
}
