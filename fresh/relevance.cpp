// FRESH relevance table and selection; see fresh/relevance.hpp.
#include "fresh/relevance.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <unordered_map>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "core/join.hpp"
#include "fresh/numpy.hpp"
#include "fresh/stat_tests.hpp"
#include "mproc/blob.hpp"
#include "mproc/executor.hpp"
#include "mproc/registry.hpp"

namespace freshet::fresh {
namespace {

constexpr const char* kTaskName = "fresh.relevance_chunk";
constexpr const char* kShareKey = "fresh.relevance.input";

// ---- the shared input ------------------------------------------------------------------------
// A column blob (mproc/blob.hpp) of four sections:
//   0 u64[5]  classification, smir, n_rows, n_labels, n_features
//   1 i32     label codes (classification: n_rows; otherwise empty)
//   2 f64     target (regression: n_rows; otherwise empty)
//   3 f64     feature values, column-major (n_features x n_rows)
// Read in place; every size and every label code is checked, so a corrupt blob is an Error.
enum Section : std::size_t { kMeta, kCodes, kTarget, kFeatures, kSections };

struct SharedInput {
  bool classification = true;
  bool smir = false;
  std::size_t n_rows = 0, n_labels = 0, n_features = 0;
  std::span<const std::int32_t> codes;
  std::span<const double> target;
  std::span<const double> features;

