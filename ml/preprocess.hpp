#pragma once
// Preprocessing fitted on training rows only, as scikit-learn's transformers and make_pipeline.
//
// * Transformer: a matrix -> matrix step (standard_scaler, min_max_scaler, simple_imputer,
//   drop_constant), fitted on one matrix and applied to others. Registered by name like models,
//   with the same spec syntax ("simple_imputer:strategy=median").
// * Pipeline: transformers followed by a Model, itself a Model. fit() fits each step on the
//   (transformed) training rows it is given and nothing else, so cross-validation that fits a
//   clone() per fold has no leakage. Spec: steps joined by '>' ("standard_scaler>ridge:alpha=2");
//   make_model() accepts the same text.
// * OneHotEncoder: a Table -> Table step that turns text columns into 0/1 indicator columns
//   (it runs before a Matrix exists, so it is not a Transformer).
// * LabelEncoder: text class labels -> codes 0..k-1 in sorted order (sklearn's classes_ order).
//
// NaN: scalers and drop_constant ignore NaN when fitting and keep it when transforming (as
// sklearn's); simple_imputer replaces it. Errors are Error(kInvalidArgument) naming the step,
// e.g. "standard_scaler: X has 3 columns, but it was fitted on 4". Fitted objects' const methods
// are thread-safe.

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/table.hpp"
#include "ml/model.hpp"

namespace freshet {

class Transformer {
 public:
  virtual ~Transformer() = default;
  virtual std::string name() const = 0;
  // All parameters with current values (defaults filled in), as text.
  virtual ModelParams params() const = 0;
  // Learns the statistics of X's columns (training rows only).
  virtual void fit(const MatrixRef& X) = 0;
  // Applies them. The output may have fewer columns (drop_constant, simple_imputer dropping
  // columns that were all NaN in training, as sklearn does). Throws if not fitted or if X's
  // column count differs from fit's.
  virtual Matrix transform(const MatrixRef& X) const = 0;
  Matrix fit_transform(const MatrixRef& X) {
    fit(X);
    return transform(X);
  }
  // Supervised steps (job/'s fresh_select: relevance tests against the target) also learn from
  // y, one value per row of X; Pipeline fits every step through this. The default ignores y.
  virtual void fit_supervised(const MatrixRef& X, std::span<const double> y) { fit(X); }
  Matrix fit_transform_supervised(const MatrixRef& X, std::span<const double> y) {
    fit_supervised(X, y);
    return transform(X);
  }
  // For the columns transform() keeps: their indices in the fit input (ascending).
  virtual std::vector<std::size_t> kept_columns() const = 0;
  // A new, unfitted transformer with the same parameters.
  virtual std::unique_ptr<Transformer> clone() const = 0;
  // A copy with the fitted state; null when the transformer cannot copy itself (callers then
  // clone and fit again). Pipeline::fit_variants uses it to fit the steps once per group.
  virtual std::unique_ptr<Transformer> copy_fitted() const { return nullptr; }
};

struct TransformerInfo {
  std::string name = {};
  std::string description = {};
  std::vector<ModelParamInfo> params = {};
  std::function<std::unique_ptr<Transformer>(const ModelParams& params)> make = {};
};

// Registry of transformers (built-ins registered on first use). Thread-safe.
void register_transformer(TransformerInfo info);
const TransformerInfo* find_transformer(std::string_view name);
std::vector<const TransformerInfo*> all_transformers();  // sorted by name
// "standard_scaler" or "simple_imputer:strategy=median". Error(kNotFound) for an unknown name
// (listing the known ones), Error(kParse) for malformed text, kInvalidArgument for bad values.
std::unique_ptr<Transformer> make_transformer(std::string_view spec);
std::unique_ptr<Transformer> make_transformer(const ModelSpec& spec);

class Pipeline final : public Model {
 public:
  // Throws Error(kInvalidArgument) if model is null.
  Pipeline(std::vector<std::unique_ptr<Transformer>> steps, std::unique_ptr<Model> model);

