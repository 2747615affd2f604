#include "job/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/format.hpp"
#include "core/html.hpp"
#include "job/stats.hpp"
#include "ml/metrics.hpp"

namespace freshet::job {

namespace {

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
const char* color(std::size_t i) { return kPalette[i % 10]; }

std::string fixed(double v, int digits = 4) {
  if (std::isnan(v)) return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
// SVG coordinates: two decimals are plenty and keep the bytes stable.
std::string px(double v) { return fixed(v, 2); }

std::string short_num(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// "Nice" axis ticks covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int target = 5) {
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  std::vector<double> out;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

struct Scale {
  double d0, d1, r0, r1;
  double operator()(double v) const {
    return d1 == d0 ? (r0 + r1) / 2 : r0 + (v - d0) / (d1 - d0) * (r1 - r0);
  }
};

// Range of values padded a little, with nice ends.
std::pair<double, double> padded_range(const std::vector<double>& values) {
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values)
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  if (!std::isfinite(lo)) return {0, 1};
  if (hi - lo < 1e-12) {
    const double pad = std::max(std::abs(lo) * 0.05, 0.01);
    return {lo - pad, hi + pad};
  }
  const double pad = (hi - lo) * 0.08;
  return {lo - pad, hi + pad};
}

double quantile(std::vector<double> v, double q) {  // numpy's linear interpolation
  std::sort(v.begin(), v.end());
  if (v.empty()) return NAN;
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(pos));
  const double frac = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] + frac * (v[i + 1] - v[i]) : v[i];
}

std::string svg_open(double w, double h, const std::string& label) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px(w) + "\" height=\"" + px(h) +
         "\" viewBox=\"0 0 " + px(w) + " " + px(h) + "\" role=\"img\" aria-label=\"" +
         html_escape(label) + "\">\n";
}
std::string text(double x, double y, const std::string& s, const char* anchor = "start",
                 const std::string& extra = "") {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"" + anchor + "\"" + extra +
         ">" + html_escape(s) + "</text>\n";
}
std::string line(double x1, double y1, double x2, double y2, const char* stroke = "#333",
                 double width = 1) {
  return "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) +
         "\" stroke=\"" + stroke + "\" stroke-width=\"" + px(width) + "\"/>\n";
}

// Horizontal box plot with every fold's score as a point; one row per pipeline.
std::string box_plot(const std::vector<std::string>& names,
                     const std::vector<std::vector<double>>& scores, const std::string& metric) {
  const double left = 170, right = 30, row = 34, top = 16, bottom = 44, width = 760;
  const double height = top + row * static_cast<double>(names.size()) + bottom;
  std::vector<double> all;
  for (const auto& s : scores) all.insert(all.end(), s.begin(), s.end());
  auto [lo, hi] = padded_range(all);
  const auto tk = ticks(lo, hi);
  lo = std::min(lo, tk.front());
  hi = std::max(hi, tk.back());
  const Scale x{lo, hi, left, width - right};
  std::string s = svg_open(width, height, "fold scores per pipeline (" + metric + ")");
  const double axis_y = top + row * static_cast<double>(names.size()) + 4;
  for (double t : tk) {
    s += line(x(t), top - 4, x(t), axis_y, "#e3e3e3");
    s += text(x(t), axis_y + 16, short_num(t), "middle");
  }
  s += line(left, axis_y, width - right, axis_y);
  s += text((left + width - right) / 2, axis_y + 34, metric + " per outer fold", "middle");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double cy = top + row * (static_cast<double>(i) + 0.5);
    s += text(left - 8, cy + 4, names[i], "end");
    const auto& v = scores[i];
    std::vector<double> finite;
    for (double d : v)
      if (std::isfinite(d)) finite.push_back(d);
    if (finite.empty()) continue;
    const double q1 = quantile(finite, 0.25), q2 = quantile(finite, 0.5),
                 q3 = quantile(finite, 0.75);
    const double mn = *std::min_element(finite.begin(), finite.end());
    const double mx = *std::max_element(finite.begin(), finite.end());
    s += line(x(mn), cy, x(q1), cy, "#555");
    s += line(x(q3), cy, x(mx), cy, "#555");
    s += line(x(mn), cy - 6, x(mn), cy + 6, "#555");
    s += line(x(mx), cy - 6, x(mx), cy + 6, "#555");
    s += "<rect x=\"" + px(x(q1)) + "\" y=\"" + px(cy - 11) + "\" width=\"" +
         px(std::max(x(q3) - x(q1), 1.0)) + "\" height=\"22\" fill=\"" + color(i) +
         "\" fill-opacity=\"0.35\" stroke=\"" + color(i) + "\"/>\n";
    s += line(x(q2), cy - 11, x(q2), cy + 11, "#222", 2);
    for (std::size_t f = 0; f < v.size(); ++f) {
      if (!std::isfinite(v[f])) continue;
      // Deterministic vertical jitter by fold index, so equal scores stay visible.
      const double jitter = (static_cast<double>(f % 5) - 2.0) * 3.0;
      s += "<circle cx=\"" + px(x(v[f])) + "\" cy=\"" + px(cy + jitter) + "\" r=\"3.2\" fill=\"" +
           color(i) + "\" stroke=\"#222\" stroke-width=\"0.6\"><title>fold " + std::to_string(f) +
           ": " + short_num(v[f]) + "</title></circle>\n";
    }
  }
  return s + "</svg>\n";
}

