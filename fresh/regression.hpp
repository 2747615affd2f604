#pragma once
// fresh's statsmodels/numpy regressions (feature-calculator kernels, not ml/'s estimators): small
// dense least-squares routines that reproduce what tsfresh's model-based calculators call
// (internal to fresh/): statsmodels OLS(method="pinv"), numpy lstsq / polyfit, numpy roots. All
// functions are pure and thread-safe; none throws.

#include <Eigen/Dense>
#include <span>
#include <vector>

namespace freshet::fresh::detail {

// statsmodels OLS(y, X).fit() (method "pinv"): the minimum-norm least-squares solution with
// singular values below 1e-15 * max dropped, the rank as np.linalg.matrix_rank counts it on
// those singular values, the residual sum of squares and the diagonal of the normalized
// covariance pinv(X) pinv(X)^T. A well-conditioned X (estimated condition < 1e5) is solved by
// Householder QR (same values up to rounding, much cheaper); anything else goes through
// ols_pinv_svd's route on X without its all-zero columns.
struct OlsResult {
  bool ok = false;  // false when X or y holds a non-finite value or the SVD failed
  Eigen::VectorXd params;
  Eigen::VectorXd ncov_diag;
  double ssr = 0.0;      // residual sum of squares added pairwise (np.sum: the likelihood)
  double ssr_dot = 0.0;  // the same added in index order (np.dot: results.ssr, the scale)
  Eigen::Index rank = 0;
};
OlsResult ols_pinv(const Eigen::MatrixXd& X, const Eigen::VectorXd& y);

// The same fit always the way statsmodels computes it (LAPACK's dgesdd as numpy.linalg.svd calls
// it, pinv_extended, products summed in reference BLAS's order; no QR shortcut, zero columns
// kept): bit for bit what statsmodels returns on the same LAPACK. For fits whose result is decided
// by rounding (near-exact fits, near-ties between candidates).
OlsResult ols_pinv_svd(const Eigen::MatrixXd& X, const Eigen::VectorXd& y);

// numpy.linalg.lstsq(A, b, rcond): minimum-norm solution, singular values <= rcond * max treated
// as zero. Returns false when A or b is not finite.
bool lstsq_min_norm(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, double rcond,
                    Eigen::VectorXd& solution);

// numpy.polyfit(x, y, deg) coefficients, highest power first (size deg + 1). Empty on failure
// (non-finite data, a zero column scale); x and y are non-empty and of equal length.
std::vector<double> polyfit(std::span<const double> x, std::span<const double> y, int deg);

// max(real(numpy.roots(p))) for coefficients p (highest power first). NaN where numpy raises
// (non-finite coefficients) or returns no roots.
double max_real_root(std::span<const double> p);

// The number of lagged differences statsmodels' adfuller(x, regression="c", autolag="AIC" or
// "BIC") picks (tsfresh's augmented_dickey_fuller usedlag), -1 where it fails. The lag is chosen
// by a Gram-matrix screen when that is certain and by a Householder QR otherwise; `screen` false
// forces the QR, and `*screened` (when given) says which decided. Defined in calc_models.cpp;
// exposed for tests, which check that both give the same lag.
long long adf_autolag(std::span<const double> x, bool bic, bool screen = true,
                      bool* screened = nullptr);

}  // namespace freshet::fresh::detail
