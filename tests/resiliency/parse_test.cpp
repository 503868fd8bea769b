#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace lf::resiliency {
namespace {

using test::parse_text;
using ::testing::ElementsAre;
using namespace std::chrono_literals;

const char* kFull = R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: learnflow
  namespace: prod
scopes: [course-agent, frontend]
spec:
  policies:
    timeouts:
      general: 5s
      bare: 1500
    retries:
      pubsubRetry:
        policy: constant
        duration: 2s
        maxRetries: 5
      expo:
        policy: Exponential
        maxInterval: 15s
        matching:
          httpStatusCodes: "429,500-504"
          gRPCStatusCodes: "2-4, 14"
      forever: {}
    circuitBreakers:
      cb:
        maxRequests: 2
        interval: 10s
        timeout: 30s
        trip: consecutiveFailures >= 3
      plain:
  targets:
    apps:
      user-progress:
        timeout: general
        retry: expo
        circuitBreaker: cb
        circuitBreakerCacheSize: 7
    components:
      pubsub:
        outbound:
          retry: pubsubRetry
        inbound:
          timeout: bare
)";

TEST(Parse, FullResourceWithDefaults) {
  auto parsed = parse_text(kFull);
  EXPECT_THAT(parsed.messages, ElementsAre());
  ASSERT_TRUE(parsed.resource);
  const auto& r = *parsed.resource;
  EXPECT_EQ(r.name, "learnflow");
  EXPECT_EQ(r.namespace_name, "prod");
  EXPECT_THAT(r.scopes, ElementsAre("course-agent", "frontend"));
  EXPECT_EQ(r.timeouts.at("general"), 5s);
  EXPECT_EQ(r.timeouts.at("bare"), 1500ms);  // a bare number is milliseconds

  const auto& constant = r.retries.at("pubsubRetry");
  EXPECT_EQ(constant.kind, BackoffKind::constant);
  EXPECT_EQ(constant.duration, 2s);
  EXPECT_EQ(constant.max_retries, 5);
  EXPECT_FALSE(constant.http_status_codes);

  const auto& expo = r.retries.at("expo");
  EXPECT_EQ(expo.kind, BackoffKind::exponential);  // policy names are case-insensitive
  EXPECT_EQ(expo.max_interval, 15s);
  EXPECT_EQ(expo.max_retries, -1);
  ASSERT_TRUE(expo.http_status_codes);
  EXPECT_TRUE(expo.http_status_codes->contains(429));
  EXPECT_TRUE(expo.http_status_codes->contains(503));
  EXPECT_FALSE(expo.http_status_codes->contains(505));
  ASSERT_TRUE(expo.grpc_status_codes);
  EXPECT_TRUE(expo.grpc_status_codes->contains(3));
  EXPECT_TRUE(expo.grpc_status_codes->contains(14));
  EXPECT_FALSE(expo.grpc_status_codes->contains(5));

  const auto& forever = r.retries.at("forever");  // Dapr's defaults
  EXPECT_EQ(forever.kind, BackoffKind::constant);
  EXPECT_EQ(forever.duration, 5s);
  EXPECT_EQ(forever.max_interval, 60s);
  EXPECT_EQ(forever.max_retries, -1);

  const auto& cb = r.circuit_breakers.at("cb");
  EXPECT_EQ(cb.max_requests, 2u);
  EXPECT_EQ(cb.interval, 10s);
  EXPECT_EQ(cb.timeout, 30s);
  ASSERT_TRUE(cb.trip);
  EXPECT_EQ(cb.trip->text(), "consecutiveFailures >= 3");
  const auto& plain = r.circuit_breakers.at("plain");
  EXPECT_EQ(plain.max_requests, 0u);
  EXPECT_EQ(plain.timeout, 0s);
  EXPECT_FALSE(plain.trip);

  const auto& app = r.apps.at("user-progress");
  EXPECT_EQ(app.policies.timeout, "general");
  EXPECT_EQ(app.policies.retry, "expo");
  EXPECT_EQ(app.policies.circuit_breaker, "cb");
  EXPECT_EQ(app.circuit_breaker_cache_size, 7);
  const auto& pubsub = r.components.at("pubsub");
  ASSERT_TRUE(pubsub.outbound && pubsub.inbound);
  EXPECT_EQ(pubsub.outbound->retry, "pubsubRetry");
  EXPECT_EQ(pubsub.inbound->timeout, "bare");
}

