// augmented_dickey_fuller: statsmodels adfuller(x, regression="c", autolag="AIC"/"BIC"/None)
// as tsfresh calls it, with its lag search (an O(nobs * L) Gram screen where it is certain, the
// QR route statsmodels takes otherwise) and MacKinnon's p-value.

#include <Eigen/Dense>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "fresh/calc_util.hpp"
#include "fresh/calculator.hpp"
#include "fresh/regression.hpp"

namespace freshet::fresh {

namespace {

using detail::bad;
using detail::kNaN;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// augmented_dickey_fuller: statsmodels adfuller(x, regression="c", autolag=...).
enum class AdfAttr { kTeststat, kPvalue, kUsedlag, kOther };
enum class AutoLag { kAic, kBic, kNone };

struct AdfParam {
  AdfAttr attr;
  AutoLag autolag;
};

struct AdfResult {
  double teststat = kNaN, pvalue = kNaN, usedlag = kNaN;
};

// statsmodels.tsa.adfvalues.mackinnonp(teststat, regression="c", N=1).
double mackinnonp_c(double t) {
  if (t > 2.74) return 1.0;
  if (t < -18.83) return 0.0;
  double y;
  if (t <= -1.61) {
    const double c[3] = {2.1659 * 1.0, 1.4412 * 1.0, 3.8269 * 1e-2};
    y = 0.0;
    for (int i = 2; i >= 0; --i) y = y * t + c[i];
  } else {
    const double c[4] = {1.7339 * 1.0, 9.3202 * 1e-1, -1.2745 * 1e-1, -1.0368 * 1e-2};
    y = 0.0;
    for (int i = 3; i >= 0; --i) y = y * t + c[i];
  }
  return ndtr(y);
}

// Column j of the ADF regression's regressors for `lags` lagged differences, over the last
// n - 1 - lags differences (row r is time t = lags + r): the level x[t] (j = 0) or the difference
// j steps back (j = 1..lags); a contiguous slice of x or dx.
std::span<const double> adf_column(std::span<const double> x, std::span<const double> dx,
                                   long long lags, long long j) {
  const auto nobs = x.size() - 1 - static_cast<std::size_t>(lags);
  return j == 0 ? x.subspan(static_cast<std::size_t>(lags), nobs)
                : dx.subspan(static_cast<std::size_t>(lags - j), nobs);
}

// The regressors as a matrix (columns as adf_column) and the differences they explain.
struct AdfDesign {
  Eigen::MatrixXd lagged;  // nobs x (lags + 1)
  Eigen::VectorXd y;
};

AdfDesign adf_design(std::span<const double> x, std::span<const double> dx, long long lags) {
  const auto y = dx.subspan(static_cast<std::size_t>(lags));  // the differences at t
  AdfDesign d{Eigen::MatrixXd(static_cast<Eigen::Index>(y.size()), lags + 1),
              Eigen::VectorXd(static_cast<Eigen::Index>(y.size()))};
  for (long long j = 0; j <= lags; ++j) {
    const auto c = adf_column(x, dx, lags, j);
    std::copy(c.begin(), c.end(), d.lagged.col(j).data());
  }
  std::copy(y.begin(), y.end(), d.y.data());
  return d;
}

// statsmodels add_trend(..., "c", has_constant="skip") on those regressors: no constant is added
// when a column is constant and its first value is non-zero.
bool has_nonzero_constant_column(std::span<const double> x, std::span<const double> dx,
                                 long long lags) {
  for (long long j = 0; j <= lags; ++j) {
    const auto c = adf_column(x, dx, lags, j);
    if (c.empty()) return false;
    // Equal to its first value throughout (what min == max says for finite values), decided at
    // the first value that differs: a varying column costs a step or two, not a pass.
    const double first = c.front();
    if (first != 0.0 && std::ranges::all_of(c, [first](double v) { return v == first; }))
      return true;
  }
  return false;
}

double info_criterion(AutoLag method, double ssr, double nobs, double rank) {
  const double nobs2 = nobs / 2.0;
  const double llf = -nobs2 * std::log(2 * M_PI) - nobs2 * std::log(ssr / nobs) - nobs2;
  if (method == AutoLag::kBic) return -2 * llf + std::log(nobs) * rank;
  return -2 * llf + 2 * rank;
}

// Inverse of the upper triangle R (p x p, the leading block of R), column by column: column j
// only depends on R[0..j, 0..j], so leading blocks of Rinv are the inverses of R's leading
// blocks. Also the running squared Frobenius norms of the leading blocks of R and Rinv: their
// product bounds every candidate's squared condition number.
struct TriangleInverse {
  Eigen::MatrixXd inv;
  std::vector<double> norm_r, norm_inv;  // [k]: of the leading k x k blocks
};

TriangleInverse invert_triangle(const Eigen::MatrixXd& R, Eigen::Index p) {
  TriangleInverse t{Eigen::MatrixXd::Zero(p, p),
                    std::vector<double>(static_cast<std::size_t>(p + 1)),
                    std::vector<double>(static_cast<std::size_t>(p + 1))};
  for (Eigen::Index j = 0; j < p; ++j) {
    t.inv(j, j) = 1.0 / R(j, j);
    for (Eigen::Index i = j - 1; i >= 0; --i) {
      double acc = 0.0;
      for (Eigen::Index l = i + 1; l <= j; ++l) acc += R(i, l) * t.inv(l, j);
      t.inv(i, j) = -acc / R(i, i);
    }
    double cr = 0.0, ci = 0.0;
    for (Eigen::Index i = 0; i <= j; ++i) {
      cr += R(i, j) * R(i, j);
      ci += t.inv(i, j) * t.inv(i, j);
    }
    t.norm_r[static_cast<std::size_t>(j + 1)] = t.norm_r[static_cast<std::size_t>(j)] + cr;
    t.norm_inv[static_cast<std::size_t>(j + 1)] = t.norm_inv[static_cast<std::size_t>(j)] + ci;
  }
  return t;
}

// R of [X | y] (p columns of X): a candidate fitting the first k columns leaves the residual sum
// of squares sum_{i >= k} R(i, p)^2 (R(p, p) is the residual of all p); [k] for k = 0..p.
std::vector<double> tail_ssr(const Eigen::MatrixXd& R, Eigen::Index p) {
  std::vector<double> t(static_cast<std::size_t>(p + 1));
  t[static_cast<std::size_t>(p)] = R(p, p) * R(p, p);
  for (Eigen::Index i = p - 1; i >= 0; --i)
    t[static_cast<std::size_t>(i)] = t[static_cast<std::size_t>(i + 1)] + R(i, p) * R(i, p);
  return t;
}

// adfuller's candidate regressions share the sample of maxlag L (rows t = L .. n - 2) and are
// column prefixes of [const, x[t], dx[t-1], ..., dx[t-L]], explaining y = dx[t].
struct AdfCandidates {
  long long maxlag = 0, nobs = 0;
  bool add_const = true;
  Eigen::Index c0 = 1;                  // columns before the level: the constant, if any
  std::vector<Eigen::Index> keep;       // the columns that are not all zero
  std::vector<Eigen::Index> nz_before;  // [j]: kept columns among the first j
  Eigen::Index startlag() const { return c0 + 1; }
  std::size_t count() const { return static_cast<std::size_t>(maxlag + 1); }
  // Kept columns of the candidate with c lagged differences.
  Eigen::Index fitted(std::size_t c) const {
    return nz_before[static_cast<std::size_t>(startlag()) + c];
  }
};

// statsmodels' design of the candidate with c lagged differences: fullRHS[:, :startlag + c], the
// constant first (when adfuller adds one), then the level and the lags, zero columns included.
Eigen::MatrixXd statsmodels_design(const AdfDesign& d, const AdfCandidates& k, std::size_t c) {
  const Eigen::Index lagged = 1 + static_cast<Eigen::Index>(c);
  Eigen::MatrixXd X(d.lagged.rows(), k.c0 + lagged);
  if (k.add_const) X.col(0).setOnes();
  X.rightCols(lagged) = d.lagged.leftCols(lagged);
  return X;
}

// Python's min((ic, cols)): NaN never compares smaller, ties keep the smaller lag.
std::size_t best_candidate(const std::vector<double>& ic) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < ic.size(); ++c)
    if (ic[c] < ic[best]) best = c;
  return best;
}

