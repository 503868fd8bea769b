#include "core/duration.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using lf::Duration;

TEST(GoDuration, ParsesUnitsAndCompounds) {
  EXPECT_EQ(*lf::parse_go_duration("500ms"), Duration(500ms));
  EXPECT_EQ(*lf::parse_go_duration("5s"), Duration(5s));
  EXPECT_EQ(*lf::parse_go_duration("1m30s"), Duration(90s));
  EXPECT_EQ(*lf::parse_go_duration("1.5h"), Duration(90min));
  EXPECT_EQ(*lf::parse_go_duration("-2s"), Duration(-2s));
  EXPECT_EQ(*lf::parse_go_duration("0"), Duration(0));
  EXPECT_EQ(*lf::parse_go_duration("10us"), Duration(10us));
  EXPECT_EQ(*lf::parse_go_duration("10\xC2\xB5s"), Duration(10us));
  EXPECT_EQ(*lf::parse_go_duration(".5s"), Duration(500ms));
}

TEST(GoDuration, RejectsMalformedText) {
  EXPECT_EQ(lf::parse_go_duration("5").error().message, "missing unit in duration \"5\"");
  EXPECT_EQ(lf::parse_go_duration("5 sec").error().message, "unknown unit \" sec\" in duration \"5 sec\"");
  EXPECT_EQ(lf::parse_go_duration("").error().message, "invalid duration \"\"");
  EXPECT_FALSE(lf::parse_go_duration("s").has_value());
  EXPECT_FALSE(lf::parse_go_duration("1..5s").has_value());
}

TEST(DaprDuration, BareIntegerMeansMilliseconds) {
  EXPECT_EQ(*lf::parse_dapr_duration("1500"), Duration(1500ms));
  EXPECT_EQ(*lf::parse_dapr_duration("2s"), Duration(2s));
}

TEST(GoDuration, FormatsLikeGo) {
  EXPECT_EQ(lf::format_go_duration(0s), "0s");
  EXPECT_EQ(lf::format_go_duration(5s), "5s");
  EXPECT_EQ(lf::format_go_duration(90s), "1m30s");
  EXPECT_EQ(lf::format_go_duration(500ms), "500ms");
  EXPECT_EQ(lf::format_go_duration(1500ms), "1.5s");
  EXPECT_EQ(lf::format_go_duration(2h), "2h0m0s");
  EXPECT_EQ(lf::format_go_duration(1234567ns), "1.234567ms");
  EXPECT_EQ(lf::format_go_duration(-2s), "-2s");
}
