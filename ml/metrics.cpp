// sklearn 1.2 metric definitions; see ml/metrics.hpp. Formulas follow sklearn's order of
// operations where it decides the last bits (f1 = 2·p·r / (p + r), MCC from float sums).
#include "ml/metrics.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/registry.hpp"
#include "ml/model.hpp"

namespace freshet {
namespace {

[[noreturn]] void fail(std::string_view metric, const std::string& what) {
  throw Error(Errc::kInvalidArgument, std::string(metric) + ": " + what);
}

void check_pair(std::string_view metric, std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size())
    fail(metric, "y_true has " + std::to_string(a.size()) + " values but the prediction has " +
                     std::to_string(b.size()));
  if (a.empty()) fail(metric, "empty input");
  for (double v : a)
    if (std::isnan(v)) fail(metric, "y_true contains NaN");
  for (double v : b)
    if (std::isnan(v)) fail(metric, "the prediction contains NaN");
}

std::vector<double> distinct_sorted(std::span<const double> a, std::span<const double> b = {}) {
  std::vector<double> out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::size_t index_of(const std::vector<double>& labels, double v) {
  return static_cast<std::size_t>(std::lower_bound(labels.begin(), labels.end(), v) -
                                  labels.begin());
}

double mean_of(std::span<const double> v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

// Per-label true-positive, predicted and true counts (sklearn's multilabel_confusion_matrix).
struct Prf {
  std::vector<double> tp, pred, truth;
};

Prf prf_counts(const ConfusionMatrix& cm, std::span<const std::size_t> label_rows) {
  const std::size_t k = cm.labels.size();
  Prf out;
  for (std::size_t i : label_rows) {
    double tp = static_cast<double>(cm.at(i, i)), pred = 0, truth = 0;
    for (std::size_t j = 0; j < k; ++j) {
      pred += static_cast<double>(cm.at(j, i));
      truth += static_cast<double>(cm.at(i, j));
    }
    out.tp.push_back(tp);
    out.pred.push_back(pred);
    out.truth.push_back(truth);
  }
  return out;
}

enum class Prf3 { kPrecision, kRecall, kF1 };

const char* average_name(Average a) {
  switch (a) {
    case Average::kBinary:
      return "binary";
    case Average::kMicro:
      return "micro";
    case Average::kMacro:
      return "macro";
    case Average::kWeighted:
      return "weighted";
  }
  return "?";
}

double prf(std::string_view metric, std::span<const double> y_true, std::span<const double> y_pred,
           Average average, double pos_label, Prf3 which) {
  check_pair(metric, y_true, y_pred);
  const ConfusionMatrix cm = confusion_matrix(y_true, y_pred);
  std::vector<std::size_t> rows;
  if (average == Average::kBinary) {
    if (cm.labels.size() > 2)
      fail(metric, "target is multiclass but average='binary'; choose micro, macro or weighted");
    const auto it = std::find(cm.labels.begin(), cm.labels.end(), pos_label);
    if (it == cm.labels.end()) {
      if (cm.labels.size() >= 2)
        fail(metric, "pos_label=" + format_double(pos_label) +
                         " is not a valid label: labels are " + format_double(cm.labels[0]) + ", " +
                         format_double(cm.labels[1]));
      return 0.0;  // pos_label absent from a one-label problem: every count is 0 -> 0.0
    }
    rows.push_back(static_cast<std::size_t>(it - cm.labels.begin()));
  } else {
    rows.resize(cm.labels.size());
    std::iota(rows.begin(), rows.end(), std::size_t{0});
  }
  Prf c = prf_counts(cm, rows);
  if (average == Average::kMicro) {
    c.tp = {std::accumulate(c.tp.begin(), c.tp.end(), 0.0)};
    c.pred = {std::accumulate(c.pred.begin(), c.pred.end(), 0.0)};
    c.truth = {std::accumulate(c.truth.begin(), c.truth.end(), 0.0)};
  }
  const std::size_t n = c.tp.size();
  std::vector<double> value(n);
  for (std::size_t i = 0; i < n; ++i) {
    // zero_division="warn" -> 0
    const double precision = c.pred[i] == 0 ? 0.0 : c.tp[i] / c.pred[i];
    const double recall = c.truth[i] == 0 ? 0.0 : c.tp[i] / c.truth[i];
    switch (which) {
      case Prf3::kPrecision:
        value[i] = precision;
        break;
      case Prf3::kRecall:
        value[i] = recall;
        break;
      case Prf3::kF1: {
        double denom = 1.0 * precision + recall;
        if (denom == 0.0) denom = 1;
        value[i] = (1.0 + 1.0) * precision * recall / denom;
        break;
      }
    }
  }
  if (average == Average::kWeighted) {
    const double wsum = std::accumulate(c.truth.begin(), c.truth.end(), 0.0);
    if (wsum == 0) return 0.0;  // no true sample at all: sklearn's zero_division value 0
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += value[i] * c.truth[i];
    return s / wsum;
  }
  return mean_of(value);
}

// Binary AUC of scores with labels in {false, true} via the Mann-Whitney rank sum (midranks for
// tied scores): the exact area under the ROC curve that sklearn integrates with trapezoids.
double binary_auc(std::span<const char> positive, std::span<const double> score,
                  std::string_view metric) {
  const std::size_t n = score.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
  double rank_sum = 0, n_pos = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && score[order[j]] == score[order[i]]) ++j;
    const double midrank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (positive[order[k]]) {
        rank_sum += midrank;
        n_pos += 1;
      }
    i = j;
  }
  const double n_neg = static_cast<double>(n) - n_pos;
  if (n_pos == 0 || n_neg == 0)
    fail(metric, "only one class present in y_true; ROC AUC is not defined in that case");
  return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg);
}