TEST(Parse, NotAResiliencyIsRejected) {
  auto parsed = parse_text("apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n");
  EXPECT_FALSE(parsed.resource);
  EXPECT_THAT(parsed.messages,
              ElementsAre("res.yaml:2:1: error: kind is \"Component\", not Resiliency (write kind: Resiliency)"));
  parsed = parse_text("- a\n- b\n");
  EXPECT_FALSE(parsed.resource);
  EXPECT_THAT(parsed.messages,
              ElementsAre("res.yaml:1:1: error: a Resiliency resource must be a mapping, got a sequence (start the "
                          "document with apiVersion: dapr.io/v1alpha1 and kind: Resiliency)"));
  parsed = parse_text("apiVersion: v1\nspec: {}\n");
  EXPECT_THAT(parsed.messages,
              ElementsAre("res.yaml:1:1: error: the document has no kind (write kind: Resiliency)"));
}

TEST(Parse, WarningsStillLoad) {
  auto parsed = parse_text(R"(apiVersion: dapr.io/v1
kind: Resiliency
metadata: {name: r}
targets:
  apps: {}
spec:
  policies:
    retries:
      r1:
        policy: exponential
        duration: 1s
        multiplier: 2
        maxRetries: -4
      r2:
        maxInterval: 3s
        maxAttempts: 3
    timeoutz: {}
  targets:
    apps:
      a:
        retry: missing
        timeout: nope
        circuitBreaker: gone
      b:
        retry: DaprBuiltInServiceRetries
    components:
      c: {}
    actors:
      myActor:
        retry: r1
)");
  ASSERT_TRUE(parsed.resource);
  EXPECT_THAT(parsed.messages, ElementsAre(
      "res.yaml:1:1: warning: apiVersion \"dapr.io/v1\" is not dapr.io/v1alpha1 (write apiVersion: dapr.io/v1alpha1)",
      "res.yaml:4:1: warning: targets at the top level are ignored by Dapr (move targets under spec (spec.targets))",
      "res.yaml:17:5: warning: unknown field \"timeoutz\" in spec.policies is ignored by Dapr (expected one of: "
      "timeouts, retries, circuitBreakers)",
      "res.yaml:12:9: warning: spec.policies.retries.r1.multiplier cannot be set in Dapr and is ignored (remove it; "
      "exponential back-off always starts at 500ms and grows by 1.5)",
      "res.yaml:11:9: warning: spec.policies.retries.r1.duration is ignored by exponential retries (use maxInterval "
      "to bound exponential back-off, or policy: constant)",
      "res.yaml:13:21: warning: spec.policies.retries.r1.maxRetries -4 means unlimited retries (write -1 for "
      "unlimited retries)",
      "res.yaml:16:9: warning: unknown field \"maxAttempts\" in spec.policies.retries.r2 is ignored by Dapr (expected "
      "one of: policy, duration, maxInterval, maxRetries, matching)",
      "res.yaml:15:9: warning: spec.policies.retries.r2.maxInterval is ignored by constant retries (use duration for "
      "constant retries, or policy: exponential)",
      "res.yaml:22:18: warning: spec.targets.apps.a.timeout names \"nope\", which is not defined in "
      "spec.policies.timeouts of this resource (define it under spec.policies.timeouts or fix the name)",
      "res.yaml:21:16: warning: spec.targets.apps.a.retry names \"missing\", which is not defined in "
      "spec.policies.retries of this resource (define it under spec.policies.retries or fix the name)",
      "res.yaml:23:25: warning: spec.targets.apps.a.circuitBreaker names \"gone\", which is not defined in "
      "spec.policies.circuitBreakers of this resource (define it under spec.policies.circuitBreakers or fix the "
      "name)",
      "res.yaml:27:10: warning: spec.targets.components.c has neither inbound nor outbound policies (add outbound: "
      "{retry: ...} for calls to the component, inbound: for deliveries to the app)",
      "res.yaml:29:7: warning: spec.targets.actors.myActor: actor targets are not supported by LearnFlow and are "
      "ignored (remove the actors target; LearnFlow has no actor runtime)"));
  EXPECT_EQ(parsed.resource->retries.at("r1").max_retries, -4);
  EXPECT_THAT(parsed.resource->actors, ElementsAre("myActor"));
}

