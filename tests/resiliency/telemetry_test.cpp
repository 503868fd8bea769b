#include "resiliency/telemetry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "resiliency/provider.hpp"
#include "resiliency/runner.hpp"
#include "support/fake_scheduler.hpp"
#include "test_util.hpp"

namespace lf::resiliency {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const char* kResource = R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: learnflow
spec:
  policies:
    timeouts: {fast: 1s}
    retries:
      pubsubRetry: {policy: constant, duration: 2s, maxRetries: 5}
      DaprBuiltInServiceRetries: {maxRetries: 0}
    circuitBreakers:
      cb: {trip: consecutiveFailures >= 3, timeout: 30s}
  targets:
    components:
      pubsub:
        outbound: {timeout: fast, retry: pubsubRetry, circuitBreaker: cb}
)";

struct TelemetryTest : ::testing::Test {
  log::CaptureSink logs;
  metrics::Registry registry;
  testing::FakeScheduler sched;
  TelemetryObserver observer{"course-agent", registry};
  Provider provider{"course-agent", sched, &observer};
  Runner runner{sched, &observer, [] { return 0.5; }};

  bool has_metric(const std::string& line) const { return registry.render().find(line + "\n") != std::string::npos; }
  static std::string series(const std::string& name, const std::string& policy, const std::string& status) {
    return name + "{app_id=\"course-agent\",name=\"learnflow\",namespace=\"\",policy=\"" + policy +
           "\",flow_direction=\"outbound\",target=\"Pubsub_pubsub\",status=\"" + status + "\"}";
  }
};

TEST_F(TelemetryTest, LoadLinesAndLoadedMetric) {
  provider.add(test::parse_ok(kResource));
  EXPECT_EQ(logs.count("level=info msg=\"Loading Resiliency configuration: learnflow\""), 1u);
  EXPECT_EQ(logs.count("level=warning msg=\"Attempted override of DaprBuiltInServiceRetries did not meet minimum "
                       "retry count, resetting to 3.\""),
            1u);
  EXPECT_TRUE(logs.contains("scope=dapr.runtime"));
  EXPECT_TRUE(has_metric("dapr_resiliency_loaded{app_id=\"course-agent\",name=\"learnflow\",namespace=\"\"} 1"));
}

TEST_F(TelemetryTest, RetryLinesCountsAndActivations) {
  provider.add(test::parse_ok(kResource));
  auto def = provider.component_outbound_policy("pubsub", ComponentType::pubsub);
  EXPECT_TRUE(has_metric(series("dapr_resiliency_count", "timeout", "") + " 1"));
  EXPECT_TRUE(has_metric(series("dapr_resiliency_count", "retry", "") + " 1"));
  EXPECT_TRUE(has_metric(series("dapr_resiliency_count", "circuitbreaker", "closed") + " 1"));
  EXPECT_TRUE(has_metric(series("dapr_resiliency_cb_state", "circuitbreaker", "closed") + " 1"));
  EXPECT_TRUE(has_metric(series("dapr_resiliency_cb_state", "circuitbreaker", "open") + " 0"));

  std::optional<OpResult> result;
  runner.run(def,
             [](const AttemptContext& ctx, OpCompletion done) {
               done(ctx.attempt < 3 ? OpResult::failure("kafka: broker down") : OpResult::ok());
             },
             [&](OpResult r) { result = r; });
  while (sched.advance_to_next()) {
  }
  ASSERT_TRUE(result && result->is_ok());
  auto lines = logs.lines();
  EXPECT_EQ(logs.count("level=warning msg=\"Error processing operation component[pubsub] output. Retrying in "
                       "2s\xE2\x80\xA6\""),
            1u);
  EXPECT_EQ(logs.count("level=info msg=\"Recovered processing operation component[pubsub] output after 3 "
                       "attempts\""),
            1u);
  EXPECT_TRUE(has_metric(series("dapr_resiliency_activations_total", "retry", "") + " 1"));
}

TEST_F(TelemetryTest, BreakerTransitionsLogAndCount) {
  provider.add(test::parse_ok(kResource));
  auto def = provider.component_outbound_policy("pubsub", ComponentType::pubsub);
  for (int i = 0; i < 3; ++i) def.breaker->after_request(*def.breaker->before_request(), false);
  EXPECT_EQ(logs.count("msg=\"Circuit breaker \\\"cb-pubsub\\\" changed state from closed to open\""), 1u);
  EXPECT_TRUE(has_metric(series("dapr_resiliency_activations_total", "circuitbreaker", "open") + " 1"));
  EXPECT_TRUE(has_metric(series("dapr_resiliency_cb_state", "circuitbreaker", "open") + " 1"));
  EXPECT_TRUE(has_metric(series("dapr_resiliency_cb_state", "circuitbreaker", "closed") + " 0"));
  sched.advance(31s);
  provider.component_outbound_policy("pubsub", ComponentType::pubsub);  // the lookup notices half-open
  EXPECT_EQ(logs.count("msg=\"Circuit breaker \\\"cb-pubsub\\\" changed state from open to half-open\""), 1u);
  EXPECT_TRUE(has_metric(series("dapr_resiliency_count", "circuitbreaker", "half-open") + " 1"));
  EXPECT_TRUE(has_metric(series("dapr_resiliency_activations_total", "circuitbreaker", "half-open") + " 1"));
}

TEST_F(TelemetryTest, TimeoutActivationOncePerOperation) {
  provider.add(test::parse_ok(kResource));
  auto def = provider.component_outbound_policy("pubsub", ComponentType::pubsub);
  def.retry->max_retries = 1;
  runner.run(def, [](const AttemptContext&, OpCompletion) {}, [](OpResult) {});
  while (sched.advance_to_next()) {
  }
  EXPECT_TRUE(has_metric(series("dapr_resiliency_activations_total", "timeout", "") + " 1"));
}

}  // namespace
}  // namespace lf::resiliency
