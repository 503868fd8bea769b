// The breaker judgements of scenario 3 (failing dependency) on fixed log lines and answers.
#include <gtest/gtest.h>

#include "verify/judge.hpp"

namespace lf::verify {
namespace {
using namespace std::chrono_literals;

WallTime at(double seconds) {
  return WallTime{} + std::chrono::duration_cast<WallTime::duration>(std::chrono::duration<double>(seconds));
}

BreakerTransition transition(double seconds, std::string from, std::string to, std::string breaker = "user-progress:status") {
  return {at(seconds), std::move(breaker), std::move(from), std::move(to)};
}

TEST(ParseBreakerTransition, ReadsNameAndStates) {
  auto line = parse_daprd_line(
      "time=\"2026-11-27T02:40:01.123456Z\" level=info msg=\"Circuit breaker \\\"user-progress:status\\\" changed state "
      "from closed to open\" app_id=learnflow-frontend scope=dapr.runtime type=log ver=1.14.4");
  ASSERT_TRUE(line);
  auto t = parse_breaker_transition(*line);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->breaker, "user-progress:status");
  EXPECT_EQ(t->from, "closed");
  EXPECT_EQ(t->to, "open");
  EXPECT_EQ(t->time, line->time);

  auto half = parse_breaker_transition({at(0), "info", "Circuit breaker \"a:b/c\" changed state from open to half-open"});
  ASSERT_TRUE(half);
  EXPECT_EQ(half->breaker, "a:b/c");
  EXPECT_EQ(half->to, "half-open");
}

TEST(ParseBreakerTransition, RejectsOtherAndBrokenLines) {
  EXPECT_FALSE(parse_breaker_transition({at(0), "info", "Loading Resiliency configuration: x"}));
  EXPECT_FALSE(parse_breaker_transition({at(0), "info", "Circuit breaker \"x changed state from closed to open"}));
  EXPECT_FALSE(parse_breaker_transition({at(0), "info", "Circuit breaker \"x\" changed state from closed"}));
  EXPECT_FALSE(parse_breaker_transition({at(0), "info", "Circuit breaker \"x\" changed state from shut to open"}));
  EXPECT_FALSE(parse_breaker_transition({at(0), "info", ""}));
}

TEST(JudgeTrip, OpensAtTheThresholdthFailure) {
  // Failures 1 s apart; the 5th at 14 s trips; its own log line may come a moment after the open line.
  std::vector<WallTime> failures{at(10), at(11), at(12), at(13), at(14.001), at(15)};
  auto r = judge_trip(failures, at(14), 5, 0.2);
  EXPECT_TRUE(r.passed) << r.detail;
  EXPECT_EQ(r.failures_by_open, 5);
  EXPECT_EQ(r.failures_before_open, 4);
}

TEST(JudgeTrip, TooEarlyOrTooLateFails) {
  std::vector<WallTime> failures{at(10), at(11), at(12), at(13), at(14), at(15)};
  auto early = judge_trip(failures, at(12), 5, 0.2);  // after 3 failures
  EXPECT_FALSE(early.passed);
  EXPECT_EQ(early.failures_by_open, 3);
  auto late = judge_trip(failures, at(15), 5, 0.2);  // 5 failures were already more than 0.2 s old
  EXPECT_FALSE(late.passed);
  EXPECT_EQ(late.failures_before_open, 5);
  EXPECT_FALSE(judge_trip({}, at(1), 5, 0.2).passed);
  EXPECT_FALSE(judge_trip(failures, at(14), 0, 0.2).passed);
}

TEST(JudgeTrip, SimultaneousFailuresStillPass) {
  // Six concurrent attempts time out within a few milliseconds: the 5th trips.
  std::vector<WallTime> failures{at(10.000), at(10.001), at(10.002), at(10.003), at(10.004), at(10.005)};
  EXPECT_TRUE(judge_trip(failures, at(10.004), 5, 0.2).passed);
}

TEST(JudgeBreakerCycle, FullCycleAfterTheTimeout) {
  std::vector<BreakerTransition> ts{transition(12, "closed", "open"), transition(12.5, "closed", "open", "other:x"),
                                    transition(42.3, "open", "half-open"), transition(42.31, "half-open", "closed")};
  auto r = judge_breaker_cycle(ts, "user-progress:status", 30, 0.5);
  EXPECT_TRUE(r.passed) << r.detail;
  EXPECT_NEAR(r.open_s, 30.3, 1e-3);
  EXPECT_EQ(r.reopened, 0);
  EXPECT_EQ(r.detail, "\"user-progress:status\": open for 30.3s (timeout 30.0s), then half-open -> closed");
}

TEST(JudgeBreakerCycle, FailedTrialIsCountedAndCycleStillCompletes) {
  std::vector<BreakerTransition> ts{transition(10, "closed", "open"), transition(40, "open", "half-open"),
                                    transition(40.1, "half-open", "open"), transition(70, "open", "half-open"),
                                    transition(70.1, "half-open", "closed")};
  auto r = judge_breaker_cycle(ts, "user-progress:status", 30, 0.5);
  EXPECT_TRUE(r.passed) << r.detail;
  EXPECT_EQ(r.reopened, 1);
}

TEST(JudgeBreakerCycle, MissingOrEarlyStepsFail) {
  const std::string b = "user-progress:status";
  EXPECT_FALSE(judge_breaker_cycle({}, b, 30, 0.5).passed);
  EXPECT_EQ(judge_breaker_cycle({}, b, 30, 0.5).detail, "\"user-progress:status\": never changed state from closed to open");
  EXPECT_FALSE(judge_breaker_cycle({transition(10, "closed", "open")}, b, 30, 0.5).passed);
  EXPECT_FALSE(judge_breaker_cycle({transition(10, "closed", "open"), transition(40, "open", "half-open")}, b, 30, 0.5).passed);
  auto early = judge_breaker_cycle({transition(10, "closed", "open"), transition(20, "open", "half-open"),
                                    transition(20.1, "half-open", "closed")}, b, 30, 0.5);
  EXPECT_FALSE(early.passed);
  EXPECT_NE(early.detail.find("before its timeout"), std::string::npos);
  // A half-open line without a preceding open one does not count.
  EXPECT_FALSE(judge_breaker_cycle({transition(5, "open", "half-open"), transition(5.1, "half-open", "closed")}, b, 30, 0.5).passed);
}

TEST(IsOpenBreakerAnswer, OnlyDaprsOpenBreakerError) {
  EXPECT_TRUE(is_open_breaker_answer(
      500, R"({"errorCode":"ERR_DIRECT_INVOKE","message":"failed to invoke, id: user-progress, err: circuit breaker is open"})"));
  EXPECT_FALSE(is_open_breaker_answer(
      503, R"({"errorCode":"ERR_DIRECT_INVOKE","message":"failed to invoke, id: user-progress, err: circuit breaker is open"})"));
  EXPECT_FALSE(is_open_breaker_answer(
      500, R"({"errorCode":"ERR_DIRECT_INVOKE","message":"failed to invoke, id: user-progress, err: too many requests"})"));
  EXPECT_FALSE(is_open_breaker_answer(500, R"({"errorCode":"ERR_STATE_GET","message":"circuit breaker is open"})"));
  EXPECT_FALSE(is_open_breaker_answer(500, R"({"errorCode":"ERR_DIRECT_INVOKE","message":42})"));
  EXPECT_FALSE(is_open_breaker_answer(500, "circuit breaker is open"));
  EXPECT_FALSE(is_open_breaker_answer(500, ""));
}

TEST(IsReadableError, WordsInAJsonBody) {
  EXPECT_TRUE(is_readable_error(503, R"({"error":"backend_unavailable","message":"user-progress is unavailable: status 500"})"));
  EXPECT_TRUE(is_readable_error(500, R"({"error":"the store is down"})"));
  EXPECT_FALSE(is_readable_error(200, R"({"message":"all good here"})"));
  EXPECT_FALSE(is_readable_error(404, R"({"message":"no such thing"})"));
  EXPECT_FALSE(is_readable_error(503, R"({"error":"backend_unavailable"})"));  // a code, not words
  EXPECT_FALSE(is_readable_error(503, R"({"message":""})"));
  EXPECT_FALSE(is_readable_error(503, R"(["user-progress is unavailable"])"));
  EXPECT_FALSE(is_readable_error(503, "Service Unavailable"));
  EXPECT_FALSE(is_readable_error(503, ""));
  EXPECT_FALSE(is_readable_error(503, "{\"message\":\"\xff\xfe broken"));
}

}  // namespace
}  // namespace lf::verify
