#include "sidecar/subscriptions.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace lf::sidecar {

using Json = nlohmann::ordered_json;

bool SubscriptionSpec::raw_payload() const {
  auto it = metadata.find("rawPayload");
  return it != metadata.end() && iequals(it->second, "true");
}

namespace {

std::string string_field(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return (it != obj.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

std::string normalise_path(std::string path) {
  if (!path.empty() && path.front() != '/') path.insert(path.begin(), '/');
  return path;
}

}  // namespace

Expected<ParsedSubscriptions, std::string> parse_programmatic_subscriptions(std::string_view body) {
  Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded()) return unexpected(std::string("the app's /dapr/subscribe answer is not JSON"));
  if (!doc.is_array()) return unexpected(std::string("the app's /dapr/subscribe answer is not a JSON array"));
  ParsedSubscriptions out;
  for (const auto& entry : doc) {
    if (!entry.is_object()) {
      out.problems.push_back({"a /dapr/subscribe entry is not an object"});
      continue;
    }
    SubscriptionSpec sub;
    sub.type = SubscriptionType::programmatic;
    sub.pubsub_name = string_field(entry, "pubsubname");
    sub.topic = string_field(entry, "topic");
    sub.dead_letter_topic = string_field(entry, "deadLetterTopic");
    if (sub.pubsub_name.empty() || sub.topic.empty()) {
      out.problems.push_back({"a /dapr/subscribe entry lacks pubsubname or topic"});
      continue;
    }
    if (auto md = entry.find("metadata"); md != entry.end() && md->is_object())
      for (auto it = md->begin(); it != md->end(); ++it)
        if (it->is_string()) sub.metadata[it.key()] = it->get<std::string>();
    sub.default_path = string_field(entry, "route");
    bool rules_ok = true;
    if (auto routes = entry.find("routes"); routes != entry.end() && routes->is_object()) {
      std::string def = string_field(*routes, "default");
      if (!def.empty()) sub.default_path = def;  // routes.default beats route
      if (auto rules = routes->find("rules"); rules != routes->end() && rules->is_array()) {
        for (const auto& r : *rules) {
          RouteRule rule;
          rule.path = normalise_path(string_field(r, "path"));
          std::string match = string_field(r, "match");
          if (!match.empty()) {
            auto m = RouteMatcher::compile(match);
            if (!m) {
              out.problems.push_back({"topic " + sub.topic + ": invalid route rule \"" + match + "\": " + m.error()});
              rules_ok = false;
              break;
            }
            rule.match = std::move(*m);
          }
          if (rule.path.empty()) continue;
          sub.rules.push_back(std::move(rule));
        }
      }
    }
    if (!rules_ok) continue;
    sub.default_path = normalise_path(sub.default_path);
    if (sub.default_path.empty() && sub.rules.empty()) {
      out.problems.push_back({"topic " + sub.topic + " in pubsub " + sub.pubsub_name + " has no route; skipping"});
      continue;
    }
    out.subscriptions.push_back(std::move(sub));
  }
  return out;
}

std::optional<std::string> select_route(const SubscriptionSpec& sub, const Json& event) {
  for (const auto& rule : sub.rules)
    if (!rule.match || rule.match->matches(event)) return rule.path;
  if (!sub.default_path.empty()) return sub.default_path;
  return std::nullopt;
}

std::vector<SubscriptionSpec> merge_subscriptions(const std::string& app_id, std::vector<SubscriptionSpec> declarative,
                                                  std::vector<SubscriptionSpec> programmatic) {
  std::vector<SubscriptionSpec> out;
  for (auto& d : declarative) {
    if (!d.scopes.empty() && std::find(d.scopes.begin(), d.scopes.end(), app_id) == d.scopes.end()) continue;
    out.push_back(std::move(d));
  }
  for (auto& p : programmatic) {
    bool taken = std::any_of(out.begin(), out.end(), [&](const SubscriptionSpec& s) {
      return s.pubsub_name == p.pubsub_name && s.topic == p.topic;
    });
    if (!taken) out.push_back(std::move(p));
  }
  return out;
}

Json subscription_metadata(const SubscriptionSpec& sub) {
  Json j;
  j["pubsubname"] = sub.pubsub_name;
  j["topic"] = sub.topic;
  if (!sub.metadata.empty()) j["metadata"] = sub.metadata;
  Json rules = Json::array();
  for (const auto& r : sub.rules) rules.push_back({{"match", r.match ? r.match->text() : ""}, {"path", r.path}});
  if (!sub.default_path.empty()) rules.push_back({{"match", ""}, {"path", sub.default_path}});
  j["rules"] = rules;
  if (!sub.dead_letter_topic.empty()) j["deadLetterTopic"] = sub.dead_letter_topic;
  j["type"] = sub.type == SubscriptionType::declarative ? "DECLARATIVE" : "PROGRAMMATIC";
  return j;
}

}  // namespace lf::sidecar
