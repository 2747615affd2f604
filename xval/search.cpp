#include "xval/search.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "core/error.hpp"
#include "core/format.hpp"
#include "ml/metrics.hpp"
#include "ml/model.hpp"
#include "xval/numpy_random.hpp"

namespace freshet::xval {
namespace {

// scipy.stats.rankdata(-means, method="min") after sklearn's NaN -> (nanmin - 1).
std::vector<int> rank_min(std::vector<double> means) {
  const std::size_t n = means.size();
  bool all_nan = true;
  double lo = INFINITY;
  for (double m : means)
    if (!std::isnan(m)) all_nan = false, lo = std::min(lo, m);
  if (all_nan) return std::vector<int>(n, 1);
  for (double& m : means)
    if (std::isnan(m)) m = lo - 1;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return means[a] > means[b]; });
  std::vector<int> rank(n);
  for (std::size_t p = 0; p < n; ++p) {
    const bool tie = p > 0 && means[order[p]] == means[order[p - 1]];
    rank[order[p]] = tie ? rank[order[p - 1]] : static_cast<int>(p) + 1;
  }
  return rank;
}

}  // namespace

SearchResult search(const Dataset& full, const Splitter& splitter, const SearchOptions& options,
                    mproc::Executor& executor, std::vector<std::string>* warnings) {
  if (options.candidates.empty()) throw Error(Errc::kInvalidArgument, "search: no candidates");
  if (!(options.holdout >= 0 && options.holdout < 1))
    throw Error(Errc::kInvalidArgument,
                "search: holdout must be in [0, 1), got " + format_double(options.holdout));
  SearchResult r;
  r.scoring = options.scoring.empty() ? std::vector<std::string>{default_scorer(options.model)}
                                      : options.scoring;
  r.candidates = options.candidates;
  std::set<std::string> names;
  for (const auto& c : r.candidates)
    for (const auto& kv : c) names.insert(kv.first);
  r.param_names.assign(names.begin(), names.end());
  for (const auto& c : r.candidates) r.candidate_specs.push_back(options.model.with_params(c));

  // Hold-out (KX's hp.i.search): order = til N or a permutation; the first floor(N*(1-h)) rows
  // are searched, the rest held out.
  const std::size_t n = full.num_rows();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::optional<Dataset> subset;
  std::optional<Dataset> holdout;
  if (options.holdout > 0) {
    if (options.holdout_shuffle) order = RandomState(options.random_state).permutation(n);
    const auto cut =
        static_cast<std::size_t>(std::floor(static_cast<double>(n) * (1 - options.holdout)));
    if (cut == 0 || cut == n)
      throw Error(Errc::kInvalidArgument, "search: holdout " + format_double(options.holdout) +
                                              " leaves no rows to search or to hold out");
    subset = full.take(std::span<const std::size_t>(order.data(), cut));
    holdout = full.take(std::span<const std::size_t>(order.data() + cut, n - cut));
  }
  const Dataset& data = subset ? *subset : full;
  r.n_search_rows = data.num_rows();
  r.n_holdout_rows = holdout ? holdout->num_rows() : 0;

  const Folds folds = splitter.split(data.split_data(warnings));
  r.n_splits = folds.size();
  r.scores = evaluate(data, folds, r.candidate_specs, r.scoring, executor);

  const std::size_t nc = r.candidates.size();
  for (std::size_t s = 0; s < r.scoring.size(); ++s) {
    std::vector<double> means(nc), stds(nc);
    for (std::size_t c = 0; c < nc; ++c) {
      std::vector<double> v(r.n_splits);
      for (std::size_t k = 0; k < r.n_splits; ++k) v[k] = r.split_score(s, c, k);
      means[c] = mean_of(v);
      stds[c] = std_of(v);
    }
    r.rank_test.push_back(rank_min(means));
    r.mean_test.push_back(std::move(means));
    r.std_test.push_back(std::move(stds));
  }
  const auto& rank0 = r.rank_test[0];
  r.best_index =
      static_cast<std::size_t>(std::min_element(rank0.begin(), rank0.end()) - rank0.begin());
  r.best_score = r.mean_test[0][r.best_index];

  if (options.refit || holdout) {
    r.best_model.emplace(r.candidate_specs[r.best_index]);
    r.best_model->fit(data.X, data.y);
    if (holdout)
      for (const auto& s : r.scoring)
        r.holdout_scores.push_back(r.best_model->score(s, holdout->X, holdout->y));
    if (!options.refit) r.best_model.reset();
  }
  return r;
}