void check_proba(std::string_view metric, std::span<const double> y_true, const MatrixRef& proba,
                 std::span<const double> classes) {
  if (static_cast<std::size_t>(proba.rows()) != y_true.size())
    fail(metric, "y_true has " + std::to_string(y_true.size()) +
                     " values but the probabilities have " + std::to_string(proba.rows()) +
                     " rows");
  if (static_cast<std::size_t>(proba.cols()) != classes.size())
    fail(metric, "the probabilities have " + std::to_string(proba.cols()) + " columns for " +
                     std::to_string(classes.size()) + " classes");
  if (y_true.empty()) fail(metric, "empty input");
  if (proba.hasNaN()) fail(metric, "the probabilities contain NaN");
}

}  // namespace

ConfusionMatrix confusion_matrix(std::span<const double> y_true, std::span<const double> y_pred,
                                 std::span<const double> labels) {
  check_pair("confusion_matrix", y_true, y_pred);
  ConfusionMatrix cm;
  std::vector<std::size_t> lookup_order;
  if (labels.empty()) {
    cm.labels = distinct_sorted(y_true, y_pred);
  } else {
    cm.labels.assign(labels.begin(), labels.end());
  }
  const std::size_t k = cm.labels.size();
  cm.counts.assign(k * k, 0);
  // label -> position (labels given by the caller need not be sorted)
  std::vector<std::pair<double, std::size_t>> pos(k);
  for (std::size_t i = 0; i < k; ++i) pos[i] = {cm.labels[i], i};
  std::sort(pos.begin(), pos.end());
  auto find = [&](double v) -> std::ptrdiff_t {
    auto it = std::lower_bound(pos.begin(), pos.end(), std::pair<double, std::size_t>{v, 0});
    if (it == pos.end() || it->first != v) return -1;
    return static_cast<std::ptrdiff_t>(it->second);
  };
  for (std::size_t r = 0; r < y_true.size(); ++r) {
    const auto t = find(y_true[r]), p = find(y_pred[r]);
    if (t < 0 || p < 0) continue;
    ++cm.counts[static_cast<std::size_t>(t) * k + static_cast<std::size_t>(p)];
  }
  return cm;
}

