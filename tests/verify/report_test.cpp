// Verdicts and report rendering of `learnflow verify`.
#include <gtest/gtest.h>

#include "verify/report.hpp"

namespace lf::verify {
namespace {

ScenarioResult sample(bool second_check) {
  ScenarioResult r;
  r.name = "kafka-unavailable";
  r.title = "Kafka unavailable";
  r.seconds = 12.34;
  r.check("every request answered 2xx", true, "10 requests, 10 2xx");
  r.check("course-agent never restarted", second_check, "restarts 0 -> 1");
  r.evidence["requests"] = {{"total", 10}};
  return r;
}

TEST(ScenarioResult, PassesOnlyWithEveryCheckAndNoError) {
  EXPECT_TRUE(sample(true).passed());
  EXPECT_FALSE(sample(false).passed());
  ScenarioResult empty;
  EXPECT_FALSE(empty.passed());
  auto errored = sample(true);
  errored.error = "platform incomplete";
  EXPECT_FALSE(errored.passed());
  EXPECT_EQ(errored.key_numbers(), "platform incomplete");
}

TEST(Report, TableLineShowsVerdictAndFailedChecksFirst) {
  EXPECT_EQ(table_line(sample(false)),
            "FAIL  kafka-unavailable      12.3s  FAILED course-agent never restarted: restarts 0 -> 1; "
            "every request answered 2xx: 10 requests, 10 2xx");
}

TEST(Report, JsonCarriesVerdictsChecksAndEvidence) {
  auto doc = json_report({sample(true), sample(false)}, {{"quick", true}});
  EXPECT_FALSE(doc["passed"].get<bool>());
  EXPECT_EQ(doc["run"]["quick"], true);
  ASSERT_EQ(doc["scenarios"].size(), 2u);
  EXPECT_TRUE(doc["scenarios"][0]["passed"].get<bool>());
  EXPECT_EQ(doc["scenarios"][0]["checks"].size(), 2u);
  EXPECT_EQ(doc["scenarios"][0]["evidence"]["requests"]["total"], 10);
  EXPECT_FALSE(doc["scenarios"][1]["passed"].get<bool>());
  EXPECT_TRUE(json_report({sample(true)}, {})["passed"].get<bool>());
  EXPECT_FALSE(json_report({}, {})["passed"].get<bool>());
}

TEST(Report, MarkdownHasSummaryRowAndChecks) {
  auto md = markdown_report({sample(false)}, {{"quick", true}});
  EXPECT_NE(md.find("| kafka-unavailable | **FAIL** | 12.3s | 2 checks |"), std::string::npos) << md;
  EXPECT_NE(md.find("❌ **course-agent never restarted**: restarts 0 -> 1"), std::string::npos) << md;
  EXPECT_NE(md.find("\"total\": 10"), std::string::npos);
}

}  // namespace
}  // namespace lf::verify
