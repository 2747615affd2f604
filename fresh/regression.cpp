#include "fresh/regression.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>

#include "fresh/calc_util.hpp"
#include "fresh/series.hpp"

namespace freshet::fresh::detail {

namespace {

// (detail::kNaN from fresh/calc_util.hpp)
constexpr double kEps = std::numeric_limits<double>::epsilon();
// Above this (Frobenius) condition estimate the QR shortcut is not trusted to agree with
// statsmodels' SVD-based pinv to 1e-9; the SVD path is taken instead.
constexpr double kQrConditionLimit = 1e7;

// sum((y - X b)^2): fitted values as sequential dot products, squares added pairwise (np.sum).
double residual_ssr(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const Eigen::VectorXd& b) {
  thread_local std::vector<double> sq;
  const Eigen::Index n = X.rows(), k = X.cols();
  sq.resize(static_cast<std::size_t>(n));
  // Fitted values per row in the order of a sequential dot (j ascending), 8 rows at a time.
  weighted_term_sums(X.data(), X.outerStride(), b.data(), static_cast<std::size_t>(k),
                     static_cast<std::size_t>(n), sq.data());
  for (Eigen::Index i = 0; i < n; ++i) {
    const double r = y(i) - sq[static_cast<std::size_t>(i)];
    sq[static_cast<std::size_t>(i)] = r * r;
  }
  return pairwise_sum(sq);
}

OlsResult ols_svd(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  OlsResult r;
  const Eigen::Index k = X.cols();
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(X, Eigen::ComputeThinU | Eigen::ComputeThinV);
  if (svd.info() != Eigen::Success) return r;
  const Eigen::VectorXd& s = svd.singularValues();
  const Eigen::Index ns = s.size();
  const double smax = ns > 0 ? s(0) : 0.0;
  // statsmodels: pinv_extended(rcond=1e-15) and np.linalg.matrix_rank(np.diag(s)) (tolerance
  // smax * len(s) * eps). Singular values that do not count for the rank are dropped from the
  // pseudo-inverse too (statsmodels keeps those above 1e-15 * smax): in that band the values are
  // rounding noise either way, and this keeps params, rank and ssr consistent (a constant series
  // then gets the exact minimum-norm AR fit instead of noise).
  const double rank_tol = smax * static_cast<double>(ns) * kEps;
  const double cutoff = std::max(1e-15 * smax, rank_tol);
  Eigen::VectorXd sinv(ns);
  r.rank = 0;
  for (Eigen::Index i = 0; i < ns; ++i) {
    sinv(i) = s(i) > cutoff ? 1.0 / s(i) : 0.0;
    if (s(i) > rank_tol) ++r.rank;
  }
  const Eigen::MatrixXd& V = svd.matrixV();
  Eigen::VectorXd uty = svd.matrixU().transpose() * y;
  r.params = V * (sinv.cwiseProduct(uty));
  r.ncov_diag.resize(k);
  for (Eigen::Index i = 0; i < k; ++i)
    r.ncov_diag(i) = (V.row(i).transpose().cwiseProduct(sinv)).squaredNorm();
  r.ssr = residual_ssr(X, y, r.params);
  r.ok = true;
  return r;
}

}  // namespace

OlsResult ols_pinv(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  if (!X.allFinite() || !y.allFinite()) return {};
  const Eigen::Index n = X.rows(), k = X.cols();
  if (k == 0 || n == 0) return {};
  // An all-zero column takes no part in the pinv solution (its parameter and covariance are 0,
  // the rank and the residuals do not change): fit without it, so the QR path stays usable.
  std::vector<Eigen::Index> nonzero;
  for (Eigen::Index j = 0; j < k; ++j)
    if (!X.col(j).isZero(0.0)) nonzero.push_back(j);
  if (static_cast<Eigen::Index>(nonzero.size()) < k) {
    OlsResult r;
    r.params = Eigen::VectorXd::Zero(k);
    r.ncov_diag = Eigen::VectorXd::Zero(k);
    if (nonzero.empty()) {
      r.ssr = y.squaredNorm();
      r.ok = true;
      return r;
    }
    Eigen::MatrixXd Xn(n, static_cast<Eigen::Index>(nonzero.size()));
    for (std::size_t j = 0; j < nonzero.size(); ++j)
      Xn.col(static_cast<Eigen::Index>(j)) = X.col(nonzero[j]);
    const OlsResult sub = ols_pinv(Xn, y);
    if (!sub.ok) return sub;
    for (std::size_t j = 0; j < nonzero.size(); ++j) {
      r.params(nonzero[j]) = sub.params(static_cast<Eigen::Index>(j));
      r.ncov_diag(nonzero[j]) = sub.ncov_diag(static_cast<Eigen::Index>(j));
    }
    r.ssr = sub.ssr;
    r.rank = sub.rank;
    r.ok = true;
    return r;
  }
  if (n >= k) {
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(X);
    const Eigen::MatrixXd& QR = qr.matrixQR();
    bool regular = true;
    for (Eigen::Index i = 0; i < k && regular; ++i) regular = QR(i, i) != 0.0;
    if (regular) {
      Eigen::MatrixXd R = QR.topRows(k).triangularView<Eigen::Upper>();
      Eigen::MatrixXd Rinv =
          R.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(k, k));
      const double cond = R.norm() * Rinv.norm();
      if (std::isfinite(cond) && cond < kQrConditionLimit) {
        OlsResult r;
        Eigen::VectorXd qty = qr.householderQ().transpose() * y;
        r.params = Rinv * qty.head(k);
        r.ncov_diag = Rinv.rowwise().squaredNorm();
        r.ssr = residual_ssr(X, y, r.params);
        r.rank = k;
        r.ok = true;
        return r;
      }
    }
  }
  return ols_svd(X, y);
}

