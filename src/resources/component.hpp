#pragma once
// Dapr `Component` resources (dapr.io/v1alpha1) as the LearnFlow sidecar consumes them.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/diagnostics.hpp"
#include "resources/fields.hpp"
#include "yaml/yaml.hpp"

namespace lf::resources {

struct SecretKeyRef {
  std::string name;
  std::string key;
};

// One `spec.metadata[]` entry: a plain value or a secret reference.
struct MetadataEntry {
  std::string name;
  std::string value;
  std::optional<SecretKeyRef> secret_key_ref;
  SourceLocation where;  // of the entry's `name`, for diagnostics raised by consumers
};

struct Component {
  ObjectMeta metadata;
  std::string type;     // e.g. "pubsub.kafka"
  std::string version;  // e.g. "v1"
  std::vector<MetadataEntry> entries;
  bool ignore_errors = false;            // spec.ignoreErrors: a failing init does not stop the sidecar
  Duration init_timeout = std::chrono::seconds(5);  // spec.initTimeout
  std::vector<std::string> scopes;       // app ids allowed to load it; empty = every app

  // Plain values by name (secret references are left out: they need a secret store).
  std::map<std::string, std::string> metadata_map() const;
  // Looks a metadata value up the way Dapr's decoder does: names are case-insensitive.
  std::optional<std::string> get(std::string_view name) const;
  const MetadataEntry* entry(std::string_view name) const;
  // True when `app_id` may load this component.
  bool in_scope(std::string_view app_id) const;
};

// How Dapr treats a component type string.
enum class ComponentTypeStatus {
  supported,        // the LearnFlow sidecar implements it
  real_unsupported, // a real Dapr type the LearnFlow sidecar does not implement
  unknown_category, // not a Dapr component category at all: daprd exits with "incorrect type"
  unregistered_middleware,  // middleware.http.<x> with no such middleware: daprd exits
  name_resolution,  // name resolvers are configured in a Configuration, not as Components
};
ComponentTypeStatus classify_component_type(std::string_view type);

// Parses and validates one `kind: Component` document (including per-type metadata checks).
std::optional<Component> parse_component(const yaml::Document& doc, Diagnostics& diags);

// Per-type metadata validation (component_checks.cpp); called by parse_component.
void check_component_metadata(const Component& component, FieldReader& reader);

}  // namespace lf::resources
