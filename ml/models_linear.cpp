// Models: linear_regression, ridge, lasso, elastic_net, logistic_regression (scikit-learn 1.2
// semantics; see the ModelInfo descriptions at the bottom for each model's contract).
//
// Numerical notes (why the code is written the way it is):
// * linear_regression solves the centred least-squares problem with an SVD, discarding singular
//   values <= eps * s_max, as scipy.linalg.lstsq (gelsd, cond=None) does: the minimum-norm
//   solution when X is rank-deficient.
// * ridge is sklearn's solver="auto" for dense X: Cholesky of X'X + alpha*I on centred data
//   (or of XX' + alpha*I, the kernel form, when there are more features than rows), falling back
//   to the SVD formula when the matrix is not positive definite (alpha = 0 on singular X).
// * lasso / elastic_net copy sklearn's cyclic coordinate descent (cd_fast.enet_coordinate_descent)
//   step by step: the same update order, the same d_w_tol test that triggers a duality-gap check,
//   the same gap formula and the same `tol * y'y` threshold, with sequential dot products (the
//   order reference BLAS sums in) and numpy's pairwise sums for column means and norms. So the
//   solver stops at the same iteration and lands on the same (not fully converged) coefficients.
// * logistic_regression minimises sklearn's objective (sum of log losses + ||w||^2 / (2C),
//   intercept unpenalised; binary = one sigmoid, more classes = multinomial softmax) with
//   Newton's method (exact LDLT steps when the dense Hessian is cheap, else Jacobi-preconditioned
//   CG on Hessian-vector products; Armijo line search) until the gradient is 1e-10 of its start
//   or the objective stops moving. sklearn's lbfgs stops earlier, so probabilities differ from
//   sklearn's at the 1e-5 level while the optimum is the same.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_params.hpp"
#include "ml/simd.hpp"
#include "ml/weighted_gram.hpp"