  void column(std::size_t f, std::vector<double>& out) const {
    const auto col = features.subspan(f * n_rows, n_rows);
    out.assign(col.begin(), col.end());
  }
};

SharedInput read_shared(std::span<const std::byte> blob) {
  const mproc::BlobView view(blob, kShareKey);
  view.expect_sections(kSections);
  const auto meta = view.section<std::uint64_t>(kMeta);
  if (meta.size() != 5) view.fail("the header section holds " + std::to_string(meta.size()));
  SharedInput in;
  in.classification = meta[0] != 0;
  in.smir = meta[1] != 0;
  in.n_rows = meta[2];
  in.n_labels = meta[3];
  in.n_features = meta[4];
  in.codes = view.section<std::int32_t>(kCodes);
  in.target = view.section<double>(kTarget);
  in.features = view.section<double>(kFeatures);
  if (in.codes.size() != (in.classification ? in.n_rows : 0) ||
      in.target.size() != (in.classification ? 0 : in.n_rows))
    view.fail("target sections do not match " + std::to_string(in.n_rows) + " rows");
  if (in.n_rows == 0
          ? !in.features.empty()
          : in.features.size() % in.n_rows != 0 || in.features.size() / in.n_rows != in.n_features)
    view.fail("the feature section does not hold " + std::to_string(in.n_features) + " x " +
              std::to_string(in.n_rows) + " values");
  for (const std::int32_t code : in.codes)
    if (code < 0 || static_cast<std::size_t>(code) >= in.n_labels)
      view.fail("label code " + std::to_string(code) + " outside 0.." +
                std::to_string(in.n_labels));
  return in;
}

// ---- one chunk of features --------------------------------------------------------------------
// Argument: u64 begin, u64 end. Result per feature: u8 type, then (type != constant) the
// p-value per label (classification) or one p-value (regression).
Bytes relevance_chunk_task(const mproc::TaskContext& context, std::span<const std::byte> argument) {
  ByteReader arg(argument);
  const auto begin = arg.get<std::uint64_t>();
  const auto end = arg.get<std::uint64_t>();
  const SharedInput in = read_shared(context.shared(kShareKey));
  if (end > in.n_features || begin > end)
    throw Error(Errc::kInternal, "relevance chunk out of range");
  const std::size_t n = in.n_rows;

  // per-label one-vs-rest masks (classification)
  std::vector<std::vector<char>> masks;
  if (in.classification) {
    masks.assign(in.n_labels, std::vector<char>(n, 0));
    for (std::size_t i = 0; i < n; ++i) masks[static_cast<std::size_t>(in.codes[i])][i] = 1;
  }
  std::vector<std::size_t> target_order;
  if (!in.classification) {
    target_order.resize(n);
    std::iota(target_order.begin(), target_order.end(), std::size_t{0});
    std::sort(target_order.begin(), target_order.end(),
              [&](std::size_t a, std::size_t b) { return in.target[a] < in.target[b]; });
  }

  ByteWriter out;
  std::vector<double> x, sorted;
  std::vector<std::size_t> order(n);
  std::vector<char> mask(n);
  for (std::size_t f = begin; f < end; ++f) {
    in.column(f, x);
    sorted = x;
    std::sort(sorted.begin(), sorted.end());
    std::size_t distinct = sorted.empty() ? 0 : 1;
    for (std::size_t i = 1; i < n && distinct < 3; ++i) distinct += sorted[i] != sorted[i - 1];
    const FeatureType type = distinct <= 1   ? FeatureType::kConstant
                             : distinct == 2 ? FeatureType::kBinary
                                             : FeatureType::kReal;
    out.put<std::uint8_t>(static_cast<std::uint8_t>(type));
    if (type == FeatureType::kConstant) continue;
    const double x1 = sorted.back();  // the larger of the two values of a binary feature

    if (in.classification) {
      if (type == FeatureType::kReal) {
        if (!in.smir) {
          const RankedSample ranked = rank_sample(x);
          for (std::size_t l = 0; l < in.n_labels; ++l)
            out.put<double>(mann_whitney_u_p(ranked, masks[l]));
        } else {
          std::iota(order.begin(), order.end(), std::size_t{0});
          std::sort(order.begin(), order.end(),
                    [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
          for (std::size_t l = 0; l < in.n_labels; ++l)
            out.put<double>(ks_2samp_p(x, order, masks[l]));
        }
      } else {
        // tsfresh: fisher_exact([[n(y1, x1), n(y1, x0)], [n(y0, x1), n(y0, x0)]])
        for (std::size_t l = 0; l < in.n_labels; ++l) {
          std::int64_t y1x1 = 0, y1x0 = 0, y0x1 = 0, y0x0 = 0;
          const auto& m = masks[l];
          for (std::size_t i = 0; i < n; ++i) {
            const bool is_x1 = x[i] == x1;
            if (m[i]) {
              if (is_x1)
                ++y1x1;
              else
                ++y1x0;
            } else {
              if (is_x1)
                ++y0x1;
              else
                ++y0x0;
            }
          }
          out.put<double>(fisher_exact_p(y1x1, y1x0, y0x1, y0x0));
        }
      }
    } else {
      if (type == FeatureType::kReal) {
        out.put<double>(kendall_tau_p(x, in.target));
      } else {
        for (std::size_t i = 0; i < n; ++i) mask[i] = x[i] == x1;
        out.put<double>(ks_2samp_p(in.target, target_order, mask));
      }
    }
  }
  return std::move(out).take();
}

FRESHET_TASK(kTaskName, relevance_chunk_task);

// ---- multiple testing ---------------------------------------------------------------------------

// statsmodels multipletests(p, alpha, "fdr_by" / "fdr_bh")[0]: step-up on sorted p-values with
// threshold (i / m) * alpha (BH) or (i / m) / c(m) * alpha (BY), c(m) = sum_{j<=m} 1/j.
std::vector<char> fdr_reject(std::span<const double> p, double alpha, bool independent) {
  const std::size_t m = p.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (std::isnan(p[a])) return false;
    if (std::isnan(p[b])) return true;
    return p[a] < p[b];
  });
  double cm = 1.0;
  if (!independent) {
    cm = 0;
    for (std::size_t j = 1; j <= m; ++j) cm += 1.0 / static_cast<double>(j);
  }
  std::ptrdiff_t last = -1;
  for (std::size_t i = 0; i < m; ++i) {
    double factor = static_cast<double>(i + 1) / static_cast<double>(m);
    if (!independent) factor = factor / cm;
    if (p[order[i]] <= factor * alpha) last = static_cast<std::ptrdiff_t>(i);
  }
  std::vector<char> reject(m, 0);
  for (std::ptrdiff_t i = 0; i <= last; ++i) reject[order[static_cast<std::size_t>(i)]] = 1;
  return reject;
}

// Python's min(a, b): a unless b < a.
double py_min(double a, double b) { return b < a ? b : a; }

// numpy.quantile(v, q) with linear interpolation (numpy's _lerp, fresh/numpy.hpp); v non-empty.
double linear_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return sorted_quantile(v, q);
}

std::string label_text(const Column& target, std::size_t row) { return target.as_string(row); }

// Row order with ids ascending (integers numerically, text by bytes).
std::vector<std::size_t> rows_sorted_by_id(const Table& features, std::string_view id_column) {
  std::vector<std::size_t> rows(features.num_rows());
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  const auto index = features.find_column(id_column);
  if (index < 0) return rows;
  const Column& id = features.column(static_cast<std::size_t>(index));
  if (id.dtype() == DType::kString) {
    const auto s = id.str();
    std::stable_sort(rows.begin(), rows.end(),
                     [&](std::size_t a, std::size_t b) { return s[a] < s[b]; });
  } else {
    const auto v = id.to_f64();
    std::stable_sort(rows.begin(), rows.end(),
                     [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  }
  return rows;
}

}  // namespace

std::string_view feature_type_name(FeatureType type) noexcept {
  switch (type) {
    case FeatureType::kReal:
      return "real";
    case FeatureType::kBinary:
      return "binary";
    case FeatureType::kConstant:
      return "constant";
  }
  return "?";
}

RelevanceTable calculate_relevance_table(const Table& features, const Column& target,
                                         const RelevanceOptions& options, mproc::Executor& executor,
                                         std::string_view id_column) {
  const std::size_t n = features.num_rows();
  if (!(options.fdr_level > 0 && options.fdr_level <= 1))
    throw Error(Errc::kInvalidArgument,
                "relevance: fdr_level must be in (0, 1], got " + format_double(options.fdr_level));
  if (options.n_significant < 1)
    throw Error(Errc::kInvalidArgument, "relevance: n_significant must be at least 1, got " +
                                            std::to_string(options.n_significant));
  if (options.selector == Selector::kKBest && options.k_best < 1)
    throw Error(Errc::kInvalidArgument, "relevance: k-best must be at least 1");
  if (options.selector == Selector::kPercentile &&
      !(options.percentile >= 0 && options.percentile <= 1))
    throw Error(Errc::kInvalidArgument, "relevance: percentile must be a fraction in [0, 1], got " +
                                            format_double(options.percentile));
  if (target.size() != n)
    throw Error(Errc::kInvalidArgument, "relevance: the target has " +
                                            std::to_string(target.size()) + " values for " +
                                            std::to_string(n) + " feature rows");
  if (n < 2)
    throw Error(Errc::kInvalidArgument,
                "relevance: need at least 2 rows, got " + std::to_string(n));

  // feature columns
  std::vector<std::size_t> feature_columns;
  for (std::size_t c = 0; c < features.num_columns(); ++c) {
    const Column& col = features.column(c);
    if (col.name() == id_column) continue;
    if (!col.is_numeric())
      throw Error(Errc::kInvalidArgument,
                  "relevance: feature column '" + col.name() + "' is not numeric");
    feature_columns.push_back(c);
  }

  RelevanceTable table;
  // task
  table.task = options.ml_task;
  if (table.task == MlTask::kAuto)
    table.task = target.dtype() == DType::kFloat64 ? MlTask::kRegression : MlTask::kClassification;
  const bool classification = table.task == MlTask::kClassification;
  if (options.multiclass && !classification)
    throw Error(Errc::kInvalidArgument,
                "relevance: multiclass selection needs a classification task");

  // target encoding
  std::vector<std::int32_t> codes;
  std::vector<double> target_values;
  if (classification) {
    std::unordered_map<std::string, std::int32_t> code_of;
    for (std::size_t row : rows_sorted_by_id(features, id_column)) {
      if (target.dtype() == DType::kFloat64 && std::isnan(target.f64()[row]))
        throw Error(Errc::kInvalidArgument, "relevance: the target has a missing value (row " +
                                                std::to_string(row + 1) + ")");
      const std::string text = label_text(target, row);
      if (code_of.emplace(text, static_cast<std::int32_t>(table.labels.size())).second)
        table.labels.push_back(text);
    }
    codes.resize(n);
    for (std::size_t row = 0; row < n; ++row) codes[row] = code_of.at(label_text(target, row));
    if (table.labels.size() < 2)
      throw Error(Errc::kInvalidArgument,
                  "relevance: the target has only one distinct value ('" +
                      (table.labels.empty() ? std::string() : table.labels[0]) + "')");
    if (options.multiclass && static_cast<std::size_t>(options.n_significant) > table.labels.size())
      throw Error(Errc::kInvalidArgument, "relevance: n_significant (" +
                                              std::to_string(options.n_significant) +
                                              ") exceeds the number of classes (" +
                                              std::to_string(table.labels.size()) + ")");
    table.multiclass = options.multiclass && table.labels.size() > 2;
  } else {
    if (target.dtype() == DType::kString)
      throw Error(Errc::kInvalidArgument,
                  "relevance: a regression target must be numeric, column '" + target.name() +
                      "' holds text");
    target_values = target.to_f64();
    for (std::size_t row = 0; row < n; ++row)
      if (!std::isfinite(target_values[row]))
        throw Error(Errc::kInvalidArgument,
                    "relevance: the target has a missing or infinite value (row " +
                        std::to_string(row + 1) + ")");
    if (std::all_of(target_values.begin(), target_values.end(),
                    [&](double v) { return v == target_values[0]; }))
      throw Error(Errc::kInvalidArgument, "relevance: the target is constant");
  }
  const std::size_t n_labels = classification ? table.labels.size() : 1;

  // tests, in chunks of columns
  const std::size_t chunk = std::max<std::size_t>(1, options.chunk_columns);
  std::vector<Bytes> arguments;
  for (std::size_t b = 0; b < feature_columns.size(); b += chunk) {
    ByteWriter a;
    a.put<std::uint64_t>(b);
    a.put<std::uint64_t>(std::min(b + chunk, feature_columns.size()));
    arguments.push_back(std::move(a).take());
  }

  // The shared input, written once in its final place (the segment, on the process backend).
  mproc::BlobLayout layout;
  layout.add<std::uint64_t>(5);
  layout.add<std::int32_t>(classification ? n : 0);
  layout.add<double>(classification ? 0 : n);
  layout.add<double>(feature_columns.size() * n);
  std::vector<Bytes> results;
  {
    const mproc::ScopedShare input(
        executor, kShareKey, layout.size(), [&](std::span<std::byte> out) {
          layout.write_header(out);
          const std::uint64_t meta[5] = {
              classification ? 1u : 0u,
              options.test_for_binary_target_real_feature == BinaryRealTest::kKolmogorovSmirnov
                  ? 1u
                  : 0u,
              n, n_labels, feature_columns.size()};
          std::ranges::copy(meta, layout.section<std::uint64_t>(out, kMeta).begin());
          if (classification)
            std::ranges::copy(codes, layout.section<std::int32_t>(out, kCodes).begin());
          else
            std::ranges::copy(target_values, layout.section<double>(out, kTarget).begin());
          const auto values_out = layout.section<double>(out, kFeatures);
          std::vector<double> values;
          for (std::size_t f = 0; f < feature_columns.size(); ++f) {
            const Column& col = features.column(feature_columns[f]);
            values = col.to_f64();
            for (std::size_t i = 0; i < n; ++i)
              if (std::isnan(values[i])) {
                const auto id = features.find_column(id_column);
                throw Error(
                    Errc::kInvalidArgument,
                    "relevance: feature '" + col.name() + "' has a missing value (" +
                        (id >= 0 ? std::string(id_column) + " " +
                                       features.column(static_cast<std::size_t>(id)).as_string(i)
                                 : "row " + std::to_string(i + 1)) +
                        "); impute the features first");
              }
            std::ranges::copy(values, values_out.begin() + static_cast<std::ptrdiff_t>(f * n));
          }
        });
    results = executor.map(kTaskName, arguments);
  }

  std::vector<RelevanceRow> rows(feature_columns.size());
  {
    std::size_t f = 0;
    for (const Bytes& result : results) {
      ByteReader r(result);
      while (!r.at_end()) {
        RelevanceRow& row = rows.at(f);
        row.feature = features.column(feature_columns[f]).name();
        row.type = static_cast<FeatureType>(r.get<std::uint8_t>());
        if (row.type != FeatureType::kConstant) {
          row.label_p.resize(n_labels);
          for (double& p : row.label_p) p = r.get<double>();
        }
        ++f;
      }
    }
    if (f != rows.size())
      throw Error(Errc::kInternal, "relevance: tasks returned " + std::to_string(f) + " of " +
                                       std::to_string(rows.size()) + " features");
  }

  // multiple testing per label over the non-constant features
  std::vector<std::size_t> tested;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].type != FeatureType::kConstant) tested.push_back(i);
  for (std::size_t i : tested) rows[i].label_relevant.assign(n_labels, 0);
  std::vector<double> p(tested.size());
  for (std::size_t l = 0; l < n_labels; ++l) {
    for (std::size_t k = 0; k < tested.size(); ++k) p[k] = rows[tested[k]].label_p[l];
    const auto reject = fdr_reject(p, options.fdr_level, options.hypotheses_independent);
    for (std::size_t k = 0; k < tested.size(); ++k) rows[tested[k]].label_relevant[l] = reject[k];
  }
  for (auto& row : rows) {
    if (row.type == FeatureType::kConstant) {
      row.p_value = NAN;
      row.relevant = false;
      row.n_significant = 0;
      if (table.multiclass) {
        row.label_p.assign(n_labels, NAN);
        row.label_relevant.assign(n_labels, 0);
      }
      continue;
    }
    row.p_value = row.label_p[0];
    for (std::size_t l = 1; l < n_labels; ++l) row.p_value = py_min(row.p_value, row.label_p[l]);
    row.n_significant = 0;
    for (char r : row.label_relevant) row.n_significant += r ? 1 : 0;
    row.relevant =
        table.multiclass ? row.n_significant >= options.n_significant : row.n_significant > 0;
    if (!classification) {
      row.label_p.clear();
      row.label_relevant.clear();
    }
  }
  if (tested.empty()) table.multiclass = false;  // tsfresh returns the plain constant table

