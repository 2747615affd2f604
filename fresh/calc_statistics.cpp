// Calculators: basic statistics. (Not yet implemented: registers nothing.)
#include "fresh/calculator.hpp"

namespace freshet::fresh {

void register_statistics_calculators() {}

}  // namespace freshet::fresh