// The lag AIC/BIC picks, from one Householder QR of [design | y]: every candidate's residual sum
// of squares from the tail of R's last column, and those that could be best re-scored with
// explicit residuals as statsmodels forms them. -1 when a pinv fit fails.
long long adf_lag_by_qr(const AdfDesign& d, const AdfCandidates& k, AutoLag autolag) {
  const long long nobs = k.nobs;
  const Eigen::Index p = static_cast<Eigen::Index>(k.keep.size());
  Eigen::MatrixXd A(nobs, p + 1);
  for (Eigen::Index j = 0; j < p; ++j) {
    const Eigen::Index col = k.keep[static_cast<std::size_t>(j)];
    if (k.add_const && col == 0)
      A.col(j).setOnes();
    else
      A.col(j) = d.lagged.col(col - k.c0);
  }
  A.col(p) = d.y;
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(A);
  const Eigen::MatrixXd& R = qr.matrixQR();
  const TriangleInverse t = invert_triangle(R, p);
  const std::vector<double> tail = tail_ssr(R, p);
  const double yy = d.y.squaredNorm();
  const std::size_t n_cand = k.count();
  std::vector<double> ic(n_cand), rank(n_cand);
  std::vector<char> explicit_ssr(n_cand, 0);  // the residuals were formed
  for (std::size_t c = 0; c < n_cand; ++c) {
    const Eigen::Index kc = k.fitted(c);
    const auto ku = static_cast<std::size_t>(kc);
    const double cond = std::sqrt(t.norm_r[ku] * t.norm_inv[ku]);
    double ssr;
    if (kc == 0) {
      ssr = yy;
      rank[c] = 0;
      explicit_ssr[c] = 1;
    } else if (std::isfinite(cond) && cond < 1e7) {
      ssr = tail[ku];
      rank[c] = static_cast<double>(kc);
    } else {
      const detail::OlsResult f = detail::ols_pinv_svd(statsmodels_design(d, k, c), d.y);
      if (!f.ok) return -1;
      ssr = f.ssr;
      rank[c] = static_cast<double>(f.rank);
      explicit_ssr[c] = 1;
    }
    ic[c] = info_criterion(autolag, ssr, static_cast<double>(nobs), rank[c]);
  }
  // The tail sums agree with explicit residuals to rounding (an information criterion moves by
  // about nobs * 1e-13), but statsmodels fits every candidate by pinv and sums its residuals'
  // squares pairwise, and near-ties between candidates (exact ties on integer data, near-exact
  // fits whose residuals are rounding noise) are decided by those very roundings. So every
  // candidate within a wide margin of the best, or with a near-exact fit, is re-scored the way
  // statsmodels computes it (its design, zero columns included, LAPACK's SVD, the products in
  // BLAS's order): the choice is then statsmodels' own.
  const double margin = 1e-7 * static_cast<double>(nobs);
  const double best_ic = ic[best_candidate(ic)];
  for (std::size_t c = 0; c < n_cand; ++c) {
    if (explicit_ssr[c]) continue;
    const Eigen::Index kc = k.fitted(c);
    if (!(ic[c] <= best_ic + margin) && tail[static_cast<std::size_t>(kc)] > 1e-12 * yy) continue;
    const detail::OlsResult f = detail::ols_pinv_svd(statsmodels_design(d, k, c), d.y);
    if (!f.ok) return -1;
    ic[c] = info_criterion(autolag, f.ssr, static_cast<double>(nobs), static_cast<double>(f.rank));
  }
  return static_cast<long long>(best_candidate(ic));
}

