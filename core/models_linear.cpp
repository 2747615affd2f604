// Models: linear_regression, ridge, lasso, elastic_net, logistic_regression. (In progress.)
#include "core/model.hpp"

namespace freshet {

void register_linear_models() {}

}  // namespace freshet
