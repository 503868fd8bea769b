// The judging logic of `learnflow verify` on fixed inputs.
#include <gtest/gtest.h>

#include "verify/judge.hpp"

namespace lf::verify {
namespace {

std::string retry_line(const std::string& time, const std::string& wait = "1s") {
  return "time=" + time + " level=warn msg=\"Error processing operation component[pubsub] output. Retrying in " + wait +
         "\xE2\x80\xA6\" app_id=course-agent instance=h scope=dapr.resiliency type=log ver=1.0.0-learnflow";
}

std::vector<LogLine> parse_all(const std::vector<std::string>& lines) {
  std::vector<LogLine> out;
  for (const auto& l : lines)
    if (auto p = parse_daprd_line(l)) out.push_back(*p);
  return out;
}

TEST(ParseDaprdLine, LogfmtWithQuotedMessageAndFraction) {
  auto line = parse_daprd_line(
      "time=2026-11-26T23:40:01.250Z level=info msg=\"Loading Resiliency configuration: \\\"r\\\"\" app_id=a");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->level, "info");
  EXPECT_EQ(line->message, "Loading Resiliency configuration: \"r\"");
  auto whole = parse_rfc3339("2026-11-26T23:40:01Z");
  ASSERT_TRUE(whole);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(line->time - *whole).count(), 250);
}

TEST(ParseDaprdLine, JsonFormAndOffsets) {
  auto line = parse_daprd_line(R"({"time":"2026-11-26T23:40:01.5+01:00","level":"warn","msg":"x"})");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->message, "x");
  auto utc = parse_rfc3339("2026-11-26T22:40:01.5Z");
  ASSERT_TRUE(utc);
  EXPECT_EQ(line->time, *utc);
}

TEST(ParseDaprdLine, RejectsAnythingElse) {
  for (const char* bad : {"", "[learnflow] restarted", "time=yesterday msg=\"x\"", "time=2026-11-26T23:40:01Z level=info",
                          "{", "{\"time\":1}", "time=2026-13-26T23:40:01Z msg=\"x\"", "time=2026-11-26T23:40:01 msg=x"})
    EXPECT_FALSE(parse_daprd_line(bad)) << bad;
}

TEST(AnnouncedRetryWait, Units) {
  EXPECT_DOUBLE_EQ(*announced_retry_wait("Retrying in 1s\xE2\x80\xA6"), 1.0);
  EXPECT_DOUBLE_EQ(*announced_retry_wait("Retrying in 500ms\xE2\x80\xA6"), 0.5);
  EXPECT_DOUBLE_EQ(*announced_retry_wait("Retrying in 1.5s"), 1.5);
  EXPECT_FALSE(announced_retry_wait("Recovered processing operation"));
  EXPECT_FALSE(announced_retry_wait("Retrying in soon"));
}

WallTime at(const std::string& time) { return *parse_rfc3339(time); }

TEST(ProbeSpacing, FrozenBrokerConstantInterval) {
  // Another operation's first failure at +0.9s, the probe's at +2.02s; 3 attempts x 2s + 2 x 1s = 8s.
  auto lines = parse_all({retry_line("2026-11-26T10:00:00.900Z"), retry_line("2026-11-26T10:00:02.020Z"),
                          retry_line("2026-11-26T10:00:07.000Z")});
  auto r = judge_probe_spacing(at("2026-11-26T10:00:00Z"), 8.04, 500, lines, 1.0, 2.0, 2, 0.5);
  ASSERT_TRUE(r.first_failure_after_s);
  EXPECT_NEAR(*r.first_failure_after_s, 2.02, 1e-6);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_NEAR(r.implied_interval_s, 1.02, 1e-9);
  EXPECT_TRUE(r.announced_wait_matches);
  EXPECT_TRUE(r.passed) << r.detail;
}

TEST(ProbeSpacing, LongerAttemptsOrWaitsFail) {
  auto lines = parse_all({retry_line("2026-11-26T10:00:02Z")});
  // 10s total: the waits were 2s each, not 1s.
  auto slow = judge_probe_spacing(at("2026-11-26T10:00:00Z"), 10.0, 500, lines, 1.0, 2.0, 2, 0.5);
  EXPECT_NEAR(slow.implied_interval_s, 2.0, 1e-9);
  EXPECT_FALSE(slow.passed);
  EXPECT_NE(slow.detail.find("implied interval 2.00s vs configured 1.00s"), std::string::npos) << slow.detail;
  // First failure 3s after the start: the attempt outlived its 2s timeout.
  lines = parse_all({retry_line("2026-11-26T10:00:03Z")});
  auto late = judge_probe_spacing(at("2026-11-26T10:00:00Z"), 8.0, 500, lines, 1.0, 2.0, 2, 0.5);
  EXPECT_FALSE(late.passed) << late.detail;
}