// Mean score against one parameter's values (the best mean among candidates sharing the value).
std::string response_plot(const std::string& title, const std::vector<std::string>& values,
                          const std::vector<double>& means, const std::string& metric) {
  const double width = 370, height = 240, left = 56, right = 16, top = 26, bottom = 46;
  bool numeric = true;
  std::vector<double> xs;
  for (const auto& v : values) {
    double d;
    if (!parse_double(v, d) || !std::isfinite(d)) {
      numeric = false;
      break;
    }
    xs.push_back(d);
  }
  std::vector<std::size_t> order(values.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  bool logx = false;
  if (numeric) {
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return xs[a] < xs[b]; });
    const double mn = *std::min_element(xs.begin(), xs.end());
    const double mx = *std::max_element(xs.begin(), xs.end());
    logx = mn > 0 && mx / mn >= 50;
  }
  std::string s = svg_open(width, height, title);
  s += text(width / 2, 16, title, "middle", " font-weight=\"bold\"");
  auto [lo, hi] = padded_range(means);
  const auto tk = ticks(lo, hi, 4);
  lo = std::min(lo, tk.front());
  hi = std::max(hi, tk.back());
  const Scale y{lo, hi, height - bottom, top};
  for (double t : tk) {
    s += line(left, y(t), width - right, y(t), "#e3e3e3");
    s += text(left - 6, y(t) + 4, short_num(t), "end");
  }
  const std::size_t n = values.size();
  const auto xpos = [&](std::size_t k) {  // k: index into `order`
    if (!numeric || n == 1)
      return left +
             (width - left - right) * (static_cast<double>(k) + 0.5) / static_cast<double>(n);
    const double a = logx ? std::log10(xs[order.front()]) : xs[order.front()];
    const double b = logx ? std::log10(xs[order.back()]) : xs[order.back()];
    const double v = logx ? std::log10(xs[order[k]]) : xs[order[k]];
    return Scale{a, b, left + 12, width - right - 12}(v);
  };
  std::string path;
  for (std::size_t k = 0; k < n; ++k) {
    const double m = means[order[k]];
    if (!std::isfinite(m)) continue;
    path += (path.empty() ? "M" : " L") + px(xpos(k)) + " " + px(y(m));
  }
  if (!path.empty())
    s += "<path d=\"" + path + "\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\"/>\n";
  std::size_t best = 0;
  for (std::size_t i = 1; i < n; ++i)
    if (std::isfinite(means[i]) && (!std::isfinite(means[best]) || means[i] > means[best]))
      best = i;
  for (std::size_t k = 0; k < n; ++k) {
    const double m = means[order[k]];
    if (!std::isfinite(m)) continue;
    s += "<circle cx=\"" + px(xpos(k)) + "\" cy=\"" + px(y(m)) + "\" r=\"4\" fill=\"" +
         (order[k] == best ? "#e15759" : "#4e79a7") + "\"><title>" + html_escape(values[order[k]]) +
         ": " + short_num(m) + "</title></circle>\n";
    // Categorical axes label every value; numeric ones get their own ticks below.
    if (!numeric) s += text(xpos(k), height - bottom + 16, values[order[k]], "middle");
  }
  if (numeric && n > 1) {
    const double a = xs[order.front()], b = xs[order.back()];
    const Scale sx{logx ? std::log10(a) : a, logx ? std::log10(b) : b, left + 12,
                   width - right - 12};
    std::vector<double> tx;
    if (logx) {
      for (double e = std::ceil(std::log10(a) - 1e-9); e <= std::log10(b) + 1e-9; e += 1)
        tx.push_back(std::pow(10.0, e));
    } else {
      for (double t : ticks(a, b, 4))
        if (t >= a - 1e-12 && t <= b + 1e-12) tx.push_back(t);
    }
    for (double t : tx) {
      const double at = sx(logx ? std::log10(t) : t);
      s += line(at, height - bottom, at, height - bottom + 4);
      s += text(at, height - bottom + 16, short_num(t), "middle");
    }
  }
  s += line(left, height - bottom, width - right, height - bottom);
  s += text((left + width - right) / 2, height - 8,
            std::string(logx ? "(log scale) " : "") + "mean " + metric, "middle");
  return s + "</svg>\n";
}