double accuracy_score(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair("accuracy", y_true, y_pred);
  std::size_t hits = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) hits += y_true[i] == y_pred[i];
  return static_cast<double>(hits) / static_cast<double>(y_true.size());
}

double balanced_accuracy_score(std::span<const double> y_true, std::span<const double> y_pred) {
  const ConfusionMatrix cm = confusion_matrix(y_true, y_pred);
  const std::size_t k = cm.labels.size();
  std::vector<double> per_class;
  for (std::size_t i = 0; i < k; ++i) {
    std::int64_t row = 0;
    for (std::size_t j = 0; j < k; ++j) row += cm.at(i, j);
    if (row == 0) continue;  // a class only predicted: sklearn drops its NaN recall
    per_class.push_back(static_cast<double>(cm.at(i, i)) / static_cast<double>(row));
  }
  return mean_of(per_class);
}

double precision_score(std::span<const double> y_true, std::span<const double> y_pred,
                       Average average, double pos_label) {
  return prf("precision", y_true, y_pred, average, pos_label, Prf3::kPrecision);
}
double recall_score(std::span<const double> y_true, std::span<const double> y_pred, Average average,
                    double pos_label) {
  return prf("recall", y_true, y_pred, average, pos_label, Prf3::kRecall);
}
double f1_score(std::span<const double> y_true, std::span<const double> y_pred, Average average,
                double pos_label) {
  return prf("f1", y_true, y_pred, average, pos_label, Prf3::kF1);
}

double matthews_corrcoef(std::span<const double> y_true, std::span<const double> y_pred) {
  const ConfusionMatrix cm = confusion_matrix(y_true, y_pred);
  const std::size_t k = cm.labels.size();
  std::vector<double> t_sum(k, 0.0), p_sum(k, 0.0);
  double n_correct = 0;
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      t_sum[i] += static_cast<double>(cm.at(i, j));
      p_sum[j] += static_cast<double>(cm.at(i, j));
    }
    n_correct += static_cast<double>(cm.at(i, i));
  }
  const double n = std::accumulate(p_sum.begin(), p_sum.end(), 0.0);
  double tp = 0, pp = 0, tt = 0;
  for (std::size_t i = 0; i < k; ++i) {
    tp += t_sum[i] * p_sum[i];
    pp += p_sum[i] * p_sum[i];
    tt += t_sum[i] * t_sum[i];
  }
  const double cov_ytyp = n_correct * n - tp;
  const double cov_ypyp = n * n - pp;
  const double cov_ytyt = n * n - tt;
  if (cov_ypyp * cov_ytyt == 0) return 0.0;
  return cov_ytyp / std::sqrt(cov_ytyt * cov_ypyp);
}

double roc_auc_score(std::span<const double> y_true, std::span<const double> y_score) {
  check_pair("roc_auc", y_true, y_score);
  const auto labels = distinct_sorted(y_true);
  if (labels.size() > 2) fail("roc_auc", "y_true is multiclass; use roc_auc_ovr or roc_auc_ovo");
  std::vector<char> positive(y_true.size());
  for (std::size_t i = 0; i < y_true.size(); ++i)
    positive[i] = y_true[i] == labels.back() && labels.size() == 2;
  return binary_auc(positive, y_score, "roc_auc");
}

