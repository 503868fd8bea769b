// The HPA algorithm against kubernetes.md §3: the worked example table row by row, its variants,
// tolerance, the missing-request error, the legacy path and the out-of-range shortcuts.
#include "platform/hpa_controller.hpp"

#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "support/fake_scheduler.hpp"

namespace lf::platform {
namespace {

using std::chrono::seconds;

k8s::HorizontalPodAutoscaler example_hpa(bool with_behavior = true) {
  k8s::HorizontalPodAutoscaler hpa;
  hpa.metadata.name = "example";
  hpa.min_replicas = 1;
  hpa.max_replicas = 10;
  k8s::MetricSpec cpu;
  cpu.type = "Resource";
  cpu.resource_name = "cpu";
  cpu.target.type = "Utilization";
  cpu.target.average_utilization = 70;
  hpa.metrics = {cpu};
  if (with_behavior) {
    k8s::Behavior b;
    b.scale_up.stabilization_window_seconds = 60;
    b.scale_up.policies = {{"Percent", 50, 60}, {"Pods", 2, 60}};
    b.scale_up.select_policy = "Max";
    b.scale_down.stabilization_window_seconds = 300;
    b.scale_down.policies = {{"Percent", 10, 60}};
    b.scale_down.select_policy = "Max";
    hpa.behavior = b;
  }
  return hpa;
}

// Runs syncs every 15 s on a FakeScheduler: pods are Ready with a fresh sample at once (§3's
// assumptions); `usage(t, pods)` gives each pod's usage in millicores.
class Simulation {
 public:
  using Usage = std::function<long long(long long t_seconds, int pods)>;
  Simulation(k8s::HorizontalPodAutoscaler hpa, Usage usage, int replicas = 1)
      : controller_(std::move(hpa)), usage_(std::move(usage)), replicas_(replicas) {}

  // Syncs at t = from, from+15, ... up to and including `until`; records applied replicas per t.
  void run_until(long long until) {
    while (next_sync_ <= until) {
      const long long t = next_sync_;
      scheduler_.schedule_after(seconds(t) - scheduler_.elapsed(), [this, t] { sync_at(t); });
      scheduler_.advance_to_next();
      next_sync_ += 15;
    }
  }
  int applied(long long t) const { return applied_.at(t); }
  const HpaSyncResult& result(long long t) const { return results_.at(t); }
  int replicas() const { return replicas_; }
  HpaController& controller() { return controller_; }

 private:
  void sync_at(long long t) {
    std::vector<HpaPod> pods;
    for (int i = 0; i < replicas_; ++i) {
      HpaPod pod;
      pod.name = "pod-" + std::to_string(i);
      pod.ready = true;
      pod.start_time = scheduler_.now() - seconds(1000);
      pod.ready_transition = *pod.start_time;
      pod.sample = CpuSample{usage_(t, replicas_), scheduler_.now(), seconds(15)};
      pod.request_milli = 100;
      pods.push_back(pod);
    }
    auto r = controller_.sync(scheduler_.now(), replicas_, pods);
    replicas_ = r.desired_replicas;
    applied_[t] = replicas_;
    results_[t] = r;
  }

