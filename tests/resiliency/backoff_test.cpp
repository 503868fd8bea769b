#include "resiliency/backoff.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lf::resiliency {
namespace {

using namespace std::chrono_literals;

RetryPolicy exponential(Duration max_interval, std::int64_t max_retries = -1) {
  RetryPolicy p;
  p.kind = BackoffKind::exponential;
  p.max_interval = max_interval;
  p.max_retries = max_retries;
  return p;
}

RandomSource fixed(double value) {
  return [value] { return value; };
}

TEST(Backoff, ConstantIsFixedAndCountsRetries) {
  RetryPolicy p;
  p.duration = 2s;
  p.max_retries = 3;
  Backoff b(p, SteadyTime{}, fixed(0.9));
  EXPECT_EQ(b.next(SteadyTime{}), 2s);
  EXPECT_EQ(b.next(SteadyTime{} + 1h), 2s);  // no elapsed-time cap for constant
  EXPECT_EQ(b.next(SteadyTime{}), 2s);
  EXPECT_EQ(b.next(SteadyTime{}), std::nullopt);
}

TEST(Backoff, ZeroRetriesStopsAtOnce) {
  RetryPolicy p;
  p.max_retries = 0;
  Backoff b(p, SteadyTime{}, fixed(0.5));
  EXPECT_EQ(b.next(SteadyTime{}), std::nullopt);
}

TEST(Backoff, UnlimitedConstantNeverStops) {
  RetryPolicy p;
  p.duration = 1ms;
  Backoff b(p, SteadyTime{}, fixed(0.5));
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(b.next(SteadyTime{} + 10h), 1ms);
}

TEST(Backoff, ExponentialMidpointFollowsDaprSequence) {
  // random 0.5 gives the centre of each jitter window: 500ms, 750ms, 1.125s, ... clamped at 15s.
  Backoff b(exponential(15s), SteadyTime{}, fixed(0.5));
  std::vector<Duration> expected = {500'000'000ns,   750'000'000ns,    1'125'000'000ns,  1'687'500'000ns,
                                    2'531'250'000ns, 3'796'875'000ns,  5'695'312'500ns,  8'542'968'750ns,
                                    12'814'453'125ns, 15'000'000'000ns, 15'000'000'000ns};
  for (auto want : expected) {
    auto got = b.next(SteadyTime{});
    ASSERT_TRUE(got);
    // +0.5ns from cenkalti's "+1" on the range, truncated.
    EXPECT_EQ(*got, want) << want.count();
  }
}

TEST(Backoff, ExponentialJitterBounds) {
  Backoff low(exponential(60s), SteadyTime{}, fixed(0.0));
  Backoff high(exponential(60s), SteadyTime{}, fixed(0.999999999));
  Duration base = 500ms;
  for (int i = 0; i < 20; ++i) {
    auto l = low.next(SteadyTime{});
    auto h = high.next(SteadyTime{});
    ASSERT_TRUE(l && h);
    EXPECT_EQ(*l, Duration(base.count() / 2)) << i;
    EXPECT_GE(*h, Duration(base.count() * 3 / 2 - base.count() / 1'000'000)) << i;
    EXPECT_LE(*h, Duration(base.count() * 3 / 2 + 1)) << i;
    base = base.count() >= 60'000'000'000 / 1.5 ? Duration(60s) : Duration(static_cast<long>(base.count() * 1.5));
  }
}

TEST(Backoff, ExponentialStopsAtFifteenMinutesEvenUnlimited) {
  Backoff b(exponential(60s), SteadyTime{}, fixed(0.5));
  // The wait may run until exactly 15 min but not past it.
  EXPECT_EQ(b.next(SteadyTime{} + 15min - 500ms), 500ms);
  EXPECT_EQ(b.next(SteadyTime{} + 15min - 749ms), std::nullopt);  // 750ms would end after 15 min
}

TEST(Backoff, ExponentialMaxRetries) {
  Backoff b(exponential(60s, 2), SteadyTime{}, fixed(0.5));
  EXPECT_TRUE(b.next(SteadyTime{}));
  EXPECT_TRUE(b.next(SteadyTime{}));
  EXPECT_EQ(b.next(SteadyTime{}), std::nullopt);
}

}  // namespace
}  // namespace lf::resiliency

namespace lf::resiliency {
namespace {

TEST(RetryBudget, ConstantCountsAttemptsAndWaits) {
  RetryPolicy p;
  p.duration = 2s;
  p.max_retries = 3;
  EXPECT_EQ(retry_budget(p, 5s), 4 * 5s + 3 * 2s);
  EXPECT_EQ(retry_budget(p, 0s), 6s);
  p.max_retries = -1;
  EXPECT_EQ(retry_budget(p, 5s), std::nullopt);
  p.max_retries = 0;
  EXPECT_EQ(retry_budget(p, 5s), 5s);
}

TEST(RetryBudget, ExponentialUpperBoundsAndFifteenMinuteCap) {
  RetryPolicy p;
  p.kind = BackoffKind::exponential;
  p.max_interval = 1s;
  p.max_retries = 3;
  // Waits at 1.5 × (500ms, 750ms, 1s) plus four 2s attempts.
  EXPECT_EQ(retry_budget(p, 2s), 750ms + 1125ms + 1500ms + 4 * 2s);
  p.max_retries = -1;
  EXPECT_EQ(retry_budget(p, 2s), 15min + 2s);  // the last wait ends by 15 min, then one attempt
  p.max_interval = 1ns;                         // tiny intervals stay fast to compute
  p.max_retries = 1'000'000'000'000;
  EXPECT_EQ(retry_budget(p, 0s), 15min);
}

}  // namespace
}  // namespace lf::resiliency
