// Models: decision trees and random forests. (Not yet implemented: registers nothing.)
#include "core/model.hpp"

namespace freshet {

void register_tree_models() {}

}  // namespace freshet
