// Links freshet::ml alone (its dependencies follow: core): a model and a metric on freshet's own
// matrices. y = 1 + 2 a - 3 b exactly, so linear_regression must find those coefficients and
// predict y; prints "ml-only ok" or the first thing that failed.
#include <cmath>
#include <iostream>
#include <vector>

#include "core/error.hpp"
#include "ml/estimator.hpp"
#include "ml/matrix.hpp"
#include "ml/metrics.hpp"

int main() {
  using namespace freshet;
  try {
    const std::size_t n = 12;
    DenseMatrix X(n, 2);
    std::vector<double> y(n);
    for (std::size_t i = 0; i < n; ++i) {
      X(i, 0) = static_cast<double>(i % 5);
      X(i, 1) = static_cast<double>((i * 7) % 11) / 4;
      y[i] = 1 + 2 * X(i, 0) - 3 * X(i, 1);
    }
    Estimator model("linear_regression");
    model.fit(X, y);
    DenseMatrix coef;
    std::vector<double> intercept;
    if (!model.linear_coefficients(coef, intercept)) throw Error(Errc::kInternal, "no coef");
    const double want[] = {2, -3};
    for (std::size_t j = 0; j < 2; ++j)
      if (std::abs(coef(0, j) - want[j]) > 1e-9)
        throw Error(Errc::kInternal, "coef " + std::to_string(j));
    if (std::abs(intercept[0] - 1) > 1e-9) throw Error(Errc::kInternal, "intercept");
    if (mean_absolute_error(y, model.predict(X)) > 1e-9) throw Error(Errc::kInternal, "predict");
  } catch (const Error& e) {
    std::cerr << "ml_only: " << e.what() << "\n";
    return 1;
  }
  std::cout << "ml-only ok\n";
  return 0;
}