  // tsfresh's order: non-constant by the first label's p-value, then the constants
  std::vector<std::size_t> order = tested;
  const auto key = [&](std::size_t i) {
    return classification ? rows[i].label_p[0] : rows[i].p_value;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const double ka = key(a), kb = key(b);
    if (std::isnan(ka)) return false;
    if (std::isnan(kb)) return true;
    return ka < kb;
  });
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].type == FeatureType::kConstant) order.push_back(i);
  table.rows.reserve(rows.size());
  for (std::size_t i : order) table.rows.push_back(std::move(rows[i]));

  // KX selectors on the combined p-value
  if (options.selector != Selector::kFdr) {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < table.rows.size(); ++i)
      if (!std::isnan(table.rows[i].p_value)) candidates.push_back(i);
    for (auto& row : table.rows) row.relevant = false;
    if (options.selector == Selector::kKBest) {
      std::stable_sort(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
        return table.rows[a].p_value < table.rows[b].p_value;
      });
      for (std::size_t k = 0; k < std::min(options.k_best, candidates.size()); ++k)
        table.rows[candidates[k]].relevant = true;
    } else if (!candidates.empty()) {
      std::vector<double> ps;
      for (std::size_t i : candidates) ps.push_back(table.rows[i].p_value);
      const double threshold = linear_quantile(ps, options.percentile);
      for (std::size_t i : candidates) table.rows[i].relevant = table.rows[i].p_value <= threshold;
    }
  }
  return table;
}

