// Calculators: autocorrelation, linear trends (scipy.stats.linregress semantics), mass quantiles.
#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

#include "fresh/calc_util.hpp"

namespace freshet::fresh {

namespace detail {

int linregress_attr(const std::string& attr) {
  if (attr == "pvalue") return 0;
  if (attr == "rvalue") return 1;
  if (attr == "intercept") return 2;
  if (attr == "slope") return 3;
  if (attr == "stderr") return 4;
  return -1;
}

LinregressResult linregress(std::span<const double> x, std::span<const double> y,
                            bool with_pvalue) {
  LinregressResult r;
  const std::size_t n = x.size();
  if (n == 0) return r;
  const double dn = static_cast<double>(n);
  const double xmean = pairwise_sum(x) / dn;
  const double ymean = pairwise_sum(y) / dn;
  // np.cov(x, y, bias=1): centred rows, products summed, times 1/n.
  double sxx = 0, sxy = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = x[i] - xmean, b = y[i] - ymean;
    sxx += a * a;
    sxy += a * b;
    syy += b * b;
  }
  const double inv = 1.0 / dn;
  const double ssxm = sxx * inv, ssxym = sxy * inv, ssym = syy * inv;
  double rv;
  if (ssxm == 0.0 || ssym == 0.0) {
    rv = 0.0;
  } else {
    rv = ssxym / std::sqrt(ssxm * ssym);
    if (rv > 1.0)
      rv = 1.0;
    else if (rv < -1.0)
      rv = -1.0;
  }
  r.rvalue = rv;
  r.slope = ssxym / ssxm;
  r.intercept = ymean - r.slope * xmean;
  if (n == 2) {
    r.pvalue = y[0] == y[1] ? 1.0 : 0.0;
    r.stderr_ = 0.0;
  } else {
    constexpr double kTiny = 1.0e-20;
    const double df = dn - 2;
    const double t = rv * std::sqrt(df / ((1.0 - rv + kTiny) * (1.0 + rv + kTiny)));
    if (!with_pvalue) {
      r.pvalue = kNaN;
    } else if (std::isnan(t) || df <= 0) {
      r.pvalue = kNaN;
    } else if (std::isinf(t)) {
      r.pvalue = 0.0;
    } else {
      boost::math::students_t_distribution<double> dist(df);
      r.pvalue = 2 * boost::math::cdf(boost::math::complement(dist, std::fabs(t)));
    }
    r.stderr_ = std::sqrt((1 - rv * rv) * ssym / ssxm / df);
  }
  return r;
}

}  // namespace detail

