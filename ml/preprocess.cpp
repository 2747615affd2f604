// Transformers (standard_scaler, min_max_scaler, simple_imputer, drop_constant), Pipeline,
// OneHotEncoder, LabelEncoder. Semantics follow scikit-learn 1.2 (see each class).
#include "ml/preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/registry.hpp"
#include "ml/labels.hpp"
#include "ml/model_params.hpp"
#include "ml/pipeline_spec.hpp"

namespace freshet {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// Shared shape bookkeeping: remembers the fitted column count and checks transform input.
class TransformerBase : public Transformer {
 protected:
  void check_fit(const MatrixRef& X) const {
    if (X.rows() == 0) throw Error(Errc::kInvalidArgument, name() + ": cannot fit on 0 rows");
    if (X.cols() == 0) throw Error(Errc::kInvalidArgument, name() + ": cannot fit on 0 columns");
  }
  void check_transform(const MatrixRef& X) const {
    if (n_features_ == 0)
      throw Error(Errc::kInvalidArgument, name() + ": transform called before fit");
    if (static_cast<std::size_t>(X.cols()) != n_features_) {
      throw Error(Errc::kInvalidArgument, name() + ": X has " + std::to_string(X.cols()) +
                                              " columns, but it was fitted on " +
                                              std::to_string(n_features_));
    }
  }
  std::vector<std::size_t> all_columns() const {
    std::vector<std::size_t> out(n_features_);
    for (std::size_t j = 0; j < n_features_; ++j) out[j] = j;
    return out;
  }
  std::size_t n_features_ = 0;
};

// sklearn's _handle_zeros_in_scale: a (near-)zero scale becomes 1 so constant columns map to 0.
double nonzero_scale(double scale, bool constant) {
  return (constant || scale < 10.0 * kEps) ? 1.0 : scale;
}

// ---- standard_scaler ---------------------------------------------------------------------------

// sklearn.preprocessing.StandardScaler: mean and population variance per column (NaN ignored),
// the variance by the corrected two-pass formula sklearn uses (_incremental_mean_and_var from an
// empty state); a column whose variance is within rounding of zero gets scale 1.
class StandardScaler final : public TransformerBase {
 public:
  explicit StandardScaler(const ModelParams& p)
      : with_mean_(param_bool(p, "with_mean", true, kParamOwner)),
        with_std_(param_bool(p, "with_std", true, kParamOwner)) {}
  static constexpr const char* kName = "standard_scaler";
  static constexpr const char* kParamOwner = "transformer 'standard_scaler'";
  std::string name() const override { return kName; }
  ModelParams params() const override {
    return {{"with_mean", param_text(with_mean_)}, {"with_std", param_text(with_std_)}};
  }
  std::unique_ptr<Transformer> clone() const override {
    return std::make_unique<StandardScaler>(params());
  }
  std::unique_ptr<Transformer> copy_fitted() const override {
    return std::make_unique<StandardScaler>(*this);
  }
  std::vector<std::size_t> kept_columns() const override { return all_columns(); }

  void fit(const MatrixRef& X) override {
    check_fit(X);
    const auto p = X.cols();
    mean_ = Vector::Zero(p);
    scale_ = Vector::Ones(p);
    for (Eigen::Index j = 0; j < p; ++j) {
      double sum = 0.0;
      double count = 0.0;
      for (Eigen::Index i = 0; i < X.rows(); ++i) {
        if (!std::isnan(X(i, j))) sum += X(i, j), count += 1.0;
      }
      if (count == 0.0) {  // all NaN: sklearn leaves mean and variance NaN; transform keeps NaN
        mean_[j] = NAN;
        scale_[j] = 1.0;
        continue;
      }
      const double mean = sum / count;
      double correction = 0.0, sq = 0.0;
      for (Eigen::Index i = 0; i < X.rows(); ++i) {
        if (std::isnan(X(i, j))) continue;
        const double t = X(i, j) - mean;
        correction += t;
        sq += t * t;
      }
      const double var = (sq - correction * correction / count) / count;
      // sklearn's _is_constant_feature bound.
      const double bound = count * kEps * var + (count * mean * kEps) * (count * mean * kEps);
      mean_[j] = mean;
      scale_[j] = nonzero_scale(std::sqrt(var), var <= bound);
    }
    n_features_ = static_cast<std::size_t>(p);
  }