  // "standard_scaler>logistic_regression".
  std::string name() const override;
  // sklearn's nested names: "<step>__<param>" for every step and the model.
  ModelParams params() const override;
  bool is_classifier() const override { return model_->is_classifier(); }
  void fit(const MatrixRef& X, std::span<const double> y, const FitContext& context = {}) override;
  Vector predict(const MatrixRef& X) const override;
  Matrix predict_proba(const MatrixRef& X) const override;
  Matrix decision_function(const MatrixRef& X) const override;
  bool has_decision_function() const override { return model_->has_decision_function(); }
  std::vector<double> classes() const override { return model_->classes(); }
  // The final model's coefficients, in the transformed feature space.
  std::optional<LinearCoefficients> linear_coefficients() const override {
    return model_->linear_coefficients();
  }
  std::unique_ptr<Model> clone() const override;
  // Fits the steps and transforms the training rows once, then fits the final model's variants
  // on them; each returned pipeline carries its own copy of the fitted steps.
  std::vector<std::unique_ptr<Model>> fit_variants(const MatrixRef& X, std::span<const double> y,
                                                   std::span<const ModelParams> variants,
                                                   const FitContext& context = {}) const override;

  // The spec that rebuilds this pipeline ("standard_scaler:with_mean=true,...>ridge:alpha=1.0").
  std::string spec() const;
  const std::vector<std::unique_ptr<Transformer>>& steps() const { return steps_; }
  const Model& model() const { return *model_; }

 private:
  Matrix transform(const MatrixRef& X) const;
  // Throws Error(kInvalidArgument) when X and y differ in rows.
  void check_rows(const MatrixRef& X, std::span<const double> y) const;

  std::vector<std::unique_ptr<Transformer>> steps_;
  std::unique_ptr<Model> model_;
};

// "standard_scaler>simple_imputer:strategy=median>ridge:alpha=2": every part but the last is a
// transformer spec, the last a model spec. Errors as make_transformer / make_model, naming the
// part that failed.
std::unique_ptr<Pipeline> make_pipeline(std::string_view spec);

// ---- Table-level steps ---------------------------------------------------------------------

struct OneHotEncoderOptions {
  // Text columns to encode; empty: every string column.
  std::vector<std::string> columns = {};
};

// sklearn.preprocessing.OneHotEncoder(handle_unknown="ignore") for text columns: categories are
// the distinct values in the training rows, sorted (byte order); column "c" becomes columns
// "c_<category>" in that order, at c's position; other columns pass through unchanged. A value
// not seen in training encodes as all zeros. The missing string "" is a category like any other.
class OneHotEncoder {
 public:
  explicit OneHotEncoder(OneHotEncoderOptions options = {}) : options_(std::move(options)) {}

  // Learns categories from `rows` of `table` (all rows when empty). Throws Error(kNotFound) for
  // a named column that is missing, kInvalidArgument for a named column that is not text.
  void fit(const Table& table, std::span<const std::size_t> rows = {});
  // Throws Error(kInvalidArgument) if not fitted, kNotFound if an encoded column is missing.
  Table transform(const Table& table) const;
  // Categories learned for a column (empty if it is not encoded).
  const std::vector<std::string>& categories(std::string_view column) const;

 private:
  OneHotEncoderOptions options_;
  bool fitted_ = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> categories_;
};

// sklearn.preprocessing.LabelEncoder for text labels: classes() sorted (byte order = Python's
// string order for UTF-8), codes 0..k-1.
class LabelEncoder {
 public:
  void fit(std::span<const std::string> labels);
  // Throws Error(kInvalidArgument) naming the first label not seen in fit.
  std::vector<double> transform(std::span<const std::string> labels) const;
  // Throws Error(kInvalidArgument) for a code that is not an integer in [0, k).
  std::vector<std::string> inverse_transform(std::span<const double> codes) const;
  const std::vector<std::string>& classes() const { return classes_; }

 private:
  std::vector<std::string> classes_;
};

// Dense matrix from numeric table columns (all of them when `columns` is empty), in the given
// order. Error(kInvalidArgument) names a text column (and suggests one_hot_encoder),
// kNotFound a missing one.
Matrix table_to_matrix(const Table& table, std::span<const std::string> columns = {});

}  // namespace freshet
