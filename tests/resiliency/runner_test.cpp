#include "resiliency/runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_scheduler.hpp"

namespace lf::resiliency {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

// Records what the engine reports.
struct RecordingObserver : Observer {
  std::vector<std::string> events;
  void policy_activated(const PolicyTarget& t, PolicyKind k, std::optional<BreakerState> s) override {
    events.push_back(std::string("activated ") + t.operation + " " + std::to_string(static_cast<int>(k)) +
                     (s ? std::string(" ") + state_name(*s) : ""));
  }
  void retrying(const PolicyTarget& t, const std::string& error, Duration wait) override {
    events.push_back("retrying " + t.operation + " " + error + " " + std::to_string(wait.count()));
  }
  void recovered(const PolicyTarget& t, int attempts) override {
    events.push_back("recovered " + t.operation + " " + std::to_string(attempts));
  }
};

struct RunnerTest : ::testing::Test {
  testing::FakeScheduler sched;
  RecordingObserver observer;
  Runner runner{sched, &observer, [] { return 0.5; }};
  std::vector<Duration> attempt_times;
  std::optional<OpResult> final_result;
  Duration finished_at{-1};

  // An operation answering `outcome(attempt)` after `latency` (synchronously when zero).
  Operation op(std::function<OpResult(int)> outcome, Duration latency = 0s) {
    return [this, outcome, latency](const AttemptContext& ctx, OpCompletion done) {
      attempt_times.push_back(sched.elapsed());
      if (latency == 0s) {
        done(outcome(ctx.attempt));
      } else {
        sched.schedule_after(latency, [done, r = outcome(ctx.attempt)] { done(r); });
      }
    };
  }
  OpCompletion done() {
    return [this](OpResult r) {
      EXPECT_FALSE(final_result.has_value()) << "completion ran twice";
      final_result = std::move(r);
      finished_at = sched.elapsed();
    };
  }
  static RetryPolicy constant(Duration every, std::int64_t max_retries) {
    RetryPolicy p;
    p.duration = every;
    p.max_retries = max_retries;
    return p;
  }
  void run_all() {
    while (sched.advance_to_next()) {
    }
  }
};

TEST_F(RunnerTest, ConstantRetriesAtExactInstants) {
  PolicyDefinition def;
  def.target.operation = "op";
  def.retry = constant(2s, 3);
  runner.run(def, op([](int) { return OpResult::failure("connection refused"); }), done());
  run_all();
  EXPECT_THAT(attempt_times, ElementsAre(0s, 2s, 4s, 6s));  // maxRetries 3 = 4 attempts
  ASSERT_TRUE(final_result);
  EXPECT_EQ(final_result->kind, OpResult::Kind::error);
  EXPECT_EQ(final_result->message, "connection refused");
  EXPECT_EQ(finished_at, 6s);
  EXPECT_THAT(observer.events, ElementsAre("retrying op connection refused 2000000000", "activated op 1"));
}

TEST_F(RunnerTest, ZeroRetriesMeansOneAttempt) {
  PolicyDefinition def;
  def.retry = constant(1s, 0);
  runner.run(def, op([](int) { return OpResult::failure("x"); }), done());
  run_all();
  EXPECT_THAT(attempt_times, ElementsAre(0s));
  EXPECT_TRUE(observer.events.empty());
}

TEST_F(RunnerTest, UnlimitedRetriesUntilRecovery) {
  PolicyDefinition def;
  def.target.operation = "op";
  def.retry = constant(100ms, -1);
  runner.run(def, op([](int attempt) { return attempt < 50 ? OpResult::failure("down") : OpResult::ok(); }), done());
  run_all();
  ASSERT_EQ(attempt_times.size(), 50u);
  EXPECT_EQ(attempt_times.back(), 4900ms);
  ASSERT_TRUE(final_result);
  EXPECT_TRUE(final_result->is_ok());
  EXPECT_THAT(observer.events, ElementsAre("retrying op down 100000000", "activated op 1", "recovered op 50"));
}

TEST_F(RunnerTest, ExponentialWaitsWithinJitterAndStopAtFifteenMinutes) {
  Runner jittery{sched, nullptr, [n = 0]() mutable { return (n++ % 7) / 7.0; }};
  PolicyDefinition def;
  RetryPolicy p;
  p.kind = BackoffKind::exponential;
  p.max_interval = 60s;
  def.retry = p;
  jittery.run(def, op([](int) { return OpResult::failure("x"); }), done());
  run_all();
  ASSERT_GT(attempt_times.size(), 20u);
  double base = 0.5;
  for (std::size_t i = 1; i < attempt_times.size(); ++i) {
    double wait = std::chrono::duration<double>(attempt_times[i] - attempt_times[i - 1]).count();
    EXPECT_GE(wait, 0.5 * base - 2e-9) << i;
    EXPECT_LE(wait, 1.5 * base + 2e-9) << i;
    base = std::min(base * 1.5, 60.0);
  }
  EXPECT_LE(finished_at, Duration(15min));
  EXPECT_GT(finished_at, Duration(15min) - 90s);  // the next wait (<= 90s) would have passed 15 min
}

TEST_F(RunnerTest, MatchingCodesRetryOthersReturnAtOnce) {
  PolicyDefinition def;
  RetryPolicy p = constant(1s, 5);
  p.http_status_codes = StatusCodeSet{{{500, 504}}};
  def.retry = p;
  runner.run(def, op([](int attempt) { return attempt < 3 ? OpResult::code_error(503, "unavailable")
                                                          : OpResult::code_error(404, "not found"); }),
             done());
  run_all();
  EXPECT_THAT(attempt_times, ElementsAre(0s, 1s, 2s));
  EXPECT_EQ(final_result->status, 404);
  EXPECT_EQ(final_result->kind, OpResult::Kind::code_error);
}

TEST_F(RunnerTest, TransportErrorsIgnoreMatching) {
  PolicyDefinition def;
  RetryPolicy p = constant(1s, 2);
  p.http_status_codes = StatusCodeSet{{{429, 429}}};
  p.grpc_status_codes = StatusCodeSet{{{14, 14}}};
  def.retry = p;
  runner.run(def, op([](int) { return OpResult::failure("dial tcp: connection refused"); }), done());
  run_all();
  EXPECT_EQ(attempt_times.size(), 3u);
  EXPECT_TRUE(status_matches(p, 14));
  EXPECT_FALSE(status_matches(p, 2));
  EXPECT_TRUE(status_matches(p, 429));
  EXPECT_FALSE(status_matches(p, 500));
  RetryPolicy only_http = constant(1s, 1);
  only_http.http_status_codes = StatusCodeSet{{{500, 500}}};
  EXPECT_TRUE(status_matches(only_http, 4));  // gRPC codes unset: every gRPC code matches
}

TEST_F(RunnerTest, NonMatchingCodeStillCountsAsBreakerFailure) {
  PolicyDefinition def;
  RetryPolicy p = constant(1s, 5);
  p.http_status_codes = StatusCodeSet{{{503, 503}}};
  def.retry = p;
  def.breaker = std::make_shared<CircuitBreaker>("b", CircuitBreakerPolicy{}, sched);
  runner.run(def, op([](int) { return OpResult::code_error(400, "bad"); }), done());
  run_all();
  EXPECT_EQ(attempt_times.size(), 1u);
  EXPECT_EQ(def.breaker->counts().total_failures, 1u);
}

TEST_F(RunnerTest, TimeoutIsPerAttemptAndCancelsTheAttempt) {
  PolicyDefinition def;
  def.target.operation = "op";
  def.timeout = 1s;
  def.retry = constant(2s, 2);
  int cancelled = 0;
  Operation never = [&](const AttemptContext& ctx, OpCompletion done) {
    attempt_times.push_back(sched.elapsed());
    ctx.cancel->on_cancel([&] { ++cancelled; });
    // Finishes long after the deadline: the late result must be dropped.
    sched.schedule_after(10s, [done] { done(OpResult::ok()); });
  };
  runner.run(def, never, done());
  run_all();
  EXPECT_THAT(attempt_times, ElementsAre(0s, 3s, 6s));
  EXPECT_EQ(cancelled, 3);
  ASSERT_TRUE(final_result);
  EXPECT_EQ(final_result->kind, OpResult::Kind::deadline_exceeded);
  EXPECT_EQ(final_result->message, "context deadline exceeded");
  EXPECT_EQ(finished_at, 7s);
  // One timeout activation per operation, one retry activation.
  EXPECT_THAT(observer.events, ElementsAre("activated op 0", "retrying op context deadline exceeded 2000000000",
                                           "activated op 1"));
}

// The Kafka producer's own message timeout equals the policy's: when its failure lands at the
// deadline before the timer does, the attempt still timed out (Dapr's context has expired).
TEST_F(RunnerTest, OperationFailingAtItsDeadlineCountsAsTimedOut) {
  PolicyDefinition def;
  def.target.operation = "op";
  def.timeout = 1s;
  OpCompletion pending;
  sched.schedule_after(1s, [&] { pending(OpResult::failure("kafka: message timed out")); });  // fires before the timer
  runner.run(def, [&](const AttemptContext&, OpCompletion done) { pending = std::move(done); }, done());
  run_all();
  ASSERT_TRUE(final_result);
  EXPECT_EQ(final_result->kind, OpResult::Kind::deadline_exceeded);
  EXPECT_EQ(finished_at, 1s);
  EXPECT_THAT(observer.events, ElementsAre("activated op 0"));
}

TEST_F(RunnerTest, OperationFailingBeforeItsDeadlineKeepsItsError) {
  PolicyDefinition def;
  def.timeout = 1s;
  runner.run(def, op([](int) { return OpResult::failure("refused"); }, 999ms), done());
  run_all();
  ASSERT_TRUE(final_result);
  EXPECT_EQ(final_result->kind, OpResult::Kind::error);
  EXPECT_EQ(final_result->message, "refused");
  EXPECT_TRUE(observer.events.empty());
}

TEST_F(RunnerTest, AttemptFinishingBeforeTimeoutWins) {
  PolicyDefinition def;
  def.timeout = 1s;
  runner.run(def, op([](int) { return OpResult::ok(); }, 999ms), done());
  run_all();
  ASSERT_TRUE(final_result);
  EXPECT_TRUE(final_result->is_ok());
  EXPECT_EQ(finished_at, 999ms);
  EXPECT_EQ(sched.pending(), 0u);  // the timeout timer was cancelled
}

TEST_F(RunnerTest, OpenBreakerEndsRetries) {
  PolicyDefinition def;
  def.retry = constant(1s, -1);
  CircuitBreakerPolicy cbp;
  cbp.trip = *TripExpression::compile("consecutiveFailures >= 2");
  def.breaker = std::make_shared<CircuitBreaker>("b", cbp, sched);
  runner.run(def, op([](int) { return OpResult::failure("boom"); }), done());
  run_all();
  EXPECT_THAT(attempt_times, ElementsAre(0s, 1s));  // the third attempt is rejected, not retried
  ASSERT_TRUE(final_result);
  EXPECT_EQ(final_result->kind, OpResult::Kind::breaker_rejected);
  EXPECT_EQ(final_result->message, "circuit breaker is open");
  EXPECT_EQ(finished_at, 2s);
}

TEST_F(RunnerTest, TimeoutsAreBreakerFailures) {
  PolicyDefinition def;
  def.timeout = 100ms;
  def.breaker = std::make_shared<CircuitBreaker>("b", CircuitBreakerPolicy{}, sched);
  for (int i = 0; i < 6; ++i) {
    final_result.reset();
    runner.run(def, op([](int) { return OpResult::ok(); }, 1s), done());
    run_all();
    EXPECT_EQ(final_result->kind, OpResult::Kind::deadline_exceeded);
  }
  EXPECT_EQ(def.breaker->state(), BreakerState::open);
  final_result.reset();
  runner.run(def, op([](int) { return OpResult::ok(); }), done());
  EXPECT_EQ(final_result->message, "circuit breaker is open");
}

TEST_F(RunnerTest, HalfOpenAdmitsOneThenTooManyRequests) {
  PolicyDefinition def;
  CircuitBreakerPolicy cbp;
  cbp.trip = *TripExpression::compile("consecutiveFailures >= 1");
  cbp.timeout = 5s;
  def.breaker = std::make_shared<CircuitBreaker>("b", cbp, sched);
  runner.run(def, op([](int) { return OpResult::failure("x"); }), done());
  sched.advance(5s + 1ms);
  final_result.reset();
  runner.run(def, op([](int) { return OpResult::ok(); }, 1s), done());  // the probe, in flight
  std::optional<OpResult> second;
  runner.run(def, op([](int) { return OpResult::ok(); }), [&](OpResult r) { second = r; });
  ASSERT_TRUE(second);
  EXPECT_EQ(second->message, "too many requests");
  run_all();
  EXPECT_TRUE(final_result->is_ok());
  EXPECT_EQ(def.breaker->state(), BreakerState::closed);
}

TEST_F(RunnerTest, CancelStopsRetrying) {
  PolicyDefinition def;
  def.retry = constant(1s, -1);
  auto handle = runner.run(def, op([](int) { return OpResult::failure("x"); }), done());
  sched.advance(2500ms);
  handle->cancel();
  run_all();
  EXPECT_THAT(attempt_times, ElementsAre(0s, 1s, 2s));
  EXPECT_EQ(final_result->kind, OpResult::Kind::canceled);
  EXPECT_EQ(final_result->message, "context canceled");
  EXPECT_EQ(finished_at, 2500ms);
  handle->cancel();  // no-op once finished
}

TEST_F(RunnerTest, NoPoliciesRunsOnce) {
  runner.run(PolicyDefinition{}, op([](int) { return OpResult::code_error(500, "e"); }), done());
  EXPECT_EQ(attempt_times.size(), 1u);
  EXPECT_EQ(final_result->status, 500);
}

}  // namespace
}  // namespace lf::resiliency