  Matrix transform(const MatrixRef& X) const override {
    check_transform(X);
    Matrix out = X;
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
      if (with_mean_) out.col(j).array() -= mean_[j];
      if (with_std_) out.col(j).array() /= scale_[j];
    }
    return out;
  }

 private:
  bool with_mean_, with_std_;
  Vector mean_, scale_;
};

// ---- min_max_scaler ----------------------------------------------------------------------------

// sklearn.preprocessing.MinMaxScaler: X * scale + min with scale = (max_f - min_f) / range
// (range 0 -> 1), min = min_f - data_min * scale; NaN ignored in fit and kept.
class MinMaxScaler final : public TransformerBase {
 public:
  explicit MinMaxScaler(const ModelParams& p)
      : lo_(param_number(p, "feature_min", 0.0, kParamOwner)),
        hi_(param_number(p, "feature_max", 1.0, kParamOwner)),
        clip_(param_bool(p, "clip", false, kParamOwner)) {
    if (!(lo_ < hi_)) {
      throw Error(Errc::kInvalidArgument, std::string(kName) + ": feature_min (" +
                                              format_double(lo_) + ") must be below feature_max (" +
                                              format_double(hi_) + ")");
    }
  }
  static constexpr const char* kName = "min_max_scaler";
  static constexpr const char* kParamOwner = "transformer 'min_max_scaler'";
  std::string name() const override { return kName; }
  ModelParams params() const override {
    return {{"feature_min", param_text(lo_)},
            {"feature_max", param_text(hi_)},
            {"clip", param_text(clip_)}};
  }
  std::unique_ptr<Transformer> clone() const override {
    return std::make_unique<MinMaxScaler>(params());
  }
  std::unique_ptr<Transformer> copy_fitted() const override {
    return std::make_unique<MinMaxScaler>(*this);
  }
  std::vector<std::size_t> kept_columns() const override { return all_columns(); }

  void fit(const MatrixRef& X) override {
    check_fit(X);
    const auto p = X.cols();
    scale_.resize(p);
    min_.resize(p);
    for (Eigen::Index j = 0; j < p; ++j) {
      double lo = INFINITY, hi = -INFINITY;
      for (Eigen::Index i = 0; i < X.rows(); ++i) {
        const double v = X(i, j);
        if (std::isnan(v)) continue;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      if (lo > hi) {  // all NaN
        scale_[j] = NAN;
        min_[j] = NAN;
        continue;
      }
      scale_[j] = (hi_ - lo_) / nonzero_scale(hi - lo, false);
      min_[j] = lo_ - lo * scale_[j];
    }
    n_features_ = static_cast<std::size_t>(p);
  }

  Matrix transform(const MatrixRef& X) const override {
    check_transform(X);
    Matrix out = X;
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
      out.col(j).array() *= scale_[j];
      out.col(j).array() += min_[j];
      if (clip_) out.col(j) = out.col(j).cwiseMax(lo_).cwiseMin(hi_);
    }
    return out;
  }

 private:
  double lo_, hi_;
  bool clip_;
  Vector scale_, min_;
};

// ---- simple_imputer ----------------------------------------------------------------------------

// sklearn.impute.SimpleImputer(missing_values=nan): mean / median / constant of the non-missing
// training values per column. Columns with no value in training are dropped at transform for
// mean and median (sklearn 1.2's keep_empty_features=False); constant keeps every column.
class SimpleImputer final : public TransformerBase {
 public:
  explicit SimpleImputer(const ModelParams& p)
      : strategy_(param_choice(p, "strategy", "mean", {"mean", "median", "constant"}, kParamOwner)),
        fill_value_(param_number(p, "fill_value", 0.0, kParamOwner)) {}
  static constexpr const char* kName = "simple_imputer";
  static constexpr const char* kParamOwner = "transformer 'simple_imputer'";
  std::string name() const override { return kName; }
  ModelParams params() const override {
    return {{"strategy", strategy_}, {"fill_value", param_text(fill_value_)}};
  }
  std::unique_ptr<Transformer> clone() const override {
    return std::make_unique<SimpleImputer>(params());
  }
  std::unique_ptr<Transformer> copy_fitted() const override {
    return std::make_unique<SimpleImputer>(*this);
  }
  std::vector<std::size_t> kept_columns() const override { return kept_; }

