// Calculators: changes / differences. (Not yet implemented: registers nothing.)
#include "fresh/calculator.hpp"

namespace freshet::fresh {

void register_change_calculators() {}

}  // namespace freshet::fresh
