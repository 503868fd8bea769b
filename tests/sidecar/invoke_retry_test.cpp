// Which invocation attempts the resiliency runner retries: DaprBuiltInServiceRetries only on
// Unavailable hops to the callee sidecar; an apps target's policy on any failed hop and on
// matching app statuses.
#include "sidecar/invoke_retry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "resiliency/provider.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::sidecar {
namespace {

using namespace std::chrono_literals;
using resiliency::OpResult;
using ::testing::ElementsAre;

struct InvokeRetryTest : ::testing::Test {
  lf::testing::FakeScheduler sched;
  resiliency::Runner runner{sched, nullptr, [] { return 0.5; }};
  std::vector<Duration> attempt_times;
  std::optional<OpResult> final_result;

  // Runs `policy` over attempts that all end in `outcome`, to completion.
  // Attempt times are relative to the run's start; each run clears the previous one's record.
  void run(const resiliency::PolicyDefinition& policy, OpResult outcome) {
    attempt_times.clear();
    final_result.reset();
    const Duration started = sched.elapsed();
    runner.run(
        policy,
        [&, outcome, started](const resiliency::AttemptContext&, resiliency::OpCompletion done) {
          attempt_times.push_back(sched.elapsed() - started);
          done(outcome);
        },
        [&](OpResult r) { final_result = std::move(r); });
    while (sched.advance_to_next()) {
    }
  }
  static resiliency::PolicyDefinition builtin() {
    resiliency::PolicyDefinition p;
    p.retry = builtin_service_retry(resiliency::builtin_retry_default(resiliency::BuiltInRetry::service));
    return p;
  }
  static resiliency::PolicyDefinition apps_target_retrying_everything() {
    resiliency::PolicyDefinition p;
    resiliency::RetryPolicy retry;
    retry.duration = 1s;
    retry.max_retries = 2;
    p.retry = retry;
    return p;
  }
};

TEST_F(InvokeRetryTest, BuiltInRetriesAnUnreachableCalleeSidecarThreeTimesOneSecondApart) {
  for (auto kind : {http::ClientError::connect_refused, http::ClientError::connect_failed, http::ClientError::connection_reset}) {
    run(builtin(), hop_failure(false, kind, "dial tcp 127.0.0.1:1: connect: connection refused"));
    EXPECT_THAT(attempt_times, ElementsAre(0s, 1s, 2s, 3s)) << http::to_string(kind);
    ASSERT_TRUE(final_result);
    EXPECT_EQ(final_result->message, "dial tcp 127.0.0.1:1: connect: connection refused");
  }
}

TEST_F(InvokeRetryTest, BuiltInDoesNotRetryTheCalleeSidecarsOwnErrorAnswer) {
  run(builtin(), answered(false, 500, true, "{\"message\":\"failed to invoke, id: b, err: app is not in a healthy state\"}"));
  EXPECT_THAT(attempt_times, ElementsAre(0s));
  ASSERT_TRUE(final_result);
  EXPECT_EQ(final_result->kind, OpResult::Kind::code_error);
  EXPECT_EQ(final_result->status, kGrpcInternal);
}

TEST_F(InvokeRetryTest, BuiltInDoesNotRetryTimeoutsProtocolErrorsOrUnresolvableCallees) {
  for (auto outcome : {hop_failure(false, http::ClientError::timeout, "context deadline exceeded"),
                       hop_failure(false, http::ClientError::protocol, "malformed HTTP response"),
                       hop_failure(false, http::ClientError::body_too_large, "http: response body too large"),
                       pre_send_failure(false, "couldn't find service: b")}) {
    run(builtin(), outcome);
    EXPECT_THAT(attempt_times, ElementsAre(0s)) << outcome.message;
  }
}

TEST_F(InvokeRetryTest, BuiltInPassesEveryAppStatusThrough) {
  for (int status : {200, 302, 404, 500, 503}) {
    EXPECT_TRUE(answered(false, status, false, "").is_ok()) << status;
  }
  // A 4xx made by the callee sidecar (access control's 403) is an answer too.
  EXPECT_TRUE(answered(false, 403, true, "").is_ok());
}

TEST_F(InvokeRetryTest, BuiltInOverrideKeepsItsScheduleButStillRetriesOnlyUnavailable) {
  resiliency::RetryPolicy configured;
  configured.duration = 250ms;
  configured.max_retries = 4;
  resiliency::PolicyDefinition policy;
  policy.retry = builtin_service_retry(configured);
  run(policy, hop_failure(false, http::ClientError::connect_refused, "refused"));
  EXPECT_THAT(attempt_times, ElementsAre(0ms, 250ms, 500ms, 750ms, 1000ms));
  run(policy, answered(false, 502, true, "bad gateway"));
  EXPECT_THAT(attempt_times, ElementsAre(0s));
}

TEST_F(InvokeRetryTest, AppsTargetRetriesFailedHopsAndTheCalleeSidecarsErrors) {
  run(apps_target_retrying_everything(), answered(true, 500, true, "app is not in a healthy state"));
  EXPECT_THAT(attempt_times, ElementsAre(0s, 1s, 2s));
  run(apps_target_retrying_everything(), hop_failure(true, http::ClientError::timeout, "context deadline exceeded"));
  EXPECT_THAT(attempt_times, ElementsAre(0s, 1s, 2s));
}

TEST_F(InvokeRetryTest, AppsTargetSeesAppStatusesOutside200To399AsCodeErrors) {
  auto r = answered(true, 503, false, "");
  EXPECT_EQ(r.kind, OpResult::Kind::code_error);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.message, "received non-successful status code: 503");
  EXPECT_TRUE(answered(true, 399, false, "").is_ok());
  EXPECT_EQ(answered(true, 199, false, "").kind, OpResult::Kind::code_error);
}

}  // namespace
}  // namespace lf::sidecar