// The same choice without the QR when it is certain: the Gram matrix of [design | y] in
// O(nobs * L) from the lag structure (the lagged-difference columns are shifts of one sequence,
// so their cross products slide along it), its Cholesky factor as R, every candidate's residual
// sum of squares from the tail sums, each with a bound on its error in the information criterion
// (normal equations: about (nobs + p) u cond^2 relative to ||y||^2 for the column-scaled
// design, cond^2 over-estimated from Frobenius norms, with a 100x safety factor; the condition
// number of every candidate is at most that of the whole design). The best candidate is returned
// only when it beats every candidate with other columns by more than both bounds, else -1 (the QR
// decides): the choice is the QR's.
long long adf_lag_by_gram(std::span<const double> x, std::span<const double> dx,
                          const AdfCandidates& k, AutoLag autolag) {
  const long long L = k.maxlag, nobs = k.nobs;
  const auto Lu = static_cast<std::size_t>(L), nu = static_cast<std::size_t>(nobs);
  // Columns of the whole design: [const?], level, dx lags 1..L, then y = dx lag 0.
  const Eigen::Index ncols = k.c0 + 1 + static_cast<Eigen::Index>(L);
  Eigen::MatrixXd G(ncols + 1, ncols + 1);
  const auto lag_col = [&](std::size_t j) {  // the column of dx lag j (lag 0 is y)
    return j == 0 ? ncols : k.c0 + static_cast<Eigen::Index>(j);
  };
  const Eigen::Index lev = k.c0;
  // Cross products of lags i <= j = i + s: T(a) = sum_r dx[a + r] dx[a + r - s] with a = L - i,
  // slid from a = L down to a = s.
  for (std::size_t s = 0; s <= Lu; ++s) {
    double t = 0.0;
    for (std::size_t r = 0; r < nu; ++r) t += dx[Lu + r] * dx[Lu + r - s];
    for (std::size_t i = 0;; ++i) {
      G(lag_col(i), lag_col(i + s)) = G(lag_col(i + s), lag_col(i)) = t;
      if (i + s == Lu) break;
      const std::size_t a = Lu - i;  // slide to a - 1
      t += dx[a - 1] * dx[a - 1 - s] - dx[a - 1 + nu] * dx[a - 1 + nu - s];
    }
  }
  // Level against every lag, and the sums the constant needs.
  double xx = 0.0, xs = 0.0;
  for (std::size_t r = 0; r < nu; ++r) {
    xx += x[Lu + r] * x[Lu + r];
    xs += x[Lu + r];
  }
  G(lev, lev) = xx;
  for (std::size_t j = 0; j <= Lu; ++j) {
    double t = 0.0;
    for (std::size_t r = 0; r < nu; ++r) t += x[Lu + r] * dx[Lu + r - j];
    G(lev, lag_col(j)) = G(lag_col(j), lev) = t;
  }
  if (k.add_const) {
    G(0, 0) = static_cast<double>(nobs);
    G(0, lev) = G(lev, 0) = xs;
    double sum = 0.0;  // sum of dx lag j over the sample, slid along j
    for (std::size_t r = 0; r < nu; ++r) sum += dx[Lu + r];
    for (std::size_t j = 0;; ++j) {
      G(0, lag_col(j)) = G(lag_col(j), 0) = sum;
      if (j == Lu) break;
      sum += dx[Lu - j - 1] - dx[Lu - j - 1 + nu];
    }
  }
  // The kept columns and y, each scaled to unit norm: the Cholesky factor's errors are relative
  // to the columns' norms, so the scaled condition number is the one that bounds them (van der
  // Sluis); it is small for a level column that dwarfs the differences.
  const Eigen::Index p = static_cast<Eigen::Index>(k.keep.size());
  const auto full_col = [&](Eigen::Index i) {
    return i == p ? ncols : k.keep[static_cast<std::size_t>(i)];
  };
  Eigen::VectorXd scale(p + 1);
  for (Eigen::Index i = 0; i <= p; ++i) scale(i) = std::sqrt(G(full_col(i), full_col(i)));
  if (!(scale.minCoeff() > 0.0) || !std::isfinite(scale.maxCoeff())) return -1;
  Eigen::MatrixXd Gk(p + 1, p + 1);
  for (Eigen::Index i = 0; i <= p; ++i)
    for (Eigen::Index j = 0; j <= p; ++j)
      Gk(i, j) = G(full_col(i), full_col(j)) / (scale(i) * scale(j));
  const Eigen::LLT<Eigen::MatrixXd> llt(Gk);
  if (llt.info() != Eigen::Success) return -1;
  const Eigen::MatrixXd R = llt.matrixU();
  for (Eigen::Index j = 0; j <= p; ++j)
    if (!(R(j, j) > 0.0)) return -1;
  const TriangleInverse t = invert_triangle(R, p);
  // ||R||_F^2 ||R^-1||_F^2 of the scaled design: p / sigma_min^2 or more, which is what the
  // first-order error of a residual sum of squares, (sum_i |b_i| ||x_i|| + ||y||)^2 times the
  // Gram's relative error, needs.
  const double cond2 =
      t.norm_r[static_cast<std::size_t>(p)] * t.norm_inv[static_cast<std::size_t>(p)];
  const double u = std::numeric_limits<double>::epsilon();
  const double rel = 100.0 * static_cast<double>(nobs + p + 1) * u * cond2;
  if (!(rel < 1e-5)) return -1;  // outside first-order error analysis: the QR decides
  const double yy = G(ncols, ncols);
  std::vector<double> tail = tail_ssr(R, p);
  for (double& v : tail) v *= yy;  // back to y's scale
  const std::size_t n_cand = k.count();
  std::vector<double> ic(n_cand), err(n_cand);
  for (std::size_t c = 0; c < n_cand; ++c) {
    const Eigen::Index kc = k.fitted(c);
    const double ssr = kc == 0 ? yy : tail[static_cast<std::size_t>(kc)];
    if (!(ssr > 1e-6 * yy)) return -1;  // a near-exact fit: only explicit residuals decide
    ic[c] = info_criterion(autolag, ssr, static_cast<double>(nobs), static_cast<double>(kc));
    // d ic = nobs * d ssr / ssr (BIC and AIC alike)
    err[c] = static_cast<double>(nobs) * rel * yy / ssr;
    if (!std::isfinite(ic[c])) return -1;
  }
  const std::size_t best = best_candidate(ic);
  for (std::size_t c = 0; c < n_cand; ++c) {
    if (k.fitted(c) == k.fitted(best)) continue;  // the same fit: an exact tie either way
    if (!(ic[c] - ic[best] > err[c] + err[best])) return -1;
  }
  return static_cast<long long>(best);
}

