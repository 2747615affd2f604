#include "fresh/regression.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fresh/calc_util.hpp"
#include "fresh/series.hpp"

namespace freshet::fresh::detail {

namespace {

// (detail::kNaN from fresh/calc_util.hpp)
constexpr double kEps = std::numeric_limits<double>::epsilon();
// Above this (Frobenius) condition estimate the QR shortcut is not trusted to agree with
// statsmodels' SVD-based pinv: two backward-stable solvers differ by about condition x eps
// relative, so 1e5 keeps QR answers within ~1e-11 of the peer's (the tolerance is 1e-9); the
// SVD route, which reproduces the peer's bits, is taken above it.
constexpr double kQrConditionLimit = 1e5;

// sum((y - X b)^2) both ways statsmodels adds it: pairwise (np.sum(resid**2), the likelihood and
// so the information criteria) and in index order (np.dot(resid, resid): RegressionResults.ssr
// and the scale behind standard errors). Fitted values are sequential dot products (dgemv).
void residual_ssr(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, OlsResult& r) {
  thread_local std::vector<double> sq;
  const Eigen::Index n = X.rows(), k = X.cols();
  sq.resize(static_cast<std::size_t>(n));
  // Fitted values per row in the order of a sequential dot (j ascending), 8 rows at a time.
  weighted_term_sums(X.data(), X.outerStride(), r.params.data(), static_cast<std::size_t>(k),
                     static_cast<std::size_t>(n), sq.data());
  double dot = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double e = y(i) - sq[static_cast<std::size_t>(i)];
    sq[static_cast<std::size_t>(i)] = e * e;
    dot += e * e;
  }
  r.ssr = pairwise_sum(sq);
  r.ssr_dot = dot;
}

// Reference LAPACK (Debian's liblapack3: the library numpy and statsmodels call on the machines
// the references were made on). Calling the same routines with the same arguments, workspace sizes
// included, gives the peer's factorisations bit for bit; that matters here because on
// ill-conditioned inputs (short series near 1e9) two correct SVDs differ by condition x eps,
// which is more than the 1e-9 tolerance.
extern "C" {
void dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork,
             int* iwork, int* info, std::size_t jobz_len);
void dgelsd_(const int* m, const int* n, const int* nrhs, double* a, const int* lda, double* b,
             const int* ldb, double* s, const double* rcond, int* rank, double* work,
             const int* lwork, int* iwork, int* info);
void dgeev_(const char* jobvl, const char* jobvr, const int* n, double* a, const int* lda,
            double* wr, double* wi, double* vl, const int* ldvl, double* vr, const int* ldvr,
            double* work, const int* lwork, int* info, std::size_t jobvl_len,
            std::size_t jobvr_len);
}

// A workspace size as numpy reads it from a LAPACK size query (truncated to an integer, at
// least 1).
int work_count(double query) { return std::max(1, static_cast<int>(query)); }

// Workspace sizes from LAPACK's size queries, remembered per thread by routine and shape: a
// query costs about as much as a small problem's factorisation (ilaenv's block-size lookups),
// and rolled windows ask for the same few shapes again and again. The sizes are the query's
// own, so every routine runs with exactly the workspace a fresh query would give it.
struct WorkSizes {
  int lwork = 0, liwork = 0;
};
template <class Query>
WorkSizes work_sizes(char routine, int m, int n, Query&& query) {
  struct Entry {
    char routine;
    int m, n;
    WorkSizes sizes;
  };
  thread_local std::vector<Entry> cache;
  for (const Entry& e : cache)
    if (e.routine == routine && e.m == m && e.n == n) return e.sizes;
  WorkSizes sizes;
  if (!query(sizes)) return {};  // a failed query is not remembered
  if (cache.size() >= 256) cache.clear();
  cache.push_back({routine, m, n, sizes});
  return sizes;
}

