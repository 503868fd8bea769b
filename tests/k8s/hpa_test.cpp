#include "k8s/hpa.hpp"

#include <gtest/gtest.h>

#include "resources/doc_helpers.hpp"

namespace lf::k8s {
namespace {

using lf::testing::dump;
using lf::testing::load_doc;

std::optional<HorizontalPodAutoscaler> parse(std::string_view text, Diagnostics& diags) {
  return parse_hpa(load_doc(text, diags), diags);
}

TEST(HpaTest, WithoutBehaviorKeepsTheLegacyPathAndDefaultsMinReplicas) {
  Diagnostics diags;
  auto h = parse(R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 70}
)", diags);
  ASSERT_TRUE(h);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_EQ(h->min_replicas, 1);
  EXPECT_EQ(h->max_replicas, 5);
  EXPECT_FALSE(h->behavior);
  EXPECT_EQ(h->scale_target_ref.name, "web");
  ASSERT_EQ(h->metrics.size(), 1u);
  EXPECT_EQ(h->metrics[0].target.average_utilization, 70);
  EXPECT_TRUE(h->uses_pod_cpu_utilization());
}

TEST(HpaTest, NoMetricsDefaultsTo80PercentCpu) {
  Diagnostics diags;
  auto h = parse("kind: HorizontalPodAutoscaler\nmetadata: {name: w}\nspec:\n  scaleTargetRef: {kind: Deployment, name: w}\n"
                 "  maxReplicas: 3\n",
                 diags);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->metrics.size(), 1u);
  EXPECT_EQ(h->metrics[0].resource_name, "cpu");
  EXPECT_EQ(h->metrics[0].target.average_utilization, 80);
}

TEST(HpaTest, BehaviorDefaultsFillBothDirectionsFieldByField) {
  Diagnostics diags;
  auto h = parse(R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  maxReplicas: 10
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 60
)", diags);
  ASSERT_TRUE(h && h->behavior);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  const auto& up = h->behavior->scale_up;
  EXPECT_EQ(up.stabilization_window_seconds, 60);
  EXPECT_EQ(up.select_policy, "Max");
  ASSERT_EQ(up.policies.size(), 2u);  // Pods 4/15s + Percent 100/15s
  EXPECT_EQ(up.policies[0].type, "Pods");
  EXPECT_EQ(up.policies[0].value, 4);
  EXPECT_EQ(up.policies[0].period_seconds, 15);
  EXPECT_EQ(up.policies[1].type, "Percent");
  EXPECT_EQ(up.policies[1].value, 100);
  EXPECT_EQ(up.policies[1].period_seconds, 15);
  const auto& down = h->behavior->scale_down;  // absent direction: all defaults
  EXPECT_EQ(down.stabilization_window_seconds, 300);
  EXPECT_EQ(down.select_policy, "Max");
  ASSERT_EQ(down.policies.size(), 1u);
  EXPECT_EQ(down.policies[0].type, "Percent");
  EXPECT_EQ(down.policies[0].value, 100);
  EXPECT_EQ(down.policies[0].period_seconds, 15);
  EXPECT_FALSE(down.tolerance);
}

TEST(HpaTest, UserPoliciesReplaceTheDefaultList) {
  Diagnostics diags;
  auto h = parse(R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  behavior:
    scaleDown:
      policies:
      - type: Pods
        value: 1
        periodSeconds: 60
      selectPolicy: Min
      tolerance: "0.05"
    scaleUp:
      selectPolicy: Disabled
)", diags);
  ASSERT_TRUE(h && h->behavior);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_EQ(h->min_replicas, 2);
  const auto& down = h->behavior->scale_down;
  EXPECT_EQ(down.stabilization_window_seconds, 300);
  ASSERT_EQ(down.policies.size(), 1u);
  EXPECT_EQ(down.policies[0].type, "Pods");
  EXPECT_EQ(down.select_policy, "Min");
  ASSERT_TRUE(down.tolerance);
  EXPECT_EQ(down.tolerance->milli, 50);
  EXPECT_EQ(h->behavior->scale_up.select_policy, "Disabled");
  EXPECT_EQ(h->behavior->scale_up.policies.size(), 2u);
}

TEST(HpaTest, ContainerResourceAndAverageValue) {
  Diagnostics diags;
  auto h = parse(R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  maxReplicas: 4
  metrics:
  - type: ContainerResource
    containerResource:
      name: cpu
      container: web
      target: {type: Utilization, averageUtilization: 60}
  - type: Resource
    resource:
      name: memory
      target: {type: AverageValue, averageValue: 256Mi}
)", diags);
  ASSERT_TRUE(h);
  EXPECT_EQ(diags.all().size(), 0u) << dump(diags);
  EXPECT_FALSE(h->uses_pod_cpu_utilization());
  EXPECT_EQ(h->metrics[0].container, "web");
  EXPECT_EQ(h->metrics[1].target.average_value->value(), 256LL << 20);
}

TEST(HpaTest, ReportsErrorsAtTheirLines) {
  Diagnostics diags;
  parse(R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {kind: Deployment}
  minReplicas: 0
  maxReplicas: 3
  metrics:
  - type: Resource
    resource:
      name: gpu
      target: {type: Utilization}
  - type: Magic
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 4000
      selectPolicy: Biggest
      policies:
      - type: Pods
        value: 0
        periodSeconds: 2000
)", diags);
  EXPECT_DIAG(diags, "missing required field spec.scaleTargetRef.name", Severity::error, 5);
  EXPECT_DIAG(diags, "minReplicas: 0 needs the alpha feature gate", Severity::error, 6);
  EXPECT_DIAG(diags, "resource.name must be cpu or memory", Severity::error, 11);
  EXPECT_DIAG(diags, "type Utilization needs averageUtilization", Severity::error, 12);
  EXPECT_DIAG(diags, "spec.metrics[1].type must be Resource", Severity::error, 13);
  EXPECT_DIAG(diags, "stabilizationWindowSeconds must be between 0 and 3600", Severity::error, 16);
  EXPECT_DIAG(diags, "selectPolicy must be Max, Min or Disabled", Severity::error, 17);
  EXPECT_DIAG(diags, "policies[0].value must be between 1", Severity::error, 20);
  EXPECT_DIAG(diags, "periodSeconds must be between 1 and 1800", Severity::error, 21);
}

}  // namespace
}  // namespace lf::k8s
