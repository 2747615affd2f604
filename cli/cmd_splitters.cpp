// `freshet splitters`: lists the registered splitters with their parameters and defaults.

#include <iostream>

#include "cli/command.hpp"
#include "xval/splitters.hpp"

namespace freshet::cli {
namespace {

std::function<int()> setup_splitters(CLI::App& app, const Common&) {
  return [] {
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
