// Models: gaussian_nb. (Not yet implemented: registers nothing.)
#include "core/model.hpp"

namespace freshet {

void register_bayes_models() {}

}  // namespace freshet
