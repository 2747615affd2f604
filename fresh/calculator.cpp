#include "fresh/calculator.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "core/error.hpp"

namespace freshet::fresh {

namespace {

struct CalculatorRegistry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<Calculator>, std::less<>> by_name;
};

CalculatorRegistry& raw_registry() {
  static CalculatorRegistry registry;
  return registry;
}

CalculatorRegistry& registry() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_statistics_calculators();
    register_change_calculators();
    register_trend_calculators();
    register_spectral_calculators();
    register_model_calculators();
    register_entropy_calculators();
    register_catch22_calculators();
  });
  return raw_registry();
}

[[noreturn]] void bad_param(std::string_view key, std::string_view calculator, const char* want,
                            const Params& p) {
  throw Error(Errc::kInvalidArgument, "calculator '" + std::string(calculator) + "': parameter '" +
                                          std::string(key) + "' must be " + want + ", got " +
                                          (p.contains(key) ? p.at(std::string(key)).dump()
                                                           : std::string("nothing")));
}

}  // namespace

void register_calculator(Calculator calculator) {
  auto& r = raw_registry();
  std::lock_guard lock(r.mutex);
  std::string name = calculator.name;
  r.by_name[name] = std::make_unique<Calculator>(std::move(calculator));
}

const Calculator* find_calculator(std::string_view name) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.by_name.find(name);
  return it == r.by_name.end() ? nullptr : it->second.get();
}

std::vector<const Calculator*> all_calculators() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<const Calculator*> out;
  for (const auto& [name, c] : r.by_name) out.push_back(c.get());
  return out;
}

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
