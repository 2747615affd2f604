// Calculators: catch22's 22 features and catch24's DN_Mean / DN_Spread_Std, one parameterless
// calculator per feature, named by catch22's long name ("<kind>__DN_HistogramMode_5"), so they
// mix freely with tsfresh calculators in settings and in --from-columns files.
#include <cstdint>
#include <limits>

#include "fresh/calc_util.hpp"
#include "fresh/catch22.hpp"

namespace freshet::fresh {

namespace {

// The features of one series share the z-scored series, its autocorrelation and first zero
// crossing: one Context per thread, re-pointed when the engine hands over a new series
// (Series::generation() changes on every reset, so a stale cache can never be read).
catch22::Context& context_for(const Series& s) {
  struct Cache {
    std::uint64_t generation = std::numeric_limits<std::uint64_t>::max();
    catch22::Context context;
  };
  thread_local Cache cache;
  if (cache.generation != s.generation()) {
    cache.context.reset(s.values());
    cache.generation = s.generation();
  }
  return cache.context;
}

}  // namespace

void register_catch22_calculators() {
  for (const catch22::Feature f : catch22::all_features()) {
    Calculator c;
    c.name = std::string(catch22::long_name(f));
    c.parameterless = true;
    c.family = static_cast<std::size_t>(f) < catch22::kNumCatch22 ? "catch22" : "catch24";
    c.prepare = [f, n = c.name](const std::vector<Params>& params) -> ComputeFn {
      for (const auto& p : params)
        if (!p.is_null() && !(p.is_object() && p.empty()))
          throw Error(Errc::kInvalidArgument,
                      "calculator '" + n + "' takes no parameters, got " + p.dump());
      return [f](const Series& s, std::span<double> out) {
        const double v = context_for(s).compute(f);
        for (double& o : out) o = v;
      };
    };
    register_calculator(std::move(c));
  }
}

}  // namespace freshet::fresh
