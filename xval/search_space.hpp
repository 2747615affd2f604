#pragma once
// Hyper-parameter candidates for grid, random and Sobol search.
//
// * Grid: sklearn's ParameterGrid for one dict: keys sorted, itertools.product of the value lists,
//   so the (alphabetically) last key varies fastest. Values stay text, exactly as given.
// * Random: sklearn's ParameterSampler draw order with numpy's RandomState(random_state): for each
//   candidate, for each key in sorted order, one draw from its distribution:
//     uniform:LO:HI      scipy.stats.uniform(LO, HI-LO).rvs  = LO + (HI-LO)*u      (float)
//     loguniform:LO:HI   scipy.stats.loguniform(LO, HI).rvs  = LO*(HI/LO)^u        (float, LO > 0)
//     randint:LO:HI      scipy.stats.randint(LO, HI).rvs     = randint(LO, HI)     ([LO, HI))
//     choice:A|B|C       a list                              = v[randint(len(v))]
//   These are the candidates RandomizedSearchCV(param_distributions, n_iter, random_state) draws
//   for the same distributions when at least one is not a list (with only lists sklearn samples
//   the grid without replacement instead; freshet always draws as above).
// * Sobol (KX's .ml.rs with typ=sobol): n must be a power of two; numeric parameters (uniform,
//   loguniform, randint), in the order given (KX's dictionary order), take the coordinates of
//   sobol_points(#numeric, n):
//     uniform     LO + (HI-LO)*s
//     loguniform  10^(log10 LO + (log10 HI - log10 LO)*s)   (KX's exponents are log10 LO/HI)
//     randint     round(LO + (HI-LO)*s), half away from zero (q's "j"$ cast; LO..HI inclusive)
//   choice parameters draw from RandomState(random_state) as in random search (KX uses q's RNG).
// Duplicate candidates are dropped, first occurrence kept (KX's `distinct`); the caller may report
// how many were dropped.
//
// Values are rendered as text for the model: floats with format_double, integers as integers.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ml/model_spec.hpp"

namespace freshet::xval {

using ParamGrid = std::vector<std::pair<std::string, std::vector<std::string>>>;

struct ParamDistribution {
  enum class Kind { kUniform, kLogUniform, kRandInt, kChoice };
  std::string name;
  Kind kind = Kind::kUniform;
  double low = 0;
  double high = 1;
  std::vector<std::string> choices = {};
};

// ParameterGrid order. Throws Error(kInvalidArgument) for an empty value list or a duplicate key.
std::vector<ModelParams> parameter_grid(const ParamGrid& grid);
std::vector<ModelParams> sample_random(const std::vector<ParamDistribution>& space, std::size_t n,
                                       std::uint32_t random_state);
// Throws Error(kInvalidArgument) "trials must equal 2^n for sobol search" when n is not a power of
// two, or when there is no numeric parameter.
std::vector<ModelParams> sample_sobol(const std::vector<ParamDistribution>& space, std::size_t n,
                                      std::uint32_t random_state);
// Drops repeated candidates (first kept); returns how many were dropped.
std::size_t drop_duplicates(std::vector<ModelParams>& candidates);

// Parsing of the CLI forms:
//   grid:   "alpha=0.01,0.1,1;fit_intercept=true,false"   (';' or repeated flags between keys)
//   random: "alpha=loguniform:1e-3:1e2"  "n_neighbors=randint:1:30"
//   "weights=choice:uniform|distance"
// Throws Error(kParse) naming the text.
std::pair<std::string, std::vector<std::string>> parse_grid_param(std::string_view text);
ParamDistribution parse_distribution(std::string_view text);

}  // namespace freshet::xval
