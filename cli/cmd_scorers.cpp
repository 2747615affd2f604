// `freshet scorers`: lists the scorers (--scoring NAME) from the metrics registry.

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "ml/metrics.hpp"

namespace freshet::cli {
namespace {

std::function<int()> setup_scorers(CLI::App& app, const Common&) {
  auto format = std::make_shared<std::string>("text");
  add_format_option(app, *format);
  return [format] {
    if (*format == "json") {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& s : all_scorers())
        out.push_back({{"name", s.name},
                       {"task", s.classification ? "classification" : "regression"},
                       {"greater_is_better", s.greater_is_better},
                       {"description", s.description}});
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    for (const bool classification : {true, false}) {
      std::cout << (classification ? "classification (needs a classifier):\n" : "regression:\n");
      for (const auto& s : all_scorers())
        if (s.classification == classification)
          std::cout << "  " << s.name << "  " << s.description << "\n";
    }
    std::cout << "--scoring S1,S2,...: the first ranks a search's candidates; scores are "
                 "scikit-learn's (greater is better; neg_* are negated losses)\n";
    return 0;
  };
}

FRESHET_COMMAND("scorers", "list the scorers (--scoring NAME)", setup_scorers, 41);

}  // namespace
}  // namespace freshet::cli
