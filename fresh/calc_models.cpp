// Calculators: ar, adf, pacf, friedrich, langevin. (Not yet implemented: registers nothing.)
#include "fresh/calculator.hpp"

namespace freshet::fresh {

void register_model_calculators() {}

}  // namespace freshet::fresh
