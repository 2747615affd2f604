// `freshet calculators [NAME]`: lists the feature calculators (tsfresh's names), the presets that
// hold each, and their parameter sets in the comprehensive preset, from the calculator registry.

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "fresh/calculator.hpp"
#include "fresh/settings.hpp"

namespace freshet::cli {
namespace {

std::function<int()> setup_calculators(CLI::App& app, const Common& common) {
  auto name = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("text");
  app.add_option("NAME", *name, "show only this calculator, with every parameter set")
      ->type_name("NAME");
  add_format_option(app, *format);
  return [name, format, &common] {
    const auto executor = common.make_executor();  // loads --plugin calculators
    const fresh::Settings minimal = fresh::preset_settings("minimal");
    const fresh::Settings efficient = fresh::preset_settings("efficient");
    const fresh::Settings comprehensive = fresh::preset_settings("comprehensive");
    nlohmann::json out = nlohmann::json::array();
    bool found = false;
    for (const fresh::Calculator* c : fresh::all_calculators()) {
      if (!name->empty() && c->name != *name) continue;
      found = true;
      std::vector<std::string> presets;
      if (minimal.all_kinds.count(c->name)) presets.push_back("minimal");
      if (efficient.all_kinds.count(c->name)) presets.push_back("efficient");
      if (comprehensive.all_kinds.count(c->name)) presets.push_back("comprehensive");
      const nlohmann::json& sets = c->comprehensive;
      if (*format == "json") {
        out.push_back({{"name", c->name},
                       {"presets", presets},
                       {"needs_timestamps", c->needs_timestamps},
                       {"parameters", sets}});
        continue;
      }
      std::cout << c->name << "  [";
      for (std::size_t i = 0; i < presets.size(); ++i) std::cout << (i ? ", " : "") << presets[i];
      std::cout << "]" << (c->needs_timestamps ? "  needs time stamps" : "") << "\n";
      if (sets.is_array() && !sets.empty()) {
        std::vector<std::string> keys;
        for (const auto& [k, v] : sets.front().items()) keys.push_back(k);
        std::cout << "    " << sets.size() << " parameter set" << (sets.size() > 1 ? "s" : "")
                  << " (";
        for (std::size_t i = 0; i < keys.size(); ++i) std::cout << (i ? ", " : "") << keys[i];
        std::cout << ")";
        if (name->empty()) {
          std::cout << ", e.g. " << sets.front().dump() << "\n";
        } else {
          std::cout << ":\n";
          for (const auto& s : sets) std::cout << "      " << s.dump() << "\n";
        }
      }
    }
    if (!found)
      throw Error(Errc::kUsage, "unknown calculator '" + *name + "' (see 'freshet calculators')");
    if (*format == "json") {
      std::cout << out.dump(2) << "\n";
    } else if (name->empty()) {
      std::cout << "--features minimal | efficient | comprehensive | FILE.json, a settings file "
                   "{\"<calculator>\": null | [{parameters}, ...]} as tsfresh's fc_parameters\n";
    }
    return 0;
  };
}

FRESHET_COMMAND("calculators",
                "list the feature calculators, their presets and parameters (--features)",
                setup_calculators, 15);

}  // namespace
}  // namespace freshet::cli