namespace {

using detail::kNaN;
using detail::make_combiner;
using detail::make_param;
using Json = nlohmann::json;

int parse_attr(const Params& p, const std::string& n) {
  const std::string a = param_string(p, "attr", n);
  const int i = detail::linregress_attr(a);
  if (i < 0)
    throw Error(Errc::kInvalidArgument,
                "calculator '" + n +
                    "': parameter 'attr' must be one of \"pvalue\", \"rvalue\", "
                    "\"intercept\", \"slope\", \"stderr\", got \"" +
                    a + "\"");
  return i;
}

Json attr_grid() {
  Json g = Json::array();
  for (const char* a : {"pvalue", "rvalue", "intercept", "slope", "stderr"})
    g.push_back({{"attr", a}});
  return g;
}

struct Attr {
  int attr;
};

enum class Agg { kMax, kMin, kMean, kVar, kStd, kSum };

struct AggTrend {
  int attr;
  long long chunk_len;
  Agg agg;
};

// ndarray.<f_agg>() of one chunk.
double aggregate(std::span<const double> c, Agg agg, std::vector<double>& tmp) {
  switch (agg) {
    case Agg::kMax: {
      double m = c[0];
      for (double v : c) {
        if (std::isnan(v)) return kNaN;
        m = std::max(m, v);
      }
      return m;
    }
    case Agg::kMin: {
      double m = c[0];
      for (double v : c) {
        if (std::isnan(v)) return kNaN;
        m = std::min(m, v);
      }
      return m;
    }
    case Agg::kSum:
      return pairwise_sum(c);
    case Agg::kMean:
      return pairwise_sum(c) / static_cast<double>(c.size());
    case Agg::kVar:
    case Agg::kStd: {
      const double m = pairwise_sum(c) / static_cast<double>(c.size());
      tmp.resize(c.size());
      for (std::size_t i = 0; i < c.size(); ++i) tmp[i] = (c[i] - m) * (c[i] - m);
      const double v = pairwise_sum(tmp) / static_cast<double>(c.size());
      return agg == Agg::kVar ? v : std::sqrt(v);
    }
  }
  return kNaN;
}

void agg_linear_trend(const Series& s, std::span<const AggTrend> ps, std::span<double> out) {
  const auto x = s.values();
  auto& aggs = s.scratch(0);
  auto& idx = s.scratch(1);
  auto& tmp = s.scratch(2);
  // Parameter sets sharing (chunk_len, f_agg) share one regression (tsfresh's grid lists the
  // attributes outermost, so the sets of one regression are not adjacent). The Student t p-value
  // (a long-double incomplete beta) is computed only when some set asks for it.
  struct Done {
    long long chunk_len;
    Agg agg;
    detail::LinregressResult res;
  };
  thread_local std::vector<Done> done;
  done.clear();
  bool with_pvalue = false;
  for (const auto& p : ps) with_pvalue |= p.attr == 0;
  for (std::size_t k = 0; k < ps.size(); ++k) {
    const auto& p = ps[k];
    const std::size_t len = static_cast<std::size_t>(p.chunk_len);
    if (len >= x.size()) {
      out[k] = kNaN;
      continue;
    }
    const Done* hit = nullptr;
    for (const Done& d : done)
      if (d.chunk_len == p.chunk_len && d.agg == p.agg) hit = &d;
    if (hit == nullptr) {
      const std::size_t chunks = (x.size() + len - 1) / len;
      aggs.resize(chunks);
      idx.resize(chunks);
      for (std::size_t c = 0; c < chunks; ++c) {
        const std::size_t b = c * len, e = std::min(x.size(), b + len);
        aggs[c] = aggregate(x.subspan(b, e - b), p.agg, tmp);
        idx[c] = static_cast<double>(c);
      }
      done.push_back({p.chunk_len, p.agg, detail::linregress(idx, aggs, with_pvalue)});
      hit = &done.back();
    }
    const detail::LinregressResult& res = hit->res;
    out[k] = res.get(p.attr);
  }
}

}  // namespace

