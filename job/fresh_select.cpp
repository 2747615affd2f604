#include "job/fresh_select.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <string>

#include "core/error.hpp"
#include "core/format.hpp"
#include "ml/model_params.hpp"
#include "ml/preprocess.hpp"

namespace freshet::job {

namespace {

constexpr std::string_view kName = "transformer 'fresh_select'";

bool integral(std::span<const double> y) {
  return std::all_of(y.begin(), y.end(),
                     [](double v) { return std::isfinite(v) && v == std::floor(v); });
}

class FreshSelect final : public Transformer {
 public:
  explicit FreshSelect(ModelParams params)
      : params_(std::move(params)), options_(fresh_select_options(params_)) {}

  std::string name() const override { return "fresh_select"; }
  ModelParams params() const override { return params_; }
  void fit(const MatrixRef&) override {
    throw Error(Errc::kInvalidArgument,
                std::string(kName) + ": needs the target; fit it inside a pipeline");
  }
  void fit_supervised(const MatrixRef& X, std::span<const double> y) override {
    kept_ = select_columns(X, y, options_);
    n_features_in_ = static_cast<std::size_t>(X.cols());
    fitted_ = true;
  }
  Matrix transform(const MatrixRef& X) const override {
    if (!fitted_) throw Error(Errc::kInvalidArgument, std::string(kName) + ": not fitted");
    if (static_cast<std::size_t>(X.cols()) != n_features_in_)
      throw Error(Errc::kInvalidArgument,
                  std::string(kName) + ": X has " + std::to_string(X.cols()) +
                      " columns, but it was fitted on " + std::to_string(n_features_in_));
    Matrix out(X.rows(), static_cast<Eigen::Index>(kept_.size()));
    for (std::size_t j = 0; j < kept_.size(); ++j)
      out.col(static_cast<Eigen::Index>(j)) = X.col(static_cast<Eigen::Index>(kept_[j]));
    return out;
  }
  std::vector<std::size_t> kept_columns() const override { return kept_; }
  std::unique_ptr<Transformer> clone() const override {
    return std::make_unique<FreshSelect>(params_);
  }
  std::unique_ptr<Transformer> copy_fitted() const override {
    return std::make_unique<FreshSelect>(*this);
  }