Table cv_results_table(const SearchResult& r) {
  Table t;
  const std::size_t nc = r.candidates.size();
  std::vector<std::int64_t> idx(nc);
  std::iota(idx.begin(), idx.end(), std::int64_t{0});
  t.add_column(Column("candidate", idx));
  for (const auto& p : r.param_names) {
    std::vector<std::string> v(nc);
    for (std::size_t c = 0; c < nc; ++c) {
      auto it = r.candidates[c].find(p);
      v[c] = it == r.candidates[c].end() ? "" : it->second;
    }
    t.add_column(Column(p, v));
  }
  const bool single = r.scoring.size() == 1;
  for (std::size_t s = 0; s < r.scoring.size(); ++s) {
    const std::string suffix = single ? "score" : r.scoring[s];
    t.add_column(Column("mean_test_" + suffix, r.mean_test[s]));
    t.add_column(Column("std_test_" + suffix, r.std_test[s]));
    std::vector<std::int64_t> rank(r.rank_test[s].begin(), r.rank_test[s].end());
    t.add_column(Column("rank_test_" + suffix, rank));
    for (std::size_t k = 0; k < r.n_splits; ++k) {
      std::vector<double> v(nc);
      for (std::size_t c = 0; c < nc; ++c) v[c] = r.split_score(s, c, k);
      t.add_column(Column("split" + std::to_string(k) + "_test_" + suffix, v));
    }
  }
  std::vector<std::string> best(nc, "False");
  best[r.best_index] = "True";
  t.add_column(Column("is_best", best));
  std::vector<double> mf(nc), sf(nc), ms(nc), ss(nc);
  for (std::size_t c = 0; c < nc; ++c) {
    std::vector<double> fit(r.n_splits), sc(r.n_splits);
    for (std::size_t k = 0; k < r.n_splits; ++k) {
      const auto& f = r.scores[c * r.n_splits + k];
      fit[k] = f.fit_seconds;
      sc[k] = std::accumulate(f.score_seconds.begin(), f.score_seconds.end(), 0.0);
    }
    mf[c] = mean_of(fit), sf[c] = std_of(fit), ms[c] = mean_of(sc), ss[c] = std_of(sc);
  }
  t.add_column(Column("mean_fit_time", mf));
  t.add_column(Column("std_fit_time", sf));
  t.add_column(Column("mean_score_time", ms));
  t.add_column(Column("std_score_time", ss));
  return t;
}

Table best_estimator_table(const SearchResult& r) {
  std::vector<std::string> term, value;
  for (const auto& [k, v] : r.candidates[r.best_index]) {
    term.push_back(k);
    value.push_back(v);
  }
  if (r.best_model) {
    if (auto lc = r.best_model->model().linear_coefficients()) {
      const bool one = lc->coef.rows() == 1;
      for (Eigen::Index i = 0; i < lc->intercept.size(); ++i) {
        term.push_back(one ? "intercept" : "intercept_" + std::to_string(i));
        value.push_back(format_double(lc->intercept[i]));
      }
      for (Eigen::Index i = 0; i < lc->coef.rows(); ++i)
        for (Eigen::Index j = 0; j < lc->coef.cols(); ++j) {
          term.push_back(one ? "coef_" + std::to_string(j)
                             : "coef_" + std::to_string(i) + "_" + std::to_string(j));
          value.push_back(format_double(lc->coef(i, j)));
        }
    }
  }
  Table t;
  t.add_column(Column("term", term));
  t.add_column(Column("value", value));
  return t;
}

}  // namespace freshet::xval
