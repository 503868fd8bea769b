#pragma once
// Declarative Dapr `Subscription` resources: dapr.io/v2alpha1 (routes) and v1alpha1 (spec.route).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.hpp"
#include "resources/fields.hpp"
#include "yaml/yaml.hpp"

namespace lf::resources {

struct RouteRule {
  std::string match;  // CEL over `event`, e.g. event.type == "lesson.generated"
  std::string path;
};

struct BulkSubscribe {
  bool enabled = false;
  long long max_messages_count = 100;
  long long max_await_duration_ms = 1000;
};

struct Subscription {
  ObjectMeta metadata;
  std::string api_version;  // dapr.io/v2alpha1 or dapr.io/v1alpha1
  std::string pubsub_name;
  std::string topic;
  std::vector<RouteRule> rules;  // evaluated in order; first match wins
  std::string default_route;     // routes.default (v2) or route (v1); "" = unmatched events dropped
  std::string dead_letter_topic;
  std::map<std::string, std::string> metadata_values;  // spec.metadata
  BulkSubscribe bulk;
  std::vector<std::string> scopes;  // app ids that subscribe; empty = every app

  bool in_scope(const std::string& app_id) const;
};

std::optional<Subscription> parse_subscription(const yaml::Document& doc, Diagnostics& diags);

}  // namespace lf::resources
