#include "log/log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { lf::log::configure({.app_id = "course-agent", .instance = "host1", .version = "1.0.0-learnflow"}); }
  void TearDown() override { lf::log::configure({}); }
};
}  // namespace

TEST_F(LogTest, TextFormatMatchesDaprd) {
  auto line = lf::log::format_line(lf::log::Level::info, "dapr.runtime",
                                   "Circuit breaker \"cb-pubsub\" changed state from closed to open", {},
                                   "2026-11-26T23:40:01.123456789Z");
  EXPECT_EQ(line,
            "time=2026-11-26T23:40:01.123456789Z level=info msg=\"Circuit breaker \\\"cb-pubsub\\\" changed state from "
            "closed to open\" app_id=course-agent instance=host1 scope=dapr.runtime type=log ver=1.0.0-learnflow");
}

TEST_F(LogTest, WarnIsPrintedAsWarningAndExtraFieldsAreQuotedWhenNeeded) {
  auto line = lf::log::format_line(lf::log::Level::warn, "dapr.contrib", "m", {{"component", "pubsub (pubsub.kafka/v1)"}},
                                   "T");
  EXPECT_NE(line.find("level=warning"), std::string::npos);
  EXPECT_NE(line.find("component=\"pubsub (pubsub.kafka/v1)\""), std::string::npos);
}

TEST_F(LogTest, JsonFormatIsOneObjectPerLine) {
  lf::log::configure({.app_id = "user-progress", .instance = "h", .json = true});
  auto line = lf::log::format_line(lf::log::Level::error, "dapr.runtime", "boom \"x\"\n", {{"k", "v"}}, "T");
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["msg"], "boom \"x\"\n");
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["app_id"], "user-progress");
  EXPECT_EQ(j["scope"], "dapr.runtime");
  EXPECT_EQ(j["type"], "log");
  EXPECT_EQ(j["k"], "v");
}

TEST_F(LogTest, LevelFilterAndCapture) {
  lf::log::configure({.app_id = "a", .instance = "h", .level = lf::log::Level::warn});
  lf::log::CaptureSink capture;
  lf::log::Logger logger("dapr.runtime");
  logger.info("hidden");
  logger.warn("shown");
  EXPECT_EQ(capture.lines().size(), 1u);
  EXPECT_TRUE(capture.contains("msg=\"shown\""));
  lf::log::Level level;
  EXPECT_TRUE(lf::log::parse_level("WARNING", level));
  EXPECT_EQ(level, lf::log::Level::warn);
  EXPECT_FALSE(lf::log::parse_level("verbose", level));
}