double roc_auc_score_multiclass(std::span<const double> y_true, const MatrixView& proba_view,
                                std::span<const double> classes, MultiClass mode, bool weighted) {
  const MatrixRef proba = as_eigen(proba_view);
  constexpr std::string_view metric = "roc_auc (multiclass)";
  check_proba(metric, y_true, proba, classes);
  for (Eigen::Index r = 0; r < proba.rows(); ++r) {
    // np.allclose(1, row sum): |1 - s| <= 1e-8 + 1e-5·|s|
    const double s = proba.row(r).sum();
    if (!(std::abs(1.0 - s) <= 1e-8 + 1e-5 * std::abs(s)))
      fail(metric, "target scores need to be probabilities (rows summing to 1); row " +
                       std::to_string(r) + " sums to " + format_double(s));
  }
  const auto present = distinct_sorted(y_true);
  if (present.size() != classes.size())
    fail(metric, "number of classes in y_true (" + std::to_string(present.size()) +
                     ") not equal to the number of probability columns (" +
                     std::to_string(classes.size()) + ")");
  for (std::size_t i = 0; i < present.size(); ++i)
    if (present[i] != classes[i]) fail(metric, "y_true labels differ from the model's classes");
  const std::size_t n = y_true.size(), k = classes.size();
  std::vector<std::size_t> code(n);
  for (std::size_t i = 0; i < n; ++i) code[i] = index_of(present, y_true[i]);
  std::vector<double> scores, weights;
  if (mode == MultiClass::kOvr) {
    std::vector<char> pos(n);
    std::vector<double> col(n);
    for (std::size_t c = 0; c < k; ++c) {
      double count = 0;
      for (std::size_t i = 0; i < n; ++i) {
        pos[i] = code[i] == c;
        count += pos[i];
        col[i] = proba(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c));
      }
      scores.push_back(binary_auc(pos, col, metric));
      weights.push_back(count);
    }
  } else {
    std::vector<char> pos;
    std::vector<double> col;
    for (std::size_t a = 0; a < k; ++a)
      for (std::size_t b = a + 1; b < k; ++b) {
        double pair_auc[2];
        double in_pair = 0;
        for (int side = 0; side < 2; ++side) {
          const std::size_t c = side == 0 ? a : b;
          pos.clear();
          col.clear();
          for (std::size_t i = 0; i < n; ++i)
            if (code[i] == a || code[i] == b) {
              pos.push_back(code[i] == c);
              col.push_back(proba(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(c)));
            }
          in_pair = static_cast<double>(pos.size());
          pair_auc[side] = binary_auc(pos, col, metric);
        }
        scores.push_back((pair_auc[0] + pair_auc[1]) / 2);
        weights.push_back(in_pair / static_cast<double>(n));
      }
  }
  if (!weighted) return mean_of(scores);
  double s = 0, w = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    s += scores[i] * weights[i];
    w += weights[i];
  }
  return s / w;
}

double log_loss(std::span<const double> y_true, const MatrixView& proba_view,
                std::span<const double> classes, double eps) {
  const MatrixRef proba = as_eigen(proba_view);
  check_proba("log_loss", y_true, proba, classes);
  if (classes.size() < 2) fail("log_loss", "needs at least two classes");
  const std::vector<double> sorted_classes(classes.begin(), classes.end());
  double total = 0;
  for (std::size_t r = 0; r < y_true.size(); ++r) {
    const auto it = std::find(sorted_classes.begin(), sorted_classes.end(), y_true[r]);
    if (it == sorted_classes.end())
      fail("log_loss", "y_true label " + format_double(y_true[r]) + " is not among the classes");
    const auto ri = static_cast<Eigen::Index>(r);
    double row_sum = 0, p_true = 0;
    for (Eigen::Index c = 0; c < proba.cols(); ++c) {
      const double p = std::clamp(proba(ri, c), eps, 1 - eps);
      row_sum += p;
      if (c == it - sorted_classes.begin()) p_true = p;
    }
    total += -std::log(p_true / row_sum);
  }
  return total / static_cast<double>(y_true.size());
}

double log_loss_binary(std::span<const double> y_true, std::span<const double> y_prob, double eps) {
  check_pair("log_loss", y_true, y_prob);
  const auto labels = distinct_sorted(y_true);
  if (labels.size() != 2)
    fail("log_loss", labels.size() < 2
                         ? "y_true contains only one label; pass the probability matrix and classes"
                         : "y_true is multiclass; pass the probability matrix");
  double total = 0;
  for (std::size_t r = 0; r < y_true.size(); ++r) {
    // sklearn 1.2: clip the 1-d probability, then build [1 - p, p] and renormalise
    const double p = std::clamp(y_prob[r], eps, 1 - eps);
    const double q = 1 - p;
    const double s = q + p;
    total += -std::log((y_true[r] == labels[1] ? p : q) / s);
  }
  return total / static_cast<double>(y_true.size());
}