// The lag autolag picks among 0..maxlag (-1 when a pinv fit fails): by the Gram screen when it
// is certain (and `screen`), else by the QR.
long long adf_choose_lag(std::span<const double> x, std::span<const double> dx, long long maxlag,
                         AutoLag autolag, bool screen, bool* screened) {
  AdfCandidates k;
  k.maxlag = maxlag;
  k.nobs = static_cast<long long>(x.size()) - 1 - maxlag;
  k.add_const = !has_nonzero_constant_column(x, dx, maxlag);
  k.c0 = k.add_const ? 1 : 0;
  // All-zero columns (runs of equal values make lagged differences vanish) add nothing to a pinv
  // fit; they are left out, so candidates that differ only by such columns get the very same
  // computation and tie exactly, as they do in statsmodels (the smaller lag wins).
  const Eigen::Index ncols = k.c0 + 1 + maxlag;
  k.nz_before.assign(static_cast<std::size_t>(ncols + 1), 0);
  for (Eigen::Index j = 0; j < ncols; ++j) {
    const auto zero = [](double v) { return v == 0.0; };
    if ((k.add_const && j == 0) || !std::ranges::all_of(adf_column(x, dx, maxlag, j - k.c0), zero))
      k.keep.push_back(j);
    k.nz_before[static_cast<std::size_t>(j + 1)] = static_cast<Eigen::Index>(k.keep.size());
  }
  const long long by_gram = screen ? adf_lag_by_gram(x, dx, k, autolag) : -1;
  if (screened) *screened = by_gram >= 0;
  return by_gram >= 0 ? by_gram : adf_lag_by_qr(adf_design(x, dx, maxlag), k, autolag);
}

