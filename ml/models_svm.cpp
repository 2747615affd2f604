// Models: linear_svc, linear_svr (sklearn.svm.LinearSVC / LinearSVR 1.2 on liblinear's dual
// coordinate descent) and svc, svr (sklearn.svm.SVC / SVR 1.2 on libsvm's SMO).
//
// Both solvers are re-implemented step by step so that they take the same iterates as the
// libraries sklearn wraps (coefficients and decision values agree to ~1e-10; see ml/README.md):
//
// liblinear (LinearSVC: L2-regularised squared hinge / hinge, dual; LinearSVR: epsilon-
// insensitive / squared, dual):
//  * the intercept is one more feature column of value intercept_scaling, regularised like the
//    others; coef_ = w[:-1], intercept_ = intercept_scaling * w[-1];
//  * each epoch visits the active rows in a Fisher-Yates order drawn with sklearn's
//    `bounded_rand_int` (Lemire's bounded draw on a std::mt19937) from one generator seeded once
//    per fit with RandomState(random_state).randint(0, 2^31 - 1); with several classes the
//    generator runs on from class to class;
//  * classification rows are regrouped by class (ascending label, stable), and the binary problem
//    scores classes[1] (+1) against classes[0]; more classes: one-vs-rest, class by class;
//  * shrinking and stopping rules as liblinear (projected-gradient spread <= tol for SVC,
//    sum of violations <= tol * first epoch's sum for SVR).
//
// libsvm (C-SVC, epsilon-SVR): SMO with the second-order working-set selection (WSS3), shrinking
// every min(l, 1000) iterations, gradient reconstruction and the G_bar bookkeeping of libsvm;
// kernel values are stored as float (libsvm's Qfloat) so the gradient updates round the same way.
// Multi-class SVC is one-vs-one over class pairs (i < j, rows of class i first), voted by
// predict; decision_function gives sklearn's "ovr" transform of the pairwise values (binary: one
// column, the score of classes[1]).
//
// Deviations: sklearn's random_state defaults to None (nondeterministic); freshet uses 0. Only
// penalty="l2" with dual=True (sklearn's defaults) is provided for the linear models; SVC has no
// probability=True (Platt scaling) and no class_weight.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <list>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_params.hpp"
#include "ml/tree.hpp"

