#include "resources/component.hpp"

#include <algorithm>
#include <array>

#include "core/duration.hpp"
#include "core/strings.hpp"

namespace lf::resources {

std::map<std::string, std::string> Component::metadata_map() const {
  std::map<std::string, std::string> out;
  for (const auto& e : entries)
    if (!e.secret_key_ref) out[e.name] = e.value;
  return out;
}

const MetadataEntry* Component::entry(std::string_view name) const {
  for (const auto& e : entries)
    if (iequals(e.name, name)) return &e;
  return nullptr;
}

std::optional<std::string> Component::get(std::string_view name) const {
  const auto* e = entry(name);
  if (!e || e->secret_key_ref) return std::nullopt;
  return e->value;
}

bool Component::in_scope(std::string_view app_id) const {
  return scopes.empty() || std::find(scopes.begin(), scopes.end(), app_id) != scopes.end();
}

namespace {

// Categories daprd registers components under (pkg/components); anything else is "incorrect type".
constexpr std::array<std::string_view, 10> kDaprCategories = {
    "bindings.", "pubsub.", "secretstores.", "state.", "middleware.", "configuration.",
    "lock.",     "crypto.", "workflow.",     "conversation."};

// HTTP middlewares registered in daprd (dapr.md §2); any other middleware.http.<x> fails init.
constexpr std::array<std::string_view, 10> kHttpMiddlewares = {
    "bearer", "oauth2", "oauth2clientcredentials", "opa", "ratelimit",
    "routeralias", "routerchecker", "sentinel", "uppercase", "wasm"};

constexpr std::array<std::string_view, 3> kSupportedTypes = {"pubsub.kafka", "state.sqlite", "state.postgresql"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool is_resilience_middleware(std::string_view type) {
  return type == "middleware.http.resiliency" || type == "middleware.http.outboundRetry" ||
         type == "middleware.http.circuitbreaker";
}

// Suggests the Resiliency equivalent, reusing the values the component was given where they map.
std::string resiliency_hint(const Component& c) {
  auto value_or = [&](std::string_view name, std::string fallback) { return c.get(name).value_or(fallback); };
  std::string base =
      "Dapr has no retry or circuit-breaker middleware: write a `kind: Resiliency` resource (apiVersion: "
      "dapr.io/v1alpha1) with spec.policies ";
  if (c.type == "middleware.http.outboundRetry")
    return base + "retries." + c.metadata.name + " {policy: " + value_or("retryPattern", "constant") +
           ", duration: " + value_or("retryInterval", "2s") + ", maxRetries: " + value_or("maxRetries", "3") +
           "} and spec.targets.components.<pubsub>.outbound.retry: " + c.metadata.name;
  if (c.type == "middleware.http.circuitbreaker")
    return base + "circuitBreakers." + c.metadata.name + " {maxRequests: " + value_or("maxRequests", "1") +
           ", interval: " + value_or("interval", "0s") + ", timeout: " + value_or("timeout", "60s") +
           ", trip: consecutiveFailures >= 5} and spec.targets.apps.<appId>.circuitBreaker: " + c.metadata.name;
  return base + "(timeouts, retries, circuitBreakers) and spec.targets (apps, components) naming them";
}

void report_type(const Component& c, const YAML::Node& spec, FieldReader& reader) {
  auto where = reader.value_at(spec, "type");
  const std::string& type = c.type;
  std::string exits = c.ignore_errors ? " (spec.ignoreErrors is set, so daprd logs it and continues without it)"
                                      : ": daprd fails to load components and exits";
  switch (classify_component_type(type)) {
    case ComponentTypeStatus::supported:
      return;
    case ComponentTypeStatus::real_unsupported:
      reader.warning(where, "component type " + type + " is not supported by the LearnFlow sidecar",
                     "use pubsub.kafka, state.sqlite or state.postgresql");
      return;
    case ComponentTypeStatus::name_resolution:
      reader.error(where, "component type " + type + " is not a Component: Dapr selects name resolution in the "
                   "Configuration",
                   "write spec.nameResolution: {component: sqlite, configuration: {connectionString: ...}} in a "
                   "kind: Configuration");
      return;
    case ComponentTypeStatus::unregistered_middleware: {
      std::string msg = "component type " + type + " does not exist in Dapr: daprd reports \"HTTP middleware " +
                        type + "/" + (c.version.empty() ? "v1" : c.version) + " has not been registered\"" + exits;
      if (is_resilience_middleware(type)) {
        reader.error(where, msg, resiliency_hint(c));
      } else {
        reader.error(where, msg, "registered HTTP middlewares: bearer, oauth2, oauth2clientcredentials, opa, "
                                 "ratelimit, routeralias, routerchecker, sentinel, uppercase, wasm");
      }
      return;
    }
    case ComponentTypeStatus::unknown_category: {
      std::string msg = "component type " + type + " does not exist in Dapr: daprd reports \"incorrect type " + type +
                        "\"" + exits;
      if (starts_with(type, "exporters.")) {
        reader.error(where, msg + " (exporter components were removed before Dapr 1.0)",
                     "configure tracing in a kind: Configuration: spec.tracing.zipkin.endpointAddress: "
                     "http://<zipkin>:9411/api/v2/spans");
      } else if (type.find("resilien") != std::string::npos || type.find("retry") != std::string::npos ||
                 type.find("circuit") != std::string::npos) {
        reader.error(where, msg, resiliency_hint(c));
      } else {
        reader.error(where, msg, "use pubsub.kafka, state.sqlite or state.postgresql");
      }
      return;
    }
  }
}

void parse_entries(Component& c, const YAML::Node& spec, FieldReader& reader) {
  auto list = reader.sequence(spec, "metadata", "spec.metadata");
  if (!list.IsDefined()) return;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& item = list[i];
    std::string path = index_path("spec.metadata", i);
    if (!item.IsMap()) {
      reader.error(reader.at(item), path + " must be a mapping with name and value");
      continue;
    }
    MetadataEntry entry;
    entry.where = reader.key_at(item, "name");
    auto name = reader.string(item, "name", path + ".name");
    if (!name) {
      reader.require(item, "name", path + ".name");
      continue;
    }
    entry.name = *name;
    auto ref = reader.mapping(item, "secretKeyRef", path + ".secretKeyRef");
    if (ref.IsDefined()) {
      SecretKeyRef secret;
      secret.name = reader.string(ref, "name", path + ".secretKeyRef.name").value_or("");
      secret.key = reader.string(ref, "key", path + ".secretKeyRef.key").value_or(secret.name);
      if (secret.name.empty()) reader.require(ref, "name", path + ".secretKeyRef.name");
      entry.secret_key_ref = secret;
    } else {
      auto value = yaml::child(item, "value");
      if (value.IsDefined() && !value.IsNull() && !value.IsScalar()) {
        reader.error(reader.at(value), path + ".value must be a string, not a " + yaml::kind_name(value));
      } else if (!value.IsDefined()) {
        reader.warning(entry.where, "metadata " + entry.name + " has no value", "add value: or secretKeyRef:");
      }
      entry.value = yaml::scalar(value).value_or("");
    }
    reader.unknown_keys(item, {"name", "value", "secretKeyRef", "envRef"}, path, "Dapr ignores it");
    if (c.entry(entry.name))
      reader.warning(entry.where, "metadata " + entry.name + " is given twice; the later value wins");
    c.entries.push_back(std::move(entry));
  }
}

}  // namespace

ComponentTypeStatus classify_component_type(std::string_view type) {
  if (contains(kSupportedTypes, type)) return ComponentTypeStatus::supported;
  if (starts_with(type, "nameresolution.")) return ComponentTypeStatus::name_resolution;
  if (starts_with(type, "middleware.http.")) {
    return contains(kHttpMiddlewares, type.substr(16)) ? ComponentTypeStatus::real_unsupported
                                                        : ComponentTypeStatus::unregistered_middleware;
  }
  for (auto category : kDaprCategories)
    if (starts_with(type, category) && type.size() > category.size()) return ComponentTypeStatus::real_unsupported;
  return ComponentTypeStatus::unknown_category;
}

std::optional<Component> parse_component(const yaml::Document& doc, Diagnostics& diags) {
  FieldReader reader(doc, diags);
  Component c;
  c.metadata = reader.object_meta(doc.root);
  c.scopes = reader.string_list(doc.root, "scopes", "scopes");
  auto spec = reader.mapping(doc.root, "spec", "spec");
  if (!spec.IsDefined()) {
    reader.require(doc.root, "spec", "spec");
    return std::nullopt;
  }
  if (yaml::child(spec, "scopes").IsDefined())
    reader.warning(reader.key_at(spec, "scopes"), "spec.scopes is ignored: Dapr reads scopes at the top level",
                   "move scopes: next to spec:");
  c.version = reader.string(spec, "version", "spec.version").value_or("");
  c.ignore_errors = reader.boolean(spec, "ignoreErrors", "spec.ignoreErrors").value_or(false);
  if (auto text = reader.string(spec, "initTimeout", "spec.initTimeout")) {
    if (auto d = parse_dapr_duration(*text)) {
      c.init_timeout = *d;
    } else {
      reader.error(reader.value_at(spec, "initTimeout"), "spec.initTimeout is not a duration: \"" + *text + "\"",
                   "write a Go duration such as 5s");
    }
  }
  auto type = reader.string(spec, "type", "spec.type");
  if (!type) {
    reader.require(spec, "type", "spec.type", "e.g. type: pubsub.kafka");
    return std::nullopt;
  }
  c.type = *type;
  if (c.version.empty()) reader.require(spec, "version", "spec.version", "write version: v1");
  parse_entries(c, spec, reader);
  reader.unknown_keys(spec, {"type", "version", "metadata", "ignoreErrors", "initTimeout", "scopes"}, "spec",
                      "Dapr ignores it");
  report_type(c, spec, reader);
  if (classify_component_type(c.type) == ComponentTypeStatus::supported) check_component_metadata(c, reader);
  return c;
}

}  // namespace lf::resources
