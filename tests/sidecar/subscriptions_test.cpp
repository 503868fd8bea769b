#include "sidecar/subscriptions.hpp"

#include <gtest/gtest.h>

using namespace lf::sidecar;
using Json = nlohmann::ordered_json;

TEST(Subscriptions, ParsesProgrammaticWithRulesAndDefaults) {
  auto parsed = parse_programmatic_subscriptions(R"json([
    {"pubsubname":"pubsub","topic":"lesson-generated","route":"/old",
     "routes":{"rules":[{"match":"event.type == \"advanced\"","path":"/events/advanced"}],"default":"/events/lesson-generated"},
     "deadLetterTopic":"dead","metadata":{"rawPayload":"false"}},
    {"pubsubname":"pubsub","topic":"progress-updated","route":"events/progress-updated"},
    {"pubsubname":"pubsub","topic":"no-route"},
    {"topic":"x"},
    {"pubsubname":"pubsub","topic":"bad-rule","routes":{"rules":[{"match":"evil()","path":"/p"}]}}
  ])json");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->subscriptions.size(), 2u);
  const auto& s = parsed->subscriptions[0];
  EXPECT_EQ(s.default_path, "/events/lesson-generated");  // routes.default beats route
  EXPECT_EQ(s.dead_letter_topic, "dead");
  EXPECT_EQ(parsed->subscriptions[1].default_path, "/events/progress-updated");
  ASSERT_EQ(parsed->problems.size(), 3u);
  EXPECT_EQ(parsed->problems[0].message, "topic no-route in pubsub pubsub has no route; skipping");

  EXPECT_EQ(*select_route(s, Json{{"type", "advanced"}}), "/events/advanced");
  EXPECT_EQ(*select_route(s, Json{{"type", "basic"}}), "/events/lesson-generated");
}

TEST(Subscriptions, NoMatchAndNoDefaultSelectsNothing) {
  auto parsed = parse_programmatic_subscriptions(
      R"([{"pubsubname":"p","topic":"t","routes":{"rules":[{"match":"event.type == \"a\"","path":"/a"}]}}])");
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(select_route(parsed->subscriptions[0], Json{{"type", "b"}}).has_value());
}

TEST(Subscriptions, RejectsNonArrays) {
  EXPECT_FALSE(parse_programmatic_subscriptions("{}"));
  EXPECT_FALSE(parse_programmatic_subscriptions("nope"));
}

TEST(Subscriptions, MergeHonoursScopesAndDeclarativeWins) {
  SubscriptionSpec d1{.pubsub_name = "pubsub", .topic = "t1", .default_path = "/decl", .scopes = {"user-progress"},
                      .type = SubscriptionType::declarative};
  SubscriptionSpec d2{.pubsub_name = "pubsub", .topic = "t2", .default_path = "/other", .scopes = {"course-agent"},
                      .type = SubscriptionType::declarative};
  SubscriptionSpec p1{.pubsub_name = "pubsub", .topic = "t1", .default_path = "/prog"};
  SubscriptionSpec p3{.pubsub_name = "pubsub", .topic = "t3", .default_path = "/p3"};
  auto merged = merge_subscriptions("user-progress", {d1, d2}, {p1, p3});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].default_path, "/decl");
  EXPECT_EQ(merged[1].topic, "t3");
  auto meta = subscription_metadata(merged[0]);
  EXPECT_EQ(meta["type"], "DECLARATIVE");
  EXPECT_EQ(meta["rules"][0]["path"], "/decl");
}
