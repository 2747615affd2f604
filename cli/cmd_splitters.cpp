// `freshet splitters`: lists the registered splitters with their parameters and defaults.

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "xval/splitters.hpp"

namespace freshet::cli {
namespace {

std::function<int()> setup_splitters(CLI::App& app, const Common&) {
  auto format = std::make_shared<std::string>("text");
  add_format_option(app, *format);
  return [format] {
    if (*format == "json") {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& s : xval::all_splitters()) {
        nlohmann::json params = nlohmann::json::array();
        for (const auto& p : s.params)
          params.push_back({{"name", p.name},
                            {"default", p.default_value.empty() ? nlohmann::json(nullptr)
                                                                : nlohmann::json(p.default_value)},
                            {"description", p.description}});
        out.push_back({{"name", s.name},
                       {"family", s.family},
                       {"description", s.description},
                       {"parameters", params}});
      }
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    std::string family;
    for (const auto& s : xval::all_splitters()) {
      if (s.family != family) {
        family = s.family;
        std::cout << (family == "sklearn" ? "scikit-learn 1.2 (same folds, bit for bit)"
                      : family == "kx"    ? "KX .ml.xv (KX's fold arithmetic)"
                                          : "freshet")
                  << ":\n";
      }
      std::cout << "  " << s.name << "  " << s.description << "\n";
      for (const auto& p : s.params)
        std::cout << "      " << p.name << "="
                  << (p.default_value.empty() ? "none" : p.default_value) << "  " << p.description
                  << "\n";
    }
    std::cout
        << "SPEC: NAME[:PARAM=VALUE,...], e.g. kfold:n_splits=5,shuffle=true,random_state=0\n";
    return 0;
  };
}

FRESHET_COMMAND("splitters", "list the cross-validation splitters (--cv SPEC) and their parameters",
                setup_splitters, 41);

}  // namespace
}  // namespace freshet::cli
