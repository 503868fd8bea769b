#pragma once
// Subscriptions as the sidecar runs them: programmatic ones from the app's GET /dapr/subscribe and
// declarative Subscription resources, merged into one list; route selection per delivered event.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/expected.hpp"
#include "sidecar/route_match.hpp"

namespace lf::sidecar {

struct RouteRule {
  std::optional<RouteMatcher> match;  // absent: the rule always matches
  std::string path;
};

enum class SubscriptionType { declarative, programmatic };

struct SubscriptionSpec {
  std::string pubsub_name;
  std::string topic;
  std::vector<RouteRule> rules;  // evaluated in order
  std::string default_path;      // routes.default, else `route`
  std::string dead_letter_topic;
  std::map<std::string, std::string> metadata;
  std::vector<std::string> scopes;  // declarative only; empty = every app
  SubscriptionType type = SubscriptionType::programmatic;

  bool raw_payload() const;
};

struct SubscriptionProblem {
  std::string message;  // logged as WARN/ERROR by the caller; the entry is skipped
};

struct ParsedSubscriptions {
  std::vector<SubscriptionSpec> subscriptions;
  std::vector<SubscriptionProblem> problems;
};

// The body of the app's GET /dapr/subscribe (200). Entries without a path are dropped with a problem.
Expected<ParsedSubscriptions, std::string> parse_programmatic_subscriptions(std::string_view body);

// The path an event goes to; nullopt when no rule matches and there is no default (Dapr then acks
// the message as handled without calling the app).
std::optional<std::string> select_route(const SubscriptionSpec& sub, const nlohmann::ordered_json& event);

// Declarative subscriptions scoped to app_id plus programmatic ones; a declarative entry for the
// same pubsub+topic wins, as in Dapr where declarative subscriptions are loaded first.
std::vector<SubscriptionSpec> merge_subscriptions(const std::string& app_id, std::vector<SubscriptionSpec> declarative,
                                                  std::vector<SubscriptionSpec> programmatic);

// The /v1.0/metadata "subscriptions" entry.
nlohmann::ordered_json subscription_metadata(const SubscriptionSpec& sub);

}  // namespace lf::sidecar