  testing::FakeScheduler scheduler_;
  HpaController controller_;
  Usage usage_;
  int replicas_;
  long long next_sync_ = 0;
  std::map<long long, int> applied_;
  std::map<long long, HpaSyncResult> results_;
};

long long per_pod_load(long long t, int) { return t < 180 ? 350 : 10; }
long long total_load(long long t, int pods) { return (t < 180 ? 350 : 10) / pods; }

TEST(HpaWorkedExample, TableRowByRow) {
  Simulation sim(example_hpa(), per_pod_load);
  sim.run_until(180);
  struct Row {
    long long t;
    int util, desired, stab, applied;
    const char* able;
    bool limited;
    const char* limited_reason;
  };
  const Row rows[] = {
      {0, 350, 5, 1, 1, "ScaleUpStabilized", false, "DesiredWithinRange"},
      {15, 350, 5, 1, 1, "ScaleUpStabilized", false, "DesiredWithinRange"},
      {30, 350, 5, 1, 1, "ScaleUpStabilized", false, "DesiredWithinRange"},
      {45, 350, 5, 1, 1, "ScaleUpStabilized", false, "DesiredWithinRange"},
      {60, 350, 5, 5, 3, "SucceededRescale", true, "ScaleUpLimit"},
      {75, 350, 15, 5, 3, "ScaleUpStabilized", true, "ScaleUpLimit"},
      {90, 350, 15, 5, 3, "ScaleUpStabilized", true, "ScaleUpLimit"},
      {105, 350, 15, 5, 3, "ScaleUpStabilized", true, "ScaleUpLimit"},
      {120, 350, 15, 15, 5, "SucceededRescale", true, "ScaleUpLimit"},
      {135, 350, 25, 15, 5, "ScaleUpStabilized", true, "ScaleUpLimit"},
      {150, 350, 25, 15, 5, "ScaleUpStabilized", true, "ScaleUpLimit"},
      {165, 350, 25, 15, 5, "ScaleUpStabilized", true, "ScaleUpLimit"},
      {180, 10, 1, 5, 5, "ScaleDownStabilized", false, "DesiredWithinRange"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE("t=" + std::to_string(row.t));
    const auto& r = sim.result(row.t);
    EXPECT_EQ(r.current_utilization, row.util);
    EXPECT_EQ(r.metric_proposal, row.desired);
    EXPECT_EQ(r.stabilized, row.stab);
    EXPECT_EQ(r.desired_replicas, row.applied);
    EXPECT_EQ(r.able_to_scale.reason, row.able);
    EXPECT_EQ(r.scaling_limited.status, row.limited);
    EXPECT_EQ(r.scaling_limited.reason, row.limited_reason);
    EXPECT_TRUE(r.scaling_active.status);
  }
}

TEST(HpaWorkedExample, ScaleDownOnePodPerMinuteAfterTheHold) {
  Simulation sim(example_hpa(), per_pod_load);
  sim.run_until(720);
  EXPECT_EQ(sim.applied(450), 5);
  EXPECT_EQ(sim.applied(465), 4);
  EXPECT_EQ(sim.applied(480), 4);
  EXPECT_EQ(sim.applied(510), 4);
  EXPECT_EQ(sim.applied(525), 3);
  EXPECT_EQ(sim.applied(570), 3);
  EXPECT_EQ(sim.applied(585), 2);
  EXPECT_EQ(sim.applied(630), 2);
  EXPECT_EQ(sim.applied(645), 1);
  EXPECT_EQ(sim.applied(720), 1);
  EXPECT_EQ(sim.result(465).scaling_limited.reason, "ScaleDownLimit");
}

// Runs a while at 1 replica with low load so the controller has history (the "already running" variants).
Simulation warmed_up(k8s::HorizontalPodAutoscaler hpa, Simulation::Usage high) {
  // Shift time: load is low until t=600, then `high` applies as if t started at 600.
  return Simulation(std::move(hpa), [high](long long t, int pods) { return t < 600 ? 10 : high(t - 600, pods); });
}

TEST(HpaWorkedExample, VariantPerPodLoadHpaAlreadyRunning) {
  auto sim = warmed_up(example_hpa(), per_pod_load);
  sim.run_until(600 + 825);
  EXPECT_EQ(sim.applied(600 - 15), 1);
  EXPECT_EQ(sim.applied(600 + 45), 3);
  EXPECT_EQ(sim.applied(600 + 60), 3);
  EXPECT_EQ(sim.applied(600 + 105), 5);
  EXPECT_EQ(sim.applied(600 + 120), 5);
  EXPECT_EQ(sim.applied(600 + 165), 8);
  const std::pair<long long, int> down[] = {{465, 7}, {525, 6}, {585, 5}, {645, 4}, {705, 3}, {765, 2}, {825, 1}};
  for (auto [t, n] : down) {
    SCOPED_TRACE("t=" + std::to_string(t));
    EXPECT_EQ(sim.applied(600 + t), n);
    EXPECT_EQ(sim.applied(600 + t - 15), n + 1);
  }
}

TEST(HpaWorkedExample, VariantTotalLoadFreshHpa) {
  Simulation sim(example_hpa(), total_load);
  sim.run_until(660);
  EXPECT_EQ(sim.applied(45), 1);
  EXPECT_EQ(sim.applied(60), 3);
  EXPECT_EQ(sim.applied(105), 3);
  EXPECT_EQ(sim.applied(120), 5);
  EXPECT_EQ(sim.result(135).current_utilization, 70);  // within tolerance: stays
  EXPECT_EQ(sim.applied(165), 5);
  const std::pair<long long, int> down[] = {{465, 4}, {525, 3}, {585, 2}, {645, 1}};
  for (auto [t, n] : down) {
    SCOPED_TRACE("t=" + std::to_string(t));
    EXPECT_EQ(sim.applied(t), n);
    EXPECT_EQ(sim.applied(t - 15), n + 1);
  }
}

TEST(HpaWorkedExample, VariantTotalLoadHpaAlreadyRunning) {
  auto sim = warmed_up(example_hpa(), total_load);
  sim.run_until(600 + 645);
  EXPECT_EQ(sim.applied(600 + 45), 3);
  EXPECT_EQ(sim.applied(600 + 60), 3);
  EXPECT_EQ(sim.applied(600 + 105), 5);
  EXPECT_EQ(sim.applied(600 + 120), 5);
  EXPECT_EQ(sim.applied(600 + 165), 5);
  EXPECT_EQ(sim.applied(600 + 465), 4);
  EXPECT_EQ(sim.applied(600 + 645), 1);
}

TEST(HpaWorkedExample, VariantLegacyPathWithoutBehavior) {
  Simulation sim(example_hpa(false), per_pod_load);
  sim.run_until(810);
  EXPECT_EQ(sim.applied(0), 4);
  EXPECT_EQ(sim.applied(15), 8);
  EXPECT_EQ(sim.applied(30), 10);
  EXPECT_EQ(sim.result(0).scaling_limited.reason, "ScaleUpLimit");
  EXPECT_EQ(sim.applied(465), 10);  // the legacy window keeps an item exactly 5 min old
  EXPECT_EQ(sim.applied(480), 2);
  EXPECT_EQ(sim.applied(780), 2);
  EXPECT_EQ(sim.applied(795), 1);
}

HpaPod ready_pod(const std::string& name, long long usage, std::optional<long long> request, SteadyTime now) {
  HpaPod pod;
  pod.name = name;
  pod.ready = true;
  pod.start_time = now - std::chrono::hours(1);
  pod.ready_transition = *pod.start_time;
  pod.sample = CpuSample{usage, now, seconds(15)};
  pod.request_milli = request;
  pod.container_without_request = request ? "" : "daprd";
  return pod;
}

TEST(HpaController, ToleranceIsInclusiveOnBothSides) {
  const SteadyTime now{std::chrono::hours(10)};
  HpaControllerFlags flags;
  // 77 % of a 70 % target is a ratio of exactly 1.1: within tolerance, keep current.
  auto at_edge = cpu_utilization_replicas(now, 4, 70, {ready_pod("a", 77, 100, now)}, 0.1, 0.1, flags);
  ASSERT_TRUE(at_edge);
  EXPECT_EQ(at_edge->replicas, 4);
  auto above = cpu_utilization_replicas(now, 1, 70, {ready_pod("a", 78, 100, now)}, 0.1, 0.1, flags);
  ASSERT_TRUE(above);
  EXPECT_EQ(above->replicas, 2);
  // Utilization is the truncated ratio of sums: (50+51)*100/200 = 50.
  auto sum = cpu_utilization_replicas(now, 2, 50, {ready_pod("a", 50, 100, now), ready_pod("b", 51, 100, now)}, 0.1,
                                      0.1, flags);
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum->utilization, 50);
}

TEST(HpaController, PerDirectionToleranceFromBehavior) {
  auto hpa = example_hpa();
  hpa.behavior->scale_up.tolerance = k8s::Quantity{"0.5", 500};
  HpaController controller(hpa);
  const SteadyTime now{std::chrono::hours(10)};
  // 140 % of 100 %·70: ratio 2.0 > 1.5 scales; 98 %: ratio 1.4 stays.
  auto r = controller.sync(now, 1, {ready_pod("a", 98, 100, now)});
  EXPECT_EQ(r.metric_proposal, 1);
}

TEST(HpaController, MissingCpuRequestFailsTheMetric) {
  HpaController controller(example_hpa());
  const SteadyTime now{std::chrono::hours(10)};
  auto r = controller.sync(now, 2, {ready_pod("a", 500, 100, now), ready_pod("b", 500, std::nullopt, now)});
  EXPECT_FALSE(r.scaling_active.status);
  EXPECT_EQ(r.scaling_active.reason, "FailedGetResourceMetric");
  EXPECT_NE(r.scaling_active.message.find("missing request for cpu in container daprd of Pod b"), std::string::npos);
  EXPECT_EQ(r.desired_replicas, 2);
}

TEST(HpaController, MissingPodsCountAsFullRequestOnScaleDownAndZeroOnScaleUp) {
  const SteadyTime now{std::chrono::hours(10)};
  HpaPod missing = ready_pod("m", 0, 100, now);
  missing.sample.reset();
  // Down: ready pod at 10 % → ratio 0.14; the missing pod counts 100 % → (10+100)/200 = 55 % → ratio 0.79 → ceil(1.57) = 2.
  auto down = cpu_utilization_replicas(now, 2, 70, {ready_pod("a", 10, 100, now), missing}, 0.1, 0.1, {});
  ASSERT_TRUE(down);
  EXPECT_EQ(down->replicas, 2);
  // Up: ready pod at 280 % → ratio 4; the missing pod counts 0 → 140 % → ratio 2 → ceil(4) = 4.
  auto up = cpu_utilization_replicas(now, 2, 70, {ready_pod("a", 280, 100, now), missing}, 0.1, 0.1, {});
  ASSERT_TRUE(up);
  EXPECT_EQ(up->replicas, 4);
}

TEST(HpaController, UnreadyPodsCountAsZeroOnScaleUpOnly) {
  const SteadyTime now{std::chrono::hours(10)};
  // Started 1 min ago (inside the 5 min CPU initialization period) and not Ready: unready.
  HpaPod starting = ready_pod("s", 500, 100, now);
  starting.start_time = now - std::chrono::minutes(1);
  starting.ready = false;
  // Up: ready pod at 280 % → ratio 4 > 1; the unready pod counts 0 → 140 % → ratio 2 → ceil(2×2) = 4.
  auto up = cpu_utilization_replicas(now, 2, 70, {ready_pod("a", 280, 100, now), starting}, 0.1, 0.1, {});
  ASSERT_TRUE(up);
  EXPECT_EQ(up->replicas, 4);
  EXPECT_EQ(up->utilization, 280);  // status reports the first, unadjusted utilization
  // Down: the unready pod is simply left out: 10 % → ceil(0.142×1) = 1.
  auto down = cpu_utilization_replicas(now, 2, 70, {ready_pod("a", 10, 100, now), starting}, 0.1, 0.1, {});
  ASSERT_TRUE(down);
  EXPECT_EQ(down->replicas, 1);
  // A Ready pod whose sample predates its readiness + window is also unready during initialization.
  HpaPod fresh = ready_pod("f", 500, 100, now);
  fresh.start_time = now - std::chrono::seconds(20);
  fresh.ready_transition = now - std::chrono::seconds(5);
  auto only_fresh = cpu_utilization_replicas(now, 1, 70, {fresh}, 0.1, 0.1, {});
  EXPECT_FALSE(only_fresh);  // no ready pod with metrics: the metric is invalid
}

TEST(HpaController, OutOfRangeCurrentIsClampedWithoutMetrics) {
  HpaController controller(example_hpa());
  const SteadyTime now{std::chrono::hours(10)};
  auto r = controller.sync(now, 12, {});
  EXPECT_EQ(r.desired_replicas, 10);
  EXPECT_EQ(r.rescale_reason, "Current number of replicas above Spec.MaxReplicas");
  auto zero = controller.sync(now + seconds(15), 0, {});
  EXPECT_EQ(zero.desired_replicas, 0);
  EXPECT_EQ(zero.scaling_active.reason, "ScalingDisabled");
}

TEST(HpaController, DisabledScaleDownPolicyKeepsCurrent) {
  auto hpa = example_hpa();
  hpa.behavior->scale_down.select_policy = "Disabled";
  hpa.behavior->scale_down.stabilization_window_seconds = 0;
  HpaController controller(hpa);
  const SteadyTime now{std::chrono::hours(10)};
  auto r = controller.sync(now, 4, {ready_pod("a", 1, 100, now), ready_pod("b", 1, 100, now),
                                    ready_pod("c", 1, 100, now), ready_pod("d", 1, 100, now)});
  EXPECT_EQ(r.stabilized, 1);
  EXPECT_EQ(r.desired_replicas, 4);
}

TEST(HpaController, IeeeDoubleRoundingOfPercentPolicies) {
  // 7×(1−0.3) = 4.8999… truncates to 4: scale-down by Percent 30 from 7 goes to 4.
  auto hpa = example_hpa();
  hpa.behavior->scale_down.policies = {{"Percent", 30, 60}};
  hpa.behavior->scale_down.stabilization_window_seconds = 0;
  HpaController controller(hpa);
  const SteadyTime now{std::chrono::hours(10)};
  std::vector<HpaPod> pods;
  for (int i = 0; i < 7; ++i) pods.push_back(ready_pod("p" + std::to_string(i), 1, 100, now));
  auto r = controller.sync(now, 7, pods);
  EXPECT_EQ(r.desired_replicas, 4);
  EXPECT_EQ(r.scaling_limited.reason, "ScaleDownLimit");
}

}  // namespace
}  // namespace lf::platform