// numpy.linalg.svd(A, full_matrices=False): dgesdd with jobz 'S' and the queried workspace.
// A is m x n (column-major, as numpy copies it); U is m x k, VT is k x n, k = min(m, n).
bool svd_thin(const Eigen::MatrixXd& X, Eigen::MatrixXd& U, Eigen::VectorXd& s,
              Eigen::MatrixXd& VT) {
  const int m = static_cast<int>(X.rows()), n = static_cast<int>(X.cols());
  const int k = std::min(m, n);
  Eigen::MatrixXd A = X;
  U.resize(m, k);
  s.resize(k);
  VT.resize(k, n);
  const int lda = std::max(m, 1), ldu = std::max(m, 1), ldvt = std::max(k, 1);
  std::vector<int> iwork(static_cast<std::size_t>(8 * std::max(k, 1)));
  int info = 0;
  const WorkSizes sizes = work_sizes('s', m, n, [&](WorkSizes& out) {
    int q_info = 0, q_lwork = -1;
    double query = 0.0;
    dgesdd_("S", &m, &n, A.data(), &lda, s.data(), U.data(), &ldu, VT.data(), &ldvt, &query,
            &q_lwork, iwork.data(), &q_info, 1);
    out.lwork = work_count(query);
    return q_info == 0;
  });
  if (sizes.lwork == 0) return false;
  int lwork = sizes.lwork;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  dgesdd_("S", &m, &n, A.data(), &lda, s.data(), U.data(), &ldu, VT.data(), &ldvt, work.data(),
          &lwork, iwork.data(), &info, 1);
  return info == 0;
}

// statsmodels OLS.fit(method="pinv") step by step: pinv_extended (numpy's SVD, singular values
// above 1e-15 * max inverted), pinv = V diag(1/s) U^T, params = pinv y, the normalized covariance
// pinv pinv^T, and the rank np.linalg.matrix_rank(np.diag(s)) gives. Every product is a dot
// product summed in index order, as reference BLAS's dgemm/dgemv/dsyrk sum it.
OlsResult ols_svd(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  OlsResult r;
  const Eigen::Index m = X.rows(), n = X.cols();
  Eigen::MatrixXd U, VT;
  Eigen::VectorXd s;
  if (!svd_thin(X, U, s, VT)) return r;
  const Eigen::Index ns = s.size();
  const double smax = ns > 0 ? s.maxCoeff() : 0.0;
  const double cutoff = 1e-15 * smax;
  const double rank_tol = smax * static_cast<double>(ns) * kEps;
  Eigen::VectorXd sinv(ns);
  r.rank = 0;
  for (Eigen::Index i = 0; i < ns; ++i) {
    sinv(i) = s(i) > cutoff ? 1.0 / s(i) : 0.0;
    if (s(i) > rank_tol) ++r.rank;
  }
  // np.multiply(s[:, None], U^T): the scaled rows, rounded before the product with V.
  Eigen::MatrixXd SUt(ns, m);
  for (Eigen::Index kk = 0; kk < ns; ++kk)
    for (Eigen::Index j = 0; j < m; ++j) SUt(kk, j) = sinv(kk) * U(j, kk);
  Eigen::MatrixXd P(n, m);  // pinv = V (S^-1 U^T)
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < m; ++j) {
      double acc = 0.0;
      for (Eigen::Index kk = 0; kk < ns; ++kk) acc += VT(kk, i) * SUt(kk, j);
      P(i, j) = acc;
    }
  r.params.resize(n);
  r.ncov_diag.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    double acc = 0.0, sq = 0.0;
    for (Eigen::Index j = 0; j < m; ++j) {
      acc += P(i, j) * y(j);
      sq += P(i, j) * P(i, j);
    }
    r.params(i) = acc;
    r.ncov_diag(i) = sq;
  }
  residual_ssr(X, y, r);
  r.ok = true;
  return r;
}

}  // namespace

