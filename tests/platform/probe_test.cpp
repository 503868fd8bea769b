// Kubelet probe and restart rules with a fake clock (kubernetes.md §7).
#include "platform/probe.hpp"

#include <gtest/gtest.h>

#include "support/fake_scheduler.hpp"

namespace lf::platform {
namespace {

using std::chrono::seconds;

k8s::Probe probe(int initial_delay, int period, int failure_threshold, int success_threshold = 1) {
  k8s::Probe p;
  p.initial_delay_seconds = initial_delay;
  p.period_seconds = period;
  p.failure_threshold = failure_threshold;
  p.success_threshold = success_threshold;
  return p;
}

TEST(ProbeTracker, ReadinessStartsNotReadyAndFirstProbeWaitsForTheInitialDelay) {
  testing::FakeScheduler clock;
  ProbeTracker readiness(probe(5, 10, 3), ProbeKind::readiness, clock.now());
  EXPECT_FALSE(readiness.passing());
  EXPECT_FALSE(readiness.due(clock.now()));
  clock.advance(seconds(4));
  EXPECT_FALSE(readiness.due(clock.now()));
  clock.advance(seconds(1));
  EXPECT_TRUE(readiness.due(clock.now()));
  EXPECT_TRUE(readiness.record(clock.now(), true));
  EXPECT_TRUE(readiness.passing());
  EXPECT_EQ(readiness.next_due(), clock.now() + seconds(10));
}

TEST(ProbeTracker, ReadinessFailsOnlyAfterFailureThresholdConsecutiveFailures) {
  testing::FakeScheduler clock;
  ProbeTracker readiness(probe(0, 5, 3), ProbeKind::readiness, clock.now());
  readiness.record(clock.now(), true);
  for (int i = 0; i < 2; ++i) {
    clock.advance(seconds(5));
    EXPECT_FALSE(readiness.record(clock.now(), false));
    EXPECT_TRUE(readiness.passing());
  }
  clock.advance(seconds(5));
  EXPECT_TRUE(readiness.record(clock.now(), false));
  EXPECT_FALSE(readiness.passing());
  EXPECT_EQ(readiness.consecutive_failures(), 3);
}

TEST(ProbeTracker, ASuccessResetsTheFailureCountAndSuccessThresholdApplies) {
  testing::FakeScheduler clock;
  ProbeTracker readiness(probe(0, 1, 2, 2), ProbeKind::readiness, clock.now());
  readiness.record(clock.now(), true);
  EXPECT_FALSE(readiness.passing());  // successThreshold 2
  readiness.record(clock.now(), true);
  EXPECT_TRUE(readiness.passing());
  readiness.record(clock.now(), false);
  readiness.record(clock.now(), true);  // resets the failure count
  readiness.record(clock.now(), false);
  EXPECT_TRUE(readiness.passing());
}

TEST(ProbeTracker, LivenessStartsAliveAndDiesAtTheThreshold) {
  testing::FakeScheduler clock;
  ProbeTracker liveness(probe(5, 10, 3), ProbeKind::liveness, clock.now());
  EXPECT_TRUE(liveness.passing());
  clock.advance(seconds(5));
  liveness.record(clock.now(), false);
  clock.advance(seconds(10));
  liveness.record(clock.now(), false);
  EXPECT_TRUE(liveness.passing());
  clock.advance(seconds(10));
  EXPECT_TRUE(liveness.record(clock.now(), false));
  EXPECT_FALSE(liveness.passing());
  // Killed after initialDelay + 2 periods = 25 s of failing probes.
  EXPECT_EQ(clock.elapsed(), seconds(25));
}

TEST(ProbeStatus, SuccessIs200To399) {
  EXPECT_FALSE(probe_status_succeeds(199));
  EXPECT_TRUE(probe_status_succeeds(200));
  EXPECT_TRUE(probe_status_succeeds(302));
  EXPECT_TRUE(probe_status_succeeds(399));
  EXPECT_FALSE(probe_status_succeeds(400));
  EXPECT_FALSE(probe_status_succeeds(503));
}

TEST(RestartBackOff, TenSecondsDoublingToFiveMinutes) {
  testing::FakeScheduler clock;
  RestartBackOff backoff;
  const long long expected[] = {10, 20, 40, 80, 160, 300, 300};
  for (long long delay : expected) {
    const SteadyTime started = clock.now();
    clock.advance(seconds(1));  // crashes after 1 s
    const SteadyTime at = backoff.restart_at(started, clock.now());
    EXPECT_EQ(at - clock.now(), seconds(delay));
    clock.advance(at - clock.now());
  }
}

TEST(RestartBackOff, ResetsAfterTenMinutesRunning) {
  testing::FakeScheduler clock;
  RestartBackOff backoff;
  SteadyTime started = clock.now();
  clock.advance(seconds(1));
  (void)backoff.restart_at(started, clock.now());  // 10
  (void)backoff.restart_at(started, clock.now());  // 20
  started = clock.now();
  clock.advance(std::chrono::minutes(10));
  EXPECT_EQ(backoff.restart_at(started, clock.now()) - clock.now(), seconds(10));
}

}  // namespace
}  // namespace lf::platform