void register_trend_calculators() {
  {
    struct L {
      long long lag;
    };
    Json g = Json::array();
    for (int l = 0; l < 10; ++l) g.push_back({{"lag", l}});
    register_calculator(make_param<L>(
        "autocorrelation", g,
        [](const Params& p, const std::string& n) {
          const long long lag = param_int(p, "lag", n);
          if (lag < 0)
            throw Error(Errc::kInvalidArgument,
                        "calculator '" + n + "': parameter 'lag' must be >= 0");
          return L{lag};
        },
        [](const Series& s, const L& p) {
          const auto x = s.values();
          const std::size_t n = x.size(), lag = static_cast<std::size_t>(p.lag);
          if (n < lag) return kNaN;
          const double m = s.mean();
          auto& t = s.scratch(0);
          t.resize(n - lag);
          for (std::size_t i = 0; i + lag < n; ++i) t[i] = (x[i] - m) * (x[i + lag] - m);
          const double sum_product = pairwise_sum(t);
          const double v = s.variance();
          // np.isclose(v, 0): |v| <= 1e-8 (atol) + 1e-5 * 0.
          if (std::fabs(v) <= 1e-8 || std::isnan(v)) return kNaN;
          return sum_product / (static_cast<double>(n - lag) * v);
        }));
  }
  register_calculator(make_combiner<Attr>(
      "linear_trend", attr_grid(),
      [](const Params& p, const std::string& n) { return Attr{parse_attr(p, n)}; },
      [](const Series& s, std::span<const Attr> ps, std::span<double> out) {
        const auto x = s.values();
        auto& idx = s.scratch(0);
        idx.resize(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) idx[i] = static_cast<double>(i);
        const auto r = detail::linregress(idx, x);
        for (std::size_t k = 0; k < ps.size(); ++k) out[k] = r.get(ps[k].attr);
      }));
  {
    Calculator c = make_combiner<Attr>(
        "linear_trend_timewise", attr_grid(),
        [](const Params& p, const std::string& n) { return Attr{parse_attr(p, n)}; },
        [](const Series& s, std::span<const Attr> ps, std::span<double> out) {
          const auto x = s.values();
          const auto t = s.times();
          if (t.size() != x.size() || x.empty()) {
            for (double& o : out) o = kNaN;
            return;
          }
          // Hours since the first time stamp, as (ix - ix[0]).total_seconds() / 3600.
          auto& hours = s.scratch(0);
          hours.resize(t.size());
          bool all_equal = true;
          for (std::size_t i = 0; i < t.size(); ++i) {
            hours[i] = (t[i] - t[0]) / 3600.0;
            all_equal &= t[i] == t[0];
          }
          if (all_equal && t.size() > 1) {
            s.warn("linear_trend_timewise: all time stamps are identical (tsfresh raises)");
            for (double& o : out) o = kNaN;
            return;
          }
          const auto r = detail::linregress(hours, x);
          for (std::size_t k = 0; k < ps.size(); ++k) out[k] = r.get(ps[k].attr);
        });
    c.needs_timestamps = true;
    register_calculator(std::move(c));
  }
  {
    Json g = Json::array();
    for (const char* a : {"rvalue", "intercept", "slope", "stderr"})
      for (int i : {5, 10, 50})
        for (const char* f : {"max", "min", "mean", "var"})
          g.push_back({{"attr", a}, {"chunk_len", i}, {"f_agg", f}});
    register_calculator(make_combiner<AggTrend>(
        "agg_linear_trend", g,
        [](const Params& p, const std::string& n) {
          AggTrend t{parse_attr(p, n), param_int(p, "chunk_len", n), Agg::kMax};
          if (t.chunk_len <= 0)
            throw Error(Errc::kInvalidArgument,
                        "calculator '" + n + "': parameter 'chunk_len' must be positive");
          const std::string f = param_string(p, "f_agg", n);
          if (f == "max")
            t.agg = Agg::kMax;
          else if (f == "min")
            t.agg = Agg::kMin;
          else if (f == "mean")
            t.agg = Agg::kMean;
          else if (f == "var")
            t.agg = Agg::kVar;
          else if (f == "std")
            t.agg = Agg::kStd;
          else if (f == "sum")
            t.agg = Agg::kSum;
          else
            throw Error(Errc::kInvalidArgument,
                        "calculator '" + n +
                            "': parameter 'f_agg' must be one of \"max\", "
                            "\"min\", \"mean\", \"var\", \"std\", \"sum\", got \"" +
                            f + "\"");
          return t;
        },
        agg_linear_trend));
  }
  {
    struct Q {
      double q;
    };
    Json g = Json::array();
    for (double q : {0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9}) g.push_back({{"q", q}});
    register_calculator(make_combiner<Q>(
        "index_mass_quantile", g,
        [](const Params& p, const std::string& n) { return Q{param_double(p, "q", n)}; },
        [](const Series& s, std::span<const Q> ps, std::span<double> out) {
          const auto x = s.values();
          auto& a = s.scratch(0);
          a.resize(x.size());
          for (std::size_t i = 0; i < x.size(); ++i) a[i] = std::fabs(x[i]);
          const double total = pairwise_sum(a);
          if (total == 0 || x.empty()) {
            for (double& o : out) o = kNaN;
            return;
          }
          // np.cumsum(|x|) / total (sequential cumulative sum), then the first index >= q.
          double run = 0;
          for (std::size_t i = 0; i < a.size(); ++i) {
            run += a[i];
            a[i] = run / total;
          }
          for (std::size_t k = 0; k < ps.size(); ++k) {
            std::size_t first = 0;  // np.argmax of an all-False mask is 0
            for (std::size_t i = 0; i < a.size(); ++i)
              if (a[i] >= ps[k].q) {
                first = i;
                break;
              }
            out[k] = static_cast<double>(first + 1) / static_cast<double>(x.size());
          }
        }));
  }
}

}  // namespace freshet::fresh
