// Calculators: fft, welch, cwt. (Not yet implemented: registers nothing.)
#include "fresh/calculator.hpp"

namespace freshet::fresh {

void register_spectral_calculators() {}

}  // namespace freshet::fresh