std::string confusion_plot(const std::vector<std::string>& labels,
                           const std::vector<std::vector<std::int64_t>>& counts) {
  const std::size_t k = labels.size();
  const double cell =
      std::clamp(360.0 / static_cast<double>(std::max<std::size_t>(k, 1)), 22.0, 70.0);
  const double left = 130, top = 40;
  const double width = left + cell * static_cast<double>(k) + 20;
  const double height = top + cell * static_cast<double>(k) + 50;
  std::int64_t mx = 1;
  for (const auto& r : counts)
    for (auto c : r) mx = std::max(mx, c);
  std::string s = svg_open(width, height, "confusion matrix");
  s += text(left + cell * static_cast<double>(k) / 2, 14, "predicted", "middle",
            " font-weight=\"bold\"");
  for (std::size_t j = 0; j < k; ++j)
    s += text(left + cell * (static_cast<double>(j) + 0.5), top - 8, labels[j], "middle");
  for (std::size_t i = 0; i < k; ++i) {
    const double y0 = top + cell * static_cast<double>(i);
    s += text(left - 8, y0 + cell / 2 + 4, labels[i], "end");
    for (std::size_t j = 0; j < k; ++j) {
      const double frac = static_cast<double>(counts[i][j]) / static_cast<double>(mx);
      const double x0 = left + cell * static_cast<double>(j);
      s += "<rect x=\"" + px(x0) + "\" y=\"" + px(y0) + "\" width=\"" + px(cell) + "\" height=\"" +
           px(cell) + "\" fill=\"" + (i == j ? "#4e79a7" : "#e15759") + "\" fill-opacity=\"" +
           fixed(0.08 + 0.85 * frac, 3) + "\" stroke=\"#fff\"/>\n";
      s += text(x0 + cell / 2, y0 + cell / 2 + 4, std::to_string(counts[i][j]), "middle",
                frac > 0.6 ? " fill=\"#fff\"" : "");
    }
  }
  s += text(24, top + cell * static_cast<double>(k) / 2, "true", "middle",
            " font-weight=\"bold\" transform=\"rotate(-90 24 " +
                px(top + cell * static_cast<double>(k) / 2) + ")\"");
  return s + "</svg>\n";
}