namespace freshet {

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- liblinear ---------------------------------------------------------------------------------

// sklearn's bounded_rand_int (newrand.h): Lemire's multiply-shift bounded draw with rejection
// on the low word, on a std::mt19937.
std::uint32_t bounded_rand(std::mt19937& mt, std::uint32_t range) {
  std::uint32_t x = static_cast<std::uint32_t>(mt());
  std::uint64_t m = static_cast<std::uint64_t>(x) * range;
  auto low = static_cast<std::uint32_t>(m);
  if (low < range) {
    std::uint32_t t = static_cast<std::uint32_t>(0u - range);
    if (t >= range) {
      t -= range;
      if (t >= range) t %= range;
    }
    while (low < t) {
      x = static_cast<std::uint32_t>(mt());
      m = static_cast<std::uint64_t>(x) * range;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

void shuffle_active(std::vector<int>& index, int active, std::mt19937& mt) {
  for (int i = 0; i < active; ++i) {
    const int j = i + static_cast<int>(bounded_rand(mt, static_cast<std::uint32_t>(active - i)));
    std::swap(index[static_cast<std::size_t>(i)], index[static_cast<std::size_t>(j)]);
  }
}

// x_i . w over the row's features in order (liblinear's sparse loop; zeros add nothing).
inline double row_dot(const double* x, const double* w, Eigen::Index d) {
  double s = 0;
  for (Eigen::Index k = 0; k < d; ++k) s += w[k] * x[k];
  return s;
}
inline void row_axpy(double a, const double* x, double* w, Eigen::Index d) {
  for (Eigen::Index k = 0; k < d; ++k) w[k] += a * x[k];
}

// liblinear's solve_l2r_l1l2_svc on rows Z (bias column included), labels +1/-1. Returns w.
Vector solve_svc_dual(const RowMatrix& Z, const std::vector<signed char>& y, double Cp, double Cn,
                      bool squared_hinge, double eps, int max_iter, std::mt19937& mt) {
  const int l = static_cast<int>(Z.rows());
  const Eigen::Index d = Z.cols();
  Vector w = Vector::Zero(d);
  std::vector<double> alpha(static_cast<std::size_t>(l), 0.0), qd(static_cast<std::size_t>(l));
  std::vector<double> diag(static_cast<std::size_t>(l)), upper(static_cast<std::size_t>(l));
  std::vector<int> index(static_cast<std::size_t>(l));
  for (int i = 0; i < l; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const double c = y[u] > 0 ? Cp : Cn;
    diag[u] = squared_hinge ? 0.5 / c : 0.0;
    upper[u] = squared_hinge ? kInf : c;
    double q = diag[u];
    const double* x = Z.row(i).data();
    for (Eigen::Index k = 0; k < d; ++k) q += x[k] * x[k];
    qd[u] = q;
    index[u] = i;
  }
  int active = l;
  double pg_max_old = kInf, pg_min_old = -kInf;
  for (int iter = 0; iter < max_iter;) {
    double pg_max_new = -kInf, pg_min_new = kInf;
    shuffle_active(index, active, mt);
    for (int s = 0; s < active; ++s) {
      const int i = index[static_cast<std::size_t>(s)];
      const auto u = static_cast<std::size_t>(i);
      const double* x = Z.row(i).data();
      const double yi = y[u];
      double G = row_dot(x, w.data(), d) * yi - 1;
      const double C = upper[u];
      G += alpha[u] * diag[u];
      double PG = 0;
      if (alpha[u] == 0) {
        if (G > pg_max_old) {
          --active;
          std::swap(index[static_cast<std::size_t>(s)], index[static_cast<std::size_t>(active)]);
          --s;
          continue;
        }
        if (G < 0) PG = G;
      } else if (alpha[u] == C) {
        if (G < pg_min_old) {
          --active;
          std::swap(index[static_cast<std::size_t>(s)], index[static_cast<std::size_t>(active)]);
          --s;
          continue;
        }
        if (G > 0) PG = G;
      } else {
        PG = G;
      }
      pg_max_new = std::max(pg_max_new, PG);
      pg_min_new = std::min(pg_min_new, PG);
      if (std::fabs(PG) > 1.0e-12) {
        const double old = alpha[u];
        alpha[u] = std::min(std::max(alpha[u] - G / qd[u], 0.0), C);
        row_axpy((alpha[u] - old) * yi, x, w.data(), d);
      }
    }
    ++iter;
    if (pg_max_new - pg_min_new <= eps) {
      if (active == l) break;
      active = l;
      pg_max_old = kInf;
      pg_min_old = -kInf;
      continue;
    }
    pg_max_old = pg_max_new <= 0 ? kInf : pg_max_new;
    pg_min_old = pg_min_new >= 0 ? -kInf : pg_min_new;
  }
  return w;
}

// liblinear's solve_l2r_l1l2_svr on rows Z (bias column included).
Vector solve_svr_dual(const RowMatrix& Z, std::span<const double> y, double C, double p,
                      bool squared, double eps, int max_iter, std::mt19937& mt) {
  const int l = static_cast<int>(Z.rows());
  const Eigen::Index d = Z.cols();
  Vector w = Vector::Zero(d);
  const double lambda = squared ? 0.5 / C : 0.0;
  const double upper = squared ? kInf : C;
  std::vector<double> beta(static_cast<std::size_t>(l), 0.0), qd(static_cast<std::size_t>(l));
  std::vector<int> index(static_cast<std::size_t>(l));
  for (int i = 0; i < l; ++i) {
    const double* x = Z.row(i).data();
    double q = 0;
    for (Eigen::Index k = 0; k < d; ++k) q += x[k] * x[k];
    qd[static_cast<std::size_t>(i)] = q;
    index[static_cast<std::size_t>(i)] = i;
  }
  int active = l;
  double g_max_old = kInf, g_norm1_init = -1.0;
  for (int iter = 0; iter < max_iter;) {
    double g_max_new = 0, g_norm1_new = 0;
    shuffle_active(index, active, mt);
    for (int s = 0; s < active; ++s) {
      const int i = index[static_cast<std::size_t>(s)];
      const auto u = static_cast<std::size_t>(i);
      const double* x = Z.row(i).data();
      double G = -y[u] + lambda * beta[u];
      const double H = qd[u] + lambda;
      for (Eigen::Index k = 0; k < d; ++k) G += x[k] * w[k];
      const double Gp = G + p, Gn = G - p;
      double violation = 0;
      const auto shrink = [&] {
        --active;
        std::swap(index[static_cast<std::size_t>(s)], index[static_cast<std::size_t>(active)]);
        --s;
      };
      if (beta[u] == 0) {
        if (Gp < 0) {
          violation = -Gp;
        } else if (Gn > 0) {
          violation = Gn;
        } else if (Gp > g_max_old && Gn < -g_max_old) {
          shrink();
          continue;
        }
      } else if (beta[u] >= upper) {
        if (Gp > 0) {
          violation = Gp;
        } else if (Gp < -g_max_old) {
          shrink();
          continue;
        }
      } else if (beta[u] <= -upper) {
        if (Gn < 0) {
          violation = -Gn;
        } else if (Gn > g_max_old) {
          shrink();
          continue;
        }
      } else if (beta[u] > 0) {
        violation = std::fabs(Gp);
      } else {
        violation = std::fabs(Gn);
      }
      g_max_new = std::max(g_max_new, violation);
      g_norm1_new += violation;
      double step;
      if (Gp < H * beta[u]) {
        step = -Gp / H;
      } else if (Gn > H * beta[u]) {
        step = -Gn / H;
      } else {
        step = -beta[u];
      }
      if (std::fabs(step) < 1.0e-12) continue;
      const double old = beta[u];
      beta[u] = std::min(std::max(beta[u] + step, -upper), upper);
      step = beta[u] - old;
      if (step != 0) row_axpy(step, x, w.data(), d);
    }
    if (iter == 0) g_norm1_init = g_norm1_new;
    ++iter;
    if (g_norm1_new <= eps * g_norm1_init) {
      if (active == l) break;
      active = l;
      g_max_old = kInf;
      continue;
    }
    g_max_old = g_max_new;
  }
  return w;
}

// Rows of X, in `order`, with the bias column appended when bias > 0 (liblinear's layout).
RowMatrix design(const MatrixRef& X, const std::vector<int>& order, double bias) {
  const Eigen::Index d = X.cols();
  RowMatrix Z(static_cast<Eigen::Index>(order.size()), d + (bias > 0 ? 1 : 0));
  for (std::size_t r = 0; r < order.size(); ++r) {
    const auto row = static_cast<Eigen::Index>(r);
    Z.row(row).head(d) = X.row(order[r]);
    if (bias > 0) Z(row, d) = bias;
  }
  return Z;
}

class LinearSvm final : public Model {
 public:
  LinearSvm(bool classifier, const ModelParams& params) : classifier_(classifier) {
    const std::string m = name();
    C_ = param_number(params, "C", 1.0, m, kPositive);
    tol_ = param_number(params, "tol", 1e-4, m, kPositive);
    max_iter_ = param_int(params, "max_iter", 1000, m, 1, 0x7FFFFFFF);
    fit_intercept_ = param_bool(params, "fit_intercept", true, m);
    intercept_scaling_ = param_number(params, "intercept_scaling", 1.0, m, kPositive);
    random_state_ = param_int(params, "random_state", 0, m, 0, 0xFFFFFFFFll);
    if (classifier_) {
      loss_ = param_choice(params, "loss", "squared_hinge", {"squared_hinge", "hinge"}, m);
    } else {
      loss_ = param_choice(params, "loss", "epsilon_insensitive",
                           {"epsilon_insensitive", "squared_epsilon_insensitive"}, m);
      epsilon_ = param_number(params, "epsilon", 0.0, m, kNonNegative);
    }
  }

  std::string name() const override { return classifier_ ? "linear_svc" : "linear_svr"; }
  bool is_classifier() const override { return classifier_; }
  bool has_decision_function() const override { return classifier_; }
  std::vector<double> classes() const override { return classes_; }

  ModelParams params() const override {
    ModelParams p{{"C", param_text(C_)},
                  {"tol", param_text(tol_)},
                  {"max_iter", param_text(max_iter_)},
                  {"fit_intercept", param_text(fit_intercept_)},
                  {"intercept_scaling", param_text(intercept_scaling_)},
                  {"random_state", param_text(random_state_)},
                  {"loss", loss_}};
    if (!classifier_) p["epsilon"] = param_text(epsilon_);
    return p;
  }
  std::unique_ptr<Model> clone() const override {
    return std::make_unique<LinearSvm>(classifier_, params());
  }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext&) override {
    const std::string m = name();
    check_fit_input(m, X, y);
    const double bias = fit_intercept_ ? intercept_scaling_ : -1.0;
    std::mt19937 mt(tree::splitter_seed(static_cast<std::uint32_t>(random_state_)));
    const auto n = static_cast<std::size_t>(X.rows());
    const Eigen::Index d = X.cols();
    auto unpack = [&](const Vector& w, Eigen::Index row) {
      coef_.row(row) = w.head(d).transpose();
      intercept_(row) = bias > 0 ? bias * w(d) : 0.0;
    };
    if (!classifier_) {
      std::vector<int> order(n);
      for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<int>(i);
      const RowMatrix Z = design(X, order, bias);
      coef_.resize(1, d);
      intercept_.resize(1);
      unpack(solve_svr_dual(Z, y, C_, epsilon_, loss_ != "epsilon_insensitive", tol_,
                            static_cast<int>(max_iter_), mt),
             0);
    } else {
      EncodedLabels enc = encode_labels(y);
      classes_ = std::move(enc.classes);
      const std::size_t k = classes_.size();
      if (k < 2) {
        throw Error(Errc::kInvalidArgument, "model '" + m +
                                                "': needs samples of at least 2 classes, got "
                                                "only class " +
                                                param_text(classes_.front()));
      }
      // liblinear groups the rows by class (ascending label), keeping their order within a class.
      std::vector<int> order;
      order.reserve(n);
      std::vector<std::size_t> start(k + 1, 0);
      for (std::size_t c = 0; c < k; ++c) {
        start[c] = order.size();
        for (std::size_t i = 0; i < n; ++i)
          if (enc.codes[i] == static_cast<int>(c)) order.push_back(static_cast<int>(i));
      }
      start[k] = n;
      const RowMatrix Z = design(X, order, bias);
      const bool squared = loss_ == "squared_hinge";
      std::vector<signed char> sign(n);
      const std::size_t outputs = k == 2 ? 1 : k;
      coef_.resize(static_cast<Eigen::Index>(outputs), d);
      intercept_.resize(static_cast<Eigen::Index>(outputs));
      for (std::size_t c = 0; c < outputs; ++c) {
        // Binary: classes[1] is +1. One-vs-rest: class c is +1.
        const std::size_t pos = k == 2 ? 1 : c;
        for (std::size_t r = 0; r < n; ++r)
          sign[r] = (r >= start[pos] && r < start[pos + 1]) ? 1 : -1;
        unpack(solve_svc_dual(Z, sign, C_, C_, squared, tol_, static_cast<int>(max_iter_), mt),
               static_cast<Eigen::Index>(c));
      }
    }
    n_features_ = static_cast<std::size_t>(d);
  }

  std::optional<LinearCoefficients> linear_coefficients() const override {
    if (n_features_ == 0) return std::nullopt;
    return LinearCoefficients{coef_, intercept_};
  }

  Matrix decision_function(const MatrixRef& X) const override {
    if (!classifier_) return Model::decision_function(X);
    check_predict_input(name(), X, n_features_);
    return scores(X);
  }

  Vector predict(const MatrixRef& X) const override {
    check_predict_input(name(), X, n_features_);
    const Matrix s = scores(X);
    Vector out(X.rows());
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      if (!classifier_) {
        out(i) = s(i, 0);
      } else if (classes_.size() == 2) {
        out(i) = classes_[s(i, 0) > 0 ? 1 : 0];
      } else {
        Eigen::Index best = 0;
        for (Eigen::Index c = 1; c < s.cols(); ++c)
          if (s(i, c) > s(i, best)) best = c;
        out(i) = classes_[static_cast<std::size_t>(best)];
      }
    }
    return out;
  }

 private:
  Matrix scores(const MatrixRef& X) const {
    Matrix s = X * coef_.transpose();
    s.rowwise() += intercept_.transpose();
    return s;
  }

  bool classifier_;
  double C_ = 1.0, tol_ = 1e-4, intercept_scaling_ = 1.0, epsilon_ = 0.0;
  std::int64_t max_iter_ = 1000, random_state_ = 0;
  bool fit_intercept_ = true;
  std::string loss_;

  std::vector<double> classes_;
  Matrix coef_;
  Vector intercept_;
  std::size_t n_features_ = 0;
};

// ---- libsvm ------------------------------------------------------------------------------------

enum class KernelKind { kLinear, kPoly, kRbf, kSigmoid };

struct KernelParams {
  KernelKind kind = KernelKind::kRbf;
  double gamma = 1.0;
  double coef0 = 0.0;
  int degree = 3;
};

// libsvm's powi: exponentiation by squaring (so poly kernels round as libsvm's do).
double powi(double base, int times) {
  double tmp = base, ret = 1.0;
  for (int t = times; t > 0; t /= 2) {
    if (t % 2 == 1) ret *= tmp;
    tmp = tmp * tmp;
  }
  return ret;
}

inline double kernel_from_dot(const KernelParams& k, double dot, double sq_i, double sq_j) {
  switch (k.kind) {
    case KernelKind::kLinear:
      return dot;
    case KernelKind::kPoly:
      return powi(k.gamma * dot + k.coef0, k.degree);
    case KernelKind::kRbf:
      return std::exp(-k.gamma * (sq_i + sq_j - 2 * dot));
    case KernelKind::kSigmoid:
      return std::tanh(k.gamma * dot + k.coef0);
  }
  return 0;
}

// Kernel rows of the training rows, as float (libsvm's Qfloat), kept in a byte-bounded cache
// (libsvm's LRU over its cache_size). Rows are indexed by the training row, not by the solver's
// shrinking permutation: the values are the same, so the iterates are too.
class KernelCache {
 public:
  KernelCache(const RowMatrix& X, const KernelParams& params, double cache_mb)
      : X_(X), params_(params) {
    const auto n = X.rows();
    sq_.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) sq_(i) = X.row(i).squaredNorm();
    const double bytes = std::max(cache_mb, 1.0) * 1024.0 * 1024.0;
    capacity_ = std::max<std::size_t>(
        2, static_cast<std::size_t>(bytes / (static_cast<double>(n) * sizeof(float) + 64)));
  }

  // K(i, i) as libsvm's QD: x_i . x_i is the same number as x_square[i], so the RBF value is
  // exactly 1.
  double diag(int i) const {
    const auto r = static_cast<Eigen::Index>(i);
    return kernel_from_dot(params_, sq_(r), sq_(r), sq_(r));
  }

  // K(i, j) for all training rows j, as float.
  const float* row(int i) {
    auto it = map_.find(i);
    if (it != map_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second.data();
    }
    if (map_.size() >= capacity_) {
      map_.erase(lru_.back().first);
      lru_.pop_back();
    }
    const auto r = static_cast<Eigen::Index>(i);
    const Vector dots = X_ * X_.row(r).transpose();
    std::vector<float> values(static_cast<std::size_t>(X_.rows()));
    for (Eigen::Index j = 0; j < X_.rows(); ++j) {
      values[static_cast<std::size_t>(j)] =
          static_cast<float>(kernel_from_dot(params_, dots(j), sq_(r), sq_(j)));
    }
    lru_.emplace_front(i, std::move(values));
    map_[i] = lru_.begin();
    return lru_.front().second.data();
  }

 private:
  const RowMatrix& X_;
  KernelParams params_;
  Vector sq_;
  std::size_t capacity_ = 2;
  std::list<std::pair<int, std::vector<float>>> lru_;
  std::unordered_map<int, std::list<std::pair<int, std::vector<float>>>::iterator> map_;
};

// libsvm's Solver for  min 0.5 a'Qa + p'a,  y'a = 0,  0 <= a_t <= C_t, with Q_ij = y_i y_j K_ij
// over "variables" t that map to training rows row_of[t] (SVR has two variables per row).
class SmoSolver {
 public:
  struct Result {
    std::vector<double> alpha;  // per variable, in the caller's order
    double rho = 0;
  };

