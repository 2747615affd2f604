#include "job/outputs.hpp"

#include <cmath>
#include <filesystem>
#include <limits>

#include "core/atomic_file.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "job/report.hpp"
#include "job/stats.hpp"
#include "xval/cross_validate.hpp"

namespace freshet::job {

namespace fs = std::filesystem;

// ---- aggregates -------------------------------------------------------------------------------

std::vector<double> JobResults::fold_scores(std::size_t d, std::size_t p, std::size_t c,
                                            std::size_t m) const {
  std::vector<double> v;
  for (const auto& o : outcomes[d][p][c]) v.push_back(o.scores.at(m));
  return v;
}
double JobResults::mean(std::size_t d, std::size_t p, std::size_t c, std::size_t m) const {
  return xval::mean_of(fold_scores(d, p, c, m));
}
double JobResults::std(std::size_t d, std::size_t p, std::size_t c, std::size_t m) const {
  return xval::std_of(fold_scores(d, p, c, m));
}
std::size_t JobResults::best_candidate(std::size_t d, std::size_t p) const {
  std::size_t best = 0;
  double best_mean = mean(d, p, 0, 0);
  for (std::size_t c = 1; c < num_candidates(d, p); ++c) {
    const double m = mean(d, p, c, 0);
    if (!std::isnan(m) && (std::isnan(best_mean) || m > best_mean)) {
      best = c;
      best_mean = m;
    }
  }
  return best;
}
std::string JobResults::params_text(std::size_t p, std::size_t c) const {
  std::string out;
  for (const auto& [k, v] : spec->pipelines[p].candidates.at(c)) {
    if (!out.empty()) out += ';';
    out += k + "=" + v;
  }
  return out;
}

namespace {

// A CSV built line by line with proper quoting.
class CsvText {
 public:
  explicit CsvText(std::initializer_list<std::string_view> header) {
    for (auto h : header) cell(h);
    end();
  }
  CsvText& cell(std::string_view text) {
    if (!first_) text_ += ',';
    append_csv_field(text_, text);
    first_ = false;
    return *this;
  }
  CsvText& num(double v) { return cell(format_double(v)); }
  CsvText& num(std::size_t v) { return cell(std::to_string(v)); }
  void end() {
    text_ += '\n';
    first_ = true;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  bool first_ = true;
};

void write(const std::string& out, const char* name, const std::string& text) {
  write_file_atomic((fs::path(out) / name).string(), text);
}

}  // namespace

void write_outputs(const JobResults& r, const std::string& out, bool write_report) {
  const JobSpec& spec = *r.spec;
  const auto& scoring = spec.scoring;
  // The candidate a (d, p, c, f) cell reports: nested cells report each fold's choice.
  const auto cand_of = [&](std::size_t d, std::size_t p, std::size_t c, std::size_t f) {
    return r.nested ? static_cast<std::size_t>(r.outcomes[d][p][c][f].chosen) : c;
  };

  CsvText results({"dataset", "pipeline", "candidate", "params", "fold", "metric", "value"});
  CsvText timings(
      {"dataset", "pipeline", "candidate", "fold", "fit_seconds", "score_seconds", "from_journal"});
  CsvText selected({"dataset", "pipeline", "fold", "feature"});
  CsvText predictions(
      {"dataset", "pipeline", "candidate", "fold", "row", "id", "y_true", "y_pred"});
  CsvText candidates(
      {"dataset", "pipeline", "candidate", "params", "metric", "mean", "std", "rank", "is_best"});
  CsvText inner({"dataset", "pipeline", "fold", "candidate", "params", "inner_mean"});
  for (std::size_t d = 0; d < r.datasets.size(); ++d) {
    const DatasetResult& ds = r.datasets[d];
    const auto label = [&](double v) {
      if (!ds.class_names.empty() && v >= 0 && v < static_cast<double>(ds.class_names.size()) &&
          v == std::floor(v))
        return ds.class_names[static_cast<std::size_t>(v)];
      return format_double(v);
    };
    for (std::size_t p = 0; p < spec.pipelines.size(); ++p) {
      const std::string& pid = spec.pipelines[p].id;
      const std::size_t best = r.best_candidate(d, p);
      for (std::size_t c = 0; c < r.num_candidates(d, p); ++c)
        for (std::size_t f = 0; f < ds.n_folds; ++f) {
          const TaskOutcome& o = r.outcomes[d][p][c][f];
          const std::size_t cc = cand_of(d, p, c, f);
          for (std::size_t m = 0; m < scoring.size(); ++m) {
            results.cell(ds.id).cell(pid).num(cc).cell(r.params_text(p, cc)).num(f);
            results.cell(scoring[m]).num(o.scores[m]);
            results.end();
          }
          timings.cell(ds.id).cell(pid).num(cc).num(f).num(o.fit_seconds).num(o.score_seconds);
          timings.cell(o.reused ? "true" : "false");
          timings.end();
          if (c == best) {
            for (auto col : o.selected) {
              selected.cell(ds.id).cell(pid).num(f).cell(ds.feature_names.at(col));
              selected.end();
            }
            for (std::size_t i = 0; i < o.test_rows.size(); ++i) {
              const std::size_t row = o.test_rows[i];
              predictions.cell(ds.id).cell(pid).num(cc).num(f).num(row).cell(ds.row_ids.at(row));
              predictions.cell(label(ds.y.at(row))).cell(label(o.predictions[i]));
              predictions.end();
            }
          }
          if (r.nested)
            for (std::size_t k = 0; k < o.inner_means.size(); ++k) {
              inner.cell(ds.id).cell(pid).num(f).num(k).cell(r.params_text(p, k));
              inner.num(o.inner_means[k]);
              inner.end();
            }
        }
      if (!r.nested) {
        for (std::size_t m = 0; m < scoring.size(); ++m) {
          std::vector<double> means;
          for (std::size_t c = 0; c < r.num_candidates(d, p); ++c)
            means.push_back(r.mean(d, p, c, m));
          const auto ranks = average_ranks(means);
          for (std::size_t c = 0; c < means.size(); ++c) {
            candidates.cell(ds.id).cell(pid).num(c).cell(r.params_text(p, c)).cell(scoring[m]);
            candidates.num(means[c]).num(r.std(d, p, c, m)).num(ranks[c]);
            candidates.cell(c == best ? "true" : "false");
            candidates.end();
          }
        }
      }
    }
  }

  // summary.csv: per dataset, metric: each pipeline's best candidate, ranked among pipelines.
  CsvText summary(
      {"dataset", "pipeline", "best_candidate", "best_params", "metric", "mean", "std", "rank"});
  for (std::size_t d = 0; d < r.datasets.size(); ++d)
    for (std::size_t m = 0; m < scoring.size(); ++m) {
      std::vector<double> means;
      for (std::size_t p = 0; p < spec.pipelines.size(); ++p)
        means.push_back(r.mean(d, p, r.best_candidate(d, p), m));
      const auto ranks = average_ranks(means);
      for (std::size_t p = 0; p < spec.pipelines.size(); ++p) {
        const std::size_t b = r.best_candidate(d, p);
        summary.cell(r.datasets[d].id).cell(spec.pipelines[p].id);
        if (r.nested)
          summary.cell("nested").cell("");
        else
          summary.num(b).cell(r.params_text(p, b));
        summary.cell(scoring[m]).num(means[p]).num(r.std(d, p, b, m)).num(ranks[p]);
        summary.end();
      }
    }

  nlohmann::json resolved = spec.resolved;
  write(out, "results.csv", results.text());
  write(out, "summary.csv", summary.text());
  if (!r.nested) write(out, "candidates.csv", candidates.text());
  if (r.nested) write(out, "inner_results.csv", inner.text());
  write(out, "selected_features.csv", selected.text());
  write(out, "predictions.csv", predictions.text());
  write(out, "timings.csv", timings.text());
  write(out, "job.resolved.json", resolved.dump(2) + "\n");
  if (write_report) write(out, "report.html", render_report(r));
}

}  // namespace freshet::job
