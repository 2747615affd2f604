#include "xval/search_space.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.hpp"
#include "core/format.hpp"
#include "xval/numpy_random.hpp"
#include "xval/sobol.hpp"

namespace freshet::xval {
namespace {

std::vector<const ParamDistribution*> sorted_by_name(const std::vector<ParamDistribution>& space) {
  std::vector<const ParamDistribution*> out;
  std::set<std::string> seen;
  for (const auto& d : space) {
    if (!seen.insert(d.name).second)
      throw Error(Errc::kInvalidArgument, "search: parameter '" + d.name + "' given twice");
    if (d.kind == ParamDistribution::Kind::kChoice && d.choices.empty())
      throw Error(Errc::kInvalidArgument, "search: parameter '" + d.name + "' has no choices");
    if (d.kind != ParamDistribution::Kind::kChoice && !(d.low < d.high))
      throw Error(Errc::kInvalidArgument, "search: parameter '" + d.name +
                                              "': upper bound must be greater than lower bound");
    if (d.kind == ParamDistribution::Kind::kLogUniform && !(d.low > 0))
      throw Error(Errc::kInvalidArgument,
                  "search: parameter '" + d.name + "': loguniform bounds must be positive");
    if (d.kind == ParamDistribution::Kind::kRandInt &&
        (d.low != std::floor(d.low) || d.high != std::floor(d.high)))
      throw Error(Errc::kInvalidArgument,
                  "search: parameter '" + d.name + "': randint bounds must be integers");
    out.push_back(&d);
  }
  std::sort(out.begin(), out.end(), [](const ParamDistribution* a, const ParamDistribution* b) {
    return a->name < b->name;
  });
  return out;
}

std::string int_text(double v) { return std::to_string(static_cast<long long>(v)); }

}  // namespace

std::vector<ModelParams> parameter_grid(const ParamGrid& grid) {
  std::vector<const std::pair<std::string, std::vector<std::string>>*> keys;
  std::set<std::string> seen;
  for (const auto& kv : grid) {
    if (!seen.insert(kv.first).second)
      throw Error(Errc::kInvalidArgument, "grid: parameter '" + kv.first + "' given twice");
    if (kv.second.empty())
      throw Error(Errc::kInvalidArgument, "grid: parameter '" + kv.first + "' has no values");
    keys.push_back(&kv);
  }
  std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::vector<ModelParams> out;
  std::vector<std::size_t> idx(keys.size(), 0);
  while (true) {
    ModelParams p;
    for (std::size_t k = 0; k < keys.size(); ++k) p[keys[k]->first] = keys[k]->second[idx[k]];
    out.push_back(std::move(p));
    // odometer, last key fastest
    std::size_t k = keys.size();
    while (k > 0) {
      if (++idx[k - 1] < keys[k - 1]->second.size()) break;
      idx[k - 1] = 0;
      --k;
    }
    if (k == 0) break;
  }
  return out;
}

std::vector<ModelParams> sample_random(const std::vector<ParamDistribution>& space, std::size_t n,
                                       std::uint32_t random_state) {
  const auto keys = sorted_by_name(space);
  RandomState rng(random_state);
  std::vector<ModelParams> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (const ParamDistribution* d : keys) {
      std::string value;
      switch (d->kind) {
        case ParamDistribution::Kind::kUniform:
          value = format_double(rng.random_sample() * (d->high - d->low) + d->low);
          break;
        case ParamDistribution::Kind::kLogUniform:
          value = format_double(d->low * std::pow(d->high * 1.0 / d->low, rng.random_sample()));
          break;
        case ParamDistribution::Kind::kRandInt:
          value = std::to_string(
              rng.randint(static_cast<std::int64_t>(d->low), static_cast<std::int64_t>(d->high)));
          break;
        case ParamDistribution::Kind::kChoice:
          value = d->choices[static_cast<std::size_t>(
              rng.randint(0, static_cast<std::int64_t>(d->choices.size())))];
          break;
      }
      out[i][d->name] = value;
    }
  }
  return out;
}

