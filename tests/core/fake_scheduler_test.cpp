#include "support/fake_scheduler.hpp"

#include <vector>

#include <gtest/gtest.h>

using namespace std::chrono_literals;

TEST(FakeScheduler, FiresInDeadlineOrderAtTheirInstants) {
  lf::testing::FakeScheduler s;
  std::vector<std::pair<int, lf::Duration>> fired;
  s.schedule_after(2s, [&] { fired.push_back({2, s.elapsed()}); });
  s.schedule_after(1s, [&] {
    fired.push_back({1, s.elapsed()});
    s.schedule_after(500ms, [&] { fired.push_back({3, s.elapsed()}); });
  });
  auto cancelled = s.schedule_after(1500ms, [&] { fired.push_back({99, s.elapsed()}); });
  EXPECT_TRUE(s.cancel(cancelled));
  EXPECT_FALSE(s.cancel(cancelled));
  s.advance(10s);
  ASSERT_EQ(fired.size(), 3u);
  EXPECT_EQ(fired[0], std::make_pair(1, lf::Duration(1s)));
  EXPECT_EQ(fired[1], std::make_pair(3, lf::Duration(1500ms)));
  EXPECT_EQ(fired[2], std::make_pair(2, lf::Duration(2s)));
  EXPECT_EQ(s.elapsed(), lf::Duration(10s));
}