  void fit(const MatrixRef& X) override {
    check_fit(X);
    const auto p = X.cols();
    fill_.assign(static_cast<std::size_t>(p), fill_value_);
    kept_.clear();
    std::vector<double> values;
    for (Eigen::Index j = 0; j < p; ++j) {
      values.clear();
      for (Eigen::Index i = 0; i < X.rows(); ++i) {
        if (!std::isnan(X(i, j))) values.push_back(X(i, j));
      }
      if (strategy_ == "constant") {
        kept_.push_back(static_cast<std::size_t>(j));
        continue;
      }
      if (values.empty()) continue;  // dropped
      kept_.push_back(static_cast<std::size_t>(j));
      double& f = fill_[static_cast<std::size_t>(j)];
      if (strategy_ == "mean") {
        double s = 0.0;
        for (double v : values) s += v;
        f = s / static_cast<double>(values.size());
      } else {
        const std::size_t m = values.size() / 2;
        std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(m),
                         values.end());
        f = values[m];
        if (values.size() % 2 == 0) {
          const double lower =
              *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(m));
          f = (lower + f) / 2.0;
        }
      }
    }
    n_features_ = static_cast<std::size_t>(p);
  }

  Matrix transform(const MatrixRef& X) const override {
    check_transform(X);
    Matrix out(X.rows(), static_cast<Eigen::Index>(kept_.size()));
    for (std::size_t k = 0; k < kept_.size(); ++k) {
      const auto j = static_cast<Eigen::Index>(kept_[k]);
      const double f = fill_[kept_[k]];
      for (Eigen::Index i = 0; i < X.rows(); ++i) {
        const double v = X(i, j);
        out(i, static_cast<Eigen::Index>(k)) = std::isnan(v) ? f : v;
      }
    }
    return out;
  }

 private:
  std::string strategy_;
  double fill_value_;
  std::vector<double> fill_;
  std::vector<std::size_t> kept_;
};

// ---- drop_constant -----------------------------------------------------------------------------

// Keeps the columns with at least two distinct non-NaN values in the training rows (exact
// comparison, so no variance round-off decides); like sklearn's VarianceThreshold(0) on nanvar.
class DropConstant final : public TransformerBase {
 public:
  explicit DropConstant(const ModelParams&) {}
  static constexpr const char* kName = "drop_constant";
  std::string name() const override { return kName; }
  ModelParams params() const override { return {}; }
  std::unique_ptr<Transformer> clone() const override {
    return std::make_unique<DropConstant>(params());
  }
  std::unique_ptr<Transformer> copy_fitted() const override {
    return std::make_unique<DropConstant>(*this);
  }
  std::vector<std::size_t> kept_columns() const override { return kept_; }

  void fit(const MatrixRef& X) override {
    check_fit(X);
    kept_.clear();
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
      double first = NAN;
      for (Eigen::Index i = 0; i < X.rows(); ++i) {
        const double v = X(i, j);
        if (std::isnan(v)) continue;
        if (std::isnan(first)) {
          first = v;
        } else if (v != first) {
          kept_.push_back(static_cast<std::size_t>(j));
          break;
        }
      }
    }
    if (kept_.empty()) {
      throw Error(Errc::kInvalidArgument, std::string(kName) + ": all " + std::to_string(X.cols()) +
                                              " columns are constant on the training rows");
    }
    n_features_ = static_cast<std::size_t>(X.cols());
  }

  Matrix transform(const MatrixRef& X) const override {
    check_transform(X);
    Matrix out(X.rows(), static_cast<Eigen::Index>(kept_.size()));
    for (std::size_t k = 0; k < kept_.size(); ++k) {
      out.col(static_cast<Eigen::Index>(k)) = X.col(static_cast<Eigen::Index>(kept_[k]));
    }
    return out;
  }

 private:
  std::vector<std::size_t> kept_;
};

// ---- registry ----------------------------------------------------------------------------------

Registry<TransformerInfo>& transformer_registry();

void add_transformer(TransformerInfo info) { transformer_registry().add(std::move(info)); }