  SmoSolver(KernelCache& cache, std::vector<int> row_of, std::vector<signed char> y,
            std::vector<double> p, double Cp, double Cn, double eps, bool shrinking)
      : cache_(cache),
        l_(static_cast<int>(y.size())),
        y_(std::move(y)),
        p_(std::move(p)),
        row_of_(std::move(row_of)),
        Cp_(Cp),
        Cn_(Cn),
        eps_(eps),
        shrinking_(shrinking) {}

  Result solve() {
    const auto L = static_cast<std::size_t>(l_);
    alpha_.assign(L, 0.0);
    status_.assign(L, kLower);
    for (int t = 0; t < l_; ++t) update_status(t);
    active_set_.resize(L);
    qd_.resize(L);
    for (int t = 0; t < l_; ++t) {
      active_set_[static_cast<std::size_t>(t)] = t;
      qd_[static_cast<std::size_t>(t)] = cache_.diag(row_of_[static_cast<std::size_t>(t)]);
    }
    active_size_ = l_;
    G_ = p_;
    G_bar_.assign(L, 0.0);  // alpha starts at 0: nothing at a bound, nothing to add

    const long long max_iter = std::max<long long>(10000000, 100LL * l_);
    int counter = std::min(l_, 1000) + 1;
    long long iter = 0;
    while (iter < max_iter) {
      if (--counter == 0) {
        counter = std::min(l_, 1000);
        if (shrinking_) do_shrinking();
      }
      int i = 0, j = 0;
      if (select_working_set(i, j) != 0) {
        reconstruct_gradient();
        active_size_ = l_;
        if (select_working_set(i, j) != 0) break;
        counter = 1;  // shrink on the next iteration
      }
      ++iter;
      step(i, j);
    }
    if (active_size_ < l_) {
      reconstruct_gradient();
      active_size_ = l_;
    }
    Result r;
    r.rho = calculate_rho();
    r.alpha.assign(L, 0.0);
    for (int t = 0; t < l_; ++t)
      r.alpha[static_cast<std::size_t>(active_set_[static_cast<std::size_t>(t)])] =
          alpha_[static_cast<std::size_t>(t)];
    return r;
  }