double average_precision_score(std::span<const double> y_true, std::span<const double> y_score,
                               double pos_label) {
  check_pair("average_precision", y_true, y_score);
  const auto labels = distinct_sorted(y_true);
  if (labels.size() > 2)
    fail("average_precision", "y_true is multiclass; only binary targets are supported");
  if (labels.size() == 2 && labels[0] != pos_label && labels[1] != pos_label)
    fail("average_precision", "pos_label=" + format_double(pos_label) + " is not a valid label");
  const std::size_t n = y_true.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return y_score[a] > y_score[b]; });
  double total_pos = 0;
  for (double v : y_true) total_pos += v == pos_label;
  // Walk the distinct thresholds from the highest score down; recall rises only where a positive
  // is passed. sklearn stops at the first threshold that reaches full recall.
  double tp = 0, fp = 0, prev_recall = 0, ap = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && y_score[order[j]] == y_score[order[i]]) {
      if (y_true[order[j]] == pos_label)
        tp += 1;
      else
        fp += 1;
      ++j;
    }
    const double precision = tp / (tp + fp);
    const double recall = tp / total_pos;  // NaN when there is no positive, as sklearn (warns)
    ap += (recall - prev_recall) * precision;
    prev_recall = recall;
    i = j;
    if (tp == total_pos) break;
  }
  return ap;
}

double brier_score_loss(std::span<const double> y_true, std::span<const double> y_prob,
                        double pos_label) {
  check_pair("brier_score", y_true, y_prob);
  for (double p : y_prob)
    if (p < 0 || p > 1) fail("brier_score", "y_prob contains values outside [0, 1]");
  const auto labels = distinct_sorted(y_true);
  if (labels.size() > 2)
    fail("brier_score", "y_true is multiclass; only binary targets are supported");
  double s = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const double d = (y_true[i] == pos_label ? 1.0 : 0.0) - y_prob[i];
    s += d * d;
  }
  return s / static_cast<double>(y_true.size());
}

double mean_squared_error(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair("mean_squared_error", y_true, y_pred);
  double s = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const double d = y_true[i] - y_pred[i];
    s += d * d;
  }
  return s / static_cast<double>(y_true.size());
}

double root_mean_squared_error(std::span<const double> y_true, std::span<const double> y_pred) {
  return std::sqrt(mean_squared_error(y_true, y_pred));
}

double mean_absolute_error(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair("mean_absolute_error", y_true, y_pred);
  double s = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) s += std::abs(y_pred[i] - y_true[i]);
  return s / static_cast<double>(y_true.size());
}

double median_absolute_error(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair("median_absolute_error", y_true, y_pred);
  std::vector<double> d(y_true.size());
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = std::abs(y_pred[i] - y_true[i]);
  const std::size_t h = d.size() / 2;
  std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(h), d.end());
  const double high = d[h];
  if (d.size() % 2 == 1) return high;
  const double low = *std::max_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(h));
  return (low + high) / 2.0;
}

double max_error(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair("max_error", y_true, y_pred);
  double m = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) m = std::max(m, std::abs(y_true[i] - y_pred[i]));
  return m;
}

namespace {
double force_finite(double numerator, double denominator) {
  if (denominator == 0) return numerator == 0 ? 1.0 : 0.0;
  return 1.0 - numerator / denominator;
}
}  // namespace

double r2_score(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair("r2", y_true, y_pred);
  if (y_true.size() < 2) fail("r2", "not well-defined with less than two samples");
  const double mean = mean_of(y_true);
  double num = 0, den = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const double d = y_true[i] - y_pred[i];
    const double e = y_true[i] - mean;
    num += d * d;
    den += e * e;
  }
  return force_finite(num, den);
}