void register_builtin_transformers() {
  {
    add_transformer(
        {.name = "standard_scaler",
         .description = "sklearn.preprocessing.StandardScaler: (x - mean) / population "
                        "std per column (std 0 -> 1)",
         .params = {{"with_mean", "true", "subtract the training mean"},
                    {"with_std", "true", "divide by the training std"}},
         .make = [](const ModelParams& p) { return std::make_unique<StandardScaler>(p); }});
    add_transformer(
        {.name = "min_max_scaler",
         .description = "sklearn.preprocessing.MinMaxScaler: map the training range "
                        "of each column to [feature_min, feature_max]",
         .params = {{"feature_min", "0.0", "lower end of the target range"},
                    {"feature_max", "1.0", "upper end of the target range"},
                    {"clip", "false", "clip transformed values to the range"}},
         .make = [](const ModelParams& p) { return std::make_unique<MinMaxScaler>(p); }});
    add_transformer(
        {.name = "simple_imputer",
         .description = "sklearn.impute.SimpleImputer: replace NaN by the training "
                        "mean/median (all-NaN columns are dropped) or a constant",
         .params = {{"strategy", "mean", "mean, median or constant"},
                    {"fill_value", "0.0", "value used by strategy=constant"}},
         .make = [](const ModelParams& p) { return std::make_unique<SimpleImputer>(p); }});
    add_transformer(
        {.name = "drop_constant",
         .description = "drop columns with fewer than two distinct non-NaN training "
                        "values (sklearn.feature_selection.VarianceThreshold(0))",
         .params = {},
         .make = [](const ModelParams& p) { return std::make_unique<DropConstant>(p); }});
  }
}

Registry<TransformerInfo>& transformer_registry() {
  static Registry<TransformerInfo> instance("transformer", register_builtin_transformers);
  return instance;
}

}  // namespace

void register_transformer(TransformerInfo info) {
  if (!info.make) {
    throw Error(Errc::kInvalidArgument, "register transformer: '" + info.name + "' has no factory");
  }
  add_transformer(std::move(info));
}

const TransformerInfo* find_transformer(std::string_view name) {
  return transformer_registry().find(name);
}

std::vector<const TransformerInfo*> all_transformers() { return transformer_registry().sorted(); }

std::unique_ptr<Transformer> make_transformer(std::string_view spec) {
  return make_transformer(parse_model_spec(spec));
}

std::unique_ptr<Transformer> make_transformer(const ModelSpec& parsed) {
  const TransformerInfo* info = &transformer_registry().get(parsed.name);
  std::vector<std::string_view> names;
  for (const auto& p : info->params) names.push_back(p.name);
  check_param_names(parsed.params, std::span<const std::string_view>(names),
                    "transformer '" + info->name + "'");
  return info->make(parsed.params);
}

// ---- Pipeline ----------------------------------------------------------------------------------

Pipeline::Pipeline(std::vector<std::unique_ptr<Transformer>> steps, std::unique_ptr<Model> model)
    : steps_(std::move(steps)), model_(std::move(model)) {
  if (!model_) throw Error(Errc::kInvalidArgument, "pipeline: no final model");
  for (const auto& s : steps_) {
    if (!s) throw Error(Errc::kInvalidArgument, "pipeline: null step");
  }
}

std::string Pipeline::name() const {
  std::string out;
  for (const auto& s : steps_) out += s->name() + ">";
  return out + model_->name();
}

ModelParams Pipeline::params() const {
  ModelParams out;
  for (const auto& s : steps_) {
    for (const auto& [k, v] : s->params()) out[s->name() + "__" + k] = v;
  }
  for (const auto& [k, v] : model_->params()) out[model_->name() + "__" + k] = v;
  return out;
}

std::string Pipeline::spec() const {
  const auto one = [](const std::string& name, const ModelParams& params) {
    std::string out = name;
    char sep = ':';
    for (const auto& [k, v] : params) {
      out += sep;
      out += k + "=" + v;
      sep = ',';
    }
    return out;
  };
  std::string out;
  for (const auto& s : steps_) out += one(s->name(), s->params()) + ">";
  return out + one(model_->name(), model_->params());
}

void Pipeline::check_rows(const MatrixRef& X, std::span<const double> y) const {
  if (static_cast<std::size_t>(X.rows()) != y.size()) {
    throw Error(Errc::kInvalidArgument, "pipeline '" + name() + "': X has " +
                                            std::to_string(X.rows()) + " rows but y has " +
                                            std::to_string(y.size()));
  }
}