 private:
  enum Status : signed char { kLower, kUpper, kFree };

  double C(int t) const { return y_[static_cast<std::size_t>(t)] > 0 ? Cp_ : Cn_; }
  bool upper(int t) const { return status_[static_cast<std::size_t>(t)] == kUpper; }
  bool lower(int t) const { return status_[static_cast<std::size_t>(t)] == kLower; }
  bool is_free(int t) const { return status_[static_cast<std::size_t>(t)] == kFree; }
  void update_status(int t) {
    const double a = alpha_[static_cast<std::size_t>(t)];
    status_[static_cast<std::size_t>(t)] = a >= C(t) ? kUpper : (a <= 0 ? kLower : kFree);
  }

  // Q(t, u) for positions t, u (current permutation) as libsvm's float.
  float q(const float* krow, int t, int u) const {
    const auto su = static_cast<std::size_t>(u);
    const float k = krow[row_of_[su]];
    return static_cast<float>(y_[static_cast<std::size_t>(t)] * y_[su]) * k;
  }
  // libsvm's y[i] * Q_i[j], a float product.
  float yq(const float* krow, int i, int j) const {
    return static_cast<float>(y_[static_cast<std::size_t>(i)]) * q(krow, i, j);
  }
  const float* krow(int t) { return cache_.row(row_of_[static_cast<std::size_t>(t)]); }

