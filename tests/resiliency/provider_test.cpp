#include "resiliency/provider.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_scheduler.hpp"
#include "test_util.hpp"

namespace lf::resiliency {
namespace {

using namespace std::chrono_literals;
using test::parse_ok;
using ::testing::ElementsAre;

std::string resource(const std::string& name, const std::string& body, const std::string& scopes = "") {
  return "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: " + name + "\n" + scopes + "spec:\n" + body;
}

struct ProviderTest : ::testing::Test {
  testing::FakeScheduler clock;
  Provider provider{"course-agent", clock};
};

TEST_F(ProviderTest, LaterResourceWinsOnDuplicateNames) {
  provider.load({parse_ok(resource("first", R"(  policies:
    timeouts: {t: 1s, only-first: 9s}
    retries: {r: {duration: 1s, maxRetries: 1}}
  targets:
    apps: {user-progress: {timeout: t, retry: r}}
)")),
                 parse_ok(resource("second", R"(  policies:
    timeouts: {t: 2s}
    retries: {r: {duration: 3s, maxRetries: 4}}
)"))});
  auto def = provider.endpoint_policy("user-progress", "progress");
  ASSERT_TRUE(def.timeout && def.retry);
  EXPECT_EQ(*def.timeout, 2s);
  EXPECT_EQ(def.retry->duration, 3s);
  EXPECT_EQ(def.retry->max_retries, 4);
  EXPECT_EQ(def.target.operation, "endpoint[user-progress, user-progress:progress]");
  EXPECT_EQ(def.target.metric_target, "app_user-progress");
  EXPECT_EQ(def.target.resource_name, "second");  // Dapr labels every policy with the last resource's name
}

TEST_F(ProviderTest, ScopesFilterByAppId) {
  provider.load({parse_ok(resource("other", "  policies:\n    timeouts: {DefaultTimeoutPolicy: 1s}\n",
                                   "scopes: [frontend]\n")),
                 parse_ok(resource("mine", "  policies:\n    timeouts: {DefaultRetryless: 1s}\n",
                                   "scopes: [course-agent]\n"))});
  EXPECT_FALSE(provider.endpoint_policy("x", "m").timeout);
  provider.add(parse_ok(resource("all", "  policies:\n    timeouts: {DefaultTimeoutPolicy: 3s}\n")));
  EXPECT_EQ(provider.endpoint_policy("x", "m").timeout, 3s);
}

TEST_F(ProviderTest, ComponentDefaultsMostSpecificFirstPerKind) {
  provider.add(parse_ok(resource("d", R"(  policies:
    timeouts:
      DefaultTimeoutPolicy: 1s
      DefaultComponentTimeoutPolicy: 2s
      DefaultComponentOutboundTimeoutPolicy: 3s
      DefaultPubsubComponentOutboundTimeoutPolicy: 4s
    retries:
      DefaultRetryPolicy: {maxRetries: 1}
      DefaultComponentInboundRetryPolicy: {maxRetries: 2}
    circuitBreakers:
      DefaultStatestoreComponentCircuitBreakerPolicy: {}
      DefaultCircuitBreakerPolicy: {maxRequests: 9}
)")));
  auto pubsub_out = provider.component_outbound_policy("pubsub", ComponentType::pubsub);
  EXPECT_EQ(pubsub_out.timeout, 4s);
  EXPECT_EQ(pubsub_out.retry->max_retries, 1);
  ASSERT_TRUE(pubsub_out.breaker);
  EXPECT_EQ(pubsub_out.breaker->name(), "DefaultCircuitBreakerPolicy-pubsub");
  EXPECT_EQ(pubsub_out.target.operation, "component[pubsub] output");
  EXPECT_EQ(pubsub_out.target.metric_target, "Pubsub_pubsub");

  auto state_out = provider.component_outbound_policy("statestore", ComponentType::statestore);
  EXPECT_EQ(state_out.timeout, 3s);
  auto pubsub_in = provider.component_inbound_policy("pubsub", ComponentType::pubsub);
  EXPECT_EQ(pubsub_in.timeout, 2s);
  EXPECT_EQ(pubsub_in.retry->max_retries, 2);
  EXPECT_EQ(pubsub_in.target.operation, "component[pubsub] input");
  EXPECT_EQ(pubsub_in.target.direction, FlowDirection::inbound);
  auto app = provider.endpoint_policy("user-progress", "m");
  EXPECT_EQ(app.timeout, 1s);  // no DefaultApp*: falls back to Default<Kind>Policy
}

TEST_F(ProviderTest, NamedTargetGetsNoDefaults) {
  provider.add(parse_ok(resource("d", R"(  policies:
    timeouts: {DefaultAppTimeoutPolicy: 1s, DefaultComponentTimeoutPolicy: 2s}
    retries: {r: {maxRetries: 2}}
    circuitBreakers: {DefaultAppCircuitBreakerPolicy: {}}
  targets:
    apps:
      user-progress: {retry: r}
    components:
      pubsub:
        outbound: {retry: r}
)")));
  auto named = provider.endpoint_policy("user-progress", "m");
  EXPECT_TRUE(named.retry);
  EXPECT_FALSE(named.timeout);
  EXPECT_FALSE(named.breaker);
  auto other = provider.endpoint_policy("frontend", "m");
  EXPECT_EQ(other.timeout, 1s);
  EXPECT_TRUE(other.breaker);
  auto inbound = provider.component_inbound_policy("pubsub", ComponentType::pubsub);
  EXPECT_FALSE(inbound.has_any());  // the component target exists: its missing direction gets no defaults
  EXPECT_TRUE(provider.has_app_target("user-progress"));
  EXPECT_FALSE(provider.has_app_target("frontend"));
}

TEST_F(ProviderTest, UndefinedPolicyNamesGiveNoPolicy) {
  provider.add(parse_ok(resource("d", R"(  targets:
    apps: {a: {retry: nope, circuitBreaker: nope}}
    components: {c: {outbound: {circuitBreaker: nope}}}
)")));
  EXPECT_FALSE(provider.endpoint_policy("a", "m").has_any());
  EXPECT_FALSE(provider.component_outbound_policy("c", ComponentType::statestore).has_any());
}

TEST_F(ProviderTest, EndpointBreakersPerMethodWithLru) {
  provider.add(parse_ok(resource("d", R"(  policies:
    circuitBreakers: {cb: {trip: consecutiveFailures >= 1}}
  targets:
    apps: {user-progress: {circuitBreaker: cb, circuitBreakerCacheSize: 2}}
)")));
  auto one = provider.endpoint_policy("user-progress", "orders/1");
  auto g = one.breaker->before_request();
  one.breaker->after_request(*g, false);
  EXPECT_EQ(one.breaker->state(), BreakerState::open);
  EXPECT_EQ(one.breaker->name(), "user-progress:orders/1");
  // Same method: same breaker; another method: its own, closed.
  EXPECT_EQ(provider.endpoint_policy("user-progress", "orders/1").breaker, one.breaker);
  auto two = provider.endpoint_policy("user-progress", "orders/2");
  EXPECT_NE(two.breaker, one.breaker);
  EXPECT_EQ(two.breaker->state(), BreakerState::closed);
  // orders/1 was used before orders/2; touching orders/1 makes orders/2 the eviction candidate.
  provider.endpoint_policy("user-progress", "orders/1");
  provider.endpoint_policy("user-progress", "orders/3");
  EXPECT_EQ(provider.endpoint_breaker_count("user-progress"), 2u);
  EXPECT_EQ(provider.endpoint_policy("user-progress", "orders/1").breaker, one.breaker);
  EXPECT_NE(provider.endpoint_policy("user-progress", "orders/2").breaker, two.breaker);  // evicted, recreated
  // Evicting orders/1 (now least recent) forgets its open state.
  provider.endpoint_policy("user-progress", "orders/3");
  provider.endpoint_policy("user-progress", "orders/4");
  EXPECT_EQ(provider.endpoint_policy("user-progress", "orders/1").breaker->state(), BreakerState::closed);
}

TEST_F(ProviderTest, ComponentBreakerSharedByInboundAndOutbound) {
  provider.add(parse_ok(resource("d", R"(  policies:
    circuitBreakers:
      cb: {trip: consecutiveFailures >= 2}
      other: {trip: consecutiveFailures >= 50}
  targets:
    components:
      pubsub:
        outbound: {circuitBreaker: cb}
        inbound: {circuitBreaker: cb}
      statestore:
        outbound: {circuitBreaker: cb}
)")));
  auto in = provider.component_inbound_policy("pubsub", ComponentType::pubsub);
  auto out = provider.component_outbound_policy("pubsub", ComponentType::pubsub);
  ASSERT_TRUE(in.breaker);
  EXPECT_EQ(in.breaker, out.breaker);
  EXPECT_EQ(in.breaker->name(), "cb-pubsub");
  // Delivery failures open the breaker used for publishing.
  for (int i = 0; i < 2; ++i) in.breaker->after_request(*in.breaker->before_request(), false);
  EXPECT_FALSE(out.breaker->before_request().has_value());
  EXPECT_NE(provider.component_outbound_policy("statestore", ComponentType::statestore).breaker, out.breaker);
}

TEST_F(ProviderTest, BuiltInRetriesAndOverrides) {
  auto service = provider.builtin_retry(BuiltInRetry::service);
  EXPECT_EQ(service.kind, BackoffKind::constant);
  EXPECT_EQ(service.duration, 1s);
  EXPECT_EQ(service.max_retries, 3);
  auto init = provider.builtin_retry(BuiltInRetry::initialization);
  EXPECT_EQ(init.kind, BackoffKind::exponential);
  EXPECT_EQ(init.max_interval, 1s);
  EXPECT_EQ(init.max_elapsed, 10s);
  EXPECT_EQ(init.max_retries, 3);

  struct Warnings : Observer {
    std::vector<std::string> names;
    void builtin_minimum_enforced(const std::string& n) override { names.push_back(n); }
  } warnings;
  Provider custom("course-agent", clock, &warnings);
  custom.add(parse_ok(resource("d", R"(  policies:
    retries:
      DaprBuiltInServiceRetries: {duration: 2s, maxRetries: 1}
      DaprBuiltInActorRetries: {maxRetries: -1}
      DaprBuiltInInitializationRetries: {policy: constant, duration: 3s, maxRetries: 7}
)")));
  EXPECT_EQ(custom.builtin_retry(BuiltInRetry::service).duration, 2s);
  EXPECT_EQ(custom.builtin_retry(BuiltInRetry::service).max_retries, 3);  // raised to the minimum
  EXPECT_EQ(custom.builtin_retry(BuiltInRetry::actor).max_retries, 3);    // -1 is below 3 too
  EXPECT_EQ(custom.builtin_retry(BuiltInRetry::initialization).max_retries, 7);
  EXPECT_THAT(warnings.names, ElementsAre("DaprBuiltInActorRetries", "DaprBuiltInServiceRetries"));
}

}  // namespace
}  // namespace lf::resiliency
