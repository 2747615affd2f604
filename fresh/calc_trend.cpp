// Calculators: autocorrelation, trends, index_mass_quantile, binned_entropy, benford_correlation. (Not yet implemented: registers nothing.)
#include "fresh/calculator.hpp"

namespace freshet::fresh {

void register_trend_calculators() {}

}  // namespace freshet::fresh