  void swap_index(int a, int b) {
    const auto ua = static_cast<std::size_t>(a), ub = static_cast<std::size_t>(b);
    std::swap(y_[ua], y_[ub]);
    std::swap(G_[ua], G_[ub]);
    std::swap(status_[ua], status_[ub]);
    std::swap(alpha_[ua], alpha_[ub]);
    std::swap(p_[ua], p_[ub]);
    std::swap(active_set_[ua], active_set_[ub]);
    std::swap(G_bar_[ua], G_bar_[ub]);
    std::swap(row_of_[ua], row_of_[ub]);
    std::swap(qd_[ua], qd_[ub]);
  }

  int select_working_set(int& out_i, int& out_j) {
    double gmax = -kInf, gmax2 = -kInf, obj_diff_min = kInf;
    int gmax_idx = -1, gmin_idx = -1;
    for (int t = 0; t < active_size_; ++t) {
      const double g = G_[static_cast<std::size_t>(t)];
      if (y_[static_cast<std::size_t>(t)] == 1) {
        if (!upper(t) && -g >= gmax) {
          gmax = -g;
          gmax_idx = t;
        }
      } else if (!lower(t) && g >= gmax) {
        gmax = g;
        gmax_idx = t;
      }
    }
    const int i = gmax_idx;
    const float* ki = i != -1 ? krow(i) : nullptr;
    for (int j = 0; j < active_size_; ++j) {
      const auto uj = static_cast<std::size_t>(j);
      const double g = G_[uj];
      if (y_[uj] == 1) {
        if (!lower(j)) {
          const double grad_diff = gmax + g;
          if (g >= gmax2) gmax2 = g;
          if (grad_diff > 0) {
            const double quad = qd_[static_cast<std::size_t>(i)] + qd_[uj] - 2.0 * yq(ki, i, j);
            const double obj = -(grad_diff * grad_diff) / (quad > 0 ? quad : kTau);
            if (obj <= obj_diff_min) {
              gmin_idx = j;
              obj_diff_min = obj;
            }
          }
        }
      } else if (!upper(j)) {
        const double grad_diff = gmax - g;
        if (-g >= gmax2) gmax2 = -g;
        if (grad_diff > 0) {
          const double quad = qd_[static_cast<std::size_t>(i)] + qd_[uj] + 2.0 * yq(ki, i, j);
          const double obj = -(grad_diff * grad_diff) / (quad > 0 ? quad : kTau);
          if (obj <= obj_diff_min) {
            gmin_idx = j;
            obj_diff_min = obj;
          }
        }
      }
    }
    if (gmax + gmax2 < eps_ || gmin_idx == -1) return 1;
    out_i = gmax_idx;
    out_j = gmin_idx;
    return 0;
  }

