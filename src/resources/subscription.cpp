#include "resources/subscription.hpp"

#include <algorithm>

namespace lf::resources {

bool Subscription::in_scope(const std::string& app_id) const {
  return scopes.empty() || std::find(scopes.begin(), scopes.end(), app_id) != scopes.end();
}

namespace {

void parse_routes(Subscription& sub, const YAML::Node& spec, FieldReader& reader) {
  if (auto scalar = yaml::child(spec, "routes"); scalar.IsDefined() && scalar.IsScalar()) {
    reader.error(reader.at(scalar), "spec.routes must be a mapping with rules and default",
                 "write routes: {default: " + scalar.Scalar() + "}");
    return;
  }
  auto routes = reader.mapping(spec, "routes", "spec.routes");
  if (!routes.IsDefined()) return;
  reader.unknown_keys(routes, {"rules", "default"}, "spec.routes", "Dapr ignores it");
  sub.default_route = reader.string(routes, "default", "spec.routes.default").value_or("");
  auto rules = reader.sequence(routes, "rules", "spec.routes.rules");
  for (std::size_t i = 0; rules.IsDefined() && i < rules.size(); ++i) {
    const std::string p = index_path("spec.routes.rules", i);
    reader.unknown_keys(rules[i], {"match", "path"}, p, "Dapr ignores it");
    RouteRule rule;
    rule.match = reader.string(rules[i], "match", p + ".match").value_or("");
    rule.path = reader.string(rules[i], "path", p + ".path").value_or("");
    if (rule.match.empty()) reader.require(rules[i], "match", p + ".match", "a CEL expression over event");
    if (rule.path.empty()) reader.require(rules[i], "path", p + ".path");
    sub.rules.push_back(std::move(rule));
  }
}

void parse_bulk(Subscription& sub, const YAML::Node& spec, FieldReader& reader) {
  auto bulk = reader.mapping(spec, "bulkSubscribe", "spec.bulkSubscribe");
  if (!bulk.IsDefined()) return;
  const std::string p = "spec.bulkSubscribe";
  reader.unknown_keys(bulk, {"enabled", "maxMessagesCount", "maxAwaitDurationMs"}, p, "Dapr ignores it");
  sub.bulk.enabled = reader.boolean(bulk, "enabled", p + ".enabled").value_or(false);
  sub.bulk.max_messages_count = reader.integer(bulk, "maxMessagesCount", p + ".maxMessagesCount", 1).value_or(100);
  sub.bulk.max_await_duration_ms =
      reader.integer(bulk, "maxAwaitDurationMs", p + ".maxAwaitDurationMs", 0).value_or(1000);
}

}  // namespace

std::optional<Subscription> parse_subscription(const yaml::Document& doc, Diagnostics& diags) {
  FieldReader reader(doc, diags);
  Subscription sub;
  sub.api_version = yaml::scalar_at(doc.root, "apiVersion").value_or("");
  sub.metadata = reader.object_meta(doc.root);
  sub.scopes = reader.string_list(doc.root, "scopes", "scopes");
  auto spec = reader.mapping(doc.root, "spec", "spec");
  if (!spec.IsDefined()) {
    reader.require(doc.root, "spec", "spec");
    return std::nullopt;
  }
  const bool v1 = sub.api_version == "dapr.io/v1alpha1";
  reader.unknown_keys(spec,
                      {"pubsubname", "topic", "route", "routes", "deadLetterTopic", "metadata", "bulkSubscribe"},
                      "spec", "Dapr ignores it");
  sub.pubsub_name = reader.string(spec, "pubsubname", "spec.pubsubname").value_or("");
  if (sub.pubsub_name.empty()) reader.require(spec, "pubsubname", "spec.pubsubname", "the pubsub component's name");
  sub.topic = reader.string(spec, "topic", "spec.topic").value_or("");
  if (sub.topic.empty()) reader.require(spec, "topic", "spec.topic");
  if (v1) {
    sub.default_route = reader.string(spec, "route", "spec.route").value_or("");
    if (yaml::child(spec, "routes").IsDefined())
      reader.warning(reader.key_at(spec, "routes"), "spec.routes needs apiVersion dapr.io/v2alpha1",
                     "change apiVersion to dapr.io/v2alpha1 or use spec.route");
    if (sub.default_route.empty()) reader.require(spec, "route", "spec.route", "the app path that receives events");
  } else {
    if (yaml::child(spec, "route").IsDefined())
      reader.warning(reader.key_at(spec, "route"), "spec.route is the v1alpha1 form; in dapr.io/v2alpha1 write "
                     "routes.default",
                     "routes: {default: /path}");
    parse_routes(sub, spec, reader);
    if (sub.default_route.empty() && sub.rules.empty())
      reader.error(reader.key_at(doc.root, "spec"), "the subscription has no route: Dapr delivers nothing",
                   "add routes: {default: /path}");
  }
  sub.dead_letter_topic = reader.string(spec, "deadLetterTopic", "spec.deadLetterTopic").value_or("");
  sub.metadata_values = reader.string_map(spec, "metadata", "spec.metadata");
  parse_bulk(sub, spec, reader);
  return sub;
}

}  // namespace lf::resources
