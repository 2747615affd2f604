// Models: knn_classifier, knn_regressor. (Not yet implemented: registers nothing.)
#include "core/model.hpp"

namespace freshet {

void register_neighbors_models() {}

}  // namespace freshet