double explained_variance_score(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair("explained_variance", y_true, y_pred);
  const double n = static_cast<double>(y_true.size());
  double diff_mean = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) diff_mean += y_true[i] - y_pred[i];
  diff_mean /= n;
  const double true_mean = mean_of(y_true);
  double num = 0, den = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const double d = y_true[i] - y_pred[i] - diff_mean;
    const double e = y_true[i] - true_mean;
    num += d * d;
    den += e * e;
  }
  return force_finite(num / n, den / n);
}

double mean_absolute_percentage_error(std::span<const double> y_true,
                                      std::span<const double> y_pred) {
  check_pair("mean_absolute_percentage_error", y_true, y_pred);
  double s = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i)
    s += std::abs(y_pred[i] - y_true[i]) / std::max(std::abs(y_true[i]), DBL_EPSILON);
  return s / static_cast<double>(y_true.size());
}

double mean_squared_log_error(std::span<const double> y_true, std::span<const double> y_pred) {
  check_pair("mean_squared_log_error", y_true, y_pred);
  double s = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    if (y_true[i] < 0 || y_pred[i] < 0)
      fail("mean_squared_log_error", "cannot be used when targets contain negative values");
    const double d = std::log1p(y_true[i]) - std::log1p(y_pred[i]);
    s += d * d;
  }
  return s / static_cast<double>(y_true.size());
}

// ---- scorers -------------------------------------------------------------------------------

namespace {

enum class Id {
  kAccuracy,
  kBalancedAccuracy,
  kPrecision,
  kRecall,
  kF1,
  kMcc,
  kRocAuc,
  kRocAucOvr,
  kRocAucOvo,
  kRocAucOvrW,
  kRocAucOvoW,
  kLogLoss,
  kAveragePrecision,
  kBrier,
  kR2,
  kExplainedVariance,
  kMaxError,
  kMae,
  kMse,
  kRmse,
  kMedae,
  kMape,
  kMsle,
};

struct Entry {
  ScorerInfo info;
  Id id;
  Average average = Average::kBinary;
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = [] {
    using S = ScorerInput;
    std::vector<Entry> e = {
        {{"accuracy", true, S::kPredict, true, "fraction of correct labels"}, Id::kAccuracy},
        {{"balanced_accuracy", true, S::kPredict, true, "mean per-class recall"},
         Id::kBalancedAccuracy},
        {{"matthews_corrcoef", true, S::kPredict, true,
          "Matthews correlation coefficient (multiclass R_K)"},
         Id::kMcc},
        {{"roc_auc", true, S::kThreshold, true,
          "binary ROC AUC from decision_function, else predict_proba"},
         Id::kRocAuc},
        {{"roc_auc_ovr", true, S::kProba, true, "multiclass ROC AUC, one-vs-rest, macro"},
         Id::kRocAucOvr},
        {{"roc_auc_ovo", true, S::kProba, true, "multiclass ROC AUC, one-vs-one, macro"},
         Id::kRocAucOvo},
        {{"roc_auc_ovr_weighted", true, S::kProba, true,
          "multiclass ROC AUC, one-vs-rest, prevalence-weighted"},
         Id::kRocAucOvrW},
        {{"roc_auc_ovo_weighted", true, S::kProba, true,
          "multiclass ROC AUC, one-vs-one, prevalence-weighted"},
         Id::kRocAucOvoW},
        {{"neg_log_loss", false, S::kProba, true, "-log loss (eps 1e-15, rows renormalised)"},
         Id::kLogLoss},
        {{"average_precision", true, S::kThreshold, true, "binary average precision (pos_label 1)"},
         Id::kAveragePrecision},
        {{"neg_brier_score", false, S::kProba, true,
          "-Brier score of the positive-class probability"},
         Id::kBrier},
        {{"r2", true, S::kPredict, false, "coefficient of determination"}, Id::kR2},
        {{"explained_variance", true, S::kPredict, false, "explained variance"},
         Id::kExplainedVariance},
        {{"max_error", false, S::kPredict, false, "-maximum absolute error"}, Id::kMaxError},
        {{"neg_mean_absolute_error", false, S::kPredict, false, "-mean absolute error"}, Id::kMae},
        {{"neg_mean_squared_error", false, S::kPredict, false, "-mean squared error"}, Id::kMse},
        {{"neg_root_mean_squared_error", false, S::kPredict, false, "-root mean squared error"},
         Id::kRmse},
        {{"neg_median_absolute_error", false, S::kPredict, false, "-median absolute error"},
         Id::kMedae},
        {{"neg_mean_absolute_percentage_error", false, S::kPredict, false,
          "-mean absolute percentage error"},
         Id::kMape},
        {{"neg_mean_squared_log_error", false, S::kPredict, false,
          "-mean squared logarithmic error"},
         Id::kMsle},
    };
    const std::pair<const char*, Id> prf[] = {
        {"precision", Id::kPrecision}, {"recall", Id::kRecall}, {"f1", Id::kF1}};
    const std::pair<const char*, Average> avg[] = {{"", Average::kBinary},
                                                   {"_micro", Average::kMicro},
                                                   {"_macro", Average::kMacro},
                                                   {"_weighted", Average::kWeighted}};
    for (const auto& [base, id] : prf)
      for (const auto& [suffix, average] : avg)
        e.push_back({{std::string(base) + suffix, true, S::kPredict, true,
                      std::string(base) + ", average=" + average_name(average) +
                          (average == Average::kBinary ? " (pos_label 1)" : "")},
                     id,
                     average});
    std::sort(e.begin(), e.end(),
              [](const Entry& a, const Entry& b) { return a.info.name < b.info.name; });
    return e;
  }();
  return table;
}

const Entry* find_entry(std::string_view name) {
  for (const auto& e : entries())
    if (e.info.name == name) return &e;
  return nullptr;
}

std::vector<double> column_of(const Matrix& m, Eigen::Index c) {
  std::vector<double> out(static_cast<std::size_t>(m.rows()));
  for (Eigen::Index r = 0; r < m.rows(); ++r) out[static_cast<std::size_t>(r)] = m(r, c);
  return out;
}

}  // namespace