bool lstsq_min_norm(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, double rcond,
                    Eigen::VectorXd& solution) {
  if (!A.allFinite() || !b.allFinite()) return false;
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
  if (svd.info() != Eigen::Success) return false;
  const Eigen::VectorXd& s = svd.singularValues();
  const double cutoff = s.size() > 0 ? rcond * s(0) : 0.0;
  Eigen::VectorXd uty = svd.matrixU().transpose() * b;
  for (Eigen::Index i = 0; i < s.size(); ++i) uty(i) = s(i) > cutoff ? uty(i) / s(i) : 0.0;
  solution = svd.matrixV() * uty;
  return true;
}

std::vector<double> polyfit(std::span<const double> x, std::span<const double> y, int deg) {
  const Eigen::Index n = static_cast<Eigen::Index>(x.size());
  const Eigen::Index order = deg + 1;
  if (n == 0 || deg < 0 || y.size() != x.size()) return {};
  // np.vander(x, order): powers built by repeated multiplication, highest power first.
  Eigen::MatrixXd lhs(n, order);
  for (Eigen::Index i = 0; i < n; ++i) {
    double p = 1.0;
    lhs(i, order - 1) = 1.0;
    for (Eigen::Index j = order - 2; j >= 0; --j) {
      p = (j == order - 2) ? x[static_cast<std::size_t>(i)] : p * x[static_cast<std::size_t>(i)];
      lhs(i, j) = p;
    }
  }
  // scale = sqrt((lhs*lhs).sum(axis=0)): an axis-0 reduction adds the rows in order.
  Eigen::VectorXd scale(order);
  for (Eigen::Index j = 0; j < order; ++j) {
    double acc = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) acc += lhs(i, j) * lhs(i, j);
    scale(j) = std::sqrt(acc);
    if (!(scale(j) > 0.0) || !std::isfinite(scale(j))) return {};
    lhs.col(j) /= scale(j);
  }
  Eigen::VectorXd rhs(n);
  for (Eigen::Index i = 0; i < n; ++i) rhs(i) = y[static_cast<std::size_t>(i)];
  Eigen::VectorXd c;
  if (!lstsq_min_norm(lhs, rhs, static_cast<double>(n) * kEps, c)) return {};
  std::vector<double> out(static_cast<std::size_t>(order));
  for (Eigen::Index j = 0; j < order; ++j) out[static_cast<std::size_t>(j)] = c(j) / scale(j);
  return out;
}

double max_real_root(std::span<const double> p) {
  for (double v : p)
    if (!std::isfinite(v)) return kNaN;  // numpy's eigvals raises LinAlgError on inf/nan
  std::size_t first = 0, last = p.size();
  while (first < last && p[first] == 0.0) ++first;
  if (first == last) return kNaN;  // all zero: no roots, np.max([]) raises
  while (last > first && p[last - 1] == 0.0) --last;
  const std::size_t trailing_zeros = p.size() - last;
  const Eigen::Index N = static_cast<Eigen::Index>(last - first);
  double best = -std::numeric_limits<double>::infinity();
  bool any = false;
  if (N > 1) {
    Eigen::MatrixXd A = Eigen::MatrixXd::Zero(N - 1, N - 1);
    for (Eigen::Index i = 1; i < N - 1; ++i) A(i, i - 1) = 1.0;
    for (Eigen::Index j = 0; j < N - 1; ++j)
      A(0, j) = -p[first + 1 + static_cast<std::size_t>(j)] / p[first];
    if (!A.allFinite()) return kNaN;
    Eigen::EigenSolver<Eigen::MatrixXd> es(A, /*computeEigenvectors=*/false);
    if (es.info() != Eigen::Success) return kNaN;
    for (Eigen::Index i = 0; i < es.eigenvalues().size(); ++i) {
      best = std::max(best, es.eigenvalues()(i).real());
      any = true;
    }
  }
  if (trailing_zeros > 0) {
    best = std::max(best, 0.0);
    any = true;
  }
  return any ? best : kNaN;
}

}  // namespace freshet::fresh::detail