// statsmodels' maxlag for a series of length n (12 * (n / 100)^(1/4), at most n / 2 - 2); -1 when
// the sample is too short.
long long adf_maxlag(long long n) {
  const long long maxlag = static_cast<long long>(std::ceil(12.0 * std::pow(n / 100.0, 1 / 4.0)));
  return std::min(n / 2 - 1 - 1, maxlag);
}

AdfResult adfuller(std::span<const double> x, std::span<const double> dx, AutoLag autolag) {
  AdfResult res;
  const long long n = static_cast<long long>(x.size());
  for (double v : x)
    if (!std::isfinite(v)) return res;  // statsmodels MissingDataError -> tsfresh NaN
  const long long maxlag = adf_maxlag(n);
  if (maxlag < 0) return res;  // ValueError: sample size is too short
  long long usedlag = maxlag;
  if (autolag != AutoLag::kNone) {
    usedlag = adf_choose_lag(x, dx, maxlag, autolag, true, nullptr);
    if (usedlag < 0) return res;
  }
  // Re-run the regression on the longest sample usedlag allows; regressors
  // [level, lagged differences, const] (add_trend appends).
  const AdfDesign d = adf_design(x, dx, usedlag);
  const bool add_const = !has_nonzero_constant_column(x, dx, usedlag);
  Eigen::MatrixXd X(d.lagged.rows(), d.lagged.cols() + (add_const ? 1 : 0));
  X.leftCols(d.lagged.cols()) = d.lagged;
  if (add_const) X.col(X.cols() - 1).setOnes();
  const detail::OlsResult f = detail::ols_pinv(X, d.y);
  if (!f.ok) return res;
  const double df_resid = static_cast<double>(X.rows()) - static_cast<double>(f.rank);
  const double scale = f.ssr_dot / df_resid;  // RegressionResults.scale: np.dot
  const double bse = std::sqrt(f.ncov_diag(0) * scale);
  res.teststat = f.params(0) / bse;
  res.pvalue = mackinnonp_c(res.teststat);
  res.usedlag = static_cast<double>(usedlag);
  return res;
}