Table RelevanceTable::to_table() const {
  const auto flag = [](bool b) { return std::string(b ? "True" : "False"); };
  std::vector<std::string> feature, type, relevant;
  for (const auto& row : rows) {
    feature.push_back(row.feature);
    type.emplace_back(feature_type_name(row.type));
    relevant.push_back(flag(row.relevant));
  }
  Table t;
  t.add_column(Column("feature", std::move(feature)));
  t.add_column(Column("type", std::move(type)));
  if (!multiclass) {
    std::vector<double> p;
    for (const auto& row : rows) p.push_back(row.p_value);
    t.add_column(Column("p_value", std::move(p)));
  } else {
    for (std::size_t l = 0; l < labels.size(); ++l) {
      std::vector<double> p;
      std::vector<std::string> r;
      for (const auto& row : rows) {
        p.push_back(row.label_p.at(l));
        r.push_back(flag(row.label_relevant.at(l) != 0));
      }
      t.add_column(Column("p_value_" + labels[l], std::move(p)));
      t.add_column(Column("relevant_" + labels[l], std::move(r)));
    }
    std::vector<std::int64_t> ns;
    for (const auto& row : rows) ns.push_back(row.n_significant);
    t.add_column(Column("n_significant", std::move(ns)));
  }
  t.add_column(Column("relevant", std::move(relevant)));
  return t;
}

std::vector<std::string> RelevanceTable::relevant_features() const {
  std::vector<std::string> out;
  for (const auto& row : rows)
    if (row.relevant) out.push_back(row.feature);
  return out;
}

Column align_target(const Table& features, const Table& labels, std::string_view label_column,
                    std::string_view id_column) {
  return align_by_id(features, labels, label_column, id_column);
}

Selection select_relevant(const Table& features, const Table& labels,
                          const RelevanceOptions& options, mproc::Executor& executor,
                          std::string_view label_column, std::string_view id_column) {
  const Column target = align_target(features, labels, label_column, id_column);
  Selection s;
  s.relevance = calculate_relevance_table(features, target, options, executor, id_column);
  std::vector<std::string> keep = {std::string(id_column)};
  for (auto& name : s.relevance.relevant_features()) keep.push_back(std::move(name));
  s.selected = features.select(keep);
  return s;
}

}  // namespace freshet::fresh