OlsResult ols_pinv(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  if (!X.allFinite() || !y.allFinite()) return {};
  const Eigen::Index n = X.rows(), k = X.cols();
  if (k == 0 || n == 0) return {};
  // An all-zero column is solved as statsmodels solves it (the SVD of the whole X): the QR
  // shortcut needs a regular R.
  for (Eigen::Index j = 0; j < k; ++j)
    if (X.col(j).isZero(0.0)) return ols_svd(X, y);
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
        residual_ssr(X, y, r);
        r.rank = k;
        r.ok = true;
        // A near-exact fit: its residuals (and everything scaled by them, such as a t statistic)
        // are rounding noise, which only the peer's own route reproduces.
        if (!(r.ssr_dot > 1e-24 * y.squaredNorm())) return ols_svd(X, y);
        return r;
      }
    }
  }
  return ols_svd(X, y);
}

OlsResult ols_pinv_svd(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  if (!X.allFinite() || !y.allFinite() || X.cols() == 0 || X.rows() == 0) return {};
  return ols_svd(X, y);
}

bool lstsq_min_norm(const Eigen::MatrixXd& A, const Eigen::VectorXd& b, double rcond,
                    Eigen::VectorXd& solution) {
  if (!A.allFinite() || !b.allFinite()) return false;
  // numpy.linalg.lstsq: dgelsd on copies of A and b (b padded to max(m, n) rows), with the
  // queried workspace.
  const int m = static_cast<int>(A.rows()), n = static_cast<int>(A.cols()), nrhs = 1;
  const int lda = std::max(1, m), ldb = std::max({1, m, n});
  Eigen::MatrixXd a = A;
  std::vector<double> bb(static_cast<std::size_t>(ldb), 0.0);
  for (int i = 0; i < m; ++i) bb[static_cast<std::size_t>(i)] = b(i);
  std::vector<double> s(static_cast<std::size_t>(std::max(1, std::min(m, n))));
  int rank = 0, info = 0;
  const WorkSizes sizes = work_sizes('l', m, n, [&](WorkSizes& out) {
    int q_info = 0, q_lwork = -1, iwork_query = 0, q_rank = 0;
    double query = 0.0;
    dgelsd_(&m, &n, &nrhs, a.data(), &lda, bb.data(), &ldb, s.data(), &rcond, &q_rank, &query,
            &q_lwork, &iwork_query, &q_info);
    out.lwork = work_count(query);
    out.liwork = std::max(1, iwork_query);
    return q_info == 0;
  });
  if (sizes.lwork == 0) return false;
  int lwork = sizes.lwork;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<int> iwork(static_cast<std::size_t>(sizes.liwork));
  dgelsd_(&m, &n, &nrhs, a.data(), &lda, bb.data(), &ldb, s.data(), &rcond, &rank, work.data(),
          &lwork, iwork.data(), &info);
  if (info != 0) return false;
  solution.resize(n);
  for (int i = 0; i < n; ++i) solution(i) = bb[static_cast<std::size_t>(i)];
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
    // numpy.linalg.eigvals: dgeev without eigenvectors, with the queried workspace.
    const int nn = static_cast<int>(N - 1), lda = std::max(1, nn), one = 1;
    std::vector<double> wr(static_cast<std::size_t>(nn)), wi(static_cast<std::size_t>(nn));
    double dummy = 0.0;
    int info = 0;
    const WorkSizes sizes = work_sizes('e', nn, nn, [&](WorkSizes& out) {
      int q_info = 0, q_lwork = -1;
      double query = 0.0;
      dgeev_("N", "N", &nn, A.data(), &lda, wr.data(), wi.data(), &dummy, &one, &dummy, &one,
             &query, &q_lwork, &q_info, 1, 1);
      out.lwork = work_count(query);
      return q_info == 0;
    });
    if (sizes.lwork == 0) return kNaN;
    int lwork = sizes.lwork;
    std::vector<double> work(static_cast<std::size_t>(lwork));
    dgeev_("N", "N", &nn, A.data(), &lda, wr.data(), wi.data(), &dummy, &one, &dummy, &one,
           work.data(), &lwork, &info, 1, 1);
    if (info != 0) return kNaN;  // numpy raises LinAlgError: eigenvalues did not converge
    for (double v : wr) {
      best = std::max(best, v);
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
