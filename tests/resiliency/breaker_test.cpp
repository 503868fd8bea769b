#include "resiliency/circuit_breaker.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_scheduler.hpp"

namespace lf::resiliency {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

struct BreakerTest : ::testing::Test {
  testing::FakeScheduler clock;
  std::vector<std::string> changes;

  std::unique_ptr<CircuitBreaker> make(CircuitBreakerPolicy policy) {
    return std::make_unique<CircuitBreaker>("cb", policy, clock, [this](const std::string& name, BreakerState from,
                                                                        BreakerState to) {
      changes.push_back(name + ":" + state_name(from) + "->" + state_name(to));
    });
  }
  static void fail(CircuitBreaker& cb, int times = 1) {
    for (int i = 0; i < times; ++i) {
      auto g = cb.before_request();
      ASSERT_TRUE(g.has_value());
      cb.after_request(*g, false);
    }
  }
  static void succeed(CircuitBreaker& cb, int times = 1) {
    for (int i = 0; i < times; ++i) {
      auto g = cb.before_request();
      ASSERT_TRUE(g.has_value());
      cb.after_request(*g, true);
    }
  }
};

TEST_F(BreakerTest, DefaultTripsAfterSixConsecutiveFailures) {
  auto cb = make({});
  fail(*cb, 5);
  EXPECT_EQ(cb->state(), BreakerState::closed);
  succeed(*cb);  // resets the consecutive count
  fail(*cb, 5);
  EXPECT_EQ(cb->state(), BreakerState::closed);
  EXPECT_EQ(cb->counts().total_failures, 10u);
  fail(*cb);
  EXPECT_EQ(cb->state(), BreakerState::open);
  EXPECT_EQ(cb->counts().requests, 0u);  // counters reset on the state change
  auto rejected = cb->before_request();
  ASSERT_FALSE(rejected.has_value());
  EXPECT_STREQ(rejection_text(rejected.error()), "circuit breaker is open");
  EXPECT_THAT(changes, ElementsAre("cb:closed->open"));
}

TEST_F(BreakerTest, DefaultTimeoutSixtySecondsThenHalfOpenAdmitsOne) {
  auto cb = make({});  // maxRequests 0 -> 1, timeout 0 -> 60s
  fail(*cb, 6);
  clock.advance(60s);
  EXPECT_EQ(cb->state(), BreakerState::open);  // only strictly after the timeout
  clock.advance(1ns);
  auto first = cb->before_request();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(cb->state(), BreakerState::half_open);
  auto second = cb->before_request();
  ASSERT_FALSE(second.has_value());
  EXPECT_STREQ(rejection_text(second.error()), "too many requests");
  cb->after_request(*first, true);
  EXPECT_EQ(cb->state(), BreakerState::closed);
  EXPECT_THAT(changes, ElementsAre("cb:closed->open", "cb:open->half-open", "cb:half-open->closed"));
}

TEST_F(BreakerTest, HalfOpenNeedsMaxRequestsSuccessesAndAnyFailureReopens) {
  CircuitBreakerPolicy p;
  p.max_requests = 3;
  p.timeout = 10s;
  p.trip = *TripExpression::compile("consecutiveFailures >= 2");
  auto cb = make(p);
  fail(*cb, 2);
  ASSERT_EQ(cb->state(), BreakerState::open);
  clock.advance(10s + 1ms);
  succeed(*cb, 2);
  EXPECT_EQ(cb->state(), BreakerState::half_open);
  auto g = cb->before_request();
  ASSERT_TRUE(g.has_value());
  EXPECT_FALSE(cb->before_request().has_value());  // a 4th concurrent request: too many
  cb->after_request(*g, false);
  EXPECT_EQ(cb->state(), BreakerState::open);
  clock.advance(10s + 1ms);
  succeed(*cb, 3);
  EXPECT_EQ(cb->state(), BreakerState::closed);
  EXPECT_THAT(changes, ElementsAre("cb:closed->open", "cb:open->half-open", "cb:half-open->open",
                                   "cb:open->half-open", "cb:half-open->closed"));
}

TEST_F(BreakerTest, CustomTripUsesCounts) {
  CircuitBreakerPolicy p;
  p.trip = *TripExpression::compile("requests >= 4 && totalFailures * 2 > requests");
  auto cb = make(p);
  succeed(*cb, 2);
  fail(*cb, 2);
  EXPECT_EQ(cb->state(), BreakerState::closed);  // 2 of 4: not more than half
  fail(*cb);
  EXPECT_EQ(cb->state(), BreakerState::open);  // 3 of 5
}

TEST_F(BreakerTest, TripOnlyEvaluatedOnFailure) {
  CircuitBreakerPolicy p;
  p.trip = *TripExpression::compile("requests >= 1");
  auto cb = make(p);
  succeed(*cb, 5);
  EXPECT_EQ(cb->state(), BreakerState::closed);
  fail(*cb);
  EXPECT_EQ(cb->state(), BreakerState::open);
}

TEST_F(BreakerTest, EvaluationErrorNeverTrips) {
  CircuitBreakerPolicy p;
  p.trip = *TripExpression::compile("totalSuccesses / totalSuccesses == 1 || 1 / totalSuccesses == 0");
  auto cb = make(p);
  fail(*cb, 50);
  EXPECT_EQ(cb->state(), BreakerState::closed);
}

TEST_F(BreakerTest, IntervalClearsCountsLazilyWhileClosed) {
  CircuitBreakerPolicy p;
  p.interval = 10s;
  auto cb = make(p);
  fail(*cb, 5);
  clock.advance(10s);
  fail(*cb);  // at exactly the expiry the counts are kept: 6 consecutive -> open
  EXPECT_EQ(cb->state(), BreakerState::open);

  auto cb2 = make(p);
  fail(*cb2, 5);
  clock.advance(10s + 1ns);
  fail(*cb2);  // counts were cleared first: 1 consecutive failure
  EXPECT_EQ(cb2->state(), BreakerState::closed);
  EXPECT_EQ(cb2->counts().consecutive_failures, 1u);
}

TEST_F(BreakerTest, ZeroIntervalNeverClears) {
  auto cb = make({});
  fail(*cb, 5);
  clock.advance(24h);
  fail(*cb);
  EXPECT_EQ(cb->state(), BreakerState::open);
}

TEST_F(BreakerTest, ResultsFromAnOlderGenerationAreIgnored) {
  auto cb = make({});
  auto stale = cb->before_request();
  ASSERT_TRUE(stale.has_value());
  fail(*cb, 6);
  ASSERT_EQ(cb->state(), BreakerState::open);
  clock.advance(61s);
  auto probe = cb->before_request();  // half-open
  ASSERT_TRUE(probe.has_value());
  cb->after_request(*stale, false);  // from the closed generation: no effect
  EXPECT_EQ(cb->state(), BreakerState::half_open);
  cb->after_request(*probe, true);
  EXPECT_EQ(cb->state(), BreakerState::closed);
}

}  // namespace
}  // namespace lf::resiliency