TEST(ProbeSpacing, NeedsTheFailureTheLineAndTheConfiguredWait) {
  auto lines = parse_all({retry_line("2026-11-26T10:00:02Z")});
  EXPECT_FALSE(judge_probe_spacing(at("2026-11-26T10:00:00Z"), 8.0, 204, lines, 1.0, 2.0, 2, 0.5).passed);
  auto none = judge_probe_spacing(at("2026-11-26T10:00:00Z"), 8.0, 500, {}, 1.0, 2.0, 2, 0.5);
  EXPECT_FALSE(none.first_failure_after_s);
  EXPECT_FALSE(none.passed);
  EXPECT_NE(none.detail.find("first failure logged never"), std::string::npos) << none.detail;
  auto wrong_wait = parse_all({retry_line("2026-11-26T10:00:02Z", "2s")});
  auto r = judge_probe_spacing(at("2026-11-26T10:00:00Z"), 8.0, 500, wrong_wait, 1.0, 2.0, 2, 0.5);
  EXPECT_FALSE(r.announced_wait_matches);
  EXPECT_FALSE(r.passed);
}

TEST(ExactlyOnce, CountsMissingAndDuplicates) {
  auto ok = judge_exactly_once({"a", "b", "c"}, {"c", "a", "b", "other-user-lesson"});
  EXPECT_TRUE(ok.passed());
  EXPECT_EQ(ok.persisted_once, 3);
  auto bad = judge_exactly_once({"a", "b", "c"}, {"a", "a", "c"});
  EXPECT_FALSE(bad.passed());
  EXPECT_EQ(bad.persisted_once, 1);
  EXPECT_EQ(bad.missing, std::vector<std::string>{"b"});
  EXPECT_EQ(bad.duplicated, std::vector<std::string>{"a"});
  EXPECT_FALSE(judge_exactly_once({}, {}).passed());
}

TEST(HttpTally, CountsAndPercentiles) {
  HttpTally t;
  for (int i = 1; i <= 98; ++i) t.add(201, i);
  t.add(503, 1000);
  t.add(0, 5000);
  EXPECT_EQ(t.total(), 100);
  EXPECT_EQ(t.successes(), 98);
  EXPECT_EQ(t.by_status.at("201"), 98);
  EXPECT_EQ(t.by_status.at("503"), 1);
  EXPECT_EQ(t.by_status.at("error"), 1);
  EXPECT_DOUBLE_EQ(t.percentile_ms(50), 50);
  EXPECT_DOUBLE_EQ(t.percentile_ms(99), 1000);
  EXPECT_DOUBLE_EQ(t.percentile_ms(100), 5000);
  EXPECT_EQ(t.summary(), "100 requests, 98 2xx, 1 503, 1 error, p50 50ms, p99 1000ms, max 5000ms");
  EXPECT_EQ(t.to_json()["successes"], 98);
}

TEST(ScrapeValue, FindsTheSeries) {
  const std::string text =
      "# HELP learnflow_outbox_depth_x other\nlearnflow_outbox_depth_x 9\nlearnflow_outbox_depth 3\n";
  EXPECT_DOUBLE_EQ(*scrape_value(text, "learnflow_outbox_depth"), 3);
  EXPECT_DOUBLE_EQ(*scrape_value("m{a=\"b c\"} 4\n", "m"), 4);
  EXPECT_FALSE(scrape_value(text, "missing"));
}

TEST(SumOfQueryResult, SumsVectorSamplesAndRejectsGarbage) {
  auto answer = nlohmann::json::parse(
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]},{"metric":{},"value":[1,"3.5"]}]}})");
  EXPECT_DOUBLE_EQ(*sum_of_query_result(answer), 5.5);
  EXPECT_DOUBLE_EQ(*sum_of_query_result(nlohmann::json::parse(R"({"status":"success","data":{"result":[]}})")), 0);
  EXPECT_FALSE(sum_of_query_result(nlohmann::json::parse(R"({"status":"error"})")));
  EXPECT_FALSE(sum_of_query_result(nlohmann::json::parse(R"({"status":"success","data":{"result":[{"value":3}]}})")));
  EXPECT_FALSE(sum_of_query_result(nlohmann::json(42)));
}

}  // namespace
}  // namespace lf::verify
