// CSV reading throughput: freshet's read_csv on a ~100 MB long-layout file of doubles.
//
//   bench_csv_read FILE [--make MB] [--repeat N]
//
// With --make, first writes FILE (id,time,kind,value; 4 kinds; values are random doubles written
// in shortest round-trip form, i.e. 15-17 significant digits, the hard case for a parser). Prints
// one line per run and the best, in MB/s (1 MB = 1e6 bytes) of file read + parsed into a Table.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/format.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [--make MB] [--repeat N]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  double make_mb = 0;
  int repeat = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--make") make_mb = std::atof(argv[i + 1]);
    if (flag == "--repeat") repeat = std::atoi(argv[i + 1]);
  }
  if (make_mb > 0) {
    std::mt19937_64 rng(1);
    std::normal_distribution<double> normal(0.0, 10.0);
    std::string text = "id,time,kind,value\n";
    const char* kinds[] = {"F_x", "F_y", "F_z", "T_x"};
    const std::size_t target = static_cast<std::size_t>(make_mb * 1e6);
    for (long id = 0; text.size() < target; ++id)
      for (const char* kind : kinds)
        for (int t = 0; t < 1000; ++t) {
          text += std::to_string(id);
          text += ',';
          text += std::to_string(t);
          text += ',';
          text += kind;
          text += ',';
          freshet::append_double(text, normal(rng));
          text += '\n';
        }
    freshet::write_file_atomic(path, text);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    std::perror(path.c_str());
    return 1;
  }
  const double mb = static_cast<double>(st.st_size) / 1e6;
  double best = 1e300;
  std::size_t rows = 0;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const freshet::Table table = freshet::read_csv(path);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rows = table.num_rows();
    best = std::min(best, s);
    std::printf("run %d: %.3f s, %.1f MB/s\n", r + 1, s, mb / s);
  }
  std::printf("freshet read_csv: %.1f MB, %zu rows, best %.3f s = %.1f MB/s\n", mb, rows, best,
              mb / best);
  return 0;
}
