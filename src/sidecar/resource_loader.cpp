#include "sidecar/resource_loader.hpp"

#include <algorithm>
#include <filesystem>

#include "log/log.hpp"
#include "resiliency/parse.hpp"
#include "yaml/yaml.hpp"

namespace lf::sidecar {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> top_level_files(const std::string& dir, Diagnostics& diags, const log::Logger& logger) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    diags.error({dir, 0, 0}, "resources path is not a directory");
    return files;
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    auto ext = entry.path().extension().string();
    if (ext == ".yaml" || ext == ".yml") {
      files.push_back(entry.path().string());
    } else {
      logger.warn("A non-YAML resiliency file " + entry.path().filename().string() + " was detected, it will not be loaded");
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

void split_warnings(Diagnostics& from, Diagnostics& errors, Diagnostics& warnings) {
  for (const auto& d : from.all()) {
    if (d.severity == Severity::error) errors.error(d.where, d.message, d.hint);
    else warnings.warning(d.where, d.message, d.hint);
  }
}

}  // namespace

Expected<LoadedResources, Diagnostics> load_resources(const std::string& app_id,
                                                      const std::vector<std::string>& resources_paths,
                                                      const std::vector<std::string>& config_files) {
  log::Logger logger("dapr.runtime");
  LoadedResources out;
  Diagnostics errors;
  for (const auto& dir : resources_paths) {
    for (const auto& file : top_level_files(dir, errors, logger)) {
      Diagnostics diags;
      for (const auto& doc : yaml::load_file(file, diags)) {
        auto kind = yaml::scalar_at(doc.root, "kind").value_or("");
        if (kind == "Component") {
          if (auto c = resources::parse_component(doc, diags); c && c->in_scope(app_id)) out.components.push_back(*c);
        } else if (kind == "Subscription") {
          if (auto s = resources::parse_subscription(doc, diags); s && s->in_scope(app_id)) out.subscriptions.push_back(*s);
        } else if (kind == "Resiliency") {
          if (auto r = resiliency::parse_resource(doc, diags)) out.resiliencies.push_back(*r);
        }
        // Other kinds (Configuration, HTTPEndpoint, Kubernetes objects) are not resources daprd loads here.
      }
      split_warnings(diags, errors, out.warnings);
    }
  }
  for (const auto& file : config_files) {
    Diagnostics diags;
    auto docs = yaml::load_file(file, diags);
    bool found = false;
    for (const auto& doc : docs) {
      if (yaml::scalar_at(doc.root, "kind").value_or("") != "Configuration") continue;
      if (auto c = resources::parse_configuration(doc, diags)) out.configuration = *c;
      found = true;
    }
    if (!found && !diags.has_errors()) diags.error({file, 1, 1}, "no `kind: Configuration` document in this file");
    split_warnings(diags, errors, out.warnings);
  }
  std::vector<std::string> names;
  for (const auto& c : out.components) {
    if (std::find(names.begin(), names.end(), c.metadata.name) != names.end())
      errors.error({}, "two components are named \"" + c.metadata.name + "\"", "component names must be unique");
    names.push_back(c.metadata.name);
  }
  if (errors.has_errors()) return unexpected(std::move(errors));
  return out;
}

}  // namespace lf::sidecar