std::string scatter_plot(const std::vector<double>& truth, const std::vector<double>& pred) {
  const double size = 400, left = 60, bottom = 50, top = 14, right = 14;
  std::vector<double> all = truth;
  all.insert(all.end(), pred.begin(), pred.end());
  auto [lo, hi] = padded_range(all);
  const auto tk = ticks(lo, hi, 5);
  lo = std::min(lo, tk.front());
  hi = std::max(hi, tk.back());
  const Scale x{lo, hi, left, size - right}, y{lo, hi, size - bottom, top};
  std::string s = svg_open(size, size, "predicted against true");
  for (double t : tk) {
    s += line(x(t), top, x(t), size - bottom, "#eee");
    s += line(left, y(t), size - right, y(t), "#eee");
    s += text(x(t), size - bottom + 16, short_num(t), "middle");
    s += text(left - 6, y(t) + 4, short_num(t), "end");
  }
  s += line(x(lo), y(lo), x(hi), y(hi), "#999");  // y = x
  for (std::size_t i = 0; i < truth.size(); ++i)
    s += "<circle cx=\"" + px(x(truth[i])) + "\" cy=\"" + px(y(pred[i])) +
         "\" r=\"2.6\" fill=\"#4e79a7\" fill-opacity=\"0.6\"/>\n";
  s += text((left + size - right) / 2, size - 8, "true (predicted on the y axis)", "middle");
  return s + "</svg>\n";
}

// Demšar's critical-difference diagram: mean ranks on an axis (1 = best, left), the CD as a bar,
// and thick lines joining pipelines whose mean ranks differ by less than the CD.
std::string cd_diagram(const std::vector<std::string>& names, const std::vector<double>& ranks,
                       std::optional<double> cd) {
  const std::size_t k = names.size();
  const double width = 760, left = 170, right = 170, axis_y = 70;
  const double height = axis_y + 30 + 22.0 * static_cast<double>((k + 1) / 2) + 40;
  const Scale x{1, static_cast<double>(k), left, width - right};
  std::string s = svg_open(width, height, "critical difference diagram");
  s += line(x(1), axis_y, x(static_cast<double>(k)), axis_y, "#222", 1.5);
  for (std::size_t r = 1; r <= k; ++r) {
    s += line(x(static_cast<double>(r)), axis_y - 6, x(static_cast<double>(r)), axis_y, "#222");
    s += text(x(static_cast<double>(r)), axis_y - 10, std::to_string(r), "middle");
  }
  if (cd) {
    s += line(x(1), 22, x(1 + *cd), 22, "#c00", 2);
    s += line(x(1), 16, x(1), 28, "#c00", 2);
    s += line(x(1 + *cd), 16, x(1 + *cd), 28, "#c00", 2);
    s += text(x(1) + (x(1 + *cd) - x(1)) / 2, 12, "CD = " + fixed(*cd, 3), "middle");
  }
  std::vector<std::size_t> order(k);
  for (std::size_t i = 0; i < k; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return ranks[a] < ranks[b]; });
  const std::size_t half = (k + 1) / 2;
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t j = order[i];
    const bool left_side = i < half;
    const std::size_t slot = left_side ? i : k - 1 - i;
    const double ly = axis_y + 30 + 22.0 * static_cast<double>(slot);
    const double rx = x(ranks[j]);
    const double ex = left_side ? left - 10 : width - right + 10;
    s += "<path d=\"M" + px(rx) + " " + px(axis_y) + " L" + px(rx) + " " + px(ly) + " L" + px(ex) +
         " " + px(ly) + "\" fill=\"none\" stroke=\"" + color(j) + "\" stroke-width=\"1.4\"/>\n";
    s += text(left_side ? ex - 4 : ex + 4, ly + 4, names[j] + " (" + fixed(ranks[j], 2) + ")",
              left_side ? "end" : "start");
  }
  if (cd) {
    // Maximal groups of consecutive (by rank) pipelines within CD of each other.
    std::vector<std::pair<std::size_t, std::size_t>> groups;
    for (std::size_t a = 0; a < k; ++a) {
      std::size_t b = a;
      while (b + 1 < k && ranks[order[b + 1]] - ranks[order[a]] < *cd) ++b;
      if (b > a && (groups.empty() || b > groups.back().second)) groups.push_back({a, b});
    }
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const double gy = axis_y + 12 + 6.0 * static_cast<double>(g % 3);
      s += line(x(ranks[order[groups[g].first]]) - 4, gy, x(ranks[order[groups[g].second]]) + 4, gy,
                "#111", 3.5);
    }
  }
  return s + "</svg>\n";
}

const char* kStyle =
    R"(body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;line-height:1.4}
