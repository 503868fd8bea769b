#pragma once
// Reads what daprd reads at start-up: Components, Subscriptions and Resiliency from each
// --resources-path (top-level *.yaml|*.yml files, in flag then file-name order) and the
// Configuration from --config. Unlike daprd, any error stops start-up (docs/sidecar.md).
#include <string>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/expected.hpp"
#include "resiliency/model.hpp"
#include "resources/component.hpp"
#include "resources/configuration.hpp"
#include "resources/subscription.hpp"

namespace lf::sidecar {

struct LoadedResources {
  std::vector<resources::Component> components;        // in scope for this app
  std::vector<resources::Subscription> subscriptions;  // in scope for this app
  std::vector<resiliency::Resiliency> resiliencies;    // every one read; the Provider filters scopes
  resources::Configuration configuration;              // defaults when no --config
  Diagnostics warnings;
};

Expected<LoadedResources, Diagnostics> load_resources(const std::string& app_id,
                                                      const std::vector<std::string>& resources_paths,
                                                      const std::vector<std::string>& config_files);

}  // namespace lf::sidecar