TEST(Parse, EveryValueError) {
  auto parsed = parse_text(R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: bad
scopes: course-agent
spec:
  policies:
    timeouts:
      t1: 5 seconds
      t2: -1s
      t3: [1s]
    retries:
      r1:
        policy: linear
        duration: 5x
        maxRetries: three
      r2:
        matching:
          httpStatusCodes: "500-499"
          gRPCStatusCodes: "17"
      r3:
        matching:
          httpStatusCodes: "429,,500"
      r4: [a]
    circuitBreakers:
      cb1:
        maxRequests: -1
        trip: consecutiveFailure > 3
      cb2:
        trip: requests
  targets:
    apps:
      a:
        circuitBreakerCacheSize: many
        retry: [r1]
)");
  EXPECT_FALSE(parsed.resource);
  EXPECT_THAT(parsed.messages, ElementsAre(
      "res.yaml:5:9: error: scopes must be a list of app ids, got a scalar (write scopes: [app-id, ...])",
      "res.yaml:9:11: error: spec.policies.timeouts.t1: unknown unit \" seconds\" in duration \"5 seconds\" (write a "
      "Go duration such as 500ms, 5s or 1m30s, or a bare number of milliseconds)",
      "res.yaml:10:11: error: spec.policies.timeouts.t2 is negative (\"-1s\") (write a Go duration such as 500ms, 5s "
      "or 1m30s, or a bare number of milliseconds)",
      "res.yaml:11:11: error: spec.policies.timeouts.t3 must be a single value, got a sequence (write "
      "spec.policies.timeouts.t3 as a plain value)",
      "res.yaml:14:17: error: spec.policies.retries.r1.policy \"linear\" is not a retry policy (write policy: "
      "constant or policy: exponential)",
      "res.yaml:15:19: error: spec.policies.retries.r1.duration: unknown unit \"x\" in duration \"5x\" (write a Go "
      "duration such as 500ms, 5s or 1m30s, or a bare number of milliseconds)",
      "res.yaml:16:21: error: spec.policies.retries.r1.maxRetries must be an integer, got \"three\" (write -1 for "
      "unlimited, 0 for none, or a retry count)",
      "res.yaml:19:28: error: spec.policies.retries.r2.matching.httpStatusCodes: range \"500-499\" ends before it "
      "starts (write codes and ranges between 100 and 599, e.g. \"429,500-504\")",
      "res.yaml:20:28: error: spec.policies.retries.r2.matching.gRPCStatusCodes: status code 17 is outside 0-16 "
      "(write codes and ranges between 0 and 16, e.g. \"2,4,14\")",
      "res.yaml:23:28: error: spec.policies.retries.r3.matching.httpStatusCodes: empty item in \"429,,500\" (write "
      "codes and ranges between 100 and 599, e.g. \"429,500-504\")",
      "res.yaml:24:11: error: spec.policies.retries.r4 must be a mapping, got a sequence (write "
      "spec.policies.retries.r4 as key: value pairs)",
      "res.yaml:27:22: error: spec.policies.circuitBreakers.cb1.maxRequests -1 is out of range (write a count of "
      "requests half-open admits, e.g. maxRequests: 1)",
      "res.yaml:28:15: error: spec.policies.circuitBreakers.cb1.trip \"consecutiveFailure > 3\": unknown name "
      "\"consecutiveFailure\" at column 1 (use integer literals and requests, totalSuccesses, totalFailures, "
      "consecutiveSuccesses, consecutiveFailures)",
      "res.yaml:30:15: error: spec.policies.circuitBreakers.cb2.trip \"requests\": the expression is an integer, not "
      "a condition (compare it, e.g. \"requests > 5\")",
      "res.yaml:35:16: error: spec.targets.apps.a.retry must be a policy name, got a sequence (write the name of a "
      "policy under spec.policies.retries)",
      "res.yaml:34:34: error: spec.targets.apps.a.circuitBreakerCacheSize must be an integer, got \"many\" (write a "
      "count of breakers to keep, e.g. 100)"));
}

