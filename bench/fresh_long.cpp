// Per-calculator cost on long series: every calculator of the `comprehensive` preset, run on its
// own over random walks of several lengths on one core, and the whole preset through
// extract_features with a serial executor. Prints a markdown table of ms per series.
//
//   bench_fresh_long [--sizes 1000,4000,16000,64000] [--series 20,10,4,2] [--calc NAME]...
//                    [--reps 3] [--shape walk|noise]
//
// Each cell is the least of `reps` CPU-time measurements (the machine is shared: CPU time and the
// least of several runs are what other load distorts least). A calculator's time includes the
// Series intermediates it asks for (a fresh Series per series), so the column of a calculator is
// what adding it to a run costs at most.
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "fresh/calculator.hpp"
#include "fresh/extract.hpp"
#include "fresh/series.hpp"
#include "fresh/settings.hpp"
#include "mproc/executor.hpp"

namespace {

using namespace freshet;

std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const std::size_t comma = std::min(s.find(',', pos), s.size());
    out.push_back(std::stoul(s.substr(pos, comma - pos)));
    pos = comma + 1;
  }
  return out;
}

// Gaussian-step random walk (Box-Muller on a 64-bit LCG), deterministic per (n, k); with `noise`,
// the Gaussian steps themselves (white noise).
std::vector<double> random_walk(std::size_t n, std::size_t k, bool noise) {
  std::vector<double> x(n);
  unsigned long long s = 0x9E3779B97F4A7C15ull * (n + 1) + 7919 * (k + 1);
  auto uniform = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return (static_cast<double>(s >> 11) + 0.5) / 9007199254740992.0;
  };
  double walk = 0;
  for (auto& v : x) {
    const double step =
        std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
    walk += step;
    v = noise ? step : walk;
  }
  return x;
}

// CPU seconds of this process: everything here runs on the calling thread, and CPU time is what
// a shared machine distorts least.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {1000, 4000, 16000, 64000};
  std::vector<std::size_t> counts = {20, 10, 4, 2};
  std::vector<std::string> only;
  int reps = 3;
  bool noise = false;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (a + 1 >= argc) {
      std::cerr << "missing value after " << arg << "\n";
      return 2;
    }
    if (arg == "--sizes") {
      sizes = parse_list(argv[++a]);
    } else if (arg == "--series") {
      counts = parse_list(argv[++a]);
    } else if (arg == "--calc") {
      only.push_back(argv[++a]);
    } else if (arg == "--shape") {
      noise = std::string(argv[++a]) == "noise";
    } else if (arg == "--reps") {
      reps = std::atoi(argv[++a]);
    } else {
      std::cerr << "unknown argument " << arg << "\n";
      return 2;
    }
  }
  if (counts.size() < sizes.size()) counts.resize(sizes.size(), counts.empty() ? 2 : counts.back());

  const fresh::Settings settings = fresh::preset_settings("comprehensive");
  struct Calc {
    std::string name;
    fresh::ComputeFn fn;
    std::size_t width;
  };
  std::vector<Calc> calcs;
  for (const auto& [name, value] : settings.all_kinds) {
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    const fresh::Calculator* c = fresh::find_calculator(name);
    if (c == nullptr || c->needs_timestamps) continue;
    std::vector<fresh::Params> params;
    if (value.is_null())
      params = {fresh::Params(nullptr)};
    else
      for (const auto& p : value) params.push_back(p);
    calcs.push_back({name, c->prepare(params), params.size()});
  }

  // rows[c][s]: ms per series of calculator c at size s; the last row is the sum.
  std::vector<std::vector<double>> ms(calcs.size() + 2, std::vector<double>(sizes.size(), 0.0));
  for (std::size_t si = 0; si < sizes.size(); ++si) {
    const std::size_t n = sizes[si], count = counts[si];
    std::vector<std::vector<double>> series;
    for (std::size_t k = 0; k < count; ++k) series.push_back(random_walk(n, k, noise));
    std::vector<double> out;
    // In reverse name order: a calculator never runs right after one that leaves it something for
    // the same series (sample_entropy takes the counts approximate_entropy leaves, see
    // fresh/calc_entropy.cpp), so each row is what the calculator costs on its own; the
    // extract_features row below is the real run, with what is shared.
    for (std::size_t c = calcs.size(); c-- > 0;) {
      out.resize(calcs[c].width);
      double best = 1e300;
      for (int r = 0; r < reps; ++r) {
        const double t0 = cpu_seconds();
        for (const auto& x : series) {
          const fresh::Series s(x);
          calcs[c].fn(s, out);
        }
        best = std::min(best, cpu_seconds() - t0);
      }
      ms[c][si] = 1e3 * best / static_cast<double>(count);
      ms[calcs.size()][si] += ms[c][si];
    }
    if (only.empty()) {
      // The whole preset through the engine (one Series per series, shared intermediates).
      fresh::SeriesSet data;
      std::vector<std::int64_t> ids;
      data.kinds = {"value"};
      data.offsets.push_back(0);
      for (std::size_t k = 0; k < count; ++k) {
        ids.push_back(static_cast<std::int64_t>(k));
        data.id_index.push_back(static_cast<std::uint32_t>(k));
        data.kind_index.push_back(0);
        data.values.insert(data.values.end(), series[k].begin(), series[k].end());
        data.offsets.push_back(data.values.size());
      }
      data.ids = Column("id", std::move(ids));
      auto executor = mproc::make_executor({.workers = 0});
      double best = 1e300;
      for (int r = 0; r < reps; ++r) {
        const double t0 = cpu_seconds();
        const auto result = fresh::extract_features(data, settings, *executor);
        best = std::min(best, cpu_seconds() - t0);
        if (result.features.num_rows() != count) return 1;
      }
      ms[calcs.size() + 1][si] = 1e3 * best / static_cast<double>(count);
    }
    std::cerr << "n=" << n << " done\n";
  }

  std::printf("| calculator |");
  for (std::size_t n : sizes) std::printf(" n=%zu |", n);
  if (sizes.size() >= 2)
    std::printf(" ratio %zu/%zu |", sizes[std::min<std::size_t>(2, sizes.size() - 1)], sizes[0]);
  std::printf("\n|---|");
  for (std::size_t i = 0; i < sizes.size() + (sizes.size() >= 2); ++i) std::printf("---|");
  std::printf("\n");
  const std::size_t ratio_col = std::min<std::size_t>(2, sizes.size() - 1);
  auto row = [&](const std::string& name, const std::vector<double>& v) {
    std::printf("| %s |", name.c_str());
    for (double t : v) std::printf(" %.3f |", t);
    if (sizes.size() >= 2) std::printf(" %.1f |", v[0] > 0 ? v[ratio_col] / v[0] : 0.0);
    std::printf("\n");
  };
  for (std::size_t c = 0; c < calcs.size(); ++c) row(calcs[c].name, ms[c]);
  row("**sum of calculators**", ms[calcs.size()]);
  if (only.empty()) row("**extract_features, comprehensive, serial**", ms[calcs.size() + 1]);
  return 0;
}
