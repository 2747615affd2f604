#include "fresh/calculator.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace freshet::fresh {

namespace {

void register_builtin_calculators() {
  register_statistics_calculators();
  register_change_calculators();
  register_trend_calculators();
  register_spectral_calculators();
  register_model_calculators();
  register_adf_calculators();
  register_entropy_calculators();
  register_catch22_calculators();
}

Registry<Calculator>& registry() {
  static Registry<Calculator> instance("feature calculator", register_builtin_calculators);
  return instance;
}

[[noreturn]] void bad_param(std::string_view key, std::string_view calculator, const char* want,
                            const Params& p) {
  throw Error(Errc::kInvalidArgument,
              "calculator '" + std::string(calculator) + "': parameter '" + std::string(key) +
                  "' must be " + want + ", got " +
                  (p.contains(key) ? p.at(std::string(key)).dump() : std::string("nothing")));
}

}  // namespace

void register_calculator(Calculator calculator) {
  // A plug-in may replace a built-in calculator (the newest registration wins).
  registry().add(std::move(calculator), Duplicate::kReplace);
}

const Calculator* find_calculator(std::string_view name) { return registry().find(name); }

std::vector<const Calculator*> all_calculators() { return registry().sorted(); }

const Registry<Calculator>& calculator_registry() { return registry(); }

double param_double(const Params& p, std::string_view key, std::string_view calculator) {
  auto it = p.find(key);
  if (it == p.end() || !it->is_number()) bad_param(key, calculator, "a number", p);
  return it->get<double>();
}

long long param_int(const Params& p, std::string_view key, std::string_view calculator) {
  auto it = p.find(key);
  if (it == p.end() || !it->is_number_integer()) bad_param(key, calculator, "an integer", p);
  return it->get<long long>();
}

std::string param_string(const Params& p, std::string_view key, std::string_view calculator) {
  auto it = p.find(key);
  if (it == p.end() || !it->is_string()) bad_param(key, calculator, "a string", p);
  return it->get<std::string>();
}

bool param_bool(const Params& p, std::string_view key, std::string_view calculator) {
  auto it = p.find(key);
  if (it == p.end() || !it->is_boolean()) bad_param(key, calculator, "true or false", p);
  return it->get<bool>();
}

}  // namespace freshet::fresh