void augmented_dickey_fuller(const Series& s, std::span<const AdfParam> ps, std::span<double> out) {
  AdfResult cached[3];
  bool have[3] = {false, false, false};
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const int a = static_cast<int>(ps[i].autolag);
    if (!have[a]) {
      cached[a] = adfuller(s.values(), s.diff(), ps[i].autolag);
      have[a] = true;
    }
    switch (ps[i].attr) {
      case AdfAttr::kTeststat:
        out[i] = cached[a].teststat;
        break;
      case AdfAttr::kPvalue:
        out[i] = cached[a].pvalue;
        break;
      case AdfAttr::kUsedlag:
        out[i] = cached[a].usedlag;
        break;
      case AdfAttr::kOther:
        out[i] = kNaN;
        break;
    }
  }
}

}  // namespace

long long detail::adf_autolag(std::span<const double> x, bool bic, bool screen, bool* screened) {
  if (screened) *screened = false;
  for (double v : x)
    if (!std::isfinite(v)) return -1;
  const long long maxlag = adf_maxlag(static_cast<long long>(x.size()));
  if (maxlag < 0) return -1;
  std::vector<double> dx(x.size() - 1);
  for (std::size_t i = 0; i + 1 < x.size(); ++i) dx[i] = x[i + 1] - x[i];
  return adf_choose_lag(x, dx, maxlag, bic ? AutoLag::kBic : AutoLag::kAic, screen, screened);
}

void register_adf_calculators() {
  using detail::make_combiner;
  {
    // tsfresh's grid has only "attr", but its feature names always carry autolag_"AIC" (the
    // combiner adds it); listing it here makes the engine's names match.
    json grid = json::array();
    for (int a = 0; a < 3; ++a)
      grid.push_back({{"attr", a == 0   ? "teststat"
                               : a == 1 ? "pvalue"
                                        : "usedlag"},
                      {"autolag", "AIC"}});
    register_calculator(make_combiner<AdfParam>(
        "augmented_dickey_fuller", grid,
        [](const Params& p, const std::string& n) {
          AdfParam r{};
          const std::string a = param_string(p, "attr", n);
          r.attr = a == "teststat"  ? AdfAttr::kTeststat
                   : a == "pvalue"  ? AdfAttr::kPvalue
                   : a == "usedlag" ? AdfAttr::kUsedlag
                                    : AdfAttr::kOther;  // tsfresh answers NaN
          r.autolag = AutoLag::kAic;
          auto it = p.find("autolag");
          if (it != p.end()) {
            if (it->is_null()) {
              r.autolag = AutoLag::kNone;
            } else {
              const std::string l = param_string(p, "autolag", n);
              std::string lower;
              for (char c : l)
                lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
              if (lower == "aic")
                r.autolag = AutoLag::kAic;
              else if (lower == "bic")
                r.autolag = AutoLag::kBic;
              else
                bad(n, "parameter 'autolag' must be \"AIC\", \"BIC\" or null, got \"" + l + "\"");
            }
          }
          return r;
        },
        augmented_dickey_fuller));
  }
}

}  // namespace freshet::fresh