  void step(int i, int j) {
    const auto ui = static_cast<std::size_t>(i), uj = static_cast<std::size_t>(j);
    const float* ki = krow(i);
    const float* kj = krow(j);
    const double Ci = C(i), Cj = C(j);
    const double old_i = alpha_[ui], old_j = alpha_[uj];
    double& ai = alpha_[ui];
    double& aj = alpha_[uj];
    const double qij = q(ki, i, j);
    if (y_[ui] != y_[uj]) {
      double quad = qd_[ui] + qd_[uj] + 2 * qij;
      if (quad <= 0) quad = kTau;
      const double delta = (-G_[ui] - G_[uj]) / quad;
      const double diff = ai - aj;
      ai += delta;
      aj += delta;
      if (diff > 0) {
        if (aj < 0) {
          aj = 0;
          ai = diff;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = -diff;
      }
      if (diff > Ci - Cj) {
        if (ai > Ci) {
          ai = Ci;
          aj = Ci - diff;
        }
      } else if (aj > Cj) {
        aj = Cj;
        ai = Cj + diff;
      }
    } else {
      double quad = qd_[ui] + qd_[uj] - 2 * qij;
      if (quad <= 0) quad = kTau;
      const double delta = (G_[ui] - G_[uj]) / quad;
      const double sum = ai + aj;
      ai -= delta;
      aj += delta;
      if (sum > Ci) {
        if (ai > Ci) {
          ai = Ci;
          aj = sum - Ci;
        }
      } else if (aj < 0) {
        aj = 0;
        ai = sum;
      }
      if (sum > Cj) {
        if (aj > Cj) {
          aj = Cj;
          ai = sum - Cj;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = sum;
      }
    }
    const double dai = ai - old_i, daj = aj - old_j;
    for (int k = 0; k < active_size_; ++k) {
      G_[static_cast<std::size_t>(k)] += q(ki, i, k) * dai + q(kj, j, k) * daj;
    }
    const bool ui_upper = upper(i), uj_upper = upper(j);
    update_status(i);
    update_status(j);
    if (ui_upper != upper(i)) {
      const double c = ui_upper ? -Ci : Ci;
      for (int k = 0; k < l_; ++k) G_bar_[static_cast<std::size_t>(k)] += c * q(ki, i, k);
    }
    if (uj_upper != upper(j)) {
      const double c = uj_upper ? -Cj : Cj;
      for (int k = 0; k < l_; ++k) G_bar_[static_cast<std::size_t>(k)] += c * q(kj, j, k);
    }
  }

  void reconstruct_gradient() {
    if (active_size_ == l_) return;
    for (int j = active_size_; j < l_; ++j) {
      const auto u = static_cast<std::size_t>(j);
      G_[u] = G_bar_[u] + p_[u];
    }
    int nr_free = 0;
    for (int j = 0; j < active_size_; ++j)
      if (is_free(j)) ++nr_free;
    if (static_cast<double>(nr_free) * l_ >
        2.0 * active_size_ * static_cast<double>(l_ - active_size_)) {
      for (int i = active_size_; i < l_; ++i) {
        const float* ki = krow(i);
        for (int j = 0; j < active_size_; ++j)
          if (is_free(j))
            G_[static_cast<std::size_t>(i)] += alpha_[static_cast<std::size_t>(j)] * q(ki, i, j);
      }
    } else {
      for (int i = 0; i < active_size_; ++i) {
        if (!is_free(i)) continue;
        const float* ki = krow(i);
        const double a = alpha_[static_cast<std::size_t>(i)];
        for (int j = active_size_; j < l_; ++j) G_[static_cast<std::size_t>(j)] += a * q(ki, i, j);
      }
    }
  }

  bool be_shrunk(int t, double gmax1, double gmax2) const {
    const double g = G_[static_cast<std::size_t>(t)];
    const bool pos = y_[static_cast<std::size_t>(t)] == 1;
    if (upper(t)) return pos ? -g > gmax1 : -g > gmax2;
    if (lower(t)) return pos ? g > gmax2 : g > gmax1;
    return false;
  }

  void do_shrinking() {
    double gmax1 = -kInf, gmax2 = -kInf;
    for (int t = 0; t < active_size_; ++t) {
      const double g = G_[static_cast<std::size_t>(t)];
      if (y_[static_cast<std::size_t>(t)] == 1) {
        if (!upper(t)) gmax1 = std::max(gmax1, -g);
        if (!lower(t)) gmax2 = std::max(gmax2, g);
      } else {
        if (!upper(t)) gmax2 = std::max(gmax2, -g);
        if (!lower(t)) gmax1 = std::max(gmax1, g);
      }
    }
    if (!unshrink_ && gmax1 + gmax2 <= eps_ * 10) {
      unshrink_ = true;
      reconstruct_gradient();
      active_size_ = l_;
    }
    for (int t = 0; t < active_size_; ++t) {
      if (!be_shrunk(t, gmax1, gmax2)) continue;
      --active_size_;
      while (active_size_ > t) {
        if (!be_shrunk(active_size_, gmax1, gmax2)) {
          swap_index(t, active_size_);
          break;
        }
        --active_size_;
      }
    }
  }

  double calculate_rho() const {
    int nr_free = 0;
    double ub = kInf, lb = -kInf, sum_free = 0;
    for (int t = 0; t < active_size_; ++t) {
      const auto u = static_cast<std::size_t>(t);
      const double yg = y_[u] * G_[u];
      if (upper(t)) {
        if (y_[u] == -1) {
          ub = std::min(ub, yg);
        } else {
          lb = std::max(lb, yg);
        }
      } else if (lower(t)) {
        if (y_[u] == 1) {
          ub = std::min(ub, yg);
        } else {
          lb = std::max(lb, yg);
        }
      } else {
        ++nr_free;
        sum_free += yg;
      }
    }
    return nr_free > 0 ? sum_free / nr_free : (ub + lb) / 2;
  }

  static constexpr double kTau = 1e-12;

  KernelCache& cache_;
  int l_;
  std::vector<signed char> y_;
  std::vector<double> p_;
  std::vector<int> row_of_;
  double Cp_, Cn_, eps_;
  bool shrinking_;
  std::vector<double> alpha_, G_, G_bar_, qd_;
  std::vector<Status> status_;
  std::vector<int> active_set_;
  int active_size_ = 0;
  bool unshrink_ = false;
};

class KernelSvm final : public Model {
 public:
  KernelSvm(bool classifier, const ModelParams& params) : classifier_(classifier) {
    const std::string m = name();
    C_ = param_number(params, "C", 1.0, m, kPositive);
    kernel_ = param_choice(params, "kernel", "rbf", {"rbf", "linear", "poly", "sigmoid"}, m);
    degree_ = param_int(params, "degree", 3, m, 0, 1000);
    const auto g = params.find("gamma");
    gamma_text_ = g == params.end() ? "scale" : g->second;
    if (gamma_text_ != "scale" && gamma_text_ != "auto") {
      gamma_value_ = param_number(params, "gamma", 0.0, m, kPositive);
      gamma_text_ = param_text(gamma_value_);
    }
    coef0_ = param_number(params, "coef0", 0.0, m);
    tol_ = param_number(params, "tol", 1e-3, m, kPositive);
    shrinking_ = param_bool(params, "shrinking", true, m);
    cache_size_ = param_number(params, "cache_size", 200.0, m, kPositive);
    if (classifier_) {
      shape_ = param_choice(params, "decision_function_shape", "ovr", {"ovr", "ovo"}, m);
    } else {
      epsilon_ = param_number(params, "epsilon", 0.1, m, kNonNegative);
    }
  }

  std::string name() const override { return classifier_ ? "svc" : "svr"; }
  bool is_classifier() const override { return classifier_; }
  bool has_decision_function() const override { return classifier_; }
  std::vector<double> classes() const override { return classes_; }

  ModelParams params() const override {
    ModelParams p{{"C", param_text(C_)},
                  {"kernel", kernel_},
                  {"degree", param_text(degree_)},
                  {"gamma", gamma_text_},
                  {"coef0", param_text(coef0_)},
                  {"tol", param_text(tol_)},
                  {"shrinking", param_text(shrinking_)},
                  {"cache_size", param_text(cache_size_)}};
    if (classifier_) {
      p["decision_function_shape"] = shape_;
    } else {
      p["epsilon"] = param_text(epsilon_);
    }
    return p;
  }
  std::unique_ptr<Model> clone() const override {
    return std::make_unique<KernelSvm>(classifier_, params());
  }

  void fit(const MatrixRef& X, std::span<const double> y, const FitContext&) override {
    const std::string m = name();
    check_fit_input(m, X, y);
    const auto n = static_cast<std::size_t>(X.rows());
    kp_ = KernelParams{};
    kp_.kind = kernel_ == "rbf"      ? KernelKind::kRbf
               : kernel_ == "linear" ? KernelKind::kLinear
               : kernel_ == "poly"   ? KernelKind::kPoly
                                     : KernelKind::kSigmoid;
    kp_.degree = static_cast<int>(degree_);
    kp_.coef0 = coef0_;
    if (gamma_text_ == "scale") {
      // sklearn: 1 / (n_features * X.var()), numpy's two-pass variance over all entries; 1.0
      // when X is constant.
      const double count = static_cast<double>(X.size());
      const double mean = X.sum() / count;
      const double var = (X.array() - mean).square().sum() / count;
      kp_.gamma = var != 0 ? 1.0 / (static_cast<double>(X.cols()) * var) : 1.0;
    } else if (gamma_text_ == "auto") {
      kp_.gamma = 1.0 / static_cast<double>(X.cols());
    } else {
      kp_.gamma = gamma_value_;
    }

    RowMatrix train;
    sv_.clear();
    rho_.clear();
    coef_.clear();
    if (!classifier_) {
      train = X;
      KernelCache cache(train, kp_, cache_size_);
      // epsilon-SVR: variables t < n are alpha+ (y=+1, p = eps - y), t >= n alpha- (y=-1,
      // p = eps + y), both over row t mod n.
      std::vector<int> row_of(2 * n);
      std::vector<signed char> sign(2 * n);
      std::vector<double> lin(2 * n);
      for (std::size_t i = 0; i < n; ++i) {
        row_of[i] = row_of[i + n] = static_cast<int>(i);
        sign[i] = 1;
        sign[i + n] = -1;
        lin[i] = epsilon_ - y[i];
        lin[i + n] = epsilon_ + y[i];
      }
      SmoSolver solver(cache, std::move(row_of), std::move(sign), std::move(lin), C_, C_, tol_,
                       shrinking_);
      const auto r = solver.solve();
      std::vector<double> coef;
      for (std::size_t i = 0; i < n; ++i) {
        const double a = r.alpha[i] - r.alpha[i + n];
        if (a != 0) {
          sv_.push_back(static_cast<int>(i));
          coef.push_back(a);
        }
      }
      coef_.push_back(std::move(coef));
      rho_.push_back(r.rho);
      pair_sv_.assign(1, sv_);
    } else {
      EncodedLabels enc = encode_labels(y);
      classes_ = std::move(enc.classes);
      const std::size_t k = classes_.size();
      if (k < 2) {
        throw Error(Errc::kInvalidArgument,
                    "model '" + m + "': needs samples of at least 2 classes, got only class " +
                        param_text(classes_.front()));
      }
      // Rows grouped by class, ascending label, stable (libsvm's svm_group_classes as sklearn
      // patches it).
      std::vector<int> order;
      std::vector<std::size_t> start(k + 1, 0);
      for (std::size_t c = 0; c < k; ++c) {
        start[c] = order.size();
        for (std::size_t i = 0; i < n; ++i)
          if (enc.codes[i] == static_cast<int>(c)) order.push_back(static_cast<int>(i));
      }
      start[k] = n;
      train = RowMatrix(static_cast<Eigen::Index>(n), X.cols());
      for (std::size_t r = 0; r < n; ++r) train.row(static_cast<Eigen::Index>(r)) = X.row(order[r]);
      KernelCache cache(train, kp_, cache_size_);
      pair_sv_.clear();
      for (std::size_t ci = 0; ci < k; ++ci) {
        for (std::size_t cj = ci + 1; cj < k; ++cj) {
          std::vector<int> row_of;
          std::vector<signed char> sign;
          for (std::size_t r = start[ci]; r < start[ci + 1]; ++r) {
            row_of.push_back(static_cast<int>(r));
            sign.push_back(1);
          }
          for (std::size_t r = start[cj]; r < start[cj + 1]; ++r) {
            row_of.push_back(static_cast<int>(r));
            sign.push_back(-1);
          }
          const std::vector<int> rows = row_of;
          std::vector<double> lin(rows.size(), -1.0);
          std::vector<signed char> ysub = sign;
          SmoSolver solver(cache, std::move(row_of), std::move(sign), std::move(lin), C_, C_, tol_,
                           shrinking_);
          const auto r = solver.solve();
          std::vector<int> svs;
          std::vector<double> coef;
          for (std::size_t t = 0; t < rows.size(); ++t) {
            if (r.alpha[t] != 0) {
              svs.push_back(rows[t]);
              coef.push_back(r.alpha[t] * ysub[t]);
            }
          }
          pair_sv_.push_back(std::move(svs));
          coef_.push_back(std::move(coef));
          rho_.push_back(r.rho);
        }
      }
    }
    // Keep only the support vectors' rows; pair_sv_ indexes into support_.
    std::vector<int> used;
    for (const auto& s : pair_sv_) used.insert(used.end(), s.begin(), s.end());
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    support_ = RowMatrix(static_cast<Eigen::Index>(used.size()), X.cols());
    std::unordered_map<int, int> where;
    for (std::size_t u = 0; u < used.size(); ++u) {
      support_.row(static_cast<Eigen::Index>(u)) = train.row(used[u]);
      where[used[u]] = static_cast<int>(u);
    }
    for (auto& s : pair_sv_)
      for (int& v : s) v = where[v];
    support_sq_.resize(support_.rows());
    for (Eigen::Index u = 0; u < support_.rows(); ++u)
      support_sq_(u) = support_.row(u).squaredNorm();
    n_features_ = static_cast<std::size_t>(X.cols());
  }

  Vector predict(const MatrixRef& X) const override {
    check_predict_input(name(), X, n_features_);
    const Matrix dec = pairwise(X);
    Vector out(X.rows());
    if (!classifier_) return dec.col(0);
    const std::size_t k = classes_.size();
    for (Eigen::Index r = 0; r < X.rows(); ++r) {
      // libsvm's vote: each pair votes for i when its value is > 0, else for j; first maximum.
      std::vector<int> votes(k, 0);
      Eigen::Index p = 0;
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t j = i + 1; j < k; ++j, ++p) ++votes[dec(r, p) > 0 ? i : j];
      std::size_t best = 0;
      for (std::size_t c = 1; c < k; ++c)
        if (votes[c] > votes[best]) best = c;
      out(r) = classes_[best];
    }
    return out;
  }

  Matrix decision_function(const MatrixRef& X) const override {
    if (!classifier_) return Model::decision_function(X);
    check_predict_input(name(), X, n_features_);
    const Matrix dec = pairwise(X);
    const std::size_t k = classes_.size();
    if (k == 2) return -dec;  // sklearn flips libsvm's sign: the score of classes[1]
    if (shape_ == "ovo") return dec;
    // sklearn's _ovr_decision_function(dec < 0, -dec, k): votes plus confidences squashed into
    // (-1/3, 1/3).
    Matrix out = Matrix::Zero(X.rows(), static_cast<Eigen::Index>(k));
    for (Eigen::Index r = 0; r < X.rows(); ++r) {
      std::vector<double> votes(k, 0.0), conf(k, 0.0);
      Eigen::Index p = 0;
      for (std::size_t i = 0; i < k; ++i) {
        for (std::size_t j = i + 1; j < k; ++j, ++p) {
          const double c = -dec(r, p);
          conf[i] -= c;
          conf[j] += c;
          if (dec(r, p) < 0) {
            votes[j] += 1;
          } else {
            votes[i] += 1;
          }
        }
      }
      for (std::size_t c = 0; c < k; ++c) {
        out(r, static_cast<Eigen::Index>(c)) = votes[c] + conf[c] / (3 * (std::fabs(conf[c]) + 1));
      }
    }
    return out;
  }

 private:
  // libsvm's decision values: one column per class pair (i < j) for SVC, one for SVR.
  Matrix pairwise(const MatrixRef& X) const {
    const Eigen::Index n = X.rows();
    Matrix out(n, static_cast<Eigen::Index>(rho_.size()));
    const Matrix dots = X * support_.transpose();
    for (Eigen::Index r = 0; r < n; ++r) {
      const double sq = X.row(r).squaredNorm();
      std::vector<double> kv(static_cast<std::size_t>(support_.rows()));
      for (Eigen::Index u = 0; u < support_.rows(); ++u) {
        double v;
        if (kp_.kind == KernelKind::kRbf) {
          // libsvm's k_function: exp(-gamma * |x - sv|^2), the difference taken first.
          v = std::exp(-kp_.gamma * (X.row(r) - support_.row(u)).squaredNorm());
        } else {
          v = kernel_from_dot(kp_, dots(r, u), sq, support_sq_(u));
        }
        kv[static_cast<std::size_t>(u)] = v;
      }
      for (std::size_t p = 0; p < rho_.size(); ++p) {
        double s = 0;
        for (std::size_t t = 0; t < pair_sv_[p].size(); ++t)
          s += coef_[p][t] * kv[static_cast<std::size_t>(pair_sv_[p][t])];
        out(r, static_cast<Eigen::Index>(p)) = s - rho_[p];
      }
    }
    return out;
  }

  bool classifier_;
  double C_ = 1.0, coef0_ = 0.0, tol_ = 1e-3, cache_size_ = 200.0, epsilon_ = 0.1;
  double gamma_value_ = 0.0;
  std::int64_t degree_ = 3;
  std::string kernel_, gamma_text_, shape_ = "ovr";
  bool shrinking_ = true;

  KernelParams kp_;
  std::vector<double> classes_;
  RowMatrix support_;
  Vector support_sq_;
  std::vector<std::vector<int>> pair_sv_;  // per pair: rows of support_
  std::vector<std::vector<double>> coef_;  // per pair: alpha * y, aligned with pair_sv_
  std::vector<double> rho_;
  std::vector<int> sv_;
  std::size_t n_features_ = 0;
};

std::vector<ModelParamInfo> linear_svm_params(bool classifier) {
  std::vector<ModelParamInfo> p = {
      {"C", "1.0", "inverse regularisation strength (> 0)"},
      {"loss", classifier ? "squared_hinge" : "epsilon_insensitive",
       classifier ? "squared_hinge or hinge"
                  : "epsilon_insensitive or squared_epsilon_insensitive"},
      {"tol", "0.0001", "stopping tolerance of the dual coordinate descent"},
      {"max_iter", "1000", "maximum number of epochs over the rows"},
      {"fit_intercept", "true", "add a bias column (regularised, as liblinear does)"},
      {"intercept_scaling", "1.0", "value of the bias column"},
      {"random_state", "0",
       "seed of the row order, drawn as sklearn draws it (sklearn's default None is "
       "nondeterministic; freshet uses 0)"}};
  if (!classifier) p.push_back({"epsilon", "0.0", "width of the insensitive tube"});
  return p;
}

std::vector<ModelParamInfo> kernel_svm_params(bool classifier) {
  std::vector<ModelParamInfo> p = {
      {"C", "1.0", "penalty of the slack (> 0)"},
      {"kernel", "rbf", "rbf, linear, poly or sigmoid"},
      {"degree", "3", "degree of the poly kernel"},
      {"gamma", "scale", "scale (1 / (n_features * X.var())), auto (1 / n_features) or a number"},
      {"coef0", "0.0", "constant of the poly and sigmoid kernels"},
      {"tol", "0.001", "stopping tolerance of SMO"},
      {"shrinking", "true", "libsvm's shrinking heuristic"},
      {"cache_size", "200.0", "kernel cache in MB"}};
  if (classifier) {
    p.push_back({"decision_function_shape", "ovr",
                 "ovr (sklearn's vote-plus-confidence transform) or ovo (pairwise values)"});
  } else {
    p.push_back({"epsilon", "0.1", "width of the insensitive tube"});
  }
  return p;
}

}  // namespace

void register_svm_models() {
  register_model({.name = "linear_svc",
                  .description = "sklearn.svm.LinearSVC: liblinear's dual coordinate descent, "
                                 "one-vs-rest",
                  .classifier = true,
                  .params = linear_svm_params(true),
                  .make = [](const ModelParams& p) -> std::unique_ptr<Model> {
                    return std::make_unique<LinearSvm>(true, p);
                  }});
  register_model({.name = "linear_svr",
                  .description = "sklearn.svm.LinearSVR: liblinear's dual coordinate descent",
                  .classifier = false,
                  .params = linear_svm_params(false),
                  .make = [](const ModelParams& p) -> std::unique_ptr<Model> {
                    return std::make_unique<LinearSvm>(false, p);
                  }});
  register_model({.name = "svc",
                  .description = "sklearn.svm.SVC: libsvm's C-SVC (SMO), one-vs-one",
                  .classifier = true,
                  .params = kernel_svm_params(true),
                  .make = [](const ModelParams& p) -> std::unique_ptr<Model> {
                    return std::make_unique<KernelSvm>(true, p);
                  }});
  register_model({.name = "svr",
                  .description = "sklearn.svm.SVR: libsvm's epsilon-SVR (SMO)",
                  .classifier = false,
                  .params = kernel_svm_params(false),
                  .make = [](const ModelParams& p) -> std::unique_ptr<Model> {
                    return std::make_unique<KernelSvm>(false, p);
                  }});
}

}  // namespace freshet