namespace freshet {
namespace {

// numpy's pairwise summation (umath loops, PW_BLOCKSIZE 128, 8 accumulators), so column means
// and squared norms are bit-identical to what sklearn computes for Fortran-ordered X.
double pairwise_sum(const double* a, std::ptrdiff_t n) {
  if (n < 8) {
    double res = 0.0;  // numpy starts from -0.0; the sign of a zero sum does not matter here
    for (std::ptrdiff_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int k = 0; k < 8; ++k) r[k] = a[k];
    std::ptrdiff_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int k = 0; k < 8; ++k) r[k] += a[i + k];
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::ptrdiff_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

// Sequential dot product: the order reference BLAS ddot accumulates in.
double dot_seq(const double* a, const double* b, std::ptrdiff_t n) {
  double s = 0.0;
  for (std::ptrdiff_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// Fitted state shared by the linear regressors: prediction = X * coef + intercept.
class LinearRegressorBase : public Model {
 public:
  bool is_classifier() const override { return false; }

  Vector predict(const MatrixRef& X) const override {
    check_predict_input(name(), X, static_cast<std::size_t>(coef_.size()));
    Vector out = X * coef_;
    out.array() += intercept_;
    return out;
  }

  std::optional<LinearCoefficients> linear_coefficients() const override {
    if (coef_.size() == 0) return std::nullopt;
    return LinearCoefficients{coef_.transpose(), Vector::Constant(1, intercept_)};
  }

 protected:
  // Centres X and y when fit_intercept (sklearn's _preprocess_data); offsets are zero otherwise.
  struct Centred {
    Matrix X;
    Vector y;
    Vector x_offset;
    double y_offset = 0.0;
  };
  static Centred centre(const MatrixRef& X, std::span<const double> y, bool fit_intercept) {
    Centred c;
    c.X = X;
    c.y = Eigen::Map<const Vector>(y.data(), static_cast<Eigen::Index>(y.size()));
    c.x_offset = Vector::Zero(X.cols());
    if (fit_intercept) {
      const auto n = X.rows();
      for (Eigen::Index j = 0; j < X.cols(); ++j) {
        c.x_offset[j] = pairwise_sum(c.X.col(j).data(), n) / static_cast<double>(n);
        c.X.col(j).array() -= c.x_offset[j];
      }
      c.y_offset = pairwise_sum(c.y.data(), n) / static_cast<double>(n);
      c.y.array() -= c.y_offset;
    }
    return c;
  }
  void set_solution(const Centred& c, Vector coef) {
    coef_ = std::move(coef);
    intercept_ = c.y_offset - c.x_offset.dot(coef_);
  }

  Vector coef_;
  double intercept_ = 0.0;
};

// Minimum-norm least squares via SVD with scipy's default cutoff.
Vector lstsq_min_norm(const Matrix& A, const Vector& b) {
  Eigen::BDCSVD<Matrix> svd(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
  svd.setThreshold(std::numeric_limits<double>::epsilon());
  return svd.solve(b);
}

// ---- linear_regression ---------------------------------------------------------------------

class LinearRegression final : public LinearRegressorBase {
 public:
  explicit LinearRegression(const ModelParams& p)
      : fit_intercept_(param_bool(p, "fit_intercept", true, kName)) {}

  static constexpr const char* kName = "linear_regression";
  std::string name() const override { return kName; }
  ModelParams params() const override { return {{"fit_intercept", param_text(fit_intercept_)}}; }
  std::unique_ptr<Model> clone() const override {
    return std::make_unique<LinearRegression>(params());
  }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext&) override {
    check_fit_input(kName, X, y);
    const Centred c = centre(X, y, fit_intercept_);
    set_solution(c, lstsq_min_norm(c.X, c.y));
  }

 private:
  bool fit_intercept_;
};

// ---- ridge ---------------------------------------------------------------------------------

class Ridge final : public LinearRegressorBase {
 public:
  explicit Ridge(const ModelParams& p)
      : alpha_(param_number(p, "alpha", 1.0, kName, kNonNegative)),
        fit_intercept_(param_bool(p, "fit_intercept", true, kName)) {}

  static constexpr const char* kName = "ridge";
  std::string name() const override { return kName; }
  ModelParams params() const override {
    return {{"alpha", param_text(alpha_)}, {"fit_intercept", param_text(fit_intercept_)}};
  }
  std::unique_ptr<Model> clone() const override { return std::make_unique<Ridge>(params()); }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext&) override {
    check_fit_input(kName, X, y);
    const Centred c = centre(X, y, fit_intercept_);
    set_solution(c, solve(c.X, c.y, gram(c.X, c.y)));
  }

  // A path over alpha: the rows are checked, centred and multiplied out once; each alpha then
  // only adds itself to the diagonal and factorises -- the same operations as its own fit, so
  // the same bytes.
  std::vector<std::unique_ptr<Model>> fit_variants(const MatrixRef& X, std::span<const double> y,
                                                   std::span<const ModelParams> variants,
                                                   const FitContext& context) const override {
    std::vector<std::unique_ptr<Ridge>> models;
    for (const auto& variant : variants)
      models.push_back(std::make_unique<Ridge>(variant_params(*this, variant)));
    const bool shared = !models.empty() && std::all_of(models.begin(), models.end(), [&](auto& m) {
      return m->fit_intercept_ == models.front()->fit_intercept_;
    });
    if (!shared) return Model::fit_variants(X, y, variants, context);
    std::vector<std::unique_ptr<Model>> out;
    check_fit_input(kName, X, y);
    const Centred c = centre(X, y, models.front()->fit_intercept_);
    const Gram g = gram(c.X, c.y);
    for (auto& m : models) {
      m->set_solution(c, m->solve(c.X, c.y, g));
      out.push_back(std::move(m));
    }
    return out;
  }

 private:
  // X'X and X'y (or XX' when there are more features than rows: the kernel form), lower half.
  struct Gram {
    bool kernel = false;
    Matrix lower;
    Vector rhs;
  };
  static Gram gram(const Matrix& X, const Vector& y) {
    Gram g;
    const auto n = X.rows(), p = X.cols();
    g.kernel = p > n;
    if (g.kernel) {
      g.lower = Matrix::Zero(n, n);
      g.lower.selfadjointView<Eigen::Lower>().rankUpdate(X);
      g.rhs = y;
    } else {
      g.lower = Matrix::Zero(p, p);
      g.lower.selfadjointView<Eigen::Lower>().rankUpdate(X.transpose());
      g.rhs = X.transpose() * y;
    }
    return g;
  }

  Vector solve(const Matrix& X, const Vector& y, const Gram& g) const {
    Matrix A = g.lower;
    A.diagonal().array() += alpha_;
    Eigen::LLT<Matrix> llt(A.selfadjointView<Eigen::Lower>());
    if (llt.info() == Eigen::Success) {
      // Kernel form: (XX' + alpha I) dual = y, coef = X' dual.
      if (g.kernel) return X.transpose() * llt.solve(g.rhs);
      return llt.solve(g.rhs);
    }
    // sklearn falls back to its "svd" solver: coef = V diag(s / (s^2 + alpha)) U' y, with
    // singular values <= 1e-15 contributing nothing.
    Eigen::BDCSVD<Matrix> svd(X, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Vector& s = svd.singularValues();
    Vector uty = svd.matrixU().transpose() * y;
    for (Eigen::Index i = 0; i < s.size(); ++i) {
      uty[i] = s[i] > 1e-15 ? uty[i] * s[i] / (s[i] * s[i] + alpha_) : 0.0;
    }
    return svd.matrixV() * uty;
  }

  double alpha_;
  bool fit_intercept_;
};

// ---- lasso / elastic_net -------------------------------------------------------------------

struct CdResult {
  int n_iter = 0;
  double gap = 0.0;
  bool converged = false;
};

// sklearn's enet_coordinate_descent (cyclic, not positive): minimises
// 0.5 ||y - Xw||^2 + l1 ||w||_1 + 0.5 l2 ||w||^2, starting from w. X is column-major.
CdResult enet_coordinate_descent(Vector& w, double l1, double l2, const Matrix& X, const Vector& y,
                                 int max_iter, double tol) {
  const auto n = X.rows(), p = X.cols();
  Vector norm_cols(p);
  {
    std::vector<double> sq(static_cast<std::size_t>(n));
    for (Eigen::Index j = 0; j < p; ++j) {
      const double* col = X.col(j).data();
      for (Eigen::Index i = 0; i < n; ++i) sq[static_cast<std::size_t>(i)] = col[i] * col[i];
      norm_cols[j] = pairwise_sum(sq.data(), n);
    }
  }
  // R = y - X w (reference dgemv NoTrans: column by column, alpha folded into the scalar).
  Vector R = y;
  for (Eigen::Index j = 0; j < p; ++j) {
    if (w[j] == 0.0) continue;
    const double t = -w[j];
    const double* col = X.col(j).data();
    for (Eigen::Index i = 0; i < n; ++i) R[i] += t * col[i];
  }
  const double d_w_tol = tol;
  tol *= dot_seq(y.data(), y.data(), n);

  Vector XtA(p);
  CdResult result;
  double gap = tol + 1.0;
  for (int iter = 0; iter < max_iter; ++iter) {
    double w_max = 0.0, d_w_max = 0.0;
    for (Eigen::Index j = 0; j < p; ++j) {
      if (norm_cols[j] == 0.0) continue;
      const double* col = X.col(j).data();
      const double w_old = w[j];
      if (w_old != 0.0) {
        for (Eigen::Index i = 0; i < n; ++i) R[i] += w_old * col[i];
      }
      const double tmp = dot_seq(col, R.data(), n);
      const double sign = tmp > 0.0 ? 1.0 : (tmp < 0.0 ? -1.0 : 0.0);
      w[j] = sign * std::fmax(std::fabs(tmp) - l1, 0.0) / (norm_cols[j] + l2);
      if (w[j] != 0.0) {
        const double t = -w[j];
        for (Eigen::Index i = 0; i < n; ++i) R[i] += t * col[i];
      }
      d_w_max = std::fmax(d_w_max, std::fabs(w[j] - w_old));
      w_max = std::fmax(w_max, std::fabs(w[j]));
    }
    result.n_iter = iter + 1;
    if (w_max == 0.0 || d_w_max / w_max < d_w_tol || iter == max_iter - 1) {
      // Duality gap, as sklearn computes it.
      double dual_norm = 0.0;
      for (Eigen::Index j = 0; j < p; ++j) {
        XtA[j] = -l2 * w[j] + dot_seq(X.col(j).data(), R.data(), n);
        dual_norm = std::fmax(dual_norm, std::fabs(XtA[j]));
      }
      const double r_norm2 = dot_seq(R.data(), R.data(), n);
      const double w_norm2 = dot_seq(w.data(), w.data(), p);
      double cst = 1.0;
      if (dual_norm > l1) {
        cst = l1 / dual_norm;
        gap = 0.5 * (r_norm2 + r_norm2 * (cst * cst));
      } else {
        gap = r_norm2;
      }
      double l1_norm = 0.0;
      for (Eigen::Index j = 0; j < p; ++j) l1_norm += std::fabs(w[j]);
      gap += l1 * l1_norm - cst * dot_seq(R.data(), y.data(), n) +
             0.5 * l2 * (1.0 + cst * cst) * w_norm2;
      if (gap < tol) {
        result.converged = true;
        break;
      }
    }
  }
  result.gap = gap;
  return result;
}

class ElasticNet final : public LinearRegressorBase {
 public:
  // lasso: l1_ratio fixed at 1 and not a parameter.
  ElasticNet(const ModelParams& p, bool lasso)
      : lasso_(lasso),
        alpha_(param_number(p, "alpha", 1.0, lasso ? "lasso" : "elastic_net", kNonNegative)),
        l1_ratio_(lasso ? 1.0 : param_number(p, "l1_ratio", 0.5, "elastic_net", kUnitInterval)),
        fit_intercept_(param_bool(p, "fit_intercept", true, name())),
        max_iter_(param_int(p, "max_iter", 1000, name(), 1, std::numeric_limits<int>::max())),
        tol_(param_number(p, "tol", 1e-4, name(), kNonNegative)) {}

  std::string name() const override { return lasso_ ? "lasso" : "elastic_net"; }
  ModelParams params() const override {
    ModelParams out{{"alpha", param_text(alpha_)},
                    {"fit_intercept", param_text(fit_intercept_)},
                    {"max_iter", param_text(max_iter_)},
                    {"tol", param_text(tol_)}};
    if (!lasso_) out["l1_ratio"] = param_text(l1_ratio_);
    return out;
  }
  std::unique_ptr<Model> clone() const override {
    return std::make_unique<ElasticNet>(params(), lasso_);
  }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext&) override {
    check_fit_input(name(), X, y);
    const Centred c = centre(X, y, fit_intercept_);
    const double n = static_cast<double>(X.rows());
    Vector w = Vector::Zero(X.cols());
    last_ = enet_coordinate_descent(w, alpha_ * l1_ratio_ * n, alpha_ * (1.0 - l1_ratio_) * n, c.X,
                                    c.y, static_cast<int>(max_iter_), tol_);
    set_solution(c, std::move(w));
  }

 private:
  bool lasso_;
  double alpha_;
  double l1_ratio_;
  bool fit_intercept_;
  std::int64_t max_iter_;
  double tol_;
  CdResult last_;
};

// ---- logistic_regression -------------------------------------------------------------------

double expit(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// The penalised negative log-likelihood over a parameter vector theta = [W row-major (k x p), b
// (k)] with k = 1 (binary, sigmoid) or k = classes (softmax). Evaluations are O(n p k).
class LogisticObjective {
 public:
  LogisticObjective(const MatrixRef& X, const std::vector<int>& codes, int n_classes, double lambda,
                    bool fit_intercept)
      : X_(X),
        codes_(codes),
        k_(n_classes == 2 ? 1 : n_classes),
        lambda_(lambda),
        fit_intercept_(fit_intercept),
        p_(X.cols()),
        n_(X.rows()) {}

  Eigen::Index dim() const { return k_ * p_ + (fit_intercept_ ? k_ : 0); }

  // Scores n x k for theta.
  Matrix scores(const Vector& theta) const {
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
        W(theta.data(), k_, p_);
    Matrix Z = X_ * W.transpose();
    if (fit_intercept_) {
      for (Eigen::Index c = 0; c < k_; ++c) Z.col(c).array() += theta[k_ * p_ + c];
    }
    return Z;
  }

  // Objective at theta; fills the per-row curvature state used by gradient/hessian products.
  // Binary: *Z_out gets a second column, exp(-|z|) of each row, which gradient() reuses (the
  // exponential log1pexp and expit both take, so the same bits as computing it again).
  double value(const Vector& theta, Matrix* Z_out = nullptr) const {
    Matrix Z = scores(theta);
    double loss = 0.0;
    if (k_ == 1) {
      if (Z_out) Z.conservativeResize(Eigen::NoChange, 2);
      for (Eigen::Index i = 0; i < n_; ++i) {
        const double z = Z(i, 0);
        const double e = std::exp(-std::fabs(z));
        // log1pexp(z), with exp(-z) (z > 0) or exp(z) (z <= 0) = e.
        const double l = z > 0 ? z + std::log1p(e) : std::log1p(e);
        loss += l - (codes_[static_cast<std::size_t>(i)] == 1 ? z : 0.0);
        if (Z_out) Z(i, 1) = e;
      }
    } else {
      for (Eigen::Index i = 0; i < n_; ++i) {
        double m = Z(i, 0);
        for (Eigen::Index c = 1; c < k_; ++c) m = std::max(m, Z(i, c));
        double s = 0.0;
        for (Eigen::Index c = 0; c < k_; ++c) s += std::exp(Z(i, c) - m);
        loss += m + std::log(s) - Z(i, codes_[static_cast<std::size_t>(i)]);
      }
    }
    const double wnorm2 = theta.head(k_ * p_).squaredNorm();
    if (Z_out) *Z_out = std::move(Z);
    return loss + 0.5 * lambda_ * wnorm2;
  }

  // Gradient at theta given its scores as value(theta, &Z) filled them; stores probabilities for
  // hessian_product.
  Vector gradient(const Vector& theta, const Matrix& Z) {
    P_.resize(n_, k_);
    Matrix E(n_, k_);  // residuals p - y
    if (k_ == 1) {
      for (Eigen::Index i = 0; i < n_; ++i) {
        // expit(z): exp(-z) (z >= 0) or exp(z) (z < 0) is value()'s e.
        const double e = Z(i, 1);
        P_(i, 0) = Z(i, 0) >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        E(i, 0) = P_(i, 0) - (codes_[static_cast<std::size_t>(i)] == 1 ? 1.0 : 0.0);
      }
    } else {
      for (Eigen::Index i = 0; i < n_; ++i) {
        double m = Z(i, 0);
        for (Eigen::Index c = 1; c < k_; ++c) m = std::max(m, Z(i, c));
        double s = 0.0;
        for (Eigen::Index c = 0; c < k_; ++c) s += (P_(i, c) = std::exp(Z(i, c) - m));
        for (Eigen::Index c = 0; c < k_; ++c) {
          P_(i, c) /= s;
          E(i, c) = P_(i, c) - (codes_[static_cast<std::size_t>(i)] == c ? 1.0 : 0.0);
        }
      }
    }
    Vector g(dim());
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> G(g.data(),
                                                                                         k_, p_);
    G.noalias() = E.transpose() * X_;
    G += lambda_ *
         Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
             theta.data(), k_, p_);
    if (fit_intercept_) g.tail(k_) = E.colwise().sum().transpose();
    return g;
  }

  // The full Hessian at the last gradient() point, in theta's layout: block (c, d) of the
  // weights is X' diag(w_cd) X (+ lambda I on the diagonal blocks) with w_cd = p_c (delta_cd -
  // p_d); the intercept rows are X' w_cd and sum(w_cd). O(n p^2 k^2) flops.
  Matrix hessian() const {
    const Eigen::Index q = p_ + (fit_intercept_ ? 1 : 0);
    if (Xa_.rows() != n_ || Xa_.cols() != q) {  // [X 1], built on the first call
      Xa_.resize(n_, q);
      Xa_.leftCols(p_) = X_;
      if (fit_intercept_) Xa_.col(p_).setOnes();
    }
    const Matrix& Xa = Xa_;
#if FRESHET_HAVE_AVX2_KERNELS
    if (k_ == 1 && cpu_has_avx2_fma()) {
      // Binary: H = Xa' diag(p (1 - p)) Xa (+ lambda on the weights' diagonal), by the Gram
      // kernel of ml/weighted_gram.hpp. Only the Newton direction depends on it.
      const Vector w = (P_.col(0).array() * (1.0 - P_.col(0).array())).matrix();
      Matrix H(q, q);
      weighted_gram_avx2(Xa.data(), w.data(), n_, q, H.data());
      for (Eigen::Index j = 0; j < p_; ++j) H(j, j) += lambda_;
      return H;
    }
#endif
    Matrix H = Matrix::Zero(dim(), dim());
    Matrix Xw(n_, q);
    Vector w(n_);
    // Index of row j of the augmented block of class c in theta.
    const auto at = [&](Eigen::Index c, Eigen::Index j) {
      return j < p_ ? c * p_ + j : k_ * p_ + c;
    };
    for (Eigen::Index c = 0; c < k_; ++c) {
      for (Eigen::Index d = c; d < k_; ++d) {
        if (k_ == 1) {
          w = (P_.col(0).array() * (1.0 - P_.col(0).array())).matrix();
        } else if (c == d) {
          w = (P_.col(c).array() * (1.0 - P_.col(c).array())).matrix();
        } else {
          w = -(P_.col(c).array() * P_.col(d).array()).matrix();
        }
        Matrix B(q, q);
        if (c == d) {
          // w >= 0: B = (sqrt(w) X)'(sqrt(w) X), a symmetric rank update at half a product's cost.
          Xw = Xa.array().colwise() * w.array().sqrt();
          B.setZero();
          B.selfadjointView<Eigen::Lower>().rankUpdate(Xw.transpose());
          B.triangularView<Eigen::StrictlyUpper>() = B.transpose();
        } else {
          Xw = Xa.array().colwise() * w.array();
          B.noalias() = Xa.transpose() * Xw;
        }
        for (Eigen::Index i = 0; i < q; ++i) {
          for (Eigen::Index j = 0; j < q; ++j) {
            H(at(c, i), at(d, j)) = B(i, j);
            H(at(d, j), at(c, i)) = B(i, j);
          }
        }
      }
      for (Eigen::Index j = 0; j < p_; ++j) H(c * p_ + j, c * p_ + j) += lambda_;
    }
    return H;
  }

  // Diagonal of the Hessian at the last gradient() point (Jacobi preconditioner).
  Vector hessian_diagonal() const {
    if (X2_.rows() != n_ || X2_.cols() != p_) X2_ = X_.array().square().matrix();  // first use
    Vector d(dim());
    for (Eigen::Index c = 0; c < k_; ++c) {
      const Vector curv = (P_.col(c).array() * (1.0 - P_.col(c).array())).matrix();
      d.segment(c * p_, p_) = (X2_.transpose() * curv).array() + lambda_;
      if (fit_intercept_) d[k_ * p_ + c] = curv.sum();
    }
    return d;
  }

  // Hessian times v at the last gradient() point.
  Vector hessian_product(const Vector& v) const {
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
        V(v.data(), k_, p_);
    Matrix D = X_ * V.transpose();  // n x k
    if (fit_intercept_) {
      for (Eigen::Index c = 0; c < k_; ++c) D.col(c).array() += v[k_ * p_ + c];
    }
    if (k_ == 1) {
      D.col(0).array() *= P_.col(0).array() * (1.0 - P_.col(0).array());
    } else {
      // Softmax Hessian per row: diag(p) - p p'.
      for (Eigen::Index i = 0; i < n_; ++i) {
        double pd = 0.0;
        for (Eigen::Index c = 0; c < k_; ++c) pd += P_(i, c) * D(i, c);
        for (Eigen::Index c = 0; c < k_; ++c) D(i, c) = P_(i, c) * (D(i, c) - pd);
      }
    }
    Vector out(dim());
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> H(out.data(),
                                                                                         k_, p_);
    H.noalias() = D.transpose() * X_;
    H += lambda_ * V;
    if (fit_intercept_) out.tail(k_) = D.colwise().sum().transpose();
    return out;
  }

  Eigen::Index k() const { return k_; }

 private:
  const MatrixRef& X_;
  const std::vector<int>& codes_;
  Eigen::Index k_;
  double lambda_;
  bool fit_intercept_;
  Eigen::Index p_, n_;
  mutable Matrix X2_;  // X squared elementwise, for the Hessian diagonal (made when first used)
  mutable Matrix Xa_;  // X with a column of ones when fit_intercept (hessian())
  Matrix P_;
};

// Newton's method with Armijo line search; returns the number of Newton iterations used.
// The Newton system is solved exactly (LDLT of the dense Hessian) when that is cheaper than the
// ~tens of Hessian-vector products conjugate gradients needs, else by Jacobi-preconditioned CG.
// Stops when the gradient is 1e-10 of its start, or when a step no longer lowers the objective
// by more than its rounding (the gradient's own rounding can exceed 1e-10 of the start).
// g_start: the gradient norm the 1e-10 is relative to; 0 = the gradient at theta. A warm start
// passes the cold start's (the gradient at zero), so it stops at the same tolerance.
int minimise_newton(LogisticObjective& obj, Vector& theta, int max_iter, Eigen::Index n_rows,
                    Eigen::Index n_features, double g_start = 0.0) {
  Matrix Z;
  double f = obj.value(theta, &Z);
  Vector g = obj.gradient(theta, Z);
  const double g0 = std::max(g_start > 0.0 ? g_start : g.lpNorm<Eigen::Infinity>(), 1e-300);
  const auto dim = theta.size();
  const auto k = obj.k();
  // Dense: n p^2 k(k+1)/2 + dim^3/3 flops; CG: ~40 products of 4 n p k flops each.
  const double dense_cost = static_cast<double>(n_rows) *
                                static_cast<double>(n_features * n_features) *
                                static_cast<double>(k * (k + 1)) / 2.0 +
                            std::pow(static_cast<double>(dim), 3) / 3.0;
  const double cg_cost = 40.0 * 4.0 * static_cast<double>(n_rows * n_features * k);
  const bool dense = dense_cost <= cg_cost;
  int iter = 0;
  for (; iter < max_iter; ++iter) {
    const double gnorm = g.lpNorm<Eigen::Infinity>();
    if (gnorm <= 1e-10 * g0 || gnorm == 0.0) break;
    Vector d;
    if (dense) {
      Matrix H = obj.hessian();
      // The softmax intercepts can all shift together without changing the loss: H is singular
      // along that direction. A tiny diagonal shift keeps the factorisation defined; it changes
      // the step, not the optimum (where the gradient vanishes).
      H.diagonal().array() += 1e-12 * std::max(1.0, H.diagonal().maxCoeff());
      Eigen::LDLT<Matrix> ldlt(H);
      d = ldlt.solve(-g);
    }
    if (!dense || !d.allFinite() || !(g.dot(d) < 0.0)) {
      // Preconditioned CG on H d = -g, forcing term min(0.5, sqrt(|g|/|g0|)) (superlinear).
      const Vector dinv = obj.hessian_diagonal().cwiseMax(1e-12).cwiseInverse();
      const double eta = std::min(0.5, std::sqrt(gnorm / g0));
      d = Vector::Zero(dim);
      Vector r = -g;
      Vector z = dinv.cwiseProduct(r);
      Vector q = z;
      double rz = r.dot(z);
      const double r0 = r.norm();
      for (Eigen::Index cg = 0; cg < std::max<Eigen::Index>(10, 2 * dim); ++cg) {
        const Vector Hq = obj.hessian_product(q);
        const double qHq = q.dot(Hq);
        if (!(qHq > 0.0)) {
          if (cg == 0) d = -g;  // no curvature information: steepest descent
          break;
        }
        const double a = rz / qHq;
        d += a * q;
        r -= a * Hq;
        if (r.norm() <= eta * r0) break;
        z = dinv.cwiseProduct(r);
        const double rz_new = r.dot(z);
        q = z + (rz_new / rz) * q;
        rz = rz_new;
      }
    }
    // Armijo backtracking.
    const double slope = g.dot(d);
    if (!(slope < 0.0)) break;
    double step = 1.0;
    Vector trial;
    Matrix Zt;
    double ft = 0.0;
    bool accepted = false;
    for (int ls = 0; ls < 60; ++ls) {
      trial = theta + step * d;
      ft = obj.value(trial, &Zt);
      if (ft <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;  // no further decrease representable: at the optimum to precision
    const bool stalled = !(f - ft > 8.0 * std::numeric_limits<double>::epsilon() * std::fabs(f));
    theta = std::move(trial);
    f = ft;
    Z = std::move(Zt);
    g = obj.gradient(theta, Z);
    if (stalled) break;
  }
  return iter;
}

class LogisticRegression final : public Model {
 public:
  explicit LogisticRegression(const ModelParams& p)
      : penalty_(param_choice(p, "penalty", "l2", {"l2", "none"}, kName)),
        C_(param_number(p, "C", 1.0, kName, kPositive)),
        fit_intercept_(param_bool(p, "fit_intercept", true, kName)),
        max_iter_(param_int(p, "max_iter", 100, kName, 1, std::numeric_limits<int>::max())) {}

  static constexpr const char* kName = "logistic_regression";
  std::string name() const override { return kName; }
  bool is_classifier() const override { return true; }
  bool has_decision_function() const override { return true; }
  std::vector<double> classes() const override { return classes_; }
  ModelParams params() const override {
    return {{"penalty", penalty_},
            {"C", param_text(C_)},
            {"fit_intercept", param_text(fit_intercept_)},
            {"max_iter", param_text(max_iter_)}};
  }
  std::unique_ptr<Model> clone() const override {
    return std::make_unique<LogisticRegression>(params());
  }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext&) override {
    check_fit_input(kName, X, y);
    EncodedLabels labels = encode_labels(y);
    if (labels.classes.size() < 2) {
      throw Error(Errc::kInvalidArgument,
                  std::string("model '") + kName +
                      "': needs samples of at least 2 classes, got only class " +
                      param_text(labels.classes.front()));
    }
    Vector theta;
    fit_from(X, labels, theta, 0.0);
  }

  // Warm starts along C (sklearn's LogisticRegressionCV path): variants are fitted in increasing
  // C, each starting from the previous solution, with the stopping tolerance of a cold start. The
  // objective is strictly convex (penalty l2), so every variant reaches the same optimum as a cold
  // fit to the solver's tolerance (gradient 1e-10 of the cold start's), in fewer Newton steps --
  // the same predictions, though not necessarily the same last bits of the coefficients.
  std::vector<std::unique_ptr<Model>> fit_variants(const MatrixRef& X, std::span<const double> y,
                                                   std::span<const ModelParams> variants,
                                                   const FitContext& context) const override {
    std::vector<std::unique_ptr<LogisticRegression>> models;
    for (const auto& variant : variants)
      models.push_back(std::make_unique<LogisticRegression>(variant_params(*this, variant)));
    const bool chain = std::all_of(models.begin(), models.end(), [&](const auto& m) {
      return m->penalty_ == "l2" && m->fit_intercept_ == models.front()->fit_intercept_;
    });
    if (!chain || models.size() < 2) return Model::fit_variants(X, y, variants, context);
    std::vector<std::unique_ptr<Model>> out;
    check_fit_input(kName, X, y);
    const EncodedLabels labels = encode_labels(y);
    if (labels.classes.size() < 2) {
      models.front()->fit(X, y, context);  // throws the one-class error
    }
    std::vector<std::size_t> order(models.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return models[a]->C_ < models[b]->C_; });
    // The cold start's gradient (at zero it does not depend on C).
    LogisticObjective zero(X, labels.codes, static_cast<int>(labels.classes.size()), 0.0,
                           models.front()->fit_intercept_);
    Matrix Z;
    const Vector origin = Vector::Zero(zero.dim());
    zero.value(origin, &Z);
    const double g_start = zero.gradient(origin, Z).lpNorm<Eigen::Infinity>();
    Vector theta = origin;
    for (std::size_t i : order) models[i]->fit_from(X, labels, theta, g_start);
    for (auto& m : models) out.push_back(std::move(m));
    return out;
  }

 private:
  // Minimises from theta (empty: zero) and keeps the solution in theta and in the model.
  void fit_from(const MatrixRef& X, const EncodedLabels& labels, Vector& theta, double g_start) {
    const double lambda = penalty_ == "none" ? 0.0 : 1.0 / C_;
    LogisticObjective obj(X, labels.codes, static_cast<int>(labels.classes.size()), lambda,
                          fit_intercept_);
    if (theta.size() != obj.dim()) theta = Vector::Zero(obj.dim());
    n_iter_ = minimise_newton(obj, theta, static_cast<int>(max_iter_), X.rows(), X.cols(), g_start);
    const auto k = obj.k(), p = X.cols();
    W_ = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        theta.data(), k, p);
    b_ = fit_intercept_ ? Vector(theta.tail(k)) : Vector::Zero(k);
    classes_ = labels.classes;
    n_features_ = static_cast<std::size_t>(p);
  }

 public:
  std::optional<LinearCoefficients> linear_coefficients() const override {
    if (n_features_ == 0) return std::nullopt;
    return LinearCoefficients{W_, b_};
  }

  Matrix decision_function(const MatrixRef& X) const override {
    check_predict_input(kName, X, n_features_);
    Matrix Z = X * W_.transpose();
    Z.rowwise() += b_.transpose();
    return Z;
  }

  Matrix predict_proba(const MatrixRef& X) const override {
    const Matrix Z = decision_function(X);
    Matrix P(Z.rows(), static_cast<Eigen::Index>(classes_.size()));
    if (Z.cols() == 1) {
      for (Eigen::Index i = 0; i < Z.rows(); ++i) {
        P(i, 1) = expit(Z(i, 0));
        P(i, 0) = 1.0 - P(i, 1);
      }
    } else {
      for (Eigen::Index i = 0; i < Z.rows(); ++i) {
        const double m = Z.row(i).maxCoeff();
        double s = 0.0;
        for (Eigen::Index c = 0; c < Z.cols(); ++c) s += (P(i, c) = std::exp(Z(i, c) - m));
        P.row(i) /= s;
      }
    }
    return P;
  }

  Vector predict(const MatrixRef& X) const override {
    const Matrix Z = decision_function(X);
    Vector out(Z.rows());
    for (Eigen::Index i = 0; i < Z.rows(); ++i) {
      if (Z.cols() == 1) {
        out[i] = classes_[Z(i, 0) > 0.0 ? 1 : 0];
      } else {
        Eigen::Index best = 0;
        Z.row(i).maxCoeff(&best);  // first maximum, as numpy's argmax
        out[i] = classes_[static_cast<std::size_t>(best)];
      }
    }
    return out;
  }

 private:
  std::string penalty_;
  double C_;
  bool fit_intercept_;
  std::int64_t max_iter_;
  Matrix W_;
  Vector b_;
  std::vector<double> classes_;
  std::size_t n_features_ = 0;
  int n_iter_ = 0;
};

}  // namespace

void register_linear_models() {
  const ModelParamInfo fit_intercept{
      "fit_intercept", "true", "fit an intercept (centre X and y) or pass through the origin"};
  register_model(
      {.name = "linear_regression",
       .description = "sklearn.linear_model.LinearRegression: ordinary least squares "
                      "(minimum-norm solution when X is rank-deficient)",
       .classifier = false,
       .params = {fit_intercept},
       .make = [](const ModelParams& p) { return std::make_unique<LinearRegression>(p); }});
  register_model({.name = "ridge",
                  .description = "sklearn.linear_model.Ridge: L2-penalised least squares "
                                 "(Cholesky on centred data, sklearn's solver='auto' for dense X)",
                  .classifier = false,
                  .params = {{"alpha", "1.0", "L2 penalty strength (>= 0)"}, fit_intercept},
                  .make = [](const ModelParams& p) { return std::make_unique<Ridge>(p); },
                  .path_params = {"alpha"}});
  const ModelParamInfo max_iter{"max_iter", "1000", "maximum coordinate-descent sweeps"};
  const ModelParamInfo tol{"tol", "0.0001",
                           "stop when the duality gap < tol * y'y (checked after a sweep whose "
                           "largest update is < tol * largest coefficient)"};
  register_model(
      {.name = "lasso",
       .description = "sklearn.linear_model.Lasso: L1-penalised least squares, "
                      "sklearn's cyclic coordinate descent and stopping rule",
       .classifier = false,
       .params = {{"alpha", "1.0", "L1 penalty strength (>= 0)"}, fit_intercept, max_iter, tol},
       .make = [](const ModelParams& p) { return std::make_unique<ElasticNet>(p, true); }});
  register_model(
      {.name = "elastic_net",
       .description = "sklearn.linear_model.ElasticNet: L1+L2-penalised least squares, "
                      "sklearn's cyclic coordinate descent and stopping rule",
       .classifier = false,
       .params = {{"alpha", "1.0", "penalty strength (>= 0)"},
                  {"l1_ratio", "0.5", "L1 share of the penalty, in [0, 1]"},
                  fit_intercept,
                  max_iter,
                  tol},
       .make = [](const ModelParams& p) { return std::make_unique<ElasticNet>(p, false); }});
  register_model(
      {.name = "logistic_regression",
       .description = "sklearn.linear_model.LogisticRegression (lbfgs defaults): binary sigmoid or "
                      "multinomial softmax, solved to the optimum with Newton-CG",
       .classifier = true,
       .params = {{"penalty", "l2", "l2 or none"},
                  {"C", "1.0", "inverse L2 penalty strength (> 0)"},
                  fit_intercept,
                  {"max_iter", "100",
                   "maximum Newton iterations (each solves the Newton "
                   "system by conjugate gradients)"}},
       .make = [](const ModelParams& p) { return std::make_unique<LogisticRegression>(p); },
       .path_params = {"C"}});
}

}  // namespace freshet
