#include "resources/subscription.hpp"

#include <gtest/gtest.h>

#include "resources/doc_helpers.hpp"

namespace lf::resources {
namespace {

using lf::testing::dump;
using lf::testing::load_doc;

std::optional<Subscription> parse(std::string_view text, Diagnostics& diags) {
  return parse_subscription(load_doc(text, diags), diags);
}

TEST(SubscriptionTest, ParsesV2Alpha1) {
  Diagnostics diags;
  auto s = parse(R"(apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: progress
spec:
  pubsubname: pubsub
  topic: lesson-generated
  routes:
    rules:
    - match: event.type == "lesson.generated"
      path: /events/lesson
    default: /events/other
  deadLetterTopic: dead
  metadata:
    rawPayload: "false"
  bulkSubscribe:
    enabled: true
    maxMessagesCount: 50
scopes:
- user-progress
)", diags);
  ASSERT_TRUE(s);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_EQ(s->pubsub_name, "pubsub");
  EXPECT_EQ(s->topic, "lesson-generated");
  ASSERT_EQ(s->rules.size(), 1u);
  EXPECT_EQ(s->rules[0].path, "/events/lesson");
  EXPECT_EQ(s->default_route, "/events/other");
  EXPECT_EQ(s->dead_letter_topic, "dead");
  EXPECT_EQ(s->metadata_values.at("rawPayload"), "false");
  EXPECT_TRUE(s->bulk.enabled);
  EXPECT_EQ(s->bulk.max_messages_count, 50);
  EXPECT_EQ(s->bulk.max_await_duration_ms, 1000);
  EXPECT_TRUE(s->in_scope("user-progress"));
  EXPECT_FALSE(s->in_scope("course-agent"));
}

TEST(SubscriptionTest, V1Alpha1UsesRoute) {
  Diagnostics diags;
  auto s = parse(R"(apiVersion: dapr.io/v1alpha1
kind: Subscription
metadata: {name: s}
spec:
  pubsubname: pubsub
  topic: t
  route: /t
)", diags);
  ASSERT_TRUE(s);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_EQ(s->default_route, "/t");
}

TEST(SubscriptionTest, ReportsMissingFieldsAndWrongForms) {
  Diagnostics diags;
  parse(R"(apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: {name: s}
spec:
  topic: t
  route: /t
  routes:
    rules:
    - path: /x
)", diags);
  EXPECT_DIAG(diags, "missing required field spec.pubsubname", Severity::error, 5);
  EXPECT_DIAG(diags, "spec.route is the v1alpha1 form", Severity::warning, 6);
  EXPECT_DIAG(diags, "spec.routes.rules[0].match", Severity::error, 9);

  Diagnostics none;
  parse("apiVersion: dapr.io/v2alpha1\nkind: Subscription\nmetadata: {name: s}\nspec:\n  pubsubname: p\n  topic: t\n",
        none);
  EXPECT_DIAG(none, "has no route", Severity::error, 4);

  Diagnostics scalar;
  parse("apiVersion: dapr.io/v2alpha1\nkind: Subscription\nmetadata: {name: s}\nspec:\n  pubsubname: p\n  topic: t\n"
        "  routes: /x\n",
        scalar);
  EXPECT_DIAG(scalar, "spec.routes must be a mapping", Severity::error, 7);
}

}  // namespace
}  // namespace lf::resources
