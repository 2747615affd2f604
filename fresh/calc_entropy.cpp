// Calculators: sample/approximate/permutation entropy, lempel-ziv. (Not yet implemented: registers nothing.)
#include "fresh/calculator.hpp"

namespace freshet::fresh {

void register_entropy_calculators() {}

}  // namespace freshet::fresh