std::vector<ModelParams> sample_sobol(const std::vector<ParamDistribution>& space, std::size_t n,
                                      std::uint32_t random_state) {
  if (n == 0 || (n & (n - 1)) != 0)
    throw Error(Errc::kInvalidArgument,
                "trials must equal 2^n for sobol search (got " + std::to_string(n) + ")");
  sorted_by_name(space);  // validates
  // KX maps Sobol dimensions to the numeric parameters in dictionary (given) order.
  std::vector<const ParamDistribution*> keys;
  for (const auto& d : space) keys.push_back(&d);
  std::vector<const ParamDistribution*> numeric;
  for (auto* d : keys)
    if (d->kind != ParamDistribution::Kind::kChoice) numeric.push_back(d);
  if (numeric.empty())
    throw Error(Errc::kInvalidArgument,
                "sobol search needs at least one numeric parameter (uniform, loguniform, randint)");
  const auto points = sobol_points(numeric.size(), n);
  RandomState rng(random_state);
  std::vector<ModelParams> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t dim = 0;
    for (const ParamDistribution* d : keys) {
      std::string value;
      if (d->kind == ParamDistribution::Kind::kChoice) {
        value = d->choices[static_cast<std::size_t>(
            rng.randint(0, static_cast<std::int64_t>(d->choices.size())))];
      } else {
        const double s = points[i][dim++];
        switch (d->kind) {
          case ParamDistribution::Kind::kUniform:
            value = format_double(d->low + (d->high - d->low) * s);
            break;
          case ParamDistribution::Kind::kLogUniform: {
            const double lo = std::log10(d->low), hi = std::log10(d->high);
            value = format_double(std::pow(10.0, lo + (hi - lo) * s));
            break;
          }
          default:
            value = int_text(static_cast<double>(std::llround(d->low + (d->high - d->low) * s)));
        }
      }
      out[i][d->name] = value;
    }
  }
  return out;
}

std::size_t drop_duplicates(std::vector<ModelParams>& candidates) {
  std::set<ModelParams> seen;
  std::vector<ModelParams> kept;
  for (auto& c : candidates)
    if (seen.insert(c).second) kept.push_back(std::move(c));
  const std::size_t dropped = candidates.size() - kept.size();
  candidates = std::move(kept);
  return dropped;
}

std::pair<std::string, std::vector<std::string>> parse_grid_param(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size())
    throw Error(Errc::kParse, "grid '" + std::string(text) + "': expected NAME=V1,V2,...");
  std::pair<std::string, std::vector<std::string>> out;
  out.first = std::string(text.substr(0, eq));
  std::string_view rest = text.substr(eq + 1);
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view v = rest.substr(0, comma);
    if (v.empty()) throw Error(Errc::kParse, "grid '" + std::string(text) + "': empty value");
    out.second.emplace_back(v);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

ParamDistribution parse_distribution(std::string_view text) {
  const std::string what = "distribution '" + std::string(text) + "'";
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw Error(Errc::kParse, what +
                                  ": expected NAME=KIND:ARGS (uniform:LO:HI, loguniform:LO:HI, "
                                  "randint:LO:HI, choice:A|B|...)");
  ParamDistribution d;
  d.name = std::string(text.substr(0, eq));
  const std::string_view body = text.substr(eq + 1);
  const auto colon = body.find(':');
  const std::string_view kind = body.substr(0, colon);
  const std::string_view args =
      colon == std::string_view::npos ? std::string_view{} : body.substr(colon + 1);
  if (kind == "choice") {
    d.kind = ParamDistribution::Kind::kChoice;
    std::string_view rest = args;
    while (!rest.empty()) {
      const auto bar = rest.find('|');
      d.choices.emplace_back(rest.substr(0, bar));
      if (bar == std::string_view::npos) break;
      rest = rest.substr(bar + 1);
    }
    if (d.choices.empty()) throw Error(Errc::kParse, what + ": choice needs values A|B|...");
    return d;
  }
  if (kind == "uniform")
    d.kind = ParamDistribution::Kind::kUniform;
  else if (kind == "loguniform")
    d.kind = ParamDistribution::Kind::kLogUniform;
  else if (kind == "randint")
    d.kind = ParamDistribution::Kind::kRandInt;
  else
    throw Error(Errc::kParse, what + ": unknown kind '" + std::string(kind) +
                                  "' (uniform, loguniform, randint, choice)");
  const auto c2 = args.find(':');
  if (c2 == std::string_view::npos || !parse_double(args.substr(0, c2), d.low) ||
      !parse_double(args.substr(c2 + 1), d.high))
    throw Error(Errc::kParse, what + ": expected " + std::string(kind) + ":LO:HI with numbers");
  return d;
}

}  // namespace freshet::xval