TEST(Parse, StructuralMessages) {
  auto parsed = parse_text("kind: Resiliency\nmetadata:\n  name: empty\n");
  ASSERT_TRUE(parsed.resource);  // loads, but defines nothing
  EXPECT_THAT(parsed.messages,
              ElementsAre("res.yaml:1:1: warning: the document has no apiVersion (write apiVersion: dapr.io/v1alpha1)",
                          "res.yaml:1:1: warning: the Resiliency has no spec, so it defines nothing (add "
                          "spec.policies and spec.targets)"));
  parsed = parse_text(R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
scopes: [ok, [nested]]
spec:
  policies:
    timeouts:
      "": 1s
      ? [a, b]
      : 2s
)");
  EXPECT_FALSE(parsed.resource);
  EXPECT_THAT(parsed.messages,
              ElementsAre("res.yaml:3:14: error: scopes item must be a single value, got a sequence (write scopes "
                          "item as a plain value)",
                          "res.yaml:7:7: error: an entry of spec.policies.timeouts has no name (write name: value)",
                          "res.yaml:8:9: error: an entry of spec.policies.timeouts has no name (write name: value)"));
}

TEST(Parse, BuiltInOverrideBelowThreeRetriesWarns) {
  auto parsed = parse_text(R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
spec:
  policies:
    retries:
      DaprBuiltInServiceRetries: {maxRetries: 1}
      DaprBuiltInActorRetries: {duration: 2s}
      DaprBuiltInInitializationRetries: {maxRetries: 3}
)");
  ASSERT_TRUE(parsed.resource);
  EXPECT_THAT(parsed.messages,
              ElementsAre("res.yaml:6:47: warning: spec.policies.retries.DaprBuiltInServiceRetries overrides a "
                          "built-in retry with maxRetries 1, which Dapr raises to 3 (set maxRetries to 3 or more)",
                          "res.yaml:7:7: warning: spec.policies.retries.DaprBuiltInActorRetries overrides a built-in "
                          "retry with maxRetries -1, which Dapr raises to 3 (set maxRetries to 3 or more)"));
}

TEST(Parse, StatusCodeLists) {
  auto set = parse_status_codes(" 429 , 500-504,599", 100, 599);
  ASSERT_TRUE(set.has_value());
  EXPECT_EQ(set->ranges.size(), 3u);
  EXPECT_TRUE(set->contains(599));
  EXPECT_FALSE(set->contains(428));
  EXPECT_EQ(parse_status_codes("99", 100, 599).error().message, "status code 99 is outside 100-599");
  EXPECT_EQ(parse_status_codes("5xx", 100, 599).error().message, "\"5xx\" is not a status code");
  EXPECT_EQ(parse_status_codes("500-", 100, 599).error().message, "\"\" is not a status code");
}

TEST(Parse, SurvivesOddDocuments) {
  for (const char* text : {"kind: Resiliency\nspec: 5\n", "kind: Resiliency\nspec:\n  policies: [1, 2]\n",
                           "kind: Resiliency\nspec:\n  targets:\n    apps: {a: 5}\n",
                           "kind: Resiliency\nspec:\n  policies:\n    retries: {? [a] : b}\n",
                           "kind: [Resiliency]\n", "kind: Resiliency\nmetadata: 3\nscopes: [[a]]\n"}) {
    auto parsed = parse_text(text);
    EXPECT_FALSE(parsed.messages.empty()) << text;
  }
}

}  // namespace
}  // namespace lf::resiliency