void Pipeline::fit(const MatrixRef& X, std::span<const double> y, const FitContext& context) {
  check_rows(X, y);
  if (steps_.empty()) {
    model_->fit(X, y, context);
    return;
  }
  Matrix current = steps_.front()->fit_transform_supervised(X, y);
  for (std::size_t i = 1; i < steps_.size(); ++i)
    current = steps_[i]->fit_transform_supervised(current, y);
  model_->fit(current, y, context);
}

Matrix Pipeline::transform(const MatrixRef& X) const {
  Matrix current = steps_.front()->transform(X);
  for (std::size_t i = 1; i < steps_.size(); ++i) current = steps_[i]->transform(current);
  return current;
}

Vector Pipeline::predict(const MatrixRef& X) const {
  return steps_.empty() ? model_->predict(X) : model_->predict(transform(X));
}
Matrix Pipeline::predict_proba(const MatrixRef& X) const {
  return steps_.empty() ? model_->predict_proba(X) : model_->predict_proba(transform(X));
}
Matrix Pipeline::decision_function(const MatrixRef& X) const {
  return steps_.empty() ? model_->decision_function(X) : model_->decision_function(transform(X));
}

std::vector<std::unique_ptr<Model>> Pipeline::fit_variants(const MatrixRef& X,
                                                           std::span<const double> y,
                                                           std::span<const ModelParams> variants,
                                                           const FitContext& context) const {
  check_rows(X, y);
  // Fresh copies of the steps fitted on X, and X transformed by them.
  const auto fit_steps = [&](Matrix& current) {
    std::vector<std::unique_ptr<Transformer>> steps;
    current = X;
    for (const auto& s : steps_) {
      steps.push_back(s->clone());
      current = steps.back()->fit_transform_supervised(current, y);
    }
    return steps;
  };
  Matrix transformed;
  const auto fitted = fit_steps(transformed);
  auto models = model_->fit_variants(transformed, y, variants, context);
  std::vector<std::unique_ptr<Model>> out;
  out.reserve(models.size());
  for (auto& model : models) {
    std::vector<std::unique_ptr<Transformer>> steps;
    for (const auto& s : fitted) steps.push_back(s->copy_fitted());
    if (std::any_of(steps.begin(), steps.end(), [](const auto& s) { return s == nullptr; })) {
      Matrix unused;  // a step that cannot copy itself: fit them again (the same state)
      steps = fit_steps(unused);
    }
    out.push_back(std::make_unique<Pipeline>(std::move(steps), std::move(model)));
  }
  return out;
}

std::unique_ptr<Model> Pipeline::clone() const {
  std::vector<std::unique_ptr<Transformer>> steps;
  for (const auto& s : steps_) steps.push_back(s->clone());
  return std::make_unique<Pipeline>(std::move(steps), model_->clone());
}

std::unique_ptr<Pipeline> make_pipeline(std::string_view spec) {
  const PipelineSpec parsed(spec);
  std::vector<std::unique_ptr<Transformer>> steps;
  for (const auto& step : parsed.steps) steps.push_back(make_transformer(step));
  return std::make_unique<Pipeline>(std::move(steps), make_model(parsed.model));
}

// ---- OneHotEncoder -----------------------------------------------------------------------------

void OneHotEncoder::fit(const Table& table, std::span<const std::size_t> rows) {
  categories_.clear();
  std::vector<std::string> names = options_.columns;
  if (names.empty()) {
    for (const auto& c : table.columns()) {
      if (c.dtype() == DType::kString) names.push_back(c.name());
    }
  }
  for (const auto& name : names) {
    const Column& col = table.column(name);  // throws kNotFound
    if (col.dtype() != DType::kString) {
      throw Error(Errc::kInvalidArgument, "one_hot_encoder: column '" + name + "' is " +
                                              std::string(dtype_name(col.dtype())) + ", not text");
    }
    const auto values = col.str();
    std::vector<std::string> cats;
    if (rows.empty()) {
      cats.assign(values.begin(), values.end());
    } else {
      for (auto r : rows) {
        if (r >= values.size()) {
          throw Error(Errc::kInvalidArgument, "one_hot_encoder: row " + std::to_string(r) +
                                                  " is out of range (" +
                                                  std::to_string(values.size()) + " rows)");
        }
        cats.push_back(values[r]);
      }
    }
    std::sort(cats.begin(), cats.end());
    cats.erase(std::unique(cats.begin(), cats.end()), cats.end());
    categories_.emplace_back(name, std::move(cats));
  }
  fitted_ = true;
}

