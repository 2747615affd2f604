#include "fresh/feature_settings.hpp"

#include "fresh/settings.hpp"

namespace freshet::fresh {

FeatureSettings::FeatureSettings(Settings settings)
    : settings_(std::make_shared<const Settings>(std::move(settings))) {}

FeatureSettings FeatureSettings::preset(std::string_view name) {
  return FeatureSettings(preset_settings(name));
}

FeatureSettings FeatureSettings::from_json_text(std::string_view text, const std::string& source) {
  return FeatureSettings(settings_from_json_text(text, source));
}

FeatureSettings FeatureSettings::from_json_file(const std::string& path) {
  return FeatureSettings(settings_from_json_file(path));
}

FeatureSettings FeatureSettings::from_feature_names(std::span<const std::string> names,
                                                    std::span<const std::string> ignore) {
  return FeatureSettings(settings_from_feature_names(names, ignore));
}

FeatureSettings FeatureSettings::from_columns_file(const std::string& path,
                                                   std::span<const std::string> ignore) {
  return FeatureSettings(settings_from_columns_file(path, ignore));
}

// nlohmann::json's objects are std::map-backed, so dump() writes keys sorted: the same settings
// give the same text.
std::string FeatureSettings::to_json_text() const { return settings_to_json(*settings_).dump(); }

const std::vector<std::string>& FeatureSettings::unavailable() const {
  return settings_->unavailable;
}

}  // namespace freshet::fresh