 private:
  ModelParams params_;
  FreshSelectOptions options_;
  std::vector<std::size_t> kept_;
  std::size_t n_features_in_ = 0;
  bool fitted_ = false;
};

}  // namespace

FreshSelectOptions fresh_select_options(const ModelParams& params) {
  FreshSelectOptions o;
  auto& r = o.relevance;
  const std::string method =
      param_choice(params, "method", "fdr", {"fdr", "k_best", "percentile"}, kName);
  if (params.count("fdr") && params.count("fdr_level"))
    throw Error(Errc::kInvalidArgument,
                std::string(kName) + ": give 'fdr' or 'fdr_level', not both");
  r.fdr_level = param_number(params, params.count("fdr") ? "fdr" : "fdr_level", 0.05, kName,
                             {.min = 0.0, .max = 1.0, .min_open = true});
  r.hypotheses_independent = param_bool(params, "hypotheses_independent", false, kName);
  if (method == "k_best") {
    if (!params.count("k"))
      throw Error(Errc::kInvalidArgument, std::string(kName) + ": method=k_best needs k");
    r.selector = fresh::Selector::kKBest;
    r.k_best = static_cast<std::size_t>(param_int(params, "k", 10, kName, 1));
  } else if (params.count("k")) {
    throw Error(Errc::kInvalidArgument, std::string(kName) + ": k needs method=k_best");
  }
  if (method == "percentile") {
    if (!params.count("percentile"))
      throw Error(Errc::kInvalidArgument,
                  std::string(kName) + ": method=percentile needs percentile");
    r.selector = fresh::Selector::kPercentile;
    r.percentile = param_number(params, "percentile", 0.1, kName, kUnitInterval);
  } else if (params.count("percentile")) {
    throw Error(Errc::kInvalidArgument,
                std::string(kName) + ": percentile needs method=percentile");
  }
  const std::string task =
      param_choice(params, "task", "auto", {"auto", "classification", "regression"}, kName);
  o.task = task == "classification" ? fresh::MlTask::kClassification
           : task == "regression"   ? fresh::MlTask::kRegression
                                    : fresh::MlTask::kAuto;
  o.min_features = static_cast<std::size_t>(param_int(params, "min_features", 1, kName, 0));
  return o;
}

std::vector<std::size_t> select_columns(const MatrixRef& X, std::span<const double> y,
                                        const FreshSelectOptions& options) {
  const auto n = static_cast<std::size_t>(X.rows());
  const auto p = static_cast<std::size_t>(X.cols());
  if (y.size() != n)
    throw Error(Errc::kInvalidArgument, std::string(kName) + ": X has " + std::to_string(n) +
                                            " rows but y has " + std::to_string(y.size()));
  const bool classification = options.task == fresh::MlTask::kClassification ||
                              (options.task == fresh::MlTask::kAuto && integral(y));
  // The relevance engine works on tables: an int64 row id, one float column per feature (named
  // by index so that the result maps back to positions), and the target typed so that its task
  // is the resolved one.
  Table features;
  std::vector<std::int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), std::int64_t{0});
  features.add_column(Column("id", std::move(ids)));
  for (std::size_t j = 0; j < p; ++j) {
    std::vector<double> col(X.col(static_cast<Eigen::Index>(j)).data(),
                            X.col(static_cast<Eigen::Index>(j)).data() + n);
    features.add_column(Column(std::to_string(j), std::move(col)));
  }
  Column target;
  if (classification) {
    std::vector<std::int64_t> codes(n);
    for (std::size_t i = 0; i < n; ++i) codes[i] = static_cast<std::int64_t>(y[i]);
    target = Column("y", std::move(codes));
  } else {
    target = Column("y", std::vector<double>(y.begin(), y.end()));
  }
  fresh::RelevanceOptions r = options.relevance;
  r.ml_task = classification ? fresh::MlTask::kClassification : fresh::MlTask::kRegression;
  auto serial = mproc::make_executor({.workers = 0});
  const fresh::RelevanceTable table = [&] {
    try {
      return fresh::calculate_relevance_table(features, target, r, *serial, "id");
    } catch (const Error& e) {
      throw Error(e.code(), std::string(kName) + ": " + e.what());
    }
  }();
  std::vector<std::size_t> kept;
  for (const auto& row : table.rows)
    if (row.relevant) kept.push_back(std::stoul(row.feature));
  if (kept.size() < options.min_features) {
    // Rows are in ascending p-value order (constant features last, never kept).
    kept.clear();
    for (const auto& row : table.rows) {
      if (kept.size() >= options.min_features || std::isnan(row.p_value)) break;
      kept.push_back(std::stoul(row.feature));
    }
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

void register_fresh_select() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (find_transformer("fresh_select")) return;
    TransformerInfo info;
    info.name = "fresh_select";
    info.description =
        "FRESH relevance selection fitted on the training rows (tsfresh select_features; KX "
        "k-best / percentile)";
    info.params = {
        {"method", "fdr", "fdr | k_best | percentile"},
        {"fdr_level", "0.05", "FDR level of the Benjamini-Yekutieli/-Hochberg procedure"},
        {"fdr", "0.05", "alias of fdr_level"},
        {"hypotheses_independent", "false", "Benjamini-Hochberg instead of -Yekutieli"},
        {"k", "", "method=k_best: number of features kept"},
        {"percentile", "", "method=percentile: fraction of p-values kept"},
        {"task", "auto", "auto | classification | regression"},
        {"min_features", "1", "keep at least this many (smallest p-values)"},
    };
    info.make = [](const ModelParams& params) { return std::make_unique<FreshSelect>(params); };
    register_transformer(std::move(info));
  });
}

}  // namespace freshet::job