const std::vector<std::string>& OneHotEncoder::categories(std::string_view column) const {
  static const std::vector<std::string> kNone;
  for (const auto& [name, cats] : categories_) {
    if (name == column) return cats;
  }
  return kNone;
}

Table OneHotEncoder::transform(const Table& table) const {
  if (!fitted_) throw Error(Errc::kInvalidArgument, "one_hot_encoder: transform called before fit");
  for (const auto& [name, cats] : categories_) (void)table.column(name);  // kNotFound if missing
  Table out;
  for (const auto& col : table.columns()) {
    const auto it = std::find_if(categories_.begin(), categories_.end(),
                                 [&](const auto& e) { return e.first == col.name(); });
    if (it == categories_.end()) {
      out.add_column(col);
      continue;
    }
    const auto values = col.str();
    const auto& cats = it->second;
    std::vector<std::vector<double>> indicators(cats.size(),
                                                std::vector<double>(values.size(), 0.0));
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto pos = std::lower_bound(cats.begin(), cats.end(), values[i]);
      if (pos != cats.end() && *pos == values[i]) {
        indicators[static_cast<std::size_t>(pos - cats.begin())][i] = 1.0;
      }
    }
    for (std::size_t k = 0; k < cats.size(); ++k) {
      out.add_column(Column(col.name() + "_" + cats[k], std::move(indicators[k])));
    }
  }
  return out;
}

// ---- LabelEncoder ------------------------------------------------------------------------------

void LabelEncoder::fit(std::span<const std::string> labels) {
  classes_ = encode_sorted(labels).classes;
}

std::vector<double> LabelEncoder::transform(std::span<const std::string> labels) const {
  std::vector<double> out;
  out.reserve(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto pos = std::lower_bound(classes_.begin(), classes_.end(), labels[i]);
    if (pos == classes_.end() || *pos != labels[i]) {
      throw Error(Errc::kInvalidArgument, "label_encoder: label \"" + labels[i] + "\" (row " +
                                              std::to_string(i) + ") was not seen in fit");
    }
    out.push_back(static_cast<double>(pos - classes_.begin()));
  }
  return out;
}

std::vector<std::string> LabelEncoder::inverse_transform(std::span<const double> codes) const {
  std::vector<std::string> out;
  out.reserve(codes.size());
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const double c = codes[i];
    if (!(c >= 0) || c >= static_cast<double>(classes_.size()) || c != std::floor(c)) {
      throw Error(Errc::kInvalidArgument, "label_encoder: code " + format_double(c) + " (row " +
                                              std::to_string(i) + ") is not in [0, " +
                                              std::to_string(classes_.size()) + ")");
    }
    out.push_back(classes_[static_cast<std::size_t>(c)]);
  }
  return out;
}

// ---- table_to_matrix ---------------------------------------------------------------------------

Matrix table_to_matrix(const Table& table, std::span<const std::string> columns) {
  std::vector<const Column*> cols;
  if (columns.empty()) {
    for (const auto& c : table.columns()) cols.push_back(&c);
  } else {
    for (const auto& name : columns) cols.push_back(&table.column(name));
  }
  Matrix X(static_cast<Eigen::Index>(table.num_rows()), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j) {
    const Column& c = *cols[j];
    if (c.dtype() == DType::kString) {
      throw Error(
          Errc::kInvalidArgument,
          "column '" + c.name() + "' is text, not a number (encode it with one_hot_encoder)");
    }
    double* out = X.col(static_cast<Eigen::Index>(j)).data();
    if (c.dtype() == DType::kFloat64) {
      std::copy(c.f64().begin(), c.f64().end(), out);
    } else {
      const auto v = c.i64();
      for (std::size_t i = 0; i < v.size(); ++i) out[i] = static_cast<double>(v[i]);
    }
  }
  return X;
}

}  // namespace freshet
