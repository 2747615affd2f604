// Writes a long-layout series CSV (id,time,kind,value) to standard output, for bench/bigdata.sh:
// `bench_bigdata_gen ROWS [KINDS] [LENGTH]` gives ROWS rows (rounded down to whole series), ids
// 0, 1, ... each with KINDS kinds (a, b, ...) of LENGTH points, grouped by id; values are random
// walks printed with 9 significant digits. Deterministic (fixed seed): the same bytes every run.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_bigdata_gen ROWS [KINDS=2] [LENGTH=500]\n");
    return 2;
  }
  const long long rows = std::atoll(argv[1]);
  const int kinds = argc > 2 ? std::atoi(argv[2]) : 2;
  const long long length = argc > 3 ? std::atoll(argv[3]) : 500;
  if (rows < 0 || kinds < 1 || kinds > 26 || length < 1) return 2;
  const long long ids = rows / (kinds * length);
  std::mt19937_64 rng(42);
  std::normal_distribution<double> step(0.0, 1.0);
  std::string out = "id,time,kind,value\n";
  char line[96];
  for (long long id = 0; id < ids; ++id) {
    for (int k = 0; k < kinds; ++k) {
      double w = 0.0;
      for (long long t = 0; t < length; ++t) {
        w += step(rng);
        const int n = std::snprintf(line, sizeof line, "%lld,%lld,%c,%.9g\n", id, t, 'a' + k, w);
        out.append(line, static_cast<std::size_t>(n));
      }
    }
    if (out.size() > (1u << 20)) {
      if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) return 1;
      out.clear();
    }
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) return 1;
  return std::fflush(stdout) == 0 ? 0 : 1;
}
