// `freshet models [NAME]`: lists the registered models (built-in and from --plugin libraries)
// and the preprocessing steps, with their parameters and defaults, from the registries.

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/preprocess.hpp"

namespace freshet::cli {
namespace {

void print_params(const std::vector<ModelParamInfo>& params) {
  for (const auto& p : params) {
    std::cout << "      " << p.name << "=" << (p.default_value.empty() ? "none" : p.default_value)
              << "  " << p.description << "\n";
  }
}

std::function<int()> setup_models(CLI::App& app, const Common& common) {
  auto name = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("text");
  app.add_option("NAME", *name, "show only this model or preprocessing step")->type_name("NAME");
  add_format_option(app, *format);
  return [name, format, &common] {
    // Loads the --plugin libraries, whose models register themselves.
    const auto executor = common.make_executor();
    if (*format == "json") {
      const auto params = [](const std::vector<ModelParamInfo>& ps) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : ps)
          out.push_back({{"name", p.name},
                         {"default", p.default_value.empty() ? nlohmann::json(nullptr)
                                                             : nlohmann::json(p.default_value)},
                         {"description", p.description}});
        return out;
      };
      nlohmann::json out = nlohmann::json::array();
      for (const ModelInfo* m : all_models())
        if (name->empty() || m->name == *name)
          out.push_back({{"name", m->name},
                         {"kind", m->classifier ? "classifier" : "regressor"},
                         {"description", m->description},
                         {"parameters", params(m->params)}});
      for (const TransformerInfo* t : all_transformers())
        if (name->empty() || t->name == *name)
          out.push_back({{"name", t->name},
                         {"kind", "preprocessing"},
                         {"description", t->description},
                         {"parameters", params(t->params)}});
      if (out.empty())
        throw Error(Errc::kUsage, "unknown model '" + *name + "' (see 'freshet models')");
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    bool found = false;
    for (const bool classifiers : {true, false}) {
      bool header = false;
      for (const ModelInfo* m : all_models()) {
        if (m->classifier != classifiers || (!name->empty() && m->name != *name)) continue;
        if (!header && name->empty()) {
          std::cout << (classifiers ? "classifiers" : "regressors") << ":\n";
          header = true;
        }
        found = true;
        std::cout << "  " << m->name
                  << (name->empty() ? ""
                      : classifiers ? " (classifier)"
                                    : " (regressor)")
                  << "  " << m->description << "\n";
        print_params(m->params);
      }
    }
    bool header = false;
    for (const TransformerInfo* t : all_transformers()) {
      if (!name->empty() && t->name != *name) continue;
      if (!header && name->empty()) {
        std::cout << "preprocessing (fitted on the training rows of each fold):\n";
        header = true;
      }
      found = true;
      std::cout << "  " << t->name << (name->empty() ? "" : " (preprocessing)") << "  "
                << t->description << "\n";
      print_params(t->params);
    }
    if (!found) {
      std::string known;
      for (const ModelInfo* m : all_models()) known += (known.empty() ? "" : ", ") + m->name;
      for (const TransformerInfo* t : all_transformers()) known += ", " + t->name;
      throw Error(Errc::kUsage, "unknown model '" + *name + "'; known: " + known);
    }
    if (name->empty()) {
      std::cout << "SPEC: [STEP[:PARAM=VALUE,...]>]...MODEL[:PARAM=VALUE,...], e.g. "
                   "standard_scaler>logistic_regression:C=0.5\n";
    }
    return 0;
  };
}

FRESHET_COMMAND("models",
                "list the models and preprocessing steps (--model SPEC) and their parameters",
                setup_models, 42);

}  // namespace
}  // namespace freshet::cli