const std::vector<ScorerInfo>& all_scorers() {
  static const std::vector<ScorerInfo> infos = [] {
    std::vector<ScorerInfo> out;
    for (const auto& e : entries()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

const Registry<ScorerInfo>& scorer_registry() {
  // sklearn's scorers are a fixed table (a scorer is code in this file, not a plug-in): the
  // registry gives them the lookup, listing and error every other registry has.
  static Registry<ScorerInfo> instance("scorer", [] {
    for (const auto& e : entries()) instance.add(e.info);
  });
  return instance;
}

const ScorerInfo* find_scorer(std::string_view name) { return scorer_registry().find(name); }

double score(std::string_view scorer, const Model& fitted, const MatrixView& X_view,
             std::span<const double> y) {
  const MatrixRef X = as_eigen(X_view);
  const Entry* e = find_entry(scorer);
  if (!e) throw scorer_registry().unknown(scorer);
  const std::string name = e->info.name;
  if (static_cast<std::size_t>(X.rows()) != y.size())
    fail(name, "X has " + std::to_string(X.rows()) + " rows but y has " + std::to_string(y.size()));
  if (e->info.input != ScorerInput::kPredict && !fitted.is_classifier() &&
      !(e->info.input == ScorerInput::kThreshold))
    fail(name, "model '" + fitted.name() + "' is not a classifier (needs predict_proba)");
  const double sign = e->info.greater_is_better ? 1.0 : -1.0;

  if (e->info.input == ScorerInput::kPredict) {
    const Vector pred_v = fitted.predict(X);
    const std::span<const double> pred(pred_v.data(), static_cast<std::size_t>(pred_v.size()));
    switch (e->id) {
      case Id::kAccuracy:
        return accuracy_score(y, pred);
      case Id::kBalancedAccuracy:
        return balanced_accuracy_score(y, pred);
      case Id::kPrecision:
        return precision_score(y, pred, e->average);
      case Id::kRecall:
        return recall_score(y, pred, e->average);
      case Id::kF1:
        return f1_score(y, pred, e->average);
      case Id::kMcc:
        return matthews_corrcoef(y, pred);
      case Id::kR2:
        return r2_score(y, pred);
      case Id::kExplainedVariance:
        return explained_variance_score(y, pred);
      case Id::kMaxError:
        return sign * max_error(y, pred);
      case Id::kMae:
        return sign * mean_absolute_error(y, pred);
      case Id::kMse:
        return sign * mean_squared_error(y, pred);
      case Id::kRmse:
        return sign * root_mean_squared_error(y, pred);
      case Id::kMedae:
        return sign * median_absolute_error(y, pred);
      case Id::kMape:
        return sign * mean_absolute_percentage_error(y, pred);
      case Id::kMsle:
        return sign * mean_squared_log_error(y, pred);
      default:
        break;
    }
    throw Error(Errc::kInternal, "scorer '" + name + "' has no predict implementation");
  }

  const auto y_labels = distinct_sorted(y);
  const bool binary_y = y_labels.size() <= 2;

  if (e->info.input == ScorerInput::kThreshold) {
    if (!binary_y)
      fail(name, "multiclass format is not supported (y has " + std::to_string(y_labels.size()) +
                     " labels)");
    std::vector<double> s;
    if (!fitted.is_classifier()) {
      const Vector p = fitted.predict(X);
      s.assign(p.data(), p.data() + p.size());
    } else if (fitted.has_decision_function()) {
      const Matrix d = fitted.decision_function(X);
      if (d.cols() != 1)
        fail(name, "the decision function has " + std::to_string(d.cols()) +
                       " columns for a binary target");
      s = column_of(d, 0);
    } else {
      const Matrix p = fitted.predict_proba(X);
      if (p.cols() > 2)
        fail(name, "multiclass format is not supported (the model has " + std::to_string(p.cols()) +
                       " classes)");
      s = column_of(p, p.cols() - 1);
    }
    if (e->id == Id::kRocAuc) return roc_auc_score(y, s);
    return average_precision_score(y, s);
  }

  // kProba
  const Matrix proba = fitted.predict_proba(X);
  const std::vector<double> classes = fitted.classes();
  if (binary_y && proba.cols() <= 2) {
    // sklearn's _select_proba_binary: the column of classes_[1]
    const std::vector<double> p1 = column_of(proba, proba.cols() - 1);
    switch (e->id) {
      case Id::kLogLoss:
        return sign * log_loss_binary(y, p1);
      case Id::kBrier:
        return sign * brier_score_loss(y, p1, classes.empty() ? 1.0 : classes.back());
      default:
        return roc_auc_score(y, p1);  // roc_auc_ovr/ovo on a binary target
    }
  }
  switch (e->id) {
    case Id::kLogLoss:
      return sign * log_loss(y, proba, classes);
    case Id::kRocAucOvr:
      return roc_auc_score_multiclass(y, proba, classes, MultiClass::kOvr, false);
    case Id::kRocAucOvo:
      return roc_auc_score_multiclass(y, proba, classes, MultiClass::kOvo, false);
    case Id::kRocAucOvrW:
      return roc_auc_score_multiclass(y, proba, classes, MultiClass::kOvr, true);
    case Id::kRocAucOvoW:
      return roc_auc_score_multiclass(y, proba, classes, MultiClass::kOvo, true);
    case Id::kBrier:
      fail(name, "only binary targets are supported");
    default:
      break;
  }
  throw Error(Errc::kInternal, "scorer '" + name + "' has no proba implementation");
}

}  // namespace freshet