h1{font-size:26px;margin-bottom:4px}h2{font-size:21px;border-bottom:2px solid #4e79a7;padding-bottom:4px;margin-top:36px}
h3{font-size:16px;margin:22px 0 8px}table{border-collapse:collapse;margin:8px 0;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}th{background:#f0f3f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.best td{background:#eef6ee;font-weight:600}.note{color:#666;font-size:13px}.plots{display:flex;flex-wrap:wrap;gap:10px}
svg{font-size:12px;background:#fff}code{background:#f4f4f4;padding:1px 4px})";

}  // namespace

std::string render_report(const JobResults& r) {
  const JobSpec& spec = *r.spec;
  const auto& scoring = spec.scoring;
  std::string h;
  h +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>freshet job " +
      html_escape(spec.name) + "</title>\n<style>\n" + kStyle + "\n</style>\n</head>\n<body>\n";
  h += "<h1>Job <code>" + html_escape(spec.name) + "</code></h1>\n";
  h += "<section id=\"summary\">\n<p class=\"note\">freshet " + html_escape(freshet_version()) +
       " &middot; " + std::to_string(r.datasets.size()) + " dataset(s) &times; " +
       std::to_string(spec.pipelines.size()) + " pipeline(s); outer CV <code>" +
       html_escape(spec.cv) + "</code>" +
       (r.nested ? "; nested search, inner CV <code>" + html_escape(spec.inner_cv) + "</code>"
                 : std::string()) +
       "; scorers " + html_escape([&] {
         std::string s;
         for (const auto& m : scoring) s += (s.empty() ? "" : ", ") + m;
         return s;
       }()) +
       "; seed " + std::to_string(spec.seed) + ".</p>\n";
  h += "<table><tr><th>pipeline</th><th>spec</th><th>search</th><th>candidates</th></tr>\n";
  for (const auto& p : spec.pipelines)
    h += "<tr><td>" + html_escape(p.id) + "</td><td><code>" + html_escape(p.spec) +
         "</code></td><td>" + html_escape(p.search) + "</td><td class=\"num\">" +
         std::to_string(p.candidates.size()) + "</td></tr>\n";
  h += "</table>\n<table><tr><th>dataset</th><th>rows</th><th>features</th><th>selection (in each "
       "training fold)</th><th>outer folds</th></tr>\n";
  for (std::size_t d = 0; d < r.datasets.size(); ++d)
    h += "<tr><td>" + html_escape(r.datasets[d].id) + "</td><td class=\"num\">" +
         std::to_string(r.datasets[d].rows) + "</td><td class=\"num\">" +
         std::to_string(r.datasets[d].feature_names.size()) + "</td><td><code>" +
         html_escape(spec.datasets[d].select_step.empty() ? "none" : spec.datasets[d].select_step) +
         "</code></td><td class=\"num\">" + std::to_string(r.datasets[d].n_folds) + "</td></tr>\n";
  h += "</table>\n";
  if (!r.nested)
    h += "<p class=\"note\">Without inner CV, a pipeline's score is its best candidate's mean over "
         "the outer folds (as GridSearchCV's best_score_): optimistic when many candidates are "
         "searched. Set <code>inner_cv</code> for an unbiased (nested) estimate.</p>\n";
  h += "</section>\n";

  // Across datasets.
  const std::size_t P = spec.pipelines.size();
  std::vector<std::string> names;
  for (const auto& p : spec.pipelines) names.push_back(p.id);
  h += "<section id=\"across-datasets\">\n<h2>Across datasets</h2>\n";
  std::vector<std::vector<double>> table;
  for (std::size_t d = 0; d < r.datasets.size(); ++d) {
    table.emplace_back();
    for (std::size_t p = 0; p < P; ++p)
      table.back().push_back(r.mean(d, p, r.best_candidate(d, p), 0));
  }
  if (P >= 2) {
    const FriedmanResult fr = friedman_nemenyi(table);
    h += "<table><tr><th>pipeline</th><th>mean rank (" + html_escape(scoring[0]) +
         ", 1 = best)</th>";
    for (const auto& ds : r.datasets) h += "<th>" + html_escape(ds.id) + "</th>";
    h += "</tr>\n";
    std::size_t top = 0;
    for (std::size_t p = 1; p < P; ++p)
      if (fr.mean_ranks[p] < fr.mean_ranks[top]) top = p;
    for (std::size_t p = 0; p < P; ++p) {
      h += std::string("<tr") + (p == top ? " class=\"best\"" : "") + "><td>" +
           html_escape(names[p]) + "</td><td class=\"num\">" + fixed(fr.mean_ranks[p], 3) + "</td>";
      for (std::size_t d = 0; d < r.datasets.size(); ++d)
        h += "<td class=\"num\">" + fixed(table[d][p]) + "</td>";
      h += "</tr>\n";
    }
    h += "</table>\n";
    if (r.datasets.size() >= 2) {
      h += "<p>Friedman test over " + std::to_string(fr.n) + " datasets and " +
           std::to_string(fr.k) + " pipelines: &chi;&sup2;<sub>F</sub> = " + fixed(fr.chi2, 4) +
           " (p = " + short_num(fr.p_chi2) + "); Iman-Davenport F<sub>F</sub> = " + fixed(fr.f, 4) +
           " (p = " + short_num(fr.p_f) + ").</p>\n";
      h += "<div id=\"cd-diagram\">\n" + cd_diagram(names, fr.mean_ranks, fr.critical_difference) +
           "</div>\n";
      h += "<p class=\"note\">" +
           std::string(
               fr.critical_difference
                   ? "Nemenyi critical difference at &alpha; = 0.05 with q<sub>&alpha;</sub> "
                     "from Dem&scaron;ar (2006), Table 5(a); pipelines joined by a bar do "
                     "not differ significantly."
                   : "No critical difference: the Nemenyi q table (Dem&scaron;ar 2006) "
                     "covers 2 to 10 pipelines.") +
           " With few datasets the test has little power.</p>\n";
    } else {
      h += "<p class=\"note\">The Friedman test and the critical-difference diagram need at least "
           "two datasets.</p>\n";
    }
  } else {
    h += "<p class=\"note\">Ranks need at least two pipelines.</p>\n";
  }
  h += "</section>\n";

  for (std::size_t d = 0; d < r.datasets.size(); ++d) {
    const DatasetResult& ds = r.datasets[d];
    const std::string id = html_escape(ds.id);
    h += "<section id=\"dataset-" + id + "\">\n<h2>Dataset <code>" + id + "</code></h2>\n";
    h += "<p class=\"note\">" + std::to_string(ds.rows) + " rows, " +
         std::to_string(ds.feature_names.size()) + " features, " + std::to_string(ds.n_folds) +
         " outer folds.</p>\n";
    // Ranking table.
    std::vector<double> first;
    for (std::size_t p = 0; p < P; ++p) first.push_back(table[d][p]);
    const auto ranks = average_ranks(first);
    h += "<div id=\"ranking-" + id +
         "\">\n<h3>Ranking</h3>\n<table><tr><th>rank</th><th>pipeline</th>"
         "<th>best candidate</th>";
    for (const auto& m : scoring) h += "<th>" + html_escape(m) + " (mean &plusmn; std)</th>";
    h += "</tr>\n";
    std::vector<std::size_t> order(P);
    for (std::size_t p = 0; p < P; ++p) order[p] = p;
    std::stable_sort(order.begin(), order.end(),
                     [&](auto a, auto b) { return ranks[a] < ranks[b]; });
    for (std::size_t p : order) {
      const std::size_t b = r.best_candidate(d, p);
      h += std::string("<tr") + (p == order.front() ? " class=\"best\"" : "") +
           "><td class=\"num\">" + fixed(ranks[p], 1) + "</td><td>" + html_escape(names[p]) +
           "</td><td><code>" +
           html_escape(r.nested                      ? "nested (per-fold choice)"
                       : r.params_text(p, b).empty() ? "-"
                                                     : r.params_text(p, b)) +
           "</code></td>";
      for (std::size_t m = 0; m < scoring.size(); ++m)
        h += "<td class=\"num\">" + fixed(r.mean(d, p, b, m)) + " &plusmn; " +
             fixed(r.std(d, p, b, m)) + "</td>";
      h += "</tr>\n";
    }
    h += "</table>\n</div>\n";
    // Fold scores.
    std::vector<std::vector<double>> folds;
    for (std::size_t p = 0; p < P; ++p)
      folds.push_back(r.fold_scores(d, p, r.best_candidate(d, p), 0));
    h += "<div id=\"folds-" + id + "\">\n<h3>Fold scores (" + html_escape(scoring[0]) +
         ", each pipeline's best candidate)</h3>\n" + box_plot(names, folds, scoring[0]) +
         "</div>\n";
    // Parameter response.
    h += "<div id=\"response-" + id + "\">\n<h3>Parameter response</h3>\n<div class=\"plots\">\n";
    bool any = false;
    for (std::size_t p = 0; p < P; ++p) {
      const JobPipeline& pl = spec.pipelines[p];
      if (pl.candidates.size() < 2) continue;
      // Mean first-scorer score per candidate: outer means, or inner means averaged over folds.
      std::vector<double> cand_mean(pl.candidates.size(), NAN);
      for (std::size_t c = 0; c < pl.candidates.size(); ++c) {
        if (!r.nested) {
          cand_mean[c] = r.mean(d, p, c, 0);
        } else {
          std::vector<double> v;
          for (const auto& o : r.outcomes[d][p][0])
            if (c < o.inner_means.size()) v.push_back(o.inner_means[c]);
          double s = 0;
          for (double x : v) s += x;
          cand_mean[c] = v.empty() ? NAN : s / static_cast<double>(v.size());
        }
      }
      for (const auto& param : pl.searched) {
        std::map<std::string, double> best_by_value;
        std::vector<std::string> values;
        for (std::size_t c = 0; c < pl.candidates.size(); ++c) {
          const auto it = pl.candidates[c].find(param);
          if (it == pl.candidates[c].end()) continue;
          auto [pos, inserted] = best_by_value.emplace(it->second, cand_mean[c]);
          if (inserted)
            values.push_back(it->second);
          else if (std::isnan(pos->second) || cand_mean[c] > pos->second)
            pos->second = cand_mean[c];
        }
        std::vector<double> means;
        for (const auto& v : values) means.push_back(best_by_value[v]);
        h += response_plot(pl.id + ": " + param, values, means,
                           scoring[0] + (r.nested ? " (inner CV)" : ""));
        any = true;
      }
    }
    if (!any) h += "<p class=\"note\">No pipeline searches parameters.</p>\n";
    h += "</div>\n</div>\n";
    // Best pipeline's predictions.
    const std::size_t bp = order.front();
    const std::size_t bc = r.best_candidate(d, bp);
    std::vector<double> truth, pred;
    for (const auto& o : r.outcomes[d][bp][bc])
      for (std::size_t i = 0; i < o.test_rows.size(); ++i) {
        truth.push_back(ds.y[o.test_rows[i]]);
        pred.push_back(o.predictions[i]);
      }
    h += "<div id=\"best-" + id + "\">\n<h3>Best pipeline: <code>" + html_escape(names[bp]) +
         "</code>, out-of-fold predictions</h3>\n";
    if (ds.classification) {
      const ConfusionMatrix cm = confusion_matrix(truth, pred);
      std::vector<std::string> labels;
      for (double l : cm.labels)
        labels.push_back(!ds.class_names.empty() && l >= 0 &&
                                 l < static_cast<double>(ds.class_names.size())
                             ? ds.class_names[static_cast<std::size_t>(l)]
                             : short_num(l));
      std::vector<std::vector<std::int64_t>> counts(cm.labels.size());
      for (std::size_t i = 0; i < cm.labels.size(); ++i)
        for (std::size_t j = 0; j < cm.labels.size(); ++j) counts[i].push_back(cm.at(i, j));
      h += confusion_plot(labels, counts);
    } else {
      h += scatter_plot(truth, pred);
    }
    h += "</div>\n</section>\n";
  }
  h += "<footer class=\"note\"><p>Written by freshet " + html_escape(freshet_version()) +
       " (<code>freshet run</code>). Self-contained: no scripts, no network.</p></footer>\n";
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace freshet::job
